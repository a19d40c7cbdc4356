#Requires -Version 7.0
# Compare-NpmLockfile on a real npm lockfile (tests/verdaccio/package-lock.json, written by npm for the Verdaccio
# suite): copies of it changed entry by entry give each change kind and each risk signal; -Base runs the real git in a
# throwaway repository; -Online asks a fake registry on 127.0.0.1 (StageRegistry.ps1) for publish times.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-lockcmp-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Root -Force
    $script:RealLock = Join-Path $env:NPMH_REPO_ROOT 'tests/verdaccio/package-lock.json'
    $script:Git = Get-Command git -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1

    # The real lockfile, with the resolved URL npm writes when it is not told to omit it (this one was written without).
    function script:Read-Lock {
        $lock = Get-Content -LiteralPath $RealLock -Raw | ConvertFrom-Json -AsHashtable
        foreach ($key in @($lock.packages.Keys)) {
            if ($key -notlike 'node_modules/*' -or $lock.packages[$key].resolved) { continue }
            $name = $key.Substring($key.LastIndexOf('node_modules/') + 13)
            $lock.packages[$key].resolved = "https://registry.npmjs.org/$name/-/$($name.Split('/')[-1])-$($lock.packages[$key].version).tgz"
        }
        $lock
    }
    function script:Write-Lock([hashtable] $Lock, [string] $Path) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        [IO.File]::WriteAllText($Path, ($Lock | ConvertTo-Json -Depth 20))
        $Path
    }
    # The 1-based line of an entry's key, read from the file itself (independent of the module's reader).
    function script:Line-Of([string] $Path, [string] $Key) {
        (Select-String -LiteralPath $Path -SimpleMatch -Pattern ('"' + $Key + '": {') | Select-Object -First 1).LineNumber
    }

    # Entries of the real lockfile chosen by shape, so the test does not hard-code what the file holds: a direct
    # dependency, and a top-level package that exactly one other package depends on (a transitive one).
    $lock = Read-Lock
    $script:Packages = $lock.packages
    $rootDeps = @($Packages[''].dependencies.Keys)
    $script:DirectName = @($rootDeps | Sort-Object)[0]
    $dependents = @{}
    foreach ($key in $Packages.Keys) {
        if (-not $key -or -not $Packages[$key].dependencies) { continue }
        foreach ($d in @($Packages[$key].dependencies.Keys)) { $dependents[$d] += @($key) }
    }
    $script:Transitive = @($Packages.Keys | Where-Object {
            $_ -match '^node_modules/[^/]+$' -and $Packages[$_].integrity -and $Packages[$_].version -match '^\d+\.\d+\.\d+$' -and
            $rootDeps -notcontains $_.Substring(13) -and $dependents.ContainsKey($_.Substring(13)) -and @($dependents[$_.Substring(13)]).Count -eq 1 -and
            $dependents[$_.Substring(13)][0] -match '^node_modules/[^/]+$'
        } | Sort-Object)
    $script:T = $Transitive[0..5] | ForEach-Object { $_.Substring(13) }   # six transitive packages
    $script:ParentOf = @{}; foreach ($n in $T) { $ParentOf[$n] = $dependents[$n][0].Substring(13) }

    # The changed copy: one entry per change kind and per risk signal.
    $new = Read-Lock
    $p = $new.packages
    $v = [version]$p["node_modules/$($T[0])"].version
    $p["node_modules/$($T[0])"].version = "$($v.Major).$($v.Minor).$($v.Build + 1)"          # upgraded, nothing else
    $p["node_modules/$($T[0])"].integrity = 'sha512-' + ('U' * 86) + '=='
    $p["node_modules/$($T[1])"].integrity = 'sha512-' + ('S' * 86) + '=='                      # tarball swap
    $p["node_modules/$($T[2])"].resolved = $p["node_modules/$($T[2])"].resolved -replace '^https://[^/]+/', 'https://deploy:hunter2secret@npm.evil.example/' # host
    $p["node_modules/$($T[3])"].resolved = $p["node_modules/$($T[3])"].resolved -replace '^https://', 'http://'             # scheme
    $p["node_modules/$($T[4])"].Remove('integrity')                                             # integrity removed
    $p["node_modules/$($T[5])"].version = '0.0.1'                                               # downgraded
    $p["node_modules/$($T[5])"].integrity = 'sha512-' + ('D' * 86) + '=='
    $p["node_modules/$($T[5])"].hasInstallScript = $true                                        # and an install script
    $p['node_modules/npmh-added-pkg'] = [ordered]@{ version = '1.0.0'; resolved = 'https://registry.npmjs.org/npmh-added-pkg/-/npmh-added-pkg-1.0.0.tgz'; integrity = 'sha512-' + ('A' * 86) + '=='; hasInstallScript = $true }
    $p[''].dependencies['npmh-added-pkg'] = '^1.0.0'
    $p['node_modules/lodahs'] = [ordered]@{ version = '4.17.21'; resolved = 'https://registry.npmjs.org/lodahs/-/lodahs-4.17.21.tgz'; integrity = 'sha512-' + ('L' * 86) + '==' }
    $p[''].dependencies['lodahs'] = '^4.17.21'                                                  # a typosquat of lodash
    # removed: a leaf none of the six hangs under, so their chains stay whole
    $script:RemovedKey = @($Transitive | Select-Object -Skip 6 | Where-Object { -not $Packages[$_].dependencies -and $ParentOf.Values -notcontains $_.Substring(13) } | Select-Object -First 1)[0]
    $p.Remove($RemovedKey)
    $script:OldPath = Write-Lock (Read-Lock) (Join-Path $Root 'pair/old/package-lock.json')
    $script:NewPath = Write-Lock $new (Join-Path $Root 'pair/new/package-lock.json')
    $script:Changes = @(Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath)
    function script:Change([string] $Name) { @($Changes | Where-Object Name -eq $Name) }
}

