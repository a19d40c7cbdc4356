<#
.SYNOPSIS
    Counts the work a fresh PowerShell does for NpmHardening: methods JIT-compiled, JIT time and assemblies loaded by
    Import-Module and by the first Get-NpmSecurityPosture (issue 10 F), and optionally the module initializer's steps
    and the list of JIT-compiled methods.

.DESCRIPTION
    Wall-clock start-up figures need a quiet machine (Invoke-Benchmark.ps1). The counts here barely move with machine
    load, so they can guide work on a shared machine: a change that removes JIT-compiled methods or assembly loads from
    the import or the first call removes their cost wherever the module runs.

    Each run is a fresh `pwsh -NoProfile` (the PowerShell running this script unless -Pwsh is given; pass the
    ReadyToRun copy from New-ReadyToRunPowerShell.ps1 to leave PowerShell's own JIT out) with HOME, USERPROFILE and
    APPDATA pointing at a temporary profile with a small .npmrc, working in a temporary project, so no run reads this
    machine's npm configuration. The child first imports an empty manifest (PowerShell's own first Import-Module is not
    the module's), then measures:

    - import: Import-Module <manifest>
    - first call: $null = Get-NpmSecurityPosture

    with [System.Runtime.JitInfo] (methods compiled and compilation time, on all threads and on the importing thread
    alone: the module's background warm-up compiles on a thread-pool thread while the import goes on),
    [AppDomain]::CurrentDomain.GetAssemblies() (the assemblies each loaded, by name) and the CPU time of the importing
    thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID) on Linux and macOS, GetThreadTimes on Windows): time the thread
    spent working, which other processes on a loaded machine inflate far less than the wall time. Medians over -Runs.

    -Phases times the module initializer's steps one by one (loading NpmHardening.dll, the dependency loader, starting
    the warm-up, and in builds before NpmHardening.types.ps1xml the deserialization type data) through reflection
    before the Import-Module that completes the import, in separate fresh processes.

    -ListMethods writes, with DOTNET_JitDisasmSummary=1 (the runtime prints each method it compiles), the methods JIT-compiled (first
    compilations only, Tier1 and OSR recompilations left out) by three children: a bare start, an import, and an import
    plus the first call, each waiting 2 s before exiting so the background warm-up finishes; then the difference
    (import minus bare, first call minus import) grouped by assembly, into -OutDirectory.

.EXAMPLE
    ./tests/NpmHardening.Benchmarks/Measure-StartupWork.ps1 -Pwsh out/pwsh-readytorun/pwsh -Runs 5

.EXAMPLE
    ./tests/NpmHardening.Benchmarks/Measure-StartupWork.ps1 -ModulePath /tmp/baseline/NpmHardening/0.1.0/NpmHardening.psd1 -Pwsh out/pwsh-readytorun/pwsh -ListMethods
#>
[CmdletBinding()]
param(
    [string] $ModulePath,
    [string] $Pwsh,
    [int] $Runs = 5,
    [switch] $Phases,
    [switch] $ListMethods,
    [string] $OutDirectory
)

$ErrorActionPreference = 'Stop'
$Invariant = [System.Globalization.CultureInfo]::InvariantCulture
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$repoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $repoRoot $ModulePath
$OnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
$PwshPrefix = @()
if ($Pwsh) { $Pwsh = [System.IO.Path]::GetFullPath($Pwsh) } else { $found = Get-PwshCommand; $Pwsh = $found.File; $PwshPrefix = @($found.Prefix) }
if (-not $OutDirectory) { $OutDirectory = Join-Path (Join-Path $repoRoot 'out') 'bench' }

$root = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-startup-' + [guid]::NewGuid().ToString('n'))
$homeDir = Join-Path $root 'home'
$project = Join-Path $root 'project'
$null = New-Item -ItemType Directory -Path $homeDir, $project, (Join-Path $homeDir 'AppData')
[System.IO.File]::WriteAllText((Join-Path $homeDir '.npmrc'), "registry=https://registry.npmjs.org/`nstrict-ssl=true`nignore-scripts=true`n")
[System.IO.File]::WriteAllText((Join-Path $project 'package.json'), '{ "name": "startup-probe", "version": "1.0.0" }')
$emptyManifest = Join-Path $root 'Empty.psd1'
[System.IO.File]::WriteAllText($emptyManifest, "@{ ModuleVersion = '1.0'; GUID = '$([guid]::NewGuid())' }")

