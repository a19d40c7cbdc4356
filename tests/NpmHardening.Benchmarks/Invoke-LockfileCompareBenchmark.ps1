#Requires -Version 7.0
<#
.SYNOPSIS
    Compare-NpmLockfile on two generated 10,000-package lockfiles beside parsing both with the module's lockfile reader
    (issue 15: goal, comparing costs at most 2x the time of parsing both).

.DESCRIPTION
    The fixture: a lockfileVersion 3 package-lock.json of -Packages entries whose names are the 2,000 most downloaded
    package names the module ships (src/NpmHardening.Engine/Data/popular-packages.txt), then those names under made-up
    scopes and with suffixes, each with a version, a registry resolved URL, a random sha512 integrity, the license and
    2-6 dependencies on other entries; a tenth of them also sit nested under another package (node_modules/a/
    node_modules/b, another version), as npm places conflicting versions. The new lockfile is the same with -Changes
    changes spread over the kinds a real update has: upgrades (most), packages added and removed, downgrades, a few
    integrity swaps, host changes, removed integrities and new install scripts. Sizes are printed.

    Timed in one warm PowerShell, round-robin, -Rounds times after -WarmUp untimed rounds each:

      parse both      the module's reader (NpmLockfileReader.Read) on the reference, then on the new lockfile
      Compare -Summary Compare-NpmLockfile -ReferencePath old -DifferencePath new -Summary: both parses, the pairing,
                      the tree placement of every change, the findings and the verdict
      Compare (objects) the same without -Summary, every NpmLockfileChange written to the pipeline and counted

    Prints a Markdown table (median, p90), the ratio of each comparison to "parse both" with PASS/MISS against 2x, the
    load average, and writes it to out/bench/lockfile-compare-<UTC timestamp>.md.

.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 -Task Bench -BenchPart LockfileCompare

.EXAMPLE
    dotnet pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-LockfileCompareBenchmark.ps1 -Packages 2000 -Rounds 5
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $OutDirectory,
    [ValidateRange(100, 200000)] [int] $Packages = 10000,
    [ValidateRange(10, 5000)] [int] $Changes = 300,
    [ValidateRange(1, 100)] [int] $Rounds = 15,
    [ValidateRange(0, 20)] [int] $WarmUp = 3
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if (-not $OutDirectory) { $OutDirectory = Join-Paths $RepoRoot 'out' 'bench' }
$folder = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-lockcmp-bench-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
[void] [System.IO.Directory]::CreateDirectory($folder)

