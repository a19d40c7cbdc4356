# The generated package pair of the staged-package benches (Invoke-StagedCompareBenchmark.ps1,
# Invoke-StagedCompareFreshAB.ps1): two versions of a package of -Files JavaScript files in 50 folders, made of
# identifiers, numbers and strings from a fixed vocabulary so they compress about as real code does, the second with
# 10% of the files changed, 1% removed and 1% added, each packed by the real `npm pack` and sized from a 50-file probe
# so that each tarball is about -TargetMB compressed. Dot-source it, then call New-StagedCompareFixture.

$words = @('const', 'let', 'return', 'function', 'value', 'result', 'options', 'config', 'buffer', 'index', 'length', 'module',
    'exports', 'require', 'callback', 'promise', 'resolve', 'reject', 'error', 'message', 'handler', 'request', 'response',
    'stream', 'chunk', 'encode', 'decode', 'parse', 'format', 'render', 'state', 'props', 'context', 'cache', 'token', 'node')
function New-FileText([System.Random] $Rnd, [int] $Bytes, [int] $Salt) {
    $sb = New-Object System.Text.StringBuilder ($Bytes + 200)
    [void] $sb.Append("'use strict';`n// generated file $Salt`n")
    while ($sb.Length -lt $Bytes) {
        $a = $words[$Rnd.Next($words.Count)]; $b = $words[$Rnd.Next($words.Count)]; $c = $words[$Rnd.Next($words.Count)]
        [void] $sb.Append('  const ').Append($a).Append('_').Append($Rnd.Next(100000)).Append(' = ').Append($b).Append('(')
        [void] $sb.Append($c).Append(', ').Append($Rnd.Next(1000000)).Append(", '").Append($words[$Rnd.Next($words.Count)]).Append(' ').Append($Rnd.Next(10000)).Append("');`n")
    }
    return $sb.ToString()
}

function New-Version([string] $Dir, [string] $Version, [int] $BytesPerFile, [int] $Seed, [int] $Files) {
    [void] [System.IO.Directory]::CreateDirectory($Dir)
    [System.IO.File]::WriteAllText((Join-Path $Dir 'package.json'), "{`"name`":`"npmh-bench-pkg`",`"version`":`"$Version`",`"main`":`"lib/f0.js`"}")
    for ($i = 0; $i -lt $Files; $i++) {
        # v2 (seed 2): 1% of the files removed, 10% changed, 1% added past the end
        if ($Seed -eq 2 -and $i % 100 -eq 7) { continue }
        $salt = if ($Seed -eq 2 -and $i % 10 -eq 3) { $i + 1000000 } else { $i }
        $sub = Join-Path $Dir ("lib/d{0}" -f ($i % 50))
        [void] [System.IO.Directory]::CreateDirectory($sub)
        [System.IO.File]::WriteAllText((Join-Path $sub "f$i.js"), (New-FileText (New-Object System.Random $salt) $BytesPerFile $salt))
    }
    if ($Seed -eq 2) {
        for ($i = $Files; $i -lt $Files + [Math]::Max(1, [int]($Files / 100)); $i++) {
            [System.IO.File]::WriteAllText((Join-Path $Dir "lib/d0/new$i.js"), (New-FileText (New-Object System.Random $i) $BytesPerFile $i))
        }
    }
}

function New-StagedCompareFixture([string] $Folder, [int] $Files, [double] $TargetMB, [string] $Npm) {
    # Returns @{ V1; V2; BytesPerFile }: the two .tgz paths under $Folder (the unpacked folders are removed).
    function Invoke-Pack([string] $Dir, [string] $Dest) {
        [void] [System.IO.Directory]::CreateDirectory($Dest)
        $json = & $Npm pack $Dir --pack-destination $Dest --json --ignore-scripts 2>$null | Out-String | ConvertFrom-Json
        return (Join-Path $Dest $json[0].filename)
    }
    # calibrate: 50 files at 10 KB, packed, give the compressed bytes per source byte
    $probe = Join-Path $Folder 'probe'
    New-Version $probe '0.0.1' 10000 1 50
    $probeTgz = Invoke-Pack $probe (Join-Path $Folder 'probe-out')
    $ratio = (Get-Item -LiteralPath $probeTgz).Length / (50 * 10000.0)
    $bytesPerFile = [int] [Math]::Max(200, ($TargetMB * 1MB) / $Files / $ratio)
    $v1Dir = Join-Path $Folder 'v1'; $v2Dir = Join-Path $Folder 'v2'
    New-Version $v1Dir '1.0.0' $bytesPerFile 1 $Files
    New-Version $v2Dir '1.0.1' $bytesPerFile 2 $Files
    $v1 = Invoke-Pack $v1Dir (Join-Path $Folder 'tgz1')
    $v2 = Invoke-Pack $v2Dir (Join-Path $Folder 'tgz2')
    Remove-Item -LiteralPath $v1Dir, $v2Dir, $probe -Recurse -Force
    return @{ V1 = $v1; V2 = $v2; BytesPerFile = $bytesPerFile }
}
