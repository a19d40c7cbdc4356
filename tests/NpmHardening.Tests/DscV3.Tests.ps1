#Requires -Version 5.1
# The DSC v3 command resource NpmHardening/Hardening: its manifest (NpmHardening.dsc.resource.json, with the
# embedded instance schema) and its JSON contract, by running the command lines the manifest declares, as dsc
# does: in the manifest's folder of the built DSC module (NpmHardeningDsc), with the instance as JSON on stdin, and
# with the built modules on PSModulePath, as installed modules are. "pwsh" is run as this PowerShell (pwsh, or
# `dotnet pwsh.dll` for the dotnet tool), which need not be on PATH.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')
    # build.ps1 sets NPMH_DSC_MODULE_PATH; by hand, the DSC module sits beside the main one in out/.
    $dscManifest = $env:NPMH_DSC_MODULE_PATH
    if (-not $dscManifest) {
        $versionFolder = Split-Path -Parent $env:NPMH_MODULE_PATH
        $dscManifest = [System.IO.Path]::Combine((Split-Path -Parent (Split-Path -Parent $versionFolder)), 'NpmHardeningDsc', (Split-Path -Leaf $versionFolder), 'NpmHardeningDsc.psd1')
    }
    $script:ModuleBase = Split-Path -Parent $dscManifest
    $script:SavedModulePath = $env:PSModulePath
    $env:PSModulePath = (Split-Path -Parent (Split-Path -Parent $ModuleBase)) + [System.IO.Path]::PathSeparator + $env:PSModulePath
    $script:ManifestFile = Join-Path $ModuleBase 'NpmHardening.dsc.resource.json'
    $script:Manifest = Get-Content -LiteralPath $ManifestFile -Raw | ConvertFrom-Json

    $script:HostPath = (Get-Process -Id $PID).Path
    $script:HostPrefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($HostPath) -eq 'dotnet') { $script:HostPrefix = @([Environment]::GetCommandLineArgs()[0]) }

    # Runs the manifest's command for get/set/test with $Instance as compressed JSON on stdin.
    # Returns @{ ExitCode; Stdout; Stderr; State (parsed stdout, when JSON) }.
    function Invoke-DscOperation([string] $Operation, [hashtable] $Instance) {
        $command = $Manifest.$Operation
        $command.executable | Should -Be 'pwsh'
        $command.input | Should -Be 'stdin'
        $json = $Instance | ConvertTo-Json -Compress -Depth 5
        $stderrFile = Join-Path ([System.IO.Path]::GetTempPath()) ("npmh-dsc-" + [guid]::NewGuid().ToString('n') + '.txt')
        Push-Location -LiteralPath $ModuleBase
        try {
            $arguments = $HostPrefix + @($command.args)
            $stdout = @($json | & $HostPath @arguments 2>$stderrFile)
            $exitCode = $LASTEXITCODE
        }
        finally { Pop-Location }
        $stderr = ''
        if (Test-Path -LiteralPath $stderrFile) { $stderr = [System.IO.File]::ReadAllText($stderrFile); Remove-Item -LiteralPath $stderrFile -Force }
        $text = ($stdout | ForEach-Object { [string] $_ }) -join "`n"
        $state = $null
        if ($exitCode -eq 0 -and $text) { $state = $text | ConvertFrom-Json }
        @{ ExitCode = $exitCode; Stdout = $text; Stderr = $stderr; State = $state; Lines = @($stdout).Count }
    }

}

AfterAll {
    $env:PSModulePath = $SavedModulePath
}

