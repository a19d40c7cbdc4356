#Requires -Version 5.1
# Get-NpmConfig through PowerShell: parameters, pipeline binding, streams, views, secrets — and agreement
# with the real `npm config get` on the same files. Every test builds its own machine state in a temp
# folder and passes an explicit environment, so the real user's ~/.npmrc is never read.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop

    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NpmConfig' {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
    }
    AfterEach {
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'returns keys set outside the defaults, with layer, source and line' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "; team settings`nstrict-ssl=false`nfetch-retries=4`n"
        Write-Utf8File (Join-Path $m.Project '.npmrc') "fetch-retries=7`n"
        $entries = Get-NpmConfig -Path $m.Project -Environment $envTable
        $ssl = $entries | Where-Object Key -eq 'strict-ssl'
        $ssl.Value | Should -BeExactly $false
        $ssl.Value | Should -BeOfType [bool]
        $ssl.Layer | Should -Be 'User'
        $ssl.Source | Should -Be (Join-Path $m.Home '.npmrc')
        $ssl.Line | Should -Be 2
        ($entries | Where-Object Key -eq 'fetch-retries').Value | Should -Be 7
        ($entries | Where-Object Key -eq 'fetch-retries').Layer | Should -Be 'Project'
        $entries.Key | Should -Not -Contain 'audit'   # only defaults set it
    }

    It 'returns defaults when asked by name, with wildcards' {
        $entries = Get-NpmConfig -Name 'strict-*', registry -Path $m.Project -Environment $envTable
        $entries.Key | Should -Contain 'strict-ssl'
        $entries.Key | Should -Contain 'strict-peer-deps'
        ($entries | Where-Object Key -eq 'registry').Value | Should -Be 'https://registry.npmjs.org/'
        ($entries | Where-Object Key -eq 'registry').IsDefault | Should -BeTrue
    }

    It 'shows every layer with -All and marks the shadowed ones' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "save-exact=false`n"
        Write-Utf8File (Join-Path $m.Project '.npmrc') "save-exact=true`n"
        $all = Get-NpmConfig -Name save-exact -All -Path $m.Project -Environment $envTable
        $all.Count | Should -Be 3
        ($all | Where-Object IsEffective).Layer | Should -Be 'Project'
        ($all | Where-Object Layer -eq 'User').ShadowedBy | Should -Be 'Project'
        ($all | Where-Object Layer -eq 'Default').ShadowedBy | Should -Be 'Project'
        (Get-NpmConfig -Name save-exact -Layer User -Path $m.Project -Environment $envTable).Value | Should -BeExactly $false
    }

    It 'takes project folders from the pipeline by value and by PSPath' {
        Write-Utf8File (Join-Path $m.Project '.npmrc') "audit=false`n"
        $byValue = $m.Project | Get-NpmConfig -Name audit -Environment $envTable
        $byValue.Layer | Should -Be 'Project'
        $byPSPath = Get-Item -LiteralPath $m.Project | Get-NpmConfig -Name audit -Environment $envTable
        $byPSPath.Layer | Should -Be 'Project'
        $byPSPath.Context | Should -Be $m.Project
    }

    It 'applies -Override as the command line layer and environment variables as the env layer' {
        $envTable['npm_config_fetch_retries'] = '9'
        (Get-NpmConfig -Name fetch-retries -Path $m.Project -Environment $envTable).Layer | Should -Be 'Env'
        $cli = Get-NpmConfig -Name fetch-retries -Path $m.Project -Environment $envTable -Override @{ 'fetch-retries' = 11 }
        $cli.Layer | Should -Be 'Cli'
        $cli.Value | Should -Be 11
    }

    It 'reports a UTF-16 .npmrc as a non-terminating error naming the file, and goes on' {
        [System.IO.File]::WriteAllText((Join-Path $m.Home '.npmrc'), "strict-ssl=false`r`n", [System.Text.Encoding]::Unicode)
        Write-Utf8File (Join-Path $m.Project '.npmrc') "audit=false`n"
        $entries = Get-NpmConfig -Path $m.Project -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -BeGreaterThan 0
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmrcUtf16Encoded*'
        $errs[0].Exception.Message | Should -BeLike "*$(Join-Path $m.Home '.npmrc')*UTF-16*"
        $errs[0].TargetObject | Should -Be (Join-Path $m.Home '.npmrc')
        ($entries | Where-Object Key -eq 'audit').Value | Should -BeExactly $false
    }

    It 'warns about unknown keys with file and line, and marks them unknown' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "audit=false`nnot-an-npm-key=1`n"
        $entries = Get-NpmConfig -Path $m.Project -Environment $envTable -WarningVariable warns -WarningAction SilentlyContinue
        ($warns | Out-String) | Should -BeLike "*$(Join-Path $m.Home '.npmrc'):2*not-an-npm-key*"
        ($entries | Where-Object Key -eq 'not-an-npm-key').IsKnown | Should -BeFalse
    }

    It 'reports a folder named .npmrc and an unknown key name as errors' {
        New-Item -ItemType Directory -Path (Join-Path $m.Home '.npmrc') | Out-Null
        $null = Get-NpmConfig -Path $m.Project -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue
        ($errs | Where-Object { $_.FullyQualifiedErrorId -like 'NpmrcNotAFile*' }).TargetObject | Should -Be (Join-Path $m.Home '.npmrc')
        $null = Get-NpmConfig -Name no-such-key -Path $m.Project -Environment $envTable -ErrorVariable errs2 -ErrorAction SilentlyContinue
        ($errs2 | Where-Object { $_.FullyQualifiedErrorId -like 'NpmConfigKeyNotFound*' }).TargetObject | Should -Be 'no-such-key'
    }

    It 'reports a configuration npm cannot start with as an error naming the file and line, and still lists the values' {
        Write-Utf8File (Join-Path $m.Project '.npmrc') "fetch-retries=3`nomit`n"
        $entries = Get-NpmConfig -Path $m.Project -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue
        $start = @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'NpmrcStartupFailure*' })
        $start.Count | Should -Be 1
        $start[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $start[0].TargetObject | Should -Be (Join-Path $m.Project '.npmrc')
        $start[0].Exception.Message | Should -BeLike "*$(Join-Path $m.Project '.npmrc'):2*omit*npm*stops*"
        ($entries | Where-Object Key -eq 'fetch-retries').Value | Should -Be 3
    }

    It 'reports a workspace root npm cannot map as an error naming its package.json' {
        $root = Split-Path $m.Project -Parent
        Write-Utf8File (Join-Path $root 'package.json') "{`"workspaces`":`"*`"}"
        Write-Utf8File (Join-Path $m.Project 'package.json') "{}"
        $null = Get-NpmConfig -Path $m.Project -Environment $envTable -ErrorVariable errs -ErrorAction SilentlyContinue
        ($errs | Where-Object { $_.FullyQualifiedErrorId -like 'NpmrcStartupFailure*' }).TargetObject | Should -Be (Join-Path $root 'package.json')
    }

    It 'warns when two variables set the same key, naming the one npm uses' {
        $envTable['npm_config_fetch_retries'] = '1'
        $envTable['npm_config_fetch-retries'] = '2'
        $null = Get-NpmConfig -Path $m.Project -Environment $envTable -WarningVariable warns -WarningAction SilentlyContinue
        ($warns | Out-String) | Should -BeLike '*npm_config_fetch*npm_config_fetch*fetch-retries*npm uses*'
    }

    It 'never shows a token, in any output form or stream' {
        $token = New-NpmToken
        Write-Utf8File (Join-Path $m.Home '.npmrc') "//registry.npmjs.org/:_authToken=$token`nhttps-proxy=http://user:S3cretPw@proxy.example.com:8080/`n"
        $envTable['NPM_TOKEN'] = $token
        Write-Utf8File (Join-Path $m.Project '.npmrc') "//r.example.com/:_authToken=`${NPM_TOKEN}`n"
        $clixml = Join-Path $m.Root 'out.xml'
        # Every stream's text, plus the objects in every serialized form. (Stream records are not serialized:
        # their InvocationInfo holds the -Environment table this test passed in, which is the caller's own data.)
        $captured = & {
            $all = Get-NpmConfig -Path $m.Project -Environment $envTable -All -Verbose -Debug -ErrorAction Continue -WarningAction Continue 4>&1 5>&1 3>&1 2>&1
            $all | Out-String -Width 500
            $entries = $all | Where-Object { $_.PSObject.TypeNames[0] -eq 'NpmHardening.NpmConfigEntry' }
            $entries | Format-List * | Out-String -Width 500
            $entries | Format-Table | Out-String -Width 500
            $entries | ConvertTo-Json -Depth 5
            $entries | Export-Clixml -LiteralPath $clixml
            Get-Content -LiteralPath $clixml -Raw
        } | Out-String
        $captured | Should -Not -BeLike "*$token*"
        $captured | Should -Not -BeLike "*$($token.Substring(4, 20))*"
        $captured | Should -Not -BeLike '*S3cretPw*'
        $plain = Get-NpmConfig -Name '//registry.npmjs.org/:_authToken' -Path $m.Project -Environment $envTable
        $plain.CredentialKind | Should -Be 'GranularToken'
        $plain.ChecksumValid | Should -BeTrue
        $ref = Get-NpmConfig -Name '//r.example.com/:_authToken' -Path $m.Project -Environment $envTable
        $ref.Value | Should -Be '${NPM_TOKEN}'
        $ref.Fingerprint | Should -Be $plain.Fingerprint
    }

    It 'formats deserialized entries with the same table view' {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "audit=false`n"
        $file = Join-Path $m.Root 'entries.xml'
        Get-NpmConfig -Path $m.Project -Environment $envTable | Export-Clixml -LiteralPath $file
        $back = Import-Clixml -LiteralPath $file
        $back[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.NpmHardening.NpmConfigEntry'
        $table = $back | Format-Table | Out-String -Width 300
        $table | Should -Match 'Effective'
        $table | Should -Match 'audit'
    }

    It 'resolves another user profile as npm would for that user' {
        $other = Join-Path $m.Root 'alice'
        New-Item -ItemType Directory -Path $other | Out-Null
        Write-Utf8File (Join-Path $other '.npmrc') "ignore-scripts=true`n"
        $entry = Get-NpmConfig -Name ignore-scripts -UserProfile $other -Path $m.Project -Environment $envTable
        $entry.Value | Should -BeTrue
        $entry.Source | Should -Be (Join-Path $other '.npmrc')
    }

    It 'agrees with the real npm config get on the same files' -Skip:(-not (Get-Command npm -ErrorAction SilentlyContinue)) {
        Write-Utf8File (Join-Path $m.Home '.npmrc') "strict-ssl=false`nfetch-retries=`"5`"`ncache=~/npm-cache-here`n"
        Write-Utf8File (Join-Path $m.Project '.npmrc') "save-exact=true ; inline comment`n"
        $keys = 'strict-ssl', 'fetch-retries', 'cache', 'save-exact', 'registry', 'userconfig', 'globalconfig'
        $ours = Get-NpmConfig -Name $keys -Path $m.Project -Environment $envTable
        $saved = @{}
        foreach ($k in 'HOME', 'PREFIX') { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
        $savedConfigVars = Get-ChildItem env: | Where-Object Name -like 'npm_config_*'
        try {
            [Environment]::SetEnvironmentVariable('HOME', $m.Home)
            [Environment]::SetEnvironmentVariable('PREFIX', $m.Prefix)
            $savedConfigVars | ForEach-Object { [Environment]::SetEnvironmentVariable($_.Name, $null) }
            Push-Location -LiteralPath $m.Project
            try { $lines = @(npm config get @keys 2>$null) }
            finally { Pop-Location }
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
            $savedConfigVars | ForEach-Object { [Environment]::SetEnvironmentVariable($_.Name, $_.Value) }
        }
        $expected = @{}
        foreach ($line in $lines) { $i = $line.IndexOf('='); if ($i -gt 0) { $expected[$line.Substring(0, $i)] = $line.Substring($i + 1) } }
        foreach ($k in $keys) {
            $v = ($ours | Where-Object Key -eq $k).Value
            if ($v -is [bool]) { $v = $v.ToString().ToLowerInvariant() }
            "$k=$v" | Should -Be "$k=$($expected[$k])"
        }
    }

    It 'has help with examples' {
        $help = Get-Help Get-NpmConfig -Full
        $help.Synopsis | Should -Match 'npm'
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 3
        ($help.Parameters.Parameter | Where-Object Name -eq 'UserProfile').Description | Should -Not -BeNullOrEmpty
    }
}
