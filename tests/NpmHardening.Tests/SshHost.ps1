# Helpers for the fleet test: an sshd of the test's own on 127.0.0.1 (own config, host key, port and log, in one temp
# folder), with PowerShell registered as its "powershell" subsystem, so Invoke-Command -HostName reaches local accounts
# over real SSH remoting. Linux, as root (CI). Nothing of the system's sshd configuration is read or changed; the only
# system change is /run/sshd (sshd's privilege-separation folder), created when missing and removed again.
# Dot-source after Attack/ThrowawayUser.ps1.

$script:SshdPath = '/usr/sbin/sshd'

function Test-CanRunSshd {
    if (-not $IsLinux) { return 'the SSH fan-out test runs on Linux (sshd from Debian''s openssh-server)' }
    if ((& id -u) -ne '0') { return 'the SSH fan-out test creates local accounts and runs sshd: it needs root (CI runs as root)' }
    if (-not (Test-Path -LiteralPath $SshdPath)) { return "$SshdPath is missing: build.ps1's Bootstrap installs openssh-server with apt-get where it can" }
    foreach ($tool in 'ssh', 'ssh-keygen', 'useradd', 'usermod', 'userdel', 'setpriv') {
        if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { return "$tool is not installed" }
    }
    return $null
}

function Get-FreeLoopbackPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { return $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Lays out the folder every account can read: a hard-linked (else copied) PowerShell, the built module, the subsystem
# wrapper; then the host key and known_hosts entry, and the sshd configuration. Returns the state AfterAll needs.
function New-SshFixture([string] $ModuleFolder, [string[]] $UserNames) {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ('npmh-ssh-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir | Out-Null
    & chmod 0755 $dir
    $fixture = [pscustomobject] @{
        Folder = $dir; Port = 0; Process = $null; CreatedRunSshd = $false; Log = (Join-Path $dir 'sshd.log')
        ModulePath = $null; KnownHosts = (Join-Path $dir 'known_hosts'); Config = (Join-Path $dir 'sshd_config')
        Host = $null
    }
    try { Initialize-SshFixture $fixture $ModuleFolder $UserNames }
    catch {
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        throw
    }
    $fixture
}

function Initialize-SshFixture($fixture, [string] $ModuleFolder, [string[]] $UserNames) {
    $dir = $fixture.Folder

    # PowerShell for the accounts: this very one (the dotnet tool), run by dotnet through a wrapper, because an sshd
    # subsystem is one executable path. The NuGet folder it lives in is under /root, which the accounts cannot enter.
    $pwshFolder = Join-Path $dir 'pwsh'
    & cp -al $PSHOME $pwshFolder 2>$null
    if ($LASTEXITCODE -ne 0) { & cp -a $PSHOME $pwshFolder; if ($LASTEXITCODE -ne 0) { throw "copying $PSHOME failed" } }
    $dotnet = (Get-Process -Id $PID).Path
    $pwshDll = Join-Path $pwshFolder 'pwsh.dll'
    $wrapper = Join-Path $dir 'pwsh-subsystem'
    $fixture.Host = if ([IO.Path]::GetFileNameWithoutExtension($dotnet) -eq 'dotnet') { @($dotnet, $pwshDll) } else { @(Join-Path $pwshFolder 'pwsh') }
    [IO.File]::WriteAllText($wrapper, "#!/bin/sh`nexec $(($fixture.Host | ForEach-Object { "'$_'" }) -join ' ') -sshs -NoLogo -NoProfile`n")
    & chmod 0755 $wrapper

    # The module as built, where the accounts can read it.
    $version = Split-Path -Leaf $ModuleFolder
    $moduleTarget = Join-Path $dir "modules/NpmHardening/$version"
    New-Item -ItemType Directory -Path (Split-Path $moduleTarget) -Force | Out-Null
    Copy-Item -LiteralPath $ModuleFolder -Destination $moduleTarget -Recurse
    & chmod -R a+rX (Join-Path $dir 'modules')
    $fixture.ModulePath = Join-Path $moduleTarget 'NpmHardening.psd1'

    $hostKey = Join-Path $dir 'host_ed25519'
    & ssh-keygen -q -t ed25519 -N '' -C 'npmh-test-host' -f $hostKey
    if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen (host key) failed' }

    $fixture.Port = Get-FreeLoopbackPort
    Set-Content -LiteralPath $fixture.KnownHosts -Value ("[localhost]:$($fixture.Port) " + (Get-Content -LiteralPath "$hostKey.pub" -Raw).Trim())

    @(
        "Port $($fixture.Port)"
        'ListenAddress 127.0.0.1'
        "HostKey $hostKey"
        "PidFile $(Join-Path $dir 'sshd.pid')"
        'AuthorizedKeysFile .ssh/authorized_keys'
        'PubkeyAuthentication yes'
        'PasswordAuthentication no'
        'KbdInteractiveAuthentication no'
        'UsePAM no'
        'PermitRootLogin no'
        "AllowUsers $($UserNames -join ' ')"
        'X11Forwarding no'
        'AllowTcpForwarding no'
        'LogLevel VERBOSE'
        "Subsystem powershell $wrapper"
    ) | Set-Content -LiteralPath $fixture.Config
}

# An account sshd lets in with its key: unlocked ('*': no password, but not the '!' of a locked account, which sshd
# refuses without PAM), ~/.ssh/authorized_keys with a key made here. Returns the private key path (root's, 0600).
function Grant-SshKey($Fixture, $User) {
    & usermod -p '*' $User.Name
    if ($LASTEXITCODE -ne 0) { throw "usermod $($User.Name) failed" }
    $key = Join-Path $Fixture.Folder "id_$($User.Name)"
    & ssh-keygen -q -t ed25519 -N '' -C $User.Name -f $key
    if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen (client key) failed' }
    $sshDir = Join-Path $User.Home '.ssh'
    New-Item -ItemType Directory -Path $sshDir -Force | Out-Null
    Copy-Item -LiteralPath "$key.pub" -Destination (Join-Path $sshDir 'authorized_keys')
    & chown -R "$($User.Uid):$($User.Gid)" $sshDir
    & chmod 0700 $sshDir
    & chmod 0600 (Join-Path $sshDir 'authorized_keys')
    $key
}

# Why the account cannot start the subsystem's PowerShell (the dotnet host outside its reach), or $null.
function Test-SubsystemReach($Fixture, $User) {
    $checks = @("test -x '$($Fixture.Host[0])'") + @($Fixture.Host | Select-Object -Skip 1 | ForEach-Object { "test -r '$_'" })
    & setpriv "--reuid=$($User.Uid)" "--regid=$($User.Gid)" --clear-groups -- /bin/sh -c ($checks -join ' && ')
    if ($LASTEXITCODE -ne 0) { return "$($User.Name) cannot run $($Fixture.Host -join ' ') (installed where other accounts cannot reach it)" }
    return $null
}

function Start-TestSshd($Fixture) {
    if (-not (Test-Path -LiteralPath '/run/sshd')) {
        New-Item -ItemType Directory -Path '/run/sshd' | Out-Null
        & chmod 0755 '/run/sshd'
        $Fixture.CreatedRunSshd = $true
    }
    $check = & $SshdPath -t -f $Fixture.Config 2>&1
    if ($LASTEXITCODE -ne 0) { throw "sshd -t rejected the test configuration: $check" }
    # -D: stay in the foreground (this process is the one to stop); -e -E: log to the file.
    $Fixture.Process = Start-Process -FilePath $SshdPath -ArgumentList @('-D', '-f', $Fixture.Config, '-E', $Fixture.Log) -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Fixture.Process.HasExited) { break }
        $client = [System.Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Fixture.Port); return } catch { Start-Sleep -Milliseconds 100 } finally { $client.Dispose() }
    }
    $log = if (Test-Path -LiteralPath $Fixture.Log) { Get-Content -LiteralPath $Fixture.Log -Raw } else { '' }
    throw "sshd did not listen on 127.0.0.1:$($Fixture.Port): $log"
}

function Stop-TestSshd($Fixture) {
    if ($null -eq $Fixture) { return }
    if ($Fixture.Process -and -not $Fixture.Process.HasExited) {
        $Fixture.Process.Kill()
        [void] $Fixture.Process.WaitForExit(5000)
    }
    if ($Fixture.CreatedRunSshd -and (Test-Path -LiteralPath '/run/sshd')) { Remove-Item -LiteralPath '/run/sshd' -Recurse -Force }
    if (Test-Path -LiteralPath $Fixture.Folder) { Remove-Item -LiteralPath $Fixture.Folder -Recurse -Force }
}

# Options for PowerShell's ssh client: the host key checked against the fixture's known_hosts, keys only, never a prompt
# (CI has no terminal).
function Get-SshClientOptions($Fixture) {
    @{
        UserKnownHostsFile = $Fixture.KnownHosts
        GlobalKnownHostsFile = '/dev/null'
        StrictHostKeyChecking = 'yes'
        BatchMode = 'yes'
        IdentitiesOnly = 'yes'
        PasswordAuthentication = 'no'
    }
}
