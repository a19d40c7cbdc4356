using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>
    /// Says what a <see cref="ShellCommand"/> does in npm terms (<see cref="NpmCommandKind"/>). npm's own argument rules
    /// are followed: options may come before or after the command, value-taking options consume the next word, the
    /// command is resolved through npm's alias table and unique-prefix abbreviations (from npm 11's lib/utils/cmd-list.js),
    /// so <c>npm pub</c>, <c>npm --registry x publish</c> and <c>npm publish --dry-run</c> are told apart. Wrappers
    /// (<c>sudo</c>, <c>env</c>, <c>cross-env</c>, <c>corepack</c>, <c>call</c>, <c>&amp;</c>) and runners (<c>npx</c>,
    /// <c>pnpm dlx</c>, <c>yarn dlx</c>, <c>bunx</c>, <c>npm exec</c>) are looked through.
    /// </summary>
    internal static class NpmCommandClassifier
    {
        private const int MaxRecursion = 6;

        public static IReadOnlyList<NpmCommand> Classify(ShellCommand command)
        {
            var results = new List<NpmCommand>();
            var words = new List<string>(command.Words.Count);
            foreach (var w in command.Words) words.Add(w.Value);
            ClassifyShellLevel(command, words, results);
            ClassifyArgv(command, words, 0, results, 0, null, null);
            if (results.Count > 0)
            {
                var names = CommandReferences(command);
                foreach (var r in results)
                    if (r.Kind != NpmCommandKind.NpmrcWrite && r.Kind != NpmCommandKind.NpmrcDisclose) r.TokenNames = names;
            }
            return results;
        }

        /// <summary>Classifies <paramref name="words"/> as if they were <paramref name="origin"/>'s words (a script's fallback binary).</summary>
        public static IReadOnlyList<NpmCommand> ClassifyWords(ShellCommand origin, IReadOnlyList<string> words)
        {
            var results = new List<NpmCommand>();
            ClassifyArgv(origin, new List<string>(words), 0, results, 0, null, null);
            return results;
        }

        /// <summary>Program name of a command word: directory and .exe/.cmd/.bat/.ps1 removed; lower-cased for
        /// PowerShell and cmd, whose command lookup ignores case.</summary>
        public static string ProgramName(string word, CiShell shell)
        {
            int slash = Math.Max(word.LastIndexOf('/'), word.LastIndexOf('\\'));
            string name = slash >= 0 ? word.Substring(slash + 1) : word;
            bool windows = shell == CiShell.PowerShell || shell == CiShell.Cmd;
            foreach (var ext in WindowsProgramExtensions)
                if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { name = name.Substring(0, name.Length - ext.Length); windows = true; break; }
            return windows ? name.ToLowerInvariant() : name;
        }

        // one array for every call (ProgramName runs for nearly every word a scan classifies)
        private static readonly string[] WindowsProgramExtensions = { ".exe", ".cmd", ".bat", ".ps1" };

        private static IReadOnlyList<string> CommandReferences(ShellCommand c)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var names = new List<string>();
            foreach (var w in c.Words) foreach (var r in w.References) if (seen.Add(r.Name)) names.Add(r.Name);
            foreach (var a in c.Assignments)
                if (!a.Persists) foreach (var r in a.Value.References) if (seen.Add(r.Name)) names.Add(r.Name);
            return names;
        }

        // ---------------------------------------------------------------- wrappers and dispatch

        private static void ClassifyArgv(ShellCommand cmd, List<string> w, int i, List<NpmCommand> results, int level, string? runner, string? spec)
        {
            if (level > MaxRecursion) return;
            i = SkipWrappers(cmd, w, i);
            if (i >= w.Count) return;
            string name = ProgramName(w[i], cmd.Shell);
            if (spec == null && name.IndexOf('@') > 0) { spec = name; name = name.Substring(0, name.IndexOf('@')); }
            switch (name)
            {
                case "npm": case "pnpm": PackageManagerCommand(PackageManagers[name], cmd, w, i, results, level, runner, spec); return;
                case "pnpx": Runner(cmd, w, i + 1, results, level, "pnpx"); return;
                case "node":
                    // Rush repositories run their pinned Rush through common/scripts/install-run-rush.js <rush arguments>
                    // (a Windows path read by a POSIX shell loses its backslashes: common\scripts\… → commonscripts…)
                    if (i + 1 < w.Count && ProgramName(w[i + 1], CiShell.Cmd).EndsWith("install-run-rush.js", StringComparison.Ordinal))
                        ReleaseTools(cmd, w, i + 1, "rush", results, level, runner, spec);
                    return;
                case "vp":
                    // Vite+ (voidzero-dev/setup-vp): `vp exec <command…>` runs the command with the toolchain on PATH
                    if (i + 1 < w.Count && w[i + 1] == "exec") ClassifyArgv(cmd, w, i + 2, results, level + 1, "vp exec", null);
                    return;
                case "npx": Runner(cmd, w, i + 1, results, level, "npx"); return;
                case "bunx": Runner(cmd, w, i + 1, results, level, "bunx"); return;
                case "yarn": case "bun": PackageManagerCommand(PackageManagers[name], cmd, w, i, results, level, runner, spec); return;
                case "corepack":
                    // corepack npm|pnpm|yarn …, corepack enable (no command)
                    if (i + 1 < w.Count && (w[i + 1] == "npm" || w[i + 1] == "pnpm" || w[i + 1] == "yarn" || w[i + 1].StartsWith("pnpm@", StringComparison.Ordinal) || w[i + 1].StartsWith("yarn@", StringComparison.Ordinal)))
                        ClassifyArgv(cmd, w, i + 1, results, level + 1, runner, null);
                    return;
                case "run-s": case "run-p": case "npm-run-all": case "npm-run-all2":
                    RunAll(cmd, w, i, results); return;
                case "turbo":
                    Turbo(cmd, w, i, results); return;
            }
            ReleaseTools(cmd, w, i, name, results, level, runner, spec);
        }

        internal static int SkipWrappers(ShellCommand cmd, List<string> w, int i)
        {
            for (int guard = 0; guard < 16 && i < w.Count; guard++)
            {
                string name = ProgramName(w[i], cmd.Shell);
                switch (name)
                {
                    case "&": case ".": case "call": case "command": case "builtin": case "exec": case "nohup": case "time": case "noglob":
                        if (name == "command" && i + 1 < w.Count && (w[i + 1] == "-v" || w[i + 1] == "-V")) return w.Count;
                        i++;
                        while (i < w.Count && w[i].StartsWith("-", StringComparison.Ordinal) && w[i].Length > 1) { if (w[i] == "-a") i++; i++; }
                        continue;
                    case "sudo": case "doas":
                        i++;
                        while (i < w.Count && w[i].StartsWith("-", StringComparison.Ordinal))
                        {
                            var o = w[i];
                            i++;
                            if (o == "--") break;
                            if (o == "-u" || o == "-g" || o == "-C" || o == "-D" || o == "-h" || o == "-p" || o == "-r" || o == "-t" || o == "-T" || o == "-U") i++;
                        }
                        i = SkipAssignments(w, i);
                        continue;
                    case "env":
                        i++;
                        while (i < w.Count && w[i].StartsWith("-", StringComparison.Ordinal))
                        {
                            var o = w[i];
                            i++;
                            if (o == "--") break;
                            if (o == "-u" || o == "-C" || o == "--unset" || o == "--chdir") i++;
                        }
                        i = SkipAssignments(w, i);
                        continue;
                    case "cross-env": case "cross-env-shell":
                        i = SkipAssignments(w, i + 1);
                        continue;
                    case "nice":
                        i++;
                        if (i < w.Count && w[i] == "-n") i += 2;
                        else if (i < w.Count && w[i].StartsWith("-", StringComparison.Ordinal)) i++;
                        continue;
                    case "timeout":
                        i++;
                        while (i < w.Count && w[i].StartsWith("-", StringComparison.Ordinal)) { if (w[i] == "-s" || w[i] == "-k") i++; i++; }
                        i++; // the duration
                        continue;
                    case "xargs":
                        i++;
                        while (i < w.Count && w[i].StartsWith("-", StringComparison.Ordinal))
                        {
                            var o = w[i];
                            i++;
                            if (o == "-I" || o == "-n" || o == "-P" || o == "-L" || o == "-d" || o == "-s" || o == "-E" || o == "-a") i++;
                        }
                        continue;
                    case "dotenv":
                        {
                            int dd = w.IndexOf("--", i);
                            i = dd < 0 ? w.Count : dd + 1;
                            continue;
                        }
                    case "retry":
                        {
                            int dd = w.IndexOf("--", i);
                            if (dd < 0) return i;
                            i = dd + 1;
                            continue;
                        }
                }
                return i;
            }
            return i;
        }

        private static int SkipAssignments(List<string> w, int i)
        {
            while (i < w.Count)
            {
                int eq = w[i].IndexOf('=');
                if (eq <= 0 || !ShellVariables.IsNameStart(w[i][0])) break;
                bool ok = true;
                for (int k = 0; k < eq; k++) if (!ShellVariables.IsNameChar(w[i][k])) { ok = false; break; }
                if (!ok) break;
                i++;
            }
            return i;
        }

        // ---------------------------------------------------------------- npm

        // Config keys whose type is not Boolean in npm 11's definitions: `--key value` consumes the next word.
        private static readonly HashSet<string> NpmValueOptions = new HashSet<string>(StringComparer.Ordinal)
        {
            "_auth", "access", "allow-directory", "allow-file", "allow-git", "allow-remote", "allow-scripts", "also", "audit-level",
            "auth-type", "before", "browser", "ca", "cache", "cache-max", "cache-min", "cafile", "call", "cert", "cidr", "color", "cpu",
            "depth", "diff", "diff-dst-prefix", "diff-src-prefix", "diff-unified", "editor", "expect-result-count", "expires",
            "fetch-retries", "fetch-retry-factor", "fetch-retry-maxtimeout", "fetch-retry-mintimeout", "fetch-timeout", "git",
            "globalconfig", "heading", "https-proxy", "include", "init-author-email", "init-author-name", "init-author-url",
            "init-license", "init-module", "init-type", "init-version", "init.author.email", "init.author.name", "init.author.url",
            "init.license", "init.module", "init.version", "install-strategy", "key", "libc", "local-address", "location",
            "lockfile-version", "loglevel", "logs-dir", "logs-max", "maxsockets", "message", "min-release-age",
            "min-release-age-exclude", "node-gyp", "node-options", "noproxy", "omit", "only", "orgs", "os", "otp", "package",
            "pack-destination", "packages", "prefix", "preid", "provenance-file", "proxy", "registry", "replace-registry-host",
            "save-prefix", "sbom-format", "sbom-type", "scope", "scopes", "packages-and-scopes-permission", "orgs-permission",
            "password", "token-description", "script-shell", "searchexclude", "searchlimit", "searchopts", "searchstaleness", "shell",
            "tag", "tag-version-prefix", "umask", "user-agent", "userconfig", "viewer", "which", "workspace", "name",
        };

        // npm 11 shorthands (definitions.js): a single-dash option expands to these.
        private static readonly Dictionary<string, string[]> NpmShorthands = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["enjoy-by"] = new[] { "--before" }, ["d"] = new[] { "--loglevel", "info" }, ["dd"] = new[] { "--loglevel", "verbose" },
            ["ddd"] = new[] { "--loglevel", "silly" }, ["quiet"] = new[] { "--loglevel", "warn" }, ["q"] = new[] { "--loglevel", "warn" },
            ["s"] = new[] { "--loglevel", "silent" }, ["silent"] = new[] { "--loglevel", "silent" }, ["verbose"] = new[] { "--loglevel", "verbose" },
            ["desc"] = new[] { "--description" }, ["help"] = new[] { "--usage" }, ["local"] = new[] { "--no-global" }, ["n"] = new[] { "--no-yes" },
            ["no"] = new[] { "--no-yes" }, ["porcelain"] = new[] { "--parseable" }, ["readonly"] = new[] { "--read-only" }, ["reg"] = new[] { "--registry" },
            ["iwr"] = new[] { "--include-workspace-root" }, ["ws"] = new[] { "--workspaces" }, ["a"] = new[] { "--all" }, ["c"] = new[] { "--call" },
            ["f"] = new[] { "--force" }, ["g"] = new[] { "--global" }, ["L"] = new[] { "--location" }, ["l"] = new[] { "--long" },
            ["m"] = new[] { "--message" }, ["p"] = new[] { "--parseable" }, ["C"] = new[] { "--prefix" }, ["S"] = new[] { "--save" },
            ["B"] = new[] { "--save-bundle" }, ["D"] = new[] { "--save-dev" }, ["E"] = new[] { "--save-exact" }, ["O"] = new[] { "--save-optional" },
            ["P"] = new[] { "--save-prod" }, ["?"] = new[] { "--usage" }, ["H"] = new[] { "--usage" }, ["h"] = new[] { "--usage" },
            ["v"] = new[] { "--version" }, ["w"] = new[] { "--workspace" }, ["y"] = new[] { "--yes" },
        };

        // npm 11 lib/utils/cmd-list.js: commands and aliases (typos included, as npm accepts them).
        private static readonly string[] NpmCommands =
        {
            "access", "adduser", "approve-scripts", "audit", "bugs", "cache", "ci", "completion", "config", "dedupe", "deny-scripts",
            "deprecate", "diff", "dist-tag", "docs", "doctor", "edit", "exec", "explain", "explore", "find-dupes", "fund", "get", "help",
            "help-search", "init", "install", "install-ci-test", "install-scripts", "install-test", "link", "ll", "login", "logout", "ls",
            "org", "outdated", "owner", "pack", "ping", "pkg", "prefix", "profile", "prune", "publish", "query", "rebuild", "repo",
            "restart", "root", "run", "sbom", "search", "set", "shrinkwrap", "stage", "star", "stars", "start", "stop", "team", "test",
            "token", "trust", "undeprecate", "uninstall", "unpublish", "unstar", "update", "version", "view", "whoami",
        };

        private static readonly Dictionary<string, string> NpmAliases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["author"] = "owner", ["home"] = "docs", ["issues"] = "bugs", ["info"] = "view", ["show"] = "view", ["find"] = "search",
            ["add"] = "install", ["unlink"] = "uninstall", ["remove"] = "uninstall", ["rm"] = "uninstall", ["r"] = "uninstall",
            ["un"] = "uninstall", ["rb"] = "rebuild", ["list"] = "ls", ["ln"] = "link", ["create"] = "init", ["i"] = "install",
            ["it"] = "install-test", ["cit"] = "install-ci-test", ["u"] = "update", ["up"] = "update", ["c"] = "config", ["s"] = "search",
            ["se"] = "search", ["tst"] = "test", ["t"] = "test", ["ddp"] = "dedupe", ["v"] = "view", ["run-script"] = "run",
            ["clean-install"] = "ci", ["clean-install-test"] = "install-ci-test", ["x"] = "exec", ["why"] = "explain", ["la"] = "ll",
            ["verison"] = "version", ["ic"] = "ci", ["innit"] = "init", ["in"] = "install", ["ins"] = "install", ["inst"] = "install",
            ["insta"] = "install", ["instal"] = "install", ["isnt"] = "install", ["isnta"] = "install", ["isntal"] = "install",
            ["isntall"] = "install", ["install-clean"] = "ci", ["isntall-clean"] = "ci", ["hlep"] = "help", ["dist-tags"] = "dist-tag",
            ["upgrade"] = "update", ["udpate"] = "update", ["rum"] = "run", ["sit"] = "install-ci-test", ["urn"] = "run", ["ogr"] = "org",
            ["add-user"] = "adduser",
        };

        /// <summary>npm's deref: camelCase to kebab-case, exact command, alias, then a unique prefix of a command or alias
        /// (resolved through aliases), as npm's <c>abbrev</c> table does. Null when ambiguous or unknown.</summary>
        internal static string? NpmDeref(string c)
        {
            if (c.Length == 0) return null;
            var sb = new System.Text.StringBuilder();
            foreach (var ch in c) { if (ch >= 'A' && ch <= 'Z') { sb.Append('-'); sb.Append(char.ToLowerInvariant(ch)); } else sb.Append(ch); }
            c = sb.ToString();
            if (Array.IndexOf(NpmCommands, c) >= 0) return c;
            if (NpmAliases.TryGetValue(c, out var alias)) return alias;
            string? only = null;
            int count = 0;
            foreach (var k in NpmCommands) if (k.StartsWith(c, StringComparison.Ordinal)) { only = k; count++; }
            foreach (var k in NpmAliases.Keys) if (k.StartsWith(c, StringComparison.Ordinal)) { only = k; count++; }
            if (count != 1 || only == null) return null;
            for (int guard = 0; guard < 4 && NpmAliases.TryGetValue(only, out var next); guard++) only = next;
            return only;
        }

        private sealed class ParsedArgs
        {
            public string? Command;
            public readonly List<string> Positional = new List<string>();
            public readonly List<KeyValuePair<string, string?>> Options = new List<KeyValuePair<string, string?>>();
            public int CommandIndex = -1;
            public readonly List<int> PositionalIndex = new List<int>();

            public string? Last(string name)
            {
                string? v = null;
                foreach (var o in Options) if (o.Key == name) v = o.Value;
                return v;
            }
            public bool Has(string name) { foreach (var o in Options) if (o.Key == name) return true; return false; }
            public List<string> All(string name) { var l = new List<string>(); foreach (var o in Options) if (o.Key == name && o.Value != null) l.Add(o.Value); return l; }
            public bool? Bool(string name)
            {
                bool? v = null;
                foreach (var o in Options)
                {
                    if (o.Key == name) v = o.Value == null || !(o.Value == "false" || o.Value == "0" || o.Value == "");
                    else if (o.Key == "no-" + name) v = o.Value != null && o.Value == "false";
                }
                return v;
            }
        }

        // nopt-style: every option anywhere; the first positional is the command; "--" ends options.
        private static ParsedArgs ParseOptions(List<string> w, int from, Func<string, bool> takesValue, Func<string, string[]?> shorthand, int stopAfterPositionals = int.MaxValue)
        {
            var p = new ParsedArgs();
            for (int i = from; i < w.Count; i++)
            {
                var a = w[i];
                if (p.Positional.Count + (p.Command != null ? 1 : 0) >= stopAfterPositionals) { p.Positional.Add(a); p.PositionalIndex.Add(i); continue; }
                if (a == "--")
                {
                    for (int k = i + 1; k < w.Count; k++)
                    {
                        if (p.Command == null) { p.Command = w[k]; p.CommandIndex = k; }
                        else { p.Positional.Add(w[k]); p.PositionalIndex.Add(k); }
                    }
                    break;
                }
                if (a.Length > 1 && a[0] == '-')
                {
                    string name;
                    string? value = null;
                    if (a.StartsWith("--", StringComparison.Ordinal))
                    {
                        int eq = a.IndexOf('=');
                        name = eq > 0 ? a.Substring(2, eq - 2) : a.Substring(2);
                        if (eq > 0) value = a.Substring(eq + 1);
                        // nopt also expands shorthands written with two dashes (--reg, --ws)
                        if (!takesValue(name) && name.Length > 1)
                        {
                            var sh = shorthand(name);
                            if (sh != null)
                            {
                                name = sh[0].TrimStart('-');
                                if (sh.Length > 1) { p.Options.Add(new KeyValuePair<string, string?>(name, sh[1])); continue; }
                            }
                        }
                    }
                    else
                    {
                        var body = a.Substring(1);
                        int eq = body.IndexOf('=');
                        string key = eq > 0 ? body.Substring(0, eq) : body;
                        var exp = shorthand(key);
                        if (exp == null && key.Length > 1)
                        {
                            // combined single-letter flags (-gf); the last may take a value
                            bool all = true;
                            foreach (var ch in key) if (shorthand(ch.ToString()) == null) { all = false; break; }
                            if (all)
                            {
                                for (int k = 0; k < key.Length - 1; k++) AddExpansion(p, shorthand(key[k].ToString())!, null);
                                exp = shorthand(key[key.Length - 1].ToString());
                            }
                        }
                        if (exp == null) { p.Options.Add(new KeyValuePair<string, string?>(key, eq > 0 ? body.Substring(eq + 1) : null)); continue; }
                        name = exp[0].TrimStart('-');
                        if (exp.Length > 1) { p.Options.Add(new KeyValuePair<string, string?>(name, exp[1])); continue; }
                        if (eq > 0) value = body.Substring(eq + 1);
                    }
                    if (value == null && takesValue(name) && i + 1 < w.Count && (!w[i + 1].StartsWith("-", StringComparison.Ordinal) || w[i + 1] == "-"))
                    {
                        value = w[++i];
                    }
                    else if (value == null && !takesValue(name) && i + 1 < w.Count && (w[i + 1] == "true" || w[i + 1] == "false"))
                    {
                        value = w[++i];
                    }
                    p.Options.Add(new KeyValuePair<string, string?>(name, value));
                    continue;
                }
                if (p.Command == null) { p.Command = a; p.CommandIndex = i; }
                else { p.Positional.Add(a); p.PositionalIndex.Add(i); }
            }
            return p;
        }

        private static void AddExpansion(ParsedArgs p, string[] exp, string? value)
            => p.Options.Add(new KeyValuePair<string, string?>(exp[0].TrimStart('-'), exp.Length > 1 ? exp[1] : value));

        private static NpmCommand Make(NpmCommandKind kind, ShellCommand cmd, string tool, string? runner, string? spec)
            => new NpmCommand(kind, cmd, tool) { Runner = runner, ToolSpec = spec };

        private static void ApplyPublishOptions(NpmCommand n, ParsedArgs p)
        {
            n.Provenance = p.Bool("provenance");
            if (n.Provenance == null && p.Has("provenance-file")) n.Provenance = true;
            n.Registry = p.Last("registry");
            n.Tag = p.Last("tag");
            n.Access = p.Last("access");
            n.DryRun = p.Bool("dry-run") == true;
            n.Otp = p.Has("otp");
            n.IgnoreScripts = p.Bool("ignore-scripts") == true;
            n.Global = p.Bool("global") == true || p.Last("location") == "global";
            var ws = p.All("workspace");
            ws.AddRange(p.All("filter"));
            ws.AddRange(p.All("F"));
            n.Workspaces = ws;
            n.AllWorkspaces = p.Bool("workspaces") == true || p.Bool("recursive") == true || p.Has("r");
            n.Directory = p.Last("prefix") ?? p.Last("dir") ?? p.Last("C") ?? p.Last("cwd");
            n.Arguments = p.Positional.ToArray();
        }

        private static NpmCommand Retag(NpmCommand n, NpmCommandKind kind, ParsedArgs p)
        {
            var r = new NpmCommand(kind, n.Command, n.Tool) { Runner = n.Runner, ToolSpec = n.ToolSpec, Script = n.Script };
            ApplyPublishOptions(r, p);
            r.Arguments = n.Arguments;
            return r;
        }

        // ---------------------------------------------------------------- runners: npx, pnpm dlx, yarn dlx, bunx, npm exec

        private static readonly HashSet<string> NpxValueOptions = new HashSet<string>(StringComparer.Ordinal) { "package", "p", "call", "c", "shell", "registry", "cache", "userconfig", "prefix", "C", "workspace", "w", "node-options" };

        private static void Runner(ShellCommand cmd, List<string> w, int from, List<NpmCommand> results, int level, string runner)
        {
            // runner options end at the first positional: everything after it belongs to the command run
            var p = ParseOptions(w, from, n => NpxValueOptions.Contains(n), k => k == "y" ? new[] { "--yes" } : k == "q" ? new[] { "--quiet" } : k == "p" ? new[] { "--package" } : k == "c" ? new[] { "--call" } : null, 1);
            RunnerParsed(cmd, w, p, results, level, runner);
        }

        private static void RunnerParsed(ShellCommand cmd, List<string> w, ParsedArgs p, List<NpmCommand> results, int level, string runner)
        {
            var call = p.Last("call");
            if (call != null)
            {
                foreach (var inner in ShellScriptReader.Read(call, CiShell.Posix))
                    foreach (var r in Classify(inner))
                        results.Add(Rehome(r, cmd, runner));
                return;
            }
            if (p.CommandIndex < 0) return;
            var packages = p.All("package");
            string bin = p.Command!;
            string? spec = null;
            if (packages.Count == 0 || packages.Contains(bin)) { spec = bin; bin = BinName(bin); }
            var words = new List<string> { bin };
            for (int k = p.CommandIndex + 1; k < w.Count; k++) words.Add(w[k]);
            ClassifyArgv(cmd, words, 0, results, level + 1, runner, spec != null && spec != bin ? spec : null);
        }

        private static NpmCommand Rehome(NpmCommand r, ShellCommand cmd, string runner)
        {
            var n = new NpmCommand(r.Kind, cmd, r.Tool)
            {
                Runner = runner, ToolSpec = r.ToolSpec, Script = r.Script, ImplicitScript = r.ImplicitScript, FallbackArguments = r.FallbackArguments,
                Provenance = r.Provenance, Registry = r.Registry, Tag = r.Tag, Access = r.Access, DryRun = r.DryRun, Otp = r.Otp,
                IgnoreScripts = r.IgnoreScripts, Global = r.Global, Workspaces = r.Workspaces, AllWorkspaces = r.AllWorkspaces,
                Directory = r.Directory, Arguments = r.Arguments, TargetFile = r.TargetFile, Append = r.Append, WritesAuth = r.WritesAuth, Login = r.Login,
                LiteralToken = r.LiteralToken, ConfigKey = r.ConfigKey, TokenNames = r.TokenNames, DumpsEnvironment = r.DumpsEnvironment,
            };
            return n;
        }

        /// <summary>The binary a package spec provides: <c>semantic-release@24</c> → semantic-release, <c>@changesets/cli</c> → changeset.</summary>
        internal static string BinName(string spec)
        {
            string name = spec;
            int at = name.IndexOf('@', name.StartsWith("@", StringComparison.Ordinal) ? 1 : 0);
            if (at > 0) name = name.Substring(0, at);
            switch (name)
            {
                case "@changesets/cli": return "changeset";
                case "@lerna-lite/cli": return "lerna";
                case "@qiwi/multi-semantic-release": case "@anolilab/multi-semantic-release": return "multi-semantic-release";
                case "@jsdevtools/npm-publish": return "npm-publish";
                case "@microsoft/rush": return "rush";
                case "@auto-it/core": case "auto": return "auto";
            }
            int slash = name.IndexOf('/');
            return slash >= 0 ? name.Substring(slash + 1) : name;
        }

        // ---------------------------------------------------------------- pnpm

        private static readonly HashSet<string> PnpmValueOptions = new HashSet<string>(StringComparer.Ordinal)
        {
            "filter", "F", "filter-prod", "dir", "C", "reporter", "loglevel", "workspace-concurrency", "resume-from", "test-pattern",
            "changed-files-ignore-pattern", "tag", "access", "registry", "otp", "publish-branch", "store-dir", "virtual-store-dir",
            "modules-dir", "lockfile-dir", "network-concurrency", "child-concurrency", "package-import-method", "node-linker",
            "config", "package", "report-summary-file",
        };

        // pnpm's own commands (pnpm 10 CLI reference, plus the npm commands it passes through); any other first word runs a
        // script of that name, or a binary when there is no such script.
        private static readonly HashSet<string> PnpmBuiltins = new HashSet<string>(StringComparer.Ordinal)
        {
            "add", "approve-builds", "audit", "bin", "cache", "cat-file", "cat-index", "ci", "clean-install", "config", "c", "create", "dedupe", "deploy",
            "dlx", "doctor", "env", "exec", "fetch", "find-hash", "help", "i", "ignored-builds", "import", "init", "install", "install-test", "it",
            "licenses", "link", "ln", "list", "ls", "la", "ll", "outdated", "pack", "patch", "patch-commit", "patch-remove", "prune", "publish",
            "rb", "rebuild", "recursive", "m", "multi", "remove", "rm", "uninstall", "un", "uni", "restart", "root", "run", "run-script",
            "self-update", "server", "setup", "start", "store", "t", "test", "tst", "unlink", "dislink", "up", "update", "upgrade", "why",
            "access", "adduser", "bugs", "deprecate", "dist-tag", "docs", "edit", "info", "login", "logout", "owner", "ping", "prefix",
            "profile", "pkg", "repo", "s", "se", "search", "set-script", "show", "star", "stars", "team", "token", "unpublish", "unstar",
            "v", "version", "view", "whoami", "xmas", "stage", "trust", "sbom", "runtime", "completion", "get", "set",
        };

        private static void MarkWorkspaces(List<NpmCommand> results, int from, ParsedArgs p)
        {
            bool all = p.Bool("recursive") == true || p.Has("r");
            var filters = p.All("filter");
            for (int k = from; k < results.Count; k++)
            {
                if (all) results[k].AllWorkspaces = true;
                if (filters.Count > 0) results[k].Workspaces = filters;
            }
        }

        // `pnpm release`, `yarn release`, `bun release`: a script when the package has one, else the binary of that name.
        private static void Implicit(ShellCommand cmd, List<string> w, int commandIndex, string tool, ParsedArgs p, List<NpmCommand> results, int level, string? runner, string? spec)
        {
            string c = w[commandIndex];
            var rest = new List<string>();
            for (int k = commandIndex; k < w.Count; k++) rest.Add(w[k]);
            // a release tool named as a command is the tool (a script of the same name would be unusual and runs it anyway)
            int before = results.Count;
            if (IsReleaseToolName(BinName(c)))
            {
                ClassifyArgv(cmd, rest, 0, results, level + 1, runner ?? tool, null);
                MarkWorkspaces(results, before, p);
                if (results.Count > before) return;
            }
            var n = Make(NpmCommandKind.RunScript, cmd, tool, runner, spec);
            ApplyPublishOptions(n, p);
            n.Script = c;
            n.ImplicitScript = true;
            n.FallbackArguments = rest;
            n.Arguments = rest.GetRange(1, rest.Count - 1);
            results.Add(n);
        }

        private static void ConfigSet(ShellCommand cmd, List<string> positional, int at, string tool, string target, List<NpmCommand> results, string? runner, string? spec)
        {
            if (at == 1 && (positional.Count == 0 || positional[0] != "set")) return;
            for (int k = at; k < positional.Count; k++)
            {
                var a = positional[k];
                string key, value;
                int eq = a.IndexOf('=');
                if (eq > 0) { key = a.Substring(0, eq); value = a.Substring(eq + 1); }
                else { key = a; value = k + 1 < positional.Count ? positional[++k] : ""; }
                var n = Make(NpmCommandKind.NpmrcWrite, cmd, tool, runner, spec);
                n.TargetFile = target;
                n.ConfigKey = key;
                n.WritesAuth = IsAuthKey(key);
                if (key == "registry" || key == "npmRegistryServer") n.Registry = value;
                n.TokenNames = ShellVariables.Names(value);
                n.LiteralToken = HasLiteralToken(value);
                results.Add(n);
            }
        }

        // ---------------------------------------------------------------- yarn (classic and berry)

        private static readonly HashSet<string> YarnValueOptions = new HashSet<string>(StringComparer.Ordinal)
        {
            "cwd", "network-timeout", "registry", "mutex", "cache-folder", "modules-folder", "global-folder", "link-folder",
            "preferred-cache-folder", "use-yarnrc", "otp", "tag", "access", "new-version", "message", "mode", "network-concurrency",
        };

        private static readonly HashSet<string> YarnBuiltins = new HashSet<string>(StringComparer.Ordinal)
        {
            "access", "add", "audit", "autoclean", "bin", "cache", "check", "config", "constraints", "create", "dedupe", "dlx", "exec",
            "explain", "generate-lock-entry", "global", "help", "import", "info", "init", "install", "licenses", "link", "list", "login",
            "logout", "node", "npm", "outdated", "owner", "pack", "patch", "patch-commit", "plugin", "policies", "publish", "rebuild",
            "remove", "run", "search", "set", "stage", "tag", "team", "unlink", "unplug", "up", "upgrade", "upgrade-interactive",
            "version", "versions", "why", "workspace", "workspaces", "test",
        };

        // ---------------------------------------------------------------- bun

        // ---------------------------------------------------------------- npm, pnpm, yarn, bun: one table

        /// <summary>What a package manager's command does, for the commands the four tools share in spirit.</summary>
        private enum Verb
        {
            /// <summary>Publishes (a dry run is retagged).</summary>
            Publish,
            /// <summary>Installs dependencies, running their install scripts.</summary>
            Install,
            /// <summary>Installs, then runs the test script (npm install-test, pnpm it).</summary>
            InstallThenTest,
            /// <summary>Runs the package script named in the table, with the command's options.</summary>
            Script,
            /// <summary>Runs the package script named in the table, options not read (yarn test).</summary>
            ScriptWithoutOptions,
            /// <summary>Runs the script named by the next word (<c>run</c>).</summary>
            Run,
        }

        /// <summary>Where <c>run &lt;script&gt;</c> takes the script's arguments from, as each tool's CLI does.</summary>
        private enum RunArguments
        {
            /// <summary>npm: the positionals after the script name (options anywhere belong to npm).</summary>
            AfterScript,
            /// <summary>pnpm: every word after the script name, options included.</summary>
            RestOfLine,
            /// <summary>yarn: the positionals after the script name; a binary of that name runs when there is no script.</summary>
            AfterScriptOrBinary,
            /// <summary>bun: the words after the command; a binary of that name runs when there is no script.</summary>
            AllOrBinary,
        }

        /// <summary>One parsed invocation of a package manager, handed to a tool's special commands.</summary>
        private sealed class Invocation
        {
            public ShellCommand Cmd = null!;
            public List<string> W = null!;
            public List<NpmCommand> Results = null!;
            public int Level;
            public string? Runner;
            public string? Spec;
            /// <summary>The options and words before (and, for npm, around) the command.</summary>
            public ParsedArgs P = null!;
            /// <summary>The words after the command, parsed again (null for npm, whose options go anywhere).</summary>
            public ParsedArgs? After;
            /// <summary>All options of the line: <see cref="P"/> for npm, before and after the command for the others.</summary>
            public ParsedArgs Options = null!;
            public string Command = null!;
            public NpmCommand Make(NpmCommandKind kind, string tool) => NpmCommandClassifier.Make(kind, Cmd, tool, Runner, Spec);
        }

        private sealed class PackageManager
        {
            public string Tool = null!;
            public Func<string, bool> TakesValue = null!;
            public Func<string, string[]?> Shorthand = null!;
            /// <summary>Options after the command, parsed separately (null: one nopt-style parse of the whole line, npm).</summary>
            public Func<string, bool>? TakesValueAfter;
            public Func<string, string[]?>? ShorthandAfter;
            /// <summary>The command word to its canonical name (npm's aliases and abbreviations); null ends classification.</summary>
            public Func<string, string?> Deref = c => c;
            public Dictionary<string, (Verb Verb, string? Script)> Verbs = null!;
            public Dictionary<string, Action<Invocation>> Special = new Dictionary<string, Action<Invocation>>(StringComparer.Ordinal);
            /// <summary>Commands that are the tool's own; any other word runs a script (or binary) of that name. Null: no implicit scripts.</summary>
            public HashSet<string>? Builtins;
            public RunArguments Run;
            /// <summary>What a line with options but no command does (bare <c>yarn</c> installs); null: nothing.</summary>
            public Action<Invocation>? NoCommand;
        }

        private static Dictionary<string, (Verb, string?)> VerbTable(params (string Command, Verb Verb, string? Script)[] rows)
        {
            var d = new Dictionary<string, (Verb, string?)>(StringComparer.Ordinal);
            foreach (var r in rows) d[r.Command] = (r.Verb, r.Script);
            return d;
        }

        private static string[]? PnpmShorthand(string k) =>
            k == "r" ? new[] { "--recursive" } : k == "w" ? new[] { "--workspace-root" } : k == "F" ? new[] { "--filter" } : k == "C" ? new[] { "--dir" } : k == "s" ? new[] { "--silent" } : k == "g" ? new[] { "--global" } : k == "D" ? new[] { "--save-dev" } : null;

        private static string[]? PnpmShorthandAfter(string k) =>
            k == "r" ? new[] { "--recursive" } : k == "F" ? new[] { "--filter" } : k == "C" ? new[] { "--dir" } : k == "g" ? new[] { "--global" } : null;

        private static readonly Dictionary<string, PackageManager> PackageManagers = new Dictionary<string, PackageManager>(StringComparer.Ordinal)
        {
            ["npm"] = new PackageManager
            {
                Tool = "npm",
                TakesValue = n => NpmValueOptions.Contains(n),
                Shorthand = k => NpmShorthands.TryGetValue(k, out var e) ? e : null,
                Deref = NpmDeref,
                Verbs = VerbTable(
                    ("publish", Verb.Publish, null), ("install", Verb.Install, null), ("ci", Verb.Install, null), ("update", Verb.Install, null),
                    ("rebuild", Verb.Install, null), ("install-test", Verb.InstallThenTest, null), ("install-ci-test", Verb.InstallThenTest, null),
                    ("run", Verb.Run, null), ("start", Verb.Script, "start"), ("stop", Verb.Script, "stop"), ("test", Verb.Script, "test"),
                    ("restart", Verb.Script, "restart")),
                Special = new Dictionary<string, Action<Invocation>>(StringComparer.Ordinal)
                {
                    ["stage"] = NpmStage, ["exec"] = x => RunnerParsed(x.Cmd, x.W, x.P, x.Results, x.Level, "npm exec"),
                    ["config"] = NpmConfig, ["set"] = NpmConfig,
                    ["login"] = NpmLogin, ["adduser"] = NpmLogin,
                },
                Run = RunArguments.AfterScript,
            },
            ["pnpm"] = new PackageManager
            {
                Tool = "pnpm",
                TakesValue = n => PnpmValueOptions.Contains(n), Shorthand = PnpmShorthand,
                TakesValueAfter = n => PnpmValueOptions.Contains(n), ShorthandAfter = PnpmShorthandAfter,
                Verbs = VerbTable(
                    ("publish", Verb.Publish, null), ("install", Verb.Install, null), ("i", Verb.Install, null), ("add", Verb.Install, null),
                    ("ci", Verb.Install, null), ("clean-install", Verb.Install, null), ("install-test", Verb.InstallThenTest, null),
                    ("it", Verb.InstallThenTest, null), ("update", Verb.Install, null), ("up", Verb.Install, null), ("upgrade", Verb.Install, null),
                    ("rebuild", Verb.Install, null), ("rb", Verb.Install, null), ("run", Verb.Run, null), ("run-script", Verb.Run, null),
                    ("start", Verb.Script, "start"), ("test", Verb.Script, "test"), ("t", Verb.Script, "test"), ("tst", Verb.Script, "test"),
                    ("restart", Verb.Script, "restart")),
                Special = new Dictionary<string, Action<Invocation>>(StringComparer.Ordinal)
                {
                    ["exec"] = PnpmExec, ["dlx"] = x => Runner(x.Cmd, x.W, x.P.CommandIndex + 1, x.Results, x.Level, "pnpm dlx"),
                    ["config"] = PnpmConfig, ["c"] = PnpmConfig, ["set"] = PnpmConfig,
                },
                Builtins = PnpmBuiltins,
                Run = RunArguments.RestOfLine,
            },
            ["yarn"] = new PackageManager
            {
                Tool = "yarn",
                TakesValue = n => YarnValueOptions.Contains(n), Shorthand = k => null,
                TakesValueAfter = n => YarnValueOptions.Contains(n), ShorthandAfter = k => null,
                Verbs = VerbTable(
                    ("publish", Verb.Publish, null), ("install", Verb.Install, null), ("add", Verb.Install, null), ("up", Verb.Install, null),
                    ("upgrade", Verb.Install, null), ("rebuild", Verb.Install, null), ("run", Verb.Run, null), ("test", Verb.ScriptWithoutOptions, "test")),
                Special = new Dictionary<string, Action<Invocation>>(StringComparer.Ordinal)
                {
                    ["npm"] = YarnNpm, ["workspace"] = YarnWorkspace, ["workspaces"] = YarnWorkspaces,
                    ["dlx"] = x => Runner(x.Cmd, x.W, x.P.CommandIndex + 1, x.Results, x.Level, "yarn dlx"),
                    ["exec"] = YarnExec, ["config"] = YarnConfig,
                },
                Builtins = YarnBuiltins,
                Run = RunArguments.AfterScriptOrBinary,
                NoCommand = YarnBare,
            },
            ["bun"] = new PackageManager
            {
                Tool = "bun",
                TakesValue = n => n == "cwd" || n == "filter" || n == "F" || n == "registry" || n == "tag" || n == "access" || n == "otp" || n == "config" || n == "c",
                Shorthand = k => k == "F" ? new[] { "--filter" } : null,
                TakesValueAfter = n => n == "cwd" || n == "filter" || n == "registry" || n == "tag" || n == "access" || n == "otp",
                ShorthandAfter = k => null,
                Verbs = VerbTable(
                    ("publish", Verb.Publish, null), ("install", Verb.Install, null), ("i", Verb.Install, null), ("add", Verb.Install, null),
                    ("a", Verb.Install, null), ("update", Verb.Install, null), ("run", Verb.Run, null)),
                Special = new Dictionary<string, Action<Invocation>>(StringComparer.Ordinal)
                {
                    ["x"] = x => Runner(x.Cmd, x.W, x.P.CommandIndex + 1, x.Results, x.Level, "bun x"),
                },
                // bun's own commands (test is its test runner, not a script)
                Builtins = new HashSet<string>(StringComparer.Ordinal)
                {
                    "test", "build", "pm", "link", "unlink", "remove", "rm", "outdated", "upgrade", "init", "create", "patch", "audit", "info", "repl", "exec", "why",
                },
                Run = RunArguments.AllOrBinary,
            },
        };

        /// <summary>npm, pnpm, yarn or bun at word <paramref name="i"/>: the command through the tool's table.</summary>
        private static void PackageManagerCommand(PackageManager tool, ShellCommand cmd, List<string> w, int i, List<NpmCommand> results, int level, string? runner, string? spec)
        {
            var split = tool.TakesValueAfter != null;
            var p = ParseOptions(w, i + 1, tool.TakesValue, tool.Shorthand, split ? 1 : int.MaxValue);
            var x = new Invocation { Cmd = cmd, W = w, Results = results, Level = level, Runner = runner, Spec = spec, P = p, Options = p };
            if (p.Command == null) { tool.NoCommand?.Invoke(x); return; }
            var command = tool.Deref(p.Command);
            if (command == null) return;
            x.Command = command;
            if (split)
            {
                // options may also follow the command (pnpm -r publish / pnpm publish -r)
                var after = ParseOptions(w, p.CommandIndex + 1, tool.TakesValueAfter!, tool.ShorthandAfter!);
                var merged = new ParsedArgs();
                merged.Options.AddRange(p.Options);
                merged.Options.AddRange(after.Options);
                if (after.Command != null) merged.Positional.Add(after.Command);
                merged.Positional.AddRange(after.Positional);
                x.After = after;
                x.Options = merged;
            }
            if (tool.Verbs.TryGetValue(command, out var verb))
            {
                switch (verb.Verb)
                {
                    case Verb.Publish:
                    {
                        var n = x.Make(NpmCommandKind.Publish, tool.Tool);
                        ApplyPublishOptions(n, x.Options);
                        if (n.DryRun) n = Retag(n, NpmCommandKind.PublishDryRun, x.Options);
                        results.Add(n);
                        return;
                    }
                    case Verb.Install:
                    case Verb.InstallThenTest:
                    {
                        var n = x.Make(NpmCommandKind.Install, tool.Tool);
                        ApplyPublishOptions(n, x.Options);
                        results.Add(n);
                        if (verb.Verb == Verb.InstallThenTest)
                        {
                            var t = x.Make(NpmCommandKind.RunScript, tool.Tool);
                            ApplyPublishOptions(t, x.Options);
                            t.Script = "test";
                            results.Add(t);
                        }
                        return;
                    }
                    case Verb.Script:
                    case Verb.ScriptWithoutOptions:
                    {
                        var n = x.Make(NpmCommandKind.RunScript, tool.Tool);
                        if (verb.Verb == Verb.Script) ApplyPublishOptions(n, x.Options);
                        n.Script = verb.Script;
                        results.Add(n);
                        return;
                    }
                    case Verb.Run:
                        RunScript(tool, x);
                        return;
                }
            }
            if (tool.Special.TryGetValue(command, out var special)) { special(x); return; }
            if (tool.Builtins == null || tool.Builtins.Contains(command)) return;
            Implicit(cmd, w, p.CommandIndex, tool.Tool, p, results, level, runner, spec);
        }

        private static void RunScript(PackageManager tool, Invocation x)
        {
            var p = x.P;
            var after = x.After;
            if (tool.Run == RunArguments.AfterScript ? p.Positional.Count == 0 : after!.Command == null) return;
            var n = x.Make(NpmCommandKind.RunScript, tool.Tool);
            ApplyPublishOptions(n, p);
            switch (tool.Run)
            {
                case RunArguments.AfterScript:
                    n.Script = p.Positional[0];
                    n.Arguments = p.Positional.GetRange(1, p.Positional.Count - 1).ToArray();
                    break;
                case RunArguments.RestOfLine:
                {
                    n.Script = after!.Command;
                    var rest = new List<string>();
                    for (int k = after.CommandIndex + 1; k < x.W.Count; k++) rest.Add(x.W[k]);
                    n.Arguments = rest;
                    break;
                }
                default:
                {
                    n.Script = after!.Command;
                    if (tool.Run == RunArguments.AfterScriptOrBinary) n.Arguments = after.Positional.ToArray();
                    n.ImplicitScript = true; // yarn run and bun run also run binaries when no script matches
                    var rest = new List<string>();
                    for (int k = after.CommandIndex; k < x.W.Count; k++) rest.Add(x.W[k]);
                    n.FallbackArguments = rest;
                    // `yarn run shipjs trigger` is `yarn shipjs trigger`: a release tool named as the script is the tool,
                    // read the same way as the implicit form, whether or not a package.json is there to say otherwise
                    if (IsReleaseToolName(BinName(n.Script!)))
                    {
                        int before = x.Results.Count;
                        ClassifyArgv(x.Cmd, rest, 0, x.Results, x.Level + 1, x.Runner ?? tool.Tool, null);
                        if (x.Results.Count > before) return;
                    }
                    break;
                }
            }
            x.Results.Add(n);
        }

        // ---- the tools' own commands

        private static void NpmStage(Invocation x)
        {
            var p = x.P;
            if (p.Positional.Count == 0 || p.Positional[0] != "publish") return;
            var n = x.Make(NpmCommandKind.StagePublish, "npm");
            ApplyPublishOptions(n, p);
            n.Arguments = p.Positional.GetRange(1, p.Positional.Count - 1).ToArray();
            if (n.DryRun) n = Retag(n, NpmCommandKind.PublishDryRun, p);
            x.Results.Add(n);
        }

        /// <summary>
        /// <c>npm login</c> / <c>npm adduser</c> stores a long-lived session token in the user .npmrc (or
        /// <c>--userconfig</c>): an npmrc write with auth. The credential is what the script feeds it, a user and password
        /// piped in (<c>echo -e "$NPM_USER\n$NPM_PASS\n$NPM_EMAIL" | npm login</c>): the secret-named variables of that
        /// input are its token names. With none visible (an interactive login, a helper that prompts) no name is given,
        /// and the finder says the credential is of unknown origin.
        /// </summary>
        private static void NpmLogin(Invocation x)
        {
            var n = x.Make(NpmCommandKind.NpmrcWrite, "npm");
            n.TargetFile = x.P.Last("userconfig") ?? "~/.npmrc";
            n.WritesAuth = true;
            n.Login = true;
            n.Registry = x.P.Last("registry");
            var names = new List<string>();
            var input = Upstream(x.Cmd);
            if (input != null)
                foreach (var name in input.Value.names)
                    if (IsSecretLikeName(name) && !names.Contains(name)) names.Add(name);
            n.TokenNames = names;
            x.Results.Add(n);
        }

        private static void NpmConfig(Invocation x)
        {
            var p = x.P;
            int at = 0;
            if (x.Command == "config")
            {
                if (p.Positional.Count == 0 || p.Positional[0] != "set") return;
                at = 1;
            }
            var pairs = new List<KeyValuePair<string, string>>();
            for (int k = at; k < p.Positional.Count; k++)
            {
                var a = p.Positional[k];
                int eq = a.IndexOf('=');
                if (eq > 0) pairs.Add(new KeyValuePair<string, string>(a.Substring(0, eq), a.Substring(eq + 1)));
                else if (k + 1 < p.Positional.Count) { pairs.Add(new KeyValuePair<string, string>(a, p.Positional[k + 1])); k++; }
                else pairs.Add(new KeyValuePair<string, string>(a, ""));
            }
            string target = p.Last("userconfig") ?? (p.Bool("global") == true || p.Last("location") == "global" ? "<global npmrc>"
                           : p.Last("location") == "project" ? ".npmrc" : "~/.npmrc");
            foreach (var kv in pairs)
            {
                var n = x.Make(NpmCommandKind.NpmrcWrite, "npm");
                n.TargetFile = target;
                n.ConfigKey = kv.Key;
                n.WritesAuth = IsAuthKey(kv.Key);
                if (kv.Key == "registry") n.Registry = kv.Value;
                n.TokenNames = ShellVariables.Names(kv.Value);
                n.LiteralToken = HasLiteralToken(kv.Value);
                x.Results.Add(n);
            }
        }

        private static void PnpmExec(Invocation x)
        {
            var w = x.W;
            var words = new List<string>();
            int k = x.P.CommandIndex + 1;
            while (k < w.Count && w[k].StartsWith("-", StringComparison.Ordinal)) { if (w[k] == "--") { k++; break; } k++; }
            for (; k < w.Count; k++) words.Add(w[k]);
            int before = x.Results.Count;
            ClassifyArgv(x.Cmd, words, 0, x.Results, x.Level + 1, "pnpm exec", null);
            MarkWorkspaces(x.Results, before, x.P);
        }

        private static void PnpmConfig(Invocation x) =>
            ConfigSet(x.Cmd, x.Options.Positional, x.Command == "set" ? 0 : 1, "pnpm", "~/.npmrc", x.Results, x.Runner, x.Spec);

        // bare `yarn` (with options only) installs
        private static void YarnBare(Invocation x)
        {
            var p = x.P;
            if (p.Has("version") || p.Has("v") || p.Has("help") || p.Has("h")) return;
            var n = x.Make(NpmCommandKind.Install, "yarn");
            ApplyPublishOptions(n, p);
            x.Results.Add(n);
        }

        private static void YarnNpm(Invocation x)
        {
            if (x.After!.Command != "publish") return;
            var n = x.Make(NpmCommandKind.Publish, "yarn");
            ApplyPublishOptions(n, x.Options);
            n.Arguments = x.After.Positional.ToArray();
            if (n.DryRun) n = Retag(n, NpmCommandKind.PublishDryRun, x.Options);
            x.Results.Add(n);
        }

        // yarn workspace <name> <command…>
        private static void YarnWorkspace(Invocation x)
        {
            var after = x.After!;
            if (after.Command == null) return;
            var words = new List<string> { "yarn" };
            for (int k = after.CommandIndex + 1; k < x.W.Count; k++) words.Add(x.W[k]);
            int before = x.Results.Count;
            ClassifyArgv(x.Cmd, words, 0, x.Results, x.Level + 1, x.Runner, x.Spec);
            for (int k = before; k < x.Results.Count; k++) x.Results[k].Workspaces = new[] { after.Command };
        }

        // berry: yarn workspaces foreach [options] <command…>; classic: yarn workspaces run <script>
        private static void YarnWorkspaces(Invocation x)
        {
            var w = x.W;
            int k = x.P.CommandIndex + 1;
            if (k >= w.Count) return;
            if (w[k] == "run" && k + 1 < w.Count)
            {
                var n = x.Make(NpmCommandKind.RunScript, "yarn");
                n.Script = w[k + 1];
                n.AllWorkspaces = true;
                x.Results.Add(n);
                return;
            }
            if (w[k] != "foreach") return;
            k++;
            var filters = new List<string>();
            while (k < w.Count && w[k].StartsWith("-", StringComparison.Ordinal))
            {
                var o = w[k];
                k++;
                if ((o == "--include" || o == "--exclude" || o == "--from" || o == "-j" || o == "--jobs" || o == "--since") && k < w.Count && !w[k].StartsWith("-", StringComparison.Ordinal))
                {
                    if (o == "--include" || o == "--from") filters.Add(w[k]);
                    if (o != "--since") k++;
                }
            }
            var words = new List<string> { "yarn" };
            for (; k < w.Count; k++) words.Add(w[k]);
            int before = x.Results.Count;
            ClassifyArgv(x.Cmd, words, 0, x.Results, x.Level + 1, x.Runner, x.Spec);
            for (int r = before; r < x.Results.Count; r++) { x.Results[r].AllWorkspaces = filters.Count == 0; if (filters.Count > 0) x.Results[r].Workspaces = filters; }
        }

        private static void YarnExec(Invocation x)
        {
            var words = new List<string>();
            for (int k = x.P.CommandIndex + 1; k < x.W.Count; k++) words.Add(x.W[k]);
            ClassifyArgv(x.Cmd, words, 0, x.Results, x.Level + 1, "yarn exec", null);
        }

        private static void YarnConfig(Invocation x)
        {
            bool home = x.Options.Has("H") || x.Options.Has("home");
            ConfigSet(x.Cmd, new List<string>(x.Options.Positional), 1, "yarn", home ? "~/.yarnrc.yml" : ".yarnrc.yml", x.Results, x.Runner, x.Spec);
        }

        // ---------------------------------------------------------------- script runners that name scripts

        private static void RunAll(ShellCommand cmd, List<string> w, int i, List<NpmCommand> results)
        {
            string tool = ProgramName(w[i], cmd.Shell);
            for (int k = i + 1; k < w.Count; k++)
            {
                var a = w[k];
                if (a == "--") break;
                if (a.StartsWith("-", StringComparison.Ordinal))
                {
                    if (a == "--npm-path" || a == "--max-parallel") k++;
                    continue;
                }
                var n = new NpmCommand(NpmCommandKind.RunScript, cmd, tool) { Script = a.Split(' ')[0] };
                results.Add(n);
            }
        }

        private static void Turbo(ShellCommand cmd, List<string> w, int i, List<NpmCommand> results)
        {
            int k = i + 1;
            if (k < w.Count && w[k] == "run") k++;
            var filters = new List<string>();
            var tasks = new List<string>();
            for (; k < w.Count; k++)
            {
                var a = w[k];
                if (a == "--") break;
                if (a.StartsWith("--filter=", StringComparison.Ordinal)) { filters.Add(a.Substring(9)); continue; }
                if ((a == "--filter" || a == "-F") && k + 1 < w.Count) { filters.Add(w[++k]); continue; }
                if (a.StartsWith("-", StringComparison.Ordinal)) { if ((a == "--concurrency" || a == "--cache-dir" || a == "--output-logs" || a == "--log-order" || a == "--env-mode" || a == "--cache") && k + 1 < w.Count && !w[k + 1].StartsWith("-", StringComparison.Ordinal)) k++; continue; }
                tasks.Add(a);
            }
            if (k == i + 1) return;
            foreach (var t in tasks)
            {
                if (t == "login" || t == "link" || t == "unlink" || t == "prune" || t == "gen" || t == "daemon" || t == "telemetry" || t == "info" || t == "ls" || t == "query" || t == "watch" || t == "scan" || t == "boundaries" || t == "devtools" || t == "logout" || t == "bin") return;
                results.Add(new NpmCommand(NpmCommandKind.RunScript, cmd, "turbo") { Script = t, AllWorkspaces = filters.Count == 0, Workspaces = filters });
            }
        }

        // ---------------------------------------------------------------- release tools

        private static readonly HashSet<string> ReleaseToolNames = new HashSet<string>(StringComparer.Ordinal)
        {
            "semantic-release", "multi-semantic-release", "semantic-release-plus", "release-it", "np", "changeset", "lerna", "nx",
            "auto", "shipjs", "clean-publish", "publib", "publib-npm", "npm-publish", "beachball", "rush", "rollingversions",
        };

        internal static bool IsReleaseToolName(string name) => ReleaseToolNames.Contains(name);

        private static void ReleaseTools(ShellCommand cmd, List<string> w, int i, string name, List<NpmCommand> results, int level, string? runner, string? spec)
        {
            if (!ReleaseToolNames.Contains(name)) return;
            var p = ParseOptions(w, i + 1, n => n == "registry" || n == "dist-tag" || n == "tag" || n == "npm-tag" || n == "preid" || n == "e" || n == "extends"
                                           || n == "b" || n == "branches" || n == "r" || n == "repository-url" || n == "t" || n == "tag-format" || n == "p" || n == "plugins"
                                           || n == "projects" || n == "groups" || n == "first-release" || n == "specifier" || n == "c" || n == "config" || n == "otp"
                                           || n == "access" || n == "changeset" || n == "m" || n == "message", k => null);
            bool dry = p.Bool("dry-run") == true || p.Has("d") || p.Has("preview");
            bool? provenance = p.Bool("provenance");
            string? cmdWord = p.Command;
            NpmCommandKind? kind = null;
            switch (name)
            {
                case "semantic-release": case "multi-semantic-release": case "semantic-release-plus": case "publib": case "publib-npm": case "npm-publish": case "clean-publish":
                    kind = NpmCommandKind.ReleaseTool;
                    break;
                case "release-it":
                    if (p.Bool("npm") == false || p.Bool("npm.publish") == false) return;
                    kind = NpmCommandKind.ReleaseTool;
                    break;
                case "np":
                    if (p.Bool("publish") == false) return;
                    kind = NpmCommandKind.ReleaseTool;
                    break;
                case "changeset":
                    if (cmdWord != "publish") return;
                    kind = NpmCommandKind.ReleaseTool;
                    break;
                case "lerna":
                    if (cmdWord == "publish") { kind = NpmCommandKind.ReleaseTool; break; }
                    if (cmdWord == "run" && p.Positional.Count > 0)
                    {
                        results.Add(new NpmCommand(NpmCommandKind.RunScript, cmd, "lerna") { Script = p.Positional[0], AllWorkspaces = true, Runner = runner, ToolSpec = spec });
                        return;
                    }
                    if (cmdWord == "exec")
                    {
                        int dd = w.IndexOf("--", i);
                        if (dd < 0) return;
                        int before = results.Count;
                        ClassifyArgv(cmd, w.GetRange(dd + 1, w.Count - dd - 1), 0, results, level + 1, runner, null);
                        for (int k = before; k < results.Count; k++) results[k].AllWorkspaces = true;
                        return;
                    }
                    return;
                case "nx":
                    if (cmdWord == "release")
                    {
                        string? sub = p.Positional.Count > 0 ? p.Positional[0] : null;
                        if (sub == "version" || sub == "changelog" || sub == "plan" || sub == "plan:check") return;
                        if (sub != "publish" && p.Bool("skip-publish") == true) return;
                        kind = NpmCommandKind.ReleaseTool;
                        break;
                    }
                    // nx run-many -t nx-release-publish / nx run proj:nx-release-publish
                    foreach (var o in p.Options) if ((o.Key == "t" || o.Key == "target" || o.Key == "targets") && o.Value != null && o.Value.Contains("nx-release-publish")) { kind = NpmCommandKind.ReleaseTool; break; }
                    foreach (var a in p.Positional) if (a.EndsWith(":nx-release-publish", StringComparison.Ordinal) || a == "nx-release-publish") kind = NpmCommandKind.ReleaseTool;
                    if (cmdWord != null && cmdWord.EndsWith(":nx-release-publish", StringComparison.Ordinal)) kind = NpmCommandKind.ReleaseTool;
                    if (kind == null) return;
                    break;
                case "auto":
                    if (cmdWord == "shipit" || cmdWord == "latest" || cmdWord == "canary" || cmdWord == "next") { kind = NpmCommandKind.ReleaseTool; break; }
                    return;
                case "shipjs":
                    if (cmdWord == "trigger") { kind = NpmCommandKind.ReleaseTool; break; }
                    return;
                case "beachball":
                case "rollingversions":
                    // Rolling Versions: `rollingversions publish` publishes the approved change sets to npm
                    if (cmdWord == "publish") { kind = NpmCommandKind.ReleaseTool; break; }
                    return;
                case "rush":
                    if (cmdWord == "publish" && (p.Has("publish") || p.Has("p"))) { kind = NpmCommandKind.ReleaseTool; break; }
                    return;
            }
            if (kind == null) return;
            var n = Make(dry ? NpmCommandKind.PublishDryRun : kind.Value, cmd, name, runner, spec);
            n.DryRun = dry;
            n.Provenance = provenance;
            n.Registry = p.Last("registry");
            n.Tag = p.Last("tag") ?? p.Last("dist-tag") ?? p.Last("npm-tag");
            n.Arguments = p.Positional.ToArray();
            results.Add(n);
        }

        // ---------------------------------------------------------------- file writes, disclosures, tracing

        private static readonly string[] AuthKeys = { "_authToken", "_auth", "_password", "npmAuthToken", "npmAuthIdent", "_authtoken" };

        internal static bool IsAuthKey(string key)
        {
            foreach (var k in AuthKeys)
                if (key.EndsWith(k, StringComparison.OrdinalIgnoreCase) || key.IndexOf(":" + k, StringComparison.OrdinalIgnoreCase) >= 0) return true;
            return key.IndexOf("npmAuthToken", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        internal static bool HasAuthContent(string text)
        {
            foreach (var k in AuthKeys) if (text.IndexOf(k, StringComparison.OrdinalIgnoreCase) >= 0) return true;
            return false;
        }

        /// <summary>
        /// Whether content written to <paramref name="path"/> carries an npm credential: an auth key in the text, or, for an
        /// npmrc, a variable named like a secret. CI secrets often hold the whole auth line or the whole .npmrc
        /// (<c>echo $NPM_TOKEN &gt;&gt; ~/.npmrc</c> with NPM_TOKEN set to <c>//registry.npmjs.org/:_authToken=…</c>), so
        /// the key never shows in the script; a registry or scope line (<c>registry=$REGISTRY_URL</c>) is no credential.
        /// </summary>
        internal static bool WritesCredential(string path, string? text, IReadOnlyList<string> names)
        {
            if (text != null && HasAuthContent(text)) return true;
            if (!IsNpmrcPath(path)) return false;
            foreach (var name in names) if (IsSecretLikeName(name)) return true;
            return false;
        }

        /// <summary>npm's token format (<c>npm_</c> and 36 base62 characters).</summary>
        internal static bool HasLiteralToken(string text)
        {
            int i = 0;
            while ((i = text.IndexOf("npm_", i, StringComparison.Ordinal)) >= 0)
            {
                int k = i + 4;
                while (k < text.Length && k - i - 4 < 40 && ShellVariables.IsNameChar(text[k]) && text[k] != '_') k++;
                if (k - i - 4 == 36 && (i == 0 || !ShellVariables.IsNameChar(text[i - 1]))) return true;
                i += 4;
            }
            return false;
        }

        /// <summary>A file npm or yarn reads configuration (and credentials) from.</summary>
        internal static bool IsNpmrcPath(string path)
        {
            var p = path.Replace('\\', '/').TrimEnd('/');
            // a PowerShell expression argument, (Join-Path $HOME '.npmrc'): the file is its last word
            if (p.StartsWith("(", StringComparison.Ordinal) || p.StartsWith("$(", StringComparison.Ordinal))
            {
                p = p.TrimEnd(')', ' ');
                var space = p.LastIndexOfAny(new[] { ' ', ',', '(' });
                p = p.Substring(space + 1).Trim('\'', '"', ')').TrimEnd('/');
            }
            int slash = p.LastIndexOf('/');
            var file = slash >= 0 ? p.Substring(slash + 1) : p;
            if (file.Equals(".npmrc", StringComparison.OrdinalIgnoreCase) || file.Equals(".yarnrc.yml", StringComparison.OrdinalIgnoreCase)
                || file.Equals(".yarnrc", StringComparison.OrdinalIgnoreCase) || file.Equals("npmrc", StringComparison.OrdinalIgnoreCase)) return true;
            return p.IndexOf("NPM_CONFIG_USERCONFIG", StringComparison.OrdinalIgnoreCase) >= 0 || p.IndexOf("npm_config_globalconfig", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        /// <summary>A variable name that looks like it holds a credential.</summary>
        internal static bool IsSecretLikeName(string name)
        {
            var u = name.ToUpperInvariant();
            return u.Contains("TOKEN") || u.Contains("AUTH") || u.Contains("SECRET") || u.Contains("PASSWORD") || u.Contains("PASSWD") || u.Contains("NPMRC") || u.EndsWith("_KEY", StringComparison.Ordinal) || u == "NPM_PASS";
        }

        private static readonly HashSet<string> PrintCommands = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "echo", "printf", "write-host", "write-output", "write-information", "write-verbose", "write-warning", "echo.", "print" };

        private static readonly HashSet<string> FileReaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "cat", "more", "less", "head", "tail", "bat", "tac", "nl", "type", "get-content", "gc", "od", "xxd", "hexdump", "base64", "strings" };

        private static void ClassifyShellLevel(ShellCommand cmd, List<string> w, List<NpmCommand> results)
        {
            int i = SkipWrappers(cmd, w, 0);
            string name = i < w.Count ? ProgramName(w[i], cmd.Shell) : "";
            string lname = name.ToLowerInvariant();
            bool windows = cmd.Shell != CiShell.Posix;

            // tracing
            if (IsTraceOn(cmd, w, i, lname)) results.Add(new NpmCommand(NpmCommandKind.TraceOn, cmd, name));

            // content this command produces on stdout (echo/printf words, a heredoc, a here-string), or null when unknown
            var content = ProducedContent(cmd, w, i, lname);
            bool stdoutToFile = false;
            foreach (var r in cmd.Redirections)
            {
                if (!r.WritesFile || (r.Descriptor != 1 && r.Descriptor != -1)) continue;
                stdoutToFile = true;
                var target = r.Target.Value;
                bool auth = content != null && WritesCredential(target, content.Value.text, content.Value.names);
                if (!IsNpmrcPath(target) && !auth) continue;
                var n = new NpmCommand(NpmCommandKind.NpmrcWrite, cmd, name)
                {
                    TargetFile = target,
                    Append = r.Kind == ShellRedirectionKind.Append,
                    WritesAuth = auth,
                    LiteralToken = content != null && HasLiteralToken(content.Value.text),
                    TokenNames = content?.names ?? new string[0],
                };
                results.Add(n);
            }

            // tee [-a] file…; Set-Content / Add-Content / Out-File; cp/mv/Copy-Item onto an npmrc
            if (lname == "tee") Tee(cmd, w, i, results);
            else if (lname == "set-content" || lname == "add-content" || lname == "out-file" || lname == "sc" || lname == "ac" || lname == "new-item" || lname == "ni")
                PowerShellWrite(cmd, w, i, lname, results);
            else if (windows && DotNetFileWrite(lname) is bool dotNetAppend)
                DotNetWrite(cmd, w, i, name, dotNetAppend, results);
            else if (lname == "cp" || lname == "mv" || lname == "copy" || lname == "move" || lname == "copy-item" || lname == "move-item" || lname == "install" || lname == "ln")
            {
                var args = new List<string>();
                for (int k = i + 1; k < w.Count; k++) if (!w[k].StartsWith("-", StringComparison.Ordinal) && !(windows && w[k].StartsWith("/", StringComparison.Ordinal) && w[k].Length == 2)) args.Add(w[k]);
                if (args.Count >= 2 && IsNpmrcPath(args[args.Count - 1]))
                    results.Add(new NpmCommand(NpmCommandKind.NpmrcWrite, cmd, name) { TargetFile = args[args.Count - 1] });
            }

            if (stdoutToFile) return;

            // disclosures to the log
            if (FileReaders.Contains(lname) && !(lname == "type" && !windows))
            {
                for (int k = i + 1; k < w.Count; k++)
                {
                    var a = w[k];
                    if (a.StartsWith("-", StringComparison.Ordinal) && lname != "type") { if ((a == "-Path" || a == "-LiteralPath" || a == "-n" || a == "-c") ) { } continue; }
                    if (IsNpmrcPath(a)) { results.Add(new NpmCommand(NpmCommandKind.NpmrcDisclose, cmd, name) { TargetFile = a }); break; }
                }
                return;
            }
            if (content != null && PrintCommands.Contains(lname))
            {
                var text = content.Value.text;
                if (text.StartsWith("::add-mask::", StringComparison.Ordinal) || text.IndexOf("issecret=true", StringComparison.OrdinalIgnoreCase) >= 0) return;
                var secretNames = new List<string>();
                bool secretExpr = false;
                for (int k = i + 1; k < cmd.Words.Count; k++)
                    foreach (var r in cmd.Words[k].References)
                    {
                        if (r.IsSecret) secretExpr = true;
                        if ((r.IsSecret || IsSecretLikeName(r.Name)) && !secretNames.Contains(r.Name)) secretNames.Add(r.Name);
                    }
                bool literal = HasLiteralToken(text);
                if (secretNames.Count > 0 || secretExpr || literal || (HasAuthContent(text) && content.Value.names.Count > 0))
                {
                    if (IsPipedIntoFileWriter(cmd)) return;
                    results.Add(new NpmCommand(NpmCommandKind.NpmrcDisclose, cmd, name) { TokenNames = secretNames.Count > 0 ? secretNames : content.Value.names, LiteralToken = literal });
                }
                return;
            }
            // environment dumps
            bool dump = false;
            var disclosed = new List<string>();
            if (lname == "printenv")
            {
                for (int k = i + 1; k < w.Count; k++) if (!w[k].StartsWith("-", StringComparison.Ordinal)) disclosed.Add(w[k]);
                dump = disclosed.Count == 0;
                if (!dump) disclosed.RemoveAll(n => !IsSecretLikeName(n));
                if (!dump && disclosed.Count == 0) return;
            }
            else if (i >= w.Count && w.Count > 0 && ProgramName(w[0], cmd.Shell) == "env") dump = true;
            else if ((lname == "set" && w.Count == i + 1) || ((lname == "export" || lname == "declare" || lname == "typeset") && (w.Count == i + 1 || w[i + 1] == "-p" || w[i + 1] == "-x") && (w.Count <= i + 2)))
                dump = true;
            else if ((lname == "get-childitem" || lname == "gci" || lname == "dir" || lname == "ls" || lname == "get-item" || lname == "gi") && windows)
            {
                for (int k = i + 1; k < w.Count; k++)
                {
                    var a = w[k];
                    if (a.Equals("env:", StringComparison.OrdinalIgnoreCase) || a.Equals("env:\\", StringComparison.OrdinalIgnoreCase) || a.Equals("env:*", StringComparison.OrdinalIgnoreCase)) { dump = true; break; }
                    if (a.StartsWith("env:", StringComparison.OrdinalIgnoreCase) && IsSecretLikeName(a.Substring(4))) disclosed.Add(a.Substring(4));
                }
                if (!dump && disclosed.Count == 0) return;
            }
            else return;
            if (IsPipedIntoFileWriter(cmd)) return;
            results.Add(new NpmCommand(NpmCommandKind.NpmrcDisclose, cmd, name) { DumpsEnvironment = dump, TokenNames = disclosed });
        }

        // Output piped on into tee/Set-Content/Out-File is classified there, as a write.
        private static bool IsPipedIntoFileWriter(ShellCommand cmd)
        {
            var next = cmd.PipedTo;
            if (next == null || next.Words.Count == 0) return false;
            var n = ProgramName(next.Words[0].Value, next.Shell).ToLowerInvariant();
            if (n == "tee")
            {
                // tee also prints what it writes, so only a tee whose output goes nowhere hides the content
                foreach (var r in next.Redirections) if (r.Kind == ShellRedirectionKind.Write && r.Target.Value == "/dev/null") return true;
                return false;
            }
            // answers to npm login's prompts: npm reads them and does not print the password
            if (n == "npm")
                for (int k = 1; k < next.Words.Count; k++)
                {
                    var word = next.Words[k].Value;
                    if (word == "login" || word == "adduser" || word == "add-user") return true;
                    if (!word.StartsWith("-", StringComparison.Ordinal)) break;
                }
            // into a file or a digest: the value itself does not reach the log (base64 would print it, unmasked)
            return n == "set-content" || n == "add-content" || n == "out-file" || n == "sc" || n == "ac" || n == "out-null"
                   || n == "sha256sum" || n == "sha1sum" || n == "md5sum" || n == "wc" || n == "docker" || n == "gh";
        }

        private static bool IsTraceOn(ShellCommand cmd, List<string> w, int i, string lname)
        {
            if (i >= w.Count) return false;
            if (cmd.Shell == CiShell.Posix && lname == "set")
            {
                bool on = false;
                for (int k = i + 1; k < w.Count; k++)
                {
                    var a = w[k];
                    if (a == "-o" && k + 1 < w.Count) { if (w[k + 1] == "xtrace") on = true; k++; continue; }
                    if (a == "+o" && k + 1 < w.Count) { if (w[k + 1] == "xtrace") on = false; k++; continue; }
                    if (a.Length >= 2 && a[0] == '-' && a[1] != '-' && a.IndexOf('x') > 0) on = true;
                    else if (a.Length >= 2 && a[0] == '+' && a.IndexOf('x') > 0) on = false;
                    if (a == "--") break;
                }
                return on;
            }
            if (lname == "set-psdebug")
            {
                for (int k = i + 1; k < w.Count; k++)
                {
                    var a = w[k];
                    if (a.StartsWith("-trace", StringComparison.OrdinalIgnoreCase))
                    {
                        string level = a.IndexOf(':') > 0 ? a.Substring(a.IndexOf(':') + 1) : (k + 1 < w.Count ? w[k + 1] : "");
                        return level.Trim() != "0";
                    }
                }
                return false;
            }
            if (cmd.Shell == CiShell.Cmd && lname == "echo" && w.Count == i + 2 && w[i + 1].Equals("on", StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private static (string text, IReadOnlyList<string> names)? ProducedContent(ShellCommand cmd, List<string> w, int i, string lname)
        {
            var sb = new System.Text.StringBuilder();
            var names = new List<string>();
            bool known = false;
            if (PrintCommands.Contains(lname) || (cmd.Shell == CiShell.PowerShell && i == 0 && w.Count >= 1 && cmd.Words[0].Quoted))
            {
                known = true;
                int from = PrintCommands.Contains(lname) ? i + 1 : 0;
                for (int k = from; k < cmd.Words.Count; k++)
                {
                    if (lname == "echo" && cmd.Shell == CiShell.Posix && k == from && (w[k] == "-e" || w[k] == "-n" || w[k] == "-E" || w[k] == "-ne" || w[k] == "-en")) continue;
                    if (sb.Length > 0) sb.Append(' ');
                    sb.Append(w[k]);
                    foreach (var r in cmd.Words[k].References) if (!names.Contains(r.Name)) names.Add(r.Name);
                }
            }
            if (cmd.HeredocBody != null && (lname == "cat" || lname == "tee" || lname == "envsubst" || lname == "sed" || lname == "printf" || lname == "echo" || lname == "sh"))
            {
                known = true;
                if (sb.Length > 0) sb.Append('\n');
                sb.Append(cmd.HeredocBody);
                foreach (var n in ShellVariables.Names(cmd.HeredocBody)) if (!names.Contains(n)) names.Add(n);
            }
            foreach (var r in cmd.Redirections)
            {
                if (r.Kind != ShellRedirectionKind.HereString) continue;
                known = true;
                sb.Append(r.Target.Value);
                foreach (var x in r.Target.References) if (!names.Contains(x.Name)) names.Add(x.Name);
            }
            if (!known) return null;
            return (sb.ToString(), names);
        }

        private static void Tee(ShellCommand cmd, List<string> w, int i, List<NpmCommand> results)
        {
            bool append = false;
            var files = new List<string>();
            for (int k = i + 1; k < w.Count; k++)
            {
                var a = w[k];
                if (a == "-a" || a == "--append") { append = true; continue; }
                if (a.StartsWith("-", StringComparison.Ordinal) && a.Length > 1) { if (a.IndexOf('a') > 0 && !a.StartsWith("--", StringComparison.Ordinal)) append = true; continue; }
                files.Add(a);
            }
            var content = Upstream(cmd);
            foreach (var f in files)
            {
                bool auth = content != null && WritesCredential(f, content.Value.text, content.Value.names);
                if (!IsNpmrcPath(f) && !auth) continue;
                results.Add(new NpmCommand(NpmCommandKind.NpmrcWrite, cmd, "tee")
                {
                    TargetFile = f, Append = append, WritesAuth = auth,
                    LiteralToken = content != null && HasLiteralToken(content.Value.text),
                    TokenNames = content?.names ?? new string[0],
                });
            }
        }

        // What flows into a command's stdin: its own heredoc/here-string, or what the command piped into it prints.
        private static (string text, IReadOnlyList<string> names)? Upstream(ShellCommand cmd)
        {
            var own = ProducedContent(cmd, new List<string>(), 0, "tee");
            if (own != null && own.Value.text.Length > 0) return own;
            var from = cmd.PipedFrom;
            if (from == null) return null;
            var fw = new List<string>();
            foreach (var x in from.Words) fw.Add(x.Value);
            int fi = SkipWrappers(from, fw, 0);
            string fname = fi < fw.Count ? ProgramName(fw[fi], from.Shell).ToLowerInvariant() : "";
            return ProducedContent(from, fw, fi, fname);
        }

        private static void PowerShellWrite(ShellCommand cmd, List<string> w, int i, string lname, List<NpmCommand> results)
        {
            string? path = null;
            string? value = null;
            IReadOnlyList<string> names = new string[0];
            bool append = lname == "add-content" || lname == "ac";
            var positional = new List<int>();
            for (int k = i + 1; k < w.Count; k++)
            {
                var a = w[k];
                if (a.StartsWith("-", StringComparison.Ordinal) && !cmd.Words[k].Quoted && a.Length > 1)
                {
                    var pn = a.Substring(1).ToLowerInvariant();
                    int colon = pn.IndexOf(':');
                    string? inline = colon > 0 ? a.Substring(colon + 2) : null;
                    if (colon > 0) pn = pn.Substring(0, colon);
                    if (pn == "append") { append = true; continue; }
                    if (pn == "force" || pn == "nonewline" || pn == "passthru" || pn == "whatif" || pn == "confirm") continue;
                    int vi = inline != null ? k : k + 1;
                    string? v = inline ?? (k + 1 < w.Count ? w[k + 1] : null);
                    if (inline == null) k++;
                    if (pn == "path" || pn == "literalpath" || pn == "filepath" || pn == "pspath") path = v;
                    else if (pn == "value" || pn == "inputobject") { value = v; if (vi < cmd.Words.Count) names = RefNames(cmd.Words[vi]); }
                    continue;
                }
                positional.Add(k);
            }
            if (path == null && positional.Count > 0) path = w[positional[0]];
            if (value == null && positional.Count > 1) { value = w[positional[1]]; names = RefNames(cmd.Words[positional[1]]); }
            if (value == null)
            {
                var up = Upstream(cmd);
                if (up != null) { value = up.Value.text; names = up.Value.names; }
            }
            if (path == null) return;
            bool auth = value != null && WritesCredential(path, value, names);
            if (!IsNpmrcPath(path) && !auth) return;
            results.Add(new NpmCommand(NpmCommandKind.NpmrcWrite, cmd, ProgramName(w[i], cmd.Shell))
            {
                TargetFile = path, Append = append, WritesAuth = auth, LiteralToken = value != null && HasLiteralToken(value), TokenNames = names,
            });
        }

        /// <summary>A .NET static method that writes a file (<c>[IO.File]::WriteAllText</c>, <c>AppendAllLines</c>, …):
        /// true when it appends, false when it replaces, null for any other method.</summary>
        private static bool? DotNetFileWrite(string lname)
        {
            var sep = lname.IndexOf("]::", StringComparison.Ordinal);
            if (sep < 0 || lname[0] != '[') return null;
            var type = lname.Substring(1, sep - 1);
            if (type != "io.file" && type != "system.io.file") return null;
            var method = lname.Substring(sep + 3);
            if (method == "writealltext" || method == "writealllines" || method == "writeallbytes") return false;
            if (method == "appendalltext" || method == "appendalllines") return true;
            return null;
        }

        // [IO.File]::WriteAllText(path, contents[, encoding]): the first argument is the file, the others its content
        private static void DotNetWrite(ShellCommand cmd, List<string> w, int i, string name, bool append, List<NpmCommand> results)
        {
            if (i + 1 >= w.Count) return;
            var path = w[i + 1];
            var value = new System.Text.StringBuilder();
            var names = new List<string>();
            for (int k = i + 2; k < w.Count; k++)
            {
                if (value.Length > 0) value.Append('\n');
                value.Append(w[k]);
                foreach (var n in RefNames(cmd.Words[k])) if (!names.Contains(n)) names.Add(n);
            }
            var text = value.ToString();
            bool auth = WritesCredential(path, text, names);
            if (!IsNpmrcPath(path) && !auth) return;
            results.Add(new NpmCommand(NpmCommandKind.NpmrcWrite, cmd, name)
            {
                TargetFile = path, Append = append, WritesAuth = auth, LiteralToken = HasLiteralToken(text), TokenNames = names,
            });
        }

        private static IReadOnlyList<string> RefNames(ShellWord word)
        {
            var l = new List<string>();
            foreach (var r in word.References) if (!l.Contains(r.Name)) l.Add(r.Name);
            return l;
        }
    }
}
