#Requires -Version 5.1
# Set-NpmHardening, Test-NpmHardening, Get-NpmHardeningBackup and Restore-NpmHardening through PowerShell: -WhatIf
# writes nothing, idempotence, -Setting, piped findings (live and deserialized), overrides, bad input, backups and
# exact restores, views. Every test builds its own machine in a temp folder and passes -Environment with HOME,
# XDG_STATE_HOME and LOCALAPPDATA inside it, so neither the real ~/.npmrc nor the real backup store is touched.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop

    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')


    # Every file under the machine with its hash: what "writes nothing at all" is checked against.
    function Get-TreeSnapshot($Machine) {
        @(Get-ChildItem -LiteralPath $Machine.Root -Recurse -Force | Sort-Object FullName | ForEach-Object {
            if ($_.PSIsContainer) { "$($_.FullName)/" } else { "$($_.FullName) $((Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash)" }
        }) -join "`n"
    }

    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash }

    $script:WeakNpmrc = "# my settings`r`nstrict-ssl=false ; keep this comment`r`naudit=false`r`n"
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Set-NpmHardening' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-HardeningEnvironment $m
        $npmrc = Join-Path $m.Home '.npmrc'
        $state = Join-Path $m.Root 'state'
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It '-WhatIf writes nothing at all (no file change, no backup, no lock, no temp file) and names file, key, old -> new' {
        Write-Utf8File $npmrc $WeakNpmrc
        $before = Get-TreeSnapshot $m
        # What if: messages go to the host, so a transcript (kept outside the machine) catches them
        $transcript = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -LiteralPath $transcript -Force | Out-Null
        try { $out = @(Set-NpmHardening -Environment $envTable -WhatIf -PassThru -WarningAction SilentlyContinue) }
        finally { Stop-Transcript | Out-Null }
        $out.Count | Should -Be 0
        Get-Content -LiteralPath $transcript -Raw | Should -BeLike "*What if: $npmrc*strict-ssl false -> true (line 2)*audit false -> true (line 3)*"
        (Get-TreeSnapshot $m) | Should -Be $before
        Test-Path -LiteralPath $state | Should -BeFalse
    }

    It 'applies the baseline in place, keeping comments and line endings, and emits one NpmSettingChange per change' {
        Write-Utf8File $npmrc $WeakNpmrc
        $changes = @(Set-NpmHardening -Environment $envTable -PassThru -Confirm:$false)
        $changes.Count | Should -BeGreaterThan 2
        $ssl = $changes | Where-Object Key -eq 'strict-ssl'
        $ssl.PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmSettingChange'
        $ssl.OldValue | Should -Be 'false'
        $ssl.NewValue | Should -Be 'true'
        $ssl.Line | Should -Be 2
        $ssl.Scope | Should -Be 'User'
        $ssl.Path | Should -Be $npmrc
        $ssl.BackupId | Should -Not -BeNullOrEmpty
        $text = [System.IO.File]::ReadAllText($npmrc)
        $text | Should -BeLike "# my settings`r`nstrict-ssl=true ; keep this comment`r`naudit=true`r`n*"
        (Get-NpmConfig -Name strict-ssl -Path $m.Project -Environment $envTable).Value | Should -BeTrue
        # the backup went to the machine's store, not the real user's
        @(Get-ChildItem -LiteralPath $state -Recurse -File -Filter *.json).Count | Should -Be 1
    }

    It 'changes nothing the second time (idempotent): no output, same bytes, no new backup' {
        Write-Utf8File $npmrc $WeakNpmrc
        Set-NpmHardening -Environment $envTable -Baseline Strict -Confirm:$false
        $hash = Get-Sha256 $npmrc
        $backups = @(Get-NpmHardeningBackup -Environment $envTable).Count
        $second = @(Set-NpmHardening -Environment $envTable -Baseline Strict -PassThru -Confirm:$false)
        $second.Count | Should -Be 0
        Get-Sha256 $npmrc | Should -Be $hash
        @(Get-NpmHardeningBackup -Environment $envTable).Count | Should -Be $backups
    }

    It 'keeps backups in the store of the -Environment''s home when no state folder is given (never the real user''s)' {
        Write-Utf8File $npmrc $WeakNpmrc
        $homeOnly = Get-TestEnvironment $m
        $change = @(Set-NpmHardening -Setting @{ 'strict-ssl' = $true } -Environment $homeOnly -PassThru -Confirm:$false)[0]
        $manifest = @(Get-ChildItem -LiteralPath $m.Home -Recurse -Force -File -Filter "$($change.BackupId).json")
        $manifest.Count | Should -Be 1
        $expected = if ($OnWindows) { Join-Path $m.Home 'AppData/Local/NpmHardening/Backups' } else { Join-Path $m.Home '.local/state/npmhardening/backups' }
        $manifest[0].DirectoryName | Should -Be ([System.IO.Path]::GetFullPath($expected))
        (Get-NpmHardeningBackup -BackupId $change.BackupId -Environment $homeOnly).OriginalPath | Should -Be $npmrc
    }

    It 'creates the user file when it does not exist' {
        $changes = @(Set-NpmHardening -Environment $envTable -PassThru -Confirm:$false)
        $changes.Count | Should -BeGreaterThan 0
        Test-Path -LiteralPath $npmrc | Should -BeTrue
        ($changes | Where-Object Key -eq 'strict-ssl') | Should -BeNullOrEmpty   # npm's default is already true
    }

    It '-Setting replaces the baseline; -Scope Project writes the project''s .npmrc' {
        $changes = @(Set-NpmHardening -Scope Project -Path $m.Project -Setting @{ 'min-release-age' = 7 } -Environment $envTable -PassThru -Confirm:$false)
        $changes.Count | Should -Be 1
        $changes[0].Key | Should -Be 'min-release-age'
        $changes[0].NewValue | Should -Be '7'
        $changes[0].Scope | Should -Be 'Project'
        # a new file gets the platform's line ending (CRLF on Windows: HardeningPlannerTests pins it on the fake Windows)
        $newline = if ($OnWindows) { "`r`n" } else { "`n" }
        [System.IO.File]::ReadAllText((Join-Path $m.Project '.npmrc')) | Should -Be "min-release-age=7$newline"
        Test-Path -LiteralPath $npmrc | Should -BeFalse
    }

    Context 'project folders from -Path and the pipeline' {
        BeforeEach {
            $projects = foreach ($name in 'a', 'b', 'c') {
                $p = Join-Path $m.Root "repo/$name"
                New-Item -ItemType Directory -Path $p -Force | Out-Null
                Set-Content -LiteralPath (Join-Path $p 'package.json') -Value '{}'
                $p
            }
            $parameters = @{ Scope = 'Project'; Setting = @{ 'min-release-age' = 7 }; Environment = $envTable }
        }

        It 'piped folders (Get-ChildItem -Directory) are the project folders, with -WhatIf too; the current folder is not touched' {
            Push-Location -LiteralPath $m.Project
            try {
                $transcript = Join-Path $TestDrive 'piped.txt'
                Start-Transcript -LiteralPath $transcript -Force | Out-Null
                try { Get-ChildItem -LiteralPath (Join-Path $m.Root 'repo') -Directory | Set-NpmHardening -Scope Project -Environment $envTable -WhatIf -WarningAction SilentlyContinue }
                finally { Stop-Transcript | Out-Null }
                $text = Get-Content -LiteralPath $transcript -Raw
                foreach ($p in $projects) { $text | Should -BeLike "*What if: $(Join-Path $p '.npmrc'):*" }
                $text | Should -Not -BeLike "*What if: $(Join-Path $m.Project '.npmrc')*"

                $changes = @(Get-ChildItem -LiteralPath (Join-Path $m.Root 'repo') -Directory | Set-NpmHardening @parameters -PassThru -Confirm:$false)
                @($changes.Path | Sort-Object) | Should -Be @($projects | ForEach-Object { Join-Path $_ '.npmrc' })
                Test-Path -LiteralPath (Join-Path $m.Project '.npmrc') | Should -BeFalse
            }
            finally { Pop-Location }
        }

        It 'binds FullName (.NET objects), Path (Resolve-Path) and package.json files to their folders' {
            $a = @(([System.IO.DirectoryInfo] $projects[0]) | Set-NpmHardening @parameters -PassThru -Confirm:$false)
            $a.Path | Should -Be (Join-Path $projects[0] '.npmrc')
            $b = @(Resolve-Path -LiteralPath $projects[1] | Set-NpmHardening @parameters -PassThru -Confirm:$false)
            $b.Path | Should -Be (Join-Path $projects[1] '.npmrc')
            $c = @(Get-Item -LiteralPath (Join-Path $projects[2] 'package.json') | Set-NpmHardening @parameters -PassThru -Confirm:$false)
            $c.Path | Should -Be (Join-Path $projects[2] '.npmrc')
        }

        It '-Path takes several folders (and wildcards); -LiteralPath takes them literally' {
            $changes = @(Set-NpmHardening @parameters -Path $projects[0], $projects[1] -PassThru -Confirm:$false)
            @($changes.Path) | Should -Be @((Join-Path $projects[0] '.npmrc'), (Join-Path $projects[1] '.npmrc'))
            $wild = @(Set-NpmHardening -Scope Project -Setting @{ 'min-release-age' = 9 } -Environment $envTable -Path (Join-Path $m.Root 'repo/*') -PassThru -Confirm:$false)
            $wild.Count | Should -Be 3
            $literal = @(Set-NpmHardening -Scope Project -Setting @{ 'min-release-age' = 11 } -Environment $envTable -LiteralPath $projects[2] -PassThru -Confirm:$false)
            $literal.Path | Should -Be (Join-Path $projects[2] '.npmrc')
        }

        It 'refuses piped objects that are neither folders nor findings, and files that are not package.json' {
            $errors = $null
            $out = @(1, 'text' | Set-NpmHardening -Scope Project -Environment $envTable -PassThru -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
            $out.Count | Should -Be 0
            @($errors | Where-Object FullyQualifiedErrorId -eq 'InputObjectNotRecognized,NpmHardening.Commands.SetNpmHardeningCommand').Count | Should -Be 2
            $file = Join-Path $projects[0] 'readme.txt'
            Set-Content -LiteralPath $file -Value 'x'
            $errors = $null
            Get-Item -LiteralPath $file | Set-NpmHardening @parameters -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors[0].FullyQualifiedErrorId | Should -Be 'ProjectFolderNotFound,NpmHardening.Commands.SetNpmHardeningCommand'
            Test-Path -LiteralPath (Join-Path $projects[0] '.npmrc') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path $m.Project '.npmrc') | Should -BeFalse
        }

        It 'an empty pipeline changes nothing (not the current folder)' {
            Push-Location -LiteralPath $m.Project
            try { @() | Set-NpmHardening -Scope Project -Setting @{ 'min-release-age' = 7 } -Environment $envTable -Confirm:$false }
            finally { Pop-Location }
            Test-Path -LiteralPath (Join-Path $m.Project '.npmrc') | Should -BeFalse
        }
    }

    It '-Path without -Scope Project is refused' {
        { Set-NpmHardening -Path $m.Project -Environment $envTable -WhatIf -ErrorAction Stop } | Should -Throw -ErrorId 'PathWithoutProjectScope,NpmHardening.Commands.SetNpmHardeningCommand'
    }

    It 'warns when a higher layer still overrides, and says so in StillOverriddenBy' {
        $e = Get-HardeningEnvironment $m @{ npm_config_strict_ssl = 'false' }
        Write-Utf8File $npmrc "strict-ssl=false`n"
        $warnings = $null
        $changes = @(Set-NpmHardening -Setting @{ 'strict-ssl' = $true } -Environment $e -PassThru -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $changes.Count | Should -Be 1
        $changes[0].StillOverriddenBy | Should -BeLike '*npm_config_strict_ssl*'
        ($warnings -join "`n") | Should -BeLike '*npm_config_strict_ssl*still wins*'
    }

    It 'refuses at binding a -Setting no npm accepts (<Setting.Keys>), whatever -ErrorAction says' -ForEach @(
        @{ Setting = @{ 'no-such-npm-key-xyz' = 'on' }; Expected = "*'no-such-npm-key-xyz' is not an npm config key*" }
        @{ Setting = @{ 'strict-sll' = $true }; Expected = "*Did you mean 'strict-ssl'?*" }
        @{ Setting = @{ 'strict-ssl' = 'maybe' }; Expected = "*strict-ssl does not accept 'maybe'*true or false*" }
    ) {
        $thrown = $null
        try { Set-NpmHardening -Setting $Setting -Environment $envTable -Confirm:$false -ErrorAction SilentlyContinue -WarningAction SilentlyContinue }
        catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,NpmHardening.Commands.SetNpmHardeningCommand'
        $thrown.Exception.Message | Should -BeLike $Expected
        Test-Path -LiteralPath $npmrc | Should -BeFalse
    }

    It 'a key the installed npm does not have yet is a non-terminating error naming the file and the upgrade, not a warning' {
        $errors = $null
        $changes = @(Set-NpmHardening -Setting @{ 'strict-npmrc' = $true; 'min-release-age' = 5 } -Environment $envTable -PassThru -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'NpmSettingNeedsNpmUpgrade,NpmHardening.Commands.SetNpmHardeningCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'NotInstalled'
        $errors[0].TargetObject | Should -Be $npmrc
        $errors[0].Exception.Message | Should -BeLike '*strict-npmrc needs npm*12*'
        $changes.Key | Should -Be 'min-release-age'   # the rest is still written
        { Set-NpmHardening -Setting @{ 'strict-npmrc' = $true } -Environment $envTable -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'NpmSettingNeedsNpmUpgrade,NpmHardening.Commands.SetNpmHardeningCommand'
    }

    It '-Scope Builtin warns that upgrading npm replaces the file (-WhatIf)' {
        $warnings = $null
        Set-NpmHardening -Scope Builtin -Environment $envTable -WhatIf -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        ($warnings -join "`n") | Should -BeLike '*upgrading npm replaces it*'
    }

    Context 'findings from the pipeline' {
        It 'fixes exactly the failed findings a config write can fix (live objects)' {
            Write-Utf8File $npmrc "strict-ssl=false`naudit=false`n"
            $failed = Get-NpmSecurityPosture -Path $m.Home -Environment $envTable | Where-Object { $_.Status -eq 'Fail' -and $_.Setting -eq 'strict-ssl' }
            @($failed).Count | Should -Be 1
            $changes = @($failed | Set-NpmHardening -Environment $envTable -PassThru -Confirm:$false)
            $changes.Key | Should -Be 'strict-ssl'
            $changes[0].RuleId | Should -Be $failed.RuleId
            [System.IO.File]::ReadAllText($npmrc) | Should -Be "strict-ssl=true`naudit=false`n"
        }

        It 'accepts deserialized findings (Import-Clixml) and warns with the remediation text of the rest' {
            Write-Utf8File $npmrc "audit=false`n"
            $xml = Join-Path $m.Root 'findings.xml'
            Get-NpmSecurityPosture -Path $m.Home -Environment $envTable | Where-Object { $_.Status -eq 'Fail' -and $_.Setting -eq 'audit' } | Export-Clixml -LiteralPath $xml
            $imported = @(Import-Clixml -LiteralPath $xml)
            $imported.Count | Should -Be 1
            $imported[0].GetType().FullName | Should -Be 'NpmHardening.NpmSecurityFinding'   # rehydrated
            $notFixable = [pscustomobject]@{ RuleId = 'NPMH7001'; Title = 'A token in a file'; Status = 'Fail'; Setting = $null; Remediation = 'Move the token to an environment variable.'; Baseline = 'Recommended' }
            $warnings = $null
            $changes = @(@($imported[0], $notFixable) | Set-NpmHardening -Environment $envTable -PassThru -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
            $changes.Key | Should -Be 'audit'
            $changes[0].NewValue | Should -Be 'true'
            ($warnings -join "`n") | Should -BeLike '*NPMH7001*Move the token to an environment variable.*'
        }

        It 'ignores passing findings' {
            $passing = [pscustomobject]@{ RuleId = 'NPMH2001'; Status = 'Pass'; Setting = 'strict-ssl'; Baseline = 'Recommended' }
            @($passing | Set-NpmHardening -Environment $envTable -PassThru -Confirm:$false).Count | Should -Be 0
            Test-Path -LiteralPath $npmrc | Should -BeFalse
        }
    }

    Context 'bad input' {
        It 'a .npmrc that is a directory is a non-terminating error naming the file; other profiles are still processed' {
            $other = Join-Path $m.Root 'other'
            New-Item -ItemType Directory -Path $other | Out-Null
            New-Item -ItemType Directory -Path $npmrc | Out-Null
            $errors = $null
            $changes = @(Set-NpmHardening -UserProfile $m.Home, $other -Environment $envTable -PassThru -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcNotAFile,*'
            $errors[0].CategoryInfo.Category | Should -Be 'InvalidType'
            $errors[0].TargetObject | Should -Be $npmrc
            $changes.Count | Should -BeGreaterThan 0
            @($changes.Path | Select-Object -Unique) | Should -Be @(Join-Path $other '.npmrc')
        }

        It 'a UTF-16 file is refused without -Force and rewritten as UTF-8 with -Force (no prompt)' {
            [System.IO.File]::WriteAllText($npmrc, "strict-ssl=false`r`n", [System.Text.Encoding]::Unicode)
            $errors = $null
            Set-NpmHardening -Setting @{ 'strict-ssl' = $true } -Environment $envTable -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcUtf16Encoded,*'
            $errors[0].TargetObject | Should -Be $npmrc
            Set-NpmHardening -Setting @{ 'strict-ssl' = $true } -Environment $envTable -Confirm:$false -Force -WarningAction SilentlyContinue
            [System.IO.File]::ReadAllBytes($npmrc)[0] | Should -Be ([byte][char]'s')
            (Get-NpmConfig -Name strict-ssl -Path $m.Home -Environment $envTable).Value | Should -BeTrue
        }

        It '-WhatIf predicts the refusal of the real run (<Case>): the same error, and no plan shown' -ForEach @(
            @{ Case = 'UTF-16 project file' }
            @{ Case = 'read-only project file' }
        ) {
            $projectRc = Join-Path $m.Project '.npmrc'
            if ($Case -like 'UTF-16*') { [System.IO.File]::WriteAllText($projectRc, "strict-ssl=false`r`n", [System.Text.Encoding]::Unicode) }
            else {
                Write-Utf8File $projectRc "strict-ssl=false`n"
                if ($OnWindows) { Set-ItemProperty -LiteralPath $projectRc -Name IsReadOnly -Value $true } else { & chmod 400 $projectRc }
            }
            $parameters = @{ Scope = 'Project'; Path = $m.Project; Setting = @{ 'strict-ssl' = $true }; Environment = $envTable; WarningAction = 'SilentlyContinue'; ErrorAction = 'SilentlyContinue' }
            $before = Get-TreeSnapshot $m
            $transcript = Join-Path $TestDrive 'whatif-refused.txt'
            $predicted = $null
            Start-Transcript -LiteralPath $transcript -Force | Out-Null
            try { Set-NpmHardening @parameters -WhatIf -ErrorVariable predicted }
            finally { Stop-Transcript | Out-Null }
            (Get-Content -LiteralPath $transcript -Raw) | Should -Not -BeLike '*What if:*'
            @($predicted).Count | Should -Be 1
            (Get-TreeSnapshot $m) | Should -Be $before

            $actual = $null
            Set-NpmHardening @parameters -Confirm:$false -ErrorVariable actual
            @($actual).Count | Should -Be 1
            $predicted[0].FullyQualifiedErrorId | Should -Be $actual[0].FullyQualifiedErrorId
            $predicted[0].FullyQualifiedErrorId | Should -BeIn @('NpmrcUtf16Encoded,NpmHardening.Commands.SetNpmHardeningCommand', 'NpmrcReadOnly,NpmHardening.Commands.SetNpmHardeningCommand')
            $predicted[0].Exception.Message | Should -Be $actual[0].Exception.Message
            $predicted[0].TargetObject | Should -Be $projectRc
            (Get-TreeSnapshot $m) | Should -Be $before

            # with -Force the same file is planned, and -WhatIf shows the plan
            Start-Transcript -LiteralPath $transcript -Force | Out-Null
            try { Set-NpmHardening @parameters -Force -WhatIf -ErrorVariable forced }
            finally { Stop-Transcript | Out-Null }
            @($forced).Count | Should -Be 0
            (Get-Content -LiteralPath $transcript -Raw) | Should -BeLike "*What if: $projectRc*strict-ssl*"
        }
    }

    It 'has a table view, also for deserialized changes' {
        $changes = @(Set-NpmHardening -Setting @{ 'min-release-age' = 3 } -Environment $envTable -PassThru -Confirm:$false)
        $local = $changes | Format-Table | Out-String -Width 200
        $local | Should -BeLike '*OldValue*NewValue*'
        $local | Should -BeLike '*min-release-age*(unset)*3*User*'
        $deserialized = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($changes[0]))
        ($deserialized | Format-Table | Out-String -Width 200) | Should -Be $local
    }
}

Describe 'Test-NpmHardening' {
    BeforeEach {
        $m = New-TestMachine
        # with a supported node (HardeningMachine.ps1), so the baseline's NPMH1003 does not judge the test machine's
        $envTable = Get-HardeningEnvironment $m
        $npmrc = Join-Path $m.Home '.npmrc'
    }
    AfterEach {
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'returns a single $false while something would change, saying why on the verbose stream, without side effects' {
        Write-Utf8File $npmrc "strict-ssl=false`n"
        $before = Get-TreeSnapshot $m
        $verbose = $null
        $result = @(Test-NpmHardening -Environment $envTable -Verbose -OutVariable result 4>&1 | Tee-Object -Variable all | Where-Object { $_ -is [bool] })
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
        $result.Count | Should -Be 1
        $result[0] | Should -BeFalse
        $verbose | Should -BeLike '*Not compliant*strict-ssl false -> true*'
        (Get-TreeSnapshot $m) | Should -Be $before
    }

    It 'returns $true after Set-NpmHardening with the same parameters' {
        Write-Utf8File $npmrc "strict-ssl=false`n"
        Set-NpmHardening -Baseline Strict -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        Test-NpmHardening -Baseline Strict -Environment $envTable | Should -BeTrue
        Test-NpmHardening -Setting @{ 'min-release-age' = 30 } -Environment $envTable | Should -BeFalse
    }

    It 'returns $false when a file cannot be written' {
        New-Item -ItemType Directory -Path $npmrc | Out-Null
        Test-NpmHardening -Environment $envTable | Should -BeFalse
    }
}

Describe 'Get-NpmHardeningBackup and Restore-NpmHardening' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-HardeningEnvironment $m
        $npmrc = Join-Path $m.Home '.npmrc'
        Write-Utf8File $npmrc $WeakNpmrc
        $original = Get-Sha256 $npmrc
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'lists backups newest first, by path (wildcards too) and by id' {
        Set-NpmHardening -Setting @{ 'strict-ssl' = $true } -Environment $envTable -Confirm:$false
        Set-NpmHardening -Setting @{ 'audit' = $true } -Environment $envTable -Confirm:$false
        $all = @(Get-NpmHardeningBackup -Environment $envTable)
        $all.Count | Should -Be 2
        $all[0].PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmHardeningBackup'
        $all[0].Time | Should -BeGreaterThan $all[1].Time
        $all[1].Sha256Original | Should -Be $original.ToLowerInvariant()
        $all[1].OriginalPath | Should -Be $npmrc
        $all[1].Changes.Key | Should -Be 'strict-ssl'
        @(Get-NpmHardeningBackup -Path $npmrc -Environment $envTable).BackupId | Should -Be $all.BackupId
        @(Get-NpmHardeningBackup -Path (Join-Path $m.Home '.npm*') -Environment $envTable).Count | Should -Be 2
        @(Get-NpmHardeningBackup -Path (Join-Path $m.Project '.npmrc') -Environment $envTable).Count | Should -Be 0
        (Get-NpmHardeningBackup -BackupId $all[1].BackupId -Environment $envTable).BackupId | Should -Be $all[1].BackupId
        ($all | Format-Table | Out-String -Width 200) | Should -BeLike '*BackupId*Time (UTC)*Set-NpmHardening*'
    }

    It 'Restore -Path -Latest puts the exact bytes back (hash) and keeps a backup of what it replaced' {
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        Get-Sha256 $npmrc | Should -Not -Be $original
        $restored = Restore-NpmHardening -Path $npmrc -Latest -Environment $envTable -PassThru -Confirm:$false
        Get-Sha256 $npmrc | Should -Be $original
        $restored.OriginalPath | Should -Be $npmrc
        $latest = @(Get-NpmHardeningBackup -Path $npmrc -Environment $envTable)[0]
        $latest.Reason | Should -BeLike 'Restore-NpmHardening*'
    }

    It 'restores from the pipeline (Get-NpmHardeningBackup | Restore-NpmHardening), also a file that did not exist' {
        $project = Join-Path $m.Project '.npmrc'
        Set-NpmHardening -Scope Project -Path $m.Project -Setting @{ 'min-release-age' = 7 } -Environment $envTable -Confirm:$false
        Test-Path -LiteralPath $project | Should -BeTrue
        Get-NpmHardeningBackup -Path $project -Environment $envTable | Select-Object -First 1 | Restore-NpmHardening -Environment $envTable -Confirm:$false
        Test-Path -LiteralPath $project | Should -BeFalse
    }

    It 'Restore -WhatIf writes nothing' {
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        $before = Get-TreeSnapshot $m
        Restore-NpmHardening -Path $npmrc -Latest -Environment $envTable -WhatIf | Out-Null
        (Get-TreeSnapshot $m) | Should -Be $before
    }

    It 'an unknown backup id is a non-terminating ObjectNotFound error' {
        $errors = $null
        Restore-NpmHardening -BackupId 'nope' -Environment $envTable -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmHardeningBackupNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-Sha256 $npmrc | Should -Be $original
    }

    It 'a tampered backup is refused and the file is left alone' {
        Set-NpmHardening -Environment $envTable -Confirm:$false -WarningAction SilentlyContinue
        $changed = Get-Sha256 $npmrc
        $backup = @(Get-NpmHardeningBackup -Environment $envTable)[0]
        [System.IO.File]::AppendAllText($backup.DataPath, 'x')
        $errors = $null
        $backup | Restore-NpmHardening -Environment $envTable -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmHardeningBackupNotFound,*'
        Get-Sha256 $npmrc | Should -Be $changed
    }
}