Describe 'DSC v3 resource manifest NpmHardening.dsc.resource.json' {
    It 'ships in the built DSC module with its script, as UTF-8 JSON, and not in NpmHardening itself' {
        $ManifestFile | Should -Exist
        Join-Path $ModuleBase 'NpmHardening.dsc.ps1' | Should -Exist
        Join-Path $ModuleBase 'NpmHardeningDsc.psd1' | Should -Exist
        @(Get-ChildItem -LiteralPath (Split-Path -Parent $env:NPMH_MODULE_PATH) -Filter '*.dsc.*').Count | Should -Be 0
        $bytes = [System.IO.File]::ReadAllBytes($ManifestFile)
        ($bytes[0] -eq 0xEF) | Should -BeFalse
    }

    It 'declares the manifest schema, type, version and get/set/test through pwsh with stdin' {
        $Manifest.'$schema' | Should -BeLike 'https://*/PowerShell/DSC/*/schemas/v3*/resource/manifest.json'
        $Manifest.type | Should -Match '^\w+(\.\w+)*/\w+$'
        $Manifest.type | Should -Be 'NpmHardening/Hardening'
        $props = [xml] (Get-Content -LiteralPath (Join-Path $env:NPMH_REPO_ROOT 'Directory.Build.props') -Raw)
        $Manifest.version | Should -Be $props.SelectSingleNode('//VersionPrefix').InnerText.Trim()
        foreach ($operation in 'get', 'set', 'test') {
            $Manifest.$operation.executable | Should -Be 'pwsh'
            $Manifest.$operation.input | Should -Be 'stdin'
            ($Manifest.$operation.args -join ' ') | Should -BeLike "*NpmHardening.dsc.ps1 -Operation $operation*"
        }
        $Manifest.test.return | Should -Be 'state'
        $Manifest.set.return | Should -Be 'state'
        $Manifest.exitCodes.'0' | Should -Be 'Success'
    }

    It 'embeds the instance schema: keys, enums and read-only results' {
        $schema = $Manifest.schema.embedded
        $schema.'$schema' | Should -Be 'https://json-schema.org/draft/2020-12/schema'
        $schema.type | Should -Be 'object'
        $schema.required | Should -Be @('scope', 'target')
        $schema.properties.scope.enum | Should -Be @('User', 'Global', 'Builtin', 'Project')
        $schema.properties.baseline.enum | Should -Be @('Recommended', 'Strict', 'CI')
        $schema.properties.compliant.readOnly | Should -BeTrue
        $schema.properties.pendingChanges.readOnly | Should -BeTrue
        $schema.properties._inDesiredState | Should -Not -BeNullOrEmpty
        $schema.properties.environment.writeOnly | Should -BeTrue
        $schema.properties.reasons.readOnly | Should -BeTrue
        $schema.properties.reasons.items.required | Should -Be @('code', 'phrase')
        $schema.properties.allowedRegistry | Should -Not -BeNullOrEmpty
    }

    It 'the resource script parses without errors' {
        $tokens = $null; $errors = $null
        [void] [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $ModuleBase 'NpmHardening.dsc.ps1'), [ref] $tokens, [ref] $errors)
        @($errors).Count | Should -Be 0
    }
}

