#Requires -Version 5.1
<#
.SYNOPSIS
    Intune Remediations detection script: is npm hardened for every signed-in user of this device?

.DESCRIPTION
    Run as SYSTEM (the Intune default), it checks every real user profile of the device (-AllUsers); run as a
    user, or with -UserProfile, it checks those profiles only.

    The verdict is Test-NpmHardening's, the one definition of compliant that Get-NpmSecurityPosture -Summary
    and the DSC resources share (about_NpmHardening, "WHAT COMPLIANT MEANS"): every rule of the baseline
    passes for every profile, judged on the value npm actually uses (an npm_config_* variable or another
    layer that overrides the user's file counts), and Remediate-NpmHardening.ps1 would change nothing. A
    profile that cannot be evaluated, no profile at all, or any error is NOT compliant. Rules that no config
    value fixes (an end-of-life node, a plaintext token) stay not compliant after remediation: Intune then
    shows the remediation as failed, with the rule in the output, which is the truth.

    Output: exactly one line (at most 2,048 characters, no secrets; tokens are redacted by the module and
    again here): "COMPLIANT (<baseline>): ..." or "NON-COMPLIANT (<baseline>): N reasons in M contexts -- <rule
    or reason> <setting> (<layer>: <variable or file:line>); ...". Exit code 0 = compliant, 1 = not compliant
    (Intune then runs the remediation script).

    Windows PowerShell 5.1 compatible; saved as UTF-8 without BOM.

.PARAMETER Baseline
    Recommended (default), Strict or CI.

.PARAMETER ModulePath
    Path to NpmHardening.psd1 (or its folder). Default: $env:NPMH_MODULE_PATH, else the NpmHardening module
    installed on the device (Import-Module by name).

.PARAMETER AllowedRegistry
    Registries the baseline's rule NPMH2003 accepts besides none (default: the public npm registry only), as
    Test-NpmHardening -AllowedRegistry takes them. With -File, give one string separated by commas.

.PARAMETER UserProfile
    Home folders to check instead of every profile of the device (tests, targeted runs). With -File, where an
    array cannot be passed, give one string with the folders separated by the path separator (';' on Windows,
    ':' elsewhere), as in PATH.
#>
[CmdletBinding()]
param(
    [ValidateSet('Recommended', 'Strict', 'CI')]
    [string] $Baseline = 'Recommended',

    [string] $ModulePath,

    [string[]] $AllowedRegistry,

    [string[]] $UserProfile
)

$ErrorActionPreference = 'Stop'
$WarningPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$ProgressPreference = 'SilentlyContinue'

$MaxLength = 2048

function Out-OneLine([string] $Text) {
    # One line, secrets redacted, within Intune's 2,048-character limit.
    if ($null -eq $Text) { $Text = '' }
    $Text = [regex]::Replace($Text, '[\r\n]+', ' ')
    $Text = [regex]::Replace($Text, 'npm_[A-Za-z0-9]{36}', 'npm_***')
    $Text = [regex]::Replace($Text, '(?i)(_authToken|_auth|_password|token|password)\s*[=:]\s*\S+', '$1=***')
    if ($Text.Length -gt $MaxLength) { $Text = $Text.Substring(0, $MaxLength - 3) + '...' }
    Write-Output $Text
}

try {
    if (-not $ModulePath) { $ModulePath = $env:NPMH_MODULE_PATH }
    if ($ModulePath) { Import-Module -Name $ModulePath -Force -ErrorAction Stop }
    else { Import-Module -Name NpmHardening -ErrorAction Stop }

    $profiles = @($UserProfile | ForEach-Object { ([string] $_).Split([System.IO.Path]::PathSeparator) } | Where-Object { $_ })
    $target = @{}
    if ($profiles.Count -gt 0) { $target['UserProfile'] = [string[]] $profiles } else { $target['AllUsers'] = $true }

    $registries = @($AllowedRegistry | ForEach-Object { ([string] $_).Split(',') } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($registries.Count -gt 0) { $target['AllowedRegistry'] = [string[]] $registries }

    # One verdict: Test-NpmHardening -Detailed (the posture of every profile plus what remediation would change).
    $testErrors = @()
    $result = Test-NpmHardening @target -Baseline $Baseline -Detailed -ErrorAction SilentlyContinue -ErrorVariable +testErrors
    $errorText = ''
    if (@($testErrors).Count -gt 0) { $errorText = " ($(@($testErrors).Count) error(s); first: $(@($testErrors)[0]))" }

    if ($null -ne $result -and $result.Compliant -eq $true -and @($testErrors).Count -eq 0) {
        Out-OneLine ([string] $result.Message)
        exit 0
    }
    # never a line that starts COMPLIANT with exit code 1: errors beside a clean result are themselves the reason
    if ($null -eq $result) { $verdict = "NON-COMPLIANT ($Baseline): no verdict" }
    elseif ($result.Compliant -ne $true) { $verdict = [string] $result.Message }
    else { $verdict = "NON-COMPLIANT ($Baseline): the checks reported errors" }
    Out-OneLine "$verdict$errorText"
    exit 1
}
catch {
    Out-OneLine "NON-COMPLIANT ($Baseline): detection failed: $($_.Exception.Message)"
    exit 1
}
