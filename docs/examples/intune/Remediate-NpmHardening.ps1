#Requires -Version 5.1
<#
.SYNOPSIS
    Intune Remediations remediation script: applies an npm hardening baseline for every signed-in user.

.DESCRIPTION
    Run as SYSTEM (the Intune default), it writes the baseline into every real user profile's npm user config
    (Set-NpmHardening -AllUsers: each file keeps its owner and ACL, and is backed up first); run as a user, or
    with -UserProfile, it changes those profiles only. It then checks again with Test-NpmHardening, the same
    verdict as Detect-NpmHardening.ps1: what no config value fixes (an end-of-life node, a plaintext token, an
    npm_config_* variable that overrides the file) leaves the device not compliant, and the output says which.

    Output: exactly one line (at most 2,048 characters, no secrets). Exit code 0 = remediated (or nothing to
    do), 1 = still not compliant or failed.

    Windows PowerShell 5.1 compatible; saved as UTF-8 without BOM.

.PARAMETER Baseline
    Recommended (default), Strict or CI.

.PARAMETER ModulePath
    Path to NpmHardening.psd1 (or its folder). Default: $env:NPMH_MODULE_PATH, else the NpmHardening module
    installed on the device (Import-Module by name).

.PARAMETER AllowedRegistry
    Registries the baseline's rule NPMH2003 accepts (default: the public npm registry only), as
    Test-NpmHardening -AllowedRegistry takes them; give the detection script the same. With -File, give one
    string separated by commas.

.PARAMETER UserProfile
    Home folders to remediate instead of every profile of the device (tests, targeted runs). With -File, where
    an array cannot be passed, give one string with the folders separated by the path separator (';' on
    Windows, ':' elsewhere), as in PATH.
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
$ConfirmPreference = 'None'

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

    $setErrors = @()
    $changes = @(Set-NpmHardening @target -Baseline $Baseline -PassThru -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +setErrors)
    $files = @($changes | ForEach-Object { [string] $_.Path } | Select-Object -Unique)
    $keys = @($changes | ForEach-Object { [string] $_.Key } | Select-Object -Unique)

    $check = @{}
    $registries = @($AllowedRegistry | ForEach-Object { ([string] $_).Split(',') } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    if ($registries.Count -gt 0) { $check['AllowedRegistry'] = [string[]] $registries }
    $testErrors = @()
    $result = Test-NpmHardening @target @check -Baseline $Baseline -Detailed -ErrorAction SilentlyContinue -ErrorVariable +testErrors

    $done = "$($changes.Count) setting(s) changed in $($files.Count) file(s)"
    if ($keys.Count -gt 0) { $done += " [$($keys -join ', ')]" }
    $errorCount = @($setErrors).Count + @($testErrors).Count
    if ($errorCount -gt 0) { $done += "; $errorCount error(s); first: $(@($setErrors + $testErrors)[0])" }

    if ($null -ne $result -and $result.Compliant -eq $true -and $errorCount -eq 0) {
        Out-OneLine "REMEDIATED: $done. $($result.Message)"
        exit 0
    }
    $still = "NON-COMPLIANT ($Baseline): no verdict"
    if ($null -ne $result -and $result.Compliant -ne $true) { $still = [string] $result.Message }
    elseif ($null -ne $result) { $still = "NON-COMPLIANT ($Baseline): errors were reported" }
    Out-OneLine "NOT REMEDIATED: $done. $still"
    exit 1
}
catch {
    Out-OneLine "NOT REMEDIATED: remediation failed: $($_.Exception.Message)"
    exit 1
}