AfterAll {
    if ($Root -and (Test-Path -LiteralPath $Root)) { Remove-Item -LiteralPath $Root -Recurse -Force }
}

Describe 'The fixture' {
    It 'found six transitive packages with one dependent each, and a direct one' {
        $T.Count | Should -Be 6
        $DirectName | Should -Not -BeNullOrEmpty
        $RemovedKey | Should -Not -BeNullOrEmpty
    }
}

Describe 'Compare-NpmLockfile on a real lockfile' {
    It 'finds no change between the lockfile and a re-indented copy that also spells out each resolved URL' {
        $copy = Write-Lock (Read-Lock) (Join-Path $Root 'same/package-lock.json')
        @(Compare-NpmLockfile -ReferencePath $RealLock -DifferencePath $copy) | Should -HaveCount 0
        $s = Compare-NpmLockfile -ReferencePath $RealLock -DifferencePath $copy -Summary
        $s.Risk | Should -Be 'Info'
        $s.Packages | Should -Be ($Packages.Count - 1)
        $s.Verdict | Should -BeLike 'No risk signals. 0 changed package(s)*'
    }

    It 'reports exactly one change per changed package, and nothing for the rest' {
        $names = @($Changes.Name | Sort-Object)
        $expected = @($T + 'npmh-added-pkg' + 'lodahs' + $RemovedKey.Substring(13) | Sort-Object)
        $names | Should -Be $expected
    }

    It 'calls an upgrade with a new hash an upgrade, with no signal' {
        $c = Change $T[0]
        $c.Change | Should -Be 'Upgraded'
        $c.Risk | Should -Be 'Info'
        @($c.RuleIds) | Should -HaveCount 0
    }

    It 'flags a new integrity under the same version as a tarball swap (Critical)' {
        $c = Change $T[1]
        $c.Change | Should -Be 'Changed'
        $c.Before | Should -Be $c.After
        @($c.RuleIds) | Should -Be @('NPMH15050')
        $c.Risk | Should -Be 'Critical'
        $c.IntegrityAfter | Should -BeLike 'sha512-SSSS*'
    }

    It 'flags a new host without showing the credential in the URL' {
        $c = Change $T[2]
        @($c.RuleIds) | Should -Be @('NPMH15051')
        $c.Reasons[0] | Should -BeLike '*npm.evil.example*'
        $all = ($Changes | ConvertTo-Json -Depth 5) + ($Changes | Out-String -Width 400) + (Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Audit | ConvertTo-Json -Depth 5)
        $all | Should -Not -BeLike '*hunter2secret*'
        $all | Should -Not -BeLike '*deploy:*'
    }

    It 'flags https turning into http as a change of source kind' {
        @((Change $T[3]).RuleIds) | Should -Be @('NPMH15052')
    }

    It 'flags a removed integrity' {
        @((Change $T[4]).RuleIds) | Should -Be @('NPMH15053')
    }

    It 'flags a downgrade that also gained an install script, riskiest first' {
        $c = Change $T[5]
        $c.Change | Should -Be 'Downgraded'
        @($c.RuleIds) | Should -Be @('NPMH15054', 'NPMH15055')
        $c.Risk | Should -Be 'High'
    }

    It 'flags an added package with an install script and calls it direct' {
        $c = Change 'npmh-added-pkg'
        $c.Change | Should -Be 'Added'
        @($c.RuleIds) | Should -Be @('NPMH15054')
        $c.Direct | Should -BeTrue
        $c.Line | Should -Be (Line-Of $NewPath 'node_modules/npmh-added-pkg')
    }

    It 'flags a new name one edit from a popular package, with the name it imitates' {
        $c = Change 'lodahs'
        $c.Change | Should -Be 'Added'
        @($c.RuleIds) | Should -Be @('NPMH15056')
        $c.Reasons[0] | Should -BeLike "*'lodash'*"
    }

    It 'lists the removed package last, placed in the old tree' {
        $Changes[-1].Change | Should -Be 'Removed'
        $Changes[-1].PackagePath | Should -Be $RemovedKey
        $Changes[-1].After | Should -BeNullOrEmpty
        $Changes[-1].Line | Should -Be (Line-Of $OldPath $RemovedKey)
    }

    It 'places a transitive package under the package that depends on it' {
        foreach ($n in $T[0..4]) {
            $c = Change $n
            $c.Direct | Should -BeFalse -Because "$n is only a dependency of $($ParentOf[$n])"
            $c.Chain | Should -BeLike "* > $($ParentOf[$n]) > $n" -Because 'the chain ends parent > package'
            $c.ViaCount | Should -BeGreaterThan 0
            $c.Chain.Split(' > ')[0] | Should -BeIn @($c.Via)
        }
    }

    It 'shows a table grouped by lockfile' {
        $text = $Changes | Out-String -Width 250
        $text | Should -BeLike "*Lockfile: $NewPath*"
        $text | Should -BeLike '*Change*Name*Before*After*Risk*Via*Reason*'
    }
}

