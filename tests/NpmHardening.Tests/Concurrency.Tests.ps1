#Requires -Version 5.1
# Ten separate PowerShell processes run Set-NpmHardening against the same project .npmrc at the same moment, each
# setting its own key. The file lock, the re-read under it and the atomic replace must make every one of the ten
# changes land, keep every original line and comment, and leave no lock or temporary file behind.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')

    $pwsh = Get-PowerShellHost
    $script:HostPath = $pwsh.Path
    $script:HostPrefix = $pwsh.Prefix

    # Each child imports the module first, says it is ready, waits for the shared "go" file, then writes its one key.
    $script:ChildScript = @'
param([string] $Manifest, [string] $Project, [string] $Key, [string] $Value, [string] $Type, [string] $Ready, [string] $Go)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try {
    Import-Module -Name $Manifest
    $typed = switch ($Type) { 'Boolean' { [bool]::Parse($Value) } 'Int32' { [int] $Value } default { $Value } }
    [System.IO.File]::WriteAllText($Ready, [string] $PID)
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not [System.IO.File]::Exists($Go)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'the go signal never came' }
        Start-Sleep -Milliseconds 2
    }
    $changes = @(Set-NpmHardening -Scope Project -Path $Project -Setting @{ $Key = $typed } -PassThru -Confirm:$false -WarningAction SilentlyContinue)
    if ($changes.Count -ne 1 -or $changes[0].Key -ne $Key) { throw "expected one change of $Key, got $($changes.Count)" }
    exit 0
}
catch {
    [Console]::Error.WriteLine("$Key failed: $($_.Exception.Message)")
    exit 1
}
'@

    function ConvertTo-Argument([string] $Value) { '"' + ($Value -replace '"', '\"') + '"' }

    # Ten keys npm 11 knows, none in the original file, each with a value that is not npm's default (a default is
    # already compliant, so nothing would be written), that renders one way only, and that no other key of the ten
    # changes as npm derives it (save-exact=true empties save-prefix, for one).
    $script:Settings = [ordered]@{
        'audit-level'     = 'high'
        'maxsockets'      = 20
        'fund'            = $false
        'ignore-scripts'  = $true
        'save-exact'      = $true
        'engine-strict'   = $true
        'fetch-timeout'   = 120000  # not progress: its default is false on CI, which would leave nothing to write
        'update-notifier' = $false
        'prefer-online'   = $true
        'fetch-retries'   = 4
    }
    # how each is written in the file and printed by npm
    function Get-Expected([string] $Key) { "$($Settings[$Key])".ToLowerInvariant() }
    $script:Original = @(
        '# team settings: keep this header'
        '; a semicolon comment'
        'registry=https://registry.npmjs.org/'
        ''
        '# init defaults'
        'init-author-name=Test Person'
        'color=false'
        'loglevel=warn ; trailing comment stays'
    )
}

