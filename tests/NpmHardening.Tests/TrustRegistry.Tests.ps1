# Trusted publishers, package access and organisations (issue 13) against the loopback fake registry
# (StageRegistry.ps1), with the installed npm (11.19.1 when written) as the referee: for each endpoint npm runs against
# the same fake, and what npm sent (or printed) is compared with what our cmdlets send (or return). No network.
# The fake needs PowerShell 7; under Windows PowerShell 5.1 every block is skipped.

BeforeDiscovery {
    $script:NotCore = $PSVersionTable.PSVersion.Major -lt 7
    $script:HasScript = [bool] (Get-Command script -CommandType Application -ErrorAction SilentlyContinue) -and -not $IsWindows
}

BeforeAll {
    if ($PSVersionTable.PSVersion.Major -lt 7) { return }
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-trust-" + [guid]::NewGuid().ToString('n'))
    $script:R = Start-StageRegistry -Users @{ 'npmh-fake-token-alice' = 'alice'; 'npmh-fake-token-bypass' = 'alice' }
    $R.AddBypassTwoFactorToken('npmh-fake-token-bypass')
    $script:E = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm')
    $script:Tok = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force
    # every cmdlet call here: the fake, alice's token, no pause between trust calls
    $script:On = @{ Registry = $R.Url; Token = $Tok }
    $script:Trust = @{ Registry = $R.Url; Token = $Tok; PauseSeconds = 0 }

    function script:Npm([string[]] $Arguments, [switch] $Tty) {
        Invoke-StageNpm -Environment $E -Arguments $Arguments -WorkingDirectory $E.Directory -Tty:$Tty
    }
    function script:Writes { @($R.Requests | Where-Object { $_.Method -in 'POST', 'DELETE', 'PUT' }) }
    function script:New-Governed([string] $Name) { $R.AddGovernedPackage($Name); $Name }
    # the one JSON object npm trust list --json prints per configuration
    function script:NpmTrustList([string] $Package) {
        $x = Npm @('trust', 'list', $Package, '--json')
        $x.ExitCode | Should -Be 0 -Because $x.StdErr
        $x.StdOut | ConvertFrom-Json
    }
}