Describe 'Compare-NpmLockfile -Audit and -Summary' {
    It 'writes one finding per signal, titled and rated by the catalog, at the entry''s line' {
        $findings = @(Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Audit)
        $findings.Count | Should -Be (@($Changes.RuleIds) | Measure-Object).Count
        foreach ($f in $findings) {
            $f.GetType().Name | Should -Be 'NpmLockfileChangeFinding'
            $rule = Get-NpmRule -RuleId $f.RuleId
            $f.Title | Should -Be $rule.Title
            $f.Severity | Should -Be $rule.Severity
            $f.Status | Should -Be 'Fail'
            $f.Location.Path | Should -Be $NewPath
            $f.Location.Line | Should -Be (Line-Of $NewPath $f.PackagePath)
        }
        @($findings.FactId | Sort-Object -Unique).Count | Should -Be $findings.Count
    }

    It 'sums the same changes and signals in the verdict' {
        $s = Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Summary
        $s.Risk | Should -Be 'Critical'
        $s.Added | Should -Be 2; $s.Removed | Should -Be 1; $s.Upgraded | Should -Be 1; $s.Downgraded | Should -Be 1; $s.Changed | Should -Be 4
        $s.Signals | Should -Be (@($Changes.RuleIds) | Measure-Object).Count
        $s.Critical | Should -Be 1
        $s.Verdict | Should -BeLike 'Critical: 8 risk signal(s) in 9 changed package(s): 2 added, 1 removed, 1 upgraded, 1 downgraded, 4 changed. First: NPMH15050: *'
        ($s | Out-String -Width 300) | Should -BeLike '*Critical*2/1/1/1/4*'
    }

    It 'suppresses a signal a policy exception covers, by package path, and keeps it out of the risk' {
        $policy = Join-Path $Root 'policy.psd1'
        Set-Content -LiteralPath $policy -Value "@{ Exceptions = @( @{ RuleId = 'NPMH15050'; Location = 'node_modules/$($T[1])'; Justification = 'republished by our mirror, checked'; Expires = '2099-01-01' } ) }"
        $s = Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Summary -Policy $policy
        $s.Suppressed | Should -Be 1
        $s.Critical | Should -Be 0
        $s.Risk | Should -Be 'High'
        $swap = @(Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Audit -Policy $policy | Where-Object RuleId -eq 'NPMH15050')
        $swap[0].Status | Should -Be 'Suppressed'
        $swap[0].Suppression.Justification | Should -Be 'republished by our mirror, checked'
    }

    It 'filters by -ExcludeRule and -Severity, and refuses them without -Audit or -Summary' {
        $s = Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Summary -ExcludeRule 'NPMH15050' -Severity High
        $s.RuleCounts | Should -Not -Contain 'NPMH15050=1'
        $s.Medium | Should -Be 0
        { Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -ExcludeRule 'NPMH15050' -ErrorAction Stop } |
            Should -Throw -ErrorId 'AuditParameterWithoutAudit,NpmHardening.Commands.CompareNpmLockfileCommand'
    }

    It 'comes back from Import-Clixml as the live types, Risk comparable as a severity' {
        $file = Join-Path $Root 'changes.clixml'
        @($Changes; Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $NewPath -Summary) | Export-Clixml -LiteralPath $file
        $back = @(Import-Clixml -LiteralPath $file)
        $back[0].GetType().Name | Should -Be 'NpmLockfileChange'
        $back[-1].GetType().Name | Should -Be 'NpmLockfileReview'
        ($back[-1].Risk -ge 'High') | Should -BeTrue
        @($back | Where-Object { $_.Risk -ge 'High' }).Count | Should -Be (@($Changes | Where-Object { $_.Risk -ge 'High' }).Count + 1)
    }
}

