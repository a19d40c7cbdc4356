using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    public enum NpmrcApplyStatus
    {
        /// <summary>The file was written.</summary>
        Changed,
        /// <summary>Nothing needed writing (already compliant, or someone else made the same change first).</summary>
        Unchanged,
        /// <summary>The file was not written; <see cref="NpmrcApplyResult.Error"/> says why. The original is intact.</summary>
        Failed,
    }

    /// <summary>What applying one plan (or restoring one backup) did to one file.</summary>
    public sealed class NpmrcApplyResult
    {
        internal NpmrcApplyResult(HardeningPlan? plan, string path, NpmHardeningScope? scope, NpmrcApplyStatus status,
            IReadOnlyList<NpmSettingChange> changes, string? backupId, IReadOnlyList<string> warnings, bool replanned, NpmrcWriteException? error)
        {
            Plan = plan; Path = path; Scope = scope; Status = status; Changes = changes; BackupId = backupId;
            Warnings = warnings; Replanned = replanned; Error = error;
        }

        /// <summary>The plan that was applied: the original one, or the one made again when the file had changed since.</summary>
        public HardeningPlan? Plan { get; }
        public string Path { get; }
        public NpmHardeningScope? Scope { get; }
        public NpmrcApplyStatus Status { get; }
        public IReadOnlyList<NpmSettingChange> Changes { get; }
        /// <summary>The backup of the bytes before this write (null when nothing was written or backups are off).</summary>
        public string? BackupId { get; }
        /// <summary>Metadata that could not be kept (owner, mode), and similar.</summary>
        public IReadOnlyList<string> Warnings { get; }
        /// <summary>The file had changed since planning, so the plan was made again against its current bytes.</summary>
        public bool Replanned { get; }
        public NpmrcWriteException? Error { get; }
        /// <summary>For a restore: the backup whose bytes were put back.</summary>
        public string? RestoredBackupId { get; internal set; }

        public override string ToString() => Error != null ? $"{Path}: {Error.Message}" : $"{Path}: {Status} ({Changes.Count} change(s))";
    }

    /// <summary>
    /// Applies plans to the real files: under an exclusive lock file (<c>&lt;file&gt;.npmhardening.lock</c>), re-reads the
    /// file and checks it still has the bytes the plan was made from (else plans once more against what is there now),
    /// backs the old bytes up, then writes the new bytes atomically (temporary file, flush to disk, replace) keeping owner,
    /// group, mode and ACL. A failure is an <see cref="NpmrcWriteException"/> naming the file; the original stays intact.
    /// </summary>
    public sealed partial class NpmrcFileWriter
    {
        public const string LockSuffix = ".npmhardening.lock";

        public NpmrcFileWriter(BackupStore? backups, IFileWriter? files = null)
        {
            Backups = backups;
            Files = files ?? backups?.Files ?? SystemFileWriter.Instance;
        }

        public IFileWriter Files { get; }
        /// <summary>Where the old bytes go before each write; null writes without backups.</summary>
        public BackupStore? Backups { get; }
        /// <summary>Write through read-only marks, symbolic links that leave the profile, and UTF-16 files (converted to UTF-8).</summary>
        public bool Force { get; set; }
        public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Recorded in the backup manifest.</summary>
        public string Reason { get; set; } = "Set-NpmHardening";

        /// <summary>Applies every plan; a file that fails is reported in its result and the others are still processed.</summary>
        public IEnumerable<NpmrcApplyResult> ApplyAll(IEnumerable<HardeningPlan> plans)
        {
            foreach (var plan in plans) yield return TryApply(plan);
        }

        /// <summary>Like <see cref="Apply"/>, but a failure comes back as a result with <see cref="NpmrcApplyStatus.Failed"/>.</summary>
        public NpmrcApplyResult TryApply(HardeningPlan plan)
        {
            try { return Apply(plan); }
            catch (NpmrcWriteException e)
            {
                return new NpmrcApplyResult(plan, plan.Path, plan.Scope, NpmrcApplyStatus.Failed, Array.Empty<NpmSettingChange>(), null, Array.Empty<string>(), false, e);
            }
        }

        /// <exception cref="NpmrcWriteException">The file was not written; the message names it and says what to do.</exception>
        public NpmrcApplyResult Apply(HardeningPlan plan)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (plan.Problem != null) throw plan.Problem;
            if (!plan.HasChanges) return Unchanged(plan, plan.Path, false);

            using var target = OpenTarget(plan.Path, plan.Target.Principals, plan.Target.ContainmentRoot);
            using (Lock(plan.Path, target))
            {
                target.RemoveStaleTemporaryFiles();
                var current = Read(plan.Path, target);
                bool replanned = false;
                if (!Matches(plan, current))
                {
                    plan = HardeningPlanner.Replan(plan, current);
                    replanned = true;
                    if (plan.Problem != null) throw plan.Problem;
                    if (!plan.HasChanges) return Unchanged(plan, plan.Path, true);
                }
                if (NpmrcWriteCheck.Encoding(plan.Path, plan.ConvertsFromUtf16, Force) is NpmrcWriteException utf16) throw utf16;

                var render = NpmrcEditor.RenderDetailed(plan, current);
                var records = plan.Changes.Select(c => new NpmBackupChange(c.Key, c.OldValue, c.NewValue)).ToList();
                if (plan.ConvertsFromUtf16) records.Insert(0, new NpmBackupChange("(encoding)", "UTF-16", "UTF-8"));
                var backup = SaveBackup(plan.Path, target, current, render.Bytes, records);
                var warnings = Write(plan.Path, target, current, render.Bytes, plan.Scope, backup,
                    plan.Scope == NpmHardeningScope.User ? plan.Target.ContainmentRoot : null);

                var changes = plan.Changes.Select(c => new NpmSettingChange
                {
                    Path = plan.Path,
                    Scope = plan.Scope,
                    Key = c.Key,
                    OldValue = c.OldValue,
                    NewValue = c.NewValue,
                    Line = render.Lines.TryGetValue(c.Key, out var line) ? line : null,
                    BackupId = backup?.BackupId,
                    RuleId = c.RuleId,
                    StillOverriddenBy = c.StillOverriddenBy,
                }).ToList();
                return new NpmrcApplyResult(plan, plan.Path, plan.Scope, NpmrcApplyStatus.Changed, changes, backup?.BackupId, warnings, replanned, null);
            }
        }

        /// <summary>
        /// Puts a backup's bytes back (or removes the file when it did not exist then), backing up the current bytes first.
        /// The write is done for the same accounts as the change it undoes (recorded in the backup), through the same
        /// path checks: a link or folder swapped in since then cannot redirect it.
        /// </summary>
        public NpmrcApplyResult Restore(NpmHardeningBackup backup)
        {
            if (backup == null) throw new ArgumentNullException(nameof(backup));
            var store = Backups ?? throw new InvalidOperationException("Restoring needs a backup store.");
            var path = backup.OriginalPath;
            var content = store.ReadContent(backup);
            using var target = OpenTarget(path, backup.Principals, null);
            using (Lock(path, target))
            {
                target.RemoveStaleTemporaryFiles();
                var current = Read(path, target);
                if (current == null && content == null || current != null && content != null && current.SequenceEqual(content))
                    return new NpmrcApplyResult(null, path, null, NpmrcApplyStatus.Unchanged, Array.Empty<NpmSettingChange>(), null, Array.Empty<string>(), false, null)
                        { RestoredBackupId = backup.BackupId };
                var record = new NpmBackupChange("(file)", current == null ? "(missing)" : "sha256:" + Hashing.Sha256Hex(current).Substring(0, 12),
                    content == null ? "(removed)" : "restored backup " + backup.BackupId);
                var saved = SaveBackup(path, target, current, content, new[] { record }, "Restore-NpmHardening " + backup.BackupId);
                IReadOnlyList<string> warnings = Array.Empty<string>();
                if (content == null)
                {
                    try { target.Delete(); }
                    catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                    {
                        Discard(saved);
                        throw new NpmrcWriteException(NpmrcWriteError.WriteFailed, path, $"{path} could not be removed to restore backup {backup.BackupId} ({e.Message}).", e);
                    }
                }
                else warnings = Write(path, target, current, content, null, saved);
                return new NpmrcApplyResult(null, path, null, NpmrcApplyStatus.Changed, Array.Empty<NpmSettingChange>(), saved?.BackupId, warnings, false, null)
                    { RestoredBackupId = backup.BackupId };
            }
        }

        /// <summary>Opens the file to write, or refuses it exactly as <see cref="NpmrcWriteCheck"/> tells -WhatIf.</summary>
        private IWriteTarget OpenTarget(string path, IReadOnlyList<FilePrincipal> principals, string? containmentRoot) =>
            NpmrcWriteCheck.Open(Files, path, principals, containmentRoot, Force);

        private IDisposable Lock(string path, IWriteTarget target)
        {
            var lockPath = target.WritePath + LockSuffix;
            try { return target.Lock(LockTimeout); }
            catch (TimeoutException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.Locked, path,
                    $"{path} is being changed by another process (its lock {lockPath} was held for {LockTimeout.TotalSeconds:0} s). Try again when it is done.", e);
            }
            catch (SafePathException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.UnsafePath, path, $"{path} was not changed: {e.Message}", e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.AccessDenied, path,
                    $"{path} cannot be changed: creating {lockPath} was refused ({e.Message}). Run as the file's owner or an administrator.", e);
            }
            catch (IOException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.WriteFailed, path, $"{path} cannot be changed: creating {lockPath} failed ({e.Message}).", e);
            }
        }

        private static byte[]? Read(string path, IWriteTarget target)
        {
            try { return target.Read(); }
            catch (SafePathException e) { throw NpmrcWriteCheck.FromPathError(path, e); }
            catch (UnauthorizedAccessException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.AccessDenied, path, $"{path} cannot be read ({e.Message}); run as its owner or an administrator.", e);
            }
            catch (IOException e) when (IsSharingViolation(e))
            {
                throw new NpmrcWriteException(NpmrcWriteError.Locked, path, $"{path} is locked by another process ({e.Message}). Close the program that holds it and try again.", e);
            }
            catch (IOException e)
            {
                throw new NpmrcWriteException(NpmrcWriteError.ReadFailed, path, $"{path} cannot be read ({e.Message}).", e);
            }
        }

        private NpmHardeningBackup? SaveBackup(string path, IWriteTarget target, byte[]? current, byte[]? updated, IEnumerable<NpmBackupChange> records, string? reason = null)
        {
            if (Backups == null) return null;
            try { return Backups.Save(target.WritePath, current, updated, records, reason ?? Reason, target.Principals); }
            catch (NpmrcWriteException) { throw; }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new NpmrcWriteException(NpmrcWriteError.BackupFailed, path,
                    $"{path} was not changed because its backup could not be saved in {Backups.Root} ({e.Message}).", e);
            }
        }

        private IReadOnlyList<string> Write(string path, IWriteTarget target, byte[]? current, byte[] content, NpmHardeningScope? scope, NpmHardeningBackup? backup,
            string? profileFolder = null)
        {
            bool userConfig = !(scope == NpmHardeningScope.Project || scope == NpmHardeningScope.Global || scope == NpmHardeningScope.Builtin);
            var options = new AtomicWriteOptions
            {
                OverrideReadOnly = Force,
                // npm writes user configs as 0600; a new user or project file written by an administrator belongs to the folder's owner
                NewFileUnixMode = userConfig ? 0x180 : (int?)null,
                // Windows' 0600: a protected DACL for the owner, SYSTEM and Administrators, owned by the profile's user
                NewFileOwnerOnly = userConfig,
                NewFileProfileFolder = profileFolder,
                NewFileOwnerFromDirectory = scope == NpmHardeningScope.User || scope == NpmHardeningScope.Project || scope == null,
                BeforeCommit = () =>
                {
                    // Whoever edits without our lock (npm config set, an editor) may have written meanwhile: never overwrite that.
                    var now = target.Read();
                    if (!(now == null && current == null || now != null && current != null && now.SequenceEqual(current)))
                        throw new NpmrcWriteException(NpmrcWriteError.ChangedConcurrently, path,
                            $"{path} was changed by another program while it was being updated (after one re-plan); nothing was written. Run again.");
                },
            };
            try { return target.Replace(content, options); }
            catch (NpmrcWriteException) { Discard(backup); throw; }
            catch (SafePathException e) { Discard(backup); throw NpmrcWriteCheck.FromPathError(path, e); }
            catch (UnauthorizedAccessException e)
            {
                Discard(backup);
                throw new NpmrcWriteException(NpmrcWriteError.AccessDenied, path,
                    $"{path} could not be written ({e.Message}); the original is intact. Run as its owner or an administrator.", e);
            }
            catch (IOException e) when (IsSharingViolation(e))
            {
                Discard(backup);
                throw new NpmrcWriteException(NpmrcWriteError.Locked, path, $"{path} is locked by another process ({e.Message}); the original is intact. Try again.", e);
            }
            catch (IOException e)
            {
                Discard(backup);
                throw new NpmrcWriteException(NpmrcWriteError.WriteFailed, path, $"{path} could not be written ({e.Message}); the original is intact.", e);
            }
        }

        /// <summary>A backup of a write that did not happen would make "latest" point at the wrong state.</summary>
        private void Discard(NpmHardeningBackup? backup)
        {
            if (backup == null || Backups == null) return;
            try { Backups.Delete(backup); } catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { }
        }

        private static bool Matches(HardeningPlan plan, byte[]? current) =>
            plan.FileExisted == (current != null) && plan.OriginalSha256 == Hashing.Sha256Hex(current);

        private static NpmrcApplyResult Unchanged(HardeningPlan plan, string path, bool replanned) =>
            new NpmrcApplyResult(plan, path, plan.Scope, NpmrcApplyStatus.Unchanged, Array.Empty<NpmSettingChange>(), null, Array.Empty<string>(), replanned, null);

        /// <summary>ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows; .NET on Unix reports flock contention the same way.</summary>
        internal static bool IsSharingViolation(IOException e)
        {
            int code = e.HResult & 0xFFFF;
            if (code == 32 || code == 33) return true;
            return e.Message.IndexOf("being used by another process", StringComparison.OrdinalIgnoreCase) >= 0;
        }
    }
}
