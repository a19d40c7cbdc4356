using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Platform
{
    /// <summary>The outcome of reading a file: its bytes, or why it could not be read.</summary>
    public sealed class FileReadResult
    {
        private FileReadResult(byte[]? bytes, long length, FileReadStatus status, string? error)
        {
            Bytes = bytes; Length = length; Status = status; Error = error;
        }

        public byte[]? Bytes { get; }
        /// <summary>The file's size on disk (also when it was too large to read).</summary>
        public long Length { get; }
        public FileReadStatus Status { get; }
        public string? Error { get; }

        public static FileReadResult Ok(byte[] bytes) => new FileReadResult(bytes, bytes.LongLength, FileReadStatus.Ok, null);
        public static FileReadResult Missing() => new FileReadResult(null, 0, FileReadStatus.NotFound, null);
        public static FileReadResult Failed(FileReadStatus status, string error, long length = 0) =>
            new FileReadResult(null, length, status, error);
    }

    public enum FileReadStatus
    {
        Ok, NotFound, IsDirectory, AccessDenied, TooLarge, IoError,
        /// <summary>A FIFO, socket or device: never opened or read, because that could block forever.</summary>
        NotRegularFile,
    }

    /// <summary>
    /// Everything NpmHardening needs to know about the machine: environment, home folders, files, paths.
    /// The only place that knows Windows from Unix, so Windows behaviour is tested on Linux with a fake.
    /// </summary>
    public interface IPlatform
    {
        bool IsWindows { get; }

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

        /// <summary>Reads a whole regular file, refusing files larger than <paramref name="maxBytes"/> and special files (never blocks on them).</summary>
        FileReadResult ReadFile(string path, long maxBytes);

        /// <summary>A file's last write time and length (a cheap change stamp); null when it does not exist.</summary>
        (DateTime LastWriteUtc, long Length)? GetFileStamp(string path);

        /// <summary>Opens a regular file for streaming reads; null when it cannot be opened or is a FIFO, socket or device.</summary>
        System.IO.Stream? OpenRead(string path);

        /// <summary>The target of a symbolic link chain, fully resolved (realpath); the path itself when it is no link.</summary>
        string RealPath(string path);

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
