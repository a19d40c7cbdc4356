#Requires -Version 5.1
<#
.SYNOPSIS
    Compare-NpmStagedPackage on two ~20 MB tarballs of 5,000 files, side by side with npm diff --diff-name-only on the
    same pair: time, peak memory, ratios (issue 12: goal faster than npm diff, memory under 3x the compressed size).

.DESCRIPTION
    The fixture: two versions of a generated package of -Files JavaScript files (identifiers, numbers and strings
    from a fixed vocabulary, so it compresses about as real code does), the second with 10% of the files changed,
    1% removed and 1% added, each packed by the real `npm pack`. The file content is sized so that each tarball is
    about -TargetMB compressed; the sizes reached are printed.

    Contenders, each -Rounds times, round-robin:

      Compare-NpmStagedPackage (warm)   one child PowerShell imports the module, compares once untimed, then times
                                        each round with a Stopwatch; on Linux it resets its peak resident set
                                        (/proc/self/clear_refs) before the rounds, so "added MB" is the comparison's
                                        own peak above the working set it started from
      Compare-NpmStagedPackage (fresh)  pwsh -Command "Import-Module …; Compare-NpmStagedPackage … -Summary": wall
                                        time of the whole process, start-up and import included
      npm diff --diff-name-only         npm diff --diff=<v1>.tgz --diff=<v2>.tgz --diff-name-only: wall time of the
                                        process

    Peak memory of the fresh processes is the kernel's high-water mark (VmHWM in /proc/<pid>/status) polled every
    10 ms until the process exits (Linux only; "n/a" elsewhere). The file lists of the two tools are compared too.

    Prints a Markdown table, the ratios and PASS/MISS; writes it to out/bench/staged-compare-<UTC timestamp>.md.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Stage

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-StagedCompareBenchmark.ps1 -Files 500 -TargetMB 2 -Rounds 1
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    [ValidateRange(10, 100000)] [int] $Files = 5000,
    [ValidateRange(1, 200)] [double] $TargetMB = 20,
    [ValidateRange(1, 20)] [int] $Rounds = 3,
    [switch] $KeepFixture
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = [bool] $IsWindows }

$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
$Pwsh = Get-PwshCommand
$Npm = (Get-Command npm -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
$GoalMemoryRatio = 3.0

$folder = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-stage-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
[void] [System.IO.Directory]::CreateDirectory($folder)
$watchAll = [System.Diagnostics.Stopwatch]::StartNew()

# ---- fixture ----
. (Join-Path $PSScriptRoot 'StagedCompareFixture.ps1')
Write-Host "  generating two versions of $Files files (~$TargetMB MB compressed each) and packing them with npm pack..."
$fixture = New-StagedCompareFixture -Folder $folder -Files $Files -TargetMB $TargetMB -Npm $Npm
$v1 = $fixture.V1; $v2 = $fixture.V2
$v1Size = (Get-Item -LiteralPath $v1).Length; $v2Size = (Get-Item -LiteralPath $v2).Length
Write-Host ("  v1 {0:N1} MB, v2 {1:N1} MB compressed ({2:N0} bytes per file)" -f ($v1Size / 1MB), ($v2Size / 1MB), $fixture.BytesPerFile)

# ---- contenders ----
$child = @'
param([string] $ModulePath, [string] $V1, [string] $V2, [int] $Rounds, [string] $Registry, [string] $StageId, [string] $Token)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$summary = Compare-NpmStagedPackage -Path $V2 -ReferencePath $V1 -Summary
$names = @(Compare-NpmStagedPackage -Path $V2 -ReferencePath $V1 | Where-Object { $_.RuleId -in 'NPMH12011', 'NPMH12012', 'NPMH12013' } | ForEach-Object File)
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$before = $process.WorkingSet64
$reset = $false
if (Test-Path -LiteralPath /proc/self/clear_refs) { try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); $reset = $true } catch { } }
$times = @()
for ($round = 0; $round -lt $Rounds; $round++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $null = Compare-NpmStagedPackage -Path $V2 -ReferencePath $V1 -Summary
    $watch.Stop()
    $times += $watch.Elapsed.TotalMilliseconds
}
$process.Refresh()
$peak = $process.PeakWorkingSet64
# the same review from the registry: the staged tarball and the published reference downloaded into memory
$t = ConvertTo-SecureString $Token -AsPlainText -Force
$registrySummary = Compare-NpmStagedPackage -StageId $StageId -Registry $Registry -Token $t -Summary
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$process.Refresh()
$registryBefore = $process.WorkingSet64
if ($reset) { [IO.File]::WriteAllText('/proc/self/clear_refs', '5') }
$registryTimes = @()
for ($round = 0; $round -lt $Rounds; $round++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $null = Compare-NpmStagedPackage -StageId $StageId -Registry $Registry -Token $t -Summary
    $watch.Stop()
    $registryTimes += $watch.Elapsed.TotalMilliseconds
}
$process.Refresh()
@{ Times = $times; Before = $before; Peak = $peak; Reset = $reset; Names = $names; Risk = "$($summary.Risk)"; Complete = $summary.Complete
   RegistryTimes = $registryTimes; RegistryBefore = $registryBefore; RegistryPeak = $process.PeakWorkingSet64
   RegistryReference = "$($registrySummary.ReferenceVersion)"; RegistryRisk = "$($registrySummary.Risk)" } | ConvertTo-Json -Compress
