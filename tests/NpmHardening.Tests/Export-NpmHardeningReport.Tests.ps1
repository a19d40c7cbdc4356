#Requires -Version 5.1
# Export-NpmHardeningReport and ConvertTo-NpmSarif: every format parsed back and checked against its input, SARIF
# through Microsoft's validator (GitHub's rules included), HTML in a real headless browser, live, deserialized and
# older finding types, and bad input (paths, objects, a pipeline that fails half way: nothing half-written).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'ReportTools.ps1')
    $script:NoValidator = -not (Get-SarifMultitool)
    $script:NoBrowser = -not (Get-Chromium)
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'ReportTools.ps1')
    if (-not (Get-SarifMultitool)) { Write-Warning 'SARIF validator not installed (.tools/sarif-multitool; build.ps1 -Task Bootstrap needs npm and the registry): its tests are skipped.' }
    if (-not (Get-Chromium)) { Write-Warning 'No chromium (build.ps1 -Task Bootstrap installs it with apt as root): the browser test is skipped.' }

    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-reports-' + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory -Path $Work | Out-Null
    $script:Repo = Join-Path $Work 'repo'
    New-Item -ItemType Directory -Path $Repo | Out-Null
    $script:Outside = Join-Path $Work 'home/.npmrc'

    # a mix of every shape a report must place: files in and outside the source root, a registry object, an
    # environment variable, a suppression, every status, two computers and two contexts
    $script:Mixed = @(
        (New-TestFinding -RuleId NPMH1001 -Severity High -Status Fail -Path (Join-Path $Repo '.npmrc') -Line 3 -Column 1)
        (New-TestFinding -RuleId NPMH1001 -Severity High -Status Fail -Path (Join-Path $Repo 'packages/a b/.npmrc') -Line 1 -Context '/work/project/packages/a b')
        (New-TestFinding -RuleId NPMH2001 -Severity Medium -Status Warning -Path $Outside -Line 7)
        (New-TestFinding -RuleId NPMH1002 -Severity Low -Status Pass -Path (Join-Path $Repo '.npmrc') -Line 4)
        (New-TestFinding -RuleId NPMH1003 -Severity Info -Status NotApplicable -Name 'default')
        (New-TestFinding -RuleId NPMH9001 -Severity Low -Status Fail -Uri 'https://registry.npmjs.org/left-pad/1.3.0' -ComputerName 'pc2')
        (New-TestFinding -RuleId NPMH7002 -Severity Critical -Status Error -Name 'env:NPM_TOKEN' -Message 'The variable cannot be read.' -ComputerName 'pc2')
        (New-TestFinding -RuleId NPMH7001 -Severity Critical -Status Fail -Path $Outside -Line 2 -Justification 'Rotated by the vault; accepted until June.')
    )
    Push-Location -LiteralPath $Repo
}

