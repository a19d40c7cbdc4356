# Helpers of the report tests: findings built through the engine's own types (the engine loads lazily, in the
# default context, once a cmdlet of the module ran), and the external checkers: Microsoft's SARIF validator from
# .tools/ (build.ps1 -Task Bootstrap) and a headless chromium.

function Get-EngineType([string] $Name) {
    $null = @() | ConvertTo-NpmSarif
    $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'NpmHardening.Engine' } | Select-Object -First 1
    return $engine.GetType("NpmHardening.$Name", $true)
}

function New-TestFinding {
    param(
        [string] $RuleId = 'NPMH1001', [string] $Severity = 'High', [string] $Status = 'Fail',
        [string] $Message = 'Install scripts run.', [string] $Path, [int] $Line, [int] $Column, [string] $Uri,
        [string] $Name, [string] $Context = '/work/project', [string] $ComputerName = 'pc1', [string] $FactId,
        [string] $Justification, [string] $Title, [string[]] $WebSteps = @('Open the package settings.', 'Require two-factor authentication.')
    )
    $f = [Activator]::CreateInstance((Get-EngineType 'NpmFinding'))
    $f.RuleId = $RuleId
    $f.Title = if ($Title) { $Title } else { "Title of $RuleId" }
    $f.Area = 'Settings'
    $f.Severity = $Severity
    $f.Status = $Status
    $f.Message = $Message
    $f.Context = $Context
    $f.ComputerName = $ComputerName
    $location = [Activator]::CreateInstance((Get-EngineType 'NpmFindingLocation'))
    if ($Path) { $location.Path = $Path; if ($Line) { $location.Line = $Line }; if ($Column) { $location.Column = $Column } }
    if ($Uri) { $location.Uri = $Uri }
    if ($Name) { $location.Name = $Name }
    $f.Location = $location
    $f.FactId = if ($PSBoundParameters.ContainsKey('FactId')) { $FactId } else { "$RuleId|$($location.ToString())" }
    $r = [Activator]::CreateInstance((Get-EngineType 'NpmRemediation'))
    $r.Summary = 'Turn install scripts off.'
    $r.Setting = 'ignore-scripts'; $r.Value = 'true'; $r.Scope = 'user'
    $r.NpmCommand = 'npm config set ignore-scripts true --location=user'
    $r.WebSteps = $WebSteps
    $r.PowerShell = 'Set-NpmHardening -Setting ignore-scripts'
    $f.Remediation = $r
    $f.Reference = 'https://docs.npmjs.com/cli/v11/using-npm/config#ignore-scripts'
    if ($Justification) {
        $s = [Activator]::CreateInstance((Get-EngineType 'NpmFindingSuppression'))
        $s.Justification = $Justification
        $s.OriginalStatus = $Status
        $s.Expires = [datetime] '2027-06-30'
        $s.Source = '/etc/npmhardening/policy.psd1:12'
        $f.Status = 'Suppressed'
        $f.Suppression = $s
    }
    return $f
}

function Get-SarifMultitool {
    # The validator's own binary (the npm wrapper passes arguments through a shell).
    $root = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, '.tools', 'sarif-multitool', 'node_modules', '@microsoft')
    $os = if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { 'win32' } elseif ($IsMacOS) { 'darwin' } else { 'linux' }
    $exe = if ($os -eq 'win32') { 'Sarif.Multitool.exe' } else { 'Sarif.Multitool' }
    $path = [System.IO.Path]::Combine($root, "sarif-multitool-$os", $exe)
    if (Test-Path -LiteralPath $path) { return $path }
    return $null
}

function Invoke-SarifValidation([string] $Path) {
    # Returns the validator's errors and warnings (notes are advice: snippets, message ids). GitHub's rules included.
    $tool = Get-SarifMultitool
    $out = Join-Path ([System.IO.Path]::GetTempPath()) ("npmh-validate-" + [guid]::NewGuid().ToString('n') + '.sarif')
    try {
        $console = & $tool validate --rule-kind 'Sarif;Gh' --level 'Error;Warning' -o $out $Path 2>&1 | Out-String
        if (-not (Test-Path -LiteralPath $out)) { throw "sarif-multitool produced no output (exit $LASTEXITCODE): $console" }
        $log = Get-Content -LiteralPath $out -Raw | ConvertFrom-Json
        $problems = @($log.runs[0].results | Where-Object { $_.level -eq 'error' -or $_.level -eq 'warning' -or $null -eq $_.level } |
            ForEach-Object { "$($_.ruleId) $($_.level): $($_.message.text) $($_.message.arguments -join ' | ')" })
        # a run that failed (tool notifications of level error) counts as a problem too
        foreach ($invocation in @($log.runs[0].invocations)) {
            if ($invocation -and $invocation.executionSuccessful -eq $false) { $problems += "validator run failed: $console" }
        }
        return , $problems
    }
    finally { Remove-Item -LiteralPath $out -Force -ErrorAction SilentlyContinue }
}

function Get-Chromium {
    foreach ($name in @('chromium', 'chromium-browser', 'google-chrome')) {
        $command = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($command) { return $command.Source }
    }
    return $null
}
