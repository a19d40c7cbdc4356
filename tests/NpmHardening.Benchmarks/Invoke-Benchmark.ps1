#Requires -Version 5.1
<#
.SYNOPSIS
    Side-by-side benchmark of Get-NpmConfig against `npm config ls -l --json` and bare PowerShell start-up.

.DESCRIPTION
    Run by `build.ps1 -Task Bench` (which builds the module first and passes its manifest in
    $env:NPMH_MODULE_PATH). Everything is measured in one run, on one controlled fixture: a temporary HOME with
    a ~/.npmrc, a PREFIX with etc/npmrc and a project folder with package.json and .npmrc. Every contender gets
    the same environment (HOME/USERPROFILE, PREFIX, PATH, NPM_TOKEN; npm_config_* variables of the calling
    session removed) and the project as its working directory, so none of them reads this machine's own npm
    configuration.

    Contenders
      warm        Get-NpmConfig in a PowerShell that has imported the module, with the project as current
                  location, after $WarmUp untimed rounds: $Iterations Stopwatch-timed calls each of
                  `Get-NpmConfig`, `-Name registry`, `-All` and `-Path <project>` (round-robin). This runs in a
                  child PowerShell, so the build session never loads (and locks) the module DLL, and so it sees
                  the fixture's environment.
      processes   $ProcessRuns wall-clock runs each (round-robin, after two untimed warm-up rounds) of
                  pwsh -NoProfile -NonInteractive -Command 1
                  pwsh ... -Command "Import-Module <empty manifest>"   (PowerShell's own first-import cost)
                  pwsh ... -Command "Import-Module <empty manifest + one-view format file>"   (the floor of any module with views)
                  pwsh ... -Command "Import-Module <one-cmdlet binary module + one-view format file + one-type types file>"
                                                                             (the floor of a module built like this one)
                  pwsh ... -Command "Import-Module <psd1>"
                  pwsh ... -Command "Import-Module <psd1>; Get-NpmConfig -Path <project> | Out-Null"
                  npm config ls -l --json
                  where pwsh is the PowerShell behind `dotnet pwsh`: $PSHOME/pwsh (pwsh.exe on Windows), which
                  the dotnet-tool package ships too, else dotnet $PSHOME/pwsh.dll; never the tool shim.
      memory      $MemoryRuns runs each of bare, Import-Module and Import-Module; Get-NpmConfig, with the
                  process's own peak working set ([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64,
                  VmHWM on Linux) printed last.

    Prints one Markdown table (contender, runs, median, p90, ratio to npm), a memory table, and goal lines with
    PASS/MISS computed from this run's medians (issue 2 section 7). Writes the same to out/bench/bench-<UTC
    timestamp>.md.

.EXAMPLE
    dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-Benchmark.ps1 -ModulePath ./out/NpmHardening/0.1.0/NpmHardening.psd1 -ProcessRuns 5
#>
[CmdletBinding()]
param(
    # The built module's manifest. Default: $env:NPMH_MODULE_PATH (set by build.ps1), else out/NpmHardening/<VersionPrefix>/.
    [string] $ModulePath = $env:NPMH_MODULE_PATH,

    # Where bench-<timestamp>.md goes. Default: <repo>/out/bench.
    [string] $OutDirectory,

    # Timed in-session calls per warm contender (after $WarmUp untimed ones).
    [ValidateRange(1, 100000)] [int] $Iterations = 200,
    [ValidateRange(0, 100000)] [int] $WarmUp = 30,

    # Timed runs per process contender.
    [ValidateRange(1, 1000)] [int] $ProcessRuns = 15,

    # Runs per memory contender.
    [ValidateRange(1, 1000)] [int] $MemoryRuns = 9,

    # Keep the temporary fixture folder (its path is printed).
    [switch] $KeepFixture,

    # Instead of the side-by-side bench: where the time goes. A warm session times the engine's steps (through
    # reflection) next to the cmdlet and PowerShell's path resolution; fresh processes time Import-Module's
    # phases and the first Get-NpmConfig call's steps. Writes out/bench/breakdown-<timestamp>.md.
    [switch] $Breakdown,

    # Fresh processes per -Breakdown phase table.
    [ValidateRange(1, 1000)] [int] $BreakdownRuns = 9,

    # Another build of the module (its manifest), e.g. one from before a change: its Import-Module and fresh-process
    # share rows run in the same round-robin as the module under test, so before and after meet the same load.
    [string] $BaselineModulePath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$benchWatch = [System.Diagnostics.Stopwatch]::StartNew()
$ScriptParameters = @{} + $PSBoundParameters
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = [bool] $IsWindows }

# --------------------------------------------------------------------------------------------------------
# Inputs: repo, module, executables
# --------------------------------------------------------------------------------------------------------

$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
$ModuleVersion = (Import-PowerShellDataFile -LiteralPath $ModulePath).ModuleVersion

if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }

function Get-NpmExecutable {
    $candidates = @(Get-Command -Name 'npm' -CommandType Application -ErrorAction SilentlyContinue)
    if ($OnWindows) {
        $cmd = @($candidates | Where-Object { $_.Path -like '*.cmd' })
        if ($cmd.Count -gt 0) { $candidates = $cmd }
    }
    if ($candidates.Count -eq 0) { throw 'npm is not on PATH: the benchmark compares with `npm config ls -l --json`, so it needs node and npm.' }
    return $candidates[0].Path
}

$Pwsh = Get-PwshCommand
$Npm = Get-NpmExecutable

# --------------------------------------------------------------------------------------------------------
# Fixture
# --------------------------------------------------------------------------------------------------------

