#Requires -Version 5.1
# What Import-Module alone loads into a fresh PowerShell (issue 10 F): the module's own assemblies and nothing of its
# third-party dependencies. Intune and DSC start a fresh process for every run, so every assembly the import loads is
# paid on every machine of a fleet; a dependency that only one cmdlet needs (System.IO.Hashing, YamlDotNet, ...) must
# load when that cmdlet runs, not at import. The child waits 2 s after the import, so what the module's background
# warm-up loads counts too.

BeforeDiscovery {
    $script:IsCore = $PSVersionTable.PSEdition -eq 'Core'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestMachine.ps1')
    $script:ModuleBase = Split-Path -Parent $env:NPMH_MODULE_PATH
    $script:LoadContextDll = [System.IO.Path]::Combine($ModuleBase, 'Dependencies', 'NpmHardening.LoadContext.dll')
    $script:IsCore = $PSVersionTable.PSEdition -eq 'Core'
    $script:Machine = New-TestMachine
    Write-Utf8File (Join-Path $Machine.Home '.npmrc') "registry=https://registry.npmjs.org/`n"
    $script:MachineEnvironment = @{ HOME = $Machine.Home; USERPROFILE = $Machine.Home; PREFIX = $Machine.Prefix; APPDATA = (Join-Path $Machine.Home 'AppData'); LOCALAPPDATA = (Join-Path $Machine.Home 'AppData') }

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
        foreach ($name in $MachineEnvironment.Keys) { $psi.EnvironmentVariables[$name] = $MachineEnvironment[$name] }
        foreach ($name in $Environment.Keys) { $psi.EnvironmentVariables[$name] = $Environment[$name] }
        $child = [System.Diagnostics.Process]::Start($psi)
        $stdout = $child.StandardOutput.ReadToEndAsync()
        $stderr = $child.StandardError.ReadToEndAsync()
        $child.WaitForExit()
        if ($child.ExitCode -ne 0) { throw "The child PowerShell failed ($($child.ExitCode)): $($stderr.Result)" }
        return $stdout.Result
    }

    # In a fresh PowerShell: an empty manifest's import first (PowerShell's own first Import-Module loads assemblies of
    # its own), then the module's. Lines "now|<name>|<location>" for what was new right after Import-Module returned,
    # "later|<name>|<location>" for what was new 2 s later.
    $empty = Join-Path $Machine.Root 'Empty.psd1'
    [System.IO.File]::WriteAllText($empty, "@{ ModuleVersion = '1.0'; GUID = '$([guid]::NewGuid())' }")
    $command = "Import-Module '$($empty.Replace("'", "''"))'; `$before = @([AppDomain]::CurrentDomain.GetAssemblies()); " +
        "Import-Module '$($env:NPMH_MODULE_PATH.Replace("'", "''"))'; `$now = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$before -notcontains `$_ }); " +
        "Start-Sleep -Seconds 2; `$later = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$before -notcontains `$_ }); " +
        "foreach (`$a in `$now) { 'now|' + `$a.GetName().Name + '|' + `$a.Location }; foreach (`$a in `$later) { 'later|' + `$a.GetName().Name + '|' + `$a.Location }"
    $script:Loaded = @((Invoke-Child $command) -split '\r?\n' | Where-Object { $_ -match '^(now|later)\|' } | ForEach-Object {
            $when, $name, $location = $_ -split '\|', 3
            [pscustomobject] @{ When = $when; Name = $name; Location = $location }
        })
    # The module's own files: anything loaded from its folder.
    $prefix = $ModuleBase.TrimEnd([System.IO.Path]::DirectorySeparatorChar, [System.IO.Path]::AltDirectorySeparatorChar) + [System.IO.Path]::DirectorySeparatorChar
    $script:FromModule = @($Loaded | Where-Object { $_.When -eq 'later' -and $_.Location -and $_.Location.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase) } | ForEach-Object Name | Sort-Object -Unique)
}

AfterAll {
    if ($Machine) { Remove-Item -LiteralPath $Machine.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Import-Module NpmHardening in a fresh PowerShell' {
    It 'loads the module, its engine and (PowerShell 7) the load context from the module folder, and no third-party dependency' {
        $allowed = @('NpmHardening', 'NpmHardening.Engine')
        if ($IsCore) { $allowed += 'NpmHardening.LoadContext' }
        else {
            # Windows PowerShell lacks these netstandard2.0 polyfills; the engine's warm-up may need them there.
            $allowed += @('System.Buffers', 'System.Memory', 'System.Numerics.Vectors', 'System.Runtime.CompilerServices.Unsafe')
        }
        $FromModule | Should -Contain 'NpmHardening'
        $FromModule | Should -Contain 'NpmHardening.Engine'
        $unexpected = @($FromModule | Where-Object { $allowed -notcontains $_ })
        $unexpected | Should -BeNullOrEmpty -Because "Import-Module loaded $($unexpected -join ', ') from $ModuleBase; load a dependency when the cmdlet that needs it runs (all loaded: $($FromModule -join ', '))"
    }

    It 'ships third-party dependencies that the check above would catch' {
        # Guards the test itself: if Dependencies/ held nothing but the engine, the assertion above would prove nothing.
        $thirdParty = @(Get-ChildItem -LiteralPath (Join-Path $ModuleBase 'Dependencies') -Filter '*.dll' | ForEach-Object BaseName |
                Where-Object { $_ -notlike 'NpmHardening*' })
        $thirdParty | Should -Contain 'System.IO.Hashing'
    }

    It 'does not read assembly versions through System.Reflection.Metadata while importing (PowerShell 7)' -Skip:(-not $IsCore) {
        # AssemblyName.GetAssemblyName loads System.Reflection.Metadata and System.Collections.Immutable on .NET 9 and
        # later; the dependency loader reads the few bytes it needs itself (AssemblyVersionReader).
        $now = @($Loaded | Where-Object When -eq 'now' | ForEach-Object Name)
        $now | Should -Not -Contain 'System.Reflection.Metadata'
        $now | Should -Not -Contain 'System.Collections.Immutable'
    }

    It 'runs no PowerShell command of its own while importing (the type data comes from the types file)' {
        # Until issue 10 F the module initializer ran a nested Update-TypeData, a pipeline with the cmdlet's parameter
        # binding in every fresh process, which loaded the cmdlet's assembly. NpmHardening.types.ps1xml needs none.
        $now = @($Loaded | Where-Object When -eq 'now' | ForEach-Object Name)
        $now | Should -Contain 'NpmHardening' -Because 'the list is of what the import loaded'
        $now | Should -Not -Contain 'Microsoft.PowerShell.Commands.Utility'
    }

    It 'JIT-compiles at most 11 methods of NpmHardening.dll, its background warm-up included (PowerShell 7)' -Skip:(-not $IsCore) {
        # NpmHardening.dll stays IL (Windows PowerShell 5.1 loads the same file), so every method of it that the import
        # runs is JIT-compiled in every fresh process: the initializer, the loader's PowerShell 7 path that hands over to
        # the precompiled load context, the warm-up's start, the rehydration converter's constructor: 11 when this was
        # written, 18 before issue 10 F's last round (the Update-TypeData registration, the warm-up's lambda). With
        # DOTNET_JitDisasmSummary the runtime prints
        # each method it compiles; the child also prints the names of NpmHardening.dll's types to count only those.
        # The type names go to a file, so that stdout carries the runtime's summary alone: the two writers interleave
        # there, and under Wine they split each other's lines (a TYPE| line inside a "JIT compiled" line was lost).
        # (Not DOTNET_JitStdOutFile for the summary: see ReadyToRun.Tests.ps1.)
        $typesFile = Join-Path $Machine.Root 'types.txt'
        $command = "Import-Module '$($env:NPMH_MODULE_PATH.Replace("'", "''"))'; Start-Sleep -Seconds 2; " +
            "[System.IO.File]::WriteAllLines('$($typesFile.Replace("'", "''"))', [string[]] @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'NpmHardening' } | ForEach-Object { `$_.GetTypes() } | ForEach-Object { 'TYPE|' + `$_.FullName }))"
        $lines = @((Invoke-Child $command @{ DOTNET_JitDisasmSummary = '1' }) -split '\r?\n')
        # <PrivateImplementationDetails> is in every assembly: its name says nothing of which one.
        # The compiler's embedded nullable-annotation attributes (netstandard2.0 has none of its own) are metadata, not code
        # the import runs: their constructors are compiled only when something reads the types' attributes by reflection.
        # Under Wine (the Windows code path of PowerShell) two of them were (helper i16-win3: 13 = 11 + these two); what
        # reads them there was not found.
        $metadataOnly = @('System.Runtime.CompilerServices.NullableAttribute', 'System.Runtime.CompilerServices.NullableContextAttribute',
            'System.Runtime.CompilerServices.NullablePublicOnlyAttribute', 'Microsoft.CodeAnalysis.EmbeddedAttribute')
        $types = @(Get-Content -LiteralPath $typesFile | Where-Object { $_ -like 'TYPE|*' } | ForEach-Object { $_.Substring(5) } |
                Where-Object { $_ -notlike '<*' -and $metadataOnly -notcontains $_ })
        $types | Should -Contain 'NpmHardening.Commands.ModuleInitializer'
        $compiled = @($lines | Where-Object { $_ -match 'JIT compiled (?<type>[^:\s]+):' -and $_ -notmatch '\[(Tier1|Tier-1|OSR|Instrumented Tier1)' -and $types -contains $Matches.type } |
                ForEach-Object { ($_ -replace '^\s*\d+: JIT compiled ', '') -replace ' \[[^\]]*\]\s*$', '' } | Sort-Object -Unique)
        $compiled | Should -Contain 'NpmHardening.Commands.ModuleInitializer:OnImport()' -Because 'the count would prove nothing if the summary were missing'
        $compiled.Count | Should -BeLessOrEqual 11 -Because "each is compiled at every import: $($compiled -join '; ')"
    }
}

Describe 'The engine load at import (PowerShell 7)' -Skip:(-not $IsCore) {
    It 'happens on the warm-up thread, never inside Import-Module on the importing thread' {
        # The module initializer used to load the engine before queueing the warm-up (the JIT loads it while compiling any
        # method that names an engine type), and PowerShell's cmdlet scan needed it too (looking for parameterless
        # constructors, it reads the public ones' parameters, and NpmConfigIssueException's named an engine type): every import paid for the engine on
        # PowerShell's importing thread (issue 10 F). The child records the stack of the engine's load; no frame of
        # Import-Module may be on it, and the cmdlets must work with the engine the warm-up loaded.
        $recorder = @'
using System;
public static class NpmhEngineLoadRecorder {
    public static volatile string Stack;
    public static void Start() {
        AppDomain.CurrentDomain.AssemblyLoad += (sender, e) => {
            if (e.LoadedAssembly.GetName().Name == "NpmHardening.Engine") Stack = Environment.StackTrace;
        };
    }
}
'@
        $command = "Add-Type -TypeDefinition @'`n$recorder`n'@; [NpmhEngineLoadRecorder]::Start(); " +
            "Import-Module '$($env:NPMH_MODULE_PATH.Replace("'", "''"))'; " +
            "`$deadline = [DateTime]::UtcNow.AddSeconds(10); while (-not [NpmhEngineLoadRecorder]::Stack -and [DateTime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 50 }; " +
            "'RULES|' + @(Get-NpmRule).Count; [NpmhEngineLoadRecorder]::Stack"
        $output = Invoke-Child $command
        $output | Should -Match 'LoadFromAssemblyPath' -Because 'the engine was loaded and its stack recorded'
        $output | Should -Match 'EngineWarmUp\.Prepare' -Because 'the warm-up loads the engine'
        $output | Should -Not -Match 'ImportModuleCommand' -Because 'Import-Module''s own thread should not pay for the engine'
        $rules = @($output -split '\r?\n' | Where-Object { $_ -like 'RULES|*' })
        [int] ($rules[0] -split '\|')[1] | Should -BeGreaterThan 0 -Because 'the cmdlets work with the engine loaded this way'
    }
}