Describe 'DSC v3 JSON contract, by running the declared commands' {
    BeforeEach {
        $m = New-TestMachine
        $npmrc = Join-Path $m.Home '.npmrc'
        $instance = @{ scope = 'User'; target = '~'; baseline = 'Recommended'; environment = (Get-HardeningEnvironment $m) }
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'get returns the properties as one JSON object; test says not in desired state; set, then test says in desired state' {
        Write-Utf8File $npmrc "strict-ssl=false`naudit=false`n"

        $get = Invoke-DscOperation 'get' $instance
        $get.ExitCode | Should -Be 0 -Because $get.Stderr
        $get.Lines | Should -Be 1
        $names = @($get.State.PSObject.Properties.Name)
        foreach ($name in 'scope', 'target', 'baseline', 'settings', 'compliant', 'pendingChanges') { $names | Should -Contain $name }
        $names | Should -Not -Contain 'environment'
        # every returned property is one the schema declares
        $declared = @($Manifest.schema.embedded.properties.PSObject.Properties.Name)
        foreach ($name in $names) { $declared | Should -Contain $name }
        $get.State.scope | Should -Be 'User'
        $get.State.compliant | Should -BeFalse
        $get.State.settings.'strict-ssl' | Should -BeFalse
        ($get.State.pendingChanges -join ' ') | Should -BeLike '*strict-ssl false -> true*'
        [System.IO.File]::ReadAllText($npmrc) | Should -Be "strict-ssl=false`naudit=false`n"

        $test = Invoke-DscOperation 'test' $instance
        $test.ExitCode | Should -Be 0 -Because $test.Stderr
        $test.State._inDesiredState | Should -BeFalse

        $set = Invoke-DscOperation 'set' $instance
        $set.ExitCode | Should -Be 0 -Because $set.Stderr
        $set.Lines | Should -Be 1
        $set.State.compliant | Should -BeTrue
        [System.IO.File]::ReadAllText($npmrc) | Should -Match '(?m)^strict-ssl=true'

        $again = Invoke-DscOperation 'test' $instance
        $again.ExitCode | Should -Be 0
        $again.State._inDesiredState | Should -BeTrue
    }

    It 'explicit settings: get returns their current values; set writes them' {
        Write-Utf8File $npmrc "min-release-age=1`n"
        $instance.Remove('baseline')
        $instance['settings'] = @{ 'min-release-age' = 7 }
        $get = Invoke-DscOperation 'get' $instance
        $get.ExitCode | Should -Be 0 -Because $get.Stderr
        [string] $get.State.settings.'min-release-age' | Should -Be '1'
        (Invoke-DscOperation 'test' $instance).State._inDesiredState | Should -BeFalse
        $set = Invoke-DscOperation 'set' $instance
        $set.ExitCode | Should -Be 0 -Because $set.Stderr
        [string] $set.State.settings.'min-release-age' | Should -Be '7'
        (Invoke-DscOperation 'test' $instance).State._inDesiredState | Should -BeTrue
    }

    It 'reports bad input with exit code 1 and a message on stderr, nothing on stdout' {
        $instance['scope'] = 'Project'
        $instance['target'] = '~'
        $bad = Invoke-DscOperation 'test' $instance
        $bad.ExitCode | Should -Be 1
        $bad.Stdout | Should -BeNullOrEmpty
        $bad.Stderr | Should -BeLike '*project folder*'
    }

    It 'an instance that cannot be evaluated (<Name>) fails test with exit 1 and the reason on stderr, never _inDesiredState' -ForEach @(
        @{ Name = 'strict-ssl maybe'; Change = @{ settings = @{ 'strict-ssl' = 'maybe' } }; Expected = "*strict-ssl does not accept 'maybe'*" }
        @{ Name = 'misspelled key'; Change = @{ settings = @{ 'strict-sll' = $true } }; Expected = "*Did you mean 'strict-ssl'?*" }
        @{ Name = 'missing user folder'; Change = @{ target = '/no/such/home'; settings = @{ 'min-release-age' = 7 } }; Expected = '*no?such?home*' }   # Windows names it Z:\no\such\home
        @{ Name = 'missing project folder'; Change = @{ scope = 'Project'; target = '/no/such/project'; settings = @{ 'min-release-age' = 7 } }; Expected = '*no?such?project*' }
    ) {
        Write-Utf8File $npmrc "min-release-age=7`nstrict-ssl=true`n"   # this account's file is compliant: no answer may come from it
        $instance.Remove('baseline')
        foreach ($k in $Change.Keys) { $instance[$k] = $Change[$k] }
        $operations = @('test')
        if ($Name -eq 'strict-ssl maybe') { $operations += 'set' }
        foreach ($operation in $operations) {
            $r = Invoke-DscOperation $operation $instance
            $r.ExitCode | Should -Be 1 -Because "$operation printed $($r.Stdout)"
            $r.Stdout | Should -BeNullOrEmpty
            $r.Stderr | Should -BeLike $Expected
        }
    }

    It 'an npm_config_* variable that overrides the file is not in the desired state, and reasons name it' {
        $instance['environment'] = Get-HardeningEnvironment $m @{ npm_config_strict_ssl = 'false' }
        $set = Invoke-DscOperation 'set' $instance
        $set.ExitCode | Should -Be 0 -Because $set.Stderr
        $set.Lines | Should -Be 1   # the warning about the override goes to stderr, stdout stays one JSON line
        $set.Stderr | Should -BeLike '*npm_config_strict_ssl*wins*'
        $set.State.compliant | Should -BeFalse
        $test = Invoke-DscOperation 'test' $instance
        $test.ExitCode | Should -Be 0 -Because $test.Stderr
        $test.State._inDesiredState | Should -BeFalse
        $test.State.compliant | Should -BeFalse
        $ssl = @($test.State.reasons | Where-Object code -eq 'NpmHardening:NpmHardening:NPMH2001')
        $ssl.Count | Should -Be 1
        $ssl[0].phrase | Should -BeLike '*npm_config_strict_ssl*'
        # the declared schema covers what is returned
        foreach ($name in @($ssl[0].PSObject.Properties.Name)) { @($Manifest.schema.embedded.properties.reasons.items.properties.PSObject.Properties.Name) | Should -Contain $name }
    }

    It 'reasons are empty when in the desired state' {
        (Invoke-DscOperation 'set' $instance).ExitCode | Should -Be 0
        $test = Invoke-DscOperation 'test' $instance
        $test.State._inDesiredState | Should -BeTrue
        @($test.State.reasons).Count | Should -Be 0
    }

    It 'never writes a secret to stdout' {
        $token = New-NpmToken
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n"
        $instance.Remove('baseline')
        $instance['settings'] = @{ '//registry.npmjs.org/:_authToken' = 'x' }
        $get = Invoke-DscOperation 'get' $instance
        $get.Stdout | Should -Not -BeLike "*$token*"
        $get.Stderr | Should -Not -BeLike "*$token*"
    }
}
