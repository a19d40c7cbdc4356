#Requires -Version 5.1
# The help builder on its own fixtures: Test-NpmhSample.md (two parameter sets, positions, pipeline input,
# wildcards, aliases, accepted values, a switch, examples with output, inputs/outputs, notes, links) becomes
# MAML that Get-Help renders through a function's .EXTERNALHELP; about_NpmhSample.md becomes a text topic.
# build.ps1 builds the tool (Docs task) before the tests run.

BeforeAll {
    $script:TestData = $PSScriptRoot
    $script:ProjectDir = Split-Path -Parent $PSScriptRoot
    $builders = @('Release', 'Debug') | ForEach-Object { [System.IO.Path]::Combine($ProjectDir, 'bin', $_, 'net10.0', 'NpmHardening.HelpBuilder.dll') } |
        Where-Object { Test-Path -LiteralPath $_ } |
        Sort-Object { (Get-Item -LiteralPath $_).LastWriteTimeUtc } -Descending
    $script:Builder = @($builders)[0]
    $script:Out = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-helpbuilder-' + [guid]::NewGuid().ToString('n'))

    function Invoke-HelpBuilder([string[]] $Arguments) {
        $ErrorActionPreference = 'Continue'
        $output = & dotnet $Builder @Arguments 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    }

    $script:Run = Invoke-HelpBuilder @('--cmdlets', $TestData, '--about', (Join-Path $TestData 'about_NpmhSample.md'), '--out', $Out)
    $script:MamlPath = Join-Path $Out 'NpmhSample-Help.xml'

    # A function whose parameters match the sample page, with its help taken from the generated MAML.
    $definition = @"
function global:Test-NpmhSample {
    # .ExternalHelp $MamlPath
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(Mandatory = `$true, Position = 0, ValueFromPipeline = `$true, ParameterSetName = 'Path')]
        [SupportsWildcards()]
        [string[]] `$Path,
        [Parameter(Mandatory = `$true, ValueFromPipelineByPropertyName = `$true, ParameterSetName = 'LiteralPath')]
        [Alias('PSPath')]
        [string[]] `$LiteralPath,
        [ValidateSet('All', 'Tokens', 'Scopes')]
        [string] `$Kind = 'All',
        [switch] `$Quiet
    )
}
"@
    . ([scriptblock]::Create($definition))
    $script:Help = Get-Help Test-NpmhSample -Full
    $script:HelpText = Get-Help Test-NpmhSample -Full | Out-String -Width 200
}

AfterAll {
    Remove-Item -Path function:Test-NpmhSample -ErrorAction SilentlyContinue
    if ($Out -and (Test-Path -LiteralPath $Out)) { Remove-Item -LiteralPath $Out -Recurse -Force }
}