AfterAll {
    if ($R) { $R.Dispose() }
    if ($Root -and (Test-Path -LiteralPath $Root)) { Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Trusted publishers: npm and Set-/Get-/Remove-NpmTrustedPublisher send and read the same' -Skip:$NotCore {
    BeforeEach { $R.ClearRequests(); $R.ClearResponses(); $R.RequireOtpFor.Remove('trust') | Out-Null }

    It 'npm trust github … --allow-stage-publish and Set-NpmTrustedPublisher -GitHub post the same body, path and headers' -ForEach @(
        @{ Env = 'npm' }, @{ Env = $null }
    ) {
        $a = New-Governed "@acme/gh-npm-$([guid]::NewGuid().ToString('n').Substring(0,6))"
        $b = New-Governed "@acme/gh-ours-$([guid]::NewGuid().ToString('n').Substring(0,6))"
        $args = @('trust', 'github', $a, '--file', 'release.yml', '--repo', 'acme/widgets', '--allow-stage-publish', '--yes')
        if ($Env) { $args += @('--env', $Env) }
        $x = Npm $args
        $x.ExitCode | Should -Be 0 -Because $x.StdErr
        $set = @{ Package = $b; GitHub = $true; Repository = 'acme/widgets'; WorkflowFile = 'release.yml'; Confirm = $false }
        if ($Env) { $set.DeploymentEnvironment = $Env }
        Set-NpmTrustedPublisher @Trust @set
        $posts = @($R.Requests | Where-Object Method -eq 'POST')
        $posts.Count | Should -Be 2
        $posts[1].BodyText | Should -BeExactly $posts[0].BodyText
        $posts[0].BodyText | Should -Match '"permissions":\["createStagedPackage"\]'
        $posts[1].Path | Should -BeExactly $posts[0].Path.Replace(($a -replace '^@acme/', ''), ($b -replace '^@acme/', ''))
        foreach ($h in 'content-type', 'npm-command', 'npm-auth-type') { $posts[1].Header($h) | Should -BeExactly $posts[0].Header($h) -Because $h }
    }

    It 'npm trust gitlab and npm trust circleci bodies match ours too, and -AllowPublish adds createPackage first as npm does' {
        $a = New-Governed '@acme/gl-npm'; $b = New-Governed '@acme/gl-ours'
        (Npm @('trust', 'gitlab', $a, '--file', '.gitlab-ci.yml', '--project', 'acme/sub/widgets', '--allow-publish', '--allow-stage-publish', '--yes')).ExitCode | Should -Be 0
        Set-NpmTrustedPublisher @Trust -Package $b -GitLab -Repository 'acme/sub/widgets' -WorkflowFile '.gitlab-ci.yml' -AllowPublish -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -Not -BeNullOrEmpty
        $c = New-Governed '@acme/cc-npm'; $d = New-Governed '@acme/cc-ours'
        $ids = 1..4 | ForEach-Object { [guid]::NewGuid().ToString() }
        (Npm @('trust', 'circleci', $c, '--org-id', $ids[0], '--project-id', $ids[1], '--pipeline-definition-id', $ids[2], '--vcs-origin', 'github.com/acme/widgets', '--context-id', $ids[3], '--allow-stage-publish', '--yes')).ExitCode | Should -Be 0
        Set-NpmTrustedPublisher @Trust -Package $d -CircleCI -OrgId $ids[0] -ProjectId $ids[1] -PipelineDefinitionId $ids[2] -VcsOrigin 'github.com/acme/widgets' -ContextId $ids[3] -Confirm:$false
        $posts = @($R.Requests | Where-Object Method -eq 'POST')
        $posts.Count | Should -Be 4
        $posts[1].BodyText | Should -BeExactly $posts[0].BodyText
        $posts[0].BodyText | Should -Match '"permissions":\["createPackage","createStagedPackage"\]'
        $posts[3].BodyText | Should -BeExactly $posts[2].BodyText
    }

    It 'npm trust list --json and Get-NpmTrustedPublisher agree, for each provider and a legacy configuration' {
        $p = New-Governed '@acme/listed'
        (Npm @('trust', 'github', $p, '--file', 'ci.yaml', '--repo', 'acme/listed', '--env', 'prod', '--allow-publish', '--allow-stage-publish', '--yes')).ExitCode | Should -Be 0
        $npm = NpmTrustList $p
        $ours = Get-NpmTrustedPublisher @Trust -Package $p
        $ours.ConfigId | Should -BeExactly $npm.id
        $ours.Provider | Should -Be 'GitHub'
        $ours.Repository | Should -BeExactly $npm.repository
        $ours.WorkflowFile | Should -BeExactly $npm.file
        $ours.Environment | Should -BeExactly $npm.environment
        $ours.Permissions | Should -Be @($npm.permissions)
        $ours.AllowsDirectPublish | Should -BeTrue
        $ours.AllowsStagePublish | Should -BeTrue

        $legacy = New-Governed '@acme/legacy'
        $R.SeedTrust($legacy, '{"type":"gitlab","claims":{"project_path":"acme/legacy","ci_config_ref_uri":{"file":".gitlab-ci.yml"}}}') | Out-Null
        $npm = NpmTrustList $legacy
        $ours = Get-NpmTrustedPublisher @Trust -Package $legacy
        $ours.Repository | Should -BeExactly $npm.project
        $ours.WorkflowFile | Should -BeExactly $npm.file
        $npm.PSObject.Properties.Name | Should -Not -Contain 'permissions'
        $ours.Permissions | Should -BeNullOrEmpty
        $ours.AllowsDirectPublish | Should -BeTrue -Because 'a configuration without permissions publishes directly'
        $ours.AllowsStagePublish | Should -BeNullOrEmpty -Because 'whether it may stage is not known'
    }

    It 'an empty list is no object, as npm says "No trust configurations found"' {
        $p = New-Governed '@acme/none'
        @(Get-NpmTrustedPublisher @Trust -Package $p).Count | Should -Be 0
        (Npm @('trust', 'list', $p)).StdOut | Should -Match 'No trust configurations found'
    }

    It 'npm trust revoke and Remove-NpmTrustedPublisher send the same DELETE' {
        $a = New-Governed '@acme/rev-npm'; $b = New-Governed '@acme/rev-ours'
        $ida = $R.SeedTrust($a, '{"type":"github","claims":{"repository":"acme/x","workflow_ref":{"file":"r.yml"}},"permissions":["createPackage"]}')
        $idb = $R.SeedTrust($b, '{"type":"github","claims":{"repository":"acme/x","workflow_ref":{"file":"r.yml"}},"permissions":["createPackage"]}')
        (Npm @('trust', 'revoke', $a, '--id', $ida)).ExitCode | Should -Be 0
        Remove-NpmTrustedPublisher @Trust -Package $b -ConfigId $idb -Confirm:$false
        $deletes = @($R.Requests | Where-Object Method -eq 'DELETE')
        $deletes.Count | Should -Be 2
        $deletes[1].Path | Should -BeExactly $deletes[0].Path.Replace('rev-npm', 'rev-ours').Replace($ida, $idb)
        $deletes[1].BodyText | Should -BeExactly $deletes[0].BodyText
        $R.GetTrust($b) | Should -Be '[]'
    }

    It 'Remove-NpmTrustedPublisher -WhatIf deletes nothing; an unknown id is an error naming the package' {
        $p = New-Governed '@acme/keep'
        $id = $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/x","workflow_ref":{"file":"r.yml"}},"permissions":["createStagedPackage"]}')
        Remove-NpmTrustedPublisher @Trust -Package $p -WhatIf
        Remove-NpmTrustedPublisher @Trust -Package $p -ConfigId ([guid]::NewGuid().ToString()) -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TrustedPublisherNotFound,*'
        @(Writes).Count | Should -Be 0
        $R.GetTrust($p) | Should -Match $id
    }
}

Describe 'Set-NpmTrustedPublisher replaces as a delete plus a create' -Skip:$NotCore {
    BeforeEach { $R.ClearRequests(); $R.ClearResponses() }

    It 'an identical configuration is left alone' {
        $p = New-Governed '@acme/same'
        $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/same","workflow_ref":{"file":"release.yml"}},"permissions":["createStagedPackage"]}') | Out-Null
        Set-NpmTrustedPublisher @Trust -Package $p -GitHub -Repository acme/same -WorkflowFile release.yml -Confirm:$false
        @(Writes).Count | Should -Be 0
    }

    It '-WhatIf names both the delete and the create and sends neither' {
        $p = New-Governed '@acme/whatif'
        $id = $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/whatif","workflow_ref":{"file":"release.yml"}},"permissions":["createPackage"]}')
        # -WhatIf writes its lines to the host only; a transcript records them
        $log = Join-Path $Root 'whatif.txt'
        Start-Transcript -LiteralPath $log | Out-Null
        try { Set-NpmTrustedPublisher @Trust -Package $p -GitHub -Repository acme/whatif -WorkflowFile release.yml -WhatIf } finally { Stop-Transcript | Out-Null }
        $text = Get-Content -LiteralPath $log -Raw
        $text | Should -Match ([regex]::Escape("delete GitHub acme/whatif release.yml (publish) [$id]"))
        $text | Should -Match 'then create GitHub acme/whatif release\.yml \(stage publish\)'
        @(Writes).Count | Should -Be 0
    }

    It 'replacing deletes the old configuration, then creates the new one' {
        $p = New-Governed '@acme/replace'
        $id = $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/replace","workflow_ref":{"file":"release.yml"}},"permissions":["createPackage"]}')
        $new = Set-NpmTrustedPublisher @Trust -Package $p -GitHub -Repository acme/replace -WorkflowFile release.yml -DeploymentEnvironment npm -Confirm:$false -PassThru
        $writes = @(Writes)
        $writes.Method | Should -Be @('DELETE', 'POST')
        $writes[0].Path | Should -Match ([regex]::Escape($id))
        $new.ConfigId | Should -Not -Be $id
        $new.Permissions | Should -Be @('createStagedPackage')
        $new.Environment | Should -Be 'npm'
    }

    It 'when the create fails after the delete (409), the old configuration is created again and the error says so' {
        $p = New-Governed '@acme/rollback'
        $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/rollback","workflow_ref":{"file":"release.yml"},"environment":"prod"},"permissions":["createPackage","createStagedPackage"]}') | Out-Null
        $R.AddResponse('POST', '/-/package/@acme%2frollback/trust', 409, '{"message":"A trusted publisher configuration already exists"}', 'application/json', 1, @())
        Set-NpmTrustedPublisher @Trust -Package $p -GitHub -Repository acme/other -WorkflowFile release.yml -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        @($err.FullyQualifiedErrorId | ForEach-Object { ($_ -split ',')[0] }) | Should -Be @('NpmRegistryHttpStatus', 'TrustReplaceRolledBack')
        $err[0].Exception.Message | Should -Match '409'
        @(Writes).Method | Should -Be @('DELETE', 'POST', 'POST')
        $now = $R.GetTrust($p) | ConvertFrom-Json
        $now.claims.repository | Should -Be 'acme/rollback'
        $now.claims.environment | Should -Be 'prod'
        $now.permissions | Should -Be @('createPackage', 'createStagedPackage')
    }

    It 'Ctrl+C between the delete and the create does not leave the package without a publisher' {
        $p = New-Governed '@acme/stopped-replace'
        $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/old","workflow_ref":{"file":"release.yml"}},"permissions":["createPackage"]}') | Out-Null
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($module, $url, $package)
            Import-Module $module
            Set-NpmTrustedPublisher -Registry $url -Token (ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force) -Package $package -GitHub -Repository acme/new -WorkflowFile release.yml -PauseSeconds 2 -Confirm:$false
        }).AddArgument($env:NPMH_MODULE_PATH).AddArgument($R.Url).AddArgument($p)
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not @($R.Requests | Where-Object Method -eq 'DELETE') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        @($R.Requests | Where-Object Method -eq 'DELETE').Count | Should -Be 1
        $ps.Stop()   # during the pause before the create
        $async.IsCompleted | Should -BeTrue
        @(Writes).Method | Should -Be @('DELETE', 'POST')
        ($R.GetTrust($p) | ConvertFrom-Json).claims.repository | Should -Be 'acme/new'
        $ps.Dispose()
    }

    It 'npm itself gets 409 for a second configuration' {
        $p = New-Governed '@acme/second'
        $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/x","workflow_ref":{"file":"r.yml"}},"permissions":["createStagedPackage"]}') | Out-Null
        $x = Npm @('trust', 'github', $p, '--file', 'release.yml', '--repo', 'acme/x', '--allow-stage-publish', '--yes')
        $x.ExitCode | Should -Not -Be 0
        $x.StdErr | Should -Match 'E409|409'
    }

    It 'refuses what npm refuses before sending anything' -ForEach @(
        @{ Params = @{ GitHub = $true; Repository = 'acme'; WorkflowFile = 'r.yml' }; Id = 'TrustClaimInvalid' }
        @{ Params = @{ GitHub = $true; Repository = 'acme/x'; WorkflowFile = 'r.txt' }; Id = 'TrustClaimInvalid' }
        @{ Params = @{ GitHub = $true; Repository = 'acme/x'; WorkflowFile = 'sub/r.yml' }; Id = 'TrustClaimInvalid' }
        @{ Params = @{ GitHub = $true; GitLab = $true; Repository = 'acme/x'; WorkflowFile = 'r.yml' }; Id = 'TrustProviderAmbiguous' }
        @{ Params = @{ Repository = 'acme/x'; WorkflowFile = 'r.yml' }; Id = 'TrustProviderMissing' }
        @{ Params = @{ CircleCI = $true; OrgId = 'x'; ProjectId = 'y'; PipelineDefinitionId = 'z'; VcsOrigin = 'github.com/a/b' }; Id = 'TrustClaimInvalid' }
        @{ Params = @{ GitHub = $true; Repository = 'acme/x'; WorkflowFile = 'r.yml'; AllowStagePublish = $false }; Id = 'TrustNoPermission' }
    ) {
        $p = New-Governed '@acme/refused'
        Set-NpmTrustedPublisher @Trust -Package $p @Params -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err[0].Exception.Message | Should -Match ([regex]::Escape($p))
        @($R.Requests).Count | Should -Be 0
    }
}

