using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Lockfiles;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>
    /// The lockfile rules (NPMH15001-15015, Test-NpmLockfile) over one lockfile's entries: where each package comes
    /// from (host, scheme, git pin, link target, scope registry), how it is checked (integrity), what it runs
    /// (install scripts against allowScripts), whether its name imitates a popular one, and the file's version.
    /// Only problems are findings; an entry with none produces nothing.
    /// </summary>
    public sealed class LockfileAnalyzer : INpmAnalyzer<NpmLockfileAuditInput>
    {
        public const string HostNotAllowed = "NPMH15001";
        public const string PlainHttp = "NPMH15002";
        public const string SchemeNotAllowed = "NPMH15003";
        public const string MissingIntegrity = "NPMH15004";
        public const string Sha1Only = "NPMH15005";
        public const string WeakIntegrityFirst = "NPMH15006";
        public const string MalformedIntegrity = "NPMH15007";
        public const string NameMismatch = "NPMH15008";
        public const string GitNotPinned = "NPMH15009";
        public const string LinkOutside = "NPMH15010";
        public const string InstallScript = "NPMH15011";
        public const string InstallScriptNotApproved = "NPMH15012";
        public const string Typosquat = "NPMH15013";
        public const string DependencyConfusion = "NPMH15014";
        public const string OutdatedVersion = "NPMH15015";

        private readonly string _computer;
        private readonly TyposquatIndex _popular;

        public LockfileAnalyzer(IPlatform? platform = null) : this(platform, null) { }

        internal LockfileAnalyzer(IPlatform? platform, TyposquatIndex? popular)
        {
            _computer = FindingFactory.MachineOf(platform ?? SystemPlatform.Instance);
            _popular = popular ?? TyposquatIndex.Default;
        }

        public IReadOnlyCollection<string> RuleIds { get; } = new[]
        {
            HostNotAllowed, PlainHttp, SchemeNotAllowed, MissingIntegrity, Sha1Only, WeakIntegrityFirst, MalformedIntegrity,
            NameMismatch, GitNotPinned, LinkOutside, InstallScript, InstallScriptNotApproved, Typosquat, DependencyConfusion,
            OutdatedVersion,
        };

        public IEnumerable<NpmFinding> Analyze(NpmLockfileAuditInput input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var lockfile = input.Lockfile;
            var context = Path.GetDirectoryName(lockfile.Path) ?? lockfile.Path;
            var results = new List<NpmFinding>();
            if (lockfile.LockfileVersion <= 1) results.Add(Outdated(lockfile, context));
            var registryUrl = LockfileUrl.TryParse(input.Registry, out var r) ? r : default;
            var typos = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var entry in lockfile.Entries)
            {
                if (entry.IsRoot) continue;
                AnalyzeEntry(input, entry, registryUrl, typos, context, results);
            }
            return results;
        }

        private NpmFinding Outdated(NpmLockfile lockfile, string context)
        {
            var f = New(OutdatedVersion, NpmFindingStatus.Fail, lockfile, null, lockfile.LockfileVersionLine, context,
                $"{lockfile.Path} is lockfileVersion {(lockfile.LockfileVersion == 0 ? "1 (it names none)" : "1")}, written by npm 6 or earlier; it lacks hasInstallScript and the tree's packages map.");
            f.Remediation!.NpmCommand = "npm install --package-lock-only";
            return f;
        }

        /// <summary>
        /// Reads the lockfile at <c>input.Lockfile.Path</c> and judges each <c>packages</c> entry as it is read, keeping
        /// no entry: the same findings, in the same order, as <see cref="Analyze"/> over
        /// <see cref="NpmLockfileReader.Read(string, NpmLockfileLimits?)"/>'s model, and the same
        /// <see cref="NpmLockfileException"/> for bad input. Most entries are cleared on their UTF-8 bytes by
        /// <see cref="EntryScreen"/>; an entry it cannot clear is made into an <see cref="NpmLockfileEntry"/> and judged by
        /// the one per-entry code both paths share. A file that needs the full model (a v1 tree, a duplicate key) is read
        /// again with it. Afterwards <c>input.Lockfile</c> is the file's header (or its full model).
        /// </summary>
        public NpmLockfileFileAudit AnalyzeFile(NpmLockfileAuditInput input, NpmLockfileLimits? limits = null)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            string path = input.Lockfile.Path;
            var context = Path.GetDirectoryName(path) ?? path;
            var registryUrl = LockfileUrl.TryParse(input.Registry, out var r) ? r : default;
            var screen = new EntryScreen(input, _popular);
            var typos = new Dictionary<string, string?>(StringComparer.Ordinal);
            var results = new List<NpmFinding>();
            int entries = 0;
            var header = NpmLockfileReader.Stream(path, raw =>
            {
                entries++;
                if (raw.IsRoot || screen.Clears(raw)) return;
                AnalyzeEntry(input, raw.ToEntry(), registryUrl, typos, context, results);
            }, limits);
            if (header == null)
            {
                var full = NpmLockfileReader.Read(path, limits);
                input.Lockfile = full;
                var all = new List<NpmFinding>(Analyze(input));
                return new NpmLockfileFileAudit(full, full.Entries.Count, all, streamed: false);
            }
            input.Lockfile = header;
            if (header.LockfileVersion <= 1) results.Insert(0, Outdated(header, context));
            return new NpmLockfileFileAudit(header, entries, results, streamed: true);
        }

        /// <summary>
        /// Decides on an entry's bytes that <see cref="AnalyzeEntry"/> would find nothing in it. It clears only what it
        /// can prove clean: an https tarball from an allowed host whose URL names the installed package, with one
        /// well-formed sha512 integrity (or none inside a bundle), no link, no install script, outside any scope mapped to
        /// a registry, and a name the typosquat index does not match. Everything else (and any non-ASCII text, whose
        /// decoding it does not model) goes to AnalyzeEntry. Each test is a byte equality that implies the string equality
        /// AnalyzeEntry makes, so a cleared entry is one AnalyzeEntry clears.
        /// </summary>
        private sealed class EntryScreen
        {
            private readonly List<byte[]> _allowedHosts = new List<byte[]>();
            private readonly byte[]? _registry;          // input.Registry, when ASCII
            private readonly byte[]? _registryHost;      // its host as LockfileUrl gives it, when ASCII
            private readonly byte[][] _publicHosts;
            private readonly IReadOnlyDictionary<string, string[]> _scopes;
            private readonly TyposquatIndex _popular;
            private readonly bool _usable;
            private char[] _name = new char[128];

            public EntryScreen(NpmLockfileAuditInput input, TyposquatIndex popular)
            {
                _popular = popular;
                _scopes = input.ScopeRegistries;
                foreach (var h in input.AllowedHosts)
                {
                    if (!IsAscii(h)) continue;
                    var lower = h.ToLowerInvariant();
                    // kept only where the set itself says the lower-case form is in it, whatever its comparer
                    if (input.AllowedHosts.Contains(lower)) _allowedHosts.Add(Encoding.ASCII.GetBytes(lower));
                }
                var publicHosts = new List<byte[]>();
                foreach (var h in NpmLockfileAuditInput.PublicRegistryHosts) publicHosts.Add(Encoding.ASCII.GetBytes(h));
                _publicHosts = publicHosts.ToArray();
                // a registry the screen cannot compare on bytes: every entry goes to AnalyzeEntry
                _usable = IsAscii(input.Registry);
                if (!_usable) return;
                _registry = Encoding.ASCII.GetBytes(input.Registry);
                if (LockfileUrl.TryParse(input.Registry, out var ru) && ru.Host != null && IsAscii(ru.Host)) _registryHost = Encoding.ASCII.GetBytes(ru.Host);
            }

            private static readonly byte[] Https = Encoding.ASCII.GetBytes("https://");
            private static readonly byte[] Sha512 = Encoding.ASCII.GetBytes("sha512-");

            public bool Clears(LockfileEntryBytes raw)
            {
                if (!_usable || raw.Link || raw.HasInstallScript) return false;
                var name = raw.Name;
                if (name.Length == 0 || !IsAscii(name)) return false;
                if (raw.HasResolved)
                {
                    var source = raw.Resolved;
                    if (!IsAscii(source) || !source.StartsWith(Https)) return false;
                    int end = Https.Length;
                    while (end < source.Length && source[end] != '/' && source[end] != '?' && source[end] != '#' && source[end] != '\\') end++;
                    var host = source.Slice(Https.Length, end - Https.Length);
                    // lower-case letters, digits, dots and dashes: LockfileUrl's host is then these very bytes (no user
                    // name to drop, no case to fold, no :443 to strip)
                    if (host.Length == 0) return false;
                    foreach (byte b in host)
                        if (!((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '.' || b == '-')) return false;
                    if (!Contains(_allowedHosts, host)) return false;
                    if (!NamesInstalledPackage(raw, source, host, name)) return false;
                    if (_scopes.Count > 0 && name[0] == '@')
                    {
                        int slash = name.IndexOf((byte)'/');
                        if (slash >= 0 && _scopes.TryGetValue(Encoding.ASCII.GetString(name.Slice(0, slash).ToArray()), out var registries) && registries.Length > 0)
                            return false;
                    }
                    if (!raw.HasIntegrity && !raw.InBundle) return false;
                }
                if (raw.HasIntegrity && !IsOneSha512(raw.Integrity)) return false;
                if (_name.Length < name.Length) _name = new char[name.Length * 2];
                for (int i = 0; i < name.Length; i++) _name[i] = (char)name[i];
                return _popular.Match(new ReadOnlySpan<char>(_name, 0, name.Length)) == null;
            }

            /// <summary>CheckName's test: on the project's registry or a public npm-layout one, the URL continues with the installed name and a slash.</summary>
            private bool NamesInstalledPackage(LockfileEntryBytes raw, ReadOnlySpan<byte> source, ReadOnlySpan<byte> host, ReadOnlySpan<byte> name)
            {
                int prefix;
                if (_registryHost != null && host.SequenceEqual(_registryHost) && source.StartsWith(_registry)) prefix = _registry!.Length;
                else if (Contains(_publicHosts, host))
                {
                    prefix = Https.Length + host.Length + 1;
                    if (source.Length < prefix || source[prefix - 1] != '/') return false;
                }
                else return true;   // a registry of unknown layout: CheckName makes no claim
                var installed = raw.TryInstalledAs(out var folder) ? folder : name;
                return source.Length > prefix + installed.Length && source.Slice(prefix, installed.Length).SequenceEqual(installed) &&
                       source[prefix + installed.Length] == '/';
            }

            /// <summary>Exactly <c>sha512-</c> and the 88 base64 characters of 64 bytes: what SubresourceIntegrity judges Sha512First with one token.</summary>
            private static bool IsOneSha512(ReadOnlySpan<byte> integrity)
            {
                if (integrity.Length != Sha512.Length + 88 || !integrity.StartsWith(Sha512)) return false;
                for (int i = Sha512.Length; i < integrity.Length - 2; i++)
                {
                    byte c = integrity[i];
                    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) return false;
                }
                return integrity[integrity.Length - 2] == '=' && integrity[integrity.Length - 1] == '=';
            }

            private static bool Contains(List<byte[]> set, ReadOnlySpan<byte> value)
            {
                foreach (var item in set)
                    if (value.SequenceEqual(item)) return true;
                return false;
            }

            private static bool Contains(byte[][] set, ReadOnlySpan<byte> value)
            {
                foreach (var item in set)
                    if (value.SequenceEqual(item)) return true;
                return false;
            }

            private static bool IsAscii(ReadOnlySpan<byte> bytes)
            {
                foreach (byte b in bytes)
                    if (b >= 0x80) return false;
                return true;
            }

            private static bool IsAscii(string s)
            {
                foreach (char c in s)
                    if (c >= 0x80) return false;
                return true;
            }
        }

        private void AnalyzeEntry(NpmLockfileAuditInput input, NpmLockfileEntry entry, LockfileUrl registry,
            Dictionary<string, string?> typos, string context, List<NpmFinding> results)
        {
            var lockfile = input.Lockfile;
            string? source = entry.Resolved;
            bool hasUrl = LockfileUrl.TryParse(source, out var url);
            // most entries have no finding: the texts a finding shows are made only for those that do
            string? whatText = null, shownText = null;
            bool shownMade = false;
            string What() => whatText ??= Describe(entry);
            string? Shown()
            {
                if (!shownMade) { shownText = LockfileUrl.Redact(source); shownMade = true; }
                return shownText;
            }

            if (entry.Link && source != null)
            {
                string target = source.StartsWith("file:", StringComparison.Ordinal) ? source.Substring(5) : source;
                if (!IsInside(input.RepositoryRoot, lockfile.Path, target, out string full))
                    results.Add(New(LinkOutside, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()} is a link to {full}, outside the repository {input.RepositoryRoot}: npm symlinks code from the installing machine that no review of this repository covers.", Shown()));
            }

            if (hasUrl)
            {
                if (url.Scheme == "http")
                {
                    if (!input.AllowedSchemes.Contains("http"))
                        results.Add(New(PlainHttp, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                            $"{What()} is fetched over plain HTTP ({Shown()}); anyone on the network path can replace it.", Shown()));
                }
                else if (url.Scheme != "https" && !input.AllowedSchemes.Contains(url.Scheme))
                {
                    results.Add(New(SchemeNotAllowed, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()} comes from a {url.Scheme}: source ({Shown()}), not an https registry tarball; allow the scheme with -AllowedScheme {url.Scheme} if the team chose it.", Shown()));
                }
                if (url.Host != null && !input.AllowedHosts.Contains(url.Host))
                {
                    var f = New(HostNotAllowed, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()} is resolved from {url.Host}, which is not an allowed host ({Join(input.AllowedHosts)}).", Shown());
                    f.Expected = Join(input.AllowedHosts);
                    results.Add(f);
                }
                if (IsGit(url) && !PinnedToCommit(source!))
                    results.Add(New(GitNotPinned, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()} comes from git ({Shown()}) without a full 40-character commit after '#': each install can get other code.", Shown()));
                if (url.Scheme == "http" || url.Scheme == "https")
                    CheckName(input, entry, url, registry, source!, Shown, What, context, results);
                CheckScope(input, entry, url, Shown, What, context, results);
            }

            if (entry.Integrity != null)
            {
                var shape = SubresourceIntegrity.Judge(entry.Integrity, out var problem);
                if (shape == IntegrityShape.Malformed)
                    results.Add(New(MalformedIntegrity, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()} has an integrity field npm cannot use ({problem}), so its download is not checked.", Shown()));
                else if (shape == IntegrityShape.Sha1Only)
                    results.Add(New(Sha1Only, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()} is checked with SHA-1 only, which is broken for collisions.", Shown()));
                else if (shape == IntegrityShape.WeakFirst)
                    results.Add(New(WeakIntegrityFirst, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        $"{What()}'s integrity starts with {SubresourceIntegrity.FirstAlgorithm(entry.Integrity)}, not sha512.", Shown()));
            }
            else if (hasUrl && (url.Scheme == "https" || url.Scheme == "http") && !entry.InBundle && !entry.Link)
            {
                results.Add(New(MissingIntegrity, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                    $"{What()} is a registry tarball without an integrity hash: npm cannot check that the bytes it downloads are the ones that were locked.", Shown()));
            }

            if (entry.HasInstallScript)
            {
                bool? decision = input.AllowScripts?.Decide(entry.Name, entry.Version);
                var listed = New(InstallScript, NpmFindingStatus.Warning, lockfile, entry, entry.Line, context,
                    $"{What()} has an install script" + (decision == true ? ", approved in allowScripts." : decision == false ? "; allowScripts denies it, so npm skips it." : "."), Shown());
                results.Add(listed);
                if (decision == null)
                {
                    var f = New(InstallScriptNotApproved, NpmFindingStatus.Fail, lockfile, entry, entry.Line, context,
                        input.AllowScripts != null
                            ? $"{What()} has an install script that {input.AllowScripts.Source}'s allowScripts neither approves nor denies."
                            : $"{What()} has an install script and the project has no allowScripts policy (package.json beside the lockfile), so nothing approves it.", Shown());
                    f.Remediation!.NpmCommand = "npm approve-scripts " + entry.Name;
                    results.Add(f);
                }
            }

            if (!typos.TryGetValue(entry.Name, out var imitated))
                typos[entry.Name] = imitated = _popular.Match(entry.Name);
            if (imitated != null)
            {
                var f = New(Typosquat, NpmFindingStatus.Warning, lockfile, entry, entry.Line, context,
                    $"{What()}: the name {entry.Name} is within two edits of the popular package {imitated}; make sure it is the package intended.", Shown());
                f.Expected = imitated;
                results.Add(f);
            }
        }

        /// <summary>NPMH15008 with lockfile-lint's validate-package-names semantics: on an npm-layout registry, the URL must start with origin/&lt;installed name&gt;/.</summary>
        private void CheckName(NpmLockfileAuditInput input, NpmLockfileEntry entry, LockfileUrl url, LockfileUrl registry,
            string source, Func<string?> shownText, Func<string> whatText, string context, List<NpmFinding> results)
        {
            string installed = entry.InstalledAs ?? entry.Name;
            string? prefixBase = null;
            if (registry.Host != null && url.Host == registry.Host && source.StartsWith(input.Registry, StringComparison.Ordinal))
                prefixBase = input.Registry;
            else
                foreach (var h in NpmLockfileAuditInput.PublicRegistryHosts)
                    if (url.Host == h) { prefixBase = url.Origin + "/"; break; }
            if (prefixBase == null || StartsWithName(source, prefixBase, installed)) return;
            string? shown = shownText();
            string what = whatText();
            // a source that does not start with the prefix text (a user name, an upper-case host, no path at all) is named by its path
            string rest = source.StartsWith(prefixBase, StringComparison.Ordinal) ? source.Substring(prefixBase.Length) : url.AfterHost.TrimStart('/');
            int cut = rest.IndexOf("/-/", StringComparison.Ordinal);
            string named = LockfileUrl.Redact(cut >= 0 ? rest.Substring(0, cut) : rest) ?? "";
            bool alias = entry.Name != installed && source.StartsWith(prefixBase + entry.Name + "/", StringComparison.Ordinal);
            var f = New(NameMismatch, NpmFindingStatus.Fail, lockfile: input.Lockfile, entry, entry.Line, context,
                alias
                    ? $"{what} is installed as {installed} but its tarball is {entry.Name}'s: a declared npm: alias (the entry names {entry.Name})."
                    : $"{what} is installed as {installed} but resolved to a tarball of {named} ({shown}).", shown);
            f.Expected = installed;
            if (alias)
            {
                f.Status = NpmFindingStatus.Warning;
                FindingFactory.Escalate(f, NpmSeverity.Low, "a declared npm: alias (the entry's name field names the package of the URL)");
            }
            results.Add(f);
        }

        /// <summary>NPMH15014: a package of a scope mapped to its own registry, resolved from another host.</summary>
        private void CheckScope(NpmLockfileAuditInput input, NpmLockfileEntry entry, LockfileUrl url, Func<string?> shownText, Func<string> whatText,
            string context, List<NpmFinding> results)
        {
            if (url.Host == null || entry.Name.Length == 0 || entry.Name[0] != '@') return;
            int slash = entry.Name.IndexOf('/');
            if (slash < 0) return;
            if (!input.ScopeRegistries.TryGetValue(entry.Name.Substring(0, slash), out var registries) || registries.Length == 0) return;
            foreach (var reg in registries)
                if (LockfileUrl.TryParse(reg, out var ru) && ru.Host == url.Host) return;
            string? shown = shownText();
            string what = whatText();
            bool publicHost = false;
            foreach (var h in NpmLockfileAuditInput.PublicRegistryHosts) publicHost |= url.Host == h;
            var f = New(DependencyConfusion, NpmFindingStatus.Fail, input.Lockfile, entry, entry.Line, context,
                $"{what} is resolved from {(publicHost ? "the public registry " : "")}{url.Host} while {entry.Name.Substring(0, slash)} is mapped to {Shown(registries)}: someone may have published the internal name there.", shown);
            f.Expected = Shown(registries);
            results.Add(f);
        }

        /// <summary>Whether <paramref name="source"/> starts with prefix + name + "/", without building that string.</summary>
        private static bool StartsWithName(string source, string prefix, string name) =>
            source.Length > prefix.Length + name.Length && source.StartsWith(prefix, StringComparison.Ordinal) &&
            string.CompareOrdinal(source, prefix.Length, name, 0, name.Length) == 0 && source[prefix.Length + name.Length] == '/';

        private static string Shown(string[] registries)
        {
            var shown = new string[registries.Length];
            for (int i = 0; i < registries.Length; i++) shown[i] = LockfileUrl.Redact(registries[i]) ?? "";
            return string.Join(", ", shown);
        }

        private static bool IsGit(LockfileUrl url) =>
            url.Scheme == "git" || url.Scheme.StartsWith("git+", StringComparison.Ordinal) || url.Scheme == "github" ||
            url.Scheme == "gitlab" || url.Scheme == "bitbucket" || url.Scheme == "gist";

        private static bool PinnedToCommit(string source)
        {
            int hash = source.LastIndexOf('#');
            if (hash < 0 || source.Length - hash - 1 != 40) return false;
            for (int i = hash + 1; i < source.Length; i++)
            {
                char c = source[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
            }
            return true;
        }

        /// <summary>Whether a link target (relative to the lockfile's folder, or absolute) stays under the repository root.</summary>
        private static bool IsInside(string root, string lockfilePath, string target, out string full)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(lockfilePath)) ?? "";
            try { full = Path.GetFullPath(Path.Combine(folder, target.Replace('\\', '/').Replace('/', Path.DirectorySeparatorChar))); }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException)
            {
                full = target;
                return false;
            }
            var baseDir = Path.GetFullPath(root.Length > 0 ? root : folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return string.Equals(full.TrimEnd(Path.DirectorySeparatorChar), baseDir, comparison) ||
                   full.StartsWith(baseDir + Path.DirectorySeparatorChar, comparison);
        }

        private static string Describe(NpmLockfileEntry entry) =>
            entry.Name + (entry.Version != null ? "@" + entry.Version : "") + (entry.Key.Length > 0 && entry.Key != "node_modules/" + entry.Name ? $" ({entry.Key})" : "");

        private static string Join(IEnumerable<string> hosts)
        {
            var list = new List<string>(hosts);
            list.Sort(StringComparer.Ordinal);
            return list.Count == 0 ? "none" : string.Join(", ", list);
        }

        private NpmLockfileFinding New(string id, NpmFindingStatus status, NpmLockfile lockfile, NpmLockfileEntry? entry, int line,
            string context, string message, string? shown = null)
        {
            var rule = RuleCatalog.Default[id];
            var finding = FindingFactory.Stamp(new NpmLockfileFinding(), rule, _computer);
            finding.Status = status;
            finding.Message = Credentials.NpmCredential.RedactText(message);
            finding.Context = context;
            finding.Location = FindingFactory.File(lockfile.Path, line);
            finding.Package = entry?.Name;
            finding.Version = entry?.Version;
            finding.PackagePath = entry?.Key ?? "";
            finding.Resolved = shown;
            finding.Dev = entry != null && (entry.Dev || entry.DevOptional);
            if (status == NpmFindingStatus.Fail || status == NpmFindingStatus.Warning)
                finding.Remediation = new NpmRemediation { Summary = rule.Remediation };
            finding.FactId = FindingFactory.FactId(finding, entry?.Key);
            return FindingFactory.CompleteRemediation(finding);
        }
    }
}
