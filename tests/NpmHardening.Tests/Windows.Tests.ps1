#Requires -Version 5.1
# What only Windows has, tested where it runs: under Wine by build.ps1 -Task TestWindows, and on a real Windows by
# build.ps1 -Task Test. The files Windows PowerShell 5.1 writes are tested on every platform (their bytes are the same).
# Tests that change the account's registry run only in Wine's disposable prefix; the reason is in each -Skip.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    $script:NodeOnPath = $OnWindows -and [bool] (Get-Command node.exe -CommandType Application -ErrorAction SilentlyContinue) -and
        [bool] (Get-Command npm.cmd -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Files as Windows PowerShell 5.1 writes them' {
    BeforeEach {
        $m = New-TestMachine
        $token = New-NpmToken
        $envTable = Get-TestEnvironment $m
        $file = Join-Path $m.Project '.npmrc'
    }
    AfterEach {
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    # 5.1's Out-File and > write UTF-16LE with a BOM and CRLF; Set-Content -Encoding UTF8 writes UTF-8 with a BOM. The bytes
    # are made here the same way on every platform.
    It 'finds the token in a UTF-16LE file with CRLF (Out-File, >, Set-Content -Encoding Unicode) and says npm cannot read it' {
        $text = "; written by Out-File`r`n//registry.npmjs.org/:_authToken=$token`r`n"
        [System.IO.File]::WriteAllBytes($file, [byte[]] (@(0xFF, 0xFE) + [System.Text.Encoding]::Unicode.GetBytes($text)))
        $found = @(Test-NpmrcToken -LiteralPath $file -Environment $envTable -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue -ErrorVariable errs)
        $hit = @($found | Where-Object Kind -eq 'GranularToken')
        $hit.Count | Should -Be 1
        $hit[0].Line | Should -Be 2
        $hit[0].Status | Should -Be 'Fail'
        ((@($warnings) + @($errs)) -join ' ') | Should -BeLike '*UTF-16*'
    }

    It 'reads a UTF-8 file with a BOM and CRLF (Set-Content -Encoding UTF8) as npm does: the settings apply' {
        $bytes = [byte[]] (@(0xEF, 0xBB, 0xBF) + [System.Text.Encoding]::UTF8.GetBytes("strict-ssl=false`r`nignore-scripts=true`r`n"))
        [System.IO.File]::WriteAllBytes($file, $bytes)
        $ssl = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH2001)
        $ssl[0].Status | Should -Be 'Fail'
        $ssl[0].Actual | Should -Be 'false'
        $ssl[0].Location.ToString() | Should -Be "${file}:1"
        $scripts = @(Get-NpmSecurityPosture -Path $m.Project -Environment $envTable -RuleId NPMH3001)
        $scripts[0].Actual | Should -Be 'true'
    }

    It 'keeps the BOM and the CRLF of such a file when Set-NpmHardening edits it' {
        $bytes = [byte[]] (@(0xEF, 0xBB, 0xBF) + [System.Text.Encoding]::UTF8.GetBytes("; mine`r`nstrict-ssl=false`r`n"))
        [System.IO.File]::WriteAllBytes($file, $bytes)
        $state = Join-Path $m.Root 'state'
        $env2 = Get-TestEnvironment $m @{ XDG_STATE_HOME = $state; LOCALAPPDATA = $state }
        Set-NpmHardening -Scope Project -Path $m.Project -Setting @{ 'strict-ssl' = $true } -Environment $env2 -Confirm:$false -WarningAction SilentlyContinue
        $after = [System.IO.File]::ReadAllBytes($file)
        $after[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        [System.Text.Encoding]::UTF8.GetString($after, 3, $after.Length - 3) | Should -Be "; mine`r`nstrict-ssl=true`r`n"
    }
}

Describe 'Windows: files, the registry and npm''s Windows layout' -Skip:(-not $OnWindows) {
    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m
    }
    AfterEach {
        Get-ChildItem -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue | ForEach-Object { $_.Attributes = 'Normal' }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'keeps a hidden file hidden when Set-NpmHardening replaces it' {
        $file = Join-Path $m.Project '.npmrc'
        [System.IO.File]::WriteAllText($file, "strict-ssl=false`r`n")
        [System.IO.File]::SetAttributes($file, [System.IO.FileAttributes]::Hidden -bor [System.IO.FileAttributes]::Archive)
        $state = Join-Path $m.Root 'state'
        $env2 = Get-TestEnvironment $m @{ XDG_STATE_HOME = $state; LOCALAPPDATA = $state }
        Set-NpmHardening -Scope Project -Path $m.Project -Setting @{ 'strict-ssl' = $true } -Environment $env2 -Confirm:$false -WarningAction SilentlyContinue
        [System.IO.File]::ReadAllText($file) | Should -Be "strict-ssl=true`r`n"
        ([System.IO.File]::GetAttributes($file) -band [System.IO.FileAttributes]::Hidden) | Should -Be ([System.IO.FileAttributes]::Hidden)
    }

    It 'finds node.exe and npm of the installer''s layout on PATH (node.exe, npm.cmd, node_modules\npm) and reads their versions as they report them' -Skip:(-not $NodeOnPath) {
        $nodeVersion = (& node.exe --version).Trim().TrimStart('v')
        $npmRoot = Join-Path (Split-Path -Parent (Get-Command node.exe).Source) 'node_modules\npm'
        $npmVersion = (Get-Content -LiteralPath (Join-Path $npmRoot 'package.json') -Raw | ConvertFrom-Json).version
        $f = @(Get-NpmSecurityPosture -Path $m.Project -Environment @{ PATH = $env:PATH; USERPROFILE = $m.Home; HOME = $m.Home } -RuleId NPMH1001, NPMH1002)
        (@($f | Where-Object RuleId -eq 'NPMH1001')[0].Actual) | Should -BeLike "*$npmVersion*"
        (@($f | Where-Object RuleId -eq 'NPMH1002')[0].Actual) | Should -BeLike "*$nodeVersion*"
    }

    # nvm-windows and Volta put node.exe where PATH may not (yet) lead: nvm's NVM_SYMLINK is a junction to the active
    # version's folder under NVM_HOME, Volta's %LOCALAPPDATA%\Volta\bin holds its node.exe shim. The module looks there
    # when PATH finds no node. Here the real node.exe is hard-linked into each layout (copied where a hard link fails),
    # PATH leads to no node, and the version read must be that node.exe's.
    It 'finds node.exe through an nvm-windows NVM_SYMLINK junction when PATH has none' -Skip:(-not $NodeOnPath) {
        $node = (Get-Command node.exe -CommandType Application).Source
        $nodeVersion = (& $node --version).Trim().TrimStart('v')
        $version = Join-Path $m.Root "nvm\v$nodeVersion"
        New-Item -ItemType Directory -Path $version -Force | Out-Null
        try { New-Item -ItemType HardLink -Path (Join-Path $version 'node.exe') -Value $node -ErrorAction Stop | Out-Null }
        catch { Copy-Item -LiteralPath $node -Destination (Join-Path $version 'node.exe') }
        $symlink = Join-Path $m.Root 'nodejs'
        try { New-Item -ItemType Junction -Path $symlink -Value $version -ErrorAction Stop | Out-Null }
        catch {
            # Wine 8 makes no junction (FSCTL_SET_REPARSE_POINT answers "Request not supported"); Windows always can
            if ($UnderWine) { Set-ItResult -Skipped -Because "Wine 8 cannot create a junction ($($_.Exception.Message))"; return }
            throw
        }
        (Get-Item -LiteralPath $symlink -Force).Attributes -band [System.IO.FileAttributes]::ReparsePoint | Should -Be ([System.IO.FileAttributes]::ReparsePoint)
        $environment = @{ PATH = "$env:SystemRoot\system32"; USERPROFILE = $m.Home; HOME = $m.Home; NVM_HOME = (Join-Path $m.Root 'nvm'); NVM_SYMLINK = $symlink }
        $f = @(Get-NpmSecurityPosture -Path $m.Project -Environment $environment -RuleId NPMH1002)
        $f[0].Actual | Should -BeLike "*$nodeVersion*"
        # and without NVM_SYMLINK the same machine has no node: the version came through the junction
        $environment.Remove('NVM_SYMLINK')
        (@(Get-NpmSecurityPosture -Path $m.Project -Environment $environment -RuleId NPMH1002)[0].Actual) | Should -Not -BeLike "*$nodeVersion*"
    }

    It 'finds node.exe in Volta''s %LOCALAPPDATA%\Volta\bin when PATH has none' -Skip:(-not $NodeOnPath) {
        $node = (Get-Command node.exe -CommandType Application).Source
        $nodeVersion = (& $node --version).Trim().TrimStart('v')
        $local = Join-Path $m.Root 'AppData\Local'
        $bin = Join-Path $local 'Volta\bin'
        New-Item -ItemType Directory -Path $bin -Force | Out-Null
        try { New-Item -ItemType HardLink -Path (Join-Path $bin 'node.exe') -Value $node -ErrorAction Stop | Out-Null }
        catch { Copy-Item -LiteralPath $node -Destination (Join-Path $bin 'node.exe') }
        $environment = @{ PATH = "$env:SystemRoot\system32"; USERPROFILE = $m.Home; HOME = $m.Home; LOCALAPPDATA = $local }
        $f = @(Get-NpmSecurityPosture -Path $m.Project -Environment $environment -RuleId NPMH1002)
        $f[0].Actual | Should -BeLike "*$nodeVersion*"
        $environment.Remove('LOCALAPPDATA')
        (@(Get-NpmSecurityPosture -Path $m.Project -Environment $environment -RuleId NPMH1002)[0].Actual) | Should -Not -BeLike "*$nodeVersion*"
    }

    It 'reports tokens the account keeps in HKCU\Environment, REG_SZ and REG_EXPAND_SZ alike' -Skip:(-not $UnderWine) {
        # Skipped outside Wine: it writes the running account's HKCU\Environment, which only the Wine prefix of
        # build.ps1 -Task TestWindows may lose.
        $plain = New-NpmToken; $expand = New-NpmToken
        $key = 'HKCU:\Environment'
        if (-not (Test-Path $key)) { New-Item -Path $key -Force | Out-Null }
        New-ItemProperty -Path $key -Name 'NPM_TOKEN' -Value $plain -PropertyType String -Force | Out-Null
        New-ItemProperty -Path $key -Name 'NODE_AUTH_TOKEN' -Value $expand -PropertyType ExpandString -Force | Out-Null
        try {
            $f = @(Get-NpmSecurityPosture -RuleId NPMH7004 -WarningAction SilentlyContinue)
            $persistent = @($f | Where-Object { $_.Setting -in 'NPM_TOKEN', 'NODE_AUTH_TOKEN' -and $_.Status -eq 'Fail' })
            @($persistent.Setting | Sort-Object -Unique) | Should -Be @('NODE_AUTH_TOKEN', 'NPM_TOKEN')
            ($persistent | ForEach-Object { $_.Location.ToString() }) -join ' ' | Should -BeLike '*Environment*'
            ($f | Out-String -Width 400) | Should -Not -Match ([regex]::Escape($plain))
        }
        finally {
            Remove-ItemProperty -Path $key -Name 'NPM_TOKEN', 'NODE_AUTH_TOKEN' -ErrorAction SilentlyContinue
        }
    }
}
