# Release fixtures on the staged-publishing fake (StageRegistry.ps1, dot-source it first): a registry signing key made
# here and served at /-/npm/v1/keys, and packages whose versions are real tarballs (so the real npm can install them)
# with the release markers, publish times and registry signatures each test asks for. The package document is served
# as a canned answer, so what npm and Get-NpmPackageRelease read is byte for byte the same.
# PowerShell 7 only, as the fake.

function New-ReleaseSigningKey {
    $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $spki = $key.ExportSubjectPublicKeyInfo()
    [pscustomobject]@{
        Key   = $key
        KeyId = 'SHA256:' + [Convert]::ToBase64String([System.Security.Cryptography.SHA256]::HashData($spki))
        Spki  = [Convert]::ToBase64String($spki)
    }
}

# /-/npm/v1/keys with these keys; -Expires gives each key's expires (ISO text, or $null for none), in order. Without
# keys: 404, as a registry that does not sign answers (the fake would otherwise ask for a token).
function Set-ReleaseKeys([NpmhStageRegistry] $Registry, [object[]] $Keys = @(), [object[]] $Expires = @()) {
    if ($Keys.Count -eq 0) {
        $Registry.AddResponse('GET', '/-/npm/v1/keys', 404, '{"error":"Not found"}', 'application/json', -1, $null)
        return
    }
    $list = for ($i = 0; $i -lt $Keys.Count; $i++) {
        [ordered]@{ expires = $(if ($i -lt $Expires.Count) { $Expires[$i] } else { $null }); keyid = $Keys[$i].KeyId
            keytype = 'ecdsa-sha2-nistp256'; scheme = 'ecdsa-sha2-nistp256'; key = $Keys[$i].Spki }
    }
    $Registry.AddResponse('GET', '/-/npm/v1/keys', 200, (ConvertTo-Json -Depth 5 -InputObject ([ordered]@{ keys = @($list) })), 'application/json', -1, $null)
}

function Get-ReleaseSignature($Key, [string] $Text) {
    [Convert]::ToBase64String($Key.Key.SignData([Text.Encoding]::UTF8.GetBytes($Text), [System.Security.Cryptography.HashAlgorithmName]::SHA256,
            [System.Security.Cryptography.DSASignatureFormat]::Rfc3279DerSequence))
}

