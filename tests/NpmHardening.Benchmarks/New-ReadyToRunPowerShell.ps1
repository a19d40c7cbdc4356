<#
.SYNOPSIS
    Copies the running PowerShell and compiles its IL-only assemblies to ReadyToRun code, so the start-up rows of
    the benchmark can be measured on a PowerShell whose own code is precompiled.

.DESCRIPTION
    The PowerShell that `dotnet tool restore` brings (the "PowerShell" dotnet-tool package) ships its assemblies as
    IL only: every method PowerShell runs in a fresh process is JIT-compiled first (about 6,400 methods for
    `Import-Module <empty manifest>`, counted with DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary=1). The fresh-process
    rows of Invoke-Benchmark.ps1 then charge the module with JIT-compiling the parts of PowerShell that importing a
    binary module and running its first cmdlet exercise. This script makes a copy of $PSHOME in which those
    assemblies carry ReadyToRun code (compiled with crossgen2 from the Microsoft.NETCore.App.Crossgen2 package that
    the module's own ReadyToRun build restores), and prints the path of its `pwsh`. Run the benchmark with that
    `pwsh` to measure the module's share on a precompiled PowerShell:

        $pwsh = ./tests/NpmHardening.Benchmarks/New-ReadyToRunPowerShell.ps1
        & $pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Invoke-Benchmark.ps1 -ModulePath ./out/NpmHardening/0.1.0/NpmHardening.psd1

    Only for measuring: nothing in the module or its tests uses the copy.

.PARAMETER Destination
    The folder for the copy (default: out/pwsh-readytorun under the repository). Replaced when it exists.
#>
[CmdletBinding()]
param(
    [string] $Destination
)

$ErrorActionPreference = 'Stop'
$repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..' '..'))
if (-not $Destination) { $Destination = Join-Path (Join-Path $repoRoot 'out') 'pwsh-readytorun' }
$Destination = [System.IO.Path]::GetFullPath($Destination)

if ($PSVersionTable.PSEdition -ne 'Core') { throw 'Run this from PowerShell 7 (dotnet pwsh): it copies the running PowerShell.' }
$arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
$os = if ($IsWindows) { 'windows' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
$packageRid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$arch"
$runtimeVersion = [System.Environment]::Version.ToString(3)
$nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
$crossgenTools = Join-Path $nugetRoot "microsoft.netcore.app.crossgen2.$packageRid/$runtimeVersion/tools"
$crossgen = Join-Path $crossgenTools $(if ($IsWindows) { 'crossgen2.exe' } else { 'crossgen2' })
if (-not (Test-Path -LiteralPath $crossgen)) {
    throw "crossgen2 $runtimeVersion for $packageRid is not in the NuGet cache ($crossgen). Run 'dotnet pwsh -NoProfile -File ./build.ps1 -Task Build' first: its ReadyToRun step restores it."
}
$framework = [System.IO.Path]::GetDirectoryName([object].Assembly.Location)

if (Test-Path -LiteralPath $Destination) { Remove-Item -LiteralPath $Destination -Recurse -Force }
Copy-Item -LiteralPath $PSHOME -Destination $Destination -Recurse

function Test-ReadyToRunCandidate([string] $Path) {
    # A managed assembly without a ManagedNativeHeader is IL only (ReadyToRun images have one).
    $stream = [System.IO.File]::OpenRead($Path)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $cor = $pe.PEHeaders.CorHeader
        return $null -ne $cor -and $cor.ManagedNativeHeaderDirectory.Size -eq 0 -and $pe.HasMetadata
    } catch { return $false } finally { $stream.Dispose() }
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) ("npmh-r2r-pwsh-" + [guid]::NewGuid().ToString('n'))
[void] [System.IO.Directory]::CreateDirectory($work)
$compiled = 0; $skipped = 0
$started = [System.Diagnostics.Stopwatch]::StartNew()
try {
    foreach ($file in Get-ChildItem -LiteralPath $Destination -Filter *.dll -File) {
        if (-not (Test-ReadyToRunCandidate $file.FullName)) { $skipped++; continue }
        $output = Join-Path $work $file.Name
        $log = & $crossgen $file.FullName -o $output -r "$framework/*.dll" -r "$Destination/*.dll" --targetos $os --targetarch $arch -O 2>&1
        if ($LASTEXITCODE -eq 0 -and (Test-Path -LiteralPath $output)) {
            Copy-Item -LiteralPath $output -Destination $file.FullName -Force
            $compiled++
        } else {
            Write-Verbose "not compiled: $($file.Name): $($log | Select-Object -Last 1)"
            $skipped++
        }
    }
} finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
$pwsh = Join-Path $Destination $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
if (-not $IsWindows) { & chmod +x $pwsh }
Write-Host ("ReadyToRun PowerShell: {0} assemblies compiled, {1} left as they were, {2:N0} s; {3}" -f $compiled, $skipped, $started.Elapsed.TotalSeconds, $pwsh)
$pwsh