Describe 'Second factor, refusals, rate limits and garbage on trust calls' -Skip:$NotCore {
    BeforeEach { $R.ClearRequests(); $R.ClearResponses(); $R.OtpChallenge = 'header'; $R.RequireOtpFor.Add('trust') | Out-Null }
    AfterEach { $R.RequireOtpFor.Remove('trust') | Out-Null }

    It 'with -Otp the code goes as npm-otp with auth-type legacy, as npm --otp sends it' {
        $a = New-Governed '@acme/otp-npm'; $b = New-Governed '@acme/otp-ours'
        # npm trust does not declare --otp, so only the --otp=<code> form reaches the config (a separate word is a positional)
        (Npm @('trust', 'github', $a, '--file', 'r.yml', '--repo', 'acme/x', '--allow-stage-publish', '--yes', "--otp=$($R.ValidOtp)")).ExitCode | Should -Be 0
        Set-NpmTrustedPublisher @Trust -Package $b -GitHub -Repository acme/x -WorkflowFile r.yml -Otp $R.ValidOtp -Confirm:$false
        $posts = @($R.Requests | Where-Object Method -eq 'POST')
        $posts.Count | Should -Be 2
        $posts[1].Otp | Should -Be $posts[0].Otp
        $posts[1].Header('npm-auth-type') | Should -Be $posts[0].Header('npm-auth-type')
        $posts[0].Header('npm-auth-type') | Should -Be 'legacy'
        $posts[1].BodyText | Should -BeExactly $posts[0].BodyText
    }

    It 'without -Otp in a non-interactive session the challenge is NpmOtpRequired and nothing changes' {
        $p = New-Governed '@acme/otp-missing'
        $x = Npm @('trust', 'list', $p)
        $x.StdErr | Should -Match 'EOTP|one-time'
        Get-NpmTrustedPublisher @Trust -Package $p -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmOtpRequired,*'
        $err[0].Exception.Message | Should -Not -Match $R.ValidOtp
    }

    It 'a wrong code is NpmOtpRejected' {
        $p = New-Governed '@acme/otp-wrong'
        Get-NpmTrustedPublisher @Trust -Package $p -Otp '000000' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmOtpRejected,*'
    }

    It 'the web second factor on a terminal: the URL is shown, done is polled and the code replayed (npm does the same)' -Skip:(-not $HasScript) {
        $R.OtpChallenge = 'web'; $R.WebPendingPolls = 1; $R.WebRetryAfterSeconds = 1
        $a = New-Governed '@acme/web-npm'; $b = New-Governed '@acme/web-ours'
        $x = Npm @('trust', 'github', $a, '--file', 'r.yml', '--repo', 'acme/x', '--allow-stage-publish', '--yes') -Tty
        $x.ExitCode | Should -Be 0 -Because $x.StdOut
        $npmPosts = @($R.Requests | Where-Object Method -eq 'POST')
        $R.ClearRequests()
        $module = $env:NPMH_MODULE_PATH
        $command = "Import-Module '$module'; Set-NpmTrustedPublisher -Registry '$($R.Url)' -Token (ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force) -PauseSeconds 0 -Package '$b' -GitHub -Repository acme/x -WorkflowFile r.yml -Confirm:`$false"
        $script = (Get-Command script -CommandType Application | Select-Object -First 1).Source
        # the pinned pwsh is a dotnet tool of the repository
        $inner = "cd '$env:NPMH_REPO_ROOT' && dotnet pwsh -NoProfile -Command `"$($command.Replace('"', '\"').Replace('$', '\$'))`""
        $out = & $script -qec $inner /dev/null 2>&1 | Out-String
        $ours = @($R.Requests | Where-Object Method -eq 'POST')
        $ours.Count | Should -Be 2 -Because $out
        $ours[0].Status | Should -Be 401
        $ours[1].Status | Should -Be 200
        $ours[1].Otp | Should -Match '^\d{16}$'
        $npmPosts[1].Otp | Should -Match '^\d{16}$'
        $out | Should -Match ([regex]::Escape($R.Url + '-/npmh/web/login/'))
        $ours[1].BodyText | Should -BeExactly $npmPosts[1].BodyText
    }

    It 'on a terminal a rejected -Otp is NpmOtpRejected, not a prompt (a script that passes -Otp never waits for a person)' -Skip:(-not $HasScript) {
        $p = New-Governed '@acme/typed-wrong'
        $command = "Import-Module '$env:NPMH_MODULE_PATH'; Get-NpmTrustedPublisher -Registry '$($R.Url)' -Token (ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force) -PauseSeconds 0 -Package '$p' -Otp 000000 2>&1 | ForEach-Object { 'RESULT=' + `$_.FullyQualifiedErrorId }"
        $inner = "cd '$env:NPMH_REPO_ROOT' && dotnet pwsh -NoProfile -Command `"$($command.Replace('"', '\"').Replace('$', '\$'))`""
        # the valid code waits on stdin: a prompt would read it and succeed
        $out = "$($R.ValidOtp)`n" | & (Get-Command script -CommandType Application | Select-Object -First 1).Source -qec $inner /dev/null 2>&1 | Out-String
        $out | Should -Not -Match 'Enter OTP'
        $out | Should -Match 'RESULT=NpmOtpRejected,'
        @($R.Requests).Status | Should -Be @(401) -Because $out
    }

    It 'on a terminal a typed code answers the challenge, and the next package gets the same code without asking' -Skip:(-not $HasScript) {
        $p = New-Governed '@acme/typed'
        $command = "Import-Module '$env:NPMH_MODULE_PATH'; Get-NpmTrustedPublisher -Registry '$($R.Url)' -Token (ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force) -PauseSeconds 0 -Package '$p', '$p'"
        $inner = "cd '$env:NPMH_REPO_ROOT' && dotnet pwsh -NoProfile -Command `"$($command.Replace('"', '\"').Replace('$', '\$'))`""
        $out = "$($R.ValidOtp)`n" | & (Get-Command script -CommandType Application | Select-Object -First 1).Source -qec $inner /dev/null 2>&1 | Out-String
        $out | Should -Match 'Enter OTP'
        @($R.Requests).Status | Should -Be @(401, 200, 200) -Because $out
        @($R.Requests)[1].Otp | Should -Be $R.ValidOtp
        @($R.Requests)[2].Otp | Should -Be $R.ValidOtp
    }

    It 'a token that bypasses 2FA gets 403 from trust, for npm and for us' {
        $R.RequireOtpFor.Remove('trust') | Out-Null
        $p = New-Governed '@acme/bypass'
        $bypassEnv = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm-bypass') -Token 'npmh-fake-token-bypass'
        $x = Invoke-StageNpm -Environment $bypassEnv -Arguments @('trust', 'list', $p)
        $x.StdErr | Should -Match 'E403|403'
        Get-NpmTrustedPublisher -Registry $R.Url -Token (ConvertTo-SecureString 'npmh-fake-token-bypass' -AsPlainText -Force) -Package $p -PauseSeconds 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryUnauthorized,*'
        $err[0].Exception.Message | Should -Match '403'
        $err[0].Exception.Message | Should -Match 'bypass 2FA'
        $err[0].Exception.Message | Should -Not -Match 'npmh-fake-token-bypass'
    }

    It '429 with Retry-After is waited out on a read' {
        $R.RequireOtpFor.Remove('trust') | Out-Null
        $p = New-Governed '@acme/throttled'
        $R.ThrottleNext(1, 1)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        @(Get-NpmTrustedPublisher @Trust -Package $p -ErrorAction Stop).Count | Should -Be 0
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        @($R.Requests).Status | Should -Be @(429, 200)
    }

    It 'a 429 on the create is not repeated: the old configuration comes back and the error names the wait' {
        $R.RequireOtpFor.Remove('trust') | Out-Null
        $p = New-Governed '@acme/throttled-post'
        $R.SeedTrust($p, '{"type":"github","claims":{"repository":"acme/t","workflow_ref":{"file":"r.yml"}},"permissions":["createPackage"]}') | Out-Null
        $R.AddResponse('POST', '/-/package/@acme%2fthrottled-post/trust', 429, '{"message":"slow down"}', 'application/json', 1, @('Retry-After: 1'))
        Set-NpmTrustedPublisher @Trust -Package $p -GitHub -Repository acme/t -WorkflowFile r.yml -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        ($err[0].FullyQualifiedErrorId -split ',')[0] | Should -Be 'NpmRegistryRateLimited'
        ($err[1].FullyQualifiedErrorId -split ',')[0] | Should -Be 'TrustReplaceRolledBack'
        ($R.GetTrust($p) | ConvertFrom-Json).permissions | Should -Be @('createPackage')
    }

    It 'garbage is an error naming the endpoint, and the pipeline goes on to the next package' -ForEach @(
        @{ Body = '{"items":['; Status = 200 }, @{ Body = '"text"'; Status = 200 }, @{ Body = '[1,2]'; Status = 200 }, @{ Body = '<html>oops</html>'; Status = 500 }
    ) {
        $R.RequireOtpFor.Remove('trust') | Out-Null
        $bad = New-Governed '@acme/garbage'; $good = New-Governed "@acme/fine-$([guid]::NewGuid().ToString('n').Substring(0,6))"
        $R.SeedTrust($good, '{"type":"github","claims":{"repository":"acme/fine","workflow_ref":{"file":"r.yml"}},"permissions":["createStagedPackage"]}') | Out-Null
        $R.AddResponse('GET', '/-/package/@acme%2fgarbage/trust', $Status, $Body, 'application/json', -1, @())
        $out = @(Get-NpmTrustedPublisher @Trust -Package $bad, $good -ErrorVariable err -ErrorAction SilentlyContinue)
        $out.Package | Should -Be @($good)
        $err.Count | Should -Be 1
        $err[0].Exception.Message | Should -Match 'garbage'
    }

    It 'Ctrl+C (a stopped pipeline) ends the pause at once and reads no further package' {
        $R.RequireOtpFor.Remove('trust') | Out-Null
        $names = 1..3 | ForEach-Object { New-Governed "@acme/stop-$_" }
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
            param($module, $url, $names)
            Import-Module $module
            Get-NpmTrustedPublisher -Registry $url -Token (ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force) -Package $names -PauseSeconds 30
        }).AddArgument($env:NPMH_MODULE_PATH).AddArgument($R.Url).AddArgument($names)
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (@($R.Requests).Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        @($R.Requests).Count | Should -Be 1
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        $async.IsCompleted | Should -BeTrue
        Start-Sleep -Milliseconds 300
        @($R.Requests).Path | Should -Be @('/-/package/@acme%2fstop-1/trust')
        $ps.Dispose()
    }

    It 'pauses between trust calls as npm advises (-PauseSeconds), not before the first' {
        $R.RequireOtpFor.Remove('trust') | Out-Null
        $a = New-Governed '@acme/pace-a'; $b = New-Governed '@acme/pace-b'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Get-NpmTrustedPublisher -Registry $R.Url -Token $Tok -Package $a, $b -PauseSeconds 1 | Out-Null
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.95
        $times = @($R.Requests).Time
        ($times[1] - $times[0]).TotalSeconds | Should -BeGreaterOrEqual 0.95
    }
}

