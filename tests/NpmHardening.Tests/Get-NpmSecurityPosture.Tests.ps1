#Requires -Version 5.1
# Get-NpmSecurityPosture through PowerShell: rule outcomes, baselines, -RuleId, -Summary, contexts (-Path -Recurse,
# -UserProfile, -AllUsers), bad input, secrets, views (also deserialized), help. Every test builds its own machine in
# a temp folder and passes an explicit -Environment (PATH, HOME, PREFIX), so the real user's ~/.npmrc is never read —
# except -AllUsers, which audits the machine's real profiles and whose tests therefore only assert the shape.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop

    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    function Get-Finding($Findings, [string] $RuleId) { @($Findings | Where-Object RuleId -eq $RuleId) }

    # Every rule id of the catalog, as tab completion offers them (which also proves the completer).
    function Get-CatalogRuleId {
        $line = 'Get-NpmSecurityPosture -RuleId '
        @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches | ForEach-Object CompletionText)
    }

    $script:WeakNpmrc = "strict-ssl=false`nignore-scripts=false`naudit=false`npackage-lock=false`nregistry=http://registry.example.com/`nallow-git=all`n"
    $script:HardNpmrc = "strict-ssl=true`nignore-scripts=true`nmin-release-age=7`nallow-git=none`nallow-remote=none`nallow-file=root`nallow-directory=root`nsave-exact=true`nengine-strict=true`n"
    # The rules that judge configuration only: not the installed node/npm (NPMH1xxx), not the machine's persistent
    # variables (NPMH7004), not unknown keys (NPMH9006: the hardened keys above need npm >= 11.15).
    $script:ConfigRules = @('NPMH2*', 'NPMH3*', 'NPMH4*', 'NPMH5*', 'NPMH6*', 'NPMH7001', 'NPMH7002', 'NPMH7003', 'NPMH8*',
        'NPMH9001', 'NPMH9002', 'NPMH9003', 'NPMH9004', 'NPMH9005', 'NPMH9007')
    # Under Wine a file's ACL is its Unix mode bits with Everyone and SYSTEM added back, so every file reads as
    # "Everyone can read" and the file-permission rules (NPMH8*) cannot pass there; the fakes and Linux cover them.
    if ($UnderWine) { $script:ConfigRules = @($ConfigRules | Where-Object { $_ -ne 'NPMH8*' }) }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NpmSecurityPosture' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'rule outcomes' {
        It 'fails a weak configuration, naming the file, line, layer and the fix' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $WeakNpmrc
            $findings = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable
            $ssl = Get-Finding $findings NPMH2001
            $ssl.Count | Should -Be 1
            $ssl[0].Status | Should -Be 'Fail'
            $ssl[0].Severity | Should -Be 'High'
            $ssl[0].Setting | Should -Be 'strict-ssl'
            $ssl[0].Actual | Should -Be 'false'
            $ssl[0].Layer | Should -Be 'User'
            $ssl[0].Location.ToString() | Should -Be "$(Join-Path $m.Home '.npmrc'):1"
            $ssl[0].Context | Should -Be $m.Project
            $ssl[0].Remediation | Should -BeLike '*strict-ssl*'
            $ssl[0].Reference | Should -Not -BeNullOrEmpty
            (Get-Finding $findings NPMH2002)[0].Status | Should -Be 'Fail'       # http registry
            (Get-Finding $findings NPMH2003)[0].Status | Should -Be 'Fail'       # not the public registry
            (Get-Finding $findings NPMH3001)[0].Status | Should -Be 'Fail'
            (Get-Finding $findings NPMH5001)[0].Status | Should -Be 'Fail'
            (Get-Finding $findings NPMH6001)[0].Status | Should -Be 'Fail'
            (Get-Finding $findings NPMH6002)[0].Status | Should -Be 'Fail'
        }

        It 'fails NPMH9008 when npm cannot start with the configuration, and is not compliant' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') ($HardNpmrc + "[omit]`nx=1`n")
            $f = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH9008)
            $f.Count | Should -Be 1
            $f[0].Status | Should -Be 'Fail'
            $f[0].Severity | Should -Be 'High'
            $f[0].Location.ToString() | Should -Be "$(Join-Path $m.Home '.npmrc'):$(($HardNpmrc -split "`n").Count)"
            (Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Summary).Compliant | Should -BeFalse
        }

        It 'passes a hardened configuration, and covers every rule of the catalog' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $HardNpmrc
            $findings = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId $ConfigRules)
            $bad = @($findings | Where-Object { $_.Status -in 'Fail', 'Error', 'Warning' })
            $bad | Should -BeNullOrEmpty -Because ($bad | Out-String)
            (Get-Finding $findings NPMH2001)[0].Status | Should -Be 'Pass'
            (Get-Finding $findings NPMH3001)[0].Status | Should -Be 'Pass'

            $all = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable
            $catalog = Get-CatalogRuleId
            $catalog.Count | Should -BeGreaterThan 30
            @($all.RuleId | Select-Object -Unique | Sort-Object) | Should -Be @($catalog | Sort-Object)
            $all | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmSecurityFinding' }
        }

        It 'judges the project file together with the user file, project winning' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') "strict-ssl=true`n"
            Write-Utf8File (Join-Path $m.Project '.npmrc') "strict-ssl=false`n"
            $ssl = (Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2001)[0]
            $ssl.Status | Should -Be 'Fail'
            $ssl.Layer | Should -Be 'Project'
            $ssl.Location.ToString() | Should -Be "$(Join-Path $m.Project '.npmrc'):1"
        }

        It 'audits the current location by default' {
            Write-Utf8File (Join-Path $m.Project '.npmrc') "audit=false`n"
            Push-Location -LiteralPath $m.Project
            try { $f = Get-NpmSecurityPosture -Environment $envTable -RuleId NPMH6001 }
            finally { Pop-Location }
            $f.Context | Should -Be $m.Project
            $f.Status | Should -Be 'Fail'
        }

        # Skipped inside the test, not with -Skip:$OnWindows: -Skip is read at discovery, before BeforeAll defines
        # $OnWindows, so under Wine the Unix case ran on Windows and failed.
        It 'checks the what-if home''s persistent variables, and reports a session token as a warning' {
            if ($OnWindows) { Set-ItResult -Skipped -Because 'Windows keeps persistent variables in the registry, not in ~/.bashrc (Windows.Tests.ps1 reads HKCU\Environment)'; return }
            $token = New-NpmToken
            Write-Utf8File (Join-Path $m.Home '.bashrc') "export NPM_TOKEN=$token`n"
            $envTable['NODE_AUTH_TOKEN'] = New-NpmToken
            $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH7004
            $persistent = @($f | Where-Object Setting -eq 'NPM_TOKEN')
            $persistent.Count | Should -Be 1
            $persistent[0].Status | Should -Be 'Fail'
            $persistent[0].Location.ToString() | Should -Be "$(Join-Path $m.Home '.bashrc'):1"
            ($f | Where-Object Setting -eq 'NODE_AUTH_TOKEN').Status | Should -Be 'Warning'
        }
    }

    Context 'baselines and rule selection' {
        It 'expects more under Strict than under Recommended' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') "strict-allow-scripts=true`nmin-release-age=3`n"
            $recommended = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH3001, NPMH4001, NPMH6003
            $strict = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH3001, NPMH4001, NPMH6003 -Baseline Strict
            (Get-Finding $recommended NPMH4001)[0].Status | Should -Be 'Pass'
            (Get-Finding $strict NPMH4001)[0].Status | Should -Be 'Fail'          # 3 days < 7
            (Get-Finding $recommended NPMH6003)[0].Status | Should -Be 'NotApplicable'
            (Get-Finding $strict NPMH6003)[0].Status | Should -Be 'Fail'
            (Get-Finding $strict NPMH3001)[0].Status | Should -Be 'Fail'          # Strict wants ignore-scripts=true
            @($recommended.Baseline | Select-Object -Unique) | Should -Be 'Recommended'
            @($strict.Baseline | Select-Object -Unique) | Should -Be 'Strict'
        }

        It 'evaluates only the rules -RuleId selects, with wildcards' {
            $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId 'npmh2*', NPMH7001
            @($f.RuleId | Select-Object -Unique | Sort-Object) | Should -Be @('NPMH2001', 'NPMH2002', 'NPMH2003', 'NPMH7001')
        }

        It 'reports a -RuleId that matches no rule as a non-terminating error' {
            $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH0999, NPMH2001 -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'RuleIdNotFound*'
            $errs[0].TargetObject | Should -Be 'NPMH0999'
            $f.RuleId | Should -Be 'NPMH2001'
        }

        It 'tab-completes rule ids with their titles, and the baselines' {
            $line = 'Get-NpmSecurityPosture -RuleId NPMH70'
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            @($completions.CompletionText) | Should -Be @('NPMH7001', 'NPMH7002', 'NPMH7003', 'NPMH7004')
            $completions[0].ToolTip | Should -BeLike '*plaintext*'
            $line = 'Get-NpmSecurityPosture -Baseline '
            @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Sort-Object) | Should -Be @('CI', 'Recommended', 'Strict')
        }

        It 'accepts other registries with -AllowedRegistry' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') "registry=https://npm.example.com/`n"
            (Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2003).Status | Should -Be 'Fail'
            (Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2003 -AllowedRegistry https://npm.example.com/).Status | Should -Be 'Pass'
        }
    }

    Context '-Summary' {
        It 'is not compliant for a weak configuration, with a one-line message under 2,048 characters' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $WeakNpmrc
            $s = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Summary
            @($s).Count | Should -Be 1
            $s.PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmSecurityPostureSummary'
            $s.Compliant | Should -BeFalse
            $s.Message | Should -BeLike 'NON-COMPLIANT*NPMH2001*'
            $s.Message.Length | Should -BeLessThan 2048
            $s.Message | Should -Not -Match '[\r\n]'
            $s.FailedRules | Should -Contain 'NPMH2001'
            $s.Contexts | Should -Be @($m.Project)
            $s.Total | Should -Be (@(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable).Count)
        }

        It 'is compliant for a hardened configuration' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $HardNpmrc
            $s = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId $ConfigRules -Summary
            $s.Compliant | Should -BeTrue -Because $s.Message
            $s.Message | Should -BeLike 'COMPLIANT*'
            $s.Fail | Should -Be 0
        }

        It 'keeps the message under 2,048 characters for many failing contexts' {
            $projects = foreach ($i in 1..40) {
                $p = Join-Path $m.Root ("p{0:00}-{1}" -f $i, ('x' * 60))
                New-Item -ItemType Directory -Path $p | Out-Null
                Set-Content -LiteralPath (Join-Path $p 'package.json') -Value '{}'
                Write-Utf8File (Join-Path $p '.npmrc') ($WeakNpmrc + "//r$i.example.com/:_password=cGFzc3dvcmQ$i`n")
                $p
            }
            $s = Get-NpmSecurityPosture -Path $projects -Environment $envTable -Summary
            $s.Contexts.Count | Should -Be 40
            $s.Message.Length | Should -BeLessThan 2048
            $s.Compliant | Should -BeFalse
        }
    }

    Context 'contexts' {
        It '-Recurse audits every folder with a package.json, skipping node_modules, .git and links' {
            $root = Join-Path $m.Root 'repo'
            foreach ($dir in 'a', 'b/c', 'd', 'node_modules/x', 'a/node_modules/y', '.git/z') {
                New-Item -ItemType Directory -Path (Join-Path $root $dir) -Force | Out-Null
            }
            foreach ($p in 'a', 'b/c', 'node_modules/x', 'a/node_modules/y', '.git/z') { Set-Content -LiteralPath (Join-Path $root "$p/package.json") -Value '{}' }
            if (-not $OnWindows) { New-Item -ItemType SymbolicLink -Path (Join-Path $root 'd/loop') -Target $root | Out-Null }
            $f = Get-NpmSecurityPosture -Path $root -Recurse -Environment $envTable -RuleId NPMH2001
            @($f.Context) | Should -Be @((Join-Path $root 'a'), (Join-Path $root (Join-Path 'b' 'c')))
        }

        It '-Recurse includes the folder itself when it is a project, searches the current location without -Path, and warns when it finds none' {
            (Get-NpmSecurityPosture -Path $m.Project -Recurse -Environment $envTable -RuleId NPMH2001).Context | Should -Be $m.Project
            Push-Location -LiteralPath $m.Root
            try { (Get-NpmSecurityPosture -Recurse -Environment $envTable -RuleId NPMH2001).Context | Should -Be $m.Project }
            finally { Pop-Location }
            $empty = Join-Path $m.Root 'empty'
            New-Item -ItemType Directory -Path $empty | Out-Null
            $f = Get-NpmSecurityPosture -Path $empty -Recurse -Environment $envTable -RuleId NPMH2001 -WarningVariable warns -WarningAction SilentlyContinue
            $f | Should -BeNullOrEmpty
            ($warns | Out-String) | Should -BeLike "*No folder with a package.json*$empty*"
        }

        It 'streams: projects created while the first findings are written are still found' {
            $root = Join-Path $m.Root 'repo'
            New-Item -ItemType Directory -Path (Join-Path $root 'a'), (Join-Path $root 'b') -Force | Out-Null
            Set-Content -LiteralPath (Join-Path $root 'a/package.json') -Value '{}'
            $late = Join-Path $root (Join-Path 'b' 'late')
            $contexts = Get-NpmSecurityPosture -Path $root -Recurse -Environment $envTable -RuleId NPMH2001 | ForEach-Object {
                if (-not (Test-Path -LiteralPath $late)) {
                    # 'a' is audited before 'b' is listed: only a search that streams will find b/late
                    New-Item -ItemType Directory -Path $late | Out-Null
                    Set-Content -LiteralPath (Join-Path $late 'package.json') -Value '{}'
                }
                $_.Context
            }
            @($contexts) | Should -Be @((Join-Path $root 'a'), $late)
        }

        It 'stops cleanly when the pipeline stops early' {
            $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -ErrorVariable errs | Select-Object -First 2
            @($f).Count | Should -Be 2
            $errs | Should -BeNullOrEmpty
        }

        It 'takes project folders from the pipeline, by value, by PSPath, and a package.json for its folder' {
            $byValue = $m.Project | Get-NpmSecurityPosture -Environment $envTable -RuleId NPMH2001
            $byValue.Context | Should -Be $m.Project
            $byPSPath = Get-Item -LiteralPath $m.Project | Get-NpmSecurityPosture -Environment $envTable -RuleId NPMH2001
            $byPSPath.Context | Should -Be $m.Project
            $byFile = Get-ChildItem -LiteralPath $m.Project -Filter package.json | Get-NpmSecurityPosture -Environment $envTable -RuleId NPMH2001
            $byFile.Context | Should -Be $m.Project
        }

        It 'audits each folder once, and reports a missing one as a non-terminating error' {
            $missing = Join-Path $m.Root 'nope'
            $f = Get-NpmSecurityPosture -LiteralPath $m.Project, $m.Project, $missing -Environment $envTable -RuleId NPMH2001 -ErrorVariable errs -ErrorAction SilentlyContinue
            @($f).Count | Should -Be 1
            $errs[0].TargetObject | Should -Be $missing
        }

        It '-UserProfile audits another user without the caller''s environment' {
            $alice = Join-Path $m.Root 'alice'
            New-Item -ItemType Directory -Path $alice | Out-Null
            Write-Utf8File (Join-Path $alice '.npmrc') "strict-ssl=true`n"
            $envTable['npm_config_strict_ssl'] = 'false'
            $envTable['NPM_TOKEN'] = New-NpmToken
            $mine = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2001, NPMH7004
            (Get-Finding $mine NPMH2001)[0].Status | Should -Be 'Fail'
            (Get-Finding $mine NPMH2001)[0].Layer | Should -Be 'Env'
            (Get-Finding $mine NPMH7004).Setting | Should -Contain 'NPM_TOKEN'

            $hers = Get-NpmSecurityPosture -UserProfile $alice -Environment $envTable -RuleId NPMH2001, NPMH7004
            (Get-Finding $hers NPMH2001)[0].Status | Should -Be 'Pass'
            (Get-Finding $hers NPMH2001)[0].Location.ToString() | Should -Be "$(Join-Path $alice '.npmrc'):1"
            (Get-Finding $hers NPMH7004).Setting | Should -Not -Contain 'NPM_TOKEN'
            @($hers.Context | Select-Object -Unique) | Should -Be @($alice)
        }

        It '-UserProfile with -Path audits each user in each project' {
            $alice = Join-Path $m.Root 'alice'; $bob = Join-Path $m.Root 'bob'
            New-Item -ItemType Directory -Path $alice, $bob | Out-Null
            $f = Get-NpmSecurityPosture -UserProfile $alice, $bob -Path $m.Project -Environment $envTable -RuleId NPMH2001
            @($f.Context) | Should -Be @("$($m.Project) (alice)", "$($m.Project) (bob)")
        }

        It '-AllUsers audits the machine''s profiles, one context per profile (shape only: real profiles)' {
            $plain = @{ PATH = $env:PATH }
            $f = @(Get-NpmSecurityPosture -AllUsers -Environment $plain -RuleId NPMH2001 -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
            $contexts = @($f.Context)
            @($contexts | Select-Object -Unique).Count | Should -Be $contexts.Count -Because 'one NPMH2001 finding per profile'
            foreach ($c in $contexts) { Test-Path -LiteralPath $c -PathType Container | Should -BeTrue }
            if ($IsLinux) {
                # /etc/passwd homes, and folders under /home for directory-service users that it does not list
                $homes = @(Get-Content /etc/passwd | ForEach-Object { ($_ -split ':')[5] })
                foreach ($c in $contexts) { (($homes -contains $c) -or ($c -like '/home/*')) | Should -BeTrue -Because "$c is a profile" }
                if ($IsRoot -and (Test-Path -LiteralPath /root)) { $contexts | Should -Contain '/root' -Because 'root is audited, not skipped as a system account' }
            }
            $withSystem = @(Get-NpmSecurityPosture -AllUsers -IncludeSystemProfiles -Environment $plain -RuleId NPMH2001 -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
            $withSystem.Count | Should -BeGreaterOrEqual $f.Count
            $s = Get-NpmSecurityPosture -AllUsers -Environment $plain -RuleId NPMH2001 -Summary -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            $s.Contexts.Count | Should -Be $contexts.Count
        }

        It 'refuses -AllUsers with -UserProfile, and -IncludeSystemProfiles without -AllUsers' {
            { Get-NpmSecurityPosture -AllUsers -UserProfile $m.Home -Environment $envTable -ErrorAction Stop } | Should -Throw -ErrorId 'ProfileParametersConflict*'
            { Get-NpmSecurityPosture -IncludeSystemProfiles -Environment $envTable -ErrorAction Stop } | Should -Throw -ErrorId 'IncludeSystemProfilesWithoutAllUsers*'
        }
    }

    Context 'bad input' {
        It 'reports a profile whose .npmrc is a folder or a symlink loop as Error findings, and audits the other profiles' {
            $good = Join-Path $m.Root 'good'; $folder = Join-Path $m.Root 'folder'; $loop = Join-Path $m.Root 'loop'; $missing = Join-Path $m.Root 'missing'
            New-Item -ItemType Directory -Path $good, $folder, $loop | Out-Null
            Write-Utf8File (Join-Path $good '.npmrc') "strict-ssl=false`n"
            New-Item -ItemType Directory -Path (Join-Path $folder '.npmrc') | Out-Null
            $profiles = @($good, $folder, $missing)
            if (-not $OnWindows) {
                & ln -s .npmrc (Join-Path $loop '.npmrc')   # a link to itself: ELOOP
                $profiles += $loop
            }
            $f = Get-NpmSecurityPosture -UserProfile $profiles -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue

            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'ProfileFolderNotFound*'
            $errs[0].TargetObject | Should -Be $missing

            (Get-Finding ($f | Where-Object Context -eq $good) NPMH2001)[0].Status | Should -Be 'Fail'
            $folderError = @($f | Where-Object { $_.Context -eq $folder -and $_.Status -eq 'Error' })
            $folderError.RuleId | Should -Contain 'NPMH9005'
            ($folderError | Where-Object RuleId -eq 'NPMH9005').Setting | Should -Be (Join-Path $folder '.npmrc')
            ($folderError | Where-Object RuleId -eq 'NPMH9005').Message | Should -BeLike "*$(Join-Path $folder '.npmrc')*directory*"
            if (-not $OnWindows) {
                $loopError = @($f | Where-Object { $_.Context -eq $loop -and $_.RuleId -eq 'NPMH9005' })
                $loopError.Status | Should -Be 'Error'
                $loopError.Setting | Should -Be (Join-Path $loop '.npmrc')
            }
            $s = Get-NpmSecurityPosture -UserProfile $folder -Environment $envTable -Summary
            $s.Error | Should -BeGreaterThan 0
            $s.Compliant | Should -BeFalse
        }

        It 'reports an unreadable profile folder as an Error finding naming the path' {
            if ($OnWindows) { Set-ItResult -Skipped -Because 'chmod is Unix'; return }
            # root bypasses permission bits (CI runs as root), so chmod 000 denies nothing there
            if ($IsRoot) { Set-ItResult -Skipped -Because 'running as root: chmod 000 does not deny root'; return }
            $locked = Join-Path $m.Root 'locked'; $good = Join-Path $m.Root 'good'
            New-Item -ItemType Directory -Path $locked, $good | Out-Null
            Write-Utf8File (Join-Path $locked '.npmrc') "strict-ssl=false`n"
            & chmod 000 $locked
            $f = Get-NpmSecurityPosture -UserProfile $locked, $good -Environment $envTable -ErrorAction SilentlyContinue
            $e = @($f | Where-Object { $_.Context -eq $locked -and $_.RuleId -eq 'NPMH9005' })
            $e.Status | Should -Be 'Error'
            $e.Message | Should -BeLike "*$(Join-Path $locked '.npmrc')*"
            @($f | Where-Object Context -eq $good).Count | Should -BeGreaterThan 0
        }

        It 'reports a UTF-16 user config as a finding naming the file, not as a stop' {
            [System.IO.File]::WriteAllText((Join-Path $m.Home '.npmrc'), "strict-ssl=false`r`n", [System.Text.Encoding]::Unicode)
            $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH9005 -ErrorAction Stop
            $f.Status | Should -Be 'Warning'   # npm reads it, as garbage: a misencoded file, not an unreadable one
            $f.Actual | Should -Be 'Utf16Encoded'
            $f.Setting | Should -Be (Join-Path $m.Home '.npmrc')
        }
    }

    Context 'streams and secrets' {
        It 'explains contexts and layers with -Verbose' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') "audit=false`n"
            $verbose = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH6001 -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
            ($verbose -join "`n") | Should -BeLike "*Auditing $($m.Project)*"
            ($verbose -join "`n") | Should -BeLike "*User layer: $(Join-Path $m.Home '.npmrc') (1 keys)*"
            ($verbose -join "`n") | Should -BeLike '*Using node*npm*'
        }

        It 'never shows a token or a password, in any output form or stream' {
            $token = New-NpmToken
            $envToken = New-NpmToken
            $basic = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes('alice:Sup3rS3cretBasic'))
            Write-Utf8File (Join-Path $m.Home '.npmrc') ("//registry.npmjs.org/:_authToken=$token`n//r.example.com/:_auth=$basic`n" +
                "https-proxy=http://user:S3cretProxyPw@proxy.example.com:8080/`n_authToken=$token`n")
            Write-Utf8File (Join-Path $m.Project '.npmrc') "//r2.example.com/:_authToken=`${NPM_TOKEN}`n"
            Write-Utf8File (Join-Path $m.Home '.profile') "export NPM_TOKEN=$envToken`n"
            $envTable['NPM_TOKEN'] = $envToken
            $envTable['HTTPS_PROXY'] = 'http://me:S3cretEnvPw@proxy2.example.com/'
            $clixml = Join-Path $m.Root 'out.xml'
            $captured = & {
                $all = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Baseline Strict -Verbose -Debug 4>&1 5>&1 3>&1 2>&1 6>&1
                $findings = @($all | Where-Object { $_.PSObject.TypeNames[0] -eq 'NpmHardening.NpmSecurityFinding' })
                $findings.Count | Should -BeGreaterThan 30
                # stream records: their text (their InvocationInfo holds the caller's own -Environment argument)
                $all | Where-Object { $_.PSObject.TypeNames[0] -ne 'NpmHardening.NpmSecurityFinding' } | ForEach-Object { "$_" }
                $findings | Format-List * | Out-String -Width 500
                $findings | Format-Table | Out-String -Width 500
                $findings | ConvertTo-Json -Depth 5
                $findings | Export-Clixml -LiteralPath $clixml
                Get-Content -LiteralPath $clixml -Raw
                Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Summary | Format-List * | Out-String -Width 500
            } | Out-String
            $captured | Should -BeLike '*NPMH7001*'      # the audit did see the credentials…
            foreach ($secret in $token, $envToken, $basic, 'Sup3rS3cretBasic', 'S3cretProxyPw', 'S3cretEnvPw', $token.Substring(4, 20), $envToken.Substring(4, 20)) {
                $captured | Should -Not -BeLike "*$secret*"   # …and showed none of them
            }
        }
    }

    Context 'views' {
        It 'shows a table grouped by context that fits 120 columns, and a list with the remediation' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $WeakNpmrc
            $f = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable
            $table = $f | Out-String -Width 120
            $table | Should -Match "Context: $([regex]::Escape($m.Project))"
            $table | Should -Match 'Severity\s+RuleId\s+Status\s+Setting\s+Actual\s+Expected'
            $table | Should -Match 'High\s+NPMH2001\s+Fail\s+strict-ssl\s+false\s+true'
            # a long path in Setting keeps its end, where the file name is
            $table | Should -Match ('Medium\s+NPMH8002\s+Pass\s+' + [char] 0x2026 + '\S*home[/\\]\.npmrc\s')
            foreach ($line in $table -split "`r?`n") { $line.TrimEnd().Length | Should -BeLessOrEqual 120 }
            $list = Get-Finding $f NPMH2001 | Format-List | Out-String -Width 120
            foreach ($label in 'Title', 'Message', 'Location', 'Layer', 'Remediation', 'Reference', 'ComputerName') { $list | Should -Match "(?m)^$label\s+:" }
            $summary = Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -Summary | Out-String -Width 120
            $summary | Should -Match '(?m)^Compliant\s+: False'
            $summary | Should -Match '(?m)^FailedRules\s+: .*NPMH2001'
        }

        It 'renders deserialized findings from Export-Clixml with the same views' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $WeakNpmrc
            $file = Join-Path $m.Root 'findings.xml'
            Get-NpmSecurityPosture -Path $m.Project -Environment $envTable | Export-Clixml -LiteralPath $file
            $back = Import-Clixml -LiteralPath $file
            # Rehydrated into the live type (docs/types/Deserialization.md); the views select both names.
            $back[0].GetType().FullName | Should -Be 'NpmHardening.NpmSecurityFinding'
            ($back | Out-String -Width 120) | Should -Match 'High\s+NPMH2001\s+Fail\s+strict-ssl\s+false\s+true'
        }

        It 'renders findings and the summary received from Start-Job with the same views' {
            Write-Utf8File (Join-Path $m.Home '.npmrc') $WeakNpmrc
            $job = Start-Job -ScriptBlock {
                param($ModulePath, $Project, $Environment)
                Import-Module -Name $ModulePath -ErrorAction Stop
                Get-NpmSecurityPosture -Path $Project -Environment $Environment -RuleId NPMH2001, NPMH3001
                Get-NpmSecurityPosture -Path $Project -Environment $Environment -Summary
            } -ArgumentList $env:NPMH_MODULE_PATH, $m.Project, $envTable
            try {
                $null = Wait-Job -Job $job -Timeout 180
                $job.State | Should -Be 'Completed' -Because ($job.ChildJobs[0].JobStateInfo.Reason | Out-String)
                $received = @(Receive-Job -Job $job)
            }
            finally { Remove-Job -Job $job -Force }
            $findings = @($received | Where-Object { $_.GetType().FullName -eq 'NpmHardening.NpmSecurityFinding' })
            $findings.Count | Should -Be 2
            $table = $findings | Out-String -Width 120
            $table | Should -Match "Context: $([regex]::Escape($m.Project))"
            $table | Should -Match 'High\s+NPMH2001\s+Fail\s+strict-ssl\s+false\s+true'
            $summary = @($received | Where-Object { $_.GetType().FullName -eq 'NpmHardening.NpmSecurityPostureSummary' })
            $summary.Count | Should -Be 1
            ($summary | Out-String -Width 120) | Should -Match '(?m)^Failed by severity\s+: Critical 0, High'
        }
    }

    Context 'help' {
        It 'has help with the examples of the issue' {
            $help = Get-Help Get-NpmSecurityPosture -Full
            $help.Synopsis | Should -Match 'npm'
            $examples = @($help.Examples.Example)
            $examples.Count | Should -BeGreaterOrEqual 5
            $code = ($examples | ForEach-Object { $_.Code }) -join "`n"
            foreach ($expected in '-Baseline Strict', '-AllUsers | Where-Object Status -eq Fail | Export-Csv', 'Group-Object RuleId', '-Summary') {
                $code | Should -BeLike "*$expected*"
            }
        }

        It 'has examples that run' {
            # Each example runs in a temp folder with ./src/web, on the test machine (-Environment by default).
            $web = Join-Path $m.Root 'src/web'
            New-Item -ItemType Directory -Path $web -Force | Out-Null
            Set-Content -LiteralPath (Join-Path $web 'package.json') -Value '{}'
            Write-Utf8File (Join-Path $m.Home '.npmrc') $WeakNpmrc
            $examples = @((Get-Help Get-NpmSecurityPosture -Full).Examples.Example)
            $PSDefaultParameterValues['Get-NpmSecurityPosture:Environment'] = $envTable
            Push-Location -LiteralPath $m.Root
            try {
                foreach ($example in $examples) {
                    $code = $example.Code -replace '\$HOME', ("'" + $m.Home + "'")
                    $run = { param($c) & ([scriptblock]::Create($c)) 6>$null 3>$null | Out-String }
                    { & $run $code } | Should -Not -Throw -Because "example '$($example.Title)' runs: $code"
                }
            }
            finally {
                Pop-Location
                $PSDefaultParameterValues.Remove('Get-NpmSecurityPosture:Environment')
            }
        }
    }
}
