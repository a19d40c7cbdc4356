# The staged-publishing cmdlets against the loopback fake registry (StageRegistry.ps1), with the REAL npm as referee:
# npm stages the fixture packages our Get-NpmStagedPackage lists, npm's `stage list --json` and our objects agree item
# by item, and npm's `stage approve|reject` and our Approve-/Deny-NpmStagedPackage send the same request (method,
# path, npm-otp, body and npm's headers) as the fake records it. No network: everything is on 127.0.0.1.
# The fake needs PowerShell 7 (System.Text.Json.Nodes); under Windows PowerShell 5.1 every block is skipped.

BeforeDiscovery {
    $script:NotCore = $PSVersionTable.PSVersion.Major -lt 7
    # a terminal for the child PowerShell that answers the web second factor (script(1) gives it one)
    $script:HasScript = [bool] (Get-Command script -CommandType Application -ErrorAction SilentlyContinue) -and -not $IsWindows
}

BeforeAll {
    if ($PSVersionTable.PSVersion.Major -lt 7) { return }
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-stage-cmd-" + [guid]::NewGuid().ToString('n'))
    $script:R = Start-StageRegistry -Users @{ 'npmh-fake-token-alice' = 'alice'; 'npmh-fake-token-bob' = 'bob' }
    $script:E = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm')
    $script:Tok = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force

    function script:Npm([string[]] $Arguments, [string] $In) { Invoke-StageNpm -Environment $E -Arguments $Arguments -WorkingDirectory $In }
    function script:Stage([string] $Name, [string] $Version) {
        $dir = New-StageFixturePackage -Path (Join-Path $Root ("pkg-" + [guid]::NewGuid().ToString('n'))) -Name $Name -Version $Version
        if (Test-NpmUnderWine) {
            # npm cannot reach the fake under Wine (StageRegistry.ps1): the fake stages the same package as alice itself,
            # so the cmdlets' side of each test still runs there
            $files = @{ 'index.js' = [IO.File]::ReadAllText((Join-Path $dir 'index.js')) }
            $null = $R.SeedStaged([NpmhStageRegistry]::BuildTarball([IO.File]::ReadAllText((Join-Path $dir 'package.json')), $files), 'latest', 'alice', 'user', $null)
        }
        else {
            $result = Npm @('stage', 'publish') -In $dir
            $result.ExitCode | Should -Be 0 -Because $result.StdErr
        }
        $R.StagedItems | Where-Object { $_.PackageName -eq $Name -and $_.Version -eq $Version }
    }
    # what a write request is, for comparing npm's with ours: the stage id replaced, user-agent and transport headers left out
    function script:Shape([NpmhStageRequest] $Request, [string] $Id) {
        [ordered]@{
            Method      = $Request.Method
            Target      = $Request.Target.Replace($Id, '<id>')
            Otp         = $Request.Otp
            Body        = $Request.BodyText
            ContentType = $Request.Header('content-type')
            Command     = $Request.Header('npm-command')
            AuthType    = $Request.Header('npm-auth-type')
            Auth        = $Request.Authorization
        } | ConvertTo-Json -Compress
    }
    # runs the built module in a child PowerShell (-NonInteractive, or on a terminal through script(1)); returns its output
    function script:Child([string] $Script, [switch] $Tty) {
        $file = Join-Path $Root ("child-" + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content -LiteralPath $file -Value ("Import-Module '$env:NPMH_MODULE_PATH'`n" + $Script) -Encoding utf8NoBOM
        # PowerShell as a dotnet tool runs as "dotnet pwsh.dll": the child needs both
        $hostPath = (Get-Process -Id $PID).Path
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -eq 'dotnet') { $prefix = @([Environment]::GetCommandLineArgs()[0]) }
        if ($Tty) {
            $line = (@($hostPath) + $prefix + @('-NoProfile', '-File', $file) | ForEach-Object { "'" + $_ + "'" }) -join ' '
            $out = & script -qec $line /dev/null 2>&1
        } else { $out = & $hostPath @prefix -NoProfile -NonInteractive -File $file 2>&1 }
        ($out | Out-String)
    }
}

