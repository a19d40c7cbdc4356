using System;
using System.Security;

namespace NpmHardening
{
    /// <summary>What Protect-NpmrcToken did with one credential line.</summary>
    public enum NpmTokenProtectionAction
    {
        /// <summary>The plaintext value was replaced in place by an environment reference (<c>${NPM_TOKEN}</c>).</summary>
        Replaced,
        /// <summary>The credential line was deleted.</summary>
        Removed,
        /// <summary>The line was left as it was (a legacy <c>_auth</c>/<c>_password</c> credential that cannot be converted).</summary>
        Skipped,
    }

    /// <summary>
    /// One credential line Protect-NpmrcToken changed (or left alone), for scripts: where it was, what was done, and the
    /// secret that was in the file as a <see cref="SecureString"/> so a script can store it (Set-Secret, a CI secret).
    /// The secret is never a string property: ToString, the format view and JSON show only <see cref="Redacted"/> and
    /// <see cref="Fingerprint"/>, and the module's type data keeps <see cref="Secret"/> out of Export-Clixml, remoting and jobs.
    /// </summary>
    public sealed class NpmTokenProtection
    {
        /// <summary>The file as it was named (a symbolic link stays the link's path).</summary>
        public string Path { get; set; } = "";
        /// <summary>The line of the file before the change (1-based).</summary>
        public int Line { get; set; }
        /// <summary>The key as npm reads it: <c>//registry.npmjs.org/:_authToken</c>, or <c>_authToken</c> when unscoped.</summary>
        public string Key { get; set; } = "";
        /// <summary>The nerf-dart scope of the key (<c>//registry.npmjs.org/</c>); null for an unscoped key.</summary>
        public string? Registry { get; set; }
        public NpmTokenProtectionAction Action { get; set; }
        /// <summary>GranularToken, LegacyUuidToken, OpaqueToken, BasicAuth or Password.</summary>
        public string Kind { get; set; } = "";
        /// <summary>For Replaced: the environment variable the line now refers to; set it before running npm.</summary>
        public string? VariableName { get; set; }
        /// <summary>The secret as it may be shown: <c>npm_ab…yz</c>.</summary>
        public string Redacted { get; set; } = "";
        /// <summary>First 12 hex digits of the secret's SHA-256: the same secret elsewhere has the same fingerprint.</summary>
        public string Fingerprint { get; set; } = "";
        /// <summary>The backup of the file before the change (Restore-NpmHardening -BackupId); null when nothing was written.</summary>
        public string? BackupId { get; set; }
        /// <summary>Why the line was skipped, or what else to know.</summary>
        public string? Message { get; set; }
        /// <summary>The secret that was in the file (null for Skipped). Read-only; convert it only where it is stored.</summary>
        public SecureString? Secret { get; set; }

        public override string ToString() =>
            $"{Path}:{Line}: {Key} {Action}" + (VariableName != null && Action == NpmTokenProtectionAction.Replaced ? " -> ${" + VariableName + "}" : "") +
            $" ({Redacted}, fingerprint {Fingerprint})";

        internal static SecureString ToSecureString(string secret)
        {
            var s = new SecureString();
            foreach (var c in secret) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }
    }
}
