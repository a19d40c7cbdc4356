#Requires -Version 5.1
<#
.SYNOPSIS
    Export-NpmHardeningReport of 100,000 findings to each format: time and peak memory; SARIF side by side with
    ConvertTo-Json -Depth 6 on the same objects (issue 9: goal under 3x).

.DESCRIPTION
    One fresh PowerShell per contender imports the module and builds -Count NpmFinding objects (100 rules, 500
    contexts, 5 computers; every status, locations in files, registry URIs and variables, remediation with web
    steps, some suppressed). Building them is not timed. After one untimed warm-up on 1,000 of them, -Rounds timed
    runs of

      Sarif, Html, JUnit, Csv, Json   $findings | Export-NpmHardeningReport -Format <f> -Path <file>
      ConvertTo-Json -Depth 6         $findings | ConvertTo-Json -Depth 6 | Set-Content -Path <file>

    are measured with a Stopwatch in the child (median reported). Memory: on Linux the child resets its peak
    resident set (/proc/self/clear_refs) after building the findings, so "added MB" is the export's own peak above
    the working set it started from; "peak MB" is the whole process's peak (VmHWM), findings included. Elsewhere
    only the process peak is known.

    Prints a Markdown table and the ratio SARIF / ConvertTo-Json with PASS/MISS against "< 3x"; writes it to
    out/bench/reports-<UTC timestamp>.md.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Report

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-ReportBenchmark.ps1 -Count 10000 -Rounds 1
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    [ValidateRange(1, 10000000)] [int] $Count = 100000,
    [ValidateRange(1, 50)] [int] $Rounds = 3,
    [string[]] $Contender = @('Sarif', 'ConvertTo-Json', 'Html', 'JUnit', 'Csv', 'Json')
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
$GoalRatio = 3.0

# The child: builds the findings, warms up, times the rounds, prints one JSON line.
$child = @'
param([string] $ModulePath, [string] $Contender, [int] $Count, [int] $Rounds, [string] $Folder)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$null = @() | ConvertTo-NpmSarif   # loads the engine
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'NpmHardening.Engine' } | Select-Object -First 1
$tFinding = $engine.GetType('NpmHardening.NpmFinding'); $tLocation = $engine.GetType('NpmHardening.NpmFindingLocation')
$tRemediation = $engine.GetType('NpmHardening.NpmRemediation'); $tSuppression = $engine.GetType('NpmHardening.NpmFindingSuppression')
$severities = 'Info', 'Low', 'Medium', 'High', 'Critical'
$statuses = 'Fail', 'Pass', 'Warning', 'Pass', 'NotApplicable', 'Fail', 'Error', 'Pass', 'Suppressed', 'Pass'
$steps = [string[]] @('Open the package settings on the registry.', 'Require two-factor authentication for publishing.')
$findings = New-Object 'System.Collections.Generic.List[object]' $Count
for ($i = 0; $i -lt $Count; $i++) {
    $rule = 1001 + ($i % 100)
    $f = $tFinding::new()
    $f.RuleId = "NPMH$rule"; $f.Title = "Rule $rule title"; $f.Area = 'Settings'
    $f.Severity = $severities[$i % 5]; $status = $statuses[$i % 10]
    $f.Status = $status
    $f.Message = "Finding $i`: the setting has a value the baseline does not allow."
    $context = "/home/user$($i % 50)/work/project$($i % 500)"
    $f.Context = $context; $f.ComputerName = "pc$($i % 5)"
    $l = $tLocation::new()
    switch ($i % 7) { 5 { $l.Uri = "https://registry.npmjs.org/pkg$($i % 300)/1.0.$($i % 9)" } 6 { $l.Name = 'env:NPM_TOKEN' } default { $l.Path = "$context/.npmrc"; $l.Line = 1 + ($i % 40) } }
    $f.Location = $l
    $f.FactId = "NPMH$rule|$($l.ToString())"
    $r = $tRemediation::new(); $r.Summary = 'Set the value the baseline expects.'; $r.Setting = 'ignore-scripts'; $r.Value = 'true'; $r.Scope = 'user'
    $r.NpmCommand = 'npm config set ignore-scripts true --location=user'; $r.WebSteps = $steps; $r.PowerShell = 'Set-NpmHardening -Setting ignore-scripts'
    $f.Remediation = $r
    $f.Reference = 'https://docs.npmjs.com/cli/v11/using-npm/config'
    if ($status -eq 'Suppressed') { $s = $tSuppression::new(); $s.Justification = 'Accepted by the security team.'; $s.OriginalStatus = 'Fail'; $f.Suppression = $s }
    $findings.Add($f)
}
$items = $findings.ToArray()
$warm = $items[0..([Math]::Min(999, $Count - 1))]
$file = Join-Path $Folder "report-$Contender.out"
function Run($in) {
    if ($Contender -eq 'ConvertTo-Json') { $in | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $file -Encoding utf8 }
    else { $in | Export-NpmHardeningReport -Format $Contender -Path $file }
}
Run $warm
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$before = $process.WorkingSet64
$reset = $false
if (Test-Path -LiteralPath /proc/self/clear_refs) { try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); $reset = $true } catch { } }
$times = @()
for ($round = 0; $round -lt $Rounds; $round++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    Run $items
    $watch.Stop()
    $times += $watch.Elapsed.TotalMilliseconds
}
$process.Refresh()
@{ Times = $times; Before = $before; Peak = $process.PeakWorkingSet64; Reset = $reset; Bytes = (Get-Item -LiteralPath $file).Length } | ConvertTo-Json -Compress
'@

