using System;

namespace NpmHardening
{
    /// <summary>
    /// One credential found in an npmrc line or an environment variable (Test-NpmrcToken). The secret itself is
    /// never a property: <see cref="Redacted"/> shows at most four of its characters and <see cref="Fingerprint"/>
    /// is equal wherever the same secret sits, so a token that spread to several files and variables can be traced.
    /// </summary>
    public sealed class NpmTokenFinding
    {
        /// <summary>The file that holds the credential; null for an environment variable.</summary>
        public string? Path { get; set; }
        /// <summary>1-based line in <see cref="Path"/>, or in the start-up file that sets a variable.</summary>
        public int? Line { get; set; }
        /// <summary>
        /// How npm meets it: Builtin, Global, User or Project (a layer npm loads for the context), File (a file given
        /// by path, read as npm would read it as a project or user config), Environment (this process's variables),
        /// or UserEnvironment / MachineEnvironment (variables defined persistently).
        /// </summary>
        public string Layer { get; set; } = "";
        /// <summary>"path:line", "env:NAME", or the persistent location of a variable (HKCU\Environment, /etc/environment:3).</summary>
        public string Source { get; set; } = "";
        /// <summary>The nerf-dart scope the credential is sent to (//registry.npmjs.org/); null when it is not scoped.</summary>
        public string? Registry { get; set; }
        /// <summary>The config key (//registry.npmjs.org/:_authToken) or the variable name.</summary>
        public string Key { get; set; } = "";
        public NpmCredentialKind Kind { get; set; }
        /// <summary>For granular tokens: whether the last six characters are the CRC32 checksum of the rest (false: not a real token).</summary>
        public bool? ChecksumValid { get; set; }
        /// <summary>The credential as it may be shown: <c>npm_ab…yz</c>, <c>***</c>, or a reference as written.</summary>
        public string Redacted { get; set; } = "";
        /// <summary>First 12 hex digits of the secret's SHA-256; for a reference, of the variable's current value. Null when there is no secret to compare.</summary>
        public string? Fingerprint { get; set; }
        /// <summary>For <c>_auth</c>: the user name it encodes (never the password). For <c>username</c> lines: the name.</summary>
        public string? UserName { get; set; }
        /// <summary>For references (<c>${NPM_TOKEN}</c>): the variable's name.</summary>
        public string? Variable { get; set; }
        /// <summary>For references: whether the variable is set where npm would run, and where it is defined.</summary>
        public bool? VariableSet { get; set; }
        public string? VariableSource { get; set; }
        public NpmSeverity Severity { get; set; }
        public NpmFindingStatus Status { get; set; }
        /// <summary>The catalog rule the finding falls under (NPMH7001…; see docs/rules.md); null for notes no rule covers.</summary>
        public string? RuleId { get; set; }
        /// <summary>Who besides the owner can read or write the file: Unix mode, or the Windows principals.</summary>
        public string? FileAccess { get; set; }
        /// <summary>Why this severity and status, in one or two sentences.</summary>
        public string Message { get; set; } = "";
        /// <summary>What to do, as a command where there is one.</summary>
        public string? Recommendation { get; set; }
        /// <summary>The user profile or project the source belongs to.</summary>
        public string? Context { get; set; }
        // i9-policy: until this type derives from NpmFinding (helper "core"), the same property as NpmFinding.Suppression; drop it at the merge.
        /// <summary>Set when a policy exception covers the finding (its status is then Suppressed).</summary>
        public NpmFindingSuppression? Suppression { get; set; }

        // Filled by -Online only.
        /// <summary>The registry URL asked (or that was refused); null when no online check ran.</summary>
        public string? CheckedRegistry { get; set; }
        /// <summary>True when the registry accepted the credential, false when it refused it, null when unknown or not checked.</summary>
        public bool? Valid { get; set; }
        /// <summary>The account the registry says the token belongs to.</summary>
        public string? User { get; set; }
        public bool? Readonly { get; set; }
        public bool? BypassTwoFactor { get; set; }
        public DateTimeOffset? Expires { get; set; }
        /// <summary>Why an online check gave no answer (network, HTTP status, refused scope, reference not checked); never holds the secret.</summary>
        public string? OnlineError { get; set; }
        /// <summary>What the online check did: Checked, Failed, Refused, ReferenceNotChecked or NotApplicable; null without -Online.</summary>
        public NpmOnlineCheckState? OnlineState { get; set; }

        public override string ToString() => $"{Severity} {Kind} {Key} at {Source} ({Redacted})";
    }
}
