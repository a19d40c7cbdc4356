#Requires -Version 5.1
# docs/examples/intune: the Remediations detection and remediation scripts, run as Intune runs them (a fresh
# PowerShell, -File) against user profiles in a temp machine (-UserProfile stands in for -AllUsers, which would
# read the real machine's profiles). Exit codes, a single output line of at most 2,048 characters, no secret in
# the output, and the file format Intune needs (parses, UTF-8 without BOM, Windows PowerShell 5.1 syntax).

BeforeDiscovery {
    if (-not $env:NPMH_REPO_ROOT) { $env:NPMH_REPO_ROOT = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
    $script:ScriptNames = @('Detect-NpmHardening.ps1', 'Remediate-NpmHardening.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    . (Join-Path $PSScriptRoot 'HardeningMachine.ps1')
    $script:IntuneDir = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, 'docs', 'examples', 'intune')
    $script:Detect = Join-Path $IntuneDir 'Detect-NpmHardening.ps1'
    $script:Remediate = Join-Path $IntuneDir 'Remediate-NpmHardening.ps1'

    # This PowerShell, started again: pwsh(.exe), powershell.exe, or `dotnet pwsh.dll` (dotnet tool).
    $script:HostPath = (Get-Process -Id $PID).Path
    $script:HostPrefix = @()
    if ([System.IO.Path]::GetFileNameWithoutExtension($HostPath) -eq 'dotnet') { $script:HostPrefix = @([Environment]::GetCommandLineArgs()[0]) }

    # Runs an Intune script in a child PowerShell with the backup store inside the machine and, first on PATH, a
    # supported node (so NPMH1003 does not judge the test machine's node; -Node gives another version).
    # Returns @{ ExitCode; Lines (stdout lines); Stdout; Stderr }.
    function Invoke-IntuneScript([string] $Script, $Machine, [string[]] $Profiles, [string] $Baseline = 'Recommended', [string] $Node = '99.0.0', [hashtable] $Variables = @{}, [string[]] $More = @()) {
        $state = Join-Path $Machine.Root 'state'
        $all = @{ XDG_STATE_HOME = $state; LOCALAPPDATA = $state; PATH = (Add-TestNode $Machine $Node) + [System.IO.Path]::PathSeparator + $env:PATH }
        foreach ($k in $Variables.Keys) { $all[$k] = $Variables[$k] }
        $saved = @{}
        foreach ($k in $all.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k) }
        $stderrFile = Join-Path $Machine.Root 'stderr.txt'
        try {
            foreach ($k in $all.Keys) { [Environment]::SetEnvironmentVariable($k, $all[$k]) }
            $arguments = $HostPrefix + @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $Script,
                '-Baseline', $Baseline, '-ModulePath', $env:NPMH_MODULE_PATH, '-UserProfile', ($Profiles -join [System.IO.Path]::PathSeparator)) + $More
            $stdout = & $HostPath @arguments 2>$stderrFile
            $exitCode = $LASTEXITCODE
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        }
        $lines = @($stdout | ForEach-Object { [string] $_ })
        $stderr = ''
        if (Test-Path -LiteralPath $stderrFile) { $stderr = [System.IO.File]::ReadAllText($stderrFile) }
        @{ ExitCode = $exitCode; Lines = $lines; Stdout = ($lines -join "`n"); Stderr = $stderr }
    }

    function New-Profile($Machine, [string] $Name, [string] $Npmrc) {
        $dir = Join-Path $Machine.Root $Name
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        if ($Npmrc) { Write-Utf8File (Join-Path $dir '.npmrc') $Npmrc }
        $dir
    }
}

Describe 'Intune script file <_>' -ForEach $ScriptNames {
    BeforeAll {
        $script:File = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, 'docs', 'examples', 'intune', $_)
    }

    It 'exists' {
        $File | Should -Exist
    }

    It 'parses without errors' {
        $tokens = $null; $errors = $null
        [void] [System.Management.Automation.Language.Parser]::ParseFile($File, [ref] $tokens, [ref] $errors)
        @($errors).Count | Should -Be 0 -Because (@($errors) | Out-String)
    }

    It 'is UTF-8 without BOM (ASCII)' {
        $bytes = [System.IO.File]::ReadAllBytes($File)
        ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) | Should -BeFalse
        # ASCII keeps it readable by Windows PowerShell 5.1, which reads BOM-less files in the ANSI code page
        @($bytes | Where-Object { $_ -gt 127 }).Count | Should -Be 0
    }

    It 'uses no syntax newer than Windows PowerShell 5.1 (ternary, ??, ??=, &&, ||, ?.)' {
        $tokens = $null; $errors = $null
        [void] [System.Management.Automation.Language.Parser]::ParseFile($File, [ref] $tokens, [ref] $errors)
        $newer = @($tokens | Where-Object {
                $_.Kind -in @('QuestionMark', 'QuestionQuestion', 'QuestionQuestionEquals', 'AndAnd', 'OrOr', 'QuestionDot', 'QuestionLBracket')
            })
        $newer | Should -BeNullOrEmpty
    }

    It 'uses -AllUsers unless profiles are given, and imports the module by name by default' {
        $text = Get-Content -LiteralPath $File -Raw
        $text | Should -Match "\['AllUsers'\]\s*=\s*\`$true"
        $text | Should -Match 'Import-Module -Name NpmHardening'
    }
}

