#Requires -Version 5.1
# Test-NpmrcToken through PowerShell: the layers of a context, files and trees by path, pipeline binding from
# Get-ChildItem, -Quiet, bad input as non-terminating errors, views (also deserialized), and no secret anywhere.
# Every test builds its own machine in a temp folder and passes -Environment, so the real user's files are never read.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Test-NpmrcToken' {
    BeforeEach {
        $m = New-TestMachine
        $token = New-NpmToken
        $envTable = Get-TestEnvironment $m
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'reports the credentials of every layer npm loads, with the layer, line and fingerprint' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "; mine`n//registry.npmjs.org/:_authToken=$token`n"
        Write-Utf8File (Join-Path $m.Project '.npmrc') "//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`n"
        Write-Utf8File (Join-Path $m.Project 'package.json') '{}'
        $envTable['NPM_TOKEN'] = $token
        $found = @(Test-NpmrcToken -Path $m.Project -Environment $envTable)

        $user = @($found | Where-Object Layer -eq 'User')
        $user.Count | Should -Be 1
        $user[0].Line | Should -Be 2
        $user[0].Kind | Should -Be 'GranularToken'
        $user[0].ChecksumValid | Should -BeTrue
        $user[0].Status | Should -Be 'Fail'
        $user[0].RuleId | Should -Be 'NPMH7001'
        $project = @($found | Where-Object Layer -eq 'Project')
        $project[0].Kind | Should -Be 'EnvironmentReference'
        $project[0].Status | Should -Be 'Pass'
        $project[0].VariableSet | Should -BeTrue
        # the same token in the user file and behind the project's reference: one fingerprint
        $project[0].Fingerprint | Should -Be $user[0].Fingerprint
        # and in this session's variable, which is where the reference reads it
        ($found | Where-Object Key -eq 'NPM_TOKEN').Fingerprint | Should -Be $user[0].Fingerprint
    }

    It 'reads a file given by path, and binds files piped from Get-ChildItem' {
        $a = Join-Path $m.Project 'a'; $b = Join-Path $m.Project 'b'
        New-Item -ItemType Directory -Path $a, $b | Out-Null
        Write-Utf8File (Join-Path $a '.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
        Write-Utf8File (Join-Path $b '.npmrc') "_auth=$([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('carol:pw')))`n"
        $found = @(Get-ChildItem -LiteralPath $m.Project -Recurse -Force -Filter .npmrc | Test-NpmrcToken -Environment $envTable)
        # the unscoped _auth breaks two rules: a password on disk (NPMH7002), and a key npm 9 refuses to run with (NPMH7003)
        $found.Count | Should -Be 3
        @($found | Where-Object Kind -eq 'BasicAuth').RuleId | Sort-Object | Should -Be @('NPMH7002', 'NPMH7003')
        @($found | Where-Object Kind -eq 'BasicAuth').UserName | Should -Be @('carol', 'carol')
        $found | ForEach-Object { $_.Layer | Should -Be 'File' }
        $found.Path | Should -Contain (Join-Path $a '.npmrc')
    }

    It '-Recurse finds every .npmrc under a tree, skips node_modules unless asked, and reports progress-free objects' {
        $dirs = 1..4 | ForEach-Object { Join-Path $m.Project "p$_/src" }
        foreach ($d in $dirs) { New-Item -ItemType Directory -Path $d -Force | Out-Null; Write-Utf8File (Join-Path $d '.npmrc') "//registry.npmjs.org/:_authToken=$(New-NpmToken)`n" }
        $nm = Join-Path $m.Project 'p1/node_modules/dep'
        New-Item -ItemType Directory -Path $nm -Force | Out-Null
        Write-Utf8File (Join-Path $nm '.npmrc') "//registry.npmjs.org/:_authToken=$(New-NpmToken)`n"
        @(Test-NpmrcToken -Path $m.Project -Recurse -Environment $envTable).Count | Should -Be 4
        @(Test-NpmrcToken -Path $m.Project -Recurse -IncludeNodeModules -Environment $envTable).Count | Should -Be 5
    }

    It '-Quiet returns one bool' {
        Write-Utf8File (Join-Path $m.Project '.npmrc') "//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`n"
        $envTable['NPM_TOKEN'] = 'set-by-the-job'
        $envTable['CI'] = 'true'
        $clean = @(Test-NpmrcToken -Path (Join-Path $m.Project '.npmrc') -Environment $envTable -Quiet)
        $clean | Should -Be @($true)
        Write-Utf8File (Join-Path $m.Project 'b.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
        Test-NpmrcToken -Path (Join-Path $m.Project 'b.npmrc') -Environment $envTable -Quiet | Should -BeFalse
    }

    It 'bad files are non-terminating errors naming the file, and the other files are still scanned' {
        $bin = Join-Path $m.Project 'bin'; $dir = Join-Path $m.Project 'dir'; $ok = Join-Path $m.Project 'ok'; $big = Join-Path $m.Project 'big'
        New-Item -ItemType Directory -Path $bin, $ok, $big, (Join-Path $dir '.npmrc') -Force | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $bin '.npmrc'), [byte[]](0, 1, 2, 0, 0, 255, 0, 0, 7, 0, 0, 0))
        Write-Utf8File (Join-Path $ok '.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
        $fs = [IO.File]::Create((Join-Path $big '.npmrc')); $fs.SetLength(9MB); $fs.Dispose()
        $files = @((Join-Path $bin '.npmrc'), (Join-Path $dir '.npmrc'), (Join-Path $big '.npmrc'), (Join-Path $ok '.npmrc'))
        $found = @(Test-NpmrcToken -LiteralPath $files -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found.Count | Should -Be 1
        $found[0].Path | Should -Be (Join-Path $ok '.npmrc')
        @($errs | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) | Should -Be @('NpmrcNotText', 'NpmrcIsDirectory', 'NpmrcTooLarge')
        $errs[0].TargetObject | Should -Be (Join-Path $bin '.npmrc')
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        "$($errs[1])" | Should -Match ([regex]::Escape((Join-Path $dir '.npmrc')))
    }

    It 'a UTF-16 file is scanned with a warning, because npm cannot read it but its token is real' {
        $path = Join-Path $m.Project '.npmrc'
        [IO.File]::WriteAllText($path, "//registry.npmjs.org/:_authToken=$token`r`n", [Text.Encoding]::Unicode)
        $found = @(Test-NpmrcToken -LiteralPath $path -Environment $envTable -WarningVariable warns 3>$null)
        $found.Count | Should -Be 1
        $found[0].Kind | Should -Be 'GranularToken'
        "$warns" | Should -Match 'UTF-16'
    }

    It 'an unreadable folder is an error and the walk goes on' {
        if ($OnWindows -or $IsRoot) { Set-ItResult -Skipped -Because 'chmod 000 denies nothing to root, and is Unix only'; return }
        $locked = Join-Path $m.Project 'locked'; $open = Join-Path $m.Project 'open'
        New-Item -ItemType Directory -Path $locked, $open | Out-Null
        Write-Utf8File (Join-Path $open '.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
        & chmod 000 $locked
        $found = @(Test-NpmrcToken -Path $m.Project -Recurse -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'FolderUnreadable*'
    }

    It 'a symbolic link loop does not trap the walk' {
        if ($OnWindows) { Set-ItResult -Skipped -Because 'creating symbolic links needs a privilege on Windows'; return }
        $p = Join-Path $m.Project 'p'
        New-Item -ItemType Directory -Path $p | Out-Null
        Write-Utf8File (Join-Path $p '.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
        New-Item -ItemType SymbolicLink -Path (Join-Path $p 'loop') -Target $m.Project | Out-Null
        @(Test-NpmrcToken -Path $m.Project -Recurse -Environment $envTable).Count | Should -Be 1
    }

    It 'shows findings in its table view, also after a round trip through Export-Clixml' {
        Write-Utf8File (Join-Path $m.Project '.npmrc') "//registry.npmjs.org/:_authToken=$token`n"
        $found = Test-NpmrcToken -LiteralPath (Join-Path $m.Project '.npmrc') -Environment $envTable
        $live = $found | Format-Table | Out-String -Width 250
        $live | Should -Match 'Fingerprint'
        $live | Should -Match ([regex]::Escape($found.Redacted))
        $xml = Join-Path $m.Root 'f.xml'
        $found | Export-Clixml -LiteralPath $xml
        $back = Import-Clixml -LiteralPath $xml
        $back.GetType().FullName | Should -Be 'NpmHardening.NpmTokenFinding'   # rehydrated
        ($back | Format-Table | Out-String -Width 250) | Should -Be $live
    }

    It 'never shows a secret: six streams, views, JSON and CLIXML' {
        $uuid = [guid]::NewGuid().ToString()
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('dave:Pa55-canary-word'))
        $pass = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('canary-password-2'))
        $canaries = @($token, $uuid, $auth, $pass, 'Pa55-canary-word', 'canary-password-2', 'pr0xy-canary')
        Write-Utf8File (Join-Path $m.Home '.npmrc') ("//registry.npmjs.org/:_authToken=$token`n//r.example/:_authToken=$uuid`n_auth=$auth`n" +
            "//r.example/:_password=$pass`nhttps-proxy=http://u:pr0xy-canary@proxy.example:3128`n# $token`n")
        [IO.File]::WriteAllBytes((Join-Path $m.Project '.npmrc'), [byte[]](0, 0, 0, 1) + [Text.Encoding]::ASCII.GetBytes($token))
        $envTable['NPM_TOKEN'] = $token
        $envTable['npm_config_//registry.npmjs.org/:_authToken'] = $token
        $transcript = Join-Path $m.Root 'transcript.txt'
        Start-Transcript -LiteralPath $transcript | Out-Null
        try {
            # -ErrorAction and -WarningAction said explicitly: -Debug alone makes PowerShell ask at each error and warning,
            # which a non-interactive host answers by stopping (the binary .npmrc above is an error on purpose)
            $all = & {
                Test-NpmrcToken -Path $m.Project -Environment $envTable -Verbose -Debug -ErrorAction Continue -WarningAction Continue
                Test-NpmrcToken -LiteralPath (Join-Path $m.Project '.npmrc'), (Join-Path $m.Home '.npmrc') -Environment $envTable -Verbose -Debug -ErrorAction Continue -WarningAction Continue
                Test-NpmrcToken -Path $m.Root -Recurse -Environment $envTable -Verbose -Debug -ErrorAction Continue -WarningAction Continue
            } *>&1 | Out-String -Width 400
        } finally { Stop-Transcript | Out-Null }
        # the binary project file's error is in $all already; here only the objects count
        $objects = @(Test-NpmrcToken -Path $m.Project -Environment $envTable -ErrorAction SilentlyContinue)
        $objects.Count | Should -BeGreaterThan 5
        $xml = Join-Path $m.Root 'x.xml'
        $objects | Export-Clixml -LiteralPath $xml
        $text = $all + ($objects | Format-List * | Out-String -Width 400) + ($objects | ConvertTo-Json -Depth 5) +
            [IO.File]::ReadAllText($xml) + [IO.File]::ReadAllText($transcript)
        foreach ($c in $canaries) {
            $text | Should -Not -Match ([regex]::Escape($c))
            $text | Should -Not -Match ([regex]::Escape([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($c))))
        }
    }

    It 'its failed findings pipe into Protect-NpmrcToken, after which the scan finds references instead of tokens' {
        $file = Join-Path $m.Project '.npmrc'
        Write-Utf8File $file "; keep me`n//registry.npmjs.org/:_authToken=$token`nstrict-ssl=true`n"
        $saved = $env:XDG_STATE_HOME, $env:LOCALAPPDATA
        $env:XDG_STATE_HOME = Join-Path $m.Root 'state'; $env:LOCALAPPDATA = Join-Path $m.Root 'state'
        try {
            $changes = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable | Where-Object Status -eq 'Fail' |
                Protect-NpmrcToken -PassThru -Confirm:$false -WarningAction SilentlyContinue)
        } finally { $env:XDG_STATE_HOME, $env:LOCALAPPDATA = $saved }
        $changes.Count | Should -Be 1
        [IO.File]::ReadAllText($file) | Should -Be "; keep me`n//registry.npmjs.org/:_authToken=`${NPM_TOKEN}`nstrict-ssl=true`n"
        $envTable['NPM_TOKEN'] = $token
        $after = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable)
        $after[0].Kind | Should -Be 'EnvironmentReference'
        $after[0].Status | Should -Be 'Pass'
        # the token now lives in the variable: same fingerprint as before
        $after[0].Fingerprint | Should -Be $changes[0].Fingerprint
    }

    It 'has help with examples for every parameter' {
        $help = Get-Help Test-NpmrcToken -Full
        $help.Synopsis | Should -Match 'credentials'
        @($help.Examples.Example).Count | Should -BeGreaterThan 3
    }
}