Describe 'NpmHardening.HelpBuilder' {
    It 'is built' {
        $Builder | Should -Not -BeNullOrEmpty -Because 'build.ps1 -Task Docs builds tools/NpmHardening.HelpBuilder'
    }

    It 'converts the sample page without errors, naming the file from the front matter' {
        $Run.ExitCode | Should -Be 0 -Because $Run.Output
        $MamlPath | Should -Exist
        { [xml] (Get-Content -LiteralPath $MamlPath -Raw) } | Should -Not -Throw
    }

    Context 'Get-Help on the generated MAML' {
        It 'shows name, synopsis and description paragraphs' {
            $Help.Name | Should -Be 'Test-NpmhSample'
            $Help.Synopsis | Should -Be "Checks sample npmrc files (a fixture for the help builder's own tests)."
            # Get-Help ends every paragraph but the last with a newline.
            $paragraphs = @($Help.description | ForEach-Object { $_.Text.TrimEnd() })
            $paragraphs[0] | Should -Be 'The `Test-NpmhSample` cmdlet reads each file and reports what it finds. This sentence continues on a soft-wrapped line.'
            $paragraphs | Should -Contain "- paths with wildcards`n- literal paths from the pipeline, as ``Get-ChildItem`` emits them"
            $paragraphs | Should -Contain 'See the npm docs (https://docs.npmjs.com/cli/configuring-npm/npmrc) for the file format.'
        }

        It 'shows one syntax line per parameter set, in the page''s order' {
            $HelpText | Should -Match ([regex]::Escape('Test-NpmhSample [-Path] <String[]> [-Kind {All | Tokens | Scopes}] [-Quiet] [<CommonParameters>]'))
            $HelpText | Should -Match ([regex]::Escape('Test-NpmhSample -LiteralPath <String[]> [-Kind {All | Tokens | Scopes}] [-Quiet] [<CommonParameters>]'))
        }

        It 'shows each parameter''s metadata: <Name>' -ForEach @(
            @{ Name = 'Path'; Required = 'true'; Position = '0'; Pipeline = 'True (ByValue)'; Globbing = 'true'; Aliases = 'none'; Type = 'System.String[]'; Default = 'None' }
            @{ Name = 'LiteralPath'; Required = 'true'; Position = 'named'; Pipeline = 'True (ByPropertyName)'; Globbing = 'false'; Aliases = 'PSPath'; Type = 'System.String[]'; Default = 'None' }
            @{ Name = 'Kind'; Required = 'false'; Position = 'named'; Pipeline = 'False'; Globbing = 'false'; Aliases = 'none'; Type = 'System.String'; Default = 'All' }
            @{ Name = 'Quiet'; Required = 'false'; Position = 'named'; Pipeline = 'False'; Globbing = 'false'; Aliases = 'none'; Type = 'System.Management.Automation.SwitchParameter'; Default = 'False' }
        ) {
            $parameter = @($Help.parameters.parameter | Where-Object { $_.name -eq $Name })[0]
            $parameter | Should -Not -BeNullOrEmpty
            $parameter.required | Should -Be $Required
            $parameter.position | Should -Be $Position
            $parameter.pipelineInput | Should -Be $Pipeline
            $parameter.globbing | Should -Be $Globbing
            $parameter.aliases | Should -Be $Aliases
            $parameter.type.name | Should -Be $Type
            $parameter.defaultValue | Should -Be $Default
            ($parameter.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }

        It 'keeps the parameters in the page''s order' {
            @($Help.parameters.parameter | ForEach-Object { $_.name }) | Should -Be @('Kind', 'LiteralPath', 'Path', 'Quiet')
        }

        It 'shows examples with title, code and remarks (output blocks included)' {
            $examples = @($Help.examples.example)
            $examples.Count | Should -Be 2
            $examples[0].title | Should -Match 'Example 1: Check the user file'
            $examples[0].code | Should -Be 'Test-NpmhSample -Path ~/.npmrc'
            $remarks = @($examples[0].remarks | ForEach-Object { $_.Text.TrimEnd() } | Where-Object { $_ })
            $remarks[0] | Should -Match '^Path\s+Status'
            $remarks | Should -Contain 'The first remark paragraph.'
            $remarks | Should -Contain 'The second remark paragraph.'
            $examples[1].code | Should -Be "Get-ChildItem -Filter .npmrc -Recurse |`n    Test-NpmhSample -Quiet"
        }

        It 'shows inputs, outputs and notes' {
            @($Help.inputTypes.inputType | ForEach-Object { $_.type.name }) | Should -Be @('System.String')
            @($Help.returnValues.returnValue | ForEach-Object { $_.type.name }) | Should -Be @('System.Management.Automation.PSObject', 'System.Boolean')
            ($Help.alertSet | Out-String) | Should -Match 'Sample notes: the builder keeps this text.'
        }

        It 'shows related links, the online version first' {
            $links = @($Help.relatedLinks.navigationLink)
            $links[0].linkText | Should -Be 'Online Version:'
            $links[0].uri | Should -Be 'https://example.invalid/docs/Test-NpmhSample'
            $links[1].linkText | Should -Be 'npmrc'
            $links[1].uri | Should -Be 'https://docs.npmjs.com/cli/configuring-npm/npmrc'
            $links[2].linkText | Should -Be 'Get-NpmConfig'
        }
    }

    Context 'about topics' {
        BeforeAll {
            $script:AboutLines = Get-Content -LiteralPath (Join-Path $Out 'about_NpmhSample.help.txt')
        }

        It 'starts with TOPIC and the topic name, then the short description' {
            $AboutLines[0] | Should -Be 'TOPIC'
            $AboutLines[1] | Should -Be '    about_NpmhSample'
            $AboutLines[3] | Should -Be 'SHORT DESCRIPTION'
            $AboutLines[4] | Should -Be "    A sample about topic for the help builder's own tests."
        }

        It 'wraps text at 80 columns, indented under its heading' {
            @($AboutLines | Where-Object { $_.Length -gt 80 }) | Should -BeNullOrEmpty
            $AboutLines | Should -Contain 'LONG DESCRIPTION'
            $AboutLines | Should -Contain '    - first item'
            $AboutLines | Should -Contain '        Get-Help about_NpmhSample'
            $AboutLines | Should -Contain '      line that hangs under the text'
        }
    }

    Context 'errors' {
        It 'fails with file(line) messages on a page without SYNOPSIS, or with a parameter without its yaml block' {
            $bad = Join-Path $Out 'bad'
            [void] (New-Item -ItemType Directory -Path $bad -Force)
            $page = "---`nexternal help file: Bad-Help.xml`n---`n`n# Get-Bad`n`n## DESCRIPTION`n`nText.`n`n## PARAMETERS`n`n### -Name`n`nNo yaml.`n"
            [System.IO.File]::WriteAllText((Join-Path $bad 'Get-Bad.md'), $page)
            $result = Invoke-HelpBuilder @('--cmdlets', $bad, '--out', (Join-Path $bad 'out'))
            $result.ExitCode | Should -Be 1
            $result.Output | Should -Match ([regex]::Escape('Get-Bad.md(1): error: missing or empty ''## SYNOPSIS'''))
            $result.Output | Should -Match 'Get-Bad\.md\(13\): error: parameter -Name needs exactly one ```yaml block'
        }
    }
}
