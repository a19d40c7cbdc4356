using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// npm's staged publishing endpoints (<c>npm stage list|view|download|approve|reject</c>, lib/commands/stage/*.js) over
    /// the shared <see cref="RegistryTransport"/>. Stage ids are checked as UUIDs before any request (validate-uuid.js);
    /// a downloaded tarball is written beside its destination, verified, and only then renamed into place.
    /// </summary>
    public sealed class NpmStageClient
    {
        /// <summary>list.js: perPage 100.</summary>
        public const int PerPage = 100;
        /// <summary>The largest tarball Save-NpmStagedPackage keeps (the download stops beyond it).</summary>
        public const long MaxTarballBytes = 512L * 1024 * 1024;

        // validate-uuid.js
        private static readonly Regex Uuid = new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex Sha1Hex = new Regex("^[0-9a-f]{40}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly string[] KnownKeys = { "id", "packageName", "version", "tag", "access", "createdAt", "actor", "actorType", "shasum" };

        private readonly RegistryTransport _transport;

        public NpmStageClient(RegistryTransport transport) { _transport = transport ?? throw new ArgumentNullException(nameof(transport)); }

        /// <summary>Clock for Age (tests pin it).</summary>
        internal Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

        /// <summary>True for a stage id npm accepts (a UUID).</summary>
        public static bool IsStageId(string? id) => id != null && Uuid.IsMatch(id);

        /// <summary>
        /// A package name for the list's filter: npm takes a name without a version (<c>npa(spec).rawSpec === '*'</c>);
        /// null when it is acceptable, else why not.
        /// </summary>
        public static string? CheckPackageName(string? name)
        {
            if (string.IsNullOrWhiteSpace(name)) return "the package name is empty";
            var n = name!;
            if (n.Trim() != n || n.Any(char.IsWhiteSpace)) return "a package name has no spaces";
            int at = n.LastIndexOf('@');
            if (at > 0) return "version specifiers are not supported for listing staged packages (give the name only)";
            if (n.StartsWith("@", StringComparison.Ordinal) && (n.IndexOf('/') <= 1 || n.IndexOf('/') == n.Length - 1)) return "a scoped name is @scope/name";
            if (n.Length > 214) return "a package name has at most 214 characters";
            return null;
        }

        // ---- list and view --------------------------------------------------------------------------------

        /// <summary>GET {registry}-/stage, every page, as <c>npm stage list [name]</c> reads them.</summary>
        public IReadOnlyList<NpmStagedPackage> List(string registry, RegistryCredential credential, string? package = null, CancellationToken cancellationToken = default) =>
            RegistryTransport.Sync(() => ListAsync(registry, credential, package, cancellationToken));

        public async Task<IReadOnlyList<NpmStagedPackage>> ListAsync(string registry, RegistryCredential credential, string? package = null, CancellationToken cancellationToken = default)
        {
            if (package != null && CheckPackageName(package) is string why) throw new ArgumentException($"'{package}': {why}.", nameof(package));
            var shown = RegistryEndpoint.Safe(registry);
            var now = Now();
            var baseUrl = RegistryTransport.Endpoint(registry, "-/stage");
            return await _transport.CollectPagesAsync(page =>
            {
                // list.js builds { page, perPage[, package] } and URLSearchParams encodes it
                var query = "?page=" + page.ToString(CultureInfo.InvariantCulture) + "&perPage=" + PerPage.ToString(CultureInfo.InvariantCulture) +
                            (package != null ? "&package=" + FormEncode(package) : "");
                return new RegistryRequest(HttpMethod.Get, new Uri(baseUrl.AbsoluteUri + query), credential);
            }, body =>
            {
                if (!(body is JsObject o) || !(o["items"] is List<object?> items))
                    throw new RegistryException(RegistryErrorKind.InvalidResponse, shown + "-/stage", $"{shown}-/stage: the answer has no 'items' array; is this an npm registry with staged publishing?");
                var parsed = items.Select(i => i is JsObject item ? Parse(item, shown, now)
                    : throw new RegistryException(RegistryErrorKind.InvalidResponse, shown + "-/stage", $"{shown}-/stage: an entry of 'items' is not an object.")).ToList();
                return new RegistryResponsePage<NpmStagedPackage>(parsed, Total(o["total"]));
            }, PerPage, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// list.js compares <c>items.length &gt;= res.total</c>: JavaScript turns a numeric string into its number, and
        /// anything else (missing, null, text) makes the comparison false, so only a short page ends the list.
        /// </summary>
        private static double? Total(object? v) =>
            v is double d ? d
            : v is string s && double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : (double?)null;

        /// <summary>
        /// URLSearchParams' encoding (application/x-www-form-urlencoded), which npm's query uses: letters, digits and
        /// <c>*-._</c> stay, a space is '+', every other UTF-8 byte is %XX in upper case.
        /// </summary>
        internal static string FormEncode(string value)
        {
            var sb = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(value))
            {
                char c = (char)b;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' || c == '_') sb.Append(c);
                else if (c == ' ') sb.Append('+');
                else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>GET {registry}-/stage/{id} (npm stage view).</summary>
        public NpmStagedPackage View(string registry, RegistryCredential credential, string stageId, CancellationToken cancellationToken = default) =>
            RegistryTransport.Sync(() => ViewAsync(registry, credential, stageId, cancellationToken));

        public async Task<NpmStagedPackage> ViewAsync(string registry, RegistryCredential credential, string stageId, CancellationToken cancellationToken = default)
        {
            var url = StageUrl(registry, stageId, "");
            var body = await _transport.SendJsonAsync(new RegistryRequest(HttpMethod.Get, url, credential), cancellationToken).ConfigureAwait(false);
            if (!(body is JsObject o))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(url.AbsoluteUri), $"{RegistryEndpoint.Safe(url.AbsoluteUri)}: the staged item is not a JSON object.");
            var item = Parse(o, RegistryEndpoint.Safe(registry), Now());
            if (!string.Equals(item.StageId, stageId, StringComparison.OrdinalIgnoreCase))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(url.AbsoluteUri), $"{RegistryEndpoint.Safe(url.AbsoluteUri)}: the registry answered with another stage id.");
            return item;
        }

        // ---- approve and reject ---------------------------------------------------------------------------

        /// <summary>POST {registry}-/stage/{id}/approve with npm-otp (approve.js); the version becomes installable.</summary>
        /// <param name="legacyAuth">True when the code came from the user up front (npm --otp), which npm announces as npm-auth-type legacy.</param>
        public void Approve(string registry, RegistryCredential credential, string stageId, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false) =>
            RegistryTransport.Sync(() => _transport.SendAsync(Write(HttpMethod.Post, StageUrl(registry, stageId, "/approve"), credential, otp, legacyAuth), cancellationToken));

        /// <summary>DELETE {registry}-/stage/{id} with npm-otp (reject.js): the staged record and tarball are deleted for good.</summary>
        public void Reject(string registry, RegistryCredential credential, string stageId, string? otp, CancellationToken cancellationToken = default, bool legacyAuth = false) =>
            RegistryTransport.Sync(() => _transport.SendAsync(Write(HttpMethod.Delete, StageUrl(registry, stageId, ""), credential, otp, legacyAuth), cancellationToken));

        private static RegistryRequest Write(HttpMethod method, Uri url, RegistryCredential credential, string? otp, bool legacyAuth)
        {
            var request = new RegistryRequest(method, url, credential) { Otp = otp };
            // what npm 11 sends (captured against the test fake): the command's name, and auth-type web (its default, so the
            // registry may offer the web second factor) unless --otp was given, which makes it legacy
            request.Headers["npm-command"] = "stage";
            request.Headers["npm-auth-type"] = legacyAuth ? "legacy" : "web";
            return request;
        }

        // ---- download -------------------------------------------------------------------------------------

        /// <summary>
        /// GET {registry}-/stage/{id}/tarball into <paramref name="folder"/>: streamed to a new hidden file there, hashed as it
        /// arrives, kept only when its SHA-1 is the staged <see cref="NpmStagedPackage.Shasum"/> (and its SHA-512 is the
        /// integrity the item names, when it names one), then renamed to a name built here from the validated id and a
        /// sanitised name and version. Any failure deletes the partial file. Returns the full path.
        /// </summary>
        public string DownloadTarball(string registry, RegistryCredential credential, NpmStagedPackage staged, string folder, bool overwrite = false, CancellationToken cancellationToken = default) =>
            RegistryTransport.Sync(() => DownloadTarballAsync(registry, credential, staged, folder, overwrite, cancellationToken));

        public async Task<string> DownloadTarballAsync(string registry, RegistryCredential credential, NpmStagedPackage staged, string folder, bool overwrite = false, CancellationToken cancellationToken = default)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            var url = StageUrl(registry, staged.StageId, "/tarball");
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            if (staged.Shasum == null || !Sha1Hex.IsMatch(staged.Shasum))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here,
                    $"{staged}: the registry gives no SHA-1 (shasum) for the staged tarball, so a download could not be verified; nothing was downloaded.");
            var expectedIntegrity = staged.Extra["integrity"] as string;
            var full = Path.GetFullPath(folder);
            if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"The destination folder '{full}' does not exist.");
            var target = Path.Combine(full, FileName(staged));
            if (!string.Equals(Path.GetDirectoryName(target), full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar), StringComparison.Ordinal))
                throw new InvalidOperationException("The tarball's file name left the destination folder.");
            if (File.Exists(target) && !overwrite) throw new IOException($"'{target}' already exists; add -Force to replace it.");

            var temp = Path.Combine(full, "." + staged.StageId.ToLowerInvariant() + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial");
            bool kept = false;
            try
            {
                string sha1;
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.None))
                {
                    sha1 = await CopyVerifiedAsync(url, credential, staged, expectedIntegrity, file, MaxTarballBytes, cancellationToken).ConfigureAwait(false);
                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                if (overwrite && File.Exists(target)) File.Delete(target);
                File.Move(temp, target);
                kept = true;
                _transport.Log($"{staged}: tarball verified (sha1 {sha1}) and saved as {target}");
                return target;
            }
            finally
            {
                if (!kept)
                {
                    try { File.Delete(temp); }
                    catch (IOException) { }
                    catch (UnauthorizedAccessException) { }
                }
            }
        }

        /// <summary>
        /// GET {registry}-/stage/{id}/tarball into <paramref name="destination"/> (a review reads it from memory), verified as
        /// <see cref="DownloadTarballAsync"/> verifies it; on a mismatch the exception says so and the caller drops the bytes.
        /// </summary>
        public async Task ReadTarballAsync(string registry, RegistryCredential credential, NpmStagedPackage staged, Stream destination, long maxBytes, CancellationToken cancellationToken = default)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            var url = StageUrl(registry, staged.StageId, "/tarball");
            if (staged.Shasum == null || !Sha1Hex.IsMatch(staged.Shasum))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(url.AbsoluteUri),
                    $"{staged}: the registry gives no SHA-1 (shasum) for the staged tarball, so it could not be verified; it was not reviewed.");
            await CopyVerifiedAsync(url, credential, staged, staged.Extra["integrity"] as string, destination, maxBytes, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Streams the staged tarball into <paramref name="destination"/>, hashing it on the way; returns its SHA-1 when it is the staged one.</summary>
        private async Task<string> CopyVerifiedAsync(Uri url, RegistryCredential credential, NpmStagedPackage staged, string? expectedIntegrity, Stream destination, long maxBytes, CancellationToken cancellationToken)
        {
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            string sha1, sri;
            using (var sha1Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1))
            using (var sha512Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
            {
                var hashing = new HashingStream(destination, sha1Hash, sha512Hash);
                var request = new RegistryRequest(HttpMethod.Get, url, credential) { Accept = "application/octet-stream" };
                await _transport.DownloadAsync(request, hashing, maxBytes, cancellationToken).ConfigureAwait(false);
                sha1 = Hex(sha1Hash.GetHashAndReset());
                sri = "sha512-" + Convert.ToBase64String(sha512Hash.GetHashAndReset());
            }
            if (!string.Equals(sha1, staged.Shasum, StringComparison.OrdinalIgnoreCase))
                throw new RegistryException(RegistryErrorKind.IntegrityMismatch, here,
                    $"{staged}: the downloaded tarball's SHA-1 is {sha1}, not the staged shasum {staged.Shasum!.ToLowerInvariant()}; it was discarded. Do not approve this version before you know why.");
            if (expectedIntegrity != null && expectedIntegrity.StartsWith("sha512-", StringComparison.Ordinal) && !string.Equals(sri, expectedIntegrity, StringComparison.Ordinal))
                throw new RegistryException(RegistryErrorKind.IntegrityMismatch, here,
                    $"{staged}: the downloaded tarball's SHA-512 is not the staged integrity; it was discarded. Do not approve this version before you know why.");
            return sha1;
        }

        /// <summary>
        /// npm download's shape, <c>{name}-{version}-{id}.tgz</c> (scope's @ dropped, its slash a dash), from the id we
        /// validated and the registry's name and version cut down to letters, digits, dot, dash and underscore.
        /// </summary>
        internal static string FileName(NpmStagedPackage staged)
        {
            if (!IsStageId(staged.StageId)) throw new ArgumentException($"'{staged.StageId}' is not a stage id (a UUID).");
            var name = Sanitize((staged.Package ?? "").Replace("@", "").Replace('/', '-'));
            var version = Sanitize(staged.Version ?? "");
            var stem = (name.Length > 0 ? name + "-" : "") + (version.Length > 0 ? version + "-" : "");
            return stem + staged.StageId.ToLowerInvariant() + ".tgz";
        }

        private static string Sanitize(string text)
        {
            var sb = new StringBuilder();
            foreach (var c in text)
                sb.Append(c < 128 && (char.IsLetterOrDigit(c) || c == '.' || c == '-' || c == '_') ? c : '-');
            // no ".." and no runs of separators: a name that reads as a path is still only a name
            var s = Regex.Replace(Regex.Replace(sb.ToString(), @"\.{2,}", "-"), "-{2,}", "-").Trim('.', '-');
            return s.Length > 100 ? s.Substring(0, 100) : s;
        }

        // ---- shared ---------------------------------------------------------------------------------------

        private static Uri StageUrl(string registry, string stageId, string suffix)
        {
            if (!IsStageId(stageId)) throw new ArgumentException($"'{stageId}' is not a stage id: a stage id is a UUID (npm stage list shows them).", nameof(stageId));
            return RegistryTransport.Endpoint(registry, "-/stage/" + stageId + suffix);
        }

        internal NpmStagedPackage Parse(JsObject o, string registry, DateTimeOffset now)
        {
            var id = o["id"] as string;
            if (!IsStageId(id))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, registry, $"{registry}-/stage: a staged item has no valid id (a UUID).");
            var item = new NpmStagedPackage
            {
                StageId = id!.ToLowerInvariant(),
                Package = o["packageName"] as string,
                Version = o["version"] as string,
                Tag = o["tag"] as string,
                Access = o["access"] as string,
                StagedBy = o["actor"] as string,
                ActorType = o["actorType"] as string,
                Shasum = o["shasum"] as string,
                Registry = registry,
            };
            if (o["createdAt"] is string created && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                item.StagedAt = at;
                item.Age = now - at;
            }
            foreach (var key in o.Keys)
            {
                if (Array.IndexOf(KnownKeys, key) >= 0) continue;
                var v = o[key];
                item.Extra[key] = v is string s ? s : Js.Js.ToJson(v);
            }
            return item;
        }

        internal static string Hex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>Writes through to a file while feeding the hashes, so the tarball is read once.</summary>
        internal sealed class HashingStream : Stream
        {
            private readonly Stream _inner;
            private readonly IncrementalHash[] _hashes;
            public HashingStream(Stream inner, params IncrementalHash[] hashes) { _inner = inner; _hashes = hashes; }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() => _inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count)
            {
                foreach (var h in _hashes) h.AppendData(buffer, offset, count);
                _inner.Write(buffer, offset, count);
            }
            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                foreach (var h in _hashes) h.AppendData(buffer, offset, count);
                return _inner.WriteAsync(buffer, offset, count, cancellationToken);
            }
        }
    }
}
