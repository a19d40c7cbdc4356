using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// The registry reads of release auditing, over the shared transport: the full package document (streamed through
    /// <see cref="NpmPackumentReader"/>, never held whole), the registry's signing keys and a version's attestation bundle.
    /// </summary>
    public sealed class NpmReleaseClient
    {
        private readonly RegistryTransport _transport;

        public NpmReleaseClient(RegistryTransport transport) { _transport = transport ?? throw new ArgumentNullException(nameof(transport)); }

        /// <summary>
        /// GET {registry}{name} with Accept: application/json (the full document: the abbreviated one has no _npmUser and
        /// no per-version time), read as it arrives, at most <paramref name="maxBytes"/>.
        /// </summary>
        public NpmPackument GetPackument(string registry, RegistryCredential? credential, string package, long maxBytes = NpmPackumentReader.DefaultMaxBytes, CancellationToken cancellationToken = default) =>
            GetPackument(registry, credential, package, maxBytes, null, cancellationToken);

        /// <summary>
        /// <see cref="GetPackument(string, RegistryCredential?, string, long, CancellationToken)"/>, handing each version to
        /// <paramref name="onRelease"/> as soon as it is read (see <see cref="NpmSignaturePipeline"/>).
        /// </summary>
        public NpmPackument GetPackument(string registry, RegistryCredential? credential, string package, long maxBytes, Action<NpmPackageRelease>? onRelease, CancellationToken cancellationToken = default)
        {
            if (NpmStageClient.CheckPackageName(package) is string why) throw new ArgumentException($"'{package}': {why}.", nameof(package));
            var url = RegistryTransport.Endpoint(registry, RegistryPackageName.Escape(package));
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            var request = new RegistryRequest(HttpMethod.Get, url, credential) { Accept = "application/json" };
            try
            {
                return RegistryTransport.Sync(() => _transport.ReadStreamAsync(request, maxBytes,
                    (stream, token) => NpmPackumentReader.Read(stream, package, maxBytes, RegistryEndpoint.Safe(registry), onRelease), cancellationToken));
            }
            catch (NpmPackumentException e)
            {
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: {e.Message}");
            }
            catch (IOException e) when (!cancellationToken.IsCancellationRequested)
            {
                // the connection broke while the document was being read
                throw new RegistryException(RegistryErrorKind.Network, here, $"{here}: the answer stopped before the document ended ({e.Message}).");
            }
        }

        /// <summary>
        /// GET {registry}-/npm/v1/keys. 404 and 400 mean the registry does not sign (npm's verify-signatures skips it); any
        /// other failure is an error, as it is for npm.
        /// </summary>
        public NpmRegistryKeySet GetKeys(string registry, CancellationToken cancellationToken = default) =>
            RegistryTransport.Sync(() => GetKeysAsync(registry, cancellationToken));

        /// <summary><see cref="GetKeys"/> without blocking: the request can run alongside the package document's.</summary>
        public async Task<NpmRegistryKeySet> GetKeysAsync(string registry, CancellationToken cancellationToken = default)
        {
            var url = RegistryTransport.Endpoint(registry, "-/npm/v1/keys");
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            object? body;
            try
            {
                // the keys are public: no credential is sent for them
                body = await _transport.SendJsonAsync(new RegistryRequest(HttpMethod.Get, url, null), cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e) when (e.StatusCode == 404 || e.StatusCode == 400)
            {
                return new NpmRegistryKeySet { Registry = RegistryEndpoint.Safe(registry), Signs = false };
            }
            var keys = ReadKeys(body, here);
            return new NpmRegistryKeySet { Registry = RegistryEndpoint.Safe(registry), Keys = keys, Signs = keys.Count > 0 };
        }

        internal static IReadOnlyList<NpmRegistryKey> ReadKeys(object? body, string here)
        {
            if (!(body is JsObject o) || !(o["keys"] is List<object?> list))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: the answer has no 'keys' array.");
            var keys = new List<NpmRegistryKey>();
            foreach (var entry in list)
            {
                if (!(entry is JsObject k) || !(k["keyid"] is string id)) continue;
                var key = new NpmRegistryKey { KeyId = id, KeyType = k["keytype"] as string, Scheme = k["scheme"] as string, Key = k["key"] as string };
                var expires = k["expires"];
                if (expires is string text)
                {
                    key.Expires = NpmPackumentReader.ParseTime(text);
                    key.ExpiresUnreadable = key.Expires == null && text.Length > 0;
                }
                else if (expires != null && !(expires is bool b && !b)) key.ExpiresUnreadable = true;
                keys.Add(key);
            }
            return keys;
        }

        /// <summary>
        /// Reads the attestation bundle of <paramref name="release"/> (dist.attestations.url's path on
        /// <paramref name="registry"/>, as pacote does, so the request never leaves the registry the user named) and compares
        /// the provenance statement's subject sha512 with dist.integrity. Sets Provenance.DigestMatches and Note. The
        /// bundle's Sigstore signatures and certificates are not verified.
        /// </summary>
        public void CheckProvenance(string registry, RegistryCredential? credential, NpmPackageRelease release, CancellationToken cancellationToken = default)
        {
            var provenance = release.Provenance;
            if (provenance?.PredicateType == null) return;
            if (!Uri.TryCreate(provenance.AttestationUrl ?? "", UriKind.Absolute, out var given))
            {
                provenance.Note = "dist.attestations.url is not a URL; the bundle was not read.";
                return;
            }
            var url = RegistryTransport.Endpoint(registry, given.AbsolutePath.TrimStart('/'));
            object? body;
            try { body = RegistryTransport.Sync(() => _transport.SendJsonAsync(new RegistryRequest(HttpMethod.Get, url, credential), cancellationToken)); }
            catch (RegistryException e)
            {
                provenance.Note = "The attestation bundle could not be read: " + e.Message;
                return;
            }
            var (matches, note) = CompareSubject(body, release);
            provenance.DigestMatches = matches;
            provenance.Note = note;
        }

        /// <summary>The provenance statement's subject against the version (name, sha512 of dist.integrity).</summary>
        internal static (bool? Matches, string Note) CompareSubject(object? body, NpmPackageRelease release)
        {
            var hex = Sha512Hex(release.Integrity);
            if (hex == null) return (null, "The version has no sha512 integrity to compare the statement with.");
            if (!(body is JsObject o) || !(o["attestations"] is List<object?> list)) return (null, "The attestation answer has no 'attestations' array.");
            foreach (var entry in list)
            {
                if (!(entry is JsObject a) || !(a["predicateType"] is string type) || type != release.Provenance!.PredicateType) continue;
                var payload = ((a["bundle"] as JsObject)?["dsseEnvelope"] as JsObject)?["payload"] as string;
                if (payload == null) return (null, "The provenance attestation has no DSSE payload.");
                string statementText;
                try { statementText = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(payload)); }
                catch (FormatException) { return (false, "The provenance payload is not base64."); }
                if (!JsJson.TryParse(statementText, out var statement) || !(statement is JsObject s) || !(s["subject"] is List<object?> subjects))
                    return (false, "The provenance payload is not an in-toto statement with a subject.");
                var purl = "pkg:npm/" + release.Package + "@" + release.Version;
                foreach (var subject in subjects.OfType<JsObject>())
                {
                    var name = subject["name"] as string;
                    var digest = (subject["digest"] as JsObject)?["sha512"] as string;
                    if (name != purl && name != "pkg:npm/" + release.Package.Replace("@", "%40") + "@" + release.Version) continue;
                    return string.Equals(digest, hex, StringComparison.OrdinalIgnoreCase)
                        ? (true, "The provenance subject's sha512 is the tarball's integrity (Sigstore signatures not verified).")
                        : (false, "The provenance subject's sha512 is not the tarball's integrity: the statement describes another tarball.");
                }
                return (false, $"The provenance statement has no subject {purl}.");
            }
            return (null, "The attestation answer has no statement of the predicate type the package document names.");
        }

        /// <summary>The hex of the sha512 in an SRI string (what in-toto subjects carry); null without one.</summary>
        internal static string? Sha512Hex(string? integrity)
        {
            if (integrity == null) return null;
            foreach (var part in integrity.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!part.StartsWith("sha512-", StringComparison.Ordinal)) continue;
                var b64 = part.Substring(7);
                int q = b64.IndexOf('?');
                if (q >= 0) b64 = b64.Substring(0, q);
                try { return string.Concat(Convert.FromBase64String(b64).Select(x => x.ToString("x2", CultureInfo.InvariantCulture))); }
                catch (FormatException) { return null; }
            }
            return null;
        }
    }
}