function Invoke-Child([string] $Script, [hashtable] $Environment = @{}) {
    $file = Join-Path $root ('child-' + [guid]::NewGuid().ToString('n') + '.ps1')
    [System.IO.File]::WriteAllText($file, $Script)
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh)
    foreach ($a in @($PwshPrefix) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.WorkingDirectory = $project
    foreach ($name in @($psi.Environment.Keys)) { if ($name -like 'npm_config_*' -or $name -eq 'PSModulePath') { [void] $psi.Environment.Remove($name) } }
    $psi.Environment['HOME'] = $homeDir
    $psi.Environment['USERPROFILE'] = $homeDir
    $psi.Environment['APPDATA'] = Join-Path $homeDir 'AppData'
    $psi.Environment['LOCALAPPDATA'] = Join-Path $homeDir 'AppData'
    foreach ($name in $Environment.Keys) { $psi.Environment[$name] = $Environment[$name] }
    $child = [System.Diagnostics.Process]::Start($psi)
    $stderr = $child.StandardError.ReadToEndAsync()
    $stdout = $child.StandardOutput.ReadToEnd()
    $child.WaitForExit()
    if ($child.ExitCode -ne 0) { throw "child failed ($($child.ExitCode)): $($stderr.Result)" }
    return $stdout
}

# CPU time of the calling thread (what the importing thread itself spends, less sensitive to other processes than wall
# time): compiled once here, loaded by the children with Assembly.LoadFrom (Add-Type would load PowerShell's
# Commands.Utility assembly, which the counts would then miss).
$threadCpuSource = @'
using System;
using System.Runtime.InteropServices;
public static class NpmhThreadCpu
{
    [StructLayout(LayoutKind.Sequential)] private struct Timespec { public long Seconds; public long Nanoseconds; }
    [DllImport("libc", EntryPoint = "clock_gettime")] private static extern int ClockGetTime(int clock, out Timespec value);
    [DllImport("kernel32.dll")] private static extern IntPtr GetCurrentThread();
    [DllImport("kernel32.dll")] private static extern bool GetThreadTimes(IntPtr thread, out long creation, out long exit, out long kernel, out long user);
    public static double Milliseconds()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return GetThreadTimes(GetCurrentThread(), out _, out _, out var kernel, out var user) ? (kernel + user) / 10000.0 : double.NaN;
        }
        // CLOCK_THREAD_CPUTIME_ID: 3 on Linux, 16 on macOS.
        var clock = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? 16 : 3;
        return ClockGetTime(clock, out var t) == 0 ? t.Seconds * 1000.0 + t.Nanoseconds / 1e6 : double.NaN;
    }
}
'@
$threadCpuAssembly = Join-Path $root 'NpmhThreadCpu.dll'
Add-Type -TypeDefinition $threadCpuSource -OutputAssembly $threadCpuAssembly -OutputType Library

