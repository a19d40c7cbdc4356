#Requires -Version 7.0
# Issue 10, section A: NpmHardening run as root over a user's files, with that user as the attacker. Each attack from
# the issue is reproduced against the built module with a throwaway local user (created here, removed after), and must
# change nothing outside what the user could change alone. The two races run 200 rounds each against a concurrent
# swapper (Attack/swapper.c) that must report swaps, so a pass is never a race that did not happen.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Attack/ThrowawayUser.ps1')
    $script:SkipReason = Test-CanAttack
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'Attack/ThrowawayUser.ps1')
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    if (-not (Test-CanAttack)) {
        $script:User = New-ThrowawayUser
        $script:Swapper = Get-Swapper
        # The operator's environment, with backups kept in a root-only folder of this test (never root's real store).
        $script:State = Join-Path ([IO.Path]::GetTempPath()) ('npmh-state-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $State | Out-Null
        & chmod 0700 $State
        $script:OperatorEnv = @{}
        foreach ($e in Get-ChildItem env:) { $OperatorEnv[$e.Name] = $e.Value }
        $OperatorEnv["XDG_STATE_HOME"] = $State
    }

    function Reset-Home {
        Invoke-AsUser $User "cd '$($User.Home)' && find . -mindepth 1 -maxdepth 1 ! -name . -exec rm -rf {} + && printf 'strict-ssl=false\n' > .npmrc && chmod 600 .npmrc"
        Get-ChildItem -LiteralPath $State -Force | Remove-Item -Recurse -Force
    }

    function Get-RootOwnedLeftovers {
        @(& find $User.Home -uid 0 2>$null)
    }

    # 200 rounds of Set-NpmHardening on the user's profile (a new value each round, so each round writes) while the
    # swapper races as the user; asserts the race ran, writes still landed in the user's own folder, and the victim
    # and the user's folder show no trace of root.
    function Invoke-Race([string] $Name, $Victim, [string[]] $SwapperArguments, [scriptblock] $BeforeRound) {
        $before = Get-VictimState $Victim
        $swapper = Start-Swapper $User $Swapper $SwapperArguments
        $written = 0; $refused = 0; $why = @{}
        try {
            for ($i = 1; $i -le 200; $i++) {
                & $BeforeRound
                $out = @(Set-NpmHardening -UserProfile $User.Home -Environment $OperatorEnv -Setting @{ 'fetch-retries' = $i } -Confirm:$false -PassThru `
                    -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
                if ($out.Count -gt 0) { $written++ } else { $refused++ }
                foreach ($e in $errs) { $why[$e.FullyQualifiedErrorId.Split(',')[0]]++ }
            }
        }
        finally { $swaps = Stop-Swapper $swapper }
        try {
            $swaps | Should -BeGreaterThan 0 -Because 'the race must have been run'
            $written | Should -BeGreaterThan 0 -Because 'writes still land in the user''s own folder'
            Get-VictimState $Victim | Should -Be $before
            Get-RootOwnedLeftovers | Should -BeNullOrEmpty
        }
        finally { Remove-Item -LiteralPath $Victim.Folder -Recurse -Force }
        $reasons = ($why.Keys | Sort-Object | ForEach-Object { $_ + ' ' + $why[$_] }) -join ', '
        Write-Host "    ${Name}: $swaps swaps, $written writes, $refused refused or failed ($reasons), 0 wins"
    }
}

AfterAll {
    if ($script:User) { Remove-ThrowawayUser $User }
    if ($script:State) { Remove-Item -LiteralPath $State -Recurse -Force -ErrorAction SilentlyContinue }
    if ($script:Swapper) { Remove-Item -LiteralPath (Split-Path $Swapper) -Recurse -Force -ErrorAction SilentlyContinue }
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Run as root over a user''s files (issue 10 A)' -Skip:($null -ne $SkipReason) {
    BeforeEach { Reset-Home }

    It 'A1: Restore-NpmHardening does not follow a link the user put in place of the file (write, then remove)' {
        $victim = New-RootVictim
        try {
            $before = Get-VictimState $victim
            Set-NpmHardening -UserProfile $User.Home -Environment $OperatorEnv -Confirm:$false -WarningAction SilentlyContinue
            Get-NpmHardeningBackup -Path "$($User.Home)/.npmrc" -Environment $OperatorEnv | Should -Not -BeNullOrEmpty
            Invoke-AsUser $User "ln -sfn '$($victim.File)' '$($User.Home)/.npmrc'"

            Restore-NpmHardening -Path "$($User.Home)/.npmrc" -Latest -Environment $OperatorEnv -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcUnsafePath*'
            $errs[0].Exception.Message | Should -BeLike "*$($User.Name)*"
            # -Force lifts the "link outside the profile" guard, never the user's own permissions
            Restore-NpmHardening -Path "$($User.Home)/.npmrc" -Latest -Environment $OperatorEnv -Confirm:$false -Force -ErrorAction SilentlyContinue
            Get-VictimState $victim | Should -Be $before
        }
        finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
    }

    It 'A1: restoring "did not exist" never removes what a link points to' {
        $victim = New-RootVictim
        try {
            Invoke-AsUser $User "rm -f '$($User.Home)/.npmrc'"
            $before = Get-VictimState $victim
            Set-NpmHardening -UserProfile $User.Home -Environment $OperatorEnv -Confirm:$false -WarningAction SilentlyContinue
            (Get-NpmHardeningBackup -Path "$($User.Home)/.npmrc" -Environment $OperatorEnv)[0].OriginalExisted | Should -BeFalse
            Invoke-AsUser $User "ln -sfn '$($victim.File)' '$($User.Home)/.npmrc'"

            Restore-NpmHardening -Path "$($User.Home)/.npmrc" -Latest -Environment $OperatorEnv -Confirm:$false -Force -ErrorVariable errs -ErrorAction SilentlyContinue
            $errs.Count | Should -Be 1
            Get-VictimState $victim | Should -Be $before
        }
        finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
    }

    It 'A2: 200 writes while the user swaps each temporary file for a link to a root file: 0 wins' {
        $victim = New-RootVictim
        Invoke-Race 'A2' $victim @('temp', $User.Home, $victim.File) {
            # a round may leave the user's own .npmrc as the user's link: the user's loss, and the next round starts clean
            if ((Get-Item -LiteralPath "$($User.Home)/.npmrc" -Force -ErrorAction SilentlyContinue).LinkType) {
                Invoke-AsUser $User "rm -f '$($User.Home)/.npmrc' && printf 'strict-ssl=false\n' > '$($User.Home)/.npmrc'"
            }
        }
    }

    It 'A3: 200 writes through ~/.npmrc -> cfg/npmrc while the user exchanges cfg with a link to a root-only folder: 0 wins' {
        $victim = New-RootVictim -FolderMode '0700' -Content "root-only npmrc`n"
        Invoke-AsUser $User "cd '$($User.Home)' && rm -f .npmrc && mkdir cfg && printf 'strict-ssl=false\n' > cfg/victim && ln -s cfg/victim .npmrc && ln -s '$($victim.Folder)' cfglink"
        Invoke-Race 'A3' $victim @('dirs', $User.Home, 'cfg', 'cfglink') {}
    }

    It 'A4: a globalconfig (or prefix) the user sets never makes root write a root file, existing or new' {
        $victim = New-RootVictim -FolderMode '0700' -FileMode '0600'
        try {
            $before = Get-VictimState $victim
            foreach ($line in "globalconfig=$($victim.File)", "globalconfig=$($victim.Folder)/new-npmrc", "prefix=$($victim.Folder)") {
                Invoke-AsUser $User "printf '%s\n' '$line' > '$($User.Home)/.npmrc'"
                Set-NpmHardening -UserProfile $User.Home -Scope Global -Environment $OperatorEnv -Confirm:$false -Force -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
                $errs.Count | Should -Be 1 -Because $line
                $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcUnsafePath*'
                $errs[0].Exception.Message | Should -BeLike "*$($User.Home)/.npmrc*"
                Get-VictimState $victim | Should -Be $before -Because $line
            }
            # -AllUsers meets the same profile among the machine's users (-WhatIf: the machine's real files stay as they are)
            Invoke-AsUser $User "printf 'globalconfig=%s\n' '$($victim.File)' > '$($User.Home)/.npmrc'"
            Set-NpmHardening -AllUsers -Scope Global -Environment $OperatorEnv -WhatIf -ErrorVariable all -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 6>$null
            @($all | Where-Object { $_.FullyQualifiedErrorId -like 'NpmrcUnsafePath*' -and $_.TargetObject -eq $victim.File }).Count | Should -Be 1
            Get-VictimState $victim | Should -Be $before
        }
        finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
    }

    It 'A5: the lock file is never a link or another file''s second name' {
        $victim = New-RootVictim
        try {
            $before = Get-VictimState $victim
            $lock = "$($User.Home)/.npmrc.npmhardening.lock"
            foreach ($target in "$($victim.Folder)/nologin", $victim.File) {
                Invoke-AsUser $User "ln -sfn '$target' '$lock'"
                Set-NpmHardening -UserProfile $User.Home -Environment $OperatorEnv -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
                $errs.Count | Should -Be 1
                $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcUnsafePath*'
                Test-Path -LiteralPath "$($victim.Folder)/nologin" | Should -BeFalse
                Get-VictimState $victim | Should -Be $before
            }
            # a hard link to a root file (what a machine without fs.protected_hardlinks allows the user to make)
            Invoke-AsUser $User "rm -f '$lock'"
            & ln $victim.File $lock
            Set-NpmHardening -UserProfile $User.Home -Environment $OperatorEnv -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            $errs.Count | Should -Be 1
            $errs[0].Exception.Message | Should -BeLike '*hard link*'
            & rm -f $lock
            Get-VictimState $victim | Should -Be $before
        }
        finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
    }

    It 'A6: run with the user''s HOME (sudo -E), a manifest the user planted is never used' {
        $victim = New-RootVictim
        try {
            $before = Get-VictimState $victim
            $store = "$($User.Home)/.local/state/npmhardening/backups"
            $bytes = "ATTACKER BYTES`n"
            $sha = [BitConverter]::ToString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($bytes))).Replace('-', '').ToLowerInvariant()
            $manifest = @{ schema = 1; backupId = '20991231T000000Z-deadbeef'; originalPath = $victim.File; time = '2099-12-31T00:00:00.0000000Z'
                sha256Original = $sha; originalExisted = $true; length = $bytes.Length; reason = 'planted'; dataFile = 'planted.npmrc.bak'; changes = @() } | ConvertTo-Json -Compress
            Invoke-AsUser $User "mkdir -p '$store' && chmod 700 '$store' && printf '%s' '$manifest' > '$store/20991231T000000Z-deadbeef.json' && printf 'ATTACKER BYTES\n' > '$store/planted.npmrc.bak' && chmod 600 '$store'/*"

            $script = @"
Import-Module '$env:NPMH_MODULE_PATH'
`$env:HOME = '$($User.Home)'
Remove-Item env:XDG_STATE_HOME -ErrorAction SilentlyContinue
if (@(Get-NpmHardeningBackup | Where-Object BackupId -eq '20991231T000000Z-deadbeef').Count) { 'LISTED' }
Restore-NpmHardening -BackupId '20991231T000000Z-deadbeef' -Confirm:`$false -ErrorAction SilentlyContinue -ErrorVariable e1
Restore-NpmHardening -Path '$($victim.File)' -Latest -Confirm:`$false -ErrorAction SilentlyContinue -ErrorVariable e2
"errors `$(`$e1.Count + `$e2.Count)"
"@
            $pwsh = Get-PowerShellHost
            $out = & $pwsh.Path @($pwsh.Prefix) -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
            $out | Should -Not -BeLike '*LISTED*'
            $out | Should -BeLike '*errors 2*'
            Get-VictimState $victim | Should -Be $before
        }
        finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
    }

    It 'A6: a backup store another account can change is refused, not used' {
        $store = "$($User.Home)/store"
        Invoke-AsUser $User "mkdir -p '$store'"
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'NpmHardening.Engine' } | Select-Object -First 1
        $type = $engine.GetType('NpmHardening.Engine.Remediation.BackupStore')
        $backups = [Activator]::CreateInstance($type, @($store, $null))
        $thrown = $null
        try { $backups.List($null) | Out-Null } catch { $thrown = $_.Exception.InnerException ?? $_.Exception }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.GetType().Name | Should -Be 'NpmrcWriteException'
        $thrown.ErrorId | Should -Be 'NpmHardeningBackupStoreUntrusted'
    }

    It 'A7: a userconfig or globalconfig set in a user''s project never has root read a root-only file' {
        $victim = New-RootVictim -FolderMode '0755' -FileMode '0600' -Content "a7-chosen=TOPSECRET-A7-CHOSEN`n"
        try {
            $project = "$($User.Home)/app"
            foreach ($key in 'userconfig', 'globalconfig') {
                Invoke-AsUser $User "mkdir -p '$project' && printf '{}' > '$project/package.json' && printf '%s=%s
' '$key' '$($victim.File)' > '$project/.npmrc'"
                $text = @(
                    Get-NpmConfig -Path $project -All -ErrorAction Continue *>&1
                    Get-NpmSecurityPosture -Path $project -ErrorAction Continue *>&1
                ) | Out-String -Width 500
                $text | Should -Not -BeLike '*TOPSECRET-A7*' -Because $key
                $text | Should -Not -BeLike '*a7-chosen*' -Because $key
            }
            # root's own choice on the command line is root's: read as root (npm lets a project's globalconfig win over
            # the command line, so only userconfig shows this)
            Invoke-AsUser $User "printf 'userconfig=%s\n' '$($victim.File)' > '$project/.npmrc'"
            (Get-NpmConfig -Path $project -Override @{ userconfig = $victim.File } -All -WarningAction SilentlyContinue | Where-Object Key -eq 'a7-chosen') | Should -Not -BeNullOrEmpty
        }
        finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
    }

    It 'A7: a link from the user''s ~/.npmrc to a root-only file is never read for the user' {
        foreach ($shape in @(@{ Folder = '0700'; File = '0644' }, @{ Folder = '0755'; File = '0600' })) {
            $victim = New-RootVictim -FolderMode $shape.Folder -FileMode $shape.File -Content "a7-secret=TOPSECRET-A7-VALUE`n"
            try {
                Invoke-AsUser $User "ln -sfn '$($victim.File)' '$($User.Home)/.npmrc'"
                $text = @(
                    Get-NpmConfig -UserProfile $User.Home -All -Verbose -ErrorAction Continue *>&1
                    Get-NpmSecurityPosture -UserProfile $User.Home -Verbose -ErrorAction Continue *>&1
                    Test-NpmrcToken -UserProfile $User.Home -Verbose -ErrorAction Continue *>&1
                ) | Out-String -Width 500
                $text | Should -Not -BeLike '*TOPSECRET-A7*'
                $text | Should -Not -BeLike '*a7-secret*'
                # what npm run as the user would do: the file cannot be read
                $text | Should -BeLike "*$($User.Home)/.npmrc*"
            }
            finally { Remove-Item -LiteralPath $victim.Folder -Recurse -Force }
        }
    }

    It 'A8: in a home root owns, a file only root can read is not the user''s setting: never compliant on it' {
        # npm runs as the account whose home it is; reading as the folder's owner (root) saw settings that npm, run as
        # that user, cannot read (it then uses allow-git=all), and called the profile compliant
        $other = New-ThrowawayUser
        try {
            & chown root:root $other.Home
            [IO.File]::WriteAllText("$($other.Home)/.npmrc", "allow-git=root`n")
            & chmod 0600 "$($other.Home)/.npmrc"
            Test-NpmHardening -UserProfile $other.Home -Setting @{ 'allow-git' = 'root' } -ErrorAction SilentlyContinue | Should -BeFalse
            $finding = @(Get-NpmSecurityPosture -UserProfile $other.Home -ErrorAction SilentlyContinue | Where-Object RuleId -EQ 'NPMH5001')
            $finding.Status | Should -Not -Contain 'Pass'
            (Get-NpmConfig -UserProfile $other.Home -Name allow-git -ErrorAction SilentlyContinue).Value | Should -Be 'all'
        }
        finally { Remove-ThrowawayUser $other }
    }
}
