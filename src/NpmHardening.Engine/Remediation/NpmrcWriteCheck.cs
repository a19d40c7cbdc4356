using System;
using System.IO;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>
    /// What <see cref="NpmrcFileWriter"/> refuses before it takes a file's lock, as one set of checks that the real write
    /// and <c>-WhatIf</c> both run: a plan that <c>-WhatIf</c> shows is one the write will attempt, and a write that would
    /// be refused is reported as the same error by both. Refused up front: a directory where the file should be, a
    /// symbolic link that cannot be resolved or (without Force) leaves the profile or project folder, a read-only file
    /// (without Force), a UTF-16 file that would be rewritten as UTF-8 (without Force), and a folder that does not exist.
    /// What only the write itself can find out (a lock held past the timeout, access denied on the new file, a full
    /// disk, a file changed meanwhile) is not predicted: a lock held now is usually released within milliseconds, and
    /// the writer waits for it.
    /// </summary>
    public static class NpmrcWriteCheck
    {
        /// <summary>
        /// Why <paramref name="path"/> would not be written, or null; <paramref name="writePath"/> is the file the write
        /// goes to: the path itself, or the final target of a symbolic link (so the link stays a link).
        /// </summary>
        public static NpmrcWriteException? Target(IFileWriter files, string path, string? containmentRoot, bool force, out string writePath)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            if (path == null) throw new ArgumentNullException(nameof(path));
            var probe = files.Probe(path);
            writePath = probe.Path;
            if (probe.IsDirectory)
                return new NpmrcWriteException(NpmrcWriteError.NotAFile, path, $"{path} is a directory, not a config file; npm ignores it. Remove or rename the directory, then run again.");
            if (probe.IsSymbolicLink)
            {
                if (probe.LinkTarget == null)
                    return new NpmrcWriteException(NpmrcWriteError.SymlinkOutsideRoot, path,
                        $"{path} is a symbolic link whose target cannot be resolved here (Windows PowerShell 5.1 cannot resolve links; PowerShell 7 can); edit the file it points to directly.");
                if (containmentRoot != null && !force && !IsUnder(files, probe.LinkTarget, files.ResolveRealPath(containmentRoot)))
                    return new NpmrcWriteException(NpmrcWriteError.SymlinkOutsideRoot, path,
                        $"{path} is a symbolic link to {probe.LinkTarget}, outside {containmentRoot}; NpmHardening does not follow it silently. Run again with -Force to write the file it points to.");
                writePath = probe.LinkTarget;
                probe = files.Probe(writePath);
                if (probe.IsDirectory)
                    return new NpmrcWriteException(NpmrcWriteError.NotAFile, path, $"{path} points to {writePath}, which is a directory, not a config file.");
            }
            if (probe.IsReadOnly && !force)
                return new NpmrcWriteException(NpmrcWriteError.ReadOnly, path,
                    $"{path} is marked read-only, so it was not changed. Clear the read-only mark, or run again with -Force (it stays read-only afterwards).");
            var folder = Path.GetDirectoryName(writePath);
            if (!string.IsNullOrEmpty(folder) && !files.Probe(folder!).IsDirectory)
                return new NpmrcWriteException(NpmrcWriteError.FolderNotFound, path,
                    $"{path} cannot be written: its folder {folder} does not exist. Create the folder (npm reads the file from there), then run again.");
            return null;
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
            return Target(writer.Files, target.Path, target.ContainmentRoot, writer.Force, out _)
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
