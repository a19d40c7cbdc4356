#Requires -Version 5.1
<#
.SYNOPSIS
    CPU time and allocation of warm Get-NpmPublishPipeline -Recurse scans in one PowerShell (issue 11): the figures to
    compare two builds on a busy machine, where wall times mostly measure the load.

.DESCRIPTION
    Imports the module at -Module, scans -Tree once untimed, then -Rounds times; each timed scan reports its wall time,
    the process's CPU time (all threads) and the bytes allocated (GC.GetTotalAllocatedBytes). With -Dump, the publish
    steps and the -Audit findings of the tree are written to <Dump>.steps and <Dump>.audit (each object as compressed
    JSON, sorted), so that two builds' output can be compared with cmp. NPMH_PIPELINE_WORKERS=1 in the environment
    scans on one thread. Run two builds alternately, several times, and compare CPU and allocation.

.EXAMPLE
    /work/pwsh-r2r/pwsh -NoProfile -File tests/NpmHardening.Benchmarks/Measure-PipelineScanCpu.ps1 -Module out/NpmHardening/0.1.0/NpmHardening.psd1 -Tree .bench/pipeline-tree -Rounds 3
#>
param(
    [Parameter(Mandatory)] [string] $Module,
    [Parameter(Mandatory)] [string] $Tree,
    [ValidateRange(1, 50)] [int] $Rounds = 3,
    [string] $Dump
)
$ErrorActionPreference = 'Stop'
Import-Module (Resolve-Path -LiteralPath $Module).ProviderPath
$process = [System.Diagnostics.Process]::GetCurrentProcess()
$watch = [System.Diagnostics.Stopwatch]::StartNew()
$steps = @(Get-NpmPublishPipeline -Path $Tree -Recurse -ErrorAction SilentlyContinue -ErrorVariable scanErrors)
"warm-up: $($steps.Count) steps, $($scanErrors.Count) errors, $([int]$watch.ElapsedMilliseconds) ms"
if ($Dump) {
    $steps | ForEach-Object { $_ | ConvertTo-Json -Depth 6 -Compress } | Sort-Object | Set-Content "$Dump.steps"
    @(Get-NpmPublishPipeline -Path $Tree -Recurse -Audit -ErrorAction SilentlyContinue) |
        ForEach-Object { $_ | ConvertTo-Json -Depth 6 -Compress } | Sort-Object | Set-Content "$Dump.audit"
}
for ($i = 0; $i -lt $Rounds; $i++) {
    [GC]::Collect()
    $process.Refresh()
    $cpu0 = $process.TotalProcessorTime
    $allocated0 = [GC]::GetTotalAllocatedBytes($true)
    $watch.Restart()
    $steps = @(Get-NpmPublishPipeline -Path $Tree -Recurse)
    $watch.Stop()
    $process.Refresh()
    $cpu = ($process.TotalProcessorTime - $cpu0).TotalMilliseconds
    $allocated = ([GC]::GetTotalAllocatedBytes($true) - $allocated0) / 1MB
    'round {0}: wall {1:N0} ms, cpu {2:N0} ms, allocated {3:N0} MiB, {4} steps' -f $i, $watch.Elapsed.TotalMilliseconds, $cpu, $allocated, $steps.Count
}
