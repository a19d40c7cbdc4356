# Release events, the unapproved-publish correlation and their state file, against the loopback fake registry
# (StageRegistry.ps1: staged list, approve, reject and package documents as npm 11 reads them). The kill and overlap
# tests run the built module in child PowerShell processes sharing one state file. No network: 127.0.0.1 only.
# The fake needs PowerShell 7 (System.Text.Json.Nodes); under Windows PowerShell 5.1 the registry blocks are skipped.

BeforeDiscovery {
    $script:NotCore = $PSVersionTable.PSVersion.Major -lt 7
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-events-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory -Path $Root
    $script:Token = 'npmh-fake-token-alice'
    $script:Tok = ConvertTo-SecureString $Token -AsPlainText -Force
    if ($PSVersionTable.PSVersion.Major -ge 7) {
        . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
        $script:R = Start-StageRegistry -Users @{ $Token = 'alice'; 'npmh-fake-token-bob' = 'bob' }
    }

    function script:Tgz([string] $Name, [string] $Version) {
        [NpmhStageRegistry]::BuildTarball((@{ name = $Name; version = $Version } | ConvertTo-Json -Compress), @{ 'index.js' = "module.exports = '$Version'" })
    }
    function script:Approve([string] $Id) {
        $null = Invoke-RestMethod -Method Post -Uri ($R.Url + "-/stage/$Id/approve") -Headers @{ authorization = "Bearer $Token"; 'npm-otp' = $R.ValidOtp }
    }
    function script:Reject([string] $Id) {
        $null = Invoke-RestMethod -Method Delete -Uri ($R.Url + "-/stage/$Id") -Headers @{ authorization = "Bearer $Token"; 'npm-otp' = $R.ValidOtp }
    }
    function script:Events([string[]] $Package, [string] $State) {
        if ($State) { @(Get-NpmReleaseEvent -Package $Package -Registry $R.Url -Token $Tok -StatePath $State) }
        else { @(Get-NpmReleaseEvent -Package $Package -Registry $R.Url -Token $Tok) }
    }
    # starts the built module in a child PowerShell that writes one JSON line per event to $Out
    function script:Start-Child([string] $Script, [string] $Name) {
        $file = Join-Path $Root "$Name.ps1"
        Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$env:NPMH_MODULE_PATH'`n" + $Script) -Encoding utf8NoBOM
        $hostPath = (Get-Process -Id $PID).Path
        $arguments = @()
        # PowerShell as a dotnet tool runs as "dotnet pwsh.dll": the child needs both
        if ([IO.Path]::GetFileNameWithoutExtension($hostPath) -eq 'dotnet') { $arguments += [Environment]::GetCommandLineArgs()[0] }
        $arguments += @('-NoProfile', '-NonInteractive', '-File', $file)
        # -NoNewWindow: in a console of its own (Start-Process's default on Windows) PowerShell's console host dies at
        # start under Wine, which gives a new console no screen buffer (README, "TestWindows"); the child needs none.
        Start-Process -FilePath $hostPath -ArgumentList $arguments -PassThru -NoNewWindow -RedirectStandardOutput (Join-Path $Root "$Name.out") -RedirectStandardError (Join-Path $Root "$Name.err")
    }
    function script:ChildEvents([string] $Name) {
        $out = Join-Path $Root "$Name.out"
        if (-not (Test-Path -LiteralPath $out)) { return @() }
        @(Get-Content -LiteralPath $out | Where-Object { $_.StartsWith('{') } | ConvertFrom-Json -DateKind String)
    }
    function script:ChildScript([string] $Packages, [string] $State, [int] $PauseMs = 0, [int] $LockTimeoutSec = 120) {
        @"
`$env:NPMH_TEST_STATE_WRITE_PAUSE_MS = '$PauseMs'
`$tok = ConvertTo-SecureString '$Token' -AsPlainText -Force
Get-NpmReleaseEvent -Package $Packages -Registry '$($R.Url)' -Token `$tok -StatePath '$State' -LockTimeoutSec $LockTimeoutSec | ForEach-Object { `$_ | ConvertTo-Json -Compress }
"@
    }
    function script:WaitFor([scriptblock] $Condition, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { throw "timed out after $Seconds s waiting for $Condition" }
            Start-Sleep -Milliseconds 100
        }
    }
}

