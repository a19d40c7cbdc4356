using System;
using System.Collections.Generic;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>How <see cref="IWriteTarget.Replace"/> treats the file it writes.</summary>
    public sealed class AtomicWriteOptions
    {
        /// <summary>Runs after the new content is on disk in the temporary file, just before it replaces the original; throw to abort (the original stays).</summary>
        public Action? BeforeCommit { get; set; }
        /// <summary>Unix permission bits for a file that does not exist yet (null: 0666 less the process umask). An existing file keeps its own.</summary>
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
    }

    /// <summary>Who a write is done for, and where a symbolic link at the target may lead.</summary>
    public sealed class WriteTargetPolicy
    {
        /// <summary>
        /// Accounts the write must be permitted for besides whoever controls the path (the audited profile's owner, the
        /// owner of the file that chose the path). Empty: only the path's own controllers bound the write.
        /// </summary>
        public IReadOnlyList<FilePrincipal> Principals { get; set; } = Array.Empty<FilePrincipal>();
        /// <summary>The profile or project folder a final symbolic link may point into without <see cref="AllowLinkOutsideRoot"/>; null: no check.</summary>
        public string? ContainmentRoot { get; set; }
        /// <summary>Follow a final link out of <see cref="ContainmentRoot"/> (-Force). The principals still bound the write.</summary>
        public bool AllowLinkOutsideRoot { get; set; }
    }

    /// <summary>
    /// One config file opened for a change: its folder is held open (a descriptor on Unix, handles on every folder of the
    /// path on Windows), so every operation below acts on the folder that was checked, whatever happens to the path
    /// meanwhile. Disposing releases it.
    /// </summary>
    public interface IWriteTarget : IDisposable
    {
        /// <summary>The path as asked for.</summary>
        string RequestedPath { get; }
        /// <summary>The file that is written: the path itself, or a final symbolic link's target (so the link stays a link).</summary>
        string WritePath { get; }
        /// <summary>
        /// The requested path's last component is a symbolic link (a junction or symbolic link on Windows) that was
        /// followed: <see cref="WritePath"/> is then its target. Links in the folders on the way do not count.
        /// </summary>
        bool FinalLinkFollowed { get; }
        /// <summary>A regular file is there now.</summary>
        bool Exists { get; }
        /// <summary>Marked read-only: no owner write bit on Unix, the ReadOnly attribute on Windows.</summary>
        bool IsReadOnly { get; }
        /// <summary>Everyone the write is done for (explicit and controllers of the path); empty when only trusted accounts are involved.</summary>
        IReadOnlyCollection<FilePrincipal> Principals { get; }

        /// <summary>The whole file, or null when it does not exist. Throws IOException when it cannot be read.</summary>
        byte[]? Read();

        /// <summary>An exclusive lock file beside the target (never a link, never another file), retried with backoff; TimeoutException after <paramref name="timeout"/>.</summary>
        IDisposable Lock(TimeSpan timeout);

        /// <summary>Removes temporary files a killed writer of this process's account left beside the target (call while holding its lock).</summary>
        void RemoveStaleTemporaryFiles();

        /// <summary>
        /// Writes <paramref name="content"/> to a new temporary file in the same folder, created exclusively and never
        /// through a link; sets its owner and mode (Unix) or owner and ACL (Windows) on the open file before the content;
        /// flushes it to disk; then renames it over the target relative to the held folder. Readers see the old or the
        /// new file, never a mix. Returns warnings about metadata that could not be kept.
        /// </summary>
        IReadOnlyList<string> Replace(byte[] content, AtomicWriteOptions options);

        /// <summary>Removes the target's name from its folder (never what a link points to).</summary>
        void Delete();
    }

    /// <summary>
    /// A folder only the account running NpmHardening controls (the backup store): created 0700 / owner-only when
    /// missing, refused when anyone else could add, change or remove what is in it.
    /// </summary>
    public interface IPrivateFolder : IDisposable
    {
        string Path { get; }
        IEnumerable<string> List(string suffix);
        /// <summary>The file's bytes; null when missing. Refuses anything but a regular file of this account with one name.</summary>
        byte[]? Read(string name, long maxBytes);
        /// <summary>Writes the file atomically, mode 0600 / owner-only.</summary>
        void Write(string name, byte[] content);
        void Delete(string name);
    }

    /// <summary>
    /// The file operations remediation needs, so that a test can fail a write half-way (disk full) and the kill test
    /// can slow one down. IPlatform stays read-only; this is the writing side.
    /// </summary>
    public interface IFileWriter
    {
        bool IsWindows { get; }

        /// <summary>Opens the file at <paramref name="path"/> for a change.</summary>
        /// <exception cref="SafePathException">The path may not be written for the policy's principals, or cannot be opened.</exception>
        IWriteTarget Open(string path, WriteTargetPolicy policy);

        /// <summary>Opens (creating when asked) a folder that must be private to this account.</summary>
        /// <exception cref="SafePathException">The folder is missing, or someone else controls it or a folder above it.</exception>
        IPrivateFolder OpenPrivateFolder(string path, bool create);

        /// <summary>The path with every symbolic link resolved (realpath); the full path itself when nothing is a link or it cannot be resolved.</summary>
        string ResolveRealPath(string path);
    }
}
