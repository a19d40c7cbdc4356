#Requires -Version 5.1
# The cross-cmdlet consistency test: one machine state (plaintext token in a world-readable user .npmrc, legacy
# _auth, an unscoped username, weak settings) fed to every audit cmdlet. A fact (one line of one file) must get one
# rule id and one severity whichever cmdlet reports it, and every finding takes its title from the same catalog.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'Verdaccio.ps1')
    $script:Registry = Start-TestVerdaccio
    $script:RegistryToken = Add-TestVerdaccioUser $Registry 'carol' 'correct-horse-battery'
}

AfterAll {
    Stop-TestVerdaccio $Registry
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'One fact, one rule id, one severity across audit cmdlets' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
        $token = New-NpmToken
        $npmrc = Join-Path $m.Home '.npmrc'
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('bob:hunter2'))
        Write-Utf8File $npmrc ("strict-ssl=false`naudit=false`n//registry.npmjs.org/:_authToken=$token`n_auth=$auth`nusername=bob`n" +
            "@c:registry=$($Registry.Url)`n$($Registry.Scope):_authToken=$RegistryToken`n")
        if (-not $OnWindows) { & chmod 644 $npmrc }
        Write-Utf8File (Join-Path $m.Project 'package.json') '{}'

        function Get-LineKey($Finding) { '{0}:{1}' -f $Finding.Location.Path, $Finding.Location.Line }
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'gives every credential line the same rule ids and severities in Get-NpmSecurityPosture and Test-NpmrcToken' {
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable | Where-Object { $_.Location.Line -and $_.Status -ne 'Pass' })
        $tokens = @(Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object { $_.Line -and $_.Status -ne 'Pass' })
        $tokens.Count | Should -BeGreaterOrEqual 4
        foreach ($t in $tokens) {
            $same = @($posture | Where-Object { (Get-LineKey $_) -eq (Get-LineKey $t) -and $_.RuleId -eq $t.RuleId })
            $same.Count | Should -Be 1 -Because "$($t.RuleId) at $(Get-LineKey $t) must be reported by the posture audit too"
            $same[0].Severity | Should -Be $t.Severity -Because "$($t.RuleId) at $(Get-LineKey $t)"
            $same[0].SeverityReason | Should -Be $t.SeverityReason
            $same[0].Title | Should -Be $t.Title
            $same[0].ComputerName | Should -Be $t.ComputerName
            $t.ComputerName | Should -Be ([Environment]::MachineName)
        }
        # no line gets from one cmdlet a rule the other does not give it
        $postureRules = @{}
        foreach ($p in $posture) { $postureRules[(Get-LineKey $p) + '|' + $p.RuleId] = $true }
        foreach ($t in $tokens) { $postureRules.ContainsKey((Get-LineKey $t) + '|' + $t.RuleId) | Should -BeTrue }

        $plain = @($tokens | Where-Object Key -eq '//registry.npmjs.org/:_authToken')
        if (-not $OnWindows) {
            $plain[0].Severity | Should -Be 'Critical'
            $plain[0].SeverityReason | Should -Match 'readable by others'
        }
        ($tokens | Where-Object Key -eq 'username').RuleId | Should -Be 'NPMH7003'
    }

    It 'keeps the rule and severity of a line when -Online adds what the registry says' {
        $offline = @(Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object Line)
        $online = @(Test-NpmrcToken -Path $m.Project -Environment $envTable -Online | Where-Object Line)
        $checked = @($online | Where-Object Key -eq "$($Registry.Scope):_authToken")
        $checked.Count | Should -Be 1
        $checked[0].Valid | Should -BeTrue
        foreach ($o in $online) {
            $before = @($offline | Where-Object { (Get-LineKey $_) -eq (Get-LineKey $o) -and $_.Key -eq $o.Key })
            $before.Count | Should -Be 1
            if ($before[0].RuleId -eq $o.RuleId) { $o.Severity | Should -Be $before[0].Severity -Because "$($o.RuleId) at $(Get-LineKey $o)" }
            else { $o.RuleId | Should -BeIn @('NPMH7101', 'NPMH7102', 'NPMH7103', 'NPMH7104') }
        }
        # the registry's own account rule: the same catalog severity from Get-NpmAccount -Audit as from the token check
        $account = @(Get-NpmAccount -Registry $Registry.Url -Token (ConvertTo-SecureString $RegistryToken -AsPlainText -Force) -Audit -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        foreach ($a in $account) {
            $same = @($online | Where-Object RuleId -eq $a.RuleId)
            foreach ($s in $same) { $s.Severity | Should -Be $a.Severity }
            $a.ComputerName | Should -Be ([Environment]::MachineName)
        }
    }
}

