#Requires -Version 5.1
<#
.SYNOPSIS
    Time and peak memory of every config-reading cmdlet against every case of the pathological-profile corpus (issue 10, C).

.DESCRIPTION
    The corpus is tests/NpmHardening.Tests/PathologicalCorpus.ps1 (the same the Pester test runs): a FIFO, a socket and a
    device as ~/.npmrc, a 5 MB line of letters, 1 MB values of letters, 9 million keys (63 MB), a million keys in 7 MB,
    ${ nested 250,000 deep, ${VAR} amplification, a section nested 100,000 deep. For each case and each cmdlet a fresh
    PowerShell imports the module and runs that one cmdlet once:

      ms          the cmdlet's own time (a Stopwatch around the call in the child; start-up and import excluded)
      peak MB     the child's peak working set (VmHWM on Linux) at the end, import and cmdlet included
      above idle  peak MB minus the median peak of an idle PowerShell (`pwsh -NoProfile -Command <read the peak>`,
                  no module), so the module's import counts against the budget too

    Goal (issue 10): under 5 s and under 300 MB above an idle PowerShell, for every cmdlet and case: PASS/MISS per row.
    A child that does not finish within -TimeoutSec is killed and its row says so. Unix only (FIFOs, sockets, devices).
    Writes the table to out/bench/pathological-<UTC timestamp>.md.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Pathological

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-PathologicalBenchmark.ps1 -Case FIFO, '9M keys' -Cmdlet Get-NpmConfig
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    # Only these cases / cmdlets (names as in the table); all by default.
    [string[]] $Case,
    [string[]] $Cmdlet,
    [ValidateRange(1, 3600)] [int] $TimeoutSec = 120,
    # Idle PowerShell processes measured for the baseline (median).
    [ValidateRange(1, 50)] [int] $IdleRuns = 5
)

if ($PSVersionTable.PSEdition -eq 'Desktop' -or $IsWindows) {
    Write-Host 'The pathological corpus is Unix-only (FIFOs, sockets, devices): nothing to run on Windows.'
    return
}
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$OnWindows = $false

$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
$tests = Join-Paths $RepoRoot 'tests' 'NpmHardening.Tests'
. (Join-Path $tests 'TestMachine.ps1')
. (Join-Path $tests 'PathologicalCorpus.ps1')

$GoalMs = 5000
$GoalMB = 300
$pwsh = Get-PathologicalPwsh
$watch = [System.Diagnostics.Stopwatch]::StartNew()

# the idle baseline: a PowerShell that starts, reads its own peak and exits
$idle = @(1..$IdleRuns | ForEach-Object {
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', '[Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64')) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
        $p = [System.Diagnostics.Process]::Start($psi); $p.StandardInput.Close()
        $text = $p.StandardOutput.ReadToEnd(); $p.WaitForExit(); $p.Dispose()
        [double] $text.Trim() / 1MB
    })
$idleMB = Get-Median $idle

Write-Host "Building the corpus..."
$corpus = @(New-PathologicalCorpus | Where-Object { -not $Case -or $Case -contains $_.Name })
$cmdlets = @($PathologicalCmdlets.Keys | Where-Object { -not $Cmdlet -or $Cmdlet -contains $_ })
$rows = New-Object System.Collections.Generic.List[object]
$misses = 0
try {
    foreach ($c in $corpus) {
        foreach ($name in $cmdlets) {
            $run = Invoke-PathologicalChild -Case $c -ModulePath $ModulePath -Cmdlets @($name) -TimeoutSec $TimeoutSec -Pwsh $pwsh
            $r = @($run.Results) | Select-Object -First 1
            if ($run.TimedOut -or -not $r) {
                $misses++
                $why = if ($run.TimedOut) { "did not finish in $TimeoutSec s" } else { "child failed ($($run.ExitCode))" }
                $rows.Add(@($c.Name, $name, $why, '', '', 'MISS'))
                Write-Host ("{0,-24} {1,-34} {2}" -f $c.Name, $name, $why)
                continue
            }
            $peakMB = [double] $r.PeakBytes / 1MB
            $above = $peakMB - $idleMB
            $ok = ([double] $r.Ms -lt $GoalMs) -and ($above -lt $GoalMB)
            if (-not $ok) { $misses++ }
            $rows.Add(@($c.Name, $name, (Format-Ms ([double] $r.Ms)), $peakMB.ToString('0', $Invariant), $above.ToString('0', $Invariant), (Get-Verdict $ok)))
            Write-Host ("{0,-24} {1,-34} {2,9} ms {3,6} MB peak {4,6} MB above idle" -f $c.Name, $name, (Format-Ms ([double] $r.Ms)), $peakMB.ToString('0', $Invariant), $above.ToString('0', $Invariant))
        }
    }
}
finally {
    foreach ($c in $corpus) { Remove-Item -LiteralPath $c.Machine.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

$lines = New-Object System.Collections.Generic.List[string]
$lines.Add('# Pathological profiles (issue 10, section C)')
$lines.Add('')
$lines.Add("Module $ModulePath; PowerShell $($PSVersionTable.PSVersion); $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription); $([Environment]::ProcessorCount) cores; load average $(Get-LoadAverage).")
$lines.Add("Idle PowerShell peak working set: $($idleMB.ToString('0', $Invariant)) MB (median of $IdleRuns). Goal per row: under $GoalMs ms and under $GoalMB MB above idle.")
$lines.Add('')
foreach ($l in (Format-MarkdownTable @('case', 'cmdlet', 'ms', 'peak MB', 'above idle MB', 'goal') $rows.ToArray() @('l', 'l', 'r', 'r', 'r', 'l'))) { $lines.Add($l) }
$lines.Add('')
$lines.Add("$($rows.Count - $misses) of $($rows.Count) rows meet the goal; bench time $([Math]::Round($watch.Elapsed.TotalSeconds)) s.")
[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$file = Join-Path $OutDirectory ("pathological-{0:yyyyMMddTHHmmssZ}.md" -f [DateTime]::UtcNow)
[System.IO.File]::WriteAllLines($file, $lines)
$lines | Out-Host
Write-Host "Written to $file"
