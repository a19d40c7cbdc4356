using System;
using System.Collections.Generic;
using System.Linq;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>What protecting the tokens of one file did.</summary>
    public sealed class TokenProtectionResult
    {
        internal TokenProtectionResult(TokenProtectionPlan plan, NpmrcApplyStatus status, IReadOnlyList<NpmTokenProtection> lines, string? backupId,
            IReadOnlyList<string> warnings, bool replanned)
        {
            Plan = plan; Status = status; Lines = lines; BackupId = backupId; Warnings = warnings; Replanned = replanned;
        }

        /// <summary>The plan that was applied: the original one, or the one made again when the file had changed since.</summary>
        public TokenProtectionPlan Plan { get; }
        public string Path => Plan.Path;
        public NpmrcApplyStatus Status { get; }
        /// <summary>One object per credential line (Skipped ones too), each with the secret as a SecureString (not for Skipped).</summary>
        public IReadOnlyList<NpmTokenProtection> Lines { get; }
        public string? BackupId { get; }
        public IReadOnlyList<string> Warnings { get; }
        public bool Replanned { get; }
    }

    public sealed partial class NpmrcFileWriter
    {
        /// <summary>
        /// Writes a token-protection plan the way <see cref="Apply(HardeningPlan)"/> writes a hardening plan: lock, re-read
        /// and re-plan when the file changed, backup (which holds the plaintext as the original did, per-user 0600),
        /// atomic replace keeping owner and mode, symbolic-link and read-only rules.
        /// </summary>
        /// <exception cref="NpmrcWriteException">The file was not written; the original is intact.</exception>
        /// <exception cref="TokenProtectionException">After a re-plan, the file can no longer be protected as asked.</exception>
        public TokenProtectionResult Apply(TokenProtectionPlan plan)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            if (plan.Problem != null) throw plan.Problem;
            if (!plan.HasChanges) return new TokenProtectionResult(plan, NpmrcApplyStatus.Unchanged, Array.Empty<NpmTokenProtection>(), null, Array.Empty<string>(), false);

            using var target = OpenTarget(plan.Path, plan.Target.Principals, plan.Target.ContainmentRoot);
            using (Lock(plan.Path, target))
            {
                target.RemoveStaleTemporaryFiles();
                var current = Read(plan.Path, target);
                bool replanned = false;
                if (!(plan.FileExisted == (current != null) && plan.OriginalSha256 == Hashing.Sha256Hex(current)))
                {
                    plan = TokenProtectionPlanner.Replan(plan, current);
                    replanned = true;
                    if (plan.Problem != null) throw plan.Problem;
                    if (!plan.HasChanges) return new TokenProtectionResult(plan, NpmrcApplyStatus.Unchanged, Array.Empty<NpmTokenProtection>(), null, Array.Empty<string>(), true);
                }
                if (NpmrcWriteCheck.Encoding(plan.Path, plan.ConvertsFromUtf16, Force, NpmrcWriteCheck.TokenProtectionWhile) is NpmrcWriteException utf16) throw utf16;

                var bytes = plan.Render();
                var records = plan.Changes.Select(c => new NpmBackupChange($"{c.Key} (line {c.Line})", c.Redacted,
                    c.Action == NpmTokenProtectionAction.Replaced ? "${" + c.VariableName + "}" : "(line removed)")).ToList();
                if (plan.ConvertsFromUtf16) records.Insert(0, new NpmBackupChange("(encoding)", "UTF-16", "UTF-8"));
                var backup = SaveBackup(plan.Path, target, current, bytes, records);
                var warnings = Write(plan.Path, target, current, bytes, plan.Target.Scope, backup);
                var lines = plan.Lines.Select(l => l.ToOutput(plan.Path, backup?.BackupId)).ToList();
                return new TokenProtectionResult(plan, NpmrcApplyStatus.Changed, lines, backup?.BackupId, warnings, replanned);
            }
        }
    }
}
