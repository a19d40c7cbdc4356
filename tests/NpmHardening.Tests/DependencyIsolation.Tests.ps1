#Requires -Version 5.1
# CONVENTIONS §6: a session that already loaded another version of one of our dependencies keeps working, and
# so does the module. A fresh PowerShell loads System.IO.Hashing 6.0.0 first (the module ships 8.0.0), then
# imports the built module and runs engine code that needs System.IO.Hashing (npm token checksums are CRC32).
# Build.ps1 -Task Bootstrap puts the 6.0.0 package in .tools/.

BeforeDiscovery {
    $script:OnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or [bool] (Get-Variable -Name IsWindows -ValueOnly -ErrorAction SilentlyContinue)
    # Wine's powershell.exe is a stub that runs nothing: there is no Windows PowerShell 5.1 under Wine, and the test skips.
    $underWine = $OnWindows -and (Test-Path -LiteralPath 'Registry::HKEY_LOCAL_MACHINE\Software\Wine')
    $script:HasWindowsPowerShell = $OnWindows -and -not $underWine -and [bool] (Get-Command -Name powershell.exe -CommandType Application -ErrorAction SilentlyContinue)
}

BeforeAll {
    if (-not $env:NPMH_REPO_ROOT) { $env:NPMH_REPO_ROOT = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
    if (-not $env:NPMH_MODULE_PATH) {
        $props = [xml] (Get-Content -LiteralPath (Join-Path $env:NPMH_REPO_ROOT 'Directory.Build.props') -Raw)
        $version = $props.SelectSingleNode('//VersionPrefix').InnerText.Trim()
        $env:NPMH_MODULE_PATH = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, 'out', 'NpmHardening', $version, 'NpmHardening.psd1')
    }
    $script:ManifestPath = $env:NPMH_MODULE_PATH
    $script:DependencyDir = Join-Path (Split-Path -Parent $ManifestPath) 'Dependencies'
    $script:OldHashing = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, '.tools', 'System.IO.Hashing', '6.0.0', 'System.IO.Hashing.dll')
    # The YamlDotNet that powershell-yaml-like modules bring (ours is newer; build.ps1 -Task Bootstrap fetches it).
    $script:OldYaml = [System.IO.Path]::Combine($env:NPMH_REPO_ROOT, '.tools', 'YamlDotNet', '16.3.0', 'YamlDotNet.dll')

    function Get-Crc32([byte[]] $Bytes) {
        # Plain CRC-32 (IEEE 802.3, reflected, as zlib), independent of System.IO.Hashing.
        [uint32] $crc = [uint32]::MaxValue
        foreach ($b in $Bytes) {
            $crc = $crc -bxor $b
            for ($k = 0; $k -lt 8; $k++) {
                if ($crc -band 1) { $crc = ($crc -shr 1) -bxor [uint32] 3988292384 } # 0xEDB88320
                else { $crc = $crc -shr 1 }
            }
        }
        return [uint32] ($crc -bxor [uint32]::MaxValue)
    }

    function New-NpmGranularToken {
        # npm_ + 30 random base62 characters + base62(CRC32 of those 30 characters), left-padded to 6 with '0'.
        $alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
        $random = New-Object System.Random 20240901
        $body = -join (1..30 | ForEach-Object { $alphabet[$random.Next(62)] })
        [uint64] $value = Get-Crc32 ([System.Text.Encoding]::ASCII.GetBytes($body))
        $checksum = ''
        do { $checksum = $alphabet[[int] ($value % 62)] + $checksum; $value = [uint64][math]::Floor($value / 62) } while ($value -gt 0)
        return 'npm_' + $body + $checksum.PadLeft(6, '0')
    }

    # The script the child PowerShell runs. It prints one JSON object.
    $script:ChildScript = @'
