using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// The review of a staged version against what is published, over the registry: the staged tarball (verified against
    /// the staged shasum) and the reference version's tarball (the packument's <c>dist.tarball</c>, verified against its
    /// <c>dist.integrity</c> or <c>dist.shasum</c>) are read into memory and handed to <see cref="NpmPackageComparer"/>.
    /// Nothing is written to disk and nothing runs. Compare-NpmStagedPackage -StageId and Approve-NpmStagedPackage use it.
    /// </summary>
    /// <remarks>
    /// The packument is a registry answer, so its tarball URL is hostile input: it must be https or loopback (the
    /// transport's rule), and it gets the credential only when it lies under the registry the credential belongs to. A
    /// public package's tarball on another host is fetched without one, as npm would fetch it.
    /// </remarks>
    public sealed class StagedPackageReviewer
    {
        /// <summary>The largest tarball read into memory for a review (each of the two).</summary>
        public const long MaxTarballBytes = 256L << 20;

        private readonly RegistryTransport _transport;
        private readonly string _computerName;

        public StagedPackageReviewer(RegistryTransport transport, string computerName)
        {
            _transport = transport ?? throw new ArgumentNullException(nameof(transport));
            _computerName = computerName ?? "";
        }

        /// <summary>Bounds for reading both tarballs (the comparer's defaults unless set).</summary>
        public NpmTarballLimits Limits { get; set; } = NpmTarballLimits.Default;

        /// <summary>
        /// Compares the staged version behind <paramref name="staged"/> with <paramref name="reference"/> (a version or a
        /// dist-tag of the same package); without one, with what the staged item's tag points to now, else <c>latest</c>,
        /// else nothing (a first version: everything is Added).
        /// </summary>
        public NpmPackageComparison Review(string registry, RegistryCredential credential, NpmStagedPackage staged, string? reference = null, CancellationToken cancellationToken = default)
        {
            using var stagedBytes = ReadStaged(registry, credential, staged, cancellationToken);
            var name = staged.Package ?? throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(registry), $"{staged}: the registry names no package for the staged item.");
            PublishedTarball? published;
            if (reference != null) published = Published(registry, credential, name, reference, required: true, cancellationToken);
            else published = Published(registry, credential, name, string.IsNullOrEmpty(staged.Tag) ? "latest" : staged.Tag!, required: false, cancellationToken)
                ?? (!string.IsNullOrEmpty(staged.Tag) && staged.Tag != "latest" ? Published(registry, credential, name, "latest", required: false, cancellationToken) : null);
            using (published)
            {
                if (published == null) _transport.Log($"{staged}: the registry has no published version of {name}; the staged version is reviewed as a first version.");
                return NpmPackageComparer.Compare(stagedBytes, StagedName(staged), published?.Bytes, published?.Name, Limits, _computerName, cancellationToken);
            }
        }

        /// <summary>The staged version against a reference tarball the caller holds (a local file, another package's version).</summary>
        public NpmPackageComparison ReviewAgainst(string registry, RegistryCredential credential, NpmStagedPackage staged, Stream reference, string referenceName, CancellationToken cancellationToken = default)
        {
            using var stagedBytes = ReadStaged(registry, credential, staged, cancellationToken);
            return NpmPackageComparer.Compare(stagedBytes, StagedName(staged), reference, referenceName, Limits, _computerName, cancellationToken);
        }

        private static string StagedName(NpmStagedPackage staged) => $"{staged.Package}@{staged.Version} (staged {staged.StageId})";

        private Stream ReadStaged(string registry, RegistryCredential credential, NpmStagedPackage staged, CancellationToken cancellationToken)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            var bytes = new SegmentedMemoryStream();
            try
            {
                RegistryTransport.Sync(async () =>
                {
                    await new NpmStageClient(_transport).ReadTarballAsync(registry, credential, staged, bytes, MaxTarballBytes, cancellationToken).ConfigureAwait(false);
                    return true;
                });
            }
            catch
            {
                bytes.Dispose();
                throw;
            }
            bytes.Position = 0;
            return bytes;
        }

        /// <summary>
        /// The published tarball of <paramref name="package"/> at <paramref name="versionOrTag"/>, verified, in memory; null
        /// when the package or (unless <paramref name="required"/>) the version or tag does not exist.
        /// </summary>
        public PublishedTarball? Published(string registry, RegistryCredential? credential, string package, string versionOrTag, bool required, CancellationToken cancellationToken = default)
        {
            if (NpmStageClient.CheckPackageName(package) is string why) throw new ArgumentException($"'{package}': {why}.", nameof(package));
            var url = RegistryTransport.Endpoint(registry, RegistryPackageName.Escape(package));
            var here = RegistryEndpoint.Safe(url.AbsoluteUri);
            object? body;
            try
            {
                // the abbreviated document npm install reads: dist-tags and each version's dist are all a review needs
                body = RegistryTransport.Sync(() => _transport.SendJsonAsync(
                    new RegistryRequest(HttpMethod.Get, url, credential) { Accept = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*" }, cancellationToken));
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound && !required)
            {
                return null;
            }
            if (!(body is JsObject doc) || !(doc["versions"] is JsObject versions))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: the package document has no 'versions' object.");
            string? version = versions[versionOrTag] is JsObject ? versionOrTag : (doc["dist-tags"] as JsObject)?[versionOrTag] as string;
            if (version == null || !(versions[version] is JsObject manifest))
            {
                if (!required) return null;
                throw new RegistryException(RegistryErrorKind.NotFound, here,
                    $"{package}@{versionOrTag}: neither a published version nor a dist-tag of {package} (give an exact version or a tag; ranges are not resolved).", 404);
            }
            if (!(manifest["dist"] is JsObject dist) || !(dist["tarball"] is string tarball) || !Uri.TryCreate(tarball, UriKind.Absolute, out var tarballUrl)
                || (tarballUrl.Scheme != Uri.UriSchemeHttps && tarballUrl.Scheme != Uri.UriSchemeHttp))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: {package}@{version} has no http(s) dist.tarball.");
            var sha512 = Sri512(dist["integrity"] as string);
            var sha1 = dist["shasum"] as string;
            if (sha512 == null && (sha1 == null || sha1.Length != 40))
                throw new RegistryException(RegistryErrorKind.InvalidResponse, here, $"{here}: {package}@{version} has neither a sha512 integrity nor a shasum, so its tarball could not be verified.");

            var registryUri = RegistryTransport.Endpoint(registry, "");
            bool underRegistry = RegistryTransport.SameOrigin(tarballUrl, registryUri) && tarballUrl.AbsolutePath.StartsWith(registryUri.AbsolutePath, StringComparison.Ordinal);
            var tarballHere = RegistryEndpoint.Safe(tarballUrl.AbsoluteUri);
            if (!underRegistry) _transport.Log($"{package}@{version}: its tarball is at {tarballHere}, outside {RegistryEndpoint.Safe(registry)}: fetched without the credential.");
            var bytes = new SegmentedMemoryStream();
            try
            {
                using (var h1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1))
                using (var h512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
                {
                    var hashing = new NpmStageClient.HashingStream(bytes, h1, h512);
                    var request = new RegistryRequest(HttpMethod.Get, tarballUrl, underRegistry ? credential : null) { Accept = "application/octet-stream" };
                    RegistryTransport.Sync(() => _transport.DownloadAsync(request, hashing, MaxTarballBytes, cancellationToken));
                    var got1 = NpmStageClient.Hex(h1.GetHashAndReset());
                    var got512 = Convert.ToBase64String(h512.GetHashAndReset());
                    bool ok = sha512 != null ? sha512.Contains(got512) : string.Equals(got1, sha1, StringComparison.OrdinalIgnoreCase);
                    if (!ok)
                        throw new RegistryException(RegistryErrorKind.IntegrityMismatch, tarballHere,
                            $"{package}@{version}: the tarball at {tarballHere} is not the one the package document's {(sha512 != null ? "integrity" : "shasum")} names; it was not used.");
                }
                bytes.Position = 0;
                return new PublishedTarball($"{package}@{version}", version, bytes);
            }
            catch
            {
                bytes.Dispose();
                throw;
            }
        }

        /// <summary>The sha512 digests (base64) an SRI string names, or null when it names none.</summary>
        private static HashSet<string>? Sri512(string? integrity)
        {
            if (string.IsNullOrWhiteSpace(integrity)) return null;
            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var part in integrity!.Split(new[] { ' ', '\t', '\n' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!part.StartsWith("sha512-", StringComparison.Ordinal)) continue;
                var digest = part.Substring(7);
                int q = digest.IndexOf('?');
                set.Add(q >= 0 ? digest.Substring(0, q) : digest);
            }
            return set.Count > 0 ? set : null;
        }
    }

    /// <summary>A published version's tarball, verified, held in memory.</summary>
    public sealed class PublishedTarball : IDisposable
    {
        internal PublishedTarball(string name, string version, Stream bytes) { Name = name; Version = version; Bytes = bytes; }

        /// <summary>name@version.</summary>
        public string Name { get; }
        public string Version { get; }
        public Stream Bytes { get; }
        public void Dispose() => Bytes.Dispose();
    }
}
