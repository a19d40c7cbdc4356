#Requires -Version 5.1
# The ReadyToRun engine (issue 10 F): build.ps1 compiles NpmHardening.Engine.dll and NpmHardening.LoadContext.dll (the
# PowerShell 7 load context and its set-up at import) to ReadyToRun code for PowerShell 7 on .NET 10 and this platform,
# into Dependencies/net10.0-<rid>/. PowerShell 7 on that runtime and platform loads them (and runs their precompiled
# code instead of JIT-compiling the import's set-up and the engine on the first call); everything else, Windows
# PowerShell 5.1 included, loads the IL files in Dependencies/. Fresh child processes, so each import is the first.

BeforeDiscovery {
    $script:IsCore = $PSVersionTable.PSEdition -eq 'Core'
    $script:OnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or [bool] (Get-Variable -Name IsWindows -ValueOnly -ErrorAction SilentlyContinue)
    # Wine's powershell.exe is a stub that runs nothing: there is no Windows PowerShell 5.1 under Wine, and the test skips.
    $underWine = $OnWindows -and (Test-Path -LiteralPath 'Registry::HKEY_LOCAL_MACHINE\Software\Wine')
    $script:HasWindowsPowerShell = $OnWindows -and -not $underWine -and [bool] (Get-Command -Name powershell.exe -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    $script:ModuleBase = Split-Path -Parent $env:NPMH_MODULE_PATH
    $script:DependencyDir = Join-Path $ModuleBase 'Dependencies'
    $script:IlEngine = Join-Path $DependencyDir 'NpmHardening.Engine.dll'

    # The folder name the module initializer looks for, worked out here independently: net<major>.0-<os>-<arch>.
    $script:ImageFolder = $null
    if ($PSVersionTable.PSEdition -eq 'Core') {
        $os = if ($IsWindows) { 'win' } elseif ($IsLinux) { 'linux' } elseif ($IsMacOS) { 'osx' } else { $null }
        $arch = switch ([string] [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture) { 'X64' { 'x64' } 'Arm64' { 'arm64' } 'X86' { 'x86' } default { $null } }
        if ($os -and $arch) { $script:ImageFolder = "net$([Environment]::Version.Major).0-$os-$arch" }
    }
    # The build makes images for .NET 10 (PowerShell 7.6) only.
    $script:SkipImage = -not $ImageFolder -or [Environment]::Version.Major -ne 10
    $script:Image = if ($ImageFolder) { Join-Path (Join-Path $DependencyDir $ImageFolder) 'NpmHardening.Engine.dll' } else { $null }
    $script:IlLoadContext = Join-Path $DependencyDir 'NpmHardening.LoadContext.dll'
    $script:LoadContextImage = if ($ImageFolder) { Join-Path (Join-Path $DependencyDir $ImageFolder) 'NpmHardening.LoadContext.dll' } else { $null }

    function Get-PEFacts([string] $Path) {
        # Whether the file carries ReadyToRun code (a managed native header), and its module version id.
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $pe = New-Object System.Reflection.PortableExecutable.PEReader $stream
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            [pscustomobject] @{
                ReadyToRun = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
                Mvid       = $reader.GetGuid($reader.GetModuleDefinition().Mvid)
                Version    = $reader.GetAssemblyDefinition().Version
            }
        }
        finally { $stream.Dispose() }
    }

    # Children audit a test machine, never this machine's npm configuration.
    $script:Machine = New-TestMachine
    Write-Utf8File (Join-Path $Machine.Home '.npmrc') "registry=https://registry.npmjs.org/`nstrict-ssl=false`n//registry.npmjs.org/:_authToken=$(New-NpmToken)`n"
    $script:MachineEnvironment = @{ HOME = $Machine.Home; USERPROFILE = $Machine.Home; PREFIX = $Machine.Prefix; APPDATA = (Join-Path $Machine.Home 'AppData'); LOCALAPPDATA = (Join-Path $Machine.Home 'AppData') }

    # Runs $Command in a fresh PowerShell (this one's executable) in the test machine's project, with its environment
    # and the extra variables given; returns stdout.
    function Invoke-Child([string] $Command, [hashtable] $Environment = @{}) {
        $process = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $psi = New-Object System.Diagnostics.ProcessStartInfo
        $psi.FileName = $process
        $arguments = @()
        if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { $arguments += '"' + (Join-Path $PSHOME 'pwsh.dll') + '"' }
        $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($Command))
        $arguments += @('-NoProfile', '-NonInteractive', '-OutputFormat', 'Text', '-EncodedCommand', $encoded)
        $psi.Arguments = $arguments -join ' '
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.WorkingDirectory = $Machine.Project
        foreach ($name in @($psi.EnvironmentVariables.Keys)) { if ($name -like 'npm_config_*') { $psi.EnvironmentVariables.Remove($name) } }
        foreach ($table in @($MachineEnvironment, $Environment)) { foreach ($name in $table.Keys) { $psi.EnvironmentVariables[$name] = $table[$name] } }
        $child = [System.Diagnostics.Process]::Start($psi)
        $stdout = $child.StandardOutput.ReadToEndAsync()
        $stderr = $child.StandardError.ReadToEndAsync()
        $child.WaitForExit()
        if ($child.ExitCode -ne 0) { throw "The child PowerShell failed ($($child.ExitCode)): $($stderr.Result)" }
        return $stdout.Result
    }

    # The engine's location after an import and a first call, in a fresh PowerShell (or another assembly's).
    function Get-LoadedEngine([string] $Manifest, [string] $Name = 'NpmHardening.Engine') {
        $command = "Import-Module '$($Manifest.Replace("'", "''"))'; `$null = Get-NpmConfig -All; " +
            "[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq '$Name' } | ForEach-Object Location"
        return (Invoke-Child $command).Trim()
    }

    # A copy of the built module in a temp folder, to take the images away from.
    function New-ModuleCopy {
        $root = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-r2r-' + [guid]::NewGuid().ToString('n'))
        $copy = Join-Path (Join-Path $root 'NpmHardening') (Split-Path -Leaf $ModuleBase)
        [void] (New-Item -ItemType Directory -Path (Split-Path -Parent $copy) -Force)
        Copy-Item -LiteralPath $ModuleBase -Destination $copy -Recurse
        return [pscustomobject] @{ Root = $root; Base = $copy; Manifest = Join-Path $copy (Split-Path -Leaf $env:NPMH_MODULE_PATH) }
    }
}

AfterAll {
    if ($Machine) { Remove-Item -LiteralPath $Machine.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The ReadyToRun engine' {
    It 'is built for this platform from the very IL that ships in Dependencies/' -Skip:(-not $IsCore) {
        if ($SkipImage) { Set-ItResult -Skipped -Because "the build makes ReadyToRun images for .NET 10 only (this is .NET $([Environment]::Version))"; return }
        $Image | Should -Exist
        $il = Get-PEFacts $IlEngine
        $native = Get-PEFacts $Image
        $il.ReadyToRun | Should -BeFalse -Because 'Windows PowerShell 5.1 and other runtimes load this copy'
        $native.ReadyToRun | Should -BeTrue
        $native.Mvid | Should -Be $il.Mvid -Because 'the image is compiled from the same assembly'
        $native.Version | Should -Be $il.Version
        $LoadContextImage | Should -Exist
        $ilLoadContext = Get-PEFacts $IlLoadContext
        $nativeLoadContext = Get-PEFacts $LoadContextImage
        $ilLoadContext.ReadyToRun | Should -BeFalse -Because 'PowerShell 7 on other runtimes and platforms loads this copy'
        $nativeLoadContext.ReadyToRun | Should -BeTrue
        $nativeLoadContext.Mvid | Should -Be $ilLoadContext.Mvid
        # Nothing else in the image folders: the images replace IL files of the same name.
        foreach ($folder in Get-ChildItem -LiteralPath $DependencyDir -Directory) {
            foreach ($file in Get-ChildItem -LiteralPath $folder.FullName -File) { Join-Path $DependencyDir $file.Name | Should -Exist }
        }
    }

    It 'is what PowerShell 7 loads, into the NpmHardening load context' -Skip:(-not $IsCore) {
        if ($SkipImage) { Set-ItResult -Skipped -Because "no ReadyToRun image for .NET $([Environment]::Version)"; return }
        $command = "Import-Module '$($env:NPMH_MODULE_PATH.Replace("'", "''"))'; `$null = Get-NpmConfig; " +
            '$e = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq ''NpmHardening.Engine'' }; ' +
            '@($e).Count; $e.Location; [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($e).Name'
        $lines = @((Invoke-Child $command).Trim() -split '\r?\n')
        $lines | Should -Be @('1', $Image, 'NpmHardening')
        # The load context's own assembly: its image, in the default context (the isolated one is its creation).
        $command = "Import-Module '$($env:NPMH_MODULE_PATH.Replace("'", "''"))'; " +
            '$a = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq ''NpmHardening.LoadContext'' }); ' +
            '$a.Count; $a[0].Location; [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a[0]).Name'
        @((Invoke-Child $command).Trim() -split '\r?\n') | Should -Be @('1', $LoadContextImage, 'Default')
    }

    It 'runs precompiled: the first Get-NpmSecurityPosture JIT-compiles almost none of the engine''s methods, the IL engine hundreds' -Skip:(-not $IsCore) {
        if ($SkipImage) { Set-ItResult -Skipped -Because "no ReadyToRun image for .NET $([Environment]::Version)"; return }
        # With DOTNET_JitDisasmSummary the JIT prints every method it compiles to stdout (release runtimes included;
        # not DOTNET_JitStdOutFile, which now and then crashes the process when it exits). Counted: first
        # compilations (Tier0, or optimized at once) of the engine's own methods.
        $copy = New-ModuleCopy
        try {
            Remove-Item -LiteralPath (Join-Path (Join-Path $copy.Base 'Dependencies') $ImageFolder) -Recurse -Force
            $counts = foreach ($manifest in @($env:NPMH_MODULE_PATH, $copy.Manifest)) {
                $summary = Invoke-Child "Import-Module '$($manifest.Replace("'", "''"))'; `$null = Get-NpmSecurityPosture" @{ DOTNET_JitDisasmSummary = '1' }
                $summary | Should -Match 'JIT compiled' -Because 'the runtime prints the JIT summary'
                $first = @($summary -split '\r?\n' | Where-Object { $_ -match 'JIT compiled' -and $_ -notmatch '\[(Tier1|Tier-1|OSR)' })
                # The engine's methods, and the load context's set-up (its class and the version reader it uses).
                , @(@($first | Where-Object { $_ -match 'JIT compiled NpmHardening\.Engine\.' }).Count,
                    @($first | Where-Object { $_ -match 'JIT compiled NpmHardening\.Loading\.(IsolatedLoadContext|AssemblyVersionReader)' }).Count)
            }
        }
        finally { Remove-Item -LiteralPath $copy.Root -Recurse -Force -ErrorAction SilentlyContinue }
        $readyToRun, $il = $counts
        $il[0] | Should -BeGreaterThan 200 -Because 'the IL engine is compiled method by method on the first call'
        $readyToRun[0] | Should -BeLessThan ($il[0] / 10) -Because "the ReadyToRun image's code is used (ReadyToRun: $($readyToRun[0]), IL: $($il[0]) methods JIT-compiled)"
        $il[1] | Should -BeGreaterThan 10 -Because 'the IL load context is compiled method by method at import'
        $readyToRun[1] | Should -BeLessThan ($il[1] / 5) -Because "the load context's ReadyToRun code is used (ReadyToRun: $($readyToRun[1]), IL: $($il[1]) methods JIT-compiled)"
    }

    It 'falls back to the IL engine when no image matches this runtime and platform' -Skip:(-not $IsCore) {
        if ($SkipImage) { Set-ItResult -Skipped -Because "no ReadyToRun image for .NET $([Environment]::Version)"; return }
        $copy = New-ModuleCopy
        try {
            # An image for another .NET version is never loaded: its code would be rejected anyway.
            $dependencies = Join-Path $copy.Base 'Dependencies'
            Rename-Item -LiteralPath (Join-Path $dependencies $ImageFolder) -NewName ($ImageFolder -replace '^net\d+', 'net9')
            Get-LoadedEngine $copy.Manifest | Should -Be (Join-Path $dependencies 'NpmHardening.Engine.dll')
            # And none at all.
            Get-ChildItem -LiteralPath $dependencies -Directory | Remove-Item -Recurse -Force
            Get-LoadedEngine $copy.Manifest | Should -Be (Join-Path $dependencies 'NpmHardening.Engine.dll')
            Get-LoadedEngine $copy.Manifest 'NpmHardening.LoadContext' | Should -Be (Join-Path $dependencies 'NpmHardening.LoadContext.dll')
        }
        finally { Remove-Item -LiteralPath $copy.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'still works without the load context assembly (a damaged installation): the engine loads through AssemblyResolve' -Skip:(-not $IsCore) {
        $copy = New-ModuleCopy
        try {
            $dependencies = Join-Path $copy.Base 'Dependencies'
            Get-ChildItem -LiteralPath $dependencies -Recurse -Filter 'NpmHardening.LoadContext.dll' | Remove-Item -Force
            $command = "Import-Module '$($copy.Manifest.Replace("'", "''"))'; @(Get-NpmConfig -Name registry).Count; " +
                '$e = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq ''NpmHardening.Engine'' }; ' +
                '$e.Location; [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($e).Name'
            # Without isolation, the image is not chosen either: AssemblyResolve serves the IL file of Dependencies/.
            @((Invoke-Child $command).Trim() -split '\r?\n') | Should -Be @('1', (Join-Path $dependencies 'NpmHardening.Engine.dll'), 'Default')
        }
        finally { Remove-Item -LiteralPath $copy.Root -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'is never what Windows PowerShell 5.1 loads' -Skip:(-not $HasWindowsPowerShell) {
        $command = "Import-Module '$($env:NPMH_MODULE_PATH.Replace("'", "''"))'; `$null = Get-NpmConfig -All; " +
            '[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq ''NpmHardening.Engine'' } | ForEach-Object Location'
        $output = & powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command $command
        $LASTEXITCODE | Should -Be 0
        (@($output) -join '').Trim() | Should -Be $IlEngine
    }
}
