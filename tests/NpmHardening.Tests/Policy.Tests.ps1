#Requires -Version 5.1
# Policies and exceptions through PowerShell: New-NpmHardeningPolicy, -Policy / -ExcludeRule / -Severity on the audit
# cmdlets, Suppressed findings (kept, with their suppression), expired exceptions (warned, no longer suppressing), the
# one definition of compliant with suppressions, per-scope registries, and bad policy files (terminating errors naming
# the file and line). Every test builds its own machine and passes -Environment.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')

    # Writes a policy file into the machine and returns its path.
    function New-PolicyFile($Machine, [string] $Text, [string] $Name = 'policy.psd1') {
        $path = Join-Path $Machine.Root $Name
        [System.IO.File]::WriteAllText($path, $Text, (New-Object System.Text.UTF8Encoding($false)))
        $path
    }

    # The 1-based line of the first line of $Text that contains $Marker.
    function Get-LineOf([string] $Text, [string] $Marker) {
        $lines = $Text -split "`n"
        for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i].Contains($Marker)) { return $i + 1 } }
        throw "marker $Marker not found"
    }

    function Get-Day([int] $Offset) { (Get-Date).Date.AddDays($Offset).ToString('yyyy-MM-dd') }

    # An exception for one rule, expiring $Offset days from today (inclusive), with a marker comment on its first line.
    function Get-PolicyText([string] $RuleId, [int] $Offset = 30, [string] $Extra = '') {
@"
@{
    Baseline = 'Recommended'
    Exceptions = @(
        @{ # the-exception
            RuleId        = '$RuleId'
            Justification = 'accepted by the security team, ticket SEC-42'
            Expires       = '$(Get-Day $Offset)'
$Extra
        }
    )
}
"@
    }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'New-NpmHardeningPolicy' {
    BeforeEach { $m = New-TestMachine; $path = Join-Path $m.Root 'policy.psd1' }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'writes a commented starter that Import-PowerShellDataFile and -Policy read the same way' {
        $file = New-NpmHardeningPolicy -Path $path -Baseline CI
        $file.FullName | Should -Be $path
        $text = Get-Content -LiteralPath $path -Raw
        $text | Should -Match '(?m)^\s*#'
        $data = Import-PowerShellDataFile -Path $path
        $data.Baseline | Should -Be 'CI'
        @($data.AllowedRegistries.Default) | Should -Be @('https://registry.npmjs.org/')
        @($data.Exceptions).Count | Should -Be 0
        $verbose = Get-NpmSecurityPosture -Path $m.Project -Environment (Get-TestEnvironment $m) -Policy $path -RuleId NPMH2001 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Policy *'
        $verbose.Message | Should -Be "Policy ${path}: baseline CI, 1 allowed registr(ies), 0 scope(s), 0 exception(s)."
        (Get-NpmSecurityPosture -Path $m.Project -Environment (Get-TestEnvironment $m) -Policy $path -RuleId NPMH2001).Baseline | Should -Be 'CI'
    }

    It 'has a commented example exception that reads back when uncommented' {
        New-NpmHardeningPolicy -Path $path | Out-Null
        $lines = Get-Content -LiteralPath $path
        $start = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^\s*# @\{' })
        $start | Should -BeGreaterThan 0
        $end = [array]::FindIndex($lines, [Predicate[string]] { param($l) $l -match '^\s*# \}' })
        for ($i = $start; $i -le $end; $i++) { $lines[$i] = $lines[$i] -replace '^(\s*)# ', '$1' }
        Set-Content -LiteralPath $path -Value $lines
        $data = Import-PowerShellDataFile -Path $path
        $data.Exceptions[0].RuleId | Should -Be 'NPMH3001'
        $verbose = Get-NpmSecurityPosture -Path $m.Project -Environment (Get-TestEnvironment $m) -Policy $path -RuleId NPMH2001 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Policy *'
        $verbose.Message | Should -BeLike '*, 1 exception(s).'
    }

    It 'refuses to replace a file without -Force, and replaces it with -Force' {
        Set-Content -LiteralPath $path -Value 'mine'
        { New-NpmHardeningPolicy -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyFileExists,NpmHardening.Commands.NewNpmHardeningPolicyCommand'
        (Get-Content -LiteralPath $path -Raw).Trim() | Should -Be 'mine'
        New-NpmHardeningPolicy -Path $path -Force | Out-Null
        (Import-PowerShellDataFile -Path $path).Baseline | Should -Be 'Recommended'
        @(Get-ChildItem -LiteralPath $m.Root -Filter '*.tmp' -Force) | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf, and names a missing folder' {
        New-NpmHardeningPolicy -Path $path -WhatIf | Should -BeNullOrEmpty
        $path | Should -Not -Exist
        { New-NpmHardeningPolicy -Path (Join-Path $m.Root 'no/such/policy.psd1') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PolicyFolderNotFound,NpmHardening.Commands.NewNpmHardeningPolicyCommand'
    }
}

Describe 'Policy exceptions on the audit cmdlets' {
    BeforeEach {
        $m = New-TestMachine
        # a node newer than every end-of-life entry, so only the settings below decide compliance
        $nodePath = Add-TestNode $m '99.0.0'
        $envTable = Get-HardeningEnvironment $m @{ PATH = $nodePath }
        $npmrc = Join-Path $m.Home '.npmrc'
        Push-Location -LiteralPath $m.Home
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        (Test-NpmHardening -Environment $envTable) | Should -BeTrue
        Add-Content -LiteralPath $npmrc -Value 'strict-ssl=false'
    }
    AfterEach {
        Pop-Location
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'keeps a covered failure as Suppressed, with its justification, expiry, policy line and original status' {
        $text = Get-PolicyText NPMH2001 30 "            Location = '*/.npmrc*'"
        $policy = New-PolicyFile $m $text
        $f = @(Get-NpmSecurityPosture -Environment $envTable -Policy $policy -RuleId NPMH2001)
        $f.Count | Should -Be 1
        $f[0].Status | Should -Be 'Suppressed'
        $f[0].Suppression.Justification | Should -Be 'accepted by the security team, ticket SEC-42'
        $f[0].Suppression.OriginalStatus | Should -Be 'Fail'
        $f[0].Suppression.Source | Should -Be "${policy}:$(Get-LineOf $text 'the-exception')"
        $f[0].Suppression.Expires | Should -Be (Get-Date).Date.AddDays(30)
        # kept through serialization: Export-Clixml (depth 2) keeps its properties; jobs and remoting (depth 1) its text
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($f[0], 2))
        # (how enums read back after serialization is the fleet part's: here only the suppression itself)
        $copy.Suppression.Justification | Should -Be $f[0].Suppression.Justification
        $copy.Suppression.Source | Should -Be $f[0].Suppression.Source
        $flat = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($f[0], 1))
        [string] $flat.Suppression | Should -Be "accepted by the security team, ticket SEC-42 ($($f[0].Suppression.Source), until $(Get-Day 30))"
        ($f[0] | Format-Table | Out-String) | Should -Match 'NPMH2001\s+Suppressed'
    }

    It 'makes -Summary and Test-NpmHardening accept a suppressed failure, and only then' {
        $policy = New-PolicyFile $m (Get-PolicyText NPMH2001 0)   # expires today: still holds
        (Get-NpmSecurityPosture -Environment $envTable -Summary).Compliant | Should -BeFalse
        (Test-NpmHardening -Environment $envTable) | Should -BeFalse
        # Under Wine a file's ACL is its Unix mode bits with Everyone added back, so NPMH8003 (Low) finds every .npmrc
        # readable by Everyone and is the one unsuppressed failure there; Linux and the ACL fakes judge those rules.
        $wineAcl = if ($UnderWine) { @{ ExcludeRule = 'NPMH8*' } } else { @{} }
        $summary = Get-NpmSecurityPosture -Environment $envTable -Summary -Policy $policy @wineAcl
        $summary.Compliant | Should -BeTrue -Because $summary.Message
        $summary.Suppressed | Should -Be 1
        $summary.Fail | Should -Be 0
        $summary.Message | Should -BeLike '*1 suppressed by policy*'
        $result = Test-NpmHardening -Environment $envTable -Policy $policy -Detailed
        $result.Compliant | Should -BeTrue -Because $result.Message
    }

    It 'stops suppressing once the exception expired, and warns naming the file, the line and the finding' {
        $text = Get-PolicyText NPMH2001 -1
        $policy = New-PolicyFile $m $text
        $f = @(Get-NpmSecurityPosture -Environment $envTable -Policy $policy -RuleId NPMH2001 -WarningVariable warnings -WarningAction SilentlyContinue)
        $f[0].Status | Should -Be 'Fail'
        $f[0].Suppression | Should -BeNullOrEmpty
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "*NPMH2001*${policy}:$(Get-LineOf $text 'the-exception')*expired on $(Get-Day -1)*"
        $warnings[0].Message | Should -BeLike "*$($f[0].Message)"
        (Get-NpmSecurityPosture -Environment $envTable -Summary -Policy $policy -WarningAction SilentlyContinue).Compliant | Should -BeFalse
        (Test-NpmHardening -Environment $envTable -Policy $policy -WarningAction SilentlyContinue) | Should -BeFalse
    }

    It 'suppresses only what the patterns match, and never a pass' {
        $text = Get-PolicyText NPMH2001 30 "            Context = '*/somewhere-else'"
        $policy = New-PolicyFile $m $text
        $out = @(Get-NpmSecurityPosture -Environment $envTable -Policy $policy -RuleId NPMH2001 -Verbose 4>&1)
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Status | Should -Be 'Fail'
        @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
            Should -Contain "The exception for NPMH2001 at ${policy}:$(Get-LineOf $text 'the-exception') suppressed no finding in this run."
        $policy = New-PolicyFile $m (Get-PolicyText NPMH2001 30 "            Location = '*/.npmrc:1'")
        (Get-NpmSecurityPosture -Environment $envTable -Policy $policy -RuleId NPMH2001).Status | Should -Be 'Fail'
        $policy = New-PolicyFile $m (Get-PolicyText NPMH3001 30)
        $scripts = @(Get-NpmSecurityPosture -Environment $envTable -Policy $policy -RuleId NPMH3001)
        $scripts.Status | Should -Be 'Pass'
        $scripts.Suppression | Should -BeNullOrEmpty
    }

    It 'applies to Test-NpmrcToken: a suppressed token is not a failure for -Quiet' {
        Set-Content -LiteralPath $npmrc -Value "//registry.npmjs.org/:_authToken=$(New-NpmToken)"
        if (-not $OnWindows) { & chmod 600 $npmrc }
        (Test-NpmrcToken -Environment $envTable -Quiet) | Should -BeFalse
        $policy = New-PolicyFile $m (Get-PolicyText NPMH7001 30 "            Location = '$($npmrc.Replace('\', '/')):1'")
        $t = @(Test-NpmrcToken -Environment $envTable -Policy $policy | Where-Object RuleId -eq 'NPMH7001')
        $t.Count | Should -Be 1
        $t[0].Status | Should -Be 'Suppressed'
        $t[0].Suppression.OriginalStatus | Should -Be 'Fail'
        (Test-NpmrcToken -Environment $envTable -Policy $policy -Quiet) | Should -BeTrue
    }

    It '-ExcludeRule and -Severity leave findings out' {
        $all = @(Get-NpmSecurityPosture -Environment $envTable)
        $narrow = @(Get-NpmSecurityPosture -Environment $envTable -ExcludeRule NPMH2*, npmh9001 -Severity High)
        $narrow.Count | Should -BeGreaterThan 0
        $narrow.Count | Should -Be @($all | Where-Object { $_.RuleId -notlike 'NPMH2*' -and $_.RuleId -ne 'NPMH9001' -and $_.Severity -ge 'High' }).Count
        @($narrow | Where-Object { $_.RuleId -like 'NPMH2*' -or $_.Severity -lt 'High' }) | Should -BeNullOrEmpty
        Get-NpmSecurityPosture -Environment $envTable -ExcludeRule NPMH0* -RuleId NPMH2001 -WarningVariable w -WarningAction SilentlyContinue | Out-Null
        $w.Message | Should -BeLike "*'NPMH0*' matches no rule*"
    }
}

Describe 'Allowed registries from a policy' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
        $npmrc = Join-Path $m.Home '.npmrc'
        Write-Utf8File $npmrc "registry=https://npm.corp.example/`n@corp:registry=https://npm.corp.example/`n@oss:registry=https://registry.npmjs.org/`n"
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'allows per scope, and the command line replaces the default list' {
        function Get-Registry($Extra = @{}) {
            $r = @{}
            foreach ($f in Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2003 @Extra) { $r[$f.Setting] = [string] $f.Status }
            $r
        }
        $none = Get-Registry
        $none['registry'] | Should -Be 'Fail'
        $none['@corp:registry'] | Should -Be 'Fail'
        $none['@oss:registry'] | Should -Be 'Pass'

        $policy = New-PolicyFile $m "@{ AllowedRegistries = @{ Default = 'https://npm.corp.example'; '@corp' = 'https://npm.corp.example/' } }"
        $with = Get-Registry @{ Policy = $policy }
        $with['registry'] | Should -Be 'Pass'
        $with['@corp:registry'] | Should -Be 'Pass'
        $with['@oss:registry'] | Should -Be 'Fail'    # not in Default, and the policy names no @oss

        # a scope the policy names may use only its own registries, even one that Default allows
        $policy = New-PolicyFile $m "@{ AllowedRegistries = @{ Default = @('https://npm.corp.example/', 'https://registry.npmjs.org/'); '@corp' = 'https://other.corp.example/' } }"
        (Get-Registry @{ Policy = $policy })['@corp:registry'] | Should -Be 'Fail'

        # -AllowedRegistry replaces Default; the scopes of the policy still apply
        $policy = New-PolicyFile $m "@{ AllowedRegistries = @{ Default = 'https://npm.corp.example/'; '@corp' = 'https://npm.corp.example/' } }"
        $cli = Get-Registry @{ Policy = $policy; AllowedRegistry = 'https://registry.npmjs.org/' }
        $cli['registry'] | Should -Be 'Fail'
        $cli['@corp:registry'] | Should -Be 'Pass'
        $cli['@oss:registry'] | Should -Be 'Pass'
    }
}

