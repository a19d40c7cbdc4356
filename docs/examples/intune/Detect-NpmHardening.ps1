#Requires -Version 5.1
<#
.SYNOPSIS
    Intune Remediations detection script: is npm hardened for every signed-in user of this device?

.DESCRIPTION
    Run as SYSTEM (the Intune default), it checks every real user profile of the device (-AllUsers); run as a
    user, or with -UserProfile, it checks those profiles only. The device is compliant when
    Test-NpmHardening finds nothing that Remediate-NpmHardening.ps1 would change for the baseline.
    Get-NpmSecurityPosture -Summary adds its one-line verdict (rules no config value fixes, such as an old
    node, are reported there but do not trigger remediation).

    Output: exactly one line (at most 2,048 characters, no secrets; tokens are redacted by the module and
    again here). Exit code 0 = compliant, 1 = not compliant (Intune then runs the remediation script).

    Windows PowerShell 5.1 compatible; saved as UTF-8 without BOM.

.PARAMETER Baseline
    Recommended (default), Strict or CI.

.PARAMETER ModulePath
    Path to NpmHardening.psd1 (or its folder). Default: $env:NPMH_MODULE_PATH, else the NpmHardening module
    installed on the device (Import-Module by name).

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

    $testErrors = @()
    $inDesiredState = Test-NpmHardening @target -Baseline $Baseline -ErrorAction SilentlyContinue -ErrorVariable +testErrors
    $postureErrors = @()
    $summary = Get-NpmSecurityPosture @target -Baseline $Baseline -Summary -ErrorAction SilentlyContinue -ErrorVariable +postureErrors

    $posture = 'posture unavailable'
    if ($null -ne $summary) { $posture = [string] $summary.Message }
    $errorCount = @($testErrors).Count + @($postureErrors).Count
    $errorText = ''
    if ($errorCount -gt 0) { $errorText = " ($errorCount error(s); first: $(@($testErrors + $postureErrors)[0]))" }

    if ($inDesiredState -eq $true -and @($testErrors).Count -eq 0) {
        Out-OneLine "COMPLIANT: npm settings match the $Baseline baseline.$errorText Posture: $posture"
        exit 0
    }
    Out-OneLine "NOT COMPLIANT: npm settings differ from the $Baseline baseline.$errorText Posture: $posture"
    exit 1
}
catch {
    Out-OneLine "NOT COMPLIANT: detection failed: $($_.Exception.Message)"
    exit 1
}