Describe 'Intune Remediations against temp profiles' {
    BeforeEach {
        $m = New-TestMachine
    }
    AfterEach {
        if (-not $OnWindows) { & chmod -R u+rwx $m.Root 2>$null }
        Remove-Item -LiteralPath $m.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'detects (exit 1), remediates every profile (exit 0), then detects compliance (exit 0)' {
        $alice = New-Profile $m 'alice' "strict-ssl=false`naudit=false`n"
        $bob = New-Profile $m 'bob' ''

        $before = Invoke-IntuneScript $Detect $m @($alice, $bob)
        $before.ExitCode | Should -Be 1 -Because $before.Stderr
        $before.Lines.Count | Should -Be 1
        $before.Lines[0].Length | Should -BeLessOrEqual 2048
        $before.Lines[0] | Should -BeLike 'NON-COMPLIANT (Recommended)*strict-ssl*'
        # detection writes nothing
        [System.IO.File]::ReadAllText((Join-Path $alice '.npmrc')) | Should -Be "strict-ssl=false`naudit=false`n"
        Join-Path $bob '.npmrc' | Should -Not -Exist

        $fix = Invoke-IntuneScript $Remediate $m @($alice, $bob)
        $fix.ExitCode | Should -Be 0 -Because "$($fix.Stdout) $($fix.Stderr)"
        $fix.Lines.Count | Should -Be 1
        $fix.Lines[0].Length | Should -BeLessOrEqual 2048
        $fix.Lines[0] | Should -BeLike 'REMEDIATED*strict-ssl*'
        [System.IO.File]::ReadAllText((Join-Path $alice '.npmrc')) | Should -Match '(?m)^strict-ssl=true'
        Join-Path $bob '.npmrc' | Should -Exist

        $after = Invoke-IntuneScript $Detect $m @($alice, $bob)
        $after.ExitCode | Should -Be 0 -Because $after.Stdout
        $after.Lines.Count | Should -Be 1
        $after.Lines[0] | Should -BeLike 'COMPLIANT (Recommended)*'
    }

    It 'an end-of-life node is not compliant before or after remediation, and the line names the rule (never COMPLIANT with exit 0)' {
        $alice = New-Profile $m 'alice' "audit=false`n"
        $fix = Invoke-IntuneScript $Remediate $m @($alice) -Node '16.20.2'
        $fix.ExitCode | Should -Be 1 -Because $fix.Stdout
        $fix.Lines[0] | Should -BeLike 'NOT REMEDIATED*NPMH1003*'
        [System.IO.File]::ReadAllText((Join-Path $alice '.npmrc')) | Should -Match '(?m)^audit=true'
        $seen = Invoke-IntuneScript $Detect $m @($alice) -Node '16.20.2'
        $seen.ExitCode | Should -Be 1
        $seen.Lines.Count | Should -Be 1
        $seen.Lines[0] | Should -BeLike 'NON-COMPLIANT (Recommended)*NPMH1003*'
        $seen.Lines[0] | Should -Not -BeLike '*COMPLIANT (Recommended): 1 context*'
    }

    It 'a missing profile folder is not compliant, with the folder in the line' {
        $alice = New-Profile $m 'alice' ''
        (Invoke-IntuneScript $Remediate $m @($alice)).ExitCode | Should -Be 0
        $gone = Join-Path $m.Root 'gone'
        $seen = Invoke-IntuneScript $Detect $m @($alice, $gone)
        $seen.ExitCode | Should -Be 1
        $seen.Lines.Count | Should -Be 1
        $seen.Lines[0] | Should -BeLike "NON-COMPLIANT*$gone*"
    }

    It 'a private registry is compliant only with -AllowedRegistry, as the posture judges it' {
        $alice = New-Profile $m 'alice' "registry=https://npm.corp.example/`n"
        (Invoke-IntuneScript $Remediate $m @($alice)).ExitCode | Should -Be 1
        $seen = Invoke-IntuneScript $Detect $m @($alice)
        $seen.ExitCode | Should -Be 1
        $seen.Lines[0] | Should -BeLike '*NPMH2003*'
        $allowed = Invoke-IntuneScript $Detect $m @($alice) -More @('-AllowedRegistry', 'https://registry.npmjs.org/,https://npm.corp.example/')
        $allowed.ExitCode | Should -Be 0 -Because $allowed.Stdout
        $allowed.Lines[0] | Should -BeLike 'COMPLIANT (Recommended)*'
    }

    It 'remediation is idempotent: a second run changes nothing and exits 0' {
        $alice = New-Profile $m 'alice' "audit=false`n"
        (Invoke-IntuneScript $Remediate $m @($alice)).ExitCode | Should -Be 0
        $hash = (Get-FileHash -LiteralPath (Join-Path $alice '.npmrc')).Hash
        $again = Invoke-IntuneScript $Remediate $m @($alice)
        $again.ExitCode | Should -Be 0
        $again.Lines.Count | Should -Be 1
        $again.Lines[0] | Should -BeLike 'REMEDIATED*0 setting(s) changed*COMPLIANT (Recommended)*'
        (Get-FileHash -LiteralPath (Join-Path $alice '.npmrc')).Hash | Should -Be $hash
    }

    It 'honours -Baseline (Strict after Recommended is still non-compliant)' {
        $alice = New-Profile $m 'alice' "audit=false`n"
        (Invoke-IntuneScript $Remediate $m @($alice) 'Recommended').ExitCode | Should -Be 0
        $strict = Invoke-IntuneScript $Detect $m @($alice) 'Strict'
        $strict.Lines.Count | Should -Be 1
        $strict.Lines[0] | Should -BeLike '*Strict*'
        if ($strict.ExitCode -eq 0) { Set-ItResult -Skipped -Because 'Strict sets nothing beyond Recommended on this npm' }
        $strict.ExitCode | Should -Be 1
    }

    It 'never writes a planted token to its output' {
        $token = New-NpmToken
        $alice = New-Profile $m 'alice' "strict-ssl=false`n//registry.npmjs.org/:_authToken=$token`n"
        $bob = New-Profile $m 'bob' "_authToken=$token`naudit=false`n"
        foreach ($script in @($Detect, $Remediate, $Detect)) {
            $run = Invoke-IntuneScript $script $m @($alice, $bob)
            $run.Lines.Count | Should -Be 1
            $run.Lines[0].Length | Should -BeLessOrEqual 2048
            $run.Stdout | Should -Not -BeLike "*$token*"
            $run.Stderr | Should -Not -BeLike "*$token*"
            $run.Stdout | Should -Not -BeLike "*$($token.Substring(4, 20))*"
        }
        # the token stays where it was: remediation changes settings, not credentials
        [System.IO.File]::ReadAllText((Join-Path $alice '.npmrc')) | Should -BeLike "*$token*"
    }

    It 'keeps to one line of at most 2,048 characters with many profiles' {
        $profiles = @(1..40 | ForEach-Object { New-Profile $m ("user-with-a-rather-long-profile-folder-name-{0:00}" -f $_) "strict-ssl=false`naudit=false`nignore-scripts=false`n" })
        $detect = Invoke-IntuneScript $Detect $m $profiles
        $detect.ExitCode | Should -Be 1
        $detect.Lines.Count | Should -Be 1
        $detect.Lines[0].Length | Should -BeLessOrEqual 2048
        $fix = Invoke-IntuneScript $Remediate $m $profiles
        $fix.ExitCode | Should -Be 0 -Because $fix.Stdout
        $fix.Lines.Count | Should -Be 1
        $fix.Lines[0].Length | Should -BeLessOrEqual 2048
    }

    It 'fails with one line and exit 1 when the module cannot be loaded' {
        $alice = New-Profile $m 'alice' "audit=false`n"
        $saved = $env:NPMH_MODULE_PATH
        try {
            $env:NPMH_MODULE_PATH = Join-Path $m.Root 'missing/NpmHardening.psd1'
            foreach ($script in @($Detect, $Remediate)) {
                $run = Invoke-IntuneScript $script $m @($alice)
                $run.ExitCode | Should -Be 1
                $run.Lines.Count | Should -Be 1
                $run.Lines[0] | Should -BeLike '*failed*'
            }
        }
        finally { $env:NPMH_MODULE_PATH = $saved }
    }
}
