using System;
using System.Collections.Generic;
using System.IO;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// What <see cref="NpmrcFileWriter"/> refuses before it takes a file's lock, as one set of checks that the real write
    /// and <c>-WhatIf</c> both run: a plan that <c>-WhatIf</c> shows is one the write will attempt, and a write that would
    /// be refused is reported as the same error by both. Refused up front: a directory, FIFO or device where the file
    /// should be; a path another account controls that leads where it could not write (docs/security.md); a symbolic
    /// link that (without Force) leaves the profile or project folder; a read-only file (without Force); a UTF-16 file
    /// that would be rewritten as UTF-8 (without Force); and a folder that does not exist.
    /// What only the write itself can find out (a lock held past the timeout, access denied on the new file, a full
    /// disk, a file changed meanwhile) is not predicted: a lock held now is usually released within milliseconds, and
    /// the writer waits for it.
    /// </summary>
    public static class NpmrcWriteCheck
    {
        /// <summary>
        /// Why <paramref name="path"/> would not be written, or null; <paramref name="writePath"/> is the file the write
        /// goes to: the path itself, or the final target of a symbolic link (so the link stays a link). Runs the very
        /// open the write does (<see cref="Open"/>), then lets the file go.
        /// </summary>
        public static NpmrcWriteException? Target(IFileWriter files, string path, IReadOnlyList<FilePrincipal> principals, string? containmentRoot, bool force, out string writePath)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            if (path == null) throw new ArgumentNullException(nameof(path));
            writePath = path;
            try
            {
                using var target = Open(files, path, principals, containmentRoot, force);
                writePath = target.WritePath;
                return null;
            }
            catch (NpmrcWriteException e) { return e; }
        }

        /// <summary>
        /// Opens the file a change goes to: the path itself, or the final target of a symbolic link when it stays inside
        /// <paramref name="containmentRoot"/> (or with <paramref name="force"/>). The walk refuses what every account in
        /// <paramref name="principals"/> and everyone who controls the path could not write (docs/security.md); a
        /// directory, a missing folder and a read-only file (without force) are refused here too.
        /// </summary>
        /// <exception cref="NpmrcWriteException">The file may not or cannot be written; the message says why and what to do.</exception>
        public static IWriteTarget Open(IFileWriter files, string path, IReadOnlyList<FilePrincipal> principals, string? containmentRoot, bool force)
        {
            IWriteTarget target;
            try { target = files.Open(path, new WriteTargetPolicy { Principals = principals, ContainmentRoot = containmentRoot, AllowLinkOutsideRoot = force }); }
            catch (SafePathException e) { throw FromPathError(path, e); }
            catch (UnauthorizedAccessException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.AccessDenied, path, $"{path} cannot be changed ({e.Message}). Run as the file's owner or an administrator.", e);
            }
            try
            {
                var full = Path.GetFullPath(path);
                bool followedLink = !string.Equals(target.WritePath, full, files.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
                if (followedLink && containmentRoot != null && !force && !IsUnder(files, target.WritePath, files.ResolveRealPath(containmentRoot)))
                    throw new NpmrcWriteException(NpmrcWriteError.SymlinkOutsideRoot, path,
                        $"{path} is a symbolic link to {target.WritePath}, outside {containmentRoot}; NpmHardening does not follow it silently. Run again with -Force to write the file it points to.");
                if (target.IsReadOnly && !force)
                    throw new NpmrcWriteException(NpmrcWriteError.ReadOnly, path,
                        $"{path} is marked read-only, so it was not changed. Clear the read-only mark, or run again with -Force (it stays read-only afterwards).");
                return target;
            }
            catch
            {
                target.Dispose();
                throw;
            }
        }

        /// <summary>A refusal of the file access (Platform) as the write error users see, with what to do.</summary>
        internal static NpmrcWriteException FromPathError(string path, SafePathException e)
        {
            var kind = e.Error switch
            {
                SafePathError.NotARegularFile => e.Message.Contains(" is a directory") ? NpmrcWriteError.NotAFile : NpmrcWriteError.NotRegularFile,
                SafePathError.AccessDenied => NpmrcWriteError.AccessDenied,
                // Windows refuses to open a file another program holds without sharing (ERROR_SHARING_VIOLATION): that is
                // a lock to wait out, not a change made meanwhile.
                SafePathError.Changed when NpmrcFileWriter.IsSharingViolation(e) => NpmrcWriteError.Locked,
                SafePathError.Changed => NpmrcWriteError.ChangedConcurrently,
                SafePathError.NotFound => NpmrcWriteError.FolderNotFound,
                SafePathError.NotADirectory => NpmrcWriteError.FolderNotFound,
                SafePathError.IoError => NpmrcWriteError.WriteFailed,
                SafePathError.Untrusted => NpmrcWriteError.BackupStoreUntrusted,
                _ => NpmrcWriteError.UnsafePath,
            };
            var message = kind switch
            {
                NpmrcWriteError.NotAFile => $"{path} is a directory, not a config file; npm ignores it. Remove or rename the directory, then run again.",
                NpmrcWriteError.FolderNotFound => $"{path} cannot be written: its folder {Path.GetDirectoryName(path)} does not exist ({e.Message}). Create the folder (npm reads the file from there), then run again.",
                NpmrcWriteError.UnsafePath => $"{path} was not changed: {e.Message}",
                NpmrcWriteError.Locked => $"{path} is locked by another process ({e.Message}). Close the program that holds it and try again.",
                _ => e.Message,
            };
            return new NpmrcWriteException(kind, path, message, e);
        }

        /// <summary>
        /// The refusal to rewrite a UTF-16 file as UTF-8 without Force, or null; <paramref name="while"/> ends the
        /// sentence that says what the rewrite would be for ("while protecting its credentials").
        /// </summary>
        public static NpmrcWriteException? Encoding(string path, bool convertsFromUtf16, bool force, string? @while = null)
        {
            if (!convertsFromUtf16 || force) return null;
            return new NpmrcWriteException(NpmrcWriteError.Utf16Encoded, path, @while == null
                ? $"{path} is UTF-16, which npm cannot read (none of its settings apply today). Run again with -Force to rewrite it as UTF-8 (a backup keeps the original), or save it as UTF-8 yourself."
                : $"{path} is UTF-16, which npm cannot read. Run again with -Force to rewrite it as UTF-8 {@while} (a backup keeps the original), or save it as UTF-8 yourself.");
        }

        /// <summary>What <paramref name="writer"/> would refuse when applying <paramref name="plan"/>, as far as it can be known before the write; null: nothing.</summary>
        public static NpmrcWriteException? Refusal(NpmrcFileWriter writer, HardeningPlan plan) =>
            (plan ?? throw new ArgumentNullException(nameof(plan))).Problem ?? Refusal(writer, plan.Target, plan.HasChanges, plan.ConvertsFromUtf16, null);

        /// <summary>The same for a token-protection plan (its own problem first: a <see cref="TokenProtectionException"/> or an <see cref="NpmrcWriteException"/>).</summary>
        public static Exception? Refusal(NpmrcFileWriter writer, TokenProtectionPlan plan) =>
            (plan ?? throw new ArgumentNullException(nameof(plan))).Problem ?? Refusal(writer, plan.Target, plan.HasChanges, plan.ConvertsFromUtf16, TokenProtectionWhile);

        private static NpmrcWriteException? Refusal(NpmrcFileWriter writer, HardeningTarget target, bool hasChanges, bool convertsFromUtf16, string? @while)
        {
            if (writer == null) throw new ArgumentNullException(nameof(writer));
            if (!hasChanges) return null;
            return Target(writer.Files, target.Path, target.Principals, target.ContainmentRoot, writer.Force, out _)
                   ?? Encoding(target.Path, convertsFromUtf16, writer.Force, @while);
        }

        internal const string TokenProtectionWhile = "while protecting its credentials";

        private static bool IsUnder(IFileWriter files, string candidate, string root)
        {
            var comparison = files.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            var r = root.TrimEnd('/', '\\');
            if (string.Equals(candidate, r, comparison)) return true;
            return candidate.StartsWith(r + "/", comparison) || files.IsWindows && candidate.StartsWith(r + "\\", comparison);
        }
    }
}