$probe = @'
$ErrorActionPreference = 'Stop'
$null = [System.Reflection.Assembly]::LoadFrom('<CPU>')
function CpuNow { [NpmhThreadCpu]::Milliseconds() }
$null = CpuNow
Import-Module '<EMPTY>'
function Snap {
    [pscustomobject] @{
        All = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
        Own = [System.Runtime.JitInfo]::GetCompiledMethodCount($true)
        AllMs = [System.Runtime.JitInfo]::GetCompilationTime($false).TotalMilliseconds
        OwnMs = [System.Runtime.JitInfo]::GetCompilationTime($true).TotalMilliseconds
        Assemblies = @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name })
    }
}
$w = [System.Diagnostics.Stopwatch]::new()
$s0 = Snap; $c0 = CpuNow; $w.Start(); Import-Module '<MODULE>'; $t1 = $w.Elapsed.TotalMilliseconds; $c1 = CpuNow; $s1 = Snap
$c1b = CpuNow; $w.Restart(); $null = Get-NpmSecurityPosture; $t2 = $w.Elapsed.TotalMilliseconds; $c2 = CpuNow; $s2 = Snap
function Delta($a, $b, $ms, $cpu) {
    [ordered] @{ Ms = $ms; Cpu = $cpu; Jit = $b.All - $a.All; JitOwn = $b.Own - $a.Own; JitMs = $b.AllMs - $a.AllMs; JitOwnMs = $b.OwnMs - $a.OwnMs
        Loaded = @($b.Assemblies | Where-Object { $a.Assemblies -notcontains $_ }) }
}
[ordered] @{ Import = Delta $s0 $s1 $t1 ($c1 - $c0); First = Delta $s1 $s2 $t2 ($c2 - $c1b) } | ConvertTo-Json -Depth 4 -Compress
'@.Replace('<EMPTY>', $emptyManifest.Replace("'", "''")).Replace('<MODULE>', $ModulePath.Replace("'", "''")).Replace('<CPU>', $threadCpuAssembly.Replace("'", "''"))

$phaseProbe = @'
$ErrorActionPreference = 'Stop'
Import-Module '<EMPTY>'
$flags = [System.Reflection.BindingFlags] 'Static, Public, NonPublic'
$result = [ordered] @{}
$w = [System.Diagnostics.Stopwatch]::new()
function Step([string] $Name, [scriptblock] $Body) {
    $j = [System.Runtime.JitInfo]::GetCompiledMethodCount($true)
    $w.Restart(); & $Body; $ms = $w.Elapsed.TotalMilliseconds
    $result[$Name] = @($ms, ([System.Runtime.JitInfo]::GetCompiledMethodCount($true) - $j))
}
$base = Split-Path -Parent '<MODULE>'
Step 'load NpmHardening.dll' { $script:asm = [System.Reflection.Assembly]::LoadFrom((Join-Path $base 'NpmHardening.dll')) }
Step 'DependencyLoader.Register' { $asm.GetType('NpmHardening.Loading.DependencyLoader').GetMethod('Register', $flags).Invoke($null, @()) }
Step 'EngineWarmUp.Start' { $asm.GetType('NpmHardening.Loading.EngineWarmUp').GetMethod('Start', $flags).Invoke($null, @()) }
# Builds before issue 10 F's types file registered the deserialization type data here; later ones have no such step.
$typeData = $asm.GetType('NpmHardening.Serialization.DeserializationTypeData')
if ($typeData) { Step 'DeserializationTypeData.Register' { $typeData.GetMethod('Register', $flags).Invoke($null, @()) } }
Step 'rest of Import-Module' { Import-Module '<MODULE>' }
Step 'first Get-NpmSecurityPosture' { $null = Get-NpmSecurityPosture }
$result | ConvertTo-Json -Compress
'@.Replace('<EMPTY>', $emptyManifest.Replace("'", "''")).Replace('<MODULE>', $ModulePath.Replace("'", "''"))

function Get-Stat([double[]] $Values) { if ($Values.Count -eq 0) { return 'n/a' } else { return (Format-Ms (Get-Median $Values)) } }