Describe 'Bad input' {
    It 'writes an error naming a broken lockfile and goes on with the next one' {
        $broken = Join-Path $Root 'bad/truncated.json'
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $broken)
        [IO.File]::WriteAllText($broken, (Get-Content -LiteralPath $NewPath -Raw).Substring(0, 5000))
        $out = @(Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $broken -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out | Should -HaveCount 0
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'Lockfile*,NpmHardening.Commands.CompareNpmLockfileCommand'
        $errs[0].TargetObject | Should -Be $broken
        $errs[0].Exception.Message | Should -BeLike "*$broken*"
    }

    It 'reports a merge-conflict marker with its line' {
        $conflict = Join-Path $Root 'bad/conflict.json'
        $lines = [Collections.Generic.List[string]](Get-Content -LiteralPath $NewPath)
        $lines.Insert(20, '<<<<<<< HEAD')
        Set-Content -LiteralPath $conflict -Value $lines
        $null = Compare-NpmLockfile -ReferencePath $OldPath -DifferencePath $conflict -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'LockfileConflictMarker,*'
        $errs[0].Exception.Message | Should -BeLike '*21*'
    }

    It 'names a missing file' {
        $null = Compare-NpmLockfile -ReferencePath (Join-Path $Root 'nope.json') -DifferencePath $NewPath -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'LockfileNotFound,*'
    }
}

