using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Rules
{
    // 7xxx: credentials in config layers and environment variables
    internal sealed partial class AuditRun
    {
        private sealed class Credential
        {
            public Credential(NpmConfigValue value, string name, bool scoped, string raw, NpmCredentialKind kind)
            {
                Value = value; Name = name; Scoped = scoped; Raw = raw; Kind = kind;
            }
            public NpmConfigValue Value { get; }
            /// <summary>The setting without its registry scope: _authToken, _auth, _password, username.</summary>
            public string Name { get; }
            public bool Scoped { get; }
            /// <summary>The value as written, before ${VAR} expansion.</summary>
            public string Raw { get; }
            public NpmCredentialKind Kind { get; }
            /// <summary>What npm sends: the expanded value.</summary>
            public string Expanded => (Value.Value as string ?? Raw).Trim();
        }

        /// <summary>
        /// Every credential-like key set by an environment variable or on the command line. The npmrc files are judged
        /// line by line by <see cref="FileCredentials"/> instead, as Test-NpmrcToken judges them.
        /// </summary>
        private IEnumerable<Credential> ConfigCredentials(params string[] names)
        {
            foreach (var layer in R.Layers)
            {
                if (layer.Layer == NpmConfigLayer.Default || IsFileLayer(layer)) continue;
                foreach (var key in layer.Keys)
                {
                    if (!layer.TryGet(key, out var v)) continue;
                    bool scoped = key.StartsWith("//", StringComparison.Ordinal);
                    var name = key.IndexOf(':') >= 0 ? key.Substring(key.LastIndexOf(':') + 1) : key;
                    if (!names.Contains(name, StringComparer.Ordinal)) continue;
                    var raw = (v.RawValue as string ?? v.Value as string)?.Trim();
                    if (string.IsNullOrEmpty(raw)) continue;
                    yield return new Credential(v, name, scoped, raw!, NpmCredential.Classify(key, raw!));
                }
            }
        }

        /// <summary>The layers whose file <see cref="NpmrcCredentialAnalyzer"/> reads (Test-NpmrcToken scans the same ones).</summary>
        private static bool IsFileLayer(NpmConfigLayerData layer) =>
            layer.Source != null && (layer.Layer == NpmConfigLayer.Builtin || layer.Layer == NpmConfigLayer.Global ||
                                     layer.Layer == NpmConfigLayer.User || layer.Layer == NpmConfigLayer.Project);

        private List<NpmTokenFinding>? _fileCredentials;

        /// <summary>
        /// Every credential line of every npmrc file this context loads, judged once by the analyzer Test-NpmrcToken
        /// uses: shadowed, commented-out and sectioned lines too, since a secret on disk is there whether npm uses it or not.
        /// </summary>
        private IReadOnlyList<NpmTokenFinding> FileCredentials()
        {
            if (_fileCredentials != null) return _fileCredentials;
            // the current user's configuration may use this process's variables; another user's only their own
            var provenance = _request.AuditProcessEnvironment
                ? new SecretProvenance(Platform, AuditedAccount.CurrentProcess(Platform), R.Environment, _request.UserProfile)
                : new SecretProvenance(Platform, AuditedAccount.ForProfile(_request.UserProfile), null, _request.UserProfile);
            var analyzer = new NpmrcCredentialAnalyzer(Platform);
            var registries = NpmrcCredentialAnalyzer.ConfiguredRegistries(R);
            var files = new HashSet<string>(Platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            var list = new List<NpmTokenFinding>();
            foreach (var layer in R.Layers)
            {
                if (!IsFileLayer(layer) || !files.Add(layer.Source!)) continue;
                var input = new NpmrcCredentialInput(layer.Source!, provenance) { Layer = layer.Layer.ToString(), Context = Context, Registries = registries };
                list.AddRange(analyzer.Analyze(input).Cast<NpmTokenFinding>());
            }
            return _fileCredentials = list;
        }

        /// <summary>The analyzer's findings under <paramref name="rule"/>, with the posture's own fields.</summary>
        private IEnumerable<NpmSecurityFinding> FileFindings(NpmSecurityRule rule) =>
            FileCredentials().Where(t => t.RuleId == rule.Id).Select(t => FromFile(rule, t));

        private NpmSecurityFinding FromFile(NpmSecurityRule rule, NpmTokenFinding t) => new NpmSecurityFinding
        {
            RuleId = t.RuleId, Title = t.Title, Area = t.Area, Severity = t.Severity, SeverityReason = t.SeverityReason,
            Reference = t.Reference, ComputerName = t.ComputerName, Status = t.Status, Message = t.Message,
            Location = t.Location, Context = Context, FactId = t.FactId,
            Remediation = t.Status == NpmFindingStatus.Pass ? null : t.Remediation,
            Setting = t.Key, Expected = rule.ExpectedText, Layer = t.Layer, Baseline = Baseline.ToString(),
            Actual = t.Kind == NpmCredentialKind.EnvironmentReference
                ? t.Redacted + (t.VariableSet == true ? " (variable set)" : " (variable not set)")
                : t.Fingerprint != null ? $"{t.Redacted} [fingerprint {t.Fingerprint}]" : t.Redacted,
        };

        /// <summary>The stored secrets <paramref name="rule"/> judges: its rule decided as Test-NpmrcToken decides it (<see cref="CredentialSeverity.RuleFor"/>).</summary>
        private IEnumerable<Credential> StoredSecrets(NpmSecurityRule rule) =>
            ConfigCredentials("_authToken", "_auth", "_password").Where(c => CredentialSeverity.RuleFor(c.Name, c.Kind) == rule.Id);

        /// <summary>A credential as it may be shown: references as written, secrets redacted with a fingerprint.</summary>
        private static string Describe(Credential c)
        {
            if (c.Name == "username") return c.Expanded; // not a secret; the password is
            if (c.Kind == NpmCredentialKind.EnvironmentReference)
                return c.Raw + (c.Expanded.Length > 0 && c.Expanded != c.Raw ? " (variable set)" : " (variable not set)");
            return RedactedWithFingerprint(c.Expanded);
        }

        private static string RedactedWithFingerprint(string secret) =>
            $"{NpmCredential.Redact(secret)} [fingerprint {NpmCredential.Fingerprint(secret)}]";

        /// <summary>The command that removes the credential from where it sits.</summary>
        private static NpmRemediation RemoveCredential(NpmSecurityRule rule, NpmConfigValue v)
        {
            var fix = Advice(rule.Remediation);
            fix.Fixes.Add(First(v, v.Key) ?? new NpmFix(NpmFixKind.ProtectTokens) { Path = v.Source ?? "" });
            return fix;
        }

        private IEnumerable<NpmSecurityFinding> PlaintextTokens(NpmSecurityRule rule)
        {
            var found = StoredSecrets(rule).ToList();
            var inFiles = FileFindings(rule).ToList();
            if (found.Count == 0 && inFiles.Count == 0)
            {
                yield return New(rule, NpmFindingStatus.Pass, "No _authToken is set in any config layer.", expected: rule.ExpectedText);
                yield break;
            }
            foreach (var f in inFiles) yield return f;
            foreach (var c in found)
            {
                var actual = Describe(c);
                if (c.Kind == NpmCredentialKind.EnvironmentReference)
                {
                    yield return New(rule, NpmFindingStatus.Pass, $"{c.Value.Key} reads its token from the environment ({Where(c.Value)}).",
                        setting: c.Value.Key, actual: actual, expected: rule.ExpectedText, from: c.Value);
                    continue;
                }
                if (c.Value.Layer == NpmConfigLayer.Env && Baseline == NpmBaseline.CI)
                {
                    yield return New(rule, NpmFindingStatus.Pass,
                        $"{c.Value.Key} is injected through the job's environment ({c.Value.EnvironmentVariable}), the expected channel on CI; keep it a masked secret.",
                        setting: c.Value.Key, actual: actual, expected: rule.ExpectedText, from: c.Value);
                    continue;
                }
                var (severity, reason) = SeverityOf(rule, c);
                yield return New(rule, NpmFindingStatus.Fail,
                    $"{c.Value.Key} holds a plaintext {KindText(c.Kind)} ({Where(c.Value)}); anything that can read it can publish as its owner." + (reason != null ? " " + reason : ""),
                    setting: c.Value.Key, actual: actual, expected: rule.ExpectedText, from: c.Value,
                    remediation: RemoveCredential(rule, c.Value), severity: severity, severityReason: reason);
            }
        }

        /// <summary>The shared judgement of a stored secret (<see cref="CredentialSeverity"/>) set by a variable or on the command line.</summary>
        private static (NpmSeverity Severity, string? Reason) SeverityOf(NpmSecurityRule rule, Credential c)
        {
            bool? checksum = c.Kind == NpmCredentialKind.GranularToken ? NpmCredential.HasValidChecksum(c.Expanded) : (bool?)null;
            if (c.Value.Layer == NpmConfigLayer.Env) return CredentialSeverity.OfSessionVariable(rule, checksum);
            return CredentialSeverity.OfStoredSecret(rule, checksum, null, null);
        }

        private static string KindText(NpmCredentialKind kind) => kind switch
        {
            NpmCredentialKind.GranularToken => "npm access token",
            NpmCredentialKind.LegacyUuidToken => "legacy (UUID) npm token",
            NpmCredentialKind.BasicAuth => "base64 user:password (_auth)",
            NpmCredentialKind.Password => "base64 password (_password)",
            NpmCredentialKind.UrlWithPassword => "URL with a password",
            _ => "token",
        };

        private IEnumerable<NpmSecurityFinding> BasicAuth(NpmSecurityRule rule)
        {
            var found = StoredSecrets(rule).ToList();
            var inFiles = FileFindings(rule).ToList();
            if (found.Count == 0 && inFiles.Count == 0)
            {
                yield return New(rule, NpmFindingStatus.Pass, "No _auth or _password is set in any config layer.", expected: rule.ExpectedText);
                yield break;
            }
            foreach (var f in inFiles) yield return f;
            foreach (var c in found)
            {
                var actual = Describe(c);
                if (c.Kind == NpmCredentialKind.EnvironmentReference)
                {
                    yield return New(rule, NpmFindingStatus.Pass,
                        $"{c.Value.Key} reads its value from the environment ({Where(c.Value)}); prefer a granular access token over a password all the same.",
                        setting: c.Value.Key, actual: actual, expected: rule.ExpectedText, from: c.Value);
                    continue;
                }
                var (severity, reason) = SeverityOf(rule, c);
                yield return New(rule, NpmFindingStatus.Fail,
                    $"{c.Value.Key} holds a {KindText(c.Name == "_auth" ? NpmCredentialKind.BasicAuth : NpmCredentialKind.Password)} ({Where(c.Value)}): an account password, not a revocable token. Replace it with a granular access token referenced as ${{NPM_TOKEN}}." + (reason != null ? " " + reason : ""),
                    setting: c.Value.Key, actual: actual, expected: rule.ExpectedText, from: c.Value, remediation: RemoveCredential(rule, c.Value),
                    severity: severity, severityReason: reason);
            }
        }

        private IEnumerable<NpmSecurityFinding> UnscopedAuth(NpmSecurityRule rule)
        {
            var found = ConfigCredentials("_authToken", "_auth", "_password", "username").Where(c => !c.Scoped).ToList();
            var inFiles = FileFindings(rule).ToList();
            foreach (var f in inFiles) yield return f;
            if (found.Count == 0 && inFiles.Count == 0)
            {
                yield return New(rule, NpmFindingStatus.Pass, "Every auth setting is scoped to a registry (//host/:key).", expected: rule.ExpectedText);
                yield break;
            }
            foreach (var c in found)
            {
                NpmRemediation remediation;
                if (First(c.Value, c.Value.Key) is NpmFix first)
                {
                    remediation = Advice($"Scope the credential to its registry: use npm_config_//registry.npmjs.org/:{c.Name} instead of {c.Value.Key}.");
                    if (first.Kind == NpmFixKind.RemoveSessionVariable) first.Note = $"use npm_config_//registry.npmjs.org/:{c.Name} (scoped to the registry) instead";
                    remediation.Fixes.Add(first);
                }
                else remediation = FromCatalog(rule);
                yield return New(rule, NpmFindingStatus.Fail,
                    $"{c.Value.Key} is not scoped to a registry ({Where(c.Value)}); npm 9 and later refuse to run with it (ERR_INVALID_AUTH) until it is, and `npm config fix` scopes it to the default registry.",
                    setting: c.Value.Key, actual: Describe(c), expected: rule.ExpectedText, from: c.Value, remediation: remediation);
            }
        }

        internal static bool IsTokenVariable(string name, string? value) => NpmCredential.IsTokenVariable(name, value);

        private IEnumerable<NpmSecurityFinding> TokenVariables(NpmSecurityRule rule)
        {
            var persistent = PersistentVariables();
            var cmp = Platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            bool any = false;
            foreach (var error in _persistentErrors)
                yield return New(rule, NpmFindingStatus.Error, error, expected: rule.ExpectedText);
            foreach (var pv in persistent.Where(p => IsTokenVariable(p.Name, p.Value)))
            {
                any = true;
                var source = pv.Line is int line ? $"{pv.Location}:{line}" : pv.Location;
                var (severity, reason) = CredentialSeverity.OfStoredSecret(rule, NpmCredential.ChecksumOfValue(pv.Value), null, null);
                var f = New(rule, NpmFindingStatus.Fail,
                    $"{pv.Name} holds an npm credential and is defined {(pv.Scope == EnvironmentScope.Machine ? "for every user of the machine" : "for the user")} in {source}: every process, install scripts included, can read it.",
                    setting: pv.Name, actual: RedactedWithFingerprint(pv.Value), expected: rule.ExpectedText,
                    remediation: RemoveVariable(rule, pv), severity: severity, severityReason: reason);
                f.Layer = $"{pv.Scope} environment";
                f.Location = FindingFactory.VariableLocation(pv);
                yield return f;
            }
            if (_request.AuditProcessEnvironment)
            {
                foreach (var name in PostureScanner.SortedNames(R.Environment))
                {
                    var kv = new KeyValuePair<string, string>(name, R.Environment[name]);
                    if (!IsTokenVariable(kv.Key, kv.Value)) continue;
                    if (kv.Key.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase)) continue; // a config layer: NPMH7001-7003 report it
                    if (persistent.Any(p => cmp.Equals(p.Name, kv.Key) && p.Value == kv.Value)) continue; // reported where it is defined
                    any = true;
                    var remove = Advice($"Remove {kv.Key} from the session and set it only for the commands that need it.");
                    remove.Fixes.Add(new NpmFix(NpmFixKind.RemoveSessionVariable) { Variable = kv.Key });
                    if (Baseline == NpmBaseline.CI)
                        yield return New(rule, NpmFindingStatus.Pass,
                            $"{kv.Key} holds an npm credential in the job's environment, the expected channel on CI; keep it a masked secret.",
                            setting: kv.Key, actual: RedactedWithFingerprint(kv.Value), expected: rule.ExpectedText);
                    else
                    {
                        var (severity, reason) = CredentialSeverity.OfSessionVariable(rule, NpmCredential.ChecksumOfValue(kv.Value));
                        var f = New(rule, NpmFindingStatus.Warning,
                            $"{kv.Key} holds an npm credential in this session's environment (not defined persistently): every process started from it, install scripts included, can read it. Set it only for the commands that need it.",
                            setting: kv.Key, actual: RedactedWithFingerprint(kv.Value), expected: rule.ExpectedText, remediation: remove,
                            severity: severity, severityReason: reason);
                        f.Layer = "Process environment";
                        f.Location = FindingFactory.Named("env:" + kv.Key);
                        yield return f;
                    }
                }
            }
            if (!any && _persistentErrors.Count == 0)
                yield return New(rule, NpmFindingStatus.Pass, "No environment variable holds an npm credential.", expected: rule.ExpectedText);
        }

        private NpmRemediation RemoveVariable(NpmSecurityRule rule, PersistentVariable pv)
        {
            var fix = Advice(rule.Remediation);
            fix.Fixes.Add(new NpmFix(NpmFixKind.RemovePersistentVariable)
            {
                Variable = pv.Name, Scope = pv.Scope, Path = pv.Location, Line = pv.Line, Profile = _request.UserProfile,
                Note = pv.Line != null ? "the line that sets " + pv.Name : null,
            });
            return fix;
        }
    }
}
