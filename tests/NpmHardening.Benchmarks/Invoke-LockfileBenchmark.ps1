#Requires -Version 5.1
<#
.SYNOPSIS
    Test-NpmLockfile beside lockfile-lint 5.0.1 on a generated 10,000-package lockfile and, where the registry is
    reachable, a real large lockfile made by npm install --package-lock-only: time warm and whole process, and peak
    memory against the file size (issue 15: goal ≥ 10× faster warm than lockfile-lint, memory ≤ 2× the file size).

.DESCRIPTION
    Fixtures:
      generated   New-TestLockfile (tests/NpmHardening.Tests/LockfileTools.ps1): -Packages lockfileVersion 3 entries
                  with names from the module's popular-packages list and compound names made from them, nested
                  node_modules, sha512 integrity, dependencies and engines, no problems.
      real        npm install --package-lock-only --ignore-scripts of a large dependency set (-RealDependencies),
                  when `npm ping` answers within 20 s; skipped with a line otherwise.

    Contenders, -Rounds each, for each fixture:
      Test-NpmLockfile (warm)    one child PowerShell imports the module, runs Test-NpmLockfile -AllowedHost npm
                                 once untimed, then times each round with a Stopwatch (findings collected, as a
                                 caller does). On Linux it resets its peak resident set (/proc/self/clear_refs)
                                 after a full GC, so "added MB" is the test's own peak above the settled working set.
                                 "allocated MB" is [GC]::GetTotalAllocatedBytes around one more call after the rounds.
      Test-NpmLockfile (process) pwsh -Command "Import-Module …; Test-NpmLockfile … -AllowedHost npm -Quiet"
      idle pwsh + module         pwsh -Command "Import-Module …" (the process baseline)
      lockfile-lint              node lockfile-lint.js --path … --validate-https --allowed-hosts npm
                                 --validate-integrity --validate-package-names (a process: it has no warm mode)

    Peak memory of processes is the kernel's high-water mark (VmHWM), polled every 10 ms. Prints a Markdown table and
    the ratios with PASS/MISS; writes it to out/bench/lockfile-<UTC timestamp>.md.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Lockfile
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    [ValidateRange(100, 200000)] [int] $Packages = 10000,
    [ValidateRange(1, 20)] [int] $Rounds = 5,
    [string[]] $RealDependencies = @('react-scripts@5', '@angular/cli@17', 'gatsby@5', 'jest@29', 'webpack@5', 'eslint@8', 'typescript@5', '@aws-sdk/client-s3@3', 'next@14', 'storybook@7'),
    [switch] $SkipReal
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if ($PSVersionTable.PSEdition -eq 'Desktop') { $OnWindows = $true } else { $OnWindows = [bool] $IsWindows }

$RepoRoot = Get-BenchRepoRoot
$env:NPMH_REPO_ROOT = $RepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
$Pwsh = Get-PwshCommand
$Node = (Get-Command node -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
$Npm = (Get-Command npm -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
. (Join-Paths $RepoRoot 'tests' 'NpmHardening.Tests' 'LockfileTools.ps1')
# (PowerShell's names ignore case: the CLI path is $LintCli, the runs $lintRuns)
$LintCli = Get-LockfileLint
if (-not $LintCli) { throw 'lockfile-lint is not in .tools; run build.ps1 -Task Bootstrap first.' }
$LintArgs = @('--validate-https', '--allowed-hosts', 'npm', '--validate-integrity', '--validate-package-names')

$folder = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-lockfile-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
[void] [System.IO.Directory]::CreateDirectory($folder)
# npm's configuration for the fixtures' folders: nothing of this machine's user config
$env:npm_config_userconfig = Join-Path $folder 'user.npmrc'
[System.IO.File]::WriteAllText($env:npm_config_userconfig, '')

# started in the fixture folder unless told otherwise (BenchCommon's Start-MeasuredProcess)
function Start-Measured([string] $File, [string[]] $Arguments, [int[]] $AllowedExitCodes = @(0), [string] $WorkingDirectory = $folder) {
    Start-MeasuredProcess -File $File -Arguments $Arguments -AllowedExitCodes $AllowedExitCodes -WorkingDirectory $WorkingDirectory
}

$child = @'
param([string] $ModulePath, [string] $Lockfile, [int] $Rounds)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$first = @(Test-NpmLockfile -Path $Lockfile -AllowedHost npm)
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$before = $process.WorkingSet64
$reset = $false
if (Test-Path -LiteralPath /proc/self/clear_refs) { try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); $reset = $true } catch { } }
$times = @()
for ($round = 0; $round -lt $Rounds; $round++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $findings = @(Test-NpmLockfile -Path $Lockfile -AllowedHost npm)
    $watch.Stop()
    $times += $watch.Elapsed.TotalMilliseconds
    $findings = $null
}
$process.Refresh()
$peak = $process.PeakWorkingSet64
# what one warm call allocates in all (the garbage collector's budget makes the peak column coarse)
$allocatedBefore = [GC]::GetTotalAllocatedBytes($true)
$null = @(Test-NpmLockfile -Path $Lockfile -AllowedHost npm)
$allocated = [GC]::GetTotalAllocatedBytes($true) - $allocatedBefore
@{ Times = $times; Before = $before; Peak = $peak; Reset = $reset; Findings = $first.Count; Allocated = $allocated } | ConvertTo-Json -Compress
'@
$childFile = Join-Path $folder 'child.ps1'
[System.IO.File]::WriteAllText($childFile, $child, (New-Object System.Text.UTF8Encoding $true))