Describe 'The shipped format and type files' {
    BeforeAll {
        # What a reader of the file sees, one line per element: its path, attributes and, for an element that holds
        # only text, that text exactly (a whitespace-only <Text> </Text> included); non-blank text beside child
        # elements too. Comments and the whitespace that indents elements are left out.
        function Get-XmlContent([System.Xml.XmlNode] $Node, [string] $Path) {
            foreach ($child in $Node.ChildNodes) {
                if ($child.NodeType -ne [System.Xml.XmlNodeType]::Element) { continue }
                $here = "$Path/$($child.Name)"
                $attributes = @($child.Attributes | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ' '
                $elements = @($child.ChildNodes | Where-Object NodeType -eq ([System.Xml.XmlNodeType]::Element)).Count
                $texts = @($child.ChildNodes | Where-Object { $_.NodeType -in 'Text', 'CDATA', 'Whitespace', 'SignificantWhitespace' } |
                    Where-Object { $elements -eq 0 -or $_.Value.Trim().Length -gt 0 } | ForEach-Object Value)
                "$here [$attributes] <$($texts -join '|')>"
                Get-XmlContent $child $here
            }
        }
    }

    It 'hold the same elements, attributes and text as the sources, without comments or indentation' {
        # build.ps1 writes them compact (Write-CompactXml): PowerShell reads both at every import and walks every
        # whitespace node of an indented file. Anything else that changed on the way would change views or rehydration.
        $source = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'src', 'NpmHardening')
        $files = @(Get-ChildItem -LiteralPath $source -Filter '*.ps1xml')
        $files.Count | Should -Be 2
        foreach ($file in $files) {
            $shipped = Join-Path $ModuleBase $file.Name
            $raw = [System.IO.File]::ReadAllText($shipped)
            $raw | Should -Not -Match '<!--' -Because "$($file.Name) ships without comments"
            $raw | Should -Not -Match '>\s+<(?!/)' -Because "$($file.Name) ships without whitespace between elements"
            $expected = New-Object System.Xml.XmlDocument
            $expected.PreserveWhitespace = $true
            $expected.Load($file.FullName)
            $actual = New-Object System.Xml.XmlDocument
            $actual.PreserveWhitespace = $true
            $actual.Load($shipped)
            $want = @(Get-XmlContent $expected '')
            $want.Count | Should -BeGreaterThan 100
            @(Get-XmlContent $actual '') | Should -Be $want -Because "$($file.Name) must say what its source says"
        }
    }

    It 'keeps an element whose whole content is whitespace, and drops only indentation and comments' {
        # The sources hold no such element today; a view separator like <Text> </Text> must survive the build. The
        # build's own two functions, taken from build.ps1 by its syntax tree (running build.ps1 would run a task).
        $tree = [System.Management.Automation.Language.Parser]::ParseFile([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'build.ps1'), [ref] $null, [ref] $null)
        $functions = @($tree.FindAll({ param($a) $a -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $a.Name -in 'Write-CompactXml', 'Remove-XmlLayout' }, $true))
        $functions.Count | Should -Be 2
        foreach ($f in $functions) { . ([scriptblock]::Create($f.Extent.Text)) }
        $sourceFile = Join-Path $TestDrive 'sample.format.ps1xml'
        $compactFile = Join-Path $TestDrive 'sample.compact.ps1xml'
        [System.IO.File]::WriteAllText($sourceFile, "<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<!-- top -->`n<Configuration>`n  <!-- inner -->`n  <Text> </Text>`n  <Label>  two  spaces  </Label>`n  <Empty></Empty>`n  <Mixed>a <b>bold</b> c</Mixed>`n</Configuration>`n")
        Write-CompactXml $sourceFile $compactFile
        $compact = [System.IO.File]::ReadAllText($compactFile)
        $compact | Should -Match '<Text> </Text>'
        $compact | Should -Match '<Label>  two  spaces  </Label>'
        $compact | Should -Match '<Mixed>a <b>bold</b> c</Mixed>'
        $compact | Should -Not -Match '<!--'
        $compact | Should -Match '<Configuration><Text>'
    }
}

