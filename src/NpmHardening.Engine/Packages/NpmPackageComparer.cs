using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Packages;
using NpmHardening.Engine.Rules;

namespace NpmHardening
{
    /// <summary>
    /// The review a maintainer should do before approving a staged version: the staged tarball against a reference
    /// version (or nothing, for a first version), both read in memory by the bounded tarball reader, nothing extracted
    /// and nothing run. Each change is a finding of a review rule (NPMH12xxx). Takes streams, so a file, a download
    /// from the registry or a staged item's tarball all come in the same way.
    /// </summary>
    public static class NpmPackageComparer
    {
        /// <summary>
        /// The install-time scripts. npm 11 runs preinstall, install and postinstall for every dependency (Arborist's
        /// rebuild); prepare only for a git dependency (pacote builds it) or a link, and prepublish for no dependency:
        /// those two are reported at Low (escalation reason given) since they run where the package is developed.
        /// </summary>
        internal static readonly string[] InstallScripts = { "preinstall", "install", "postinstall", "prepare", "prepublish" };

        private static readonly string[] DependencyGroups = { "dependencies", "optionalDependencies", "peerDependencies" };
        private static readonly string[] EntryPoints = { "main", "exports", "module", "browser", "type" };
        private const int ValueChars = 300;

        /// <summary>The ids of every rule the comparison can produce.</summary>
        public static IReadOnlyCollection<string> RuleIds { get; } = Enumerable.Range(1, 30).Select(n => "NPMH12" + n.ToString("000", CultureInfo.InvariantCulture)).ToArray();

        /// <summary>
        /// Compares <paramref name="staged"/> with <paramref name="reference"/> (null: a first version). The names are
        /// what the changes and the summary say the tarballs are (a path, a stage id, a URL). Streams are read once,
        /// from their current position, and not closed. <paramref name="cancel"/> stops the reading between two reads
        /// (OperationCanceledException): Ctrl+C in the cmdlet, or a download's timeout.
        /// </summary>
        public static NpmPackageComparison Compare(Stream staged, string stagedName, Stream? reference, string? referenceName,
            NpmTarballLimits? limits = null, string? computerName = null, System.Threading.CancellationToken cancel = default)
        {
            if (staged == null) throw new ArgumentNullException(nameof(staged));
            limits ??= NpmTarballLimits.Default;
            limits.Validate();
            // reference first: its snapshot is what the staged files are judged against, only one stream is read at a
            // time, and a staged file the reference already holds (same path, same SHA-256) reuses its scan
            var refSnap = reference != null ? PackageReader.Read(reference, limits, cancel, integrity: false) : null;
            var snap = PackageReader.Read(staged, limits, cancel, refSnap);
            var run = new Run(snap, stagedName, refSnap, referenceName, computerName ?? "");
            run.All();
            return new NpmPackageComparison(run.Changes, run.Summarise(limits));
        }

        private sealed class Run
        {
            private readonly PackageSnapshot _s;
            private readonly PackageSnapshot? _r;
            private readonly string _name;
            private readonly string? _refName;
            private readonly string _machine;
            private readonly string? _package, _version, _refVersion;
            public readonly List<NpmPackageChange> Changes = new List<NpmPackageChange>();
            private int _added, _removed, _changed;

            public Run(PackageSnapshot s, string name, PackageSnapshot? r, string? refName, string machine)
            {
                _s = s; _name = name; _r = r; _refName = refName; _machine = machine;
                _package = s.Name ?? r?.Name;
                _version = s.Version;
                _refVersion = r?.Version;
            }

            public void All()
            {
                Tarball(_s, staged: true);
                if (_r != null) Tarball(_r, staged: false);
                Manifest();
                Files();
            }