$FixtureRoot = Join-Paths ([System.IO.Path]::GetTempPath()) ('npmh-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 12))
$FixtureHome = Join-Paths $FixtureRoot 'home'
$FixturePrefix = Join-Paths $FixtureRoot 'prefix'
$FixtureProject = Join-Paths $FixtureRoot 'work' 'acme-web'

function New-BenchFixture {
    # ~/.npmrc: 16 lines, a scoped registry with a ${NPM_TOKEN} auth line, comments, a quoted value. Only keys
    # npm 11 knows, so neither tool spends time on warnings.
    Write-BenchFile (Join-Paths $FixtureHome '.npmrc') @(
        '; npm user configuration (benchmark fixture)',
        'registry=https://registry.npmjs.org/',
        '@acme:registry=https://npm.acme.example/',
        '//npm.acme.example/:_authToken=${NPM_TOKEN}',
        'progress=false',
        '',
        '# install behaviour',
        'save-exact=true',
        'engine-strict=true',
        'ignore-scripts=true',
        'fund=false',
        'update-notifier=false',
        'fetch-retries=4',
        'loglevel=warn',
        'init-author-name="Jane Example"',
        'init-license=MIT'
    )
    Write-BenchFile (Join-Paths $FixturePrefix 'etc' 'npmrc') @(
        '; global configuration (benchmark fixture)',
        'audit-level=high',
        'strict-ssl=true',
        'fetch-retries=2'
    )
    Write-BenchFile (Join-Paths $FixtureProject 'package.json') @(
        '{',
        '  "name": "acme-web",',
        '  "version": "1.4.2",',
        '  "private": true,',
        '  "scripts": { "build": "tsc -p .", "test": "node --test" },',
        '  "dependencies": { "@acme/ui": "^3.1.0", "express": "^4.21.2" },',
        '  "devDependencies": { "typescript": "^5.7.3" }',
        '}'
    )
    Write-BenchFile (Join-Paths $FixtureProject '.npmrc') @(
        '# project configuration',
        'legacy-peer-deps=true',
        'package-lock=true',
        'audit-level=moderate'
    )
}

function New-BenchEnvironment {
    # The calling environment minus anything that configures npm, plus the fixture's HOME and PREFIX. PATH is
    # kept, so every contender finds the same node, npm and dotnet.
    $envTable = @{}
    foreach ($entry in [System.Environment]::GetEnvironmentVariables().GetEnumerator()) {
        $name = [string] $entry.Key
        if ($name -like 'npm_config_*' -or $name -like 'npm_package_*' -or $name -like 'npm_lifecycle_*') { continue }
        if (@('PREFIX', 'DESTDIR', 'NODE_OPTIONS', 'NODE_PATH', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'PSModulePath', 'NPMH_MODULE_PATH', 'NPMH_REPO_ROOT') -contains $name) { continue }
        $envTable[$name] = [string] $entry.Value
    }
    $envTable['HOME'] = $FixtureHome
    $envTable['PREFIX'] = $FixturePrefix
    # A syntactically valid token that is not real (its checksum does not hold).
    $envTable['NPM_TOKEN'] = 'npm_' + ('0123456789abcdefghijklmnopqrstuvwxyZ'.Substring(0, 36))
    if ($OnWindows) {
        $envTable['USERPROFILE'] = $FixtureHome
        $envTable['APPDATA'] = Join-Paths $FixtureHome 'AppData' 'Roaming'
        $envTable['LOCALAPPDATA'] = Join-Paths $FixtureHome 'AppData' 'Local'
        [void] [System.IO.Directory]::CreateDirectory($envTable['APPDATA'])
        [void] [System.IO.Directory]::CreateDirectory($envTable['LOCALAPPDATA'])
    }
    return $envTable
}

# --------------------------------------------------------------------------------------------------------
# Running processes
# --------------------------------------------------------------------------------------------------------

function Invoke-TimedProcess {
    # Starts $File with $Arguments in the bench environment and the project folder; returns
    # @{ Ms; Stdout; Stderr } with the wall time from Start() to exit and drained output. Throws on a non-zero
    # exit code.
    param([string] $File, [string[]] $Arguments)
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $File
    $psi.Arguments = (@($Arguments | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' ')
    $psi.WorkingDirectory = $FixtureProject
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true
    $psi.EnvironmentVariables.Clear()
    foreach ($name in $BenchEnvironment.Keys) { $psi.EnvironmentVariables[$name] = $BenchEnvironment[$name] }

    return Invoke-StartInfo $psi
}

# --------------------------------------------------------------------------------------------------------
# Statistics and formatting
# --------------------------------------------------------------------------------------------------------

function ConvertTo-Comparable($Value) {
    # One string for a value as Get-NpmConfig types it and as npm's JSON has it.
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [double] -or $Value -is [decimal]) { return ([double] $Value).ToString('R', $Invariant) }
    if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) { return '[' + ((@($Value) | ForEach-Object { ConvertTo-Comparable $_ }) -join ',') + ']' }
    return [string] $Value
}

# --------------------------------------------------------------------------------------------------------
# The warm, in-session measurement (runs in a child PowerShell)
# --------------------------------------------------------------------------------------------------------

