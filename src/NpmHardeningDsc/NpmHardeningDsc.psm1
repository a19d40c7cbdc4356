#Requires -Version 5.1
<#
    Class-based DSC resource "NpmHardening": keeps one npm config file at a hardening baseline (or at explicit
    settings), through the module's own cmdlets (Test-NpmHardening, Set-NpmHardening, Get-NpmConfig).

    Keys. DSC needs every Key property to have a value, so the resource has two keys, both mandatory:
      Scope   User | Global | Builtin | Project (as Set-NpmHardening -Scope).
      Target  which user or project the Scope applies to:
                '~'         the account DSC runs as (its HOME/USERPROFILE, or -Environment's);
                '*'         every real user profile of the machine (-AllUsers; Scope User or Global);
                a folder    for Scope Project the project folder (-Path); otherwise a user's home folder
                            (-UserProfile).
    Non-key properties:
      Baseline         Recommended (default) | Strict | CI; used when Settings is empty.
      Settings         explicit key = value pairs (Set-NpmHardening -Setting) instead of a baseline. A key no
                       npm version defines, or a value no npm version accepts, is an error (never "in state").
      AllowedRegistry  registries the baseline's rule NPMH2003 accepts (Test-NpmHardening -AllowedRegistry).
      Environment      environment variables to resolve npm with instead of the process environment (what-if
                       analysis and tests; as the cmdlets' -Environment).
    Read-only (NotConfigurable), filled by Get():
      Compliant       Test-NpmHardening's answer: the definition Get-NpmSecurityPosture -Summary and the
                      Intune detection script share (about_NpmHardening, "WHAT COMPLIANT MEANS").
      PendingChanges  what Set() would change: "file: key old -> new (line)" per key (never secret values).
      Reasons         why not compliant, as Machine Configuration reads them: Code
                      "NpmHardening:NpmHardening:<code>" (a rule id such as NPMH2001, Overridden,
                      PendingChange, NotApplied…) and Phrase (the context, the reason, and the layer and
                      variable or file:line that decide the value).

    Test() and Get() throw, rather than answer, when the instance cannot be evaluated: an invalid Settings entry,
    a Target folder that does not exist, a file that cannot be read. A DSC engine reports that as an error.

    The root module of NpmHardeningDsc (NpmHardeningDsc.psd1: DscResourcesToExport, RequiredModules NpmHardening),
    which ships beside NpmHardening, so that Import-Module NpmHardening does not compile this class. Windows
    PowerShell 5.1 compatible.
#>

# One reason the instance is not in the desired state (Machine Configuration's Reasons convention).
class NpmHardeningReason {
    [DscProperty()]
    [string] $Code

    [DscProperty()]
    [string] $Phrase
}

[DscResource()]
class NpmHardening {
    [DscProperty(Key)]
    [ValidateSet('User', 'Global', 'Builtin', 'Project')]
    [string] $Scope

    [DscProperty(Key)]
    [string] $Target

    [DscProperty()]
    [ValidateSet('Recommended', 'Strict', 'CI')]
    [string] $Baseline = 'Recommended'

    [DscProperty()]
    [hashtable] $Settings

    [DscProperty()]
    [string[]] $AllowedRegistry

    [DscProperty()]
    [hashtable] $Environment

    [DscProperty(NotConfigurable)]
    [bool] $Compliant

    [DscProperty(NotConfigurable)]
    [string[]] $PendingChanges

    [DscProperty(NotConfigurable)]
    [NpmHardeningReason[]] $Reasons

    # The parameters shared by Test-NpmHardening and Set-NpmHardening for this instance.
    hidden [hashtable] TargetParameters() {
        if ([string]::IsNullOrWhiteSpace($this.Target)) { throw 'Target is required: ''~'' (this account), ''*'' (all users), a home folder, or for Scope Project a project folder.' }
        $parameters = @{ Scope = $this.Scope }
        if ($this.Environment -and $this.Environment.Count -gt 0) { $parameters['Environment'] = $this.Environment }
        if ($this.Scope -eq 'Project') {
            if ($this.Target -eq '*' -or $this.Target -eq '~') { throw "Scope Project needs a project folder as Target, not '$($this.Target)'." }
            $parameters['LiteralPath'] = [string[]] @($this.Target)
        }
        elseif ($this.Target -eq '*') { $parameters['AllUsers'] = $true }
        elseif ($this.Target -ne '~') { $parameters['UserProfile'] = [string[]] @($this.Target) }
        return $parameters
    }

    hidden [hashtable] DesiredParameters() {
        $parameters = $this.TargetParameters()
        if ($this.Settings -and $this.Settings.Count -gt 0) { $parameters['Setting'] = $this.Settings }
        else {
            $baselineName = $this.Baseline
            if ([string]::IsNullOrWhiteSpace($baselineName)) { $baselineName = 'Recommended' }
            $parameters['Baseline'] = $baselineName
        }
        return $parameters
    }

    # Test-NpmHardening's verdict with its reasons. Any error (a missing Target folder, an unreadable file) stops
    # here: an instance that cannot be evaluated is an error, never "in the desired state". An invalid Settings
    # entry already stops Test-NpmHardening at parameter binding.
    hidden [object] Evaluate() {
        $parameters = $this.DesiredParameters()
        if ($parameters.ContainsKey('Baseline') -and $this.AllowedRegistry -and $this.AllowedRegistry.Count -gt 0) { $parameters['AllowedRegistry'] = $this.AllowedRegistry }
        return NpmHardening\Test-NpmHardening @parameters -Detailed -ErrorAction Stop -WarningAction SilentlyContinue
    }

    [NpmHardening] Get() {
        $evaluation = $this.Evaluate()
        $current = [NpmHardening]::new()
        $current.Scope = $this.Scope
        $current.Target = $this.Target
        $current.Baseline = $this.Baseline
        $current.AllowedRegistry = $this.AllowedRegistry
        $current.Environment = $this.Environment
        $current.Compliant = [bool] $evaluation.Compliant
        $found = @($evaluation.Reasons)
        $current.PendingChanges = [string[]] @($found | Where-Object { $_.Code -eq 'PendingChange' } | ForEach-Object { [string] $_.Message })
        $current.Reasons = [NpmHardeningReason[]] @($found | ForEach-Object {
                $reason = [NpmHardeningReason]::new()
                $reason.Code = 'NpmHardening:NpmHardening:' + [string] $_.Code
                $phrase = [string] $_.Message
                if ($_.Context) { $phrase = "$($_.Context): $phrase" }
                if ($_.Layer -and $_.Source -and $_.Code -ne 'PendingChange') { $phrase += " [decided by the $($_.Layer) layer: $($_.Source)]" }
                $reason.Phrase = $phrase
                $reason
            })

        # Current values of the keys the configuration is about: the explicit Settings, else the keys the
        # reasons name. Secrets are returned redacted, as Get-NpmConfig shows them.
        $keys = @()
        if ($this.Settings -and $this.Settings.Count -gt 0) { $keys = @($this.Settings.Keys | ForEach-Object { [string] $_ }) }
        else { $keys = @($found | Where-Object { $_.Setting } | ForEach-Object { [string] $_.Setting } | Select-Object -Unique) }
        $values = @{}
        if ($keys.Count -gt 0 -and $this.Target -ne '*') {
            $configParameters = @{ Name = [string[]] $keys }
            if ($this.Environment -and $this.Environment.Count -gt 0) { $configParameters['Environment'] = $this.Environment }
            if ($this.Scope -eq 'Project') { $configParameters['LiteralPath'] = [string[]] @($this.Target) }
            elseif ($this.Target -ne '~') { $configParameters['UserProfile'] = $this.Target }
            foreach ($entry in @(NpmHardening\Get-NpmConfig @configParameters -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)) {
                if ($null -eq $entry -or -not $entry.IsEffective) { continue }
                if ($entry.IsSecret) { $values[[string] $entry.Key] = [string] $entry.Redacted }
                else { $values[[string] $entry.Key] = $entry.Value }
            }
        }
        $current.Settings = $values
        return $current
    }

    [bool] Test() {
        return [bool] $this.Evaluate().Compliant
    }

    [void] Set() {
        $parameters = $this.DesiredParameters()
        NpmHardening\Set-NpmHardening @parameters -Confirm:$false -ErrorAction Stop
    }
}
