using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
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

        private static readonly string[] AuthNames = { "_authToken", "_auth", "_password", "username", "certfile", "keyfile" };
        private readonly HashSet<string> _files;
        private readonly HashSet<string> _variableStores = new HashSet<string>(StringComparer.Ordinal);
        private Sources? _currentUser;
        private AuditedAccount? _operator;

        public NpmTokenScanner(IPlatform platform)
        {
            Platform = platform ?? throw new ArgumentNullException(nameof(platform));
            _files = new HashSet<string>(platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            IsCI = CiDetection.IsCI(platform.Environment);
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
            set { _operator = value ?? throw new ArgumentNullException(nameof(value)); _currentUser = null; }
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
            var registries = ConfiguredRegistries(resolution);
            foreach (var layer in resolution.Layers)
            {
                if (layer.Source == null) continue;
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
        private NpmTokenFinding Shown(NpmTokenFinding f)
        {
            var key = NpmCredential.RedactEmbedded(f.Key);
            if (key != f.Key)
            {
                if (f.Message != null) f.Message = f.Message.Replace(f.Key, key);
                if (f.Remediation != null) f.Remediation.Summary = f.Remediation.Summary.Replace(f.Key, key);
                f.Key = key;
            }
            if (f.Registry != null) f.Registry = NpmCredential.RedactEmbedded(f.Registry);
            if (f.CheckedRegistry != null) f.CheckedRegistry = NpmCredential.RedactText(f.CheckedRegistry);
            if (f.Message != null) f.Message = NpmCredential.RedactText(f.Message);
            if (f.Remediation != null)
            {
                f.Remediation.Summary = NpmCredential.RedactText(f.Remediation.Summary);
                if (f.Remediation.NpmCommand != null) f.Remediation.NpmCommand = NpmCredential.RedactText(f.Remediation.NpmCommand);
                if (f.Remediation.PowerShell != null) f.Remediation.PowerShell = NpmCredential.RedactText(f.Remediation.PowerShell);
            }
            if (f.SeverityReason != null) f.SeverityReason = NpmCredential.RedactText(f.SeverityReason);
            if (f.Remediation != null)
                foreach (var fix in f.Remediation.Fixes) fix.Finish(t => t == null ? null : NpmCredential.RedactText(NpmCredential.RedactEmbedded(t)), Platform.IsWindows);
            f.FactId = FindingFactory.FactId(f, f.Key, f.Fingerprint);
            return f;
        }

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
            var read = Platform.ReadFile(path, MaxFileBytes);
            switch (read.Status)
            {
                case FileReadStatus.NotFound:
                    yield break;
                case FileReadStatus.IsDirectory:
                    Report(TokenScanProblemKind.NotAFile, path, "is a directory, not a file; npm ignores it.", true);
                    yield break;
                case FileReadStatus.TooLarge:
                    Report(TokenScanProblemKind.TooLarge, path,
                        $"is {read.Length:N0} bytes, over the {MaxFileBytes >> 20} MiB an npmrc scan reads; it was not scanned. No real .npmrc is this large: look at what it is.", true);
                    yield break;
                case FileReadStatus.NotRegularFile:
                    Report(TokenScanProblemKind.NotRegularFile, path, $"was not scanned: {read.Error}.", true);
                    yield break;
                case FileReadStatus.AccessDenied:
                case FileReadStatus.IoError:
                    Report(TokenScanProblemKind.Unreadable, path, $"cannot be read ({read.Error}); it was not scanned.", true);
                    yield break;
            }
            if (read.Bytes == null)
            {
                Report(TokenScanProblemKind.Unreadable, path, $"cannot be read ({read.Error ?? read.Status.ToString()}); it was not scanned.", true);
                yield break;
            }

            var bytes = read.Bytes!;
            NpmrcDocument? document;
            bool binary;
            try { document = Decode(path, bytes, out binary); }
            catch (NpmrcLimitException e)
            {
                Report(TokenScanProblemKind.LimitExceeded, path,
                    $"{e.Message}: beyond anything npm can meaningfully use, so it was not parsed; only token-shaped strings were looked for in it.", true);
                document = null;
                binary = true;
            }
            var file = new FileState(this, path);
            if (binary)
            {
                // not an npmrc at all; still sweep it for token-shaped strings so a planted token is not missed
                var text = Encoding.GetEncoding("ISO-8859-1").GetString(bytes);
                foreach (var token in NpmCredential.FindTokenShapes(text).Distinct(StringComparer.Ordinal))
                    yield return TokenInText(file, layer, context, token, null, "binary content");
                yield break;
            }

            var local = registries ?? RegistriesIn(document!);
            var budget = new ExpansionBudget();
            string? section = null;
            foreach (var line in document!.Lines)
            {
                if (line.Kind == NpmrcLineKind.Section) { section = line.SectionName; continue; }
                if (line.Kind == NpmrcLineKind.Comment || line.Kind == NpmrcLineKind.Ignored)
                {
                    foreach (var token in NpmCredential.FindTokenShapes(line.Text).Distinct(StringComparer.Ordinal))
                        yield return TokenInText(file, layer, context, token, line.Number, line.Kind == NpmrcLineKind.Comment ? "a comment" : "a line npm skips");
                    continue;
                }
                if (line.Kind != NpmrcLineKind.Setting) continue;
                NpmTokenFinding? finding = null;
                NpmrcLimitException? limit = null;
                try { finding = JudgeLine(file, layer, context, scope, local, line, section, budget); }
                catch (NpmrcLimitException e) { limit = e; }
                if (limit != null)
                {
                    Report(TokenScanProblemKind.LimitExceeded, path, $"{limit.Message}: the scan stopped at line {line.Number}.", true);
                    yield break;
                }
                if (finding != null) yield return finding;
            }
        }

        private void Report(TokenScanProblemKind kind, string target, string message, bool isError) =>
            Problem?.Invoke(new TokenScanProblem(kind, target, message, isError));

        /// <summary>The document npm would parse, or the UTF-16 text decoded (npm cannot read it, but its secrets are real).</summary>
        private NpmrcDocument? Decode(string path, byte[] bytes, out bool binary)
        {
            binary = false;
            var issues = new List<NpmConfigIssue>();
            NpmrcFile.Inspect(bytes, path, issues);
            var utf16 = issues.Any(i => i.Kind == NpmConfigIssueKind.Utf16Encoded) ? Utf16Order(bytes) : null;
            if (utf16 != null)
            {
                var text = utf16.GetString(bytes).TrimStart('\uFEFF');
                Report(TokenScanProblemKind.Utf16, path,
                    "is encoded as UTF-16, which npm cannot read (none of its settings apply); it was scanned as UTF-16 because the secrets in it are still on disk. Save it as UTF-8 or delete it.", false);
                return NpmrcDocument.Parse(text, path);
            }
            if (issues.Any(i => i.Kind == NpmConfigIssueKind.NulBytes || i.Kind == NpmConfigIssueKind.Utf16Encoded))
            {
                binary = true;
                Report(TokenScanProblemKind.Binary, path,
                    "holds binary data (NUL bytes), not npm settings; only token-shaped strings were looked for in it.", true);
                return null;
            }
            return NpmrcDocument.Parse(bytes, path);
        }

        /// <summary>
        /// The UTF-16 byte order of text that npm's check flagged as UTF-16, or null when the bytes are binary: without a
        /// byte-order mark, text in UTF-16 has its NULs on one side of each byte pair and (almost) none on the other.
        /// </summary>
        private static Encoding? Utf16Order(byte[] bytes)
        {
            if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) return Encoding.Unicode;
            if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) return Encoding.BigEndianUnicode;
            int evenNul = 0, oddNul = 0;
            for (int i = 0; i < bytes.Length; i++)
                if (bytes[i] == 0) { if ((i & 1) == 0) evenNul++; else oddNul++; }
            int pairs = bytes.Length / 2;
            if (pairs == 0) return null;
            if (oddNul * 10 >= pairs * 9 && evenNul * 10 <= pairs) return Encoding.Unicode;
            if (evenNul * 10 >= pairs * 9 && oddNul * 10 <= pairs) return Encoding.BigEndianUnicode;
            return null;
        }

        // ------------------------------------------------------------------------------------------ lines

        private NpmTokenFinding? JudgeLine(FileState file, string layer, string? context, Sources scope,
            IReadOnlyDictionary<string, string> registries, NpmrcLine line, string? section, ExpansionBudget budget)
        {
            var key = IniDecoder.Unsafe(line.RawKey!) as string;
            if (string.IsNullOrEmpty(key)) return null;
            if (key!.EndsWith("[]", StringComparison.Ordinal)) key = key.Substring(0, key.Length - 2);
            var raw = line.RawValue == null ? "" : (IniDecoder.Unsafe(line.RawValue) as string ?? "");
            raw = raw.Trim();
            if (raw.Length == 0) return null;

            string? registry = null;
            string name = key;
            if (NerfDart.TrySplitKey(key, out var nerf, out var scopedName)) { registry = nerf; name = scopedName; }
            else if (key.IndexOf(':') > 0 && key[0] != '@') name = key.Substring(key.LastIndexOf(':') + 1);

            var kind = NpmCredential.Classify(key, raw);
            bool authName = AuthNames.Contains(name, StringComparer.Ordinal);
            if (!authName && kind != NpmCredentialKind.UrlWithPassword && kind != NpmCredentialKind.GranularToken &&
                !(NpmCredential.IsSecretKey(key) && kind != NpmCredentialKind.None)) return null;
            if (name == "username" && registry != null) return null; // a scoped user name: its _password line is the finding
            if (kind == NpmCredentialKind.ClientCertificatePath && name != "keyfile") return null; // certificates are public

            var f = new NpmTokenFinding
            {
                Location = FindingFactory.File(file.Path, line.Number), Layer = layer, Registry = registry,
                Key = key, Kind = kind, Context = context,
            };
            var where = section != null ? $" (inside [{NpmCredential.RedactEmbedded(section)}], which npm does not apply)" : "";

            if (name == "username")
            {
                f.UserName = raw;
                f.Redacted = raw;
                f.Kind = NpmCredentialKind.None;
                return Judge(f, file, null, NpmFindingStatus.Fail, "NPMH7003",
                    $"username is not scoped to a registry{where}; npm 9 and later refuse to run with it (ERR_INVALID_AUTH).",
                    $"npm config fix  # or write it as //registry.example.com/:username=…");
            }

            if (kind == NpmCredentialKind.EnvironmentReference)
                return JudgeReference(f, file, scope, registries, raw, name, where, budget);

            var secret = EnvExpansion.Replace(raw, _ => null); // a partial reference keeps its literal part
            f.Redacted = NpmCredential.Redact(secret);
            f.Fingerprint = kind == NpmCredentialKind.ClientCertificatePath ? null : NpmCredential.Fingerprint(secret);
            if (kind == NpmCredentialKind.GranularToken) f.ChecksumValid = NpmCredential.HasValidChecksum(secret);

            if (kind == NpmCredentialKind.ClientCertificatePath)
            {
                f.Redacted = raw;
                var keyAccess = Platform.GetFileAccess(raw);
                if (keyAccess != null && keyAccess.ReadableByOthers)
                    return Judge(f, file, null, NpmFindingStatus.Fail, "NPMH8001",
                        $"The client TLS key {raw} that {key} names is readable by others: {keyAccess.Summary}.",
                        "Give the key file owner-only access.", fileAccessOf: keyAccess,
                        fix: new NpmFix(NpmFixKind.RestrictFileAccess) { Path = raw, Owner = keyAccess.Owner ?? Operator.Name });
                return Judge(f, file, null, NpmFindingStatus.Pass, "NPMH8001",
                    $"{key} names a client TLS key ({(keyAccess != null ? keyAccess.Summary : "its permissions could not be read")}); the key itself is not in the npmrc.", null, fileAccessOf: keyAccess);
            }

            if (kind == NpmCredentialKind.UrlWithPassword)
                return Judge(f, file, null, NpmFindingStatus.Fail, "NPMH9002",
                    $"{key} is a URL with a password in it{where}; anything that can read the file can use it.",
                    "Put the password in the proxy or registry's own credential store, or reference it as ${VARIABLE}.");

            var what = kind switch
            {
                NpmCredentialKind.GranularToken when f.ChecksumValid == false =>
                    "a string shaped like an npm token whose checksum is invalid, so probably a placeholder rather than a real token",
                NpmCredentialKind.GranularToken => "a plaintext npm access token",
                NpmCredentialKind.LegacyUuidToken => "a plaintext legacy (UUID) token",
                NpmCredentialKind.BasicAuth => "a base64 user:password (_auth), which is an account password rather than a revocable token",
                NpmCredentialKind.Password => "a base64 password (_password), which is an account password rather than a revocable token",
                _ => "a plaintext registry token",
            };
            var ruleId = CredentialSeverity.RuleFor(name, kind);
            var message = new StringBuilder($"{key} holds {what}{where}.");
            if (kind == NpmCredentialKind.BasicAuth)
            {
                var user = BasicAuthUser(secret, out bool validBase64);
                f.UserName = user;
                if (!validBase64) message.Append(" Its value is not valid base64, so npm sends a broken credential; it is still a secret on disk.");
            }
            if (registry == null && name != "username")
            {
                message.Append(" It is not scoped to a registry: npm 9 and later refuse to run until it is (ERR_INVALID_AUTH), but the secret is on disk all the same.");
            }
            bool password = kind == NpmCredentialKind.BasicAuth || kind == NpmCredentialKind.Password;
            string recommendation = password
                ? $"Create a granular access token (npm token create, or on npmjs.com), reference it as {RegistryPrefix(registry)}:_authToken=${{NPM_TOKEN}}, and delete this line."
                : "Replace the token by a ${NPM_TOKEN} reference and keep the token in a secret store.";
            var protect = password
                ? new NpmFix(NpmFixKind.ProtectTokens) { Path = file.Path, Remove = true }
                : new NpmFix(NpmFixKind.ProtectTokens) { Path = file.Path, Variable = "NPM_TOKEN", Note = "then keep the token in a secret store" };
            var severity = CredentialSeverity.OfStoredSecret(RuleCatalog.Default[ruleId], f.ChecksumValid,
                f.ChecksumValid != false ? file.Access : null, HttpScope(registry, registries));
            if (severity.Reason != null && f.ChecksumValid != false) message.Append(' ').Append(severity.Reason);
            var judged = Judge(f, file, severity, NpmFindingStatus.Fail, ruleId, message.ToString(), recommendation, fix: protect);
            if (!IsBearer(kind)) return NotOnline(judged, "online checks cover bearer tokens only; a password is never sent");
            // npm sends a bearer token only from a //host/path/:_authToken key; a token-shaped value under any other
            // name (//host:1443#… is the key "//host:1443" to npm's ini parser: scope //host, name 1443) goes nowhere
            if (registry != null && name != "_authToken") return NotOnline(judged, $"npm never sends the value of a '{name}' key; only //host/path/:_authToken keys carry a token");
            return Online(judged, secret, registries, scope.Proxy);
        }

        private static bool IsBearer(NpmCredentialKind kind) =>
            kind == NpmCredentialKind.GranularToken || kind == NpmCredentialKind.LegacyUuidToken || kind == NpmCredentialKind.OpaqueToken;

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
        private NpmTokenFinding Online(NpmTokenFinding f, string secret, IReadOnlyDictionary<string, string> registries, RegistryProxy? proxy)
        {
            if (OnlineCheck == null) return f;
            if (f.Registry == null) return NotOnline(f, "it is not scoped to a registry, so there is no registry it may be sent to");
            if (f.ChecksumValid == false) return NotOnline(f, "its checksum is invalid, so it is not a real token");
            var key = f.Registry + "\n" + NpmCredential.Fingerprint(secret) + "\n" + proxy?.ToString();
            if (!_checks.TryGetValue(key, out var check))
            {
                check = OnlineCheck(f.Registry, registries.Values.ToList(), secret, proxy);
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

        private NpmTokenFinding JudgeReference(NpmTokenFinding f, FileState file, Sources scope,
            IReadOnlyDictionary<string, string> registries, string raw, string name, string where, ExpansionBudget budget)
        {
            f.Redacted = raw;
            var names = EnvExpansion.References(raw).Select(r => r.Name).ToList();
            f.Variable = string.Join(", ", names);
            // values the audited account owns only: a definition in someone else's file is no value of theirs
            var values = names.Select(n => scope.Provenance.Lookup(n)).ToList();
            bool set = values.All(v => v.IsSet);
            f.VariableSet = set;
            f.VariableSource = string.Join(", ", values.Where(v => v.Location != null).Select(v => v.Location).Distinct());
            if (f.VariableSource.Length == 0) f.VariableSource = null;
            var refused = values.FirstOrDefault(v => v.Refusal != null)?.Refusal;
            var expanded = EnvExpansion.Replace(raw, n => scope.Provenance.Lookup(n).Value, budget);
            if (set)
            {
                f.Fingerprint = NpmCredential.Fingerprint(expanded);
                var expandedKind = NpmCredential.Classify(f.Key, expanded);
                if (expandedKind == NpmCredentialKind.GranularToken) f.ChecksumValid = NpmCredential.HasValidChecksum(expanded);
            }
            var rule = CredentialSeverity.RuleFor(name, NpmCredentialKind.EnvironmentReference);
            if (f.Registry == null && (name == "_authToken" || name == "_auth" || name == "_password"))
                return Judge(f, file, null, NpmFindingStatus.Fail, "NPMH7003",
                    $"{f.Key} reads its value from the environment but is not scoped to a registry{where}; npm 9 and later refuse to run with it (ERR_INVALID_AUTH).",
                    "npm config fix  # scopes it to the default registry", fileAccess: false);
            if (HttpScope(f.Registry, registries) is string http)
                return Judge(f, file, null, NpmFindingStatus.Fail, "NPMH2002",
                    $"{f.Key} is sent to {http} over plain http, readable by anyone on the network path.",
                    $"Use https for {http}.", fileAccess: false);
            if (refused != null)
                return NotOnline(Judge(f, file, null, NpmFindingStatus.Warning, rule,
                    $"{f.Key} reads {f.Variable} from the environment{where} (good), but the definition found is not the audited account's own: {refused}.", null, fileAccess: false),
                    "reference, not checked: " + refused, NpmOnlineCheckState.ReferenceNotChecked);
            if (!set)
            {
                var hint = scope.Provenance.ProcessEnvironment != null
                    ? "is not set in this session or persistently; npm then sends the reference text itself and the registry refuses it"
                    : "is not defined persistently for this user; it must come from the session or job that runs npm";
                var unset = Judge(f, file, null, NpmFindingStatus.Warning, rule,
                    $"{f.Key} reads {f.Variable} from the environment{where} (good), but it {hint}.", null, fileAccess: false);
                // an online check has nothing of the audited account's to send (as Get-NpmAccount says too)
                return OnlineCheck == null ? unset
                    : NotOnline(unset, $"reference, not checked: {f.Variable} is not defined in the audited account's environment", NpmOnlineCheckState.ReferenceNotChecked);
            }
            var judged = Judge(f, file, null, NpmFindingStatus.Pass, rule,
                $"{f.Key} reads its secret from {f.Variable}{where} ({f.VariableSource}); the file holds no secret.", null, fileAccess: false);
            if (name != "_authToken") return NotOnline(judged, "online checks cover bearer tokens only; a password is never sent");
            if (OnlineCheck == null) return judged;
            if (where.Length > 0) return NotOnline(judged, "npm does not apply settings inside an ini section, so it never sends this reference");
            // read the line again through one handle: it must still be there, in a file the audited account or an administrator owns
            var resolved = scope.Provenance.Resolve(file.Path, f.Line ?? 0, f.Key, raw);
            if (!resolved.MaySend) return NotOnline(judged, "reference, not checked: " + resolved.Refusal, NpmOnlineCheckState.ReferenceNotChecked);
            return Online(judged, resolved.Secret!.Trim(), registries, scope.Proxy);
        }

        /// <summary>A granular-token-shaped string outside any setting (a comment, binary content): found by shape alone.</summary>
        private NpmTokenFinding TokenInText(FileState file, string layer, string? context, string token, int? line, string where)
        {
            var f = new NpmTokenFinding
            {
                Location = FindingFactory.File(file.Path, line), Layer = layer,
                Key = "(" + where + ")", Kind = NpmCredentialKind.GranularToken, Context = context,
                Redacted = NpmCredential.Redact(token), Fingerprint = NpmCredential.Fingerprint(token),
                ChecksumValid = NpmCredential.HasValidChecksum(token),
            };
            bool real = f.ChecksumValid == true;
            var severity = CredentialSeverity.OfStoredSecret(RuleCatalog.Default["NPMH7001"], f.ChecksumValid, real ? file.Access : null, null);
            return Judge(f, file, severity, NpmFindingStatus.Fail, "NPMH7001",
                (real ? $"An npm access token sits in {where}: npm does not use it, but anyone who reads the file can."
                      : $"A string shaped like an npm token sits in {where}; its checksum is invalid, so it is probably a placeholder.")
                + (real && severity.Reason != null ? " " + severity.Reason : ""),
                "Revoke the token (npm token revoke, or on npmjs.com) and delete it from the file.");
        }

        private NpmTokenFinding Judge(NpmTokenFinding f, FileState file, (NpmSeverity Severity, string? Reason)? severity, NpmFindingStatus status, string ruleId,
            string message, string? recommendation, bool fileAccess = true, FileAccessInfo? fileAccessOf = null, NpmFix? fix = null)
        {
            var access = fileAccessOf ?? (fileAccess ? file.Access : null);
            f.FileAccess = access?.Summary;
            FindingFactory.Stamp(f, RuleCatalog.Default[ruleId], FindingFactory.MachineOf(Platform));
            if (severity.HasValue) FindingFactory.Escalate(f, severity.Value.Severity, severity.Value.Reason);
            f.Status = status;
            f.Message = message;
            f.Remediation = RemediationOf(recommendation);
            if (fix != null && f.Remediation != null) f.Remediation.Fixes.Add(fix);
            return f;
        }

        /// <summary>A recommendation as remediation data: its words, and the npm command when it is one.</summary>
        private static NpmRemediation? RemediationOf(string? text)
        {
            if (text == null) return null;
            var fix = new NpmRemediation { Summary = text };
            var command = text.Split(new[] { "  # " }, StringSplitOptions.None)[0];
            if (command.StartsWith("npm ", StringComparison.Ordinal)) fix.NpmCommand = command;
            return fix;
        }

        private static string RegistryPrefix(string? registry) => registry ?? "//registry.npmjs.org/";

        /// <summary>The user name an _auth value encodes; never its password.</summary>
        private static string? BasicAuthUser(string value, out bool validBase64)
        {
            validBase64 = false;
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value));
                validBase64 = true;
                int colon = decoded.IndexOf(':');
                return colon > 0 ? decoded.Substring(0, colon) : null;
            }
            catch (FormatException) { return null; }
        }

        // ------------------------------------------------------------------------------------------ registries

        /// <summary>nerf-dart scope → registry URL, for the registries the configuration names (registry, @scope:registry).</summary>
        private static IReadOnlyDictionary<string, string> ConfiguredRegistries(NpmConfigResolution resolution)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var layer in resolution.Layers)
                foreach (var key in layer.Keys)
                    if ((key == "registry" || key.EndsWith(":registry", StringComparison.Ordinal)) && layer.TryGet(key, out var v) && v.Value is string url)
                        AddRegistry(map, url);
            return map;
        }

        private static IReadOnlyDictionary<string, string> RegistriesIn(NpmrcDocument document)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in document.Lines)
            {
                if (line.Kind != NpmrcLineKind.Setting || line.RawValue == null) continue;
                var key = IniDecoder.Unsafe(line.RawKey!) as string;
                if (key == null || !(key == "registry" || key.EndsWith(":registry", StringComparison.Ordinal))) continue;
                if (IniDecoder.Unsafe(line.RawValue) is string url) AddRegistry(map, url);
            }
            return map;
        }

        private static void AddRegistry(Dictionary<string, string> map, string url)
        {
            var nerf = NerfDart.FromUrl(url.Trim());
            if (nerf != null) map[nerf] = url.Trim();
        }

        /// <summary>The registry URL when a credential for the nerf-dart <paramref name="scope"/> would travel over plain http to another machine under <paramref name="resolution"/>'s registries.</summary>
        internal static string? PlainHttpRegistry(string? scope, NpmConfigResolution resolution) => HttpScope(scope, ConfiguredRegistries(resolution));

        /// <summary>The registry URL when a credential for <paramref name="scope"/> would travel over http to a host that is not this machine.</summary>
        private static string? HttpScope(string? scope, IReadOnlyDictionary<string, string> registries)
        {
            if (scope == null || !registries.TryGetValue(scope.EndsWith("/", StringComparison.Ordinal) ? scope : scope + "/", out var url)) return null;
            if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) return null;
            return RegistryEndpoint.IsLoopback(url) ? null : url;
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
                yield return Judge(f, FileState.None, CredentialSeverity.OfStoredSecret(RuleCatalog.Default["NPMH7004"], f.ChecksumValid, null, null), NpmFindingStatus.Fail, "NPMH7004",
                    $"{pv.Name} holds an npm credential and is defined for {who} in {source}: every process, install scripts included, can read it.",
                    $"Remove the persistent definition of {pv.Name} ({source}), and keep the token in a secret store.", fileAccess: false,
                    fix: new NpmFix(NpmFixKind.RemovePersistentVariable)
                    {
                        Variable = pv.Name, Scope = pv.Scope, Path = pv.Location, Line = pv.Line,
                        Note = pv.Line != null ? "the line that sets " + pv.Name : null,
                    });
            }
            if (scope.Process == null || !_variableStores.Add("process")) yield break;
            foreach (var kv in scope.Process.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (!NpmCredential.IsTokenVariable(kv.Key, kv.Value)) continue;
                if (scope.Persistent.Any(p => cmp.Equals(p.Name, kv.Key) && p.Value == kv.Value)) continue; // reported where it is defined
                var f = VariableFinding(kv.Key, kv.Value, "Environment", "env:" + kv.Key, context);
                const string remove = "Remove the variable from the session and set it only for the commands that need it.";
                var secretValue = NpmCredential.FindTokenShapes(kv.Value).FirstOrDefault() ?? kv.Value.Trim();
                if (IsCI)
                    yield return OnlineVariable(Judge(f, FileState.None, null, NpmFindingStatus.Pass, VariableRule(kv.Key),
                        $"{kv.Key} holds an npm credential in the job's environment, the expected channel on CI; keep it a masked secret with the least permissions it needs.", null, fileAccess: false), secretValue, registries, scope.Proxy);
                else
                    yield return OnlineVariable(Judge(f, FileState.None, CredentialSeverity.OfSessionVariable(RuleCatalog.Default[VariableRule(kv.Key)], f.ChecksumValid), NpmFindingStatus.Warning, VariableRule(kv.Key),
                        $"{kv.Key} holds an npm credential in this session's environment: every process started from it, install scripts included, can read it. Set it only for the commands that need it.",
                        remove, fileAccess: false, fix: new NpmFix(NpmFixKind.RemoveSessionVariable) { Variable = kv.Key }), secretValue, registries, scope.Proxy);
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
            f.Registry != null && f.Key.EndsWith(":_authToken", StringComparison.OrdinalIgnoreCase) && IsBearer(f.Kind)
                ? Online(f, secret, registries, proxy)
                : NotOnline(f, "the variable is not scoped to a registry by itself (a ${VAR} reference in an npmrc line is checked there)");

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

        /// <summary>A file being scanned: its access is read once, and only when a finding needs it.</summary>
        private sealed class FileState
        {
            public static readonly FileState None = new FileState(null, "");
            private readonly NpmTokenScanner? _owner;
            private bool _read;
            private FileAccessInfo? _access;

            public FileState(NpmTokenScanner? owner, string path) { _owner = owner; Path = path; }
            public string Path { get; }

            public FileAccessInfo? Access
            {
                get
                {
                    if (!_read && _owner != null)
                    {
                        _read = true;
                        try { _access = _owner.Platform.GetFileAccess(Path); }
                        catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException) { _access = null; }
                    }
                    return _access;
                }
            }
        }
    }
}