AfterAll {
    if ($R) { $R.Dispose() }
    if ($Root) { Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-NpmStagedPackage and npm stage list' -Skip:$NotCore {
    It 'lists the version npm stage publish staged, with the fields the fake stored' {
        $item = Stage '@npmh/cmd-a' '1.2.3'
        $ours = @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a')
        $ours.Count | Should -Be 1
        # the engine lives in its own load context: its types are checked by name
        $ours[0].GetType().FullName | Should -Be 'NpmHardening.NpmStagedPackage'
        $ours[0].StageId | Should -Be $item.Id
        $ours[0].Package | Should -Be '@npmh/cmd-a'
        $ours[0].Version | Should -Be '1.2.3'
        $ours[0].Tag | Should -Be 'latest'
        $ours[0].StagedBy | Should -Be 'alice'
        $ours[0].ActorType | Should -Be 'user'
        $ours[0].Shasum | Should -Be $item.Shasum
        $ours[0].Registry | Should -Be $R.Url
        $ours[0].Age | Should -BeLessThan ([timespan]::FromMinutes(5))
    }

    It 'agrees with npm stage list --json item by item, and reads the pages npm reads' {
        $null = Stage 'npmh-cmd-b' '0.1.0'
        $null = $R.SeedStagedBulk('npmh-cmd-bulk', 250, 'bob')
        $R.ClearRequests()
        $npm = Npm @('stage', 'list', '--json')
        $npm.ExitCode | Should -Be 0 -Because $npm.StdErr
        $npmRequests = @($R.Requests | ForEach-Object Target)
        $theirs = @($npm.StdOut | ConvertFrom-Json -DateKind String)
        $R.ClearRequests()
        $ours = @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok)
        @($R.Requests | ForEach-Object Target) | Should -Be $npmRequests
        $npmRequests.Count | Should -Be 3

        $ours.Count | Should -Be $theirs.Count
        $theirs.Count | Should -BeGreaterOrEqual 252
        for ($i = 0; $i -lt $theirs.Count; $i++) {
            $t = $theirs[$i]; $o = $ours[$i]
            "$($o.StageId)|$($o.Package)|$($o.Version)|$($o.Tag)|$($o.Access)|$($o.StagedBy)|$($o.ActorType)|$($o.Shasum)" |
                Should -Be "$($t.id)|$($t.packageName)|$($t.version)|$($t.tag)|$($t.access)|$($t.actor)|$($t.actorType)|$($t.shasum)"
            $o.StagedAt | Should -Be ([datetimeoffset]::Parse($t.createdAt, [cultureinfo]::InvariantCulture))
        }
    }

    It 'sends npm''s package filter, and refuses a name with a version as npm does' {
        $R.ClearRequests()
        $null = Npm @('stage', 'list', '@npmh/cmd-a', '--json')
        $npmTarget = @($R.Requests)[0].Target
        $R.ClearRequests()
        $null = Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a'
        @($R.Requests)[0].Target | Should -Be $npmTarget
        $R.ClearRequests()
        Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package 'npmh-cmd-b@0.1.0' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPackageName,*'
        @($R.Requests).Count | Should -Be 0
    }

    It 'uses the credential npm uses, from the npm configuration, when no -Token is given' {
        $R.ClearRequests()
        $ours = @(Get-NpmStagedPackage -Package '@npmh/cmd-a' -Environment @{
                npm_config_userconfig = $E.UserConfig; npm_config_globalconfig = $E.GlobalConfig; HOME = $Root; PATH = $env:PATH })
        $ours.Count | Should -Be 1
        @($R.Requests)[0].Authorization | Should -Be 'Bearer npmh-fake-token-alice'
    }

    It 'keeps -OlderThan''s and judges -Audit''s against the policy''s Staging keys' {
        $policy = Join-Path $Root 'policy.psd1'
        Set-Content -LiteralPath $policy -Value "@{ Staging = @{ MaximumAge = '0.00:00:01'; ExpectedPublishers = @('alice') } }"
        Start-Sleep -Milliseconds 1100
        @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a' -OlderThan ([timespan]::FromDays(1))).Count | Should -Be 0
        @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a' -OlderThan ([timespan]::FromSeconds(1))).Count | Should -Be 1
        $findings = @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a', 'npmh-cmd-bulk' -Audit -Policy $policy)
        $age = @($findings | Where-Object RuleId -eq 'NPMH11001')
        $age.Count | Should -Be 251
        $age.Status | Select-Object -Unique | Should -Be 'Fail'
        $actor = @($findings | Where-Object { $_.RuleId -eq 'NPMH11002' -and $_.Status -eq 'Fail' })
        $actor.Count | Should -Be 250
        $actor[0].Severity | Should -Be 'High'
        $actor[0].Message | Should -Match 'bob \(user\)'
        @($findings | Where-Object { $_.RuleId -eq 'NPMH11002' -and $_.Status -eq 'Pass' }).Location.Name | Should -Be '@npmh/cmd-a@1.2.3'
    }

    It '-Audit''s findings take title and severity from the catalog, one fact each, and no other audit reports area 11' {
        $findings = @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package 'npmh-cmd-bulk' -Audit)
        $findings.Count | Should -Be 250
        $catalog = @{}
        foreach ($r in Get-NpmRule) { $catalog[$r.RuleId] = $r }
        foreach ($f in $findings) {
            $f.Title | Should -Be $catalog[$f.RuleId].Title
            "$($f.Severity)" | Should -Be "$($catalog[$f.RuleId].Severity)"
        }
        @($findings.FactId | Select-Object -Unique).Count | Should -Be $findings.Count
        @($catalog.Values | Where-Object { $_.RuleId -like 'NPMH11???' }).Audit | Select-Object -Unique | Should -Be 'Get-NpmStagedPackage'
        @(Get-NpmSecurityPosture -Environment @{ HOME = $Root; PATH = $env:PATH } | Where-Object RuleId -like 'NPMH11???').Count | Should -Be 0
    }

    It 'waits out a 429 for the Retry-After the registry names' {
        $R.ThrottleNext(1, 1)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a').Count | Should -Be 1
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.95
    }

    It 'stops at once on Ctrl+C (StopProcessing) while the registry has not answered' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:NPMH_MODULE_PATH'").Invoke()
            $ps.Commands.Clear()
            $R.ResponseDelayMilliseconds = 30000
            $null = $ps.AddCommand('Get-NpmStagedPackage').AddParameter('Registry', $R.Url).AddParameter('Token', $Tok).AddParameter('TimeoutSec', 120)
            $async = $ps.BeginInvoke()
            # the fake logs a request only when it answers: give the cmdlet time to send it, then it must still be waiting
            Start-Sleep -Seconds 3
            $async.IsCompleted | Should -BeFalse
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $async.IsCompleted | Should -BeTrue
        } finally {
            $R.ResponseDelayMilliseconds = 0
            $ps.Dispose()
        }
    }

    It 'survives Export-Clixml and Import-Clixml as NpmStagedPackage, and shows the table view' {
        $ours = Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a'
        $xml = Join-Path $Root 'staged.xml'
        $ours | Export-Clixml -LiteralPath $xml
        $back = Import-Clixml -LiteralPath $xml
        $back.GetType().FullName | Should -Be 'NpmHardening.NpmStagedPackage'
        $back.StageId | Should -Be $ours.StageId
        $back.StagedAt | Should -Be $ours.StagedAt
        ($back | Out-String -Width 200) | Should -Match 'Package\s+Version\s+Tag\s+StagedBy\s+Age\s+StageId'
    }
}

