using System;
using System.IO;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>Why a config file was not written. Each kind has a stable ErrorId and a PowerShell ErrorCategory name.</summary>
    public enum NpmrcWriteError
    {
        /// <summary>The path is a directory.</summary>
        NotAFile,
        /// <summary>The file is marked read-only (Unix: no owner write bit; Windows: ReadOnly attribute).</summary>
        ReadOnly,
        /// <summary>Another process holds the file (or NpmHardening's lock for it) longer than the timeout.</summary>
        Locked,
        /// <summary>A symbolic link resolves outside the profile or project folder.</summary>
        SymlinkOutsideRoot,
        /// <summary>The file is UTF-16; rewriting it as UTF-8 changes what npm reads and needs Force.</summary>
        Utf16Encoded,
        /// <summary>The file kept changing while it was being updated (after one re-plan).</summary>
        ChangedConcurrently,
        /// <summary>The operating system refused access.</summary>
        AccessDenied,
        /// <summary>Writing failed (disk full, I/O error); the original is intact.</summary>
        WriteFailed,
        /// <summary>The file could not be read.</summary>
        ReadFailed,
        /// <summary>The backup could not be made, so nothing was written.</summary>
        BackupFailed,
        /// <summary>No backup with that id (or for that file) exists, or its bytes no longer match the manifest.</summary>
        BackupNotFound,
        /// <summary>
        /// Writing would do for an account what it could not do itself: the path leads, through a folder or link another
        /// account controls, somewhere that account may not write; or the file is a second hard link there; or a user's
        /// configuration chose the file outside the folder being audited (docs/security.md).
        /// </summary>
        UnsafePath,
        /// <summary>The backup folder can be changed by an account other than the one running NpmHardening, so its backups are not used.</summary>
        BackupStoreUntrusted,
        /// <summary>The folder the file belongs in does not exist (nothing creates it).</summary>
        FolderNotFound,
        /// <summary>A FIFO, socket or device where a config file is expected: never opened, so nothing blocks on it.</summary>
        NotRegularFile,
        /// <summary>The file is beyond what npm can meaningfully hold (size, lines, settings, line length; see NpmrcLimits).</summary>
        LimitExceeded,
    }

    /// <summary>A file that could not be written, named in the message with what to do about it.</summary>
    public sealed class NpmrcWriteException : IOException
    {
        public NpmrcWriteException(NpmrcWriteError kind, string path, string message, Exception? inner = null)
            : base(message, inner)
        {
            Kind = kind;
            Path = path;
        }

        public NpmrcWriteError Kind { get; }
        public string Path { get; }

        /// <summary>The stable error id for ErrorRecord: "NpmrcReadOnly", "NpmrcLocked", …</summary>
        public string ErrorId => Kind switch
        {
            NpmrcWriteError.BackupFailed => "NpmHardeningBackupFailed",
            NpmrcWriteError.BackupNotFound => "NpmHardeningBackupNotFound",
            NpmrcWriteError.BackupStoreUntrusted => "NpmHardeningBackupStoreUntrusted",
            _ => "Npmrc" + Kind,
        };

        /// <summary>The name of the System.Management.Automation.ErrorCategory that fits (the engine has no PowerShell reference).</summary>
        public string Category => Kind switch
        {
            NpmrcWriteError.NotAFile => "InvalidType",
            NpmrcWriteError.ReadOnly => "PermissionDenied",
            NpmrcWriteError.Locked => "ResourceBusy",
            NpmrcWriteError.SymlinkOutsideRoot => "SecurityError",
            NpmrcWriteError.Utf16Encoded => "InvalidData",
            NpmrcWriteError.ChangedConcurrently => "ResourceBusy",
            NpmrcWriteError.AccessDenied => "PermissionDenied",
            NpmrcWriteError.WriteFailed => "WriteError",
            NpmrcWriteError.ReadFailed => "ReadError",
            NpmrcWriteError.BackupFailed => "WriteError",
            NpmrcWriteError.BackupNotFound => "ObjectNotFound",
            NpmrcWriteError.UnsafePath => "SecurityError",
            NpmrcWriteError.BackupStoreUntrusted => "SecurityError",
            NpmrcWriteError.FolderNotFound => "ObjectNotFound",
            NpmrcWriteError.NotRegularFile => "InvalidType",
            NpmrcWriteError.LimitExceeded => "LimitsExceeded",
            _ => "NotSpecified",
        };
    }
}
