# Shared by the Pester suites: an isolated "machine" in a temp folder (home, global prefix, project) and an
# environment that points npm's layers at it, so no test ever reads the real user's npm configuration.
# Dot-source it in BeforeAll: . (Join-Path $PSScriptRoot 'TestMachine.ps1')

$script:OnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
$script:IsRoot = (-not $OnWindows) -and ((& id -u) -eq '0')

# Whether this "Windows" is Wine (build.ps1 -Task TestWindows): Wine's registry has HKLM\Software\Wine, which no Windows
# has. A test that asserts what Wine does not implement skips inside its It block, where the run has begun:
#     if ($UnderWine) { Set-ItResult -Skipped -Because '<what Wine lacks, measured>'; return }
# or with -Skip:$UnderWine on the It only in a file whose BeforeDiscovery dot-sources this file too (Windows.Tests.ps1):
# -Skip is read at discovery, before BeforeAll runs, and without that $UnderWine is $null there and the test would run.
function Test-UnderWine {
    if (-not $OnWindows) { return $false }
    return (Test-Path -LiteralPath 'Registry::HKEY_LOCAL_MACHINE\Software\Wine')
}
$script:UnderWine = Test-UnderWine

function New-TestMachine {
    $root = Join-Path ([System.IO.Path]::GetTempPath()) ("npmh-" + [guid]::NewGuid().ToString('n'))
    $machine = [pscustomobject]@{
        Root    = $root
        Home    = Join-Path $root 'home'
        Prefix  = Join-Path $root 'prefix'
        Project = Join-Path $root 'project'
    }
    foreach ($dir in $machine.Home, (Join-Path $machine.Prefix 'etc'), $machine.Project) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    Set-Content -LiteralPath (Join-Path $machine.Project 'package.json') -Value '{}' -NoNewline
    $machine
}

function Get-TestEnvironment($Machine, [hashtable] $Extra = @{}) {
    $envTable = @{ PATH = $env:PATH; HOME = $Machine.Home; PREFIX = $Machine.Prefix }
    if ($OnWindows) { $envTable['USERPROFILE'] = $Machine.Home }
    foreach ($k in $Extra.Keys) { $envTable[$k] = $Extra[$k] }
    $envTable
}

function Write-Utf8File([string] $Path, [string] $Text) {
    [System.IO.File]::WriteAllText($Path, $Text, (New-Object System.Text.UTF8Encoding($false)))
    # owner-only, as `npm login` leaves ~/.npmrc, so file-permission rules judge the settings and not the test's umask
    if (-not $OnWindows) { & chmod 600 $Path }
}

# A checksum-valid granular token built in the test (base62 of CRC32 over the 30 random characters).
function New-NpmToken {
    $alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    $random = -join (1..30 | ForEach-Object { $alphabet[(Get-Random -Maximum 62)] })
    $crc = [uint32]::MaxValue
    foreach ($b in [System.Text.Encoding]::ASCII.GetBytes($random)) {
        $crc = $crc -bxor $b
        for ($i = 0; $i -lt 8; $i++) {
            if ($crc -band 1) { $crc = [uint32](($crc -shr 1) -bxor 0xEDB88320) } else { $crc = [uint32]($crc -shr 1) }
        }
    }
    $crc = $crc -bxor [uint32]::MaxValue
    $check = ''
    for ($i = 0; $i -lt 6; $i++) { $check = $alphabet[[int]($crc % 62)] + $check; $crc = [uint32][math]::Floor($crc / 62) }
    "npm_$random$check"
}

# This PowerShell, started again: pwsh(.exe), powershell.exe, or `dotnet pwsh.dll` (dotnet tool). Returns the program
# and the arguments that must come before the host's own.
function Get-PowerShellHost {
    $path = (Get-Process -Id $PID).Path
    $prefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($path) -eq 'dotnet') { $prefix = @([Environment]::GetCommandLineArgs()[0]) }
    [pscustomobject] @{ Path = $path; Prefix = $prefix }
}
