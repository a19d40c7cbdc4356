#Requires -Version 5.1
# The class-based DSC resource NpmHardening (NpmHardeningDsc.psm1, a nested module of the built module): its
# Get/Test/Set methods called directly, as the DSC engine (Invoke-DscResource, Machine Configuration) calls them,
# against a temp machine. The resource's Environment property points HOME and the backup store into the machine.

BeforeAll {
    $script:Module = Import-Module -Name $env:NPMH_MODULE_PATH -Force -PassThru -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')
    $script:DscModule = @($Module.NestedModules | Where-Object Name -eq 'NpmHardeningDsc')[0]

    # A fresh instance of the resource class, from the module the built manifest loaded.
    function New-Resource([hashtable] $Property) {
        $resource = & $DscModule { [NpmHardening]::new() }
        foreach ($k in $Property.Keys) { $resource.$k = $Property[$k] }
        $resource
    }

}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'The NpmHardening DSC resource in the built module' {
    It 'is shipped and declared: nested module, DscResourcesToExport, [DscResource()] class' {
        $base = Split-Path -Parent $env:NPMH_MODULE_PATH
        Join-Path $base 'NpmHardeningDsc.psm1' | Should -Exist
        $manifest = Import-PowerShellDataFile -Path $env:NPMH_MODULE_PATH
        $manifest.DscResourcesToExport | Should -Be @('NpmHardening')
        $manifest.NestedModules | Should -Contain 'NpmHardeningDsc.psm1'
        $DscModule | Should -Not -BeNullOrEmpty
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
        [void] [System.Management.Automation.Language.Parser]::ParseFile((Join-Path (Split-Path -Parent $env:NPMH_MODULE_PATH) 'NpmHardeningDsc.psm1'), [ref] $tokens, [ref] $errors)
        @($errors).Count | Should -Be 0
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
