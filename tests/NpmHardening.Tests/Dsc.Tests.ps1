#Requires -Version 5.1
# The class-based DSC resource NpmHardening (NpmHardeningDsc.psm1, the root module of the NpmHardeningDsc module that
# ships beside NpmHardening): how DSC finds it, and its Get/Test/Set methods called directly, as the DSC engine
# (Invoke-DscResource, Machine Configuration) calls them, against a temp machine. The resource's Environment property
# points HOME and the backup store into the machine.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')
    # build.ps1 sets NPMH_DSC_MODULE_PATH; by hand, the DSC module sits beside the main one in out/.
    $script:DscManifestPath = $env:NPMH_DSC_MODULE_PATH
    if (-not $DscManifestPath) {
        $versionFolder = Split-Path -Parent $env:NPMH_MODULE_PATH
        $script:DscManifestPath = [System.IO.Path]::Combine((Split-Path -Parent (Split-Path -Parent $versionFolder)), 'NpmHardeningDsc', (Split-Path -Leaf $versionFolder), 'NpmHardeningDsc.psd1')
    }
    # The folder that holds both modules, as a PSModulePath entry would.
    $script:ModulesRoot = Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $DscManifestPath))
    $script:Module = Import-Module -Name $env:NPMH_MODULE_PATH -Force -PassThru -ErrorAction Stop
    $script:DscModule = Import-Module -Name $DscManifestPath -Force -PassThru -ErrorAction Stop

    # A fresh instance of the resource class, from the module the built manifest loaded.
    function New-Resource([hashtable] $Property) {
        $resource = & $DscModule { [NpmHardening]::new() }
        foreach ($k in $Property.Keys) { $resource.$k = $Property[$k] }
        $resource
    }

}

