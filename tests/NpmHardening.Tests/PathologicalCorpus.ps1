# The pathological-profile corpus (issue 10, section C), shared by Pathological.Tests.ps1 (every cmdlet finishes and
# reports the right error) and tests/NpmHardening.Benchmarks/Invoke-PathologicalBenchmark.ps1 (time and peak memory).
# Each case is one throwaway "machine" (home, prefix, project with a sub-project) whose user config, or project config,
# is hostile: a FIFO, a socket, a device, a 5 MB line, 9 million keys, deep ${ nesting, ${VAR} amplification...
# Dot-source it after TestMachine.ps1 (New-TestMachine, Write-Utf8File).

# What each cmdlet that reads config files runs against a case: $m is the machine, $e its -Environment table. Text, so
# that a child PowerShell can run it; Get-NpmAccount/Get-NpmAccessToken ask a closed loopback port (port 9, discard).
$script:PathologicalCmdlets = [ordered]@{
    'Get-NpmConfig'                   = 'Get-NpmConfig -Path $m.Project -Environment $e -All'
    'Get-NpmSecurityPosture'          = 'Get-NpmSecurityPosture -Path $m.Project -Environment $e'
    'Get-NpmSecurityPosture -Recurse' = 'Get-NpmSecurityPosture -Path $m.Project -Recurse -Environment $e'
    'Test-NpmrcToken'                 = 'Test-NpmrcToken -Path $m.Project -Environment $e'
    'Test-NpmrcToken -Recurse'        = 'Test-NpmrcToken -Path $m.Root -Recurse -Environment $e'
    'Set-NpmHardening -WhatIf'        = 'Set-NpmHardening -Environment $e -WhatIf'
    'Test-NpmHardening'               = 'Test-NpmHardening -Environment $e'
    'Protect-NpmrcToken -WhatIf'      = 'Protect-NpmrcToken -LiteralPath $m.UserNpmrc -WhatIf'
    'Get-NpmAccount'                  = 'Get-NpmAccount -Registry http://127.0.0.1:9/ -Environment $e -TimeoutSec 5'
    'Get-NpmAccessToken'              = 'Get-NpmAccessToken -Registry http://127.0.0.1:9/ -Environment $e -TimeoutSec 5'
    'Get-NpmHardeningBackup'          = 'Get-NpmHardeningBackup -Path $m.UserNpmrc -Environment $e'
    'Restore-NpmHardening -WhatIf'    = 'Restore-NpmHardening -Path $m.UserNpmrc -Latest -Environment $e -WhatIf'
}

# Large files are written by a few lines of C#: a PowerShell loop over 63 million bytes would take minutes.
if (-not ('NpmhPathologicalFiles' -as [type])) {
    Add-Type -TypeDefinition @'
using System.IO;
public static class NpmhPathologicalFiles
{
    /// <summary>One line: the prefix, then letters a..z repeated up to count bytes in all, without a line break.</summary>
    public static void Letters(string path, string prefix, int count)
    {
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = i < prefix.Length ? (byte)prefix[i] : (byte)('a' + i % 26);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>count lines "key=1", each key the next number in base 36, padded to width characters.</summary>
    public static void Keys(string path, int count, int width)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        using (var stream = new BufferedStream(File.Create(path), 1 << 20))
        {
            var line = new byte[width + 3];
            line[width] = (byte)'='; line[width + 1] = (byte)'1'; line[width + 2] = (byte)'\n';
            for (int k = 0; k < count; k++)
            {
                int n = k;
                for (int j = width - 1; j >= 0; j--) { line[j] = (byte)digits[n % 36]; n /= 36; }
                stream.Write(line, 0, line.Length);
            }
        }
    }
}
'@
}