Describe 'Save-NpmStagedPackage' -Skip:$NotCore {
    It 'saves the bytes npm stage download saves, verified, under npm''s file name' {
        $item = $R.StagedItems | Where-Object PackageName -eq '@npmh/cmd-a'
        $npmDir = New-Item -ItemType Directory -Force -Path (Join-Path $Root 'dl-npm')
        (Npm @('stage', 'download', $item.Id) -In $npmDir.FullName).ExitCode | Should -Be 0
        $ourDir = New-Item -ItemType Directory -Force -Path (Join-Path $Root 'dl-ours')
        $file = Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package '@npmh/cmd-a' | Save-NpmStagedPackage -Token $Tok -Destination $ourDir.FullName
        $file | Should -BeOfType ([IO.FileInfo])
        $npmFile = Get-ChildItem -LiteralPath $npmDir.FullName -Filter *.tgz
        $file.Name | Should -Be $npmFile.Name
        [NpmhStageRegistry]::Sha1Hex([IO.File]::ReadAllBytes($file.FullName)) | Should -Be $item.Shasum
        [IO.File]::ReadAllBytes($file.FullName) | Should -Be ([IO.File]::ReadAllBytes($npmFile.FullName))
    }

    It 'keeps nothing when the tarball is not the staged one (npm stage download would keep it)' {
        $item = $R.StagedItems | Where-Object PackageName -eq 'npmh-cmd-b'
        $R.SetStagedTarball($item.Id, [NpmhStageRegistry]::BuildTarball('{"name":"npmh-cmd-b","version":"0.1.0"}', @{ 'index.js' = 'evil()' }))
        $dir = New-Item -ItemType Directory -Force -Path (Join-Path $Root 'dl-bad')
        Save-NpmStagedPackage -Registry $R.Url -StageId $item.Id -Token $Tok -Destination $dir.FullName -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryIntegrityMismatch,*'
        $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
        @(Get-ChildItem -LiteralPath $dir.FullName -Force).Count | Should -Be 0
    }
}

