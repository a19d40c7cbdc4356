# Shared by the hardening and compliance suites (Set/Test-NpmHardening, DSC, Intune). Dot-source it after
# TestMachine.ps1.
#
# Get-HardeningEnvironment $Machine @{ ... } is the machine's environment with the backup store inside the machine
# (XDG_STATE_HOME and LOCALAPPDATA) and a supported node first on PATH, plus the extra variables given.
#
# A node of a chosen version beside the real npm, so that NPMH1003 (node end of life) does not depend on the node
# installed on the test machine or on today's date:
#
# Add-TestNode $Machine '99.0.0' returns the PATH to put in the machine's environment: a folder with a `node`
# (version read from include/node/node_version.h, as NpmLocator reads it) and the real npm package linked in beside
# it (lib/node_modules/npm on Unix, node_modules\npm on Windows). The engine never runs node, so the file is empty.

function Get-RealNpmRoot {
    if ($OnWindows) {
        $node = (Get-Command node.exe -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
        return Join-Path (Split-Path -Parent $node) 'node_modules\npm'
    }
    $global = (& npm root -g 2>$null | Select-Object -First 1)
    if (-not $global) { throw 'npm root -g gave no folder: npm is needed for these tests.' }
    Join-Path $global 'npm'
}

function Add-TestNode($Machine, [string] $Version = '99.0.0') {
    $root = Join-Path $Machine.Root "node-$Version"
    $bin = Join-Path $root 'bin'
    $parts = $Version.Split('.')
    $header = "#define NODE_MAJOR_VERSION $($parts[0])`n#define NODE_MINOR_VERSION $($parts[1])`n#define NODE_PATCH_VERSION $($parts[2])`n"
    if (Test-Path -LiteralPath $bin) { return $bin }   # already laid out for this machine
    $npm = Get-RealNpmRoot
    if ($OnWindows) {
        # node.exe, include\node and node_modules\npm side by side, as the installer lays them out (the prefix is node's folder)
        New-Item -ItemType Directory -Path (Join-Path $bin 'include\node') -Force | Out-Null
        [System.IO.File]::WriteAllText((Join-Path $bin 'include\node\node_version.h'), $header)
        [System.IO.File]::WriteAllText((Join-Path $bin 'node.exe'), '')
        New-Item -ItemType Directory -Path (Join-Path $bin 'node_modules') -Force | Out-Null
        if ($UnderWine) {
            # Wine 8 makes no junction ("Request not supported") and does not follow the symbolic links it makes: the
            # two files of npm's folder the engine reads (package.json for the version, npmrc for the builtin layer)
            # are copied instead. The engine never runs this npm.
            $copy = New-Item -ItemType Directory -Path (Join-Path $bin 'node_modules\npm') -Force
            foreach ($name in 'package.json', 'npmrc') {
                $from = Join-Path $npm $name
                if (Test-Path -LiteralPath $from) { Copy-Item -LiteralPath $from -Destination $copy.FullName }
            }
            return $bin
        }
        New-Item -ItemType Junction -Path (Join-Path $bin 'node_modules\npm') -Target $npm | Out-Null
        return $bin
    }
    New-Item -ItemType Directory -Path (Join-Path $root 'include/node') -Force | Out-Null
    [System.IO.File]::WriteAllText((Join-Path $root 'include/node/node_version.h'), $header)
    New-Item -ItemType Directory -Path $bin, (Join-Path $root 'lib/node_modules') -Force | Out-Null
    [System.IO.File]::WriteAllText((Join-Path $bin 'node'), '')
    & chmod 755 (Join-Path $bin 'node')
    New-Item -ItemType SymbolicLink -Path (Join-Path $root 'lib/node_modules/npm') -Target $npm | Out-Null
    $bin
}

function Get-HardeningEnvironment($Machine, [hashtable] $Extra = @{}) {
    $state = Join-Path $Machine.Root 'state'
    $all = @{ XDG_STATE_HOME = $state; LOCALAPPDATA = $state; PATH = (Add-TestNode $Machine) }
    foreach ($k in $Extra.Keys) { $all[$k] = $Extra[$k] }
    Get-TestEnvironment $Machine $all
}