            private NpmPackageChange Add(string ruleId, NpmPackageChangeKind kind, string? file, string? field, string message,
                string? before = null, string? after = null, int? line = null)
            {
                var c = FindingFactory.Stamp(new NpmPackageChange(), RuleCatalog.Default[ruleId], _machine);
                c.Change = kind;
                c.File = file;
                c.Field = field;
                // a token pasted into a published script or URL is someone's credential: shown redacted, as everywhere else
                c.Before = Cut(Redact(before));
                c.After = Cut(Redact(after));
                c.Package = _package;
                c.Version = _version;
                c.ReferenceVersion = _refVersion;
                c.Message = Redact(message)!;
                c.Status = c.Severity >= NpmSeverity.Medium ? NpmFindingStatus.Fail : c.Severity == NpmSeverity.Low ? NpmFindingStatus.Warning : NpmFindingStatus.Pass;
                c.Location = new NpmFindingLocation
                {
                    Path = _name,
                    Line = line > 0 ? line : null,
                    Name = file == null ? null : field == null ? file : file + "#" + field,
                };
                c.Context = (_package ?? "(unnamed)") + "@" + (_version ?? "?");
                c.FactId = FindingFactory.FactId(c, kind.ToString(), file, field);
                Changes.Add(c);
                return c;
            }

            private static string? Redact(string? s) => s == null ? null : NpmHardening.Engine.Credentials.NpmCredential.RedactText(s);

            private static string? Cut(string? s) => s == null || s.Length <= ValueChars ? s : s.Substring(0, ValueChars) + "…";

            // ---- the tarball itself ----

            private void Tarball(PackageSnapshot snap, bool staged)
            {
                var which = staged ? "The staged tarball" : "The reference tarball";
                if (snap.Error != null)
                {
                    var c = Add("NPMH12028", NpmPackageChangeKind.Found, null, null,
                        $"{which} cannot be read: {snap.Error.Message}" + (staged ? " What npm would install from it is not known; nothing after the problem was compared." : " The staged files are compared with what was read before the problem."));
                    if (!staged) FindingFactory.Escalate(c, NpmSeverity.Medium, "the reference, not the staged version, is unreadable");
                }
                foreach (var b in snap.Bounds)
                {
                    var c = Add("NPMH12027", NpmPackageChangeKind.Found, b.Path == null ? null : PackageReader.NpmKey(b.Path), null, $"{which} {BoundText(b)}" +
                        (b.Stopped ? " Reading stopped there: a tar or gzip bomb is reported, not expanded, and the rest was not compared." : " That entry was skipped."));
                    if (!staged) FindingFactory.Escalate(c, NpmSeverity.Medium, "the bound was reached in the reference, not the staged version");
                }
                if (!staged) return;
                foreach (var t in snap.Tricks)
                {
                    var key = PackageReader.NpmKey(t.Path);
                    switch (t.Kind)
                    {
                        case TarballTrickKind.PathTraversal:
                        case TarballTrickKind.AbsolutePath:
                            Add("NPMH12023", NpmPackageChangeKind.Found, key, null, $"The entry '{Cut(t.Path)}' has {t.Detail}: written as is, it would land outside the package folder. npm's tar reader refuses or rewrites it, so what installs is not what the tarball lists.");
                            break;
                        case TarballTrickKind.SymbolicLink:
                        case TarballTrickKind.HardLink:
                            Add("NPMH12024", NpmPackageChangeKind.Found, key, null, $"The entry '{Cut(t.Path)}' is a {(t.Kind == TarballTrickKind.SymbolicLink ? "symbolic" : "hard")} link {Cut(t.Detail)}. npm pack never writes links and npm skips them at install; a tool that extracts the tarball follows them.");
                            break;
                        case TarballTrickKind.SpecialEntry:
                            Add("NPMH12025", NpmPackageChangeKind.Found, key, null, $"The entry '{Cut(t.Path)}' is a {t.Detail} entry, which npm pack never writes and npm skips at install.");
                            break;
                        case TarballTrickKind.DuplicateName:
                        case TarballTrickKind.CaseCollision:
                            Add("NPMH12026", NpmPackageChangeKind.Found, key, null, $"The entry '{Cut(t.Path)}': {t.Detail}. A reviewer reading the first copy does not see what installs.");
                            break;
                    }
                }
            }