AfterAll {
    if ($R) { $R.Dispose() }
    if ($Root) { Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-NpmReleaseEvent' -Skip:$NotCore {
    It 'emits published, staged, approved and rejected events once each over scheduled runs with -StatePath' {
        $null = $R.SeedPublished((Tgz 'ev-token' '1.0.0'), 'latest', 'mallory')
        $a = $R.SeedStaged((Tgz 'ev-staged' '1.0.0'), 'latest', 'ci-bot', 'trusted automation', 'public')
        $d = $R.SeedStaged((Tgz 'ev-staged' '2.0.0'), 'next', 'ci-bot', 'user', 'public')
        $state = Join-Path $Root 'runs.json'

        $first = Events @('ev-token', 'ev-staged') $state
        ($first | ForEach-Object { "$($_.'event.action') $($_.'package.name')@$($_.'package.version') $($_.'user.name')" } | Sort-Object) |
            Should -Be @('package.published ev-token@1.0.0 mallory', 'package.staged ev-staged@1.0.0 ci-bot', 'package.staged ev-staged@2.0.0 ci-bot')
        ($first | Where-Object 'npm.stage_id' -eq $a.Id).'@timestamp' | Should -Be $a.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")

        Approve $a.Id
        Reject $d.Id
        $second = Events @('ev-token', 'ev-staged') $state
        ($second | ForEach-Object { "$($_.'event.action') $($_.'package.version') $($_.'user.name') $($_.'event.outcome')" } | Sort-Object) |
            Should -Be @('package.approved 1.0.0 alice success', 'package.published 1.0.0 ci-bot success', 'package.rejected 2.0.0  failure')

        @(Events @('ev-token', 'ev-staged') $state).Count | Should -Be 0
        # without state: the whole history, and no rejection (nothing to compare with)
        $all = Events @('ev-token', 'ev-staged')
        @($all | ForEach-Object 'event.action' | Sort-Object) | Should -Be @('package.approved', 'package.published', 'package.published')
        # the same facts keep their ids whatever the run
        @($all | ForEach-Object 'event.id' | Where-Object { $_ -notin @($first + $second | ForEach-Object 'event.id') }).Count | Should -Be 0
    }

    It 'is one JSON line with the ECS names under ConvertTo-Json -Compress' {
        $null = $R.SeedPublished((Tgz 'ev-json' '3.1.4'), 'latest', 'carol')
        $ev = (Events 'ev-json')[0]
        $ev.PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmReleaseEvent'
        $line = $ev | ConvertTo-Json -Compress
        $line | Should -Not -Match "`n"
        $line | Should -Match '^\{"@timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","event\.id":"[0-9a-f]{32}","event\.kind":"event","event\.category":"package","event\.type":"creation","event\.action":"package\.published","event\.outcome":"success",'
        $back = $line | ConvertFrom-Json -AsHashtable -DateKind String
        $back['package.name'] | Should -Be 'ev-json'
        $back['package.version'] | Should -Be '3.1.4'
        $back['user.name'] | Should -Be 'carol'
        $back['npm.evidence'] | Should -Match 'versions\[3\.1\.4\]\._npmUser\.name=carol'
        ($ev | Format-Table | Out-String -Width 200) | Should -Match 'Time\s+Action\s+Package\s+Version\s+User'
    }

    It 'reads every package of an organisation with -Org' {
        $null = $R.SeedPublished((Tgz '@evorg/one' '1.0.0'), 'latest', 'alice')
        $R.SetOrgPackages('evorg', @{ '@evorg/one' = 'write' })
        $events = @(Get-NpmReleaseEvent -Org evorg -Registry $R.Url -Token $Tok)
        $events.'package.name' | Should -Be '@evorg/one'
    }

    It 'refuses a state file it did not write, naming it, and leaves it as it is' {
        $bad = Join-Path $Root 'bad-state.json'
        Set-Content -LiteralPath $bad -Value '{"schema":1,"emitted":["x"],"staged":[]}' -NoNewline
        $err = $null
        try { Get-NpmReleaseEvent -Package ev-token -Registry $R.Url -Token $Tok -StatePath $bad } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'StateFileInvalid*'
        $err.Exception.Message | Should -BeLike "*$bad*"
        Get-Content -LiteralPath $bad -Raw | Should -Be '{"schema":1,"emitted":["x"],"staged":[]}'
    }

    It 'does not follow a link at the state path' -Skip:$IsWindows {
        $real = Join-Path $Root 'real-state.json'
        Set-Content -LiteralPath $real -Value 'keep' -NoNewline
        $link = Join-Path $Root 'link-state.json'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $real
        $err = $null
        try { Get-NpmReleaseEvent -Package ev-token -Registry $R.Url -Token $Tok -StatePath $link } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'StateFileUnsafe*'
        Get-Content -LiteralPath $real -Raw | Should -Be 'keep'
    }
}

Describe 'Get-NpmReleaseEvent state under kills and overlapping runs' -Skip:$NotCore {
    BeforeAll {
        $script:Expected = @()
        foreach ($i in 1..4) { $null = $R.SeedPublished((Tgz 'ev-kill' "1.0.$i"), 'latest', 'alice') }
        $null = $R.SeedStaged((Tgz 'ev-kill' '2.0.0'), 'next', 'ci-bot', 'user', 'public')
        $script:Expected = @(Events 'ev-kill' | ForEach-Object 'event.id' | Sort-Object)
        $Expected.Count | Should -Be 5
    }

    It 'a run killed while writing the state file emits nothing, and the rerun emits each event exactly once' {
        $state = Join-Path $Root 'kill.json'
        $p = Start-Child (ChildScript 'ev-kill' $state -PauseMs 60000) 'killed'
        try {
            # the new state is on disk in its temporary file and the run sits just before the rename: kill it there
            WaitFor { @(Get-ChildItem -LiteralPath $Root -Force -Filter 'kill.json*.tmp').Count -gt 0 -or $p.HasExited }
            $p.HasExited | Should -BeFalse -Because (Get-Content -LiteralPath (Join-Path $Root 'killed.err') -Raw)
            $p.Kill()
            $p.WaitForExit()
        } finally { if (-not $p.HasExited) { $p.Kill() } }
        @(ChildEvents 'killed').Count | Should -Be 0
        Test-Path -LiteralPath $state | Should -BeFalse

        $rerun = Start-Child (ChildScript 'ev-kill' $state) 'rerun'
        $rerun.WaitForExit(120000) | Should -BeTrue
        $again = Start-Child (ChildScript 'ev-kill' $state) 'again'
        $again.WaitForExit(120000) | Should -BeTrue
        $emitted = @(ChildEvents 'killed') + @(ChildEvents 'rerun') + @(ChildEvents 'again')
        @($emitted | ForEach-Object 'event.id' | Sort-Object) | Should -Be $Expected
        # the killed run's temporary file is gone: the next holder of the lock removed it
        @(Get-ChildItem -LiteralPath $Root -Force -Filter 'kill.json*.tmp').Count | Should -Be 0
    }

    It 'two overlapping runs emit each event once: the second waits for the first and finds nothing new' {
        $state = Join-Path $Root 'overlap.json'
        $first = Start-Child (ChildScript 'ev-kill' $state -PauseMs 3000) 'first'
        WaitFor { @(Get-ChildItem -LiteralPath $Root -Force -Filter 'overlap.json*.tmp').Count -gt 0 -or $first.HasExited }
        # the first holds the lock now (it is writing); the second starts while it does
        $second = Start-Child (ChildScript 'ev-kill' $state) 'second'
        $first.WaitForExit(120000) | Should -BeTrue
        $second.WaitForExit(120000) | Should -BeTrue
        @(ChildEvents 'first' | ForEach-Object 'event.id' | Sort-Object) | Should -Be $Expected
        @(ChildEvents 'second').Count | Should -Be 0
    }

    It 'a run that cannot get the lock in time emits nothing and says the file is in use' {
        $state = Join-Path $Root 'busy.json'
        $holder = Start-Child (ChildScript 'ev-kill' $state -PauseMs 20000) 'holder'
        try {
            WaitFor { @(Get-ChildItem -LiteralPath $Root -Force -Filter 'busy.json*.tmp').Count -gt 0 -or $holder.HasExited }
            $err = $null
            try { Get-NpmReleaseEvent -Package ev-kill -Registry $R.Url -Token $Tok -StatePath $state -LockTimeoutSec 1 } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'StateFileLocked*'
        } finally { if (-not $holder.HasExited) { $holder.Kill(); $holder.WaitForExit() } }
    }
}

Describe 'Find-NpmUnapprovedPublish' {
    BeforeAll {
        $t0 = [DateTimeOffset]::new(2026, 3, 2, 8, 0, 0, [TimeSpan]::Zero)
        # the issue's timeline: a stage/approve/publish; b publish without approval; c approval 30 h after its publish;
        # d stage then rejection; e approval with no stage; f approval 2 h after its publish
        $script:Timeline = @(
            @('package.staged', 'a', '1.0.0', 0), @('package.approved', 'a', '1.0.0', 2), @('package.published', 'a', '1.0.0', 2),
            @('package.published', 'b', '1.0.0', 3),
            @('package.staged', 'c', '1.0.0', 0), @('package.published', 'c', '1.0.0', 4), @('package.approved', 'c', '1.0.0', 34),
            @('package.staged', 'd', '1.0.0', 5), @('package.rejected', 'd', '1.0.0', 6),
            @('package.approved', 'e', '2.0.0', 7), @('package.published', 'e', '2.0.0', 7),
            @('package.staged', 'f', '1.0.0', 9), @('package.published', 'f', '1.0.0', 10), @('package.approved', 'f', '1.0.0', 12)
        ) | ForEach-Object { [ordered]@{ action = $_[0]; name = $_[1]; version = $_[2]; at = $t0.AddHours($_[3]).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") } }
        $script:Jsonl = Join-Path $Root 'export.jsonl'
        $Timeline | ForEach-Object { [pscustomobject]$_ | ConvertTo-Json -Compress } | Set-Content -LiteralPath $Jsonl -Encoding utf8NoBOM
        $script:Csv = Join-Path $Root 'export.csv'
        $Timeline | ForEach-Object { [pscustomobject]$_ } | Export-Csv -LiteralPath $Csv -NoTypeInformation -Encoding utf8NoBOM
        $script:Map = @{ ActionField = 'action'; PackageField = 'name'; VersionField = 'version'; TimeField = 'at' }
        function script:Alerts($Alerts) { @($Alerts | ForEach-Object { "$($_.RuleId) $($_.Package)@$($_.Version)" }) }
    }

    It 'gives exactly the expected alerts for a window of <Hours> h, from JSON lines, CSV and the pipeline' -ForEach @(
        @{ Hours = 1; Expected = @('NPMH14101 b@1.0.0', 'NPMH14101 c@1.0.0', 'NPMH14103 e@2.0.0', 'NPMH14101 f@1.0.0') }
        @{ Hours = 24; Expected = @('NPMH14101 b@1.0.0', 'NPMH14101 c@1.0.0', 'NPMH14103 e@2.0.0') }
        @{ Hours = 48; Expected = @('NPMH14101 b@1.0.0', 'NPMH14103 e@2.0.0') }
    ) {
        $window = [TimeSpan]::FromHours($Hours)
        Alerts (Find-NpmUnapprovedPublish -Path $Jsonl -Window $window @Map) | Should -Be $Expected
        Alerts (Find-NpmUnapprovedPublish -LiteralPath $Csv -Window $window @Map) | Should -Be $Expected
        Alerts (Import-Csv -LiteralPath $Csv | Find-NpmUnapprovedPublish -Window $window @Map) | Should -Be $Expected
        Alerts (Get-Content -LiteralPath $Jsonl | ConvertFrom-Json | Find-NpmUnapprovedPublish -Window $window @Map) | Should -Be $Expected
    }

    It 'defaults to 24 hours and says which line of which file an alert came from' {
        $alerts = @(Find-NpmUnapprovedPublish -Path $Jsonl @Map)
        Alerts $alerts | Should -Be @('NPMH14101 b@1.0.0', 'NPMH14101 c@1.0.0', 'NPMH14103 e@2.0.0')
        $b = $alerts[0]
        $b.GetType().FullName | Should -Be 'NpmHardening.NpmReleaseAlert'
        $b.Severity | Should -Be 'High'
        $b.Location.Path | Should -Be $Jsonl
        $b.Location.Line | Should -Be 4
        $b.WindowHours | Should -Be 24
        $b.LookedFor | Should -Be 'an approval (package.approved) of b@1.0.0 between 2026-03-01T11:00:00.000Z and 2026-03-03T11:00:00.000Z'
        $b.Event['name'] | Should -Be 'b'
        $alerts[2].Severity | Should -Be 'Low'
    }

    It 'writes one error per bad line naming the file and line, and goes on' {
        $mixed = Join-Path $Root 'mixed.jsonl'
        Set-Content -LiteralPath $mixed -Encoding utf8NoBOM -Value @(
            '{"action":"package.published","name":"x","version":"1","at":"2026-01-01T00:00:00Z"}'
            'this is not json'
            '{"action":"package.published","name":"y","version":"1","at":"not a time"}'
            '{"action":"package.published","name":"z","version":"1","at":"2026-01-01T00:00:00Z"}'
        )
        $alerts = @(Find-NpmUnapprovedPublish -Path $mixed @Map -ErrorVariable errs -ErrorAction SilentlyContinue)
        Alerts $alerts | Should -Be @('NPMH14101 x@1', 'NPMH14101 z@1')
        $errs.Count | Should -Be 2
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'ReleaseEventInvalid*' }
        $errs[0].Exception.Message | Should -BeLike "$mixed`:2: *"
        $errs[1].Exception.Message | Should -BeLike "$mixed`:3: *not a time*"
        $errs[1].TargetObject | Should -Be "$mixed`:3"
    }

    It 'is one JSON line per alert and goes into Export-NpmHardeningReport, live and read back from CLIXML' {
        $alerts = @(Find-NpmUnapprovedPublish -Path $Jsonl @Map)
        foreach ($a in $alerts) { ($a | ConvertTo-Json -Compress) | Should -Not -Match "`n" }
        $html = Join-Path $Root 'alerts.html'
        $alerts | Export-NpmHardeningReport -Path $html -Format Html
        $text = Get-Content -LiteralPath $html -Raw
        $text | Should -Match 'NPMH14101'
        $text | Should -Match 'NPMH14103'
        $xml = Join-Path $Root 'alerts.clixml'
        $alerts | Export-Clixml -LiteralPath $xml
        $sarif = Join-Path $Root 'alerts.sarif'
        Import-Clixml -LiteralPath $xml | Export-NpmHardeningReport -Path $sarif -Format Sarif
        $log = Get-Content -LiteralPath $sarif -Raw | ConvertFrom-Json
        @($log.runs[0].results | ForEach-Object ruleId | Sort-Object) | Should -Be @('NPMH14101', 'NPMH14101', 'NPMH14103')
        ($alerts | Format-Table | Out-String -Width 200) | Should -Match 'Severity\s+RuleId\s+EventTime\s+Action\s+Package'
    }

    It 'correlates our own events from the registry: the token publish alerts, the approved release does not' -Skip:$NotCore {
        $null = $R.SeedPublished((Tgz 'ev-corr-token' '1.0.0'), 'latest', 'mallory')
        $s = $R.SeedStaged((Tgz 'ev-corr-gate' '1.0.0'), 'latest', 'ci-bot', 'user', 'public')
        $state = Join-Path $Root 'corr.json'
        $seen = @(Events @('ev-corr-token', 'ev-corr-gate') $state)
        Approve $s.Id
        $seen += Events @('ev-corr-token', 'ev-corr-gate') $state
        $alerts = @($seen | Find-NpmUnapprovedPublish)
        Alerts $alerts | Should -Be @('NPMH14101 ev-corr-token@1.0.0')
        $alerts[0].Location.Uri | Should -Be ($R.Url + 'ev-corr-token/1.0.0')
        $alerts[0].Actor | Should -Be 'mallory'
    }
}

Describe 'Get-NpmReleaseGate' -Skip:$NotCore {
    BeforeAll {
        $stageOnly = '{"type":"github","claims":{"repository":"gate/good","workflow_ref":{"file":"release.yml"},"environment":"npm"},"permissions":["createStagedPackage"]}'
        $direct = '{"type":"github","claims":{"repository":"gate/direct","workflow_ref":{"file":"release.yml"}},"permissions":["createPackage","createStagedPackage"]}'
        # good: stage-only trust, every version approved out of staging, one more waiting
        $null = $R.SeedTrust('@gate/good', $stageOnly)
        Approve ($R.SeedStaged((Tgz '@gate/good' '1.0.0'), 'latest', 'ci-bot', 'trusted automation', 'public')).Id
        $null = $R.SeedStaged((Tgz '@gate/good' '1.1.0'), 'latest', 'ci-bot', 'trusted automation', 'public')
        # direct: a trusted publisher that may publish directly, and a token release
        $null = $R.SeedTrust('@gate/direct', $direct)
        $null = $R.SeedPublished((Tgz '@gate/direct' '1.0.0'), 'latest', 'alice')
        # none: no trusted publisher, token releases only
        $R.AddGovernedPackage('@gate/none', $true)
        $null = $R.SeedPublished((Tgz '@gate/none' '1.0.0'), 'latest', 'alice')
        # slipped: adopted staging, then a token release after it (the release audit's NPMH14001)
        $R.AddGovernedPackage('@gate/slipped', $true)
        Approve ($R.SeedStaged((Tgz '@gate/slipped' '1.0.0'), 'latest', 'alice', 'user', 'public')).Id
        Start-Sleep -Milliseconds 20
        $null = $R.SeedPublished((Tgz '@gate/slipped' '1.0.1'), 'latest', 'alice')
        $R.SetOrgPackages('gate', @{ '@gate/good' = 'write'; '@gate/direct' = 'write'; '@gate/none' = 'write'; '@gate/slipped' = 'write' })
        $script:Gates = @(Get-NpmReleaseGate -Org gate -Registry $R.Url -Token $Tok | Sort-Object Package)
    }

    It 'reads each package''s trust, staging adoption, recent release paths and waiting versions' {
        $Gates.Package | Should -Be @('@gate/direct', '@gate/good', '@gate/none', '@gate/slipped')
        $direct, $good, $none, $slipped = $Gates
        "$($good.TrustedPublisher) $($good.StageOnly) $($good.StagedPublishingAdopted) $($good.RecentReleases) $($good.UngatedReleases) $($good.StagedWaiting) $($good.Score)" |
            Should -Be 'True True True 1 0 1 100'
        $good.ReleasesByPath['StagedApproved'] | Should -Be 1
        $good.OldestStagedAge | Should -BeLessThan ([TimeSpan]::FromMinutes(5))
        "$($direct.TrustedPublisher) $($direct.StageOnly) $($direct.StagedPublishingAdopted) $($direct.UngatedReleases) $($direct.Score)" | Should -Be 'True False False 1 20'
        $direct.ReleasesByPath['Token'] | Should -Be 1
        "$($none.TrustedPublisher) $($none.StageOnly) $($none.Score)" | Should -Be 'False  0'
        "$($slipped.StagedPublishingAdopted) $($slipped.RecentReleases) $($slipped.UngatedReleases) $($slipped.Score)" | Should -Be 'True 2 1 45'
        $slipped.OpenFindings | Should -BeGreaterThan 0
        $slipped.Findings.RuleId | Should -Contain 'NPMH14001'
        $good.OpenFindings | Should -Be 0
        $good.TwoFactorPolicy | Should -Be 'Unknown'
        ($Gates | Format-Table | Out-String -Width 200) | Should -Match 'Package\s+Score\s+Trusted\s+StageOnly\s+Staging'
    }

    It 'counts the same findings, rule ids and severities as Get-NpmPackageRelease -Audit over the same period' {
        # a registry that does not sign (404 for its keys): the gate does not judge signatures, so neither may the audit here
        . (Join-Path $PSScriptRoot 'ReleaseRegistry.ps1')
        Set-ReleaseKeys $R
        foreach ($gate in $Gates) {
            $audit = @(Get-NpmPackageRelease -Package $gate.Package -Registry $R.Url -Token $Tok -Audit -Since (Get-Date).AddDays(-$gate.Days) |
                Where-Object { $_.Status -in 'Fail', 'Warning' })
            @($gate.Findings | ForEach-Object { "$($_.FactId)|$($_.RuleId)|$($_.Severity)" } | Sort-Object) |
                Should -Be @($audit | ForEach-Object { "$($_.FactId)|$($_.RuleId)|$($_.Severity)" } | Sort-Object) -Because $gate.Package
        }
    }

    It 'sums the organisation up with -Summary, and the findings make an HTML report' {
        $summary = Get-NpmReleaseGate -Org gate -Registry $R.Url -Token $Tok -Summary
        $summary.GetType().FullName | Should -Be 'NpmHardening.NpmReleaseGateSummary'
        "$($summary.Packages) $($summary.FullyGated) $($summary.StageOnly) $($summary.StagedPublishingAdopted) $($summary.UngatedReleases)/$($summary.RecentReleases) $($summary.StagedWaiting) $($summary.Score)" |
            Should -Be '4 1 1 2 3/5 1 41'
        $summary.NotGated | Sort-Object | Should -Be @('@gate/direct', '@gate/none', '@gate/slipped')
        $html = Join-Path $Root 'gate.html'
        $Gates | ForEach-Object Findings | Export-NpmHardeningReport -Path $html -Format Html
        Get-Content -LiteralPath $html -Raw | Should -Match 'NPMH14001'
    }
}
