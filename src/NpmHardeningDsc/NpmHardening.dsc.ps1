#Requires -Version 5.1
<#
.SYNOPSIS
    DSC v3 command resource NpmHardening/Hardening (see NpmHardening.dsc.resource.json): get, test or set one
    instance given as JSON on stdin; writes the instance's state as one line of JSON on stdout.

.DESCRIPTION
    The same logic as the class-based DSC resource: an instance of [NpmHardening] from NpmHardeningDsc.psm1, loaded
    with the NpmHardeningDsc module from this folder (else the installed module by name), which loads NpmHardening.

    Input properties: scope (User|Global|Builtin|Project, default User), target ('~' = this account, default;
    '*' = all users; a home folder; for Project a project folder), baseline (Recommended|Strict|CI), settings
    (object of npm key = value), allowedRegistry (registries the baseline's NPMH2003 accepts), environment
    (object of environment variables, for what-if and tests; never echoed back).
    Output: scope, target, baseline, settings (current values of the keys concerned, secrets redacted),
    compliant, pendingChanges, reasons ({code, phrase} per reason: the failed rule or the override, with the
    layer and variable that decide it); test adds _inDesiredState, which is exactly compliant (the definition
    Test-NpmHardening, Get-NpmSecurityPosture -Summary and the Intune detection script share).
    Exit code 0 = success, 1 = error (message on stderr): an instance that cannot be evaluated (a setting no npm
    accepts, a misspelled key, a target folder that does not exist, an unreadable file) is an error, never
    "in desired state".
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet('get', 'set', 'test')]
    [string] $Operation,

    [Parameter(ValueFromPipeline = $true)]
    [string] $InputJson
)

begin {
    $lines = New-Object System.Collections.Generic.List[string]
}

process {
    if ($null -ne $InputJson) { $lines.Add($InputJson) }
}

end {
    $ErrorActionPreference = 'Stop'
    $WarningPreference = 'SilentlyContinue'
    $VerbosePreference = 'SilentlyContinue'
    $InformationPreference = 'SilentlyContinue'
    $ProgressPreference = 'SilentlyContinue'

    function ConvertTo-Hashtable($Object) {
        $table = @{}
        if ($null -eq $Object) { return $table }
        if ($Object -is [System.Collections.IDictionary]) { foreach ($k in $Object.Keys) { $table[[string] $k] = $Object[$k] }; return $table }
        foreach ($property in $Object.PSObject.Properties) { $table[$property.Name] = $property.Value }
        return $table
    }

    function Get-InputValue($Object, [string] $Name, $Default) {
        $property = $Object.PSObject.Properties[$Name]
        if ($null -eq $property -or $null -eq $property.Value) { return $Default }
        return $property.Value
    }

    try {
        $json = ($lines.ToArray() -join "`n").Trim()
        if ($json.Length -eq 0 -and [Console]::IsInputRedirected) { $json = [Console]::In.ReadToEnd().Trim() }
        if ($json.Length -eq 0) { throw 'No input: pass the instance as JSON on stdin.' }
        $desired = $json | ConvertFrom-Json

        # The DSC module in this folder (the built or installed NpmHardeningDsc), else by name; it loads NpmHardening
        # through its RequiredModules.
        $manifest = Join-Path $PSScriptRoot 'NpmHardeningDsc.psd1'
        if (Test-Path -LiteralPath $manifest) { $dsc = Import-Module -Name $manifest -PassThru -ErrorAction Stop }
        else { $dsc = Import-Module -Name NpmHardeningDsc -PassThru -ErrorAction Stop }
        $dsc = @($dsc | Where-Object { $_.Name -eq 'NpmHardeningDsc' })[0]

        $resource = & $dsc { [NpmHardening]::new() }
        $resource.Scope = [string] (Get-InputValue $desired 'scope' 'User')
        $resource.Target = [string] (Get-InputValue $desired 'target' '~')
        $resource.Baseline = [string] (Get-InputValue $desired 'baseline' 'Recommended')
        $settings = Get-InputValue $desired 'settings' $null
        if ($null -ne $settings) { $resource.Settings = ConvertTo-Hashtable $settings }
        $allowed = Get-InputValue $desired 'allowedRegistry' $null
        if ($null -ne $allowed) { $resource.AllowedRegistry = [string[]] @($allowed) }
        $environment = Get-InputValue $desired 'environment' $null
        if ($null -ne $environment) {
            $envTable = @{}
            $source = ConvertTo-Hashtable $environment
            foreach ($k in $source.Keys) { $envTable[$k] = [string] $source[$k] }
            $resource.Environment = $envTable
        }

        # stdout carries the one JSON line only: the resource's warnings (an override set cannot remove) go to stderr
        $state = $null
        . {
            if ($Operation -eq 'set') { $resource.Set() }
            $state = $resource.Get()
        } 3>&1 | ForEach-Object { [Console]::Error.WriteLine("WARNING: $_") }

        $output = [ordered]@{
            scope          = [string] $state.Scope
            target         = [string] $state.Target
            baseline       = [string] $state.Baseline
            settings       = $state.Settings
            compliant      = [bool] $state.Compliant
            pendingChanges = [string[]] @($state.PendingChanges)
            reasons        = @(@($state.Reasons) | Where-Object { $null -ne $_ } | ForEach-Object { [ordered]@{ code = [string] $_.Code; phrase = [string] $_.Phrase } })
        }
        if ($Operation -eq 'test') { $output['_inDesiredState'] = [bool] $state.Compliant }
        [Console]::Out.WriteLine(($output | ConvertTo-Json -Compress -Depth 5))
        exit 0
    }
    catch {
        [Console]::Error.WriteLine("NpmHardening/Hardening ${Operation}: $($_.Exception.Message)")
        exit 1
    }
}