'@
$childFile = Join-Path $folder 'child.ps1'
[System.IO.File]::WriteAllText($childFile, $child, (New-Object System.Text.UTF8Encoding $true))

function Start-Measured([string] $File, [string[]] $Arguments) { Start-MeasuredProcess -File $File -Arguments $Arguments }

# the loopback fake registry of the test suite: v1 published as latest, v2 published under 'next' (so npm diff can
# fetch it by version) and staged for latest (what -StageId reviews against latest, v1)
. (Join-Paths $RepoRoot 'tests' 'NpmHardening.Tests' 'StageRegistry.ps1')
$fake = Start-StageRegistry
$null = $fake.SeedPublishedFile($v1, 'latest', 'alice')
$null = $fake.SeedPublishedFile($v2, 'next', 'alice')
$stagedItem = $fake.SeedStaged([System.IO.File]::ReadAllBytes($v2), 'latest', 'alice', 'user', 'public')
$fakeToken = 'npmh-fake-token-alice'
# npm diff reads no configuration of this machine (two empty files: npm refuses one file for both)
$emptyUser = Join-Path $folder 'user.npmrc'; $emptyGlobal = Join-Path $folder 'global.npmrc'
[System.IO.File]::WriteAllText($emptyUser, ''); [System.IO.File]::WriteAllText($emptyGlobal, '')

