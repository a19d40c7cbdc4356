using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Credentials
{
    /// <summary>
    /// How severe one stored credential is, for every audit that meets it (Get-NpmSecurityPosture's NPMH7001–7004
    /// and Test-NpmrcToken): the catalog's default, raised or lowered only for a reason the finding states. One
    /// function, so the same line never gets two severities from two cmdlets.
    /// </summary>
    internal static class CredentialSeverity
    {
        /// <summary>
        /// The rule a stored credential falls under: NPMH7002 for a password (an <c>_auth</c> or <c>_password</c> key, or a
        /// value that is one), NPMH7001 for a token. <paramref name="name"/> is the key without its registry scope.
        /// </summary>
        public static string RuleFor(string name, NpmCredentialKind kind) =>
            name == "_auth" || name == "_password" || kind == NpmCredentialKind.BasicAuth || kind == NpmCredentialKind.Password
                ? "NPMH7002" : "NPMH7001";

        /// <summary>
        /// The severity of a stored secret under <paramref name="rule"/> and why it differs from the default (null:
        /// it does not). A token whose checksum fails is a placeholder (Low); one that others can read, or that npm
        /// sends over plain http to another machine, is Critical.
        /// </summary>
        public static (NpmSeverity Severity, string? Reason) OfStoredSecret(NpmSecurityRule rule, bool? checksumValid,
            FileAccessInfo? access, string? plainHttpRegistry)
        {
            if (checksumValid == false)
                return (NpmSeverity.Low, "Its checksum is invalid, so it is probably a placeholder rather than a real token.");
            if (plainHttpRegistry != null)
                return (NpmSeverity.Critical, $"npm sends it to {plainHttpRegistry} over plain http, readable by anyone on the network path.");
            if (access != null && access.ReadableByOthers)
                return (NpmSeverity.Critical, $"The file that holds it is readable by others: {access.Summary}.");
            return (rule.Severity, null);
        }

        /// <summary>A credential in the environment of this session only (not defined persistently): a warning, one step below the rule.</summary>
        public static (NpmSeverity Severity, string? Reason) OfSessionVariable(NpmSecurityRule rule, bool? checksumValid)
        {
            if (checksumValid == false)
                return (NpmSeverity.Low, "Its checksum is invalid, so it is probably a placeholder rather than a real token.");
            return (NpmSeverity.Medium, "It is set only in this session's environment, not persistently.");
        }
    }
}
