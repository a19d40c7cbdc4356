#Requires -Version 5.1
# Test-NpmrcToken -Online against two real Verdaccio registries on 127.0.0.1: a token is asked about only at the
# registry its line is scoped to, never elsewhere, never without -Online; rejected tokens, unscoped tokens and
# unreachable registries are reported on the finding without any secret.
# What the registry answers is a finding of its own (NPMH7101-NPMH7104) at the token's line, linked by Fingerprint;
# the token's own finding keeps the rule, severity, status and message it has offline.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'Verdaccio.ps1')

    $script:A = Start-TestVerdaccio
    $script:B = Start-TestVerdaccio
    $script:TokenA = Add-TestVerdaccioUser $A 'alice' 'correct-horse-battery'
    $script:TokenB = Add-TestVerdaccioUser $B 'bob' 'correct-horse-battery'
    function Get-AuthorizedRequest($Registry) { @(Get-TestVerdaccioRequest $Registry | Where-Object { $_ -match '"authorization":' }) }
    # the findings about the credentials themselves, without the registry's online facts, and those facts
    function Select-Offline { process { if ($_.RuleId -notlike 'NPMH71*') { $_ } } }
    function Select-Online { process { if ($_.RuleId -like 'NPMH71*') { $_ } } }
}

AfterAll {
    Stop-TestVerdaccio $A
    Stop-TestVerdaccio $B
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Test-NpmrcToken -Online' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'asks only the registry each token is scoped to, and says who the token belongs to' {
        # the default registry is B, but the token line is scoped to A: B must hear nothing. A's http URL comes from
        # the @a scope's registry line (a scope no configured registry names would be asked over https).
        $file = Join-Path $m.Project '.npmrc'
        Write-Utf8File $file "registry=$($B.Url)`n@a:registry=$($A.Url)`n$($A.Scope):_authToken=$TokenA`n"
        $beforeA = (Get-AuthorizedRequest $A).Count
        $beforeB = @(Get-TestVerdaccioRequest $B).Count
        $all = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online)
        $found = @($all | Select-Offline)
        $found.Count | Should -Be 1
        $found[0].RuleId | Should -Be 'NPMH7001'
        $accepted = @($all | Where-Object RuleId -eq 'NPMH7104')
        $accepted.Count | Should -Be 1
        $accepted[0].Status | Should -Be 'Pass'
        $accepted[0].Path | Should -Be $file
        $accepted[0].Line | Should -Be 3
        $accepted[0].Fingerprint | Should -Be $found[0].Fingerprint
        $found[0].Valid | Should -BeTrue
        $found[0].User | Should -Be 'alice'
        $found[0].CheckedRegistry | Should -Be $A.Url
        (Get-AuthorizedRequest $A).Count | Should -BeGreaterThan $beforeA
        @(Get-TestVerdaccioRequest $B).Count | Should -Be $beforeB
    }

    It 'sends nothing without -Online' {
        $file = Join-Path $m.Project '.npmrc'
        Write-Utf8File $file "$($A.Scope):_authToken=$TokenA`n"
        $beforeA = @(Get-TestVerdaccioRequest $A).Count
        $found = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable)
        $found[0].Valid | Should -BeNullOrEmpty
        $found[0].CheckedRegistry | Should -BeNullOrEmpty
        @(Get-TestVerdaccioRequest $A).Count | Should -Be $beforeA
    }

    It 'reports a token the registry rejects as an NPMH7104 finding of its own, keeps the token''s finding, and keeps the token out of every message' {
        $file = Join-Path $m.Project '.npmrc'
        # B's token scoped to A: A does not know it
        Write-Utf8File $file "@a:registry=$($A.Url)`n$($A.Scope):_authToken=$TokenB`n"
        $offline = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable)
        $found = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online -Verbose 4>&1)
        $findings = @($found | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $token = @($findings | Select-Offline)
        $token.Count | Should -Be 1
        # the offline fact, unchanged: rule, severity, status, message, FactId
        foreach ($p in 'RuleId', 'Severity', 'SeverityReason', 'Status', 'Message', 'FactId') { $token[0].$p | Should -Be $offline[0].$p -Because $p }
        $token[0].RuleId | Should -Be 'NPMH7001'
        $token[0].Valid | Should -BeFalse
        $finding = @($findings | Select-Online)
        $finding.Count | Should -Be 1
        # the same rule and severity Get-NpmAccount's check of a configured token gives (one catalog)
        $finding[0].RuleId | Should -Be 'NPMH7104'
        $finding[0].Status | Should -Be 'Fail'
        $finding[0].Severity | Should -Be 'Medium'
        $finding[0].Title | Should -Be 'A configured token is rejected by its registry'
        $finding[0].Message | Should -Match 'rejects'
        $finding[0].Location.ToString() | Should -Be $token[0].Location.ToString()
        $finding[0].Fingerprint | Should -Be $token[0].Fingerprint
        $finding[0].FactId | Should -Not -Be $token[0].FactId
        ($found | Out-String) + ($findings | ConvertTo-Json -Depth 4) | Should -Not -Match ([regex]::Escape($TokenB))
        # policy excludes one fact without the other
        @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online -ExcludeRule NPMH7104).RuleId | Should -Be @('NPMH7001')
        @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online -ExcludeRule NPMH7001).RuleId | Should -Be @('NPMH7104')
    }

    It 'checks a ${VAR} reference with the variable''s value, at the reference''s scope' {
        $file = Join-Path $m.Project '.npmrc'
        Write-Utf8File $file "@b:registry=$($B.Url)`n$($B.Scope):_authToken=`${NPMH_B_TOKEN}`n"
        $envTable['NPMH_B_TOKEN'] = $TokenB
        $all = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online | Where-Object Kind -eq 'EnvironmentReference')
        $found = @($all | Select-Offline)
        $found[0].Valid | Should -BeTrue
        $found[0].User | Should -Be 'bob'
        $found[0].Fingerprint | Should -Not -BeNullOrEmpty
        # Verdaccio accounts have no two-factor authentication: the reference is fine, the account behind it is not
        $found[0].Status | Should -Be 'Pass'
        $account = @($all | Where-Object RuleId -eq 'NPMH7101')
        $account.Count | Should -Be 1
        $account[0].Message | Should -Match 'two-factor mode disabled'
        $account[0].Severity | Should -Be 'High'
        $account[0].Status | Should -Be 'Fail'
        $account[0].Fingerprint | Should -Be $found[0].Fingerprint
        $account[0].Line | Should -Be 2
    }

    It 'asks over https when no configured registry names the scope' {
        $file = Join-Path $m.Project '.npmrc'
        Write-Utf8File $file "$($A.Scope):_authToken=$TokenA`n"
        $found = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online)
        $found.Count | Should -Be 1   # no answer, so no online fact
        $found[0].CheckedRegistry | Should -Be ($A.Url -replace '^http:', 'https:')
        $found[0].Valid | Should -BeNullOrEmpty   # Verdaccio speaks plain http: the TLS handshake fails
        $found[0].OnlineError | Should -Match 'TLS'
    }

    It 'does not send an unscoped token, nor one for a plain-http registry on another host' {
        $file = Join-Path $m.Project '.npmrc'
        $token = New-NpmToken
        Write-Utf8File $file "_authToken=$token`nregistry=http://npm.example.test/`n//npm.example.test/:_authToken=$token`n"
        $all = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online)
        # the unscoped line's NPMH7003 (npm refuses to run with it) has nothing to ask a registry
        $unscoped = @($all | Where-Object RuleId -eq 'NPMH7003')
        $unscoped.Count | Should -Be 1
        $unscoped[0].OnlineState | Should -BeNullOrEmpty
        $found = @($all | Where-Object RuleId -ne 'NPMH7003')
        $found.Count | Should -Be 2
        $found | ForEach-Object { $_.Valid | Should -BeNullOrEmpty }
        $found[0].OnlineError | Should -Match 'not scoped'
        $found[1].OnlineError | Should -Match 'Not checked'
        $found[1].CheckedRegistry | Should -Be 'http://npm.example.test/'
    }

    It 'reports an unreachable registry on the finding and goes on' {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $file = Join-Path $m.Project '.npmrc'
        Write-Utf8File $file "registry=http://127.0.0.1:$port/`n@a:registry=$($A.Url)`n//127.0.0.1:$port/:_authToken=$TokenA`n$($A.Scope):_authToken=$TokenA`n"
        $found = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -Online -TimeoutSec 5 | Select-Offline)
        $found.Count | Should -Be 2
        $found[0].Valid | Should -BeNullOrEmpty
        $found[0].OnlineError | Should -Match "127\.0\.0\.1:$port"
        $found[0].OnlineError | Should -Not -Match ([regex]::Escape($TokenA))
        $found[1].Valid | Should -BeTrue
    }
}