$warm = $null
$fresh = New-Object System.Collections.Generic.List[object]
$freshRegistry = New-Object System.Collections.Generic.List[object]
$npmRegistryRuns = New-Object System.Collections.Generic.List[object]
$npmRegistryNames = $null
$freshRegistryCommand = "Import-Module '$ModulePath'; `$null = Compare-NpmStagedPackage -StageId '$($stagedItem.Id)' -Registry '$($fake.Url)' -Token (ConvertTo-SecureString '$fakeToken' -AsPlainText -Force) -Summary"
$npmRuns = New-Object System.Collections.Generic.List[object]
$npmNames = $null
$freshCommand = "Import-Module '$ModulePath'; `$null = Compare-NpmStagedPackage -Path '$v2' -ReferencePath '$v1' -Summary"
try {
    Write-Host "  warm Compare-NpmStagedPackage ($Rounds rounds)..."
    $run = Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $childFile, $ModulePath, $v1, $v2, [string] $Rounds, $fake.Url, $stagedItem.Id, $fakeToken))
    $line = @($run.Stdout -split "`n" | Where-Object { $_.Trim().StartsWith('{') }) | Select-Object -Last 1
    if (-not $line) { throw "The warm child printed no result:`n$($run.Stdout)" }
    $warm = $line | ConvertFrom-Json
    for ($round = 0; $round -lt $Rounds; $round++) {
        Write-Host "  round $($round + 1): fresh Compare-NpmStagedPackage, npm diff..."
        $fresh.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $freshCommand))))
        $r = Start-Measured $Npm @('diff', "--diff=$v1", "--diff=$v2", '--diff-name-only', '--offline', '--registry=http://127.0.0.1:9/')
        $npmRuns.Add($r)
        if ($null -eq $npmNames) { $npmNames = @($r.Stdout -split "`n" | ForEach-Object { $_.Trim() } | Where-Object { $_ }) }
        Write-Host "  round $($round + 1): from the fake registry: fresh Compare-NpmStagedPackage -StageId, npm diff (empty cache)..."
        $freshRegistry.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $freshRegistryCommand))))
        $cache = Join-Path $folder "npm-cache-$round"
        $r = Start-Measured $Npm @('diff', '--diff=npmh-bench-pkg@1.0.0', '--diff=npmh-bench-pkg@1.0.1', '--diff-name-only', "--registry=$($fake.Url)", "--cache=$cache", "--userconfig=$emptyUser", "--globalconfig=$emptyGlobal")
        $npmRegistryRuns.Add($r)
        if ($null -eq $npmRegistryNames) { $npmRegistryNames = @($r.Stdout -split "`n" | ForEach-Object { $_.Trim() } | Where-Object { $_ }) }
        Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction SilentlyContinue
    }
}
finally {
    $fake.Dispose()
    if ($KeepFixture) { Write-Host "  fixture kept in $folder" }
    else { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
}

# ---- report ----
$warmMs = Get-Median ([double[]] @($warm.Times))
$freshMs = Get-Median ([double[]] @($fresh | ForEach-Object { $_.Ms }))
$npmMs = Get-Median ([double[]] @($npmRuns | ForEach-Object { $_.Ms }))
$freshPeak = ($fresh | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum
$npmPeak = ($npmRuns | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum
$addedMB = if ($warm.Reset) { [Math]::Max(0, ([double] $warm.Peak - [double] $warm.Before) / 1MB) } else { [double]::NaN }
$compressedMB = ($v1Size + $v2Size) / 1MB
$same = (@($warm.Names | Sort-Object) -join "`n") -eq (@($npmNames | Sort-Object) -join "`n")
$sameRegistry = (@($warm.Names | Sort-Object) -join "`n") -eq (@($npmRegistryNames | Sort-Object) -join "`n")
$warmRegistryMs = Get-Median ([double[]] @($warm.RegistryTimes))
$freshRegistryMs = Get-Median ([double[]] @($freshRegistry | ForEach-Object { $_.Ms }))
$npmRegistryMs = Get-Median ([double[]] @($npmRegistryRuns | ForEach-Object { $_.Ms }))
$freshRegistryPeak = ($freshRegistry | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum
$npmRegistryPeak = ($npmRegistryRuns | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum
$addedRegistryMB = if ($warm.Reset) { [Math]::Max(0, ([double] $warm.RegistryPeak - [double] $warm.RegistryBefore) / 1MB) } else { [double]::NaN }
function MB($v) { if ($null -eq $v -or [double]::IsNaN([double] $v)) { 'n/a' } else { ([double] $v).ToString('0', $Invariant) } }

$rows = @(
    , @('Compare-NpmStagedPackage -Summary (warm, in one PowerShell)', (Format-Ms $warmMs), (MB ([double] $warm.Peak / 1MB)), (MB $addedMB))
    , @('pwsh: Import-Module; Compare-NpmStagedPackage -Summary (fresh process)', (Format-Ms $freshMs), (MB $freshPeak), '')
    , @('npm diff --diff-name-only (fresh process)', (Format-Ms $npmMs), (MB $npmPeak), '')
    , @('Compare-NpmStagedPackage -StageId -Summary, from the fake registry (warm)', (Format-Ms $warmRegistryMs), (MB ([double] $warm.RegistryPeak / 1MB)), (MB $addedRegistryMB))
    , @('pwsh: Import-Module; Compare-NpmStagedPackage -StageId -Summary (fresh process, fake registry)', (Format-Ms $freshRegistryMs), (MB $freshRegistryPeak), '')
    , @('npm diff <name>@1.0.0 <name>@1.0.1 --diff-name-only (fresh process, fake registry, empty cache)', (Format-Ms $npmRegistryMs), (MB $npmRegistryPeak), '')
)
$lines = New-Object System.Collections.Generic.List[string]
$lines.Add('# Staged-package review: Compare-NpmStagedPackage vs npm diff (issue 12)')
$lines.Add('')
$lines.Add("Module $ModulePath; npm $((& $Npm --version).Trim()); PowerShell $($PSVersionTable.PSVersion); $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription); $([Environment]::ProcessorCount) cores; load average $(Get-LoadAverage) at the end.")
$lines.Add(("Fixture: two npm-packed versions of {0:N0} files, {1:N1} MB and {2:N1} MB compressed ({3:N1} MB together); the second changes 10%, removes 1%, adds 1%. Median of {4} rounds." -f $Files, ($v1Size / 1MB), ($v2Size / 1MB), $compressedMB, $Rounds))
$lines.Add('')
foreach ($l in (Format-MarkdownTable @('contender', 'median ms', 'peak MB', 'added MB') $rows @('l', 'r', 'r', 'r'))) { $lines.Add($l) }
$lines.Add('')
$lines.Add(("File lists: Compare-NpmStagedPackage {0} files, npm diff {1} files, identical: {2}. Verdict {3}, read in full: {4}." -f @($warm.Names).Count, @($npmNames).Count, $same, $warm.Risk, $warm.Complete))
$lines.Add(("Goal: faster than npm diff: fresh {0} / {1} = {2} -> {3}; warm {4} / {1} = {5} -> {6}" -f (Format-Ms $freshMs), (Format-Ms $npmMs), (Format-Ratio ($freshMs / $npmMs)), (Get-Verdict ($freshMs -lt $npmMs)), (Format-Ms $warmMs), (Format-Ratio ($warmMs / $npmMs)), (Get-Verdict ($warmMs -lt $npmMs))))
if (-not [double]::IsNaN($addedMB)) {
    $lines.Add(("Goal: memory under {0}x the compressed size: the comparison's added peak {1} MB / {2:N1} MB (both tarballs) = {3} -> {4}; / {5:N1} MB (the staged one) = {6}" -f $GoalMemoryRatio, (MB $addedMB), $compressedMB, (Format-Ratio ($addedMB / $compressedMB)), (Get-Verdict ($addedMB -lt $GoalMemoryRatio * $compressedMB)), ($v2Size / 1MB), (Format-Ratio ($addedMB / ($v2Size / 1MB)))))
}
$lines.Add(("From the fake registry: file lists identical: {0}; -StageId reviewed against {1} (risk {2}). Goal: faster than npm diff: fresh {3} / {4} = {5} -> {6}; warm {7} / {4} = {8} -> {9}" -f $sameRegistry, $warm.RegistryReference, $warm.RegistryRisk, (Format-Ms $freshRegistryMs), (Format-Ms $npmRegistryMs), (Format-Ratio ($freshRegistryMs / $npmRegistryMs)), (Get-Verdict ($freshRegistryMs -lt $npmRegistryMs)), (Format-Ms $warmRegistryMs), (Format-Ratio ($warmRegistryMs / $npmRegistryMs)), (Get-Verdict ($warmRegistryMs -lt $npmRegistryMs))))
if (-not [double]::IsNaN($addedRegistryMB)) {
    $lines.Add(("Goal: memory under {0}x the compressed size, from the registry (the staged tarball held in memory, the reference read as it downloads): added peak {1} MB / {2:N1} MB (both tarballs) = {3} -> {4}; / {5:N1} MB (the staged one) = {6}" -f $GoalMemoryRatio, (MB $addedRegistryMB), $compressedMB, (Format-Ratio ($addedRegistryMB / $compressedMB)), (Get-Verdict ($addedRegistryMB -lt $GoalMemoryRatio * $compressedMB)), ($v2Size / 1MB), (Format-Ratio ($addedRegistryMB / ($v2Size / 1MB)))))
}
if (-not [double]::IsNaN([double] $npmPeak)) {
    $lines.Add(("Peak resident set of the whole process: pwsh + module {0} MB, npm diff {1} MB (ratio {2})." -f (MB $freshPeak), (MB $npmPeak), (Format-Ratio ([double] $freshPeak / [double] $npmPeak))))
}
$lines.Add('')
$lines.Add("Bench time $([Math]::Round($watchAll.Elapsed.TotalSeconds)) s.")
[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$out = Join-Path $OutDirectory ("staged-compare-{0:yyyyMMddTHHmmssZ}.md" -f [DateTime]::UtcNow)
[System.IO.File]::WriteAllLines($out, $lines)
$lines | Out-Host
Write-Host "Written to $out"
