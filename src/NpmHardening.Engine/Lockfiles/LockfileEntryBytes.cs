using System;
using System.Text;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// One <c>packages</c> entry as the streaming reader saw it: its key and modelled string fields as decoded UTF-8
    /// bytes in one reused buffer, and its flags. <see cref="NpmLockfileReader.Stream"/> refills the same instance for
    /// every entry, so an audit that judges most entries on these bytes makes no string for them;
    /// <see cref="ToEntry"/> builds the <see cref="NpmLockfileEntry"/> that <see cref="NpmLockfileReader.Read(string, NpmLockfileLimits?)"/>
    /// would have made, for the few entries that need one.
    /// </summary>
    internal sealed class LockfileEntryBytes
    {
        private byte[] _data = new byte[512];
        private int _used;
        private int _keyStart, _keyLength;
        private int _nameStart, _nameLength = -1;
        private int _versionStart, _versionLength = -1;
        private int _resolvedStart, _resolvedLength = -1;
        private int _integrityStart, _integrityLength = -1;

        public int Line { get; private set; }
        public bool Link { get; set; }
        public bool Dev { get; set; }
        public bool Optional { get; set; }
        public bool DevOptional { get; set; }
        public bool Peer { get; set; }
        public bool InBundle { get; set; }
        public bool HasInstallScript { get; set; }

        public ReadOnlySpan<byte> Key => Slice(_keyStart, _keyLength);
        public bool IsRoot => _keyLength == 0;
        public bool HasName => _nameLength >= 0;
        public ReadOnlySpan<byte> NameField => Slice(_nameStart, _nameLength);
        public bool HasResolved => _resolvedLength >= 0;
        public ReadOnlySpan<byte> Resolved => Slice(_resolvedStart, _resolvedLength);
        public bool HasIntegrity => _integrityLength >= 0;
        public ReadOnlySpan<byte> Integrity => Slice(_integrityStart, _integrityLength);

        /// <summary>Starts the next entry with its key.</summary>
        internal void Begin(ReadOnlySpan<byte> key, int line)
        {
            _used = 0;
            _nameLength = _versionLength = _resolvedLength = _integrityLength = -1;
            Link = Dev = Optional = DevOptional = Peer = InBundle = HasInstallScript = false;
            Line = line;
            Append(key, out _keyStart, out _keyLength);
        }

        internal void SetName(ReadOnlySpan<byte> value) => Append(value, out _nameStart, out _nameLength);
        internal void SetVersion(ReadOnlySpan<byte> value) => Append(value, out _versionStart, out _versionLength);
        internal void SetResolved(ReadOnlySpan<byte> value) => Append(value, out _resolvedStart, out _resolvedLength);
        internal void SetIntegrity(ReadOnlySpan<byte> value) => Append(value, out _integrityStart, out _integrityLength);

        /// <summary>The key as text, for a message.</summary>
        public string KeyText() => Text(_keyStart, _keyLength)!;

        /// <summary>
        /// The folder after the last <c>node_modules/</c> of the key (<see cref="NpmLockfileReader.FolderName"/> on
        /// bytes); false when the key has none. ASCII "node_modules/" never occurs inside a multi-byte UTF-8 sequence,
        /// so the byte positions are the character positions' images.
        /// </summary>
        public bool TryInstalledAs(out ReadOnlySpan<byte> installed)
        {
            installed = default;
            var key = Key;
            int i = key.LastIndexOf(NodeModules);
            if (i < 0 || (i > 0 && key[i - 1] != (byte)'/')) return false;
            installed = key.Slice(i + NodeModules.Length);
            return installed.Length > 0;
        }

        /// <summary>The name the reader gives the entry: its name field, else the installed folder, else the key's last segment.</summary>
        public ReadOnlySpan<byte> Name
        {
            get
            {
                if (HasName) return NameField;
                if (TryInstalledAs(out var installed)) return installed;
                var key = Key;
                return key.Slice(key.LastIndexOf((byte)'/') + 1);
            }
        }

        /// <summary>
        /// The entry <see cref="NpmLockfileReader.Read(string, NpmLockfileLimits?)"/> makes of the same bytes, without
        /// its dependency names (no lockfile rule reads them).
        /// </summary>
        public NpmLockfileEntry ToEntry()
        {
            string key = KeyText();
            var entry = new NpmLockfileEntry
            {
                Key = key,
                Line = Line,
                Version = Text(_versionStart, _versionLength),
                Resolved = Text(_resolvedStart, _resolvedLength),
                Integrity = Text(_integrityStart, _integrityLength),
                Link = Link,
                Dev = Dev,
                Optional = Optional,
                DevOptional = DevOptional,
                Peer = Peer,
                InBundle = InBundle,
                HasInstallScript = HasInstallScript,
            };
            entry.InstalledAs = NpmLockfileReader.FolderName(key);
            entry.Name = Text(_nameStart, _nameLength) ?? entry.InstalledAs ?? NpmLockfileReader.LastSegment(key);
            return entry;
        }

        private static readonly byte[] NodeModules = Encoding.ASCII.GetBytes("node_modules/");

        private ReadOnlySpan<byte> Slice(int start, int length) => length < 0 ? default : new ReadOnlySpan<byte>(_data, start, length);

        // the same decoding as LockfileJsonReader.GetString, so a string made here equals the one Read would hold
        private string? Text(int start, int length) => length < 0 ? null : Encoding.UTF8.GetString(_data, start, length);

        private void Append(ReadOnlySpan<byte> value, out int start, out int length)
        {
            if (_used + value.Length > _data.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, _used + value.Length));
            value.CopyTo(new Span<byte>(_data, _used, value.Length));
            start = _used;
            length = value.Length;
            _used += value.Length;
        }
    }
}