Describe 'Package access: npm access and Set-/Get-NpmPackageAccess, Get-NpmPackageCollaborator' -Skip:$NotCore {
    BeforeEach { $R.ClearRequests(); $R.ClearResponses() }

    It 'npm access set mfa=<level> and Set-NpmPackageAccess <switches> send the same body' -ForEach @(
        @{ Level = 'publish'; Params = @{ RequireTwoFactor = $true; DisallowTokens = $true }; Policy = 'RequireTwoFactorDisallowTokens' }
        @{ Level = 'automation'; Params = @{ RequireTwoFactor = $true }; Policy = 'RequireTwoFactor' }
        @{ Level = 'none'; Params = @{ RequireTwoFactor = $false }; Policy = 'None' }
    ) {
        $a = New-Governed "@acme/mfa-npm-$Level"; $b = New-Governed "@acme/mfa-ours-$Level"
        (Npm @('access', 'set', "mfa=$Level", $a)).ExitCode | Should -Be 0
        $set = Set-NpmPackageAccess @On -Package $b @Params -Confirm:$false -PassThru
        $posts = @($R.Requests | Where-Object Method -eq 'POST')
        $posts.Count | Should -Be 2
        $posts[1].BodyText | Should -BeExactly $posts[0].BodyText
        $posts[1].Path | Should -BeExactly $posts[0].Path.Replace('mfa-npm', 'mfa-ours')
        $set.TwoFactorPolicy | Should -Be $Policy
        $set.TwoFactorPolicySource | Should -Be 'SetByThisCommand'
    }

    It 'npm access set status=private and -Visibility Restricted send the same body; both read back as restricted' {
        $a = New-Governed '@acme/vis-npm'; $b = New-Governed '@acme/vis-ours'
        (Npm @('access', 'set', 'status=private', $a)).ExitCode | Should -Be 0
        Set-NpmPackageAccess @On -Package $b -Visibility Restricted -Confirm:$false
        $posts = @($R.Requests | Where-Object Method -eq 'POST')
        $posts[1].BodyText | Should -BeExactly $posts[0].BodyText
        $R.GetPublic($b) | Should -BeFalse
        ((Npm @('access', 'get', 'status', $b, '--json')).StdOut | ConvertFrom-Json).$b | Should -Be 'private'
        (Get-NpmPackageAccess @On -Package $b).Visibility | Should -Be 'Restricted'
    }

    It 'Get-NpmPackageAccess agrees with npm access get status and list collaborators, and says the 2FA policy is Unknown' {
        $p = New-Governed '@acme/access'
        $R.SetCollaborators($p, @{ alice = 'write'; bob = 'read'; carol = 'write' })
        $status = (Npm @('access', 'get', 'status', $p, '--json')).StdOut | ConvertFrom-Json
        $collab = (Npm @('access', 'list', 'collaborators', $p, '--json')).StdOut | ConvertFrom-Json
        $ours = Get-NpmPackageAccess @On -Package $p
        $ours.Visibility | Should -Be ($status.$p -eq 'public' ? 'Public' : 'Restricted')
        $ours.TwoFactorPolicy | Should -Be 'Unknown'
        $ours.TwoFactorPolicySource | Should -Be 'NotReadable'
        foreach ($c in $ours.Collaborators) { $c.Permission | Should -BeExactly $collab.($c.User) }
        @($ours.Collaborators).Count | Should -Be @($collab.PSObject.Properties).Count
        $ours.Publishers | Should -Be @('alice', 'carol')
        (Get-NpmPackageCollaborator @On -Package $p | Where-Object CanPublish).User | Should -Be @('alice', 'carol')
    }

    It 'visibility refuses an unscoped package before sending, as npm does' {
        $p = New-Governed 'plain-unscoped'
        Set-NpmPackageAccess @On -Package $p -Visibility Public -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AccessVisibilityUnscoped,*'
        (Npm @('access', 'set', 'status=public', $p)).ExitCode | Should -Not -Be 0
        @(Writes).Count | Should -Be 0
    }

    It 'with an OTP required, -Otp answers it as npm --otp does' {
        $R.RequireOtpFor.Add('access') | Out-Null
        try {
            $a = New-Governed '@acme/acc-otp-npm'; $b = New-Governed '@acme/acc-otp-ours'
            (Npm @('access', 'set', 'mfa=publish', $a, '--otp', $R.ValidOtp)).ExitCode | Should -Be 0
            Set-NpmPackageAccess @On -Package $b -RequireTwoFactor -DisallowTokens -Otp $R.ValidOtp -Confirm:$false
            $posts = @($R.Requests | Where-Object Method -eq 'POST')
            $posts.Otp | Should -Be @($R.ValidOtp, $R.ValidOtp)
            $posts[1].Header('npm-auth-type') | Should -Be $posts[0].Header('npm-auth-type')
            Set-NpmPackageAccess @On -Package $b -RequireTwoFactor -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmOtpRequired,*'
        } finally { $R.RequireOtpFor.Remove('access') | Out-Null }
    }

    It 'refuses -DisallowTokens without -RequireTwoFactor, and a call that sets nothing' {
        { Set-NpmPackageAccess @On -Package '@acme/x' -DisallowTokens -Confirm:$false } | Should -Throw -ErrorId 'AccessDisallowTokensWithoutTwoFactor,*'
        { Set-NpmPackageAccess @On -Package '@acme/x' -Confirm:$false } | Should -Throw -ErrorId 'AccessNothingToSet,*'
    }
}

