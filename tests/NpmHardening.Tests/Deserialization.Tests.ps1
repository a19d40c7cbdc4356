#Requires -Version 7.0
# Issue 9, point 3: severity sorts and compares by rank on live findings and on findings that crossed a process
# boundary (Import-Clixml, Start-Job; remoting over SSH is in Fleet.Tests.ps1), because the module rehydrates them into
# the live types. The fixture yields every severity: posture findings (Info … High) and a token finding (Critical).

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    $script:Machine = New-TestMachine
    $script:Token = New-NpmToken
    $npmrc = Join-Path $Machine.Home '.npmrc'
    Write-Utf8File $npmrc "//registry.npmjs.org/:_authToken=$Token`nstrict-ssl=false`nregistry=http://registry.example.test/`n"
    if (-not $OnWindows) { & chmod 644 $npmrc }
    $script:Environment = Get-TestEnvironment $Machine

    # The audits run the same way live, in a job and before an export.
    $script:Audit = {
        param($ModulePath, $Environment)
        Import-Module -Name $ModulePath -ErrorAction Stop
        Get-NpmSecurityPosture -Environment $Environment -Baseline Strict
        Test-NpmrcToken -Environment $Environment
    }
    $script:Live = @(& $Audit $env:NPMH_MODULE_PATH $Environment)

    $script:Clixml = Join-Path $Machine.Root 'findings.clixml'
    $Live | Export-Clixml -LiteralPath $Clixml
    $script:FromClixml = @(Import-Clixml -LiteralPath $Clixml)
    $script:FromJob = @(Start-Job -ScriptBlock $Audit -ArgumentList $env:NPMH_MODULE_PATH, $Environment | Receive-Job -Wait -AutoRemoveJob)

    $script:Paths = @{ Live = $Live; 'Import-Clixml' = $FromClixml; 'Start-Job' = $FromJob }
    $script:Rank = @{ Info = 0; Low = 1; Medium = 2; High = 3; Critical = 4 }

    # The engine's types by name (they live in the module's own load context, so no [NpmHardening.…] literal).
    $script:EngineAssembly = $Live[0].GetType().Assembly
    function New-EngineObject([string] $Name, [hashtable] $Property = @{}) {
        $object = [Activator]::CreateInstance($EngineAssembly.GetType("NpmHardening.$Name", $true))
        foreach ($key in $Property.Keys) { $object.$key = $Property[$key] }
        $object
    }
}

AfterAll {
    if ($Machine -and (Test-Path -LiteralPath $Machine.Root)) { Remove-Item -LiteralPath $Machine.Root -Recurse -Force }
}

Describe 'The fixture' {
    It 'has findings of every severity, from two finding types' {
        @($Live.Severity | ForEach-Object ToString | Sort-Object -Unique) | Should -Be @('Critical', 'High', 'Info', 'Low', 'Medium')
        @($Live | ForEach-Object { $_.GetType().Name } | Sort-Object -Unique) | Should -Be @('NpmSecurityFinding', 'NpmTokenFinding')
    }
}

