# The fake staged-publishing registry (StageRegistry.ps1) is only worth testing our cmdlets against if npm's own client
# accepts it: every test here runs the installed npm (11.19.1 when written) against the fake on 127.0.0.1, with an
# isolated userconfig/globalconfig/cache, and checks both what npm reports and what npm sent. No network.
# The fake needs PowerShell 7 (System.Text.Json.Nodes); under Windows PowerShell 5.1 (build.ps1 -WindowsPowerShell)
# every block is skipped.

BeforeDiscovery {
    $script:NotCore = $PSVersionTable.PSVersion.Major -lt 7
    # npm only follows a web second factor on a terminal; script(1) gives it one
    $script:HasScript = [bool] (Get-Command script -CommandType Application -ErrorAction SilentlyContinue) -and -not $IsWindows
}

BeforeAll {
    if ($PSVersionTable.PSVersion.Major -lt 7) { return }
    . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-stage-" + [guid]::NewGuid().ToString('n'))
    $script:R = Start-StageRegistry -Users @{ 'npmh-fake-token-alice' = 'alice'; 'npmh-fake-token-bob' = 'bob' }
    $script:E = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm')

    function script:Npm([string[]] $Arguments, [string] $In, [switch] $Tty, [pscustomobject] $Environment = $E) {
        Invoke-StageNpm -Environment $Environment -Arguments $Arguments -WorkingDirectory $In -Tty:$Tty
    }
    function script:New-Package([string] $Name, [string] $Version, [hashtable] $Files = @{}) {
        New-StageFixturePackage -Path (Join-Path $Root ("pkg-" + [guid]::NewGuid().ToString('n'))) -Name $Name -Version $Version -Files $Files
    }
    function script:Query([NpmhStageRequest] $Request) {
        $pairs = @{}
        foreach ($pair in $Request.Query -split '&' | Where-Object { $_ }) {
            $key, $value = $pair -split '=', 2
            $pairs[[Uri]::UnescapeDataString($key)] = [Uri]::UnescapeDataString("$value")
        }
        $pairs
    }
    function script:Sha1File([string] $Path) { [NpmhStageRegistry]::Sha1Hex([IO.File]::ReadAllBytes($Path)) }
    # stage a fresh package with npm and return the item the fake stored
    function script:Stage([string] $Name, [string] $Version, [string[]] $Extra = @(), [hashtable] $Files = @{}) {
        $result = Npm (@('stage', 'publish') + $Extra) -In (New-Package $Name $Version $Files)
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $R.StagedItems | Where-Object { $_.PackageName -eq $Name -and $_.Version -eq $Version }
    }
}

