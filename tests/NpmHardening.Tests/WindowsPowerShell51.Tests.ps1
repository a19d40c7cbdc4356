#Requires -Version 5.1
# The scripts that run in Windows PowerShell 5.1 (build.ps1, the Intune detection and remediation scripts, the DSC
# resource and its DSC v3 script, and every script that declares #Requires -Version 5.1) use only the 5.1 language and
# cmdlets. No 5.1 runs here, so PowerShell 7's parser builds each syntax tree and PowerShell51Syntax.ps1 walks it for
# what 5.1 lacks. The walker is first shown to find each construct, so an empty answer means something.

BeforeDiscovery {
    $root = if ($env:NPMH_REPO_ROOT) { $env:NPMH_REPO_ROOT } else { [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..')) }
    $named = @(
        'build.ps1',
        'docs/examples/intune/Detect-NpmHardening.ps1',
        'docs/examples/intune/Remediate-NpmHardening.ps1',
        'src/NpmHardeningDsc/NpmHardeningDsc.psm1',
        'src/NpmHardeningDsc/NpmHardening.dsc.ps1',
        'src/NpmHardeningDsc/NpmHardeningDsc.psd1',
        'NpmHardening.psd1'
    ) | ForEach-Object { [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($root, $_)) }
    # The source tree only: build output, tools and the Wine prefix (whose Z: drive is the whole file system) are pruned.
    $pruned = @('out', 'bin', 'obj', '.tools', '.git', 'node_modules', 'TestResults', '.bench', 'BenchmarkDotNet.Artifacts')
    $declared = New-Object System.Collections.Generic.List[string]
    $folders = New-Object System.Collections.Generic.Stack[string]
    $folders.Push($root)
    while ($folders.Count -gt 0) {
        $folder = $folders.Pop()
        foreach ($sub in [System.IO.Directory]::GetDirectories($folder)) {
            if ($pruned -notcontains [System.IO.Path]::GetFileName($sub) -and -not ([System.IO.File]::GetAttributes($sub) -band [System.IO.FileAttributes]::ReparsePoint)) { $folders.Push($sub) }
        }
        foreach ($file in [System.IO.Directory]::GetFiles($folder)) {
            if ($file -notmatch '\.(ps1|psm1)$') { continue }
            if ((Get-Content -LiteralPath $file -TotalCount 5) -match '^#Requires -Version 5\.1') { $declared.Add($file) }
        }
    }
    $script:Scripts = @($named + $declared | Sort-Object -Unique | ForEach-Object {
        @{ Path = $_; Name = $_.Substring($root.Length).TrimStart('\', '/') } })
}

BeforeAll {
    # PowerShell 7's syntax tree is what is walked: in Windows PowerShell 5.1 itself (build.ps1 -WindowsPowerShell) the
    # scripts are simply run, and these tests skip.
    if ($PSVersionTable.PSEdition -ne 'Desktop') { . (Join-Path $PSScriptRoot 'PowerShell51Syntax.ps1') }
}

Describe 'The PowerShell 7 feature walker' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
    It 'finds <Construct> in <Code>' -ForEach @(
        @{ Code = '$a = $b ?? 1'; Construct = 'null-coalescing operator' }
        @{ Code = '$a ??= 1'; Construct = 'null-coalescing assignment' }
        @{ Code = '$x = ${a}?.Length'; Construct = 'null-conditional member access' }
        @{ Code = '${a}?.ToString()'; Construct = 'null-conditional member access' }
        @{ Code = '${a}?[0]'; Construct = 'null-conditional index' }
        @{ Code = '$a = $true ? 1 : 2'; Construct = 'ternary operator' }
        @{ Code = 'git status && git diff'; Construct = 'pipeline chain operator' }
        @{ Code = 'Test-Path x || exit 1'; Construct = 'pipeline chain operator' }
        @{ Code = '1..3 | ForEach-Object -Parallel { $_ }'; Construct = 'ForEach-Object -Parallel' }
        @{ Code = '1..3 | % -Par { $_ } -Throttle 2'; Construct = 'ForEach-Object -Parallel' }
        @{ Code = 'function f { process { } clean { } }'; Construct = 'clean {} block' }
        @{ Code = 'Join-Path a b c'; Construct = 'Join-Path with more than two path parts' }
        @{ Code = 'Join-Path -Path a -ChildPath b -AdditionalChildPath c'; Construct = 'Join-Path -AdditionalChildPath' }
        @{ Code = '"{}" | ConvertFrom-Json -AsHashtable'; Construct = 'ConvertFrom-Json -AsHashtable' }
        @{ Code = 'Get-Content x -AsByteStream'; Construct = 'Get-Content -AsByteStream' }
        @{ Code = 'Set-Content x y -Encoding utf8NoBOM'; Construct = '-Encoding utf8NoBOM' }
        @{ Code = 'Out-File -FilePath x -Encoding:utf8BOM'; Construct = '-Encoding utf8BOM' }
        @{ Code = 'irm https://x -SkipCertificateCheck'; Construct = 'Invoke-RestMethod -SkipCertificateCheck' }
        @{ Code = 'Get-Error'; Construct = 'command Get-Error' }
    ) {
        $found = @(Find-Pwsh7Syntax -Text $Code)
        $found.Count | Should -BeGreaterThan 0
        ($found.Construct -join '; ') | Should -BeLike "*$Construct*"
    }

    It 'reports nothing in the 5.1 forms of the same ideas: <Code>' -ForEach @(
        @{ Code = 'if ($null -eq $b) { $a = 1 } else { $a = $b }' }
        @{ Code = 'if ($a) { $a.Length }; $a[0]; "$a?"; $h = @{ "a?" = 1 }' }
        @{ Code = 'git status; if ($LASTEXITCODE -eq 0) { git diff }' }
        @{ Code = '1..3 | ForEach-Object -Process { $_ } -Begin { } -End { }; 1..3 | % { $_ }' }
        @{ Code = 'Join-Path a b; Join-Path -Path a -ChildPath b; [System.IO.Path]::Combine("a", "b", "c")' }
        @{ Code = 'Get-Content x -Raw -Encoding UTF8; Get-Content x -Encoding Byte -ReadCount 0; Set-Content x y -Encoding Ascii' }
        @{ Code = 'function f { begin { } process { } end { } }; $clean = 1; Write-Output clean' }
        @{ Code = '$a -band 1 -bor 2; $x = -not $y; & $cmd @args | Out-Null' }
    ) {
        @(Find-Pwsh7Syntax -Text $Code) | Should -BeNullOrEmpty
    }

    It 'reports a parse error as a finding' {
        @(Find-Pwsh7Syntax -Text 'function f {').Construct | Should -BeLike 'parse error*'
    }
}

Describe 'Scripts that run in Windows PowerShell 5.1' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
    It 'found the named scripts and those that declare #Requires -Version 5.1' {
        $Scripts.Count | Should -BeGreaterThan 10
        @($Scripts.Name) | Should -Contain 'build.ps1'
    }

    It '<Name> uses only the 5.1 language and cmdlets' -ForEach $Scripts {
        Test-Path -LiteralPath $Path | Should -BeTrue
        $found = @(Get-Pwsh7SyntaxInFile $Path)
        $found | Should -BeNullOrEmpty -Because (($found | ForEach-Object { "line $($_.Line): $($_.Construct): $($_.Text)" }) -join "`n")
    }
}
