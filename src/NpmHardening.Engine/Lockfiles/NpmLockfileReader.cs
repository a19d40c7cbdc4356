using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// Reads package-lock.json and npm-shrinkwrap.json (lockfileVersion 1, 2 and 3) in one forward pass over a
    /// stream with a fixed buffer: no JSON tree of the whole file is ever built, only the entries. Fields the model
    /// does not carry (engines, license, bin, version ranges) are skipped without decoding their strings, and names
    /// and versions repeat through one string pool per file, so memory stays near the size of the modelled text.
    /// </summary>
    /// <remarks>
    /// Bad input stops with one <see cref="NpmLockfileException"/> naming the file and line: a file over
    /// <see cref="NpmLockfileLimits.MaxBytes"/> (refused before reading), truncated or invalid JSON, a merge-conflict
    /// marker, nesting past <see cref="NpmLockfileLimits.MaxDepth"/>, a modelled field of the wrong JSON type, or JSON
    /// that is not a lockfile. A duplicate key in a modelled object is not fatal: the last one wins, as JSON.parse
    /// (and so npm) decides, and it is recorded in <see cref="NpmLockfile.Problems"/>.
    /// </remarks>
    public static class NpmLockfileReader
    {
        /// <summary>Reads a lockfile from disk; the size is checked before the first byte is read.</summary>
        public static NpmLockfile Read(string path, NpmLockfileLimits? limits = null)
        {
            limits ??= NpmLockfileLimits.Default;
            limits.Validate();
            using var stream = Open(path);
            return Read(stream, path, limits);
        }

        private static FileStream Open(string path)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
            {
                throw new NpmLockfileException(NpmLockfileErrorKind.Unreadable, path, null, null, $"'{path}' could not be opened: {ex.Message}", ex);
            }
        }

        /// <summary>
        /// Reads a lockfile file without keeping its entries: each <c>packages</c> entry is handed to
        /// <paramref name="onEntry"/> as bytes in one reused <see cref="LockfileEntryBytes"/> (valid during the call) and
        /// forgotten. The header comes back with no entries. Returns null, having read as far as it did, when the file
        /// needs <see cref="Read(string, NpmLockfileLimits?)"/>'s model instead: a v1 <c>dependencies</c> tree, or a
        /// duplicate key (whose later entry replaces the earlier one in place, and which is reported as a problem).
        /// Bad input stops with the same <see cref="NpmLockfileException"/> as Read, at the same token.
        /// </summary>
        internal static NpmLockfile? Stream(string path, Action<LockfileEntryBytes> onEntry, NpmLockfileLimits? limits = null)
        {
            limits ??= NpmLockfileLimits.Default;
            limits.Validate();
            using var stream = Open(path);
            long length = -1;
            if (stream.CanSeek)
            {
                length = stream.Length;
                if (length > limits.MaxBytes) throw TooLarge(path, length, limits);
            }
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                var bounded = new LimitStream(stream, limits.MaxBytes, path);
                var parser = new Parser(new LockfileJsonReader(bounded, path, limits.MaxDepth, buffer), path, onEntry);
                NpmLockfile lockfile;
                try { lockfile = parser.Parse(); }
                catch (NeedsFullRead) { return null; }
                lockfile.Length = length >= 0 ? length : bounded.Count;
                return lockfile;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Thrown inside a streaming parse when the file needs the full model (see <see cref="Stream"/>).</summary>
        private sealed class NeedsFullRead : Exception
        {
        }

        /// <summary>
        /// Reads a lockfile from a stream (a file, or <c>git show</c>'s output). A seekable stream longer than the limit
        /// is refused at once; any other stops at the limit.
        /// </summary>
        public static NpmLockfile Read(Stream stream, string path, NpmLockfileLimits? limits = null) => Read(stream, path, limits, 64 * 1024);

        /// <summary>The same with a chosen buffer size: tests use tiny buffers so every token crosses a refill somewhere.</summary>
        internal static NpmLockfile Read(Stream stream, string path, NpmLockfileLimits? limits, int bufferSize)
        {
            limits ??= NpmLockfileLimits.Default;
            limits.Validate();
            long length = -1;
            if (stream.CanSeek)
            {
                length = stream.Length - stream.Position;
                if (length > limits.MaxBytes) throw TooLarge(path, length, limits);
            }
            var bounded = new LimitStream(stream, limits.MaxBytes, path);
            var parser = new Parser(new LockfileJsonReader(bounded, path, limits.MaxDepth, bufferSize), path);
            var lockfile = parser.Parse();
            lockfile.Length = length >= 0 ? length : bounded.Count;
            return lockfile;
        }

        private static NpmLockfileException TooLarge(string path, long length, NpmLockfileLimits limits) =>
            new NpmLockfileException(NpmLockfileErrorKind.TooLarge, path, null, null,
                $"'{path}' is {(length >= 0 ? length.ToString("N0", CultureInfo.InvariantCulture) + " bytes" : "larger than the limit")}; lockfiles above {limits.MaxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes are refused (NpmLockfileLimits.MaxBytes). If it is a genuine lockfile, raise the limit; a lockfile that size is more likely corrupt or hostile.");

        private sealed class Parser
        {
            private readonly LockfileJsonReader _r;
            private readonly string _path;
            private readonly Dictionary<string, string> _pool = new Dictionary<string, string>(StringComparer.Ordinal);
            private readonly List<NpmLockfileProblem> _problems = new List<NpmLockfileProblem>();
            private readonly Action<LockfileEntryBytes>? _onEntry;

            public Parser(LockfileJsonReader reader, string path, Action<LockfileEntryBytes>? onEntry = null)
            {
                _r = reader;
                _path = path;
                _onEntry = onEntry;
            }

            public NpmLockfile Parse()
            {
                var lockfile = new NpmLockfile { Path = _path };
                if (_r.Read() != JsonToken.StartObject) throw WrongType("the top level", "an object");
                List<NpmLockfileEntry>? packages = null, v1 = null;
                bool sawVersion = false;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (_r.Read() == JsonToken.PropertyName)
                {
                    int line = _r.TokenLine;
                    if (!_r.ValueEquals("name") && !_r.ValueEquals("version") && !_r.ValueEquals("lockfileVersion") &&
                        !_r.ValueEquals("packages") && !_r.ValueEquals("dependencies"))
                    {
                        _r.SkipValue();
                        continue;
                    }
                    string key = _r.GetString();
                    if (!seen.Add(key)) Duplicate(key, line, "the top level");
                    switch (key)
                    {
                        case "name": lockfile.Name = ReadString("name"); break;
                        case "version": lockfile.Version = ReadString("version"); break;
                        case "lockfileVersion":
                            if (_r.Read() != JsonToken.Number || !int.TryParse(_r.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                                throw WrongType("lockfileVersion", "a whole number");
                            lockfile.LockfileVersion = v;
                            lockfile.LockfileVersionLine = line;
                            sawVersion = true;
                            break;
                        case "packages":
                            packages = _onEntry != null ? StreamPackages() : ReadPackages();
                            break;
                        default:
                            // npm 7+ reads "packages" and keeps the v1 tree of a v2 file only for npm 6: skip it when
                            // the header already says so (npm writes lockfileVersion first)
                            if (lockfile.LockfileVersion >= 2 || packages != null) { _r.SkipValue(); break; }
                            if (_onEntry != null) throw new NeedsFullRead();
                            if (_r.Read() != JsonToken.StartObject) throw WrongType("dependencies", "an object");
                            v1 = new List<NpmLockfileEntry>();
                            ReadV1Tree("", v1, new Dictionary<string, int>(StringComparer.Ordinal));
                            break;
                    }
                }
                if (_r.Token != JsonToken.EndObject) throw WrongType("the top level", "an object");
                if (_r.Read() != JsonToken.EndOfDocument) throw WrongType("the top level", "one object");
                if (!sawVersion && packages == null && v1 == null)
                    throw new NpmLockfileException(NpmLockfileErrorKind.NotALockfile, _path, 1, 1,
                        $"'{_path}' is JSON but not an npm lockfile: it has no lockfileVersion, packages or dependencies.");
                lockfile.FromPackagesSection = packages != null;
                lockfile.Entries = packages ?? v1 ?? new List<NpmLockfileEntry>();
                lockfile.Problems = _problems;
                return lockfile;
            }

            private List<NpmLockfileEntry> ReadPackages()
            {
                if (_r.Read() != JsonToken.StartObject) throw WrongType("packages", "an object");
                var entries = new List<NpmLockfileEntry>();
                var index = new Dictionary<string, int>(StringComparer.Ordinal);
                while (_r.Read() == JsonToken.PropertyName)
                {
                    int line = _r.TokenLine;
                    string key = _r.GetString();
                    var entry = ReadEntry(key, line);
                    Add(entries, index, entry, "packages");
                }
                return entries;
            }

            private void Add(List<NpmLockfileEntry> entries, Dictionary<string, int> index, NpmLockfileEntry entry, string where)
            {
                if (index.TryGetValue(entry.Key, out int at))
                {
                    _problems.Add(new NpmLockfileProblem("DuplicateKey", entry.Line, Redact(
                        $"'{_path}' line {entry.Line}: the key '{entry.Key}' appears twice in {where}; npm uses the last one (line {entry.Line}) and ignores the one at line {entries[at].Line}.")));
                    entries[at] = entry;
                }
                else
                {
                    index[entry.Key] = entries.Count;
                    entries.Add(entry);
                }
            }

            private NpmLockfileEntry ReadEntry(string key, int line)
            {
                if (_r.Read() != JsonToken.StartObject) throw WrongType($"packages[\"{key}\"]", "an object");
                var entry = new NpmLockfileEntry { Key = key, Line = line };
                string? nameField = null;
                int seen = 0;
                while (_r.Read() == JsonToken.PropertyName)
                {
                    int known = FieldIndex();
                    if (known < 0) { _r.SkipValue(); continue; }
                    string field = ModelledFields[known];
                    if ((seen & (1 << known)) != 0) Duplicate(field, _r.TokenLine, $"packages[\"{key}\"]");
                    seen |= 1 << known;
                    switch (field)
                    {
                        case "name": nameField = Pooled(ReadString(field)); break;
                        case "version": entry.Version = Pooled(ReadString(field)); break;
                        case "resolved": entry.Resolved = ReadString(field); break;
                        case "integrity": entry.Integrity = ReadString(field); break;
                        case "link": entry.Link = ReadBool(field); break;
                        case "dev": entry.Dev = ReadBool(field); break;
                        case "optional": entry.Optional = ReadBool(field); break;
                        case "devOptional": entry.DevOptional = ReadBool(field); break;
                        case "peer": entry.Peer = ReadBool(field); break;
                        case "inBundle": entry.InBundle = ReadBool(field); break;
                        case "hasInstallScript": entry.HasInstallScript = ReadBool(field); break;
                        case "dependencies": entry.Dependencies = ReadNames(field); break;
                        case "optionalDependencies": entry.OptionalDependencies = ReadNames(field); break;
                        // v1 fields in a packages entry: not modelled here, but their value must be consumed
                        default: _r.SkipValue(); break;
                    }
                }
                string? installedAs = FolderName(key);
                entry.InstalledAs = installedAs != null ? Pooled(installedAs) : null;
                entry.Name = nameField ?? entry.InstalledAs ?? LastSegment(key);
                return entry;
            }

            private void ReadV1Tree(string parentKey, List<NpmLockfileEntry> entries, Dictionary<string, int> index)
            {
                while (_r.Read() == JsonToken.PropertyName)
                {
                    int line = _r.TokenLine;
                    string name = Pooled(_r.GetString());
                    string key = (parentKey.Length == 0 ? "node_modules/" : parentKey + "/node_modules/") + name;
                    if (_r.Read() != JsonToken.StartObject) throw WrongType($"dependencies[\"{name}\"]", "an object");
                    var entry = new NpmLockfileEntry { Key = key, Line = line, Name = name, InstalledAs = name };
                    Add(entries, index, entry, "dependencies");
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    bool sawResolved = false;
                    while (_r.Read() == JsonToken.PropertyName)
                    {
                        string field = Field();
                        if (field.Length == 0) { _r.SkipValue(); continue; }
                        if (!seen.Add(field)) Duplicate(field, _r.TokenLine, $"dependencies[\"{name}\"]");
                        switch (field)
                        {
                            case "version": entry.Version = Pooled(ReadString(field)); break;
                            case "resolved": entry.Resolved = ReadString(field); sawResolved = true; break;
                            case "integrity": entry.Integrity = ReadString(field); break;
                            case "dev": entry.Dev = ReadBool(field); break;
                            case "optional": entry.Optional = ReadBool(field); break;
                            case "bundled": entry.InBundle = ReadBool(field); break;
                            case "requires": entry.Dependencies = ReadNames(field); break;
                            case "dependencies":
                                if (_r.Read() != JsonToken.StartObject) throw WrongType($"dependencies[\"{name}\"].dependencies", "an object");
                                ReadV1Tree(key, entries, index);
                                break;
                            default: _r.SkipValue(); break;
                        }
                    }
                    MapV1Version(entry, sawResolved);
                }
            }

            /// <summary>
            /// npm 6 writes what later versions split into fields into <c>version</c>: an alias (<c>npm:real@1.0.0</c>),
            /// a folder or tarball (<c>file:../x</c>), a git or URL source. Map them to the v2 fields.
            /// </summary>
            private void MapV1Version(NpmLockfileEntry entry, bool sawResolved)
            {
                string? version = entry.Version;
                if (version == null) return;
                if (version.StartsWith("npm:", StringComparison.Ordinal))
                {
                    string spec = version.Substring(4);
                    int at = spec.LastIndexOf('@');
                    if (at > 0)
                    {
                        entry.Name = Pooled(spec.Substring(0, at));
                        entry.Version = Pooled(spec.Substring(at + 1));
                    }
                    // without a resolved URL the spec is the only source npm 6 recorded (lockfile-lint reads it as one too)
                    if (!sawResolved) entry.Resolved = version;
                    return;
                }
                if (version.StartsWith("file:", StringComparison.Ordinal))
                {
                    string target = version.Substring(5);
                    bool tarball = target.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || target.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ||
                                   target.EndsWith(".tar", StringComparison.OrdinalIgnoreCase);
                    entry.Link = !tarball;
                    // kept with its scheme, as npm 6 wrote it: a file source is a scheme rule's concern too
                    if (!sawResolved) entry.Resolved = version;
                    return;
                }
                if (!sawResolved && version.IndexOf(':') > 0) entry.Resolved = version;
            }

            /// <summary>The modelled field the current property names, pooled; "" for any other (to be skipped undecoded).</summary>
            private string Field()
            {
                int known = FieldIndex();
                return known < 0 ? "" : ModelledFields[known];
            }

            /// <summary>The index in <see cref="ModelledFields"/> of the current property name; -1 for any other.</summary>
            private int FieldIndex()
            {
                for (int i = 0; i < ModelledFields.Length; i++)
                    if (_r.ValueEquals(ModelledFields[i])) return i;
                return -1;
            }

            // the three every entry has first, so most names match in one to three comparisons
            private static readonly string[] ModelledFields =
            {
                "version", "resolved", "integrity",
                "name", "link", "dev", "optional", "devOptional", "peer", "inBundle", "hasInstallScript", "dependencies",
                "optionalDependencies", "requires", "bundled",
            };

            /// <summary>
            /// The <c>packages</c> section entry by entry, through <see cref="_onEntry"/>: the same tokens, type checks
            /// and errors as <see cref="ReadPackages"/> and <see cref="ReadEntry"/>, with no string made per entry. A
            /// duplicate key (of the section or of an entry) hands the file to the full read.
            /// </summary>
            private List<NpmLockfileEntry> StreamPackages()
            {
                if (_r.Read() != JsonToken.StartObject) throw WrongType("packages", "an object");
                var raw = new LockfileEntryBytes();
                var keys = new KeyHashes();
                while (_r.Read() == JsonToken.PropertyName)
                {
                    raw.Begin(_r.ValueSpan, _r.TokenLine);
                    if (!keys.Add(raw.Key)) throw new NeedsFullRead();
                    if (_r.Read() != JsonToken.StartObject) throw WrongType($"packages[\"{raw.KeyText()}\"]", "an object");
                    int seen = 0;
                    while (_r.Read() == JsonToken.PropertyName)
                    {
                        int known = FieldIndex();
                        if (known < 0) { _r.SkipValue(); continue; }
                        if ((seen & (1 << known)) != 0) throw new NeedsFullRead();
                        seen |= 1 << known;
                        string field = ModelledFields[known];
                        switch (field)
                        {
                            case "name": ExpectString(field); raw.SetName(_r.ValueSpan); break;
                            case "version": ExpectString(field); raw.SetVersion(_r.ValueSpan); break;
                            case "resolved": ExpectString(field); raw.SetResolved(_r.ValueSpan); break;
                            case "integrity": ExpectString(field); raw.SetIntegrity(_r.ValueSpan); break;
                            case "link": raw.Link = ReadBool(field); break;
                            case "dev": raw.Dev = ReadBool(field); break;
                            case "optional": raw.Optional = ReadBool(field); break;
                            case "devOptional": raw.DevOptional = ReadBool(field); break;
                            case "peer": raw.Peer = ReadBool(field); break;
                            case "inBundle": raw.InBundle = ReadBool(field); break;
                            case "hasInstallScript": raw.HasInstallScript = ReadBool(field); break;
                            case "dependencies":
                            case "optionalDependencies":
                                // ReadNames' tokens without its strings
                                if (_r.Read() != JsonToken.StartObject) throw WrongType(field, "an object");
                                while (_r.Read() == JsonToken.PropertyName) _r.SkipValue();
                                break;
                            default: _r.SkipValue(); break;
                        }
                    }
                    _onEntry!(raw);
                }
                return new List<NpmLockfileEntry>(0);
            }

            private void ExpectString(string field)
            {
                if (_r.Read() != JsonToken.String) throw WrongType(field, "a string");
            }

            private IReadOnlyList<string> ReadNames(string field)
            {
                if (_r.Read() != JsonToken.StartObject) throw WrongType(field, "an object");
                List<string>? names = null;
                while (_r.Read() == JsonToken.PropertyName)
                {
                    (names ??= new List<string>()).Add(Pooled(_r.GetString()));
                    _r.SkipValue();
                }
                return names != null ? (IReadOnlyList<string>)names.ToArray() : Array.Empty<string>();
            }

            private string ReadString(string field)
            {
                if (_r.Read() != JsonToken.String) throw WrongType(field, "a string");
                return _r.GetString();
            }

            private bool ReadBool(string field)
            {
                var token = _r.Read();
                if (token == JsonToken.True) return true;
                if (token == JsonToken.False) return false;
                throw WrongType(field, "true or false");
            }

            private void Duplicate(string key, int line, string where)
            {
                if (_onEntry != null) throw new NeedsFullRead();
                _problems.Add(new NpmLockfileProblem("DuplicateKey", line, Redact(
                        $"'{_path}' line {line}: \"{key}\" appears twice in {where}; npm uses the last one (line {line}).")));
            }

            private string Pooled(string s)
            {
                if (_pool.TryGetValue(s, out var pooled)) return pooled;
                _pool[s] = s;
                return s;
            }

            private NpmLockfileException WrongType(string what, string expected) =>
                new NpmLockfileException(NpmLockfileErrorKind.WrongType, _path, _r.TokenLine, _r.TokenColumn, Redact(
                    $"'{_path}' line {_r.TokenLine}: {what} must be {expected} (found {Describe(_r.Token)}); npm cannot use this lockfile either."));

            /// <summary>A message that quotes keys of the file: token shapes in them are redacted, as in every message of the module.</summary>
            private static string Redact(string message) => Credentials.NpmCredential.RedactText(message);

            private static string Describe(JsonToken token) => token switch
            {
                JsonToken.StartObject => "an object",
                JsonToken.StartArray => "an array",
                JsonToken.String => "a string",
                JsonToken.Number => "a number",
                JsonToken.True or JsonToken.False => "a boolean",
                JsonToken.Null => "null",
                JsonToken.PropertyName => "a property",
                JsonToken.EndOfDocument => "more after the top-level object",
                _ => "the end of an object or array",
            };
        }

        /// <summary>The folder after the last <c>node_modules/</c> of a key (with its scope); null when the key has none.</summary>
        internal static string? FolderName(string key)
        {
            int i = key.LastIndexOf("node_modules/", StringComparison.Ordinal);
            if (i < 0 || (i > 0 && key[i - 1] != '/')) return null;
            string rest = key.Substring(i + "node_modules/".Length);
            return rest.Length == 0 ? null : rest;
        }

        internal static string LastSegment(string key)
        {
            int slash = key.LastIndexOf('/');
            return slash < 0 ? key : key.Substring(slash + 1);
        }

        /// <summary>
        /// The 64-bit hashes (FNV-1a) of the keys seen, in an open-addressing table: enough to know a key is new
        /// without keeping its text. Two keys with one hash count as a duplicate, which only sends the file to the
        /// full read (correct, and slower).
        /// </summary>
        private sealed class KeyHashes
        {
            private ulong[] _slots = new ulong[1024];
            private int _count;

            public bool Add(ReadOnlySpan<byte> key)
            {
                ulong h = 14695981039346656037UL;
                foreach (byte b in key)
                {
                    h ^= b;
                    h *= 1099511628211UL;
                }
                if (h == 0) h = 1;   // 0 marks an empty slot
                if ((_count + 1) * 4 > _slots.Length * 3) Grow();
                if (!Insert(_slots, h)) return false;
                _count++;
                return true;
            }

            private static bool Insert(ulong[] slots, ulong h)
            {
                int mask = slots.Length - 1;
                int i = (int)(h ^ (h >> 32)) & mask;
                while (slots[i] != 0)
                {
                    if (slots[i] == h) return false;
                    i = (i + 1) & mask;
                }
                slots[i] = h;
                return true;
            }

            private void Grow()
            {
                var bigger = new ulong[_slots.Length * 2];
                foreach (var h in _slots)
                    if (h != 0) Insert(bigger, h);
                _slots = bigger;
            }
        }

        /// <summary>Counts bytes and stops a stream that is longer than the limit (a pipe from git show, a growing file).</summary>
        private sealed class LimitStream : Stream
        {
            private readonly Stream _inner;
            private readonly long _max;
            private readonly string _path;

            public LimitStream(Stream inner, long max, string path)
            {
                _inner = inner;
                _max = max;
                _path = path;
            }

            public long Count { get; private set; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                Count += n;
                if (Count > _max)
                    throw new NpmLockfileException(NpmLockfileErrorKind.TooLarge, _path, null, null,
                        $"'{_path}' is longer than {_max.ToString("N0", CultureInfo.InvariantCulture)} bytes; lockfiles above that are refused (NpmLockfileLimits.MaxBytes).");
                return n;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => Count; set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