Describe 'Bad policy files' {
    BeforeAll {
        $script:BadCases = @(
            @{ Name = 'unknown key'; Id = 'PolicyUnknownKey'; Marker = 'Exeptions'; Text = "@{`n    Baseline = 'CI'`n    Exeptions = @()`n}`n" }
            @{ Name = 'unknown rule id'; Id = 'PolicyUnknownRule'; Marker = 'NPMH9999'; Text = "@{`n    Exceptions = @(`n        @{`n            RuleId = 'NPMH9999'`n            Justification = 'x'`n        }`n    )`n}`n" }
            @{ Name = 'missing justification'; Id = 'PolicyMissingJustification'; Marker = '@{ RuleId'; Text = "@{`n    Exceptions = @(`n        @{ RuleId = 'NPMH2001'; Expires = '2030-01-01' }`n    )`n}`n" }
            @{ Name = 'empty justification'; Id = 'PolicyMissingJustification'; Marker = 'Justification'; Text = "@{`n    Exceptions = @(`n        @{ RuleId = 'NPMH2001'`n           Justification = '  ' }`n    )`n}`n" }
            @{ Name = 'bad date'; Id = 'PolicyInvalidDate'; Marker = 'Expires'; Text = "@{`n    Exceptions = @(`n        @{ RuleId = 'NPMH2001'; Justification = 'x'`n           Expires = '31.12.2030' }`n    )`n}`n" }
            @{ Name = 'code'; Id = 'PolicyNotData'; Marker = 'Get-Date'; Text = "@{`n    Baseline = 'CI'`n    Exceptions = @(@{ RuleId = 'NPMH2001'; Justification = `"`$(Get-Date)`" })`n}`n" }
            @{ Name = 'a variable'; Id = 'PolicyNotData'; Marker = '$env:'; Text = "@{`n    Baseline = `$env:BASELINE`n}`n" }
            @{ Name = 'a parse error'; Id = 'PolicyParseError'; Marker = 'Baseline'; Text = "@{`n    Baseline = 'CI`n}`n" }
            @{ Name = 'not a hashtable'; Id = 'PolicyNotData'; Marker = 'Baseline'; Text = "'Baseline'`n" }
            @{ Name = 'two statements'; Id = 'PolicyNotData'; Marker = 'Remove-Item'; Text = "@{ Baseline = 'CI' }`nRemove-Item -Path x`n" }
            @{ Name = 'a bad baseline'; Id = 'PolicyInvalidValue'; Marker = 'Paranoid'; Text = "@{`n    Baseline = 'Paranoid'`n}`n" }
        )
    }
    BeforeEach { $m = New-TestMachine; $envTable = Get-TestEnvironment $m }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'stops every audit cmdlet with an error naming the file and the line' {
        foreach ($case in $BadCases) {
            $policy = New-PolicyFile $m $case.Text
            $line = Get-LineOf $case.Text $case.Marker
            foreach ($command in 'Get-NpmSecurityPosture', 'Test-NpmrcToken', 'Test-NpmHardening') {
                $out = $null
                $caught = $null
                try { $out = @(& $command -Environment $envTable -Policy $policy -ErrorAction SilentlyContinue) }
                catch { $caught = $_ }
                $caught | Should -Not -BeNullOrEmpty -Because "$command with $($case.Name) must stop"
                $out | Should -BeNullOrEmpty
                $caught.FullyQualifiedErrorId | Should -Be "$($case.Id),NpmHardening.Commands.$($command.Replace('-', ''))Command" -Because $case.Name
                $caught.Exception.Message | Should -BeLike "${policy}:${line}: *" -Because $case.Name
                $caught.TargetObject | Should -Be $policy
            }
        }
    }

    It 'names a policy file that does not exist' {
        $missing = Join-Path $m.Root 'missing.psd1'
        { Get-NpmSecurityPosture -Environment $envTable -Policy $missing } | Should -Throw -ErrorId 'PolicyFileNotFound,NpmHardening.Commands.GetNpmSecurityPostureCommand'
    }

    It 'never runs anything in the file' {
        $marker = Join-Path $m.Root 'ran'
        $policy = New-PolicyFile $m "@{`n    Baseline = `"`$(New-Item -ItemType File -Path '$marker')`"`n}`n"
        { Get-NpmSecurityPosture -Environment $envTable -Policy $policy } | Should -Throw
        $marker | Should -Not -Exist
    }
}