AfterAll {
    Pop-Location
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'SARIF' {
    BeforeAll {
        $script:SarifPath = Join-Path $Work 'mixed.sarif'
        $Mixed | Export-NpmHardeningReport -Format Sarif -Path $SarifPath
        $script:Sarif = Get-Content -LiteralPath $SarifPath -Raw | ConvertFrom-Json
        $script:Run = $Sarif.runs[0]
    }

    It 'passes Microsoft''s validator with GitHub''s rules: no error, no warning (<Name>)' -Skip:$NoValidator -ForEach @(
        @{ Name = 'mixed findings, suppressions'; Findings = 'Mixed' }
        @{ Name = '0 findings'; Findings = 'None' }
    ) {
        $path = Join-Path $Work "validate-$Findings.sarif"
        if ($Findings -eq 'None') { @() | Export-NpmHardeningReport -Format Sarif -Path $path }
        else { $Mixed | Export-NpmHardeningReport -Format Sarif -Path $path }
        Invoke-SarifValidation $path | Should -BeNullOrEmpty
    }

    It 'the validator run here does catch a broken log (so a clean result means something)' -Skip:$NoValidator {
        $broken = Get-Content -LiteralPath $SarifPath -Raw | ConvertFrom-Json
        $broken.runs[0].tool.driver.rules[0].PSObject.Properties.Remove('help')
        $path = Join-Path $Work 'broken.sarif'
        $broken | ConvertTo-Json -Depth 30 | Set-Content -LiteralPath $path
        (Invoke-SarifValidation $path) -join "`n" | Should -Match 'GH2012'
    }

    It 'passes the validator on the reports of the audit cmdlets (Get-NpmSecurityPosture, Test-NpmrcToken)' -Skip:$NoValidator {
        $m = New-TestMachine
        try {
            Write-Utf8File (Join-Path $m.Home '.npmrc') "//registry.npmjs.org/:_authToken=$(New-NpmToken)`nstrict-ssl=false`n"
            Write-Utf8File (Join-Path $m.Project 'package.json') '{}'
            $envTable = Get-TestEnvironment $m
            $posture = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable)
            $tokens = @(Test-NpmrcToken -Path $m.Project -Environment $envTable)
            $posture.Count | Should -BeGreaterThan 0
            $tokens.Count | Should -BeGreaterThan 0
            $path = Join-Path $Work 'audits.sarif'
            $posture + $tokens | Export-NpmHardeningReport -Format Sarif -Path $path -SourceRoot $m.Project
            Invoke-SarifValidation $path | Should -BeNullOrEmpty
            $results = @((Get-Content -LiteralPath $path -Raw | ConvertFrom-Json).runs[0].results)
            $results.ruleId | Should -Contain 'NPMH7001'
            # no token in the log
            Get-Content -LiteralPath $path -Raw | Should -Not -Match 'npm_[A-Za-z0-9]{36}'
        }
        finally { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'writes relative file URIs with a uriBaseId declared in originalUriBaseIds' {
        $files = @($Run.results | ForEach-Object { $_.locations[0].physicalLocation } | Where-Object { $_ })
        $files.Count | Should -Be 4
        foreach ($file in $files) {
            $file.artifactLocation.uri | Should -Not -Match '^[a-z]+:'
            $file.artifactLocation.uri | Should -Not -Match '^/'
            $Run.originalUriBaseIds.($file.artifactLocation.uriBaseId).uri | Should -Match '^file:///(.*/)?$'
        }
        $inRepo = $files | Where-Object { $_.artifactLocation.uri -eq 'packages/a%20b/.npmrc' }
        $inRepo.artifactLocation.uriBaseId | Should -Be 'SRCROOT'
        $rootUri = [System.Uri]::new($Repo.TrimEnd("/") + "/").AbsoluteUri
        $Run.originalUriBaseIds.SRCROOT.uri | Should -Be $rootUri
        $first = $files | Where-Object { $_.artifactLocation.uri -eq '.npmrc' }
        $first.region.startLine | Should -Be 3
        $first.region.startColumn | Should -Be 1
        # outside the source root: relative to the file-system root, never an absolute URI
        $home_ = @($files | Where-Object { $_.artifactLocation.uriBaseId -ne 'SRCROOT' })
        $home_.Count | Should -Be 2
        $home_[0].artifactLocation.uri | Should -BeLike '*home/.npmrc'
    }

    It 'places registry objects and environment variables as logical locations, never as files' {
        $registry = $Run.results | Where-Object ruleId -eq 'NPMH9001'
        $registry.locations[0].PSObject.Properties.Name | Should -Not -Contain 'physicalLocation'
        $registry.locations[0].logicalLocations[0].fullyQualifiedName | Should -Be 'https://registry.npmjs.org/left-pad/1.3.0'
        $variable = $Run.results | Where-Object ruleId -eq 'NPMH7002'
        $variable.locations[0].logicalLocations[0].fullyQualifiedName | Should -Be 'env:NPM_TOKEN'
        $variable.locations[0].logicalLocations[0].kind | Should -Be 'variable'
    }

    It 'reports Fail, Warning, Error and Suppressed findings, with levels from status and severity, and no Pass or NotApplicable' {
        @($Run.results).Count | Should -Be 6
        ($Run.results | Where-Object ruleId -eq 'NPMH1001')[0].level | Should -Be 'error'
        ($Run.results | Where-Object ruleId -eq 'NPMH2001').level | Should -Be 'warning'
        ($Run.results | Where-Object ruleId -eq 'NPMH9001').level | Should -Be 'note'
        ($Run.results | Where-Object ruleId -eq 'NPMH7002').level | Should -Be 'error'
        $Run.results.ruleId | Should -Not -Contain 'NPMH1002'
        $Run.results.ruleId | Should -Not -Contain 'NPMH1003'
    }

    It 'keeps a suppressed finding as a result with its justification' {
        $suppressed = $Run.results | Where-Object ruleId -eq 'NPMH7001'
        $suppressed.suppressions[0].kind | Should -Be 'external'
        $suppressed.suppressions[0].status | Should -Be 'accepted'
        $suppressed.suppressions[0].justification | Should -Be 'Rotated by the vault; accepted until June.'
        $suppressed.level | Should -Be 'error'
        @($Run.results | Where-Object { $_.PSObject.Properties.Name -contains 'suppressions' }).Count | Should -Be 1
    }

    It 'describes each rule with help text and markdown, a help URI and GitHub''s security-severity' {
        $rules = @($Run.tool.driver.rules)
        $rules.Count | Should -Be 7
        foreach ($rule in $rules) {
            $rule.help.text | Should -Not -BeNullOrEmpty
            $rule.help.markdown | Should -Not -BeNullOrEmpty
            $rule.properties.tags | Should -Contain 'security'
        }
        # GitHub's scale, from the catalog's default severity of each rule
        $catalog = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'NpmHardening.Engine' } | Select-Object -First 1
        $default = $catalog.GetType('NpmHardening.Engine.Rules.RuleCatalog', $true)::Default
        $range = @{ Critical = 9.0, 10.0; High = 7.0, 8.9; Medium = 4.0, 6.9; Low = 0.1, 3.9; Info = 0.0, 0.0 }
        foreach ($rule in $rules) {
            $severity = $default.Find($rule.id).Severity.ToString()
            $value = [double] $rule.properties.'security-severity'
            $value | Should -BeGreaterOrEqual $range[$severity][0] -Because "$($rule.id) is $severity"
            $value | Should -BeLessOrEqual $range[$severity][1] -Because "$($rule.id) is $severity"
        }
        # every result names a rule described once, and the rules come in id order (not in the order findings came)
        foreach ($result in $Run.results) { @($rules | Where-Object id -eq $result.ruleId).Count | Should -Be 1 }
        @($rules.id) | Should -Be @($rules.id | Sort-Object { $_ } -CaseSensitive)
        $Run.tool.driver.name | Should -Be 'NpmHardening'
    }

    It 'gives the same partialFingerprints in two runs on the same input, and different ones for different facts' {
        $second = Join-Path $Work 'second.sarif'
        Start-Sleep -Milliseconds 20
        $Mixed | Export-NpmHardeningReport -Format Sarif -Path $second
        $a = @($Run.results | ForEach-Object { $_.partialFingerprints.'npmhFact/v1' })
        $b = @((Get-Content -LiteralPath $second -Raw | ConvertFrom-Json).runs[0].results | ForEach-Object { $_.partialFingerprints.'npmhFact/v1' })
        $a | Should -Not -BeNullOrEmpty
        $b | Should -Be $a
        @($a | Select-Object -Unique).Count | Should -Be $a.Count
        # the whole log is reproducible: no time, no machine-dependent field outside the findings' own
        (Get-FileHash -LiteralPath $second).Hash | Should -Be (Get-FileHash -LiteralPath $SarifPath).Hash
        # not the machine: the same fact seen from another computer has the same fingerprint
        $one = New-TestFinding -Path (Join-Path $Repo '.npmrc') -Line 3 -ComputerName 'alpha'
        $two = New-TestFinding -Path (Join-Path $Repo '.npmrc') -Line 3 -ComputerName 'beta'
        $fp = @(($one, $two | ConvertTo-NpmSarif | ConvertFrom-Json).runs[0].results | ForEach-Object { $_.partialFingerprints.'npmhFact/v1' })
        $fp[0] | Should -Be $fp[1]
    }

    It 'ConvertTo-NpmSarif returns the same log as a string' {
        $text = $Mixed | ConvertTo-NpmSarif
        $text | Should -BeOfType [string]
        $text | Should -Be (Get-Content -LiteralPath $SarifPath -Raw)
        $compressed = $Mixed | ConvertTo-NpmSarif -Compress
        $compressed | Should -Not -Match "`n"
        ($compressed | ConvertFrom-Json).runs[0].results.Count | Should -Be 6
    }

    It 'an empty pipeline is a valid log with an empty results array' {
        $log = @() | ConvertTo-NpmSarif | ConvertFrom-Json
        $log.version | Should -Be '2.1.0'
        $log.runs[0].PSObject.Properties.Name | Should -Contain 'results'
        @($log.runs[0].results).Count | Should -Be 0
    }
}

Describe 'Deserialized and older finding types' {
    It 'reports findings read back with Import-Clixml exactly as the live ones' {
        $clixml = Join-Path $Work 'findings.clixml'
        $Mixed | Export-Clixml -LiteralPath $clixml
        $back = Import-Clixml -LiteralPath $clixml
        # the module rehydrates CLIXML into its live types (Deserialization.Tests.ps1); property bags as SSH remoting
        # leaves them are reported in Fleet.Tests.ps1
        $back[0].PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmFinding'
        foreach ($format in 'Sarif', 'Json', 'Csv', 'JUnit') {
            $live = Join-Path $Work "live.$format"; $deserialized = Join-Path $Work "back.$format"
            $Mixed | Export-NpmHardeningReport -Format $format -Path $live
            $back | Export-NpmHardeningReport -Format $format -Path $deserialized
            Get-Content -LiteralPath $deserialized -Raw | Should -Be (Get-Content -LiteralPath $live -Raw) -Because "$format of deserialized findings"
        }
    }

    It 'reports findings that come back from a job' {
        $module = $env:NPMH_MODULE_PATH
        $job = Start-Job -ScriptBlock {
            param($Module, $Tools, $Repo)
            Import-Module $Module
            . $Tools
            New-TestFinding -Path (Join-Path $Repo '.npmrc') -Line 3 -ComputerName 'worker' -Justification 'accepted'
        } -ArgumentList $module, (Join-Path $PSScriptRoot 'ReportTools.ps1'), $Repo
        $received = @($job | Wait-Job -Timeout 120 | Receive-Job)
        $job | Remove-Job -Force
        $received.Count | Should -Be 1
        $json = $received | Export-NpmHardeningReport -Format Json -Path (Join-Path $Work 'job.json') -PassThru | Get-Content -Raw | ConvertFrom-Json
        $json[0].ComputerName | Should -Be 'worker'
        $json[0].Status | Should -Be 'Suppressed'
        $json[0].Suppression.Justification | Should -Be 'accepted'
        $json[0].Location.Line | Should -Be 3
        # a job serializes one level deep: the remediation arrives as its text (the finding types' serialization
        # depth is the fleet part's); what a report needs still arrives
        $json[0].Location.Path | Should -Be (Join-Path $Repo '.npmrc')
        $json[0].Remediation.Summary | Should -Not -BeNullOrEmpty
    }

    It 'takes today''s NpmSecurityFinding and NpmTokenFinding, live and deserialized, and copies no token' {
        $m = New-TestMachine
        try {
            $token = New-NpmToken
            Write-Utf8File (Join-Path $m.Home '.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
            Write-Utf8File (Join-Path $m.Project 'package.json') '{}'
            $envTable = Get-TestEnvironment $m
            $findings = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable) + @(Test-NpmrcToken -Path $m.Project -Environment $envTable)
            $clixml = Join-Path $Work 'audit.clixml'
            $findings | Export-Clixml -LiteralPath $clixml
            foreach ($input in @(, $findings) + @(, @(Import-Clixml -LiteralPath $clixml))) {
                $path = Join-Path $Work 'audit.json'
                $input | Export-NpmHardeningReport -Format Json -Path $path -ErrorVariable problems
                $problems | Should -BeNullOrEmpty
                $json = @(Get-Content -LiteralPath $path -Raw | ConvertFrom-Json)
                $json.Count | Should -Be $findings.Count
                $tokenRow = $json | Where-Object { $_.RuleId -eq 'NPMH7001' -and $_.Location.Line -eq 1 } | Select-Object -First 1
                $tokenRow | Should -Not -BeNullOrEmpty
                $tokenRow.Location.Path | Should -Be (Join-Path $m.Home '.npmrc')
                Get-Content -LiteralPath $path -Raw | Should -Not -Match ([regex]::Escape($token))
            }
        }
        finally { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'HTML' {
    BeforeAll {
        # planted markup in a path, a message, a context and a computer name: it must stay text
        $script:Planted = '/tmp/<script>document.title="pwned";console.error("planted")</script>/.npmrc'
        $script:HtmlInput = @($Mixed) + @(
            (New-TestFinding -RuleId NPMH1004 -Severity High -Status Fail -Path $Planted -Line 1 -Message '<img src=x onerror="console.error(1)"> in a message' -Context '<b>ctx</b>' -ComputerName '"><script>console.error(2)</script>')
        )
        $script:HtmlPath = Join-Path $Work 'report.html'
        $HtmlInput | Export-NpmHardeningReport -Format Html -Path $HtmlPath -Title 'Fleet <report>'
        $script:Html = Get-Content -LiteralPath $HtmlPath -Raw
        # what the counts must be: findings to act on (Fail, Error, Warning) per severity
        $script:Expected = @{}
        foreach ($s in 'Critical', 'High', 'Medium', 'Low', 'Info') {
            $Expected[$s] = @($HtmlInput | Where-Object { $_.Severity.ToString() -eq $s -and @('Fail', 'Error', 'Warning') -contains $_.Status.ToString() }).Count
        }
    }

    It 'is self-contained: one inline script, no external resource, a policy that allows only that script' {
        ([regex]::Matches($Html, '<script')).Count | Should -Be 1
        $Html | Should -Not -Match '<link'
        $Html | Should -Not -Match '<[a-z]+\s[^>]*\bsrc='
        $Html | Should -Not -Match '@import'
        $Html | Should -Match "Content-Security-Policy"
        $Html | Should -Match "default-src 'none'"
        $Html | Should -Match "script-src 'sha256-"
    }

    It 'encodes every piece of finding text' {
        $Html | Should -Not -Match '<script>document'
        $Html | Should -Not -Match '<img'
        $Html | Should -Not -Match '<b>ctx'
        $Html | Should -Match ([regex]::Escape('&lt;script&gt;document.title='))
        $Html | Should -Match ([regex]::Escape('<title>Fleet &lt;report&gt;</title>'))
    }

    It 'writes the counts per severity, a score and a row per computer and context' {
        foreach ($s in $Expected.Keys) {
            $Html | Should -Match ('id="count-{0}" data-count="{1}"' -f $s, $Expected[$s])
        }
        $Html | Should -Match 'id="score" data-score="\d+"'
        ([regex]::Matches($Html, '<tr class="group"')).Count | Should -Be @($HtmlInput | ForEach-Object { "$($_.ComputerName)|$($_.Context)" } | Select-Object -Unique).Count
        ([regex]::Matches($Html, '<tr data-sev=')).Count | Should -Be $HtmlInput.Count
        $Html | Should -Match ([regex]::Escape('npm config set ignore-scripts true --location=user'))
        $Html | Should -Match ([regex]::Escape('<li>Require two-factor authentication.</li>'))
    }

    It 'renders in headless chromium without console messages, the planted markup inert, the counts as written' -Skip:$NoBrowser {
        $chromium = Get-Chromium
        $results = Join-Path $env:NPMH_REPO_ROOT 'TestResults'
        New-Item -ItemType Directory -Path $results -Force | Out-Null
        $profile_ = Join-Path $Work 'chromium-profile'
        $common = @('--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', "--user-data-dir=$profile_", '--enable-logging=stderr', '--v=0')
        $uri = [System.Uri]::new($HtmlPath).AbsoluteUri
        $stderr = Join-Path $Work 'chromium.err'
        $dom = & $chromium @common '--virtual-time-budget=5000' '--dump-dom' $uri 2> $stderr | Out-String
        $dom | Should -Match 'data-ready="true"' -Because ((Get-Content -LiteralPath $stderr | Where-Object { $_ -notmatch 'dbus|D-Bus' } | Select-Object -Last 8) -join "`n")
        $console = @(Get-Content -LiteralPath $stderr | Where-Object { $_ -match ':CONSOLE' })
        $console | Should -BeNullOrEmpty
        $dom | Should -Match '<title>Fleet &lt;report&gt;</title>'
        # the planted script is text in its cell: it did not run (the title is unchanged, nothing was logged)
        $dom | Should -Match ([regex]::Escape('<td class="loc">/tmp/&lt;script&gt;document.title="pwned"'))
        ([regex]::Matches($dom, '<script')).Count | Should -Be 1
        # counts computed by the page from its rows agree with the input and with the summary the engine wrote
        $rendered = [regex]::Match($dom, 'data-rendered-counts="([^"]*)"').Groups[1].Value
        $counts = [System.Net.WebUtility]::HtmlDecode($rendered) | ConvertFrom-Json
        foreach ($s in $Expected.Keys) { $counts.$s | Should -Be $Expected[$s] -Because "$s findings rendered" }
        [regex]::Match($dom, 'data-rows="(\d+)"').Groups[1].Value | Should -Be ([string] $HtmlInput.Count)
        [regex]::Match($dom, 'id="shown">([^<]*)<').Groups[1].Value | Should -Be "$($HtmlInput.Count) of $($HtmlInput.Count) shown"

        $shot = Join-Path $results 'report-html.png'
        Remove-Item -LiteralPath $shot -Force -ErrorAction SilentlyContinue
        & $chromium @common '--window-size=1400,1000' '--hide-scrollbars' "--screenshot=$shot" $uri 2> $null | Out-Null
        $shot | Should -Exist
        (Get-Item -LiteralPath $shot).Length | Should -BeGreaterThan 10000
    }
}

Describe 'JUnit' {
    BeforeAll {
        $script:JUnitPath = Join-Path $Work 'report.junit.xml'
        $Mixed | Export-NpmHardeningReport -Format JUnit -Path $JUnitPath -Title 'npm hardening'
        $script:JUnit = [xml] (Get-Content -LiteralPath $JUnitPath -Raw)
    }

    It 'has one test case per rule and context, grouped in a suite per computer and context' {
        $suites = @($JUnit.testsuites.testsuite)
        $expectedSuites = @($Mixed | ForEach-Object { "$($_.ComputerName): $($_.Context)" } | Select-Object -Unique)
        @($suites.name) | Should -Be $expectedSuites
        $cases = @($suites | ForEach-Object { $_.testcase })
        $expectedCases = @($Mixed | ForEach-Object { "$($_.ComputerName)|$($_.Context)|$($_.RuleId)" } | Select-Object -Unique)
        $cases.Count | Should -Be $expectedCases.Count
        [int] $JUnit.testsuites.tests | Should -Be $expectedCases.Count
    }

    It 'fails the cases with a Fail or Error finding, skips the suppressed with the justification' {
        $cases = @($JUnit.testsuites.testsuite | ForEach-Object { $_.testcase })
        $failed = @($cases | Where-Object { $_.failure })
        # pc1 /work/project: NPMH1001; packages/a b: NPMH1001; pc2: NPMH9001, NPMH7002
        $failed.Count | Should -Be 4
        [int] $JUnit.testsuites.failures | Should -Be 4
        ($failed | Where-Object { $_.name -like 'NPMH7002*' }).failure.type | Should -Be 'Error'
        ($failed[0].failure.'#text') | Should -Match 'npm config set ignore-scripts true'
        $suppressed = $cases | Where-Object { $_.name -like 'NPMH7001*' }
        $suppressed.skipped.message | Should -Be 'Suppressed: Rotated by the vault; accepted until June.'
        $warning = $cases | Where-Object { $_.name -like 'NPMH2001*' }
        $warning.PSObject.Properties.Name | Should -Not -Contain 'failure'
        $warning.'system-out' | Should -Match 'Warning Medium'
        foreach ($suite in $JUnit.testsuites.testsuite) {
            [int] $suite.tests | Should -Be @($suite.testcase).Count
            [int] $suite.failures | Should -Be @($suite.testcase | Where-Object { $_.failure }).Count
            [int] $suite.skipped | Should -Be @($suite.testcase | Where-Object { $_.skipped }).Count
        }
    }
}

Describe 'CSV and JSON' {
    It 'writes CSV as UTF-8 with a byte order mark that Import-Csv reads back, arrays joined' {
        $csv = Join-Path $Work 'report.csv'
        $withText = @($Mixed) + @(New-TestFinding -RuleId NPMH1005 -Message 'Ünïcödé "quoted", and a second line' -Path '=cmd|/c calc/.npmrc' -Line 9)
        $withText | Export-NpmHardeningReport -Format Csv -Path $csv
        $bytes = [System.IO.File]::ReadAllBytes($csv)
        $bytes[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        $text = [System.IO.File]::ReadAllText($csv)
        $text | Should -Not -Match 'System\.String\[\]'
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be $withText.Count
        $rows[0].RuleId | Should -Be 'NPMH1001'
        $rows[0].Severity | Should -Be 'High'
        $rows[0].Line | Should -Be '3'
        $rows[0].WebSteps | Should -Be 'Open the package settings.; Require two-factor authentication.'
        $rows[0].Setting | Should -Be 'ignore-scripts'
        ($rows | Where-Object RuleId -eq 'NPMH7001').Justification | Should -Be 'Rotated by the vault; accepted until June.'
        ($rows | Where-Object RuleId -eq 'NPMH7001').Status | Should -Be 'Suppressed'
        $last = $rows[-1]
        $last.Message | Should -Be 'Ünïcödé "quoted", and a second line'
        # a formula-looking field is defused with an apostrophe
        $last.Path | Should -Be "'=cmd|/c calc/.npmrc"
    }

    It 'writes JSON with enum names, not numbers' {
        $path = Join-Path $Work 'report.json'
        $Mixed | Export-NpmHardeningReport -Format Json -Path $path
        $raw = Get-Content -LiteralPath $path -Raw
        $raw | Should -Not -Match '"(Severity|Status|OriginalStatus)":\s*\d'
        $json = @($raw | ConvertFrom-Json)
        $json.Count | Should -Be $Mixed.Count
        $json[0].Severity | Should -Be 'High'
        $json[0].Status | Should -Be 'Fail'
        ($json | Where-Object RuleId -eq 'NPMH7001').Suppression.OriginalStatus | Should -Be 'Fail'
        ($json | Where-Object RuleId -eq 'NPMH7001').Suppression.Expires | Should -Be '2027-06-30'
    }
}

Describe 'Bad input and atomic writes' {
    BeforeEach {
        $script:Folder = Join-Path $Work ('bad-' + [guid]::NewGuid().ToString('n'))
        New-Item -ItemType Directory -Path $Folder | Out-Null
    }

    It 'stops on a report path in a missing folder, naming it, and creates nothing' {
        $missing = Join-Path $Folder 'no/such/report.sarif'
        { $Mixed | Export-NpmHardeningReport -Format Sarif -Path $missing } | Should -Throw -ErrorId 'ReportFolderNotFound,NpmHardening.Commands.ExportNpmHardeningReportCommand'
        try { $Mixed | Export-NpmHardeningReport -Format Sarif -Path $missing } catch { $caught = $_ }
        $caught.Exception.Message | Should -BeLike "*$missing*"
        $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-Path -LiteralPath (Join-Path $Folder 'no') | Should -BeFalse
    }

    It 'stops on a path that is a folder' {
        { $Mixed | Export-NpmHardeningReport -Format Csv -Path $Folder } | Should -Throw -ErrorId 'ReportPathIsFolder,NpmHardening.Commands.ExportNpmHardeningReportCommand'
    }

    It 'stops on a read-only file and leaves it as it was; -Force replaces it; -NoClobber keeps any file' {
        $file = Join-Path $Folder 'report.json'
        Set-Content -LiteralPath $file -Value 'old report'
        (Get-Item -LiteralPath $file).IsReadOnly = $true
        { $Mixed | Export-NpmHardeningReport -Format Json -Path $file } | Should -Throw -ErrorId 'ReportFileReadOnly,NpmHardening.Commands.ExportNpmHardeningReportCommand'
        (Get-Content -LiteralPath $file -Raw).Trim() | Should -Be 'old report'
        @(Get-ChildItem -LiteralPath $Folder -Force).Count | Should -Be 1

        $Mixed | Export-NpmHardeningReport -Format Json -Path $file -Force
        @(Get-Content -LiteralPath $file -Raw | ConvertFrom-Json).Count | Should -Be $Mixed.Count

        { $Mixed | Export-NpmHardeningReport -Format Json -Path $file -NoClobber } | Should -Throw -ErrorId 'ReportFileExists,NpmHardening.Commands.ExportNpmHardeningReportCommand'
    }

    It 'writes a non-terminating error naming a non-finding object, and reports the rest' {
        $file = Join-Path $Folder 'mixed.json'
        $input_ = @($Mixed[0], 'just text', (Get-Item -LiteralPath $Folder), [pscustomobject] @{ RuleId = 'NPMH1001'; Severity = 'High' }, $Mixed[1])
        $input_ | Export-NpmHardeningReport -Format Json -Path $file -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.Count | Should -Be 3
        $problems | ForEach-Object { $_.FullyQualifiedErrorId | Should -Be 'ReportInputNotFinding,NpmHardening.Commands.ExportNpmHardeningReportCommand' }
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidType'
        $problems[0].Exception.Message | Should -BeLike "*System.String*'just text'*"
        $problems[1].Exception.Message | Should -BeLike '*System.IO.DirectoryInfo*'
        $problems[0].TargetObject | Should -Be 'just text'
        @(Get-Content -LiteralPath $file -Raw | ConvertFrom-Json).Count | Should -Be 2
    }

    It 'leaves neither the target nor a temporary file when the pipeline fails half way' {
        $file = Join-Path $Folder 'half.sarif'
        Set-Content -LiteralPath $file -Value 'previous'
        {
            $Mixed | ForEach-Object -Begin { $n = 0 } -Process { if (++$n -eq 3) { throw 'the audit broke' }; $_ } |
                Export-NpmHardeningReport -Format Sarif -Path $file
        } | Should -Throw '*the audit broke*'
        (Get-Content -LiteralPath $file -Raw).Trim() | Should -Be 'previous'
        @(Get-ChildItem -LiteralPath $Folder -Force).Name | Should -Be @('half.sarif')
    }

    It 'writes nothing under -WhatIf, and returns the file with -PassThru' {
        $file = Join-Path $Folder 'whatif.html'
        $Mixed | Export-NpmHardeningReport -Format Html -Path $file -WhatIf
        Test-Path -LiteralPath $file | Should -BeFalse
        @(Get-ChildItem -LiteralPath $Folder -Force).Count | Should -Be 0
        $out = $Mixed | Export-NpmHardeningReport -Format Html -Path $file -PassThru
        $out | Should -BeOfType [System.IO.FileInfo]
        $out.FullName | Should -Be $file
    }
}