try {
    $load = Get-LoadAverage
    Write-Host "Module: $ModulePath"
    Write-Host "pwsh:   $Pwsh ($Runs fresh processes each; load average at start: $load)"

    $runsData = @(for ($i = 0; $i -lt $Runs; $i++) { $o = Invoke-Child $probe; try { $o | ConvertFrom-Json } catch { throw "unexpected child output: $o" } })
    $rows = foreach ($part in 'Import', 'First') {
        $label = if ($part -eq 'Import') { 'Import-Module' } else { 'first Get-NpmSecurityPosture' }
        $d = @($runsData | ForEach-Object { $_.$part })
        $loaded = @($d | ForEach-Object { $_.Loaded } | Group-Object | Where-Object Count -ge ([Math]::Ceiling($Runs / 2)) | ForEach-Object Name | Sort-Object)
        , @($label, (Get-Stat ($d.Ms)), (Get-Stat ($d.Cpu)), (Get-Stat ($d.Jit)), (Get-Stat ($d.JitOwn)), (Get-Stat ($d.JitMs)), (Get-Stat ($d.JitOwnMs)), $loaded.Count, ($loaded -join ', '))
    }
    $table = Format-MarkdownTable @('phase', 'ms', 'CPU ms, this thread', 'JIT methods', 'JIT methods, this thread', 'JIT ms', 'JIT ms, this thread', 'assemblies loaded', 'which (in most runs)') $rows @('l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l')
    Write-Output $table

    if ($Phases) {
        $phaseRuns = @(for ($i = 0; $i -lt $Runs; $i++) { Invoke-Child $phaseProbe | ConvertFrom-Json })
        $names = $phaseRuns[0].PSObject.Properties.Name
        $phaseRows = foreach ($name in $names) {
            , @($name, (Get-Stat @($phaseRuns | ForEach-Object { $_.$name[0] })), (Get-Stat @($phaseRuns | ForEach-Object { $_.$name[1] })))
        }
        Write-Output ''
        Write-Output (Format-MarkdownTable @('step (reflection, then Import-Module)', 'ms', 'JIT methods, this thread') $phaseRows @('l', 'r', 'r'))
    }

    if ($ListMethods) {
        $null = New-Item -ItemType Directory -Path $OutDirectory -Force
        $stamp = [DateTime]::UtcNow.ToString('yyyyMMdd-HHmmss', $Invariant)
        $lists = [ordered] @{}
        $commands = [ordered] @{
            bare   = '$null = 1; Start-Sleep -Seconds 2'
            import = "Import-Module '$($ModulePath.Replace("'", "''"))'; Start-Sleep -Seconds 2"
            first  = "Import-Module '$($ModulePath.Replace("'", "''"))'; Start-Sleep -Seconds 2; `$null = Get-NpmSecurityPosture"
        }
        foreach ($key in $commands.Keys) {
            # The summary goes to stdout (DOTNET_JitStdOutFile now and then crashes the child as it exits).
            $summary = Invoke-Child $commands[$key] @{ DOTNET_JitDisasmSummary = '1' }
            $lists[$key] = @($summary -split '\r?\n' | Where-Object { $_ -match 'JIT compiled' -and $_ -notmatch '\[(Tier1|Tier-1|OSR|Instrumented Tier1)' } |
                ForEach-Object { ($_ -replace '^\s*\d+: JIT compiled ', '') -replace ' \[[^\]]*\]\s*$', '' } | Sort-Object -Unique)
        }
        foreach ($pair in @(@('import', 'bare'), @('first', 'import'))) {
            $extra = @($lists[$pair[0]] | Where-Object { $lists[$pair[1]] -notcontains $_ })
            $path = Join-Path $OutDirectory "startup-jit-$($pair[0])-$stamp.txt"
            [System.IO.File]::WriteAllLines($path, [string[]] $extra)
            $groups = $extra | Group-Object {
                if ($_ -like 'NpmHardening.Engine.*') { 'NpmHardening.Engine' }
                elseif ($_ -like 'NpmHardening.*') { 'NpmHardening (cmdlets)' }
                elseif ($_ -like '(dynamicClass)*') { 'stubs and dynamic methods' }
                elseif ($_ -match '^System\.(Linq|Collections|Nullable|ValueTuple|Span|ReadOnlySpan|Runtime\.InteropServices|Enum|Array|String|Runtime\.CompilerServices)') { 'CoreLib/Linq generic instantiations' }
                else { 'other (' + (($_ -split '[:`\[]')[0] -replace '\.[^.]+$', '') + ')' }
            } | Sort-Object Count -Descending
            Write-Output ''
            Write-Output "JIT-compiled by '$($pair[0])' and not by '$($pair[1])': $($extra.Count) methods ($path)"
            foreach ($g in $groups | Select-Object -First 12) { Write-Output ('  {0,4}  {1}' -f $g.Count, $g.Name) }
        }
    }
    Write-Host "load average at end: $(Get-LoadAverage)"
}
finally {
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue
}
