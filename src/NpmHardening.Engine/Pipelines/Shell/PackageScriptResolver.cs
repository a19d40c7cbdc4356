using System;
using System.Collections.Generic;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>One package.json script passed through on the way to a command.</summary>
    internal sealed class ScriptLink
    {
        public ScriptLink(string packageJson, string script, string text) { PackageJson = packageJson; Script = script; Text = text; }
        /// <summary>The package.json holding the script, '/'-separated from the repository root.</summary>
        public string PackageJson { get; }
        public string Script { get; }
        /// <summary>The script's command line as written in package.json.</summary>
        public string Text { get; }
        public override string ToString() => Script;
    }

    /// <summary>A command reached through package.json scripts (or lifecycle scripts), with the chain that led to it.</summary>
    internal sealed class ScriptReach
    {
        public ScriptReach(NpmCommand command, IReadOnlyList<ScriptLink> chain, string directory)
        {
            Command = command; Chain = chain; Directory = directory;
        }
        /// <summary>The command found inside the last script of <see cref="Chain"/>.</summary>
        public NpmCommand Command { get; }
        /// <summary>Scripts passed through, outermost first (never empty).</summary>
        public IReadOnlyList<ScriptLink> Chain { get; }
        /// <summary>Directory the command runs in, from the repository root ("" for the root).</summary>
        public string Directory { get; }
        /// <summary>"release → publish:all → npm publish --access public".</summary>
        public string Describe(string? start = null)
        {
            var sb = new StringBuilder();
            if (start != null) sb.Append(start).Append(" → ");
            foreach (var l in Chain) sb.Append(l.Script).Append(" → ");
            var t = Command.Command.Text;
            sb.Append(t.Length > 200 ? t.Substring(0, 200) + "…" : t);
            return sb.ToString();
        }
        public override string ToString() => Describe();
    }

    /// <summary>
    /// Follows <c>npm run X</c> / <c>pnpm X</c> / <c>yarn X</c> / <c>bun run X</c> / <c>run-s X</c> / <c>lerna run X</c>
    /// through the <c>scripts</c> of the repository's package.json files (the package in the command's directory, a named
    /// <c>--workspace</c>/<c>--filter</c>/<c>yarn workspace</c> package, or every workspace), including <c>preX</c>/<c>postX</c>,
    /// and through the lifecycle scripts npm runs around a publish (<c>prepublishOnly</c>, <c>prepack</c>, <c>prepare</c>,
    /// <c>postpack</c>, <c>publish</c>, <c>postpublish</c>). Scripts are read as POSIX shell (what npm uses on Linux
    /// runners). Depth, fan-out and the number of scripts visited are bounded; a script already on the current chain is not
    /// entered again, so cycles end.
    /// </summary>
    /// <remarks>Pre/post scripts are followed for every tool, although pnpm (by default since v7) and yarn 2+ skip them: a
    /// publish found that way is still a path that a configuration change turns on. Workspace globs need a directory
    /// lister (<c>packages/*</c> one level, <c>packages/**</c> any depth, <c>!pattern</c> excluded, bounded in depth and listings); without one, only workspaces named by path are found.</remarks>
    internal sealed class PackageScriptResolver
    {
        public const int MaxDepth = 10;
        public const int MaxVisits = 2_000;
        public const int MaxReaches = 2_000;

        private static readonly string[] PublishLifecycle = { "prepublishOnly", "prepack", "prepare", "postpack", "publish", "postpublish" };

        private readonly CiRepository _repo;
        private readonly Func<string, IEnumerable<string>>? _listDirectories;
        private readonly IReadOnlyList<string> _extraWorkspacePatterns;
        private readonly Dictionary<string, CiPackageJson?> _packages = new Dictionary<string, CiPackageJson?>(StringComparer.Ordinal);
        private int _visits;

        // a script's commands by its shell and text: a repository's steps enter the same package.json scripts again and
        // again (every publish enters the lifecycle scripts), its jobs repeat the same step scripts ("npm ci"), and the
        // reader's result is never changed after it is made. Bounded like the package cache; one repository's scan only.
        private readonly Dictionary<(CiShell Shell, string Text), ShellScript> _scripts = new Dictionary<(CiShell Shell, string Text), ShellScript>();

        /// <param name="repository">Where package.json files are read from.</param>
        /// <param name="listDirectories">Lists the immediate subdirectories of a repository-relative directory (names
        /// only), for workspace globs; null when the caller cannot list.</param>
        /// <param name="extraWorkspacePatterns">Workspace patterns from elsewhere (pnpm-workspace.yaml <c>packages</c>).</param>
        public PackageScriptResolver(CiRepository repository, Func<string, IEnumerable<string>>? listDirectories = null, IReadOnlyList<string>? extraWorkspacePatterns = null)
        {
            _repo = repository ?? throw new ArgumentNullException(nameof(repository));
            _listDirectories = listDirectories;
            _extraWorkspacePatterns = extraWorkspacePatterns ?? new string[0];
        }

        /// <summary>Problems met while reading package.json files (file and reason; never file content).</summary>
        public List<string> Problems { get; } = new List<string>();

        /// <summary>Every command reached from <paramref name="command"/> through scripts, run in
        /// <paramref name="directory"/> (repository-relative, "" or null for the root). A <see cref="NpmCommandKind.RunScript"/>
        /// follows its script; a publish follows the package's publish lifecycle scripts; other kinds reach nothing.</summary>
        public IReadOnlyList<ScriptReach> Resolve(NpmCommand command, string? directory)
        {
            _visits = 0;
            var results = new List<ScriptReach>();
            var chain = new List<ScriptLink>();
            var onChain = new HashSet<string>(StringComparer.Ordinal);
            Follow(command, Normalise(directory), chain, onChain, results, 0);
            return results;
        }

        /// <summary>The scripts of the package.json in <paramref name="directory"/>, or null when there is none (or it is not valid JSON).</summary>
        public IReadOnlyDictionary<string, string>? Scripts(string? directory) => Package(Normalise(directory))?.Scripts;

        private static string Normalise(string? d)
        {
            if (string.IsNullOrEmpty(d)) return "";
            return ShellPath.Normalise(d!.TrimStart('/')) ?? "";
        }

        private void Follow(NpmCommand command, string dir, List<ScriptLink> chain, HashSet<string> onChain, List<ScriptReach> results, int depth)
        {
            if (depth > MaxDepth || results.Count >= MaxReaches) return;
            string baseDir = command.Directory != null ? (ShellPath.FromRepositoryRoot(dir, command.Directory) ?? dir) : dir;
            switch (command.Kind)
            {
                case NpmCommandKind.RunScript:
                    foreach (var pkgDir in TargetPackages(command, baseDir))
                    {
                        var pkg = Package(pkgDir);
                        string script = command.Script ?? "";
                        bool has = pkg != null && pkg.Scripts.ContainsKey(script);
                        if (!has && command.ImplicitScript && command.FallbackArguments.Count > 0)
                        {
                            // no such script: pnpm/yarn/bun run the binary of that name
                            foreach (var n in NpmCommandClassifier.ClassifyWords(command.Command, command.FallbackArguments))
                            {
                                if (n.Kind == NpmCommandKind.RunScript) continue;
                                if (chain.Count > 0) results.Add(new ScriptReach(n, chain.ToArray(), pkgDir));
                                FollowLifecycle(n, pkgDir, chain, onChain, results, depth);
                            }
                            continue;
                        }
                        if (pkg == null) continue;
                        foreach (var name in ScriptNames(pkg, script))
                            EnterScript(pkg, pkgDir, name, chain, onChain, results, depth);
                    }
                    return;
                case NpmCommandKind.Publish:
                case NpmCommandKind.StagePublish:
                    if (command.Tool == "npm" || command.Tool == "pnpm" || command.Tool == "yarn" || command.Tool == "bun")
                        foreach (var pkgDir in command.AllWorkspaces || command.Workspaces.Count > 0 ? TargetPackages(command, baseDir) : new[] { baseDir })
                            FollowLifecycle(command, pkgDir, chain, onChain, results, depth);
                    return;
            }
        }

        private void FollowLifecycle(NpmCommand command, string pkgDir, List<ScriptLink> chain, HashSet<string> onChain, List<ScriptReach> results, int depth)
        {
            if (command.Kind != NpmCommandKind.Publish && command.Kind != NpmCommandKind.StagePublish) return;
            if (command.IgnoreScripts) return;
            var pkg = Package(pkgDir);
            if (pkg == null) return;
            foreach (var s in PublishLifecycle)
                if (pkg.Scripts.ContainsKey(s)) EnterScript(pkg, pkgDir, s, chain, onChain, results, depth);
        }

        private static IEnumerable<string> ScriptNames(CiPackageJson pkg, string script)
        {
            if (pkg.Scripts.ContainsKey("pre" + script)) yield return "pre" + script;
            if (pkg.Scripts.ContainsKey(script)) yield return script;
            if (pkg.Scripts.ContainsKey("post" + script)) yield return "post" + script;
            if (script == "restart" && !pkg.Scripts.ContainsKey("restart"))
            {
                foreach (var s in new[] { "prestop", "stop", "poststop", "prestart", "start", "poststart" })
                    if (pkg.Scripts.ContainsKey(s)) yield return s;
            }
            if (script.IndexOf('*') >= 0 || (script.Length > 2 && script[0] == '/' && script[script.Length - 1] == '/'))
            {
                // run-s "publish:*" (a glob over names, ':' separated) or pnpm run "/regex/" — matched by a plain contains on the
                // literal part, as a regex engine is not run on repository text
                string literal = script.Trim('/').Replace("*", "").Replace("^", "").Replace("$", "").Replace(".", "");
                foreach (var k in pkg.Scripts.Keys)
                    if (k != script && literal.Length > 0 && k.StartsWith(literal.TrimEnd(':') , StringComparison.Ordinal) && k.Length > literal.TrimEnd(':').Length) yield return k;
            }
        }

        private void EnterScript(CiPackageJson pkg, string pkgDir, string name, List<ScriptLink> chain, HashSet<string> onChain, List<ScriptReach> results, int depth)
        {
            string key = pkgDir + "\0" + name;
            if (onChain.Contains(key) || ++_visits > MaxVisits || depth + 1 > MaxDepth) return;
            var text = pkg.Scripts[name];
            var link = new ScriptLink(pkgDir.Length == 0 ? "package.json" : pkgDir + "/package.json", name, text);
            chain.Add(link);
            onChain.Add(key);
            try
            {
                foreach (var c in ReadScript(text, CiShell.Posix))
                {
                    string cmdDir = ShellPath.FromRepositoryRoot(pkgDir, c.WorkingDirectory) ?? pkgDir;
                    foreach (var n in NpmCommandClassifier.Classify(c))
                    {
                        if (results.Count >= MaxReaches) return;
                        if (n.Kind != NpmCommandKind.RunScript) results.Add(new ScriptReach(n, chain.ToArray(), cmdDir));
                        Follow(n, cmdDir, chain, onChain, results, depth + 1);
                    }
                }
            }
            finally
            {
                chain.RemoveAt(chain.Count - 1);
                onChain.Remove(key);
            }
        }

        /// <summary><see cref="ShellScriptReader.Read"/>, once per shell and text in this repository's scan.</summary>
        internal ShellScript ReadScript(string text, CiShell shell)
        {
            // Unknown is read as POSIX: one entry for both
            if (shell == CiShell.Unknown) shell = CiShell.Posix;
            if (_scripts.TryGetValue((shell, text), out var known)) return known;
            var script = ShellScriptReader.Read(text, shell);
            if (_scripts.Count < 10_000) _scripts[(shell, text)] = script;
            return script;
        }

        // The packages a command runs in: a named workspace, filtered ones, all of them, or the directory's own package.
        private IEnumerable<string> TargetPackages(NpmCommand command, string dir)
        {
            if (command.Workspaces.Count == 0 && !command.AllWorkspaces) { yield return dir; yield break; }
            var all = WorkspaceDirectories(dir);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            if (command.AllWorkspaces)
            {
                foreach (var d in all) if (seen.Add(d)) yield return d;
                if (all.Count == 0 && seen.Add(dir)) yield return dir;
            }
            foreach (var sel in command.Workspaces)
            {
                var s = sel.StartsWith("./", StringComparison.Ordinal) ? sel.Substring(2) : sel;
                bool matched = false;
                foreach (var d in all)
                {
                    var name = Package(d)?.Name;
                    if (Matches(s, name) || Matches(s.TrimEnd('/'), d) || Matches(s, RelativeTo(dir, d)))
                    {
                        matched = true;
                        if (seen.Add(d)) yield return d;
                    }
                }
                if (!matched && s.IndexOf('*') < 0 && s.IndexOf('{') < 0)
                {
                    // a workspace given as a path that the lister could not enumerate
                    var p = ShellPath.FromRepositoryRoot(dir, s.TrimEnd('/'));
                    if (p != null && Package(p) != null && seen.Add(p)) yield return p;
                }
            }
        }

        private static string RelativeTo(string root, string d) => root.Length == 0 ? d : d.StartsWith(root + "/", StringComparison.Ordinal) ? d.Substring(root.Length + 1) : d;

        // '*' matches any run of characters except '/', "**" any run; pnpm's "...name" / "name..." / "{dir}" selectors match loosely.
        private static bool Matches(string pattern, string? value)
        {
            if (value == null) return false;
            pattern = pattern.Trim('.').Trim('{', '}').TrimStart('!');
            if (pattern.Length == 0) return false;
            return Glob(pattern, 0, value, 0, 0);
        }

        private static bool Glob(string p, int pi, string v, int vi, int depth)
        {
            // iterative with single backtrack point (linear for one '*', bounded otherwise)
            int star = -1, mark = 0;
            while (vi < v.Length)
            {
                if (pi < p.Length && p[pi] == '*') { while (pi < p.Length && p[pi] == '*') pi++; star = pi; mark = vi; continue; }
                if (pi < p.Length && p[pi] == v[vi]) { pi++; vi++; continue; }
                if (star >= 0) { pi = star; vi = ++mark; continue; }
                return false;
            }
            while (pi < p.Length && p[pi] == '*') pi++;
            return pi == p.Length;
        }

        // Bounds on expanding workspace globs: "**" descends at most this deep, and one expansion lists at most this many folders.
        private const int MaxGlobDepth = 12;
        private const int MaxGlobListings = 10_000;

        private List<string> WorkspaceDirectories(string dir)
        {
            var result = new List<string>();
            var root = Package(dir);
            var patterns = new List<string>();
            if (root != null) patterns.AddRange(root.Workspaces);
            patterns.AddRange(_extraWorkspacePatterns);
            var excluded = new HashSet<string>(StringComparer.Ordinal);
            int budget = MaxGlobListings;
            foreach (var raw in patterns)
            {
                // "!packages/internal/**": a negated pattern removes what it matches (npm's map-workspaces, pnpm)
                bool negated = raw.StartsWith("!", StringComparison.Ordinal);
                var pat = negated ? raw.Substring(1) : raw;
                if (pat.StartsWith("./", StringComparison.Ordinal)) pat = pat.Substring(2);
                pat = pat.TrimEnd('/');
                if (pat.Length == 0) continue;
                var segments = pat.Split('/');
                var found = new List<string>();
                if (pat.IndexOf('*') < 0 && pat.IndexOf('?') < 0)
                {
                    var p = ShellPath.FromRepositoryRoot(dir, pat);
                    if (p != null && Package(p) != null) found.Add(p);
                }
                else if (_listDirectories != null) Expand(dir, segments, 0, 0, found, ref budget);
                foreach (var f in found)
                {
                    if (negated) excluded.Add(f);
                    else if (!result.Contains(f)) result.Add(f);
                }
            }
            if (excluded.Count > 0) result.RemoveAll(excluded.Contains);
            return result;
        }

        // One glob segment at a time: a literal name steps into that folder, "*"/"?" match one folder name, "**" any
        // number of folders (node_modules and dot-folders are never workspaces and are not entered).
        private void Expand(string current, string[] segments, int index, int depth, List<string> found, ref int budget)
        {
            if (index == segments.Length)
            {
                if (!found.Contains(current) && Package(current) != null) found.Add(current);
                return;
            }
            var segment = segments[index];
            if (segment.Length == 0 || segment == ".") { Expand(current, segments, index + 1, depth, found, ref budget); return; }
            if (segment.IndexOf('*') < 0 && segment.IndexOf('?') < 0)
            {
                var next = ShellPath.FromRepositoryRoot(current, segment);
                if (next != null) Expand(next, segments, index + 1, depth, found, ref budget);
                return;
            }
            if (budget <= 0 || depth > MaxGlobDepth) return;
            budget--;
            List<string> children;
            try { children = new List<string>(_listDirectories!(current)); }
            catch (Exception e) when (!(e is OutOfMemoryException)) { Problems.Add(current + ": " + e.Message); return; }
            if (segment == "**")
            {
                Expand(current, segments, index + 1, depth, found, ref budget); // zero folders
                foreach (var child in children)
                {
                    if (budget <= 0) return;
                    if (child == "node_modules" || child.StartsWith(".", StringComparison.Ordinal)) continue;
                    Expand(current.Length == 0 ? child : current + "/" + child, segments, index, depth + 1, found, ref budget);
                }
                return;
            }
            foreach (var child in children)
            {
                if (budget <= 0) return;
                if (child == "node_modules" || !SegmentMatches(segment, child)) continue;
                Expand(current.Length == 0 ? child : current + "/" + child, segments, index + 1, depth + 1, found, ref budget);
            }
        }

        // one path segment against a glob segment: '*' any run of characters, '?' one character
        private static bool SegmentMatches(string p, string v)
        {
            int pi = 0, vi = 0, star = -1, mark = 0;
            while (vi < v.Length)
            {
                if (pi < p.Length && p[pi] == '*') { star = ++pi; mark = vi; continue; }
                if (pi < p.Length && (p[pi] == '?' || p[pi] == v[vi])) { pi++; vi++; continue; }
                if (star >= 0) { pi = star; vi = ++mark; continue; }
                return false;
            }
            while (pi < p.Length && p[pi] == '*') pi++;
            return pi == p.Length;
        }

        private CiPackageJson? Package(string dir)
        {
            if (_packages.TryGetValue(dir, out var cached)) return cached;
            CiPackageJson? info = null;
            string path = dir.Length == 0 ? "package.json" : dir + "/package.json";
            try
            {
                // the repository's own parse, which the finder reads publishConfig from: one parse per package.json
                info = _repo.ReadPackageJson(dir, out var unusable);
                if (unusable) Problems.Add(path + ": not valid JSON");
            }
            catch (CiDefinitionException e)
            {
                Problems.Add(e.Message);
            }
            if (_packages.Count < 10_000) _packages[dir] = info;
            return info;
        }
    }
}
