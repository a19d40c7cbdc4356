using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Packages
{
    /// <summary>
    /// Reads a package tarball into a <see cref="PackageSnapshot"/>: one pass over the stream, each file hashed and
    /// (JavaScript) scanned as it streams by, package.json kept (bounded) and parsed. Nothing is written to disk and
    /// nothing is executed. A tarball that cannot be read is a snapshot with <see cref="PackageSnapshot.Error"/> set.
    /// </summary>
    internal static class PackageReader
    {
        private static readonly HashSet<string> ScannedExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            ".js", ".cjs", ".mjs", ".jsx", ".ts", ".cts", ".mts", ".tsx",
        };

        /// <summary>
        /// A JavaScript file up to this size is held while it is hashed, so that a file whose content is the reference's
        /// is not scanned again (the scan's result depends on the path's extension and the content only). A larger file
        /// is scanned as it streams, as when there is no reference.
        /// </summary>
        internal const int TwinBufferBytes = 4 << 20;

        /// <summary>
        /// Reads <paramref name="tarball"/>. With <paramref name="reference"/> (the other version, read before), a JavaScript
        /// file whose path and SHA-256 are the reference's takes the reference file's scan result instead of being scanned:
        /// the same content at the same path scans the same, so the snapshot is what a full scan gives, for a tenth of the
        /// work when an update changes a tenth of the files.
        /// </summary>
        /// <param name="integrity">false: the snapshot's <see cref="PackageSnapshot.Integrity"/> and <see cref="PackageSnapshot.Shasum"/> stay null (a reference's are never shown).</param>
        public static PackageSnapshot Read(Stream tarball, NpmTarballLimits limits, System.Threading.CancellationToken cancel = default, PackageSnapshot? reference = null, bool integrity = true)
        {
            var snapshot = new PackageSnapshot();
            var lower = new Dictionary<string, string>(StringComparer.Ordinal);
            byte[]? manifest = null;
            string? manifestProblem = null;
            TarballReader? reader = null;
            var drain = new byte[16384];
            var held = new HeldContent();
            // one SHA-256 for every file of the tarball (each file's hash is taken and the hash reset): creating one per
            // file costs a native context each time, thousands of times per review
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var scans = BackgroundScans.Workers > 0 ? new BackgroundScans(limits.MaxScannedFileBytes) : null;
            try
            {
                reader = new TarballReader(tarball, limits, cancel, integrity);
                TarEntry? entry;
                while ((entry = reader.Next()) != null)
                {
                    var key = NpmKey(entry.Path);
                    CheckPath(snapshot, entry, key);
                    if (!entry.IsFile)
                    {
                        switch (entry.Kind)
                        {
                            case TarEntryKind.Directory: case TarEntryKind.GnuDumpDir: break;
                            case TarEntryKind.SymbolicLink:
                                snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.SymbolicLink, entry.Path, "→ " + (entry.LinkPath ?? "")));
                                break;
                            case TarEntryKind.Link:
                                snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.HardLink, entry.Path, "→ " + (entry.LinkPath ?? "")));
                                break;
                            default:
                                snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.SpecialEntry, entry.Path, entry.Kind == TarEntryKind.Unknown
                                    ? "type '" + Printable(entry.TypeFlag) + "'" : entry.Kind.ToString()));
                                break;
                        }
                        continue;
                    }
                    if (key.Length == 0) continue;
                    bool isManifest = key == "package.json";
                    PackageFile? twin = null;
                    reference?.Files.TryGetValue(key, out twin);
                    var file = ReadFile(reader, entry, key, limits, isManifest ? limits.MaxManifestBytes : 0, drain, twin, held, sha, scans != null, out var kept, out var toScan);
                    if (reader.Stopped) break;
                    if (toScan != null) scans!.Add(file, toScan.Value, cancel);
                    if (isManifest)
                    {
                        manifest = kept;
                        manifestProblem = kept == null ? $"package.json is larger than {limits.MaxManifestBytes:N0} bytes" : null;
                    }
                    if (snapshot.Files.ContainsKey(key))
                        snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.DuplicateName, entry.Path,
                            "a second entry installs at " + key + " and replaces the first"));
                    else
                    {
                        snapshot.Order.Add(key);
                        var folded = key.ToLowerInvariant();
                        if (lower.TryGetValue(folded, out var other) && other != key)
                            snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.CaseCollision, entry.Path,
                                key + " and " + other + " differ only in letter case: one replaces the other on Windows and macOS"));
                        else lower[folded] = key;
                    }
                    snapshot.Files[key] = file;
                }
                snapshot.Stopped = reader.Stopped;
                snapshot.Integrity = reader.Integrity;
                snapshot.Shasum = reader.Shasum;
            }
            catch (NpmTarballException e)
            {
                snapshot.Error = e;
            }
            finally
            {
                if (reader != null)
                {
                    snapshot.Bounds.AddRange(reader.Bounds);
                    snapshot.CompressedBytes = reader.CompressedBytes;
                    snapshot.UnpackedBytes = reader.UnpackedBytes;
                    snapshot.Entries = reader.Entries;
                    reader.Dispose();
                }
            }
            // every file kept has its scan before the snapshot is used, whether the reading ended, stopped or failed
            scans?.Finish();
            if (manifest != null)
            {
                string text;
                try { text = new UTF8Encoding(false, true).GetString(manifest); }
                catch (DecoderFallbackException) { text = ""; manifestProblem = "package.json is not UTF-8"; }
                if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
                if (manifestProblem == null)
                {
                    if (JsJson.TryParse(text, out var value) && value is JsObject o) snapshot.Manifest = o;
                    else manifestProblem = "package.json is not a JSON object";
                }
            }
            else if (manifestProblem == null && snapshot.Error == null && !snapshot.Stopped) manifestProblem = "the tarball has no package.json at its root";
            snapshot.ManifestProblem = manifestProblem;
            return snapshot;
        }

        /// <summary>The path npm installs an entry at and npm diff names it by: the first path segment removed.</summary>
        internal static string NpmKey(string path)
        {
            // npm diff: path.replace(/^[^/]+\/?/, '')
            if (path.Length == 0 || path[0] == '/') return path;
            int slash = path.IndexOf('/');
            return slash < 0 ? "" : path.Substring(slash + 1);
        }

        private static void CheckPath(PackageSnapshot snapshot, TarEntry entry, string key)
        {
            var p = entry.Path.Replace('\\', '/');
            if (p.StartsWith("/", StringComparison.Ordinal) || (p.Length >= 2 && p[1] == ':' && char.IsLetter(p[0])))
                snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.AbsolutePath, entry.Path, "an absolute path"));
            foreach (var segment in p.Split('/'))
                if (segment == "..")
                {
                    snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.PathTraversal, entry.Path, "a '..' segment climbs out of the package folder"));
                    break;
                }
            if (entry.LinkPath != null && (entry.Kind == TarEntryKind.SymbolicLink || entry.Kind == TarEntryKind.Link))
            {
                var l = entry.LinkPath.Replace('\\', '/');
                if (l.StartsWith("/", StringComparison.Ordinal) || Array.IndexOf(l.Split('/'), "..") >= 0)
                    snapshot.Tricks.Add(new TarballTrick(TarballTrickKind.PathTraversal, entry.Path, "the link points outside the package: " + entry.LinkPath));
            }
        }

        private static string Printable(char c) => c >= ' ' && c < 0x7f ? c.ToString() : "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture);

        /// <summary>Hashes the entry's data while it streams; scans it when it is JavaScript; keeps it when asked (package.json).</summary>
        private static PackageFile ReadFile(TarballReader reader, TarEntry entry, string key, NpmTarballLimits limits, int keep, byte[] drain,
            PackageFile? twin, HeldContent held, IncrementalHash sha, bool background, out byte[]? kept, out ArraySegment<byte>? toScan)
        {
            kept = null;
            toScan = null;
            using var tee = new TeeStream(reader.Content, keep, sha);
            CodeFacts? code = null;
            string? sha256 = null;
            var ext = System.IO.Path.GetExtension(key);
            // type declarations (.d.ts) never run: `declare module "child_process"` is not a use of it
            if (ScannedExtensions.Contains(ext) && !IsDeclaration(key))
            {
                if (held.Fill(tee, TwinBufferBytes))
                {
                    // the whole file is held: hashed first, scanned only when it is not the reference's file, and then
                    // on a worker thread while this one inflates the next files
                    sha256 = tee.Sha256Hex();
                    if (twin?.Code != null && sha256 == twin.Sha256) code = twin.Code;
                    else if (background) toScan = held.Rent();
                    else code = Scan(held.Bytes, held.Count, limits.MaxScannedFileBytes);
                }
                else code = Scan(new ConcatStream(held.AsStream(), tee), limits.MaxScannedFileBytes);   // too large to hold: scanned as it streams
            }
            tee.Drain(drain);
            var file = new PackageFile(key, tee.Length, entry.Mode, sha256 ?? tee.Sha256Hex()) { Code = code };
            file.NativeFormat = NativeFormat(tee.Head, tee.HeadLength, key);
            if (keep > 0 && tee.Kept != null) kept = tee.Kept;
            return file;
        }

        internal static CodeFacts Scan(Stream content, long maxChars)
        {
            using var text = new StreamReader(content, new UTF8Encoding(false, false), false, 8192, leaveOpen: true);
            return JsScanner.Scan(text, maxChars);
        }

        [ThreadStatic] private static Utf8BytesReader? t_text;

        /// <summary>Scans the first <paramref name="count"/> bytes of <paramref name="bytes"/>: the same facts as
        /// <see cref="Scan(Stream, long)"/> over them, with this thread's reader instead of a new stream and reader.</summary>
        internal static CodeFacts Scan(byte[] bytes, int count, long maxChars)
        {
            var text = t_text ??= new Utf8BytesReader();
            text.Start(bytes, count);
            try { return JsScanner.Scan(text, maxChars); }
            finally { text.Stop(); }
        }

        /// <summary>
        /// Scans held files on worker threads while the reader inflates the next ones: scanning is most of a review's
        /// work, inflating and hashing the rest. At most <see cref="Queued"/> files wait (each at most
        /// <see cref="TwinBufferBytes"/>), so memory stays bounded whatever the tarball holds.
        /// </summary>
        private sealed class BackgroundScans : IDisposable
        {
            /// <summary>One worker per processor beyond the reader's own, at most two; none on a single processor.</summary>
            public static readonly int Workers = Math.Min(2, Environment.ProcessorCount - 1);
            private const int Queued = 4;

            // a reference type in the queue: BlockingCollection over a value tuple of the engine's types is code no
            // ReadyToRun image holds, compiled in every new process
            private sealed class Held
            {
                public PackageFile File = null!;
                public ArraySegment<byte> Bytes;
            }

            private readonly System.Collections.Concurrent.BlockingCollection<Held> _queue =
                new System.Collections.Concurrent.BlockingCollection<Held>(Queued);
            private readonly System.Threading.Tasks.Task[] _workers;
            private readonly long _maxChars;
            private bool _finished;

            public BackgroundScans(long maxChars)
            {
                _maxChars = maxChars;
                _workers = new System.Threading.Tasks.Task[Workers];
                for (int i = 0; i < _workers.Length; i++)
                    _workers[i] = System.Threading.Tasks.Task.Factory.StartNew(Work, System.Threading.CancellationToken.None,
                        System.Threading.Tasks.TaskCreationOptions.LongRunning, System.Threading.Tasks.TaskScheduler.Default);
            }

            private void Work()
            {
                foreach (var held in _queue.GetConsumingEnumerable())
                {
                    try { held.File.Code = Scan(held.Bytes.Array!, held.Bytes.Count, _maxChars); }
                    finally { System.Buffers.ArrayPool<byte>.Shared.Return(held.Bytes.Array!); }
                }
            }

            /// <summary>Queues a file's bytes (rented from the shared pool, returned to it after the scan).</summary>
            public void Add(PackageFile file, ArraySegment<byte> bytes, System.Threading.CancellationToken cancel) =>
                _queue.Add(new Held { File = file, Bytes = bytes }, cancel);

            /// <summary>Waits for every scan queued; a scanner failure (a bug, not input: the input is in memory) is rethrown.</summary>
            public void Finish()
            {
                _finished = true;
                _queue.CompleteAdding();
                try { System.Threading.Tasks.Task.WaitAll(_workers); }
                catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                }
            }

            public void Dispose()
            {
                if (!_finished)
                {
                    // cancelled or failed: the workers finish what is queued and stop
                    _queue.CompleteAdding();
                    try { System.Threading.Tasks.Task.WaitAll(_workers); } catch (AggregateException) { }
                }
                _queue.Dispose();
            }
        }

        private static bool IsDeclaration(string path) =>
            path.EndsWith(".d.ts", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".d.mts", StringComparison.OrdinalIgnoreCase) ||
            path.EndsWith(".d.cts", StringComparison.OrdinalIgnoreCase);

        /// <summary>The executable format the first bytes announce; "Node addon" for a .node file whatever they say.</summary>
        internal static string? NativeFormat(byte[] head, int n, string path)
        {
            if (n >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F') return "ELF";
            if (n >= 4)
            {
                uint be = (uint)(head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3]);
                if (be == 0xFEEDFACE || be == 0xFEEDFACF || be == 0xCEFAEDFE || be == 0xCFFAEDFE) return "Mach-O";
                // 0xCAFEBABE is a Mach-O universal binary, and a Java class file: the second word tells them apart
                if (be == 0xCAFEBABE && n >= 8 && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] > 0 && head[7] < 30) return "Mach-O";
            }
            if (n >= 2 && head[0] == (byte)'M' && head[1] == (byte)'Z' && n >= 64) return "PE";
            if (path.EndsWith(".node", StringComparison.OrdinalIgnoreCase)) return "Node addon";
            return null;
        }

        /// <summary>One file's bytes, held to decide whether it needs a scan; one buffer per tarball, grown as files need it.</summary>
        private sealed class HeldContent
        {
            private byte[] _bytes = new byte[64 << 10];
            private int _count;

            /// <summary>Reads <paramref name="source"/> to its end into the buffer; false when it holds more than <paramref name="max"/> bytes (the first max are held).</summary>
            public bool Fill(Stream source, int max)
            {
                _count = 0;
                while (true)
                {
                    if (_count == _bytes.Length)
                    {
                        if (_count >= max)
                        {
                            // one byte more tells a file of exactly max bytes from a larger one
                            var probe = new byte[1];
                            int m = source.Read(probe, 0, 1);
                            if (m == 0) return true;
                            _overflow = probe[0];
                            _hasOverflow = true;
                            return false;
                        }
                        Array.Resize(ref _bytes, (int)Math.Min(max, (long)_bytes.Length * 2));
                    }
                    int n = source.Read(_bytes, _count, _bytes.Length - _count);
                    if (n <= 0) { _hasOverflow = false; return true; }
                    _count += n;
                }
            }

            private byte _overflow;
            private bool _hasOverflow;

            /// <summary>The buffer; its first <see cref="Count"/> bytes are what <see cref="Fill"/> read.</summary>
            public byte[] Bytes => _bytes;
            public int Count => _count;

            /// <summary>A copy of what <see cref="Fill"/> read (after it returned true), in an array rented from the shared
            /// pool: the scan worker returns it, so a review does not allocate a new array for every file it scans.</summary>
            public ArraySegment<byte> Rent()
            {
                var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(1, _count));
                Buffer.BlockCopy(_bytes, 0, copy, 0, _count);
                return new ArraySegment<byte>(copy, 0, _count);
            }

            /// <summary>What <see cref="Fill"/> read, the probe byte included.</summary>
            public Stream AsStream()
            {
                var held = new MemoryStream(_bytes, 0, _count, writable: false);
                return _hasOverflow ? new ConcatStream(held, new MemoryStream(new[] { _overflow }, writable: false)) : held;
            }
        }

        /// <summary>One stream after another, read only.</summary>
        private sealed class ConcatStream : ForwardReadStream
        {
            private readonly Stream _first, _second;
            private bool _firstDone;

            public ConcatStream(Stream first, Stream second) { _first = first; _second = second; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (!_firstDone)
                {
                    int n = _first.Read(buffer, offset, count);
                    if (n > 0 || count == 0) return n;
                    _firstDone = true;
                }
                return _second.Read(buffer, offset, count);
            }

        }

        /// <summary>A read-through stream that hashes (SHA-256), counts, remembers the first 64 bytes and keeps up to a bound.</summary>
        private sealed class TeeStream : ForwardReadStream
        {
            private readonly Stream _inner;
            private readonly IncrementalHash _sha;
            private bool _hashTaken;
            private readonly int _keep;
            private MemoryStream? _kept;
            private bool _overflow;

            /// <param name="sha">A SHA-256 with nothing appended yet; it is reset again when this stream is disposed.</param>
            public TeeStream(Stream inner, int keep, IncrementalHash sha)
            {
                _inner = inner;
                _sha = sha;
                _keep = keep;
                if (keep > 0) _kept = new MemoryStream();
            }

            public byte[] Head { get; } = new byte[64];
            public int HeadLength { get; private set; }
            public byte[]? Kept => _overflow || _kept == null ? null : _kept.ToArray();
            private long _length;
            public override long Length => _length;

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                if (n <= 0) return 0;
                if (!_hashTaken) _sha.AppendData(buffer, offset, n);
                if (HeadLength < Head.Length)
                {
                    int h = Math.Min(n, Head.Length - HeadLength);
                    Buffer.BlockCopy(buffer, offset, Head, HeadLength, h);
                    HeadLength += h;
                }
                if (_kept != null && !_overflow)
                {
                    if (_kept.Length + n > _keep) { _overflow = true; _kept = null; }
                    else _kept.Write(buffer, offset, n);
                }
                _length += n;
                return n;
            }

            public void Drain(byte[] buffer)
            {
                while (Read(buffer, 0, buffer.Length) > 0) { }
            }

            /// <summary>The SHA-256 of what was read, in lower-case hex; once per stream.</summary>
            public string Sha256Hex()
            {
                if (_hashTaken) throw new InvalidOperationException("The hash was taken already.");
                _hashTaken = true;
                var hash = _sha.GetHashAndReset();
                var hex = new char[hash.Length * 2];
                for (int i = 0; i < hash.Length; i++)
                {
                    hex[2 * i] = HexDigits[hash[i] >> 4];
                    hex[2 * i + 1] = HexDigits[hash[i] & 0xF];
                }
                return new string(hex);
            }

            private const string HexDigits = "0123456789abcdef";

            public override long Position { get => _length; set => throw new NotSupportedException(); }

            protected override void Dispose(bool disposing)
            {
                // a file left unfinished (a bound, a failure) must not leave its bytes in the next file's hash
                if (disposing && !_hashTaken) { _hashTaken = true; _sha.GetHashAndReset(); }
                base.Dispose(disposing);
            }
        }
    }
}
