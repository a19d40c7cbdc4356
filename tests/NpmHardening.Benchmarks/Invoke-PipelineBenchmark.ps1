#Requires -Version 5.1
<#
.SYNOPSIS
    Publish-pipeline benchmark (issue 11): Get-NpmPublishPipeline -Path <tree> -Recurse, warm, side by side with
    `grep -rlE 'publish' --include='*.yml' <tree>` on one generated tree of 5,000 repositories holding ~20,000 CI
    files; the ratio (goal: within 3x of grep), progress during the scan, and peak memory.

.DESCRIPTION
    Run by `build.ps1 -Task Bench -BenchPart Pipeline` (and by the full Bench task), which builds the module first and
    passes its manifest in $env:NPMH_MODULE_PATH.

    The tree is generated once into <repo>/.bench/pipeline-tree (git-ignored) by PipelineTreeGenerator.cs,
    deterministically from -Seed, and reused while <repo>/.bench/pipeline-tree.json (the parameters and the
    generator's hash) matches.

    One child PowerShell imports the module, scans the tree -WarmUpScans times untimed (warm-up; 3 by default: .NET's
    tiered compilation re-compiles the hot methods of the engine, System.Linq and PowerShell itself through the first
    scans — 913 and 756 methods compiled in the first two scans after one untimed scan, 47-54 per scan after that,
    measured with DOTNET_JitStdOutFile — so with one warm-up scan the first timed rounds still pay for the JIT), then
    runs -Rounds rounds; each
    round times grep (a process started with stdout drained, from Process.Start to exit) and then the cmdlet
    (Stopwatch around `$r = @(Get-NpmPublishPipeline -Path <tree> -Recurse)`), so machine load drifts over both
    alike; the cmdlet's CPU time (all threads of the process) is reported beside its wall time, since the scan runs on one
    thread per processor. The child then reports its peak working set (Process.PeakWorkingSet64: VmHWM on Linux) beside that of
    an idle PowerShell that only imported the module.

    Progress: a second child runs the cmdlet through the PowerShell API and counts the progress records it wrote,
    with the first and the last status (their folder and file counts grow through the scan): the walk reports
    progress while it runs and throttles it (one record per 100 ms at most, NpmHardeningCmdlet.Progress).

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Pipeline

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-PipelineBenchmark.ps1 -Rounds 3
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    [string] $BenchDirectory,
    [ValidateRange(50, 100000)] [int] $Repositories = 5000,
    [ValidateRange(1, 50)] [int] $Rounds = 5,
    # Untimed scans before the timed rounds (see the description: the JIT's tier-up settles after about three).
    [ValidateRange(1, 20)] [int] $WarmUpScans = 3,
    [uint64] $Seed = 11
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = [bool] $IsWindows }
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if (-not $BenchDirectory) { $BenchDirectory = Join-Paths $RepoRoot '.bench' }
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
$null = New-Item -ItemType Directory -Force -Path $BenchDirectory, $OutDirectory
$Pwsh = Get-PwshCommand
$grep = Get-Command grep -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $grep) { throw 'grep is not on PATH; the comparison needs it.' }

# ---- the tree: generated once, reused while its stamp matches
$TreeRoot = Join-Paths $BenchDirectory 'pipeline-tree'
$stampPath = Join-Paths $BenchDirectory 'pipeline-tree.json'
$generatorSource = Join-Paths $PSScriptRoot 'PipelineTreeGenerator.cs'
$generatorHash = (Get-FileHash -LiteralPath $generatorSource -Algorithm SHA256).Hash
$stamp = $null
if ((Test-Path -LiteralPath $stampPath) -and (Test-Path -LiteralPath $TreeRoot)) {
    $stamp = Get-Content -LiteralPath $stampPath -Raw | ConvertFrom-Json
    if ($stamp.Repositories -ne $Repositories -or $stamp.Seed -ne $Seed -or $stamp.GeneratorHash -ne $generatorHash) { $stamp = $null }
}
if ($stamp) {
    Write-Host "Tree:     $TreeRoot (reused; $($stamp.Summary.Repositories) repositories, $($stamp.Summary.CiFiles) CI files)"
}
else {
    if (Test-Path -LiteralPath $TreeRoot) { Remove-Item -LiteralPath $TreeRoot -Recurse -Force }
    if (-not ('NpmHardeningBench.PipelineTreeGenerator' -as [type])) { Add-Type -Path $generatorSource }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $summary = [NpmHardeningBench.PipelineTreeGenerator]::Generate($TreeRoot, $Repositories, $Seed)
    $watch.Stop()
    $stamp = [pscustomobject]@{
        Repositories = $Repositories; Seed = $Seed; GeneratorHash = $generatorHash
        Generated = (Get-Date).ToUniversalTime().ToString('u'); Seconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
        Summary = [pscustomobject]@{
            Repositories = $summary.Repositories; CiFiles = $summary.CiFiles; YmlFiles = $summary.YmlFiles
            PublishingRepositories = $summary.PublishingRepositories; OtherFiles = $summary.OtherFiles; Bytes = $summary.Bytes
            ByPlatform = $summary.ByPlatform
        }
    }
    $stamp | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $stampPath -Encoding UTF8
    Write-Host ('Tree:     generated {0} repositories, {1} CI files in {2:0.0} s' -f $summary.Repositories, $summary.CiFiles, $watch.Elapsed.TotalSeconds)
}

