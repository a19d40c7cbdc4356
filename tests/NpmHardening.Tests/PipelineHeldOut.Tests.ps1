#Requires -Version 5.1
# Held-out accuracy of Get-NpmPublishPipeline (issue 11 acceptance): 80 real CI files from public repositories
# (tests/NpmHardening.Tests/PipelineHeldOut), labelled blind before the module was run on them. Each folder is
# scanned as one repository; the test derives "publishes to npm" and the file's Auth class from the steps the
# cmdlet returns, compares them with labels.json, prints every mismatch and the accuracies, and asserts that both
# accuracies reach 95%. The labels and the module are never adjusted to each other here: a miss is a finding.

BeforeAll {
    Import-Module -Name $env:NPMH_MODULE_PATH -Force -ErrorAction Stop
    $script:Corpus = Join-Path $PSScriptRoot 'PipelineHeldOut'
    $labelDocument = Get-Content -LiteralPath (Join-Path $Corpus 'labels.json') -Raw -Encoding UTF8 | ConvertFrom-Json
    $script:Labels = $labelDocument.labels

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

    $script:Results = foreach ($property in $Labels.PSObject.Properties) {
        $folder = $property.Name
        $label = $property.Value
        $path = Join-Path $Corpus $folder
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
    }

    function Get-Accuracy {
        param([object[]] $Rows, [string] $Property)
        if ($Rows.Count -eq 0) { return 0 }
        [math]::Round(100.0 * @($Rows | Where-Object $Property).Count / $Rows.Count, 1)
    }

    $script:PublishAccuracy = Get-Accuracy -Rows $Results -Property PublishRight
    $script:AuthAccuracy = Get-Accuracy -Rows $Results -Property AuthRight
    $both = @($Results | Where-Object { $_.PublishRight -and $_.AuthRight })
    $inside = @($Results | Where-Object { -not $_.OutsideDefinition })

    Write-Host ''
    Write-Host ('Held-out corpus: {0} files' -f $Results.Count)
    foreach ($miss in $Results | Where-Object { -not ($_.PublishRight -and $_.AuthRight) }) {
        Write-Host ('MISMATCH {0} [{1}{2}]: label publishes={3} auth={4}; module publishes={5} auth={6}' -f
            $miss.Folder, $miss.Platform, $(if ($miss.OutsideDefinition) { ', outside definition' } else { '' }),
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
    Write-Host ('publishes to npm right: {0}/{1} = {2}%' -f @($Results | Where-Object PublishRight).Count, $Results.Count, $PublishAccuracy)
    Write-Host ('Auth class right:       {0}/{1} = {2}%' -f @($Results | Where-Object AuthRight).Count, $Results.Count, $AuthAccuracy)
    Write-Host ('both right:             {0}/{1} = {2}%' -f $both.Count, $Results.Count, [math]::Round(100.0 * $both.Count / $Results.Count, 1))
    Write-Host ('without the {0} files that publish outside the issue''s publish forms: publishes {1}%, Auth {2}%' -f
        ($Results.Count - $inside.Count), (Get-Accuracy -Rows $inside -Property PublishRight), (Get-Accuracy -Rows $inside -Property AuthRight))
    foreach ($group in $Results | Group-Object Platform | Sort-Object Name) {
        Write-Host ('  {0,-20} files {1,2}  publishes {2,5}%  Auth {3,5}%' -f $group.Name, $group.Count,
            (Get-Accuracy -Rows $group.Group -Property PublishRight), (Get-Accuracy -Rows $group.Group -Property AuthRight))
    }
    $errored = @($Results | Where-Object { $_.Errors.Count -gt 0 })
    Write-Host ('files that produced an error record: {0}' -f $errored.Count)
}

AfterAll {
    Remove-Module -Name NpmHardening -Force -ErrorAction SilentlyContinue
}

Describe 'Get-NpmPublishPipeline on the held-out corpus of real CI files' {
    It 'has a label for every corpus folder and a folder for every label' {
        $folders = @(Get-ChildItem -LiteralPath $Corpus -Directory | ForEach-Object Name | Sort-Object)
        $labelled = @($Labels.PSObject.Properties.Name | Sort-Object)
        $folders.Count | Should -BeGreaterOrEqual 80
        Compare-Object $folders $labelled | Should -BeNullOrEmpty
    }

    It 'uses only the Auth classes of the issue in the labels' {
        foreach ($result in $Results | Where-Object LabelPublishes) {
            $result.LabelAuth | Should -BeIn @('StaticToken', 'Oidc', 'Both', 'None', 'Unknown') -Because $result.Folder
        }
    }

    It "gets 'publishes to npm' right on at least 95% of files" {
        $PublishAccuracy | Should -BeGreaterOrEqual 95
    }

    It 'gets the Auth class right on at least 95% of files' {
        $AuthAccuracy | Should -BeGreaterOrEqual 95
    }
}