try {
    # ---- fixture ---------------------------------------------------------------------------------------------------
    $rng = [System.Random]::new(15)
    $popular = @(Get-Content -LiteralPath (Join-Paths $RepoRoot 'src' 'NpmHardening.Engine' 'Data' 'popular-packages.txt') |
            Where-Object { $_ -and -not $_.StartsWith('#') })
    $names = [System.Collections.Generic.List[string]]::new()
    $seen = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($n in $popular) { if ($names.Count -ge $Packages) { break }; if ($seen.Add($n)) { $names.Add($n) } }
    $scopes = 'acme', 'internal', 'ui-kit', 'platform', 'data'
    $suffixes = '-core', '-utils', '-cli', '-plugin', '-types', '-server', '-client', '-lite'
    for ($i = 0; $names.Count -lt $Packages; $i++) {
        $base = $popular[$i % $popular.Count].TrimStart('@').Replace('/', '-')
        $candidate = if ($i % 3 -eq 0) { "@$($scopes[$i % $scopes.Count])/$base" } else { $base + $suffixes[$i % $suffixes.Count] + $(if ($i -ge 2 * $popular.Count) { "$i" }) }
        if ($seen.Add($candidate)) { $names.Add($candidate) }
    }
    function New-Integrity { $b = [byte[]]::new(64); $rng.NextBytes($b); 'sha512-' + [Convert]::ToBase64String($b) }
    function New-Entry([string] $Name, [string] $Version, [string] $HostName = 'registry.npmjs.org') {
        $file = $Name.Substring($Name.LastIndexOf('/') + 1)
        [ordered]@{ version = $Version; resolved = "https://$HostName/$Name/-/$file-$Version.tgz"; integrity = (New-Integrity); license = 'MIT' }
    }
    $entries = [ordered]@{}
    $root = [ordered]@{ name = 'bench-app'; version = '1.0.0'; dependencies = [ordered]@{} }
    $entries[''] = $root
    for ($i = 0; $i -lt $names.Count; $i++) {
        $e = New-Entry $names[$i] ("{0}.{1}.{2}" -f $rng.Next(0, 12), $rng.Next(0, 30), $rng.Next(0, 20))
        $deps = [ordered]@{}
        for ($k = $rng.Next(2, 7); $k -gt 0; $k--) { $d = $names[$rng.Next(0, $names.Count)]; if ($d -ne $names[$i]) { $deps[$d] = '^1.0.0' } }
        $e.dependencies = $deps
        $entries["node_modules/$($names[$i])"] = $e
        if ($i -lt 40) { $root.dependencies[$names[$i]] = '^' + $e.version }
    }
    # a tenth also nested under a dependent, in another version
    $keys = @($entries.Keys | Where-Object { $_ })
    for ($i = 0; $i -lt $names.Count / 10; $i++) {
        $parent = $keys[$rng.Next(0, $keys.Count)]
        $child = $names[$rng.Next(0, $names.Count)]
        $nested = "$parent/node_modules/$child"
        if ($entries.Contains($nested) -or $parent.EndsWith("/$child")) { continue }
        $entries[$nested] = New-Entry $child ("{0}.{1}.{2}" -f $rng.Next(0, 3), $rng.Next(0, 9), $rng.Next(0, 9))
        $entries[$parent].dependencies[$child] = '^0.1.0'
    }
    $old = [ordered]@{ name = 'bench-app'; version = '1.0.0'; lockfileVersion = 3; requires = $true; packages = $entries }
    $oldPath = Join-Path $folder 'old-package-lock.json'
    [System.IO.File]::WriteAllText($oldPath, ($old | ConvertTo-Json -Depth 10))

    # the new lockfile: -Changes changes of every kind, on distinct entries
    $new = Get-Content -LiteralPath $oldPath -Raw | ConvertFrom-Json -AsHashtable
    $np = $new.packages
    $targets = @(@($np.Keys | Where-Object { $_ }) | Get-Random -Count ([Math]::Min($Changes, $np.Count - 1)) -SetSeed 15)
    $plan = [ordered]@{ Upgraded = 0; Added = 0; Removed = 0; Downgraded = 0; Swap = 0; Host = 0; NoIntegrity = 0; Script = 0 }
    for ($i = 0; $i -lt $targets.Count; $i++) {
        $key = $targets[$i]; $e = $np[$key]; $v = [version]$e.version
        switch ($i % 20) {
            { $_ -lt 11 } { $e.version = "$($v.Major).$($v.Minor).$($v.Build + 1)"; $e.integrity = New-Integrity; $plan.Upgraded++; break }
            { $_ -lt 13 } { $np.Remove($key); $plan.Removed++; break }
            13 { $e.version = "$($v.Major).$($v.Minor).$([Math]::Max(0, $v.Build - 1))-rc.1"; $e.integrity = New-Integrity; $plan.Downgraded++; break }
            14 { $e.integrity = New-Integrity; $plan.Swap++; break }
            15 { $e.resolved = $e.resolved -replace '^https://[^/]+/', 'https://mirror.example.net/'; $plan.Host++; break }
            16 { $e.Remove('integrity'); $plan.NoIntegrity++; break }
            17 { $e.version = "$($v.Major).$($v.Minor + 1).0"; $e.integrity = New-Integrity; $e.hasInstallScript = $true; $plan.Script++; break }
            default { $n = "npmh-bench-added-$i"; $np["node_modules/$n"] = New-Entry $n '1.0.0'; $new.packages[''].dependencies[$n] = '^1.0.0'; $plan.Added++ }
        }
    }
    $newPath = Join-Path $folder 'package-lock.json'
    [System.IO.File]::WriteAllText($newPath, ($new | ConvertTo-Json -Depth 10))
    $sizes = '{0:N1} MB and {1:N1} MB, {2:N0} and {3:N0} entries' -f ((Get-Item $oldPath).Length / 1MB), ((Get-Item $newPath).Length / 1MB), $old.packages.Count, $new.packages.Count
    Write-Host "Fixture: $sizes; planned changes: $(($plan.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ')"

    # ---- contenders ------------------------------------------------------------------------------------------------
    Import-Module -Name $ModulePath -Force
    $summary = Compare-NpmLockfile -ReferencePath $oldPath -DifferencePath $newPath -Summary
    Write-Host "Verdict: $($summary.Verdict)"
    $engine = $summary.GetType().Assembly
    $reader = $engine.GetType('NpmHardening.Engine.Lockfiles.NpmLockfileReader', $true)
    $limitsType = $engine.GetType('NpmHardening.Engine.Lockfiles.NpmLockfileLimits', $true)
    $read = $reader.GetMethod('Read', [type[]] @([string], $limitsType))
    $contenders = [ordered]@{
        'parse both (NpmLockfileReader.Read x2)' = { $null = $read.Invoke($null, [object[]] @([string] $oldPath, $null)); $null = $read.Invoke($null, [object[]] @([string] $newPath, $null)) }
        'Compare-NpmLockfile -Summary'           = { $null = Compare-NpmLockfile -ReferencePath $oldPath -DifferencePath $newPath -Summary }
        'Compare-NpmLockfile (objects)'          = { $null = @(Compare-NpmLockfile -ReferencePath $oldPath -DifferencePath $newPath).Count }
    }
    $times = @{}; foreach ($k in $contenders.Keys) { $times[$k] = [System.Collections.Generic.List[double]]::new() }
    for ($r = -$WarmUp; $r -lt $Rounds; $r++) {
        foreach ($k in $contenders.Keys) {
            [GC]::Collect(); [GC]::WaitForPendingFinalizers()
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            & $contenders[$k]
            $sw.Stop()
            if ($r -ge 0) { $times[$k].Add($sw.Elapsed.TotalMilliseconds) }
        }
    }

    # ---- report ----------------------------------------------------------------------------------------------------
    $parse = Get-Median $times['parse both (NpmLockfileReader.Read x2)']
    $rows = foreach ($k in $contenders.Keys) {
        $median = Get-Median $times[$k]
        $ratio = $median / $parse
        , @($k, (Format-Ms $median), (Format-Ms (Get-Percentile $times[$k] 90)), (Format-Ratio $ratio),
            $(if ($k -like 'parse*') { '' } else { Get-Verdict ($ratio -le 2) }))
    }
    $table = Format-MarkdownTable @('contender', 'median', 'p90', 'vs parse both', 'goal <= 2x') $rows @('l', 'r', 'r', 'r', 'l')
    $load = Get-LoadAverage
    $report = @(
        "# Compare-NpmLockfile bench ($((Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm', $Invariant)) UTC)", '',
        "Fixture: $sizes; $($summary.Added) added, $($summary.Removed) removed, $($summary.Upgraded) upgraded, $($summary.Downgraded) downgraded, $($summary.Changed) changed; $($summary.Signals) risk signals.",
        "Rounds: $Rounds after $WarmUp warm-up, round-robin in one PowerShell $($PSVersionTable.PSVersion); load average before: $load; $([Environment]::ProcessorCount) CPUs.", '') + @($table)
    $report | ForEach-Object { Write-Host $_ }
    [void] [System.IO.Directory]::CreateDirectory($OutDirectory)
    $out = Join-Path $OutDirectory ('lockfile-compare-' + (Get-Date).ToUniversalTime().ToString('yyyyMMdd-HHmmss', $Invariant) + '.md')
    Set-Content -LiteralPath $out -Value $report
    Write-Host "Written: $out"
}
finally {
    Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
}
