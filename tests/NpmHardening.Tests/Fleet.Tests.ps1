#Requires -Version 7.0
# Issue 9, point 8: the fleet view over real SSH remoting. An sshd of this test's own on 127.0.0.1 (SshHost.ps1), with
# PowerShell as its subsystem, lets Invoke-Command -HostName localhost -Port … -UserName … -KeyFilePath … -SSHTransport
# reach two throwaway local accounts that have different ~/.npmrc files; each runs the built module's audits as itself.
# The findings come back through PowerShell's remoting serializer as property bags (SSH remoting deserializes with
# PowerShell's built-in type files only, so nothing rehydrates them there). They must keep their context apart, carry
# PSComputerName and ComputerName, read Severity and Status as the module's enums (the module's script properties on the
# Deserialized names), sort and compare by severity, and become the live types with one PSSerializer round trip in the
# receiving session. Skipped, with the reason, where sshd cannot run (not Linux, not root, openssh-server not
# installable); everything is removed in AfterAll, also after a failure.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SshHost.ps1')
    $script:SkipReason = Test-CanRunSshd
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'Attack/ThrowawayUser.ps1')
    . (Join-Path $PSScriptRoot 'SshHost.ps1')
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    $script:Users = @()
    $script:Fixture = $null
    $script:Unavailable = Test-CanRunSshd
    if ($Unavailable) {
        Write-Host "    Fleet over SSH skipped: $Unavailable" -ForegroundColor Yellow
        return
    }

    # Two accounts, two machines' worth of difference: one turned TLS checks off, the other keeps a token in plain text
    # in a file everyone may read (Critical).
    $script:Relaxed = New-ThrowawayUser
    $script:Users += $Relaxed
    $script:Holder = New-ThrowawayUser
    $script:Users += $Holder
    $script:Token = New-NpmToken
    Invoke-AsUser $Relaxed "printf 'strict-ssl=false\n' > '$($Relaxed.Home)/.npmrc' && chmod 600 '$($Relaxed.Home)/.npmrc'"
    Invoke-AsUser $Holder "printf '//registry.npmjs.org/:_authToken=$Token\n' > '$($Holder.Home)/.npmrc' && chmod 644 '$($Holder.Home)/.npmrc'"

    $script:Fixture = New-SshFixture -ModuleFolder (Split-Path -Parent $env:NPMH_MODULE_PATH) -UserNames @($Relaxed.Name, $Holder.Name)
    $keys = @{}
    foreach ($user in $Users) { $keys[$user.Name] = Grant-SshKey $Fixture $user }
    $script:Unavailable = Test-SubsystemReach $Fixture $Relaxed
    if ($Unavailable) {
        Write-Host "    Fleet over SSH skipped: $Unavailable" -ForegroundColor Yellow
        return
    }
    try { Start-TestSshd $Fixture }
    catch {
        $script:Unavailable = "sshd could not start here: $($_.Exception.Message)"
        Write-Host "    Fleet over SSH skipped: $Unavailable" -ForegroundColor Yellow
        return
    }

    # What each account runs: the audits of its own profile, and one NpmFinding built there, as the "core" audits fill
    # ComputerName, so that field's trip is proven whatever the audits' types carry today.
    $remote = {
        param($ModulePath)
        $ErrorActionPreference = 'Stop'
        Import-Module -Name $ModulePath
        $findings = @(Get-NpmSecurityPosture; Test-NpmrcToken)
        $findings
        $finding = [Activator]::CreateInstance($findings[0].GetType().Assembly.GetType('NpmHardening.NpmFinding', $true))
        $finding.RuleId = 'NPMH0000'; $finding.Severity = 'Low'; $finding.Status = 'Pass'
        $finding.ComputerName = [Environment]::MachineName; $finding.Context = $HOME
        $finding
    }
    $options = Get-SshClientOptions $Fixture
    $script:RemoteErrors = @()
    $script:Results = @(foreach ($user in $Users) {
            $failed = $null
            Invoke-Command -HostName localhost -Port $Fixture.Port -UserName $user.Name -KeyFilePath $keys[$user.Name] -Options $options -SSHTransport `
                -ScriptBlock $remote -ArgumentList $Fixture.ModulePath -ErrorVariable failed -ErrorAction SilentlyContinue
            $script:RemoteErrors += @($failed)
        })
    # Over SSH the objects stay Deserialized.NpmHardening.* bags (PowerShell deserializes SSH remoting with its built-in
    # type files only); the type name tells the finding types apart.
    function Get-FindingTypeName($Finding) { ($Finding.PSObject.TypeNames[0] -replace '^Deserialized\.', '') }
    $script:ByHome = @{}
    foreach ($user in $Users) { $ByHome[$user.Home] = @($Results | Where-Object { $_.Context -like "$($user.Home)*" }) }
}

AfterAll {
    Stop-TestSshd $Fixture
    foreach ($user in $Users) { Remove-ThrowawayUser $user }
}

Describe 'Invoke-Command over SSH to two local accounts' -Skip:($null -ne $SkipReason) {
    BeforeEach {
        if ($Unavailable) { Set-ItResult -Skipped -Because $Unavailable }
    }

    It 'reaches both accounts without an error' {
        $RemoteErrors | Should -BeNullOrEmpty -Because ((@($RemoteErrors) -join '; ') + ' ' + (Get-Content -LiteralPath $Fixture.Log -Raw -ErrorAction SilentlyContinue))
        foreach ($user in $Users) { $ByHome[$user.Home].Count | Should -BeGreaterThan 1 -Because "$($user.Name) ran the audits in its own profile" }
    }

    It 'gets findings whose enums read as enums (bags: SSH remoting does not rehydrate), with PSComputerName' {
        $Results.Count | Should -BeGreaterThan 4
        foreach ($finding in $Results) {
            $finding.PSObject.TypeNames[0] | Should -BeIn @('Deserialized.NpmHardening.NpmSecurityFinding', 'Deserialized.NpmHardening.NpmTokenFinding', 'Deserialized.NpmHardening.NpmFinding')
            $finding.Severity.GetType().FullName | Should -Be 'NpmHardening.NpmSeverity'
            $finding.Status.GetType().FullName | Should -Be 'NpmHardening.NpmFindingStatus'
            $finding.PSComputerName | Should -Be 'localhost'
        }
    }

    It 'become the live types through one PSSerializer round trip in this session' {
        $copies = @([System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($Results, 4)))
        $copies.Count | Should -Be $Results.Count
        foreach ($copy in $copies) { $copy.GetType().FullName | Should -BeIn @('NpmHardening.NpmSecurityFinding', 'NpmHardening.NpmTokenFinding', 'NpmHardening.NpmFinding') }
        @($copies | Where-Object { $_.GetType().Name -eq 'NpmFinding' } | ForEach-Object ComputerName | Sort-Object -Unique) | Should -Be ([Environment]::MachineName)
    }

    It 'keeps each account''s findings in its own context, from its own .npmrc' {
        $relaxed = $ByHome[$Relaxed.Home]
        $holder = $ByHome[$Holder.Home]
        @($relaxed | Where-Object { $_.RuleId -eq 'NPMH2001' -and "$($_.Status)" -eq 'Fail' }).Count | Should -BeGreaterThan 0
        @($holder | Where-Object { $_.RuleId -eq 'NPMH2001' -and "$($_.Status)" -eq 'Fail' }).Count | Should -Be 0
        @($holder | Where-Object { (Get-FindingTypeName $_) -eq 'NpmHardening.NpmTokenFinding' -and "$($_.Severity)" -eq 'Critical' }).Count | Should -BeGreaterThan 0
        @($relaxed | Where-Object { (Get-FindingTypeName $_) -eq 'NpmHardening.NpmTokenFinding' }).Count | Should -Be 0
        # Every result belongs to exactly one of the two accounts.
        ($relaxed.Count + $holder.Count) | Should -Be $Results.Count
    }

    It 'carries ComputerName across the connection' {
        $built = @($Results | Where-Object { (Get-FindingTypeName $_) -eq 'NpmHardening.NpmFinding' })
        $built.Count | Should -Be 2
        foreach ($finding in $built) { $finding.ComputerName | Should -Be ([Environment]::MachineName) }
        @($built.Context | Sort-Object) | Should -Be @(@($Relaxed.Home, $Holder.Home) | Sort-Object)
        # The audits' own findings, once their type carries ComputerName (the finding contract), carry it too.
        foreach ($finding in $Results) {
            if ($finding.PSObject.Properties['ComputerName']) { $finding.ComputerName | Should -Be ([Environment]::MachineName) }
        }
    }

    It 'sorts and compares by severity across both accounts' {
        $audits = @($Results | Where-Object { (Get-FindingTypeName $_) -ne 'NpmHardening.NpmFinding' })
        $sorted = @($audits | Sort-Object Severity -Descending)
        "$($sorted[0].Severity)" | Should -Be 'Critical'
        "$($sorted[-1].Severity)" | Should -Be 'Info'
        $severe = @($audits | Where-Object Severity -ge 'High')
        @($severe.Severity | ForEach-Object ToString | Sort-Object -Unique) | Should -Be @('Critical', 'High')
        @($severe | Where-Object { $_.Context -like "$($Relaxed.Home)*" }).Count | Should -BeGreaterThan 0
        @($severe | Where-Object { $_.Context -like "$($Holder.Home)*" }).Count | Should -BeGreaterThan 0
        $severe.Count | Should -Be @($audits | Where-Object { "$($_.Severity)" -in 'High', 'Critical' }).Count
    }

    It 'brings no token back' {
        $Results.Count | Should -BeGreaterThan 4
        ($Results | ConvertTo-Json -Depth 4) | Should -Not -Match ([regex]::Escape($Token))
    }

    It 'pipes both accounts'' findings into one report' {
        if (-not (Get-Command Export-NpmHardeningReport -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'Export-NpmHardeningReport is not in this build (it comes with the report writers)'
            return
        }
        $report = Join-Path $Fixture.Folder 'fleet.html'
        $Results | Export-NpmHardeningReport -Format Html -Path $report
        $html = Get-Content -LiteralPath $report -Raw
        $html | Should -Match ([regex]::Escape($Relaxed.Home))
        $html | Should -Match ([regex]::Escape($Holder.Home))
        $html | Should -Not -Match ([regex]::Escape($Token))
    }
}