Describe 'Compare-NpmLockfile -Base in a git repository' -Skip:(-not (Get-Command git -CommandType Application -ErrorAction SilentlyContinue)) {
    BeforeAll {
        $script:Repo = Join-Path $Root 'repo'
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $Repo 'app'), (Join-Path $Repo 'web')
        function script:G { & $Git.Source -C $Repo @args 2>&1; if ($LASTEXITCODE) { throw "git $args failed" } }
        G init -q -b main
        G config user.email t@example.invalid
        G config user.name t
        Copy-Item -LiteralPath $OldPath -Destination (Join-Path $Repo 'app/package-lock.json')
        Copy-Item -LiteralPath $OldPath -Destination (Join-Path $Repo 'web/package-lock.json')
        G add -A
        G commit -q -m base
        $script:BaseCommit = (G rev-parse HEAD).Trim()
        Copy-Item -LiteralPath $NewPath -Destination (Join-Path $Repo 'app/package-lock.json') -Force
        Copy-Item -LiteralPath $OldPath -Destination (Join-Path $Repo 'web/package-lock.json') -Force
        G commit -q -am change
        Set-Content -LiteralPath (Join-Path $Repo 'new-lock.json') -Value '{}'
    }

    It 'compares the working tree''s lockfile with its version at the revision' {
        $s = Compare-NpmLockfile -Path (Join-Path $Repo 'app/package-lock.json') -Base HEAD~1 -Summary
        $s.ReferencePath | Should -Be 'HEAD~1:app/package-lock.json'
        $s.BaseCommit | Should -Be $BaseCommit
        $s.Risk | Should -Be 'Critical'
        $s.Signals | Should -Be (@($Changes.RuleIds) | Measure-Object).Count
        $f = @(Compare-NpmLockfile -Path (Join-Path $Repo 'app/package-lock.json') -Base HEAD~1 -Audit | Where-Object Change -eq 'Removed')
        $f | Should -HaveCount 0
    }

    It 'takes every lockfile of a tree from the pipeline' {
        $all = @(Get-ChildItem -LiteralPath $Repo -Recurse -Filter package-lock.json | Compare-NpmLockfile -Base main~1 -Summary)
        $all | Should -HaveCount 2
        ($all | Where-Object { $_.Path -like '*web*' }).Verdict | Should -BeLike 'No risk signals. 0 changed*'
        ($all | Where-Object { $_.Path -like '*app*' }).Risk | Should -Be 'Critical'
    }

    It 'refuses a revision that git would read as an option, before running git' -ForEach @(
        @{ Rev = '--output=/tmp/npmh-pwned' }, @{ Rev = '-c' }, @{ Rev = "HEAD`n--all" }, @{ Rev = 'HEAD:../../etc/passwd' }
    ) {
        { Compare-NpmLockfile -Path (Join-Path $Repo 'app/package-lock.json') -Base $Rev -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidBaseRevision,NpmHardening.Commands.CompareNpmLockfileCommand'
        Test-Path '/tmp/npmh-pwned' | Should -BeFalse
    }

    It 'writes a non-terminating error for an unknown revision, a lockfile new in the change, a folder outside git' {
        $outside = Join-Path ([IO.Path]::GetTempPath()) ("npmh-nogit-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $outside
        try {
            Copy-Item -LiteralPath $OldPath -Destination (Join-Path $outside 'package-lock.json')
            $null = Compare-NpmLockfile -Path (Join-Path $Repo 'app/package-lock.json') -Base 'no-such-branch' -ErrorVariable e1 -ErrorAction SilentlyContinue
            $e1[0].FullyQualifiedErrorId | Should -BeLike 'BaseRevisionNotFound,*'
            $null = Compare-NpmLockfile -Path (Join-Path $Repo 'new-lock.json') -Base HEAD -ErrorVariable e2 -ErrorAction SilentlyContinue
            $e2[0].FullyQualifiedErrorId | Should -BeLike 'LockfileNotInBase,*'
            $e2[0].TargetObject | Should -Be (Join-Path $Repo 'new-lock.json')
            $out = @(Compare-NpmLockfile -Path (Join-Path $outside 'package-lock.json'), (Join-Path $Repo 'app/package-lock.json') -Base HEAD~1 -Summary -ErrorVariable e3 -ErrorAction SilentlyContinue)
            $e3[0].FullyQualifiedErrorId | Should -BeLike 'NotAGitRepository,*'
            $out | Should -HaveCount 1 -Because 'the pipeline goes on with the next lockfile'
        }
        finally { Remove-Item -LiteralPath $outside -Recurse -Force }
    }
}

Describe 'Compare-NpmLockfile -Online against a registry on 127.0.0.1' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'StageRegistry.ps1')
        $script:Registry = Start-StageRegistry
        $now = [DateTimeOffset]::UtcNow
        # versions listed in $Oidc were published by CI through a trusted publisher with provenance, the others by a person
        function script:Packument([string] $Name, [hashtable] $Times, [string[]] $Oidc = @()) {
            $versions = @{}; $time = @{ created = $now.AddYears(-3).ToString('o'); modified = $now.ToString('o') }
            foreach ($v in $Times.Keys) {
                $versions[$v] = if ($Oidc -contains $v) {
                    @{ name = $Name; version = $v; _npmUser = @{ name = 'GitHub Actions'; email = 'npm-oidc-no-reply@github.com'; trustedPublisher = @{ id = 'github'; oidcConfigId = 'oidc:1' } }
                        dist = @{ attestations = @{ url = "$($Registry.Url)-/npm/v1/attestations/$Name@$v"; provenance = @{ predicateType = 'https://slsa.dev/provenance/v1' } } } }
                }
                else { @{ name = $Name; version = $v; _npmUser = @{ name = 'someone'; email = 'someone@example.invalid' } } }
                $time[$v] = $Times[$v].ToString('o')
            }
            @{ name = $Name; versions = $versions; time = $time; 'dist-tags' = @{ latest = @($Times.Keys)[0] } } | ConvertTo-Json -Depth 5 -Compress
        }
        $Registry.AddResponse('GET', '/npmh-young', 200, (Packument 'npmh-young' @{ '2.0.0' = $now.AddHours(-5); '1.0.0' = $now.AddDays(-400) }), 'application/json', -1, @())
        $Registry.AddResponse('GET', '/npmh-old', 200, (Packument 'npmh-old' @{ '1.1.0' = $now.AddDays(-30); '1.0.0' = $now.AddDays(-400) } -Oidc '1.0.0', '1.1.0'), 'application/json', -1, @())
        $Registry.AddResponse('GET', '/npmh-hijacked', 200, (Packument 'npmh-hijacked' @{ '2.0.1' = $now.AddDays(-20); '2.0.0' = $now.AddDays(-90) } -Oidc '2.0.0'), 'application/json', -1, @())
        $Registry.AddResponse('GET', '/npmh-excluded', 200, (Packument 'npmh-excluded' @{ '3.0.0' = $now.AddHours(-1) }), 'application/json', -1, @())

        $script:Project = Join-Path $Root 'online'
        $null = New-Item -ItemType Directory -Force -Path $Project
        Set-Content -LiteralPath (Join-Path $Project 'package.json') -Value '{"name":"online-app","version":"1.0.0"}'
        Set-Content -LiteralPath (Join-Path $Project '.npmrc') -Value "registry=$($Registry.Url)`nmin-release-age=3`nmin-release-age-exclude[]=npmh-excl*`n"
        function script:Entry([string] $Name, [string] $Version) {
            [ordered]@{ version = $Version; resolved = "$($Registry.Url)$Name/-/$Name-$Version.tgz"; integrity = 'sha512-' + ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$Name$Version")).PadRight(86, 'A')) + '==' }
        }
        $old = @{ name = 'online-app'; lockfileVersion = 3; packages = [ordered]@{
                '' = @{ name = 'online-app'; dependencies = @{ 'npmh-young' = '*'; 'npmh-old' = '*'; 'npmh-same' = '*'; 'npmh-hijacked' = '*' } }
                'node_modules/npmh-young' = Entry 'npmh-young' '1.0.0'; 'node_modules/npmh-old' = Entry 'npmh-old' '1.0.0'; 'node_modules/npmh-same' = Entry 'npmh-same' '1.0.0'
                'node_modules/npmh-hijacked' = Entry 'npmh-hijacked' '2.0.0' } }
        $script:OnlineOld = Write-Lock $old (Join-Path $Project 'old-lock.json')
        $old.packages['node_modules/npmh-young'] = Entry 'npmh-young' '2.0.0'
        $old.packages['node_modules/npmh-old'] = Entry 'npmh-old' '1.1.0'
        $old.packages['node_modules/npmh-excluded'] = Entry 'npmh-excluded' '3.0.0'
        $old.packages['node_modules/npmh-hijacked'] = Entry 'npmh-hijacked' '2.0.1'
        $script:OnlineNew = Write-Lock $old (Join-Path $Project 'package-lock.json')
    }
    AfterAll { if ($Registry) { $Registry.Dispose() } }

    It 'asks nothing without -Online' {
        $Registry.ClearRequests()
        $null = Compare-NpmLockfile -ReferencePath $OnlineOld -DifferencePath $OnlineNew
        $Registry.Requests | Should -HaveCount 0
    }

    It 'flags the version younger than the project''s min-release-age, asking once per changed name' {
        $Registry.ClearRequests()
        $changes = @(Compare-NpmLockfile -ReferencePath $OnlineOld -DifferencePath $OnlineNew -Online)
        $young = $changes | Where-Object Name -eq 'npmh-young'
        @($young.RuleIds) | Should -Be @('NPMH15057')
        $young.Reasons[0] | Should -BeLike '*5 hour(s) ago*3-day cooldown*'
        @(($changes | Where-Object Name -eq 'npmh-old').RuleIds) | Should -HaveCount 0
        @(($changes | Where-Object Name -eq 'npmh-excluded').RuleIds) | Should -HaveCount 0 -Because 'min-release-age-exclude covers it'
        @($Registry.Requests | ForEach-Object Path | Sort-Object) | Should -Be @('/npmh-excluded', '/npmh-hijacked', '/npmh-old', '/npmh-young')
        @($Registry.Requests | Where-Object Authorization) | Should -HaveCount 0
    }

    It 'flags a new version published without the trusted publishing and provenance of the one it replaces' {
        $h = Compare-NpmLockfile -ReferencePath $OnlineOld -DifferencePath $OnlineNew -Online | Where-Object Name -eq 'npmh-hijacked'
        @($h.RuleIds) | Should -Be @('NPMH15058')
        $h.Reasons[0] | Should -BeLike '*trusted publishing (OIDC) and provenance that 2.0.0 had (published by someone)*'
        $h.Risk | Should -Be 'High'
        $f = @(Compare-NpmLockfile -ReferencePath $OnlineOld -DifferencePath $OnlineNew -Online -Audit | Where-Object RuleId -eq 'NPMH15058')
        $f | Should -HaveCount 1
        $f[0].Title | Should -Be (Get-NpmRule -RuleId NPMH15058).Title
    }

    It 'writes a registry failure as an error and still writes the comparison' {
        $Registry.ClearResponses()   # the first canned answer that matches wins: put the failure alone before the young one
        $Registry.AddResponse('GET', '/npmh-old', 500, '{"error":"boom"}', 'application/json', -1, @())
        $Registry.AddResponse('GET', '/npmh-young', 200, (Packument 'npmh-young' @{ '2.0.0' = [DateTimeOffset]::UtcNow.AddHours(-5) }), 'application/json', -1, @())
        $Registry.AddResponse('GET', '/npmh-hijacked', 200, (Packument 'npmh-hijacked' @{ '2.0.1' = [DateTimeOffset]::UtcNow.AddDays(-20) }), 'application/json', -1, @())
        $Registry.AddResponse('GET', '/npmh-excluded', 200, (Packument 'npmh-excluded' @{ '3.0.0' = [DateTimeOffset]::UtcNow.AddDays(-20) }), 'application/json', -1, @())
        $s = Compare-NpmLockfile -ReferencePath $OnlineOld -DifferencePath $OnlineNew -Online -Summary -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistry*'
        $s.RuleCounts | Should -Contain 'NPMH15057=1'
    }
}