Describe 'Findings after <Path>' -ForEach @(@{ Path = 'Live' }, @{ Path = 'Import-Clixml' }, @{ Path = 'Start-Job' }) {
    BeforeAll {
        $script:Findings = $Paths[$Path]
    }

    It 'are the live types again, with Severity and Status as enums' {
        $Findings.Count | Should -Be $Live.Count
        foreach ($finding in $Findings) {
            $finding.GetType().FullName | Should -BeIn @('NpmHardening.NpmSecurityFinding', 'NpmHardening.NpmTokenFinding')
            $finding.Severity.GetType().FullName | Should -Be 'NpmHardening.NpmSeverity'
            $finding.Status.GetType().FullName | Should -Be 'NpmHardening.NpmFindingStatus'
        }
    }

    It 'sort Critical first with Sort-Object Severity -Descending, Info first without' {
        $descending = @($Findings | Sort-Object Severity -Descending | ForEach-Object { $Rank["$($_.Severity)"] })
        $descending[0] | Should -Be 4
        $descending[-1] | Should -Be 0
        for ($i = 1; $i -lt $descending.Count; $i++) { $descending[$i] | Should -BeLessOrEqual $descending[$i - 1] }
        $ascending = @($Findings | Sort-Object Severity | ForEach-Object { $Rank["$($_.Severity)"] })
        $ascending[0] | Should -Be 0
        for ($i = 1; $i -lt $ascending.Count; $i++) { $ascending[$i] | Should -BeGreaterOrEqual $ascending[$i - 1] }
    }

    It "keep High and Critical with Where-Object Severity -ge 'High', the rest with -lt" {
        $expected = @($Findings | Where-Object { $Rank["$($_.Severity)"] -ge 3 }).Count
        $expected | Should -BeGreaterThan 1
        $atLeastHigh = @($Findings | Where-Object Severity -ge 'High')
        $atLeastHigh.Count | Should -Be $expected
        @($atLeastHigh.Severity | ForEach-Object ToString | Sort-Object -Unique) | Should -Be @('Critical', 'High')
        $below = @($Findings | Where-Object Severity -lt 'High')
        $below.Count | Should -Be ($Findings.Count - $expected)
        @($below.Severity | ForEach-Object ToString | Sort-Object -Unique) | Should -Be @('Info', 'Low', 'Medium')
    }

    It 'keep every property the live finding has' {
        # Same content, property by property (JSON of each, type-specific properties included).
        $key = { '{0}|{1}|{2}|{3}' -f $_.GetType().Name, $_.RuleId, $_.Context, $_.Message }
        $own = { $_ | Select-Object -Property @($_.GetType().GetProperties().Name) | ConvertTo-Json -Depth 4 -Compress }
        $liveJson = @($Live | Sort-Object $key | ForEach-Object $own)
        $json = @($Findings | Sort-Object $key | ForEach-Object $own)
        $json | Should -Be $liveJson
    }
}

Describe 'What the import registers' {
    It 'covers every finding type the engine exports, so a new audit''s finding rehydrates too' {
        # The module lists its contract types instead of searching the engine at every import; this search keeps the
        # list complete.
        $findingBase = $EngineAssembly.GetType('NpmHardening.NpmFinding', $true)
        $findingTypes = @($EngineAssembly.GetExportedTypes() | Where-Object { $findingBase.IsAssignableFrom($_) })
        $findingTypes.Count | Should -BeGreaterThan 2 -Because 'NpmFinding, NpmSecurityFinding and NpmTokenFinding at least'
        foreach ($type in $findingTypes) {
            $deserialized = Get-TypeData -TypeName "Deserialized.$($type.FullName)"
            $deserialized | Should -Not -BeNullOrEmpty -Because "Deserialized.$($type.FullName) needs its type data"
            $deserialized.TargetTypeForDeserialization.FullName | Should -Be 'NpmHardening.Commands.RehydrationTarget'
            (Get-TypeData -TypeName $type.FullName).TypeConverter.Name | Should -Be 'DeserializedFindingConverter'
        }
    }

    It 'names in the types file exactly the types the converter rehydrates' {
        # The types file cannot name the engine's types as targets (they do not resolve when PowerShell reads it), so the
        # converter keeps its own list of what a Deserialized. name stands for: the two must agree.
        $converter = [NpmHardening.Commands.DeserializedFindingConverter]
        $listed = @($converter.GetMethod('RehydratedTypes', [System.Reflection.BindingFlags] 'NonPublic, Static').Invoke($null, @()) | ForEach-Object FullName | Sort-Object)
        $inFile = @(Get-TypeData -TypeName 'Deserialized.NpmHardening.*' | Where-Object { $_.TargetTypeForDeserialization } |
                ForEach-Object { $_.TypeName.Substring('Deserialized.'.Length) } | Sort-Object)
        $listed.Count | Should -BeGreaterThan 5
        $inFile | Should -Be $listed
        foreach ($name in $listed) { (Get-TypeData -TypeName $name).SerializationDepth | Should -Be 3 -Because "$name keeps its nested objects in jobs" }
    }

    It 'reads every enum-typed property of a bag as the enum, through a compiled getter' {
        # A code property per name (no script block for PowerShell to parse at every import); a property added to a
        # rehydrated type without its getter in DeserializedEnumProperty fails here.
        $converter = [NpmHardening.Commands.DeserializedFindingConverter]
        foreach ($type in $converter.GetMethod('RehydratedTypes', [System.Reflection.BindingFlags] 'NonPublic, Static').Invoke($null, @())) {
            $members = (Get-TypeData -TypeName "Deserialized.$($type.FullName)").Members
            $enums = @($type.GetProperties() | Where-Object {
                    $t = [Nullable]::GetUnderlyingType($_.PropertyType); if (-not $t) { $t = $_.PropertyType }
                    $t.IsEnum -and $_.GetSetMethod() })
            foreach ($property in $enums) {
                $member = $members[$property.Name]
                $member | Should -BeOfType ([System.Management.Automation.Runspaces.CodePropertyData]) -Because "$($type.Name).$($property.Name) of a bag should read as $($property.PropertyType.Name)"
                $member.GetCodeReference.DeclaringType.FullName | Should -Be 'NpmHardening.Commands.DeserializedEnumProperty'
                $member.GetCodeReference.Name | Should -Be $property.Name
            }
            @($members.Keys | Where-Object { $enums.Name -notcontains $_ }) | Should -BeNullOrEmpty -Because "only enum-typed properties of $($type.Name) need a getter"
        }
    }
}