function New-PathologicalCorpus {
    # Returns one object per case: Name, Machine, Environment, Expect (error ids per reader; posture's NPMH9005 Actual).
    $cases = New-Object System.Collections.Generic.List[object]
    function Add-Case([string] $Name, [scriptblock] $Plant, [hashtable] $Expect, [hashtable] $Extra = @{}) {
        $m = New-TestMachine
        $m | Add-Member NoteProperty UserNpmrc (Join-Path $m.Home '.npmrc')
        $sub = Join-Path $m.Project 'sub'
        New-Item -ItemType Directory -Path $sub -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $sub 'package.json') -Value '{}' -NoNewline
        $m | Add-Member NoteProperty SubNpmrc (Join-Path $sub '.npmrc')
        & $Plant $m
        $envTable = Get-TestEnvironment $m (@{ XDG_STATE_HOME = (Join-Path $m.Root 'state'); LOCALAPPDATA = (Join-Path $m.Root 'state') } + $Extra)
        $cases.Add([pscustomobject]@{ Name = $Name; Machine = $m; Environment = $envTable; Expect = $Expect })
    }
    $special = @{ Config = 'NpmrcNotRegularFile'; Posture = 'NotRegularFile'; Scan = 'NpmrcNotRegularFile'; Set = 'NpmrcNotRegularFile'; Protect = 'NpmrcNotRegularFile' }
    $limit = @{ Config = 'NpmrcLimitExceeded'; Posture = 'LimitExceeded'; Scan = 'NpmrcLimitExceeded'; Set = 'NpmrcLimitExceeded'; Protect = 'NpmrcLimitExceeded' }

    # a FIFO as ~/.npmrc and as a sub-project's .npmrc: open(2) would wait for a writer forever
    Add-Case 'FIFO' { param($m) & mkfifo $m.UserNpmrc; & mkfifo $m.SubNpmrc } $special
    # a socket as ~/.npmrc (the file stays when the listener is gone)
    Add-Case 'socket' {
        param($m)
        $socket = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::Unix, [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Unspecified)
        try { $socket.Bind([System.Net.Sockets.UnixDomainSocketEndPoint]::new($m.UserNpmrc)) } finally { $socket.Dispose() }
    } $special
    # a character device: ~/.npmrc -> /dev/zero, which never ends (what a user who cannot mknod plants)
    Add-Case 'device' { param($m) [System.IO.File]::CreateSymbolicLink($m.UserNpmrc, '/dev/zero') | Out-Null } $special
    # one 5 MB line of letters, a value (as the issue's backtracking case)
    Add-Case '5 MB line of letters' {
        param($m) [NpmhPathologicalFiles]::Letters($m.UserNpmrc, 'proxy=', 5MB)
    } $limit
    # a value of letters just inside the line limit, in the keys whose values every secret scan reads
    Add-Case '1 MB values of letters' {
        param($m)
        $letters = New-Object string ([char] 'a'), (1MB - 64)
        Write-Utf8File $m.UserNpmrc ("proxy=${letters}://@`nregistry=${letters}`n")
        Write-Utf8File (Join-Path $m.Project '.npmrc') ("ca=$letters`n")
    } @{}
    # the most a file may hold: seven values of letters just inside the line limit, 7 MiB in all
    Add-Case '7 MiB of long values' {
        param($m)
        $letters = New-Object string ([char] 'a'), (1MB - 64)
        Write-Utf8File $m.UserNpmrc ((@('proxy', 'https-proxy', 'registry', 'ca', 'cafile', 'unknown-a', 'unknown-b') | ForEach-Object { "$_=$letters" }) -join "`n")
    } @{}
    # 9 million short keys (63 MB, under the old 64 MiB limit): 4 base-36 characters, '=', '1', newline
    Add-Case '9M keys' {
        param($m) [NpmhPathologicalFiles]::Keys($m.UserNpmrc, 9000000, 4)
    } @{ Config = 'NpmrcTooLargeToRead'; Posture = 'TooLargeToRead'; Scan = 'NpmrcTooLarge'; Set = 'NpmrcLimitExceeded'; Protect = 'NpmrcTooLarge' }
    # 1 million distinct keys inside the size limit (7 MB): the settings limit stops the parse at key 10,001
    Add-Case '1M keys in 7 MB' {
        param($m) [NpmhPathologicalFiles]::Keys($m.UserNpmrc, 1000000, 4)
    } $limit
    # ${ nested 250,000 deep (1 MB, inside the line limit): npm's expression finds nothing; the scan is linear
    Add-Case 'deep ${ nesting' {
        param($m) Write-Utf8File $m.UserNpmrc ('key=' + ('${' * 250000) + 'HOME' + ('}' * 250000) + "`n//registry.npmjs.org/:_authToken=" + ('${' * 100000) + "NPM_TOKEN}`n")
    } @{}
    # ${VAR} amplification: 2,000 short lines of eight references to a 128 KiB variable, 2 Gi characters expanded
    Add-Case '${VAR} amplification' {
        param($m) Write-Utf8File $m.UserNpmrc ((1..2000 | ForEach-Object { "//h$_.example/:_authToken=" + ('${BIG}' * 8) }) -join "`n")
    } @{ Config = 'NpmrcLimitExceeded'; Posture = 'LimitExceeded'; Scan = 'NpmrcLimitExceeded' } @{ BIG = ('x' * 128KB) }
    # a [section] nested 100,000 levels by its dots
    Add-Case 'deep section' { param($m) Write-Utf8File $m.UserNpmrc ('[' + ('a.' * 100000) + "b]`nx=1`n") } $limit
    return $cases
}

