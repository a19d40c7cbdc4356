#Requires -Version 5.1
<#
.SYNOPSIS
    Tree-scan benchmark (issue 5): Test-NpmrcToken -Path <tree> -Recurse beside `find <tree> -name .npmrc` and
    secretlint with its npm rule, on one generated tree of 200,000 files in 20,000 folders with 50 planted .npmrc
    files holding credentials.

.DESCRIPTION
    Run by `build.ps1 -Task Bench` after Invoke-Benchmark.ps1 (or alone with `-BenchPart Tree`), which builds
    the module first and passes its manifest in $env:NPMH_MODULE_PATH.

    The tree is generated once into <repo>/.bench/tree (git-ignored) by TreeGenerator.cs, deterministically from
    -Seed, and reused while <repo>/.bench/tree.json (the parameters, the generator's hash and the list of planted
    credentials, without their values) matches. Planted .npmrc files sit where -Recurse looks: project roots and
    nested source folders, never inside node_modules. node_modules folders hold packages, some of which ship a
    settings-only .npmrc (`find` counts those, -Recurse and secretlint skip node_modules).

    secretlint is installed by `npm ci` into <repo>/.bench/secretlint (git-ignored) from the pinned package.json
    and package-lock.json in secretlint/ beside this script, and run with only @secretlint/secretlint-rule-npm
    enabled, from the tree root, as a user looking for npm secrets would: `secretlint "**/.npmrc"` (the fair
    comparison: the same files we read) and, once, `secretlint "**/*"` (every file). secretlint 13 matches
    dotfiles with `**` and skips node_modules and .git by default; it honours .gitignore files, of which the tree
    has none.

    Contenders, wall time from process start to exit (stdout and stderr drained), in -Rounds round-robin rounds
    after one untimed warm-up round:
      find <tree> -name .npmrc                                       the floor (the issue's command)
      find <tree> -name node_modules -prune -o -name .npmrc -print   the same walk -Recurse does (info)
      warm Test-NpmrcToken -Path <tree> -Recurse                     in one PowerShell that imported the module
                                                                     and ran it once; timed inside that session
                                                                     (Stopwatch), driven round by round over stdin
      pwsh -NoProfile -NonInteractive -Command "Import-Module <psd1>; Test-NpmrcToken -Path <tree> -Recurse | Out-Null"
      pwsh ... -Command "Import-Module <psd1>"                       for scale
      node secretlint "**/.npmrc" --format json                      (exit code 1 = found something, expected)
    then `secretlint "**/*"` -SecretlintAllFilesRuns times (slow: it reads every file).

    Memory: -MemoryRuns runs each of an idle pwsh that imported the module and of one that also scanned the tree,
    each printing its own peak working set last (Process.PeakWorkingSet64: VmHWM on Linux).

    Recall: the planted credentials (file and line) that each tool reports. Test-NpmrcToken: its findings'
    Path and Line (and Kind, which must equal the planted kind). secretlint: the lines of its JSON messages.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Tree

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-TreeBenchmark.ps1 -Rounds 3 -SecretlintAllFilesRuns 0
#>
[CmdletBinding()]
param(
    # The built module's manifest. Default: $env:NPMH_MODULE_PATH (set by build.ps1), else out/NpmHardening/<VersionPrefix>/.
    [string] $ModulePath = $env:NPMH_MODULE_PATH,

    # Where tree-<timestamp>.md goes. Default: <repo>/out/bench.
    [string] $OutDirectory,

    # Where the tree and secretlint live. Default: <repo>/.bench (git-ignored).
    [string] $BenchDirectory,

    [ValidateRange(200, 10000000)] [int] $Folders = 20000,
    [ValidateRange(200, 100000000)] [int] $Files = 200000,
    [ValidateRange(1, 10000)] [int] $Planted = 50,
    [long] $Seed = 20261126,

    # Timed round-robin rounds (after one untimed warm-up round).
    [ValidateRange(1, 1000)] [int] $Rounds = 5,

    # Runs per memory contender.
    [ValidateRange(1, 1000)] [int] $MemoryRuns = 3,

    # Runs of secretlint "**/*" (0: skip it).
    [ValidateRange(0, 100)] [int] $SecretlintAllFilesRuns = 1,

    # Leave secretlint out (no npm install).
    [switch] $SkipSecretlint
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$benchWatch = [System.Diagnostics.Stopwatch]::StartNew()
$BoundParameters = $PSBoundParameters
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = [bool] $IsWindows }
$Utf8 = New-Object System.Text.UTF8Encoding $false

# --------------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------------

$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
$ModuleVersion = (Import-PowerShellDataFile -LiteralPath $ModulePath).ModuleVersion
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
if (-not $BenchDirectory) { $BenchDirectory = Join-Paths $RepoRoot '.bench' }
$BenchDirectory = [System.IO.Path]::GetFullPath($BenchDirectory)
$TreeRoot = Join-Paths $BenchDirectory 'tree'
$TreeStamp = Join-Paths $BenchDirectory 'tree.json'

function Get-Application([string] $Name) {
    $c = @(Get-Command -Name $Name -CommandType Application -ErrorAction SilentlyContinue)
    if ($OnWindows) { $cmd = @($c | Where-Object { $_.Path -like '*.cmd' }); if ($cmd.Count -gt 0) { $c = $cmd } }
    if ($c.Count -eq 0) { return $null }
    return $c[0].Path
}

$Pwsh = Get-PwshCommand
# `find` is the Unix one; on Windows find.exe searches text, so there is no floor to compare with.
$Find = $null
if (-not $OnWindows) { $Find = Get-Application 'find' }
$Node = Get-Application 'node'
$Npm = Get-Application 'npm'
if (-not $SkipSecretlint -and (-not $Node -or -not $Npm)) {
    Write-Warning 'node or npm is not on PATH: secretlint is left out.'
    $SkipSecretlint = $true
}

# --------------------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------------------

function New-StartInfo([string] $File, [string[]] $Arguments, [string] $WorkingDirectory) {
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $File
    $psi.Arguments = (@($Arguments | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' ')
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    # The module path variables of the build session would make a child import another copy.
    foreach ($name in @('PSModulePath', 'NPMH_MODULE_PATH', 'NPMH_REPO_ROOT')) { [void] $psi.EnvironmentVariables.Remove($name) }
    return $psi
}

function Invoke-TimedProcess {
    # @{ Ms; Stdout; Stderr; ExitCode }: wall time from Start() to exit with both streams drained. Throws when
    # the exit code is not one of $AllowedExitCodes.
    param([string] $File, [string[]] $Arguments, [string] $WorkingDirectory = $RepoRoot, [int[]] $AllowedExitCodes = @(0))
    $psi = New-StartInfo $File $Arguments $WorkingDirectory
    return Invoke-StartInfo $psi $AllowedExitCodes
}

# --------------------------------------------------------------------------------------------------------
# Statistics and formatting (the shared helpers are in BenchCommon.ps1)
# --------------------------------------------------------------------------------------------------------

$StartLoad = Get-LoadAverage

function Get-FileHashHex([string] $Path) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { return ([BitConverter]::ToString($sha.ComputeHash([System.IO.File]::ReadAllBytes($Path))) -replace '-', '').ToLowerInvariant() }
    finally { $sha.Dispose() }
}

# --------------------------------------------------------------------------------------------------------
# The tree: generated once, reused while its stamp matches
# --------------------------------------------------------------------------------------------------------

function Initialize-Tree {
    $generatorSource = Join-Paths $PSScriptRoot 'TreeGenerator.cs'
    $parameters = [ordered]@{ Folders = $Folders; Files = $Files; Planted = $Planted; Seed = $Seed; Generator = (Get-FileHashHex $generatorSource) }
    $wanted = ($parameters | ConvertTo-Json -Compress)
    if ((Test-Path -LiteralPath $TreeStamp) -and (Test-Path -LiteralPath $TreeRoot)) {
        $stamp = Get-Content -LiteralPath $TreeStamp -Raw | ConvertFrom-Json
        if (($stamp.Parameters | ConvertTo-Json -Compress) -eq $wanted) {
            Write-Host "Tree:     $TreeRoot (reused; $($stamp.Summary.Files) files in $($stamp.Summary.Folders) folders, generated $($stamp.Generated))"
            return $stamp
        }
        Write-Host 'Tree:     parameters or generator changed; generating again.'
    }
    if (Test-Path -LiteralPath $TreeStamp) { Remove-Item -LiteralPath $TreeStamp -Force }
    if (Test-Path -LiteralPath $TreeRoot) { [System.IO.Directory]::Delete($TreeRoot, $true) }
    [void] [System.IO.Directory]::CreateDirectory($BenchDirectory)
    if (-not ('NpmHardeningBench.TreeGenerator' -as [type])) { Add-Type -Path $generatorSource }
    Write-Host "Tree:     generating $Files files in $Folders folders with $Planted planted .npmrc files into $TreeRoot ..."
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $summary = [NpmHardeningBench.TreeGenerator]::Generate($TreeRoot, $Folders, $Files, $Planted, [uint64] $Seed)
    $stamp = [ordered]@{
        Parameters = $parameters
        Generated  = [DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm:ss', $Invariant) + ' UTC'
        Seconds    = [Math]::Round($watch.Elapsed.TotalSeconds, 1)
        Summary    = [ordered]@{
            Folders = $summary.Folders; Files = $summary.Files; FoldersInNodeModules = $summary.FoldersInNodeModules
            FilesInNodeModules = $summary.FilesInNodeModules; PlantedFiles = $summary.PlantedFiles
            CleanNpmrcOutsideNodeModules = $summary.CleanNpmrcOutsideNodeModules; NpmrcInsideNodeModules = $summary.NpmrcInsideNodeModules
            NameDecoys = $summary.NameDecoys; MaxDepth = $summary.MaxDepth; Bytes = $summary.Bytes
        }
        # File, line, kind and key of each planted credential; never its value.
        Planted    = @($summary.Planted | ForEach-Object { [ordered]@{ File = $_.File; Line = $_.Line; Kind = $_.Kind; Key = $_.Key } })
    }
    # Written last: an interrupted generation leaves no stamp and is redone.
    [System.IO.File]::WriteAllText($TreeStamp, ($stamp | ConvertTo-Json -Depth 5), $Utf8)
    Write-Host ('Tree:     generated in {0:0.0} s' -f $watch.Elapsed.TotalSeconds)
    return (Get-Content -LiteralPath $TreeStamp -Raw | ConvertFrom-Json)
}

# --------------------------------------------------------------------------------------------------------
# secretlint: npm ci from the pinned lock into .bench/secretlint
# --------------------------------------------------------------------------------------------------------

function Initialize-Secretlint {
    $source = Join-Paths $PSScriptRoot 'secretlint'
    $target = Join-Paths $BenchDirectory 'secretlint'
    $bin = Join-Paths $target 'node_modules' 'secretlint' 'bin' 'secretlint.js'
    $lockHash = Get-FileHashHex (Join-Paths $source 'package-lock.json')
    $stampPath = Join-Paths $target 'installed.txt'
    if ((Test-Path -LiteralPath $bin) -and (Test-Path -LiteralPath $stampPath) -and ((Get-Content -LiteralPath $stampPath -Raw).Trim() -eq $lockHash)) {
        Write-Host "secretlint: $target (reused)"
    }
    else {
        Write-Host "secretlint: npm ci into $target ..."
        [void] [System.IO.Directory]::CreateDirectory($target)
        foreach ($name in @('package.json', 'package-lock.json')) { Copy-Item -LiteralPath (Join-Paths $source $name) -Destination (Join-Paths $target $name) -Force }
        if (Test-Path -LiteralPath $stampPath) { Remove-Item -LiteralPath $stampPath -Force }
        # secretlint 13 declares node >= 22 but runs on node 20 for this use; the engine warning is expected.
        $null = Invoke-TimedProcess $Npm @('ci', '--no-audit', '--no-fund', '--loglevel=error') $target
        [System.IO.File]::WriteAllText($stampPath, $lockHash, $Utf8)
    }
    $config = Join-Paths $target 'secretlintrc.json'
    [System.IO.File]::WriteAllText($config, '{ "rules": [ { "id": "@secretlint/secretlint-rule-npm" } ] }', $Utf8)
    $version = (Invoke-TimedProcess $Node @($bin, '--version')).Stdout.Trim()
    $ruleVersion = (Get-Content -LiteralPath (Join-Paths $target 'node_modules' '@secretlint' 'secretlint-rule-npm' 'package.json') -Raw | ConvertFrom-Json).version
    return @{ Bin = $bin; Config = $config; Version = $version; RuleVersion = $ruleVersion; Directory = $target }
}

function Get-SecretlintArguments([string] $Pattern, [string] $Output) {
    return @($Secretlint.Bin, $Pattern, '--secretlintrc', $Secretlint.Config, '--format', 'json', '--output', $Output, '--no-color')
}

function Read-SecretlintLines([string] $Output) {
    # The distinct (file, line) pairs secretlint reported, as "path:line" strings. It masks the secrets in its
    # JSON output by default; only paths and lines are read here.
    $lines = New-Object 'System.Collections.Generic.HashSet[string]'
    $files = 0
    foreach ($result in @(Get-Content -LiteralPath $Output -Raw | ConvertFrom-Json)) {
        $files++
        foreach ($message in @($result.messages)) { [void] $lines.Add(([string] $result.filePath) + ':' + [string] $message.loc.start.line) }
    }
    return @{ Lines = $lines; Files = $files }
}

# --------------------------------------------------------------------------------------------------------
# The warm session: a child PowerShell that imported the module and runs the scan when told to on stdin
# --------------------------------------------------------------------------------------------------------

$WarmScript = @'
param([string] $ModulePath, [string] $Tree, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath
# First scan, untimed: JIT, the file system's caches, and the findings for the recall count.
$verbose = @()
$findings = @(Test-NpmrcToken -Path $Tree -Recurse -Verbose 4>&1 | ForEach-Object {
    if ($_ -is [System.Management.Automation.VerboseRecord]) { $verbose += $_.Message; return }
    # Path, line, kind and key: nothing that holds or derives from a secret.
    @{ Path = $_.Path; Line = $_.Line; Kind = [string] $_.Kind; Key = $_.Key; Status = [string] $_.Status }
})
[System.IO.File]::WriteAllText($ResultPath, (@{ Findings = $findings; Verbose = ($verbose -join ' ') } | ConvertTo-Json -Depth 4 -Compress))
$watch = [System.Diagnostics.Stopwatch]::new()
[Console]::Out.WriteLine('ready')
while ($true) {
    $command = [Console]::In.ReadLine()
    if ($null -eq $command -or $command -eq 'quit') { break }
    if ($command -eq 'peak') { [Console]::Out.WriteLine([System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64); continue }
    $watch.Restart()
    $count = @(Test-NpmrcToken -Path $Tree -Recurse).Count
    $watch.Stop()
    [Console]::Out.WriteLine(('{0} {1}' -f $watch.Elapsed.TotalMilliseconds.ToString('R', [cultureinfo]::InvariantCulture), $count))
}
'@

function Start-WarmSession([string] $ScriptPath, [string] $ResultPath) {
    [System.IO.File]::WriteAllText($ScriptPath, $WarmScript, (New-Object System.Text.UTF8Encoding $true))
    $psi = New-StartInfo $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $ScriptPath,
            '-ModulePath', $ModulePath, '-Tree', $TreeRoot, '-ResultPath', $ResultPath)) $RepoRoot
    $process = [System.Diagnostics.Process]::Start($psi)
    $session = @{ Process = $process; Stderr = $process.StandardError.ReadToEndAsync() }
    $line = $process.StandardOutput.ReadLine()
    if ($line -ne 'ready') { throw "The warm session did not start: $line $($session.Stderr.Result)" }
    return $session
}

function Invoke-WarmRound($Session) {
    $Session.Process.StandardInput.WriteLine('run')
    $Session.Process.StandardInput.Flush()
    $line = $Session.Process.StandardOutput.ReadLine()
    if ($null -eq $line) { throw "The warm session ended: $($Session.Stderr.Result)" }
    $parts = $line.Split(' ')
    return @{ Ms = [double]::Parse($parts[0], $Invariant); Count = [int] $parts[1] }
}

function Stop-WarmSession($Session) {
    $Session.Process.StandardInput.WriteLine('peak')
    $Session.Process.StandardInput.Flush()
    $peak = [double]::Parse($Session.Process.StandardOutput.ReadLine(), $Invariant)
    $Session.Process.StandardInput.WriteLine('quit')
    $Session.Process.StandardInput.Close()
    $Session.Process.WaitForExit()
    $Session.Process.Dispose()
    return $peak
}

# --------------------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------------------

$WorkRoot = Join-Paths ([System.IO.Path]::GetTempPath()) ('npmh-treebench-' + [guid]::NewGuid().ToString('n').Substring(0, 12))
$warmSession = $null
try {
    [void] [System.IO.Directory]::CreateDirectory($WorkRoot)
    $stamp = Initialize-Tree
    $Secretlint = $null
    if (-not $SkipSecretlint) { $Secretlint = Initialize-Secretlint }

    # Benchmark a copy of the built module, so a concurrent build cannot swap it halfway (see Invoke-Benchmark.ps1).
    $BuiltModulePath = $ModulePath
    $snapshot = Join-Paths $WorkRoot 'modules' 'NpmHardening' $ModuleVersion
    [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($snapshot))
    Copy-Item -LiteralPath ([System.IO.Path]::GetDirectoryName($ModulePath)) -Destination $snapshot -Recurse
    $ModulePath = Join-Paths $snapshot ([System.IO.Path]::GetFileName($ModulePath))
    $quotedModule = ConvertTo-PSLiteral $ModulePath
    $quotedTree = ConvertTo-PSLiteral $TreeRoot
    $peakProbe = '[System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64'

    $contenders = [ordered]@{}
    if ($Find) {
        $contenders['find'] = @{ Label = 'find <tree> -name .npmrc'; File = $Find; Arguments = @($TreeRoot, '-name', '.npmrc') }
        $contenders['find-prune'] = @{ Label = 'find <tree> -name node_modules -prune -o -name .npmrc -print'; File = $Find; Arguments = @($TreeRoot, '-name', 'node_modules', '-prune', '-o', '-name', '.npmrc', '-print') }
    }
    $contenders['warm'] = @{ Label = 'warm: Test-NpmrcToken -Path <tree> -Recurse'; Warm = $true }
    $contenders['fresh'] = @{ Label = 'fresh pwsh: Import-Module; Test-NpmrcToken -Path <tree> -Recurse'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedModule; Test-NpmrcToken -Path $quotedTree -Recurse | Out-Null") }
    $contenders['import'] = @{ Label = 'fresh pwsh: Import-Module (for scale)'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedModule") }
    $secretlintNpmrcOut = Join-Paths $WorkRoot 'secretlint-npmrc.json'
    $secretlintAllOut = Join-Paths $WorkRoot 'secretlint-all.json'
    if ($Secretlint) {
        $contenders['secretlint'] = @{ Label = 'secretlint "**/.npmrc" (npm rule)'; File = $Node; Arguments = (Get-SecretlintArguments '**/.npmrc' $secretlintNpmrcOut); Cwd = $TreeRoot; Exit = @(0, 1) }
    }

    $pwshDisplay = ((@($Pwsh.File) + @($Pwsh.Prefix)) -join ' ')
    Write-Host "Module:   $BuiltModulePath ($ModuleVersion), benchmarked from a copy in $WorkRoot"
    Write-Host "pwsh:     $pwshDisplay (PowerShell $($PSVersionTable.PSVersion))"

    Write-Host 'Warm session: importing the module and scanning once (untimed) ...'
    $warmSession = Start-WarmSession (Join-Paths $WorkRoot 'warm.ps1') (Join-Paths $WorkRoot 'warm.json')
    $warmResult = Get-Content -LiteralPath (Join-Paths $WorkRoot 'warm.json') -Raw | ConvertFrom-Json

    Write-Host "Rounds: 1 warm-up + $Rounds timed rounds of $($contenders.Count) contenders ..."
    $times = @{}
    foreach ($key in $contenders.Keys) { $times[$key] = New-Object 'System.Collections.Generic.List[double]' }
    $findCount = $null; $findPruneCount = $null; $warmCounts = New-Object 'System.Collections.Generic.HashSet[int]'
    for ($round = -1; $round -lt $Rounds; $round++) {
        foreach ($key in $contenders.Keys) {
            $c = $contenders[$key]
            if ($c.ContainsKey('Warm')) {
                $run = Invoke-WarmRound $warmSession
                [void] $warmCounts.Add($run.Count)
            }
            else {
                $cwd = $RepoRoot; if ($c.ContainsKey('Cwd')) { $cwd = $c.Cwd }
                $allowed = @(0); if ($c.ContainsKey('Exit')) { $allowed = $c.Exit }
                $run = Invoke-TimedProcess $c.File $c.Arguments $cwd $allowed
                if ($key -eq 'find') { $findCount = @($run.Stdout -split "`n" | Where-Object { $_ -ne '' }).Count }
                if ($key -eq 'find-prune') { $findPruneCount = @($run.Stdout -split "`n" | Where-Object { $_ -ne '' }).Count }
            }
            if ($round -ge 0) { $times[$key].Add($run.Ms) }
            Write-Verbose ("round {0} {1}: {2} ms" -f $round, $key, (Format-Ms $run.Ms))
        }
    }
    $warmPeak = Stop-WarmSession $warmSession
    $warmSession = $null

    $secretlintAll = $null
    if ($Secretlint -and $SecretlintAllFilesRuns -gt 0) {
        Write-Host "secretlint `"**/*`": $SecretlintAllFilesRuns run(s) (reads every file; minutes) ..."
        $allTimes = New-Object 'System.Collections.Generic.List[double]'
        for ($i = 0; $i -lt $SecretlintAllFilesRuns; $i++) {
            $run = Invoke-TimedProcess $Node (Get-SecretlintArguments '**/*' $secretlintAllOut) $TreeRoot @(0, 1)
            $allTimes.Add($run.Ms)
        }
        $secretlintAll = @{ Times = $allTimes; Result = (Read-SecretlintLines $secretlintAllOut) }
    }

    Write-Host "Memory: $MemoryRuns rounds of idle and scanning pwsh ..."
    $memory = [ordered]@{
        'idle' = @{ Label = 'fresh pwsh: Import-Module (idle)'; Arguments = (Get-PwshArguments "Import-Module $quotedModule; $peakProbe"); Values = (New-Object 'System.Collections.Generic.List[double]') }
        'scan' = @{ Label = 'fresh pwsh: Import-Module; Test-NpmrcToken -Path <tree> -Recurse'; Arguments = (Get-PwshArguments "Import-Module $quotedModule; `$null = Test-NpmrcToken -Path $quotedTree -Recurse; $peakProbe"); Values = (New-Object 'System.Collections.Generic.List[double]') }
    }
    for ($round = 0; $round -lt $MemoryRuns; $round++) {
        foreach ($key in $memory.Keys) {
            $run = Invoke-TimedProcess $Pwsh.File $memory[$key].Arguments
            $last = @($run.Stdout -split "`r?`n" | Where-Object { $_.Trim() -ne '' })[-1]
            $memory[$key].Values.Add([double]::Parse($last.Trim(), $Invariant) / 1MB)
        }
    }

    $secretlintNpmrc = $null
    if ($Secretlint) { $secretlintNpmrc = Read-SecretlintLines $secretlintNpmrcOut }
}
finally {
    if ($warmSession) { try { $warmSession.Process.Kill() } catch { } }
    Remove-Item -LiteralPath $WorkRoot -Recurse -Force -ErrorAction SilentlyContinue
}

# --------------------------------------------------------------------------------------------------------
# Recall
# --------------------------------------------------------------------------------------------------------

$sep = [System.IO.Path]::DirectorySeparatorChar
$plantedList = @($stamp.Planted | ForEach-Object {
    @{ Where = (Join-Paths $TreeRoot ($_.File.Replace('/', $sep))) + ':' + $_.Line; Kind = $_.Kind }
})
$plantedSet = New-Object 'System.Collections.Generic.HashSet[string]'
foreach ($p in $plantedList) { [void] $plantedSet.Add($p.Where) }

$oursByLine = @{}
foreach ($f in @($warmResult.Findings)) { $oursByLine[([string] $f.Path) + ':' + [string] $f.Line] = [string] $f.Kind }
$oursHit = 0; $oursWrongKind = 0
$kinds = [ordered]@{}
foreach ($p in $plantedList) {
    if (-not $kinds.Contains($p.Kind)) { $kinds[$p.Kind] = @{ Planted = 0; Ours = 0; NpmrcGlob = 0; AllFiles = 0 } }
    $kinds[$p.Kind].Planted++
    if ($oursByLine.ContainsKey($p.Where)) {
        if ($oursByLine[$p.Where] -eq $p.Kind) { $oursHit++; $kinds[$p.Kind].Ours++ } else { $oursWrongKind++ }
    }
    if ($secretlintNpmrc -and $secretlintNpmrc.Lines.Contains($p.Where)) { $kinds[$p.Kind].NpmrcGlob++ }
    if ($secretlintAll -and $secretlintAll.Result.Lines.Contains($p.Where)) { $kinds[$p.Kind].AllFiles++ }
}
$oursOther = @($oursByLine.Keys | Where-Object { -not $plantedSet.Contains($_) }).Count
function Get-Recall($Result) {
    if (-not $Result) { return $null }
    $hit = @($plantedList | Where-Object { $Result.Lines.Contains($_.Where) }).Count
    $other = @($Result.Lines | Where-Object { -not $plantedSet.Contains($_) }).Count
    return @{ Hit = $hit; Other = $other; Files = $Result.Files }
}
$slNpmrcRecall = Get-Recall $secretlintNpmrc
$slAllRecall = $null
if ($secretlintAll) { $slAllRecall = Get-Recall $secretlintAll.Result }

# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------

$medians = @{}
foreach ($key in $times.Keys) { $medians[$key] = Get-Median $times[$key].ToArray() }
if ($secretlintAll) { $medians['secretlint-all'] = Get-Median $secretlintAll.Times.ToArray() }
$floor = $null; if ($medians.ContainsKey('find')) { $floor = $medians['find'] }
$peer = $null; if ($medians.ContainsKey('secretlint')) { $peer = $medians['secretlint'] }

$rows = New-Object System.Collections.ArrayList
function Add-Row([string] $Key, [string] $Label, [double[]] $Values) {
    $median = Get-Median $Values
    $toFind = ''; $slOver = ''
    if ($floor) { $toFind = Format-Ratio ($median / $floor) }
    if ($peer) { $slOver = Format-Ratio ($peer / $median) }
    [void] $rows.Add(@($Label, $Values.Count, (Format-Ms $median), (Format-Ms (Get-Percentile $Values 90)), (Format-Ms (($Values | Measure-Object -Minimum).Minimum)), $toFind, $slOver))
}
foreach ($key in $contenders.Keys) { Add-Row $key $contenders[$key].Label $times[$key].ToArray() }
if ($secretlintAll) { Add-Row 'secretlint-all' 'secretlint "**/*" (npm rule)' $secretlintAll.Times.ToArray() }
$timeTable = Format-MarkdownTable @('contender', 'runs', 'median ms', 'p90 ms', 'min ms', 'ratio to find', 'secretlint "**/.npmrc" ÷ this') $rows.ToArray() @('l', 'r', 'r', 'r', 'r', 'r', 'r')

$memRows = New-Object System.Collections.ArrayList
$idlePeak = Get-Median $memory['idle'].Values.ToArray()
foreach ($key in $memory.Keys) {
    $values = $memory[$key].Values.ToArray()
    $m = Get-Median $values
    [void] $memRows.Add(@($memory[$key].Label, $values.Count, $m.ToString('0.0', $Invariant), (Get-Percentile $values 90).ToString('0.0', $Invariant), ($m - $idlePeak).ToString('+0.0;-0.0;0.0', $Invariant)))
}
$warmPeakMiB = $warmPeak / 1MB
[void] $memRows.Add(@("warm session after $($Rounds + 2) scans", 1, $warmPeakMiB.ToString('0.0', $Invariant), '', ($warmPeakMiB - $idlePeak).ToString('+0.0;-0.0;0.0', $Invariant)))
$memTable = Format-MarkdownTable @('peak working set', 'runs', 'median MiB', 'p90 MiB', 'delta vs idle MiB') $memRows.ToArray() @('l', 'r', 'r', 'r', 'r')

$kindRows = New-Object System.Collections.ArrayList
foreach ($kind in $kinds.Keys) {
    $k = $kinds[$kind]
    $row = @($kind, $k.Planted, $k.Ours, '', '')
    if ($secretlintNpmrc) { $row[3] = $k.NpmrcGlob }
    if ($secretlintAll) { $row[4] = $k.AllFiles }
    [void] $kindRows.Add($row)
}
$totalRow = @('all', $plantedList.Count, $oursHit, '', '')
if ($slNpmrcRecall) { $totalRow[3] = $slNpmrcRecall.Hit }
if ($slAllRecall) { $totalRow[4] = $slAllRecall.Hit }
[void] $kindRows.Add($totalRow)
$kindTable = Format-MarkdownTable @('planted credential kind', 'planted', 'Test-NpmrcToken', 'secretlint "**/.npmrc"', 'secretlint "**/*"') $kindRows.ToArray() @('l', 'r', 'r', 'r', 'r')

function Format-X([double] $X) { return $X.ToString('0.00', $Invariant) + 'x' }
$goals = New-Object System.Collections.Generic.List[string]
if ($floor) {
    foreach ($key in @('warm', 'fresh')) {
        $r = $medians[$key] / $floor
        $goals.Add(('{0}  {1} within 2x of find: {2} ({3} ms vs {4} ms)' -f (Get-Verdict ($r -le 2)), $contenders[$key].Label, (Format-X $r), (Format-Ms $medians[$key]), (Format-Ms $floor)))
    }
    $scanOnly = $medians['fresh'] - $medians['import']
    $goals.Add(('info  a fresh pwsh that only imports the module takes {0} ms ({1} find); the scan''s own share of the fresh process (fresh scan minus import) is {2} ms = {3} find' -f (Format-Ms $medians['import']), (Format-X ($medians['import'] / $floor)), (Format-Ms $scanOnly), (Format-X ($scanOnly / $floor))))
    $goals.Add(('info  the same walk as -Recurse (find with node_modules pruned) takes {0} ms; warm Test-NpmrcToken is {1} of it' -f (Format-Ms $medians['find-prune']), (Format-X ($medians['warm'] / $medians['find-prune']))))
}
else { $goals.Add('info  no Unix find on this machine: the floor is not measured') }
if ($peer) {
    foreach ($key in @('warm', 'fresh')) {
        $x = $peer / $medians[$key]
        $goals.Add(('{0}  {1} >= 10x faster than secretlint "**/.npmrc": {2} ({3} ms vs {4} ms)' -f (Get-Verdict ($x -ge 10)), $contenders[$key].Label, (Format-X $x), (Format-Ms $medians[$key]), (Format-Ms $peer)))
    }
    if ($secretlintAll) {
        $goals.Add(('info  secretlint "**/*" takes {0} ms: {1} the fresh Test-NpmrcToken process' -f (Format-Ms $medians['secretlint-all']), (Format-X ($medians['secretlint-all'] / $medians['fresh']))))
    }
}
else { $goals.Add('info  secretlint not run') }
$memDelta = (Get-Median $memory['scan'].Values.ToArray()) - $idlePeak
$goals.Add(('{0}  scanning the tree adds <= 50 MiB to the peak working set of an idle pwsh that imported the module: {1} MiB' -f (Get-Verdict ($memDelta -le 50)), $memDelta.ToString('+0.0;-0.0', $Invariant)))
$goals.Add(('{0}  Test-NpmrcToken recall 100% of the planted credentials: {1}/{2} ({3} at the right line with another kind; {4} findings elsewhere)' -f (Get-Verdict ($oursHit -eq $plantedList.Count)), $oursHit, $plantedList.Count, $oursWrongKind, $oursOther))
if ($slNpmrcRecall) {
    $goals.Add(('info  secretlint "**/.npmrc" recall: {0}/{1} ({2:0}%); it read {3} files; {4} reported lines elsewhere' -f $slNpmrcRecall.Hit, $plantedList.Count, (100.0 * $slNpmrcRecall.Hit / $plantedList.Count), $slNpmrcRecall.Files, $slNpmrcRecall.Other))
}
if ($slAllRecall) {
    $goals.Add(('info  secretlint "**/*" recall: {0}/{1} ({2:0}%); it read {3} files; {4} reported lines elsewhere' -f $slAllRecall.Hit, $plantedList.Count, (100.0 * $slAllRecall.Hit / $plantedList.Count), $slAllRecall.Files, $slAllRecall.Other))
}
$counts = "counts: find lists $findCount .npmrc files (node_modules included), find with node_modules pruned $findPruneCount; Test-NpmrcToken said: $($warmResult.Verbose)"
if (@($warmCounts).Count -ne 1) { $counts += " Its timed runs emitted differing numbers of findings: $(@($warmCounts) -join ', ')." }
else { $counts += " Every timed run emitted $(@($warmCounts)[0]) findings." }

$s = $stamp.Summary
$treeLine = ('Tree: {0} files in {1} folders below the root ({2} folders and {3} files inside node_modules), depth up to {4}, {5:0.0} MiB of content; {6} planted .npmrc files with {7} credentials outside node_modules, {8} settings-only .npmrc files outside and {9} inside node_modules, {10} decoys named like npm config (.npmrc.example, npmrc, .yarnrc...) without credentials; seed {11}, generated {12} in {13} s.' -f
    $s.Files, $s.Folders, $s.FoldersInNodeModules, $s.FilesInNodeModules, $s.MaxDepth, ($s.Bytes / 1MB), $s.PlantedFiles, $plantedList.Count,
    $s.CleanNpmrcOutsideNodeModules, $s.NpmrcInsideNodeModules, $s.NameDecoys, $stamp.Parameters.Seed, $stamp.Generated, $stamp.Seconds)

$timestamp = [DateTime]::UtcNow
$endLoad = Get-LoadAverage
$machine = '{0}, {1} logical CPUs' -f [System.Runtime.InteropServices.RuntimeInformation]::OSDescription.Trim(), [Environment]::ProcessorCount
if ($endLoad) { $machine += ", load average $StartLoad at start, $endLoad at end (1/5/15 min)" }
$tools = "NpmHardening $ModuleVersion; PowerShell $($PSVersionTable.PSVersion) (pwsh = $pwshDisplay)"
if ($Node) { $tools += "; node $((Invoke-TimedProcess $Node @('--version')).Stdout.Trim())" }
if ($Secretlint) { $tools += "; secretlint $($Secretlint.Version) with @secretlint/secretlint-rule-npm $($Secretlint.RuleVersion)" }
if ($Find) { $tools += "; $(((Invoke-TimedProcess $Find @('--version')).Stdout -split "`n")[0].Trim())" }

$report = New-Object System.Collections.Generic.List[string]
$report.Add("# NpmHardening tree-scan bench $($timestamp.ToString('yyyy-MM-dd HH:mm:ss', $Invariant)) UTC")
$report.Add('')
if ($env:NPMH_REPO_ROOT) { $report.Add('Command: `dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench` (the tree part alone: `-BenchPart Tree`)') }
else {
    # -File leaves $MyInvocation.Line empty: say what was run from the bound parameters.
    $given = @($BoundParameters.GetEnumerator() | Sort-Object Key | ForEach-Object {
        if ($_.Value -is [switch]) { "-$($_.Key)" } else { "-$($_.Key) $($_.Value)" }
    }) -join ' '
    $report.Add(('Command: `dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-TreeBenchmark.ps1 {0}`' -f $given).Replace(' `', '`'))
}
$report.Add('')
$report.Add("$tools; $machine.")
$report.Add('')
$report.Add($treeLine)
$report.Add('')
$report.Add("Wall time from process start to exit; warm = Stopwatch around the cmdlet in one session that imported the module and scanned once. $Rounds timed rounds after 1 warm-up round, round-robin, so drifting load hits every contender alike (file-system caches are warm for all). secretlint runs from the tree root with only the npm rule, JSON output to a file; `"**/*`" ran $SecretlintAllFilesRuns time(s) after the rounds.")
$report.Add('')
foreach ($line in $timeTable) { $report.Add($line) }
$report.Add('')
foreach ($line in $memTable) { $report.Add($line) }
$report.Add('')
foreach ($line in $kindTable) { $report.Add($line) }
$report.Add('')
foreach ($line in $goals) { $report.Add($line + '  ') }
$report.Add('')
$report.Add($counts)
$report.Add('')
$report.Add(('tree bench time: {0:0} s' -f $benchWatch.Elapsed.TotalSeconds))

[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$reportPath = Join-Paths $OutDirectory ('tree-' + $timestamp.ToString('yyyyMMdd-HHmmss', $Invariant) + '.md')
[System.IO.File]::WriteAllText($reportPath, (($report -join "`n") + "`n"), $Utf8)
Write-Host ''
foreach ($line in $report) { Write-Host $line }
Write-Host ''
Write-Host "Written to $reportPath"
