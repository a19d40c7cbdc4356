using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace NpmHardening.Engine.Packages
{
    /// <summary>
    /// Reads a gzip-compressed tar stream (ustar, pax and GNU long names) one entry at a time, in memory, never
    /// touching the disk. The caller reads each file's data through <see cref="Content"/> (or not at all); the reader
    /// skips what is left. Every bound of <see cref="NpmTarballLimits"/> is checked before the data it guards is
    /// read: past one, reading stops and <see cref="Bounds"/> says where. Bad input (not gzip, not tar, truncated)
    /// throws <see cref="NpmTarballException"/> and nothing else.
    /// </summary>
    /// <remarks>
    /// Header handling follows npm's tar reader (node-tar 7, read in npm 11.19.1): a ustar prefix only with the
    /// "ustar\0" + "00" magic; pax keys path, linkpath and size; a global header's path is ignored; one zero block is
    /// skipped and two end the archive; an extended header larger than its bound is skipped, as node-tar does.
    /// </remarks>
    internal sealed class TarballReader : IDisposable
    {
        private const int Block = 512;

        private readonly NpmTarballLimits _limits;
        private readonly HashingStream _source;
        private readonly GZipStream _gzip;
        private readonly byte[] _header = new byte[Block];
        private readonly byte[] _skip = new byte[16384];
        private readonly List<TarballBoundHit> _bounds = new List<TarballBoundHit>();
        private Dictionary<string, string>? _pax;
        private Dictionary<string, string>? _globalPax;
        private long _remain;      // data bytes of the current entry not yet read
        private long _padding;     // padding after the current entry's data
        private long _unpacked;
        private int _entries;
        private bool _sawEntry;
        private bool _ended;
        private bool _stopped;

        private readonly System.Threading.CancellationToken _cancel;

        /// <param name="integrity">false: <see cref="Integrity"/> and <see cref="Shasum"/> stay null and the compressed
        /// bytes are not hashed (a reference version's hashes are never shown, and cost a SHA-512 and a SHA-1 of it).</param>
        public TarballReader(Stream source, NpmTarballLimits limits, System.Threading.CancellationToken cancel = default, bool integrity = true)
        {
            _cancel = cancel;
            limits.Validate();
            _limits = limits;
            _source = new HashingStream(source, integrity);
            var magic = new byte[2];
            int got = ReadSource(magic, 0, 2);
            if (got == 0) throw new NpmTarballException(NpmTarballProblem.Truncated, "The tarball is empty.");
            if (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
                throw new NpmTarballException(NpmTarballProblem.NotGzip, "The file is not gzip-compressed (npm pack always writes gzip; a plain, brotli or zstd tar is not reviewed).");
            _source.Unread(magic, got);
            _gzip = new GZipStream(_source, CompressionMode.Decompress, leaveOpen: true);
            Content = new EntryContent(this);
        }

        /// <summary>The bounds reached so far.</summary>
        public IReadOnlyList<TarballBoundHit> Bounds => _bounds;
        /// <summary>Reading stopped at a bound before the end of the archive.</summary>
        public bool Stopped => _stopped;
        /// <summary>The end-of-archive blocks were read.</summary>
        public bool Complete => _ended;
        public long UnpackedBytes => _unpacked;
        public long CompressedBytes => _source.Count;
        public int Entries => _entries;

        /// <summary>The current entry's data: exactly its declared size, or less when a bound stops the reading.</summary>
        public Stream Content { get; }

        /// <summary>npm's <c>dist.integrity</c> (sha512-…) and <c>dist.shasum</c> of the compressed bytes; null unless read to the end.</summary>
        public string? Integrity { get; private set; }
        public string? Shasum { get; private set; }

        /// <summary>The next entry (extended headers applied), or null at the end of the archive or at a bound.</summary>
        public TarEntry? Next()
        {
            if (_ended || _stopped) return null;
            SkipRest();
            if (_stopped) return null;
            bool sawZero = false;
            while (true)
            {
                if (!ReadBlock(_header, mayEnd: true))
                {
                    if (_stopped) return null;
                    // a stream that ends cleanly between entries without the two zero blocks: npm pack never writes one
                    throw Fail(NpmTarballProblem.Truncated, "The tar stream ends without its end-of-archive blocks (truncated).");
                }
                if (IsZero(_header))
                {
                    if (sawZero) { Finish(); return null; }
                    sawZero = true;
                    continue;
                }
                sawZero = false;
                if (!ChecksumValid(_header))
                    throw Fail(NpmTarballProblem.BadHeader,
                        _sawEntry ? "A tar header block has a bad checksum." : "The gzip data is not a tar archive (the first header's checksum is wrong).");
                _sawEntry = true;

                char type = (char)_header[156];
                long size = ParseSize();
                string? name = Text(0, 100);
                string? link = Text(157, 100);
                int mode = (int)(ParseOctal(100, 8) & 0xFFF);
                bool ustar = Ascii(257, 8) == "ustar\000";
                if (ustar)
                {
                    var prefix = Text(345, 155);
                    if (!string.IsNullOrEmpty(prefix)) name = prefix + "/" + name;
                }

                if (type == 'x' || type == 'g' || type == 'L' || type == 'K' || type == 'X')
                {
                    if (!CheckDeclared(size, name)) return null;
                    if (size > _limits.MaxPaxHeaderBytes)
                    {
                        // node-tar ignores an oversized meta entry and goes on; so do we, and say so
                        _bounds.Add(new TarballBoundHit(NpmTarballBound.PaxHeaderBytes, _limits.MaxPaxHeaderBytes, size, name, stopped: false));
                        Begin(size);
                        SkipRest();
                        if (_stopped) return null;
                        continue;
                    }
                    var meta = ReadMeta((int)size);
                    if (meta == null) return null;
                    switch (type)
                    {
                        case 'x': case 'X': _pax = ParsePax(meta, _pax); break;
                        case 'g': _globalPax = ParsePax(meta, _globalPax); break;
                        case 'L': (_pax ??= new Dictionary<string, string>(StringComparer.Ordinal))["path"] = CutAtNul(Encoding.UTF8.GetString(meta)); break;
                        case 'K': (_pax ??= new Dictionary<string, string>(StringComparer.Ordinal))["linkpath"] = CutAtNul(Encoding.UTF8.GetString(meta)); break;
                    }
                    continue;
                }

                // extended headers apply: global first, then per-entry; a global path is ignored (node-tar)
                foreach (var ext in new[] { _globalPax, _pax })
                {
                    if (ext == null) continue;
                    if (ext != _globalPax && ext.TryGetValue("path", out var p)) name = p;
                    if (ext.TryGetValue("linkpath", out var l)) link = l;
                    if (ext.TryGetValue("size", out var s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) size = n;
                }
                _pax = null;

                _entries++;
                if (_entries > _limits.MaxEntries)
                {
                    Stop(NpmTarballBound.Entries, _limits.MaxEntries, _entries, null);
                    return null;
                }
                var kind = KindOf(type);
                // node-tar reads data only for types that carry it; links, devices and directories declare 0 in practice,
                // and a declared size on them is still data that follows the header
                if (size > _limits.MaxEntryBytes)
                {
                    Stop(NpmTarballBound.EntryBytes, _limits.MaxEntryBytes, size, Cut(name ?? ""));
                    return null;
                }
                if (!CheckDeclared(size, name)) return null;
                name ??= "";
                bool cut = false;
                if (name.Length > _limits.MaxPathLength)
                {
                    _bounds.Add(new TarballBoundHit(NpmTarballBound.PathLength, _limits.MaxPathLength, name.Length, Cut(name), stopped: false));
                    name = name.Substring(0, _limits.MaxPathLength);
                    cut = true;
                }
                if (link != null && link.Length > _limits.MaxPathLength) link = link.Substring(0, _limits.MaxPathLength);
                Begin(size);
                return new TarEntry(name, kind, type, size, mode, string.IsNullOrEmpty(link) ? null : link, cut);
            }
        }

        private static string Cut(string path) => path.Length > 200 ? path.Substring(0, 200) + "…" : path;

        private static TarEntryKind KindOf(char type)
        {
            switch (type)
            {
                case '0': return TarEntryKind.File;
                case '\0': return TarEntryKind.OldFile;
                case '7': return TarEntryKind.ContiguousFile;
                case '1': return TarEntryKind.Link;
                case '2': return TarEntryKind.SymbolicLink;
                case '3': return TarEntryKind.CharacterDevice;
                case '4': return TarEntryKind.BlockDevice;
                case '5': return TarEntryKind.Directory;
                case '6': return TarEntryKind.Fifo;
                case 'D': return TarEntryKind.GnuDumpDir;
                default: return TarEntryKind.Unknown;
            }
        }

        /// <summary>The declared data (rounded to blocks) still fits the unpacked bound; otherwise stop before reading it.</summary>
        private bool CheckDeclared(long size, string? name)
        {
            if (size < 0) throw Fail(NpmTarballProblem.BadHeader, "A tar header declares a negative size.");
            long blocks = (size + Block - 1) / Block * Block;
            if (size > long.MaxValue - Block || _unpacked + blocks > _limits.MaxUnpackedBytes)
            {
                Stop(NpmTarballBound.UnpackedBytes, _limits.MaxUnpackedBytes, (double)_unpacked + blocks, name == null ? null : Cut(name));
                return false;
            }
            return true;
        }

        private void Begin(long size)
        {
            _remain = size;
            _padding = (Block - size % Block) % Block;
        }

        private byte[]? ReadMeta(int size)
        {
            Begin(size);
            var data = new byte[size];
            int off = 0;
            while (off < size)
            {
                int n = ReadData(data, off, size - off);
                if (n == 0) return _stopped ? null : throw Fail(NpmTarballProblem.Truncated, "The tar stream ends inside an extended header.");
                off += n;
            }
            SkipRest();
            return _stopped ? null : data;
        }

        /// <summary>pax records: "&lt;length&gt; &lt;key&gt;=&lt;value&gt;\n", as node-tar parses them (a bad record is skipped).</summary>
        private static Dictionary<string, string> ParsePax(byte[] data, Dictionary<string, string>? into)
        {
            var result = into ?? new Dictionary<string, string>(StringComparer.Ordinal);
            int pos = 0;
            while (pos < data.Length)
            {
                int space = Array.IndexOf(data, (byte)' ', pos);
                if (space < 0) break;
                if (!int.TryParse(Encoding.ASCII.GetString(data, pos, space - pos), NumberStyles.None, CultureInfo.InvariantCulture, out var len) ||
                    len <= space - pos + 1 || pos + len > data.Length)
                    break;
                var record = Encoding.UTF8.GetString(data, space + 1, pos + len - space - 1);
                pos += len;
                if (record.EndsWith("\n", StringComparison.Ordinal)) record = record.Substring(0, record.Length - 1);
                int eq = record.IndexOf('=');
                if (eq <= 0) continue;
                var key = record.Substring(0, eq);
                var value = CutAtNul(record.Substring(eq + 1));
                if (key == "path" || key == "linkpath" || key == "size") result[key] = value;
            }
            return result;
        }

        private static string CutAtNul(string s)
        {
            int z = s.IndexOf('\0');
            return z < 0 ? s : s.Substring(0, z);
        }

        private void Stop(NpmTarballBound bound, double limit, double actual, string? path)
        {
            _stopped = true;
            _remain = 0;
            _padding = 0;
            _bounds.Add(new TarballBoundHit(bound, limit, actual, path, stopped: true));
        }

        private void Finish()
        {
            _ended = true;
            // hash the rest of the compressed source too, so the integrity covers the whole file (trailing bytes included)
            // trailing bytes after the archive are bounded like everything else: a stream that goes on past the
            // unpacked bound gets no integrity rather than an endless read
            var buffer = new byte[16384];
            long trailing = 0;
            try
            {
                int n;
                while ((n = _source.ReadRemaining(buffer)) > 0)
                {
                    trailing += n;
                    if (trailing > _limits.MaxUnpackedBytes) return;
                }
            }
            catch (IOException e) { throw Fail(NpmTarballProblem.ReadFailed, "Reading the tarball failed: " + e.Message, e); }
            if (!_source.Hashes) return;
            Integrity = "sha512-" + Convert.ToBase64String(_source.Sha512());
            Shasum = Hex(_source.Sha1());
        }

        private static string Hex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        private void SkipRest()
        {
            while (_remain > 0 && !_stopped)
            {
                int n = ReadData(_skip, 0, (int)Math.Min(_skip.Length, _remain));
                if (n == 0 && !_stopped) throw Fail(NpmTarballProblem.Truncated, "The tar stream ends inside an entry's data (truncated).");
            }
            while (_padding > 0 && !_stopped)
            {
                int n = ReadUnpacked(_skip, 0, (int)_padding);
                if (n == 0) throw Fail(NpmTarballProblem.Truncated, "The tar stream ends inside an entry's padding (truncated).");
                _padding -= n;
            }
        }

        /// <summary>Reads the current entry's data; 0 at its end (or when a bound stopped the reading).</summary>
        internal int ReadData(byte[] buffer, int offset, int count)
        {
            if (_remain <= 0 || _stopped) return 0;
            int n = ReadUnpacked(buffer, offset, (int)Math.Min(count, _remain));
            if (n == 0 && !_stopped) throw Fail(NpmTarballProblem.Truncated, "The tar stream ends inside an entry's data (truncated).");
            _remain -= n;
            return n;
        }

        private bool ReadBlock(byte[] block, bool mayEnd)
        {
            int off = 0;
            while (off < Block)
            {
                int n = ReadUnpacked(block, off, Block - off);
                if (_stopped) return false;
                if (n == 0)
                {
                    if (off == 0 && mayEnd) return false;
                    throw Fail(NpmTarballProblem.Truncated, "The tar stream ends inside a header block (truncated).");
                }
                off += n;
            }
            return true;
        }

        private int ReadUnpacked(byte[] buffer, int offset, int count)
        {
            if (_stopped) return 0;
            _cancel.ThrowIfCancellationRequested();
            int n;
            try { n = _gzip.Read(buffer, offset, count); }
            catch (InvalidDataException e) { throw Fail(NpmTarballProblem.BadGzip, "The gzip data is corrupt: " + e.Message, e); }
            catch (NpmTarballException) { throw; }
            catch (IOException e) { throw Fail(NpmTarballProblem.ReadFailed, "Reading the tarball failed: " + e.Message, e); }
            catch (Exception e) when (e is NotSupportedException || e is ArgumentException || e is OverflowException)
            {
                throw Fail(NpmTarballProblem.BadGzip, "The gzip data is corrupt: " + e.Message, e);
            }
            _unpacked += n;
            if (_unpacked > _limits.MaxUnpackedBytes)
            {
                Stop(NpmTarballBound.UnpackedBytes, _limits.MaxUnpackedBytes, _unpacked, null);
                return 0;
            }
            long compressed = Math.Max(1, _source.Count);
            double ratio = (double)_unpacked / compressed;
            if (ratio > _limits.MaxCompressionRatio)
            {
                Stop(NpmTarballBound.CompressionRatio, _limits.MaxCompressionRatio, Math.Round(ratio, 1), null);
                return 0;
            }
            return n;
        }

        private int ReadSource(byte[] buffer, int offset, int count)
        {
            try { return _source.Read(buffer, offset, count); }
            catch (IOException e) { throw Fail(NpmTarballProblem.ReadFailed, "Reading the tarball failed: " + e.Message, e); }
        }

        private NpmTarballException Fail(NpmTarballProblem problem, string message, Exception? inner = null) =>
            new NpmTarballException(problem, message, inner) { Offset = _unpacked };

        private static bool IsZero(byte[] block)
        {
            for (int i = 0; i < block.Length; i++) if (block[i] != 0) return false;
            return true;
        }

        /// <summary>The header checksum: the byte sum with the checksum field read as spaces (unsigned, or signed as old tars wrote).</summary>
        private bool ChecksumValid(byte[] h)
        {
            long stored = ParseOctal(148, 8, lenient: true);
            if (stored < 0) return false;
            long unsigned = 0, signed = 0;
            for (int i = 0; i < Block; i++)
            {
                byte b = i >= 148 && i < 156 ? (byte)' ' : h[i];
                unsigned += b;
                signed += (sbyte)b;
            }
            return stored == unsigned || stored == signed;
        }

        private long ParseSize()
        {
            // base-256 (GNU and star): the top bit of the first byte set
            if ((_header[124] & 0x80) != 0)
            {
                if ((_header[124] & 0x40) != 0) throw Fail(NpmTarballProblem.BadHeader, "A tar header declares a negative size.");
                long v = _header[124] & 0x3f;
                for (int i = 125; i < 136; i++)
                {
                    if (v > (long.MaxValue >> 8)) throw Fail(NpmTarballProblem.BadHeader, "A tar header declares a size too large to represent.");
                    v = (v << 8) | _header[i];
                }
                return v;
            }
            var size = ParseOctal(124, 12, lenient: true);
            if (size < 0) throw Fail(NpmTarballProblem.BadHeader, "A tar header's size field is not an octal number.");
            return size;
        }

        /// <summary>An octal field (leading spaces, ending at NUL or space); -1 when it is not a number (lenient) or 0.</summary>
        private long ParseOctal(int offset, int length, bool lenient = false)
        {
            int i = offset, end = offset + length;
            while (i < end && (_header[i] == ' ' || _header[i] == 0)) { if (_header[i] == 0 && i > offset) break; i++; }
            long v = 0;
            bool any = false;
            for (; i < end; i++)
            {
                byte b = _header[i];
                if (b == 0 || b == ' ') break;
                if (b < '0' || b > '7') return lenient ? -1 : 0;
                if (v > (long.MaxValue >> 3)) return lenient ? -1 : 0;
                v = (v << 3) + (b - '0');
                any = true;
            }
            return any ? v : 0;
        }

        private string? Text(int offset, int length)
        {
            int end = offset;
            while (end < offset + length && _header[end] != 0) end++;
            return end == offset ? null : Encoding.UTF8.GetString(_header, offset, end - offset);
        }

        private string Ascii(int offset, int length) => Encoding.ASCII.GetString(_header, offset, length);

        public void Dispose()
        {
            _gzip.Dispose();
            _source.Dispose();
        }

        private sealed class EntryContent : ForwardReadStream
        {
            private readonly TarballReader _reader;
            public EntryContent(TarballReader reader) { _reader = reader; }
            public override int Read(byte[] buffer, int offset, int count) => _reader.ReadData(buffer, offset, count);
        }

        /// <summary>The compressed source: counts and hashes (sha512, sha1) every byte, and can put back the magic bytes peeked.</summary>
        private sealed class HashingStream : ForwardReadStream
        {
            private readonly Stream _inner;
            private readonly IncrementalHash _sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            private byte[]? _unread;
            private int _unreadCount;

            public HashingStream(Stream inner, bool hashes) { _inner = inner; Hashes = hashes; }

            public bool Hashes { get; }

            public long Count { get; private set; }

            public void Unread(byte[] bytes, int count)
            {
                _unread = bytes;
                _unreadCount = count;
                Count -= count;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (count == 0) return 0;
                int n;
                if (_unread != null && _unreadCount > 0)
                {
                    n = Math.Min(count, _unreadCount);
                    Buffer.BlockCopy(_unread, _unread.Length - _unreadCount, buffer, offset, n);
                    _unreadCount -= n;
                    Count += n;
                    return n;
                }
                n = _inner.Read(buffer, offset, count);
                if (n > 0)
                {
                    if (Hashes)
                    {
                        _sha512.AppendData(buffer, offset, n);
                        _sha1.AppendData(buffer, offset, n);
                    }
                    Count += n;
                }
                return n;
            }

            public int ReadRemaining(byte[] buffer) => Read(buffer, 0, buffer.Length);

            public byte[] Sha512() => _sha512.GetHashAndReset();
            public byte[] Sha1() => _sha1.GetHashAndReset();


            protected override void Dispose(bool disposing)
            {
                if (disposing) { _sha512.Dispose(); _sha1.Dispose(); }
                base.Dispose(disposing);
            }
        }
    }
}
