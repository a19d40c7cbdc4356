using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Rules
{
    // 2xxx-6xxx and strict-npmrc: settings judged against the baseline, as the detected npm applies them
    internal sealed partial class AuditRun
    {
        /// <summary>The generic config rule: the effective value of the rule's setting against the baseline's expectation.</summary>
        private IEnumerable<NpmSecurityFinding> Setting(NpmSecurityRule rule)
        {
            var key = rule.Setting ?? throw new InvalidOperationException($"{rule.Id} names no setting.");
            var expectation = rule.ExpectationFor(Baseline) ?? throw new InvalidOperationException($"{rule.Id} has no expectation for {Baseline}.");
            var expected = expectation.Describe();
            if (!Known(key))
            {
                yield return NotKnown(rule, key, expected);
                yield break;
            }
            var v = R.GetEffective(key);
            var value = v?.Value;
            var actual = v != null && IsSet(value) ? Show(value) : "(unset)";
            if (expectation.IsSatisfiedBy(value))
            {
                var startup = StartupOverride(key, expectation);
                if (startup != null)
                {
                    var (variable, shown) = startup.Value;
                    yield return New(rule, NpmFindingStatus.Fail,
                        $"{key} is {actual} ({(v != null ? Where(v) : "unset")}), but {variable.Name} in {StartupWhere(variable)} sets it to {shown} for every npm started "
                        + $"from a shell or session that reads that file, and variables override every config file; the {Baseline} baseline expects {expected}.",
                        setting: key, actual: shown, expected: expected, from: v,
                        remediation: RemoveStartupVariable(variable));
                    yield break;
                }
                yield return New(rule, NpmFindingStatus.Pass, $"{key} is {actual} ({(v != null ? Where(v) : "unset")}).",
                    setting: key, actual: actual, expected: expected, from: v);
                yield break;
            }
            var fix = expectation.RemediationValue;
            var message = IsSet(value)
                ? $"{key} is {actual} ({Where(v!)}); the {Baseline} baseline expects {expected}."
                : $"{key} is not set; the {Baseline} baseline expects {expected}.";
            if (v?.Layer == NpmConfigLayer.Env) message += $" The environment variable {v.EnvironmentVariable} overrides every config file.";
            yield return New(rule, NpmFindingStatus.Fail, message, setting: key, actual: actual, expected: expected, from: v,
                remediation: SetFix(key, fix, v));
        }

        private Dictionary<string, NpmConfigResolution>? _startupResolutions;

        /// <summary>
        /// A variable defined persistently for the context's account or the machine (shell start-up files, /etc/environment,
        /// environment.d, the registry's Environment keys) that sets <paramref name="key"/> to a value the expectation
        /// rejects: npm started from a login shell or a new session gets it and it beats every config file, even though
        /// the process that audits does not have it (a privileged run, another account, cron). Each such value is judged as
        /// npm would type it — the configuration resolved again with that one variable added — so "false", "0" or "" read
        /// as npm reads them. Only keys of setting rules are tried: a variable that chooses a file (userconfig, globalconfig,
        /// prefix…) is never applied, so a user's start-up file cannot make the audit read a file of its choosing.
        /// </summary>
        private (PersistentVariable Variable, string Shown)? StartupOverride(string key, RuleExpectation expectation)
        {
            foreach (var pv in PersistentVariables())
            {
                if (!NpmConfigResolver.IsNpmConfigVariable(pv.Name) || pv.Value.Length == 0) continue;
                var rest = pv.Name.Substring(11);
                if (rest.StartsWith("//", StringComparison.Ordinal)) continue;
                var mapped = Js.JsCase.ToLowerCase(rest.Length > 0 ? rest[0] + rest.Substring(1).Replace('_', '-') : rest);
                if (mapped != key) continue;
                var cacheKey = pv.Name + "\n" + pv.Value;
                _startupResolutions ??= new Dictionary<string, NpmConfigResolution>(StringComparer.Ordinal);
                if (!_startupResolutions.TryGetValue(cacheKey, out var with))
                {
                    if (_startupResolutions.Count >= 32) break; // bounded: a start-up file cannot buy unbounded re-resolutions
                    var env = EnvironmentMap.Create(Platform.IsWindows);
                    foreach (var kv in R.Environment) env[kv.Key] = kv.Value;
                    env[pv.Name] = pv.Value;
                    with = NpmConfigResolver.Resolve(new NpmConfigRequest
                    {
                        Platform = Platform,
                        Environment = env,
                        WorkingDirectory = R.WorkingDirectory,
                        Installation = R.Installation,
                    });
                    _startupResolutions[cacheKey] = with;
                }
                var effective = with.GetEffective(key);
                if (effective == null || effective.Layer != NpmConfigLayer.Env) continue;
                if (!expectation.IsSatisfiedBy(effective.Value)) return (pv, IsSet(effective.Value) ? Show(effective.Value) : "(unset)");
            }
            return null;
        }

        private NpmRemediation RemoveStartupVariable(PersistentVariable pv)
        {
            var fix = Advice($"Remove {pv.Name} from {StartupWhere(pv)}, or set it to a value the baseline accepts.");
            fix.Fixes.Add(new NpmFix(NpmFixKind.RemovePersistentVariable)
            {
                Variable = pv.Name, Scope = pv.Scope, Path = pv.Location, Line = pv.Line, Profile = _request.UserProfile,
                Note = pv.Line != null ? "the line that sets " + pv.Name : null,
            });
            return fix;
        }

        private static string StartupWhere(PersistentVariable pv) => pv.Line is int line ? $"{pv.Location}:{line}" : pv.Location;

        /// <summary>The detected npm does not define the key: it would reject or ignore it, so it is not recommended.</summary>
        private NpmSecurityFinding NotKnown(NpmSecurityRule rule, string key, string expected)
        {
            var message = $"npm {Version} has no {key} setting; {UpgradeText(key)} to use it.";
            var set = R.GetAll(key).FirstOrDefault(x => x.Layer != NpmConfigLayer.Default);
            if (set != null) message += $" It is set in {SourceOf(set)}, but this npm ignores it.";
            return New(rule, NpmFindingStatus.NotApplicable, message, setting: key, actual: set != null ? Show(set.Value) : null,
                expected: expected, from: set, remediation: UpgradeNpmFix());
        }

        private List<NpmConfigValue>? _registries;

        /// <summary>The default registry and every @scope:registry mapping, as npm uses them.</summary>
        private List<NpmConfigValue> Registries()
        {
            if (_registries != null) return _registries;
            var list = new List<NpmConfigValue>();
            var main = R.GetEffective("registry");
            if (main != null) list.Add(main);
            foreach (var key in R.Keys.Where(k => k.Length > 0 && k[0] == '@' && ScopedRegistryKey.IsMatch(k)).OrderBy(k => k, StringComparer.Ordinal))
            {
                var v = R.GetEffective(key);
                if (v != null && v.Value is string s && s.Length > 0) list.Add(v);
            }
            return _registries = list;
        }

        private static readonly Regex ScopedRegistryKey = new Regex("^@[^/:\\s]+:registry$", RegexOptions.CultureInvariant);

        private IEnumerable<NpmSecurityFinding> RegistryTransport(NpmSecurityRule rule)
        {
            // a credential reference npm would expand and send over such a registry: judged at its own line, as Test-NpmrcToken does
            foreach (var f in FileFindings(rule)) yield return f;
            foreach (var v in Registries())
            {
                var url = v.Value as string ?? "";
                var shown = Show(url);
                if (Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
                    yield return New(rule, NpmFindingStatus.Pass, $"{v.Key} uses https ({Where(v)}).", setting: v.Key, actual: shown,
                        expected: rule.ExpectedText, from: v);
                else if (uri != null && uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri))
                    yield return New(rule, NpmFindingStatus.Pass, $"{v.Key} is plain http on the loopback interface; the traffic never leaves this machine ({Where(v)}).",
                        setting: v.Key, actual: shown, expected: rule.ExpectedText, from: v);
                else
                {
                    var https = uri != null && uri.Scheme == Uri.UriSchemeHttp ? "https://" + StripCredentials(uri).Substring("http://".Length) : null;
                    yield return New(rule, NpmFindingStatus.Fail,
                        $"{v.Key} is {shown} ({Where(v)}): packages and the credentials scoped to it travel unencrypted and can be altered in transit.",
                        setting: v.Key, actual: shown, expected: rule.ExpectedText, from: v,
                        remediation: https != null ? SetFix(v.Key, https, v) : Advice($"Set {v.Key} to the registry's https:// URL."));
                }
            }
        }

        private IEnumerable<NpmSecurityFinding> RegistryAllowed(NpmSecurityRule rule)
        {
            var defaults = (_request.AllowedRegistries ?? PostureRequest.DefaultAllowedRegistries).Select(NormalizeRegistry).Where(a => a != null).ToList();
            foreach (var v in Registries())
            {
                // a scope the policy names may use only the policy's registries for it; the others, the default list
                var scope = v.Key.StartsWith("@", StringComparison.Ordinal) ? v.Key.Substring(0, v.Key.Length - ":registry".Length).ToLowerInvariant() : null;
                var allowed = scope != null && _request.ScopedRegistries != null && _request.ScopedRegistries.TryGetValue(scope, out var forScope)
                    ? forScope.Select(NormalizeRegistry).Where(a => a != null).ToList()
                    : defaults;
                var expected = "one of: " + string.Join(", ", allowed);
                var url = v.Value as string ?? "";
                var normal = NormalizeRegistry(url);
                var shown = Show(url);
                if (normal != null && allowed.Contains(normal, StringComparer.Ordinal))
                {
                    yield return New(rule, NpmFindingStatus.Pass, $"{v.Key} is an allowed registry ({Where(v)}).", setting: v.Key, actual: shown,
                        expected: expected, from: v);
                    continue;
                }
                NpmRemediation remediation;
                if (v.Key == "registry" && allowed.Count > 0) remediation = SetFix(v.Key, allowed[0], v);
                else
                {
                    remediation = Advice($"If {shown} is trusted, add it to the allowed registries; otherwise remove the {v.Key} line from {SourceOf(v)}.");
                    remediation.Fixes.Add(new NpmFix(NpmFixKind.AllowRegistries) { Values = allowed.Concat(new[] { normal ?? url }).Select(a => a!).ToList() });
                }
                yield return New(rule, NpmFindingStatus.Fail, $"{v.Key} is {shown} ({Where(v)}), which is not an allowed registry.",
                    setting: v.Key, actual: shown, expected: expected, from: v, remediation: remediation);
            }
        }

        /// <summary>scheme://host[:port]/path/ in lower case (path as is), credentials dropped; null when not a URL.</summary>
        internal static string? NormalizeRegistry(string? url)
        {
            if (url == null || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return null;
            var s = StripCredentials(uri);
            return s.EndsWith("/", StringComparison.Ordinal) ? s : s + "/";
        }

        private static string StripCredentials(Uri uri)
        {
            var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return uri.Scheme.ToLowerInvariant() + "://" + uri.Host.ToLowerInvariant() + port + uri.AbsolutePath;
        }

        private IEnumerable<NpmSecurityFinding> InstallScripts(NpmSecurityRule rule)
        {
            var expectation = rule.ExpectationFor(Baseline)!;
            var expected = expectation.Describe();
            var ignore = R.GetEffective("ignore-scripts");
            if (ignore?.Value is bool b && b)
            {
                yield return New(rule, NpmFindingStatus.Pass, $"ignore-scripts is true ({Where(ignore)}): no dependency install script runs.",
                    setting: "ignore-scripts", actual: "true", expected: expected, from: ignore);
                yield break;
            }
            var ignoreText = ignore != null ? Show(ignore.Value) : "(unset)";
            if (expectation.Kind != RuleExpectationKind.Policy)
            {
                yield return New(rule, NpmFindingStatus.Fail,
                    $"ignore-scripts is {ignoreText} ({(ignore != null ? Where(ignore) : "unset")}); the {Baseline} baseline runs no install scripts at all.",
                    setting: "ignore-scripts", actual: ignoreText, expected: expected, from: ignore,
                    remediation: SetFix("ignore-scripts", true, ignore));
                yield break;
            }

            // Recommended: an enforced allow-list is enough
            bool hasAllowList = Known("strict-allow-scripts");
            var dangerous = Known("dangerously-allow-all-scripts") ? R.GetEffective("dangerously-allow-all-scripts") : null;
            if (dangerous?.Value is bool d && d)
            {
                yield return New(rule, NpmFindingStatus.Fail,
                    $"dangerously-allow-all-scripts is true ({Where(dangerous)}): every dependency's install scripts run, approved or not.",
                    setting: "dangerously-allow-all-scripts", actual: "true", expected: expected, from: dangerous,
                    remediation: SetFix("dangerously-allow-all-scripts", false, dangerous));
                yield break;
            }
            var strict = hasAllowList ? R.GetEffective("strict-allow-scripts") : null;
            if (strict?.Value is bool s && s)
            {
                yield return New(rule, NpmFindingStatus.Pass,
                    $"strict-allow-scripts is true ({Where(strict)}): install scripts of dependencies not approved in allowScripts fail the install.",
                    setting: "strict-allow-scripts", actual: "true", expected: expected, from: strict);
                yield break;
            }
            if (Version.Major >= 12)
            {
                yield return New(rule, NpmFindingStatus.Pass,
                    $"npm {Version} blocks the install scripts of dependencies not approved in allowScripts (with a warning) by default.",
                    setting: "ignore-scripts", actual: ignoreText, expected: expected, from: ignore);
                yield break;
            }
            if (hasAllowList)
                yield return New(rule, NpmFindingStatus.Fail,
                    $"npm {Version} runs the install scripts of every dependency (unapproved ones only get a notice): neither ignore-scripts nor strict-allow-scripts is true.",
                    setting: "strict-allow-scripts", actual: strict != null ? Show(strict.Value) : "(unset)", expected: expected, from: strict,
                    remediation: SetFix("strict-allow-scripts", true, strict));
            else
                yield return New(rule, NpmFindingStatus.Fail,
                    $"npm {Version} runs the install scripts of every dependency and has no allow-list; set ignore-scripts=true, or {UpgradeText("strict-allow-scripts")} for an allow-list (strict-allow-scripts).",
                    setting: "ignore-scripts", actual: ignoreText, expected: expected, from: ignore,
                    remediation: SetFix("ignore-scripts", true, ignore));
        }

        private IEnumerable<NpmSecurityFinding> CooldownExclusions(NpmSecurityRule rule)
        {
            const string key = "min-release-age-exclude";
            if (!Known(key))
            {
                yield return NotKnown(rule, key, rule.ExpectedText ?? "");
                yield break;
            }
            var v = R.GetEffective(key);
            var patterns = Texts(v?.Value).Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
            var broad = patterns.Where(ExemptsEverything).ToList();
            var actual = patterns.Count == 0 ? "(none)" : string.Join(", ", patterns);
            if (broad.Count == 0)
            {
                yield return New(rule, NpmFindingStatus.Pass,
                    patterns.Count == 0 ? "No package is exempt from the cooldown." : $"The cooldown exemptions are specific ({actual}).",
                    setting: key, actual: actual, expected: rule.ExpectedText, from: v);
                yield break;
            }
            var keep = patterns.Except(broad).ToList();
            yield return New(rule, NpmFindingStatus.Fail,
                $"{key} contains {string.Join(", ", broad.Select(p => "'" + p + "'"))} ({Where(v!)}), which exempts every package the pattern covers from min-release-age: the cooldown is off for them.",
                setting: key, actual: actual, expected: rule.ExpectedText, from: v,
                remediation: SetFix(key, keep.ToArray(), v));
        }

        private static readonly string[] UnscopedSamples = { "a", "lodash", "react-dom", "left-pad", "x.y_z", "0" };
        private static readonly string[] ScopedSamples = { "@a/b", "@types/node", "@babel/core", "@x/y.z" };

        /// <summary>A minimatch pattern (matched against package names) that matches every unscoped or every scoped name.</summary>
        internal static bool ExemptsEverything(string pattern)
        {
            if (pattern.StartsWith("!", StringComparison.Ordinal)) return false;
            // linear in the pattern whatever it holds: the value comes from a config file
            var glob = WildcardMatcher.Minimatch(pattern);
            if (glob == null) return false;
            return UnscopedSamples.All(glob.IsMatch) || ScopedSamples.All(glob.IsMatch);
        }
    }
}
