#Requires -Version 7.0
<#
.SYNOPSIS
    The floor YamlDotNet alone puts under the publish-pipeline bench (issue 11): its event parser, and its scanner
    only, over the text of every *.yml file of the bench tree, held in memory, warm.

.DESCRIPTION
    Get-NpmPublishPipeline parses every CI file with YamlDotNet's Parser (CiYaml builds its tree from the events), so
    this time is part of any scan of the tree whatever the file access and the readers cost. Reading the files is not
    timed (they are read once before the rounds). Run the pipeline bench first: it generates the tree.

.EXAMPLE
    pwsh -NoProfile -File ./tests/NpmHardening.Benchmarks/Measure-PipelineYamlParse.ps1
#>
[CmdletBinding()]
param(
    [string] $ModulePath = $env:NPMH_MODULE_PATH,
    [string] $Tree,
    [ValidateRange(1, 20)] [int] $Rounds = 3
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$RepoRoot = Get-BenchRepoRoot
$ModulePath = Resolve-BenchModulePath $RepoRoot $ModulePath
if (-not $Tree) { $Tree = Join-Paths $RepoRoot '.bench' 'pipeline-tree' }
if (-not (Test-Path -LiteralPath $Tree)) { throw "$Tree does not exist; run build.ps1 -Task Bench -BenchPart Pipeline first." }
$yamlDll = Join-Paths (Split-Path -Parent $ModulePath) 'Dependencies' 'YamlDotNet.dll'
Add-Type -Path $yamlDll   # the module's copy, loaded here without the module

Add-Type -ReferencedAssemblies $yamlDll, netstandard -TypeDefinition @'
public static class PipelineYamlProbe {
    public static double Parse(string[] texts, out long events) {
        events = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var text in texts) {
            var parser = new YamlDotNet.Core.Parser(new System.IO.StringReader(text));
            while (parser.MoveNext()) events++;
        }
        return watch.Elapsed.TotalMilliseconds;
    }
    public static double Scan(string[] texts, out long tokens) {
        tokens = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var text in texts) {
            var scanner = new YamlDotNet.Core.Scanner(new System.IO.StringReader(text));
            while (scanner.MoveNext()) tokens++;
        }
        return watch.Elapsed.TotalMilliseconds;
    }
}
'@

$texts = [string[]] @([System.IO.Directory]::EnumerateFiles($Tree, '*.yml', [System.IO.SearchOption]::AllDirectories) | ForEach-Object { [System.IO.File]::ReadAllText($_) })
Write-Host "Load:   $(Get-LoadAverage) (1/5/15 min); $($texts.Count) *.yml files in memory"
$count = 0L
$null = [PipelineYamlProbe]::Parse($texts, [ref] $count)   # warm-up
$parse = @(for ($i = 0; $i -lt $Rounds; $i++) { [PipelineYamlProbe]::Parse($texts, [ref] $count) })
Write-Host ('Parser:  median {0} ms over {1} rounds ({2} events)' -f (Format-Ms (Get-Median $parse)), $Rounds, $count)
$null = [PipelineYamlProbe]::Scan($texts, [ref] $count)
$scan = @(for ($i = 0; $i -lt $Rounds; $i++) { [PipelineYamlProbe]::Scan($texts, [ref] $count) })
Write-Host ('Scanner: median {0} ms over {1} rounds ({2} tokens)' -f (Format-Ms (Get-Median $scan)), $Rounds, $count)