            private static string BoundText(TarballBoundHit b)
            {
                string n(double v) => v.ToString("#,0.#", CultureInfo.InvariantCulture);
                var at = b.Path != null ? $" at '{b.Path}'" : "";
                switch (b.Bound)
                {
                    case NpmTarballBound.Entries: return $"has more than {n(b.Limit)} entries.";
                    case NpmTarballBound.UnpackedBytes: return $"unpacks to more than {n(b.Limit)} bytes{at} (at least {n(b.Actual)}).";
                    case NpmTarballBound.EntryBytes: return $"declares an entry of {n(b.Actual)} bytes{at}, more than the {n(b.Limit)} allowed per file.";
                    case NpmTarballBound.CompressionRatio: return $"expands {n(b.Actual)} times its compressed size, more than the {n(b.Limit)} npm's own tar reader accepts.";
                    case NpmTarballBound.PathLength: return $"has a path of {n(b.Actual)} characters{at}, more than {n(b.Limit)}.";
                    case NpmTarballBound.PaxHeaderBytes: return $"has an extended header of {n(b.Actual)} bytes{at}, more than the {n(b.Limit)} npm's tar reader accepts (npm ignores it).";
                    default: return "reaches a bound.";
                }
            }

            // ---- package.json ----

            private void Manifest()
            {
                var m = _s.Manifest;
                var rm = _r?.Manifest;
                if (m == null)
                {
                    if (_s.Error == null && !_s.Stopped)
                        Add("NPMH12029", NpmPackageChangeKind.Found, "package.json", null, $"The staged version cannot be reviewed as a package: {_s.ManifestProblem}. npm refuses to install a tarball without a valid package.json.");
                    return;
                }
                if (rm != null && m["name"] is string sn && rm["name"] is string rn && sn != rn)
                    Add("NPMH12030", NpmPackageChangeKind.Changed, "package.json", "name", $"The staged tarball is package '{sn}' but the reference is '{rn}': the comparison is between two different packages.", rn, sn);

                Scripts(m, rm);
                Gyp(m, rm);
                foreach (var group in DependencyGroups) Dependencies(group, Map(m[group]), Map(rm?[group]), rm != null);
                Bundled(m, rm);
                Bin(m, rm);
                foreach (var key in EntryPoints) Field("NPMH12008", key, m, rm, "entry point");
                Field("NPMH12009", "publishConfig", m, rm, "publish settings");
                Field("NPMH12010", "repository", m, rm, "source repository");
            }

            private static Dictionary<string, string> Map(object? value)
            {
                var result = new Dictionary<string, string>(StringComparer.Ordinal);
                if (value is JsObject o)
                    foreach (var k in o.Keys)
                        result[k] = o[k] is string s ? s : Js.ToJson(o[k]);
                return result;
            }

            private void Scripts(JsObject m, JsObject? rm)
            {
                var scripts = Map(m["scripts"]);
                var before = Map(rm?["scripts"]);
                foreach (var name in InstallScripts)
                {
                    scripts.TryGetValue(name, out var now);
                    before.TryGetValue(name, out var was);
                    if (now == null || now == was) continue;
                    var kind = was == null ? NpmPackageChangeKind.Added : NpmPackageChangeKind.Changed;
                    bool always = name == "preinstall" || name == "install" || name == "postinstall";
                    var who = always ? "on every machine that installs this version"
                        : name == "prepare" ? "when the package is installed from git or linked, not from the registry"
                        : "in the package's own folder only (npm runs prepublish for no dependency)";
                    var c = Add("NPMH12001", kind, "package.json", "scripts." + name,
                        was == null ? $"An install-time script appears: {name} runs '{Cut(now)}' {who}."
                                    : $"The install-time script {name} changed from '{Cut(was)}' to '{Cut(now)}'; it runs {who}.", was, now);
                    if (!always)
                        FindingFactory.Escalate(c, NpmSeverity.Low, $"npm 11 does not run {name} for a dependency installed from the registry (Arborist runs preinstall, install and postinstall; prepare only for git dependencies and links)");
                    var fetch = ScriptDownloadCheck.Find(now);
                    if (fetch != null && (was == null || ScriptDownloadCheck.Find(was) == null))
                        Add("NPMH12022", kind, "package.json", "scripts." + name, $"The {name} script downloads code and runs it ({fetch}): what it runs is not in the tarball and can change after review.", was, now);
                }
            }

