#Requires -Version 5.1
# Test-NpmHardening never says "compliant" by mistake: missing targets, invalid settings and refused pipeline input are
# errors and $false, never $true. Every test builds its own machine in a temp folder and passes -Environment, so the
# real ~/.npmrc is never read.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop

    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    function Get-HardeningEnvironment($Machine, [hashtable] $Extra = @{}) {
        $state = Join-Path $Machine.Root 'state'
        $extraAll = @{ XDG_STATE_HOME = $state; LOCALAPPDATA = $state }
        foreach ($k in $Extra.Keys) { $extraAll[$k] = $Extra[$k] }
        Get-TestEnvironment $Machine $extraAll
    }

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
