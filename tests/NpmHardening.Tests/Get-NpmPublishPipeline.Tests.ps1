#Requires -Version 5.1
# Get-NpmPublishPipeline through PowerShell: output objects and their views (live and deserialized), -Recurse over a
# tree of repositories with progress, pipeline input from Get-ChildItem -Directory, one error record per bad CI file
# while the scan goes on, -Audit with the shared selection parameters, and the SARIF of -Audit validated by
# Microsoft's validator. The repositories are the GitHub corpus cases (tests/NpmHardening.Tests/PipelineCorpus/github).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'ReportTools.ps1')
}

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    . (Join-Path $PSScriptRoot 'ReportTools.ps1')
    $script:Corpus = Join-Path $PSScriptRoot 'PipelineCorpus/github'
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-pipeline-' + [guid]::NewGuid().ToString('n'))
    [void] (New-Item -ItemType Directory -Path $Work)
    # a tree of repositories: every corpus case, one level down and two levels down, plus folders that are not repositories
    $script:Tree = Join-Path $Work 'src'
    foreach ($case in Get-ChildItem -LiteralPath $Corpus -Directory) {
        $group = if ($case.Name -lt 'm') { 'team-a' } else { 'team-b/nested' }
        $target = Join-Path (Join-Path $Tree $group) $case.Name
        [void] (New-Item -ItemType Directory -Path (Split-Path -Parent $target) -Force)
        Copy-Item -LiteralPath $case.FullName -Destination $target -Recurse
    }
    [void] (New-Item -ItemType Directory -Path (Join-Path $Tree 'docs/notes') -Force)
    # a repository inside node_modules is never searched
    $hidden = Join-Path $Tree 'team-a/node_modules/pkg'
    Copy-Item -LiteralPath (Join-Path $Corpus 'npm-publish-token-on-tag') -Destination $hidden -Recurse -Force
    $script:CaseCount = @(Get-ChildItem -LiteralPath $Corpus -Directory).Count
    $script:ExpectedSteps = 0
    foreach ($e in Get-ChildItem -LiteralPath $Corpus -Recurse -Filter expected.json) { $script:ExpectedSteps += @((Get-Content -LiteralPath $e.FullName -Raw | ConvertFrom-Json).steps).Count }
}

