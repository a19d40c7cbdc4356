#Requires -Version 5.1
# Issue 10, section C: a pathological profile must never hang a cmdlet or make it hold gigabytes, and must be reported.
# Every exported cmdlet that reads config files runs against every case of the corpus (PathologicalCorpus.ps1) in a
# child PowerShell with a generous timeout: the test fails when a cmdlet does not finish, and checks that the readers
# report the file with the right error id (posture: NPMH9005 as an error). How fast and how small is measured by the
# bench (build.ps1 -Task Bench, part Pathological), never asserted here.

BeforeDiscovery {
    $script:Skip = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
    $script:CaseNames = @('FIFO', 'socket', 'device', '5 MB line of letters', '1 MB values of letters', '7 MiB of long values', '9M keys', '1M keys in 7 MB',
        'deep ${ nesting', '${VAR} amplification', 'deep section')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'PathologicalCorpus.ps1')
    $script:Corpus = @{}
    if (-not $OnWindows) { foreach ($case in New-PathologicalCorpus) { $Corpus[$case.Name] = $case } }
    $script:Pwsh = Get-PathologicalPwsh
    # Generous: the slowest case takes seconds on a loaded two-core machine; a hang never ends.
    $script:TimeoutSec = 240
}

AfterAll {
    foreach ($case in $Corpus.Values) { Remove-Item -LiteralPath $case.Machine.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'A pathological profile: <_>' -ForEach $CaseNames -Skip:$Skip {
    BeforeAll {
        $script:case = $Corpus[$_]
        $script:run = Invoke-PathologicalChild -Case $case -ModulePath $env:NPMH_MODULE_PATH -Cmdlets @($PathologicalCmdlets.Keys) -TimeoutSec $TimeoutSec -Pwsh $Pwsh
        $script:byCmdlet = @{}
        foreach ($r in $run.Results) { $byCmdlet[$r.Cmdlet] = $r }
    }

    It 'every cmdlet finishes' {
        $run.TimedOut | Should -BeFalse -Because "$($run.Started) was still running after $TimeoutSec s"
        @($run.Results.Cmdlet) | Should -Be @($PathologicalCmdlets.Keys) -Because "the child stopped ($($run.ExitCode)): $($run.Stderr)"
    }

    It 'Get-NpmConfig reports the file' {
        $expected = $case.Expect.Config
        $errors = @($byCmdlet['Get-NpmConfig'].Errors)
        if ($expected) { $errors | Should -Contain $expected } else { $errors | Should -Not -Match 'Npmrc(NotRegularFile|LimitExceeded|TooLarge)' }
    }

    It 'Get-NpmSecurityPosture reports it as an error (NPMH9005), with and without -Recurse' {
        foreach ($name in 'Get-NpmSecurityPosture', 'Get-NpmSecurityPosture -Recurse') {
            $broken = @($byCmdlet[$name].Broken)
            if ($case.Expect.Posture) { $broken | Should -Contain "Error/$($case.Expect.Posture)" -Because $name }
            else { $broken | Should -Not -Match 'Error/' -Because $name }
        }
    }

    It 'Test-NpmrcToken reports it, with and without -Recurse' {
        foreach ($name in 'Test-NpmrcToken', 'Test-NpmrcToken -Recurse') {
            $errors = @($byCmdlet[$name].Errors)
            if ($case.Expect.Scan) { $errors | Should -Contain $case.Expect.Scan -Because $name }
            else { $errors | Should -Not -Match 'Npmrc(NotRegularFile|LimitExceeded|TooLarge)' -Because $name }
        }
    }

    It 'Set-NpmHardening -WhatIf and Protect-NpmrcToken -WhatIf refuse to edit it' {
        if ($case.Expect.Set) { @($byCmdlet['Set-NpmHardening -WhatIf'].Errors) | Should -Contain $case.Expect.Set }
        if ($case.Expect.Protect) { @($byCmdlet['Protect-NpmrcToken -WhatIf'].Errors) | Should -Contain $case.Expect.Protect }
    }

    It 'Test-NpmHardening never answers compliant for a file it could not audit' {
        if ($case.Expect.Config) { @($byCmdlet['Test-NpmHardening'].Bools) | Should -Not -Contain $true }
    }
}
