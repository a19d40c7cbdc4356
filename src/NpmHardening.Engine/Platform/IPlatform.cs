using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>The outcome of reading a file: its bytes, or why it could not be read.</summary>
    public sealed class FileReadResult
    {
        private FileReadResult(byte[]? bytes, long length, FileReadStatus status, string? error, IReadOnlyList<FilePrincipal>? controlledBy = null, string? physicalPath = null)
        {
            _bytes = bytes; Length = length; Status = status; Error = error;
            ControlledBy = controlledBy ?? Array.Empty<FilePrincipal>();
            PhysicalPath = physicalPath;
        }

        /// <summary>Where the file read is, every link on the way resolved by the walk that opened it (Unix); null when the
        /// platform does not say. A check on it is a check on what was read, not on what a path named a moment before.</summary>
        public string? PhysicalPath { get; }

        /// <summary>The file's bytes, exactly (a result made from a longer buffer copies its bytes out on first use).</summary>
        public byte[]? Bytes
        {
            get
            {
                var bytes = _bytes;
                if (bytes == null || bytes.LongLength == Length) return bytes;
                var exact = new byte[Length];
                Buffer.BlockCopy(bytes, 0, exact, 0, exact.Length);
                return _bytes = exact;
            }
        }

        /// <summary>The file's bytes as read, without the copy <see cref="Bytes"/> may make; null unless the read succeeded.</summary>
        internal ArraySegment<byte>? Content => _bytes == null ? (ArraySegment<byte>?)null : new ArraySegment<byte>(_bytes, 0, (int)Length);

        private byte[]? _bytes;
        /// <summary>The file's size on disk (also when it was too large to read).</summary>
        public long Length { get; }
        public FileReadStatus Status { get; }
        public string? Error { get; }
        /// <summary>
        /// Accounts other than root/SYSTEM, Administrators and the one running NpmHardening that could have changed what
        /// was read: the file's owner and writers, and whoever controls a folder or link on its path. A path a setting in
        /// this file names is chosen by them.
        /// </summary>
        public IReadOnlyList<FilePrincipal> ControlledBy { get; }

        public static FileReadResult Ok(byte[] bytes, IReadOnlyList<FilePrincipal>? controlledBy = null, string? physicalPath = null) =>
            new FileReadResult(bytes, bytes.LongLength, FileReadStatus.Ok, null, controlledBy, physicalPath);
        /// <summary>The first <paramref name="count"/> bytes of <paramref name="buffer"/> are the file.</summary>
        internal static FileReadResult Ok(byte[] buffer, int count, IReadOnlyList<FilePrincipal>? controlledBy = null, string? physicalPath = null) =>
            new FileReadResult(buffer, count, FileReadStatus.Ok, null, controlledBy, physicalPath);
        public static FileReadResult Missing() => new FileReadResult(null, 0, FileReadStatus.NotFound, null);
        public static FileReadResult Failed(FileReadStatus status, string error, long length = 0) =>
            new FileReadResult(null, length, status, error);
    }

    public enum FileReadStatus
    {
        Ok,
        NotFound,
        IsDirectory,
        /// <summary>Refused by the operating system, or for an account the read is done for (it could not read the file itself).</summary>
        AccessDenied,
        TooLarge,
        IoError,
        /// <summary>A FIFO, socket or device: never opened, so it can never block or have side effects.</summary>
        NotRegularFile,
        /// <summary>
        /// Refused for where it is, not for who reads it: a file with several names (hard links) in a place another
        /// account controls, which may be that account's second name for a file it could not otherwise reach. npm
        /// itself would read it; the refusal is NpmHardening's, so it is reported as unsafe, never as unreadable.
        /// </summary>
        UnsafeLink,
    }

    /// <summary>
    /// Everything NpmHardening needs to know about the machine: environment, home folders, files, paths.
    /// The only place that knows Windows from Unix, so Windows behaviour is tested on Linux with a fake.
    /// </summary>
    public interface IPlatform
    {
        bool IsWindows { get; }

        /// <summary>The machine's name (Environment.MachineName), stamped on every finding so results from several machines stay apart.</summary>
        string MachineName { get; }

        /// <summary>Node's path module for this OS (win32 or posix).</summary>
        NodePath Path { get; }

        /// <summary>The process environment (case-insensitive names on Windows, as Node's process.env).</summary>
        IReadOnlyDictionary<string, string> Environment { get; }

        /// <summary>os.homedir() for the current user, ignoring HOME (npm checks HOME itself first).</summary>
        string? OsHomeDirectory { get; }

        string CurrentDirectory { get; }

        /// <summary>stat(path).isFile(), following symlinks: a regular file (not a FIFO, socket or device); false on any error.</summary>
        bool FileExists(string path);

        /// <summary>stat(path).isDirectory(), following symlinks; false on any error.</summary>
        bool DirectoryExists(string path);

        /// <summary>
        /// fs.readdir(path, { withFileTypes: true }): the entries of a folder (a link to a folder is listed
        /// through), each with its kind as lstat reports it; null when the folder cannot be listed.
        /// </summary>
        IReadOnlyList<DirectoryEntry>? ListDirectory(string path);

        /// <summary>lstat(path): the kind of the entry itself, a final symbolic link not followed.</summary>
        FileEntryKind GetEntryKind(string path);

        /// <summary>Reads a whole regular file, refusing files larger than <paramref name="maxBytes"/> and special files (never blocks on them).</summary>
        FileReadResult ReadFile(string path, long maxBytes);

        /// <summary>A file's last write time and length (a cheap change stamp); null when it does not exist.</summary>
        (DateTime LastWriteUtc, long Length)? GetFileStamp(string path);

        /// <summary>Opens a regular file for streaming reads; null when it cannot be opened or is a FIFO, socket or device.</summary>
        System.IO.Stream? OpenRead(string path);

        /// <summary>The target of a symbolic link chain, fully resolved (realpath); the path itself when it is no link.</summary>
        string RealPath(string path);

        /// <summary>
        /// Accounts every file read of this view is done for (besides whoever controls each path): empty for the account
        /// running NpmHardening; the owner of a profile when auditing it (docs/security.md).
        /// </summary>
        IReadOnlyList<FilePrincipal> Principals { get; }

        /// <summary>A view of this platform whose file reads (and existence checks) are only what every one of <paramref name="principals"/> could do too.</summary>
        IPlatform As(IReadOnlyList<FilePrincipal> principals);

        /// <summary>The account a profile (home) folder belongs to, when it is not root/SYSTEM or the account running NpmHardening; else empty.</summary>
        IReadOnlyList<FilePrincipal> OwnerOf(string folder);

        /// <summary>Who besides the owner can read or write a file; null when it cannot be determined.</summary>
        FileAccessInfo? GetFileAccess(string path);

        /// <summary>The user profiles on this machine (Windows ProfileList, Unix /etc/passwd homes).</summary>
        IEnumerable<UserProfileInfo> EnumerateUserProfiles();

        /// <summary>
        /// Environment variables defined persistently for the machine or for a user (registry on Windows;
        /// /etc/environment and shell start-up files on Unix); null user means the current one.
        /// </summary>
        IEnumerable<PersistentVariable> GetPersistentVariables(EnvironmentScope scope, UserProfileInfo? user);

        /// <summary>Executable search on PATH as the shell would do it (PATHEXT on Windows).</summary>
        string? FindExecutable(string name, IReadOnlyDictionary<string, string> environment);
    }

    /// <summary>Environment dictionaries with the OS's name comparison.</summary>
    public static class EnvironmentMap
    {
        public static Dictionary<string, string> Create(bool windows) =>
            new Dictionary<string, string>(windows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

        public static Dictionary<string, string> Copy(IEnumerable<KeyValuePair<string, string>> source, bool windows)
        {
            var d = Create(windows);
            foreach (var kv in source) d[kv.Key] = kv.Value;
            return d;
        }

        public static string? Get(IReadOnlyDictionary<string, string> env, string name) =>
            env.TryGetValue(name, out var v) ? v : null;
    }
}
