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
