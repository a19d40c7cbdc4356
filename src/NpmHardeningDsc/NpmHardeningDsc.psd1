# Source manifest of the DSC module that ships beside NpmHardening. build.ps1 stamps ModuleVersion and the
# RequiredVersion of NpmHardening from Directory.Build.props (VersionPrefix) and copies it to
# out/NpmHardeningDsc/<version>/. Keep this file ASCII: Windows PowerShell 5.1 reads it without a BOM.
#
# Why a module of its own: a PowerShell class in a script module is compiled when the module loads (about 90 ms),
# so as a nested module of NpmHardening it slowed every Import-Module NpmHardening, DSC or not. And PowerShell 7's
# DSC class cache refuses class resources declared by a manifest whose root module is a binary one ("Configuration
# keyword is not supported in PowerShell 6+"), while a script root module with DscResourcesToExport is the layout
# Get-DscResource, Invoke-DscResource and the DSC v3 PowerShell adapter all look for. Loading this module loads
# NpmHardening (RequiredModules); loading NpmHardening never loads this one.
@{
    RootModule             = 'NpmHardeningDsc.psm1'
    ModuleVersion          = '0.1.0'
    GUID                   = '6c0f3e0a-8d52-4b7e-a1f4-2f9b7d5c3e81'
    Author                 = 'NpmHardening contributors'
    CompanyName            = 'NpmHardening contributors'
    Copyright              = '(c) NpmHardening contributors. MIT License.'
    Description            = 'DSC resource NpmHardening: keeps an npm config file (a user''s, the global or builtin one, or a project''s) at a hardening baseline or at explicit settings, with the NpmHardening module. Class-based resource for Invoke-DscResource and Machine Configuration, and the DSC v3 command resource NpmHardening/Hardening.'
    CompatiblePSEditions   = @('Desktop', 'Core')
    PowerShellVersion      = '5.1'

    RequiredModules        = @(
        @{ ModuleName = 'NpmHardening'; RequiredVersion = '0.1.0'; GUID = 'fe14a5e3-f317-448f-b4a5-a5fb9c120e48' }
    )

    # '*', not @(): with FunctionsToExport = @(), Get-Module -ListAvailable lists the module with no
    # ExportedDscResources, and Get-DscResource (PSDesiredStateConfiguration 2) skips it. The root module defines
    # no function, so nothing more is exported.
    FunctionsToExport      = '*'
    CmdletsToExport        = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    DscResourcesToExport   = @('NpmHardening')

    PrivateData            = @{
        PSData = @{
            Tags         = @('DSC', 'DscResource', 'npm', 'npmrc', 'security', 'hardening', 'Windows', 'Linux', 'MacOS', 'PSEdition_Desktop', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/NpmHardening/NpmHardening/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/NpmHardening/NpmHardening'
            ReleaseNotes = 'First preview: the NpmHardening DSC resource, moved out of the NpmHardening module so that importing NpmHardening does not compile the resource class.'
        }
    }
}
