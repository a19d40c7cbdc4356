using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>An in-memory machine: Windows or Unix paths, files, folders, environment.</summary>
    public sealed class FakePlatform : IPlatform
    {
        private readonly Dictionary<string, byte[]> _files;
        private readonly HashSet<string> _directories;
        private readonly HashSet<string> _denied;

        public FakePlatform(bool windows, string cwd, string? home = null)
        {
            IsWindows = windows;
            var cmp = windows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            _files = new Dictionary<string, byte[]>(cmp);
            _directories = new HashSet<string>(cmp);
            _denied = new HashSet<string>(cmp);
            Env = EnvironmentMap.Create(windows);
            CurrentDirectory = cwd;
            OsHomeDirectory = home;
            AddDirectory(cwd);
        }

        public bool IsWindows { get; }
        /// <summary>The machine name findings carry; a fixed fake so tests can tell it from the real one.</summary>
        public string MachineName { get; set; } = "FAKEHOST";
        public NodePath Path => IsWindows ? NodePath.Win32 : NodePath.Posix;
        public Dictionary<string, string> Env { get; }
        public IReadOnlyDictionary<string, string> Environment => Env;
        public string? OsHomeDirectory { get; set; }
        public string CurrentDirectory { get; set; }
        public IReadOnlyList<FilePrincipal> Principals => Array.Empty<FilePrincipal>();
        /// <summary>The fake has no accounts: every file is the auditing account's own.</summary>
        public IPlatform As(IReadOnlyList<FilePrincipal> principals) => this;
        public IReadOnlyList<FilePrincipal> OwnerOf(string folder) => Array.Empty<FilePrincipal>();

        private string Norm(string p) => Path.Resolve(CurrentDirectory, p);

        public FakePlatform AddFile(string path, string text) => AddFile(path, new UTF8Encoding(false).GetBytes(text));

        public FakePlatform AddFile(string path, byte[] bytes)
        {
            var full = Norm(path);
            _files[full] = bytes;
            AddDirectory(Path.Dirname(full));
            return this;
        }

        public FakePlatform AddDirectory(string path)
        {
            var full = Norm(path);
            while (_directories.Add(full))
            {
                var parent = Path.Dirname(full);
                if (parent == full) break;
                full = parent;
            }
            return this;
        }

        public FakePlatform Deny(string path) { _denied.Add(Norm(path)); return this; }

        /// <summary>Reads of <paramref name="path"/> are refused as the real walk refuses a hard link in a place another account controls.</summary>
        public FakePlatform HardLink(string path) { _hardLinked.Add(Norm(path)); return this; }
        private readonly HashSet<string> _hardLinked = new HashSet<string>(StringComparer.Ordinal);

        public bool FileExists(string path) => _files.ContainsKey(Norm(path));
        public bool DirectoryExists(string path) => _directories.Contains(Norm(path));

        /// <summary>Every path ListDirectory and ReadFile were asked for, in order (tests of what a scan does not repeat).</summary>
        public List<string> Listed { get; } = new List<string>();
        public List<string> Read { get; } = new List<string>();

        public IReadOnlyList<DirectoryEntry>? ListDirectory(string path)
        {
            var full = Norm(path);
            Listed.Add(full);
            if (!_directories.Contains(full)) return null;
            var entries = new List<DirectoryEntry>();
            var prefix = full.EndsWith(IsWindows ? "\\" : "/", StringComparison.Ordinal) ? full : full + (IsWindows ? "\\" : "/");
            var cmp = IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            foreach (var d in _directories)
                if (d.Length > prefix.Length && d.StartsWith(prefix, cmp) && d.IndexOfAny(new[] { '/', '\\' }, prefix.Length) < 0)
                    entries.Add(new DirectoryEntry(d.Substring(prefix.Length), FileEntryKind.Directory));
            foreach (var f in _files.Keys)
                if (f.Length > prefix.Length && f.StartsWith(prefix, cmp) && f.IndexOfAny(new[] { '/', '\\' }, prefix.Length) < 0)
                    entries.Add(new DirectoryEntry(f.Substring(prefix.Length), FileEntryKind.File));
            return entries;
        }

        public FileEntryKind GetEntryKind(string path)
        {
            var full = Norm(path);
            return _directories.Contains(full) ? FileEntryKind.Directory : _files.ContainsKey(full) ? FileEntryKind.File : FileEntryKind.Missing;
        }

        public FileReadResult ReadFile(string path, long maxBytes)
        {
            var full = Norm(path);
            Read.Add(full);
            if (_denied.Contains(full)) return FileReadResult.Failed(FileReadStatus.AccessDenied, "Access to the path is denied.");
            if (_hardLinked.Contains(full))
                return FileReadResult.Failed(FileReadStatus.UnsafeLink, $"{full} has 2 names (hard links) in a place S-1-5-21-1-2-3-1001 controls; NpmHardening does not use a file that may be another file's second name.");
            if (_directories.Contains(full)) return FileReadResult.Failed(FileReadStatus.IsDirectory, "the path is a directory");
            if (!_files.TryGetValue(full, out var bytes)) return FileReadResult.Missing();
            if (bytes.Length > maxBytes) return FileReadResult.Failed(FileReadStatus.TooLarge, "too large", bytes.Length);
            return FileReadResult.Ok((byte[])bytes.Clone());
        }

        public (DateTime LastWriteUtc, long Length)? GetFileStamp(string path) =>
            _files.TryGetValue(Norm(path), out var b) ? (DateTime.UnixEpoch.AddTicks(b.GetHashCode() & 0xFFFFFFF), (long)b.Length) : ((DateTime, long)?)null;

        /// <summary>Runs before each OpenRead: a test swaps a file here, between the scanner's read and a later one.</summary>
        public Action<string>? BeforeOpenRead { get; set; }

        public Stream? OpenRead(string path)
        {
            BeforeOpenRead?.Invoke(Norm(path));
            return _files.TryGetValue(Norm(path), out var b) ? new MemoryStream(b, false) : null;
        }
        public string RealPath(string path) => path;
        public string? FindExecutable(string name, IReadOnlyDictionary<string, string> environment) => ExecutableSearch.Find(this, name, environment);

        /// <summary>File access per path; unset paths report "owner only".</summary>
        public Dictionary<string, FileAccessInfo> Access { get; } = new Dictionary<string, FileAccessInfo>();
        public List<UserProfileInfo> Profiles { get; } = new List<UserProfileInfo>();
        public List<(PersistentVariable Variable, string? UserSid)> PersistentVariables { get; } = new List<(PersistentVariable, string?)>();

        public FileAccessInfo? GetFileAccess(string path)
        {
            var full = Norm(path);
            if (!_files.ContainsKey(full)) return null;
            return Access.TryGetValue(full, out var a) ? a : new FileAccessInfo(full, "owner", IsWindows ? (int?)null : 0x180, Array.Empty<string>(), Array.Empty<string>());
        }

        public IEnumerable<UserProfileInfo> EnumerateUserProfiles() => Profiles;

        public IEnumerable<PersistentVariable> GetPersistentVariables(EnvironmentScope scope, UserProfileInfo? user)
        {
            foreach (var (v, sid) in PersistentVariables)
                if (v.Scope == scope && (scope == EnvironmentScope.Machine || sid == user?.SecurityId)) yield return v;
        }
    }
}
