#Requires -Version 5.1
# Test-NpmLockfile through PowerShell: findings on the shared model with file and line, the view (live and
# deserialized), files, folders and -Recurse (node_modules skipped), pipeline input from strings and Get-ChildItem,
# -Quiet, -AllowedHost/-AllowedScheme/-Policy, one error record per bad lockfile while the others are still tested,
# no secret in any stream, and parity with lockfile-lint 5.0.1 (every problem it reports, we report).

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'LockfileTools.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-lockfile-' + [guid]::NewGuid().ToString('n'))
    [void] (New-Item -ItemType Directory -Path $Work)
    # npm's configuration for the projects: a user config of our own (no registry, so the public one is the default)
    $script:SavedUserConfig = $env:npm_config_userconfig
    $env:npm_config_userconfig = Join-Path $Work 'user.npmrc'
    [System.IO.File]::WriteAllText($env:npm_config_userconfig, "fund=false`n")

    function script:Write-Utf8([string] $Path, [string] $Text) {
        [void] (New-Item -ItemType Directory -Path (Split-Path -Parent $Path) -Force)
        [System.IO.File]::WriteAllText($Path, $Text, [System.Text.UTF8Encoding]::new($false))
    }
    $script:Sha512 = 'sha512-' + ('A' * 86) + '=='
    $script:Demo = Join-Path $Work 'demo'
    Write-Utf8 (Join-Path $Demo 'package-lock.json') @"
{
  "name": "demo",
  "lockfileVersion": 3,
  "packages": {
    "": { "name": "demo", "version": "1.0.0" },
    "node_modules/left-pad": {
      "version": "1.3.0",
      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      "integrity": "$Sha512"
    },
    "node_modules/evil": {
      "version": "1.0.0",
      "resolved": "http://bob:npm_CANARYCANARYCANARYCANARYCANARY123456@mirror.example.com/evil/-/evil-1.0.0.tgz?_authToken=CANARY2",
      "hasInstallScript": true
    },
    "node_modules/g": { "version": "1.0.0", "resolved": "git+ssh://git@github.com/o/g.git#main" }
  }
}
"@
}

