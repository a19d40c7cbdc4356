#Requires -Version 7.2
<#
.SYNOPSIS
    A/B of the fresh-process row of the staged-package bench: `pwsh -Command "Import-Module …;
    Compare-NpmStagedPackage -StageId … -Summary"` against the loopback fake registry, for two or more builds of the
    module, alternating, with each process's wall and CPU time and where its time went; npm diff beside them.

.DESCRIPTION
    Wall times on a shared machine move with the load; CPU time (user + system, from /usr/bin/time) moves much less, so
    this script reports both for every process, median per variant, with the load average before and after.

    Each -Variant is a module manifest, optionally followed by '?' and environment variables for that process
    ('NAME=value' joined by '&'), e.g. 'out/NpmHardening/0.1.0/NpmHardening.psd1?DOTNET_TieredPGO=0'. Rounds run the
    variants in turn, the order reversed every other round (A B, B A, …), then npm diff with an empty cache, so every
    variant meets the same load.

    The child command is the bench's fresh command with timestamps around its two steps: the process start
    (Process.StartTime) to the first command (PowerShell's start), Import-Module, Compare-NpmStagedPackage, and the
    process's CPU time at each point. The fixture (two ~20 MB tarballs of 5,000 files, as Invoke-StagedCompareBenchmark.ps1
    makes them) is generated into -Fixture when it holds none, and kept there for the next run.

.EXAMPLE
    NPMH_REPO_ROOT=$PWD /work/pwsh-r2r/pwsh -NoProfile -File tests/NpmHardening.Benchmarks/Invoke-StagedCompareFreshAB.ps1 -Variant /tmp/a/NpmHardening/0.1.0/NpmHardening.psd1, out/NpmHardening/0.1.0/NpmHardening.psd1 -Rounds 8 -Fixture /tmp/npmh-stage-fixture
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $Variant,
    [ValidateRange(1, 50)] [int] $Rounds = 6,
    [string] $Fixture = (Join-Path ([System.IO.Path]::GetTempPath()) 'npmh-stage-fixture'),
    [ValidateRange(10, 100000)] [int] $Files = 5000,
    [ValidateRange(1, 200)] [double] $TargetMB = 20,
    # the PowerShell that runs the children (default: this one's executable, the bench's choice)
    [string] $PwshPath,
    [switch] $NoNpm
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$OnWindows = [bool] $IsWindows
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
if ($OnWindows) { throw 'This script measures CPU time with /usr/bin/time: Linux only.' }
$RepoRoot = Get-BenchRepoRoot
$Npm = (Get-Command npm -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
$Time = '/usr/bin/time'
if (-not (Test-Path -LiteralPath $Time)) { throw '/usr/bin/time is not installed.' }
if ($PwshPath) { $Pwsh = @{ File = (Resolve-Path -LiteralPath $PwshPath).Path; Prefix = @() } } else { $Pwsh = Get-PwshCommand }

# ---- fixture ----
$v1 = Get-ChildItem -LiteralPath (Join-Path $Fixture 'tgz1') -Filter *.tgz -ErrorAction SilentlyContinue | Select-Object -First 1
$v2 = Get-ChildItem -LiteralPath (Join-Path $Fixture 'tgz2') -Filter *.tgz -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $v1 -or -not $v2) {
    . (Join-Path $PSScriptRoot 'StagedCompareFixture.ps1')
    [void] [System.IO.Directory]::CreateDirectory($Fixture)
    Write-Host "  generating the fixture in $Fixture ($Files files, ~$TargetMB MB per tarball)..."
    $made = New-StagedCompareFixture -Folder $Fixture -Files $Files -TargetMB $TargetMB -Npm $Npm
    $v1 = Get-Item -LiteralPath $made.V1; $v2 = Get-Item -LiteralPath $made.V2
}
Write-Host ("  fixture: {0} ({1:N1} MB), {2} ({3:N1} MB)" -f $v1.Name, ($v1.Length / 1MB), $v2.Name, ($v2.Length / 1MB))

