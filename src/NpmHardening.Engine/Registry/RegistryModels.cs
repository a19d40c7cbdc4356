using System;

namespace NpmHardening
{
    /// <summary>
    /// What the registry says about one configured token (Test-NpmrcToken -Online). Never holds the token:
    /// only the registry contacted and the answers.
    /// </summary>
    public sealed class NpmTokenCheck
    {
        /// <summary>The registry URL contacted, or the one that was refused (plain http to a remote host).</summary>
        public string Registry { get; set; } = "";
        /// <summary>The nerf-dart scope the token is configured for (<c>//host/path/</c>).</summary>
        public string Scope { get; set; } = "";
        /// <summary>True: /-/whoami answered with a user name. False: 401/403 or no user. Null: unknown (network, 5xx, refused).</summary>
        public bool? Valid { get; set; }
        public string? User { get; set; }
        /// <summary>From the registry's token list when it is readable and one entry matches the token.</summary>
        public bool? Readonly { get; set; }
        public bool? BypassTwoFactor { get; set; }
        public DateTimeOffset? Expires { get; set; }
        public bool? HasCidr { get; set; }
        /// <summary>The account's 2FA mode from /-/npm/v1/user: disabled, auth-only or auth-and-writes; null when unreadable.</summary>
        public string? TwoFactorMode { get; set; }
        /// <summary>True when the request was not made (no https, bad scope).</summary>
        public bool Refused { get; set; }
        /// <summary>Why the check is incomplete; never contains a secret.</summary>
        public string? Error { get; set; }

        public override string ToString() =>
            $"{Registry}: " + (Valid == true ? "valid" + (User != null ? " (" + User + ")" : "") : Valid == false ? "invalid" : "unknown") +
            (Error != null ? " - " + Error : "");
    }

    /// <summary>The account a credential belongs to (Get-NpmAccount).</summary>
    public sealed class NpmAccount
    {
        public string Registry { get; set; } = "";
        public string? User { get; set; }
        public string? Email { get; set; }
        public bool? EmailVerified { get; set; }
        /// <summary>disabled, auth-only, auth-and-writes, or pending (enabled but not confirmed); null when the registry has no profile endpoint.</summary>
        public string? TwoFactorMode { get; set; }
        public bool? TwoFactorEnabled { get; set; }
        public DateTimeOffset? Created { get; set; }
        public DateTimeOffset? Updated { get; set; }
        /// <summary>Where the credential came from: "path:line", an environment variable, or "-Token"/"-Credential".</summary>
        public string? Source { get; set; }
        /// <summary>_authToken, _auth, username, token or credential.</summary>
        public string? CredentialKind { get; set; }
        /// <summary>First 12 hex digits of the credential's SHA-256.</summary>
        public string? Fingerprint { get; set; }
        /// <summary>True when the profile endpoint (/-/npm/v1/user) answered; false for registries without it.</summary>
        public bool ProfileAvailable { get; set; }

        public override string ToString() => $"{User ?? "?"} @ {Registry}";
    }

    /// <summary>One entry of the registry's token list (Get-NpmAccessToken).</summary>
    public sealed class NpmAccessToken
    {
        public string Registry { get; set; } = "";
        /// <summary>The registry's id for the token (npm token revoke takes it).</summary>
        public string? Key { get; set; }
        public string? Name { get; set; }
        /// <summary>Our redaction: the current token as NpmCredential.Redact shows it; others by at most four leading characters.</summary>
        public string? Redacted { get; set; }
        public DateTimeOffset? Created { get; set; }
        public DateTimeOffset? Updated { get; set; }
        /// <summary>Null when the registry sets no expiry.</summary>
        public DateTimeOffset? Expires { get; set; }
        public bool? Readonly { get; set; }
        public bool? BypassTwoFactor { get; set; }
        public string[] CidrWhitelist { get; set; } = Array.Empty<string>();
        /// <summary>Granular permissions as the registry lists them (<c>name=value</c>, packages, orgs).</summary>
        public string[] Permissions { get; set; } = Array.Empty<string>();
        public string[] Scopes { get; set; } = Array.Empty<string>();
        /// <summary>The token this request authenticated with.</summary>
        public bool IsCurrent { get; set; }
        /// <summary>The registry's display form of the token, kept only to find the current one.</summary>
        internal string? ListedForm { get; set; }

        public override string ToString() => $"{Redacted ?? Key} @ {Registry}";
    }
}
