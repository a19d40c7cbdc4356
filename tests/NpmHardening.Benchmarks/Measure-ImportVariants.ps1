<#
.SYNOPSIS
    Many interleaved fresh-process runs of Import-Module for several builds of the module, against a bare start:
    for deciding whether a change to the import moved the process-level row at all (issue 10 F).
.DESCRIPTION
    Invoke-Benchmark.ps1 times its Import-Module row in 9-15 runs per contender. On a shared 2-CPU machine one median
    moves by 5-10 ms from run to run, about the size of the changes one tries. This script runs only the rows that
    matter, round-robin in a shuffled order per round, many rounds (default 60), and prints each build's median, its
    25th percentile and its cost over the bare start, so an A/B of 5 ms can be told from noise.

    -Mode Import:  pwsh -NoProfile -NonInteractive -Command "Import-Module <psd1>"      against   "$null = 1"
    -Mode Share:   pwsh ... -Command "Import-Module <psd1>; $null = Get-NpmSecurityPosture" against "$null = 1"
    Both bare starts are silent (nothing is formatted), unlike Invoke-Benchmark.ps1's "-Command 1".

    -Floor adds PowerShell's own floor, taken apart (Import mode): "-Command 1" (the bare start Invoke-Benchmark.ps1's
    goal is relative to), an empty manifest, then a one-cmdlet compiled module alone, with a one-entry types file, with
    a one-view format file, and with both and RequiredAssemblies (the "binfloor" row of Invoke-Benchmark.ps1). The
    fixture is written to a temporary folder and removed at the end.

    On Linux each row also gets the CPU time (user + system) of its processes, read with
    getrusage(RUSAGE_CHILDREN) before and after each child: all of the child's threads (the background warm-up, the
    JIT's tiering thread, the GC) are counted, and other processes on a shared machine inflate it far less than the
    wall time, so it can compare builds while other work runs.
.EXAMPLE
    ./tests/NpmHardening.Benchmarks/Measure-ImportVariants.ps1 -Pwsh out/pwsh-readytorun/pwsh -ModulePath main=/tmp/main/NpmHardening.psd1, new=out/NpmHardening/0.1.0/NpmHardening.psd1 -Rounds 100
.EXAMPLE
    ./tests/NpmHardening.Benchmarks/Measure-ImportVariants.ps1 -Pwsh out/pwsh-readytorun/pwsh -ModulePath out/NpmHardening/0.1.0/NpmHardening.psd1 -Floor -Rounds 80