AfterAll {
    if ($R) { $R.Dispose() }
    if ($Root) { Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'npm stage publish, list, view and download against the fake' -Skip:$NotCore {
    BeforeAll { $R.ClearRequests() }

    It 'stores what npm stage publish POSTs: one item whose shasum is the sha1 of the tarball npm packed' {
        $result = Npm @('stage', 'publish') -In (New-Package 'npmh-fx-a' '1.0.0')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $item = @($R.StagedItems | Where-Object PackageName -eq 'npmh-fx-a')
        $item.Count | Should -Be 1
        $result.StdOut | Should -Match ([regex]::Escape("+ npmh-fx-a@1.0.0 (staged with id $($item[0].Id))"))
        $result.StdErr | Should -Match "shasum: $($item[0].Shasum)"
        $item[0].Version | Should -Be '1.0.0'
        $item[0].Tag | Should -Be 'latest'
        $item[0].Actor | Should -Be 'alice'
        $item[0].ActorType | Should -Be 'user'

        $post = @($R.Requests | Where-Object Method -eq 'POST')
        $post.Count | Should -Be 1
        $post[0].Target | Should -Be '/-/stage/package/npmh-fx-a'
        $post[0].Authorization | Should -Be 'Bearer npmh-fake-token-alice'
        $post[0].Otp | Should -BeNullOrEmpty
        $body = $post[0].BodyText | ConvertFrom-Json -AsHashtable
        $body.versions.Keys | Should -Be @('1.0.0')
        $body.'dist-tags'.latest | Should -Be '1.0.0'
        $sent = [Convert]::FromBase64String($body._attachments['npmh-fx-a-1.0.0.tgz'].data)
        [NpmhStageRegistry]::Sha1Hex($sent) | Should -Be $item[0].Shasum
        $body.versions['1.0.0'].dist.shasum | Should -Be $item[0].Shasum
    }

    It 'escapes a scoped name as npm does and keeps the tag and restricted access' {
        $R.ClearRequests()
        $item = Stage '@npmh/fx-b' '2.0.0' @('--access', 'restricted', '--tag', 'next')
        ($R.Requests | Where-Object Method -eq 'POST').Target | Should -Be '/-/stage/package/@npmh%2ffx-b'
        $item.Tag | Should -Be 'next'
        $item.Access | Should -Be 'private'
    }

    It 'refuses to stage a version that is already staged, and npm reports E409' {
        $result = Npm @('stage', 'publish') -In (New-Package 'npmh-fx-a' '1.0.0')
        $result.ExitCode | Should -Not -Be 0
        $result.StdErr | Should -Match 'code E409'
        @($R.StagedItems | Where-Object PackageName -eq 'npmh-fx-a').Count | Should -Be 1
    }

    It 'npm stage list --json returns every item newest first with the fields npm prints' {
        $R.ClearRequests()
        $result = Npm @('stage', 'list', '--json')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $items = @($result.StdOut | ConvertFrom-Json)
        $items.Count | Should -Be 2
        $items[0].packageName | Should -Be '@npmh/fx-b'
        $items[1].packageName | Should -Be 'npmh-fx-a'
        $items[0].PSObject.Properties.Name | Should -Be @('id', 'packageName', 'version', 'tag', 'createdAt', 'actor', 'actorType', 'access', 'shasum')
        $items[1].shasum | Should -Be ($R.StagedItems | Where-Object PackageName -eq 'npmh-fx-a').Shasum

        $get = @($R.Requests)
        $get.Count | Should -Be 1
        $get[0].Method | Should -Be 'GET'
        $get[0].Path | Should -Be '/-/stage'
        (Query $get[0])['page'] | Should -Be '0'
        (Query $get[0])['perPage'] | Should -Be '100'
        $get[0].Authorization | Should -Be 'Bearer npmh-fake-token-alice'
    }

    It 'npm stage list prints the item as key: value lines' {
        $result = Npm @('stage', 'list')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $result.StdOut | Should -Match 'package name: npmh-fx-a'
        $result.StdOut | Should -Match 'staged by: alice \(user\)'
        $result.StdOut | Should -Match 'access: private'
    }

    It 'npm stage list <package> sends the package filter and gets only that package' {
        $R.ClearRequests()
        $result = Npm @('stage', 'list', '@npmh/fx-b', '--json')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        @($result.StdOut | ConvertFrom-Json).packageName | Should -Be @('@npmh/fx-b')
        (Query @($R.Requests)[0])['package'] | Should -Be '@npmh/fx-b'
    }

    It 'npm stage view <id> --json returns the item' {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-fx-a'
        $R.ClearRequests()
        $result = Npm @('stage', 'view', $item.Id, '--json')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $view = $result.StdOut | ConvertFrom-Json -DateKind String
        $view.id | Should -Be $item.Id
        $view.shasum | Should -Be $item.Shasum
        $view.createdAt | Should -Be $item.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
        @($R.Requests).Target | Should -Be "/-/stage/$($item.Id)"
    }

    It 'npm stage download <id> writes the staged tarball, whose sha1 is the item shasum' {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-fx-a'
        $dir = New-Item -ItemType Directory -Path (Join-Path $Root ('dl-' + [guid]::NewGuid().ToString('n')))
        $R.ClearRequests()
        $result = Npm @('stage', 'download', $item.Id) -In $dir.FullName
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $file = Join-Path $dir.FullName "npmh-fx-a-1.0.0-$($item.Id).tgz"
        $file | Should -Exist
        Sha1File $file | Should -Be $item.Shasum
        @($R.Requests).Target | Should -Be "/-/stage/$($item.Id)/tarball"
    }
}

Describe 'npm stage approve and reject against the fake' -Skip:$NotCore {
    BeforeEach { $R.OtpChallenge = 'header'; $R.ValidOtp = '123456' }

    It 'fails with npm''s EOTP when no OTP is given, and the item stays staged' {
        $item = Stage 'npmh-fx-otp' '1.0.0'
        $result = Npm @('stage', 'approve', $item.Id)
        $result.ExitCode | Should -Not -Be 0
        $result.StdErr | Should -Match 'code EOTP'
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It 'fails with EOTP for a wrong OTP' {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-fx-otp'
        $R.ClearRequests()
        $result = Npm @('stage', 'approve', $item.Id, '--otp', '654321')
        $result.StdErr | Should -Match 'code EOTP'
        @($R.Requests)[0].Otp | Should -Be '654321'
        @($R.Requests)[0].Status | Should -Be 401
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It 'recognises the body-only "one-time pass" challenge as EOTP and www-authenticate: ipaddress as EAUTHIP' {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-fx-otp'
        $R.OtpChallenge = 'body'
        (Npm @('stage', 'reject', $item.Id)).StdErr | Should -Match 'code EOTP'
        $R.OtpChallenge = 'ipaddress'
        (Npm @('stage', 'reject', $item.Id)).StdErr | Should -Match 'code EAUTHIP'
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It 'approves with --otp: POST /-/stage/<id>/approve with npm-otp and no body; npm view then shows the version' {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-fx-otp'
        $R.ClearRequests()
        $result = Npm @('stage', 'approve', $item.Id, '--otp', '123456')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $result.StdOut | Should -Match "Staged package $($item.Id) approved and published successfully."
        $sent = @($R.Requests)
        $sent.Count | Should -Be 1
        $sent[0].Method | Should -Be 'POST'
        $sent[0].Target | Should -Be "/-/stage/$($item.Id)/approve"
        $sent[0].Otp | Should -Be '123456'
        $sent[0].Body.Length | Should -Be 0
        $R.StagedItems.Id | Should -Not -Contain $item.Id

        $view = Npm @('view', 'npmh-fx-otp', '--json')
        $view.ExitCode | Should -Be 0 -Because $view.StdErr
        $json = $view.StdOut | ConvertFrom-Json
        $json.version | Should -Be '1.0.0'
        $json.'dist-tags'.latest | Should -Be '1.0.0'
        $json.dist.shasum | Should -Be $item.Shasum
        $json.dist.tarball | Should -Be "$($R.Url)npmh-fx-otp/-/npmh-fx-otp-1.0.0.tgz"
        $json._npmUser.name | Should -Be 'alice'
        $json._npmUser.approver.name | Should -Be 'alice'
    }

    It 'publishes an approved scoped version under its staged tag; npm pack fetches its tarball and checks the integrity' {
        $item = $R.StagedItems | Where-Object PackageName -eq '@npmh/fx-b'
        (Npm @('stage', 'approve', $item.Id, '--otp', '123456')).ExitCode | Should -Be 0
        # no latest tag exists, so ask for the staged tag: plain `npm view @npmh/fx-b` prints nothing
        $json = (Npm @('view', '@npmh/fx-b@next', '--json')).StdOut | ConvertFrom-Json
        $json.version | Should -Be '2.0.0'
        $json.'dist-tags'.next | Should -Be '2.0.0'
        $R.GetPackument('@npmh/fx-b') | Should -Match '"integrity":"sha512-[A-Za-z0-9+/=]+"'
        $json.dist.tarball | Should -Be "$($R.Url)@npmh/fx-b/-/fx-b-2.0.0.tgz"
        $dir = New-Item -ItemType Directory -Path (Join-Path $Root ('pack-' + [guid]::NewGuid().ToString('n')))
        $R.ClearRequests()
        $pack = Npm @('pack', '@npmh/fx-b@2.0.0') -In $dir.FullName
        $pack.ExitCode | Should -Be 0 -Because $pack.StdErr
        Sha1File (Join-Path $dir.FullName 'npmh-fx-b-2.0.0.tgz') | Should -Be $item.Shasum
        $R.Requests.Path | Should -Contain '/@npmh/fx-b/-/fx-b-2.0.0.tgz'
    }

    It 'records the approving user as _npmUser.approver and keeps the staging user as _npmUser.name' {
        $item = $R.SeedStaged([NpmhStageRegistry]::BuildTarball('{"name":"npmh-fx-who","version":"1.0.0"}', @{ 'index.js' = '1' }), 'latest', 'alice', 'user', 'public')
        $bobEnv = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm-bob-approve') -Token 'npmh-fake-token-bob'
        $result = Npm @('stage', 'approve', $item.Id, '--otp', '123456') -Environment $bobEnv
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $user = ($R.GetPackument('npmh-fx-who') | ConvertFrom-Json -AsHashtable).versions['1.0.0']._npmUser
        $user.name | Should -Be 'alice'
        $user.approver.name | Should -Be 'bob'
    }

    It 'answers 409 when a staged version was published meanwhile, and npm reports E409' {
        $bytes = [NpmhStageRegistry]::BuildTarball('{"name":"npmh-fx-race","version":"1.0.0"}', @{ 'index.js' = '1' })
        $item = $R.SeedStaged($bytes, 'latest', 'alice', 'user', 'public')
        $null = $R.SeedPublished($bytes, 'latest', 'bob')
        $result = Npm @('stage', 'approve', $item.Id, '--otp', '123456')
        $result.StdErr | Should -Match 'code E409'
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It 'rejects with --otp: DELETE /-/stage/<id> with npm-otp; the item is gone and view answers E404' {
        $item = Stage 'npmh-fx-rej' '1.0.0'
        $R.ClearRequests()
        $result = Npm @('stage', 'reject', $item.Id, '--otp', '123456')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $result.StdOut | Should -Match "Staged package $($item.Id) has been rejected."
        $sent = @($R.Requests)
        $sent.Count | Should -Be 1
        $sent[0].Method | Should -Be 'DELETE'
        $sent[0].Target | Should -Be "/-/stage/$($item.Id)"
        $sent[0].Otp | Should -Be '123456'
        $sent[0].Status | Should -Be 204
        (Npm @('stage', 'view', $item.Id)).StdErr | Should -Match 'code E404'
    }

    It 'answers the web second factor with authUrl/doneUrl; npm without a terminal stops with EOTP and prints both URLs' {
        $item = Stage 'npmh-fx-web' '1.0.0'
        $R.OtpChallenge = 'web'
        $result = Npm @('stage', 'approve', $item.Id)
        $result.ExitCode | Should -Not -Be 0
        $result.StdErr | Should -Match 'code EOTP'
        $result.StdErr | Should -Match ([regex]::Escape("$($R.Url)-/npmh/web/login/"))
        $result.StdErr | Should -Match ([regex]::Escape("$($R.Url)-/npmh/web/done/"))
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It 'completes the web second factor for npm on a terminal: polls doneUrl through 202s, replays with the token as npm-otp' -Skip:(-not $HasScript) {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-fx-web'
        $R.OtpChallenge = 'web'
        $R.WebPendingPolls = 2
        $R.ClearRequests()
        $result = Npm @('stage', 'approve', $item.Id, '--browser=false') -Tty
        $result.ExitCode | Should -Be 0 -Because $result.StdOut
        $sent = @($R.Requests)
        ($sent | ForEach-Object { "$($_.Method) $($_.Path -replace '[0-9a-f]{32}$', 'S') $($_.Status)" }) | Should -Be @(
            "POST /-/stage/$($item.Id)/approve 401",
            'GET /-/npmh/web/done/S 202',
            'GET /-/npmh/web/done/S 202',
            'GET /-/npmh/web/done/S 200',
            "POST /-/stage/$($item.Id)/approve 201")
        $sent[0].Otp | Should -BeNullOrEmpty
        $sent[4].Otp | Should -Match '^[0-9]{16}$'
        $R.StagedItems.Id | Should -Not -Contain $item.Id
    }
}

Describe 'pagination over 250 staged items' -Skip:$NotCore {
    It 'npm stage list follows page until total and returns all 250' {
        $seeded = $R.SeedStagedBulk('npmh-bulk', 250, 'bob')
        $R.ClearRequests()
        $result = Npm @('stage', 'list', 'npmh-bulk', '--json')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $items = @($result.StdOut | ConvertFrom-Json)
        $items.Count | Should -Be 250
        @($items.id | Sort-Object -Unique).Count | Should -Be 250
        $items[0].version | Should -Be '1.0.249'
        $items[249].version | Should -Be '1.0.0'
        $items[0].id | Should -Be $seeded[249].Id
        @($R.Requests | ForEach-Object { (Query $_)['page'] }) | Should -Be @('0', '1', '2')
    }

    It 'npm stops early when a server pages smaller than npm asked (npm ends on a short page)' {
        $R.MaxPerPage = 50
        try {
            $result = Npm @('stage', 'list', 'npmh-bulk', '--json')
            $result.ExitCode | Should -Be 0 -Because $result.StdErr
            @($result.StdOut | ConvertFrom-Json).Count | Should -Be 50
        } finally { $R.MaxPerPage = 0 }
    }
}

Describe 'packuments, tarballs, whoami and publish against the fake' -Skip:$NotCore {
    It 'npm whoami names the user the token maps to; an unknown token gets E401' {
        (Npm @('whoami')).StdOut.Trim() | Should -Be 'alice'
        $bobEnv = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm-bob') -Token 'npmh-fake-token-bob'
        (Npm @('whoami') -Environment $bobEnv).StdOut.Trim() | Should -Be 'bob'
        $strangerEnv = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm-stranger') -Token 'not-a-known-token'
        $result = Npm @('stage', 'list') -Environment $strangerEnv
        $result.ExitCode | Should -Not -Be 0
        $result.StdErr | Should -Match 'code E401'
    }

    It 'takes an ordinary npm publish (PUT) and serves it without an approver' {
        $result = Npm @('publish') -In (New-Package 'npmh-fx-put' '1.0.0')
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        ($R.Requests | Where-Object Method -eq 'PUT').Target | Should -Be '/npmh-fx-put'
        $json = (Npm @('view', 'npmh-fx-put', '--json')).StdOut | ConvertFrom-Json
        $json.version | Should -Be '1.0.0'
        # npm view prints a person without extra keys as "name <email>"
        $json._npmUser | Should -Be 'alice <alice@users.npmh.test>'
        $packument = $R.GetPackument('npmh-fx-put') | ConvertFrom-Json -AsHashtable
        $packument.versions['1.0.0']._npmUser.Keys | Should -Not -Contain 'approver'
    }

    It 'refuses to stage a version that is already published (E409)' {
        $result = Npm @('stage', 'publish', '--force') -In (New-Package 'npmh-fx-put' '1.0.0')
        $result.ExitCode | Should -Not -Be 0
        $result.StdErr | Should -Match 'code E409'
    }

    It 'asks for an OTP on publish when told to' {
        $R.RequireOtpFor.Add('publish') | Out-Null
        try {
            $result = Npm @('publish') -In (New-Package 'npmh-fx-put' '1.0.1')
            $result.StdErr | Should -Match 'code EOTP'
            (Npm @('publish', '--otp', '123456') -In (New-Package 'npmh-fx-put' '1.0.2')).ExitCode | Should -Be 0
        } finally { $R.RequireOtpFor.Remove('publish') | Out-Null }
    }

    It 'npm diff compares a seeded 1.0.0 with a staged-then-approved 1.1.0 through the fake' {
        $old = New-Package 'npmh-fx-diff' '1.0.0' @{ 'lib/same.js' = 'same'; 'lib/gone.js' = 'gone' }
        $pack = Npm @('pack', '--pack-destination', $Root) -In $old
        $pack.ExitCode | Should -Be 0 -Because $pack.StdErr
        $null = $R.SeedPublishedFile((Join-Path $Root 'npmh-fx-diff-1.0.0.tgz'), 'latest', 'alice')
        $item = Stage 'npmh-fx-diff' '1.1.0' -Files @{ 'lib/same.js' = 'same'; 'lib/added.js' = 'added' }
        (Npm @('stage', 'approve', $item.Id, '--otp', '123456')).ExitCode | Should -Be 0
        $result = Npm @('diff', '--diff=npmh-fx-diff@1.0.0', '--diff=npmh-fx-diff@1.1.0', '--diff-name-only') -In $Root
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $names = @($result.StdOut -split "`n" | ForEach-Object Trim | Where-Object { $_ })
        $names | Should -Contain 'package.json'
        $names | Should -Contain 'index.js'
        $names | Should -Contain 'lib/gone.js'
        $names | Should -Contain 'lib/added.js'
        $names | Should -Not -Contain 'lib/same.js'
    }
}

Describe 'misbehaviour switches, as npm and a plain HTTP client see them' -Skip:$NotCore {
    BeforeAll {
        $script:Http = [System.Net.Http.HttpClient]::new()
        function script:Send([string] $Method, [string] $Path, [string] $Token = 'npmh-fake-token-alice', [System.Net.Http.HttpContent] $Content) {
            $message = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $R.Url + $Path.TrimStart('/'))
            if ($Token) { $message.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Token) }
            if ($Content) { $message.Content = $Content }
            $Http.SendAsync($message).GetAwaiter().GetResult()
        }
    }
    AfterAll { $Http.Dispose() }
    AfterEach { $R.ClearResponses(); $R.ThrottleNext(0, 0) }

    It 'answers 429 with Retry-After for the next N requests, then serves again; npm without retries reports E429' {
        $R.ThrottleNext(2, 7)
        $first = Send GET '/-/whoami'
        [int] $first.StatusCode | Should -Be 429
        $first.Headers.RetryAfter.Delta.TotalSeconds | Should -Be 7
        (Npm @('whoami')).StdErr | Should -Match 'code E429'
        [int] (Send GET '/-/whoami').StatusCode | Should -Be 200
    }

    It 'serves a canned status and body for a path the given number of times' {
        $R.AddResponse('GET', '/-/stage', 403, '{"error":"you may not list"}', 'application/json', 1, @('npm-notice: canned'))
        $result = Npm @('stage', 'list')
        $result.StdErr | Should -Match 'code E403'
        $result.StdErr | Should -Match 'you may not list'
        $result.StdErr | Should -Match 'npm notice canned'
        (Npm @('stage', 'list', '--json')).ExitCode | Should -Be 0
    }

    It 'matches a canned path by prefix when it ends in *, for any method with *' {
        $R.AddResponse('*', '/-/stage/*', 500, 'boom', 'text/plain', -1, $null)
        $id = [guid]::NewGuid().ToString()
        $response = Send DELETE "/-/stage/$id"
        [int] $response.StatusCode | Should -Be 500
        $response.Content.ReadAsStringAsync().GetAwaiter().GetResult() | Should -Be 'boom'
        [int] (Send GET "/-/stage/$id/tarball").StatusCode | Should -Be 500
        [int] (Send GET '/-/stage').StatusCode | Should -Be 200
    }

    It 'serves garbage bodies verbatim: npm fails on truncated JSON' {
        $R.AddResponse('GET', '/-/stage', 200, '{"items":[{"id":"x"', 'application/json', -1, $null)
        $result = Npm @('stage', 'list', '--json')
        $result.ExitCode | Should -Not -Be 0
        $result.StdErr | Should -Match 'invalid json'
        $R.ClearResponses()
        $R.AddResponse('GET', '/-/stage', 200, '{"items":"abc","page":"zero","perPage":true,"total":"many"}', 'application/json', -1, $null)
        (Send GET '/-/stage').Content.ReadAsStringAsync().GetAwaiter().GetResult() | Should -Be '{"items":"abc","page":"zero","perPage":true,"total":"many"}'
    }

    It 'serves staged bytes that no longer match the recorded shasum when told to; npm stage download does not notice' {
        $item = $R.SeedStaged([NpmhStageRegistry]::BuildTarball('{"name":"npmh-fx-bad","version":"1.0.0"}', @{ 'index.js' = 'good' }), 'latest', 'alice', 'user', 'public')
        $evil = [NpmhStageRegistry]::BuildTarball('{"name":"npmh-fx-bad","version":"1.0.0"}', @{ 'index.js' = 'evil' })
        $R.SetStagedTarball($item.Id, $evil)
        $dir = New-Item -ItemType Directory -Path (Join-Path $Root ('bad-' + [guid]::NewGuid().ToString('n')))
        $result = Npm @('stage', 'download', $item.Id) -In $dir.FullName
        $result.ExitCode | Should -Be 0 -Because $result.StdErr
        $file = Join-Path $dir.FullName "npmh-fx-bad-1.0.0-$($item.Id).tgz"
        Sha1File $file | Should -Be ([NpmhStageRegistry]::Sha1Hex($evil))
        Sha1File $file | Should -Not -Be $item.Shasum
        ((Npm @('stage', 'view', $item.Id, '--json')).StdOut | ConvertFrom-Json).shasum | Should -Be $item.Shasum
    }

    It 'serves extra, mistyped or missing item fields when told to; npm stage view prints extra keys too' {
        $item = $R.SeedStaged([NpmhStageRegistry]::BuildTarball('{"name":"npmh-fx-fields","version":"1.0.0"}', @{}), 'latest', 'alice', 'user', 'public')
        $R.SetItemField($item.Id, 'shasum', '42')
        $R.SetItemField($item.Id, 'actorType', $null)
        $R.SetItemField($item.Id, 'provenance', '{"predicateType":"https://slsa.dev/provenance/v1"}')
        $json = (Npm @('stage', 'view', $item.Id, '--json')).StdOut | ConvertFrom-Json -AsHashtable
        $json.shasum | Should -Be 42
        $json.shasum | Should -BeOfType [long]
        $json.Keys | Should -Not -Contain 'actorType'
        $json.provenance.predicateType | Should -Be 'https://slsa.dev/provenance/v1'
        $text = (Npm @('stage', 'view', $item.Id)).StdOut
        $text | Should -Match 'staged by: alice\r?\n'
        $text | Should -Match 'provenance: '
    }

    It 'delays every answer when told to' {
        $R.ResponseDelayMilliseconds = 1500
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            [int] (Send GET '/-/whoami').StatusCode | Should -Be 200
            $watch.ElapsedMilliseconds | Should -BeGreaterOrEqual 1500
        } finally { $R.ResponseDelayMilliseconds = 0 }
    }

    It 'reads chunked request bodies and answers 400 with {message} for a body that is not a publish document' {
        $content = [System.Net.Http.StreamContent]::new([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes('{"name":"npmh-fx-chunk","versions":{}}')))
        $content.Headers.ContentType = 'application/json'
        $R.ClearRequests()
        $message = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, $R.Url + '-/stage/package/npmh-fx-chunk')
        $message.Headers.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', 'npmh-fake-token-alice')
        $message.Headers.TransferEncodingChunked = $true
        $message.Content = $content
        $response = $Http.SendAsync($message).GetAwaiter().GetResult()
        [int] $response.StatusCode | Should -Be 400
        ($response.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json).message | Should -Match 'exactly one version'
        @($R.Requests)[0].Header('transfer-encoding') | Should -Be 'chunked'
        @($R.Requests)[0].BodyText | Should -Be '{"name":"npmh-fx-chunk","versions":{}}'
    }

    It 'refuses stage calls without a known token (401) but serves packuments to anyone' {
        [int] (Send GET '/-/stage' -Token '').StatusCode | Should -Be 401
        [int] (Send GET '/-/stage' -Token 'wrong').StatusCode | Should -Be 401
        # npm published npmh-fx-otp in a test above; where npm cannot reach the fake (under Wine) the fake seeds it
        if (-not $R.GetPackument('npmh-fx-otp')) {
            $null = $R.SeedPublished([NpmhStageRegistry]::BuildTarball('{"name":"npmh-fx-otp","version":"1.0.0"}', @{ 'index.js' = "module.exports = 1`n" }), 'latest', 'alice')
        }
        [int] (Send GET '/npmh-fx-otp' -Token '').StatusCode | Should -Be 200
        [int] (Send GET '/npmh-fx-otp/-/npmh-fx-otp-1.0.0.tgz' -Token '').StatusCode | Should -Be 200
        [int] (Send GET '/npmh-no-such-package' -Token '').StatusCode | Should -Be 404
    }
}