Describe '10 concurrent Set-NpmHardening processes on one file' {
    BeforeAll {
        $m = New-TestMachine
        $state = Join-Path $m.Root 'state'
        $npmrc = Join-Path $m.Project '.npmrc'
        Write-Utf8File $npmrc (($Original -join "`n") + "`n")
        $childPath = Join-Path $m.Root 'child.ps1'
        [System.IO.File]::WriteAllText($childPath, $ChildScript, (New-Object System.Text.UTF8Encoding $true))
        $go = Join-Path $m.Root 'go'

        $processes = @()
        $watch0 = [System.Diagnostics.Stopwatch]::StartNew()
        $i = 0
        foreach ($key in $Settings.Keys) {
            $ready = Join-Path $m.Root "ready-$i"
            $start = New-Object System.Diagnostics.ProcessStartInfo
            $start.FileName = $HostPath
            $arguments = @($HostPrefix) + @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $childPath,
                '-Manifest', $env:NPMH_MODULE_PATH, '-Project', $m.Project, '-Key', $key, '-Value', [string] $Settings[$key], '-Type', $Settings[$key].GetType().Name, '-Ready', $ready, '-Go', $go)
            $start.Arguments = ($arguments | ForEach-Object { ConvertTo-Argument $_ }) -join ' '
            $start.UseShellExecute = $false
            $start.RedirectStandardError = $true
            $start.RedirectStandardOutput = $true
            $start.WorkingDirectory = $m.Project
            # the machine's home, global prefix and backup store; no npm_config_* from the outer environment
            foreach ($name in @($start.EnvironmentVariables.Keys)) { if ($name -like 'npm_config_*') { $start.EnvironmentVariables.Remove($name) } }
            $start.EnvironmentVariables['HOME'] = $m.Home
            $start.EnvironmentVariables['USERPROFILE'] = $m.Home
            $start.EnvironmentVariables['PREFIX'] = $m.Prefix
            $start.EnvironmentVariables['XDG_STATE_HOME'] = $state
            $start.EnvironmentVariables['LOCALAPPDATA'] = $state
            $process = [System.Diagnostics.Process]::Start($start)
            # read both pipes as they fill, so no child blocks on a full pipe
            $processes += [pscustomobject]@{ Key = $key; Ready = $ready; Process = $process; Stdout = $process.StandardOutput.ReadToEndAsync(); Stderr = $process.StandardError.ReadToEndAsync() }
            $i++
        }

        # the barrier: all ten have imported the module and are polling for the go file
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (@($processes | Where-Object { -not (Test-Path -LiteralPath $_.Ready) -and -not $_.Process.HasExited }).Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 20
        }
        $script:ReadySeconds = $watch0.Elapsed.TotalSeconds
        $script:AllReady = @($processes | Where-Object { Test-Path -LiteralPath $_.Ready }).Count
        [System.IO.File]::WriteAllText($go, 'go')
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        foreach ($p in $processes) {
            if (-not $p.Process.WaitForExit(120000)) { $p.Process.Kill() }
            $p.Process.WaitForExit()
        }
        $script:WriteSeconds = $watch.Elapsed.TotalSeconds
        Write-Host ("    10 processes: ready after {0:0.0} s, all written {1:0.0} s after go" -f $ReadySeconds, $WriteSeconds)
        $script:Results = @($processes | ForEach-Object {
            [pscustomobject]@{ Key = $_.Key; ExitCode = $_.Process.ExitCode; Output = ($_.Stdout.Result + $_.Stderr.Result).Trim() }
        })
        $script:Final = [System.IO.File]::ReadAllText($npmrc)
        $script:FinalLines = @($Final -split "`n")
        $script:Machine = $m
    }
    AfterAll {
        Remove-Item -LiteralPath $Machine.Root -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'started all ten together and each exited 0' {
        $AllReady | Should -Be 10
        foreach ($r in $Results) { $r.ExitCode | Should -Be 0 -Because "the process setting $($r.Key) said: $($r.Output)" }
    }

    It 'kept every one of the ten changes' {
        foreach ($key in $Settings.Keys) {
            @($FinalLines | Where-Object { $_ -eq "$key=$(Get-Expected $key)" }).Count | Should -Be 1 -Because "$key must be set once"
        }
    }

    It 'kept every original line and comment, in order, and added nothing else' {
        $position = 0
        foreach ($line in $FinalLines) { if ($position -lt $Original.Count -and $line -eq $Original[$position]) { $position++ } }
        $position | Should -Be $Original.Count -Because "the original lines must all be there in order:`n$Final"
        $Final.EndsWith("`n") | Should -BeTrue
        $FinalLines.Count | Should -Be ($Original.Count + $Settings.Count + 1) # the final newline leaves one empty piece
    }

    It 'left no lock or temporary file beside it' {
        @(Get-ChildItem -LiteralPath $Machine.Project -Force | Where-Object { $_.Name -like '*npmhardening*' } | ForEach-Object Name) | Should -BeNullOrEmpty
    }

    It 'kept one backup per change' {
        $manifests = @(Get-ChildItem -LiteralPath (Join-Path $Machine.Root 'state') -Recurse -File -Filter '*.json' -ErrorAction SilentlyContinue)
        $manifests.Count | Should -Be 10
    }

    It 'is read by npm as written' -Skip:(-not (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)) {
        Push-Location -LiteralPath $Machine.Project
        $saved = @{ HOME = $env:HOME; USERPROFILE = $env:USERPROFILE; PREFIX = $env:PREFIX }
        try {
            $env:HOME = $Machine.Home; $env:USERPROFILE = $Machine.Home; $env:PREFIX = $Machine.Prefix
            $json = (& npm config list --json 2>$null) -join "`n" | ConvertFrom-Json
        }
        finally {
            foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
            Pop-Location
        }
        foreach ($key in $Settings.Keys) { "$($json.$key)".ToLowerInvariant() | Should -Be (Get-Expected $key) -Because "npm reads $key" }
    }
}
