# Starts and stops a real Verdaccio (tests/verdaccio, installed by build.ps1 -Task Bootstrap into .tools/verdaccio)
# on a free 127.0.0.1 port with a temporary config, storage and htpasswd, for the online cmdlet tests. Its
# JSON log (level http: one "requested" line per incoming request, the Authorization value shown as
# "<Classified>") goes to a file the tests read.

function Start-TestVerdaccio {
    $repo = $env:NPMH_REPO_ROOT
    if (-not $repo) { $repo = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path }
    $bin = [System.IO.Path]::Combine($repo, '.tools', 'verdaccio', 'node_modules', 'verdaccio', 'bin', 'verdaccio')
    if (-not (Test-Path -LiteralPath $bin)) { throw "Verdaccio is not installed at $bin. Run: ./build.ps1 -Task Bootstrap" }
    $folder = Join-Path ([System.IO.Path]::GetTempPath()) ('npmh-verdaccio-' + [guid]::NewGuid().ToString('n'))
    [void] [System.IO.Directory]::CreateDirectory($folder)
    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $config = Join-Path $folder 'config.yaml'
    $storage = (Join-Path $folder 'storage').Replace('\', '/')
    $htpasswd = (Join-Path $folder 'htpasswd').Replace('\', '/')
    @(
        "storage: '$storage'"
        'auth:'
        '  htpasswd:'
        "    file: '$htpasswd'"
        '    max_users: 100'
        'uplinks: {}'
        'packages:'
        "  '**':"
        '    access: $authenticated'
        '    publish: $authenticated'
        "listen: 127.0.0.1:$port"
        'log: { type: stdout, format: json, level: http }'
    ) -join "`n" | Set-Content -LiteralPath $config -Encoding Ascii
    $log = Join-Path $folder 'verdaccio.log'
    $process = Start-Process -FilePath 'node' -ArgumentList @("`"$bin`"", '--config', "`"$config`"") -PassThru -NoNewWindow `
        -RedirectStandardOutput $log -RedirectStandardError (Join-Path $folder 'verdaccio.err')
    $url = "http://127.0.0.1:$port/"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        if ($process.HasExited) { throw "Verdaccio exited: $(Get-Content -LiteralPath $log -Raw)" }
        try { Invoke-RestMethod -Uri "$url-/ping" -TimeoutSec 2 | Out-Null; break } catch { }
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill(); throw 'Verdaccio did not answer /-/ping within 60 s.' }
        Start-Sleep -Milliseconds 150
    }
    [pscustomobject] @{ Process = $process; Port = $port; Url = $url; Scope = "//127.0.0.1:$port/"; Folder = $folder; Log = $log }
}

function Stop-TestVerdaccio($Registry) {
    if ($null -eq $Registry) { return }
    if (-not $Registry.Process.HasExited) { $Registry.Process.Kill(); [void] $Registry.Process.WaitForExit(5000) }
    Remove-Item -LiteralPath $Registry.Folder -Recurse -Force -ErrorAction SilentlyContinue
}

function Add-TestVerdaccioUser($Registry, [string] $Name, [string] $Password) {
    # npm adduser: PUT /-/user/org.couchdb.user:NAME; the answer holds the login token
    $body = @{ name = $Name; password = $Password } | ConvertTo-Json
    (Invoke-RestMethod -Method Put -Uri "$($Registry.Url)-/user/org.couchdb.user:$Name" -Body $body -ContentType 'application/json').token
}

function Get-TestVerdaccioRequest($Registry) {
    # the "requested" lines: one per incoming request, with its headers (values of Authorization hidden)
    Start-Sleep -Milliseconds 300
    @(Get-Content -LiteralPath $Registry.Log -ErrorAction SilentlyContinue | Where-Object { $_ -match "requested '" })
}