Describe 'Organisations: npm org ls / npm access list packages and Get-NpmOrgMember / Get-NpmOrgPackage' -Skip:$NotCore {
    BeforeAll {
        $R.SetOrgMembers('acme', @{ alice = 'owner'; bob = 'developer'; carol = 'admin' })
        $R.SetOrgPackages('acme', @{ '@acme/one' = 'write'; '@acme/two' = 'read'; '@acme/three' = 'write' })
        $R.SetUserPackages('dave', @{ 'dave-tool' = 'write' })
        foreach ($p in '@acme/one', '@acme/two', '@acme/three') { $R.AddGovernedPackage($p) }
    }
    BeforeEach { $R.ClearRequests(); $R.ClearResponses() }

    It 'npm org ls --json and Get-NpmOrgMember agree' {
        $npm = (Npm @('org', 'ls', 'acme', '--json')).StdOut | ConvertFrom-Json
        $ours = @(Get-NpmOrgMember @On -Org acme)
        $ours.Count | Should -Be @($npm.PSObject.Properties).Count
        foreach ($m in $ours) { $m.Role | Should -BeExactly $npm.($m.User) }
        $R.Requests[1].Path | Should -BeExactly $R.Requests[0].Path
        (Get-NpmOrgMember @On -Org '@acme' -User c*).User | Should -Be 'carol'
    }

    It 'npm access list packages --json and Get-NpmOrgPackage agree, including npm''s fallback to a user' {
        foreach ($scope in 'acme', 'dave') {
            $R.ClearRequests()
            $npm = (Npm @('access', 'list', 'packages', $scope, '--json')).StdOut | ConvertFrom-Json
            $npmPaths = @($R.Requests.Path)
            $R.ClearRequests()
            $ours = @(Get-NpmOrgPackage @On -Org $scope)
            @($R.Requests.Path) | Should -Be $npmPaths
            $ours.Count | Should -Be @($npm.PSObject.Properties).Count
            foreach ($p in $ours) { $p.Permission | Should -BeExactly $npm.($p.Package) }
        }
        (Get-NpmOrgPackage @On -Org dave).FromUserScope | Should -BeTrue
    }

    It 'an unknown org is an error and the next one is still read' {
        $out = @(Get-NpmOrgMember @On -Org nosuchorg, acme -ErrorVariable err -ErrorAction SilentlyContinue)
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryNotFound,*'
        $out.Count | Should -Be 3
    }

    It 'garbage from the org endpoint is NpmRegistryInvalidResponse' {
        $R.AddResponse('GET', '/-/org/acme/user', 200, '{"alice":{"role":"owner"}}', 'application/json', 1, @())
        Get-NpmOrgMember @On -Org acme -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryInvalidResponse,*'
    }
}