Describe 'The summary counts facts, and findings carry their remediation as data and as a command' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'counts one ~/.npmrc line once over many projects while each project lists it' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "strict-ssl=false`n"
        $root = Join-Path $m.Home 'src'
        foreach ($i in 1..12) {
            $project = New-Item -ItemType Directory -Path (Join-Path $root "p$i") -Force
            Write-Utf8File (Join-Path $project.FullName 'package.json') '{}'
        }
        $findings = @(Get-NpmSecurityPosture -Path $root -Recurse -Environment $envTable -RuleId NPMH2001)
        $failed = @($findings | Where-Object Status -eq Fail)
        $failed.Count | Should -Be 12
        @($failed.FactId | Select-Object -Unique).Count | Should -Be 1
        @($failed.Context | Select-Object -Unique).Count | Should -Be 12

        $s = Get-NpmSecurityPosture -Path $root -Recurse -Environment $envTable -RuleId NPMH2001 -Summary
        $s.Fail | Should -Be 1
        $s.High | Should -Be 1
        $s.Message | Should -Match 'NPMH2001 strict-ssl'
        $s.Message | Should -Not -Match '×'
        $s.Contexts.Count | Should -Be 12
        $s.Compliant | Should -BeFalse
    }

    It 'names each fact in the message, and exports Contexts and FailedRules as text' {
        $a = New-NpmToken; $b = New-NpmToken
        Write-Utf8File (Join-Path $m.Home '.npmrc') "//registry.npmjs.org/:_authToken=$a`n//npm.corp.example/:_authToken=$b`n"
        Write-Utf8File (Join-Path $m.Project 'package.json') '{}'
        $s = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH7001 -Summary
        $s.Message | Should -Match 'NPMH7001 //npm\.corp\.example/:_authToken'
        $s.Message | Should -Match 'NPMH7001 //registry\.npmjs\.org/:_authToken'
        $s.Message | Should -Not -Match '×'
        $csv = Join-Path $m.Root 'summary.csv'
        $s | Export-Csv -LiteralPath $csv -NoTypeInformation
        $text = Get-Content -LiteralPath $csv -Raw
        $text | Should -Not -Match 'System\.String\[\]|NpmNameList'
        $back = Import-Csv -LiteralPath $csv
        $back.FailedRules | Should -Be 'NPMH7001'
        $back.Contexts | Should -Be $m.Project
        $text | Should -Not -Match ([regex]::Escape($a))
    }

    It 'gives a failed setting its npm command, and renders the module command in the cmdlet' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "strict-ssl=false`n"
        $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2001 | Where-Object Status -eq Fail
        $f.Remediation.Setting | Should -Be 'strict-ssl'
        $f.Remediation.Value | Should -Be 'true'
        $f.Remediation.NpmCommand | Should -Be "npm config set 'strict-ssl=true' --location=user"
        # -Environment names a what-if home, so the command names that profile
        $f.Remediation.PowerShell | Should -Be "Set-NpmHardening -Scope User -UserProfile '$($m.Home)' -Setting @{ 'strict-ssl' = `$true }"
        "$($f.Remediation)" | Should -Be $f.Remediation.PowerShell
        $f.Location.Path | Should -Be (Join-Path $m.Home '.npmrc')
        $f.Location.Line | Should -Be 1
        $f.ComputerName | Should -Be ([Environment]::MachineName)
        ($f | Format-List | Out-String) | Should -Match ([regex]::Escape("$(Join-Path $m.Home '.npmrc'):1"))
        # the fix the command states really fixes it
        $command = $f.Remediation.PowerShell -replace '^Set-NpmHardening ', 'Set-NpmHardening -Environment $envTable -Confirm:$false -ErrorAction Stop '
        Invoke-Expression $command | Out-Null
        (Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2001).Status | Should -Be 'Pass'
    }
}

Describe 'Publish-pipeline findings beside the other audits' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
        # a project that is also a repository: weak settings in its .npmrc, a publish workflow with a token
        Write-Utf8File (Join-Path $m.Project 'package.json') '{"name":"acme-lib","version":"1.0.0","scripts":{"release":"npm publish"}}'
        Write-Utf8File (Join-Path $m.Project '.npmrc') "strict-ssl=false`n"
        $wf = New-Item -ItemType Directory -Path (Join-Path $m.Project '.github/workflows') -Force
        Write-Utf8File (Join-Path $wf.FullName 'release.yml') ("on:`n  push:`n    tags: ['v*']`njobs:`n  publish:`n    runs-on: ubuntu-latest`n    env:`n" +
            "      NODE_AUTH_TOKEN: `${{ secrets.NPM_TOKEN }}`n    steps:`n      - uses: actions/checkout@v4`n      - run: npm ci`n      - run: npm run release`n")
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'keeps pipeline rules to Get-NpmPublishPipeline -Audit and gives each fact one rule id and one catalog severity' {
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable)
        $tokens = @(Test-NpmrcToken -Path $m.Project -Environment $envTable)
        $pipeline = @(Get-NpmPublishPipeline -Path $m.Project -Audit)
        $pipeline.Count | Should -BeGreaterOrEqual 4
        # NPMH10??? (five digits): NPMH10* would also match NPMH1001-NPMH1009 of the Toolchain area
        @($posture + $tokens | Where-Object RuleId -like 'NPMH10???').Count | Should -Be 0 -Because 'only the pipeline audit judges CI files'
        @($pipeline | Where-Object RuleId -notlike 'NPMH10???').Count | Should -Be 0
        $catalog = @{}
        foreach ($r in Get-NpmRule) { $catalog[$r.RuleId] = $r }
        foreach ($f in $pipeline) {
            $f.Title | Should -Be $catalog[$f.RuleId].Title
            "$($f.Severity)" | Should -Be "$($catalog[$f.RuleId].Severity)"
            $f.ComputerName | Should -Be ([Environment]::MachineName)
        }
        # one fact, one finding; and no fact id shared with another audit
        @($pipeline.FactId | Select-Object -Unique).Count | Should -Be $pipeline.Count
        $other = @($posture + $tokens | ForEach-Object FactId)
        @($pipeline | Where-Object { $other -contains $_.FactId }).Count | Should -Be 0
        # the token in the job's env reaches npm ci: NPMH10003, at the env line of the workflow
        $visible = @($pipeline | Where-Object RuleId -eq 'NPMH10003')
        $visible.Count | Should -Be 1
        $visible[0].Location.Path | Should -Be (Join-Path $m.Project '.github/workflows/release.yml')
        $visible[0].Location.Line | Should -Be 8
    }
}

