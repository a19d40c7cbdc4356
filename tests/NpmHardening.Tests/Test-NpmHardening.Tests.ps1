#Requires -Version 5.1
# Test-NpmHardening never says "compliant" by mistake: missing targets, invalid settings and refused pipeline input are
# errors and $false, never $true. Every test builds its own machine in a temp folder and passes -Environment, so the
# real ~/.npmrc is never read.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop

    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')


    # Runs Test-NpmHardening and returns its output, its errors and its verbose lines.
    function Invoke-Test([hashtable] $Parameters, $InputObject) {
        $errors = $null
        if ($PSBoundParameters.ContainsKey('InputObject')) {
            $all = @($InputObject | Test-NpmHardening @Parameters -Verbose -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 4>&1)
        }
        else {
            $all = @(Test-NpmHardening @Parameters -Verbose -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 4>&1)
        }
        [pscustomobject]@{
            Output  = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            Errors  = @($errors)
            Verbose = (@($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n")
        }
    }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Test-NpmHardening: invalid input is an error, never a pass' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-HardeningEnvironment $m
        # a user file that already holds the setting asked for: without the target checks the answer would be $true
        Write-Utf8File (Join-Path $m.Home '.npmrc') "min-release-age=7`n"
        $setting = @{ Setting = @{ 'min-release-age' = 7 }; Environment = $envTable }
    }
    AfterEach {
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'is $true for the same setting on a real target (the control case)' {
        $r = Invoke-Test $setting
        $r.Output | Should -Be @($true)
        $r.Errors.Count | Should -Be 0
    }

    It 'a missing -UserProfile is $false with ProfileFolderNotFound, also with -ErrorAction SilentlyContinue' {
        $missing = Join-Path $m.Root 'no-such-home'
        Test-NpmHardening @setting -UserProfile $missing -ErrorAction SilentlyContinue | Should -BeFalse
        $r = Invoke-Test (@{ UserProfile = $missing } + $setting)
        $r.Output | Should -Be @($false)
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'ProfileFolderNotFound,NpmHardening.Commands.TestNpmHardeningCommand'
        $r.Verbose | Should -BeLike "*Not compliant*$missing*"
    }

    It 'one missing profile among real ones is still $false' {
        $r = Invoke-Test (@{ UserProfile = @($m.Home, (Join-Path $m.Root 'gone')) } + $setting)
        $r.Output | Should -Be @($false)
    }

    It 'a missing -Path with -Scope Project is $false with ProjectFolderNotFound or PathNotFound' {
        $r = Invoke-Test (@{ Scope = 'Project'; Path = (Join-Path $m.Root 'no-such-project') } + $setting)
        $r.Output | Should -Be @($false)
        $r.Errors[0].FullyQualifiedErrorId | Should -BeIn @('ProjectFolderNotFound,NpmHardening.Commands.TestNpmHardeningCommand', 'PathNotFound,NpmHardening.Commands.TestNpmHardeningCommand')
        # a wildcard that matches nothing evaluates nothing
        $r = Invoke-Test (@{ Scope = 'Project'; Path = (Join-Path $m.Root 'none-*') } + $setting)
        $r.Output | Should -Be @($false)
    }

    It 'an invalid -Setting (<Name>) stops the command at binding, whatever -ErrorAction says' -ForEach @(
        @{ Name = 'invalid value'; Table = @{ 'strict-ssl' = 'maybe' } }
        @{ Name = 'unknown key'; Table = @{ 'no-such-key' = 1 } }
        @{ Name = 'misspelled key'; Table = @{ 'min-relase-age' = 7 } }
    ) {
        $thrown = $null
        $out = $null
        try { $out = Test-NpmHardening -Setting $Table -Environment $envTable -ErrorAction SilentlyContinue }
        catch { $thrown = $_ }
        $out | Should -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,NpmHardening.Commands.TestNpmHardeningCommand'
    }

    It 'a valid key the installed npm does not have is $false, saying which npm adds it' {
        $r = Invoke-Test @{ Setting = @{ 'strict-npmrc' = $true }; Environment = $envTable }
        $r.Output | Should -Be @($false)
        $r.Verbose | Should -BeLike '*strict-npmrc needs npm*12*'
    }

    It 'piped objects that are neither findings nor folders are refused: 1,2,3 | Test-NpmHardening is $false' {
        $r = Invoke-Test @{ Environment = $envTable } (1, 2, 3)
        $r.Output | Should -Be @($false)
        @($r.Errors | Where-Object FullyQualifiedErrorId -eq 'InputObjectNotRecognized,NpmHardening.Commands.TestNpmHardeningCommand').Count | Should -Be 3
    }

    It 'piped objects that bind to nothing, or an empty pipeline, evaluate nothing: $false' {
        (1, 2 | Test-NpmHardening @setting -ErrorAction SilentlyContinue) | Should -Be $false
        (@() | Test-NpmHardening @setting) | Should -Be $false
        (@() | Test-NpmHardening -Environment $envTable) | Should -Be $false
    }

    It 'piped folders are the project folders: $false while one of them lacks the setting' {
        $a = Join-Path $m.Root 'a'; $b = Join-Path $m.Root 'b'
        foreach ($p in $a, $b) { New-Item -ItemType Directory -Path $p | Out-Null; Set-Content -LiteralPath (Join-Path $p 'package.json') -Value '{}' }
        Remove-Item -LiteralPath (Join-Path $m.Home '.npmrc') -Force   # the user layer would satisfy the projects below it
        Write-Utf8File (Join-Path $a '.npmrc') "min-release-age=7`n"
        $projects = @{ Scope = 'Project' } + $setting
        (Get-Item -LiteralPath $a | Test-NpmHardening @projects) | Should -BeTrue
        (Get-Item -LiteralPath $a, $b | Test-NpmHardening @projects) | Should -BeFalse
        Test-NpmHardening @projects -Path $a, $b | Should -BeFalse
        Write-Utf8File (Join-Path $b '.npmrc') "min-release-age=7`n"
        Test-NpmHardening @projects -Path $a, $b | Should -BeTrue
    }
}

Describe 'Test-NpmHardening and Get-NpmSecurityPosture -Summary: one definition of compliant' {
    BeforeEach {
        $m = New-TestMachine
        # a node newer than every end-of-life entry, so NPMH1003 judges nothing about the test machine or today's date
        $nodePath = Add-TestNode $m '99.0.0'
        $envTable = Get-HardeningEnvironment $m @{ PATH = $nodePath }
        $npmrc = Join-Path $m.Home '.npmrc'
        Push-Location -LiteralPath $m.Home
    }
    AfterEach {
        Pop-Location
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'after Set-NpmHardening both say compliant; before it, both say not compliant' {
        Write-Utf8File $npmrc "strict-ssl=false`n"
        Test-NpmHardening -Environment $envTable | Should -BeFalse
        (Get-NpmSecurityPosture -Environment $envTable -Summary).Compliant | Should -BeFalse
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        $summary = Get-NpmSecurityPosture -Environment $envTable -Summary
        $summary.Compliant | Should -BeTrue -Because $summary.Message
        $result = Test-NpmHardening -Environment $envTable -Detailed
        $result.Compliant | Should -BeTrue -Because $result.Message
        $result.Message | Should -BeLike 'COMPLIANT (Recommended)*'
        Test-NpmHardening -Environment $envTable | Should -BeTrue
    }

    It 'an npm_config_* variable that overrides the file is not compliant, and the reason names the variable and layer' {
        $e = Get-HardeningEnvironment $m @{ PATH = $nodePath; npm_config_strict_ssl = 'false' }
        Set-NpmHardening -Environment $e -Confirm:$false -WarningAction SilentlyContinue
        $ssl = Get-NpmSecurityPosture -Environment $e -RuleId NPMH2001
        $ssl.Status | Should -Be 'Fail'
        (Get-NpmSecurityPosture -Environment $e -Summary).Compliant | Should -BeFalse
        $verbose = @(Test-NpmHardening -Environment $e -Verbose 4>&1)
        $verbose[-1] | Should -BeFalse
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n" | Should -BeLike '*Not compliant*NPMH2001*npm_config_strict_ssl*'
        $reason = @((Test-NpmHardening -Environment $e -Detailed).Reasons | Where-Object Code -eq 'NPMH2001')
        $reason.Count | Should -Be 1
        $reason[0].Layer | Should -Be 'Env'
        $reason[0].Source | Should -Be 'npm_config_strict_ssl'
        $reason[0].Setting | Should -Be 'strict-ssl'

        # explicit settings: the override is the reason, even though the file holds the value
        Write-Utf8File $npmrc "strict-ssl=true`n"
        $overridden = Test-NpmHardening -Setting @{ 'strict-ssl' = $true } -Environment $e -Detailed
        $overridden.Compliant | Should -BeFalse
        $o = @($overridden.Reasons | Where-Object Code -eq 'Overridden')
        $o.Count | Should -Be 1
        ($o[0].Layer, $o[0].Source) | Should -Be @('Env', 'npm_config_strict_ssl')
        $overridden.Message | Should -BeLike '*Overridden strict-ssl (Env: npm_config_strict_ssl)*'
    }

    It 'a project .npmrc that overrides the user file is not compliant for the user in that project' {
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        Write-Utf8File (Join-Path $m.Project '.npmrc') "strict-ssl=false`n"
        Push-Location -LiteralPath $m.Project
        try {
            $result = Test-NpmHardening -Environment $envTable -Detailed
            (Get-NpmSecurityPosture -Environment $envTable -Summary).Compliant | Should -BeFalse
        }
        finally { Pop-Location }
        $result.Compliant | Should -BeFalse
        $ssl = @($result.Reasons | Where-Object Code -eq 'NPMH2001')[0]
        $ssl.Layer | Should -Be 'Project'
        $ssl.Source | Should -Be "$(Join-Path $m.Project '.npmrc'):1"
    }

    It 'what no config value fixes (an end-of-life node) keeps both not compliant after Set-NpmHardening' {
        $old = Add-TestNode $m '16.20.2'
        $e = Get-HardeningEnvironment $m @{ PATH = $old }
        Set-NpmHardening -Environment $e -Confirm:$false -WarningAction SilentlyContinue
        (Get-NpmSecurityPosture -Environment $e -Summary).FailedRules | Should -Contain 'NPMH1003'
        $result = Test-NpmHardening -Environment $e -Detailed
        $result.Compliant | Should -BeFalse
        $result.Reasons.Code | Should -Contain 'NPMH1003'
        $result.Reasons.Code | Should -Not -Contain 'PendingChange'   # the file itself is done
    }

    It 'never says compliant where the summary does not, in every state tried (<State>)' -ForEach @(
        @{ State = 'default'; Rc = ''; Extra = @{} }
        @{ State = 'weak file'; Rc = "strict-ssl=false`naudit=false`n"; Extra = @{} }
        @{ State = 'plaintext token'; Rc = "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789`n"; Extra = @{} }
        @{ State = 'env override'; Rc = ''; Extra = @{ npm_config_ignore_scripts = 'false'; npm_config_allow_git = 'all' } }
        @{ State = 'registry not allowed'; Rc = "registry=https://npm.corp.example/`n"; Extra = @{} }
        @{ State = 'http registry'; Rc = "registry=http://npm.corp.example/`n"; Extra = @{} }
    ) {
        if ($Rc) { Write-Utf8File $npmrc $Rc }
        $extra = @{ PATH = $nodePath } + $Extra
        $e = Get-HardeningEnvironment $m $extra
        foreach ($round in 'before Set', 'after Set') {
            $summary = Get-NpmSecurityPosture -Environment $e -Summary
            $test = Test-NpmHardening -Environment $e -Detailed
            if (-not $summary.Compliant) { $test.Compliant | Should -BeFalse -Because "$State ${round}: the summary says $($summary.Message)" }
            if ($round -eq 'after Set') {
                # nothing left for Set to change: the two answers are the same
                @($test.Reasons | Where-Object Code -eq 'PendingChange').Count | Should -Be 0
                $test.Compliant | Should -Be $summary.Compliant -Because "$State after Set: $($test.Message) / $($summary.Message)"
                # and every rule the summary fails is a reason of the test
                foreach ($rule in @($summary.Reasons | Where-Object Code -like 'NPMH*').Code) { $test.Reasons.Code | Should -Contain $rule }
            }
            Set-NpmHardening -Environment $e -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        }
    }

    It '-AllowedRegistry is the posture''s: a private registry is compliant only when it is allowed' {
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        Add-Content -LiteralPath $npmrc -Value 'registry=https://npm.corp.example/'
        $denied = Test-NpmHardening -Environment $envTable -Detailed
        $denied.Reasons.Code | Should -Contain 'NPMH2003'
        Test-NpmHardening -Environment $envTable -AllowedRegistry https://npm.corp.example/ | Should -BeTrue
        (Get-NpmSecurityPosture -Environment $envTable -AllowedRegistry https://npm.corp.example/ -Summary).Compliant | Should -BeTrue
    }

    It 'a missing -UserProfile makes -Summary not compliant too (nothing audited is not a pass)' {
        $missing = Join-Path $m.Root 'gone'
        $summary = Get-NpmSecurityPosture -UserProfile $missing -Environment $envTable -Summary -ErrorAction SilentlyContinue
        $summary.Compliant | Should -BeFalse
        $summary.Reasons.Code | Should -Contain 'NotEvaluated'
        $summary.Message | Should -BeLike "NON-COMPLIANT*not evaluated: $missing*"
        $both = Get-NpmSecurityPosture -UserProfile $m.Home, $missing -Environment $envTable -Summary -ErrorAction SilentlyContinue
        $both.Compliant | Should -BeFalse
    }

    It '-Detailed returns one NpmComplianceResult with a list view, also deserialized, and a one-line message' {
        Write-Utf8File $npmrc "strict-ssl=false`n"
        $result = @(Test-NpmHardening -Environment $envTable -Detailed)
        $result.Count | Should -Be 1
        $result[0].PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmComplianceResult'
        $result[0].Message | Should -Not -Match '[\r\n]'
        $result[0].Message.Length | Should -BeLessThan 2048
        $view = $result[0] | Format-List | Out-String -Width 200
        $view | Should -BeLike '*Compliant*False*Reasons*PendingChange*strict-ssl*'
        $deserialized = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($result[0], 3))
        ($deserialized | Format-List | Out-String -Width 200) | Should -Be $view
        ($result[0].Reasons | Format-Table | Out-String -Width 200) | Should -BeLike '*Code*Setting*Where*Context*Message*NPMH2001*'
    }
}
