# Helpers the bench scripts share (each dot-sources this file): statistics,
# table formatting, the PowerShell to start child processes with, and command-line quoting. They read the calling
# script's $Invariant (invariant culture) and $Pwsh (from Get-PwshCommand) when they run.

function Join-Paths {
    $path = $args[0]
    for ($i = 1; $i -lt $args.Count; $i++) { $path = [System.IO.Path]::Combine($path, $args[$i]) }
    return $path
}

function Get-Median([double[]] $Values) {
    $sorted = [double[]] ($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2 -eq 1) { return $sorted[($n - 1) / 2] }
    return ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

function Get-Percentile([double[]] $Values, [double] $Percent) {
    # Nearest rank.
    $sorted = [double[]] ($Values | Sort-Object)
    $rank = [int] [Math]::Ceiling($Percent / 100 * $sorted.Count)
    if ($rank -lt 1) { $rank = 1 }
    return $sorted[$rank - 1]
}

function Format-Ms([double] $Ms) {
    if ([Math]::Abs($Ms) -lt 10) { return $Ms.ToString('0.000', $Invariant) }
    if ([Math]::Abs($Ms) -lt 100) { return $Ms.ToString('0.00', $Invariant) }
    return $Ms.ToString('0.0', $Invariant)
}

function Format-Ratio([double] $Ratio) {
    if ($Ratio -lt 0.01) { return $Ratio.ToString('0.0000', $Invariant) }
    if ($Ratio -lt 1) { return $Ratio.ToString('0.000', $Invariant) }
    return $Ratio.ToString('0.00', $Invariant)
}

function Format-MarkdownTable([string[]] $Header, [object[]] $Rows, [string[]] $Align) {
    $widths = @($Header | ForEach-Object { $_.Length })
    foreach ($row in $Rows) { for ($i = 0; $i -lt $Header.Count; $i++) { if (([string] $row[$i]).Length -gt $widths[$i]) { $widths[$i] = ([string] $row[$i]).Length } } }
    $format = {
        param($cells)
        $parts = for ($i = 0; $i -lt $Header.Count; $i++) {
            if ($Align[$i] -eq 'r') { ([string] $cells[$i]).PadLeft($widths[$i]) } else { ([string] $cells[$i]).PadRight($widths[$i]) }
        }
        '| ' + ($parts -join ' | ') + ' |'
    }
    $lines = New-Object System.Collections.Generic.List[string]
    $lines.Add((& $format $Header))
    $rule = for ($i = 0; $i -lt $Header.Count; $i++) {
        if ($Align[$i] -eq 'r') { ('-' * ($widths[$i] - 1)) + ':' } else { '-' * $widths[$i] }
    }
    $lines.Add('| ' + ($rule -join ' | ') + ' |')
    foreach ($row in $Rows) { $lines.Add((& $format $row)) }
    return $lines.ToArray()
}

function Get-LoadAverage {
    # Linux: the 1/5/15-minute load averages, so a reader can tell a busy machine's figures from a quiet one's.
    if (-not (Test-Path -LiteralPath '/proc/loadavg')) { return '' }
    return ((Get-Content -LiteralPath '/proc/loadavg' -Raw).Split(' ')[0..2] -join ' ')
}

function ConvertTo-CommandLineArgument([string] $Text) {
    # Quotes one argument by the rules CommandLineToArgvW and .NET's Unix argument parser share.
    if ($Text.Length -gt 0 -and $Text -notmatch '[\s"]') { return $Text }
    $builder = New-Object System.Text.StringBuilder
    [void] $builder.Append('"')
    $backslashes = 0
    foreach ($c in $Text.ToCharArray()) {
        if ($c -eq '\') { $backslashes++; continue }
        if ($c -eq '"') { [void] $builder.Append('\', 2 * $backslashes + 1) }
        elseif ($backslashes -gt 0) { [void] $builder.Append('\', $backslashes) }
        $backslashes = 0
        [void] $builder.Append($c)
    }
    if ($backslashes -gt 0) { [void] $builder.Append('\', 2 * $backslashes) }
    [void] $builder.Append('"')
    return $builder.ToString()
}

function ConvertTo-PSLiteral([string] $Text) { return "'" + $Text.Replace("'", "''") + "'" }


function Get-PwshCommand {
    # The executable behind this PowerShell, as @{ File; Prefix } (Prefix: arguments before PowerShell's own).
    # `dotnet pwsh` runs a tool shim inside dotnet; the real PowerShell is $PSHOME/pwsh.dll, run by dotnet
    # (Unix) or $PSHOME/pwsh.exe (Windows package). An installed pwsh has its own apphost in $PSHOME.
    $names = @('pwsh')
    if ($OnWindows) { $names = @('pwsh.exe') }
    foreach ($name in $names) {
        $apphost = Join-Paths $PSHOME $name
        if (Test-Path -LiteralPath $apphost -PathType Leaf) { return @{ File = $apphost; Prefix = @() } }
    }
    $dll = Join-Paths $PSHOME 'pwsh.dll'
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $host_ = $process.MainModule.FileName
    if ((Test-Path -LiteralPath $dll) -and ([System.IO.Path]::GetFileNameWithoutExtension($host_) -eq 'dotnet')) {
        return @{ File = $host_; Prefix = @($dll) }
    }
    throw "Cannot find the PowerShell executable under $PSHOME (process: $host_)."
}

function Get-PwshArguments([string] $Command) {
    return @($Pwsh.Prefix) + @('-NoProfile', '-NonInteractive', '-Command', $Command)
}

function Get-Verdict([bool] $Ok) { if ($Ok) { return 'PASS' } else { return 'MISS' } }

function Get-BenchRepoRoot {
    # build.ps1 sets NPMH_REPO_ROOT; run directly, the scripts sit two folders below the repository root.
    if ($env:NPMH_REPO_ROOT) { return $env:NPMH_REPO_ROOT }
    return [System.IO.Path]::GetFullPath((Join-Paths $PSScriptRoot '..' '..'))
}

function Resolve-BenchModulePath([string] $RepoRoot, [string] $ModulePath) {
    # The built manifest: the one given, else out/NpmHardening/<VersionPrefix>/NpmHardening.psd1.
    if ([string]::IsNullOrWhiteSpace($ModulePath)) {
        $props = [xml] (Get-Content -LiteralPath (Join-Paths $RepoRoot 'Directory.Build.props') -Raw)
        $ModulePath = Join-Paths $RepoRoot 'out' 'NpmHardening' $props.SelectSingleNode('//VersionPrefix').InnerText.Trim() 'NpmHardening.psd1'
    }
    $ModulePath = [System.IO.Path]::GetFullPath($ModulePath)
    if (-not (Test-Path -LiteralPath $ModulePath)) { throw "No built module at $ModulePath. Run: dotnet pwsh -NoProfile -File ./build.ps1 -Task Build" }
    return $ModulePath
}

function Invoke-StartInfo([System.Diagnostics.ProcessStartInfo] $psi, [int[]] $AllowedExitCodes = @(0)) {
    # Runs a prepared process (stdin closed at once, stdout and stderr drained) and returns @{ Ms; Stdout; Stderr;
    # ExitCode }, Ms being the wall time from Start() to exit. Throws when the exit code is not allowed.
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $process.WaitForExit()
    $out = $stdout.Result
    $err = $stderr.Result
    $watch.Stop()
    $exitCode = $process.ExitCode
    $process.Dispose()
    if ($AllowedExitCodes -notcontains $exitCode) { throw "Exit code $exitCode from $($psi.FileName) $($psi.Arguments)`n$err`n$out" }
    return @{ Ms = $watch.Elapsed.TotalMilliseconds; Stdout = $out; Stderr = $err; ExitCode = $exitCode }
}

function Start-MeasuredProcess {
    # One process: its wall time, stdout, stderr, exit code and peak resident set (VmHWM from /proc, polled every 10 ms;
    # NaN where /proc is missing). Stdin is closed at once; throws when the exit code is not allowed.
    param([string] $File, [string[]] $Arguments, [int[]] $AllowedExitCodes = @(0), [string] $WorkingDirectory)
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $File
    # Push-Location does not move a child process: the folder is given here
    if ($WorkingDirectory) { $psi.WorkingDirectory = $WorkingDirectory }
    $psi.Arguments = ($Arguments | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' '
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $p = [System.Diagnostics.Process]::Start($psi)
    $p.StandardInput.Close()
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
    $status = "/proc/$($p.Id)/status"
    $hwm = 0L
    while (-not $p.WaitForExit(10)) {
        try {
            foreach ($line in [System.IO.File]::ReadAllLines($status)) {
                if ($line.StartsWith('VmHWM:')) { $kb = [long] ($line.Substring(6).Trim().Split(' ')[0]); if ($kb -gt $hwm) { $hwm = $kb } }
            }
        }
        catch { }
    }
    $p.WaitForExit()
    $watch.Stop()
    $code = $p.ExitCode; $p.Dispose()
    if ($AllowedExitCodes -notcontains $code) { throw "Exit code $code from $File $($psi.Arguments)`n$($err.Result)" }
    return @{ Ms = $watch.Elapsed.TotalMilliseconds; ExitCode = $code; Stdout = $out.Result; Stderr = $err.Result; PeakMB = $(if ($hwm -gt 0) { $hwm / 1024.0 } else { [double]::NaN }) }
}

function Write-BenchFile([string] $Path, [string[]] $Lines) {
    # UTF-8 without a BOM, LF line ends, in both PowerShell editions.
    [void] [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
    [System.IO.File]::WriteAllText($Path, (($Lines -join "`n") + "`n"), (New-Object System.Text.UTF8Encoding $false))
}

function New-BinaryFloorModule([string] $Directory) {
    # The parts of a compiled module built like NpmHardening, at their smallest, in $Directory: BinaryFloor.dll (one
    # cmdlet, Get-BinaryFloorItem; one item type, BinaryFloor.Item; a PSTypeConverter for it; compiled once, in C# 5 so
    # Windows PowerShell can compile it too), BinaryFloor.types.ps1xml (one entry naming the converter) and
    # BinaryFloor.format.ps1xml (one table view). Callers write the manifests that combine them.
    [void] [System.IO.Directory]::CreateDirectory($Directory)
    $assembly = Join-Paths $Directory 'BinaryFloor.dll'
    if (-not (Test-Path -LiteralPath $assembly)) {
        Add-Type -OutputAssembly $assembly -TypeDefinition @'
using System;
using System.Management.Automation;
namespace BinaryFloor
{
    public sealed class Item { private string _name = "floor"; public string Name { get { return _name; } set { _name = value; } } }
    public sealed class ItemConverter : PSTypeConverter
    {
        public override bool CanConvertFrom(object sourceValue, Type destinationType) { return false; }
        public override object ConvertFrom(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) { throw new InvalidCastException(); }
        public override bool CanConvertTo(object sourceValue, Type destinationType) { return false; }
        public override object ConvertTo(object sourceValue, Type destinationType, IFormatProvider formatProvider, bool ignoreCase) { throw new InvalidCastException(); }
    }
    [Cmdlet(VerbsCommon.Get, "BinaryFloorItem")]
    public sealed class GetBinaryFloorItemCommand : PSCmdlet { protected override void EndProcessing() { WriteObject(new Item()); } }
}
'@
    }
    Write-BenchFile (Join-Paths $Directory 'BinaryFloor.types.ps1xml') @(
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Types><Type><Name>BinaryFloor.Item</Name><Members><MemberSet><Name>PSStandardMembers</Name><Members><NoteProperty><Name>SerializationDepth</Name><Value>3</Value></NoteProperty></Members></MemberSet></Members>',
        '<TypeConverter><TypeName>BinaryFloor.ItemConverter</TypeName></TypeConverter></Type></Types>')
    Write-BenchFile (Join-Paths $Directory 'BinaryFloor.format.ps1xml') @(
        '<?xml version="1.0" encoding="utf-8"?>',
        '<Configuration><ViewDefinitions><View><Name>BinaryFloor</Name><ViewSelectedBy><TypeName>BinaryFloor.Item</TypeName></ViewSelectedBy>',
        '<TableControl><TableHeaders><TableColumnHeader><Label>Name</Label></TableColumnHeader></TableHeaders>',
        '<TableRowEntries><TableRowEntry><TableColumnItems><TableColumnItem><PropertyName>Name</PropertyName></TableColumnItem></TableColumnItems></TableRowEntry></TableRowEntries>',
        '</TableControl></View></ViewDefinitions></Configuration>')
}
