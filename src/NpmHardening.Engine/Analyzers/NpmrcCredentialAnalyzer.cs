using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>
    /// The credentials of one npmrc file, line by line: every line counts, not only the one npm uses, because a
    /// shadowed duplicate, a key inside an ini section or a token left in a comment is still a secret on disk. The one
    /// judgement of a credential line that both Get-NpmSecurityPosture (per file layer, NPMH7001–7003) and
    /// Test-NpmrcToken use, so a line gets one rule, severity, status and FactId from both. Reads and decodes the file
    /// (UTF-16 is scanned, binary content only swept for token shapes); judges each setting and each <c>${VAR}</c>
    /// reference; says, for each finding, what an online check may send. Never contacts a registry.
    /// </summary>
    public sealed class NpmrcCredentialAnalyzer : INpmAnalyzer<NpmrcCredentialInput>
    {
        /// <summary>Files above this are not read: no real .npmrc comes near it (<see cref="NpmrcLimits.MaxFileBytes"/>).</summary>
        public const long MaxFileBytes = NpmrcLimits.MaxFileBytes;

        private static readonly string[] AuthNames = { "_authToken", "_auth", "_password", "username", "certfile", "keyfile" };
        /// <summary>The keys npm 9 and later refuse to run with when they are not scoped to a registry (ERR_INVALID_AUTH).</summary>
        private static readonly string[] ScopedOnly = { "_authToken", "_auth", "_password", "username" };

        private AuditedAccount? _operator;

        public NpmrcCredentialAnalyzer(IPlatform platform) => Platform = platform ?? throw new ArgumentNullException(nameof(platform));

        public IPlatform Platform { get; }

        /// <summary>The account the fix of a readable client key grants access to when the key's owner is unknown; the process's own by default.</summary>
        public AuditedAccount Operator
        {
            get => _operator ??= AuditedAccount.CurrentProcess(Platform);
            set => _operator = value ?? throw new ArgumentNullException(nameof(value));
        }

        /// <summary>Hears each problem: unreadable, binary, UTF-16 or oversized files.</summary>
        public Action<TokenScanProblem>? Problem { get; set; }

        public IReadOnlyCollection<string> RuleIds { get; } = new[] { "NPMH2002", "NPMH7001", "NPMH7002", "NPMH7003", "NPMH8001", "NPMH9002" };

        public IEnumerable<NpmFinding> Analyze(NpmrcCredentialInput input) => Judge(input).Select(r => r.Finding);

        /// <summary>
        /// One judged line: the finding (safe to show, FactId set) and what an online check may do with it. The online
        /// part holds the secret and the real registry scope: it never leaves the engine.
        /// </summary>
        internal sealed class Result
        {
            public Result(NpmTokenFinding finding, OnlineCandidate? online, IReadOnlyDictionary<string, string> registries)
            {
                Finding = finding; Online = online; Registries = registries;
            }
            public NpmTokenFinding Finding { get; }
            /// <summary>Null: an online check has nothing to say about this finding.</summary>
            public OnlineCandidate? Online { get; }
            /// <summary>The registries the line was judged against (the context's, or the file's own).</summary>
            public IReadOnlyDictionary<string, string> Registries { get; }
        }

        internal enum OnlineKind { NotChecked, Send, ResolveReference }

        /// <summary>What -Online may do with a finding: not check it (and why), send a secret, or resolve a reference first.</summary>
        internal sealed class OnlineCandidate
        {
            private OnlineCandidate(OnlineKind kind) { Kind = kind; }
            public OnlineKind Kind { get; private set; }
            /// <summary>The nerf-dart scope the credential goes to, unredacted (a scope may carry user:password).</summary>
            public string? Registry { get; private set; }
            public string? Secret { get; private set; }
            /// <summary>For a reference: the key and value as written, to read the line again through one handle.</summary>
            public string? Key { get; private set; }
            public string? Raw { get; private set; }
            public string? Reason { get; private set; }
            public NpmOnlineCheckState State { get; private set; }

            public static OnlineCandidate Not(string why, NpmOnlineCheckState state = NpmOnlineCheckState.NotApplicable) =>
                new OnlineCandidate(OnlineKind.NotChecked) { Reason = why, State = state };
            public static OnlineCandidate Send(string? registry, string secret) =>
                new OnlineCandidate(OnlineKind.Send) { Registry = registry, Secret = secret };
            public static OnlineCandidate Reference(string? registry, string key, string raw) =>
                new OnlineCandidate(OnlineKind.ResolveReference) { Registry = registry, Key = key, Raw = raw };

            public override string ToString() => Kind.ToString(); // never the secret
        }

        /// <summary>Every credential line of the file, judged, in file order (a line may break two rules).</summary>
        internal IEnumerable<Result> Judge(NpmrcCredentialInput input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var path = input.Path;
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
                case FileReadStatus.UnsafeLink:
                    Report(TokenScanProblemKind.Unreadable, path, $"was not scanned: {read.Error}", true);
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
            var file = new FileState(Platform, path);
            var noRegistries = input.Registries ?? new Dictionary<string, string>(StringComparer.Ordinal);
            if (binary)
            {
                // not an npmrc at all; still sweep it for token-shaped strings so a planted token is not missed
                var text = Encoding.GetEncoding("ISO-8859-1").GetString(bytes);
                foreach (var token in NpmCredential.FindTokenShapes(text).Distinct(StringComparer.Ordinal))
                    yield return new Result(Showable(TokenInText(file, input, token, null, "binary content")), null, noRegistries);
                yield break;
            }

            var registries = input.Registries ?? RegistriesIn(document!);
            var budget = new ExpansionBudget();
            string? section = null;
            foreach (var line in document!.Lines)
            {
                if (line.Kind == NpmrcLineKind.Section) { section = line.SectionName; continue; }
                if (line.Kind == NpmrcLineKind.Comment || line.Kind == NpmrcLineKind.Ignored)
                {
                    foreach (var token in NpmCredential.FindTokenShapes(line.Text).Distinct(StringComparer.Ordinal))
                        yield return new Result(Showable(TokenInText(file, input, token, line.Number, line.Kind == NpmrcLineKind.Comment ? "a comment" : "a line npm skips")), null, registries);
                    continue;
                }
                if (line.Kind != NpmrcLineKind.Setting) continue;
                List<(NpmTokenFinding Finding, OnlineCandidate? Online)>? judged = null;
                NpmrcLimitException? limit = null;
                try { judged = JudgeLine(file, input, registries, line, section, budget); }
                catch (NpmrcLimitException e) { limit = e; }
                if (limit != null)
                {
                    Report(TokenScanProblemKind.LimitExceeded, path, $"{limit.Message}: the scan stopped at line {line.Number}.", true);
                    yield break;
                }
                foreach (var (finding, online) in judged!) yield return new Result(Showable(finding), online, registries);
            }
        }

        private void Report(TokenScanProblemKind kind, string target, string message, bool isError) =>
            Problem?.Invoke(new TokenScanProblem(kind, target, message, isError));

        /// <summary>The finding as it may leave the engine (<see cref="TokenFindingRedaction"/>), its FactId set.</summary>
        private NpmTokenFinding Showable(NpmTokenFinding f) => TokenFindingRedaction.Apply(f, Platform.IsWindows);

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

        private List<(NpmTokenFinding, OnlineCandidate?)> JudgeLine(FileState file, NpmrcCredentialInput input,
            IReadOnlyDictionary<string, string> registries, NpmrcLine line, string? section, ExpansionBudget budget)
        {
            var found = new List<(NpmTokenFinding, OnlineCandidate?)>();
            var key = IniDecoder.Unsafe(line.RawKey!) as string;
            if (string.IsNullOrEmpty(key)) return found;
            if (key!.EndsWith("[]", StringComparison.Ordinal)) key = key.Substring(0, key.Length - 2);
            var raw = line.RawValue == null ? "" : (IniDecoder.Unsafe(line.RawValue) as string ?? "");
            raw = raw.Trim();
            if (raw.Length == 0) return found;

            string? registry = null;
            string name = key;
            if (NerfDart.TrySplitKey(key, out var nerf, out var scopedName)) { registry = nerf; name = scopedName; }
            else if (key.IndexOf(':') > 0 && key[0] != '@') name = key.Substring(key.LastIndexOf(':') + 1);

            var kind = NpmCredential.Classify(key, raw);
            bool authName = AuthNames.Contains(name, StringComparer.Ordinal);
            if (!authName && kind != NpmCredentialKind.UrlWithPassword && kind != NpmCredentialKind.GranularToken &&
                !(NpmCredential.IsSecretKey(key) && kind != NpmCredentialKind.None)) return found;
            if (name == "username" && registry != null) return found; // a scoped user name: its _password line is the finding
            if (kind == NpmCredentialKind.ClientCertificatePath && name != "keyfile") return found; // certificates are public

            var f = new NpmTokenFinding
            {
                Location = FindingFactory.File(file.Path, line.Number), Layer = input.Layer, Registry = registry,
                Key = key, Kind = kind, Context = input.Context,
            };
            var where = section != null ? $" (inside [{NpmCredential.RedactEmbedded(section)}], which npm does not apply)" : "";
            // npm 9 and later check the top-level _authToken, _auth, _password and username of each file; a key inside a
            // section is not top-level, and any other key is not checked
            bool unscoped = registry == null && section == null && ScopedOnly.Contains(name, StringComparer.Ordinal);

            if (name == "username")
            {
                if (!unscoped) return found;
                f.UserName = raw;
                f.Redacted = raw;
                f.Kind = NpmCredentialKind.None;
                found.Add((Unscoped(f, file), null));
                return found;
            }

            if (kind == NpmCredentialKind.EnvironmentReference)
            {
                found.Add(JudgeReference(f, file, input.Provenance, raw, name, where, budget));
                // the reference is judged like any other (the file holds no secret); that npm would send what it expands
                // to in clear text is a second fact about the same line, under the transport rule
                if (HttpScope(f.Registry, registries) is string http)
                    found.Add((Judge(Copy(f), file, null, NpmFindingStatus.Fail, "NPMH2002",
                        $"{f.Key} is sent to {http} over plain http, readable by anyone on the network path.",
                        $"Use https for {http}.", fileAccess: false), null));
                if (unscoped) found.Add((Unscoped(Copy(f), file), null));
                return found;
            }

            var secret = EnvExpansion.Replace(raw, _ => null); // a partial reference keeps its literal part
            f.Redacted = NpmCredential.Redact(secret);
            f.Fingerprint = kind == NpmCredentialKind.ClientCertificatePath ? null : NpmCredential.Fingerprint(secret);
            if (kind == NpmCredentialKind.GranularToken) f.ChecksumValid = NpmCredential.HasValidChecksum(secret);

            if (kind == NpmCredentialKind.ClientCertificatePath)
            {
                f.Redacted = raw;
                var keyAccess = Platform.GetFileAccess(raw);
                if (keyAccess != null && keyAccess.ReadableByOthers)
                    found.Add((Judge(f, file, null, NpmFindingStatus.Fail, "NPMH8001",
                        $"The client TLS key {raw} that {key} names is readable by others: {keyAccess.Summary}.",
                        "Give the key file owner-only access.", fileAccessOf: keyAccess,
                        fix: new NpmFix(NpmFixKind.RestrictFileAccess) { Path = raw, Owner = keyAccess.Owner ?? Operator.Name }), null));
                else
                    found.Add((Judge(f, file, null, NpmFindingStatus.Pass, "NPMH8001",
                        $"{key} names a client TLS key ({(keyAccess != null ? keyAccess.Summary : "its permissions could not be read")}); the key itself is not in the npmrc.", null, fileAccessOf: keyAccess), null));
                return found;
            }

            if (kind == NpmCredentialKind.UrlWithPassword)
            {
                found.Add((Judge(f, file, null, NpmFindingStatus.Fail, "NPMH9002",
                    $"{key} is a URL with a password in it{where}; anything that can read the file can use it.",
                    "Put the password in the proxy or registry's own credential store, or reference it as ${VARIABLE}."), null));
                return found;
            }

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
            OnlineCandidate online;
            if (!IsBearer(kind)) online = OnlineCandidate.Not("online checks cover bearer tokens only; a password is never sent");
            // npm sends a bearer token only from a //host/path/:_authToken key; a token-shaped value under any other
            // name (//host:1443#… is the key "//host:1443" to npm's ini parser: scope //host, name 1443) goes nowhere
            else if (registry != null && name != "_authToken") online = OnlineCandidate.Not($"npm never sends the value of a '{name}' key; only //host/path/:_authToken keys carry a token");
            else online = OnlineCandidate.Send(registry, secret);
            found.Add((judged, online));
            if (unscoped) found.Add((Unscoped(Copy(judged), file), null));
            return found;
        }

        /// <summary>NPMH7003 for a top-level auth key with no registry scope: npm 9 and later refuse to run with it.</summary>
        private NpmTokenFinding Unscoped(NpmTokenFinding f, FileState file) =>
            Judge(f, file, null, NpmFindingStatus.Fail, "NPMH7003",
                $"{f.Key} is not scoped to a registry; npm 9 and later refuse to run with it (ERR_INVALID_AUTH) until it is, and `npm config fix` scopes it to the default registry.",
                $"npm config fix  # or write it as {RegistryPrefix(null)}:{f.Key}=…", fileAccess: false);

        /// <summary>The line's facts (place, key, secret's fingerprint) without a judgement, for a second rule on the same line.</summary>
        private static NpmTokenFinding Copy(NpmTokenFinding f) => new NpmTokenFinding
        {
            Location = f.Location == null ? null : FindingFactory.File(f.Location.Path!, f.Location.Line, f.Location.Column),
            Layer = f.Layer, Registry = f.Registry, Key = f.Key, Kind = f.Kind, Context = f.Context,
            ChecksumValid = f.ChecksumValid, Redacted = f.Redacted, Fingerprint = f.Fingerprint, UserName = f.UserName,
            Variable = f.Variable, VariableSet = f.VariableSet, VariableSource = f.VariableSource,
        };

        internal static bool IsBearer(NpmCredentialKind kind) =>
            kind == NpmCredentialKind.GranularToken || kind == NpmCredentialKind.LegacyUuidToken || kind == NpmCredentialKind.OpaqueToken;

        private (NpmTokenFinding, OnlineCandidate?) JudgeReference(NpmTokenFinding f, FileState file, SecretProvenance provenance,
            string raw, string name, string where, ExpansionBudget budget)
        {
            f.Redacted = raw;
            var names = EnvExpansion.References(raw).Select(r => r.Name).ToList();
            f.Variable = string.Join(", ", names);
            // values the audited account owns only: a definition in someone else's file is no value of theirs
            var values = names.Select(n => provenance.Lookup(n)).ToList();
            bool set = values.All(v => v.IsSet);
            f.VariableSet = set;
            f.VariableSource = string.Join(", ", values.Where(v => v.Location != null).Select(v => v.Location).Distinct());
            if (f.VariableSource.Length == 0) f.VariableSource = null;
            var refused = values.FirstOrDefault(v => v.Refusal != null)?.Refusal;
            var expanded = EnvExpansion.Replace(raw, n => provenance.Lookup(n).Value, budget);
            if (set)
            {
                f.Fingerprint = NpmCredential.Fingerprint(expanded);
                var expandedKind = NpmCredential.Classify(f.Key, expanded);
                if (expandedKind == NpmCredentialKind.GranularToken) f.ChecksumValid = NpmCredential.HasValidChecksum(expanded);
            }
            var rule = CredentialSeverity.RuleFor(name, NpmCredentialKind.EnvironmentReference);
            if (refused != null)
                return (Judge(f, file, null, NpmFindingStatus.Warning, rule,
                    $"{f.Key} reads {f.Variable} from the environment{where} (good), but the definition found is not the audited account's own: {refused}.", null, fileAccess: false),
                    OnlineCandidate.Not("reference, not checked: " + refused, NpmOnlineCheckState.ReferenceNotChecked));
            if (!set)
            {
                var hint = provenance.ProcessEnvironment != null
                    ? "is not set in this session or persistently; npm then sends the reference text itself and the registry refuses it"
                    : "is not defined persistently for this user; it must come from the session or job that runs npm";
                // an online check has nothing of the audited account's to send (as Get-NpmAccount says too)
                return (Judge(f, file, null, NpmFindingStatus.Warning, rule,
                    $"{f.Key} reads {f.Variable} from the environment{where} (good), but it {hint}.", null, fileAccess: false),
                    OnlineCandidate.Not($"reference, not checked: {f.Variable} is not defined in the audited account's environment", NpmOnlineCheckState.ReferenceNotChecked));
            }
            var judged = Judge(f, file, null, NpmFindingStatus.Pass, rule,
                $"{f.Key} reads its secret from {f.Variable}{where} ({f.VariableSource}); the file holds no secret.", null, fileAccess: false);
            if (name != "_authToken") return (judged, OnlineCandidate.Not("online checks cover bearer tokens only; a password is never sent"));
            if (where.Length > 0) return (judged, OnlineCandidate.Not("npm does not apply settings inside an ini section, so it never sends this reference"));
            return (judged, OnlineCandidate.Reference(f.Registry, f.Key, raw));
        }

        /// <summary>A granular-token-shaped string outside any setting (a comment, binary content): found by shape alone.</summary>
        private NpmTokenFinding TokenInText(FileState file, NpmrcCredentialInput input, string token, int? line, string where)
        {
            var f = new NpmTokenFinding
            {
                Location = FindingFactory.File(file.Path, line), Layer = input.Layer,
                Key = "(" + where + ")", Kind = NpmCredentialKind.GranularToken, Context = input.Context,
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
            string message, string? recommendation, bool fileAccess = true, FileAccessInfo? fileAccessOf = null, NpmFix? fix = null) =>
            Judge(Platform, f, fileAccessOf ?? (fileAccess ? file.Access : null), severity, status, ruleId, message, recommendation, fix);

        /// <summary>
        /// Stamps <paramref name="f"/> from the catalog for <paramref name="ruleId"/> and sets what the judgement found:
        /// status, message, severity with its reason, the access of the file that holds it, the remediation.
        /// </summary>
        internal static NpmTokenFinding Judge(IPlatform platform, NpmTokenFinding f, FileAccessInfo? access, (NpmSeverity Severity, string? Reason)? severity,
            NpmFindingStatus status, string ruleId, string message, string? recommendation, NpmFix? fix = null)
        {
            f.FileAccess = access?.Summary;
            FindingFactory.Stamp(f, RuleCatalog.Default[ruleId], FindingFactory.MachineOf(platform));
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
        internal static IReadOnlyDictionary<string, string> ConfiguredRegistries(NpmConfigResolution resolution)
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

        /// <summary>The registry URL when a credential for <paramref name="scope"/> would travel over http to a host that is not this machine.</summary>
        private static string? HttpScope(string? scope, IReadOnlyDictionary<string, string> registries)
        {
            if (scope == null || !registries.TryGetValue(scope.EndsWith("/", StringComparison.Ordinal) ? scope : scope + "/", out var url)) return null;
            if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) return null;
            return RegistryEndpoint.IsLoopback(url) ? null : url;
        }

        /// <summary>A file being judged: its access is read once, and only when a finding needs it.</summary>
        private sealed class FileState
        {
            private readonly IPlatform _platform;
            private bool _read;
            private FileAccessInfo? _access;

            public FileState(IPlatform platform, string path) { _platform = platform; Path = path; }
            public string Path { get; }

            public FileAccessInfo? Access
            {
                get
                {
                    if (!_read)
                    {
                        _read = true;
                        try { _access = _platform.GetFileAccess(Path); }
                        catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException) { _access = null; }
                    }
                    return _access;
                }
            }
        }
    }
}