            private bool ImplicitGyp(PackageSnapshot snap, JsObject? m)
            {
                if (m == null || !snap.HasRootGypFile) return false;
                var scripts = Map(m["scripts"]);
                if (scripts.ContainsKey("install") || scripts.ContainsKey("preinstall")) return false;
                return !(m["gypfile"] is bool g && !g);
            }

            private void Gyp(JsObject m, JsObject? rm)
            {
                if (ImplicitGyp(_s, m) && !(_r != null && ImplicitGyp(_r, rm)))
                    Add("NPMH12002", NpmPackageChangeKind.Added, "package.json", "scripts.install",
                        "A *.gyp file at the package root and no install or preinstall script: npm makes 'node-gyp rebuild' the install script (for binding.gyp at install, for any *.gyp when package.json is normalized) and compiles native code on every machine that installs this version.", null, "node-gyp rebuild");
            }

            /// <summary>A dependency spec that is not a registry version or range: git, URL, file, alias (npm-package-arg's types).</summary>
            internal static string? SourceKind(string spec)
            {
                var s = spec.Trim();
                if (s.StartsWith("npm:", StringComparison.OrdinalIgnoreCase)) return "an alias of another package (" + s + ")";
                if (s.StartsWith("git+", StringComparison.OrdinalIgnoreCase) || s.StartsWith("git:", StringComparison.OrdinalIgnoreCase) ||
                    s.StartsWith("github:", StringComparison.OrdinalIgnoreCase) || s.StartsWith("gitlab:", StringComparison.OrdinalIgnoreCase) ||
                    s.StartsWith("bitbucket:", StringComparison.OrdinalIgnoreCase) || s.StartsWith("gist:", StringComparison.OrdinalIgnoreCase))
                    return "a git repository";
                if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return "a URL";
                if (s.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || s.StartsWith("link:", StringComparison.OrdinalIgnoreCase) ||
                    s.StartsWith("./", StringComparison.Ordinal) || s.StartsWith("../", StringComparison.Ordinal) || s.StartsWith("/", StringComparison.Ordinal) ||
                    s.StartsWith("~/", StringComparison.Ordinal) || s.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) || s.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase))
                    return "a local path or file";
                // "owner/repo" (optionally #ref) is GitHub shorthand for npm
                int slash = s.IndexOf('/');
                if (slash > 0 && s[0] != '@' && s.IndexOf(' ') < 0 && s.IndexOf(':') < 0) return "a git repository (GitHub shorthand)";
                return null;
            }

            private void Dependencies(string group, Dictionary<string, string> now, Dictionary<string, string> was, bool hasReference)
            {
                foreach (var kv in now)
                {
                    var field = group + "." + kv.Key;
                    was.TryGetValue(kv.Key, out var old);
                    if (old == kv.Value) continue;
                    var source = SourceKind(kv.Value);
                    var kind = old == null ? NpmPackageChangeKind.Added : NpmPackageChangeKind.Changed;
                    if (source != null && (old == null || SourceKind(old) == null || old != kv.Value))
                        Add("NPMH12004", kind, "package.json", field, $"The {Singular(group)} '{kv.Key}' comes from {source}: '{Cut(kv.Value)}', outside the registry's versioning and integrity checks.", old, kv.Value);
                    else if (old == null)
                        Add("NPMH12003", kind, "package.json", field, hasReference
                            ? $"A new {Singular(group)}: '{kv.Key}' ({Cut(kv.Value)}); its install scripts and code run for every user."
                            : $"{Capital(Singular(group))} '{kv.Key}' ({Cut(kv.Value)}) in a first version: its install scripts and code run for every user.", old, kv.Value);
                    else
                        Add("NPMH12005", kind, "package.json", field, $"The {Singular(group)} '{kv.Key}' changed from '{Cut(old)}' to '{Cut(kv.Value)}'.", old, kv.Value);
                }
                foreach (var kv in was)
                    if (!now.ContainsKey(kv.Key))
                        Add("NPMH12006", NpmPackageChangeKind.Removed, "package.json", group + "." + kv.Key, $"The {Singular(group)} '{kv.Key}' ({Cut(kv.Value)}) is gone.", kv.Value, null);
            }

