#Requires -Version 5.1
# Issue 10 B, "Secrets sent where the user points them": each attack with listeners on loopback addresses that
# record every byte they receive, and the assertion that no secret reached them. Each attack also has a control
# that shows the same listener does hear what it may hear, so its silence means something.
#   B1  root auditing a user whose ~/.npmrc sends ${ROOT_DB_PASSWORD} to the user's listener, with ~/.bashrc a link
#       to a root-only file that exports it (a throwaway account, created and removed here; skipped where that is
#       impossible).
#   B2  a planted .npmrc in a tree scanned with -Recurse, or in the folder the operator stands in, asking for the
#       operator's variables.
#   B3  keys npm never uses: user info, numeric and short IPv4, a fragment that drops the port.
#   B4  http_proxy and friends in the environment: loopback tokens must not go through the proxy.

BeforeDiscovery {
    $script:OnLinuxAsRoot = ($PSVersionTable.PSEdition -ne 'Desktop') -and $IsLinux -and ((& id -u) -eq '0')
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'SecretListener.ps1')
    $script:CanUseradd = (-not $OnWindows) -and $IsRoot -and [bool](Get-Command useradd -ErrorAction SilentlyContinue) -and [bool](Get-Command userdel -ErrorAction SilentlyContinue)

    # every byte the listener received since request number $Since (headers and bodies)
    function Get-Received($Listener, [int] $Since = 0) {
        $all = @($Listener.Requests)
        if ($all.Count -le $Since) { return '' }
        $all[$Since..($all.Count - 1)] -join "`n----`n"
    }

    function Assert-NoSecret($Listener, [string[]] $Secrets, [int] $Since = 0) {
        $received = Get-Received $Listener $Since
        foreach ($s in $Secrets) { $received | Should -Not -Match ([regex]::Escape($s)) }
    }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'B1: another account''s references never get the auditing account''s secrets' {
    BeforeAll {
        $script:Ready = $false
        if (-not $CanUseradd) { return }
        $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-b1-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $script:User = 'npmhb' + [guid]::NewGuid().ToString('n').Substring(0, 8)
        $script:UserHome = Join-Path $Root 'home'
        [void] [System.IO.Directory]::CreateDirectory($Root)
        & chmod 755 $Root
        & useradd -M -d $UserHome -s /bin/sh $User 2>$null
        if ($LASTEXITCODE -ne 0) { return }
        [void] [System.IO.Directory]::CreateDirectory($UserHome)
        & chown "${User}:" $UserHome

        # root's secret: in a root-only folder and file, and in this (root's) process environment
        $script:RootFileSecret = New-TestSecret 'rootfile'
        $script:RootEnvSecret = New-TestSecret 'rootenv'
        $vault = Join-Path $Root 'vault'
        [void] [System.IO.Directory]::CreateDirectory($vault)
        & chmod 700 $vault
        Write-Utf8File (Join-Path $vault 'db.sh') "export ROOT_DB_PASSWORD=$RootFileSecret`n"
        & ln -s (Join-Path $vault 'db.sh') (Join-Path $UserHome '.bashrc')
        & chown -h "${User}:" (Join-Path $UserHome '.bashrc')

        # the user's own variable, in a start-up file the user owns: the control
        $script:UserSecret = New-TestSecret 'user'
        Write-Utf8File (Join-Path $UserHome '.profile') "export NPMH_USER_TOKEN=$UserSecret`n"
        & chown "${User}:" (Join-Path $UserHome '.profile')

        $script:Listener = Start-SecretListener
        $script:Npmrc = Join-Path $UserHome '.npmrc'
        function Set-UserNpmrc([string] $Variable) {
            Write-Utf8File $Npmrc "registry=$($Listener.Url)`n$($Listener.Scope):_authToken=`${$Variable}`n"
            & chown "${User}:" $Npmrc
        }
        $script:Ready = $true
    }

    AfterAll {
        if ($script:Listener) { $Listener.Dispose() }
        if ($script:User) { & userdel $User 2>$null }
        if ($script:Root) { Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    BeforeEach {
        if (-not $Ready) { Set-ItResult -Skipped -Because 'it needs root on Linux with useradd/userdel to create a throwaway account'; return }
        $env:ROOT_DB_PASSWORD = $RootEnvSecret
        $env:NPMH_USER_TOKEN = New-TestSecret 'rootsession' # root's own session has the user's variable name too
    }

    AfterEach {
        Remove-Item Env:ROOT_DB_PASSWORD, Env:NPMH_USER_TOKEN -ErrorAction SilentlyContinue
    }

    It 'Test-NpmrcToken -UserProfile -Online sends neither root''s variable nor the root-only file''s value' {
        Set-UserNpmrc 'ROOT_DB_PASSWORD'
        $before = $Listener.Requests.Count
        $found = @(Test-NpmrcToken -UserProfile $UserHome -Online | Where-Object Key -like '*:_authToken')
        $Listener.Requests.Count | Should -Be $before
        Assert-NoSecret $Listener $RootFileSecret, $RootEnvSecret
        $found.Count | Should -Be 1
        $found[0].OnlineState | Should -Be 'ReferenceNotChecked'
        # the link from the user's .bashrc to root's file is read as the user (docs/security.md A): root's file is
        # unreadable to them, so the variable is simply not theirs
        $found[0].OnlineError | Should -Match 'not defined in .*environment|belongs to root'
        ($found | Out-String) + ($found | ConvertTo-Json) | Should -Not -Match ($RootFileSecret, $RootEnvSecret -join '|')
    }

    It 'Get-NpmAccount -UserProfile sends nothing either, and says why' {
        Set-UserNpmrc 'ROOT_DB_PASSWORD'
        $before = $Listener.Requests.Count
        $account = Get-NpmAccount -UserProfile $UserHome -ErrorVariable errors -ErrorAction SilentlyContinue
        $account | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmCredentialReferenceNotChecked*'
        "$($errors[0])" | Should -Match 'not defined in .*environment|belongs to root'
        $Listener.Requests.Count | Should -Be $before
        Assert-NoSecret $Listener $RootFileSecret, $RootEnvSecret
    }

    It 'both send the user''s own variable, from a file the user owns, and the same one' {
        Set-UserNpmrc 'NPMH_USER_TOKEN'
        $found = @(Test-NpmrcToken -UserProfile $UserHome -Online | Where-Object Key -like '*:_authToken')
        $found[0].OnlineState | Should -Be 'Checked'
        $found[0].User | Should -Be 'listener'
        (Get-NpmAccount -UserProfile $UserHome).User | Should -Be 'listener'
        $bearers = @($Listener.Requests | Where-Object { $_ -match 'Authorization: Bearer (\S+)' } | ForEach-Object { $Matches[1] } | Select-Object -Unique)
        $bearers | Should -Be @($UserSecret)
        Assert-NoSecret $Listener $env:NPMH_USER_TOKEN, $RootEnvSecret, $RootFileSecret
    }
}

Describe 'B2: a planted .npmrc does not get the operator''s variables' {
    BeforeAll {
        $script:Listener = Start-SecretListener
        $script:Secret = New-TestSecret 'operator'
        $script:Token = New-TestSecret 'npmtoken'
    }
    AfterAll { $Listener.Dispose() }

    BeforeEach {
        $m = New-TestMachine
        $envTable = Get-TestEnvironment $m @{ NPMH_ANY_VAR = $Secret; NPM_TOKEN = $Token }
        $tree = Join-Path $m.Root 'untrusted'
        $project = Join-Path $tree 'deep/project'
        [void] [System.IO.Directory]::CreateDirectory($project)
        $planted = Join-Path $project '.npmrc'
        Write-Utf8File $planted ("registry=$($Listener.Url)`n@npm:registry=$($Listener.Url)npm/`n" +
            "$($Listener.Scope):_authToken=`${NPMH_ANY_VAR}`n$($Listener.Scope)npm/:_authToken=`${NPM_TOKEN}`n")
    }
    AfterEach { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }

    It 'Test-NpmrcToken -Path <tree> -Recurse -Online: a file another account owns is reference, not checked' {
        if (-not $IsRoot) { Set-ItResult -Skipped -Because 'it needs root to give the planted file to another account (nobody, 65534)'; return }
        # the attacker plants files of its own, in folders of its own (a root-owned 0600 file in nobody's folder is one
        # nobody cannot read, so it is not read for them at all: docs/security.md A)
        & chown -R 65534:65534 $tree
        & chmod -R u+rw,go+r $tree
        $before = $Listener.Requests.Count
        $found = @(Test-NpmrcToken -Path $tree -Recurse -Online -Environment $envTable)
        $found.Count | Should -Be 2
        $found | ForEach-Object { $_.OnlineState | Should -Be 'ReferenceNotChecked' }
        $found[0].OnlineError | Should -Match 'belongs to nobody|belongs to 65534'
        $Listener.Requests.Count | Should -Be $before
        Assert-NoSecret $Listener $Secret, $Token -Since $before

        # control: the same file, the operator's own, is checked with the operator's value
        & chown -R 0:0 $tree
        $found = @(Test-NpmrcToken -Path $tree -Recurse -Online -Environment $envTable)
        $found[0].OnlineState | Should -Be 'Checked'
        $Listener.Received | Should -Match ([regex]::Escape("Bearer $Secret"))
    }

    It 'an operator''s file that every user can rewrite does not choose where the operator''s variables go' {
        if ($OnWindows) { Set-ItResult -Skipped -Because 'Unix permission bits'; return }
        & chmod 666 $planted
        $before = $Listener.Requests.Count
        $found = @(Test-NpmrcToken -LiteralPath $planted -Online -Environment $envTable)
        $found[0].OnlineState | Should -Be 'ReferenceNotChecked'
        $found[0].OnlineError | Should -Match 'can be changed by .*others'
        $Listener.Requests.Count | Should -Be $before
    }

    It 'Test-NpmrcToken and Get-NpmAccount in a folder holding another account''s .npmrc send nothing, alike' {
        if (-not $IsRoot) { Set-ItResult -Skipped -Because 'it needs root to give the planted file to another account (nobody, 65534)'; return }
        # the attacker plants files of its own, in folders of its own (a root-owned 0600 file in nobody's folder is one
        # nobody cannot read, so it is not read for them at all: docs/security.md A)
        & chown -R 65534:65534 $tree
        & chmod -R u+rw,go+r $tree
        $before = $Listener.Requests.Count
        Push-Location -LiteralPath $project
        try {
            $found = @(Test-NpmrcToken -Online -Environment $envTable | Where-Object Layer -eq 'Project')
            $account = Get-NpmAccount -Environment $envTable -ErrorVariable errors -ErrorAction SilentlyContinue
        }
        finally { Pop-Location }
        $found[0].OnlineState | Should -Be 'ReferenceNotChecked'
        $account | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmCredentialReferenceNotChecked*'
        $Listener.Requests.Count | Should -Be $before
        Assert-NoSecret $Listener $Secret, $Token -Since $before
    }
}

Describe 'B3: keys npm never uses send nothing anywhere' {
    BeforeAll {
        $script:One = Start-SecretListener '127.0.0.1'
        $script:Two = Start-SecretListener '127.0.0.2'
        $script:Https = Start-SecretListener '127.0.0.1' 443 # where "//127.0.0.1:P#@…" would go once the port is dropped
        $script:Token = New-NpmToken
    }
    AfterAll { foreach ($l in $One, $Two, $Https) { if ($l) { $l.Dispose() } } }

    It 'user info, numeric and short IPv4, and a fragment are refused before any request' {
        if (-not $Two) { Set-ItResult -Skipped -Because '127.0.0.2 cannot be listened on here'; return }
        $m = New-TestMachine
        try {
            $p1 = $One.Port; $p2 = $Two.Port
            # the last one is the key "//127.0.0.1:P1" to npm's ini parser ('#' starts a comment): scope //127.0.0.1, name P1
            $keys = "//127.0.0.2:$p2@127.0.0.1:$p1/", "//2130706434:$p2/", "//127.2:$p2/", "//127.0.0.1:$p1#@127.0.0.2:$p2/"
            $text = "registry=$($One.Url)`n@two:registry=$($Two.Url)`n" + (($keys | ForEach-Object { "${_}:_authToken=$Token" }) -join "`n") + "`n"
            $file = Join-Path $m.Project '.npmrc'
            Write-Utf8File $file $text
            $found = @(Test-NpmrcToken -LiteralPath $file -Online -Environment (Get-TestEnvironment $m))
            $found.Count | Should -Be 4
            foreach ($f in $found[0..2]) {
                $f.OnlineState | Should -Be 'Refused'
                $f.OnlineError | Should -Match 'npm never sends a credential under this key'
            }
            $found[3].Key | Should -Be "//127.0.0.1:$p1"
            $found[3].OnlineState | Should -Be 'NotApplicable'
            $found[3].OnlineError | Should -Match "npm never sends the value of a '$p1' key"
            foreach ($l in $One, $Two, $Https) { if ($l) { $l.Requests.Count | Should -Be 0; Assert-NoSecret $l $Token } }

            # control: the key npm does use reaches the listener it names
            Write-Utf8File $file "registry=$($One.Url)`n$($One.Scope):_authToken=$Token`n"
            # the token's finding says what the check did (the registry's answers follow it as NPMH71xx findings)
            @(Test-NpmrcToken -LiteralPath $file -Online -Environment (Get-TestEnvironment $m) | Where-Object RuleId -notlike 'NPMH71*').OnlineState | Should -Be 'Checked'
            $One.Received | Should -Match ([regex]::Escape("Bearer $Token"))
            $Two.Requests.Count | Should -Be 0
        }
        finally { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'B4: proxies only where asked for, never for loopback' {
    BeforeAll {
        $script:Registry = Start-SecretListener
        $script:Proxy = Start-SecretListener
        $script:Token = New-NpmToken
        # this PowerShell again (under `dotnet pwsh` the process is dotnet and the first argument the tool's dll)
        $script:HostPath = (Get-Process -Id $PID).Path
        $script:HostPrefix = @()
        if ([System.IO.Path]::GetFileNameWithoutExtension($HostPath) -eq 'dotnet') { $script:HostPrefix = @([Environment]::GetCommandLineArgs()[0]) }
    }
    AfterAll { $Registry.Dispose(); $Proxy.Dispose() }

    It 'with http_proxy, https_proxy and all_proxy set, a loopback token goes to the registry and not to the proxy' {
        $m = New-TestMachine
        try {
            $file = Join-Path $m.Project '.npmrc'
            Write-Utf8File $file "registry=$($Registry.Url)`n$($Registry.Scope):_authToken=$Token`n"
            # a fresh process: .NET reads the proxy variables once, when the first HttpClient is made
            $script = "Import-Module '$($env:NPMH_MODULE_PATH)'; `$e = @{ HOME = '$($m.Home)'; PATH = `$env:PATH; PREFIX = '$($m.Prefix)' }; " +
                      "(Test-NpmrcToken -LiteralPath '$file' -Online -Environment `$e).OnlineState; " +
                      "(Get-NpmAccount -Registry '$($Registry.Url)' -Token (ConvertTo-SecureString '$Token' -AsPlainText -Force)).User"
            $names = 'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'
            $quiet = @{ POWERSHELL_TELEMETRY_OPTOUT = '1'; POWERSHELL_UPDATECHECK = 'Off' } # PowerShell's own calls home would use the proxy too
            $saved = @{}
            foreach ($n in $names + $quiet.Keys) { $saved[$n] = [Environment]::GetEnvironmentVariable($n) }
            foreach ($n in $names) { [Environment]::SetEnvironmentVariable($n, $Proxy.Url) }
            foreach ($n in $quiet.Keys) { [Environment]::SetEnvironmentVariable($n, $quiet[$n]) }
            $before = $Proxy.Requests.Count
            try { $out = & $HostPath @HostPrefix -NoProfile -NonInteractive -Command $script 2>&1 }
            finally { foreach ($n in $saved.Keys) { [Environment]::SetEnvironmentVariable($n, $saved[$n]) } }
            ($out -join "`n") | Should -Match 'Checked'
            ($out -join "`n") | Should -Match 'listener'
            # nothing for the registry went through the proxy (whatever else the host process may have sent there)
            Get-Received $Proxy $before | Should -Not -Match "127\.0\.0\.1:$($Registry.Port)|localhost:$($Registry.Port)"
            Assert-NoSecret $Proxy $Token -Since $before
            $Registry.Received | Should -Match ([regex]::Escape("Bearer $Token"))
        }
        finally { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'the https-proxy the npm configuration names carries only a CONNECT for a remote registry, and never a loopback one' {
        $m = New-TestMachine
        try {
            $file = Join-Path $m.Project '.npmrc'
            $remote = New-NpmToken
            Write-Utf8File $file "https-proxy=$($Proxy.Url)`nproxy=$($Proxy.Url)`nregistry=$($Registry.Url)`n$($Registry.Scope):_authToken=$Token`n//registry.example.test/:_authToken=$remote`n"
            $before = $Proxy.Requests.Count
            Push-Location -LiteralPath $m.Project
            try { $found = @(Test-NpmrcToken -Online -Environment (Get-TestEnvironment $m) -TimeoutSec 5 | Where-Object { $_.Layer -eq 'Project' -and $_.RuleId -notlike 'NPMH71*' }) }
            finally { Pop-Location }
            $found.Count | Should -Be 2
            $found[0].OnlineState | Should -Be 'Checked'
            $found[1].OnlineState | Should -Be 'Failed'  # the proxy refuses the CONNECT
            $seen = @($Proxy.Requests)[$before..($Proxy.Requests.Count - 1)]
            $seen.Count | Should -Be 1
            $seen[0] | Should -Match '^CONNECT registry\.example\.test:443 '
            Assert-NoSecret $Proxy $Token, $remote
        }
        finally { Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It '-Proxy is refused when it is not a proxy URL' {
        { Test-NpmrcToken -Online -Proxy 'file:///etc/passwd' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'B5: the trust, access and org cmdlets send the configured credential only to its own registry' {
    BeforeAll {
        $script:Own = Start-SecretListener '127.0.0.1'
        $script:Other = Start-SecretListener '127.0.0.1'
        $script:Token = New-NpmToken
        $script:M5 = New-TestMachine
        # the user's token is scoped to $Own only
        Write-Utf8File (Join-Path $M5.Home '.npmrc') "registry=$($Own.Url)`n$($Own.Scope):_authToken=$Token`n"
        $script:Env5 = Get-TestEnvironment $M5
        $script:Calls = [ordered]@{
            'Get-NpmOrgPackage'          = { param($r) Get-NpmOrgPackage -Registry $r -Environment $Env5 -Org acme }
            'Get-NpmOrgMember'           = { param($r) Get-NpmOrgMember -Registry $r -Environment $Env5 -Org acme }
            'Get-NpmPackageCollaborator' = { param($r) Get-NpmPackageCollaborator -Registry $r -Environment $Env5 -Package '@acme/x' }
            'Get-NpmPackageAccess'       = { param($r) Get-NpmPackageAccess -Registry $r -Environment $Env5 -Package '@acme/x' }
            'Get-NpmTrustedPublisher'    = { param($r) Get-NpmTrustedPublisher -Registry $r -Environment $Env5 -Package '@acme/x' -PauseSeconds 0 -Otp 424242 }
            'Set-NpmTrustedPublisher'    = { param($r) Set-NpmTrustedPublisher -Registry $r -Environment $Env5 -Package '@acme/x' -GitHub -Repository a/b -WorkflowFile r.yml -PauseSeconds 0 -Otp 424242 -Confirm:$false }
            'Remove-NpmTrustedPublisher' = { param($r) Remove-NpmTrustedPublisher -Registry $r -Environment $Env5 -Package '@acme/x' -PauseSeconds 0 -Otp 424242 -Confirm:$false }
            'Set-NpmPackageAccess'       = { param($r) Set-NpmPackageAccess -Registry $r -Environment $Env5 -Package '@acme/x' -RequireTwoFactor -DisallowTokens -Otp 424242 -Confirm:$false }
        }
    }
    AfterAll {
        foreach ($l in $Own, $Other) { if ($l) { $l.Dispose() } }
        if ($M5) { Remove-Item -LiteralPath $M5.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It '<_>: asked about another registry it sends nothing there and says there is no credential' -ForEach @(
        'Get-NpmOrgPackage', 'Get-NpmOrgMember', 'Get-NpmPackageCollaborator', 'Get-NpmPackageAccess', 'Get-NpmTrustedPublisher',
        'Set-NpmTrustedPublisher', 'Remove-NpmTrustedPublisher', 'Set-NpmPackageAccess'
    ) {
        # the refusal is a non-terminating error, whatever preference the runner (build.ps1: Stop) set
        $ErrorActionPreference = 'Continue'
        $before = $Own.Requests.Count
        $err = @(& $Calls[$_] $Other.Url 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NpmCredentialNotFound,*'
        $Other.Requests.Count | Should -Be 0
        $Own.Requests.Count | Should -Be $before
        Assert-NoSecret $Other @($Token, '424242')

        # control: asked about its own registry, the credential goes there (and only there), the code as npm-otp
        & $Calls[$_] $Own.Url 2>&1 3>$null | Out-Null
        $Own.Requests.Count | Should -BeGreaterThan $before
        (Get-Received $Own $before) | Should -Match ([regex]::Escape("Bearer $Token"))
        if ("$($Calls[$_])" -match '-Otp') { (Get-Received $Own $before) | Should -Match '(?im)^npm-otp: 424242' }
        $Other.Requests.Count | Should -Be 0
    }
}

Describe 'B6: Get-NpmPackageRelease reads public documents, and sends the configured credential only to its own registry' {
    BeforeAll {
        $script:Own6 = Start-SecretListener '127.0.0.1'
        $script:Other6 = Start-SecretListener '127.0.0.1'
        $script:Token6 = New-NpmToken
        $script:M6 = New-TestMachine
        Write-Utf8File (Join-Path $M6.Home '.npmrc') "registry=$($Own6.Url)`n$($Own6.Scope):_authToken=$Token6`n"
        $script:Env6 = Get-TestEnvironment $M6
    }
    AfterAll {
        foreach ($l in $Own6, $Other6) { if ($l) { $l.Dispose() } }
        if ($M6) { Remove-Item -LiteralPath $M6.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'asks another registry without any credential, and its own with npm''s' {
        # (the signing keys go without a credential: Get-NpmPackageRelease.Tests.ps1 and Secrets.Tests.ps1, whose fakes
        # serve documents, check that)
        $ErrorActionPreference = 'Continue'
        # the listeners answer 404 to everything but /-/whoami: the calls fail, what was sent is what counts
        $errors = @(Get-NpmPackageRelease -Registry $Other6.Url -Environment $Env6 -Package '@acme/x' 2>&1 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'NpmRegistryNotFound,*'
        $Other6.Requests.Count | Should -BeGreaterThan 0
        Assert-NoSecret $Other6 @($Token6)
        (Get-Received $Other6) | Should -Not -Match '(?im)^authorization:'
        $before = $Own6.Requests.Count
        Get-NpmPackageRelease -Registry $Own6.Url -Environment $Env6 -Package '@acme/x' 2>&1 3>$null | Out-Null
        $sent = @($Own6.Requests)[$before..($Own6.Requests.Count - 1)]
        ($sent | Where-Object { $_ -match '^GET /@acme%2fx ' }) | Should -Match ([regex]::Escape("Bearer $Token6"))
    }
}