$WarmScript = @'
param([string] $ModulePath, [string] $Project, [int] $Iterations, [int] $WarmUp, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath
# In the project folder, as npm runs there; -Path as well, since resolving it is part of what a caller pays.
Set-Location -LiteralPath $Project
$cases = [ordered]@{
    'default'  = { Get-NpmConfig }
    'registry' = { Get-NpmConfig -Name registry }
    'all'      = { Get-NpmConfig -All }
    'path'     = { Get-NpmConfig -Path $Project }
    'posture'  = { Get-NpmSecurityPosture }
}
$warnings = @()
$entries = @(Get-NpmConfig -WarningVariable +warnings 3>$null | ForEach-Object {
    @{ Key = $_.Key; Value = $_.Value; Layer = [string] $_.Layer; Source = $_.Source; IsSecret = $_.IsSecret }
})
$counts = @{}
foreach ($name in $cases.Keys) { $counts[$name] = @(& $cases[$name] 3>$null).Count }
for ($i = 0; $i -lt $WarmUp; $i++) { foreach ($name in $cases.Keys) { $null = & $cases[$name] 3>$null } }
$times = @{}
foreach ($name in $cases.Keys) { $times[$name] = New-Object 'System.Collections.Generic.List[double]' }
$watch = New-Object System.Diagnostics.Stopwatch
for ($i = 0; $i -lt $Iterations; $i++) {
    foreach ($name in $cases.Keys) {
        $block = $cases[$name]
        $watch.Restart()
        $null = & $block 3>$null
        $watch.Stop()
        $times[$name].Add($watch.Elapsed.TotalMilliseconds)
    }
}
$result = @{
    Times    = @{}
    Counts   = $counts
    Entries  = $entries
    Warnings = @($warnings | ForEach-Object { [string] $_ })
}
foreach ($name in $cases.Keys) { $result.Times[$name] = $times[$name].ToArray() }
[System.IO.File]::WriteAllText($ResultPath, ($result | ConvertTo-Json -Depth 6 -Compress))
'@

# --------------------------------------------------------------------------------------------------------
# -Breakdown: child scripts. Each prints one JSON object (step name -> milliseconds, or -> array of them).
# Engine types are reached by name through reflection, as the module loads the engine in its own context.
# Nothing before the last timed step may call a cmdlet that auto-loads a module (New-Object, ConvertTo-Json,
# Get-Content...): the auto-load would land in whichever step came first.
# --------------------------------------------------------------------------------------------------------

$BreakdownEngineHelpers = @'
function Get-EngineType([string] $Name) {
    foreach ($a in [AppDomain]::CurrentDomain.GetAssemblies()) {
        if ($a.GetName().Name -eq 'NpmHardening.Engine') { return $a.GetType($Name, $true) }
    }
    throw 'NpmHardening.Engine is not loaded.'
}
'@

$BreakdownWarmScript = @'
param([string] $ModulePath, [string] $Project, [int] $Iterations, [int] $WarmUp, [string] $ResultPath)
$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath
Set-Location -LiteralPath $Project
$null = Get-NpmConfig
__HELPERS__
$locator = Get-EngineType 'NpmHardening.Engine.Config.NpmLocator'
$resolver = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigResolver'
$requestType = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigRequest'
$entries = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigEntries'
$filterType = Get-EngineType 'NpmHardening.NpmConfigEntryFilter'
$platform = (Get-EngineType 'NpmHardening.Engine.Platform.SystemPlatform')::Instance
$environment = $platform.Environment
$installation = $locator::Locate($platform, $environment)
$request = $requestType::new(); $request.Platform = $platform; $request.WorkingDirectory = $Project; $request.Installation = $installation
$resolution = $resolver::Resolve($request)
$filter = $filterType::new()
$cases = [ordered]@{
    'cmdlet: Get-NpmConfig'                                   = { Get-NpmConfig }
    'cmdlet: Get-NpmConfig -LiteralPath <project>'            = { Get-NpmConfig -LiteralPath $Project }
    'cmdlet: Get-NpmConfig -Path <project>'                   = { Get-NpmConfig -Path $Project }
    'PowerShell: Resolve-Path <project> (wildcard resolution)' = { Resolve-Path -Path $Project }
    'PowerShell: Get-Date (a trivial compiled cmdlet, for scale)' = { Get-Date }
    'engine: SystemPlatform.Environment (copy of the process environment)' = { $platform.Environment }
    'engine: NpmLocator.Locate (node and npm on PATH)'        = { $locator::Locate($platform, $environment) }
    'engine: NpmConfigResolver.Resolve (all layers)'          = { $resolver::Resolve($request) }
    'engine: NpmConfigEntries.Select (typed, redacted entries)' = { [System.Linq.Enumerable]::ToList($entries::Select($resolution, $filter)) }
    'engine: Environment + Locate + Resolve + Select'         = {
        $e = $platform.Environment; $r = $requestType::new(); $r.Platform = $platform; $r.WorkingDirectory = $Project
        $r.Installation = $locator::Locate($platform, $e)
        [System.Linq.Enumerable]::ToList($entries::Select($resolver::Resolve($r), $filter))
    }
}
$times = [ordered]@{}
foreach ($name in $cases.Keys) { $times[$name] = [System.Collections.Generic.List[double]]::new() }
$watch = [System.Diagnostics.Stopwatch]::new()
for ($i = -$WarmUp; $i -lt $Iterations; $i++) {
    foreach ($name in $cases.Keys) {
        $block = $cases[$name]
        $watch.Restart(); $null = & $block; $watch.Stop()
        if ($i -ge 0) { $times[$name].Add($watch.Elapsed.TotalMilliseconds) }
    }
}
$result = [ordered]@{}
foreach ($name in $times.Keys) { $result[$name] = $times[$name].ToArray() }
[System.IO.File]::WriteAllText($ResultPath, ($result | ConvertTo-Json -Compress))
'@

$BreakdownImportScript = @'
param([string] $ModulePath, [string] $EmptyManifest)
$ErrorActionPreference = 'Stop'
$moduleDir = [System.IO.Path]::GetDirectoryName($ModulePath)
$steps = [ordered]@{}
$watch = [System.Diagnostics.Stopwatch]::StartNew()
Import-Module -Name $EmptyManifest
$steps['Import-Module <empty manifest> (PowerShell''s first-import cost)'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$assembly = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($moduleDir, 'NpmHardening.dll'))
$steps['load NpmHardening.dll'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$assembly.GetType('NpmHardening.Commands.ModuleInitializer', $true).GetConstructor([type[]] @()).Invoke(@()).OnImport()
$steps['ModuleInitializer.OnImport (dependency load context)'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
foreach ($type in $assembly.GetExportedTypes()) { $null = $type.GetCustomAttributes($true) }
$steps['attributes of the exported types (loads the engine)'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
Import-Module -Name $ModulePath
$steps['Import-Module <module>, the rest (manifest, cmdlets, formats)'] = $watch.Elapsed.TotalMilliseconds
[Console]::Out.WriteLine(($steps | ConvertTo-Json -Compress))
'@

$BreakdownFirstCallScript = @'
param([string] $ModulePath, [string] $Project)
$ErrorActionPreference = 'Stop'
Import-Module -Name $ModulePath
__HELPERS__
# Untimed: find the types, and let PowerShell compile its static-member and constructor call sites once.
$catalogType = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigCatalog'
$platformType = Get-EngineType 'NpmHardening.Engine.Platform.SystemPlatform'
$locator = Get-EngineType 'NpmHardening.Engine.Config.NpmLocator'
$requestType = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigRequest'
$resolver = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigResolver'
$filterType = Get-EngineType 'NpmHardening.NpmConfigEntryFilter'
$entries = Get-EngineType 'NpmHardening.Engine.Config.NpmConfigEntries'
$null = [System.Text.StringBuilder]::new(); $null = [System.IO.Path]::Combine('a', 'b'); $null = [System.Environment]::ProcessorCount
$steps = [ordered]@{}
$watch = [System.Diagnostics.Stopwatch]::StartNew()
$catalog = $catalogType::Default
$steps['NpmConfigCatalog.Default (embedded catalog)'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$platform = $platformType::Instance
$environment = $platform.Environment
$steps['SystemPlatform.Instance.Environment'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$installation = $locator::Locate($platform, $environment)
$steps['NpmLocator.Locate, first call'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$request = $requestType::new()
$request.Platform = $platform; $request.WorkingDirectory = $Project; $request.Installation = $installation
$resolution = $resolver::Resolve($request)
$steps['NpmConfigResolver.Resolve, first call'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$filter = $filterType::new()
$null = [System.Linq.Enumerable]::ToList($entries::Select($resolution, $filter))
$steps['NpmConfigEntries.Select, first call'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$null = Get-NpmConfig -LiteralPath $Project
$steps['Get-NpmConfig -LiteralPath, first call (engine already warm)'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$null = Get-NpmConfig -Path $Project
$steps['Get-NpmConfig -Path, first call'] = $watch.Elapsed.TotalMilliseconds; $watch.Restart()
$null = Get-NpmConfig -Path $Project
$steps['Get-NpmConfig -Path, second call'] = $watch.Elapsed.TotalMilliseconds
[Console]::Out.WriteLine(($steps | ConvertTo-Json -Compress))
'@

$BreakdownWarmScript = $BreakdownWarmScript.Replace('__HELPERS__', $BreakdownEngineHelpers)
$BreakdownFirstCallScript = $BreakdownFirstCallScript.Replace('__HELPERS__', $BreakdownEngineHelpers)

function Invoke-ChildScript([string] $Name, [string] $Text, [string[]] $Arguments) {
    $file = Join-Paths $FixtureRoot $Name
    [System.IO.File]::WriteAllText($file, $Text, (New-Object System.Text.UTF8Encoding $true))
    return Invoke-TimedProcess $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $file) + $Arguments)
}

function Get-StepTable([object[]] $Runs) {
    # $Runs: one PSCustomObject per process (step -> ms). Rows: step, runs, median, p90.
    $rows = New-Object System.Collections.ArrayList
    foreach ($property in $Runs[0].PSObject.Properties) {
        $values = [double[]] @($Runs | ForEach-Object { $_.($property.Name) })
        [void] $rows.Add(@($property.Name, $values.Count, (Format-Ms (Get-Median $values)), (Format-Ms (Get-Percentile $values 90))))
    }
    return Format-MarkdownTable @('step', 'runs', 'median ms', 'p90 ms') $rows.ToArray() @('l', 'r', 'r', 'r')
}

function Invoke-Breakdown {
    $report = New-Object System.Collections.Generic.List[string]
    $started = [DateTime]::UtcNow

    Write-Host "Breakdown, warm: $WarmUp warm-up + $Iterations timed rounds ..."
    $warmResult = Join-Paths $FixtureRoot 'breakdown-warm.json'
    $null = Invoke-ChildScript 'breakdown-warm.ps1' $BreakdownWarmScript @('-ModulePath', $ModulePath, '-Project', $FixtureProject,
        '-Iterations', [string] $Iterations, '-WarmUp', [string] $WarmUp, '-ResultPath', $warmResult)
    $warmTimes = Get-Content -LiteralPath $warmResult -Raw | ConvertFrom-Json
    $rows = New-Object System.Collections.ArrayList
    foreach ($property in $warmTimes.PSObject.Properties) {
        $values = [double[]] $property.Value
        [void] $rows.Add(@($property.Name, $values.Count, (Format-Ms (Get-Median $values)), (Format-Ms (Get-Percentile $values 90)), (Format-Ms ([double] ($values | Measure-Object -Minimum).Minimum))))
    }
    $warmTable = Format-MarkdownTable @('warm, in one session (round-robin)', 'runs', 'median ms', 'p90 ms', 'min ms') $rows.ToArray() @('l', 'r', 'r', 'r', 'r')

    Write-Host "Breakdown, Import-Module phases and first call: $BreakdownRuns fresh processes each ..."
    $importRuns = New-Object System.Collections.ArrayList
    $firstRuns = New-Object System.Collections.ArrayList
    for ($i = -1; $i -lt $BreakdownRuns; $i++) {
        $import = Invoke-ChildScript 'breakdown-import.ps1' $BreakdownImportScript @('-ModulePath', $ModulePath, '-EmptyManifest', $emptyManifest)
        $first = Invoke-ChildScript 'breakdown-first.ps1' $BreakdownFirstCallScript @('-ModulePath', $ModulePath, '-Project', $FixtureProject)
        if ($i -lt 0) { continue }
        [void] $importRuns.Add(($import.Stdout.Trim() | ConvertFrom-Json))
        [void] $firstRuns.Add(($first.Stdout.Trim() | ConvertFrom-Json))
    }

    # The same import without one manifest entry at a time: the difference is what that entry costs.
    $manifestText = [System.IO.File]::ReadAllText($ModulePath)
    $variants = [ordered]@{ 'as built' = $null }
    if ($manifestText -match '(?m)^\s*FormatsToProcess\s*=') { $variants['without FormatsToProcess (format file)'] = @('FormatsToProcess') }
    if ($manifestText -match '(?m)^\s*NestedModules\s*=') { $variants['without NestedModules (and DscResourcesToExport)'] = @('NestedModules', 'DscResourcesToExport') }
    if ($manifestText -match '(?m)^\s*TypesToProcess\s*=') { $variants['without TypesToProcess (types file)'] = @('TypesToProcess') }
    $variantManifests = @{}
    $n = 0
    foreach ($name in $variants.Keys) {
        if ($null -eq $variants[$name]) { $variantManifests[$name] = $ModulePath; continue }
        $n++
        $copy = Join-Paths $FixtureRoot "modules-variant$n" 'NpmHardening' $ModuleVersion
        [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($copy))
        Copy-Item -LiteralPath ([System.IO.Path]::GetDirectoryName($ModulePath)) -Destination $copy -Recurse
        $text = $manifestText
        # Single-line entries only (key = value or key = @(...) on one line), which is how the manifest writes them.
        foreach ($key in $variants[$name]) { $text = [regex]::Replace($text, "(?m)^\s*$key\s*=.*$", '') }
        $variantManifest = Join-Paths $copy ([System.IO.Path]::GetFileName($ModulePath))
        [System.IO.File]::WriteAllText($variantManifest, $text, (New-Object System.Text.UTF8Encoding $true))
        $variantManifests[$name] = $variantManifest
    }
    $variantTimes = @{}
    foreach ($name in $variants.Keys) { $variantTimes[$name] = New-Object System.Collections.Generic.List[double] }
    if ($variants.Count -gt 1) {
        Write-Host "Breakdown, manifest variants: $BreakdownRuns rounds of $($variants.Count) ..."
        for ($i = -1; $i -lt $BreakdownRuns; $i++) {
            foreach ($name in $variants.Keys) {
                $run = Invoke-ChildScript 'breakdown-import.ps1' $BreakdownImportScript @('-ModulePath', $variantManifests[$name], '-EmptyManifest', $emptyManifest)
                if ($i -ge 0) { $variantTimes[$name].Add(@(($run.Stdout.Trim() | ConvertFrom-Json).PSObject.Properties)[-1].Value) }
            }
        }
    }
    $variantRows = New-Object System.Collections.ArrayList
    $asBuilt = 0.0
    if ($variants.Count -gt 1) { $asBuilt = Get-Median $variantTimes['as built'].ToArray() }
    foreach ($name in $variants.Keys) {
        if ($variants.Count -lt 2) { break }
        $median = Get-Median $variantTimes[$name].ToArray()
        $saving = ''
        if ($null -ne $variants[$name]) { $saving = Format-Ms ($asBuilt - $median) }
        [void] $variantRows.Add(@("Import-Module, the rest: $name", $variantTimes[$name].Count, (Format-Ms $median), $saving))
    }

    $report.Add("# NpmHardening breakdown $($started.ToString('yyyy-MM-dd HH:mm:ss', $Invariant)) UTC")
    $report.Add('')
    $report.Add('Command: `dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-Benchmark.ps1 -Breakdown` (after `build.ps1 -Task Build`)')
    $report.Add('')
    $report.Add("NpmHardening $ModuleVersion; PowerShell $($PSVersionTable.PSVersion); npm $npmVersion; node $nodeVersion; " + (Get-MachineLine) + '.')
    $report.Add('Engine rows call the engine from PowerShell through reflection, so each carries a few microseconds of PowerShell method-call overhead.')
    $report.Add('')
    foreach ($line in $warmTable) { $report.Add($line) }
    $report.Add('')
    foreach ($line in (Get-StepTable $importRuns.ToArray())) { $report.Add($line) }
    $report.Add('')
    if ($variantRows.Count -gt 0) {
        foreach ($line in (Format-MarkdownTable @('manifest variant (round-robin)', 'runs', 'median ms', 'what the entry costs, ms') $variantRows.ToArray() @('l', 'r', 'r', 'r'))) { $report.Add($line) }
        $report.Add('')
    }
    foreach ($line in (Get-StepTable $firstRuns.ToArray())) { $report.Add($line) }
    $report.Add('')
    $report.Add(('breakdown time: {0:0} s' -f $benchWatch.Elapsed.TotalSeconds))

    [void] [System.IO.Directory]::CreateDirectory($OutDirectory)
    $path = Join-Paths $OutDirectory ('breakdown-' + $started.ToString('yyyyMMdd-HHmmss', $Invariant) + '.md')
    [System.IO.File]::WriteAllText($path, (($report -join "`n") + "`n"), (New-Object System.Text.UTF8Encoding $false))
    Write-Host ''
    foreach ($line in $report) { Write-Host $line }
    Write-Host ''
    Write-Host "Written to $path"
}

# --------------------------------------------------------------------------------------------------------
# Run
# --------------------------------------------------------------------------------------------------------

$StartLoad = Get-LoadAverage

function Get-MachineLine {
    $load = ''
    $endLoad = Get-LoadAverage
    if ($endLoad) { $load = ", load average $StartLoad at start, $endLoad at end (1/5/15 min)" }
    return ('{0}, {1} logical CPUs{2}' -f [System.Runtime.InteropServices.RuntimeInformation]::OSDescription.Trim(), [Environment]::ProcessorCount, $load)
}

try {
    New-BenchFixture
    $BenchEnvironment = New-BenchEnvironment

    # Benchmark a snapshot of the built module: a concurrent build replaces out/NpmHardening/<version>/ wholesale,
    # which would otherwise break (or silently change) the module under test halfway through the run.
    $BuiltModulePath = $ModulePath
    $snapshot = Join-Paths $FixtureRoot 'modules' 'NpmHardening' $ModuleVersion
    [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($snapshot))
    Copy-Item -LiteralPath ([System.IO.Path]::GetDirectoryName($ModulePath)) -Destination $snapshot -Recurse
    $ModulePath = Join-Paths $snapshot ([System.IO.Path]::GetFileName($ModulePath))
    foreach ($required in @((Join-Paths $snapshot 'NpmHardening.dll'), (Join-Paths $snapshot 'Dependencies' 'NpmHardening.Engine.dll'))) {
        if (-not (Test-Path -LiteralPath $required)) { throw "The copy of the built module lacks $required (was out/ being rebuilt at the same time?). Build and run the bench again." }
    }
    $quotedModule = ConvertTo-PSLiteral $ModulePath
    # The same module without its ReadyToRun engine (Dependencies/net<major>.0-<rid>/), so the engine loads as IL and
    # is JIT-compiled, as before ReadyToRun and as on platforms it was not built for: what ReadyToRun saves.
    $ilModulePath = $null
    $readyToRunFolders = @(Get-ChildItem -LiteralPath (Join-Paths $snapshot 'Dependencies') -Directory | Where-Object { $_.Name -match '^net\d+\.\d+-' })
    if ($readyToRunFolders.Count -gt 0) {
        $ilCopy = Join-Paths $FixtureRoot 'modules-il' 'NpmHardening' $ModuleVersion
        [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($ilCopy))
        Copy-Item -LiteralPath $snapshot -Destination $ilCopy -Recurse
        foreach ($folder in $readyToRunFolders) { Remove-Item -LiteralPath (Join-Paths $ilCopy 'Dependencies' $folder.Name) -Recurse -Force }
        $ilModulePath = Join-Paths $ilCopy ([System.IO.Path]::GetFileName($ModulePath))
    }
    # The baseline build, copied like the module under test.
    $baselineManifest = $null
    if ($BaselineModulePath) {
        $BaselineModulePath = [System.IO.Path]::GetFullPath($BaselineModulePath)
        if (-not (Test-Path -LiteralPath $BaselineModulePath)) { throw "No module at -BaselineModulePath $BaselineModulePath." }
        $baselineCopy = Join-Paths $FixtureRoot 'modules-baseline' 'NpmHardening' ([System.IO.Path]::GetFileName([System.IO.Path]::GetDirectoryName($BaselineModulePath)))
        [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($baselineCopy))
        Copy-Item -LiteralPath ([System.IO.Path]::GetDirectoryName($BaselineModulePath)) -Destination $baselineCopy -Recurse
        $baselineManifest = Join-Paths $baselineCopy ([System.IO.Path]::GetFileName($BaselineModulePath))
    }
    # The floor: what PowerShell's first Import-Module costs by itself, for a manifest that loads nothing.
    $emptyManifest = Join-Paths $FixtureRoot 'modules' 'Empty' '1.0.0' 'Empty.psd1'
    Write-BenchFile $emptyManifest @("@{ ModuleVersion = '1.0.0'; GUID = '3f1a9c52-0d7e-4b8a-9c61-5e2f7a4d8b10' }")
    $quotedEmpty = ConvertTo-PSLiteral $emptyManifest
    # The floor for a module that ships views: the same empty manifest plus a format file of one table view for one
    # type. Adding any format file makes PowerShell rebuild its format table, built-in views included; that cost is
    # PowerShell's, and every module whose objects have views (as this one's must) pays it.
    $viewManifest = Join-Paths $FixtureRoot 'modules' 'OneView' '1.0.0' 'OneView.psd1'
    Write-BenchFile $viewManifest @("@{ ModuleVersion = '1.0.0'; GUID = '6b0e2d47-8c1f-4e53-a9d2-7f4c1b3e5a60'; FormatsToProcess = @('OneView.format.ps1xml') }")
    Write-BenchFile (Join-Paths $FixtureRoot 'modules' 'OneView' '1.0.0' 'OneView.format.ps1xml') @(
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Configuration><ViewDefinitions><View><Name>OneView</Name><ViewSelectedBy><TypeName>OneView.Item</TypeName></ViewSelectedBy>',
        '<TableControl><TableHeaders><TableColumnHeader><Label>Name</Label></TableColumnHeader></TableHeaders>',
        '<TableRowEntries><TableRowEntry><TableColumnItems><TableColumnItem><PropertyName>Name</PropertyName></TableColumnItem></TableColumnItems></TableRowEntry></TableRowEntries>',
        '</TableControl></View></ViewDefinitions></Configuration>')
    $quotedView = ConvertTo-PSLiteral $viewManifest
    # The floor for a module built like this one: a compiled module of one cmdlet whose manifest loads its assembly
    # first (RequiredAssemblies), then a one-type types file that names a converter in that assembly, and a one-view
    # format file. What NpmHardening adds above it is its own: 34 cmdlets, 39 views, 49 type entries, the dependency
    # load context and the warm-up.
    $binaryFloorDirectory = Join-Paths $FixtureRoot 'modules' 'BinaryFloor' '1.0.0'
    [void] [System.IO.Directory]::CreateDirectory($binaryFloorDirectory)
    New-BinaryFloorModule $binaryFloorDirectory
    $binaryFloorManifest = Join-Paths $binaryFloorDirectory 'BinaryFloor.psd1'
    Write-BenchFile $binaryFloorManifest @(
        "@{ RootModule = 'BinaryFloor.dll'; ModuleVersion = '1.0.0'; GUID = 'c2f5a0d9-4e7b-4f1a-8d3c-9b6e2a1f7c40'; RequiredAssemblies = 'BinaryFloor.dll'",
        "   CmdletsToExport = 'Get-BinaryFloorItem'; FunctionsToExport = @(); AliasesToExport = @(); VariablesToExport = @()",
        "   TypesToProcess = 'BinaryFloor.types.ps1xml'; FormatsToProcess = 'BinaryFloor.format.ps1xml' }")
    $quotedBinaryFloor = ConvertTo-PSLiteral $binaryFloorManifest
    $quotedProject = ConvertTo-PSLiteral $FixtureProject
    $peakProbe = '[System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64'

    $pwshName = 'pwsh'
    $processContenders = [ordered]@{
        'bare'   = @{ Label = 'fresh pwsh: -Command 1 (bare start)'; File = $Pwsh.File; Arguments = (Get-PwshArguments '1') }
        'empty'  = @{ Label = 'fresh pwsh: Import-Module (empty manifest)'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedEmpty") }
        'oneview' = @{ Label = 'fresh pwsh: Import-Module (empty manifest with a one-view format file)'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedView") }
        'binfloor' = @{ Label = 'fresh pwsh: Import-Module (one-cmdlet binary module, one view, one type entry)'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedBinaryFloor") }
        'import' = @{ Label = 'fresh pwsh: Import-Module'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedModule") }
        'get'    = @{ Label = 'fresh pwsh: Import-Module; Get-NpmConfig'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedModule; Get-NpmConfig -Path $quotedProject | Out-Null") }
        'npm'    = @{ Label = 'npm config ls -l --json'; File = $Npm; Arguments = @('config', 'ls', '-l', '--json') }
        'posture' = @{ Label = 'fresh pwsh: Import-Module; Get-NpmSecurityPosture'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedModule; Get-NpmSecurityPosture | Out-Null") }
        # Issue 10 F: the module's own share of a fresh process (Intune and DSC start one per run). Both commands are
        # silent, so neither pays for output formatting: the difference is the import and the first call.
        'silent' = @{ Label = 'fresh pwsh: $null = 1 (silent bare start)'; File = $Pwsh.File; Arguments = (Get-PwshArguments '$null = 1') }
        'share'  = @{ Label = 'fresh pwsh: Import-Module; $null = Get-NpmSecurityPosture'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedModule; `$null = Get-NpmSecurityPosture") }
        # PowerShell's own part of that: a first Import-Module (of a manifest that loads nothing) and a first call of
        # a compiled cmdlet (Get-Module, built into PowerShell's core, so nothing is auto-loaded for it), which any
        # module's first call pays as well.
        'floor'  = @{ Label = 'fresh pwsh: Import-Module (empty manifest); $null = Get-Module Empty'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedEmpty; `$null = Get-Module Empty") }
    }
    if ($baselineManifest) {
        $quotedBaseline = ConvertTo-PSLiteral $baselineManifest
        $processContenders['import-base'] = @{ Label = 'baseline build: Import-Module'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedBaseline") }
        $processContenders['share-base'] = @{ Label = 'baseline build: Import-Module; $null = Get-NpmSecurityPosture'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $quotedBaseline; `$null = Get-NpmSecurityPosture") }
    }
    if ($ilModulePath) {
        $processContenders['share-il'] = @{ Label = 'fresh pwsh: Import-Module; $null = Get-NpmSecurityPosture (IL engine, no ReadyToRun)'; File = $Pwsh.File; Arguments = (Get-PwshArguments "Import-Module $(ConvertTo-PSLiteral $ilModulePath); `$null = Get-NpmSecurityPosture") }
    }
    # Issue 3's peer: the bash audit admins run today (three `npm config get` calls and a grep).
    $seedScript = [System.IO.Path]::GetFullPath((Join-Paths $RepoRoot '..' 'shared' 'peers' 'seed-audit.sh'))
    $bash = Get-Command bash -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($bash -and (Test-Path -LiteralPath $seedScript)) {
        $processContenders['seed'] = @{ Label = 'bash seed-audit.sh'; File = $bash.Source; Arguments = @($seedScript) }
    }
    $memoryContenders = [ordered]@{
        'bare'   = @{ Label = 'fresh pwsh: bare'; Arguments = (Get-PwshArguments "$peakProbe") }
        'import' = @{ Label = 'fresh pwsh: Import-Module'; Arguments = (Get-PwshArguments "Import-Module $quotedModule; $peakProbe") }
        'get'    = @{ Label = 'fresh pwsh: Import-Module; Get-NpmConfig'; Arguments = (Get-PwshArguments "Import-Module $quotedModule; Get-NpmConfig -Path $quotedProject | Out-Null; $peakProbe") }
    }

    $npmVersion = 'unknown'; $nodeVersion = 'unknown'
    try {
        $npmVersion = (Invoke-TimedProcess $Npm @('--version')).Stdout.Trim()
        $nodeVersion = (Invoke-TimedProcess (Get-Command node -CommandType Application | Select-Object -First 1).Path @('--version')).Stdout.Trim()
    } catch { Write-Warning "Could not read the node/npm versions: $($_.Exception.Message)" }

    $pwshDisplay = ((@($Pwsh.File) + @($Pwsh.Prefix)) -join ' ')
    Write-Host "Fixture:  $FixtureRoot"
    Write-Host "Module:   $BuiltModulePath ($ModuleVersion), benchmarked from a copy in the fixture"
    Write-Host "pwsh:     $pwshDisplay (PowerShell $($PSVersionTable.PSVersion))"
    Write-Host "npm:      $Npm ($npmVersion, node $nodeVersion)"

    if ($Breakdown) {
        Invoke-Breakdown
        return
    }

    # 1. Warm, in a child PowerShell that imported the module.
    Write-Host "Warm: $WarmUp warm-up + $Iterations timed calls each of Get-NpmConfig, -Name registry, -All, -Path ..."
    $warmFile = Join-Paths $FixtureRoot 'warm.ps1'
    $warmResult = Join-Paths $FixtureRoot 'warm.json'
    [System.IO.File]::WriteAllText($warmFile, $WarmScript, (New-Object System.Text.UTF8Encoding $true))
    $null = Invoke-TimedProcess $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $warmFile,
            '-ModulePath', $ModulePath, '-Project', $FixtureProject, '-Iterations', [string] $Iterations, '-WarmUp', [string] $WarmUp, '-ResultPath', $warmResult))
    $warm = Get-Content -LiteralPath $warmResult -Raw | ConvertFrom-Json

    # 2-4. Fresh processes, round-robin so drift in machine load hits every contender alike.
    Write-Host "Processes: 2 warm-up + $ProcessRuns timed rounds of $($processContenders.Count) commands ..."
    $processTimes = @{}
    foreach ($key in $processContenders.Keys) { $processTimes[$key] = New-Object 'System.Collections.Generic.List[double]' }
    $npmJson = $null
    for ($round = -2; $round -lt $ProcessRuns; $round++) {
        foreach ($key in $processContenders.Keys) {
            $c = $processContenders[$key]
            $run = Invoke-TimedProcess $c.File $c.Arguments
            if ($round -ge 0) { $processTimes[$key].Add($run.Ms) }
            if ($key -eq 'npm' -and $null -eq $npmJson) { $npmJson = $run.Stdout | ConvertFrom-Json }
        }
    }

    # Inside fresh processes: the Stopwatch time of Import-Module and of the first Get-NpmSecurityPosture (the
    # module's share measured directly, without the variance of PowerShell's own start), and the methods JIT-compiled
    # on the main thread by each, for the module as built, with the IL engine (whether the ReadyToRun code is used)
    # and for the baseline build. $ProcessRuns rounds, round-robin.
    $jitCounts = [ordered]@{}
    if ($PSVersionTable.PSEdition -eq 'Core') {
        $jitVariants = [ordered]@{ 'as built' = $ModulePath }
        if ($ilModulePath) { $jitVariants['IL engine'] = $ilModulePath }
        if ($baselineManifest) { $jitVariants['baseline build'] = $baselineManifest }
        Write-Host "In-process: $ProcessRuns runs of $($jitVariants.Count) variant(s) timing the import and the first call ..."
        foreach ($name in $jitVariants.Keys) {
            $jitCounts[$name] = @{}
            foreach ($part in 'Import', 'First', 'ImportMs', 'FirstMs') { $jitCounts[$name][$part] = New-Object 'System.Collections.Generic.List[double]' }
        }
        $count = '[System.Runtime.JitInfo]::GetCompiledMethodCount($true)'
        for ($round = 0; $round -lt $ProcessRuns; $round++) {
            foreach ($name in $jitVariants.Keys) {
                $command = "`$w = [System.Diagnostics.Stopwatch]::new(); `$a = $count; `$w.Start(); Import-Module $(ConvertTo-PSLiteral $jitVariants[$name]); `$t1 = `$w.Elapsed.TotalMilliseconds; `$b = $count; " +
                    "`$w.Restart(); `$null = Get-NpmSecurityPosture; `$t2 = `$w.Elapsed.TotalMilliseconds; `$c = $count; " +
                    "'{0} {1} {2} {3}' -f (`$b - `$a), (`$c - `$b), `$t1.ToString([cultureinfo]::InvariantCulture), `$t2.ToString([cultureinfo]::InvariantCulture)"
                $parts = (Invoke-TimedProcess $Pwsh.File (Get-PwshArguments $command)).Stdout.Trim().Split(' ')
                $jitCounts[$name].Import.Add([double] $parts[0]); $jitCounts[$name].First.Add([double] $parts[1])
                $jitCounts[$name].ImportMs.Add([double]::Parse($parts[2], $Invariant)); $jitCounts[$name].FirstMs.Add([double]::Parse($parts[3], $Invariant))
            }
        }
    }

    # 5. Peak working set.
    Write-Host "Memory: $MemoryRuns rounds of $($memoryContenders.Count) commands ..."
    $peaks = @{}
    foreach ($key in $memoryContenders.Keys) { $peaks[$key] = New-Object 'System.Collections.Generic.List[double]' }
    for ($round = 0; $round -lt $MemoryRuns; $round++) {
        foreach ($key in $memoryContenders.Keys) {
            $run = Invoke-TimedProcess $Pwsh.File $memoryContenders[$key].Arguments
            $last = @($run.Stdout -split "`r?`n" | Where-Object { $_.Trim() -ne '' })[-1]
            $peaks[$key].Add([double]::Parse($last.Trim(), $Invariant) / 1MB)
        }
    }
}
finally {
    if (-not $KeepFixture) { Remove-Item -LiteralPath $FixtureRoot -Recurse -Force -ErrorAction SilentlyContinue }
}

# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------

$npmMedian = Get-Median $processTimes['npm'].ToArray()
$rows = New-Object System.Collections.ArrayList
$medians = @{}
function Add-Row([string] $Key, [string] $Label, [double[]] $Values) {
    $median = Get-Median $Values
    $medians[$Key] = $median
    [void] $rows.Add(@($Label, $Values.Count, (Format-Ms $median), (Format-Ms (Get-Percentile $Values 90)), (Format-Ratio ($median / $npmMedian)), (Format-Ratio ($npmMedian / $median))))
}
Add-Row 'warm' 'warm: Get-NpmConfig' ([double[]] $warm.Times.default)
Add-Row 'warm-registry' 'warm: Get-NpmConfig -Name registry' ([double[]] $warm.Times.registry)
Add-Row 'warm-all' 'warm: Get-NpmConfig -All' ([double[]] $warm.Times.all)
Add-Row 'warm-path' 'warm: Get-NpmConfig -Path <project>' ([double[]] $warm.Times.path)
Add-Row 'warm-posture' 'warm: Get-NpmSecurityPosture' ([double[]] $warm.Times.posture)
foreach ($key in @('bare', 'silent', 'empty', 'oneview', 'binfloor', 'floor', 'import', 'import-base', 'get', 'posture', 'share', 'share-il', 'share-base', 'seed', 'npm')) {
    if ($processContenders.Contains($key)) { Add-Row $key $processContenders[$key].Label $processTimes[$key].ToArray() }
}

$timeTable = Format-MarkdownTable @('contender', 'runs', 'median ms', 'p90 ms', 'ratio to npm config ls', 'npm ÷ this') $rows.ToArray() @('l', 'r', 'r', 'r', 'r', 'r')

$peakMedians = @{}
$memRows = New-Object System.Collections.ArrayList
foreach ($key in $memoryContenders.Keys) {
    $values = $peaks[$key].ToArray()
    $peakMedians[$key] = Get-Median $values
}
foreach ($key in $memoryContenders.Keys) {
    $values = $peaks[$key].ToArray()
    $delta = $peakMedians[$key] - $peakMedians['bare']
    [void] $memRows.Add(@($memoryContenders[$key].Label, $values.Count, $peakMedians[$key].ToString('0.0', $Invariant), (Get-Percentile $values 90).ToString('0.0', $Invariant), $delta.ToString('+0.0;-0.0;0.0', $Invariant)))
}
$memTable = Format-MarkdownTable @('peak working set', 'runs', 'median MiB', 'p90 MiB', 'delta vs bare MiB') $memRows.ToArray() @('l', 'r', 'r', 'r', 'r')

$speedup = $npmMedian / $medians['warm']
$importAdds = ($medians['import'] - $medians['bare']) / $medians['bare']
$getAdds = ($medians['get'] - $medians['bare']) / $medians['bare']
$emptyAdds = ($medians['empty'] - $medians['bare']) / $medians['bare']
$memDelta = $peakMedians['get'] - $peakMedians['bare']
$postureGoals = @(
    ('{0}  warm Get-NpmSecurityPosture median <= 5 ms: {1} ms' -f (Get-Verdict ($medians['warm-posture'] -le 5)), (Format-Ms $medians['warm-posture'])),
    ('{0}  warm Get-NpmSecurityPosture >= 30x faster than npm config ls -l --json: {1}x' -f (Get-Verdict (($npmMedian / $medians['warm-posture']) -ge 30)), ($npmMedian / $medians['warm-posture']).ToString('0.0', $Invariant))
)
if ($medians.ContainsKey('seed')) {
    $postureGoals += ('{0}  warm Get-NpmSecurityPosture >= 100x faster than the seed script: {1}x ({2} ms vs {3} ms)' -f (Get-Verdict (($medians['seed'] / $medians['warm-posture']) -ge 100)), ($medians['seed'] / $medians['warm-posture']).ToString('0.0', $Invariant), (Format-Ms $medians['warm-posture']), (Format-Ms $medians['seed']))
    $postureGoals += ('{0}  fresh pwsh (import + posture) faster than the seed script: {1} ms vs {2} ms' -f (Get-Verdict ($medians['posture'] -lt $medians['seed'])), (Format-Ms $medians['posture']), (Format-Ms $medians['seed']))
}
else { $postureGoals += 'info  seed script not found beside the repository (../shared/peers/seed-audit.sh) or no bash: not compared' }
$goals = @(
    ('{0}  warm Get-NpmConfig >= 50x faster than npm config ls -l --json: {1}x ({2} ms vs {3} ms)' -f (Get-Verdict ($speedup -ge 50)), $speedup.ToString('0.0', $Invariant), (Format-Ms $medians['warm']), (Format-Ms $npmMedian)),
    ('{0}  Import-Module adds <= 20% to bare pwsh start: {1}% ({2} ms vs {3} ms)' -f (Get-Verdict ($importAdds -le 0.20)), ($importAdds * 100).ToString('+0.0;-0.0', $Invariant), (Format-Ms $medians['import']), (Format-Ms $medians['bare'])),
    ('{0}  Import-Module + Get-NpmConfig adds <= 30 MiB to peak working set: {1} MiB ({2} MiB vs {3} MiB)' -f (Get-Verdict ($memDelta -le 30)), $memDelta.ToString('+0.0;-0.0', $Invariant), $peakMedians['get'].ToString('0.0', $Invariant), $peakMedians['bare'].ToString('0.0', $Invariant)),
    ('info  Import-Module + Get-NpmConfig adds {0}% to bare pwsh start ({1} ms vs {2} ms)' -f ($getAdds * 100).ToString('+0.0;-0.0', $Invariant), (Format-Ms $medians['get']), (Format-Ms $medians['bare'])),
    ('info  PowerShell''s own first Import-Module (an empty manifest) adds {0}% ({1} ms) to bare start, which prints 1 and so pays for output formatting that Import-Module does not' -f ($emptyAdds * 100).ToString('+0.0;-0.0', $Invariant), (Format-Ms ($medians['empty'] - $medians['bare']))),
    ('info  NpmHardening''s own share, Import-Module minus the empty-manifest Import-Module (both silent): {0} ms = {1}% of bare start' -f (Format-Ms ($medians['import'] - $medians['empty'])), (($medians['import'] - $medians['empty']) / $medians['bare'] * 100).ToString('+0.0;-0.0', $Invariant)),
    ('info  PowerShell''s floor for any module with a view (empty manifest + a one-view format file) adds {0}% ({1} ms) to bare start; NpmHardening above that floor: {2} ms = {3}% of bare start' -f ((($medians['oneview'] - $medians['bare']) / $medians['bare']) * 100).ToString('+0.0;-0.0', $Invariant), (Format-Ms ($medians['oneview'] - $medians['bare'])), (Format-Ms ($medians['import'] - $medians['oneview'])), (($medians['import'] - $medians['oneview']) / $medians['bare'] * 100).ToString('+0.0;-0.0', $Invariant))
)
$goals += ('info  PowerShell''s floor for a module built like this one (binary, RequiredAssemblies, a types file naming a converter in it, a format file; one cmdlet, one view, one type entry) adds {0}% ({1} ms) to bare start; NpmHardening above that floor: {2} ms = {3}% of bare start' -f ((($medians['binfloor'] - $medians['bare']) / $medians['bare']) * 100).ToString('+0.0;-0.0', $Invariant), (Format-Ms ($medians['binfloor'] - $medians['bare'])), (Format-Ms ($medians['import'] - $medians['binfloor'])), (($medians['import'] - $medians['binfloor']) / $medians['bare'] * 100).ToString('+0.0;-0.0', $Invariant))
$goals += $postureGoals

# Issue 10 F: the module's own share of a fresh process.
$share = $medians['share'] - $medians['silent']
$goals += ('{0}  module''s own share of a fresh process (Import-Module + first Get-NpmSecurityPosture, minus a bare start, both silent) <= 150 ms: {1} ms ({2} ms vs {3} ms, {4}x)' -f (Get-Verdict ($share -le 150)), (Format-Ms $share), (Format-Ms $medians['share']), (Format-Ms $medians['silent']), (Format-Ratio ($medians['share'] / $medians['silent'])))
$goals += ('info  the same against the bare start that prints 1 (-Command 1, which formats its output): {0} ms' -f (Format-Ms ($medians['share'] - $medians['bare'])))
$goals += ('info  the same without PowerShell''s own first Import-Module (the empty-manifest import, also silent): {0} ms' -f (Format-Ms ($medians['share'] - $medians['empty'])))
$goals += ('info  PowerShell''s own floor of that share (empty-manifest import + a first Get-Module, minus the silent bare start): {0} ms; the module''s code and files above that floor: {1} ms' -f (Format-Ms ($medians['floor'] - $medians['silent'])), (Format-Ms ($medians['share'] - $medians['floor'])))
if ($medians.ContainsKey('share-il')) {
    $goals += ('info  with the IL engine (no ReadyToRun) the share is {0} ms: ReadyToRun saves {1} ms' -f (Format-Ms ($medians['share-il'] - $medians['silent'])), (Format-Ms ($medians['share-il'] - $medians['share'])))
}
if ($medians.ContainsKey('share-base')) {
    $goals += ('info  baseline build ({0}): Import-Module adds {1}% to bare start; its share of a fresh process is {2} ms; this build''s is {3} ms lower' -f $BaselineModulePath, ((($medians['import-base'] - $medians['bare']) / $medians['bare']) * 100).ToString('+0.0;-0.0', $Invariant), (Format-Ms ($medians['share-base'] - $medians['silent'])), (Format-Ms ($medians['share-base'] - $medians['share'])))
}
$inProcessRows = New-Object System.Collections.ArrayList
foreach ($name in $jitCounts.Keys) {
    $importMs = Get-Median $jitCounts[$name].ImportMs.ToArray()
    $firstMs = Get-Median $jitCounts[$name].FirstMs.ToArray()
    $sums = @(for ($i = 0; $i -lt $jitCounts[$name].ImportMs.Count; $i++) { $jitCounts[$name].ImportMs[$i] + $jitCounts[$name].FirstMs[$i] })
    [void] $inProcessRows.Add(@($name, $jitCounts[$name].ImportMs.Count, (Format-Ms $importMs), (Format-Ms $firstMs), (Format-Ms (Get-Median $sums)), (Format-Ms (Get-Percentile $sums 90)), (Get-Median $jitCounts[$name].Import.ToArray()), (Get-Median $jitCounts[$name].First.ToArray())))
}
$inProcessTable = @()
if ($inProcessRows.Count -gt 0) {
    $inProcessTable = Format-MarkdownTable @('in a fresh process (Stopwatch)', 'runs', 'Import-Module ms', 'first Get-NpmSecurityPosture ms', 'both ms', 'both p90 ms', 'JIT methods, import', 'JIT methods, first call') $inProcessRows.ToArray() @('l', 'r', 'r', 'r', 'r', 'r', 'r', 'r')
}

# Fixture check: both read the fixture, not this machine, and agree on the keys it sets.
$checked = 0; $disagree = @()
$npmProps = @{}
foreach ($p in $npmJson.PSObject.Properties) { $npmProps[$p.Name] = $p.Value }
foreach ($entry in @($warm.Entries)) {
    if ($entry.IsSecret -or -not $npmProps.ContainsKey($entry.Key)) { continue }
    $checked++
    $mine = ConvertTo-Comparable $entry.Value
    $theirs = ConvertTo-Comparable $npmProps[$entry.Key]
    if ($mine -ne $theirs) { $disagree += "$($entry.Key): Get-NpmConfig $mine, npm $theirs" }
}
$fixtureLine = "fixture check: Get-NpmConfig emits $(@($warm.Entries).Count) non-default entries ($($warm.Counts.all) with -All, $($warm.Counts.registry) for -Name registry); $checked compared with npm's JSON, $($disagree.Count) disagree"
if ($disagree.Count -gt 0) { $fixtureLine += ': ' + ($disagree -join '; ') }
$warningLines = @($warm.Warnings | Where-Object { $_ } | ForEach-Object { "Get-NpmConfig warning on the fixture: $_" })

$timestamp = [DateTime]::UtcNow
$machine = Get-MachineLine
$report = New-Object System.Collections.Generic.List[string]
$report.Add("# NpmHardening bench $($timestamp.ToString('yyyy-MM-dd HH:mm:ss', $Invariant)) UTC")
$report.Add('')
if ($env:NPMH_REPO_ROOT) { $report.Add('Command: `dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench`') }
else {
    # Run with -File, $MyInvocation.Line is empty: the command is rebuilt from the parameters given.
    $given = @($ScriptParameters.GetEnumerator() | Sort-Object Key | ForEach-Object {
            if ($_.Value -is [System.Management.Automation.SwitchParameter]) { if ($_.Value) { "-$($_.Key)" } }
            else { "-$($_.Key) $(ConvertTo-CommandLineArgument ([string] $_.Value))" }
        })
    $report.Add('Command: `dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-Benchmark.ps1 ' + ($given -join ' ') + '`')
}
$report.Add('')
$report.Add("NpmHardening $ModuleVersion; PowerShell $($PSVersionTable.PSVersion) ($pwshName = $pwshDisplay); npm $npmVersion; node $nodeVersion; $machine.")
$report.Add("Warm: $WarmUp warm-up + $Iterations timed calls per case, round-robin, in one session that imported the module, with the project as current location. Processes: $ProcessRuns timed runs each, round-robin, after 2 warm-up rounds; wall time from start to exit. Ratio = median / npm median.")
$report.Add('')
foreach ($line in $timeTable) { $report.Add($line) }
$report.Add('')
foreach ($line in $memTable) { $report.Add($line) }
$report.Add('')
if ($inProcessTable.Count -gt 0) {
    foreach ($line in $inProcessTable) { $report.Add($line) }
    $report.Add('')
}
foreach ($line in $goals) { $report.Add($line + '  ') }
$report.Add('')
$report.Add($fixtureLine)
foreach ($line in $warningLines) { $report.Add('') ; $report.Add($line) }
$report.Add('')
$report.Add(('bench time: {0:0} s' -f $benchWatch.Elapsed.TotalSeconds))

[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$reportPath = Join-Paths $OutDirectory ('bench-' + $timestamp.ToString('yyyyMMdd-HHmmss', $Invariant) + '.md')
[System.IO.File]::WriteAllText($reportPath, (($report -join "`n") + "`n"), (New-Object System.Text.UTF8Encoding $false))

Write-Host ''
foreach ($line in $report) { Write-Host $line }
Write-Host ''
Write-Host "Written to $reportPath"
