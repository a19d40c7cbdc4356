# Helpers for the privileged attack tests: a local user created for one test file and removed after it, commands run
# as that user (the attacker), root-owned victims, and the C swapper compiled once. Unix, as root only.

function Test-CanAttack {
    # The tests need root (to create a user and to be the privileged party) and the tools to act as another user.
    if ($IsWindows) { return 'the attacks are Unix ones (the Windows ones are covered through the platform interface)' }
    if ((& id -u) -ne '0') { return 'the attack tests run as root (CI does); this run is not root' }
    foreach ($tool in 'useradd', 'userdel', 'setpriv', 'cc') {
        if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { return "$tool is not installed" }
    }
    return $null
}

function New-ThrowawayUser {
    $name = 'npmh' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $homeDir = "/home/$name"
    & useradd --create-home --home-dir $homeDir --shell /bin/sh --user-group $name
    if ($LASTEXITCODE -ne 0) { throw "useradd $name failed" }
    & chmod 0755 $homeDir
    [pscustomobject] @{ Name = $name; Home = $homeDir; Uid = [int] (& id -u $name); Gid = [int] (& id -g $name) }
}

function Remove-ThrowawayUser($User) {
    if ($null -eq $User) { return }
    & pkill -KILL -u $User.Name 2>$null
    & userdel --remove $User.Name 2>$null
    if (Test-Path -LiteralPath $User.Home) { & rm -rf $User.Home }
}

# Runs a command as the user (uid, gid, no supplementary groups), the way the attacker would.
function Invoke-AsUser($User, [string] $Command) {
    & setpriv "--reuid=$($User.Uid)" "--regid=$($User.Gid)" --clear-groups -- /bin/sh -c $Command
    if ($LASTEXITCODE -ne 0) { throw "as $($User.Name): '$Command' failed ($LASTEXITCODE)" }
}

# A root-owned folder (mode given) holding one root-owned file: what the attacker aims at.
function New-RootVictim([string] $FolderMode = '0755', [string] $FileMode = '0644', [string] $Content = "ROOT-OWNED victim: must never change`n") {
    $folder = Join-Path ([IO.Path]::GetTempPath()) ('npmh-victim-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $folder | Out-Null
    & chmod $FolderMode $folder
    $file = Join-Path $folder 'victim'
    [IO.File]::WriteAllText($file, $Content)
    & chmod $FileMode $file
    [pscustomobject] @{ Folder = $folder; File = $file; Content = $Content }
}

# Everything that would show a change: bytes, owner, mode, inode, link count, and the folder's entries.
function Get-VictimState($Victim) {
    $entries = @(Get-ChildItem -LiteralPath $Victim.Folder -Force | Sort-Object Name | ForEach-Object { $_.Name }) -join ','
    $stat = if (Test-Path -LiteralPath $Victim.File) { & stat -c '%u:%g %a %i %h' $Victim.File } else { 'missing' }
    $hash = if (Test-Path -LiteralPath $Victim.File) { (Get-FileHash -LiteralPath $Victim.File -Algorithm SHA256).Hash } else { '' }
    "$stat $hash [$entries]"
}

# The swapper (Attack/swapper.c), compiled into a folder the user can run it from.
function Get-Swapper {
    $folder = Join-Path ([IO.Path]::GetTempPath()) ('npmh-swapper-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $folder | Out-Null
    & chmod 0755 $folder
    $exe = Join-Path $folder 'swapper'
    & cc -O2 -o $exe (Join-Path $PSScriptRoot 'swapper.c')
    if ($LASTEXITCODE -ne 0) { throw 'compiling the swapper failed' }
    & chmod 0755 $exe
    $exe
}

# Starts the swapper as the user; returns the process once it says it is ready.
function Start-Swapper($User, [string] $Swapper, [string[]] $Arguments) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new('setpriv')
    foreach ($a in @("--reuid=$($User.Uid)", "--regid=$($User.Gid)", '--clear-groups', '--', $Swapper) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLine()
    if ($line -ne 'ready') { throw "the swapper did not start: $line $($process.StandardError.ReadToEnd())" }
    $process
}

# Stops the swapper and returns how many swaps it made.
function Stop-Swapper($Process) {
    & kill -TERM $Process.Id
    if (-not $Process.WaitForExit(10000)) { $Process.Kill(); throw 'the swapper did not stop' }
    $out = $Process.StandardOutput.ReadToEnd()
    if ($out -match 'swaps (\d+)') { return [long] $Matches[1] }
    throw "the swapper printed no count: $out"
}
