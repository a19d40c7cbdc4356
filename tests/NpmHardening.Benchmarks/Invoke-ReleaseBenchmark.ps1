#Requires -Version 7.0
<#
.SYNOPSIS
    Get-NpmPackageRelease on a generated package document of 3,000 versions served by the loopback fake registry, side
    by side with `npm view <pkg> --json` on the same document: time, peak memory, ratios (issue 14: goal faster than npm).

.DESCRIPTION
    The fixture: one package document shaped like a popular package's full document (registry.npmjs.org form): per
    version name, version, description, scripts, 12 dependencies and 25 devDependencies, repository, author,
    maintainers, _npmUser (a third through a trusted publisher, a third staged and approved), dist with integrity,
    shasum, tarball, fileCount, unpackedSize and a real ECDSA P-256 registry signature; a 60 KB readme at the top, time
    and dist-tags. Its size is printed. The fake serves it as one canned answer with the signing key at /-/npm/v1/keys.

    Contenders, each -Rounds times, round-robin:

      Get-NpmPackageRelease (warm)         one child PowerShell imports the module, reads once untimed, then times each
                                           round with a Stopwatch (3,000 objects, every signature verified); on Linux
                                           its peak resident set is reset first (/proc/self/clear_refs), so "added
                                           MB" is the read's own peak above the working set it started from
      Get-NpmPackageRelease -Audit (warm)  the same child, the nine release rules over the 3,000 versions
      Get-NpmPackageRelease (fresh)        pwsh -Command "Import-Module …; @(Get-NpmPackageRelease …).Count": wall time
                                           of the whole process, start-up and import included (the goal row)
      ... | Measure-Object (fresh)         the same with the objects piped to Measure-Object, as this bench ran before
                                           issue 14's fifth round: PowerShell then also looks Measure-Object up on PATH
                                           and auto-loads Microsoft.PowerShell.Utility, about 100 ms of its own that any
                                           first use of a Utility cmdlet costs in a fresh process (info row)
      npm view <pkg> --json                wall time of the process, with an empty cache and empty configuration files
                                           each round (npm fetches and parses the whole document, prints one version)

    With -BaselineModulePath (another build of the module, e.g. main's), each round also runs the fresh-process command
    with that module, the two in alternating order, and the report adds its row and the ratio between them: a before
    and after on the same fixture in the same minutes.

    Peak memory of the fresh processes is the kernel's high-water mark (VmHWM of /proc/<pid>/status) polled every
    10 ms (Linux only; "n/a" elsewhere). Prints a Markdown table, the ratios and PASS/MISS; writes it to
    out/bench/release-<UTC timestamp>.md.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart Release

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-ReleaseBenchmark.ps1 -Versions 300 -Rounds 1

.EXAMPLE
    NPMH_MODULE_PATH=out/NpmHardening/0.1.0/NpmHardening.psd1 out/pwsh-readytorun/pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-ReleaseBenchmark.ps1 -Rounds 9 -BaselineModulePath /tmp/main-module/0.1.0/NpmHardening.psd1
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    [ValidateRange(10, 100000)] [int] $Versions = 3000,
    [ValidateRange(1, 20)] [int] $Rounds = 3,
    [string] $BaselineModulePath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$OnWindows = [bool] $IsWindows

$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if ($BaselineModulePath) { $BaselineModulePath = Resolve-BenchModulePath $RepoRoot $BaselineModulePath }
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
$Pwsh = Get-PwshCommand
$Npm = (Get-Command npm -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
$folder = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-release-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
[void] [System.IO.Directory]::CreateDirectory($folder)
$watchAll = [System.Diagnostics.Stopwatch]::StartNew()
$loadBefore = Get-LoadAverage

. (Join-Paths $RepoRoot 'tests' 'NpmHardening.Tests' 'StageRegistry.ps1')
. (Join-Paths $RepoRoot 'tests' 'NpmHardening.Tests' 'ReleaseRegistry.ps1')
$fake = Start-StageRegistry
$key = New-ReleaseSigningKey
Set-ReleaseKeys $fake @($key)
$name = 'npmh-bench-release'

# ---- fixture ----
Write-Host "  generating a package document of $Versions versions..."
$rnd = [System.Random]::new(14)
$sha512 = [System.Security.Cryptography.SHA512]::Create()
$sha1 = [System.Security.Cryptography.SHA1]::Create()
$json = [System.Text.StringBuilder]::new(16MB)
$depNames = @(1..60 | ForEach-Object { "dep-$_" })
function Deps([int] $Count) {
    $parts = for ($d = 0; $d -lt $Count; $d++) { '"{0}-{3}":"^{1}.{2}.0"' -f $depNames[$rnd.Next($depNames.Count)], $rnd.Next(10), $rnd.Next(30), $d }
    '{' + ($parts -join ',') + '}'
}
[void] $json.Append('{"_id":"').Append($name).Append('","_rev":"3000-bench","name":"').Append($name).Append('","description":"release bench fixture",')
[void] $json.Append('"readme":"').Append(('# bench\n\n' + ('Lorem ipsum dolor sit amet, \"consectetur\" adipiscing elit. ' * 1000))).Append('","versions":{')
$times = [System.Text.StringBuilder]::new()
$start = [datetime]::new(2018, 1, 1, 0, 0, 0, [DateTimeKind]::Utc)
$last = $null
for ($i = 0; $i -lt $Versions; $i++) {
    $version = '{0}.{1}.{2}' -f [int]($i / 400), [int](($i % 400) / 20), ($i % 20)
    $last = $version
    $tarball = [Text.Encoding]::UTF8.GetBytes("tarball $version")
    $integrity = 'sha512-' + [Convert]::ToBase64String($sha512.ComputeHash($tarball))
    $shasum = [Convert]::ToHexString($sha1.ComputeHash($tarball)).ToLowerInvariant()
    $sig = Get-ReleaseSignature $key "${name}@${version}:$integrity"
    # the history of a package that moved from tokens to a trusted publisher, then to staged publishing
    $user = switch ([int][Math]::Floor(3 * $i / $Versions)) {
        0 { '{"name":"alice","email":"alice@example.com"}' }
        1 { '{"name":"GitHub Actions","email":"npm-oidc-no-reply@github.com","trustedPublisher":{"id":"github","oidcConfigId":"oidc:1b1f3a44-9a1c-4e4e-9c55-3f1d2a0c0d11"}}' }
        2 { '{"name":"GitHub Actions","email":"npm-oidc-no-reply@github.com","trustedPublisher":{"id":"github","oidcConfigId":"oidc:1b1f3a44-9a1c-4e4e-9c55-3f1d2a0c0d11"},"approver":{"name":"bob","email":"bob@example.com"}}' }
    }
    $attest = if (3 * $i -ge $Versions) { ',"attestations":{"url":"' + $fake.Url + "-/npm/v1/attestations/$name@$version" + '","provenance":{"predicateType":"https://slsa.dev/provenance/v1"}}' } else { '' }
    if ($i) { [void] $json.Append(',') }
    [void] $json.Append('"').Append($version).Append('":{"name":"').Append($name).Append('","version":"').Append($version).Append('","description":"release bench fixture","main":"index.js",')
    [void] $json.Append('"scripts":{"test":"node test.js","build":"tsc -p .","lint":"eslint ."},"dependencies":').Append((Deps 12)).Append(',"devDependencies":').Append((Deps 25))
    [void] $json.Append(',"repository":{"type":"git","url":"git+https://github.com/acme/bench.git"},"author":{"name":"Acme","email":"dev@acme.example"},"license":"MIT",')
    [void] $json.Append('"gitHead":"').Append([Convert]::ToHexString($sha1.ComputeHash([Text.Encoding]::UTF8.GetBytes("g$i"))).ToLowerInvariant()).Append('","_id":"').Append($name).Append('@').Append($version)
    [void] $json.Append('","_nodeVersion":"20.11.0","_npmVersion":"10.2.4","_npmUser":').Append($user)
    [void] $json.Append(',"maintainers":[{"name":"alice","email":"alice@example.com"},{"name":"bob","email":"bob@example.com"}],"dist":{"integrity":"').Append($integrity)
    [void] $json.Append('","shasum":"').Append($shasum).Append('","tarball":"').Append($fake.Url).Append($name).Append('/-/').Append($name).Append('-').Append($version).Append('.tgz","fileCount":42,"unpackedSize":').Append(100000 + $i)
    [void] $json.Append(',"signatures":[{"keyid":"').Append($key.KeyId).Append('","sig":"').Append($sig).Append('"}]').Append($attest).Append('},"directories":{},"_hasShrinkwrap":false}')
    [void] $times.Append(',"').Append($version).Append('":"').Append($start.AddHours($i * 7).ToString('yyyy-MM-ddTHH:mm:ss.fffZ', $Invariant)).Append('"')
}
[void] $json.Append('},"time":{"created":"2018-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z"').Append($times.ToString()).Append('},')
[void] $json.Append('"dist-tags":{"latest":"').Append($last).Append('"},"maintainers":[{"name":"alice","email":"alice@example.com"}],"license":"MIT"}')
$document = $json.ToString()
$json = $null
$documentMB = [Text.Encoding]::UTF8.GetByteCount($document) / 1MB
$fake.AddResponse('GET', "/$name", 200, $document, 'application/json', -1, $null)
Write-Host ("  {0:N0} versions, {1:N1} MB" -f $Versions, $documentMB)

# ---- contenders ----
$child = @'
param([string] $ModulePath, [string] $Registry, [string] $Name, [int] $Rounds)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$all = @(Get-NpmPackageRelease -Registry $Registry -Package $Name -TimeoutSec 120)
$valid = @($all | Where-Object { "$($_.RegistrySignature)" -eq 'Valid' }).Count
$fails = @(Get-NpmPackageRelease -Registry $Registry -Package $Name -TimeoutSec 120 -Audit | Where-Object { "$($_.Status)" -eq 'Fail' }).Count
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
$process = [Diagnostics.Process]::GetCurrentProcess()
$process.Refresh()
$before = $process.WorkingSet64
$reset = $false
if (Test-Path -LiteralPath /proc/self/clear_refs) { try { [IO.File]::WriteAllText('/proc/self/clear_refs', '5'); $reset = $true } catch { } }
$times = @(); $auditTimes = @()
for ($round = 0; $round -lt $Rounds; $round++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $null = Get-NpmPackageRelease -Registry $Registry -Package $Name -TimeoutSec 120 | Measure-Object
    $watch.Stop()
    $times += $watch.Elapsed.TotalMilliseconds
}
$process.Refresh()
$peak = $process.PeakWorkingSet64
for ($round = 0; $round -lt $Rounds; $round++) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $null = Get-NpmPackageRelease -Registry $Registry -Package $Name -TimeoutSec 120 -Audit | Measure-Object
    $watch.Stop()
    $auditTimes += $watch.Elapsed.TotalMilliseconds
}
@{ Times = $times; AuditTimes = $auditTimes; Before = $before; Peak = $peak; Reset = $reset; Count = $all.Count; Valid = $valid; Fails = $fails } | ConvertTo-Json -Compress
'@
$childFile = Join-Path $folder 'child.ps1'
[System.IO.File]::WriteAllText($childFile, $child, (New-Object System.Text.UTF8Encoding $true))

function Start-Measured([string] $File, [string[]] $Arguments) { Start-MeasuredProcess -File $File -Arguments $Arguments }

$emptyUser = Join-Path $folder 'user.npmrc'; $emptyGlobal = Join-Path $folder 'global.npmrc'
[System.IO.File]::WriteAllText($emptyUser, ''); [System.IO.File]::WriteAllText($emptyGlobal, '')
$fresh = [System.Collections.Generic.List[object]]::new()
$npmRuns = [System.Collections.Generic.List[object]]::new()
# The objects are counted as an array: no cmdlet to look up or auto-load after the module's own (see the synopsis).
$freshCommand = "Import-Module '$ModulePath'; @(Get-NpmPackageRelease -Registry '$($fake.Url)' -Package '$name' -TimeoutSec 120).Count"
$measureCommand = "Import-Module '$ModulePath'; (Get-NpmPackageRelease -Registry '$($fake.Url)' -Package '$name' -TimeoutSec 120 | Measure-Object).Count"
$measureRuns = [System.Collections.Generic.List[object]]::new()
$baselineRuns = [System.Collections.Generic.List[object]]::new()
$baselineCommand = if ($BaselineModulePath) { $freshCommand.Replace("'$ModulePath'", "'$BaselineModulePath'") }
$freshCount = $null; $npmVersion = $null
try {
    Write-Host "  warm Get-NpmPackageRelease ($Rounds rounds, then -Audit)..."
    $run = Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-File', $childFile, $ModulePath, $fake.Url, $name, [string] $Rounds))
    $line = @($run.Stdout -split "`n" | Where-Object { $_.Trim().StartsWith('{') }) | Select-Object -Last 1
    if (-not $line) { throw "The warm child printed no result:`n$($run.Stdout)" }
    $warm = $line | ConvertFrom-Json
    for ($round = 0; $round -lt $Rounds; $round++) {
        Write-Host "  round $($round + 1): fresh Get-NpmPackageRelease, npm view..."
        # with a baseline, the two fresh processes alternate which goes first
        if ($baselineCommand -and $round % 2 -eq 1) { $baselineRuns.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $baselineCommand)))) }
        $r = Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $freshCommand))
        $fresh.Add($r)
        $freshCount = ($r.Stdout.Trim() -split "`n")[-1].Trim()
        $measureRuns.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $measureCommand))))
        if ($baselineCommand -and $round % 2 -eq 0) { $baselineRuns.Add((Start-Measured $Pwsh.File (@($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $baselineCommand)))) }
        $cache = Join-Path $folder "npm-cache-$round"
        $r = Start-Measured $Npm @('view', $name, '--json', "--registry=$($fake.Url)", "--cache=$cache", "--userconfig=$emptyUser", "--globalconfig=$emptyGlobal")
        $npmRuns.Add($r)
        $npmVersion = ($r.Stdout | ConvertFrom-Json).version
        Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction SilentlyContinue
    }
}
finally {
    $fake.Dispose()
    Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
}

