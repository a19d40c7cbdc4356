#Requires -Version 5.1
# The built module as users get it: manifest, exports, layout, format file, help. Runs against out/ (the path
# comes from NPMH_MODULE_PATH, which build.ps1 -Task Test sets), never against src/.

BeforeDiscovery {
    if (-not $env:NPMH_REPO_ROOT) { $env:NPMH_REPO_ROOT = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
    if (-not $env:NPMH_MODULE_PATH) {
        $props = [xml] (Get-Content -LiteralPath (Join-Path $env:NPMH_REPO_ROOT 'Directory.Build.props') -Raw)
        $version = $props.SelectSingleNode('//VersionPrefix').InnerText.Trim()
        $env:NPMH_MODULE_PATH = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, 'out', 'NpmHardening', $version, 'NpmHardening.psd1')
    }
    $script:CmdletNames = @((Import-PowerShellDataFile -Path $env:NPMH_MODULE_PATH).CmdletsToExport)
    $script:DocPages = @(Get-ChildItem -Path ([System.IO.Path]::Combine($env:NPMH_REPO_ROOT, 'docs', 'cmdlets')) -Filter '*.md' -ErrorAction SilentlyContinue |
            ForEach-Object { $_.BaseName })
}

BeforeAll {
    $script:RepoRoot = $env:NPMH_REPO_ROOT
    $script:ManifestPath = $env:NPMH_MODULE_PATH
    $script:ModuleBase = Split-Path -Parent $ManifestPath
    $script:Manifest = Import-PowerShellDataFile -Path $ManifestPath
    $script:Module = Import-Module -Name $ManifestPath -Force -PassThru -ErrorAction Stop

    # Parameters every cmdlet gets from PowerShell; documented by '### CommonParameters', not one by one.
    # WhatIf/Confirm come with SupportsShouldProcess and are documented like PlatyPS does (allowed, not required).
    $script:CommonParameters = @('Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction',
        'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable', 'UseTransaction')
    $script:ShouldProcessParameters = @('WhatIf', 'Confirm')

    function Get-DocParameterName([string] $Path) {
        # '### -Name' headings between '## PARAMETERS' and the next '## ' heading (outside code fences).
        $inParameters = $false; $inFence = $false
        foreach ($line in Get-Content -LiteralPath $Path) {
            if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence; continue }
            if ($inFence) { continue }
            if ($line -match '^##\s+(.+?)\s*$') { $inParameters = $Matches[1] -eq 'PARAMETERS'; continue }
            if ($inParameters -and $line -match '^###\s+-(\S+)\s*$') { $Matches[1] }
        }
    }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'The built NpmHardening module' {
    It 'is tested from the build output, not from src/' {
        $ManifestPath | Should -Exist
        $ModuleBase | Should -BeLike "*out*NpmHardening*"
        $Module.ModuleBase | Should -Be $ModuleBase
    }

    It 'has a valid manifest' {
        { Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'carries the version from Directory.Build.props' {
        $props = [xml] (Get-Content -LiteralPath (Join-Path $RepoRoot 'Directory.Build.props') -Raw)
        $Module.Version | Should -Be ([version] $props.SelectSingleNode('//VersionPrefix').InnerText.Trim())
        Split-Path -Leaf $ModuleBase | Should -Be $Module.Version.ToString()
    }

    It 'declares both editions, PowerShell 5.1 and gallery metadata' {
        $Manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $Manifest.PowerShellVersion | Should -Be '5.1'
        $Manifest.PrivateData.PSData.Tags | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $Manifest.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets the manifest lists, and nothing else' {
        $Manifest.CmdletsToExport | Should -Not -Contain '*'
        @($Module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($Manifest.CmdletsToExport | Sort-Object)
        $Module.ExportedFunctions.Count | Should -Be 0
        $Module.ExportedAliases.Count | Should -Be 0
        $Module.ExportedVariables.Count | Should -Be 0
    }

    It 'ships NpmHardening.dll alone at the root and the engine with its dependencies in Dependencies/' {
        @(Get-ChildItem -LiteralPath $ModuleBase -Filter '*.dll' | ForEach-Object Name) | Should -Be @('NpmHardening.dll')
        $dependencies = @(Get-ChildItem -LiteralPath (Join-Path $ModuleBase 'Dependencies') -Filter '*.dll' | ForEach-Object Name)
        $dependencies | Should -Contain 'NpmHardening.Engine.dll'
        $dependencies | Should -Contain 'System.IO.Hashing.dll'
        $dependencies | Should -Contain 'YamlDotNet.dll'
        $dependencies | Should -Not -Contain 'System.Management.Automation.dll'
    }

    It 'loads nothing but itself: no nested module, no DSC resource (those are the NpmHardeningDsc module)' {
        $Manifest.ContainsKey('NestedModules') | Should -BeFalse
        $Manifest.ContainsKey('DscResourcesToExport') | Should -BeFalse
        @(Get-ChildItem -LiteralPath $ModuleBase -Filter '*.psm1').Count | Should -Be 0
        @($Module.NestedModules).Count | Should -Be 0
        # A runspace of its own, as a fresh process would: importing NpmHardening leaves exactly one module loaded
        # and no [NpmHardening] resource class.
        $ps = [PowerShell]::Create()
        try {
            $loaded = $ps.AddScript('param($Path) Import-Module -Name $Path; @(Get-Module | ForEach-Object Name); [bool] (''NpmHardening'' -as [type])').AddArgument($ManifestPath).Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        @($loaded) | Should -Be @('NpmHardening', $false)
    }

    It 'loads its format file' {
        foreach ($format in @($Manifest.FormatsToProcess)) {
            $path = Join-Path $ModuleBase $format
            $path | Should -Exist
            $Module.ExportedFormatFiles | Should -Contain $path
            # Every type the file has a view for is known to the session (Update-FormatData accepted it).
            # Views select types directly or through selection sets.
            $xml = [xml] (Get-Content -LiteralPath $path -Raw)
            $typeNames = @($xml.SelectNodes('//ViewSelectedBy/TypeName | //SelectionSet/Types/TypeName') | ForEach-Object { $_.InnerText.Trim() } | Select-Object -Unique)
            $typeNames | Should -Not -BeNullOrEmpty
            foreach ($typeName in $typeNames) {
                Get-FormatData -TypeName $typeName | Should -Not -BeNullOrEmpty -Because "$format has a view for $typeName"
            }
        }
    }

    It 'has the about_NpmHardening topic' {
        $about = [System.IO.Path]::Combine($ModuleBase, 'en-US', 'about_NpmHardening.help.txt')
        $about | Should -Exist
        (Get-Content -LiteralPath $about -Raw) | Should -Match '(?m)^SHORT DESCRIPTION\s*$'
    }
}

Describe 'docs/cmdlets' {
    It 'has no page for a cmdlet the module does not export: <_>' -ForEach $DocPages {
        $Manifest.CmdletsToExport | Should -Contain $_
    }
}

Describe 'Help and docs for <_>' -ForEach $CmdletNames {
    BeforeAll {
        $script:Name = $_
        $script:Command = Get-Command -Name $Name -Module NpmHardening
        $script:Help = Get-Help -Name $Name -Full
        $script:DocPath = [System.IO.Path]::Combine($RepoRoot, 'docs', 'cmdlets', "$Name.md")
        $script:DocParameters = @()
        if (Test-Path -LiteralPath $DocPath) { $script:DocParameters = @(Get-DocParameterName $DocPath) }
        $script:CmdletParameters = @($Command.Parameters.Keys | Where-Object { $CommonParameters -notcontains $_ })
    }

    It 'has a page in docs/cmdlets' {
        $DocPath | Should -Exist
    }

    It 'has help from the MAML file, with a synopsis' {
        # Without MAML, Get-Help makes up a synopsis from the syntax ("Get-NpmConfig [[-Name] <string[]>] ...").
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        ($Help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        $examples = @($Help.examples.example)
        $examples.Count | Should -BeGreaterThan 0
        foreach ($example in $examples) { $example.code | Should -Not -BeNullOrEmpty }
    }

    It 'documents every parameter of the cmdlet' {
        $missing = @($CmdletParameters | Where-Object { $ShouldProcessParameters -notcontains $_ -and $DocParameters -notcontains $_ })
        $missing | Should -BeNullOrEmpty -Because "docs/cmdlets/$Name.md needs '### -Name' for each"
    }

    It 'documents no parameter the cmdlet does not have' {
        $unknown = @($DocParameters | Where-Object { $CmdletParameters -notcontains $_ })
        $unknown | Should -BeNullOrEmpty
    }

    It 'shows the cmdlet''s real metadata for -<_>' -ForEach @(
        # Discovery runs before the module is imported, so the parameter list comes from the doc page.
        $page = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, 'docs', 'cmdlets', "$_.md")
        if (Test-Path -LiteralPath $page) {
            $inParameters = $false; $inFence = $false
            foreach ($line in Get-Content -LiteralPath $page) {
                if ($line -match '^\s*(```|~~~)') { $inFence = -not $inFence; continue }
                if ($inFence) { continue }
                if ($line -match '^##\s+(.+?)\s*$') { $inParameters = $Matches[1] -eq 'PARAMETERS'; continue }
                if ($inParameters -and $line -match '^###\s+-(\S+)\s*$') { $Matches[1] }
            }
        }
    ) {
        $parameterName = $_
        $metadata = $Command.Parameters[$parameterName]
        $metadata | Should -Not -BeNullOrEmpty -Because "the doc names -$parameterName"
        $helpParameter = @($Help.parameters.parameter | Where-Object { $_.name -eq $parameterName })[0]
        $helpParameter | Should -Not -BeNullOrEmpty

        $sets = @($metadata.ParameterSets.Values)
        $mandatory = @($sets | Where-Object { $_.IsMandatory }).Count -gt 0
        $helpParameter.required | Should -Be $mandatory.ToString().ToLowerInvariant() -Because 'Required? must match [Parameter(Mandatory)]'

        $positions = @($sets | Where-Object { $_.Position -ge 0 } | ForEach-Object { $_.Position.ToString() } | Select-Object -Unique)
        if ($positions.Count -eq 0) { $helpParameter.position | Should -Be 'named' }
        else { $positions | Should -Contain $helpParameter.position -Because 'Position? must match [Parameter(Position)]' }

        $byValue = @($sets | Where-Object { $_.ValueFromPipeline }).Count -gt 0
        $byName = @($sets | Where-Object { $_.ValueFromPipelineByPropertyName }).Count -gt 0
        ($helpParameter.pipelineInput -match 'ByValue') | Should -Be $byValue -Because 'pipeline input must match ValueFromPipeline'
        ($helpParameter.pipelineInput -match 'ByPropertyName') | Should -Be $byName -Because 'pipeline input must match ValueFromPipelineByPropertyName'

        $type = $metadata.ParameterType
        @($type.FullName, $type.Name) | Should -Contain $helpParameter.type.name -Because 'the yaml Type must be the parameter''s type'
    }
}
