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
    /// secret that was in the file, which a script can take as a <see cref="SecureString"/> from <see cref="GetSecret"/> to
    /// store it (Set-Secret, a CI secret).
    /// </summary>
    /// <remarks>
    /// The secret is not a property, on purpose. Every generic operation PowerShell has for objects copies or writes
    /// properties: <c>Select-Object *</c> copies them into a PSCustomObject (type data does not follow), and
    /// <c>Export-Clixml</c>, <c>ConvertTo-Json</c>, remoting and jobs serialize them; on Linux and macOS a SecureString is
    /// serialized as the hex of its UTF-16 characters. None of them calls methods, so a secret reachable only through a
    /// method cannot be written anywhere by accident: only a script that asks for it gets it.
    /// </remarks>
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
        private SecureString? _secret;

        /// <summary>
        /// The secret that was in the file, as a new read-only SecureString the caller may dispose; null for Skipped.
        /// Convert it to text only where it is stored.
        /// </summary>
        public SecureString? GetSecret()
        {
            if (_secret == null) return null;
            var copy = _secret.Copy();
            copy.MakeReadOnly();
            return copy;
        }

        /// <summary>True when <see cref="GetSecret"/> returns the secret (not for Skipped lines).</summary>
        public bool HasSecret => _secret != null;

        public override string ToString() =>
            $"{Path}:{Line}: {Key} {Action}" + (VariableName != null && Action == NpmTokenProtectionAction.Replaced ? " -> ${" + VariableName + "}" : "") +
            $" ({Redacted}, fingerprint {Fingerprint})";

        internal NpmTokenProtection WithSecret(string? secret)
        {
            if (secret == null) { _secret = null; return this; }
            var s = new SecureString();
            foreach (var c in secret) s.AppendChar(c);
            s.MakeReadOnly();
            _secret = s;
            return this;
        }
    }
}
