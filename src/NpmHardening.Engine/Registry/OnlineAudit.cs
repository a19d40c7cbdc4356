using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// The online rules (NPMH71xx): findings from what a registry answered — the account's 2FA mode, the token
    /// list, whether a configured token is accepted. Pure functions over the client's results, so they are
    /// tested without a network and the cmdlets decide when a request is made.
    /// </summary>
    public static class OnlineAudit
    {
        public const string AccountTwoFactor = "NPMH7101";
        public const string TokenBypassesTwoFactor = "NPMH7102";
        public const string WriteTokenUnbounded = "NPMH7103";
        public const string TokenRejected = "NPMH7104";

        internal static IReadOnlyCollection<string> EvaluatedRuleIds { get; } =
            new[] { AccountTwoFactor, TokenBypassesTwoFactor, WriteTokenUnbounded, TokenRejected };

        /// <summary>NPMH7101 for an account whose profile was read; nothing when the registry has no profile endpoint.</summary>
        public static IEnumerable<NpmSecurityFinding> ForAccount(NpmAccount account)
        {
            if (account == null) throw new ArgumentNullException(nameof(account));
            if (!account.ProfileAvailable || account.TwoFactorMode == null) yield break;
            yield return TwoFactor(account.Registry, account.TwoFactorMode, account.User, account.Source);
        }

        /// <summary>NPMH7102 and NPMH7103 for each listed token (one Pass each when no token fails).</summary>
        public static IEnumerable<NpmSecurityFinding> ForTokens(string registry, IEnumerable<NpmAccessToken> tokens)
        {
            if (tokens == null) throw new ArgumentNullException(nameof(tokens));
            var list = tokens.ToList();
            var findings = new List<NpmSecurityFinding>();
            foreach (var t in list.Where(t => t.BypassTwoFactor == true))
                findings.Add(New(TokenBypassesTwoFactor, NpmFindingStatus.Fail, registry, Describe(t), "bypass_2fa=true", null,
                    $"Token {Describe(t)} publishes without a one-time password.", key: t.Key));
            if (!findings.Any())
                findings.Add(New(TokenBypassesTwoFactor, NpmFindingStatus.Pass, registry, null, $"{list.Count} token(s), none with bypass_2fa", null,
                    $"None of the {list.Count} token(s) listed bypasses 2FA."));
            int before = findings.Count;
            foreach (var t in list.Where(IsUnboundedWrite))
                findings.Add(New(WriteTokenUnbounded, NpmFindingStatus.Fail, registry, Describe(t), "read-write, no expiry, no CIDR", null,
                    $"Token {Describe(t)} can publish, never expires and works from any address.", key: t.Key));
            if (findings.Count == before)
                findings.Add(New(WriteTokenUnbounded, NpmFindingStatus.Pass, registry, null, $"{list.Count} token(s) bounded", null,
                    $"Every write token of the {list.Count} listed has an expiry or a CIDR list."));
            return findings;
        }

        /// <summary>Findings from Test-NpmrcToken -Online's check of one configured token.</summary>
        public static IEnumerable<NpmSecurityFinding> ForCheck(NpmTokenCheck check, string? source = null)
        {
            if (check == null) throw new ArgumentNullException(nameof(check));
            var findings = new List<NpmSecurityFinding>();
            if (check.Valid == false)
                findings.Add(New(TokenRejected, NpmFindingStatus.Fail, check.Registry, check.Scope, "rejected", source,
                    check.Error ?? $"{check.Registry} does not accept the token."));
            else if (check.Valid == true)
                findings.Add(New(TokenRejected, NpmFindingStatus.Pass, check.Registry, check.Scope, "accepted" + (check.User != null ? " (" + check.User + ")" : ""), source,
                    $"{check.Registry} accepts the token."));
            else
                findings.Add(New(TokenRejected, NpmFindingStatus.Error, check.Registry, check.Scope, "unknown", source,
                    check.Error ?? $"{check.Registry} could not say whether the token is valid."));
            if (check.Valid != true) return findings;
            if (check.TwoFactorMode != null) findings.Add(TwoFactor(check.Registry, check.TwoFactorMode, check.User, source));
            if (check.BypassTwoFactor == true)
                findings.Add(New(TokenBypassesTwoFactor, NpmFindingStatus.Fail, check.Registry, check.Scope, "bypass_2fa=true", source,
                    "The configured token publishes without a one-time password."));
            if (check.Readonly == false && check.Expires == null && check.HasCidr == false)
                findings.Add(New(WriteTokenUnbounded, NpmFindingStatus.Fail, check.Registry, check.Scope, "read-write, no expiry, no CIDR", source,
                    "The configured token can publish, never expires and works from any address."));
            return findings;
        }

        /// <summary>NPMH7103's condition: can write (not read-only), and neither an expiry nor a CIDR list bounds it.</summary>
        public static bool IsUnboundedWrite(NpmAccessToken t) => t.Readonly != true && t.Expires == null && t.CidrWhitelist.Length == 0;

        private static NpmSecurityFinding TwoFactor(string registry, string mode, string? user, string? source)
        {
            bool ok = mode == "auth-and-writes";
            return New(AccountTwoFactor, ok ? NpmFindingStatus.Pass : NpmFindingStatus.Fail, registry, "tfa", mode, source,
                ok ? $"Account {user ?? "?"} asks for a one-time password on login and on writes."
                   : mode == "auth-only"
                       ? $"Account {user ?? "?"} asks for 2FA on login only; publishes and token changes need no second factor."
                       : $"Account {user ?? "?"} has two-factor authentication disabled.");
        }

        private static string Describe(NpmAccessToken t) =>
            (t.Redacted ?? "?") + (t.Key != null ? " (key " + (t.Key.Length > 8 ? t.Key.Substring(0, 8) : t.Key) + ")" : "") + (t.Name != null ? " '" + t.Name + "'" : "");

        private static NpmSecurityFinding New(string id, NpmFindingStatus status, string registry, string? setting, string? actual, string? source, string message, string? key = null, string? computerName = null)
        {
            var rule = RuleCatalog.Default[id];
            var scrubber = new SecretScrubber();
            var finding = FindingFactory.Stamp(new NpmSecurityFinding(), rule, computerName ?? FindingFactory.MachineOf(Platform.SystemPlatform.Instance));
            finding.Status = status;
            finding.Setting = setting;
            finding.Actual = actual;
            finding.Expected = rule.ExpectedText;
            // the registry object the fact is about; the config line that named the credential when there is one
            finding.Location = new NpmFindingLocation { Uri = registry, Name = source };
            finding.Context = registry;
            finding.Message = message;
            if (status != NpmFindingStatus.Pass)
            {
                var command = rule.Remediation.Replace("{registry}", registry).Replace("{key}", key ?? "<token-key>");
                finding.Remediation = new NpmRemediation { Summary = rule.Title + ": " + (rule.ExpectedText ?? "see the rule's reference") + ".", NpmCommand = command };
            }
            finding.FactId = FindingFactory.FactId(finding, setting);
            scrubber.Scrub(finding);
            return finding;
        }
    }
}