function Get-PathologicalChildScript([string] $ModulePath, [string] $CaseFile, [string[]] $Cmdlets) {
    # A script for a child PowerShell: imports the module, rebuilds the case from its JSON file, runs the cmdlets in
    # order. Before each it prints "START <name>", after it one "RESULT <json>" line: time, error ids, NPMH9005
    # statuses/actuals, booleans, object count, peak working set of the process so far.
    $names = ($Cmdlets | ForEach-Object { "'" + $_.Replace("'", "''") + "'" }) -join ', '
    $table = ($PathologicalCmdlets.Keys | Where-Object { $Cmdlets -contains $_ } | ForEach-Object {
            "'" + $_.Replace("'", "''") + "' = { " + $PathologicalCmdlets[$_] + " }"
        }) -join "`n"
    return @"
`$ErrorActionPreference = 'Continue'
`$ProgressPreference = 'SilentlyContinue'
`$WarningPreference = 'SilentlyContinue'
`$ConfirmPreference = 'None'
Import-Module '$($ModulePath.Replace("'", "''"))'
`$case = Get-Content -LiteralPath '$($CaseFile.Replace("'", "''"))' -Raw | ConvertFrom-Json
`$m = `$case.Machine
`$e = @{}; foreach (`$p in `$case.Environment.PSObject.Properties) { `$e[`$p.Name] = [string] `$p.Value }
`$env:XDG_STATE_HOME = `$e['XDG_STATE_HOME']; `$env:LOCALAPPDATA = `$e['LOCALAPPDATA']
`$cmdlets = @{
$table
}
foreach (`$name in @($names)) {
    [Console]::Out.WriteLine('START ' + `$name); [Console]::Out.Flush()
    `$watch = [System.Diagnostics.Stopwatch]::StartNew()
    `$out = @(& `$cmdlets[`$name] 2>&1 3>&1 6>&1)
    `$ms = `$watch.Elapsed.TotalMilliseconds
    `$errors = @(`$out | Where-Object { `$_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { `$_.FullyQualifiedErrorId.Split(',')[0] })
    `$objects = @(`$out | Where-Object { `$_ -isnot [System.Management.Automation.ErrorRecord] -and `$_ -isnot [System.Management.Automation.WarningRecord] -and `$_ -isnot [System.Management.Automation.InformationRecord] })
    `$broken = @(`$objects | Where-Object { `$_.PSObject.Properties['RuleId'] -and `$_.RuleId -eq 'NPMH9005' -and "`$(`$_.Status)" -ne 'Pass' } | ForEach-Object { "`$(`$_.Status)/`$(`$_.Actual)" })
    `$bools = @(`$objects | Where-Object { `$_ -is [bool] })
    `$peak = [System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64
    `$result = [ordered]@{ Cmdlet = `$name; Ms = `$ms; Errors = `$errors; Broken = `$broken; Bools = `$bools; Objects = `$objects.Count; PeakBytes = `$peak }
    [Console]::Out.WriteLine('RESULT ' + (ConvertTo-Json -InputObject `$result -Compress -Depth 3)); [Console]::Out.Flush()
}
"@
}

function Invoke-PathologicalChild {
    # Runs the cmdlets against one case in a child PowerShell with a timeout. Returns @{ Results; TimedOut; Started;
    # ExitCode; Stderr }: Started is the last cmdlet that began (the one that hung when TimedOut).
    param([object] $Case, [string] $ModulePath, [string[]] $Cmdlets, [int] $TimeoutSec, [string[]] $Pwsh)
    $caseFile = Join-Path $Case.Machine.Root 'case.json'
    ConvertTo-Json -InputObject @{ Machine = $Case.Machine; Environment = $Case.Environment } -Depth 4 | Set-Content -LiteralPath $caseFile -Encoding UTF8
    $scriptFile = Join-Path $Case.Machine.Root 'child.ps1'
    Set-Content -LiteralPath $scriptFile -Value (Get-PathologicalChildScript $ModulePath $caseFile $Cmdlets) -Encoding UTF8
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Pwsh[0])
    foreach ($a in @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $scriptFile)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.RedirectStandardInput = $true; $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    $timedOut = -not $process.WaitForExit($TimeoutSec * 1000)
    if ($timedOut) { $process.Kill($true); $process.WaitForExit() }
    $lines = @($stdout.Result -split "`r?`n")
    $results = @($lines | Where-Object { $_.StartsWith('RESULT ') } | ForEach-Object { $_.Substring(7) | ConvertFrom-Json })
    $started = @($lines | Where-Object { $_.StartsWith('START ') } | ForEach-Object { $_.Substring(6) }) | Select-Object -Last 1
    $exit = $process.ExitCode
    $process.Dispose()
    return @{ Results = $results; TimedOut = $timedOut; Started = $started; ExitCode = $exit; Stderr = $stderr.Result }
}

function Get-PathologicalPwsh {
    # The PowerShell running this script, as an argument list (dotnet pwsh.dll when run through the dotnet tool).
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $exe = $process.MainModule.FileName
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}