Describe 'The review before approval: Compare-NpmStagedPackage -StageId, and Approve-NpmStagedPackage refusing High risk' -Skip:$NotCore {
    BeforeAll {
        $R.OtpChallenge = 'header'; $R.ValidOtp = '123456'
        function script:Tgz([string] $Name, [string] $Version, [hashtable] $Scripts = @{}, [string] $Index = "module.exports = 1`n") {
            $pkg = [ordered]@{ name = $Name; version = $Version; main = 'index.js' }
            if ($Scripts.Count) { $pkg.scripts = $Scripts }
            , [NpmhStageRegistry]::BuildTarball(($pkg | ConvertTo-Json), @{ 'index.js' = $Index })
        }
        $null = $R.SeedPublished((Tgz 'npmh-review' '1.0.0'), 'latest', 'alice')
        $script:Risky = $R.SeedStaged((Tgz 'npmh-review' '1.0.1' @{ postinstall = 'node index.js' } "require('child_process').exec('id')`n"), 'latest', 'alice', 'user', 'public')
        $script:Benign = $R.SeedStaged((Tgz 'npmh-review' '1.0.2' -Index "module.exports = 2`n"), 'latest', 'alice', 'user', 'public')
        # what a change is, for comparing two runs
        function script:Facts($Changes) { @($Changes | ForEach-Object { "$($_.RuleId) $($_.File) $($_.Change)" } | Sort-Object) }
    }

    It '-StageId reviews the staged tarball against the version its tag points to, read from the registry' {
        $changes = @(Compare-NpmStagedPackage -StageId $Risky.Id -Registry $R.Url -Token $Tok)
        $summary = Compare-NpmStagedPackage -StageId $Risky.Id -Registry $R.Url -Token $Tok -Summary
        $summary.Package | Should -Be 'npmh-review'
        $summary.Version | Should -Be '1.0.1'
        $summary.ReferenceVersion | Should -Be '1.0.0'
        $summary.Risk | Should -Be 'High'
        $changes.RuleId | Should -Contain 'NPMH12001'   # the postinstall
        $changes.RuleId | Should -Contain 'NPMH12017'   # child_process in index.js
        # read in memory: the fake served the staged tarball and the published one, and nothing was written beside us
        $R.Requests.Target | Should -Contain "/-/stage/$($Risky.Id)/tarball"
        $R.Requests.Target | Should -Contain '/npmh-review/-/npmh-review-1.0.0.tgz'
    }

    It 'gives what -Path with -ReferencePackage gives on the tarball Save-NpmStagedPackage keeps' {
        $dir = New-Item -ItemType Directory -Force -Path (Join-Path $Root 'review-saved')
        $saved = Save-NpmStagedPackage -Registry $R.Url -StageId $Risky.Id -Token $Tok -Destination $dir.FullName
        $fromRegistry = Compare-NpmStagedPackage -StageId $Risky.Id -Registry $R.Url -Token $Tok
        $fromFile = Compare-NpmStagedPackage -Path $saved.FullName -ReferencePackage 'npmh-review@1.0.0' -Registry $R.Url
        Facts $fromFile | Should -Be (Facts $fromRegistry)
        Facts $fromFile | Should -Not -BeNullOrEmpty
        # name alone is latest; the credential npm's configuration gives for the registry is used when there is one
        (Compare-NpmStagedPackage -Path $saved.FullName -ReferencePackage 'npmh-review' -Registry $R.Url -Summary).ReferenceVersion | Should -Be '1.0.0'
        { Compare-NpmStagedPackage -Path $saved.FullName -ReferencePackage 'npmh-review@9.9.9' -Registry $R.Url -ErrorAction Stop } | Should -Throw -ErrorId 'NpmRegistryNotFound*'
        { Compare-NpmStagedPackage -Path $saved.FullName -ReferencePackage 'npmh-review@1.0.0' -ReferencePath $saved.FullName -ErrorAction Stop } | Should -Throw -ErrorId 'ReferenceAmbiguous*'
    }

    It '-StageId with -ReferencePath reviews the downloaded staged tarball against the local file as against the published one' {
        $local = Join-Path $Root 'review-reference-1.0.0.tgz'
        [IO.File]::WriteAllBytes($local, (Tgz 'npmh-review' '1.0.0'))
        $R.ClearRequests()
        $againstFile = Compare-NpmStagedPackage -StageId $Risky.Id -Registry $R.Url -Token $Tok -ReferencePath $local
        @($R.Requests.Target | Where-Object { $_ -like '/npmh-review/-/*' }).Count | Should -Be 0   # the reference came from the file
        Facts $againstFile | Should -Be (Facts (Compare-NpmStagedPackage -StageId $Risky.Id -Registry $R.Url -Token $Tok))
        Facts $againstFile | Should -Contain 'NPMH12017 index.js Changed'
    }

    It 'takes the staged items from Get-NpmStagedPackage by pipeline' {
        $verdicts = @(Get-NpmStagedPackage -Registry $R.Url -Token $Tok -Package npmh-review | Compare-NpmStagedPackage -Registry $R.Url -Token $Tok -Summary)
        @($verdicts.Version | Sort-Object) | Should -Be @('1.0.1', '1.0.2')
        "$(($verdicts | Where-Object Version -eq '1.0.2').Risk)" | Should -BeIn @('Info', 'Low', 'Medium')
    }

    It 'a staged tarball that is not the staged shasum is an error, and nothing is compared' {
        $odd = $R.SeedStaged((Tgz 'npmh-review-odd' '1.0.0'), 'latest', 'alice', 'user', 'public')
        $R.SetStagedTarball($odd.Id, (Tgz 'npmh-review-odd' '1.0.0' -Index "evil()`n"))
        $out = @(Compare-NpmStagedPackage -StageId $odd.Id -Registry $R.Url -Token $Tok -ErrorVariable err -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryIntegrityMismatch,*'
    }

    It 'a published reference that is not the tarball its package document names is an error, and nothing is compared' {
        # about 2 MB compressed: more than the download pipe holds, so the reader works through it while it downloads
        $noise = [byte[]]::new(1536KB); ([Random]::new(12)).NextBytes($noise)
        $null = $R.SeedPublished((Tgz 'npmh-review-swap' '1.0.0' -Index ("module.exports = '" + [Convert]::ToBase64String($noise) + "'`n")), 'latest', 'alice')
        $staged = $R.SeedStaged((Tgz 'npmh-review-swap' '1.0.1'), 'latest', 'alice', 'user', 'public')
        # the document names other bytes than the ones the registry serves for 1.0.0
        $other = Tgz 'npmh-review-swap' '1.0.0' -Index "module.exports = 3`n"
        $doc = $R.GetPackument('npmh-review-swap') | ConvertFrom-Json
        $doc.versions.'1.0.0'.dist.integrity = 'sha512-' + [Convert]::ToBase64String([Security.Cryptography.SHA512]::Create().ComputeHash($other))
        $doc.versions.'1.0.0'.dist.shasum = -join ([Security.Cryptography.SHA1]::Create().ComputeHash($other) | ForEach-Object { $_.ToString('x2') })
        try {
            $R.AddResponse('GET', '/npmh-review-swap', 200, ($doc | ConvertTo-Json -Depth 20 -Compress), 'application/json', -1, @())
            $out = @(Compare-NpmStagedPackage -StageId $staged.Id -Registry $R.Url -Token $Tok -ErrorVariable err -ErrorAction SilentlyContinue)
            $out.Count | Should -Be 0
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryIntegrityMismatch,*'
            $err[0].Exception.Message | Should -Match 'npmh-review-swap@1\.0\.0'
            # the document telling the truth: the same two tarballs compare
            $R.ClearResponses()
            $summary = Compare-NpmStagedPackage -StageId $staged.Id -Registry $R.Url -Token $Tok -Summary
            $summary.ReferenceVersion | Should -Be '1.0.0'
            $summary.FilesChanged | Should -BeGreaterThan 0
        }
        finally { $R.ClearResponses() }
    }

    It 'a package document pointing the tarball at another host gets no credential there' {
        $elsewhere = Start-StageRegistry -Users @{ 'npmh-fake-token-mallory' = 'mallory' }
        try {
            $null = $elsewhere.SeedPublished((Tgz 'npmh-review-far' '1.0.0'), 'latest', 'mallory')
            $R.AddResponse('GET', '/npmh-review-far', 200, $elsewhere.GetPackument('npmh-review-far'), 'application/json', -1, @())
            $far = $R.SeedStaged((Tgz 'npmh-review-far' '1.0.1'), 'latest', 'alice', 'user', 'public')
            $summary = Compare-NpmStagedPackage -StageId $far.Id -Registry $R.Url -Token $Tok -Summary
            $summary.ReferenceVersion | Should -Be '1.0.0'
            $fetched = @($elsewhere.Requests | Where-Object Target -like '/npmh-review-far/-/*')
            $fetched.Count | Should -Be 1
            $fetched[0].Authorization | Should -BeNullOrEmpty
        }
        finally { $elsewhere.Dispose(); $R.ClearResponses() }
    }

    It 'Approve-NpmStagedPackage refuses High risk without -Force, names the reasons, and sends no approval' {
        $R.ClearRequests()
        Approve-NpmStagedPackage -Registry $R.Url -StageId $Risky.Id -Token $Tok -Otp 123456 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'StagedPackageReviewBlocked,*'
        $err[0].Exception.Message | Should -Match 'install-time script'
        $err[0].Exception.Message | Should -Match ([regex]::Escape("Compare-NpmStagedPackage -StageId $($Risky.Id)"))
        @($R.Requests | Where-Object Method -ne 'GET').Count | Should -Be 0
        $R.StagedItems.Id | Should -Contain $Risky.Id
    }

    It 'Approve-NpmStagedPackage -Force approves High risk with a warning that names the reasons' {
        Approve-NpmStagedPackage -Registry $R.Url -StageId $Risky.Id -Token $Tok -Otp 123456 -Force -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction Stop
        "$warned" | Should -Match 'High risk'
        $R.StagedItems.Id | Should -Not -Contain $Risky.Id
    }

    It 'Approve-NpmStagedPackage approves a benign update without a warning, and refuses when the review cannot run' {
        Approve-NpmStagedPackage -Registry $R.Url -StageId $Benign.Id -Token $Tok -Otp 123456 -Confirm:$false -WarningVariable warned -ErrorAction Stop
        $warned | Should -BeNullOrEmpty
        $R.StagedItems.Id | Should -Not -Contain $Benign.Id

        $broken = $R.SeedStaged((Tgz 'npmh-review-broken' '1.0.0'), 'latest', 'alice', 'user', 'public')
        $R.SetStagedTarball($broken.Id, (Tgz 'npmh-review-broken' '1.0.0' -Index "evil()`n"))
        Approve-NpmStagedPackage -Registry $R.Url -StageId $broken.Id -Token $Tok -Otp 123456 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'StagedPackageReviewFailed,*'
        $R.StagedItems.Id | Should -Contain $broken.Id
    }
}

Describe 'Approve-NpmStagedPackage and Deny-NpmStagedPackage send what npm sends' -Skip:$NotCore {
    BeforeAll { $R.OtpChallenge = 'header'; $R.ValidOtp = '123456' }

    It 'approve with an OTP: the same request as npm stage approve <id> --otp' {
        $forNpm = Stage 'npmh-cmd-approve' '1.0.0'
        $forUs = Stage 'npmh-cmd-approve' '1.0.1'
        $R.ClearRequests()
        (Npm @('stage', 'approve', $forNpm.Id, '--otp', '123456')).ExitCode | Should -Be 0
        $npmSent = @($R.Requests | Where-Object Method -ne 'GET')
        $R.ClearRequests()
        Get-NpmStagedPackage -Registry $R.Url -Token $Tok -StageId $forUs.Id | Approve-NpmStagedPackage -Token $Tok -Otp 123456 -Confirm:$false -WarningAction SilentlyContinue
        $ourSent = @($R.Requests | Where-Object Method -ne 'GET')
        $npmSent.Count | Should -Be 1
        $ourSent.Count | Should -Be 1
        (Shape $ourSent[0] $forUs.Id) | Should -Be (Shape $npmSent[0] $forNpm.Id)
        $ourSent[0].Status | Should -Be 201
        $R.StagedItems.Id | Should -Not -Contain $forUs.Id
        (Npm @('view', 'npmh-cmd-approve@1.0.1', 'version')).StdOut.Trim() | Should -Be '1.0.1'
    }

    It 'reject with an OTP: the same request as npm stage reject <id> --otp' {
        $forNpm = Stage 'npmh-cmd-reject' '1.0.0'
        $forUs = Stage 'npmh-cmd-reject' '1.0.1'
        $R.ClearRequests()
        (Npm @('stage', 'reject', $forNpm.Id, '--otp', '123456')).ExitCode | Should -Be 0
        $npmSent = @($R.Requests | Where-Object Method -ne 'GET')
        $R.ClearRequests()
        Deny-NpmStagedPackage -Registry $R.Url -StageId $forUs.Id -Token $Tok -Otp 123456 -Confirm:$false
        $ourSent = @($R.Requests | Where-Object Method -ne 'GET')
        (Shape $ourSent[0] $forUs.Id) | Should -Be (Shape $npmSent[0] $forNpm.Id)
        $ourSent.Count | Should -Be 1
        $R.StagedItems.Id | Should -Not -Contain $forUs.Id
    }

    It 'without an OTP: the same first request as npm, and in a non-interactive session an error that says to pass -Otp' {
        $forNpm = Stage 'npmh-cmd-nootp' '1.0.0'
        $forUs = Stage 'npmh-cmd-nootp' '1.0.1'
        $R.ClearRequests()
        (Npm @('stage', 'approve', $forNpm.Id)).StdErr | Should -Match 'code EOTP'
        $npmSent = @($R.Requests | Where-Object Method -ne 'GET')
        $R.ClearRequests()
        $out = Child @"
`$t = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force
Approve-NpmStagedPackage -Registry '$($R.Url)' -StageId '$($forUs.Id)' -Token `$t -Confirm:`$false -WarningAction SilentlyContinue -ErrorVariable e -ErrorAction SilentlyContinue
"ID=`$(`$e[0].FullyQualifiedErrorId)"
"MSG=`$(`$e[0].Exception.Message)"
"@
        $out | Should -Match 'ID=NpmOtpRequired,'
        $out | Should -Match 'Pass -Otp'
        $ourSent = @($R.Requests | Where-Object Method -ne 'GET')
        $ourSent.Count | Should -Be 1
        (Shape $ourSent[0] $forUs.Id) | Should -Be (Shape $npmSent[0] $forNpm.Id)
        $R.StagedItems.Id | Should -Contain $forUs.Id
    }

    It 'a wrong OTP is NpmOtpRejected and the version stays staged' {
        $item = $R.StagedItems | Where-Object { $_.PackageName -eq 'npmh-cmd-nootp' -and $_.Version -eq '1.0.1' }
        Approve-NpmStagedPackage -Registry $R.Url -StageId $item.Id -Token $Tok -Otp 000000 -Confirm:$false -WarningAction SilentlyContinue -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmOtpRejected,*'
        $err[0].Exception.Message | Should -Not -Match '000000'
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It '-WhatIf reads the item and changes nothing' {
        $item = $R.StagedItems | Where-Object { $_.PackageName -eq 'npmh-cmd-nootp' -and $_.Version -eq '1.0.1' }
        $R.ClearRequests()
        Deny-NpmStagedPackage -Registry $R.Url -StageId $item.Id -Token $Tok -Otp 123456 -WhatIf
        @($R.Requests | Where-Object Method -ne 'GET').Count | Should -Be 0
        $R.StagedItems.Id | Should -Contain $item.Id
    }

    It 'an id that is not a UUID is refused before any request' {
        $R.ClearRequests()
        Approve-NpmStagedPackage -Registry $R.Url -StageId '../../-/whoami' -Token $Tok -Otp 123456 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidStageId,*'
        @($R.Requests).Count | Should -Be 0
    }

    It 'on a terminal, an OTP challenge prompts for the code (not echoed), replays as npm does, and the next item gets the same code' -Skip:(-not $HasScript) {
        $item = Stage 'npmh-cmd-prompt' '1.0.0'
        $second = Stage 'npmh-cmd-prompt' '1.0.1'
        $file = Join-Path $Root 'prompt-child.ps1'
        Set-Content -LiteralPath $file -Encoding utf8NoBOM -Value (@(
                "Import-Module '$env:NPMH_MODULE_PATH'"
                "`$t = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force"
                "'$($item.Id)', '$($second.Id)' | ForEach-Object { [pscustomobject] @{ StageId = `$_ } } | Approve-NpmStagedPackage -Registry '$($R.Url)' -Token `$t -Confirm:`$false -WarningAction SilentlyContinue -PassThru | ForEach-Object { 'APPROVED=' + `$_.Version }") -join "`n")
        $hostPath = (Get-Process -Id $PID).Path
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -eq 'dotnet') { $prefix = @([Environment]::GetCommandLineArgs()[0]) }
        $psi = [Diagnostics.ProcessStartInfo]::new('script')
        foreach ($a in @('-qec', ((@($hostPath) + $prefix + @('-NoProfile', '-File', $file) | ForEach-Object { "'$_'" }) -join ' '), '/dev/null')) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
        $R.ClearRequests()
        $process = [Diagnostics.Process]::Start($psi)
        try {
            $output = $process.StandardOutput.ReadToEndAsync()
            # type the code once the registry has asked for it (the child is then at its prompt)
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not @($R.Requests | Where-Object Status -eq 401) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Start-Sleep -Milliseconds 500
            $process.StandardInput.Write("123456`r")
            $process.StandardInput.Flush()
            $process.WaitForExit(60000) | Should -BeTrue
            $text = $output.Result
        } finally { if (-not $process.HasExited) { $process.Kill($true) } }
        $text | Should -Match 'Enter OTP:'
        $text | Should -Match 'APPROVED=1.0.0'
        $text | Should -Match 'APPROVED=1.0.1'
        ([regex]::Matches($text, 'Enter OTP:')).Count | Should -Be 1 -Because 'the code that worked is offered to the second staged version first'
        $text | Should -Not -Match '123456'
        ($R.Requests | Where-Object Method -eq 'POST' | ForEach-Object { "$($_.Otp)|$($_.Status)|$($_.Header('npm-auth-type'))" }) | Should -Be @('|401|web', '123456|201|web', '123456|201|web')
    }

    It 'on a terminal, the web second factor shows the URL, polls like npm and replays with the code' -Skip:(-not $HasScript) {
        $forNpm = Stage 'npmh-cmd-web' '1.0.0'
        $forUs = Stage 'npmh-cmd-web' '1.0.1'
        $R.OtpChallenge = 'web'; $R.WebPendingPolls = 2; $R.WebRetryAfterSeconds = 1
        try {
            $R.ClearRequests()
            $npm = Invoke-StageNpm -Environment $E -Arguments @('stage', 'approve', $forNpm.Id, '--browser=false') -Tty
            $npm.ExitCode | Should -Be 0 -Because $npm.StdOut
            $npmSeq = @($R.Requests | ForEach-Object { "$($_.Method) $($_.Path.Replace($forNpm.Id, '<id>') -replace '[0-9a-f]{32}$', 'S') $($_.Status)" })
            $R.ClearRequests()
            $out = Child -Tty @"
`$t = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force
Approve-NpmStagedPackage -Registry '$($R.Url)' -StageId '$($forUs.Id)' -Token `$t -Confirm:`$false -PassThru | ForEach-Object { "APPROVED=`$(`$_.Version)" }
"@
            # ours reads the item and runs the review (the staged tarball, the package document, the published tarball) first
            $ourSeq = @($R.Requests | Where-Object { $_.Path -notmatch '^/-/stage/[0-9a-f-]+(/tarball)?$' -and -not ($_.Method -eq 'GET' -and $_.Path -like '/npmh-cmd-web*') } |
                    ForEach-Object { "$($_.Method) $($_.Path.Replace($forUs.Id, '<id>') -replace '[0-9a-f]{32}$', 'S') $($_.Status)" })
            $out | Should -Match 'APPROVED=1.0.1'
            $out | Should -Match ([regex]::Escape("$($R.Url)-/npmh/web/login/"))
            $ourSeq | Should -Be $npmSeq
            @($R.Requests)[-1].Otp | Should -Match '^[0-9]{16}$'
        } finally { $R.OtpChallenge = 'header' }
    }
}
