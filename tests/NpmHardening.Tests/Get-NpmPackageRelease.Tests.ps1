# Get-NpmPackageRelease (issue 14) against the loopback fake registry (StageRegistry.ps1 + ReleaseRegistry.ps1): release
# paths and -Audit from documents shaped like the registry's, selection, pipeline input, errors for bad answers, views,
# and registry signatures agreeing version by version with the real `npm audit signatures` run on a project that
# installed the same versions from the same fake. No network. The fake needs PowerShell 7.

BeforeDiscovery {
    $script:NotCore = $PSVersionTable.PSVersion.Major -lt 7
    # Wine 8's bcrypt cannot make a P-256 key (CryptographicException 0x80090029, measured under build.ps1 -Task
    # TestWindows); the fixtures' registry signing keys need one, so every block here skips where it fails.
    $script:NoEcdsa = $false
    try { [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256).Dispose() } catch { $script:NoEcdsa = $true }
    $script:NotCore = $NotCore -or $NoEcdsa
}

BeforeAll {
    if ($PSVersionTable.PSVersion.Major -lt 7) { return }
    try { [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256).Dispose() } catch { return }
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
    . (Join-Path $PSScriptRoot 'ReleaseRegistry.ps1')
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-release-" + [guid]::NewGuid().ToString('n'))
    $null = New-Item -ItemType Directory -Path $Root
    $script:R = Start-StageRegistry
    $script:K = New-ReleaseSigningKey
    $script:K2 = New-ReleaseSigningKey
    Set-ReleaseKeys $R @($K)
    $script:On = @{ Registry = $R.Url; ErrorAction = 'Continue' }
    function script:Day([int] $d) { [datetime]::new(2026, 1, 1, 0, 0, 0, [DateTimeKind]::Utc).AddDays($d).ToString('yyyy-MM-ddTHH:mm:ss.fffZ') }

    # every release path, scoped and unscoped
    foreach ($name in 'paths-plain', '@acme/paths') {
        Publish-ReleaseFixture $R $name -Key $K -Versions @(
            @{ Version = '1.0.0'; Path = 'token'; Published = (Day 1) }
            @{ Version = '1.1.0'; Path = 'token+provenance'; Published = (Day 2) }
            @{ Version = '1.2.0'; Path = 'oidc'; Published = (Day 3) }
            @{ Version = '1.3.0'; Path = 'staged'; Approver = 'carol'; Published = (Day 4) }
            @{ Version = '1.4.0'; Path = 'oidc+staged'; Approver = 'dave'; Published = (Day 5) }
        ) | Out-Null
    }
    # staging adopted at 2.1.0, then 2.2.0 skips the gate and loses the trusted publisher; 2.3.0 by a newcomer
    Publish-ReleaseFixture $R '@acme/gate' -Key $K -Versions @(
        @{ Version = '2.0.0'; Path = 'oidc'; Published = (Day 10) }
        @{ Version = '2.1.0'; Path = 'oidc+staged'; Approver = 'bob'; Published = (Day 11) }
        @{ Version = '2.2.0'; Path = 'token'; Publisher = 'alice'; Published = (Day 12) }
        @{ Version = '2.3.0'; Path = 'staged'; Publisher = 'mallory'; Approver = 'bob'; Published = (Day 13) }
    ) | Out-Null
}