Describe 'AssemblyVersionReader' {
    It 'reads the same version as AssemblyName.GetAssemblyName for every platform assembly and every shipped dependency' -Skip:(-not $IsCore) {
        # In a child: loads the load context assembly (PowerShell 7 only; the reader is part of its set-up) by path and
        # calls the internal reader on every file of the runtime's trusted platform assemblies (the shared framework and
        # PowerShell's own, IL and ReadyToRun) and of Dependencies/.
        $command = "`$asm = [System.Reflection.Assembly]::LoadFrom('$($LoadContextDll.Replace("'", "''"))'); " +
            "`$read = `$asm.GetType('NpmHardening.Loading.AssemblyVersionReader').GetMethod('TryRead', [System.Reflection.BindingFlags] 'Static, Public, NonPublic'); " +
            "`$files = @(([AppContext]::GetData('TRUSTED_PLATFORM_ASSEMBLIES') -split [System.IO.Path]::PathSeparator) + @(Get-ChildItem -LiteralPath '$((Join-Path $ModuleBase 'Dependencies').Replace("'", "''"))' -Recurse -Filter *.dll | ForEach-Object FullName)); " +
            "foreach (`$f in `$files) { `$expected = try { [System.Reflection.AssemblyName]::GetAssemblyName(`$f).Version } catch { `$null }; `$got = `$read.Invoke(`$null, @([string] `$f)); '{0}|{1}|{2}' -f `$f, `$expected, `$got }"
        $rows = @((Invoke-Child $command) -split '\r?\n' | Where-Object { $_ -match '\|' } | ForEach-Object { $f, $e, $g = $_ -split '\|'; [pscustomobject] @{ File = $f; Expected = $e; Got = $g } })
        $rows.Count | Should -BeGreaterThan 100 -Because 'the shared framework alone has well over 100 assemblies'
        @($rows | Where-Object { $_.Expected -ne '' }).Count | Should -BeGreaterThan 100
        $wrong = @($rows | Where-Object { $_.Expected -ne $_.Got } | ForEach-Object { "$($_.File): expected '$($_.Expected)', read '$($_.Got)'" })
        $wrong | Should -BeNullOrEmpty
    }

    It 'answers null, not a wrong version, for a file that is not an assembly' -Skip:(-not $IsCore) {
        $notAssembly = Join-Path $Machine.Root 'not-an-assembly.dll'
        [System.IO.File]::WriteAllBytes($notAssembly, [byte[]] (0x4D, 0x5A) + [byte[]]::new(200))
        $command = "`$asm = [System.Reflection.Assembly]::LoadFrom('$($LoadContextDll.Replace("'", "''"))'); " +
            "`$read = `$asm.GetType('NpmHardening.Loading.AssemblyVersionReader').GetMethod('TryRead', [System.Reflection.BindingFlags] 'Static, Public, NonPublic'); " +
            "'[' + `$read.Invoke(`$null, @('$($notAssembly.Replace("'", "''"))')) + ']'; '[' + `$read.Invoke(`$null, @('$((Join-Path $Machine.Root 'missing.dll').Replace("'", "''"))')) + ']'"
        @((Invoke-Child $command) -split '\r?\n' | Where-Object { $_ }) | Should -Be @('[]', '[]')
    }
}