AfterAll {
    $env:npm_config_userconfig = $SavedUserConfig
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Test-NpmLockfile' {
    It 'writes one NpmLockfileFinding per problem, at the entry''s line, with catalog titles' {
        $f = @(Test-NpmLockfile -Path $Demo)
        $f.Count | Should -BeGreaterThan 5
        $f | ForEach-Object { $_.GetType().FullName | Should -Be 'NpmHardening.NpmLockfileFinding' }
        $lock = Join-Path $Demo 'package-lock.json'
        ($f | Where-Object RuleId -eq 'NPMH15002').Location.Path | Should -Be $lock
        ($f | Where-Object RuleId -eq 'NPMH15002').Location.Line | Should -Be 11
        ($f | Where-Object RuleId -eq 'NPMH15009').PackagePath | Should -Be 'node_modules/g'
        ($f | Where-Object RuleId -eq 'NPMH15009').Location.Line | Should -Be 16
        @($f | Where-Object Package -eq 'left-pad').Count | Should -Be 0
        $rules = @{}; foreach ($r in Get-NpmRule -RuleId 'NPMH150[0-4]?') { $rules[$r.RuleId] = $r; $r.Audit | Should -Be 'Test-NpmLockfile' }
        $rules.Count | Should -Be 15
        foreach ($x in $f) { $x.Title | Should -Be $rules[$x.RuleId].Title }
        ($f | Where-Object RuleId -eq 'NPMH15012').Remediation.NpmCommand | Should -Be 'npm approve-scripts evil'
    }

    It 'never shows a secret of a resolved URL in output, JSON, CLIXML, the table or the verbose stream' {
        $clixml = Join-Path $Work 'f.clixml'
        $verbose = Test-NpmLockfile -Path $Demo -Verbose 4>&1 | Out-String -Width 400
        $f = @(Test-NpmLockfile -Path $Demo)
        $f | Export-Clixml -LiteralPath $clixml
        $text = ($f | ConvertTo-Json -Depth 6) + ($f | Format-Table | Out-String -Width 400) + ($f | Format-List * | Out-String) + [System.IO.File]::ReadAllText($clixml) + $verbose + ($f | ForEach-Object { "$_" })
        $text | Should -Not -Match 'CANARY'
        $text | Should -Not -Match 'bob'
        ($f | Where-Object RuleId -eq 'NPMH15002').Resolved | Should -Be 'http://***@mirror.example.com/evil/-/evil-1.0.0.tgz?***'
    }

    It 'shows a table grouped by lockfile, and the same after Import-Clixml' {
        $f = @(Test-NpmLockfile -Path $Demo)
        $live = $f | Format-Table | Out-String -Width 200
        $live | Should -Match 'Lockfile: .*package-lock.json'
        $live | Should -Match 'RuleId\s+Line\s+Package'
        $live | Should -Match 'NPMH15002\s+11 evil@1.0.0'
        $clixml = Join-Path $Work 'table.clixml'
        $f | Export-Clixml -LiteralPath $clixml
        $back = @(Import-Clixml -LiteralPath $clixml)
        $back[0].PSObject.TypeNames[0] | Should -BeIn @('NpmHardening.NpmLockfileFinding', 'Deserialized.NpmHardening.NpmLockfileFinding')
        ($back | Format-Table | Out-String -Width 200) | Should -Be $live
    }

    It 'returns one bool with -Quiet: false with a failing finding, true for a clean lockfile' {
        Test-NpmLockfile -Path $Demo -Quiet | Should -BeExactly $false
        $clean = Join-Path $Work 'clean'
        Write-Utf8 (Join-Path $clean 'package-lock.json') "{`"lockfileVersion`":3,`"packages`":{`"node_modules/left-pad`":{`"version`":`"1.3.0`",`"resolved`":`"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz`",`"integrity`":`"$Sha512`"}}}"
        $r = @(Test-NpmLockfile -Path $clean -Quiet)
        $r.Count | Should -Be 1
        $r[0] | Should -BeExactly $true
        @(Test-NpmLockfile -Path $clean).Count | Should -Be 0
    }

    It 'takes allowed hosts and schemes from -AllowedHost, -AllowedScheme and the policy file' {
        $base = @(Test-NpmLockfile -Path $Demo | Where-Object RuleId -in 'NPMH15001', 'NPMH15003').Count
        $base | Should -Be 3
        @(Test-NpmLockfile -Path $Demo -AllowedHost 'mirror.example.com', 'https://github.com/' -AllowedScheme 'git+ssh:' | Where-Object RuleId -in 'NPMH15001', 'NPMH15003').Count | Should -Be 0
        $policy = Join-Path $Work 'policy.psd1'
        Set-Content -LiteralPath $policy -Value "@{ AllowedRegistries = @('https://registry.npmjs.org/', 'https://mirror.example.com/') }"
        @(Test-NpmLockfile -Path $Demo -Policy $policy | Where-Object RuleId -eq 'NPMH15001').Count | Should -Be 1
        @(Test-NpmLockfile -Path $Demo -ExcludeRule 'NPMH1500*' | Where-Object RuleId -like 'NPMH1500*').Count | Should -Be 0
    }

    It 'flags a scoped package from the public registry when npm maps its scope to a private registry' {
        $proj = Join-Path $Work 'confusion'
        Write-Utf8 (Join-Path $proj '.npmrc') "@corp:registry=https://npm.corp.example/`n"
        Write-Utf8 (Join-Path $proj 'package-lock.json') "{`"lockfileVersion`":3,`"packages`":{`"node_modules/@corp/auth`":{`"version`":`"99.0.0`",`"resolved`":`"https://registry.npmjs.org/@corp/auth/-/auth-99.0.0.tgz`",`"integrity`":`"$Sha512`"},`"node_modules/@corp/ui`":{`"version`":`"1.0.0`",`"resolved`":`"https://npm.corp.example/@corp/ui/-/ui-1.0.0.tgz`",`"integrity`":`"$Sha512`"}}}"
        $f = @(Test-NpmLockfile -Path $proj)
        $f.Count | Should -Be 1 -Because 'the scope''s registry host is allowed; only the public copy is confusion'
        $f[0].RuleId | Should -Be 'NPMH15014'
        $f[0].Package | Should -Be '@corp/auth'
    }

    It 'tests every lockfile of a tree with -Recurse, skipping node_modules, and takes pipeline input' {
        $tree = Join-Path $Work 'tree'
        foreach ($p in 'a', 'b/c', 'b/node_modules/x', 'node_modules/y') {
            Copy-Item -LiteralPath (Join-Path $Demo 'package-lock.json') -Destination (New-Item -ItemType Directory -Path (Join-Path $tree $p) -Force).FullName
        }
        Copy-Item -LiteralPath (Join-Path $Demo 'package-lock.json') -Destination (Join-Path $tree 'b/c/npm-shrinkwrap.json')
        $files = @(Test-NpmLockfile -Path $tree -Recurse | ForEach-Object { $_.Location.Path } | Select-Object -Unique | Sort-Object)
        $files | Should -Be @((Join-Path $tree 'a/package-lock.json'), (Join-Path $tree 'b/c/npm-shrinkwrap.json'), (Join-Path $tree 'b/c/package-lock.json') | Sort-Object)
        # strings, FileInfo and DirectoryInfo from the pipeline
        @((Join-Path $tree 'a'), (Join-Path $tree 'b/c/package-lock.json') | Test-NpmLockfile | ForEach-Object { $_.Location.Path } | Select-Object -Unique).Count | Should -Be 2
        @(Get-ChildItem -LiteralPath (Join-Path $tree 'b/c') -File | Test-NpmLockfile | ForEach-Object { $_.Location.Path } | Select-Object -Unique).Count | Should -Be 2
        @(Get-Item -LiteralPath (Join-Path $tree 'a') | Test-NpmLockfile | ForEach-Object { $_.Location.Path } | Select-Object -Unique).Count | Should -Be 1
        # a folder without a lockfile is an error, not silence
        $empty = (New-Item -ItemType Directory -Path (Join-Path $Work 'empty') -Force).FullName
        $null = Test-NpmLockfile -Path $empty -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'LockfileNotFound,*'
    }

    It 'writes one error record naming the file for each bad lockfile (<Case>) and goes on with the next' -ForEach @(
        @{ Case = 'truncated'; Id = 'NpmLockfileTruncated'; Text = '{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0' }
        @{ Case = 'depth bomb'; Id = 'NpmLockfileTooDeep'; Text = '{"lockfileVersion": 3, "x": ' + ('[' * 5000) + (']' * 5000) + '}' }
        @{ Case = 'wrong type'; Id = 'NpmLockfileWrongType'; Text = "{`"lockfileVersion`": 3,`n`"packages`": []}"; Line = 2 }
        @{ Case = 'conflict'; Id = 'NpmLockfileConflictMarker'; Text = "{`n  `"lockfileVersion`": 3,`n  `"packages`": {`n<<<<<<< HEAD`n    `"node_modules/a`": {`"version`": `"1.0.0`"}`n=======`n    `"node_modules/a`": {`"version`": `"2.0.0`"}`n>>>>>>> feature`n  }`n}"; Line = 4 }
        @{ Case = 'not json'; Id = 'NpmLockfileSyntax'; Text = "{`n  lockfileVersion: 3`n}"; Line = 2 }
    ) {
        $bad = Join-Path $Work "bad-$($Case -replace ' ', '-')/package-lock.json"
        Write-Utf8 $bad $Text
        $out = @($bad, $Demo | Test-NpmLockfile -ErrorAction SilentlyContinue -ErrorVariable errs)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $errs[0].TargetObject | Should -Be $bad
        $errs[0].Exception.Message | Should -BeLike "*$bad*"
        if ($Line) { $errs[0].Exception.Message | Should -BeLike "*line $Line*" }
        @($out | Where-Object { $_.Location.Path -eq (Join-Path $Demo 'package-lock.json') }).Count | Should -BeGreaterThan 5 -Because 'the pipeline goes on'
        Test-NpmLockfile -Path $bad -Quiet -ErrorAction SilentlyContinue | Should -BeExactly $false
    }

    It 'reports a duplicate key as an error record and still tests the lockfile with the last value' {
        $dup = Join-Path $Work 'dup/package-lock.json'
        Write-Utf8 $dup "{`n`"lockfileVersion`": 3,`n`"packages`": {`n`"node_modules/a`": {`"version`": `"1.0.0`", `"resolved`": `"https://registry.npmjs.org/a/-/a-1.0.0.tgz`", `"integrity`": `"$Sha512`"},`n`"node_modules/a`": {`"version`": `"1.0.0`", `"resolved`": `"http://evil.example.com/a/-/a-1.0.0.tgz`", `"integrity`": `"$Sha512`"}`n}`n}"
        $f = @(Test-NpmLockfile -Path $dup -ErrorAction SilentlyContinue -ErrorVariable errs)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmLockfileDuplicateKey,*'
        $errs[0].Exception.Message | Should -BeLike '*line 5*line 4*'
        ($f | Where-Object RuleId -eq 'NPMH15002').Location.Line | Should -Be 5
    }

    It 'refuses a lockfile over the size limit before reading it (a sparse 1 GiB file)' {
        $big = Join-Path $Work 'big/package-lock.json'
        [void] (New-Item -ItemType Directory -Path (Split-Path $big) -Force)
        $fs = [System.IO.File]::Create($big)
        try { $fs.SetLength(1GB) } finally { $fs.Dispose() }
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $null = @($big, $Demo | Test-NpmLockfile -ErrorAction SilentlyContinue -ErrorVariable errs)
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NpmLockfileTooLarge,*'
        $errs[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $errs[0].Exception.Message | Should -BeLike "*$big*1,073,741,824 bytes*268,435,456*"
        Remove-Item -LiteralPath $big
    }
}

Describe 'Parity with lockfile-lint 5.0.1' {
    BeforeAll {
        $script:Lint = Get-LockfileLint
        $script:Parity = Join-Path $Work 'parity'
        [void] (New-Item -ItemType Directory -Path $Parity -Force)
        New-TestLockfile -Path (Join-Path $Parity 'v3/package-lock.json') -Count 600 -Version 3 -Problems -Seed 1
        New-TestLockfile -Path (Join-Path $Parity 'v2/package-lock.json') -Count 300 -Version 2 -Problems -Seed 2
        New-TestLockfile -Path (Join-Path $Parity 'v1/package-lock.json') -Count 300 -Version 1 -Problems -Seed 3
        Write-Utf8 (Join-Path $Parity 'v1-specs/package-lock.json') @"
{
  "lockfileVersion": 1,
  "dependencies": {
    "al": { "version": "npm:lodash@4.17.21" },
    "loc": { "version": "file:../loc" },
    "g": { "version": "github:o/g#abc" },
    "x": { "version": "1.0.0", "resolved": "https://registry.npmjs.org/y/-/y-1.0.0.tgz", "integrity": "sha384-AAAA" }
  }
}
"@
        Copy-Item -LiteralPath (Join-Path $env:NPMH_REPO_ROOT 'tests/verdaccio/package-lock.json') -Destination (New-Item -ItemType Directory -Path (Join-Path $Parity 'verdaccio') -Force).FullName
    }

    It 'reports every problem lockfile-lint reports in <Name>' -ForEach @(@{ Name = 'v3' }, @{ Name = 'v2' }, @{ Name = 'v1' }, @{ Name = 'v1-specs' }, @{ Name = 'verdaccio' }) {
        if (-not $Lint) { Set-ItResult -Skipped -Because 'lockfile-lint is not in .tools (build.ps1 -Task Bootstrap installs it with npm)'; return }
        $file = Join-Path $Parity "$Name/package-lock.json"
        $theirs = @(Invoke-LockfileLint $file)
        $ours = @(Test-NpmLockfile -Path $file -AllowedHost npm)
        if ($Name -ne 'verdaccio') { $theirs.Count | Should -BeGreaterThan 3 -Because 'the fixture has problems of each kind lockfile-lint checks' }
        # lockfile-lint's one known false positive: in a v1 tree it names @scope/name by its last segment, so its
        # package-name check reports every scoped package whose URL correctly names @scope/name. Those are left out
        # here, and the test shows we report nothing for them.
        $v1 = if ($Name -like 'v1*') { (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json).dependencies }
        $scopedOk = @{}
        if ($v1) {
            foreach ($d in $v1.PSObject.Properties) {
                if ($d.Name.StartsWith('@') -and "$($d.Value.resolved)".StartsWith("https://registry.npmjs.org/$($d.Name)/")) { $scopedOk[$d.Name.Split('/')[-1]] = $d.Name }
            }
        }
        foreach ($p in $theirs) {
            if ($p.Kind -eq 'PackageName' -and $scopedOk.ContainsKey($p.Name)) {
                @($ours | Where-Object { $_.RuleId -eq 'NPMH15008' -and $_.Package -eq $scopedOk[$p.Name] }).Count | Should -Be 0
                continue
            }
            $rules = $LockfileLintRules[$p.Kind]
            $match = @($ours | Where-Object {
                    $installed = if ($_.PackagePath -match '(?:^|/)node_modules/((?:@[^/]+/)?[^/]+)$') { $Matches[1] } else { $_.Package }
                    # lockfile-lint names a v1 scoped package by its last segment (@babel/types as types)
                    $_.RuleId -in $rules -and ($installed -eq $p.Name -or ($installed.StartsWith('@') -and $installed.Split('/')[-1] -eq $p.Name)) -and ($null -eq $p.Version -or $_.Version -eq $p.Version -or $p.Version -like "*$($_.Version)")
                })
            $match.Count | Should -BeGreaterThan 0 -Because "lockfile-lint reports $($p.Kind) for $($p.Name)@$($p.Version) and we must too"
        }
    }
}
