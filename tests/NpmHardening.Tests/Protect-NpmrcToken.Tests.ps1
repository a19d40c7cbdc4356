#Requires -Version 5.1
# Protect-NpmrcToken through PowerShell: -WhatIf, writing, -PassThru secrets, -Remove, pipeline input (files and
# findings), per-file errors, restore, and no canary token in any stream or serialization. Each test uses its own
# machine in a temp folder; the backup store is pointed into it through XDG_STATE_HOME/LOCALAPPDATA for the test.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    function Get-TreeSnapshot($Machine) {
        @(Get-ChildItem -LiteralPath $Machine.Root -Recurse -Force | Sort-Object FullName | ForEach-Object {
            if ($_.PSIsContainer) { "$($_.FullName)/" } else { "$($_.FullName) $((Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash)" }
        }) -join "`n"
    }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Protect-NpmrcToken' {
    BeforeEach {
        $m = New-TestMachine
        $npmrc = Join-Path $m.Home '.npmrc'
        $state = Join-Path $m.Root 'state'
        $saved = @{ XDG_STATE_HOME = $env:XDG_STATE_HOME; LOCALAPPDATA = $env:LOCALAPPDATA }
        $env:XDG_STATE_HOME = $state
        $env:LOCALAPPDATA = $state
        $token = New-NpmToken
        $token2 = New-NpmToken
    }
    AfterEach {
        $env:XDG_STATE_HOME = $saved.XDG_STATE_HOME
        $env:LOCALAPPDATA = $saved.LOCALAPPDATA
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It '-WhatIf writes nothing and makes no backup, and names file, line, key and the redacted token' {
        Write-Utf8File $npmrc "a=1`n//registry.npmjs.org/:_authToken=$token`n"
        $before = Get-TreeSnapshot $m
        $transcript = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -LiteralPath $transcript -Force | Out-Null
        try { $out = @(Protect-NpmrcToken -Path $npmrc -VariableName NPM_TOKEN -WhatIf -PassThru -WarningAction SilentlyContinue) }
        finally { Stop-Transcript | Out-Null }
        $out.Count | Should -Be 0
        $text = Get-Content -LiteralPath $transcript -Raw
        $text | Should -BeLike "*What if: $npmrc*line 2 //registry.npmjs.org/:_authToken (npm_*)*`${NPM_TOKEN}*"
        $text | Should -Not -BeLike "*$token*"
        (Get-TreeSnapshot $m) | Should -Be $before
        Test-Path -LiteralPath $state | Should -BeFalse
    }

    It '-Confirm:$false writes the reference in place and -PassThru hands out the token as a SecureString' {
        Write-Utf8File $npmrc "# mine`r`n//registry.npmjs.org/:_authToken = $token ; CI`r`nsave-exact=true"
        $r = @(Protect-NpmrcToken -Path $npmrc -PassThru -Confirm:$false -WarningVariable warns -WarningAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0].PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmTokenProtection'
        $r[0].Action | Should -Be 'Replaced'
        $r[0].Line | Should -Be 2
        $r[0].VariableName | Should -Be 'NPM_TOKEN'
        $r[0].Registry | Should -Be '//registry.npmjs.org/'
        $r[0].Kind | Should -Be 'GranularToken'
        $r[0].BackupId | Should -Not -BeNullOrEmpty
        $r[0].HasSecret | Should -BeTrue
        $r[0].GetSecret() | Should -BeOfType [System.Security.SecureString]
        [Net.NetworkCredential]::new('', $r[0].GetSecret()).Password | Should -BeExactly $token
        [System.IO.File]::ReadAllText($npmrc) | Should -BeExactly "# mine`r`n//registry.npmjs.org/:_authToken = `${NPM_TOKEN} ; CI`r`nsave-exact=true"
        ($warns -join "`n") | Should -BeLike '*Set the environment variable NPM_TOKEN*'
        # the config engine reads the reference back, and expands it once the variable is set
        $envTable = Get-TestEnvironment $m @{ NPM_TOKEN = 'placeholder-value' }
        (Get-NpmConfig -Name '//registry.npmjs.org/:_authToken' -Path $m.Project -Environment $envTable).Source | Should -Be $npmrc
    }

    It 'does nothing without -Confirm:$false when confirmation is declined (ConfirmImpact High)' {
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n"
        (Get-Command Protect-NpmrcToken).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'High'
    }

    It '-Remove deletes the credential lines, _auth and _password included' {
        Write-Utf8File $npmrc "a=1`n//r.example/:_auth=dXNlcjpwYXNzd29yZDEyMzQ1Ng==`n//registry.npmjs.org/:_authToken=$token`nb=2`n"
        $r = @(Protect-NpmrcToken -LiteralPath $npmrc -Remove -PassThru -Confirm:$false)
        @($r.Action | Select-Object -Unique) | Should -Be @('Removed')
        $r.Line | Should -Be @(2, 3)
        [System.IO.File]::ReadAllText($npmrc) | Should -BeExactly "a=1`nb=2`n"
    }

    It 'leaves _auth in place with a warning recommending a granular token' {
        Write-Utf8File $npmrc "//r.example/:_auth=dXNlcjpwYXNzd29yZDEyMzQ1Ng==`n"
        $hash = (Get-FileHash -LiteralPath $npmrc).Hash
        $r = @(Protect-NpmrcToken -Path $npmrc -PassThru -Confirm:$false -WarningVariable warns -WarningAction SilentlyContinue)
        $r[0].Action | Should -Be 'Skipped'
        $r[0].HasSecret | Should -BeFalse
        $r[0].GetSecret() | Should -BeNullOrEmpty
        ($warns -join "`n") | Should -BeLike '*granular access token*'
        (Get-FileHash -LiteralPath $npmrc).Hash | Should -Be $hash
    }

    It 'takes files from Get-ChildItem through the pipeline' {
        $a = Join-Path $m.Project '.npmrc'
        $sub = Join-Path $m.Project 'pkg'
        New-Item -ItemType Directory -Path $sub | Out-Null
        $b = Join-Path $sub '.npmrc'
        # one token copied into two projects: one variable stands for it (two different tokens are refused, below)
        Write-Utf8File $a "//registry.npmjs.org/:_authToken=$token`n"
        Write-Utf8File $b "a=1`n//registry.npmjs.org/:_authToken=$token`n"
        $r = @(Get-ChildItem -LiteralPath $m.Project -Filter .npmrc -Recurse -File -Force | Protect-NpmrcToken -PassThru -Confirm:$false -WarningAction SilentlyContinue)
        $r.Count | Should -Be 2
        @($r.Path | Sort-Object) | Should -Be @(@($a, $b) | Sort-Object)
        [System.IO.File]::ReadAllText($a) | Should -BeExactly "//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`n"
        [System.IO.File]::ReadAllText($b) | Should -BeExactly "a=1`n//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`n"
    }

    It 'accepts findings by property name: one line, re-checked, and environment findings skipped with a warning' {
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n//npm.pkg.github.com/:_authToken=$token2`n"
        $findings = @(
            [pscustomobject]@{ Path = $npmrc; Line = 2; Key = '//npm.pkg.github.com/:_authToken'; Registry = '//npm.pkg.github.com/'; Kind = 'GranularToken'; Layer = 'User'; Source = $npmrc }
            [pscustomobject]@{ Path = $null; Line = $null; Key = 'NPM_CONFIG_//registry.npmjs.org/:_authToken'; Registry = '//registry.npmjs.org/'; Kind = 'GranularToken'; Layer = 'Env'; Source = 'env:NPM_TOKEN' }
        )
        $r = @($findings | Protect-NpmrcToken -VariableName GH_TOKEN -PassThru -Confirm:$false -WarningVariable warns -WarningAction SilentlyContinue)
        $r.Count | Should -Be 1
        $r[0].Line | Should -Be 2
        [System.IO.File]::ReadAllText($npmrc) | Should -BeExactly "//registry.npmjs.org/:_authToken=$token`n//npm.pkg.github.com/:_authToken=`${GH_TOKEN}`n"
        ($warns -join "`n") | Should -BeLike '*set in the environment, not a file*'

        # the file changed since the finding was made: the line no longer holds the key
        $stale = [pscustomobject]@{ Path = $npmrc; Line = 1; Key = '//npm.pkg.github.com/:_authToken' }
        $stale | Protect-NpmrcToken -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcTokenLineChanged,*'
    }

    It 'refuses different tokens behind one variable, and -Registry narrows' {
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n//npm.pkg.github.com/:_authToken=$token2`n"
        Protect-NpmrcToken -Path $npmrc -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcTokensAmbiguous,*'
        $errs[0].Exception.Message | Should -BeLike "*$npmrc*"
        $errs[0].Exception.Message | Should -Not -BeLike "*$token*"
        Protect-NpmrcToken -Path $npmrc -Registry https://npm.pkg.github.com -VariableName GH_TOKEN -Confirm:$false -WarningAction SilentlyContinue
        [System.IO.File]::ReadAllText($npmrc) | Should -BeExactly "//registry.npmjs.org/:_authToken=$token`n//npm.pkg.github.com/:_authToken=`${GH_TOKEN}`n"
    }

    Context 'the ambiguity check spans the whole pipeline' {
        BeforeEach {
            $other = Join-Path $m.Project '.npmrc'
            Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n"
            Write-Utf8File $other "//npm.pkg.github.com/:_authToken=$token2`n"
            $hashes = { @($npmrc, $other | ForEach-Object { (Get-FileHash -LiteralPath $_).Hash }) -join ',' }
        }

        It 'two registries'' tokens in two files piped from Test-NpmrcToken are refused as a whole, naming both files; nothing is written' {
            $findings = @(Test-NpmrcToken -LiteralPath $npmrc, $other | Where-Object Line)
            $findings.Count | Should -Be 2
            $before = & $hashes
            $thrown = $null
            try { $findings | Protect-NpmrcToken -Confirm:$false -WarningAction SilentlyContinue -ErrorAction SilentlyContinue }
            catch { $thrown = $_ }
            $thrown.FullyQualifiedErrorId | Should -Be 'NpmrcTokensAmbiguous,NpmHardening.Commands.ProtectNpmrcTokenCommand'
            $thrown.Exception.Message | Should -BeLike "*$npmrc*registry.npmjs.org*$other*npm.pkg.github.com*"
            $thrown.Exception.Message | Should -Not -BeLike "*$($token.Substring(4, 20))*"
            $thrown.Exception.Message | Should -Not -BeLike "*$($token2.Substring(4, 20))*"
            (& $hashes) | Should -Be $before
            Test-Path -LiteralPath $state | Should -BeFalse   # not even a backup
        }

        It '-WhatIf predicts the same refusal instead of showing two plans' {
            $transcript = Join-Path $TestDrive 'ambiguous.txt'
            $thrown = $null
            Start-Transcript -LiteralPath $transcript -Force | Out-Null
            try { Protect-NpmrcToken -LiteralPath $npmrc, $other -WhatIf -WarningAction SilentlyContinue }
            catch { $thrown = $_ }
            finally { Stop-Transcript | Out-Null }
            $thrown.FullyQualifiedErrorId | Should -BeLike 'NpmrcTokensAmbiguous,*'
            (Get-Content -LiteralPath $transcript -Raw) | Should -Not -BeLike '*What if:*'
        }

        It 'findings of two lines of one file are planned together, so the check inside a file still holds' {
            Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n//npm.pkg.github.com/:_authToken=$token2`n"
            $findings = @(Test-NpmrcToken -LiteralPath $npmrc | Where-Object Line)
            $findings.Count | Should -Be 2
            # the refusal inside one file is that file's error (other files piped with it go on): -ErrorAction Stop makes
            # it throw here whatever the session's preferences are
            { $findings | Protect-NpmrcToken -Confirm:$false -WarningAction SilentlyContinue -ErrorAction Stop } | Should -Throw -ErrorId 'NpmrcTokensAmbiguous,*'
            [System.IO.File]::ReadAllText($npmrc) | Should -BeLike "*$token*$token2*"
        }

        It '-Registry narrows it to one token: only that registry''s line changes' {
            @(Test-NpmrcToken -LiteralPath $npmrc, $other | Where-Object Line) | Protect-NpmrcToken -Registry https://npm.pkg.github.com -VariableName GH_TOKEN -Confirm:$false -WarningAction SilentlyContinue
            [System.IO.File]::ReadAllText($npmrc) | Should -BeExactly "//registry.npmjs.org/:_authToken=$token`n"
            [System.IO.File]::ReadAllText($other) | Should -BeExactly "//npm.pkg.github.com/:_authToken=`${GH_TOKEN}`n"
        }

        It 'the same token in two files is one variable: both are protected' {
            Write-Utf8File $other "//registry.npmjs.org/:_authToken=$token`n"
            $r = @(Get-Item -LiteralPath $npmrc, $other -Force | Protect-NpmrcToken -PassThru -Confirm:$false -WarningAction SilentlyContinue)
            $r.Count | Should -Be 2
            @($r.Fingerprint | Select-Object -Unique).Count | Should -Be 1
            foreach ($f in $npmrc, $other) { [System.IO.File]::ReadAllText($f) | Should -BeExactly "//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`n" }
        }
    }

    It '-WhatIf on a UTF-16 file predicts the refusal without -Force, and shows the plan with it' {
        [System.IO.File]::WriteAllText($npmrc, "//registry.npmjs.org/:_authToken=$token`r`n", [System.Text.Encoding]::Unicode)
        $transcript = Join-Path $TestDrive 'utf16.txt'
        Start-Transcript -LiteralPath $transcript -Force | Out-Null
        try {
            Protect-NpmrcToken -Path $npmrc -WhatIf -ErrorVariable predicted -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            Protect-NpmrcToken -Path $npmrc -WhatIf -Force -WarningAction SilentlyContinue
        }
        finally { Stop-Transcript | Out-Null }
        $predicted[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcUtf16Encoded,*'
        $text = Get-Content -LiteralPath $transcript -Raw
        ([regex]::Matches($text, 'What if:')).Count | Should -Be 1
        $text | Should -BeLike '*What if:*rewrite UTF-16 as UTF-8*'
    }

    It 'refuses a bad -VariableName before touching anything' {
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n"
        { Protect-NpmrcToken -Path $npmrc -VariableName 'NPM-TOKEN' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidVariableName,*'
    }

    It 'reports bad input per file (directory, binary, UTF-16, large, missing) without stopping or leaking' {
        $dir = Join-Path $m.Root 'dir/.npmrc'; New-Item -ItemType Directory -Path $dir -Force | Out-Null
        $bin = Join-Path $m.Root 'bin.npmrc'; [System.IO.File]::WriteAllBytes($bin, [byte[]](0x89, 0x50, 0x4E, 0x47, 0, 0, 0) + [System.Text.Encoding]::ASCII.GetBytes("`n//r/:_authToken=$token`n"))
        $u16 = Join-Path $m.Root 'u16.npmrc'; [System.IO.File]::WriteAllText($u16, "//r.example/:_authToken=$token`r`n", [System.Text.Encoding]::Unicode)
        $big = Join-Path $m.Root 'big.npmrc'
        $fs = [System.IO.File]::Create($big); try { $fs.SetLength(50MB); $fs.Position = 0; $b = [System.Text.Encoding]::ASCII.GetBytes("//r/:_authToken=$token`n"); $fs.Write($b, 0, $b.Length) } finally { $fs.Dispose() }
        $missing = Join-Path $m.Root 'missing.npmrc'
        $good = Join-Path $m.Root 'good.npmrc'; Write-Utf8File $good "//r.example/:_authToken=$token`n"
        $all = @($dir, $bin, $u16, $big, $missing, $good)
        $out = @(Protect-NpmrcToken -LiteralPath $all -Confirm:$false -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].Path | Should -Be $good
        $ids = @($errs | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] })
        $ids | Should -Be @('NpmrcNotAFile', 'NpmrcBinaryContent', 'NpmrcUtf16Encoded', 'NpmrcTooLarge', 'NpmrcNotFound')
        for ($i = 0; $i -lt 5; $i++) {
            $errs[$i].TargetObject | Should -Be $all[$i]
            $errs[$i].Exception.Message | Should -BeLike "*$($all[$i])*"
            $errs[$i].Exception.Message | Should -Not -BeLike "*$token*"
        }
        $errs[2].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[3].CategoryInfo.Category | Should -Be 'LimitsExceeded'

        # -Force rewrites the UTF-16 file as UTF-8 while protecting it
        Protect-NpmrcToken -LiteralPath $u16 -Force -Confirm:$false -WarningAction SilentlyContinue
        [System.IO.File]::ReadAllText($u16) | Should -BeExactly "//r.example/:_authToken=`${NPM_TOKEN}`r`n"
    }

    It 'refuses a symbolic link that leaves the file''s folder unless -Force' {
        # inside the test: -Skip is read at discovery, before BeforeAll defines $OnWindows
        if ($OnWindows) { Set-ItResult -Skipped -Because 'making a symbolic link on Windows needs SeCreateSymbolicLinkPrivilege or developer mode, and Wine does not follow the links it makes'; return }
        $outside = Join-Path $m.Root 'outside.npmrc'
        Write-Utf8File $outside "//registry.npmjs.org/:_authToken=$token`n"
        New-Item -ItemType SymbolicLink -Path $npmrc -Target $outside | Out-Null
        Protect-NpmrcToken -Path $npmrc -Confirm:$false -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcSymlinkOutsideRoot,*'
        $errs[0].Exception.Message | Should -Not -BeLike "*$token*"
        [System.IO.File]::ReadAllText($outside) | Should -BeLike "*$token*"
        Protect-NpmrcToken -Path $npmrc -Force -Confirm:$false -WarningAction SilentlyContinue
        [System.IO.File]::ReadAllText($outside) | Should -BeExactly "//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`n"
        (Get-Item -LiteralPath $npmrc -Force).LinkType | Should -Be 'SymbolicLink'
    }

    It 'Restore-NpmHardening brings the plaintext back; the backup says Protect-NpmrcToken' {
        $original = "//registry.npmjs.org/:_authToken=$token`n"
        Write-Utf8File $npmrc $original
        $r = Protect-NpmrcToken -Path $npmrc -PassThru -Confirm:$false -WarningAction SilentlyContinue
        (Get-NpmHardeningBackup -BackupId $r.BackupId).Reason | Should -Be 'Protect-NpmrcToken'
        Restore-NpmHardening -Path $npmrc -Latest -Confirm:$false
        [System.IO.File]::ReadAllText($npmrc) | Should -BeExactly $original
    }

    It 'never shows the token: 6 streams with -Verbose and debug output on, Format-List *, ConvertTo-Json, Export-Clixml' {
        # $DebugPreference rather than -Debug: with -Debug, PowerShell 7.6 asks to continue at each warning, which a test host cannot answer
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n//registry.npmjs.org/:_authToken=$token2`n//r.example/:_password=$([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($token2)))`n"
        $DebugPreference = 'Continue'
        $streams = & { Protect-NpmrcToken -Path $npmrc -PassThru -Confirm:$false -Verbose; Protect-NpmrcToken -Path (Join-Path $m.Root 'nope') -Confirm:$false -ErrorAction Continue } *>&1 | Out-String
        $DebugPreference = 'SilentlyContinue'
        $results = @(Protect-NpmrcToken -Path $npmrc -PassThru -Confirm:$false -WarningAction SilentlyContinue)  # the second run: Skipped _password only
        Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$token`n"
        $results += @(Protect-NpmrcToken -Path $npmrc -PassThru -Confirm:$false -WarningAction SilentlyContinue)
        $xml = Join-Path $TestDrive 'out.xml'
        $results | Export-Clixml -LiteralPath $xml
        # generic copies of every property: type data does not follow them, so the secret must not be a property at all
        $copies = Join-Path $TestDrive 'copies.xml'
        $results | Select-Object * | Export-Clixml -LiteralPath $copies
        $texts = @(
            (Get-Content -LiteralPath $copies -Raw)
            ($results | Select-Object * | ConvertTo-Json -Depth 5)
            ([System.Management.Automation.PSSerializer]::Serialize($results, 5))
            $streams
            ($results | Format-List * | Out-String)
            ($results | Format-Table | Out-String)
            ($results | ConvertTo-Json -Depth 5)
            (Get-Content -LiteralPath $xml -Raw)
            ($results | ForEach-Object { $_.ToString() }) -join "`n"
        )
        $hexOf = { param($s) -join ([System.Text.Encoding]::Unicode.GetBytes($s) | ForEach-Object { $_.ToString('x2') }) }
        foreach ($t in $texts) {
            foreach ($secret in $token, $token2) {
                $t | Should -Not -BeLike "*$($secret.Substring(4, 24))*"
                $t | Should -Not -BeLike "*$(& $hexOf $secret.Substring(4, 12))*"
            }
        }
        $streams | Should -BeLike '*Set the environment variable NPM_TOKEN*'
        foreach ($copy in (Import-Clixml -LiteralPath $xml)[-1], (Import-Clixml -LiteralPath $copies)[-1]) {
            @($copy.PSObject.Properties | Where-Object { $_.Value -is [securestring] -or "$($_.TypeNameOfValue)" -match 'SecureString' }) | Should -BeNullOrEmpty
        }
        @($results[-1].PSObject.Properties | Where-Object { "$($_.TypeNameOfValue)" -match 'SecureString' }) | Should -BeNullOrEmpty
        [Net.NetworkCredential]::new('', $results[-1].GetSecret()).Password | Should -BeExactly $token
    }

    It 'has help with examples and a table view' {
        $help = Get-Help Protect-NpmrcToken -Full
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 4
        Get-FormatData -TypeName 'NpmHardening.NpmTokenProtection' | Should -Not -BeNullOrEmpty
        Get-FormatData -TypeName 'Deserialized.NpmHardening.NpmTokenProtection' | Should -Not -BeNullOrEmpty
    }
}