. (Join-Paths $RepoRoot 'tests' 'NpmHardening.Tests' 'StageRegistry.ps1')
$fake = Start-StageRegistry
$null = $fake.SeedPublishedFile($v1.FullName, 'latest', 'alice')
$null = $fake.SeedPublishedFile($v2.FullName, 'next', 'alice')
$stagedItem = $fake.SeedStaged([System.IO.File]::ReadAllBytes($v2.FullName), 'latest', 'alice', 'user', 'public')
$work = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-fresh-ab-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
[void] [System.IO.Directory]::CreateDirectory($work)
$emptyUser = Join-Path $work 'user.npmrc'; $emptyGlobal = Join-Path $work 'global.npmrc'
[System.IO.File]::WriteAllText($emptyUser, ''); [System.IO.File]::WriteAllText($emptyGlobal, '')

function Get-ChildCommand([string] $Manifest) {
    # the bench's fresh command, with the moments between its steps written as one JSON line
    @"
`$ErrorActionPreference = 'Stop'
`$c0 = [Diagnostics.Process]::GetCurrentProcess(); `$w0 = [DateTime]::UtcNow; `$p0 = `$c0.TotalProcessorTime.TotalMilliseconds
Import-Module '$Manifest'
`$c0.Refresh(); `$w1 = [DateTime]::UtcNow; `$p1 = `$c0.TotalProcessorTime.TotalMilliseconds
`$null = Compare-NpmStagedPackage -StageId '$($stagedItem.Id)' -Registry '$($fake.Url)' -Token (ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force) -Summary
`$c0.Refresh(); `$w2 = [DateTime]::UtcNow; `$p2 = `$c0.TotalProcessorTime.TotalMilliseconds
'@@' + (@{ Start = `$c0.StartTime.ToUniversalTime().Ticks; W0 = `$w0.Ticks; W1 = `$w1.Ticks; W2 = `$w2.Ticks; P0 = `$p0; P1 = `$p1; P2 = `$p2 } | ConvertTo-Json -Compress)
"@
}

function Invoke-Timed([string] $File, [string[]] $Arguments, [hashtable] $Environment) {
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Time)
    foreach ($a in @('-f', '@@time %U %S %e %M') + @($File) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit()
    $watch.Stop()
    $code = $p.ExitCode; $p.Dispose()
    if ($code -ne 0) { throw "Exit code $code from $File`n$($err.Result)`n$($out.Result)" }
    $t = @($err.Result -split "`n" | Where-Object { $_.StartsWith('@@time ') }) | Select-Object -Last 1
    $f = $t.Substring(7).Trim().Split(' ')
    $r = [ordered]@{ Wall = $watch.Elapsed.TotalMilliseconds; Cpu = ([double] $f[0] + [double] $f[1]) * 1000; User = [double] $f[0] * 1000; Sys = [double] $f[1] * 1000; PeakMB = [double] $f[3] / 1024 }
    $line = @($out.Result -split "`n" | Where-Object { $_.StartsWith('@@{') }) | Select-Object -Last 1
    if ($line) {
        $j = $line.Substring(2) | ConvertFrom-Json
        $r.StartMs = ([long] $j.W0 - [long] $j.Start) / 1e4; $r.ImportMs = ([long] $j.W1 - [long] $j.W0) / 1e4; $r.CompareMs = ([long] $j.W2 - [long] $j.W1) / 1e4
        $r.StartCpu = $j.P0; $r.ImportCpu = $j.P1 - $j.P0; $r.CompareCpu = $j.P2 - $j.P1
    }
    return [pscustomobject] $r
}

# pwsh -File passes 'a,b' as one string
if ($Variant.Count -eq 1 -and $Variant[0].Contains(',')) { $Variant = $Variant[0].Split(',') }
$variants = for ($i = 0; $i -lt $Variant.Count; $i++) {
    $parts = $Variant[$i].Split('?', 2)
    $envs = @{}
    if ($parts.Count -gt 1) { foreach ($kv in $parts[1].Split('&')) { $k, $v = $kv.Split('=', 2); $envs[$k] = $v } }
    [pscustomobject]@{ Label = [char] (65 + $i); Manifest = [System.IO.Path]::GetFullPath($parts[0]); Env = $envs; Text = $Variant[$i]; Runs = [System.Collections.Generic.List[object]]::new() }
}
$npmRuns = [System.Collections.Generic.List[object]]::new()
$loadBefore = Get-LoadAverage
try {
    for ($round = 0; $round -lt $Rounds; $round++) {
        $order = if ($round % 2 -eq 0) { $variants } else { [array]::Reverse(($a = @($variants))); $a }
        foreach ($v in $order) {
            $r = Invoke-Timed $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', (Get-ChildCommand $v.Manifest))) $v.Env
            $v.Runs.Add($r)
            Write-Host ("  round {0} {1}: wall {2:N0} ms, cpu {3:N0} ms (start {4:N0}/{5:N0}, import {6:N0}/{7:N0}, compare {8:N0}/{9:N0} wall/cpu)" -f ($round + 1), $v.Label, $r.Wall, $r.Cpu, $r.StartMs, $r.StartCpu, $r.ImportMs, $r.ImportCpu, $r.CompareMs, $r.CompareCpu)
        }
        if (-not $NoNpm) {
            $cache = Join-Path $work "npm-cache-$round"
            $r = Invoke-Timed $Npm @('diff', '--diff=npmh-bench-pkg@1.0.0', '--diff=npmh-bench-pkg@1.0.1', '--diff-name-only', "--registry=$($fake.Url)", "--cache=$cache", "--userconfig=$emptyUser", "--globalconfig=$emptyGlobal") @{}
            $npmRuns.Add($r)
            Write-Host ("  round {0} npm diff: wall {1:N0} ms, cpu {2:N0} ms" -f ($round + 1), $r.Wall, $r.Cpu)
            Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}
finally {
    $fake.Dispose()
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
$loadAfter = Get-LoadAverage

function Med([object[]] $Runs, [string] $Name) { Get-Median ([double[]] @($Runs | ForEach-Object { $_.$Name })) }
$npmWall = if ($npmRuns.Count) { Med $npmRuns 'Wall' } else { [double]::NaN }
$rows = [System.Collections.Generic.List[object]]::new()
foreach ($v in $variants) {
    $wall = Med $v.Runs 'Wall'
    $rows.Add(@("$($v.Label): $($v.Text)", (Format-Ms $wall), (Format-Ms (Med $v.Runs 'Cpu')), (Format-Ms (Med $v.Runs 'StartMs')), (Format-Ms (Med $v.Runs 'ImportMs')),
        (Format-Ms (Med $v.Runs 'CompareMs')), (Format-Ms (Med $v.Runs 'CompareCpu')), ('{0:N0}' -f (Med $v.Runs 'PeakMB')), (Format-Ratio ($wall / $npmWall))))
}
if ($npmRuns.Count) { $rows.Add(@('npm diff <name>@1.0.0 <name>@1.0.1 --diff-name-only (empty cache)', (Format-Ms $npmWall), (Format-Ms (Med $npmRuns 'Cpu')), '', '', '', '', ('{0:N0}' -f (Med $npmRuns 'PeakMB')), '1.00')) }
$lines = @(
    "Fresh-process A/B, $Rounds rounds, medians; PowerShell $($Pwsh.File); load average before $loadBefore, after $loadAfter."
    ''
) + @(Format-MarkdownTable @('variant', 'wall ms', 'cpu ms', 'pwsh start ms', 'import ms', 'compare ms', 'compare cpu ms', 'peak MB', 'wall / npm diff') $rows.ToArray() @('l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'))
$lines | Out-Host
