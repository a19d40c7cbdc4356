#Requires -Version 5.1
# Held-out accuracy of Get-NpmPublishPipeline (issue 11 acceptance): real CI files from public repositories, labelled
# blind before the module was run on them. Three corpora are scored the same way:
#   PipelineHeldOut   80 folders; the readers were fixed against it afterwards, so it is no longer held out
#   PipelineHeldOut2  81 folders collected and labelled blind later; fixed against afterwards too
#   PipelineHeldOut3  81 folders from other repositories again, labelled blind before this module version ever saw
#                     them: the set the acceptance line is measured on, so its floors are the issue's 95%
# Each folder is scanned as one repository; the test derives "publishes to npm" and the folder's Auth class from the
# steps the cmdlet returns, compares them with the corpus's labels.json, prints every mismatch and the accuracies per
# corpus. PipelineHeldOut must reach the issue's 95% on both. PipelineHeldOut2 does not (blind: 88.9% and 86.4%; after
# the reader fixes it led to: 93.8% and 92.6%, see its README): its test holds the figures last measured as a floor, so a
# reader change cannot make them worse, and a skipped test says that the acceptance line is not met. PipelineHeldOut3
# holds the issue's 95% itself: while the readers miss it, its floor tests fail, which is the honest state (see its
# README for the blind figures). The labels and the module are never adjusted to each other here: a miss is a finding.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop

    # Fixed with the labels, before any result was seen: a file's Auth is that of its weakest publish path, in this
    # order (the first present wins). A long-lived token anywhere in the file is what an attacker goes for.
    $script:Weakness = @('StaticToken', 'Both', 'Unknown', 'None', 'Oidc')

    function Get-FileAuth {
        param([object[]] $Steps)
        if (-not $Steps -or $Steps.Count -eq 0) { return $null }
        $present = @($Steps | ForEach-Object { [string] $_.Auth })
        foreach ($class in $Weakness) {
            if ($present -contains $class) { return $class }
        }
        # an Auth value outside the five classes of the issue: report it as is, so it shows as a mismatch
        return ($present | Select-Object -First 1)
    }

    function Get-Accuracy {
        param([object[]] $Rows, [string] $Property)
        if ($Rows.Count -eq 0) { return 0 }
        [math]::Round(100.0 * @($Rows | Where-Object $Property).Count / $Rows.Count, 1)
    }

    function Measure-HeldOutCorpus {
        param([string] $Name)
        $corpus = Join-Path $PSScriptRoot $Name
        $labelDocument = Get-Content -LiteralPath (Join-Path $corpus 'labels.json') -Raw -Encoding UTF8 | ConvertFrom-Json
        $labels = $labelDocument.labels

        $results = @(foreach ($property in $labels.PSObject.Properties) {
            $folder = $property.Name
            $label = $property.Value
            $path = Join-Path $corpus $folder
            $errors = $null
            # every NpmPublishStep counts, whatever its Registry: the labels count any npm registry (see README.md)
            $steps = @(Get-NpmPublishPipeline -LiteralPath $path -ErrorAction SilentlyContinue -ErrorVariable errors)
            $modulePublishes = $steps.Count -gt 0
            $moduleAuth = Get-FileAuth -Steps $steps
            $labelAuth = if ($label.publishesToNpm) { [string] $label.auth } else { $null }
            [pscustomobject] @{
                Folder            = $folder
                Platform          = $label.platform
                OutsideDefinition = [bool] $label.outsideDefinition
                LabelPublishes    = [bool] $label.publishesToNpm
                ModulePublishes   = $modulePublishes
                LabelAuth         = $labelAuth
                ModuleAuth        = $moduleAuth
                PublishRight      = ([bool] $label.publishesToNpm) -eq $modulePublishes
                AuthRight         = $labelAuth -eq $moduleAuth
                Steps             = $steps
                Errors            = @($errors | Where-Object { $_ })
            }
        })

        $publishAccuracy = Get-Accuracy -Rows $results -Property PublishRight
        $authAccuracy = Get-Accuracy -Rows $results -Property AuthRight
        $both = @($results | Where-Object { $_.PublishRight -and $_.AuthRight })
        $inside = @($results | Where-Object { -not $_.OutsideDefinition })

        Write-Host ''
        Write-Host ('Held-out corpus {0}: {1} files' -f $Name, $results.Count)
        foreach ($miss in $results | Where-Object { -not ($_.PublishRight -and $_.AuthRight) }) {
            Write-Host ('MISMATCH {0}/{1} [{2}{3}]: label publishes={4} auth={5}; module publishes={6} auth={7}' -f
                $Name, $miss.Folder, $miss.Platform, $(if ($miss.OutsideDefinition) { ', outside definition' } else { '' }),
                $miss.LabelPublishes, $(if ($null -eq $miss.LabelAuth) { '-' } else { $miss.LabelAuth }),
                $miss.ModulePublishes, $(if ($null -eq $miss.ModuleAuth) { '-' } else { $miss.ModuleAuth }))
            foreach ($step in $miss.Steps) {
                Write-Host ('    step {0}:{1} job={2} method={3} registry={4} auth={5} command={6}' -f
                    $step.File, $step.Line, $step.Job, $step.Method, $step.Registry, $step.Auth, $step.Command)
            }
            foreach ($record in $miss.Errors) {
                Write-Host ('    error {0}: {1}' -f $record.FullyQualifiedErrorId, $record.Exception.Message)
            }
        }
        Write-Host ('{0} publishes to npm right: {1}/{2} = {3}%' -f $Name, @($results | Where-Object PublishRight).Count, $results.Count, $publishAccuracy)
        Write-Host ('{0} Auth class right:       {1}/{2} = {3}%' -f $Name, @($results | Where-Object AuthRight).Count, $results.Count, $authAccuracy)
        Write-Host ('{0} both right:             {1}/{2} = {3}%' -f $Name, $both.Count, $results.Count, [math]::Round(100.0 * $both.Count / [math]::Max(1, $results.Count), 1))
        Write-Host ('{0} without the {1} files that publish outside the issue''s publish forms: publishes {2}%, Auth {3}%' -f
            $Name, ($results.Count - $inside.Count), (Get-Accuracy -Rows $inside -Property PublishRight), (Get-Accuracy -Rows $inside -Property AuthRight))
        foreach ($group in $results | Group-Object Platform | Sort-Object Name) {
            Write-Host ('  {0,-20} files {1,2}  publishes {2,5}%  Auth {3,5}%' -f $group.Name, $group.Count,
                (Get-Accuracy -Rows $group.Group -Property PublishRight), (Get-Accuracy -Rows $group.Group -Property AuthRight))
        }
        Write-Host ('{0} files that produced an error record: {1}' -f $Name, @($results | Where-Object { $_.Errors.Count -gt 0 }).Count)

        [pscustomobject] @{
            Name            = $Name
            Corpus          = $corpus
            Labels          = $labels
            Results         = $results
            PublishAccuracy = $publishAccuracy
            AuthAccuracy    = $authAccuracy
        }
    }

    $script:Scores = @{}
    foreach ($name in 'PipelineHeldOut', 'PipelineHeldOut2', 'PipelineHeldOut3') {
        $script:Scores[$name] = Measure-HeldOutCorpus -Name $name
    }
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NpmPublishPipeline on the held-out corpus <Name> of real CI files' -ForEach @(
    # floors: the issue's 95%, or for corpus 2 the figures measured on 2026-12-03 after the fixes (76/81 and 75/81)
    @{ Name = 'PipelineHeldOut'; PublishFloor = 95; AuthFloor = 95 }
    @{ Name = 'PipelineHeldOut2'; PublishFloor = 93.8; AuthFloor = 92.5 }
    # the held-out set proper: what the issue demands, whatever the readers reach
    @{ Name = 'PipelineHeldOut3'; PublishFloor = 95; AuthFloor = 95 }
) {
    BeforeAll {
        $score = $Scores[$Name]
    }

    It 'has a label for every corpus folder and a folder for every label' {
        $folders = @(Get-ChildItem -LiteralPath $score.Corpus -Directory | ForEach-Object Name | Sort-Object)
        $labelled = @($score.Labels.PSObject.Properties.Name | Sort-Object)
        $folders.Count | Should -BeGreaterOrEqual 80
        Compare-Object $folders $labelled | Should -BeNullOrEmpty
    }

    It 'uses only the Auth classes of the issue in the labels' {
        foreach ($result in $score.Results | Where-Object LabelPublishes) {
            $result.LabelAuth | Should -BeIn @('StaticToken', 'Oidc', 'Both', 'None', 'Unknown') -Because $result.Folder
        }
    }

    It "gets 'publishes to npm' right on at least <PublishFloor>% of files" {
        $score.PublishAccuracy | Should -BeGreaterOrEqual $PublishFloor
    }

    It 'gets the Auth class right on at least <AuthFloor>% of files' {
        $score.AuthAccuracy | Should -BeGreaterOrEqual $AuthFloor
    }

    It "reaches the issue's acceptance line, 95% on both" {
        if ($score.PublishAccuracy -lt 95 -or $score.AuthAccuracy -lt 95) {
            Set-ItResult -Skipped -Because ("not met on {0}: publishes {1:0.0}%, Auth {2:0.0}% (issue 11 stays open)" -f $Name, $score.PublishAccuracy, $score.AuthAccuracy)
            return
        }
        $score.PublishAccuracy | Should -BeGreaterOrEqual 95
        $score.AuthAccuracy | Should -BeGreaterOrEqual 95
    }
}