# ---- the timed child: grep and the warm cmdlet, round-robin, then peak memory
$childScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module $(ConvertTo-PSLiteral $ModulePath)
`$tree = $(ConvertTo-PSLiteral $TreeRoot)
function Invoke-Grep {
    `$psi = New-Object System.Diagnostics.ProcessStartInfo $(ConvertTo-PSLiteral $grep.Source)
    foreach (`$a in @('-rlE', 'publish', '--include=*.yml', `$tree)) { `$psi.ArgumentList.Add(`$a) }
    `$psi.RedirectStandardOutput = `$true; `$psi.RedirectStandardError = `$true; `$psi.UseShellExecute = `$false
    `$w = [System.Diagnostics.Stopwatch]::StartNew()
    `$p = [System.Diagnostics.Process]::Start(`$psi)
    `$out = `$p.StandardOutput.ReadToEndAsync(); `$err = `$p.StandardError.ReadToEndAsync()
    `$p.WaitForExit(); `$null = `$out.Result; `$null = `$err.Result; `$w.Stop()
    return @{ Ms = `$w.Elapsed.TotalMilliseconds; Lines = (`$out.Result -split "`n" | Where-Object { `$_ }).Count }
}
`$ProgressPreference = 'SilentlyContinue'
for (`$k = 0; `$k -lt $WarmUpScans; `$k++) { `$warm = @(Get-NpmPublishPipeline -Path `$tree -Recurse -ErrorAction SilentlyContinue) }
`$null = Invoke-Grep
for (`$i = 0; `$i -lt $Rounds; `$i++) {
    `$g = Invoke-Grep
    `$errors = `$null
    `$cpu = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
    `$w = [System.Diagnostics.Stopwatch]::StartNew()
    `$r = @(Get-NpmPublishPipeline -Path `$tree -Recurse -ErrorAction SilentlyContinue -ErrorVariable errors)
    `$w.Stop()
    `$cpu = ([System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - `$cpu).TotalMilliseconds
    [pscustomobject]@{ Kind = 'round'; Grep = `$g.Ms; GrepFiles = `$g.Lines; Cmdlet = `$w.Elapsed.TotalMilliseconds; CmdletCpu = `$cpu; Steps = `$r.Count; Repositories = @(`$r | Select-Object -ExpandProperty Repository -Unique).Count; Errors = @(`$errors).Count } | ConvertTo-Json -Compress
}
[pscustomobject]@{ Kind = 'memory'; Peak = [System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
"@
$idleScript = "Import-Module $(ConvertTo-PSLiteral $ModulePath); [System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64"
$progressScript = @"
`$ps = [powershell]::Create()
`$null = `$ps.AddCommand('Import-Module').AddParameter('Name', $(ConvertTo-PSLiteral $ModulePath)).AddStatement()
`$null = `$ps.AddScript('`$ProgressPreference = ''Continue''').AddStatement()
`$null = `$ps.AddCommand('Get-NpmPublishPipeline').AddParameter('Path', $(ConvertTo-PSLiteral $TreeRoot)).AddParameter('Recurse').AddParameter('ErrorAction', 'SilentlyContinue').AddCommand('Out-Null')
`$w = [System.Diagnostics.Stopwatch]::StartNew()
`$null = `$ps.Invoke()
`$w.Stop()
`$records = @(`$ps.Streams.Progress)
`$running = @(`$records | Where-Object { `$_.RecordType -ne 'Completed' })
[pscustomobject]@{ Count = `$records.Count; Total = `$w.Elapsed.TotalMilliseconds; Completed = `$records.Count - `$running.Count; Errors = @(`$ps.Streams.Error).Count; First = `$(if (`$running.Count) { `$running[0].StatusDescription } else { '' }); Last = `$(if (`$running.Count) { `$running[-1].StatusDescription } else { '' }) } | ConvertTo-Json -Compress
"@