            private static string Singular(string group) => group switch
            {
                "optionalDependencies" => "optional dependency",
                "peerDependencies" => "peer dependency",
                _ => "dependency",
            };

            private static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);

            private static HashSet<string> BundledNames(JsObject? m)
            {
                var result = new HashSet<string>(StringComparer.Ordinal);
                if (m == null) return result;
                var v = m["bundleDependencies"];
                if (v is JsUndefined) v = m["bundledDependencies"];
                if (v is List<object?> list) { foreach (var x in list) if (x is string s) result.Add(s); }
                else if (v is bool b && b) foreach (var k in Map(m["dependencies"]).Keys) result.Add(k);
                return result;
            }

            private void Bundled(JsObject m, JsObject? rm)
            {
                var was = BundledNames(rm);
                foreach (var name in BundledNames(m))
                    if (!was.Contains(name))
                        Add("NPMH12003", NpmPackageChangeKind.Added, "package.json", "bundleDependencies." + name,
                            $"'{name}' is bundled: its files ship inside this tarball (node_modules/{name}) rather than coming from the registry, so the registry's version of it says nothing about what installs.", null, name);
            }

            private static Dictionary<string, string> Bins(JsObject? m)
            {
                var result = new Dictionary<string, string>(StringComparer.Ordinal);
                if (m == null) return result;
                var bin = m["bin"];
                if (bin is string s)
                {
                    var name = m["name"] as string ?? "";
                    int slash = name.LastIndexOf('/');
                    result[slash >= 0 ? name.Substring(slash + 1) : name] = s;
                }
                else result = Map(bin);
                return result;
            }

            private void Bin(JsObject m, JsObject? rm)
            {
                var was = Bins(rm);
                foreach (var kv in Bins(m))
                {
                    was.TryGetValue(kv.Key, out var old);
                    if (old == kv.Value) continue;
                    Add("NPMH12007", old == null ? NpmPackageChangeKind.Added : NpmPackageChangeKind.Changed, "package.json", "bin." + kv.Key,
                        old == null ? $"A command appears: installing puts '{kv.Key}' on the PATH, running {Cut(kv.Value)}."
                                    : $"The command '{kv.Key}' now runs {Cut(kv.Value)} instead of {Cut(old)}.", old, kv.Value);
                }
            }

            private void Field(string ruleId, string key, JsObject m, JsObject? rm, string what)
            {
                var now = m[key];
                var was = rm?[key] ?? JsUndefined.Value;
                var nowText = now is JsUndefined ? null : now is string s ? s : Js.ToJson(now);
                var wasText = was is JsUndefined ? null : was is string t ? t : Js.ToJson(was);
                if (nowText == wasText) return;
                var kind = wasText == null ? NpmPackageChangeKind.Added : nowText == null ? NpmPackageChangeKind.Removed : NpmPackageChangeKind.Changed;
                var message = kind switch
                {
                    NpmPackageChangeKind.Added => $"The {what} '{key}' is set to {Cut(nowText)}.",
                    NpmPackageChangeKind.Removed => $"The {what} '{key}' ({Cut(wasText)}) is gone.",
                    _ => $"The {what} '{key}' changed from {Cut(wasText)} to {Cut(nowText)}.",
                };
                Add(ruleId, kind, "package.json", key, message, wasText, nowText);
            }

            // ---- files ----

            private void Files()
            {
                var refFiles = _r?.Files;
                var refAll = _r?.AllPrimitives ?? CodePrimitive.None;
                foreach (var path in _s.Order)
                {
                    var f = _s.Files[path];
                    PackageFile? old = null;
                    refFiles?.TryGetValue(path, out old);
                    if (old == null)
                    {
                        _added++;
                        var c = Add("NPMH12011", NpmPackageChangeKind.Added, path, null, $"{path} is new ({Size(f.Size)}).");
                        c.SizeAfter = f.Size;
                        c.SizeDelta = f.Size;
                    }
                    else if (old.Sha256 != f.Sha256 || old.Mode != f.Mode)
                    {
                        _changed++;
                        var delta = f.Size - old.Size;
                        var what = old.Sha256 != f.Sha256 ? $"{path} changed ({Size(old.Size)} → {Size(f.Size)}, {(delta >= 0 ? "+" : "−")}{Size(Math.Abs(delta))})" : $"{path} kept its content";
                        if (old.Mode != f.Mode) what += $"; its mode changed from {Octal(old.Mode)} to {Octal(f.Mode)}";
                        var c = Add("NPMH12013", NpmPackageChangeKind.Changed, path, null, what + ".");
                        c.SizeBefore = old.Size;
                        c.SizeAfter = f.Size;
                        c.SizeDelta = delta;
                    }
                    else continue;
                    FileRisks(f, old, refAll);
                }
                if (refFiles == null) return;
                foreach (var path in _r!.Order)
                {
                    if (_s.Files.ContainsKey(path)) continue;
                    _removed++;
                    var old = refFiles[path];
                    var c = Add("NPMH12012", NpmPackageChangeKind.Removed, path, null, $"{path} is gone ({Size(old.Size)}).");
                    c.SizeBefore = old.Size;
                    c.SizeDelta = -old.Size;
                }
            }

            private void FileRisks(PackageFile f, PackageFile? old, CodePrimitive refAll)
            {
                var kind = old == null ? NpmPackageChangeKind.Added : NpmPackageChangeKind.Changed;
                if (f.NativeFormat != null)
                    Add("NPMH12014", kind, f.Path, null, old == null
                        ? $"{f.Path} is a native binary ({f.NativeFormat}, {Size(f.Size)}): machine code nobody can review from the source, loaded or run on install or import."
                        : $"The native binary {f.Path} ({f.NativeFormat}) changed ({Size(old.Size)} → {Size(f.Size)}): its new machine code cannot be reviewed from the source.");
                if (f.Code == null) return;
                var baseline = old?.Code?.Primitives ?? (old == null ? refAll : CodePrimitive.None);
                var added = f.Code.Primitives & ~baseline;
                var where = old == null ? (_r == null ? "" : ", which the reference version never did") : ", which its previous version did not";
                foreach (CodePrimitive p in new[] { CodePrimitive.ProcessExecution, CodePrimitive.DynamicCode, CodePrimitive.RawNetwork, CodePrimitive.EnvironmentHarvest, CodePrimitive.CredentialPath })
                {
                    if ((added & p) == 0) continue;
                    var line = f.Code.LineOf(p);
                    switch (p)
                    {
                        case CodePrimitive.ProcessExecution:
                            Add("NPMH12017", kind, f.Path, null, $"{f.Path}:{line} loads child_process and can run any program{where}.", line: line); break;
                        case CodePrimitive.DynamicCode:
                            Add("NPMH12018", kind, f.Path, null, $"{f.Path}:{line} runs strings as code (eval, new Function or vm){where}.", line: line); break;
                        case CodePrimitive.RawNetwork:
                            Add("NPMH12019", kind, f.Path, null, $"{f.Path}:{line} loads raw networking (net, dgram or dns){where}.", line: line); break;
                        case CodePrimitive.EnvironmentHarvest:
                            Add("NPMH12020", kind, f.Path, null, $"{f.Path}:{line} enumerates or serialises the whole of process.env, where tokens and cloud keys live{where}.", line: line); break;
                        case CodePrimitive.CredentialPath:
                            Add("NPMH12021", kind, f.Path, null, $"{f.Path}:{line} names a credential file or folder (.npmrc, .ssh, cloud CLI credentials){where}.", line: line); break;
                    }
                }
                var styleBefore = old?.Code?.Style ?? CodeStyle.None;
                var obscured = f.Code.Style & ~styleBefore & (CodeStyle.HexBlob | CodeStyle.HighEntropy | CodeStyle.ObfuscatorNames);
                if (obscured != CodeStyle.None)
                    Add("NPMH12015", kind, f.Path, null, $"{f.Path} holds obscured code ({StyleText(obscured)}){(old == null ? "" : ", which its previous version did not")}: what it does cannot be read from the source.");
                if ((f.Code.Style & ~styleBefore & CodeStyle.Minified) != 0)
                    Add("NPMH12016", kind, f.Path, null, $"{f.Path} is minified (longest line {f.Code.LongestLine:N0} characters){(old == null ? "" : ", which its previous version was not")}: review it from its source, not from this file.");
            }

            private static string StyleText(CodeStyle s)
            {
                var parts = new List<string>();
                if ((s & CodeStyle.HexBlob) != 0) parts.Add("long hex or \\x-escaped strings");
                if ((s & CodeStyle.HighEntropy) != 0) parts.Add("long high-entropy strings");
                if ((s & CodeStyle.ObfuscatorNames) != 0) parts.Add("_0x… names an obfuscator generates");
                return string.Join(", ", parts);
            }

            private static string Size(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
            private static string Octal(int mode) => Convert.ToString(mode, 8);

            // ---- verdict ----

            public NpmPackageReview Summarise(NpmTarballLimits limits) => Tally(new NpmPackageReview
            {
                Package = _package,
                Version = _version,
                ReferenceVersion = _refVersion,
                Path = _name,
                ReferencePath = _refName,
                FilesAdded = _added,
                FilesRemoved = _removed,
                FilesChanged = _changed,
                Complete = _s.Error == null && !_s.Stopped && (_r == null || (_r.Error == null && !_r.Stopped)),
                Integrity = _s.Integrity,
                Shasum = _s.Shasum,
                ComputerName = _machine,
            }, Changes);
        }

        /// <summary>
        /// The verdict over <paramref name="changes"/>, with the tarball facts (names, versions, file counts, hashes) of
        /// <paramref name="basis"/>: for the cmdlet after a policy has excluded or suppressed some changes. A Suppressed
        /// change is counted apart and neither raises the risk nor appears among the top reasons.
        /// </summary>
        public static NpmPackageReview Summarise(NpmPackageReview basis, IEnumerable<NpmPackageChange> changes)
        {
            if (basis == null) throw new ArgumentNullException(nameof(basis));
            return Tally(new NpmPackageReview
            {
                Package = basis.Package, Version = basis.Version, ReferenceVersion = basis.ReferenceVersion, Path = basis.Path,
                ReferencePath = basis.ReferencePath, FilesAdded = basis.FilesAdded, FilesRemoved = basis.FilesRemoved,
                FilesChanged = basis.FilesChanged, Complete = basis.Complete, Integrity = basis.Integrity, Shasum = basis.Shasum,
                ComputerName = basis.ComputerName,
            }, changes.ToList());
        }

        private static NpmPackageReview Tally(NpmPackageReview review, IReadOnlyList<NpmPackageChange> changes)
        {
            review.Risk = NpmSeverity.Info;
            var counted = new List<NpmPackageChange>();
            foreach (var c in changes)
            {
                if (c.Status == NpmFindingStatus.Suppressed) { review.Suppressed++; continue; }
                counted.Add(c);
                if (c.Severity > review.Risk) review.Risk = c.Severity;
                switch (c.Severity)
                {
                    case NpmSeverity.Critical: review.Critical++; break;
                    case NpmSeverity.High: review.High++; break;
                    case NpmSeverity.Medium: review.Medium++; break;
                    case NpmSeverity.Low: review.Low++; break;
                    default: review.Info++; break;
                }
            }
            review.RuleCounts = counted.GroupBy(c => c.RuleId, StringComparer.Ordinal)
                .OrderBy(g => g.Key, Comparer<string>.Create(RuleCatalog.CompareIds))
                .Select(g => g.Key + "=" + g.Count().ToString(CultureInfo.InvariantCulture)).ToArray();
            review.TopReasons = counted.Where(c => c.Severity > NpmSeverity.Info)
                .Select((c, i) => (c, i)).OrderByDescending(x => x.c.Severity).ThenBy(x => x.i)
                .Take(10).Select(x => x.c.RuleId + ": " + x.c.Message).ToArray();
            return review;
        }
    }
}
