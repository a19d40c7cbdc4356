#Requires -Version 5.1
# Get-NpmRule through PowerShell: the catalog as objects, filters, wildcards, completion, piping findings, views,
# and the about_NpmHardening_Rules help topic the build generates from the same catalog.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    $script:Rules = @(Get-NpmRule)
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NpmRule' {
    It 'returns every rule of the catalog once, in id order, with its facts' {
        $Rules.Count | Should -BeGreaterThan 40
        @($Rules.RuleId | Select-Object -Unique).Count | Should -Be $Rules.Count
        # by area (the digits before the last three), then number: NPMH9008 before NPMH10001
        $byArea = @($Rules.RuleId | Sort-Object { [int] $_.Substring(4, $_.Length - 7) }, { [int] $_.Substring($_.Length - 3) })
        ($Rules.RuleId -join ',') | Should -Be ($byArea -join ',')
        foreach ($r in $Rules) {
            $r.RuleId | Should -Match '^NPMH[1-9][0-9]{3,4}$'
            $r.Title | Should -Not -BeNullOrEmpty
            $r.Area | Should -Not -BeNullOrEmpty
            $r.Rationale | Should -Not -BeNullOrEmpty
            $r.Remediation | Should -Not -BeNullOrEmpty
            $r.Reference | Should -BeLike 'https://*'
            @($r.Baselines).Count | Should -BeGreaterThan 0
        }
        $ssl = $Rules | Where-Object RuleId -eq 'NPMH2001'
        $ssl.Setting | Should -Be 'strict-ssl'
        $ssl.Severity | Should -Be 'High'
        $ssl.Area | Should -Be 'Transport and registry'
    }

    It 'agrees with docs/rules.md on every rule''s severity and title' {
        $md = Get-Content -LiteralPath (Join-Path $env:NPMH_REPO_ROOT 'docs/rules.md') -Raw -Encoding UTF8
        foreach ($r in $Rules) {
            $md | Should -Match ("(?m)^\| \[{0}\]\(#[a-z0-9]+\) \| {1} \| {2} \|" -f $r.RuleId, [regex]::Escape($r.Title.Replace('|', '\|')), $r.Severity)
        }
    }

    It 'filters by id wildcards, area, baseline and severity, and the filters combine' {
        $credentials = @(Get-NpmRule -RuleId npmh7*)
        $credentials.Count | Should -Be @($Rules | Where-Object RuleId -like 'NPMH7*').Count
        @(Get-NpmRule -Area 'Cred*').RuleId | Should -Be $credentials.RuleId
        $ciHigh = @(Get-NpmRule -Baseline CI -Severity High, Critical)
        $ciHigh.Count | Should -Be @($Rules | Where-Object { $_.Baselines -contains 'CI' -and $_.Severity -in 'High', 'Critical' }).Count
        $ciHigh.Count | Should -BeGreaterThan 0
        @(Get-NpmRule -Baseline Strict | Where-Object { $_.Baselines -notcontains 'Strict' }) | Should -BeNullOrEmpty
        @(Get-NpmRule -RuleId NPMH2001, NPMH7001).RuleId | Should -Be @('NPMH2001', 'NPMH7001')
    }

    It 'reports a pattern that matches nothing as a non-terminating error and goes on' {
        $out = @(Get-NpmRule -RuleId NPMH0*, NPMH2001 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.RuleId | Should -Be @('NPMH2001')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'RuleIdNotFound,*'
        $errs[0].TargetObject | Should -Be 'NPMH0*'
    }

    It 'completes rule ids with their titles, online rules included' {
        $line = 'Get-NpmRule -RuleId NPMH71'
        $completion = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches)
        $online = @($Rules | Where-Object { $_.Online -and $_.RuleId -like 'NPMH71*' })
        $online.Count | Should -BeGreaterThan 0
        $completion.CompletionText | Should -Be @($Rules | Where-Object RuleId -like 'NPMH71*').RuleId
        $line = 'Get-NpmRule -Area Tra'
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText) | Should -Be @("'Transport and registry'")
    }

    It 'takes findings from the pipeline and lists each rule they name once' {
        $m = New-TestMachine
        try {
            Write-Utf8File (Join-Path $m.Home '.npmrc') "strict-ssl=false`nignore-scripts=false`n"
            $findings = @(Get-NpmSecurityPosture -Path $m.Project -Environment (Get-TestEnvironment $m) | Where-Object Status -eq Fail)
            $rules = @($findings + $findings | Get-NpmRule)
            $rules.RuleId | Should -Be @($findings.RuleId | Sort-Object -Unique)
            $rules.RuleId | Should -Contain 'NPMH2001'
        }
        finally { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'does not list the whole catalog for a piped finding without a rule id' {
        @([pscustomobject]@{ RuleId = $null } | Get-NpmRule) | Should -BeNullOrEmpty
    }

    It 'has a table view and a list view, also after serialization' {
        $table = Get-NpmRule -RuleId NPMH2001 | Format-Table | Out-String -Width 200
        $table | Should -Match 'RuleId\s+Severity\s+Area\s+Baselines\s+Title'
        $table | Should -Match 'NPMH2001\s+High\s+Transport and registry\s+Recommended, Strict, CI'
        $list = Get-NpmRule -RuleId NPMH2001 | Format-List | Out-String -Width 200
        $list | Should -Match 'Rationale\s+:'
        $list | Should -Match 'MinimumNpmVersion'
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize((Get-NpmRule -RuleId NPMH2001)))
        $copy.PSObject.TypeNames[0] | Should -Be 'Deserialized.NpmHardening.NpmRule'
        ($copy | Format-Table | Out-String -Width 200) | Should -Match 'NPMH2001\s+High\s+Transport and registry'
    }

    It 'names the npm version a rule needs' {
        $cooldown = Get-NpmRule | Where-Object Setting -eq 'min-release-age' | Select-Object -First 1
        $cooldown.MinimumNpmVersion | Should -Match '^\d+\.\d+\.\d+'
        (Get-NpmRule -RuleId NPMH2001).MinimumNpmVersion | Should -BeNullOrEmpty
    }
}

Describe 'about_NpmHardening_Rules' {
    It 'ships with the module and lists every rule with its severity' {
        $path = Join-Path (Split-Path -Parent $env:NPMH_MODULE_PATH) 'en-US/about_NpmHardening_Rules.help.txt'
        $path | Should -Exist
        $text = Get-Content -LiteralPath $path -Raw -Encoding UTF8
        $text | Should -Match '(?m)^SHORT DESCRIPTION\s*$'
        foreach ($r in $Rules) { $text | Should -Match ("(?m)^\s+{0} " -f $r.RuleId) }
        $help = Get-Help about_NpmHardening_Rules | Out-String
        $help | Should -Match 'NPMH7001'
        $help | Should -Match 'Get-NpmRule'
    }
}
