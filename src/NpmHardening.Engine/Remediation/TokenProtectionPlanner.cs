using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>What Protect-NpmrcToken is asked to do with one file.</summary>
    public sealed class TokenProtectionOptions
    {
        /// <summary>The variable a plaintext <c>_authToken</c> is pointed at.</summary>
        public string VariableName { get; set; } = "NPM_TOKEN";
        /// <summary>Only keys of these nerf-dart scopes (<c>//host/path/</c>) or registry URLs; null: every credential line.</summary>
        public IReadOnlyList<string>? Registries { get; set; }
        /// <summary>Delete the credential lines instead of pointing them at a variable (also the only thing done to _auth/_password).</summary>
        public bool Remove { get; set; }
        /// <summary>
        /// Only these lines (1-based), each of which must still set its key when one is given (piped Test-NpmrcToken
        /// findings, several of one file planned together); null: every credential line.
        /// </summary>
        public IReadOnlyDictionary<int, string?>? OnlyLines { get; set; }
        /// <summary>Expands <c>${VAR}</c> in keys as npm does; null: keys are taken as written.</summary>
        public Func<string, string?>? Environment { get; set; }
    }

    /// <summary>One credential line and what the plan does with it.</summary>
    public sealed class TokenLineChange
    {
        internal TokenLineChange(int line, string key, string? registry, string setting, NpmCredentialKind kind, NpmTokenProtectionAction action,
            string? variableName, string secret, string? valueText, bool shadowed, string? message)
        {
            Line = line; Key = key; Registry = registry; Setting = setting; Kind = kind; Action = action; VariableName = variableName;
            Secret = secret; ValueText = valueText; Shadowed = shadowed; Message = message;
            Redacted = NpmCredential.Redact(secret);
            Fingerprint = NpmCredential.Fingerprint(secret);
        }

        /// <summary>1-based line in the file the plan was made from.</summary>
        public int Line { get; }
        public string Key { get; }
        public string? Registry { get; }
        /// <summary>_authToken, _auth or _password.</summary>
        public string Setting { get; }
        public NpmCredentialKind Kind { get; }
        public NpmTokenProtectionAction Action { get; }
        public string? VariableName { get; }
        public string Redacted { get; }
        public string Fingerprint { get; }
        /// <summary>A later line sets the same key, so npm never uses this one.</summary>
        public bool Shadowed { get; }
        public string? Message { get; }
        /// <summary>The secret as npm reads it from the line (never shown; only handed out as a SecureString).</summary>
        internal string Secret { get; }
        /// <summary>For Replaced: the new text right of the line's first '='.</summary>
        internal string? ValueText { get; }

        public override string ToString() =>
            $"line {Line} {Key} ({Redacted}): " + Action switch
            {
                NpmTokenProtectionAction.Replaced => "-> ${" + VariableName + "}",
                NpmTokenProtectionAction.Removed => "remove the line",
                _ => "left as is",
            };

        /// <summary>The output object for this line (Skipped lines carry no secret).</summary>
        public NpmTokenProtection ToOutput(string path, string? backupId) => new NpmTokenProtection
        {
            Path = path,
            Line = Line,
            Key = Key,
            Registry = Registry,
            Action = Action,
            Kind = Kind.ToString(),
            VariableName = Action == NpmTokenProtectionAction.Replaced ? VariableName : null,
            Redacted = Redacted,
            Fingerprint = Fingerprint,
            BackupId = Action == NpmTokenProtectionAction.Skipped ? null : backupId,
            Message = Message,
        }.WithSecret(Action == NpmTokenProtectionAction.Skipped ? null : Secret);
    }

    /// <summary>Why a file's tokens cannot be protected. Messages name the file and never hold a secret.</summary>
    public sealed class TokenProtectionException : IOException
    {
        public TokenProtectionException(string errorId, string category, string path, string message) : base(message)
        {
            ErrorId = errorId; Category = category; Path = path;
        }

        public string ErrorId { get; }
        /// <summary>The name of the System.Management.Automation.ErrorCategory (the engine has no PowerShell reference).</summary>
        public string Category { get; }
        public string Path { get; }
    }

    public enum TokenPlanNoteKind
    {
        /// <summary>Worth telling in -Verbose (a line already referring to a variable).</summary>
        Verbose,
        /// <summary>Needs the user's attention (a legacy credential left in place, a line npm cannot read exactly).</summary>
        Warning,
    }

    public sealed class TokenPlanNote
    {
        public TokenPlanNote(TokenPlanNoteKind kind, string message) { Kind = kind; Message = message; }
        public TokenPlanNoteKind Kind { get; }
        public string Message { get; }
        public override string ToString() => Message;
    }

    /// <summary>The edits that take the plaintext credentials out of one file. Planning writes nothing.</summary>
    public sealed class TokenProtectionPlan
    {
        internal TokenProtectionPlan(HardeningTarget target, byte[]? original, IReadOnlyList<TokenLineChange> lines, IReadOnlyList<TokenPlanNote> notes,
            bool convertsFromUtf16, Exception? problem, TokenProtectionOptions options)
        {
            Target = target; OriginalBytes = original; Lines = lines; Notes = notes; ConvertsFromUtf16 = convertsFromUtf16; Problem = problem; Options = options;
            FileExisted = original != null;
            OriginalSha256 = Hashing.Sha256Hex(original);
        }

        public HardeningTarget Target { get; }
        public string Path => Target.Path;
        /// <summary>Every credential line the options select, with what happens to it (Skipped ones included).</summary>
        public IReadOnlyList<TokenLineChange> Lines { get; }
        /// <summary>The lines that change.</summary>
        public IEnumerable<TokenLineChange> Changes => Lines.Where(l => l.Action != NpmTokenProtectionAction.Skipped);
        public IReadOnlyList<TokenPlanNote> Notes { get; }
        public bool ConvertsFromUtf16 { get; }
        /// <summary>A <see cref="TokenProtectionException"/> or <see cref="NpmrcWriteException"/>: the file is left alone.</summary>
        public Exception? Problem { get; }
        public bool FileExisted { get; }
        public string OriginalSha256 { get; }
        public bool HasChanges => Problem == null && Changes.Any();
        internal byte[]? OriginalBytes { get; }
        internal TokenProtectionOptions Options { get; }

        /// <summary>For ShouldProcess: file, lines, keys, redacted values and what happens to each.</summary>
        public string Describe()
        {
            if (Problem != null) return $"{Path}: {Problem.Message}";
            if (!HasChanges) return $"{Path}: no change";
            var parts = Changes.Select(c => c.ToString()).ToList();
            if (ConvertsFromUtf16) parts.Insert(0, "rewrite UTF-16 as UTF-8");
            return $"{Path}: " + string.Join("; ", parts);
        }

        /// <summary>The file's bytes after the plan: the original bytes except the changed lines.</summary>
        public byte[] Render() => TokenProtectionPlanner.Render(this);

        public override string ToString() => Describe();
    }

    /// <summary>
    /// Finds the credential lines of one .npmrc (<c>_authToken</c>, <c>_auth</c>, <c>_password</c>, scoped
    /// <c>//host/path/:key</c> or unscoped, every assignment, shadowed ones too) and plans, line by line: a plaintext
    /// token's value becomes <c>${VARIABLE}</c> in place (key, spacing, inline comment and line ending kept), a line that
    /// already refers to a variable is left alone, <c>_auth</c>/<c>_password</c> are left with a recommendation (npm has
    /// no reference form that turns them into a token), and with Remove every selected line is deleted.
    /// </summary>
    public static class TokenProtectionPlanner
    {
        /// <summary>Larger files are refused: no real .npmrc comes near it, and a secret in such a file needs a look by a person.</summary>
        public const long MaxFileBytes = NpmrcLimits.MaxFileBytes;

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);
        private static readonly string[] CredentialSettings = { "_authToken", "_auth", "_password" };

        /// <summary>Reads <paramref name="target"/> and plans.</summary>
        public static TokenProtectionPlan Plan(HardeningTarget target, TokenProtectionOptions options, IPlatform? platform = null)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (options == null) throw new ArgumentNullException(nameof(options));
            platform ??= SystemPlatform.Instance;
            var path = target.Path;
            if (platform.DirectoryExists(path))
                return Failed(target, null, options, new NpmrcWriteException(NpmrcWriteError.NotAFile, path,
                    $"{path} is a directory, not a config file; there is nothing to protect in it."));
            var read = platform.ReadFile(path, MaxFileBytes);
            switch (read.Status)
            {
                case FileReadStatus.Ok:
                    return PlanBytes(target, read.Bytes!, options);
                case FileReadStatus.NotFound:
                    return Failed(target, null, options, new TokenProtectionException("NpmrcNotFound", "ObjectNotFound", path, $"{path} does not exist."));
                case FileReadStatus.IsDirectory:
                    return Failed(target, null, options, new NpmrcWriteException(NpmrcWriteError.NotAFile, path,
                        $"{path} is a directory, not a config file; there is nothing to protect in it."));
                case FileReadStatus.TooLarge:
                    return Failed(target, null, options, new TokenProtectionException("NpmrcTooLarge", "LimitsExceeded", path,
                        $"{path} is {read.Length:N0} bytes, over the {MaxFileBytes >> 20} MiB Protect-NpmrcToken edits; no real .npmrc is that large. Check what it holds and remove any credential by hand."));
                case FileReadStatus.NotRegularFile:
                    return Failed(target, null, options, new NpmrcWriteException(NpmrcWriteError.NotRegularFile, path, $"{path} was not opened: {read.Error}; there is nothing to protect in it."));
                case FileReadStatus.AccessDenied:
                    return Failed(target, null, options, new NpmrcWriteException(NpmrcWriteError.AccessDenied, path, $"{path} cannot be read ({read.Error}); run as its owner or an administrator."));
                case FileReadStatus.UnsafeLink:
                    return Failed(target, null, options, new NpmrcWriteException(NpmrcWriteError.UnsafePath, path, $"{path} was not changed: {read.Error}"));
                default:
                    return Failed(target, null, options, new NpmrcWriteException(NpmrcWriteError.ReadFailed, path, $"{path} cannot be read ({read.Error})."));
            }
        }

        /// <summary>Plans against the given bytes (the file's current content).</summary>
        public static TokenProtectionPlan PlanBytes(HardeningTarget target, byte[] bytes, TokenProtectionOptions options)
        {
            try { return PlanWithinLimits(target, bytes, options); }
            catch (NpmrcLimitException e)
            {
                return Failed(target, bytes, options, new TokenProtectionException("NpmrcLimitExceeded", "LimitsExceeded", target.Path,
                    $"{target.Path} {e.Message}: beyond anything npm can meaningfully use, so Protect-NpmrcToken does not edit it. Check what it holds and remove any credential by hand."));
            }
        }

        private static TokenProtectionPlan PlanWithinLimits(HardeningTarget target, byte[] bytes, TokenProtectionOptions options)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (bytes == null) throw new ArgumentNullException(nameof(bytes));
            if (options == null) throw new ArgumentNullException(nameof(options));
            var path = target.Path;
            var nameError = options.Remove ? null : EnvironmentReferenceWriter.CheckName(options.VariableName);
            if (nameError != null)
                return Failed(target, bytes, options, new TokenProtectionException("InvalidVariableName", "InvalidArgument", path, nameError));

            bool utf16 = NpmrcEncoding.IsUtf16(bytes);
            var text = utf16 ? NpmrcEncoding.Utf16ToUtf8(bytes) : bytes;
            if (!utf16 && Array.IndexOf(bytes, (byte)0) >= 0)
                return Failed(target, bytes, options, new TokenProtectionException("NpmrcBinaryContent", "InvalidData", path,
                    $"{path} holds binary data (NUL bytes), not npm settings; it was not changed. Check what the file is; if it holds a credential, remove it by hand."));

            var document = NpmrcDocument.Parse(text, path);
            var decoded = document.Decode();
            if (decoded.Failure != null)
                return Failed(target, bytes, options, new TokenProtectionException("NpmrcParseFailed", "ParserError", path,
                    $"npm cannot parse {path} ({decoded.Failure}); fix that line first, then run again."));

            var notes = new List<TokenPlanNote>();
            if (utf16)
                notes.Add(new TokenPlanNote(TokenPlanNoteKind.Warning,
                    $"{path} is UTF-16, which npm cannot read: its credentials are not used, but they are stored in plain text. Protecting them rewrites the file as UTF-8 (only with -Force), which makes all of its settings take effect; a backup keeps the original."));

            var found = FindCredentialLines(document, options.Environment);
            var candidates = found;
            if (options.OnlyLines != null)
            {
                candidates = new List<Found>();
                foreach (var only in options.OnlyLines.OrderBy(l => l.Key))
                {
                    var hit = found.FirstOrDefault(f => f.Line.Number == only.Key);
                    // a piped finding shows the key as it may be shown (a secret in a key is redacted)
                    if (hit == null || only.Value != null && hit.Key != only.Value && hit.RawKey != only.Value && NpmCredential.RedactEmbedded(hit.Key) != only.Value)
                        return Failed(target, bytes, options, new TokenProtectionException("NpmrcTokenLineChanged", "ObjectNotFound", path,
                            $"Line {only.Key} of {path} no longer sets {only.Value ?? "a credential"}; the file changed since it was checked. Run Test-NpmrcToken again."));
                    candidates.Add(hit);
                }
            }
            // -Registry narrows piped lines too: only the lines of those registries are touched
            var scopes = options.Registries?.Select(NormalizeScope).Where(s => s != null).ToList();
            var wanted = candidates.Where(f => scopes == null || f.Registry != null && scopes.Any(s => string.Equals(s, f.Registry.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))).ToList();

            var lastLineOfKey = new Dictionary<string, Found>(StringComparer.Ordinal);
            foreach (var f in found) lastLineOfKey[f.Key] = f;

            var changes = new List<TokenLineChange>();
            foreach (var f in wanted)
            {
                var where = $"{path}:{f.Line.Number} {f.Key}";
                bool shadowed = !ReferenceEquals(lastLineOfKey[f.Key], f);
                if (f.Value == null)
                {
                    notes.Add(new TokenPlanNote(TokenPlanNoteKind.Verbose, $"{where} has no string value; nothing to protect."));
                    continue;
                }
                if (f.Kind == NpmCredentialKind.EnvironmentReference)
                {
                    if (options.Remove)
                        changes.Add(new TokenLineChange(f.Line.Number, f.Key, f.Registry, f.Setting, f.Kind, NpmTokenProtectionAction.Removed, null, f.Value, null, shadowed, null));
                    else
                        notes.Add(new TokenPlanNote(TokenPlanNoteKind.Verbose, $"{where} already refers to an environment variable ({f.Value.Trim()}); nothing to do."));
                    continue;
                }
                if (f.Value.IndexOf('\uFFFD') >= 0 || EnvExpansion.References(f.Value).Any())
                {
                    notes.Add(new TokenPlanNote(TokenPlanNoteKind.Warning,
                        $"{where} holds bytes that are not valid UTF-8 or a partial ${{VAR}} reference, so the secret npm uses cannot be taken out exactly; it was left as is. Edit that line by hand."));
                    continue;
                }
                if (options.Remove)
                {
                    changes.Add(new TokenLineChange(f.Line.Number, f.Key, f.Registry, f.Setting, f.Kind, NpmTokenProtectionAction.Removed, null, f.Value, null, shadowed, null));
                    continue;
                }
                var effective = lastLineOfKey[f.Key];
                if (shadowed && f.Setting == "_authToken" && effective.Value != f.Value)
                {
                    // npm never sends it, and the variable will hold the token npm does use: delete it rather than mislabel it
                    var why = $"{where} is shadowed by line {effective.Line.Number}, which sets the key to a different value; npm never uses this token, so its line is removed.";
                    notes.Add(new TokenPlanNote(TokenPlanNoteKind.Warning, why));
                    changes.Add(new TokenLineChange(f.Line.Number, f.Key, f.Registry, f.Setting, f.Kind, NpmTokenProtectionAction.Removed, null, f.Value, null, shadowed, why));
                    continue;
                }
                if (f.Setting != "_authToken")
                {
                    var message = $"{where}: {(f.Setting == "_auth" ? "_auth (base64 user:password)" : "_password")} cannot be turned into an environment reference that npm uses as a token. " +
                                  "Create a granular access token (npmjs.com > Access Tokens, or your registry's equivalent), put it in an _authToken line that refers to a variable, then delete this line (Protect-NpmrcToken -Remove).";
                    notes.Add(new TokenPlanNote(TokenPlanNoteKind.Warning, message));
                    changes.Add(new TokenLineChange(f.Line.Number, f.Key, f.Registry, f.Setting, f.Kind, NpmTokenProtectionAction.Skipped, null, f.Value, null, shadowed, message));
                    continue;
                }
                var valueText = InPlaceValue(f.Line, EnvironmentReferenceWriter.ValueText(options.VariableName));
                changes.Add(new TokenLineChange(f.Line.Number, f.Key, f.Registry, f.Setting, f.Kind, NpmTokenProtectionAction.Replaced, options.VariableName, f.Value, valueText, shadowed, null));
            }

            var plan = new TokenProtectionPlan(target, bytes, changes, notes, utf16, null, options);
            // One variable holds one token: pointing two different tokens at it would lose one and mis-send the other.
            var ambiguous = Ambiguity(new[] { plan });
            if (ambiguous != null) return Failed(target, bytes, options, ambiguous);
            if (!plan.HasChanges) return plan;
            try
            {
                Render(plan); // proves the edit reads back as planned before anyone sees the plan
                return plan;
            }
            catch (InvalidOperationException e)
            {
                return Failed(target, bytes, options, new TokenProtectionException("NpmrcEditNotVerified", "InvalidResult", path, $"{path} was not planned: {e.Message}"));
            }
        }

        /// <summary>
        /// Why <paramref name="plans"/> cannot all be applied: one variable would stand for different tokens (in one
        /// file, or in several files of one Protect-NpmrcToken pipeline), so one of them would be lost and npm would
        /// send the other to the wrong registry. Null when every variable stands for one token (the same token in
        /// several files is fine). The message names each file, line, registry, redacted token and fingerprint.
        /// </summary>
        public static TokenProtectionException? Ambiguity(IEnumerable<TokenProtectionPlan> plans)
        {
            if (plans == null) throw new ArgumentNullException(nameof(plans));
            var list = plans.Where(p => p != null && p.Problem == null).ToList();
            foreach (var variable in list.SelectMany(p => p.Changes).Where(c => c.Action == NpmTokenProtectionAction.Replaced)
                         .Select(c => c.VariableName!).Distinct(StringComparer.Ordinal))
            {
                var uses = list.SelectMany(p => p.Changes.Where(c => c.Action == NpmTokenProtectionAction.Replaced && c.VariableName == variable).Select(c => (p.Path, Change: c))).ToList();
                var distinct = uses.Select(u => u.Change.Fingerprint).Distinct(StringComparer.Ordinal).Count();
                if (distinct < 2) continue;
                var files = uses.Select(u => u.Path).Distinct(StringComparer.Ordinal).ToList();
                var where = string.Join(", ", uses.Select(u => $"{u.Path}:{u.Change.Line} {u.Change.Registry ?? u.Change.Key} ({u.Change.Redacted}, fingerprint {u.Change.Fingerprint})"));
                var subject = files.Count == 1 ? $"{files[0]} holds" : $"The {files.Count} files piped in hold";
                var nothing = files.Count == 1 ? "the file was not changed" : "no file was changed";
                return new TokenProtectionException("NpmrcTokensAmbiguous", "InvalidOperation", files[0],
                    $"{subject} {distinct} different tokens for ${{{variable}}} ({where}); one variable cannot stand for all of them, so {nothing}. " +
                    "Run once per registry with its own name (-Registry //npm.pkg.github.com/ -VariableName GH_PACKAGES_TOKEN), pipe the lines of one token at a time, or use -Remove.");
            }
            return null;
        }

        /// <summary>The same request against the file's current bytes (it changed since planning).</summary>
        internal static TokenProtectionPlan Replan(TokenProtectionPlan plan, byte[]? current)
        {
            if (current == null)
                return Failed(plan.Target, null, plan.Options, new TokenProtectionException("NpmrcNotFound", "ObjectNotFound", plan.Path, $"{plan.Path} was removed while it was being protected."));
            return PlanBytes(plan.Target, current, plan.Options);
        }

        /// <summary>A nerf-dart scope without its final slash (the form both <c>//host/</c> and a URL reduce to); null when unusable.</summary>
        internal static string? NormalizeScope(string registry)
        {
            var r = registry.Trim();
            if (r.StartsWith("//", StringComparison.Ordinal)) return r.TrimEnd('/');
            var dart = NerfDart.FromUrl(r.EndsWith("/", StringComparison.Ordinal) ? r : r + "/");
            return dart?.TrimEnd('/');
        }

        private static TokenProtectionPlan Failed(HardeningTarget target, byte[]? bytes, TokenProtectionOptions options, Exception problem) =>
            new TokenProtectionPlan(target, bytes, Array.Empty<TokenLineChange>(), Array.Empty<TokenPlanNote>(), false, problem, options);

        private sealed class Found
        {
            public Found(NpmrcLine line, string rawKey, string key, string? registry, string setting, string? value, NpmCredentialKind kind)
            {
                Line = line; RawKey = rawKey; Key = key; Registry = registry; Setting = setting; Value = value; Kind = kind;
            }
            public NpmrcLine Line { get; }
            public string RawKey { get; }
            public string Key { get; }
            public string? Registry { get; }
            public string Setting { get; }
            public string? Value { get; }
            public NpmCredentialKind Kind { get; }
        }

        /// <summary>
        /// Every top-level line that assigns a credential (lines under a [section] are not npm settings). The value is
        /// read per line exactly as ini reads it (unquoted, unescaped, comment cut), before ${VAR} expansion.
        /// </summary>
        private static List<Found> FindCredentialLines(NpmrcDocument document, Func<string, string?>? env)
        {
            var result = new List<Found>();
            var budget = new ExpansionBudget(); // the keys of one file may not grow beyond NpmrcLimits through ${VAR}
            foreach (var line in document.Lines)
            {
                if (line.Kind == NpmrcLineKind.Section) break;
                if (line.Kind != NpmrcLineKind.Setting || line.RawValue == null) continue;
                if (!(IniDecoder.Unsafe(line.RawKey!) is string rawKey) || rawKey.EndsWith("[]", StringComparison.Ordinal)) continue;
                var key = env != null ? EnvExpansion.Replace(rawKey, env, budget) : rawKey;
                string setting;
                string? registry = null;
                if (NerfDart.TrySplitKey(key, out var scope, out var name)) { setting = name; registry = scope; }
                else setting = key;
                if (!CredentialSettings.Contains(setting, StringComparer.Ordinal)) continue;
                var value = IniDecoder.Unsafe(line.RawValue) as string;
                var kind = value == null ? NpmCredentialKind.None : NpmCredential.Classify(key, value);
                result.Add(new Found(line, rawKey, key, registry, setting, value, kind));
            }
            return result;
        }

        /// <summary>
        /// The text right of '=' for the reference: the old spacing after '=' and an inline comment that is set off by
        /// whitespace are kept (a ';' or '#' glued to the value may be part of what the user thinks is the secret).
        /// </summary>
        private static string InPlaceValue(NpmrcLine line, string reference)
        {
            // a ';' or '#' glued to the value may be part of what the user thinks is the secret: not a comment here
            NpmrcValueWriter.SplitRawValue(line.RawValue ?? "", commentNeedsSpace: true, out var leading, out _, out var comment);
            foreach (var candidate in new[] { leading + reference + comment, reference })
                if (IniDecoder.Unsafe(candidate) is string s && s == reference) return candidate;
            return reference;
        }

        /// <summary>The edited bytes, checked: every line but the changed ones keeps its bytes, and npm reads the result as planned.</summary>
        internal static byte[] Render(TokenProtectionPlan plan)
        {
            var original = plan.OriginalBytes ?? Array.Empty<byte>();
            var source = plan.ConvertsFromUtf16 ? NpmrcEncoding.Utf16ToUtf8(original) : original;
            var document = NpmrcDocument.Parse(source, plan.Path);
            var byLine = plan.Changes.ToDictionary(c => c.Line);
            var output = new List<(byte[] Content, byte[] Terminator)>(document.Lines.Count);
            foreach (var line in document.Lines)
            {
                if (!byLine.TryGetValue(line.Number, out var change)) { output.Add((line.Content, line.Terminator)); continue; }
                if (change.Action == NpmTokenProtectionAction.Removed)
                {
                    // a byte-order mark belongs to the file, not to the line that happens to be first
                    if (line.Number == 1 && line.Content.Length >= 3 && line.Content[0] == 0xEF && line.Content[1] == 0xBB && line.Content[2] == 0xBF)
                        output.Add((new byte[] { 0xEF, 0xBB, 0xBF }, Array.Empty<byte>()));
                    continue;
                }
                int eq = Array.IndexOf(line.Content, (byte)'=');
                var content = new byte[eq + 1 + Utf8.GetByteCount(change.ValueText!)];
                Buffer.BlockCopy(line.Content, 0, content, 0, eq + 1);
                Utf8.GetBytes(change.ValueText!, 0, change.ValueText!.Length, content, eq + 1);
                output.Add((content, line.Terminator));
            }
            // a file that ended without a newline still does when its last line was removed
            bool endedWithout = document.Lines.Count > 0 && document.Lines[document.Lines.Count - 1].Terminator.Length == 0;
            for (int i = output.Count - 1; endedWithout && i >= 0; i--)
            {
                if (output[i].Terminator.Length == 0 && output[i].Content.Length == 0) continue;
                output[i] = (output[i].Content, Array.Empty<byte>());
                break;
            }
            using var ms = new MemoryStream();
            foreach (var (content, terminator) in output)
            {
                ms.Write(content, 0, content.Length);
                ms.Write(terminator, 0, terminator.Length);
            }
            var bytes = ms.ToArray();
            Verify(plan, document, bytes);
            return bytes;
        }

        /// <summary>
        /// Keys the plan does not touch keep their values; every replaced line reads as exactly the reference; and with
        /// each variable set to the secret it replaced, npm reads every touched key as before (unless its lines were removed).
        /// </summary>
        private static void Verify(TokenProtectionPlan plan, NpmrcDocument before, byte[] after)
        {
            var afterDocument = NpmrcDocument.Parse(after, plan.Path);
            var oldDecoded = before.Decode();
            var newDecoded = afterDocument.Decode();
            if (newDecoded.Failure != null)
                throw new InvalidOperationException($"the edited file would not parse ({newDecoded.Failure}); nothing was written.");
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var c in plan.Changes)
                if (IniDecoder.Unsafe(before.Lines[c.Line - 1].RawKey!) is string k) touched.Add(IniDecoder.ToPropertyKey(k));
            foreach (var key in oldDecoded.Values.Keys.Concat(newDecoded.Values.Keys).Distinct())
            {
                if (touched.Contains(key)) continue;
                if (Js.Js.ToJson(oldDecoded.Values[key]) != Js.Js.ToJson(newDecoded.Values[key]))
                    throw new InvalidOperationException($"the edit would change {key}, which was not planned; nothing was written.");
            }
            var secrets = plan.Changes.Where(c => c.Action == NpmTokenProtectionAction.Replaced)
                .GroupBy(c => c.VariableName!).ToDictionary(g => g.Key, g => g.First().Secret, StringComparer.Ordinal);
            foreach (var key in touched)
            {
                var lines = oldDecoded.KeyLines.TryGetValue(key, out var l) ? l : new List<int>();
                bool allRemoved = lines.All(n => plan.Changes.Any(c => c.Line == n && c.Action == NpmTokenProtectionAction.Removed));
                bool effectiveRemoved = lines.Count > 0 && plan.Changes.Any(c => c.Line == lines[lines.Count - 1] && c.Action == NpmTokenProtectionAction.Removed);
                if (allRemoved)
                {
                    if (newDecoded.Values.ContainsKey(key)) throw new InvalidOperationException($"{key} would still be set after removing its lines; nothing was written.");
                    continue;
                }
                if (effectiveRemoved) continue; // an earlier assignment of the key becomes the one npm reads: the user asked for that line to go
                var newValue = newDecoded.Values[key] as string;
                var expanded = newValue == null ? null : EnvExpansion.Replace(newValue, n => secrets.TryGetValue(n, out var s) ? s : null);
                if (!(oldDecoded.Values[key] is string oldValue) || expanded != oldValue)
                    throw new InvalidOperationException($"with the variable set, npm would not read {key} as before; nothing was written.");
            }
            foreach (var c in plan.Changes.Where(c => c.Action == NpmTokenProtectionAction.Replaced))
            {
                int shift = plan.Changes.Count(r => r.Action == NpmTokenProtectionAction.Removed && r.Line < c.Line);
                var line = afterDocument.Lines[c.Line - 1 - shift];
                if (!(IniDecoder.Unsafe(line.RawValue ?? "") is string v) || v != "${" + c.VariableName + "}")
                    throw new InvalidOperationException($"line {c.Line} would not read as ${{{c.VariableName}}}; nothing was written.");
            }
        }
    }
}
