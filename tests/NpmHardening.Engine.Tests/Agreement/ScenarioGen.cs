using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>
    /// CsCheck generator of layered npm configurations (see docs/npm-agreement.md for what it covers).
    /// Deterministic for a PCG seed: <c>Generate(PCG.Parse(seed), …)</c> rebuilds the same scenario.
    /// </summary>
    public sealed class ScenarioGen : Gen<Scenario>
    {
        private const string R = Scenario.RootToken;
        private const string NoEquals = "\u0000noeq"; // the line is the bare key (ini: true)

        /// <summary>node's install prefix (dirname(dirname(execPath))): where DESTDIR scenarios put the global file.</summary>
        private readonly string _nodePrefix;

        public ScenarioGen(string nodePrefix) { _nodePrefix = nodePrefix.TrimEnd('/'); }

        public override Scenario Generate(PCG pcg, Size? min, out Size size)
        {
            size = new Size(0);
            var seed = pcg.ToString();
            var s = new Builder(new Draw(pcg), _nodePrefix).Build();
            s.Seed = seed;
            return s;
        }

        /// <summary>Random choices drawn from CsCheck's PCG (with CsCheck generators where they fit).</summary>
        internal sealed class Draw
        {
            private readonly PCG _pcg;
            public Draw(PCG pcg) { _pcg = pcg; }
            public int Int(int lo, int hi) => lo + (int)_pcg.Next((uint)(hi - lo + 1));
            public bool Chance(double p) => _pcg.Next(1_000_000) < (uint)(p * 1_000_000);
            public T Pick<T>(params T[] items) => items[Int(0, items.Length - 1)];
            public T Of<T>(Gen<T> gen) => gen.Generate(_pcg, null, out _);
            public T Weighted<T>(params (int Weight, T Item)[] items)
            {
                int total = items.Sum(i => i.Weight), r = Int(0, total - 1);
                foreach (var i in items) { if (r < i.Weight) return i.Item; r -= i.Weight; }
                return items[items.Length - 1].Item;
            }
        }

        // ---- values -------------------------------------------------------------------------------

        private static readonly string[] BoolValues =
            { "true", "false", "true", "false", "\"true\"", "'false'", "", NoEquals, "null", "undefined", "yes", "1", "0", "TRUE", " false " };
        private static readonly string[] NumberValues =
            { "0", "3", "10", "-1", "1.5", "0x1f", "1e3", "1e21", "-0", "abc", "", " 7 ", "null", "Infinity", "07", "${NPMH_NUM}", "\"4\"", "2.50",
              // rounded once from the exact value, as JavaScript does (issue 10)
              "0x1000000000000081", "9007199254740993", "0o7777777777777777777777", "123456789012345678901234567890", "1e400" };
        private static readonly string[] UrlValues =
            { "https://registry.example.com/", "http://localhost:4873", "https://r.example.com/npm/repo/", "${NPMH_REG}", "https://registry.npmjs.org/",
              "https://user:s3cret@r.example.com/", "not a url", "\"https://q.example.com/\"", "HTTPS://Upper.Example.COM/x", "${NPMH_UNSET}" };
        private static readonly string[] PathValues =
            { "~/npm-cache", "./rel/cache", "../up/cache", "rel", R + "/abs/cache", "${HOME}/from-home", "~", "~other/x", "", "${NPMH_UNSET}/x",
              "${NPMH_DIR}/c", "\"~/quoted\"", "'./single'", "~\\back", "${NPMH_UNSET?}gone", "~/" };
        // cafile never names a folder npm itself creates: npm makes the cache folder on its first run, so a cafile equal
        // to a cache path that did not exist (e.g. both "${NPMH_UNSET}/x") is a file for the engine's view of the
        // scenario and a folder (EISDIR) for the npm runs that follow — a difference of the harness, not of the engine.
        // "~" stays: the home folder exists before any run, so EISDIR there is a real case.
        private static readonly string[] CaFileValues =
            { "~/npm-cache/ca.pem", "./rel/ca.pem", "../up/ca.pem", "rel.pem", R + "/abs/ca.pem", "${HOME}/from-home.pem", "~", "~other/x.pem", "",
              "${NPMH_UNSET}/ca.pem", "${NPMH_DIR}/ca.pem", "\"~/quoted.pem\"", "'./single.pem'", "~\\back.pem", "${NPMH_UNSET?}gone.pem" };
        private static readonly string[] StringValues =
            { "latest", "next", "Jane Doe", "é ü ✓", "\"a;b\"", "a\\;b", "\"line\\nbreak\"", "'x#y'", "${NPMH_A}", "\\${NPMH_A}", "pre-${NPMH_A}-post",
              "$NPMH_A", "${NPMH_EMPTY}", "true", "null", "  padded  ", "--max-old-space-size=4096", "x=y=z", "undefined", "",
              // process.env inherits from Object.prototype
              "${constructor}", "${toString}-x", "${__proto__}", "${valueOf?}" };
        // Not generated: text that only V8's legacy Date fallback accepts ("0" is 2000-01-01 there); the
        // engine reads ISO 8601 (with V8's day overflow) and common RFC forms — see docs/npm-agreement.md.
        private static readonly string[] DateValues =
            { "2024-01-01", "2024-01-01T10:20:30Z", "2023-06-15T08:00:00.123+02:00", "yesterday", "", "2024-02-30", "null" };
        private static readonly string[] UmaskValues = { "022", "0022", "077", "18", "bogus", "0o22", "0", "", "07777777777777777777777777" };

        private sealed class KeySpec
        {
            public KeySpec(string key, int weight, Func<Draw, string> value, bool list = false) { Key = key; Weight = weight; Value = value; List = list; }
            public string Key { get; }
            public int Weight { get; }
            public Func<Draw, string> Value { get; }
            public bool List { get; }
        }

        private static Func<Draw, string> Of(params string[] values) => d => d.Pick(values);

        // Real npm keys (NpmConfigCatalog.Default) plus scoped, nerf-darted, protected, unknown and ${VAR} keys.
        private static readonly KeySpec[] Keys =
        {
            new KeySpec("strict-ssl", 6, Of(BoolValues)),
            new KeySpec("ignore-scripts", 6, Of(BoolValues)),
            new KeySpec("save-exact", 3, Of(BoolValues)),
            new KeySpec("audit", 4, Of(BoolValues)),
            new KeySpec("fund", 2, Of(BoolValues)),
            new KeySpec("package-lock", 2, Of(BoolValues)),
            new KeySpec("engine-strict", 1, Of(BoolValues)),
            new KeySpec("legacy-peer-deps", 1, Of(BoolValues)),
            new KeySpec("global", 1, Of("true", "false", NoEquals)),
            new KeySpec("workspaces", 1, Of("true", "false", "null")),
            new KeySpec("fetch-retries", 5, Of(NumberValues)),
            new KeySpec("fetch-timeout", 2, Of(NumberValues)),
            new KeySpec("min-release-age", 4, Of(NumberValues)),
            new KeySpec("logs-max", 2, Of(NumberValues)),
            new KeySpec("maxsockets", 1, Of(NumberValues)),
            new KeySpec("depth", 1, Of(NumberValues)),
            new KeySpec("registry", 8, Of(UrlValues)),
            new KeySpec("@acme:registry", 4, Of(UrlValues)),
            new KeySpec("@Other.Scope:registry", 1, Of(UrlValues)),
            new KeySpec("https-proxy", 2, Of(UrlValues)),
            new KeySpec("proxy", 1, Of("false", "http://proxy.example.com:3128/", "null", "")),
            new KeySpec("noproxy", 1, Of("localhost,.example.com", "", "*")),
            new KeySpec("cache", 5, Of(PathValues)),
            new KeySpec("cafile", 2, Of(CaFileValues)),
            new KeySpec("init-module", 1, Of(PathValues)),
            new KeySpec("loglevel", 4, Of("warn", "silent", "http", "verbose", "\"error\"", "info", "'notice'", "bogus")), // invalid ones crash npm config ls
            new KeySpec("allow-git", 3, Of("all", "none", "root", "bogus", "")),
            new KeySpec("install-strategy", 1, Of("hoisted", "nested", "linked", "bogus")),
            new KeySpec("tag", 2, Of(StringValues)),
            new KeySpec("init-author-name", 2, Of(StringValues)),
            new KeySpec("node-options", 1, Of(StringValues)),
            new KeySpec("script-shell", 1, Of(StringValues)),
            new KeySpec("scope", 2, Of("acme", "@acme", "", "${NPMH_SCOPE}")),
            new KeySpec("omit", 4, Of("dev", "optional", "peer", "bogus", "", "prod"), list: true),
            new KeySpec("include", 1, Of("dev", "optional", "prod"), list: true),
            new KeySpec("ca", 2, Of("\"-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\"", "null", "abc"), list: true),
            new KeySpec("allow-scripts", 1, Of("esbuild", "", "a,b"), list: true),
            new KeySpec("before", 2, Of(DateValues)),
            new KeySpec("umask", 2, Of(UmaskValues)),
            new KeySpec("init-version", 1, Of("1.2.3", "bogus", "v2.0.0")),
            new KeySpec("access", 1, Of("public", "restricted", "bogus", "null")),
            new KeySpec("save-dev", 1, Of("true", "false")),
            new KeySpec("save-prod", 1, Of("true", "false")),
            new KeySpec("expect-results", 1, Of("true", "false")),
            new KeySpec("expect-result-count", 1, Of("1", "0")),
            // nerf-darted (non-secret ones are printed by npm config ls; secret ones only reach the layer peer)
            new KeySpec("//registry.example.com/:always-auth", 3, Of(BoolValues)),
            new KeySpec("//r.example.com:8443/npm/:strict-ssl", 1, Of(BoolValues)),
            new KeySpec("//localhost:4873/:_authToken", 3, Of("npm_abcdefghijklmnopqrstuvwxyz0123456789", "${NPMH_TOKEN}", "\"quoted-token\"", "")),
            new KeySpec("//r.example.com/:username", 1, Of("bob", "${NPMH_A}")),
            new KeySpec("//r.example.com/:_password", 1, Of("cGFzcw==", "\"cGFzcw==\"")),
            new KeySpec("//r.example.com/:certfile", 1, Of("~/certs/c.pem", "./c.pem")),
            new KeySpec("//r.example.com/:keyfile", 1, Of("~/certs/k.pem")),
            new KeySpec("//r.example.com/:email", 1, Of("me@example.com")),
            new KeySpec("//r.example.com/npm/:_auth", 1, Of("dXNlcjpwYXNz")),
            new KeySpec("//${NPMH_HOST}/:_authToken", 2, Of("${NPMH_TOKEN}", "literal")),
            // protected top-level
            new KeySpec("_auth", 1, Of("dXNlcjpwYXNz", "${NPMH_TOKEN}")),
            new KeySpec("_authToken", 1, Of("tok")),
            new KeySpec("email", 1, Of("me@example.com")),
            new KeySpec("username", 1, Of("bob")),
            // unknown keys
            new KeySpec("foo-bar", 2, Of(StringValues)),
            new KeySpec("my_key", 1, Of("1", "true", "x")),
            new KeySpec("a.b", 1, Of("c")),
            new KeySpec("UPPER", 1, Of("1")),
            // ${VAR} in keys (set and unset variables, escapes)
            new KeySpec("${NPMH_SCOPE}:registry", 2, Of(UrlValues)),
            new KeySpec("\\${NPMH_SCOPE}:registry", 1, Of(UrlValues)),
            new KeySpec("${NPMH_UNSET?}registry", 1, Of(UrlValues)),
            new KeySpec("${NPMH_KEY}", 1, Of(NumberValues)),
            new KeySpec("${NPMH_UNSET}-key", 1, Of("v")),
            new KeySpec("${hasOwnProperty}", 1, Of("1")),
            // a newline JavaScript's '$' does not skip: only[]="prod\n" is not production
            new KeySpec("only", 1, Of("prod", "production", "\"prod\\n\"", "dev"), list: true),
            // forms npm cannot start with (a bare key is true, '5' is the number 5): npm exits 1 on every command
            new KeySpec("omit", 1, Of(NoEquals, "'5'", "dev", "optional", "peer")),
            new KeySpec("include", 1, Of(NoEquals, "'5'", "5", "dev", "optional")),
            new KeySpec("prefix", 1, Of(NoEquals, "'1'", R + "/prefix3", "~/../prefix3")),
            new KeySpec("cache", 1, Of(NoEquals, "~/c2", "./c3")),
            new KeySpec("searchexclude", 1, Of("abc", NoEquals, "x y")),
            new KeySpec("min-release-age-exclude", 1, Of("a,b", NoEquals, "'5'", "@s/*"), list: true),
            new KeySpec("user-agent", 1, Of("npm/{npm-version}", "'5'", "x {ci}", "{arch}")),
        };

        private static readonly int KeyWeightTotal = Keys.Sum(k => k.Weight);

        // Variables the ${VAR} forms refer to; each is set or not per scenario. NPMH_UNSET never is.
        private static readonly (string Name, string Value)[] Vars =
        {
            ("NPMH_A", "alpha"), ("NPMH_EMPTY", ""), ("NPMH_REG", "https://env-reg.example.com/"), ("NPMH_SCOPE", "@acme"),
            ("NPMH_HOST", "r.example.com"), ("NPMH_TOKEN", "tok-123"), ("NPMH_NUM", "5"), ("NPMH_DIR", R + "/vars"),
            ("NPMH_KEY", "fetch-retries"), ("NPMH_ALT", R + "/alt"),
        };

        // Variables npm's dynamic defaults read (editor, shell, unicode, color, omit, ci-name, progress).
        private static readonly (string Name, string[] Values)[] DynamicVars =
        {
            ("NODE_ENV", new[] { "production", "development" }), ("EDITOR", new[] { "nano", "" }), ("VISUAL", new[] { "code --wait" }),
            ("SHELL", new[] { "/bin/zsh", "" }), ("LANG", new[] { "en_US.UTF-8", "C", "de_DE.utf8", "en_US.UTF-8\n" }), ("LC_ALL", new[] { "C", "en_US.UTF8", "C.UTF-8\n" }),
            ("LC_CTYPE", new[] { "UTF-8" }), ("NO_COLOR", new[] { "1", "0", "" }), ("TERM", new[] { "dumb", "xterm" }),
            ("CI", new[] { "true", "false", "1" }), ("GITHUB_ACTIONS", new[] { "true" }), ("GITLAB_CI", new[] { "true" }),
            ("TF_BUILD", new[] { "True" }), ("BUILD_NUMBER", new[] { "42" }), ("CIRCLECI", new[] { "true" }),
        };

        // ---- the tree -----------------------------------------------------------------------------

        private sealed class Builder
        {
            private readonly Draw _d;
            private readonly string _nodePrefix;
            private readonly Scenario _s = new Scenario();
            private readonly Dictionary<string, List<string>> _lines = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            private readonly HashSet<string> _envKeys = new HashSet<string>(StringComparer.Ordinal); // normalized npm keys from env

            public Builder(Draw d, string nodePrefix) { _d = d; _nodePrefix = nodePrefix; }

            private void Env(string name, string value)
            {
                _s.Env.RemoveAll(kv => kv.Key == name);
                _s.Env.Add(new KeyValuePair<string, string>(name, value));
            }

            private List<string> FileLines(string path)
            {
                if (!_lines.TryGetValue(path, out var l)) _lines[path] = l = new List<string>();
                return l;
            }

            public Scenario Build()
            {
                Env("HOME", R + "/home");
                _s.Dirs.Add("home");
                // global prefix: PREFIX (usual) or DESTDIR + node's prefix
                string globalFile;
                if (_d.Chance(0.08))
                {
                    Env("DESTDIR", R + "/dest");
                    globalFile = "dest" + _nodePrefix + "/etc/npmrc";
                    _s.Features.Add("destdir");
                }
                else
                {
                    Env("PREFIX", R + "/prefix");
                    globalFile = "prefix/etc/npmrc";
                }

                // project layout
                string projectRoot; // where npm's localPrefix ends up (relative)
                var kind = _d.Weighted((5, "package"), (3, "node_modules"), (2, "none"), (3, "workspace"), (1, "non-workspace"), (1, "home"), (1, "bad-root-json"));
                _s.Features.Add("project:" + kind);
                switch (kind)
                {
                    case "package":
                        projectRoot = "work/app";
                        _s.Files["work/app/package.json"] = "{\"name\":\"app\",\"version\":\"1.0.0\"}\n";
                        _s.Cwd = _d.Pick("work/app", "work/app", "work/app/src", "work/app/src/deep/er");
                        if (_d.Chance(0.2)) _s.Dirs.Add("work/app/node_modules");
                        break;
                    case "node_modules":
                        projectRoot = "work/app";
                        _s.Dirs.Add("work/app/node_modules");
                        _s.Cwd = _d.Pick("work/app", "work/app/lib");
                        break;
                    case "none":
                        _s.Cwd = _d.Pick("work/loose", "work/loose/sub");
                        projectRoot = _s.Cwd;
                        break;
                    case "workspace":
                    case "bad-root-json":
                        projectRoot = "work/mono";
                        // npm's workspace patterns: negations in either order, "!!", a leading "/" or "./", "..",
                        // braces, dot folders (not matched by *), and declarations npm refuses to start with
                        var declared = kind == "bad-root-json" ? "[\"packages/*\"], " : _d.Weighted(
                            (12, "[\"packages/*\"]"), (4, "{\"packages\":[\"packages/*\"]}"), (4, "[\"packages/a\",\"!packages/b\"]"),
                            (2, "[\"!packages/b\",\"packages/*\"]"), (2, "[\"/packages/a\",\"packages/.hidden\"]"), (2, "[\"!!packages/b\"]"),
                            (2, "[\"packages/../packages/a\",\"./packages/b\"]"), (2, "[\"packages/{a,b}\",\"!!!packages/a\"]"), (2, "[\"**\"]"),
                            (1, "\"packages/*\""), (1, "[5]"), (1, "{}"));
                        _s.Files["work/mono/package.json"] = "{ \"name\": \"mono\", \"workspaces\": " + declared + (kind == "bad-root-json" ? "}\n" : " }\n");
                        _s.Files["work/mono/packages/a/package.json"] = "{\"name\":\"a\"}\n";
                        _s.Files["work/mono/packages/b/package.json"] = _d.Weighted((30, "{\"name\":\"b\"}\n"), (1, "{\"name\":\"a\"}\n"), (1, "{ broken\n"), (1, "null\n"));
                        bool hidden = _d.Chance(0.3);
                        if (hidden) _s.Files["work/mono/packages/.hidden/package.json"] = "{\"name\":\"hidden\"}\n";
                        if (declared != "[\"packages/*\"]") _s.Features.Add("workspace-patterns");
                        var ws = hidden ? _d.Pick("a", "b", ".hidden") : _d.Pick("a", "a", "b");
                        _s.Cwd = "work/mono/packages/" + ws + _d.Pick("", "", "/src");
                        // a rough guess (only where the generated project file goes): both peers read the real tree
                        bool isWorkspace = kind == "workspace" && ws != ".hidden" && !(ws == "b" && declared.Contains("!packages/b"));
                        if (!isWorkspace) projectRoot = "work/mono/packages/" + ws;
                        if (_d.Chance(0.4))
                        {
                            FileLines("work/mono/packages/" + ws + "/.npmrc").AddRange(Content(2, "workspace"));
                            _s.Features.Add("workspace-npmrc");
                        }
                        break;
                    case "non-workspace":
                        projectRoot = "work/mono/tools/t";
                        _s.Files["work/mono/package.json"] = "{\"name\":\"mono\",\"workspaces\":[\"packages/*\"]}\n";
                        _s.Files["work/mono/tools/t/package.json"] = "{\"name\":\"t\"}\n";
                        _s.Cwd = "work/mono/tools/t";
                        break;
                    default: // home: the project is HOME itself (project file == user file unless redirected)
                        projectRoot = "home";
                        _s.Dirs.Add("home/node_modules");
                        _s.Cwd = _d.Pick("home", "home/code");
                        break;
                }
                // npm works in the physical folder: a working directory reached through a symbolic link
                if (_d.Chance(0.04))
                {
                    _s.Dirs.Add(_s.Cwd);
                    _s.Links["cwdlink"] = R + "/" + _s.Cwd;
                    _s.Cwd = "cwdlink";
                    _s.Features.Add("cwd-symlink");
                }
                // a package.json that is a dangling link is no project marker (stat fails)
                else if (kind == "package" && _s.Cwd != "work/app" && _d.Chance(0.15))
                {
                    _s.Links[_s.Cwd + "/package.json"] = "missing.json";
                    _s.Features.Add("dangling-marker");
                }
                if (_s.Cwd != projectRoot && _d.Chance(0.2))
                {
                    FileLines(_s.Cwd + "/.npmrc").AddRange(Content(2, "cwd")); // not a project root: npm ignores it
                    _s.Features.Add("cwd-npmrc");
                }

                // the usual files
                if (_d.Chance(0.8)) FileLines("home/.npmrc").AddRange(Content(_d.Int(0, 8), "user"));
                if (_d.Chance(0.6)) FileLines(globalFile).AddRange(Content(_d.Int(0, 6), "global"));
                if (projectRoot != "home" && _d.Chance(0.75)) FileLines(projectRoot + "/.npmrc").AddRange(Content(_d.Int(0, 8), "project"));

                // the builtin layer: npm run from a copy of itself with an npmrc beside its package.json
                if (_d.Chance(0.25))
                {
                    var b = _d.Int(0, Scenario.BuiltinTexts.Length - 1);
                    _s.Builtin = b;
                    _s.Features.Add("builtin");
                    if (b == 1 && _d.Chance(0.8)) FileLines("bprefix/etc/npmrc").AddRange(Content(_d.Int(1, 4), "global"));
                    if (b == 3)
                    {
                        if (_d.Chance(0.8)) FileLines("alt/builtin-userrc").AddRange(Content(_d.Int(1, 4), "alt-user"));
                        if (_d.Chance(0.8)) FileLines("alt/builtin-globalrc").AddRange(Content(_d.Int(1, 4), "alt-global"));
                    }
                }

                Redirects(projectRoot);
                EnvVariables();
                CliOptions();

                foreach (var kv in _lines) _s.Files[kv.Key] = Render(kv.Value);
                foreach (var f in _s.Files.Keys.ToList())
                    if (f.EndsWith("/.npmrc", StringComparison.Ordinal) || f.EndsWith("npmrc", StringComparison.Ordinal) || f.EndsWith("rc", StringComparison.Ordinal))
                        _s.Features.Add("file:" + Classify(f));
                return _s;
            }

            private static string Classify(string f) =>
                f.StartsWith("home/", StringComparison.Ordinal) ? "home" : f.StartsWith("alt/", StringComparison.Ordinal) ? "alt" :
                f.StartsWith("prefix", StringComparison.Ordinal) || f.StartsWith("dest", StringComparison.Ordinal) ? "global" : "project";

            private void Redirects(string projectRoot)
            {
                var projectFile = projectRoot + "/.npmrc";
                // userconfig redirection: env (any case), project file, or command line
                if (_d.Chance(0.25))
                {
                    var target = _d.Weighted((5, R + "/alt/userrc"), (2, "~/../alt/userrc"), (1, "${NPMH_ALT}/userrc"), (1, "../../alt/userrc"), (1, R + "/alt/missing-userrc"));
                    if (!target.Contains("missing")) FileLines("alt/userrc").AddRange(Content(_d.Int(1, 6), "alt-user"));
                    var how = projectRoot == "home" ? _d.Pick("env", "cli") : _d.Pick("env", "env", "project", "cli");
                    _s.Features.Add("userconfig-via-" + how);
                    if (how == "env") Env(_d.Pick("NPM_CONFIG_USERCONFIG", "npm_config_userconfig", "Npm_Config_UserConfig"), target);
                    else if (how == "project") FileLines(projectFile).Add("userconfig=" + target);
                    else if (!target.StartsWith("${", StringComparison.Ordinal)) _s.Cli.Add(new CliOption("--userconfig=" + target, "userconfig", target));
                    _envKeys.Add("userconfig");
                }
                else if (projectRoot != "home" && _d.Chance(0.04))
                {
                    Env("NPM_CONFIG_USERCONFIG", R + "/" + projectFile); // the project file is the user file: npm skips "project"
                    _s.Features.Add("userconfig-is-project");
                    _envKeys.Add("userconfig");
                }
                // globalconfig redirection, usually from the user file
                // (sometimes from two layers at once: npm's default-layer setter makes the first one loaded lose)
                if (_d.Chance(0.2))
                {
                    var places = new List<string>();
                    int count = _d.Chance(0.3) ? 2 : 1;
                    for (int n = 0; n < count; n++)
                    {
                        var where = _d.Pick("home/.npmrc", "home/.npmrc", projectFile, "env", "cli");
                        if (places.Contains(where) || where == "cli" && _s.Cli.Any(c => c.Key == "globalconfig")) continue;
                        places.Add(where);
                        var file = places.Count == 1 ? "globalrc" : "globalrc2";
                        var target = where == "cli" ? R + "/alt/" + file : _d.Pick(R + "/alt/" + file, "~/../alt/" + file, "${NPMH_ALT}/" + file);
                        FileLines("alt/" + file).AddRange(Content(_d.Int(1, 5), "alt-global"));
                        if (where == "env") { Env("npm_config_globalconfig", target); _envKeys.Add("globalconfig"); }
                        else if (where == "cli") _s.Cli.Add(new CliOption("--globalconfig=" + target, "globalconfig", target));
                        else FileLines(where).Add("globalconfig=" + target);
                    }
                    _s.Features.Add(places.Count > 1 ? "globalconfig-redirect-twice" : "globalconfig-redirect");
                }
                // prefix change: moves the global file to <prefix>/etc/npmrc
                if (_d.Chance(0.12))
                {
                    var target = _d.Pick(R + "/prefix2", "~/../prefix2");
                    FileLines("prefix2/etc/npmrc").AddRange(Content(_d.Int(1, 4), "prefix2"));
                    var where = _d.Pick("home/.npmrc", "env", projectFile);
                    if (where == "env") { Env(_d.Pick("npm_config_prefix", "NPM_CONFIG_PREFIX"), target); _envKeys.Add("prefix"); }
                    else FileLines(where).Add("prefix=" + target);
                    _s.Features.Add("prefix-redirect");
                }
                // npm refuses to load one file as two layers ("double-loading config")
                if (_d.Chance(0.02))
                {
                    FileLines("home/.npmrc").Add("globalconfig=~/.npmrc");
                    _s.Features.Add("double-load");
                }
            }

            private void EnvVariables()
            {
                // HOME set but empty: npm has no home, '~/' is relative to the working directory
                if (_d.Chance(0.02))
                {
                    Env("HOME", "");
                    FileLines(_s.Cwd + "/~/.npmrc").AddRange(Content(_d.Int(1, 4), "empty-home"));
                    _s.Features.Add("home-empty");
                }
                foreach (var v in Vars)
                    if (_d.Chance(0.7)) Env(v.Name, v.Value);
                int dyn = _d.Weighted((5, 0), (3, 1), (2, 2), (1, 3));
                for (int i = 0; i < dyn; i++)
                {
                    var v = _d.Pick(DynamicVars);
                    Env(v.Name, _d.Pick(v.Values));
                    _s.Features.Add("dynamic-env");
                }
                int n = _d.Weighted((3, 0), (4, 1), (3, 2), (2, 4));
                for (int i = 0; i < n; i++)
                {
                    var spec = PickKey();
                    var key = spec.Key;
                    if (key.Contains("${", StringComparison.Ordinal) || key == "global") continue; // env keys are not expanded before npm_config_ naming
                    string normalized = key.StartsWith("//", StringComparison.Ordinal) ? key
                        : (key.Length > 0 ? key[0] + key.Substring(1).Replace('_', '-') : key).ToLowerInvariant();
                    // the same key twice: npm takes the later variable of the environment block, which both peers
                    // and the engine (EnvironmentOrder) see in the generated order
                    if (!_envKeys.Add(normalized))
                    {
                        if (!_d.Chance(0.5)) continue;
                        _s.Features.Add("env-clash");
                    }
                    var value = spec.Value(_d);
                    if (value == NoEquals) value = "";
                    // the second item may be the NoEquals marker itself: a value holding a NUL, which npm sees cut there
                    if (spec.List && _d.Chance(0.3)) value = value + "\n\n" + spec.Value(_d);
                    Env(EnvName(key), value);
                    _s.Features.Add("env-var");
                }
            }

            private string EnvName(string key)
            {
                if (key.StartsWith("//", StringComparison.Ordinal)) return "npm_config_" + key;
                var style = _d.Int(0, 4);
                string body = style switch
                {
                    0 => key.Replace('-', '_'),
                    1 => key.Replace('-', '_').ToUpperInvariant(),
                    2 => key, // dashes kept
                    3 => string.Concat(key.Replace('-', '_').Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c)),
                    _ => key.Replace('-', '_'),
                };
                var prefix = style == 1 ? "NPM_CONFIG_" : _d.Pick("npm_config_", "npm_config_", "NPM_CONFIG_", "Npm_Config_");
                // İ lower-cases to "i" + U+0307 in JavaScript (an unknown key then), to İ in .NET's invariant culture
                if (_d.Chance(0.03) && body.IndexOf('I') >= 0) { body = body.Replace('I', 'İ'); _s.Features.Add("dotted-capital-i"); }
                return prefix + body;
            }

            private void CliOptions()
            {
                if (!_d.Chance(0.15)) return;
                int n = _d.Int(1, 2);
                for (int i = 0; i < n; i++)
                {
                    var opt = _d.Pick(
                        new CliOption("--registry=https://cli.example.com/", "registry", "https://cli.example.com/"),
                        new CliOption("--fetch-retries=7", "fetch-retries", 7.0),
                        new CliOption("--no-audit", "audit", false),
                        new CliOption("--strict-ssl", "strict-ssl", true),
                        new CliOption("--loglevel=warn", "loglevel", "warn"),
                        new CliOption("--omit=dev", "omit", new List<object?> { "dev" }),
                        new CliOption("--prefix=" + R + "/cliprefix", "prefix", R + "/cliprefix"),
                        new CliOption("--cache=" + R + "/clicache", "cache", R + "/clicache"),
                        new CliOption("--global", "global", true),
                        new CliOption("--ignore-scripts", "ignore-scripts", true));
                    if (_s.Cli.Any(c => c.Key == opt.Key)) continue;
                    _s.Cli.Add(opt);
                    _s.Features.Add("cli");
                }
            }

            private KeySpec PickKey()
            {
                int r = _d.Int(0, KeyWeightTotal - 1);
                foreach (var k in Keys) { if (r < k.Weight) return k; r -= k.Weight; }
                return Keys[Keys.Length - 1];
            }

            /// <summary>Lines of an npmrc: assignments in every syntax npm's ini accepts, comments, sections, duplicates.</summary>
            private List<string> Content(int assignments, string tag)
            {
                var lines = new List<string>();
                var written = new List<string>();
                for (int i = 0; i < assignments; i++)
                {
                    if (_d.Chance(0.15)) lines.Add(_d.Pick("; a comment", "# another = comment", "", "   ", "\t; indented comment", "[]"));
                    if (written.Count > 0 && _d.Chance(0.15))
                    {
                        var againKey = _d.Pick(written.ToArray());
                        var again = Keys.First(k => k.Key == againKey);
                        lines.Add(Assignment(again, _d));
                        _s.Features.Add("duplicate-key");
                        continue;
                    }
                    var spec = PickKey();
                    written.Add(spec.Key);
                    if (spec.List && _d.Chance(0.6))
                    {
                        int items = _d.Int(1, 3);
                        for (int j = 0; j < items; j++) lines.Add(spec.Key + "[]=" + Decorate(spec.Value(_d)));
                        _s.Features.Add("array");
                        continue;
                    }
                    lines.Add(Assignment(spec, _d));
                }
                if (_d.Chance(0.06))
                {
                    lines.Add(_d.Weighted((6, "[section]"), (6, "[acme]"), (6, "[registry]"), (6, "[a.b]"), (1, "[omit]"), (1, "[only]"), (1, "[scope]")));
                    lines.Add(Assignment(PickKey(), _d));
                    _s.Features.Add("section");
                }
                if (lines.Count > 0) _s.Features.Add("content:" + tag);
                return lines;
            }

            private string Assignment(KeySpec spec, Draw d)
            {
                var value = spec.Value(d);
                var key = spec.Key;
                if (!key.StartsWith("//", StringComparison.Ordinal) && !key.Contains("${", StringComparison.Ordinal) && d.Chance(0.04))
                    key = "\"" + key + "\""; // a quoted key
                if (value == NoEquals) return key;
                return key + d.Pick("=", "=", "=", " = ", " =", "=  ") + Decorate(value);
            }

            /// <summary>Quoting and inline-comment variants around a raw value.</summary>
            private string Decorate(string value)
            {
                if (value.StartsWith("\"", StringComparison.Ordinal) || value.StartsWith("'", StringComparison.Ordinal)) return value;
                switch (_d.Weighted((10, 0), (2, 1), (2, 2), (2, 3), (1, 4), (1, 5)))
                {
                    case 1: _s.Features.Add("quote-double"); return Js.Js.ToJson(value);
                    case 2: _s.Features.Add("quote-single"); return value.Contains('\'') ? value : "'" + value + "'";
                    case 3: _s.Features.Add("inline-comment"); return value + _d.Pick(" ; trailing", " # trailing", ";x", "#x");
                    case 4: _s.Features.Add("escape"); return value + _d.Pick("\\;", "\\#", "\\\\") + "tail";
                    case 5: return "  " + value + "  ";
                    default: return value;
                }
            }

            private string Render(List<string> lines)
            {
                var eol = _d.Chance(0.2) ? "\r\n" : "\n";
                if (eol == "\r\n") _s.Features.Add("crlf");
                var sb = new StringBuilder();
                if (_d.Chance(0.08)) { sb.Append('\uFEFF'); _s.Features.Add("bom"); }
                for (int i = 0; i < lines.Count; i++)
                {
                    sb.Append(lines[i]);
                    if (i < lines.Count - 1 || _d.Chance(0.8)) sb.Append(eol);
                }
                return sb.ToString();
            }
        }
    }
}