Describe 'What rehydration keeps and refuses' {
    It 'keeps PSComputerName and the other notes that Start-Job adds' {
        $FromJob[0].PSComputerName | Should -Be 'localhost'
        $FromJob[0].RunspaceId | Should -Not -BeNullOrEmpty
    }

    It 'rebuilds a finding with its nested location, remediation and suppression, through Import-Clixml and a job' {
        $finding = New-EngineObject NpmFinding @{
            RuleId = 'NPMH7001'; Title = 'Plaintext token'; Severity = 'Critical'; Status = 'Suppressed'; ComputerName = 'build-07'
            FactId = 'fact-1'; Context = '/home/dev'
            Location = New-EngineObject NpmFindingLocation @{ Path = '/home/dev/.npmrc'; Line = 3; Column = 1 }
            Remediation = New-EngineObject NpmRemediation @{ Summary = 'Remove the token'; NpmCommand = 'npm config delete //registry.npmjs.org/:_authToken --location=user'; WebSteps = @('Open Access Tokens', 'Revoke it') }
            Suppression = New-EngineObject NpmFindingSuppression @{ Justification = 'Rotated weekly'; Expires = [datetime] '2030-01-31'; Source = 'policy.psd1:12'; OriginalStatus = 'Fail' }
        }
        $file = Join-Path $Machine.Root 'finding.clixml'
        $finding | Export-Clixml -LiteralPath $file
        $viaFile = Import-Clixml -LiteralPath $file
        # Start-Job serializes the argument into the job and the result back: two crossings at remoting depth.
        $viaJob = Start-Job -ScriptBlock { param($ModulePath, $Finding) Import-Module $ModulePath; $Finding } -ArgumentList $env:NPMH_MODULE_PATH, $finding | Receive-Job -Wait -AutoRemoveJob
        foreach ($copy in $viaFile, $viaJob) {
            $copy.GetType().FullName | Should -Be 'NpmHardening.NpmFinding'
            $copy.Severity -ge 'High' | Should -BeTrue
            $copy.ComputerName | Should -Be 'build-07'
            $copy.Location.GetType().FullName | Should -Be 'NpmHardening.NpmFindingLocation'
            $copy.Location.ToString() | Should -Be '/home/dev/.npmrc:3:1'
            $copy.Remediation.GetType().FullName | Should -Be 'NpmHardening.NpmRemediation'
            $copy.Remediation.WebSteps | Should -Be @('Open Access Tokens', 'Revoke it')
            $copy.Suppression.Expires | Should -Be ([datetime] '2030-01-31')
            $copy.Suppression.OriginalStatus.ToString() | Should -Be 'Fail'
            $copy.Status.ToString() | Should -Be 'Suppressed'
        }
    }

    It 'rebuilds the summary with its contexts and reasons' {
        $summary = Get-NpmSecurityPosture -Environment $Environment -Baseline Strict -Summary
        $file = Join-Path $Machine.Root 'summary.clixml'
        $summary | Export-Clixml -LiteralPath $file
        $copy = Import-Clixml -LiteralPath $file
        $copy.GetType().FullName | Should -Be 'NpmHardening.NpmSecurityPostureSummary'
        $copy.Contexts | Should -Be $summary.Contexts
        $copy.Reasons.Count | Should -Be $summary.Reasons.Count
        $copy.Reasons.Count | Should -BeGreaterThan 0
        $copy.Reasons | ForEach-Object { $_.GetType().FullName | Should -Be 'NpmHardening.NpmComplianceReason' }
        $copy.Message | Should -Be $summary.Message
    }

    It 'rebuilds a token finding with its DateTimeOffset expiry' {
        $token = New-EngineObject NpmTokenFinding @{ Severity = 'High'; Kind = 'GranularToken'; Redacted = 'npm_ab…yz'; Expires = [DateTimeOffset]::new(2031, 5, 6, 7, 8, 9, [timespan]::FromHours(2)) }
        $copy = Start-Job -ScriptBlock { param($ModulePath, $Finding) Import-Module $ModulePath; $Finding } -ArgumentList $env:NPMH_MODULE_PATH, $token | Receive-Job -Wait -AutoRemoveJob
        $copy.GetType().FullName | Should -Be 'NpmHardening.NpmTokenFinding'
        $copy.Expires | Should -Be ([DateTimeOffset]::new(2031, 5, 6, 7, 8, 9, [timespan]::FromHours(2)))
        $copy.Expires.Offset | Should -Be ([timespan]::FromHours(2))
    }

    It 'leaves a bag that names a severity the enum does not have as it was (nothing invented)' {
        $xml = (Get-Content -LiteralPath $Clixml -Raw) -replace '<ToString>High</ToString>(\s*)<I32>3</I32>', '<ToString>Catastrophic</ToString>$1<I32>9</I32>'
        $tamperedCount = ([regex]::Matches($xml, 'Catastrophic')).Count
        $tamperedCount | Should -BeGreaterThan 0
        $tampered = Join-Path $Machine.Root 'tampered.clixml'
        Set-Content -LiteralPath $tampered -Value $xml
        $objects = @(Import-Clixml -LiteralPath $tampered)
        $bags = @($objects | Where-Object { $_.PSObject.TypeNames[0] -eq 'Deserialized.NpmHardening.NpmSecurityFinding' })
        $bags.Count | Should -Be $tamperedCount
        $bags | ForEach-Object { $_.Severity.ToString() | Should -Be 'Catastrophic' }
        # A bag that stays one (as SSH remoting leaves every finding) still reads its valid enums as enums.
        $bags | ForEach-Object { $_.Status.GetType().FullName | Should -Be 'NpmHardening.NpmFindingStatus' }
        @($bags | Sort-Object Status -Descending | ForEach-Object { [int] $_.Status }) | Should -Be @($bags | ForEach-Object { [int] $_.Status } | Sort-Object -Descending)
        @($objects | Where-Object { $_.GetType().Name -in 'NpmSecurityFinding', 'NpmTokenFinding' }).Count | Should -Be ($objects.Count - $tamperedCount)
    }

    It 'creates only types of the module that derive from the requested one, whatever else the bag names' {
        # The bag names a .NET type with a parameterless constructor and an engine type that is not a finding before
        # the finding type itself: the finding type is created, nothing else.
        $xml = (Get-Content -LiteralPath $Clixml -Raw) -replace '<T>NpmHardening.NpmSecurityFinding</T>', '<T>System.Text.StringBuilder</T><T>NpmHardening.NpmConfigEntry</T><T>NpmHardening.NpmSecurityFinding</T>'
        $other = Join-Path $Machine.Root 'other.clixml'
        Set-Content -LiteralPath $other -Value $xml
        $objects = @(Import-Clixml -LiteralPath $other)
        $objects.Count | Should -Be $Live.Count
        @($objects | Where-Object { $_.GetType().FullName -eq 'NpmHardening.NpmSecurityFinding' }).Count | Should -Be @($Live | Where-Object { $_.GetType().Name -eq 'NpmSecurityFinding' }).Count
        @($objects | Where-Object { $_.GetType().FullName -in 'System.Text.StringBuilder', 'NpmHardening.NpmConfigEntry' }).Count | Should -Be 0
    }

    It 'is what makes the difference: in a session without the module the bag cannot be compared with a name' {
        $ps = [powershell]::Create()
        try {
            $out = @($ps.AddScript('param($Path) $bags = Import-Clixml -LiteralPath $Path; $bags[0].GetType().FullName; @($bags | Where-Object Severity -ge ''High'').Count').AddArgument($Clixml).Invoke())
            $out[0] | Should -Not -BeLike 'NpmHardening.*'
            $out[1] | Should -Be 0
            $ps.Streams.Error.Count | Should -BeGreaterThan 0
        }
        finally { $ps.Dispose() }
    }

    It 'writes no secret into the CLIXML' {
        Get-Content -LiteralPath $Clixml -Raw | Should -Not -Match ([regex]::Escape($Token))
    }
}
