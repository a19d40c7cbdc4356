# Source manifest. build.ps1 stamps ModuleVersion from Directory.Build.props (VersionPrefix) and copies it
# to out/NpmHardening/<version>/. Keep this file ASCII: Windows PowerShell 5.1 reads it without a BOM.
# The DSC resource is a module of its own, NpmHardeningDsc (src/NpmHardeningDsc), shipped beside this one: as a nested
# module its PowerShell class was compiled on every import of NpmHardening.
# Lists are comma lists, not @( one item per line ): Import-Module evaluates this file as a script, where each line
# inside @() is a statement of its own to compile and run at every import (issue 10 F).
@{
    RootModule             = 'NpmHardening.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = 'fe14a5e3-f317-448f-b4a5-a5fb9c120e48'
    Author                 = 'NpmHardening contributors'
    CompanyName            = 'NpmHardening contributors'
    Copyright              = '(c) NpmHardening contributors. MIT License.'
    Description            = 'Audits and hardens npm configuration on Windows, Linux and macOS: reads .npmrc files and the environment exactly as npm resolves them, finds exposed tokens and risky settings, without running node or npm.'
    CompatiblePSEditions   = 'Desktop', 'Core'
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'

    # Explicit names (no wildcard), so PowerShell has nothing to search. Reports: issue 9; publish paths: issue 11;
    # staged publishing and its review: issue 12; trusted publishing, package access, organisations: issue 13.
    CmdletsToExport        = 'Get-NpmConfig', 'Get-NpmSecurityPosture', 'Set-NpmHardening', 'Test-NpmHardening', 'Get-NpmHardeningBackup',
                             'Restore-NpmHardening', 'Test-NpmrcToken', 'Protect-NpmrcToken', 'Get-NpmAccount', 'Get-NpmAccessToken',
                             'Export-NpmHardeningReport', 'ConvertTo-NpmSarif', 'Get-NpmRule', 'New-NpmHardeningPolicy', 'Get-NpmPublishPipeline',
                             'Get-NpmStagedPackage', 'Save-NpmStagedPackage', 'Approve-NpmStagedPackage', 'Deny-NpmStagedPackage',
                             'Compare-NpmStagedPackage', 'Get-NpmOrgPackage', 'Get-NpmOrgMember', 'Get-NpmPackageCollaborator',
                             'Get-NpmPackageAccess', 'Get-NpmTrustedPublisher', 'Set-NpmTrustedPublisher', 'Remove-NpmTrustedPublisher',
                             'Set-NpmPackageAccess',
                             'Get-NpmPackageRelease',
                             'Get-NpmReleaseEvent', 'Find-NpmUnapprovedPublish', 'Get-NpmReleaseGate'
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()

    FormatsToProcess       = 'NpmHardening.format.ps1xml'
    # How a session rehydrates the module's objects (Import-Clixml, jobs, remoting). The file names types of
    # NpmHardening.dll, which PowerShell therefore has to load before it reads the file: hence RequiredAssemblies (the
    # same file as RootModule, loaded once). Registering the same data from the module initializer took a nested
    # Update-TypeData pipeline at every import (issue 10 F).
    TypesToProcess         = 'NpmHardening.types.ps1xml'
    RequiredAssemblies     = 'NpmHardening.dll'

    PrivateData            = @{
        PSData = @{
            Tags         = 'npm', 'npmrc', 'security', 'hardening', 'supply-chain', 'tokens', 'audit', 'nodejs', 'Windows', 'Linux', 'MacOS', 'PSEdition_Desktop', 'PSEdition_Core'
            LicenseUri   = 'https://github.com/NpmHardening/NpmHardening/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/NpmHardening/NpmHardening'
            ReleaseNotes = 'First preview: Get-NpmConfig resolves the effective npm configuration (builtin, global, user, project and environment layers) as npm does, with credentials redacted; Get-NpmSecurityPosture audits users and projects against the Recommended, Strict and CI baselines (rule catalog NPMH1001-NPMH9007).'
        }
    }
}