AfterAll {
    if ($R) { $R.Dispose() }
    if ($Root -and (Test-Path -LiteralPath $Root)) { Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Get-NpmPackageRelease reads every release path' -Skip:$NotCore {
    It '<_>: one object per version, its markers read on their own' -ForEach @('paths-plain', '@acme/paths') {
        $releases = @(Get-NpmPackageRelease @On -Package $_)
        $releases.Version | Should -Be @('1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0')
        @($releases.ReleasePath | ForEach-Object ToString) | Should -Be @('Token', 'TokenWithProvenance', 'TrustedPublisherDirect', 'StagedApproved', 'StagedApproved')
        @($releases.Package | Sort-Object -Unique) | Should -Be @($_)
        $releases[3].Approver.Name | Should -Be 'carol'
        $releases[3].TrustedPublisher | Should -BeNullOrEmpty
        $releases[4].TrustedPublisher.Provider | Should -Be 'github'
        $releases[4].TrustedPublisher.OidcConfigId | Should -Be 'oidc:1b1f3a44-9a1c-4e4e-9c55-3f1d2a0c0d11'
        $releases[4].Provenance.PredicateType | Should -Be 'https://slsa.dev/provenance/v1'
        $releases[1].Provenance.DigestMatches | Should -BeNullOrEmpty -Because 'the bundle is read only with -CheckProvenance'
        $releases[0].PublishedAt | Should -Be ([datetimeoffset]'2026-01-02T00:00:00Z')
        $releases[4].DistTags | Should -Be @('latest')
        @($releases.RegistrySignature | ForEach-Object ToString | Sort-Object -Unique) | Should -Be @('Valid')
        $releases[0].Integrity | Should -Match '^sha512-'
    }

    It 'selects with -Since and -Version, and takes names from the pipeline and from Get-NpmOrgPackage' {
        (Get-NpmPackageRelease @On -Package 'paths-plain' -Since '2026-01-04T00:00:00Z').Version | Should -Be @('1.2.0', '1.3.0', '1.4.0') -Because '-Since includes its own instant'
        (Get-NpmPackageRelease @On -Package 'paths-plain' -Since '2026-01-04T00:00:01Z').Version | Should -Be @('1.3.0', '1.4.0')
        (Get-NpmPackageRelease @On -Package 'paths-plain' -Version '>=1.1.0 <1.3.0').Version | Should -Be @('1.1.0', '1.2.0')
        (Get-NpmPackageRelease @On -Package 'paths-plain' -Version '~1.4').Version | Should -Be @('1.4.0')
        @('paths-plain', '@acme/paths' | Get-NpmPackageRelease -Registry $R.Url -Version '1.0.0').Package | Should -Be @('paths-plain', '@acme/paths')
        $R.SetOrgPackages('acme', @{ '@acme/paths' = 'write'; '@acme/gate' = 'write' })
        $tok = ConvertTo-SecureString 'npmh-fake-token-alice' -AsPlainText -Force
        $fromOrg = @(Get-NpmOrgPackage -Registry $R.Url -Token $tok -Org acme | Get-NpmPackageRelease -Version '>=1.4.0')
        @($fromOrg | ForEach-Object { "$($_.Package)@$($_.Version)" } | Sort-Object) | Should -Be @('@acme/gate@2.0.0', '@acme/gate@2.1.0', '@acme/gate@2.2.0', '@acme/gate@2.3.0', '@acme/paths@1.4.0')
    }

    It 'refuses a range it cannot read with InvalidVersionRange' {
        { Get-NpmPackageRelease @On -Package 'paths-plain' -Version 'latest' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidVersionRange,*'
    }

    It 'shows the table view, also for deserialized objects' {
        $live = Get-NpmPackageRelease @On -Package '@acme/paths' -Version '1.4.0'
        $text = $live | Out-String -Width 200
        $text | Should -Match 'ReleasePath'
        $text | Should -Match 'StagedApproved'
        $text | Should -Match 'dave'
        $xml = Join-Path $Root 'releases.xml'
        $live | Export-Clixml -LiteralPath $xml
        $back = Import-Clixml -LiteralPath $xml
        $back.PSObject.TypeNames[0] | Should -Be 'Deserialized.NpmHardening.Engine.Releases.NpmPackageRelease'
        ($back | Out-String -Width 200) | Should -Match 'StagedApproved'
    }
}

Describe 'Get-NpmPackageRelease -Audit' -Skip:$NotCore {
    It 'finds the unapproved release after adoption, the trust downgrade and the new publishers' {
        # 2.2.0: a token publish by alice after 2.1.0 was approved, after 2.1.0 came from the trusted publisher with
        # provenance, and alice never published or approved before; 2.3.0 (staged, approved) by mallory, a newcomer
        $findings = @(Get-NpmPackageRelease @On -Package '@acme/gate' -Audit)
        $fails = @($findings | Where-Object Status -eq 'Fail')
        @($fails | ForEach-Object { "$($_.RuleId) $($_.Version)" } | Sort-Object) | Should -Be @(
            'NPMH14001 2.2.0', 'NPMH14002 2.2.0', 'NPMH14003 2.2.0', 'NPMH14004 2.2.0', 'NPMH14004 2.3.0' | Sort-Object)
        $unapproved = $fails | Where-Object RuleId -eq 'NPMH14001'
        $unapproved.Severity.ToString() | Should -Be 'High'
        $unapproved.PreviousVersion | Should -Be '2.1.0'
        $unapproved.ReleasePath.ToString() | Should -Be 'Token'
        $unapproved.GetType().Name | Should -Be 'NpmReleaseFinding'
        @($fails | Where-Object RuleId -eq 'NPMH14004' | ForEach-Object { $_.Severity.ToString() } | Sort-Object -Unique) | Should -Be @('Medium')
        # the signature rules pass for a package whose versions are all signed
        ($findings | Where-Object RuleId -eq 'NPMH14006').Status.ToString() | Should -Be 'Pass'
        # the view and a rehydrated finding
        ($findings | Out-String -Width 220) | Should -Match 'NPMH14001'
        $xml = Join-Path $Root 'findings.xml'
        $findings | Export-Clixml -LiteralPath $xml
        $back = @(Import-Clixml -LiteralPath $xml)
        # the engine loads in its own context: the enum is checked by name, not by a type literal
        $path = ($back | Where-Object RuleId -eq 'NPMH14001').ReleasePath
        $path.GetType().FullName | Should -Be 'NpmHardening.Engine.Releases.NpmReleasePath'
        "$path" | Should -Be 'Token'
    }

    It 'judges only the selected versions, against the whole history, and filters by severity' {
        $late = @(Get-NpmPackageRelease @On -Package '@acme/gate' -Version '2.2.0' -Audit -Severity High | Where-Object Status -eq 'Fail')
        @($late.RuleId | Sort-Object) | Should -Be @('NPMH14001', 'NPMH14002', 'NPMH14003')
        $last = @(Get-NpmPackageRelease @On -Package '@acme/gate' -Version '2.3.0' -Audit | Where-Object Status -eq 'Fail')
        @($last.RuleId) | Should -Be @('NPMH14004')
        @(Get-NpmPackageRelease @On -Package '@acme/gate' -Audit -ExcludeRule 'NPMH1400*' | Where-Object Status -eq 'Fail') | Should -BeNullOrEmpty
    }

    It 'refuses -Severity without -Audit' {
        { Get-NpmPackageRelease @On -Package 'paths-plain' -Severity High -ErrorAction Stop } | Should -Throw -ErrorId 'AuditParameterWithoutAudit,*'
    }
}

Describe 'Bad answers are errors for one package, and the pipeline goes on' -Skip:$NotCore {
    BeforeEach { $R.ClearRequests() }

    It '<Case> gives <ErrorId> and the next package is still read' -ForEach @(
        @{ Case = 'a body that is not JSON'; Name = 'bad-html'; Body = '<html>login</html>'; Status = 200; ErrorId = 'NpmRegistryInvalidResponse' }
        @{ Case = 'JSON that is not an object'; Name = 'bad-array'; Body = '[1,2,3]'; Status = 200; ErrorId = 'NpmRegistryInvalidResponse' }
        @{ Case = 'a truncated document'; Name = 'bad-cut'; Body = '{"name":"bad-cut","versions":{"1.0.0":{"_npmUser":'; Status = 200; ErrorId = 'NpmRegistryInvalidResponse' }
        @{ Case = 'a document without versions'; Name = 'bad-empty'; Body = '{"name":"bad-empty"}'; Status = 200; ErrorId = 'NpmPackageDocumentWithoutVersions' }
        @{ Case = 'a missing package'; Name = 'no-such-package'; Body = $null; Status = 0; ErrorId = 'NpmRegistryNotFound' }
        @{ Case = 'an invalid name'; Name = 'Bad Name'; Body = $null; Status = 0; ErrorId = 'InvalidPackageName' }
    ) {
        if ($Body) { $R.AddResponse('GET', "/$Name", $Status, $Body, 'application/json', -1, $null) }
        $out = @(Get-NpmPackageRelease @On -Package $Name, 'paths-plain' -Version '1.0.0' 2>&1)
        $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        if ($ErrorId -like 'NpmRegistry*') { "$($errors[0].TargetObject)" | Should -Match ([regex]::Escape($R.Url.TrimEnd('/'))) }
        @($out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Version | Should -Be @('1.0.0')
    }

    It 'odd fields read as absent and are named, with a warning: wrong types, dates out of range' {
        $doc = @'
{"name":"odd-fields","dist-tags":{"latest":"1.0.1","next":7},
 "versions":{"1.0.0":{"_npmUser":{"name":"alice","approver":"bob","trustedPublisher":[1]},"dist":{"integrity":42,"signatures":{}}},
             "1.0.1":{"_npmUser":"alice","deprecated":true},
             "1.0.2":"not an object"},
 "time":{"1.0.0":"2026-13-45T99:00:00Z","1.0.1":"+275760-09-13T00:00:00.000Z"},"maintainers":"alice"}
'@
        $R.AddResponse('GET', '/odd-fields', 200, $doc, 'application/json', -1, $null)
        $warnings = @()
        $releases = @(Get-NpmPackageRelease @On -Package 'odd-fields' -WarningVariable warnings -WarningAction SilentlyContinue)
        $releases.Version | Should -Be @('1.0.0', '1.0.1')
        $releases[0].Approver | Should -BeNullOrEmpty
        $releases[0].Integrity | Should -BeNullOrEmpty
        $releases[0].PublishedAt | Should -BeNullOrEmpty
        $releases[0].ReleasePath.ToString() | Should -Be 'Token'
        ($releases[0].Problems -join ' ') | Should -Match 'approver'
        $releases[1].ReleasePath.ToString() | Should -Be 'Unknown'
        $releases[1].Deprecated | Should -Not -BeNullOrEmpty
        $releases[1].DistTags | Should -Be @('latest')
        $releases[0].RegistrySignature.ToString() | Should -Be 'Missing'
        "$warnings" | Should -Match 'unreadable'
    }

    It 'a 50 MB document is read as it arrives' {
        # 3,000 versions and a 50 MB readme: above the transport's 8 MB bound for buffered JSON
        $sb = [System.Text.StringBuilder]::new(60MB)
        [void]$sb.Append('{"name":"huge","readme":"').Append('x', 50MB).Append('","versions":{')
        for ($i = 0; $i -lt 3000; $i++) {
            if ($i) { [void]$sb.Append(',') }
            [void]$sb.Append('"1.0.').Append($i).Append('":{"_npmUser":{"name":"u"},"dist":{"integrity":"sha512-x"}}')
        }
        [void]$sb.Append('},"time":{"1.0.2999":"2026-02-01T00:00:00.000Z"}}')
        $R.AddResponse('GET', '/huge', 200, $sb.ToString(), 'application/json', -1, $null)
        $sb = $null
        $releases = @(Get-NpmPackageRelease @On -Package 'huge' -TimeoutSec 60)
        $releases.Count | Should -Be 3000
        $releases[0].Version | Should -Be '1.0.2999' -Because 'the only version with a publish time sorts first'
    }
}

Describe 'Registry signatures agree with npm audit signatures, version by version' -Skip:$NotCore {
    BeforeAll {
        $script:Shim = New-OfflineTufShim $Root
        $script:E = New-StageNpmEnvironment -Registry $R -Directory (Join-Path $Root 'npm')
        # each package's installed version gets one signature state; 1.0.0 of each is validly signed
        $script:Cases = [ordered]@{
            'sig-valid'       = 'valid'
            '@sigs/valid'     = 'valid'
            'sig-tampered'    = 'tampered'
            '@sigs/tampered'  = 'tampered'
            'sig-foreign'     = 'foreign'
            'sig-missing'     = 'missing'
            '@sigs/missing'   = 'missing'
        }
        foreach ($name in $Cases.Keys) {
            Publish-ReleaseFixture $R $name -Key $K -OtherKey $K2 -Versions @(
                @{ Version = '1.0.0'; Published = (Day 20); Sign = 'valid' }
                @{ Version = '1.0.1'; Published = (Day 21); Sign = $Cases[$name] }
            ) | Out-Null
        }
        $deps = @{}
        foreach ($name in $Cases.Keys) { $deps[$name] = '1.0.1' }
        $script:Audit = Invoke-NpmAuditSignatures -Environment $E -Directory (Join-Path $Root 'parity') -Dependencies $deps -Shim $Shim
    }

    It 'npm ran against the fake and judged every package' {
        $Audit.StdErr | Should -Match 'Fetching directly from' -Because 'npm fell back from TUF to the registry keys, as for every registry but npmjs.org'
        $json = $Audit.StdOut | ConvertFrom-Json
        @($json.invalid).Count + @($json.missing).Count | Should -Be 5
        $R.Requests | Where-Object { $_.Path -eq '/-/npm/v1/keys' } | Should -Not -BeNullOrEmpty
    }

    It 'every installed version gets the verdict npm gave it' {
        $json = $Audit.StdOut | ConvertFrom-Json
        $npm = @{}
        foreach ($name in $Cases.Keys) { $npm[$name] = 'Valid' }
        foreach ($i in @($json.invalid)) { $npm[$i.name] = 'Invalid' }
        foreach ($m in @($json.missing)) { $npm[$m.name] = 'Missing' }
        $ours = @{}
        foreach ($r in @(Get-NpmPackageRelease @On -Package @($Cases.Keys) -Version '1.0.1')) { $ours[$r.Package] = $r.RegistrySignature.ToString() }
        foreach ($name in $Cases.Keys) { "${name}: $($ours[$name])" | Should -Be "${name}: $($npm[$name])" }
        # and the versions npm did not install are validly signed
        @(Get-NpmPackageRelease @On -Package @($Cases.Keys) -Version '1.0.0' | ForEach-Object { $_.RegistrySignature.ToString() } | Sort-Object -Unique) | Should -Be @('Valid')
    }

    It 'an expired key and an unknown key stop npm with <Code>; the release says <Status>' -ForEach @(
        @{ Name = 'sig-expired'; Sign = 'other'; Code = 'EEXPIREDSIGNATUREKEY'; Status = 'KeyExpired' }
        @{ Name = 'sig-unknown'; Sign = 'unknown'; Code = 'EMISSINGSIGNATUREKEY'; Status = 'UnknownKey' }
    ) {
        # K2 is published with an expiry before the versions' publish time
        $R.ClearResponses()
        Set-ReleaseKeys $R @($K, $K2) @($null, '2025-06-01T00:00:00.000Z')
        Publish-ReleaseFixture $R $Name -Key $K -OtherKey $K2 -Versions @(@{ Version = '1.0.0'; Published = (Day 30); Sign = $Sign }) | Out-Null
        $x = Invoke-NpmAuditSignatures -Environment $E -Directory (Join-Path $Root "parity-$Name") -Dependencies @{ $Name = '1.0.0' } -Shim $Shim
        $x.ExitCode | Should -Not -Be 0
        ($x.StdOut + $x.StdErr) | Should -Match $Code
        (Get-NpmPackageRelease @On -Package $Name).RegistrySignature.ToString() | Should -Be $Status
        @(Get-NpmPackageRelease @On -Package $Name -Audit | Where-Object { $_.RuleId -eq 'NPMH14008' -and $_.Status -eq 'Fail' }).Count | Should -Be 1
    }

    It 'a registry without keys: npm reports nothing missing, and the releases are NotSigned' {
        $plain = Start-StageRegistry
        try {
            Set-ReleaseKeys $plain
            Publish-ReleaseFixture $plain 'unsigned-pkg' -Versions @(@{ Version = '1.0.0'; Published = (Day 40); Sign = 'missing' }) | Out-Null
            $env2 = New-StageNpmEnvironment -Registry $plain -Directory (Join-Path $Root 'npm-plain')
            $x = Invoke-NpmAuditSignatures -Environment $env2 -Directory (Join-Path $Root 'parity-plain') -Dependencies @{ 'unsigned-pkg' = '1.0.0' } -Shim $Shim
            @(($x.StdOut | ConvertFrom-Json).missing) | Should -BeNullOrEmpty
            (Get-NpmPackageRelease -Registry $plain.Url -Package 'unsigned-pkg').RegistrySignature.ToString() | Should -Be 'NotSigned'
            (Get-NpmPackageRelease -Registry $plain.Url -Package 'unsigned-pkg' -Audit | Where-Object RuleId -eq 'NPMH14007').Status.ToString() | Should -Be 'NotApplicable'
        } finally { $plain.Dispose() }
    }
}

Describe 'Provenance subject and credentials' -Skip:$NotCore {
    It '-CheckProvenance compares the statement''s subject with the integrity, on the registry asked' {
        $doc = Publish-ReleaseFixture $R 'prov-pkg' -Key $K -Versions @(
            @{ Version = '1.0.0'; Path = 'oidc'; Published = (Day 50) }
            @{ Version = '1.0.1'; Path = 'oidc'; Published = (Day 51) })
        foreach ($v in '1.0.0', '1.0.1') {
            $integrity = $doc['versions'][$v]['dist']['integrity'].GetValue[string]()
            $hex = [Convert]::ToHexString([Convert]::FromBase64String($integrity.Substring(7))).ToLowerInvariant()
            if ($v -eq '1.0.1') { $hex = '0' * 128 }
            $statement = @{ _type = 'https://in-toto.io/Statement/v1'; subject = @(@{ name = "pkg:npm/prov-pkg@$v"; digest = @{ sha512 = $hex } }); predicateType = 'https://slsa.dev/provenance/v1' } | ConvertTo-Json -Depth 5 -Compress
            $bundle = @{ attestations = @(@{ predicateType = 'https://slsa.dev/provenance/v1'; bundle = @{ dsseEnvelope = @{ payload = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($statement)) } } }) } | ConvertTo-Json -Depth 8 -Compress
            $R.AddResponse('GET', "/-/npm/v1/attestations/prov-pkg@$v", 200, $bundle, 'application/json', -1, $null)
        }
        $releases = @(Get-NpmPackageRelease @On -Package 'prov-pkg' -CheckProvenance)
        $releases[0].Provenance.DigestMatches | Should -BeTrue
        $releases[1].Provenance.DigestMatches | Should -BeFalse
        $releases[1].Provenance.Note | Should -Match 'another tarball'
        (Get-NpmPackageRelease @On -Package 'prov-pkg' -CheckProvenance -Audit | Where-Object { $_.RuleId -eq 'NPMH14009' -and $_.Status -eq 'Fail' }).Version | Should -Be '1.0.1'
    }

    It 'sends npm''s credential only to its own registry, and never with the keys request' {
        $other = Start-StageRegistry
        try {
            Set-ReleaseKeys $other
            Publish-ReleaseFixture $other 'cred-pkg' -Versions @(@{ Version = '1.0.0'; Published = (Day 60) }) | Out-Null
            Publish-ReleaseFixture $R 'cred-pkg' -Key $K -Versions @(@{ Version = '1.0.0'; Published = (Day 60) }) | Out-Null
            $home2 = Join-Path $Root 'home-cred'
            $null = New-Item -ItemType Directory -Force $home2
            $token = 'npmh-release-secret-' + [guid]::NewGuid().ToString('n')
            Set-Content -LiteralPath (Join-Path $home2 '.npmrc') -Value "$($R.Scope):_authToken=$token" -Encoding utf8NoBOM
            $envTable = @{ HOME = $home2; PATH = $env:PATH }
            $R.ClearRequests()
            Get-NpmPackageRelease -Registry $other.Url -Environment $envTable -Package 'cred-pkg' | Should -Not -BeNullOrEmpty
            @($other.Requests | Where-Object Authorization) | Should -BeNullOrEmpty
            Get-NpmPackageRelease -Registry $R.Url -Environment $envTable -Package 'cred-pkg' | Should -Not -BeNullOrEmpty
            ($R.Requests | Where-Object Path -eq '/cred-pkg').Authorization | Should -Be "Bearer $token"
            @($R.Requests | Where-Object { $_.Path -eq '/-/npm/v1/keys' -and $_.Authorization }) | Should -BeNullOrEmpty
        } finally { $other.Dispose() }
    }
}