# ---- fixtures ----
$fixtures = New-Object System.Collections.Generic.List[object]
$generated = Join-Path $folder 'generated/package-lock.json'
Write-Host "  generating a lockfile of $Packages packages..."
New-TestLockfile -Path $generated -Count $Packages -Version 3 -Seed 15
$fixtures.Add(@{ Name = "generated, $Packages packages"; Path = $generated })
$realNote = $null
if (-not $SkipReal) {
    Write-Host '  npm ping (is the registry reachable?)...'
    $ping = $null
    try { $ping = Start-Measured $Npm @('ping', '--fetch-timeout=20000', '--fetch-retries=0') @(0, 1) } catch { }
    if ($ping -and $ping.Ms -lt 25000 -and $ping.Stdout -notmatch 'ERR') {
        $realDir = Join-Path $folder 'real'
        [void] [System.IO.Directory]::CreateDirectory($realDir)
        $deps = ($RealDependencies | ForEach-Object { $i = $_.LastIndexOf('@'); '"{0}": "{1}"' -f $_.Substring(0, $i), $_.Substring($i + 1) }) -join ', '
        [System.IO.File]::WriteAllText((Join-Path $realDir 'package.json'), "{ `"name`": `"npmh-bench-real`", `"version`": `"1.0.0`", `"dependencies`": { $deps } }")
        Write-Host "  npm install --package-lock-only of $($RealDependencies -join ', ')..."
        $made = Start-Measured $Npm @('install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps', '--loglevel=error') @(0, 1) $realDir
        $realLock = Join-Path $realDir 'package-lock.json'
        if (Test-Path -LiteralPath $realLock) {
            $count = ([regex]::Matches([System.IO.File]::ReadAllText($realLock), '"node_modules/')).Count
            $fixtures.Add(@{ Name = "real: npm install --package-lock-only, $count entries"; Path = $realLock })
        }
        else { $realNote = 'The real lockfile was skipped: npm install --package-lock-only wrote none (' + (($made.Stderr -split "`n" | Where-Object { $_ } | Select-Object -First 2) -join ' ') + ').' }
    }
    else { $realNote = 'The real lockfile was skipped: the registry did not answer npm ping.' }
}