$folder = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-report-bench-' + [guid]::NewGuid().ToString('n'))
[void] [System.IO.Directory]::CreateDirectory($folder)
$script = Join-Path $folder 'child.ps1'
[System.IO.File]::WriteAllText($script, $child, (New-Object System.Text.UTF8Encoding $true))
$watchAll = [System.Diagnostics.Stopwatch]::StartNew()
$results = [ordered] @{}
try {
    foreach ($c in $Contender) {
        Write-Host "  $c ($Count findings, $Rounds rounds)..."
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = $Pwsh.File
        $psi.Arguments = ((@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $script, $ModulePath, $c, [string] $Count, [string] $Rounds, $folder)) | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' '
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $run = Invoke-StartInfo $psi
        $line = @($run.Stdout -split "`n" | Where-Object { $_.Trim().StartsWith('{') }) | Select-Object -Last 1
        if (-not $line) { throw "The $c child printed no result:`n$($run.Stdout)`n$($run.Stderr)" }
        $results[$c] = $line | ConvertFrom-Json
    }
}
finally { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }

$rows = New-Object System.Collections.Generic.List[object]
foreach ($c in $results.Keys) {
    $r = $results[$c]
    $median = Get-Median ([double[]] @($r.Times))
    $peakMB = [double] $r.Peak / 1MB
    $added = if ($r.Reset) { ([double] $r.Peak - [double] $r.Before) / 1MB } else { [double]::NaN }
    $label = if ($c -eq 'ConvertTo-Json') { 'ConvertTo-Json -Depth 6 (same objects)' } else { "Export-NpmHardeningReport -Format $c" }
    $rows.Add(@($label, (Format-Ms $median), ($median / $Count * 1000).ToString('0.0', $Invariant), $peakMB.ToString('0', $Invariant),
            $(if ([double]::IsNaN($added)) { 'n/a' } else { ([Math]::Max(0, $added)).ToString('0', $Invariant) }), ([double] $r.Bytes / 1MB).ToString('0.0', $Invariant)))
}

$lines = New-Object System.Collections.Generic.List[string]
$lines.Add('# Reports of 100,000 findings (issue 9)')
$lines.Add('')
$lines.Add("Module $ModulePath; PowerShell $($PSVersionTable.PSVersion); $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription); $([Environment]::ProcessorCount) cores; load average $(Get-LoadAverage).")
$lines.Add("$Count findings, median of $Rounds timed rounds after a warm-up, each contender in its own PowerShell.")
$lines.Add('')
foreach ($l in (Format-MarkdownTable @('contender', 'median ms', 'µs per finding', 'peak MB', 'added MB', 'output MB') $rows.ToArray() @('l', 'r', 'r', 'r', 'r', 'r'))) { $lines.Add($l) }
if ($results.Contains('Sarif') -and $results.Contains('ConvertTo-Json')) {
    $sarif = Get-Median ([double[]] @($results['Sarif'].Times))
    $json = Get-Median ([double[]] @($results['ConvertTo-Json'].Times))
    $ratio = $sarif / $json
    $lines.Add('')
    $lines.Add(("Goal: SARIF under {0}x ConvertTo-Json -Depth 6 on the same objects: {1} / {2} = {3} -> {4}" -f $GoalRatio, (Format-Ms $sarif), (Format-Ms $json), (Format-Ratio $ratio), (Get-Verdict ($ratio -lt $GoalRatio))))
}
$lines.Add('')
$lines.Add("Bench time $([Math]::Round($watchAll.Elapsed.TotalSeconds)) s.")
[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$out = Join-Path $OutDirectory ("reports-{0:yyyyMMddTHHmmssZ}.md" -f [DateTime]::UtcNow)
[System.IO.File]::WriteAllLines($out, $lines)
$lines | Out-Host
Write-Host "Written to $out"
