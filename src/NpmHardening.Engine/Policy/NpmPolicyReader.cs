using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Policy
{
    /// <summary>
    /// Turns a policy file's values (<see cref="NpmPolicyValue"/>) into an <see cref="NpmHardeningPolicy"/>, or throws
    /// <see cref="NpmPolicyFileException"/> naming the file and line of the first problem. Keys are case-insensitive, as
    /// in PowerShell hashtables; an unknown key is an error (a misspelt <c>Justifcation</c> must not pass silently).
    /// <code>
    /// @{
    ///     Baseline          = 'Recommended'                      # Recommended | Strict | CI
    ///     AllowedRegistries = @{ Default = 'https://registry.npmjs.org/'; '@corp' = 'https://npm.corp.example/' }
    ///     Staging           = @{ MaximumAge = '3.00:00:00'; ExpectedPublishers = @('release-bot') }
    ///     Exceptions        = @(
    ///         @{ RuleId = 'NPMH3001'; Context = '*/legacy-app'; Location = '*/.npmrc*'; Justification = '…'; Expires = '2027-03-31' }
    ///     )
    /// }
    /// </code>
    /// </summary>
    public static class NpmPolicyReader
    {
        private static readonly Regex ScopeName = new Regex("^@[a-z0-9][a-z0-9._~-]*$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        public static NpmHardeningPolicy Read(NpmPolicyValue root, string path, RuleCatalog? catalog = null)
        {
            if (root == null) throw new ArgumentNullException(nameof(root));
            catalog ??= RuleCatalog.Default;
            if (root.Kind != NpmPolicyValueKind.Table)
                throw new NpmPolicyFileException("PolicyNotData", path, root.Line, "a policy file holds one hashtable, @{ … }, and nothing else.");
            var policy = new NpmHardeningPolicy { Path = path };
            foreach (var e in Unique(root, path))
            {
                switch (e.Key.ToLowerInvariant())
                {
                    case "baseline":
                        var name = Text(e.Value, path, "Baseline");
                        var baseline = Enum.GetValues(typeof(NpmBaseline)).Cast<NpmBaseline>()
                            .FirstOrDefault(b => string.Equals(b.ToString(), name, StringComparison.OrdinalIgnoreCase));
                        if (!string.Equals(baseline.ToString(), name, StringComparison.OrdinalIgnoreCase))
                            throw Invalid(path, e.Value.Line, $"Baseline '{name}' is not a baseline; use one of {string.Join(", ", Enum.GetNames(typeof(NpmBaseline)))}.");
                        policy.Baseline = baseline;
                        break;
                    case "allowedregistries":
                        ReadRegistries(e.Value, path, policy);
                        break;
                    case "staging":
                        ReadStaging(e.Value, path, policy);
                        break;
                    case "exceptions":
                        policy.Exceptions = Items(e.Value).Select(v => ReadException(v, path, catalog)).ToArray();
                        break;
                    default:
                        throw new NpmPolicyFileException("PolicyUnknownKey", path, e.Line,
                            $"unknown key '{e.Key}'; a policy has Baseline, AllowedRegistries, Staging and Exceptions.");
                }
            }
            return policy;
        }

        /// <summary>Staging = @{ MaximumAge = 'd.hh:mm:ss' (or a number of days); ExpectedPublishers = @('name', …) }.</summary>
        private static void ReadStaging(NpmPolicyValue value, string path, NpmHardeningPolicy policy)
        {
            if (value.Kind != NpmPolicyValueKind.Table)
                throw Invalid(path, value.Line, "Staging is a hashtable: @{ MaximumAge = '7.00:00:00'; ExpectedPublishers = @('release-bot') }.");
            foreach (var e in Unique(value, path))
            {
                switch (e.Key.ToLowerInvariant())
                {
                    case "maximumage":
                        TimeSpan age;
                        if (e.Value.Kind == NpmPolicyValueKind.Scalar && e.Value.Value is string text)
                        {
                            if (!TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out age))
                                throw Invalid(path, e.Value.Line, $"Staging.MaximumAge '{text}' is not a time span; write days.hours:minutes:seconds ('3.00:00:00') or a number of days.");
                        }
                        else if (e.Value.Kind == NpmPolicyValueKind.Scalar && e.Value.Value is IConvertible number && !(e.Value.Value is bool))
                            age = TimeSpan.FromDays(number.ToDouble(CultureInfo.InvariantCulture));
                        else throw Invalid(path, e.Value.Line, "Staging.MaximumAge takes a time span ('3.00:00:00') or a number of days.");
                        if (age <= TimeSpan.Zero) throw Invalid(path, e.Value.Line, "Staging.MaximumAge must be longer than zero.");
                        policy.StagedMaximumAge = age;
                        break;
                    case "expectedpublishers":
                        var names = Items(e.Value).Select(v => NonEmpty(v, path, "Staging.ExpectedPublishers")).ToArray();
                        if (names.Length == 0) throw Invalid(path, e.Value.Line, "Staging.ExpectedPublishers names nobody; leave it out to not judge who stages.");
                        policy.ExpectedPublishers = names;
                        break;
                    default:
                        throw new NpmPolicyFileException("PolicyUnknownKey", path, e.Line,
                            $"unknown key '{e.Key}' in Staging; Staging has MaximumAge and ExpectedPublishers.");
                }
            }
        }

        private static void ReadRegistries(NpmPolicyValue value, string path, NpmHardeningPolicy policy)
        {
            if (value.Kind != NpmPolicyValueKind.Table)
            {
                // AllowedRegistries = 'https://…' or @('…', '…'): the default list only
                policy.AllowedRegistries = Urls(value, path, "AllowedRegistries");
                return;
            }
            var scoped = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in Unique(value, path))
            {
                if (string.Equals(e.Key, "Default", StringComparison.OrdinalIgnoreCase)) policy.AllowedRegistries = Urls(e.Value, path, "Default");
                else if (ScopeName.IsMatch(e.Key)) scoped[e.Key.ToLowerInvariant()] = Urls(e.Value, path, e.Key);
                else throw new NpmPolicyFileException("PolicyUnknownKey", path, e.Line,
                    $"unknown key '{e.Key}' in AllowedRegistries; use Default or a scope such as '@corp' (quoted: '@corp' = 'https://npm.corp.example/').");
            }
            policy.ScopedRegistries = scoped;
        }

        private static string[] Urls(NpmPolicyValue value, string path, string what)
        {
            var urls = Items(value).Select(v =>
            {
                var text = Text(v, path, what);
                var normal = AuditRun.NormalizeRegistry(text);
                if (normal == null || !(normal.StartsWith("https://", StringComparison.Ordinal) || normal.StartsWith("http://", StringComparison.Ordinal)))
                    throw Invalid(path, v.Line, $"{what}: '{text}' is not a registry URL (https://host/path/).");
                return normal;
            }).ToArray();
            if (urls.Length == 0) throw Invalid(path, value.Line, $"{what} names no registry.");
            return urls;
        }

        private static NpmPolicyExemption ReadException(NpmPolicyValue value, string path, RuleCatalog catalog)
        {
            if (value.Kind != NpmPolicyValueKind.Table)
                throw Invalid(path, value.Line, "each entry of Exceptions is a hashtable: @{ RuleId = '…'; Justification = '…'; Expires = 'yyyy-MM-dd' }.");
            var x = new NpmPolicyExemption { Source = path + ":" + value.Line.ToString(CultureInfo.InvariantCulture) };
            bool hasRule = false, hasJustification = false;
            foreach (var e in Unique(value, path))
            {
                switch (e.Key.ToLowerInvariant())
                {
                    case "ruleid":
                        var id = Text(e.Value, path, "RuleId").Trim();
                        var rule = catalog.Find(id)
                            ?? throw new NpmPolicyFileException("PolicyUnknownRule", path, e.Value.Line,
                                $"RuleId '{id}' is not a rule of the catalog; Get-NpmRule lists them (an exception names one rule, no wildcards).");
                        x.RuleId = rule.Id;
                        hasRule = true;
                        break;
                    case "context":
                        x.Context = Pattern(e.Value, path, "Context");
                        break;
                    case "location":
                        x.Location = Pattern(e.Value, path, "Location");
                        break;
                    case "justification":
                        var why = e.Value.Kind == NpmPolicyValueKind.Scalar ? e.Value.Value as string : null;
                        if (string.IsNullOrWhiteSpace(why))
                            throw new NpmPolicyFileException("PolicyMissingJustification", path, e.Value.Line, "Justification is empty; say why the risk is accepted.");
                        x.Justification = SecretScrubber.RedactInline(why!.Trim());
                        hasJustification = true;
                        break;
                    case "expires":
                        var day = Text(e.Value, path, "Expires");
                        if (!DateTime.TryParseExact(day.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
                            throw new NpmPolicyFileException("PolicyInvalidDate", path, e.Value.Line, $"Expires '{day}' is not a date written yyyy-MM-dd (for example '2027-03-31').");
                        x.Expires = DateTime.SpecifyKind(expires.Date, DateTimeKind.Unspecified);
                        break;
                    default:
                        throw new NpmPolicyFileException("PolicyUnknownKey", path, e.Line,
                            $"unknown key '{e.Key}' in an exception; an exception has RuleId, Context, Location, Justification and Expires.");
                }
            }
            if (!hasRule) throw new NpmPolicyFileException("PolicyUnknownRule", path, value.Line, "the exception names no RuleId.");
            if (!hasJustification) throw new NpmPolicyFileException("PolicyMissingJustification", path, value.Line, $"the exception for {x.RuleId} has no Justification; say why the risk is accepted.");
            return x;
        }

        /// <summary>The entries of a table; a key given twice is an error (PowerShell itself refuses duplicate keys).</summary>
        private static IEnumerable<NpmPolicyEntry> Unique(NpmPolicyValue table, string path)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in table.Entries)
            {
                if (!seen.Add(e.Key)) throw Invalid(path, e.Line, $"the key '{e.Key}' is given twice.");
                yield return e;
            }
        }

        /// <summary>A list's items; a single value counts as a list of one (PowerShell unrolls one-item arrays the same way).</summary>
        private static IReadOnlyList<NpmPolicyValue> Items(NpmPolicyValue value) =>
            value.Kind == NpmPolicyValueKind.List ? value.Items : new[] { value };

        private static string Text(NpmPolicyValue value, string path, string what) =>
            value.Kind == NpmPolicyValueKind.Scalar && value.Value is string s
                ? s
                : throw Invalid(path, value.Line, $"{what} takes a string in quotes.");

        private static string NonEmpty(NpmPolicyValue value, string path, string what)
        {
            var s = Text(value, path, what);
            return s.Trim().Length > 0 ? s.Trim() : throw Invalid(path, value.Line, $"{what} is empty; leave it out to match everything.");
        }

        /// <summary>A Context or Location pattern, refused here (with its line) when PowerShell would refuse it as a wildcard.</summary>
        private static string Pattern(NpmPolicyValue value, string path, string what)
        {
            var s = NonEmpty(value, path, what);
            return Config.WildcardMatcher.IsValidPowerShell(s, out var problem) ? s
                : throw new NpmPolicyFileException("PolicyInvalidPattern", path, value.Line, $"{what}: {problem}");
        }

        private static NpmPolicyFileException Invalid(string path, int line, string problem) => new NpmPolicyFileException("PolicyInvalidValue", path, line, problem);
    }
}