function Invoke-Child([string] $Script) {
    $psi = New-Object System.Diagnostics.ProcessStartInfo $Pwsh.File
    foreach ($a in (Get-PwshArguments $Script)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
    return Invoke-StartInfo $psi
}

Write-Host "Load:     $(Get-LoadAverage) (1/5/15 min)"
Write-Host "Rounds:   $Rounds, grep then Get-NpmPublishPipeline each round, after $WarmUpScans untimed warm-up scan(s)"
$run = Invoke-Child $childScript
$lines = @($run.Stdout -split "`n" | Where-Object { $_.Trim().StartsWith('{') } | ForEach-Object { $_ | ConvertFrom-Json })
$roundRows = @($lines | Where-Object Kind -eq 'round')
$peak = [double] (@($lines | Where-Object Kind -eq 'memory')[0].Peak)
$idle = [double] ((Invoke-Child $idleScript).Stdout.Trim().Split("`n")[-1])
$progress = (Invoke-Child $progressScript).Stdout.Trim().Split("`n")[-1] | ConvertFrom-Json

$grepMedian = Get-Median ([double[]] ($roundRows | ForEach-Object Grep))
$cmdletMedian = Get-Median ([double[]] ($roundRows | ForEach-Object Cmdlet))
$ratio = $cmdletMedian / $grepMedian
$last = $roundRows[-1]
$s = $stamp.Summary
$report = New-Object System.Collections.Generic.List[string]
$report.Add('# Publish-pipeline bench (issue 11)')
$report.Add('')
$report.Add(('Tree: {0} repositories, {1} CI files ({2} *.yml), {3} other files, {4:0.0} MiB; {5} repositories publish; seed {6}, generated {7}.' -f $s.Repositories, $s.CiFiles, $s.YmlFiles, $s.OtherFiles, ($s.Bytes / 1MB), $s.PublishingRepositories, $stamp.Seed, $stamp.Generated))
# a freshly generated tree's counts are a Dictionary, a reused one's come back from JSON as an object
$byPlatform = if ($s.ByPlatform -is [System.Collections.IDictionary]) { @($s.ByPlatform.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) }
else { @($s.ByPlatform.PSObject.Properties | ForEach-Object { "$($_.Name) $($_.Value)" }) }
$report.Add(('CI files by platform: {0}.' -f ($byPlatform -join ', ')))
$report.Add("Machine load (1/5/15 min) at the start: $(Get-LoadAverage); $([Environment]::ProcessorCount) CPUs.")
$report.Add('')
$rows = @(
    , @('grep -rlE ''publish'' --include=''*.yml'' <tree>', (Format-Ms $grepMedian), (Format-Ms (Get-Percentile ([double[]] ($roundRows | ForEach-Object Grep)) 90)), "$($last.GrepFiles) files listed")
    , @('warm Get-NpmPublishPipeline -Path <tree> -Recurse', (Format-Ms $cmdletMedian), (Format-Ms (Get-Percentile ([double[]] ($roundRows | ForEach-Object Cmdlet)) 90)), "$($last.Steps) publish steps in $($last.Repositories) repositories, $($last.Errors) errors")
)
foreach ($line in (Format-MarkdownTable @('contender', 'median', 'p90', 'result') $rows @('l', 'r', 'r', 'l'))) { $report.Add($line) }
$report.Add('')
$report.Add(('Ratio (median): {0:0.00}x grep; goal within 3x: {1}.' -f $ratio, (Get-Verdict ($ratio -le 3))))
# the scan runs on one thread per processor: its CPU time (all threads of the PowerShell process, the GC's included)
# says how much work it is, which a loaded machine changes less than the wall time
$report.Add(('CPU time of the warm cmdlet (all threads, median): {0:0.0} ms ({1:0.00}x its wall time).' -f (Get-Median ([double[]] ($roundRows | ForEach-Object CmdletCpu))), ((Get-Median ([double[]] ($roundRows | ForEach-Object CmdletCpu))) / $cmdletMedian)))
$report.Add(('Peak working set: {0:0} MiB after the scans; {1:0} MiB for an idle PowerShell that imported the module ({2:0} MiB added).' -f ($peak / 1MB), ($idle / 1MB), (($peak - $idle) / 1MB)))
$report.Add(('Progress: {0} records during a {1:0} ms first scan in a fresh runspace (at most one per 100 ms; {2} completion record, {3} errors); the first says "{4}", the last "{5}".' -f $progress.Count, $progress.Total, $progress.Completed, $progress.Errors, $progress.First, $progress.Last))
$report.Add('')
$report.Add('Rounds (ms): ' + (($roundRows | ForEach-Object { '{0:0}/{1:0}' -f $_.Grep, $_.Cmdlet }) -join ', ') + ' (grep/cmdlet).')
$text = $report -join "`n"
$file = Join-Paths $OutDirectory ('pipeline-{0}.md' -f (Get-Date -Format 'yyyyMMdd-HHmmss'))
Set-Content -LiteralPath $file -Value $text -Encoding UTF8
Write-Host $text
Write-Host "Report:   $file"
