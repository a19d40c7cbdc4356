using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>
    /// Package documents shaped like the registry's (registry.npmjs.org full documents: _npmUser with approver and
    /// trustedPublisher as third parties observed them, dist.signatures, dist.attestations), built per test.
    /// </summary>
    internal sealed class PackumentFixture
    {
        private readonly JsonObject _versions = new();
        private readonly JsonObject _time = new();
        private readonly JsonObject _tags = new();
        public string Name { get; }
        public PackumentFixture(string name) { Name = name; _time["created"] = "2025-01-01T00:00:00.000Z"; }

        public static string Integrity(string version) =>
            "sha512-" + Convert.ToBase64String(SHA512.HashData(Encoding.UTF8.GetBytes("tarball of " + version)));

        public JsonObject Add(string version, string published, string path, string? publisher = null, string? approver = null, string tag = "latest")
        {
            var user = new JsonObject();
            switch (path)
            {
                case "token":
                case "token+provenance":
                    user["name"] = publisher ?? "alice"; user["email"] = (publisher ?? "alice") + "@example.com"; break;
                case "oidc":
                case "oidc+staged":
                    user["name"] = "GitHub Actions"; user["email"] = "npm-oidc-no-reply@github.com";
                    user["trustedPublisher"] = new JsonObject { ["id"] = "github", ["oidcConfigId"] = "oidc:1b1f3a44-9a1c-4e4e-9c55-3f1d2a0c0d11" };
                    break;
                case "staged":
                    user["name"] = publisher ?? "alice"; user["email"] = (publisher ?? "alice") + "@example.com"; break;
                case "none":
                    user = null!; break;
                default: throw new ArgumentException(path);
            }
            if (path == "staged" || path == "oidc+staged") user["approver"] = new JsonObject { ["name"] = approver ?? "bob", ["email"] = (approver ?? "bob") + "@example.com" };
            var integrity = Integrity(version);
            var dist = new JsonObject
            {
                ["integrity"] = integrity,
                ["shasum"] = Convert.ToHexString(SHA1.HashData(Encoding.UTF8.GetBytes(version))).ToLowerInvariant(),
                ["tarball"] = $"https://registry.example/{Name}/-/{Name.Split('/').Last()}-{version}.tgz",
            };
            if (path == "token+provenance" || path.StartsWith("oidc", StringComparison.Ordinal))
                dist["attestations"] = new JsonObject
                {
                    ["url"] = $"https://registry.example/-/npm/v1/attestations/{Name}@{version}",
                    ["provenance"] = new JsonObject { ["predicateType"] = "https://slsa.dev/provenance/v1" },
                };
            var manifest = new JsonObject
            {
                ["name"] = Name, ["version"] = version, ["_id"] = Name + "@" + version,
                ["description"] = "fixture", ["dependencies"] = new JsonObject { ["left-pad"] = "^1.0.0" },
                ["scripts"] = new JsonObject { ["test"] = "node test.js" },
                ["dist"] = dist,
            };
            if (user != null) manifest["_npmUser"] = user;
            _versions[version] = manifest;
            _time[version] = published;
            _time["modified"] = published;
            if (tag != null) _tags[tag] = version;
            return manifest;
        }

        public JsonObject Version(string version) => (JsonObject)_versions[version]!;
        public void Time(string key, JsonNode? value) => _time[key] = value;
        public void Tag(string tag, string version) => _tags[tag] = version;

        public JsonObject Document() => new()
        {
            ["_id"] = Name,
            ["_rev"] = "12-abc",
            ["name"] = Name,
            ["description"] = "fixture package",
            ["dist-tags"] = _tags.DeepClone(),
            // versions before time, as the registry sends them: the reader must join them after the fact
            ["versions"] = _versions.DeepClone(),
            ["time"] = _time.DeepClone(),
            ["maintainers"] = new JsonArray(new JsonObject { ["name"] = "alice", ["email"] = "alice@example.com" }),
            ["readme"] = "# fixture\n\nA \"readme\" with escapes \\ and \u00e9.",
        };

        public string Json() => Document().ToJsonString();
        public MemoryStream Stream() => new(Encoding.UTF8.GetBytes(Json()));
    }

    /// <summary>A read-once stream made of generated pieces (a 50 MB document without 50 MB in memory).</summary>
    internal sealed class GeneratedStream : Stream
    {
        private readonly IEnumerator<byte[]> _pieces;
        private byte[] _current = Array.Empty<byte>();
        private int _offset;
        public GeneratedStream(IEnumerable<byte[]> pieces) { _pieces = pieces.GetEnumerator(); }
        public long Produced { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_offset == _current.Length)
            {
                if (!_pieces.MoveNext()) return 0;
                _current = _pieces.Current;
                _offset = 0;
            }
            int n = Math.Min(count, _current.Length - _offset);
            Buffer.BlockCopy(_current, _offset, buffer, offset, n);
            _offset += n;
            Produced += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