# Publishes $Name with the versions described (hashtables, oldest first):
#   Version; Path = token | token+provenance | oidc | staged | oidc+staged | none; Publisher; Approver; Published (ISO);
#   Sign = valid | tampered | missing | foreign | unknown (default: valid with -Key, missing without); Tag
# and serves the resulting document. Returns it as a JsonNode.
function Publish-ReleaseFixture([NpmhStageRegistry] $Registry, [string] $Name, [hashtable[]] $Versions, $Key, $OtherKey) {
    foreach ($v in $Versions) {
        $manifest = [ordered]@{ name = $Name; version = $v.Version; description = 'release fixture'; main = 'index.js' } | ConvertTo-Json
        $tgz = [NpmhStageRegistry]::BuildTarball($manifest, @{ 'index.js' = "module.exports = '$($v.Version)'`n" })
        $null = $Registry.SeedPublished($tgz, $(if ($v.Tag) { $v.Tag } else { 'latest' }), 'seed')
    }
    $doc = [System.Text.Json.Nodes.JsonNode]::Parse($Registry.GetPackument($Name))
    foreach ($v in $Versions) {
        $entry = $doc['versions'][$v.Version]
        $dist = $entry['dist']
        $path = if ($v.Path) { $v.Path } else { 'token' }
        $publisher = if ($v.Publisher) { $v.Publisher } else { 'alice' }
        $user = [ordered]@{ name = $publisher; email = "$publisher@example.com" }
        if ($path -like 'oidc*') {
            $user = [ordered]@{ name = 'GitHub Actions'; email = 'npm-oidc-no-reply@github.com'; trustedPublisher = [ordered]@{ id = 'github'; oidcConfigId = 'oidc:1b1f3a44-9a1c-4e4e-9c55-3f1d2a0c0d11' } }
        }
        if ($path -like '*staged') { $user['approver'] = [ordered]@{ name = $(if ($v.Approver) { $v.Approver } else { 'bob' }); email = 'approver@example.com' } }
        if ($path -eq 'none') { $entry.AsObject().Remove('_npmUser') | Out-Null }
        else { $entry['_npmUser'] = [System.Text.Json.Nodes.JsonNode]::Parse(($user | ConvertTo-Json -Depth 5 -Compress)) }
        if ($path -eq 'token+provenance' -or $path -like 'oidc*') {
            $dist['attestations'] = [System.Text.Json.Nodes.JsonNode]::Parse((ConvertTo-Json -Compress -Depth 5 ([ordered]@{
                            url = "$($Registry.Url)-/npm/v1/attestations/$Name@$($v.Version)"; provenance = @{ predicateType = 'https://slsa.dev/provenance/v1' } })))
        }
        if ($v.Published) { $doc['time'][$v.Version] = $v.Published }
        # no key (Wine cannot make one; see Secrets.Tests.ps1): no signature, whatever the version asked for
        $sign = if (-not $Key) { 'missing' } elseif ($v.Sign) { $v.Sign } else { 'valid' }
        $text = "$Name@$($v.Version):" + $dist['integrity'].GetValue[string]()
        $signature = switch ($sign) {
            'valid' { @{ keyid = $Key.KeyId; sig = (Get-ReleaseSignature $Key $text) } }
            'tampered' { @{ keyid = $Key.KeyId; sig = (Get-ReleaseSignature $Key ($text + 'x')) } }
            'foreign' { @{ keyid = $Key.KeyId; sig = (Get-ReleaseSignature $OtherKey $text) } }
            'unknown' { @{ keyid = 'SHA256:not-a-published-key'; sig = (Get-ReleaseSignature $Key $text) } }
            'other' { @{ keyid = $OtherKey.KeyId; sig = (Get-ReleaseSignature $OtherKey $text) } }
            default { $null }
        }
        if ($signature) { $dist['signatures'] = [System.Text.Json.Nodes.JsonNode]::Parse((ConvertTo-Json -Compress -InputObject @($signature))) }
    }
    $escaped = '/' + $(if ($Name.StartsWith('@')) { $Name.Replace('/', '%2f') } else { $Name })
    $Registry.AddResponse('GET', $escaped, 200, $doc.ToJsonString(), 'application/json', -1, $null)
    # a JsonObject enumerates its properties: hand it over whole
    Write-Output -NoEnumerate $doc
}

# node preload for the real npm: @sigstore/tuf answers "no target" without going to the network. That is what the
# Sigstore TUF repository answers for any registry other than registry.npmjs.org, after which npm audit signatures
# reads /-/npm/v1/keys of the registry; this machine may have no network to reach tuf-repo-cdn.sigstore.dev.
function New-OfflineTufShim([string] $Directory) {
    $path = Join-Path $Directory 'tuf-offline.js'
    Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @'
const Module = require('module');
const load = Module._load;
Module._load = function (request) {
  const m = load.apply(this, arguments);
  if (request === '@sigstore/tuf') {
    return Object.assign({}, m, {
      initTUF: async () => ({
        getTarget: async (name) => { const e = new Error('no TUF target ' + name); e.code = 'TUF_FIND_TARGET_ERROR'; throw e; },
      }),
    });
  }
  return m;
};
'@
    $path
}

# npm audit signatures --json in a project that installed $Dependencies (name -> exact version) from the fake.
function Invoke-NpmAuditSignatures([pscustomobject] $Environment, [string] $Directory, [hashtable] $Dependencies, [string] $Shim) {
    $null = New-Item -ItemType Directory -Force -Path $Directory
    [ordered]@{ name = 'release-parity'; version = '1.0.0'; private = $true; dependencies = $Dependencies } | ConvertTo-Json |
        Set-Content -LiteralPath (Join-Path $Directory 'package.json') -Encoding utf8NoBOM
    $saved = $env:NODE_OPTIONS
    $env:NODE_OPTIONS = "--require $Shim"
    try {
        $install = Invoke-StageNpm -Environment $Environment -Arguments @('install', '--ignore-scripts', '--no-audit') -WorkingDirectory $Directory
        if ($install.ExitCode -ne 0) { throw "npm install failed: $($install.StdErr)" }
        Invoke-StageNpm -Environment $Environment -Arguments @('audit', 'signatures', '--json') -WorkingDirectory $Directory
    } finally { $env:NODE_OPTIONS = $saved }
}
