# Lockfiles for the Test-NpmLockfile tests and the Lockfile bench: a generator of realistic package-lock.json files
# (names from the module's popular-packages list and compound names like real ones, nested node_modules, sha512
# integrity, optional injected problems), and lockfile-lint 5.0.1's CLI from .tools/ with its problems parsed.

function New-TestLockfile {
    # Writes a lockfileVersion 3 (or 2: with an empty v1 section after it; or 1: a dependencies tree) lockfile of
    # $Count packages to $Path. -Problems injects one problem of each kind per 50 packages, deterministically.
    param(
        [Parameter(Mandatory)] [string] $Path,
        [int] $Count = 1000,
        [ValidateSet(1, 2, 3)] [int] $Version = 3,
        [switch] $Problems,
        [int] $Seed = 15
    )
    $rnd = [System.Random]::new($Seed)
    $root = if ($env:NPMH_REPO_ROOT) { $env:NPMH_REPO_ROOT } else { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
    $popular = @(Get-Content -LiteralPath (Join-Path $root 'src/NpmHardening.Engine/Data/popular-packages.txt') | Where-Object { $_ -and -not $_.StartsWith('#') })
    $words = 'core', 'utils', 'parser', 'plugin', 'loader', 'config', 'cli', 'runtime', 'types', 'helper', 'stream', 'http', 'async', 'fs', 'path', 'color', 'string', 'array', 'object', 'events'
    $names = [System.Collections.Generic.List[string]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($p in $popular) { if ($names.Count -lt [Math]::Min($Count, $popular.Count) -and $seen.Add($p)) { $names.Add($p) } }
    while ($names.Count -lt $Count) {
        $base = $popular[$rnd.Next($popular.Count)]
        # compound names as real ones are made (babel-plugin-x, @scope/x-utils): a popular base and one or two words
        $n = $base + '-' + $words[$rnd.Next($words.Count)]
        if ($rnd.Next(3) -eq 0) { $n += '-' + $words[$rnd.Next($words.Count)] }
        if ($seen.Add($n)) { $names.Add($n) }
    }
    $b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    $sb = [System.Text.StringBuilder]::new(400 * $Count)
    $entries = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $Count; $i++) {
        $name = $names[$i]
        $bare = if ($name.StartsWith('@')) { $name.Substring($name.IndexOf('/') + 1) } else { $name }
        $ver = '{0}.{1}.{2}' -f $rnd.Next(0, 12), $rnd.Next(0, 30), $rnd.Next(0, 20)
        $hash = [char[]]::new(86); for ($c = 0; $c -lt 86; $c++) { $hash[$c] = $b64[$rnd.Next(64)] }
        $e = [ordered]@{
            Key       = if ($i -gt 20 -and $rnd.Next(6) -eq 0) { "node_modules/$($names[$rnd.Next(20)])/node_modules/$name" } else { "node_modules/$name" }
            Name      = $name
            Version   = $ver
            Resolved  = "https://registry.npmjs.org/$name/-/$bare-$ver.tgz"
            Integrity = 'sha512-' + [string]::new($hash) + '=='
            Dev       = $rnd.Next(3) -eq 0
            Script    = $false
            Deps      = @(for ($d = 0; $d -lt $rnd.Next(0, 4); $d++) { $names[$rnd.Next($Count)] })
        }
        if ($Problems -and $i % 50 -ge 40) {
            switch ($i % 50) {
                40 { $e.Resolved = $e.Resolved.Replace('https://', 'http://') }
                41 { $e.Resolved = $e.Resolved.Replace('registry.npmjs.org', 'mirror.example.com') }
                42 { $e.Resolved = "git+ssh://git@github.com/example/$bare.git#main"; $e.Integrity = $null }
                43 { $e.Integrity = 'sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI=' }
                44 { $e.Integrity = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' }
                45 { $e.Resolved = "https://registry.npmjs.org/evil-$bare/-/evil-$bare-$ver.tgz" }
                46 { $e.Integrity = $null }
                47 { $e.Script = $true }
                48 { $e.Integrity = 'sha512-broken' }
                49 { $e.Resolved = "file:../vendor/$bare-$ver.tgz" }
            }
        }
        $entries.Add($e)
    }
    $q = { param($s) '"' + $s.Replace('\', '\\').Replace('"', '\"') + '"' }
    [void] $sb.Append("{`n  `"name`": `"generated`",`n  `"version`": `"1.0.0`",`n  `"lockfileVersion`": $Version,`n  `"requires`": true,`n")
    if ($Version -ge 2) {
        [void] $sb.Append("  `"packages`": {`n    `"`": {`n      `"name`": `"generated`",`n      `"version`": `"1.0.0`"`n    }")
        foreach ($e in $entries) {
            [void] $sb.Append(",`n    ").Append((& $q $e.Key)).Append(": {`n      `"version`": ").Append((& $q $e.Version))
            [void] $sb.Append(",`n      `"resolved`": ").Append((& $q $e.Resolved))
            if ($e.Integrity) { [void] $sb.Append(",`n      `"integrity`": ").Append((& $q $e.Integrity)) }
            if ($e.Dev) { [void] $sb.Append(",`n      `"dev`": true") }
            if ($e.Script) { [void] $sb.Append(",`n      `"hasInstallScript`": true") }
            [void] $sb.Append(",`n      `"license`": `"MIT`"")
            if ($e.Deps.Count) {
                [void] $sb.Append(",`n      `"dependencies`": {")
                [void] $sb.Append((($e.Deps | Select-Object -Unique | ForEach-Object { "`n        $(& $q $_): `"^1.0.0`"" }) -join ','))
                [void] $sb.Append("`n      }")
            }
            [void] $sb.Append(",`n      `"engines`": {`n        `"node`": `">=14`"`n      }`n    }")
        }
        [void] $sb.Append("`n  }")
        if ($Version -eq 2) { [void] $sb.Append(",`n  `"dependencies`": {}") }
        [void] $sb.Append("`n}`n")
    }
    else {
        [void] $sb.Append("  `"dependencies`": {")
        $first = $true
        foreach ($e in $entries) {
            if ($e.Key -ne "node_modules/$($e.Name)") { continue } # a flat v1 tree
            if (-not $first) { [void] $sb.Append(',') }
            $first = $false
            [void] $sb.Append("`n    ").Append((& $q $e.Name)).Append(": {`n      `"version`": ").Append((& $q $e.Version))
            [void] $sb.Append(",`n      `"resolved`": ").Append((& $q $e.Resolved))
            if ($e.Integrity) { [void] $sb.Append(",`n      `"integrity`": ").Append((& $q $e.Integrity)) }
            if ($e.Dev) { [void] $sb.Append(",`n      `"dev`": true") }
            [void] $sb.Append("`n    }")
        }
        [void] $sb.Append("`n  }`n}`n")
    }
    [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName([System.IO.Path]::GetFullPath($Path)))
    [System.IO.File]::WriteAllText($Path, $sb.ToString(), [System.Text.UTF8Encoding]::new($false))
}

function Get-LockfileLint {
    # lockfile-lint's CLI script, installed by build.ps1 -Task Bootstrap; $null without it (or without node).
    if (-not (Get-Command node -ErrorAction SilentlyContinue)) { return $null }
    $root = if ($env:NPMH_REPO_ROOT) { $env:NPMH_REPO_ROOT } else { (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
    $cli = [System.IO.Path]::Combine($root, '.tools', 'lockfile-lint', 'node_modules', 'lockfile-lint', 'bin', 'lockfile-lint.js')
    if (Test-Path -LiteralPath $cli) { return $cli }
    return $null
}

# The options of the issue's parity test and bench.
$script:LockfileLintOptions = @('--validate-https', '--allowed-hosts', 'npm', '--validate-integrity', '--validate-package-names', '--format', 'plain')

function Invoke-LockfileLint([string] $Path) {
    # lockfile-lint's problems as objects: Kind (Https, Host, Integrity, PackageName), Name (the installed name), Version
    # (null for PackageName, which names the package only).
    $cli = Get-LockfileLint
    # lockfile-lint reads --path as a glob (tinyglobby) and opens what it found by a path relative to the current folder.
    # On Windows both broke: '\' escapes the next character in a glob (with a Windows path it scanned nothing and
    # reported no problem, exit 0), and with '/' the file on another drive than the current folder became
    # "../../../C:/..." and could not be read. It runs in the file's folder and is given the bare file name.
    $full = [System.IO.Path]::GetFullPath($Path)
    Push-Location -LiteralPath ([System.IO.Path]::GetDirectoryName($full))
    try { $out = & node $cli --path ([System.IO.Path]::GetFileName($full)) @script:LockfileLintOptions 2>&1 | ForEach-Object { "$_" } }
    finally { Pop-Location }
    foreach ($line in $out) {
        # the package is "<name>@<version>-<object hash>"; the version itself may hold an @ (npm:real@1.0.0)
        if ($line -match '^detected (invalid protocol|invalid host\(s\)|invalid integrity hash type) for package: (@?[^@]+)@(.+)-[0-9a-f]{40}$') {
            $kind = @{ 'invalid protocol' = 'Https'; 'invalid host(s)' = 'Host'; 'invalid integrity hash type' = 'Integrity' }[$Matches[1]]
            [pscustomobject]@{ Kind = $kind; Name = $Matches[2]; Version = $Matches[3] }
        }
        elseif ($line -match '^detected resolved URL for package with a different name: (.+)$') {
            [pscustomobject]@{ Kind = 'PackageName'; Name = $Matches[1]; Version = $null }
        }
    }
}

# Which of our rules answer each lockfile-lint problem.
$script:LockfileLintRules = @{
    Https       = @('NPMH15002', 'NPMH15003')
    Host        = @('NPMH15001')
    Integrity   = @('NPMH15005', 'NPMH15006', 'NPMH15007')
    PackageName = @('NPMH15008')
}
