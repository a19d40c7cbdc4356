using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Packages;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// The review of a staged version against what is published, over the registry: the staged tarball (verified against
    /// the staged shasum) and the reference version's tarball (the packument's <c>dist.tarball</c>, verified against its
    /// <c>dist.integrity</c> or <c>dist.shasum</c>) are read by <see cref="NpmPackageComparer"/> as they download.
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
        /// <remarks>
        /// Both tarballs download at once: the reference is read as it arrives (<see cref="DownloadPipe"/>) while the
        /// staged one downloads into memory, which is read once the reference is done and the staged download verified.
        /// The staged download never waits for the reader, so a registry that answers one request at a time cannot
        /// deadlock the two. Nothing the reading made is returned before both downloads are complete and verified; when
        /// one fails, its error is thrown (the staged one's first).
        /// </remarks>
        public NpmPackageComparison Review(string registry, RegistryCredential credential, NpmStagedPackage staged, string? reference = null, CancellationToken cancellationToken = default)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            using var downloads = new Downloads(cancellationToken);
            return downloads.Run(() =>
            {
                var stagedBytes = StartStaged(downloads, registry, credential, staged);
                var name = staged.Package ?? throw new RegistryException(RegistryErrorKind.InvalidResponse, RegistryEndpoint.Safe(registry), $"{staged}: the registry names no package for the staged item.");
                PublishedSource? published;
                if (reference != null) published = Resolve(registry, credential, name, reference, required: true, downloads.Token);
                else published = Resolve(registry, credential, name, string.IsNullOrEmpty(staged.Tag) ? "latest" : staged.Tag!, required: false, downloads.Token)
                    ?? (!string.IsNullOrEmpty(staged.Tag) && staged.Tag != "latest" ? Resolve(registry, credential, name, "latest", required: false, downloads.Token) : null);
                if (published == null) _transport.Log($"{staged}: the registry has no published version of {name}; the staged version is reviewed as a first version.");
                var referenceBytes = published == null ? null : downloads.Start((destination, token) => DownloadVerifiedAsync(published, destination, token));
                return NpmPackageComparer.Compare(stagedBytes, StagedName(staged), referenceBytes, published?.Name, Limits, _computerName, downloads.Token);
            });
        }

        /// <summary>The staged version against a reference tarball the caller holds (a local file, another package's version).</summary>
        public NpmPackageComparison ReviewAgainst(string registry, RegistryCredential credential, NpmStagedPackage staged, Stream reference, string referenceName, CancellationToken cancellationToken = default)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            using var downloads = new Downloads(cancellationToken);
            return downloads.Run(() =>
            {
                var stagedBytes = StartStaged(downloads, registry, credential, staged);
                return NpmPackageComparer.Compare(stagedBytes, StagedName(staged), reference, referenceName, Limits, _computerName, downloads.Token);
            });
        }

        private static string StagedName(NpmStagedPackage staged) => $"{staged.Package}@{staged.Version} (staged {staged.StageId})";

        private Stream StartStaged(Downloads downloads, string registry, RegistryCredential credential, NpmStagedPackage staged) =>
            downloads.StartHeld((destination, token) => new NpmStageClient(_transport).ReadTarballAsync(registry, credential, staged, destination, MaxTarballBytes, token));

        /// <summary>
        /// The published tarball of <paramref name="package"/> at <paramref name="versionOrTag"/>, verified, in memory; null
        /// when the package or (unless <paramref name="required"/>) the version or tag does not exist.
        /// </summary>
        public PublishedTarball? Published(string registry, RegistryCredential? credential, string package, string versionOrTag, bool required, CancellationToken cancellationToken = default)
        {
            var source = Resolve(registry, credential, package, versionOrTag, required, cancellationToken);
            if (source == null) return null;
            var bytes = new SegmentedMemoryStream();
            try
            {
                RegistryTransport.Sync(async () =>
                {
                    await DownloadVerifiedAsync(source, bytes, cancellationToken).ConfigureAwait(false);
                    return true;
                });
                bytes.Position = 0;
                return new PublishedTarball(source.Name, source.Version, bytes);
            }
            catch
            {
                bytes.Dispose();
                throw;
            }
        }

        /// <summary>Where a published version's tarball is, who may fetch it with the credential, and what it must hash to.</summary>
        private sealed class PublishedSource
        {
            public string Package = "", Version = "", Name = "", Here = "";
            public Uri Url = null!;
            public RegistryCredential? Credential;
            public HashSet<string>? Sha512;
            public string? Sha1;
        }

        /// <summary>The package document's answer for <paramref name="versionOrTag"/>: null when it does not exist (unless required).</summary>
        private PublishedSource? Resolve(string registry, RegistryCredential? credential, string package, string versionOrTag, bool required, CancellationToken cancellationToken)
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
            return new PublishedSource
            {
                Package = package, Version = version, Name = $"{package}@{version}", Here = tarballHere, Url = tarballUrl,
                Credential = underRegistry ? credential : null, Sha512 = sha512, Sha1 = sha1,
            };
        }

        /// <summary>Downloads a published tarball into <paramref name="destination"/>, hashing it on the way; throws when it is not the one the document names.</summary>
        private async Task DownloadVerifiedAsync(PublishedSource source, Stream destination, CancellationToken cancellationToken)
        {
            using var h1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            using var h512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            var hashing = new NpmStageClient.HashingStream(destination, h1, h512);
            var request = new RegistryRequest(HttpMethod.Get, source.Url, source.Credential) { Accept = "application/octet-stream" };
            await _transport.DownloadAsync(request, hashing, MaxTarballBytes, cancellationToken).ConfigureAwait(false);
            var got1 = NpmStageClient.Hex(h1.GetHashAndReset());
            var got512 = Convert.ToBase64String(h512.GetHashAndReset());
            bool ok = source.Sha512 != null ? source.Sha512.Contains(got512) : string.Equals(got1, source.Sha1, StringComparison.OrdinalIgnoreCase);
            if (!ok)
                throw new RegistryException(RegistryErrorKind.IntegrityMismatch, source.Here,
                    $"{source.Name}: the tarball at {source.Here} is not the one the package document's {(source.Sha512 != null ? "integrity" : "shasum")} names; it was not used.");
        }

        /// <summary>
        /// The downloads of one review, each streamed into a <see cref="DownloadPipe"/>. <see cref="Run"/> returns what the
        /// reading made only once every download finished and verified; otherwise it throws the staged download's failure
        /// if it has one (as when it was downloaded before anything else), else the first other failure.
        /// </summary>
        private sealed class Downloads : IDisposable
        {
            private readonly CancellationToken _outer;
            private readonly CancellationTokenSource _cts;
            private readonly List<(DownloadPipe? Pipe, Task Task, bool Staged)> _items = new List<(DownloadPipe?, Task, bool)>();

            public Downloads(CancellationToken outer)
            {
                _outer = outer;
                _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
            }

            public CancellationToken Token => _cts.Token;

            /// <summary>A download read as it arrives.</summary>
            public DownloadPipe Start(Func<Stream, CancellationToken, Task> download)
            {
                var pipe = new DownloadPipe(_cts.Token);
                var token = _cts.Token;
                var task = Task.Run(async () =>
                {
                    try
                    {
                        await download(pipe, token).ConfigureAwait(false);
                        pipe.Complete();
                    }
                    catch (Exception e)
                    {
                        pipe.Fail(e);
                        throw;
                    }
                });
                _items.Add((pipe, task, false));
                return pipe;
            }

            /// <summary>The staged download, held in memory: its stream's first read waits for it to finish and verify.</summary>
            public Stream StartHeld(Func<Stream, CancellationToken, Task> download)
            {
                var bytes = new SegmentedMemoryStream();
                var token = _cts.Token;
                var task = Task.Run(() => download(bytes, token));
                _items.Add((null, task, true));
                _held = bytes;
                return new AfterDownload(task, bytes, token);
            }

            private SegmentedMemoryStream? _held;

            public NpmPackageComparison Run(Func<NpmPackageComparison> read)
            {
                NpmPackageComparison result;
                try
                {
                    result = read();
                }
                catch (OperationCanceledException) when (_outer.IsCancellationRequested)
                {
                    Abandon();
                    throw;
                }
                catch (Exception e)
                {
                    // the staged download, finished, decides which error the caller sees; the others are stopped
                    foreach (var item in _items) item.Pipe?.CloseReader();
                    Exception? stagedFailure = null;
                    foreach (var item in _items) if (item.Staged) stagedFailure ??= Failure(item.Task);
                    Abandon();
                    ExceptionDispatchInfo.Capture(stagedFailure ?? e).Throw();
                    throw;
                }
                // every download runs to its end (a reader that stopped early lets the rest through unread) and verifies
                foreach (var item in _items) item.Pipe?.CloseReader();
                Exception? failure = null;
                foreach (var item in _items.OrderBy(i => i.Staged ? 0 : 1)) failure ??= Failure(item.Task);
                if (failure != null) ExceptionDispatchInfo.Capture(failure).Throw();
                return result;
            }

            /// <summary>Waits for <paramref name="task"/>; its failure, or null.</summary>
            private static Exception? Failure(Task task)
            {
                try { task.Wait(); return null; }
                catch (AggregateException e) { return e.InnerExceptions.Count == 1 ? e.InnerException : e; }
            }

            private void Abandon()
            {
                _cts.Cancel();
                foreach (var item in _items) item.Pipe?.CloseReader();
                try { Task.WaitAll(_items.Select(i => i.Task).ToArray()); }
                catch (AggregateException) { /* stopped on purpose: their errors say nothing the caller's does not */ }
            }

            public void Dispose()
            {
                _held?.Dispose();
                _cts.Dispose();
            }
        }

        /// <summary>A download held in memory, readable once it finished: a failed one is an <see cref="IOException"/> to the reader.</summary>
        private sealed class AfterDownload : ForwardReadStream
        {
            private readonly Task _download;
            private readonly Stream _bytes;
            private readonly CancellationToken _cancel;
            private bool _ready;

            public AfterDownload(Task download, Stream bytes, CancellationToken cancel) { _download = download; _bytes = bytes; _cancel = cancel; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (!_ready)
                {
                    try { _download.Wait(_cancel); }
                    catch (AggregateException e) { throw new IOException("The download stopped: " + e.InnerException?.Message, e.InnerException); }
                    _bytes.Position = 0;
                    _ready = true;
                }
                return _bytes.Read(buffer, offset, count);
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
