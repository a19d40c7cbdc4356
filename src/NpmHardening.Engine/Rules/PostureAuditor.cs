using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Rules
{
    /// <summary>
    /// Evaluates every rule of the <see cref="RuleCatalog"/> for one context (Get-NpmSecurityPosture's engine).
    /// Findings are produced for Pass as well as Fail, so an export shows full coverage; rules the baseline does
    /// not enforce produce one NotApplicable finding each. No finding carries a secret.
    /// </summary>
    public static class PostureAuditor
    {
        public static IEnumerable<NpmSecurityFinding> Audit(PostureRequest request)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            return new AuditRun(request, RuleCatalog.Default).Run();
        }

        /// <summary>Audits with another catalog (tests).</summary>
        internal static IEnumerable<NpmSecurityFinding> Audit(PostureRequest request, RuleCatalog catalog) => new AuditRun(request, catalog).Run();

        /// <summary>The rule ids this engine knows how to evaluate.</summary>
        internal static IReadOnlyCollection<string> EvaluatedRuleIds => AuditRun.Evaluators.Keys;
    }

    /// <summary>One audit of one context: the request, the npm version that interprets it and the helpers every rule shares.</summary>
    internal sealed partial class AuditRun
    {
        internal static readonly Dictionary<string, Func<AuditRun, NpmSecurityRule, IEnumerable<NpmSecurityFinding>>> Evaluators =
            new Dictionary<string, Func<AuditRun, NpmSecurityRule, IEnumerable<NpmSecurityFinding>>>(StringComparer.Ordinal)
            {
                ["NPMH1001"] = (a, r) => a.NpmFound(r),
                ["NPMH1002"] = (a, r) => a.NodeFound(r),
                ["NPMH1003"] = (a, r) => a.NodeEndOfLife(r),
                ["NPMH1004"] = (a, r) => a.NpmFeature(r),
                ["NPMH1005"] = (a, r) => a.NpmFeature(r),
                ["NPMH1006"] = (a, r) => a.NpmFeature(r),
                ["NPMH1007"] = (a, r) => a.NpmFeature(r),
                ["NPMH1008"] = (a, r) => a.NpmFeature(r),
                ["NPMH1009"] = (a, r) => a.NpmFeature(r),
                ["NPMH2001"] = (a, r) => a.Setting(r),
                ["NPMH2002"] = (a, r) => a.RegistryTransport(r),
                ["NPMH2003"] = (a, r) => a.RegistryAllowed(r),
                ["NPMH3001"] = (a, r) => a.InstallScripts(r),
                ["NPMH3002"] = (a, r) => a.Setting(r),
                ["NPMH4001"] = (a, r) => a.Setting(r),
                ["NPMH4002"] = (a, r) => a.CooldownExclusions(r),
                ["NPMH5001"] = (a, r) => a.Setting(r),
                ["NPMH5002"] = (a, r) => a.Setting(r),
                ["NPMH5003"] = (a, r) => a.Setting(r),
                ["NPMH5004"] = (a, r) => a.Setting(r),
                ["NPMH5005"] = (a, r) => a.Setting(r),
                ["NPMH6001"] = (a, r) => a.Setting(r),
                ["NPMH6002"] = (a, r) => a.Setting(r),
                ["NPMH6003"] = (a, r) => a.Setting(r),
                ["NPMH6004"] = (a, r) => a.Setting(r),
                ["NPMH7001"] = (a, r) => a.PlaintextTokens(r),
                ["NPMH7002"] = (a, r) => a.BasicAuth(r),
                ["NPMH7003"] = (a, r) => a.UnscopedAuth(r),
                ["NPMH7004"] = (a, r) => a.TokenVariables(r),
                ["NPMH8001"] = (a, r) => a.CredentialFileReadable(r),
                ["NPMH8002"] = (a, r) => a.ConfigFileWritable(r),
                ["NPMH8003"] = (a, r) => a.UserConfigReadable(r),
                ["NPMH9001"] = (a, r) => a.ExecutionOverrides(r),
                ["NPMH9002"] = (a, r) => a.UrlPasswords(r),
                ["NPMH9003"] = (a, r) => a.HttpProxy(r),
                ["NPMH9004"] = (a, r) => a.CustomCa(r),
                ["NPMH9005"] = (a, r) => a.BrokenFiles(r),
                ["NPMH9006"] = (a, r) => a.UnknownKeys(r),
                ["NPMH9007"] = (a, r) => a.Setting(r),
                ["NPMH9008"] = (a, r) => a.NpmCannotStart(r),
            };

        private readonly PostureRequest _request;
        private readonly RuleCatalog _catalog;
        private readonly SecretScrubber _scrubber = new SecretScrubber();
        private readonly List<WildcardMatcher>? _ruleFilter;

        public AuditRun(PostureRequest request, RuleCatalog catalog)
        {
            _request = request;
            _catalog = catalog;
            R = request.Resolution;
            Platform = request.Platform;
            Version = R.NpmVersion;
            Baseline = request.Baseline;
            Context = request.Context ?? R.WorkingDirectory;
            if (request.RuleIds != null && request.RuleIds.Count > 0)
                _ruleFilter = request.RuleIds.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => WildcardMatcher.PowerShell(p.Trim())).ToList();
        }

        private NpmConfigResolution R { get; }
        private IPlatform Platform { get; }
        private NpmVersion Version { get; }
        private NpmBaseline Baseline { get; }
        private string Context { get; }
        private static NpmConfigCatalog Config => NpmConfigCatalog.Default;

        public IEnumerable<NpmSecurityFinding> Run()
        {
            RegisterSecrets();
            var findings = new List<NpmSecurityFinding>();
            foreach (var rule in _catalog.Rules)
            {
                // registry-side rules need a request, which the posture audit never makes; pipeline rules judge CI files
                if (!rule.InPostureAudit) continue;
                if (_ruleFilter != null && !_ruleFilter.Any(f => f.IsMatch(rule.Id))) continue;
                if (!rule.AppliesTo(Baseline))
                {
                    findings.Add(New(rule, NpmFindingStatus.NotApplicable,
                        $"Not part of the {Baseline} baseline (enforced by {rule.BaselineNames})."));
                    continue;
                }
                if (!Evaluators.TryGetValue(rule.Id, out var evaluate))
                {
                    findings.Add(New(rule, NpmFindingStatus.Error, "This version of the engine has no evaluator for the rule."));
                    continue;
                }
                try
                {
                    findings.AddRange(evaluate(this, rule).ToList());
                }
                catch (Exception ex) when (!(ex is OutOfMemoryException))
                {
                    findings.Add(New(rule, NpmFindingStatus.Error, $"The rule could not be evaluated: {ex.GetType().Name}: {ex.Message}"));
                }
            }
            foreach (var f in findings)
            {
                if (f.Remediation != null) foreach (var fix in f.Remediation.Fixes) fix.Windows = Platform.IsWindows;
                _scrubber.Scrub(f);
                if (f.FactId.Length == 0) f.FactId = FindingFactory.FactId(f, f.Setting); // the npmrc analyzer sets its own, as for Test-NpmrcToken
            }
            return findings;
        }

        // ---- shared helpers --------------------------------------------------------------------------------

        private NpmSecurityFinding New(NpmSecurityRule rule, NpmFindingStatus status, string message,
            string? setting = null, string? actual = null, string? expected = null, NpmConfigValue? from = null,
            NpmRemediation? remediation = null, NpmSeverity? severity = null, string? severityReason = null)
        {
            var f = FindingFactory.Stamp(new NpmSecurityFinding(), rule, FindingFactory.MachineOf(Platform));
            f.Status = status;
            f.Setting = setting;
            f.Actual = actual;
            f.Expected = expected;
            f.Layer = from?.Layer.ToString();
            f.Location = from != null ? LocationOf(from) : null;
            f.Context = Context;
            f.Message = message;
            f.Remediation = status == NpmFindingStatus.Pass ? null : remediation;
            f.Baseline = Baseline.ToString();
            if (severity is NpmSeverity s) FindingFactory.Escalate(f, s, severityReason);
            return f;
        }

        /// <summary>npm's own command for the same change, quoted for a POSIX shell (as npm's docs write it).</summary>
        private static string NpmConfigSet(string key, string value, string scope)
        {
            var location = scope == "project" ? " --location=project" : " --location=user";
            var quoted = "'" + (key + "=" + value).Replace("'", "'\\''") + "'";
            return "npm config set " + quoted + location;
        }

        /// <summary>"path:line", the environment variable, "command line" or "default".</summary>
        internal static string SourceOf(NpmConfigValue v)
        {
            switch (v.Layer)
            {
                case NpmConfigLayer.Default: return "default";
                case NpmConfigLayer.Cli: return "command line";
                case NpmConfigLayer.Env: return v.EnvironmentVariable ?? "environment";
                default: return v.Line is int line ? $"{v.Source}:{line}" : v.Source ?? v.Layer.ToString();
            }
        }

        /// <summary>Where a config value comes from, as a finding's location: its file and line, its variable, the command line or npm's default.</summary>
        internal static NpmFindingLocation LocationOf(NpmConfigValue v)
        {
            switch (v.Layer)
            {
                case NpmConfigLayer.Default: return FindingFactory.Named("default");
                case NpmConfigLayer.Cli: return FindingFactory.Named("command line");
                case NpmConfigLayer.Env: return FindingFactory.Named("env:" + (v.EnvironmentVariable ?? "npm_config_" + v.Key));
                default: return v.Source != null ? FindingFactory.File(v.Source, v.Line) : FindingFactory.Named(v.Layer.ToString());
            }
        }

        /// <summary>"npm's default", "user config /home/u/.npmrc:2", "environment variable npm_config_x", "command line".</summary>
        private static string Where(NpmConfigValue v)
        {
            switch (v.Layer)
            {
                case NpmConfigLayer.Default: return "npm's default";
                case NpmConfigLayer.Env: return "environment variable " + SourceOf(v);
                case NpmConfigLayer.Cli: return "command line";
                default: return $"{v.Layer.ToString().ToLowerInvariant()} config {SourceOf(v)}";
            }
        }

        /// <summary>A config value as npm config get would show it; "(unset)" for undefined.</summary>
        internal static string Show(object? value)
        {
            if (value is JsUndefined) return "(unset)";
            return SecretScrubber.RedactInline(NpmConfigEntries.Display(NpmConfigEntries.ToPowerShell(value)));
        }

        private static bool IsSet(object? value) => !(value is JsUndefined) && value != null && !(value is string s && s.Length == 0);

        private bool Known(string key) => Config.IsKnown(key, Version);

        private string UpgradeText(string key)
        {
            var since = Config.IntroducedIn(key);
            return since is NpmVersion v ? $"upgrade npm to ≥ {v}" : "upgrade npm";
        }

        private const string UpgradeNpm = "npm install -g npm@latest";

        /// <summary>Advice in words, for a fix no command makes.</summary>
        private static NpmRemediation Advice(string text) => new NpmRemediation { Summary = text };

        /// <summary>The catalog's remediation of a rule: its npm command when it is one, else its words.</summary>
        private static NpmRemediation FromCatalog(NpmSecurityRule rule) =>
            rule.Remediation.StartsWith("npm ", StringComparison.Ordinal)
                ? new NpmRemediation { Summary = rule.Title + ": run the npm command.", NpmCommand = rule.Remediation }
                : Advice(rule.Remediation);

        private static NpmRemediation UpgradeNpmFix() => new NpmRemediation { Summary = "Upgrade npm to its latest release.", NpmCommand = UpgradeNpm };

        /// <summary>
        /// Writing <paramref name="key"/> = <paramref name="value"/> where npm sees it: the project config when that decides
        /// the value (nothing below it can override it), else the user config, which beats the global and builtin files for
        /// this user; a variable or command-line flag that decides it goes first.
        /// </summary>
        private NpmRemediation SetFix(string key, object? value, NpmConfigValue? winning)
        {
            bool project = winning?.Layer == NpmConfigLayer.Project;
            var scope = project ? "project" : "user";
            var text = value is System.Collections.IEnumerable e && !(value is string)
                ? string.Join(",", e.Cast<object?>().Select(RuleExpectation.Display))
                : RuleExpectation.Display(value);
            var fix = new NpmRemediation
            {
                Setting = key, Value = text, Scope = scope, NpmCommand = NpmConfigSet(key, text, scope),
                Summary = $"Set {key} to {text} in the {scope} config" + (project ? $" of {R.LocalPrefix}" : "") + ".",
            };
            if (First(winning, key) is NpmFix first)
            {
                fix.Fixes.Add(first);
                fix.Summary = (first.Kind == NpmFixKind.RemoveSessionVariable ? $"Remove the environment variable {first.Variable}" : $"Drop --{key} from the npm command line")
                    + ", which decides the value, then s" + fix.Summary.Substring(1);
            }
            fix.Fixes.Add(new NpmFix(NpmFixKind.SetSetting)
            {
                Key = key, Value = value, ProjectFolder = project ? R.LocalPrefix : null, Profile = project ? null : _request.UserProfile,
            });
            return fix;
        }

        /// <summary>What has to go first when the deciding value comes from a variable or the command line.</summary>
        private static NpmFix? First(NpmConfigValue? winning, string key)
        {
            if (winning?.Layer == NpmConfigLayer.Env && winning.EnvironmentVariable != null)
                return new NpmFix(NpmFixKind.RemoveSessionVariable) { Variable = winning.EnvironmentVariable };
            if (winning?.Layer == NpmConfigLayer.Cli) return new NpmFix(NpmFixKind.DropCommandLineFlag) { Key = key };
            return null;
        }

        /// <summary>The owner a file-permission fix grants access to: the file's owner, else the audited or current user.</summary>
        private string OwnerOf(string? owner) =>
            owner ?? _request.UserProfile?.UserName ?? EnvironmentMap.Get(R.Environment, "USERNAME") ?? EnvironmentMap.Get(R.Environment, "USER") ?? "<owner>";

        private static bool IsLoopback(Uri uri)
        {
            var host = uri.Host.Trim('[', ']');
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip);
        }

        /// <summary>Every value the audit may touch that is, or holds, a secret.</summary>
        private void RegisterSecrets()
        {
            foreach (var layer in R.Layers)
            {
                if (layer.Layer == NpmConfigLayer.Default) continue; // npm's definitions hold no secrets
                foreach (var key in layer.Keys)
                {
                    if (!layer.TryGet(key, out var v)) continue;
                    bool secretKey = NpmCredential.IsSecretKey(key) && NpmCredential.Classify(key, v.RawValue as string ?? "") != NpmCredentialKind.ClientCertificatePath;
                    foreach (var text in Texts(v.Value).Concat(Texts(v.RawValue)))
                    {
                        if (secretKey) _scrubber.Add(text);
                        else _scrubber.Add(UrlPasswordOf(text));
                    }
                    if (v.Value is JsObject || v.Value is List<object?>)
                    {
                        // a [section]'s values under credential keys, at any depth
                        var nested = new List<string>();
                        NpmConfigEntries.RedactStructure(v.Value, secretKey, nested, out _);
                        foreach (var text in nested) _scrubber.Add(text);
                    }
                }
            }
            foreach (var kv in R.Environment)
                if (IsTokenVariable(kv.Key, kv.Value) || UrlPasswordOf(kv.Value) != null) _scrubber.Add(kv.Value);
            foreach (var pv in PersistentVariables())
                if (IsTokenVariable(pv.Name, pv.Value) || UrlPasswordOf(pv.Value) != null) _scrubber.Add(pv.Value);
        }

        private static IEnumerable<string> Texts(object? value)
        {
            switch (value)
            {
                case string s: yield return s; break;
                case List<object?> list:
                    foreach (var item in list) if (item is string t) yield return t;
                    break;
            }
        }

        private static string? UrlPasswordOf(string? text)
        {
            if (text == null) return null;
            return UrlPasswordFinder.First(text) is UrlPasswordMatch m ? m.Password(text) : null;
        }

        private List<PersistentVariable>? _persistent;
        private readonly List<string> _persistentErrors = new List<string>();

        /// <summary>Machine-wide variables and the context user's own; a scope that cannot be read is noted, not fatal.</summary>
        private List<PersistentVariable> PersistentVariables()
        {
            if (_persistent != null) return _persistent;
            var list = new List<PersistentVariable>();
            foreach (var scope in new[] { EnvironmentScope.Machine, EnvironmentScope.User })
            {
                try
                {
                    list.AddRange(Platform.GetPersistentVariables(scope, scope == EnvironmentScope.User ? _request.UserProfile : null)
                                  ?? Enumerable.Empty<PersistentVariable>());
                }
                catch (Exception ex) when (ex is UnauthorizedAccessException || ex is System.IO.IOException || ex is System.Security.SecurityException || ex is InvalidOperationException)
                {
                    _persistentErrors.Add($"{scope} environment variables could not be read: {ex.Message}");
                }
            }
            return _persistent = list;
        }
    }
}