param([string] $OldHashing, [string] $OldYaml, [string] $Manifest, [string] $UserProfile)
$ErrorActionPreference = 'Stop'
$result = [ordered]@{}
# 1. Other modules' copies of System.IO.Hashing and YamlDotNet, loaded first.
$crc32 = Add-Type -Path $OldHashing -PassThru | Where-Object { $_.FullName -eq 'System.IO.Hashing.Crc32' }
$oldYamlAssembly = [System.Reflection.Assembly]::LoadFrom($OldYaml)
# 2. The module, then engine code that needs its System.IO.Hashing.
Import-Module $Manifest
$yamlNames = { @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { $_.GetName().Version.ToString() } | Sort-Object) }
$result.YamlVersionsAfterImport = & $yamlNames
$entry = @(Get-NpmConfig -UserProfile $UserProfile) | Where-Object { $_.Key -eq '//registry.npmjs.org/:_authToken' } | Select-Object -First 1
$result.Found = $null -ne $entry
if ($entry) {
    $result.CredentialKind = [string] $entry.CredentialKind
    $result.ChecksumValid = $entry.ChecksumValid
}
# 3. The first copy still works: CRC-32("123456789") = 0xCBF43926, little-endian bytes.
$bytes = $crc32::Hash([System.Text.Encoding]::ASCII.GetBytes('123456789'))
$result.OldCopyCrc = ($bytes | ForEach-Object { $_.ToString('x2') }) -join ''
$result.OldCopyVersion = $crc32.Assembly.GetName().Version.ToString()
$loaded = [AppDomain]::CurrentDomain.GetAssemblies()
$result.HashingVersions = @($loaded | Where-Object { $_.GetName().Name -eq 'System.IO.Hashing' } | ForEach-Object { $_.GetName().Version.ToString() } | Sort-Object)
$engine = @($loaded | Where-Object { $_.GetName().Name -eq 'NpmHardening.Engine' })
$result.EngineCount = $engine.Count
if ($engine.Count -gt 0) {
    $result.EngineLocation = $engine[0].Location
    $references = $engine[0].GetReferencedAssemblies() | Where-Object { $_.Name -eq 'System.IO.Hashing' }
    $result.EngineHashingReference = if ($references) { $references.Version.ToString() } else { '' }
}
$ours = @($loaded | Where-Object { $_.GetName().Name -eq 'System.IO.Hashing' -and $_.GetName().Version -ge [version] '8.0.0.0' })
if ($ours.Count -gt 0) { $result.OurHashingLocation = $ours[0].Location }
$result.YamlVersionsAfterConfig = & $yamlNames
# 4. A cmdlet that parses YAML (a CI file), then the session's own YamlDotNet still works.
$repo = Join-Path $UserProfile 'repo'
$workflows = New-Item -ItemType Directory -Path (Join-Path $repo '.github/workflows') -Force
[System.IO.File]::WriteAllText((Join-Path $workflows.FullName 'release.yml'), "on: push`njobs:`n  publish:`n    runs-on: ubuntu-latest`n    steps:`n      - run: npm publish`n")
$result.ParsedJob = @(Get-NpmPublishPipeline -Path $repo)[0].Job
$result.YamlVersions = & $yamlNames
$stream = New-Object ($oldYamlAssembly.GetType('YamlDotNet.RepresentationModel.YamlStream'))
$stream.Load([System.IO.StringReader]::new('a: session'))
$result.OldYamlWorks = (@(foreach ($pair in $stream.Documents[0].RootNode.Children) { "$($pair.Key)=$($pair.Value)" }) -join ',')
$ourYaml = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'YamlDotNet' -and $_.GetName().Version -ge [version] '18.0.0.0' })
if ($ourYaml.Count -gt 0) { $result.OurYamlLocation = $ourYaml[0].Location }
$result.Edition = $PSVersionTable.PSEdition
if ($PSVersionTable.PSEdition -eq 'Core') {
    $alc = [System.Runtime.Loader.AssemblyLoadContext]
    if ($engine.Count -gt 0) {
        $result.EngineContext = $alc::GetLoadContext($engine[0]).Name
        $result.EngineContextType = $alc::GetLoadContext($engine[0]).GetType().FullName
    }
    if ($ours.Count -gt 0) { $result.OurHashingContext = $alc::GetLoadContext($ours[0]).Name }
    $result.OldHashingContext = $alc::GetLoadContext($crc32.Assembly).Name
    if ($ourYaml.Count -gt 0) { $result.OurYamlContext = $alc::GetLoadContext($ourYaml[0]).Name }
    $result.OldYamlContext = $alc::GetLoadContext($oldYamlAssembly).Name
    $memory = @($loaded | Where-Object { $_.GetName().Name -eq 'System.Memory' })
    $result.MemoryContexts = @($memory | ForEach-Object { $alc::GetLoadContext($_).Name } | Sort-Object -Unique)
}
$result | ConvertTo-Json -Depth 4 -Compress
'@

    function Invoke-IsolationChild {
        # Runs the child script in a fresh PowerShell with HOME/USERPROFILE pointing at a temp folder and no
        # npm_config_* variables, so the real user's ~/.npmrc is never read. Returns the parsed JSON.
        param([string] $Executable, [string[]] $PrefixArguments)
        $work = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-isolation-' + [guid]::NewGuid().ToString('n'))
        $userProfile = Join-Path $work 'home'
        [void] (New-Item -ItemType Directory -Path $userProfile -Force)
        $token = New-NpmGranularToken
        [System.IO.File]::WriteAllText((Join-Path $userProfile '.npmrc'), "//registry.npmjs.org/:_authToken=$token`n")
        $scriptPath = Join-Path $work 'child.ps1'
        [System.IO.File]::WriteAllText($scriptPath, $ChildScript, (New-Object System.Text.UTF8Encoding $true))

        $saved = @{}
        $cleared = @(Get-ChildItem Env: | Where-Object { $_.Name -like 'npm_config_*' } | ForEach-Object Name)
        # APPDATA/LOCALAPPDATA too: on Windows npm's per-user global prefix is %APPDATA%\npm.
        $profileVariables = @('HOME', 'USERPROFILE', 'APPDATA', 'LOCALAPPDATA')
        foreach ($name in $profileVariables + $cleared) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        $location = Get-Location
        try {
            foreach ($name in $cleared) { [Environment]::SetEnvironmentVariable($name, $null) }
            [Environment]::SetEnvironmentVariable('HOME', $userProfile)
            [Environment]::SetEnvironmentVariable('USERPROFILE', $userProfile)
            [Environment]::SetEnvironmentVariable('APPDATA', (Join-Path $userProfile 'AppData/Roaming'))
            [Environment]::SetEnvironmentVariable('LOCALAPPDATA', (Join-Path $userProfile 'AppData/Local'))
            Set-Location -LiteralPath $work
            $arguments = @($PrefixArguments) + @('-NoProfile', '-NonInteractive', '-File', $scriptPath, '-OldHashing', $OldHashing, '-OldYaml', $OldYaml, '-Manifest', $ManifestPath, '-UserProfile', $userProfile)
            # Windows PowerShell turns redirected stderr into error records; keep them as text.
            $ErrorActionPreference = 'Continue'
            $output = & $Executable @arguments 2>&1
            $exitCode = $LASTEXITCODE
        }
        finally {
            Set-Location $location
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        }
        $text = ($output | ForEach-Object { "$_" }) -join "`n"
        $json = @($output | ForEach-Object { "$_" } | Where-Object { $_ -like '{*}' }) | Select-Object -Last 1
        if ($exitCode -ne 0 -or -not $json) { throw "The child PowerShell failed (exit code $exitCode):`n$text" }
        return $json | ConvertFrom-Json
    }
}