# ---- report ----
function MB($v) { if ($null -eq $v -or [double]::IsNaN([double] $v)) { 'n/a' } else { ([double] $v).ToString('0', $Invariant) } }
$warmMs = Get-Median ([double[]] @($warm.Times))
$warmAuditMs = Get-Median ([double[]] @($warm.AuditTimes))
$freshMs = Get-Median ([double[]] @($fresh | ForEach-Object { $_.Ms }))
$npmMs = Get-Median ([double[]] @($npmRuns | ForEach-Object { $_.Ms }))
$measureMs = Get-Median ([double[]] @($measureRuns | ForEach-Object { $_.Ms }))
$freshPeak = ($fresh | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum
$npmPeak = ($npmRuns | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum
$addedMB = if ($warm.Reset) { [Math]::Max(0, ([double] $warm.Peak - [double] $warm.Before) / 1MB) } else { [double]::NaN }
$rows = @(
    , @("Get-NpmPackageRelease (warm, in one PowerShell; $Versions objects, signatures verified)", (Format-Ms $warmMs), (MB ([double] $warm.Peak / 1MB)), (MB $addedMB))
    , @('Get-NpmPackageRelease -Audit (warm)', (Format-Ms $warmAuditMs), '', '')
    , @('pwsh: Import-Module; @(Get-NpmPackageRelease).Count (fresh process)', (Format-Ms $freshMs), (MB $freshPeak), '')
    , @('pwsh: Import-Module; Get-NpmPackageRelease \| Measure-Object (fresh process, info)', (Format-Ms $measureMs), (MB (($measureRuns | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum)), '')
    , @('npm view <pkg> --json (fresh process, empty cache)', (Format-Ms $npmMs), (MB $npmPeak), '')
)
if ($baselineRuns.Count) {
    $baselineMs = Get-Median ([double[]] @($baselineRuns | ForEach-Object { $_.Ms }))
    $rows += , @('baseline module: the same fresh process', (Format-Ms $baselineMs), (MB (($baselineRuns | ForEach-Object { $_.PeakMB } | Measure-Object -Maximum).Maximum)), '')
}
$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add('# Package releases: Get-NpmPackageRelease vs npm view (issue 14)')
$lines.Add('')
$lines.Add("Module $ModulePath; npm $((& $Npm --version).Trim()); PowerShell $($PSVersionTable.PSVersion); $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription); $([Environment]::ProcessorCount) cores; load average $loadBefore at the start, $(Get-LoadAverage) at the end.")
$lines.Add(("Fixture: one package document of {0:N0} versions, {1:N1} MB, every version signed, served by the loopback fake registry. Median of {2} rounds." -f $Versions, $documentMB, $Rounds))
$lines.Add('')
foreach ($l in (Format-MarkdownTable @('contender', 'median ms', 'peak MB', 'added MB') $rows @('l', 'r', 'r', 'r'))) { $lines.Add($l) }
$lines.Add('')
$lines.Add(("Read: {0} releases ({1} signatures Valid), fresh process counted {2}; -Audit failures {3}; npm view printed version {4}." -f $warm.Count, $warm.Valid, $freshCount, $warm.Fails, $npmVersion))
$lines.Add(("Goal: faster than npm view: fresh {0} / {1} = {2} -> {3}; warm {4} / {1} = {5} -> {6}" -f (Format-Ms $freshMs), (Format-Ms $npmMs), (Format-Ratio ($freshMs / $npmMs)), (Get-Verdict ($freshMs -lt $npmMs)), (Format-Ms $warmMs), (Format-Ratio ($warmMs / $npmMs)), (Get-Verdict ($warmMs -lt $npmMs))))
$lines.Add(("Info: the same fresh process piping to Measure-Object (this bench's command before): {0} / {1} = {2}; PowerShell's lookup and auto-load of Measure-Object is the difference." -f (Format-Ms $measureMs), (Format-Ms $npmMs), (Format-Ratio ($measureMs / $npmMs))))
if ($baselineRuns.Count) {
    $lines.Add(("Baseline {0}: fresh {1} / {2} = {3} of the baseline's time; the baseline is {4} of npm's." -f $BaselineModulePath, (Format-Ms $freshMs), (Format-Ms $baselineMs), (Format-Ratio ($freshMs / $baselineMs)), (Format-Ratio ($baselineMs / $npmMs))))
}
if (-not [double]::IsNaN([double] $npmPeak)) {
    $lines.Add(("Peak resident set of the whole process: pwsh + module {0} MB, npm view {1} MB (ratio {2}); the warm read added {3} MB for a {4:N1} MB document." -f (MB $freshPeak), (MB $npmPeak), (Format-Ratio ([double] $freshPeak / [double] $npmPeak)), (MB $addedMB), $documentMB))
}
$lines.Add('')
$lines.Add("Bench time $([Math]::Round($watchAll.Elapsed.TotalSeconds)) s.")
[void] [System.IO.Directory]::CreateDirectory($OutDirectory)
$out = Join-Path $OutDirectory ("release-{0:yyyyMMddTHHmmssZ}.md" -f [DateTime]::UtcNow)
[System.IO.File]::WriteAllLines($out, $lines)
$lines | Out-Host
Write-Host "Written to $out"