AfterAll {
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NpmPublishPipeline' {
    It 'returns one NpmPublishStep per publish step of a repository, with its facts' {
        $steps = @(Get-NpmPublishPipeline -Path (Join-Path $Corpus 'npm-publish-token-on-tag'))
        $steps.Count | Should -Be 1
        $s = $steps[0]
        $s.PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmPublishStep'
        $s.File | Should -Be '.github/workflows/release.yml'
        $s.Line | Should -Be 17
        $s.Job | Should -Be 'publish'
        "$($s.Method)" | Should -Be 'Publish'
        "$($s.Auth)" | Should -Be 'StaticToken'
        $s.TokenNames | Should -Be @('NPM_TOKEN')
        "$($s.Gate)" | Should -Be 'None'
        "$($s.Severity)" | Should -Be 'High'
        $s.RuleIds | Should -Be @('NPMH10001', 'NPMH10002', 'NPMH10007', 'NPMH10008')
        $s.Path | Should -Be ([System.IO.Path]::Combine((Join-Path $Corpus 'npm-publish-token-on-tag'), '.github', 'workflows', 'release.yml').Replace('\', '/').Replace('/', [System.IO.Path]::DirectorySeparatorChar)) -Because 'Path is the full path of File'
    }

    It 'scans the current location without -Path' {
        Push-Location -LiteralPath (Join-Path $Corpus 'nx-release-oidc')
        try { $steps = @(Get-NpmPublishPipeline) } finally { Pop-Location }
        $steps.Count | Should -Be 1
        "$($steps[0].Auth)" | Should -Be 'Oidc'
    }

    It '-Recurse finds every repository under a tree (not in node_modules), with progress' {
        $progress = @()
        $steps = @(Get-NpmPublishPipeline -Path $Tree -Recurse -ErrorAction SilentlyContinue -ErrorVariable errs 6>$null -ProgressAction Continue 2>$null)
        $steps.Count | Should -Be $ExpectedSteps
        @($steps.Repository | Select-Object -Unique).Count | Should -BeLessOrEqual $CaseCount
        @($steps | Where-Object Repository -like '*node_modules*').Count | Should -Be 0
        @($errs | Where-Object { $_.FullyQualifiedErrorId -like 'CiDefinitionUnreadable*' }).Count | Should -Be 1
    }

    It 'writes progress records while it searches a tree' {
        $ps = [PowerShell]::Create()
        try {
            [void] $ps.AddCommand('Import-Module').AddParameter('Name', $env:NPMH_MODULE_PATH).AddStatement()
            [void] $ps.AddCommand('Get-NpmPublishPipeline').AddParameter('Path', $Tree).AddParameter('Recurse').AddParameter('ErrorAction', 'SilentlyContinue')
            $out = $ps.Invoke()
            $out.Count | Should -Be $ExpectedSteps
            @($ps.Streams.Progress | Where-Object { $_.Activity -like 'Searching*repositories*' }).Count | Should -BeGreaterThan 0
            @($ps.Streams.Progress | Where-Object RecordType -eq 'Completed').Count | Should -BeGreaterThan 0
        }
        finally { $ps.Dispose() }
    }

    It '-Recurse on several threads writes what one thread writes, in the same order (steps, findings, errors)' {
        $saved = $env:NPMH_PIPELINE_WORKERS
        try {
            $runs = foreach ($workers in '1', '4') {
                $env:NPMH_PIPELINE_WORKERS = $workers
                $steps = @(Get-NpmPublishPipeline -Path $Tree -Recurse -ErrorAction SilentlyContinue -ErrorVariable stepErrors)
                $findings = @(Get-NpmPublishPipeline -Path $Tree -Recurse -Audit -ErrorAction SilentlyContinue)
                [pscustomobject]@{
                    Steps    = ($steps | ForEach-Object { "$($_.Repository)|$($_.File)|$($_.Line)|$($_.Job)|$($_.Auth)|$($_.RuleIds -join ',')" }) -join "`n"
                    Findings = ($findings | ForEach-Object { "$($_.RuleId)|$($_.Path)|$($_.Line)" }) -join "`n"
                    Errors   = ($stepErrors | ForEach-Object { "$($_.FullyQualifiedErrorId)|$($_.TargetObject)" }) -join "`n"
                }
            }
            $runs[0].Steps.Length | Should -BeGreaterThan 0
            $runs[0].Findings.Length | Should -BeGreaterThan 0
            $runs[0].Errors.Length | Should -BeGreaterThan 0
            $runs[1].Steps | Should -BeExactly $runs[0].Steps
            $runs[1].Findings | Should -BeExactly $runs[0].Findings
            $runs[1].Errors | Should -BeExactly $runs[0].Errors
        }
        finally { $env:NPMH_PIPELINE_WORKERS = $saved }
    }

    It 'stops a parallel -Recurse scan promptly on Ctrl+C (StopProcessing)' {
        $big = Join-Path $Work 'many'
        $workflow = "on:`n  push:`n    tags: ['v*']`njobs:`n  release:`n    runs-on: ubuntu-latest`n    steps:`n      - uses: actions/checkout@v4`n      - run: npm publish`n        env:`n          NODE_AUTH_TOKEN: `${{ secrets.NPM_TOKEN }}`n"
        foreach ($i in 1..2000) {
            $wf = [System.IO.Directory]::CreateDirectory((Join-Path $big ('repo-{0:0000}/.github/workflows' -f $i))).FullName
            [System.IO.File]::WriteAllText((Join-Path $wf 'release.yml'), $workflow)
        }
        $ps = [PowerShell]::Create()
        try {
            [void] $ps.AddCommand('Import-Module').AddParameter('Name', $env:NPMH_MODULE_PATH).AddStatement()
            [void] $ps.AddCommand('Get-NpmPublishPipeline').AddParameter('Path', $big).AddParameter('Recurse')
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $none = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $none.Complete()
            $async = $ps.BeginInvoke($none, $output)
            $wait = [System.Diagnostics.Stopwatch]::StartNew()
            while ($output.Count -lt 5 -and -not $async.IsCompleted -and $wait.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 10 }
            $output.Count | Should -BeGreaterOrEqual 5
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            "$($ps.InvocationStateInfo.State)" | Should -Be 'Stopped'
            $stoppedAt = $output.Count
            $stoppedAt | Should -BeLessThan 2000
            Start-Sleep -Milliseconds 300
            # nothing more is written once the pipeline has stopped (the workers were cancelled and joined)
            $output.Count | Should -Be $stoppedAt
        }
        finally { $ps.Dispose() }
    }

    It 'takes repository folders from Get-ChildItem -Directory' {
        $steps = @(Get-ChildItem -LiteralPath (Join-Path $Tree 'team-a') -Directory | Get-NpmPublishPipeline -ErrorAction SilentlyContinue)
        $direct = @(Get-ChildItem -LiteralPath (Join-Path $Tree 'team-a') -Directory | ForEach-Object { Get-NpmPublishPipeline -LiteralPath $_.FullName -ErrorAction SilentlyContinue })
        $steps.Count | Should -BeGreaterThan 5
        $steps.Count | Should -Be $direct.Count
        @($steps | Where-Object { "$($_.Auth)" -eq 'StaticToken' }).Count | Should -BeGreaterThan 0
    }

    It 'reports a bad CI file once, naming it, and reads the repository''s other files' {
        $repo = Join-Path $Corpus 'bad-workflow-beside-good-one'
        $steps = @(Get-NpmPublishPipeline -Path $repo -ErrorAction SilentlyContinue -ErrorVariable errs)
        $steps.Count | Should -Be 1
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CiDefinitionUnreadable,*'
        "$($errs[0].CategoryInfo.Category)" | Should -Be 'ParserError'
        $errs[0].TargetObject | Should -BeLike '*broken.yml'
        "$($errs[0])" | Should -Match 'broken\.yml:4: .*tab'
    }

    It 'stays bounded on an alias bomb, a 50 MB file and invalid YAML, one error each, and goes on' {
        $repo = Join-Path $Work 'hostile'
        $wf = Join-Path $repo '.github/workflows'
        [void] (New-Item -ItemType Directory -Path $wf -Force)
        $bomb = "a: &a [`"lol`",`"lol`",`"lol`",`"lol`",`"lol`",`"lol`",`"lol`",`"lol`",`"lol`"]`n"
        foreach ($i in 1..9) { $p = [char](97 + $i - 1); $n = [char](97 + $i); $bomb += "${n}: &$n [" + ((1..9 | ForEach-Object { "*$p" }) -join ',') + "]`n" }
        [System.IO.File]::WriteAllText((Join-Path $wf 'bomb.yml'), $bomb)
        $big = [System.IO.File]::Create((Join-Path $wf 'big.yml')); $big.SetLength(50MB); $big.Dispose()
        [System.IO.File]::WriteAllText((Join-Path $wf 'invalid.yml'), "on: [push`njobs: {`n")
        [System.IO.File]::WriteAllText((Join-Path $wf 'dup.yml'), "on: push`non: release`njobs: {}`n")
        Copy-Item -LiteralPath (Join-Path $Corpus 'npm-publish-token-on-tag/.github/workflows/release.yml') -Destination (Join-Path $wf 'release.yml')
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $steps = @(Get-NpmPublishPipeline -Path $repo -ErrorAction SilentlyContinue -ErrorVariable errs)
        $clock.Stop()
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 20
        $steps.Count | Should -Be 1
        @($errs | ForEach-Object { Split-Path -Leaf $_.TargetObject } | Sort-Object) | Should -Be @('big.yml', 'bomb.yml', 'dup.yml', 'invalid.yml')
        ($errs | Where-Object { $_.TargetObject -like '*bomb.yml' }).ToString() | Should -Match 'alias'
        ($errs | Where-Object { $_.TargetObject -like '*big.yml' }).ToString() | Should -Match '52,428,800 bytes'
        ($errs | Where-Object { $_.TargetObject -like '*dup.yml' }).ToString() | Should -Match "dup\.yml:2: .*'on' appears twice"
    }

    It 'refuses -Policy, -ExcludeRule and -Severity without -Audit' {
        { Get-NpmPublishPipeline -Path $Corpus -Severity High -ErrorAction Stop } | Should -Throw -ErrorId 'AuditParameterWithoutAudit,*'
    }

    It 'names a path that is not a folder' {
        $null = Get-NpmPublishPipeline -Path (Join-Path $Corpus 'npm-publish-token-on-tag/expected.json') -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'RepositoryNotFound,*'
    }
}

Describe 'Get-NpmPublishPipeline -Audit' {
    BeforeAll {
        $script:Findings = @(Get-NpmPublishPipeline -Path $Tree -Recurse -Audit -ErrorAction SilentlyContinue)
        $script:Rules = @(Get-NpmRule -Area 'Publish pipelines')
    }

    It 'writes findings of the publish-pipeline rules, from the catalog, located at file and line' {
        $Findings.Count | Should -BeGreaterThan 30
        $Rules.Count | Should -Be 11
        foreach ($f in $Findings) {
            $f.PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmFinding'
            $rule = $Rules | Where-Object RuleId -eq $f.RuleId
            $rule | Should -Not -BeNullOrEmpty
            $f.Title | Should -Be $rule.Title
            "$($f.Severity)" | Should -Be "$($rule.Severity)"
            "$($f.Status)" | Should -Be 'Fail'
            $f.Location.Path | Should -Exist
            $f.Location.Line | Should -BeGreaterThan 0
            $f.FactId | Should -Not -BeNullOrEmpty
            $f.ComputerName | Should -Be ([Environment]::MachineName)
            $f.Area | Should -Be 'Publish pipelines'
        }
        # every pipeline rule fires somewhere in the corpus
        @($Findings.RuleId | Select-Object -Unique | Sort-Object) | Should -Be @($Rules.RuleId | Sort-Object)
        $trust = @($Findings | Where-Object RuleId -eq 'NPMH10001')[0]
        $trust.Remediation.NpmCommand | Should -Match '^npm trust github .* --allow-stage-publish$'
        @($trust.Remediation.WebSteps).Count | Should -BeGreaterThan 0
    }

    It 'filters by -Severity and -ExcludeRule' {
        $high = @(Get-NpmPublishPipeline -Path $Tree -Recurse -Audit -Severity High -ErrorAction SilentlyContinue)
        $high.Count | Should -BeGreaterThan 0
        @($high | Where-Object { "$($_.Severity)" -notin 'High', 'Critical' }).Count | Should -Be 0
        $some = @(Get-NpmPublishPipeline -Path $Tree -Recurse -Audit -ExcludeRule 'NPMH10002', 'NPMH1000[78]' -ErrorAction SilentlyContinue)
        @($some | Where-Object RuleId -in 'NPMH10002', 'NPMH10007', 'NPMH10008').Count | Should -Be 0
        $some.Count | Should -BeLessThan $Findings.Count
    }

    It 'exports valid SARIF (Microsoft''s validator, GitHub rules) with the CI file locations' -Skip:(-not (Get-SarifMultitool)) {
        $sarif = Join-Path $Work 'npm-publish.sarif'
        $Findings | Export-NpmHardeningReport -Format Sarif -Path $sarif -SourceRoot $Tree
        $problems = Invoke-SarifValidation $sarif
        $problems | Should -BeNullOrEmpty -Because ($problems -join "`n")
        $log = Get-Content -LiteralPath $sarif -Raw | ConvertFrom-Json
        $log.runs[0].results.Count | Should -Be $Findings.Count
        @($log.runs[0].results | Where-Object { $_.locations[0].physicalLocation.artifactLocation.uri -like '*.github/*' }).Count | Should -BeGreaterThan 0
        @($log.runs[0].tool.driver.rules.id | Where-Object { $_ -like 'NPMH10*' }).Count | Should -Be 11
    }

    It 'gives one fact the same id in two runs' {
        $again = @(Get-NpmPublishPipeline -Path $Tree -Recurse -Audit -ErrorAction SilentlyContinue)
        @($again.FactId | Sort-Object) | Should -Be @($Findings.FactId | Sort-Object)
        @($Findings.FactId | Select-Object -Unique).Count | Should -Be $Findings.Count
    }
}

Describe 'Views and deserialization' {
    It 'formats steps and findings with the module''s views, live and after Import-Clixml' {
        $steps = @(Get-NpmPublishPipeline -Path (Join-Path $Corpus 'changesets-action-publish'))
        $findings = @(Get-NpmPublishPipeline -Path (Join-Path $Corpus 'changesets-action-publish') -Audit)
        $table = $steps | Format-Table | Out-String -Width 200
        $table | Should -Match 'Method'
        $table | Should -Match 'changesets/action@v1'
        ($findings | Format-Table | Out-String -Width 200) | Should -Match 'NPMH10001'
        $clixml = Join-Path $Work 'steps.clixml'
        @($steps) + @($findings) | Export-Clixml -LiteralPath $clixml
        $back = @(Import-Clixml -LiteralPath $clixml)
        $back[0].PSObject.TypeNames[0] | Should -Be 'NpmHardening.NpmPublishStep'
        "$($back[0].Auth)" | Should -Be 'StaticToken'
        $back[0].RuleIds | Should -Be $steps[0].RuleIds
        ($back[0] | Format-Table | Out-String -Width 200) | Should -Match 'changesets/action@v1'
        ($back[1] | Format-Table | Out-String -Width 200) | Should -Match 'NPMH100'
    }

    It 'has a table view for Deserialized.NpmHardening.NpmPublishStep and Deserialized.NpmHardening.NpmFinding' {
        $views = Get-FormatData -TypeName 'Deserialized.NpmHardening.NpmPublishStep', 'Deserialized.NpmHardening.NpmFinding'
        @($views).Count | Should -Be 2
    }
}