Describe 'Dependency isolation' {
    It 'has the older System.IO.Hashing from Bootstrap' {
        $OldHashing | Should -Exist -Because 'build.ps1 -Task Bootstrap fetches System.IO.Hashing 6.0.0 into .tools/'
        [System.Reflection.AssemblyName]::GetAssemblyName($OldHashing).Version | Should -Be ([version] '6.0.0.0')
        [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $DependencyDir 'System.IO.Hashing.dll')).Version |
            Should -BeGreaterThan ([version] '6.0.0.0')
    }

    It 'has the older YamlDotNet from Bootstrap' {
        $OldYaml | Should -Exist -Because 'build.ps1 -Task Bootstrap fetches YamlDotNet 16.3.0 into .tools/'
        [System.Reflection.AssemblyName]::GetAssemblyName($OldYaml).Version.Major | Should -Be 16
        [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $DependencyDir 'YamlDotNet.dll')).Version.Major | Should -Be 18
    }

    It 'makes a checksum-valid test token (the generator itself)' {
        Get-Crc32 ([System.Text.Encoding]::ASCII.GetBytes('123456789')) | Should -Be ([uint32] 3421780262) # 0xCBF43926
        New-NpmGranularToken | Should -Match '^npm_[0-9A-Za-z]{36}$'
    }

    Context 'in this PowerShell (<_>)' -ForEach @($PSVersionTable.PSEdition) {
        BeforeAll {
            $process = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            $prefix = @()
            if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
                # PowerShell as a dotnet tool: dotnet <PSHOME>/pwsh.dll.
                $prefix = @(Join-Path $PSHOME 'pwsh.dll')
            }
            $script:Result = Invoke-IsolationChild -Executable $process -PrefixArguments $prefix
        }

        It 'runs the engine code that needs System.IO.Hashing: the token''s checksum is verified' {
            $Result.Found | Should -BeTrue -Because 'Get-NpmConfig -UserProfile reads <home>/.npmrc'
            $Result.CredentialKind | Should -Be 'GranularToken'
            $Result.ChecksumValid | Should -BeTrue
        }

        It 'keeps both System.IO.Hashing versions loaded side by side' {
            $Result.HashingVersions | Should -Contain '6.0.0.0'
            @($Result.HashingVersions | Where-Object { [version] $_ -ge [version] '8.0.0.0' }).Count | Should -Be 1
            $Result.EngineHashingReference | Should -Not -Be '6.0.0.0'
        }

        It 'leaves the session''s own copy working' {
            $Result.OldCopyVersion | Should -Be '6.0.0.0'
            $Result.OldCopyCrc | Should -Be '2639f4cb'
        }

        It 'loads no YamlDotNet of its own at Import-Module or for a cmdlet that reads no YAML' {
            # YamlDotNet 16.3.0's assembly version is 16.0.0.0; ours (18.1.0) is 18.0.0.0
            @($Result.YamlVersionsAfterImport) | Should -Be @('16.0.0.0')
            @($Result.YamlVersionsAfterConfig) | Should -Be @('16.0.0.0')
        }

        It 'parses YAML with its own YamlDotNet from Dependencies/, beside the session''s older one' {
            $Result.ParsedJob | Should -Be 'publish'
            $Result.YamlVersions | Should -Contain '16.0.0.0'
            @($Result.YamlVersions | Where-Object { ([version] $_).Major -eq 18 }).Count | Should -Be 1
            $Result.OurYamlLocation | Should -BeLike "$DependencyDir*"
            $Result.OldYamlWorks | Should -Be 'a=session'
        }

        It 'loads the engine and its System.IO.Hashing from Dependencies/' {
            $Result.EngineCount | Should -Be 1
            $Result.EngineLocation | Should -BeLike "$DependencyDir*"
            $Result.OurHashingLocation | Should -BeLike "$DependencyDir*"
        }

        It 'loads the engine once when the first cmdlet races the warm-up that Import-Module starts (4 fresh processes)' {
            # The import starts a warm-up thread that uses the engine while a cmdlet called right after Import-Module uses it
            # too: one engine assembly, every time, and no error. (Loading the engine on the warm-up thread instead of the
            # importing one was tried for issue 10 F: it made the first cmdlet wait longer for the catalogs.)
            $process = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            $prefix = @()
            if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
            $quoted = "'" + $ManifestPath.Replace("'", "''") + "'"
            $command = "`$ErrorActionPreference = 'Stop'; Import-Module $quoted; `$n = @(Get-NpmRule).Count; " +
                "`$engines = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'NpmHardening.Engine' }).Count; " +
                "[Console]::Out.Write(('{0} {1} {2}' -f `$n, `$engines, `$Error.Count))"
            foreach ($run in 1..4) {
                $output = & $process @prefix -NoProfile -NonInteractive -Command $command 2>&1
                $LASTEXITCODE | Should -Be 0 -Because "run $($run): $output"
                $rules, $engines, $errors = "$output".Trim() -split ' '
                [int] $rules | Should -BeGreaterThan 50 -Because "run $($run): $output"
                $engines | Should -Be '1' -Because "run $($run): $output"
                $errors | Should -Be '0' -Because "run $($run): $output"
            }
        }

        It 'uses an isolated AssemblyLoadContext on PowerShell 7, deferring framework assemblies' -Skip:($_ -ne 'Core') {
            $Result.EngineContext | Should -Be 'NpmHardening'
            # The subclass that overrides Load (Dependencies/NpmHardening.LoadContext.dll), so even a same or newer
            # version in the default context cannot stand in for ours.
            $Result.EngineContextType | Should -Be 'NpmHardening.Loading.IsolatedLoadContext'
            $Result.OurHashingContext | Should -Be 'NpmHardening'
            $Result.OldHashingContext | Should -Be 'Default'
            $Result.OurYamlContext | Should -Be 'NpmHardening'
            $Result.OldYamlContext | Should -Be 'Default'
            $Result.MemoryContexts | Should -Not -Contain 'NpmHardening' -Because 'System.Memory comes with .NET and must not be loaded from Dependencies/'
        }
    }

    It 'works the same in Windows PowerShell 5.1 (AssemblyResolve)' -Skip:(-not $HasWindowsPowerShell) {
        $result = Invoke-IsolationChild -Executable 'powershell.exe' -PrefixArguments @('-ExecutionPolicy', 'Bypass')
        $result.Edition | Should -Be 'Desktop'
        $result.CredentialKind | Should -Be 'GranularToken'
        $result.ChecksumValid | Should -BeTrue
        $result.HashingVersions | Should -Contain '6.0.0.0'
        $result.OldCopyCrc | Should -Be '2639f4cb'
        $result.EngineLocation | Should -BeLike "$DependencyDir*"
        @($result.YamlVersionsAfterImport) | Should -Be @('16.0.0.0')
        $result.ParsedJob | Should -Be 'publish'
        $result.OldYamlWorks | Should -Be 'a=session'
        $result.OurYamlLocation | Should -BeLike "$DependencyDir*"
    }
}
