using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Credentials
{
    /// <summary>Why a source could not be scanned (or was scanned with a caveat). Messages never hold a secret.</summary>
    public enum TokenScanProblemKind
    {
        Unreadable,
        NotAFile,
        TooLarge,
        Binary,
        /// <summary>Scanned, but npm cannot read the file (UTF-16): its settings do not apply, its secrets still leak.</summary>
        Utf16,
        FolderUnreadable,
        VariablesUnreadable,
        /// <summary>A FIFO, socket or device where an npmrc was expected: not opened, so the scan cannot block on it.</summary>
        NotRegularFile,
        /// <summary>Beyond what npm can meaningfully hold (NpmrcLimits): only swept for token-shaped strings.</summary>
        LimitExceeded,
    }

    public sealed class TokenScanProblem
    {
        public TokenScanProblem(TokenScanProblemKind kind, string target, string message, bool isError)
        {
            Kind = kind; Target = target; Message = message; IsError = isError;
        }
        public TokenScanProblemKind Kind { get; }
        /// <summary>The file or folder (or variable store) concerned.</summary>
        public string Target { get; }
        public string Message { get; }
        /// <summary>False for caveats that still produced findings.</summary>
        public bool IsError { get; }
        public override string ToString() => $"{Target}: {Message}";
    }

    /// <summary>
    /// Finds npm credentials line by line in npmrc files and in environment variables, and judges each one:
    /// what it is, where npm sends it, who else can read it. Every line counts, not only the one npm would use:
    /// a shadowed duplicate, a key inside an ini section or a token left in a comment is still a secret on disk.
    /// One scanner serves a whole run, so a file reached twice (as a layer and by path) is reported once.
    /// </summary>
    public sealed class NpmTokenScanner
    {
        /// <summary>Files above this are not read: no real .npmrc comes near it (<see cref="NpmrcLimits.MaxFileBytes"/>).</summary>
        public const long MaxFileBytes = NpmrcLimits.MaxFileBytes;

                private readonly HashSet<string> _files;
        private readonly NpmrcCredentialAnalyzer _analyzer;
        private readonly HashSet<string> _variableStores = new HashSet<string>(StringComparer.Ordinal);
        private Sources? _currentUser;
        private AuditedAccount? _operator;

        public NpmTokenScanner(IPlatform platform)
        {
            Platform = platform ?? throw new ArgumentNullException(nameof(platform));
            _files = new HashSet<string>(platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            IsCI = CiDetection.IsCI(platform.Environment);
            _analyzer = new NpmrcCredentialAnalyzer(platform) { Problem = p => Problem?.Invoke(p) };
        }

        public IPlatform Platform { get; }

        private IReadOnlyDictionary<string, string>? _environment;

        /// <summary>The variables of the process that would run npm (what-if analysis); the platform's own by default.</summary>
        public IReadOnlyDictionary<string, string> Environment
        {
            get => _environment ?? Platform.Environment;
            set { _environment = value; IsCI = CiDetection.IsCI(Environment); _currentUser = null; }
        }

        /// <summary>
        /// The account running the scan: the audited principal for the current user's configuration and for files given
        /// by path (whose references may then be resolved from <see cref="Environment"/>). The process's own account by default.
        /// </summary>
        public AuditedAccount Operator
        {
            get => _operator ??= AuditedAccount.CurrentProcess(Platform);
            set { _operator = value ?? throw new ArgumentNullException(nameof(value)); _analyzer.Operator = value; _currentUser = null; }
        }
        /// <summary>Whether this process runs as a CI job: there, a token in the job's environment is the expected channel.</summary>
        public bool IsCI { get; set; }
        /// <summary>
        /// -Online: asks the registry a token is scoped to about it (scope, registries the configuration names, token, and
        /// the proxy someone asked for, or null to go direct). Null (the default): nothing leaves the machine.
        /// </summary>
        public Func<string, IReadOnlyList<string>, string, RegistryProxy?, NpmTokenCheck>? OnlineCheck { get; set; }

        /// <summary>
        /// -Proxy: the proxy every online check uses (loopback registries excepted). Null: each context's npm configuration
        /// decides (https-proxy, proxy, else its environment's https_proxy), and files given by path use <see cref="Environment"/>'s https_proxy.
        /// </summary>
        public RegistryProxy? Proxy { get; set; }
        private readonly Dictionary<string, NpmTokenCheck> _checks = new Dictionary<string, NpmTokenCheck>(StringComparer.Ordinal);

        /// <summary>Hears each problem: unreadable, binary, UTF-16 or oversized files, unreadable variable stores.</summary>
        public Action<TokenScanProblem>? Problem { get; set; }

        // ------------------------------------------------------------------------------------------ contexts

        /// <summary>
        /// The credentials npm meets in one context: every npmrc layer the resolver loads for it, and the variables
        /// defined for that user (this process's own variables when it is the current user).
        /// </summary>
        public IEnumerable<NpmTokenFinding> ScanContext(PostureContext context, NpmConfigResolution resolution)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            if (resolution == null) throw new ArgumentNullException(nameof(resolution));
            // the current user's own configuration may use this process's variables; another user's only their own
            var provenance = context.AuditProcessEnvironment
                ? new SecretProvenance(Platform, Operator, resolution.Environment, context.Profile)
                : new SecretProvenance(Platform, AuditedAccount.ForProfile(context.Profile), null, context.Profile);
            var scope = new Sources(this, provenance, Proxy ?? RegistryProxy.FromConfiguration(resolution));
            var registries = NpmrcCredentialAnalyzer.ConfiguredRegistries(resolution);
            foreach (var layer in resolution.Layers)
            {
                // A layer npm skips (the project file when it is the user file, or in global mode) has its reason as its
                // Source, not a path: reading it as a file name reads whatever file of that name is in the current folder.
                if (layer.Source == null || layer.SkipReason != null) continue;
                if (layer.Layer != NpmConfigLayer.Builtin && layer.Layer != NpmConfigLayer.Global &&
                    layer.Layer != NpmConfigLayer.User && layer.Layer != NpmConfigLayer.Project) continue;
                foreach (var f in ScanFileCore(layer.Source, layer.Layer.ToString(), context.Label, scope, registries))
                    foreach (var shown in WithOnline(f)) yield return shown;
            }
            foreach (var f in ScanVariables(context.Label, scope, registries))
                foreach (var shown in WithOnline(f)) yield return shown;
        }

        /// <summary>
        /// A finding as it may leave the scanner, once judged (and checked online, which needs the real scope): a key, a
        /// variable name or a scope can hold a secret of its own (a line that lost its '=', <c>//user:pass@host/</c>), and
        /// messages quote them.
        /// </summary>
        private NpmTokenFinding Shown(NpmTokenFinding f) => TokenFindingRedaction.Apply(f, Platform.IsWindows);

        /// <summary>One file given by path, read as npm would read it as a user or project config.</summary>
        public IEnumerable<NpmTokenFinding> ScanFile(string path, string? context = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            _currentUser ??= new Sources(this, new SecretProvenance(Platform, Operator, Environment, null), Proxy ?? RegistryProxy.FromEnvironment(Environment));
            return ScanFileCore(path, "File", context, _currentUser, null).SelectMany(WithOnline);
        }

        /// <summary>True when the file was already scanned in this run (then it is not reported again).</summary>
        public bool AlreadyScanned(string path) => _files.Contains(Key(path));

        private string Key(string path)
        {
            try { return Platform.RealPath(path); }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is ArgumentException) { return path; }
        }

        private IEnumerable<NpmTokenFinding> ScanFileCore(string path, string layer, string? context, Sources scope,
            IReadOnlyDictionary<string, string>? registries)
        {
            if (!_files.Add(Key(path))) yield break;
            var input = new NpmrcCredentialInput(path, scope.Provenance) { Layer = layer, Context = context, Registries = registries };
            foreach (var judged in _analyzer.Judge(input))
                yield return WithCandidate(judged, path, scope);
        }

        /// <summary>What the analyzer said an online check may do with a finding, done (only under -Online).</summary>
        private NpmTokenFinding WithCandidate(NpmrcCredentialAnalyzer.Result judged, string path, Sources scope)
        {
            var f = judged.Finding;
            var c = judged.Online;
            if (c == null || OnlineCheck == null) return f;
            switch (c.Kind)
            {
                case NpmrcCredentialAnalyzer.OnlineKind.Send:
                    return Online(f, c.Registry, c.Secret!, judged.Registries, scope.Proxy);
                case NpmrcCredentialAnalyzer.OnlineKind.ResolveReference:
                    // read the line again through one handle: it must still be there, in a file the audited account or an administrator owns
                    var resolved = scope.Provenance.Resolve(path, f.Line ?? 0, c.Key!, c.Raw!);
                    if (!resolved.MaySend) return NotOnline(f, "reference, not checked: " + resolved.Refusal, NpmOnlineCheckState.ReferenceNotChecked);
                    return Online(f, c.Registry, resolved.Secret!.Trim(), judged.Registries, scope.Proxy);
                default:
                    return NotOnline(f, c.Reason!, c.State);
            }
        }

        private void Report(TokenScanProblemKind kind, string target, string message, bool isError) =>
            Problem?.Invoke(new TokenScanProblem(kind, target, message, isError));

        private NpmTokenFinding NotOnline(NpmTokenFinding f, string why, NpmOnlineCheckState state = NpmOnlineCheckState.NotApplicable)
        {
            if (OnlineCheck == null) return f;
            f.OnlineError = "Not checked: " + why + ".";
            f.OnlineState = state;
            return f;
        }

        /// <summary>
        /// -Online: asks the registry the token is scoped to, once per token and registry in a run. The token finding
        /// keeps its rule, severity, status and message (the offline fact); its online fields say what the check did and
        /// what the registry answered, and each online rule the answer decides becomes a finding of its own
        /// (<see cref="OnlineFindings"/>), queued to follow it. The token goes only to that scope (the client refuses
        /// plain http to another machine).
        /// </summary>
        private NpmTokenFinding Online(NpmTokenFinding f, string? registry, string secret, IReadOnlyDictionary<string, string> registries, RegistryProxy? proxy)
        {
            if (OnlineCheck == null) return f;
            if (registry == null) return NotOnline(f, "it is not scoped to a registry, so there is no registry it may be sent to");
            if (f.ChecksumValid == false) return NotOnline(f, "its checksum is invalid, so it is not a real token");
            var key = registry + "\n" + NpmCredential.Fingerprint(secret) + "\n" + proxy?.ToString();
            if (!_checks.TryGetValue(key, out var check))
            {
                check = OnlineCheck(registry, registries.Values.ToList(), secret, proxy);
                _checks[key] = check;
            }
            f.OnlineState = check.Refused ? NpmOnlineCheckState.Refused : check.Valid != null ? NpmOnlineCheckState.Checked : NpmOnlineCheckState.Failed;
            f.CheckedRegistry = check.Registry;
            f.Valid = check.Valid;
            f.User = check.User;
            f.Readonly = check.Readonly;
            f.BypassTwoFactor = check.BypassTwoFactor;
            f.Expires = check.Expires;
            f.OnlineError = check.Error == null ? null : NpmCredential.RedactShapes(check.Error);
            _online.AddRange(OnlineFindings(f, check));
            return f;
        }

        /// <summary>Online findings queued by the last <see cref="Online"/> call, written right after the token finding.</summary>
        private readonly List<NpmTokenFinding> _online = new List<NpmTokenFinding>();

        /// <summary>The finding, then the online findings its check produced, each made safe to show.</summary>
        private IEnumerable<NpmTokenFinding> WithOnline(NpmTokenFinding f)
        {
            yield return Shown(f);
            if (_online.Count == 0) yield break;
            var online = _online.ToList();
            _online.Clear();
            foreach (var o in online) yield return Shown(o);
        }

        /// <summary>
        /// The facts a registry's answer establishes, one finding per online rule it decides: NPMH7104 (rejected or
        /// accepted), and for an accepted token NPMH7102 (bypasses 2FA), NPMH7103 (can publish, never expires, any
        /// address) and NPMH7101 (the account's 2FA mode) when the registry said enough to decide them. Each names the
        /// token's file and line (or variable), key and fingerprint, so a report links it to the token finding, and
        /// policy can exclude or except it on its own. No answer (network, TLS, refused): no online finding; the token
        /// finding's OnlineState and OnlineError say why.
        /// </summary>
        private List<NpmTokenFinding> OnlineFindings(NpmTokenFinding token, NpmTokenCheck check)
        {
            var found = new List<NpmTokenFinding>();
            if (check.Refused || check.Valid == null) return found;
            var where = check.Registry;
            if (check.Valid == false)
            {
                found.Add(OnlineFinding(token, check, OnlineAudit.TokenRejected, NpmFindingStatus.Fail,
                    $"{token.Key} holds a token that {where} rejects (revoked, expired, or not valid there)."));
                return found;
            }
            found.Add(OnlineFinding(token, check, OnlineAudit.TokenRejected, NpmFindingStatus.Pass,
                $"{where} accepts the token of {token.Key} as {check.User ?? "an unnamed account"}."));
            if (check.BypassTwoFactor != null)
                found.Add(OnlineFinding(token, check, OnlineAudit.TokenBypassesTwoFactor, check.BypassTwoFactor == true ? NpmFindingStatus.Fail : NpmFindingStatus.Pass,
                    check.BypassTwoFactor == true
                        ? $"The token of {token.Key} bypasses two-factor authentication, which npm is deprecating: use staged publishing or trusted publishing instead."
                        : $"The token of {token.Key} does not bypass two-factor authentication."));
            bool? unbounded = check.Readonly == false && check.Expires == null && check.HasCidr == false ? true
                : check.Readonly == true || check.Expires != null || check.HasCidr == true ? false : (bool?)null;
            if (unbounded != null)
                found.Add(OnlineFinding(token, check, OnlineAudit.WriteTokenUnbounded, unbounded == true ? NpmFindingStatus.Fail : NpmFindingStatus.Pass,
                    unbounded == true
                        ? $"The token of {token.Key} can publish, never expires and is not limited to CIDR ranges."
                        : $"The token of {token.Key} is read-only, expires or is limited to CIDR ranges."));
            if (check.TwoFactorMode != null)
            {
                bool weak = check.TwoFactorMode == "disabled" || check.TwoFactorMode == "auth-only";
                found.Add(OnlineFinding(token, check, OnlineAudit.AccountTwoFactor, weak ? NpmFindingStatus.Fail : NpmFindingStatus.Pass,
                    weak
                        ? $"The account of the token in {token.Key} ({check.User ?? "?"}) has two-factor mode {check.TwoFactorMode}: approving staged publishes needs 2FA for writes (auth-and-writes)."
                        : $"The account of the token in {token.Key} ({check.User ?? "?"}) asks for two-factor authentication on writes ({check.TwoFactorMode})."));
            }
            return found;
        }

        private NpmTokenFinding OnlineFinding(NpmTokenFinding token, NpmTokenCheck check, string ruleId, NpmFindingStatus status, string message)
        {
            var rule = RuleCatalog.Default[ruleId];
            var f = new NpmTokenFinding
            {
                Location = token.Location == null ? null : new NpmFindingLocation
                {
                    Path = token.Location.Path, Line = token.Location.Line, Column = token.Location.Column, Uri = token.Location.Uri, Name = token.Location.Name,
                },
                Layer = token.Layer, Registry = token.Registry, Key = token.Key, Kind = token.Kind, Context = token.Context,
                ChecksumValid = token.ChecksumValid, Redacted = token.Redacted, Fingerprint = token.Fingerprint, UserName = token.UserName,
                Variable = token.Variable, VariableSet = token.VariableSet, VariableSource = token.VariableSource, FileAccess = token.FileAccess,
                OnlineState = token.OnlineState, CheckedRegistry = token.CheckedRegistry, Valid = token.Valid, User = token.User,
                Readonly = token.Readonly, BypassTwoFactor = token.BypassTwoFactor, Expires = token.Expires, OnlineError = token.OnlineError,
            };
            FindingFactory.Stamp(f, rule, token.ComputerName);
            f.Status = status;
            f.Message = message;
            if (status != NpmFindingStatus.Pass)
                f.Remediation = new NpmRemediation
                {
                    Summary = rule.Title + ": " + (rule.ExpectedText ?? "see the rule's reference") + ".",
                    NpmCommand = rule.Remediation.Replace("{registry}", check.Registry).Replace("{key}", "<token-key>"),
                };
            return f;
        }

        // ------------------------------------------------------------------------------------------ variables

        private IEnumerable<NpmTokenFinding> ScanVariables(string? context, Sources scope, IReadOnlyDictionary<string, string> registries)
        {
            var cmp = Platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            foreach (var pv in scope.Persistent)
            {
                if (!NpmCredential.IsTokenVariable(pv.Name, pv.Value)) continue;
                var source = pv.Line is int line ? $"{pv.Location}:{line}" : pv.Location;
                if (!_variableStores.Add(pv.Scope + "\n" + source + "\n" + pv.Name)) continue;
                var f = VariableFinding(pv.Name, pv.Value, pv.Scope == EnvironmentScope.Machine ? "MachineEnvironment" : "UserEnvironment", source, context);
                f.Location = FindingFactory.VariableLocation(pv);
                var who = pv.Scope == EnvironmentScope.Machine ? "every user of the machine" : "the user";
                yield return Judge(f, CredentialSeverity.OfStoredSecret(RuleCatalog.Default["NPMH7004"], f.ChecksumValid, null, null), NpmFindingStatus.Fail, "NPMH7004",
                    $"{pv.Name} holds an npm credential and is defined for {who} in {source}: every process, install scripts included, can read it.",
                    $"Remove the persistent definition of {pv.Name} ({source}), and keep the token in a secret store.",
                    fix: new NpmFix(NpmFixKind.RemovePersistentVariable)
                    {
                        Variable = pv.Name, Scope = pv.Scope, Path = pv.Location, Line = pv.Line,
                        Note = pv.Line != null ? "the line that sets " + pv.Name : null,
                    });
            }
            if (scope.Process == null || !_variableStores.Add("process")) yield break;
            foreach (var name in PostureScanner.SortedNames(scope.Process))
            {
                var kv = new KeyValuePair<string, string>(name, scope.Process[name]);
                if (!NpmCredential.IsTokenVariable(kv.Key, kv.Value)) continue;
                if (scope.Persistent.Any(p => cmp.Equals(p.Name, kv.Key) && p.Value == kv.Value)) continue; // reported where it is defined
                var f = VariableFinding(kv.Key, kv.Value, "Environment", "env:" + kv.Key, context);
                const string remove = "Remove the variable from the session and set it only for the commands that need it.";
                var secretValue = NpmCredential.FindTokenShapes(kv.Value).FirstOrDefault() ?? kv.Value.Trim();
                if (IsCI)
                    yield return OnlineVariable(Judge(f, null, NpmFindingStatus.Pass, VariableRule(kv.Key),
                        $"{kv.Key} holds an npm credential in the job's environment, the expected channel on CI; keep it a masked secret with the least permissions it needs.", null), secretValue, registries, scope.Proxy);
                else
                    yield return OnlineVariable(Judge(f, CredentialSeverity.OfSessionVariable(RuleCatalog.Default[VariableRule(kv.Key)], f.ChecksumValid), NpmFindingStatus.Warning, VariableRule(kv.Key),
                        $"{kv.Key} holds an npm credential in this session's environment: every process started from it, install scripts included, can read it. Set it only for the commands that need it.",
                        remove, fix: new NpmFix(NpmFixKind.RemoveSessionVariable) { Variable = kv.Key }), secretValue, registries, scope.Proxy);
            }
        }

        /// <summary>
        /// The rule a credential in a variable of this session falls under: an npm_config_ variable is a config layer,
        /// so its key's rule (NPMH7001 for tokens, NPMH7002 for _auth and _password, as Get-NpmSecurityPosture judges
        /// it); any other variable is NPMH7004.
        /// </summary>
        private static string VariableRule(string name)
        {
            if (!name.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase)) return "NPMH7004";
            var key = name.Substring("npm_config_".Length);
            return CredentialSeverity.RuleFor(key.Substring(key.LastIndexOf(':') + 1), NpmCredentialKind.None);
        }

        /// <summary>Only npm_config_//host/:_authToken variables are scoped; NPM_TOKEN and friends go nowhere by themselves.</summary>
        private NpmTokenFinding OnlineVariable(NpmTokenFinding f, string secret, IReadOnlyDictionary<string, string> registries, RegistryProxy? proxy) =>
            f.Registry != null && f.Key.EndsWith(":_authToken", StringComparison.OrdinalIgnoreCase) && NpmrcCredentialAnalyzer.IsBearer(f.Kind)
                ? Online(f, f.Registry, secret, registries, proxy)
                : NotOnline(f, "the variable is not scoped to a registry by itself (a ${VAR} reference in an npmrc line is checked there)");

        /// <summary>A variable's finding judged as the npmrc analyzer judges a line (no file, so no file access).</summary>
        private NpmTokenFinding Judge(NpmTokenFinding f, (NpmSeverity Severity, string? Reason)? severity, NpmFindingStatus status, string ruleId,
            string message, string? recommendation, NpmFix? fix = null) =>
            NpmrcCredentialAnalyzer.Judge(Platform, f, null, severity, status, ruleId, message, recommendation, fix);

        private static NpmTokenFinding VariableFinding(string name, string value, string layer, string source, string? context)
        {
            var v = value.Trim();
            string key = name;
            string? registry = null;
            if (name.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase) && NerfDart.TrySplitKey(name.Substring("npm_config_".Length), out var nerf, out _))
                registry = nerf;
            var token = NpmCredential.FindTokenShapes(v).FirstOrDefault();
            var secret = token ?? v;
            var kind = token != null ? NpmCredentialKind.GranularToken : NpmCredential.Classify(name.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase) ? name.Substring(11) : "_authToken", v);
            if (kind == NpmCredentialKind.None) kind = NpmCredentialKind.OpaqueToken;
            return new NpmTokenFinding
            {
                Layer = layer, Location = source.StartsWith("env:", StringComparison.Ordinal) ? FindingFactory.Named(source) : null, Key = key, Registry = registry, Kind = kind, Context = context,
                Redacted = NpmCredential.Redact(secret), Fingerprint = NpmCredential.Fingerprint(secret),
                ChecksumValid = kind == NpmCredentialKind.GranularToken ? NpmCredential.HasValidChecksum(secret) : (bool?)null,
            };
        }

        /// <summary>
        /// What one context's secrets may be checked with: the audited account's variables and where they may be sent
        /// (<see cref="SecretProvenance"/>), and the proxy someone asked for.
        /// </summary>
        private sealed class Sources
        {
            public Sources(NpmTokenScanner owner, SecretProvenance provenance, RegistryProxy? proxy)
            {
                Provenance = provenance;
                Proxy = proxy;
                provenance.VariablesUnreadable = (scope, message) => owner.Report(TokenScanProblemKind.VariablesUnreadable, scope + " environment", message, true);
            }

            public SecretProvenance Provenance { get; }
            public RegistryProxy? Proxy { get; }
            /// <summary>Read on first use: a file scan that meets no ${VAR} reference never touches the registry or shell files.</summary>
            public IReadOnlyList<PersistentVariable> Persistent => Provenance.Persistent;
            /// <summary>The process variables, for the account running the scan only.</summary>
            public IReadOnlyDictionary<string, string>? Process => Provenance.ProcessEnvironment;
        }

    }
}
