using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>What a path is right now, before a write.</summary>
    public sealed class FileProbe
    {
        public FileProbe(string path, bool exists, bool isDirectory, bool isSymbolicLink, string? linkTarget, bool isReadOnly)
        {
            Path = path; Exists = exists; IsDirectory = isDirectory; IsSymbolicLink = isSymbolicLink; LinkTarget = linkTarget; IsReadOnly = isReadOnly;
        }

        public string Path { get; }
        /// <summary>A regular file exists at the path (following links).</summary>
        public bool Exists { get; }
        public bool IsDirectory { get; }
        /// <summary>The path itself is a symbolic link (or another reparse point on Windows).</summary>
        public bool IsSymbolicLink { get; }
        /// <summary>For a link: the final target, absolute and fully resolved; null when it cannot be resolved.</summary>
        public string? LinkTarget { get; }
        /// <summary>Marked read-only: no owner write bit on Unix, the ReadOnly attribute on Windows.</summary>
        public bool IsReadOnly { get; }
    }

    /// <summary>How <see cref="IFileWriter.ReplaceAtomically"/> treats the file it writes.</summary>
    public sealed class AtomicWriteOptions
    {
        /// <summary>Runs after the new content is on disk in the temporary file, just before it replaces the original; throw to abort (the original stays).</summary>
        public Action? BeforeCommit { get; set; }
        /// <summary>Unix permission bits for a file that does not exist yet (null: the process umask decides). An existing file keeps its own.</summary>
        public int? NewFileUnixMode { get; set; }
        /// <summary>A new file takes the owner and group of its folder (an administrator writing into a user's profile).</summary>
        public bool NewFileOwnerFromDirectory { get; set; }
        /// <summary>
        /// A new file is private to its owner, npm's 0600: on Unix see <see cref="NewFileUnixMode"/>; on Windows, with
        /// <see cref="NewFileOwnerFromDirectory"/>, a protected DACL granting only the owner, SYSTEM and Administrators.
        /// </summary>
        public bool NewFileOwnerOnly { get; set; }
        /// <summary>Windows: the home folder of the profile the file belongs to; its ProfileList SID becomes the new file's owner.</summary>
        public string? NewFileProfileFolder { get; set; }
        /// <summary>Replace a file marked read-only (it stays read-only afterwards).</summary>
        public bool OverrideReadOnly { get; set; }
        /// <summary>A private file of this process's user (backups): mode 0600 whatever existed, owner not carried over.</summary>
        public bool Private { get; set; }
    }

    /// <summary>
    /// The file operations remediation needs, so that a test can fail a write half-way (disk full) and the kill test
    /// can slow one down. IPlatform stays read-only; this is the writing side.
    /// </summary>
    public interface IFileWriter
    {
        bool IsWindows { get; }

        FileProbe Probe(string path);

        /// <summary>The path with every symbolic link resolved (realpath); the full path itself when nothing is a link or it cannot be resolved.</summary>
        string ResolveRealPath(string path);

        /// <summary>The whole file, or null when it does not exist. Throws IOException when another process holds it exclusively.</summary>
        byte[]? ReadAllBytes(string path);

        /// <summary>An exclusive lock file beside the target, retried with backoff; throws TimeoutException after <paramref name="timeout"/>.</summary>
        IDisposable AcquireLock(string lockPath, TimeSpan timeout);

        /// <summary>
        /// Writes <paramref name="content"/> to a temporary file in the same folder, flushes it to disk, then renames it
        /// over <paramref name="path"/> (File.Replace on Windows), so readers see the old or the new file, never a mix.
        /// Keeps the owner, group and mode (Unix) or ACL and owner (Windows) of the file it replaces. Returns warnings
        /// about metadata that could not be kept.
        /// </summary>
        IReadOnlyList<string> ReplaceAtomically(string path, byte[] content, AtomicWriteOptions options);

        void Delete(string path);

        /// <summary>Creates the folder (and parents); on Unix the folder itself gets mode 0700.</summary>
        void CreatePrivateDirectory(string path);

        IEnumerable<string> EnumerateFiles(string directory, string searchPattern);

        /// <summary>Removes temporary files a killed writer left beside <paramref name="path"/> (call while holding its lock).</summary>
        void RemoveStaleTemporaryFiles(string path);
    }
}