# ---- runs ----
$rows = New-Object System.Collections.Generic.List[object]
$verdicts = New-Object System.Collections.Generic.List[string]
$idle = New-Object System.Collections.Generic.List[object]
for ($round = 0; $round -lt $Rounds; $round++) {
    $idle.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModulePath'"))))
}
$idleMs = Get-Median ([double[]] @($idle | ForEach-Object { $_.Ms }))
$idlePeak = Get-Median ([double[]] @($idle | ForEach-Object { $_.PeakMB }))
function MB($v) { if ($null -eq $v -or [double]::IsNaN([double] $v)) { 'n/a' } else { ([double] $v).ToString('0.0', $Invariant) } }
foreach ($fx in $fixtures) {
    $sizeMB = (Get-Item -LiteralPath $fx.Path).Length / 1MB
    Write-Host "  $($fx.Name) ($((MB $sizeMB)) MB): warm Test-NpmLockfile ($Rounds rounds)..."
    $run = Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $childFile, $ModulePath, $fx.Path, [string] $Rounds))
    $line = @($run.Stdout -split "`n" | Where-Object { $_.Trim().StartsWith('{') }) | Select-Object -Last 1
    if (-not $line) { throw "The warm child printed no result:`n$($run.Stdout)" }
    $warm = $line | ConvertFrom-Json
    $fresh = New-Object System.Collections.Generic.List[object]
    $lintRuns = New-Object System.Collections.Generic.List[object]
    $freshCommand = "Import-Module '$ModulePath'; `$null = Test-NpmLockfile -Path '$($fx.Path)' -AllowedHost npm -Quiet"
    for ($round = 0; $round -lt $Rounds; $round++) {
        Write-Host "  round $($round + 1): Test-NpmLockfile process, lockfile-lint..."
        $fresh.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $freshCommand))))
        $lintRuns.Add((Start-Measured $Node (@($LintCli, '--path', $fx.Path) + $LintArgs) @(0, 1)))
        if ($round -eq 0) { Write-Host "    node $($LintCli) --path $($fx.Path) $($LintArgs -join ' '): exit $($lintRuns[0].ExitCode), $($lintRuns[0].Stdout.Length) characters out" }
    }
    # what lockfile-lint printed, so a run that failed early cannot pass for a fast one
    $said = ("exit $($lintRuns[0].ExitCode): " + ($lintRuns[0].Stdout + ' ' + $lintRuns[0].Stderr) -replace '\x1b\[[0-9;]*m', '' -replace '\s+', ' ').Trim()
    if ($said.Length -gt 120) { $said = $said.Substring(0, 120) + '…' }
    $warmMs = Get-Median ([double[]] @($warm.Times))
    $freshMs = Get-Median ([double[]] @($fresh | ForEach-Object { $_.Ms }))
    $lintMs = Get-Median ([double[]] @($lintRuns | ForEach-Object { $_.Ms }))
    $freshPeak = Get-Median ([double[]] @($fresh | ForEach-Object { $_.PeakMB }))
    $lintPeak = Get-Median ([double[]] @($lintRuns | ForEach-Object { $_.PeakMB }))
    $addedMB = if ($warm.Reset) { [Math]::Max(0, ([double] $warm.Peak - [double] $warm.Before) / 1MB) } else { [double]::NaN }
    $processAdded = $freshPeak - $idlePeak
    $allocatedMB = [double] $warm.Allocated / 1MB
    $rows.Add(@($fx.Name, (MB $sizeMB), (Format-Ms $warmMs), (Format-Ms $freshMs), (Format-Ms $lintMs), (MB $addedMB), (MB $allocatedMB), (MB $processAdded), (MB $lintPeak), [string] $warm.Findings))
    $speed = $lintMs / $warmMs
    $verdicts.Add(("{0}: warm Test-NpmLockfile {1} vs lockfile-lint {2}: {3}x faster, goal 10x: {4}. Whole process {5} vs {6}: ratio {7}. Peak added by the test (warm) {8} MB = {9}x the file, goal 2x: {10}; process peak above an idle pwsh with the module {11} MB = {12}x." -f
            $fx.Name, ((Format-Ms $warmMs) + ' ms'), ((Format-Ms $lintMs) + ' ms'), $speed.ToString('0.0', $Invariant), (Get-Verdict ($speed -ge 10)),
            ((Format-Ms $freshMs) + ' ms'), ((Format-Ms $lintMs) + ' ms'), (Format-Ratio ($lintMs / $freshMs)),
            (MB $addedMB), ($addedMB / $sizeMB).ToString('0.00', $Invariant), (Get-Verdict ($addedMB -le 2 * $sizeMB)),
            (MB $processAdded), ($processAdded / $sizeMB).ToString('0.00', $Invariant)) + " One warm call allocated $(MB $allocatedMB) MB = $(($allocatedMB / $sizeMB).ToString('0.00', $Invariant))x the file. lockfile-lint printed: $said")
}
Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue

# ---- report ----
$lines = New-Object System.Collections.Generic.List[string]
$lines.Add('# Test-NpmLockfile vs lockfile-lint 5.0.1')
$lines.Add('')
foreach ($l in @(Format-MarkdownTable @('Lockfile', 'MB', 'Test-NpmLockfile warm ms', 'Test-NpmLockfile process ms', 'lockfile-lint process ms', 'added MB warm', 'allocated MB warm', 'added MB process', 'lockfile-lint peak MB', 'findings') $rows.ToArray() @('l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'))) { $lines.Add($l) }
$lines.Add('')
$lines.Add("Idle pwsh with the module imported: $(Format-Ms $idleMs) ms, peak $((MB $idlePeak)) MB (median of $Rounds).")
foreach ($v in $verdicts) { $lines.Add('- ' + $v) }
if ($realNote) { $lines.Add($realNote) }
$lines.Add("Medians of $Rounds rounds. Module $ModulePath; node $((& $Node --version).Trim()); npm $((& $Npm --version).Trim()); PowerShell $($PSVersionTable.PSVersion); $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription); $([Environment]::ProcessorCount) cores; load average $(Get-LoadAverage) at the end.")
$text = $lines -join "`n"
[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$outFile = Join-Path $OutDirectory ('lockfile-' + [DateTime]::UtcNow.ToString('yyyyMMdd-HHmmss', $Invariant) + '.md')
[System.IO.File]::WriteAllText($outFile, $text + "`n")
$text
"Written to $outFile"