#>
[CmdletBinding()]
param(
    # name=path pairs (a path alone is named after its position): the manifests to compare. With pwsh -File, give them
    # as one comma-separated argument (a path with a comma in it is not supported).
    [string[]] $ModulePath = @(),
    [ValidateSet('Import', 'Share')] [string] $Mode = 'Import',
    [ValidateRange(1, 10000)] [int] $Rounds = 60,
    # The PowerShell to start (the ReadyToRun copy for figures that match what users run).
    [string] $Pwsh = (Join-Path $PSHOME 'pwsh'),
    # Add the rows of PowerShell's own floor for a compiled module (Import mode only; see the description).
    [switch] $Floor
)
$ErrorActionPreference = 'Stop'
$invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if ($Floor -and $Mode -ne 'Import') { throw '-Floor goes with -Mode Import.' }
if (-not $Floor -and @($ModulePath).Count -eq 0) { throw 'Give -ModulePath, -Floor, or both.' }
$contenders = [ordered]@{ 'bare' = '$null = 1' }
$floorRoot = $null
if ($Floor) {
    $floorRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-floor-' + [guid]::NewGuid().ToString('n'))
    [void] [System.IO.Directory]::CreateDirectory($floorRoot)
    # The same parts as Invoke-Benchmark.ps1's binfloor row (BenchCommon.ps1).
    New-BinaryFloorModule $floorRoot
    $binary = "RootModule = 'BinaryFloor.dll'; CmdletsToExport = 'Get-BinaryFloorItem'"
    $manifests = [ordered]@{
        'empty'         = ''
        'binary'        = $binary
        'binary+types'  = "$binary; TypesToProcess = 'BinaryFloor.types.ps1xml'"
        'binary+format' = "$binary; FormatsToProcess = 'BinaryFloor.format.ps1xml'"
        'floor'         = "$binary; RequiredAssemblies = 'BinaryFloor.dll'; TypesToProcess = 'BinaryFloor.types.ps1xml'; FormatsToProcess = 'BinaryFloor.format.ps1xml'"
    }
    $contenders['print1'] = '1'
    foreach ($name in $manifests.Keys) {
        $file = Join-Path $floorRoot ($name.Replace('+', '-') + '.psd1')
        Set-Content -LiteralPath $file -Encoding utf8 -Value "@{ ModuleVersion = '1.0'; GUID = '$([guid]::NewGuid())'; $($manifests[$name]) }"
        $contenders[$name] = "Import-Module '$($file.Replace("'", "''"))'"
    }
}
$index = 0
foreach ($entry in @($ModulePath | ForEach-Object { $_ -split ',' } | Where-Object { $_ })) {
    $index++
    $name, $path = if ($entry -match '^([^=]+)=(.+)$') { $Matches[1], $Matches[2] } else { "build$index", $entry }
    $quoted = "'" + (Resolve-Path -LiteralPath $path).ProviderPath.Replace("'", "''") + "'"
    $contenders[$name] = if ($Mode -eq 'Share') { "Import-Module $quoted; `$null = Get-NpmSecurityPosture" } else { "Import-Module $quoted" }
}
$times = @{}
$cpu = @{}
foreach ($name in $contenders.Keys) { $times[$name] = [System.Collections.Generic.List[double]]::new(); $cpu[$name] = [System.Collections.Generic.List[double]]::new() }
# CPU time of the children this process has waited for (getrusage(RUSAGE_CHILDREN)); Add-Type here only costs the driver.
# Linux only: the struct below is Linux's rusage layout (macOS's timeval differs).
$measureCpu = [bool] $IsLinux
if ($measureCpu) {
    Add-Type -TypeDefinition @"
using System.Runtime.InteropServices;
public static class NpmhChildCpu
{
    [StructLayout(LayoutKind.Sequential)] private struct TimeVal { public long Seconds; public long Microseconds; }
    [StructLayout(LayoutKind.Sequential)] private struct RUsage { public TimeVal User; public TimeVal System; [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)] public long[] Rest; }
    [DllImport("libc")] private static extern int getrusage(int who, out RUsage usage);
    public static double Milliseconds()
    {
        // RUSAGE_CHILDREN is -1
        if (getrusage(-1, out var u) != 0) return double.NaN;
        return (u.User.Seconds + u.System.Seconds) * 1000.0 + (u.User.Microseconds + u.System.Microseconds) / 1000.0;
    }
}
"@
}
$names = @($contenders.Keys)
# One untimed run of each, with errors stopping it: a manifest that fails to import would otherwise time as a fast row.
foreach ($name in $names) {
    $output = & $Pwsh -NoProfile -NonInteractive -Command ("`$ErrorActionPreference = 'Stop'; " + $contenders[$name]) 2>&1
    if ($LASTEXITCODE -ne 0) { throw "The $name row fails: $($output -join ' ')" }
}
$random = [System.Random]::new(1)
$load = (Get-Content -LiteralPath '/proc/loadavg' -ErrorAction SilentlyContinue) -join ''
for ($round = 1; $round -le $Rounds; $round++) {
    Write-Progress -Activity "Measure-ImportVariants ($Mode)" -Status "round $round of $Rounds" -PercentComplete (100 * ($round - 1) / $Rounds)
    foreach ($name in ($names | Sort-Object { $random.Next() })) {
        $cpuBefore = if ($measureCpu) { [NpmhChildCpu]::Milliseconds() } else { 0 }
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        & $Pwsh -NoProfile -NonInteractive -Command $contenders[$name] *> $null
        $times[$name].Add($watch.Elapsed.TotalMilliseconds)
        if ($measureCpu) { $cpu[$name].Add([NpmhChildCpu]::Milliseconds() - $cpuBefore) }
    }
}
Write-Progress -Activity "Measure-ImportVariants ($Mode)" -Completed
function Get-Quantile([double[]] $Values, [double] $Q) {
    $sorted = [double[]] ($Values | Sort-Object)
    $position = $Q * ($sorted.Count - 1)
    $low = [math]::Floor($position); $high = [math]::Ceiling($position)
    return $sorted[$low] + ($sorted[$high] - $sorted[$low]) * ($position - $low)
}
$bare = Get-Quantile $times['bare'].ToArray() 0.5
$bareCpu = if ($measureCpu) { Get-Quantile $cpu['bare'].ToArray() 0.5 } else { 0 }
"$Mode rows, $Rounds interleaved rounds, $Pwsh; load average before: $load, after: $((Get-Content -LiteralPath '/proc/loadavg' -ErrorAction SilentlyContinue) -join '')"
foreach ($name in $names) {
    $median = Get-Quantile $times[$name].ToArray() 0.5
    $line = '{0,-12} median {1,7} ms   p25 {2,7} ms   over bare {3,7} ms ({4})' -f $name,
        $median.ToString('0.0', $invariant), (Get-Quantile $times[$name].ToArray() 0.25).ToString('0.0', $invariant),
        ($median - $bare).ToString('+0.0;-0.0', $invariant), (($median - $bare) / $bare).ToString('+0.0%;-0.0%', $invariant)
    if ($measureCpu) {
        $cpuMedian = Get-Quantile $cpu[$name].ToArray() 0.5
        $line += '   CPU median {0,7} ms, over bare {1,7} ms' -f $cpuMedian.ToString('0.0', $invariant), ($cpuMedian - $bareCpu).ToString('+0.0;-0.0', $invariant)
    }
    $line
}
if ($floorRoot) {
    $print1 = Get-Quantile $times['print1'].ToArray() 0.5
    foreach ($name in $names | Where-Object { $_ -ne 'bare' -and $_ -ne 'print1' }) {
        $median = Get-Quantile $times[$name].ToArray() 0.5
        '{0,-12} over "-Command 1" {1,7} ms ({2})' -f $name, ($median - $print1).ToString('+0.0;-0.0', $invariant), (($median - $print1) / $print1).ToString('+0.0%;-0.0%', $invariant)
    }
    Remove-Item -LiteralPath $floorRoot -Recurse -Force
}