Describe 'The pipelines of the issue' -Skip:$NotCore {
    BeforeAll {
        $R.SetOrgPackages('pipe', @{ '@pipe/direct' = 'write'; '@pipe/staged' = 'write'; '@pipe/legacy' = 'write' })
        foreach ($p in '@pipe/direct', '@pipe/staged', '@pipe/legacy') { $R.AddGovernedPackage($p) }
        $R.SeedTrust('@pipe/direct', '{"type":"github","claims":{"repository":"pipe/direct","workflow_ref":{"file":"release.yml"},"environment":"npm"},"permissions":["createPackage","createStagedPackage"]}') | Out-Null
        $R.SeedTrust('@pipe/staged', '{"type":"github","claims":{"repository":"pipe/staged","workflow_ref":{"file":"release.yml"},"environment":"npm"},"permissions":["createStagedPackage"]}') | Out-Null
        $R.SeedTrust('@pipe/legacy', '{"type":"gitlab","claims":{"project_path":"pipe/legacy","ci_config_ref_uri":{"file":".gitlab-ci.yml"}}}') | Out-Null
    }
    BeforeEach { $R.ClearRequests(); $R.ClearResponses() }

    It '-Audit finds direct publish (NPMH13001) and the legacy configuration (NPMH13002), from the catalog' {
        $findings = @(Get-NpmOrgPackage @On -Org pipe | Get-NpmTrustedPublisher -Token $Tok -Audit -PauseSeconds 0)
        $fail = @($findings | Where-Object Status -eq 'Fail')
        @($fail | Where-Object RuleId -eq 'NPMH13001').Package | Sort-Object | Should -Be @('@pipe/direct', '@pipe/legacy')
        @($fail | Where-Object RuleId -eq 'NPMH13002').Package | Should -Be @('@pipe/legacy')
        @($fail | Where-Object RuleId -eq 'NPMH13003').Count | Should -Be 0
        $rule = Get-NpmRule -RuleId NPMH13001
        ($fail | Where-Object RuleId -eq 'NPMH13001')[0].Severity | Should -Be $rule.Severity
        (Get-NpmRule -RuleId NPMH13002).Severity | Should -Be 'Medium'
        $rule.Severity | Should -Be 'High'
    }

    It 'Get-NpmOrgPackage | Get-NpmTrustedPublisher -Audit | Where-Object RuleId -eq NPMH13001 | Set-NpmTrustedPublisher -AllowStagePublish -WhatIf changes nothing' {
        $log = Join-Path $Root 'pipe-whatif.txt'
        Start-Transcript -LiteralPath $log | Out-Null
        try {
            Get-NpmOrgPackage @On -Org pipe | Get-NpmTrustedPublisher -Token $Tok -Audit -PauseSeconds 0 |
                Where-Object { $_.RuleId -eq 'NPMH13001' -and $_.Status -eq 'Fail' } | Set-NpmTrustedPublisher -Token $Tok -AllowStagePublish -PauseSeconds 0 -WhatIf
        } finally { Stop-Transcript | Out-Null }
        @(Writes).Count | Should -Be 0
        $text = Get-Content -LiteralPath $log -Raw
        $text | Should -Match 'pipe/direct release\.yml \(environment npm\) \(stage publish\)'
        $text | Should -Match 'GitLab pipe/legacy \.gitlab-ci\.yml \(stage publish\)'
    }

    It 'the same pipeline without -WhatIf makes them stage-only and keeps their environment' {
        Get-NpmOrgPackage @On -Org pipe | Get-NpmTrustedPublisher -Token $Tok -Audit -PauseSeconds 0 |
            Where-Object { $_.RuleId -eq 'NPMH13001' -and $_.Status -eq 'Fail' } | Set-NpmTrustedPublisher -Token $Tok -AllowStagePublish -PauseSeconds 0 -Confirm:$false
        $after = @(Get-NpmOrgPackage @On -Org pipe | Get-NpmTrustedPublisher -Token $Tok -PauseSeconds 0)
        $after.AllowsDirectPublish | Should -Not -Contain $true
        ($after | Where-Object Package -eq '@pipe/direct').Environment | Should -Be 'npm'
        ($after | Where-Object Package -eq '@pipe/legacy').Permissions | Should -Be @('createStagedPackage')
    }

    It 'Get-NpmOrgPackage | Set-NpmPackageAccess -RequireTwoFactor -DisallowTokens -WhatIf changes nothing; without -WhatIf sets every package' {
        # the downstream cmdlets take the registry from the piped objects; the credential, as in real use, from npm's
        # configuration (here the userconfig npm itself uses against the fake)
        $npmEnv = @{ npm_config_userconfig = $E.UserConfig; npm_config_globalconfig = $E.GlobalConfig; HOME = $E.Directory }
        Get-NpmOrgPackage @On -Org pipe | Set-NpmPackageAccess -Environment $npmEnv -RequireTwoFactor -DisallowTokens -WhatIf
        @(Writes).Count | Should -Be 0
        Get-NpmOrgPackage @On -Org pipe | Set-NpmPackageAccess -Environment $npmEnv -RequireTwoFactor -DisallowTokens -Confirm:$false
        foreach ($p in '@pipe/direct', '@pipe/staged', '@pipe/legacy') { $R.GetAccessPolicy($p) | Should -Be '{"publish_requires_tfa":true,"automation_token_overrides_tfa":false}' }
    }

    It '-RepositoryPath: a missing workflow file (NPMH13004), a workflow that also publishes with a token (NPMH13005), a GitHub trust without environment (NPMH13003)' {
        $p = New-Governed '@pipe/repo'
        $R.SeedTrust($p, '{"type":"github","claims":{"repository":"pipe/repo","workflow_ref":{"file":"release.yml"}},"permissions":["createStagedPackage"]}') | Out-Null
        $clone = Join-Path $Root 'clone'
        New-Item -ItemType Directory -Force -Path (Join-Path $clone '.github/workflows') | Out-Null
        $f = @(Get-NpmTrustedPublisher @Trust -Package $p -Audit -RepositoryPath $clone)
        ($f | Where-Object RuleId -eq 'NPMH13004').Status | Should -Be 'Fail'
        ($f | Where-Object RuleId -eq 'NPMH13003').Status | Should -Be 'Fail'
        @($f | Where-Object RuleId -eq 'NPMH13005').Count | Should -Be 0
        Set-Content -LiteralPath (Join-Path $clone '.github/workflows/release.yml') -Value @'
on:
  push:
    tags: ['v*']
permissions:
  id-token: write
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          registry-url: https://registry.npmjs.org
      - run: npm stage publish
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
'@
        $f = @(Get-NpmTrustedPublisher @Trust -Package $p -Audit -RepositoryPath $clone)
        ($f | Where-Object RuleId -eq 'NPMH13004').Status | Should -Be 'Pass'
        $token = $f | Where-Object RuleId -eq 'NPMH13005'
        $token.Status | Should -Be 'Fail'
        $token.Message | Should -Match 'NPM_TOKEN'
        $token.Location.Path | Should -Be (Join-Path $clone '.github/workflows/release.yml')
        # the pipeline audit sees the same step: a token next to id-token: write is Both, still a long-lived token
        (Get-NpmPublishPipeline -Path $clone).Auth | Should -Be 'Both'
    }

    It 'a package without a trusted publisher: NPMH13006 fails when a recent version was published with a token, passes when all came through OIDC or staging' {
        $tokenPkg = New-Governed 'npmh-token-released'
        $R.SeedPublished([NpmhStageRegistry]::BuildTarball('{"name":"npmh-token-released","version":"1.0.0"}', @{ 'index.js' = '1' }), 'latest', 'alice') | Out-Null
        $oidcPkg = New-Governed 'npmh-oidc-released'
        $v = $R.SeedPublished([NpmhStageRegistry]::BuildTarball('{"name":"npmh-oidc-released","version":"1.0.0"}', @{ 'index.js' = '1' }), 'latest', 'GitHub Actions')
        $v['_npmUser']['trustedPublisher'] = [System.Text.Json.Nodes.JsonNode]::Parse('{"id":"github","oidcConfigId":"oidc:1"}')
        $v = $R.SeedPublished([NpmhStageRegistry]::BuildTarball('{"name":"npmh-oidc-released","version":"1.1.0"}', @{ 'index.js' = '2' }), 'latest', 'GitHub Actions')
        $v['_npmUser']['approver'] = [System.Text.Json.Nodes.JsonNode]::Parse('{"name":"alice"}')
        $f = @(Get-NpmTrustedPublisher @Trust -Package $tokenPkg, $oidcPkg -Audit)
        $f.RuleId | Should -Be @('NPMH13006', 'NPMH13006')
        $f[0].Status | Should -Be 'Fail'
        $f[0].Severity | Should -Be 'Medium'
        $f[0].Message | Should -Match '1\.0\.0 by alice'
        $f[1].Status | Should -Be 'Pass'
        # the packument was asked for the full document (the corgi form has no _npmUser)
        @($R.Requests | Where-Object Path -eq '/npmh-token-released').Header('accept') | Should -Be 'application/json'
    }

    It 'objects and findings keep their view and type through Export-Clixml' {
        $path = Join-Path $Root 'trust.xml'
        @(Get-NpmTrustedPublisher @Trust -Package '@pipe/staged') + @(Get-NpmOrgMember @On -Org acme) + @(Get-NpmPackageAccess @On -Package '@pipe/staged') +
            @(Get-NpmTrustedPublisher @Trust -Package '@pipe/staged' -Audit) + @(Get-NpmOrgPackage @On -Org pipe) + @(Get-NpmPackageCollaborator @On -Package '@pipe/staged') | Export-Clixml -LiteralPath $path
        $back = Import-Clixml -LiteralPath $path
        foreach ($o in $back) {
            $live = $o.pstypenames[0] -replace '^Deserialized\.', ''
            $o.pstypenames[0] | Should -BeLike 'NpmHardening.*' -Because "$live rehydrates"
        }
        ($back | Out-String -Width 200) | Should -Match '@pipe/staged'
    }
}