AfterAll {
    Remove-Module -Name NpmHardeningDsc, NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'The NpmHardening DSC resource in the NpmHardeningDsc module' {
    It 'is shipped and declared: script root module, DscResourcesToExport, NpmHardening required at the same version, [DscResource()] class' {
        $DscManifestPath | Should -Exist
        $manifest = Import-PowerShellDataFile -Path $DscManifestPath
        $manifest.RootModule | Should -Be 'NpmHardeningDsc.psm1'
        Join-Path (Split-Path -Parent $DscManifestPath) $manifest.RootModule | Should -Exist
        $manifest.DscResourcesToExport | Should -Be @('NpmHardening')
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $main = Import-PowerShellDataFile -Path $env:NPMH_MODULE_PATH
        $manifest.ModuleVersion | Should -Be $main.ModuleVersion
        $required = @($manifest.RequiredModules)
        $required.Count | Should -Be 1
        $required[0].ModuleName | Should -Be 'NpmHardening'
        $required[0].RequiredVersion | Should -Be $main.ModuleVersion
        $required[0].GUID | Should -Be $main.GUID
        # Test-ModuleManifest looks the required module up on PSModulePath, as an installation has it.
        $saved = $env:PSModulePath
        try {
            $env:PSModulePath = $ModulesRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
            { Test-ModuleManifest -Path $DscManifestPath -ErrorAction Stop } | Should -Not -Throw
        }
        finally { $env:PSModulePath = $saved }
        $DscModule.ExportedDscResources | Should -Be @('NpmHardening')
        $type = & $DscModule { [NpmHardening] }
        @($type.GetCustomAttributes($true) | Where-Object { $_.GetType().Name -eq 'DscResourceAttribute' }).Count | Should -Be 1
    }

    It 'has the keys Scope and Target, and read-only compliance properties' {
        $type = & $DscModule { [NpmHardening] }
        $kinds = @{}
        foreach ($property in $type.GetProperties()) {
            $attribute = @($property.GetCustomAttributes($true) | Where-Object { $_.GetType().Name -eq 'DscPropertyAttribute' })[0]
            if ($attribute) {
                $kind = 'Optional'
                if ($attribute.Key) { $kind = 'Key' } elseif ($attribute.NotConfigurable) { $kind = 'NotConfigurable' } elseif ($attribute.Mandatory) { $kind = 'Mandatory' }
                $kinds[$property.Name] = $kind
            }
        }
        $kinds['Scope'] | Should -Be 'Key'
        $kinds['Target'] | Should -Be 'Key'
        $kinds['Baseline'] | Should -Be 'Optional'
        $kinds['Settings'] | Should -Be 'Optional'
        $kinds['Compliant'] | Should -Be 'NotConfigurable'
        $kinds['PendingChanges'] | Should -Be 'NotConfigurable'
        $kinds['Reasons'] | Should -Be 'NotConfigurable'
        $kinds['AllowedRegistry'] | Should -Be 'Optional'
        # Machine Configuration's convention: Reasons of a class with Code and Phrase, named after the module
        $reasonType = ($type.GetProperty('Reasons')).PropertyType.GetElementType()
        $reasonType.Name | Should -Be 'NpmHardeningReason'
        @($reasonType.GetProperties().Name | Sort-Object) | Should -Be @('Code', 'Phrase')
        (New-Resource @{}).Baseline | Should -Be 'Recommended'
    }

    It 'is parsed by the PowerShell parser without errors' {
        $tokens = $null; $errors = $null
        [void] [System.Management.Automation.Language.Parser]::ParseFile((Join-Path (Split-Path -Parent $DscManifestPath) 'NpmHardeningDsc.psm1'), [ref] $tokens, [ref] $errors)
        @($errors).Count | Should -Be 0
    }
}

Describe 'DSC finds and runs the resource from PSModulePath' {
    BeforeAll {
        $script:SavedModulePath = $env:PSModulePath
        $env:PSModulePath = $ModulesRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $script:Machine = New-TestMachine
        $script:MachineEnvironment = Get-HardeningEnvironment $Machine
        Write-Utf8File (Join-Path $Machine.Home '.npmrc') "strict-ssl=false`n"
    }
    AfterAll {
        $env:PSModulePath = $SavedModulePath
        if (-not $OnWindows) { & chmod -R u+rwx $Machine.Root 2>$null }
        Remove-Item -LiteralPath $Machine.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'discovery as the DSC v3 PowerShell adapter does it: the module whose manifest declares DscResourcesToExport, its script root module holding the [DscResource()] class' {
        # Module folders whose <name>.psd1 mentions DscResourcesToExport, then the class resources parsed from the
        # module's script root module: only NpmHardeningDsc qualifies; NpmHardening (a binary module) is not one.
        $dscModules = @(foreach ($folder in Get-ChildItem -LiteralPath $ModulesRoot -Directory) {
                $psd1 = @(Get-ChildItem -LiteralPath $folder.FullName -Recurse -Depth 2 -Filter "$($folder.Name).psd1")
                if ($psd1 | Where-Object { Select-String -LiteralPath $_.FullName -Pattern '^[^#]*\bDscResourcesToExport\b' }) { $folder.Name }
            })
        $dscModules | Should -Be @('NpmHardeningDsc')
        $listed = @(Get-Module -ListAvailable -Name NpmHardeningDsc)
        $listed.Count | Should -Be 1
        $listed[0].ModuleBase | Should -Be (Split-Path -Parent $DscManifestPath)
        # Get-DscResource (PSDesiredStateConfiguration 2) reads the class resources of listed modules that show them here.
        $listed[0].ExportedDscResources | Should -Be @('NpmHardening')
        $rootModule = Join-Path $listed[0].ModuleBase $listed[0].RootModule
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($rootModule, [ref] $tokens, [ref] $errors)
        $resources = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TypeDefinitionAst] -and @($n.Attributes | Where-Object { $_.TypeName.Name -eq 'DscResource' }).Count -gt 0 }, $false))
        @($resources | ForEach-Object Name) | Should -Be @('NpmHardening')
    }

    It 'Invoke-DscResource''s way: a new runspace with "using module <manifest>" creates [NpmHardening], which loads NpmHardening by itself and answers Test' {
        # PSDesiredStateConfiguration 2's Invoke-DscResource runs class resources this way, in a runspace of their own.
        $script = "using module '$($DscManifestPath.Replace("'", "''"))'" + @'

param($Environment)
$resource = [NpmHardening]::new()
$resource.Scope = 'User'; $resource.Target = '~'; $resource.Environment = $Environment
$resource.Test()
(Get-Module -Name NpmHardening).ModuleBase
'@
        $ps = [PowerShell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
        try {
            $out = $ps.AddScript($script).AddArgument($MachineEnvironment).Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        @($out).Count | Should -Be 2
        $out[0] | Should -BeFalse -Because 'strict-ssl=false is not the Recommended baseline'
        $out[1] | Should -Be (Split-Path -Parent $env:NPMH_MODULE_PATH)
    }

    It 'the DSC v3 adapter''s way: Import-Module NpmHardeningDsc by name, the class taken from the module''s scope' {
        $ps = [PowerShell]::Create([System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2())
        try {
            $out = $ps.AddScript('param($Environment) $m = Import-Module NpmHardeningDsc -PassThru; $type = & $m { ''NpmHardening'' -as [type] }; $r = $type::new(); $r.Scope = ''User''; $r.Target = ''~''; $r.Environment = $Environment; $r.Get().Compliant').AddArgument($MachineEnvironment).Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
        @($out) | Should -Be @($false)
    }
}

Describe 'NpmHardening DSC resource Get/Test/Set' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-HardeningEnvironment $m
        $npmrc = Join-Path $m.Home '.npmrc'
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'baseline for this account (Target ~): Test false -> Set -> Test true, Get reports the change' {
        Write-Utf8File $npmrc "strict-ssl=false`naudit=false`n"
        $resource = New-Resource @{ Scope = 'User'; Target = '~'; Baseline = 'Recommended'; Environment = $envTable }
        $resource.Test() | Should -BeFalse

        $before = $resource.Get()
        $before.Compliant | Should -BeFalse
        $before.Scope | Should -Be 'User'
        $before.Target | Should -Be '~'
        $before.Baseline | Should -Be 'Recommended'
        ($before.PendingChanges -join "`n") | Should -BeLike "*$npmrc*strict-ssl false -> true*"
        [string] $before.Settings['strict-ssl'] | Should -Be 'False'
        [System.IO.File]::ReadAllText($npmrc) | Should -Be "strict-ssl=false`naudit=false`n"

        $resource.Set()
        $resource.Test() | Should -BeTrue
        [System.IO.File]::ReadAllText($npmrc) | Should -Match '(?m)^strict-ssl=true'

        $after = $resource.Get()
        $after.Compliant | Should -BeTrue
        @($after.PendingChanges).Count | Should -Be 0
        # the backup went to the machine's store
        @(Get-ChildItem -LiteralPath (Join-Path $m.Root 'state') -Recurse -File -Filter *.json).Count | Should -Be 1
    }

    It 'explicit Settings: Get returns the current values, Set writes them, Test becomes true' {
        Write-Utf8File $npmrc "min-release-age=1`n"
        $resource = New-Resource @{ Scope = 'User'; Target = '~'; Settings = @{ 'min-release-age' = 7; 'strict-ssl' = $true }; Environment = $envTable }
        $resource.Test() | Should -BeFalse
        $current = $resource.Get()
        [string] $current.Settings['min-release-age'] | Should -Be '1'
        $current.Settings.ContainsKey('strict-ssl') | Should -BeTrue
        $current.Compliant | Should -BeFalse

        $resource.Set()
        $resource.Test() | Should -BeTrue
        $now = $resource.Get()
        [string] $now.Settings['min-release-age'] | Should -Be '7'
        [string] $now.Settings['strict-ssl'] | Should -Be 'True'
        $now.Compliant | Should -BeTrue
        # a second Set changes nothing
        $hash = (Get-FileHash -LiteralPath $npmrc).Hash
        $resource.Set()
        (Get-FileHash -LiteralPath $npmrc).Hash | Should -Be $hash
    }

    It 'Target as a user profile folder (-UserProfile)' {
        $other = Join-Path $m.Root 'alice'
        New-Item -ItemType Directory -Path $other | Out-Null
        Write-Utf8File (Join-Path $other '.npmrc') "audit=false`n"
        $resource = New-Resource @{ Scope = 'User'; Target = $other; Environment = $envTable }
        $resource.Test() | Should -BeFalse
        $resource.Set()
        $resource.Test() | Should -BeTrue
        [System.IO.File]::ReadAllText((Join-Path $other '.npmrc')) | Should -Match '(?m)^audit=true'
        Test-Path -LiteralPath $npmrc | Should -BeFalse
    }

    It 'Scope Project with the project folder as Target' {
        $resource = New-Resource @{ Scope = 'Project'; Target = $m.Project; Settings = @{ 'min-release-age' = 5 }; Environment = $envTable }
        $resource.Test() | Should -BeFalse
        $resource.Set()
        $resource.Test() | Should -BeTrue
        [System.IO.File]::ReadAllText((Join-Path $m.Project '.npmrc')) | Should -Match '(?m)^min-release-age=5'
        [string] $resource.Get().Settings['min-release-age'] | Should -Be '5'
    }

    It 'refuses an empty Target and a Project scope without a folder' {
        { (New-Resource @{ Scope = 'User'; Target = ''; Environment = $envTable }).Test() } | Should -Throw '*Target*'
        { (New-Resource @{ Scope = 'Project'; Target = '~'; Environment = $envTable }).Test() } | Should -Throw '*project folder*'
    }

    It 'an invalid Settings entry (<Name>) is an error from Test and Get, never "in the desired state"' -ForEach @(
        @{ Name = 'invalid value'; Settings = @{ 'strict-ssl' = 'maybe' }; Expected = "*strict-ssl does not accept 'maybe'*" }
        @{ Name = 'misspelled key'; Settings = @{ 'strict-sll' = $true }; Expected = "*Did you mean 'strict-ssl'?*" }
        @{ Name = 'unknown key'; Settings = @{ 'no-such-key' = 1 }; Expected = "*'no-such-key' is not an npm config key*" }
    ) {
        $resource = New-Resource @{ Scope = 'User'; Target = '~'; Settings = $Settings; Environment = $envTable }
        { $resource.Test() } | Should -Throw $Expected
        { $resource.Get() } | Should -Throw $Expected
        { $resource.Set() } | Should -Throw $Expected
        Test-Path -LiteralPath $npmrc | Should -BeFalse
    }

    It 'a Target folder that does not exist is an error from Test, never "in the desired state" (<Scope>)' -ForEach @(
        @{ Scope = 'User' }
        @{ Scope = 'Project' }
    ) {
        $missing = Join-Path $m.Root 'no-such-folder'
        Write-Utf8File $npmrc "min-release-age=7`n"   # the account's own file is compliant: the answer must not come from it
        $resource = New-Resource @{ Scope = $Scope; Target = $missing; Settings = @{ 'min-release-age' = 7 }; Environment = $envTable }
        { $resource.Test() } | Should -Throw "*$missing*"
    }

    It 'an environment variable that overrides the file: Test false after Set, and Reasons name the rule and the variable' {
        $e = Get-HardeningEnvironment $m @{ npm_config_strict_ssl = 'false' }
        $resource = New-Resource @{ Scope = 'User'; Target = '~'; Environment = $e }
        $resource.Set()
        $resource.Test() | Should -BeFalse
        $state = $resource.Get()
        $state.Compliant | Should -BeFalse
        @($state.PendingChanges).Count | Should -Be 0
        $ssl = @($state.Reasons | Where-Object Code -eq 'NpmHardening:NpmHardening:NPMH2001')
        $ssl.Count | Should -Be 1
        $ssl[0].Phrase | Should -BeLike '*npm_config_strict_ssl*'
        $ssl[0].GetType().Name | Should -Be 'NpmHardeningReason'
        # the explicit setting: the override is the reason
        $explicit = New-Resource @{ Scope = 'User'; Target = '~'; Settings = @{ 'strict-ssl' = $true }; Environment = $e }
        $explicit.Test() | Should -BeFalse
        @($explicit.Get().Reasons.Code) | Should -Contain 'NpmHardening:NpmHardening:Overridden'
    }

    It 'never returns a secret from Get' {
        $token = New-NpmToken
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n"
        $resource = New-Resource @{ Scope = 'User'; Target = '~'; Settings = @{ '//registry.npmjs.org/:_authToken' = 'x'; 'audit' = $true }; Environment = $envTable }
        $current = $resource.Get()
        ($current | ConvertTo-Json -Depth 5) | Should -Not -BeLike "*$token*"
        ($current.PendingChanges -join ' ') | Should -Not -BeLike "*$token*"
    }
}
