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
      Baseline     Recommended (default) | Strict | CI; used when Settings is empty.
      Settings     explicit key = value pairs (Set-NpmHardening -Setting) instead of a baseline.
      Environment  environment variables to resolve npm with instead of the process environment (what-if
                   analysis and tests; as the cmdlets' -Environment).
    Read-only (NotConfigurable), filled by Get():
      Compliant       $true when Set() would change nothing.
      PendingChanges  what Set() would change: "file: key old -> new (line)" per file (never secret values).

    The root module of NpmHardeningDsc (NpmHardeningDsc.psd1: DscResourcesToExport, RequiredModules NpmHardening),
    which ships beside NpmHardening, so that Import-Module NpmHardening does not compile this class. Windows
    PowerShell 5.1 compatible.
#>

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
    [hashtable] $Environment

    [DscProperty(NotConfigurable)]
    [bool] $Compliant

    [DscProperty(NotConfigurable)]
    [string[]] $PendingChanges

    # The parameters shared by Test-NpmHardening and Set-NpmHardening for this instance.
    hidden [hashtable] TargetParameters() {
        if ([string]::IsNullOrWhiteSpace($this.Target)) { throw 'Target is required: ''~'' (this account), ''*'' (all users), a home folder, or for Scope Project a project folder.' }
        $parameters = @{ Scope = $this.Scope }
        if ($this.Environment -and $this.Environment.Count -gt 0) { $parameters['Environment'] = $this.Environment }
        if ($this.Scope -eq 'Project') {
            if ($this.Target -eq '*' -or $this.Target -eq '~') { throw "Scope Project needs a project folder as Target, not '$($this.Target)'." }
            $parameters['Path'] = $this.Target
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

    # Test-NpmHardening's verdict and its verbose explanation (one "Not compliant: file: changes" per file).
    hidden [object[]] Evaluate() {
        $parameters = $this.DesiredParameters()
        $records = @(NpmHardening\Test-NpmHardening @parameters -Verbose -WarningAction SilentlyContinue 4>&1)
        $verdict = $false
        $messages = New-Object System.Collections.Generic.List[string]
        foreach ($record in $records) {
            if ($record -is [bool]) { $verdict = $record }
            elseif ($record -is [System.Management.Automation.VerboseRecord]) {
                $text = [string] $record.Message
                if ($text -match '^Not compliant:\s*(.+)$') { $messages.Add($Matches[1]) }
            }
        }
        return @($verdict, $messages.ToArray())
    }

    [NpmHardening] Get() {
        $evaluation = $this.Evaluate()
        $current = [NpmHardening]::new()
        $current.Scope = $this.Scope
        $current.Target = $this.Target
        $current.Baseline = $this.Baseline
        $current.Environment = $this.Environment
        $current.Compliant = [bool] $evaluation[0]
        $current.PendingChanges = [string[]] @($evaluation[1])

        # Current values of the keys the configuration is about: the explicit Settings, else the keys the
        # baseline would change. Secrets are returned redacted, as Get-NpmConfig shows them.
        $keys = @()
        if ($this.Settings -and $this.Settings.Count -gt 0) { $keys = @($this.Settings.Keys | ForEach-Object { [string] $_ }) }
        else {
            foreach ($change in @($evaluation[1])) {
                foreach ($part in ([string] $change).Split(';')) {
                    $item = $part.Trim()
                    $colon = $item.LastIndexOf(': ')
                    if ($colon -ge 0 -and $item.IndexOf(' -> ') -gt $colon) { $item = $item.Substring($colon + 2) }
                    if ($item -match '^([^\s]+)\s+.*\s->\s') { $keys += $Matches[1] }
                }
            }
        }
        $values = @{}
        if ($keys.Count -gt 0 -and $this.Target -ne '*') {
            $configParameters = @{ Name = [string[]] $keys }
            if ($this.Environment -and $this.Environment.Count -gt 0) { $configParameters['Environment'] = $this.Environment }
            if ($this.Scope -eq 'Project') { $configParameters['Path'] = [string[]] @($this.Target) }
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
        $evaluation = $this.Evaluate()
        return [bool] $evaluation[0]
    }

    [void] Set() {
        $parameters = $this.DesiredParameters()
        NpmHardening\Set-NpmHardening @parameters -Confirm:$false -ErrorAction Stop
    }
}
