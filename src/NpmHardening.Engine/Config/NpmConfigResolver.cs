using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Config
{
    /// <summary>Where and as whom to resolve npm's configuration.</summary>
    public sealed class NpmConfigRequest
    {
        public IPlatform Platform { get; set; } = SystemPlatform.Instance;
        /// <summary>The environment npm would run with; null means this process's environment.</summary>
        public IReadOnlyDictionary<string, string>? Environment { get; set; }
        /// <summary>npm's working directory (the project); null means the current directory.</summary>
        public string? WorkingDirectory { get; set; }
        /// <summary>Another user's home folder: resolve as npm would run for that user.</summary>
        public string? UserProfile { get; set; }
        /// <summary>Command-line style overrides (<c>--key=value</c>), the highest layer.</summary>
        public IReadOnlyDictionary<string, object?>? CliOverrides { get; set; }
        /// <summary>The node/npm to assume; null means locate them from the environment's PATH.</summary>
        public NpmInstallation? Installation { get; set; }
    }

    /// <summary>npm's effective configuration for one context, with every layer kept for inspection.</summary>
    public sealed class NpmConfigResolution
    {
        internal NpmConfigResolution(NpmInstallation installation, NpmVersion npmVersion, string cwd, string? home,
            string? globalPrefix, string localPrefix, NpmConfigLayerData[] layers, List<NpmConfigIssue> issues,
            IReadOnlyDictionary<string, string> environment, string? workspace)
        {
            Installation = installation; NpmVersion = npmVersion; WorkingDirectory = cwd; Home = home;
            GlobalPrefix = globalPrefix; LocalPrefix = localPrefix; Layers = layers; Issues = issues;
            Environment = environment; Workspace = workspace;
        }

        public NpmInstallation Installation { get; }
        /// <summary>The npm version whose definitions interpreted the files.</summary>
        public NpmVersion NpmVersion { get; }
        public string WorkingDirectory { get; }
        public string? Home { get; }
        /// <summary>npm's default global prefix (before any prefix setting).</summary>
        public string? GlobalPrefix { get; }
        /// <summary>The project root npm found (localPrefix).</summary>
        public string LocalPrefix { get; }
        /// <summary>The workspace folder when npm ran inside a workspace of LocalPrefix.</summary>
        public string? Workspace { get; }
        /// <summary>Lowest priority first: default, builtin, global, user, project, env, cli.</summary>
        public IReadOnlyList<NpmConfigLayerData> Layers { get; }
        public IReadOnlyList<NpmConfigIssue> Issues { get; }
        public IReadOnlyDictionary<string, string> Environment { get; }

        public NpmConfigLayerData this[NpmConfigLayer layer] => Layers[(int)layer];

        /// <summary>The value npm uses: the highest layer that sets the key (config.get / config.find).</summary>
        public NpmConfigValue? GetEffective(string key)
        {
            for (int i = Layers.Count - 1; i >= 0; i--)
                if (Layers[i].TryGet(key, out var v)) return v;
            return null;
        }

        /// <summary>Every layer that sets the key, highest priority first.</summary>
        public IEnumerable<NpmConfigValue> GetAll(string key)
        {
            for (int i = Layers.Count - 1; i >= 0; i--)
                if (Layers[i].TryGet(key, out var v)) yield return v;
        }

        /// <summary>All keys set anywhere, in npm's <c>for (key in config.list[0])</c> order.</summary>
        public IEnumerable<string> Keys
        {
            get
            {
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (int i = Layers.Count - 1; i >= 0; i--)
                    foreach (var k in Layers[i].Keys)
                        if (seen.Add(k)) yield return k;
            }
        }
    }

    /// <summary>
    /// npm's config loading (@npmcli/config/lib/index.js <c>load()</c>) without node: defaults, builtin,
    /// cli and env, then project (which may redirect userconfig), user (which may redirect globalconfig),
    /// then global. Discovery rules, path computations and value typing follow npm's code line by line.
    /// </summary>
    public static class NpmConfigResolver
    {
        // set by npm itself (set-envs.js) and never warned about
        private static readonly HashSet<string> InternalEnvKeys = new HashSet<string>(StringComparer.Ordinal)
            { "nodedir", "npm-version", "global-prefix", "local-prefix" };

        public static NpmConfigResolution Resolve(NpmConfigRequest request)
        {
            var platform = request.Platform;
            var path = platform.Path;
            IReadOnlyDictionary<string, string> env = request.Environment ?? platform.Environment;
            if (request.UserProfile != null) env = ProfileEnvironment.For(platform, env, request.UserProfile);
            var installation = request.Installation ?? NpmLocator.Locate(platform, env);
            var version = installation.EffectiveNpmVersion;
            var catalog = NpmConfigCatalog.Default;
            Func<string, NpmConfigDefinition?> definitions = key => catalog.Find(key, version);
            var issues = new List<NpmConfigIssue>();
            if (!installation.NodeFound)
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.NodeNotFound, "PATH", null,
                    "node was not found; the global and builtin config files cannot be located, the other layers are still read.", false));
            if (!installation.NpmFound)
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.NpmNotFound, "PATH", null,
                    $"npm was not found; its settings are interpreted with the definitions of npm {version}.", false));

            var cwd = path.Resolve(platform.CurrentDirectory, request.WorkingDirectory ?? platform.CurrentDirectory);
            string? Env(string name) => env.TryGetValue(name, out var v) ? v : null;
            var homeVar = Env("HOME");
            var home = !string.IsNullOrEmpty(homeVar) ? homeVar : platform.OsHomeDirectory;

            // loadGlobalPrefix
            string? globalPrefix = null;
            var prefixVar = Env("PREFIX");
            if (!string.IsNullOrEmpty(prefixVar)) globalPrefix = prefixVar;
            else if (installation.NodePath != null)
            {
                if (platform.IsWindows) globalPrefix = path.Dirname(installation.NodePath);
                else
                {
                    globalPrefix = path.Dirname(path.Dirname(installation.NodePath));
                    var destdir = Env("DESTDIR");
                    if (!string.IsNullOrEmpty(destdir)) globalPrefix = path.Join(destdir!, globalPrefix);
                }
            }

            var field = new FieldContext(path, cwd, home, Env, definitions);
            var layers = new NpmConfigLayerData[7];
            for (int i = 0; i < layers.Length; i++) layers[i] = new NpmConfigLayerData((NpmConfigLayer)i);
            var state = new LoadState(platform, env, field, definitions, layers, issues);

            // defaults
            var defaults = layers[(int)NpmConfigLayer.Default];
            defaults.Source = "default values";
            defaults.Loaded = true;
            var dynamic = new DynamicDefaults(platform, env, installation);
            foreach (var def in catalog.DefinitionsFor(version))
            {
                object? raw = def.HasDefault ? def.Default : JsUndefined.Value;
                if (def.IsDynamicDefault && dynamic.TryGet(def.Key, out var computed)) raw = computed;
                if (def.Key == "prefix") raw = globalPrefix ?? (object)JsUndefined.Value;
                if (def.Key == "globalconfig") continue; // a getter over the effective prefix, added below
                defaults.Set(new NpmConfigValue(def.Key, ConfigFieldParser.Parse(raw, def.Key, field), raw, NpmConfigLayer.Default, defaults.Source, null, null));
            }
            if (installation.NpmVersion != null)
                defaults.Set(new NpmConfigValue("npm-version", installation.NpmVersion, installation.NpmVersion, NpmConfigLayer.Default, defaults.Source, null, null));

            // builtin
            if (installation.NpmRoot != null) state.LoadFile(NpmConfigLayer.Builtin, path.Resolve(cwd, installation.NpmRoot, "npmrc"));
            else layers[(int)NpmConfigLayer.Builtin].SkipReason = "npm was not found";

            // cli, env
            LoadCli(state, request.CliOverrides);
            LoadEnv(state);

            // project
            string? workspace = null;
            var localPrefix = FindLocalPrefix(state, cwd, ref workspace);
            var project = layers[(int)NpmConfigLayer.Project];
            if (state.Get("global") is bool g && g || state.Get("location") as string == "global")
            {
                project.SkipReason = "global mode enabled, ignored";
                project.Source = project.SkipReason;
            }
            else
            {
                var projectFile = path.Resolve(cwd, localPrefix, ".npmrc");
                if (projectFile != state.Get("userconfig") as string) state.LoadFile(NpmConfigLayer.Project, projectFile);
                else
                {
                    project.SkipReason = "same as \"user\" config, ignored";
                    project.Source = project.SkipReason;
                }
            }
            if (workspace != null)
            {
                defaults.Set(new NpmConfigValue("workspace", new List<object?> { workspace }, null, NpmConfigLayer.Default, defaults.Source, null, null));
                if (platform.FileExists(path.Resolve(cwd, workspace, ".npmrc")))
                    issues.Add(new NpmConfigIssue(NpmConfigIssueKind.WorkspaceConfigIgnored, path.Resolve(cwd, workspace, ".npmrc"), null,
                        $"is in a workspace of {localPrefix}; npm ignores it and reads the workspace root's .npmrc instead.", false));
            }

            // user
            if (state.Get("userconfig") is string userconfig) state.LoadFile(NpmConfigLayer.User, userconfig);
            else layers[(int)NpmConfigLayer.User].SkipReason = "userconfig is not a path";

            // global: the default getter resolves against the prefix as it stands now (user layer included)
            var globalFile = state.Find("globalconfig") != null
                ? state.Get("globalconfig") as string
                : state.Get("prefix") is string p ? path.Resolve(cwd, p, "etc/npmrc") : null;
            if (globalFile != null) state.LoadFile(NpmConfigLayer.Global, globalFile);
            else layers[(int)NpmConfigLayer.Global].SkipReason = "the global prefix is unknown (node not found)";

            // What config.get('globalconfig') shows afterwards while it is still the default getter: the
            // file under the final prefix (which the global file itself may have changed).
            if (!defaults.Contains("globalconfig") && state.GetEffectivePrefix() is string finalPrefix)
            {
                var gc = path.Resolve(cwd, finalPrefix, "etc/npmrc");
                defaults.Set(new NpmConfigValue("globalconfig", gc, gc, NpmConfigLayer.Default, defaults.Source, null, null));
            }

            NpmFlattenEffects.Apply(layers, path, cwd);
            state.CheckStartupFailures();

            state.ReportUnknowns(version);
            return new NpmConfigResolution(installation, version, cwd, home, globalPrefix, localPrefix, layers, issues, env, workspace);
        }

        private static void LoadCli(LoadState state, IReadOnlyDictionary<string, object?>? overrides)
        {
            var layer = state.Layers[(int)NpmConfigLayer.Cli];
            layer.Source = "command line options";
            layer.Loaded = true;
            if (overrides == null) return;
            var entries = new JsObject();
            foreach (var kv in overrides) entries[kv.Key] = NormalizeCliValue(kv.Value);
            state.LoadObject(NpmConfigLayer.Cli, entries, layer.Source, null, null);
        }

        private static object? NormalizeCliValue(object? value)
        {
            switch (value)
            {
                case null: return null;
                case string s: return s;
                case bool b: return b;
                case int i: return (double)i;
                case long l: return (double)l;
                case double d: return d;
                case System.Collections.IEnumerable e:
                    var list = new List<object?>();
                    foreach (var item in e) list.Add(NormalizeCliValue(item));
                    return list;
                default: return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        private static void LoadEnv(LoadState state)
        {
            var layer = state.Layers[(int)NpmConfigLayer.Env];
            layer.Source = "environment";
            layer.Loaded = true;
            var entries = new JsObject();
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            // process.env's order is not observable here; sorting makes a (rare) name clash deterministic.
            foreach (var kv in state.Environment.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                if (kv.Key.Length < 11 || !kv.Key.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase) || kv.Value.Length == 0) continue;
                var key = kv.Key.Substring(11);
                if (!key.StartsWith("//", StringComparison.Ordinal))
                    key = (key.Length > 0 ? key[0] + key.Substring(1).Replace('_', '-') : key).ToLowerInvariant();
                entries[key] = kv.Value;
                variables[key] = kv.Key;
            }
            state.LoadObject(NpmConfigLayer.Env, entries, layer.Source, null, variables);
        }

        /// <summary>loadLocalPrefix: the nearest folder up with package.json or node_modules, or its workspace root.</summary>
        private static string FindLocalPrefix(LoadState state, string cwd, ref string? workspace)
        {
            var path = state.Platform.Path;
            var cliPrefix = state.Layers[(int)NpmConfigLayer.Cli].TryGet("prefix", out var cp) ? cp.Value : null;
            if (Js.Js.IsTruthy(cliPrefix)) return Convert.ToString(cliPrefix is double d ? Js.Js.NumberToString(d) : cliPrefix, System.Globalization.CultureInfo.InvariantCulture)!;

            var cliWorkspaces = state.Layers[(int)NpmConfigLayer.Cli].TryGet("workspaces", out var cw) ? cw.Value : null;
            bool isGlobal = Js.Js.IsTruthy(state.Get("global")) || state.Get("location") as string == "global";
            string? localPrefix = null;
            foreach (var dir in WalkUp(path, cwd))
            {
                bool hasPackageJson = state.Platform.FileExists(path.Resolve(cwd, dir, "package.json"));
                if (localPrefix == null && (hasPackageJson || state.Platform.DirectoryExists(path.Resolve(cwd, dir, "node_modules"))))
                {
                    localPrefix = dir;
                    if (cliWorkspaces is bool b && !b || isGlobal) return localPrefix;
                    continue;
                }
                if (localPrefix != null && hasPackageJson && WorkspaceMap.IsWorkspaceOf(state.Platform, dir, localPrefix))
                {
                    workspace = localPrefix;
                    return dir;
                }
            }
            return localPrefix ?? cwd;
        }

        private static IEnumerable<string> WalkUp(NodePath path, string start)
        {
            var dir = start;
            while (true)
            {
                yield return dir;
                var parent = path.Dirname(dir);
                if (parent == dir) yield break;
                dir = parent;
            }
        }

        /// <summary>Mutable state of one load: the layers so far and the helpers npm's private methods use.</summary>
        private sealed class LoadState
        {
            public LoadState(IPlatform platform, IReadOnlyDictionary<string, string> environment, FieldContext field,
                Func<string, NpmConfigDefinition?> definitions, NpmConfigLayerData[] layers, List<NpmConfigIssue> issues)
            {
                Platform = platform; Environment = environment; Field = field; Definitions = definitions; Layers = layers; Issues = issues;
            }

            public IPlatform Platform { get; }
            public IReadOnlyDictionary<string, string> Environment { get; }
            public FieldContext Field { get; }
            public Func<string, NpmConfigDefinition?> Definitions { get; }
            public NpmConfigLayerData[] Layers { get; }
            public List<NpmConfigIssue> Issues { get; }

            /// <summary>#get(key): the highest layer loaded so far.</summary>
            public object? Get(string key) => Find(key)?.Value ?? null;

            public NpmConfigValue? Find(string key)
            {
                for (int i = Layers.Length - 1; i >= 0; i--)
                    if (Layers[i].TryGet(key, out var v)) return v;
                return null;
            }

            public string? GetEffectivePrefix() => Get("prefix") as string;

            /// <summary>True once any layer has assigned globalconfig (npm's setter then replaced the default getter).</summary>
            public bool GlobalConfigAssigned { get; set; }

            private readonly Dictionary<string, NpmConfigLayer> _loadedFiles = new Dictionary<string, NpmConfigLayer>(StringComparer.Ordinal);

            public void LoadFile(NpmConfigLayer where, string file)
            {
                var layer = Layers[(int)where];
                layer.Source = file;
                if (_loadedFiles.TryGetValue(file, out var earlier))
                {
                    // #loadObject refuses to load one source twice: npm stops with this error.
                    layer.SkipReason = $"already loaded as the {earlier.ToString().ToLowerInvariant()} config";
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.ParserFailure, file, null,
                        $"is both the {earlier.ToString().ToLowerInvariant()} and the {where.ToString().ToLowerInvariant()} config; npm refuses to start (\"double-loading config\").", true));
                    return;
                }
                _loadedFiles[file] = where;
                var load = NpmrcFile.Load(Platform, file);
                Issues.AddRange(load.Issues);
                if (load.Document == null) return;
                layer.Loaded = true;
                layer.Document = load.Document;
                var decoded = load.Document.Decode();
                if (decoded.Failure != null)
                {
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.ParserFailure, file, null, decoded.Failure + "; npm will not start with this file.", true));
                    return;
                }
                if (where == NpmConfigLayer.Project && Js.Js.IsTruthy(decoded.Values["prefix"]))
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.PrefixInProjectConfig, file, decoded.EffectiveLine("prefix"),
                        "sets prefix, which npm says cannot be changed from project config (it logs an error and still applies it).", false));
                LoadObject(where, decoded.Values, file, decoded, null);
            }

            /// <summary>
            /// #loadObject: expand ${VAR} in keys, type the values, warn on unknown keys. A source whose references grow
            /// beyond NpmrcLimits is not audited: its layer is emptied and the error names it.
            /// </summary>
            public void LoadObject(NpmConfigLayer where, JsObject values, string source, IniDecodeResult? decoded, Dictionary<string, string>? variables)
            {
                Field.Budget = new ExpansionBudget();
                try { LoadValues(where, values, source, decoded, variables); }
                catch (NpmrcLimitException e)
                {
                    var layer = Layers[(int)where];
                    layer.Clear();
                    layer.Document = null;
                    layer.Loaded = false;
                    Unknowns.RemoveAll(u => u.Where == where);
                    layer.SkipReason = "beyond NpmHardening's limits";
                    Issues.Add(NpmrcFile.LimitIssue(source, e));
                }
                finally { Field.Budget = null; }
            }

            private void LoadValues(NpmConfigLayer where, JsObject values, string source, IniDecodeResult? decoded, Dictionary<string, string>? variables)
            {
                var layer = Layers[(int)where];
                foreach (var rawKey in values.Keys)
                {
                    var raw = values[rawKey];
                    var key = EnvExpansion.Replace(rawKey, Field.Environment, Field.Budget);
                    var value = ConfigFieldParser.Parse(raw, key, Field);
                    var def = Definitions(rawKey);
                    if (def != null && def.Exclusive.Count > 0)
                    {
                        foreach (var sibling in def.Exclusive)
                        {
                            if (IsDefault(sibling)) continue;
                            if (where == NpmConfigLayer.Env && Layers[(int)NpmConfigLayer.Cli].Contains(sibling)) goto nextKey;
                            Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.ExclusiveKeys, variables != null && variables.TryGetValue(rawKey, out var ev) ? ev : source,
                                decoded?.EffectiveLine(rawKey), $"sets {rawKey} while {sibling} is also set; npm refuses to start (\"--{rawKey} cannot be provided when using --{sibling}\").", true));
                        }
                    }
                    CheckUnknown(where, rawKey, source, decoded, variables);
                    if (def != null && def.IsDeprecated)
                        Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.DeprecatedKey, variables != null && variables.TryGetValue(rawKey, out var dv) ? dv : source,
                            decoded?.EffectiveLine(rawKey), $"sets {rawKey}, which this npm version deprecates (npm logs a warning).", false));
                    string? variable = null;
                    variables?.TryGetValue(rawKey, out variable);
                    var target = layer;
                    // npm's default layer defines globalconfig as an accessor whose setter stores the first
                    // assignment made through any layer on the default layer itself; later layers shadow it.
                    if (key == "globalconfig" && !GlobalConfigAssigned)
                    {
                        GlobalConfigAssigned = true;
                        target = Layers[(int)NpmConfigLayer.Default];
                    }
                    target.Set(new NpmConfigValue(key, value, raw, target.Layer, source, decoded?.EffectiveLine(rawKey), variable));
                nextKey:;
                }
            }

            private bool IsDefault(string key)
            {
                if (!Layers[(int)NpmConfigLayer.Default].Contains(key)) return false;
                for (int i = 1; i < Layers.Length; i++) if (Layers[i].Contains(key)) return false;
                return true;
            }

            /// <summary>Settings that make npm fail before running any command.</summary>
            public void CheckStartupFailures()
            {
                var cafile = Find("cafile");
                if (cafile?.Value is string ca && ca.Length > 0 && Platform.DirectoryExists(ca))
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.ParserFailure, cafile.EnvironmentVariable ?? cafile.Source ?? "cafile", cafile.Line,
                        $"sets cafile to the folder {ca}; npm fails at start (EISDIR) when it reads the CA file.", true));
                var loglevel = Find("loglevel");
                var def = Definitions("loglevel");
                if (loglevel != null && def != null && !def.Types.Contains(loglevel.Value))
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.CommandCrash, loglevel.EnvironmentVariable ?? loglevel.Source ?? "loglevel", loglevel.Line,
                        $"sets loglevel to {Js.Js.ToJson(loglevel.Value)}, which is not a log level; npm crashes at start.", true));
            }

            /// <summary>Unknown keys seen while loading: reported once the whole configuration (strict-npmrc) is known.</summary>
            public List<(NpmConfigLayer Where, string Key, string Unknown, string Source, int? Line)> Unknowns { get; } =
                new List<(NpmConfigLayer, string, string, string, int?)>();

            private void CheckUnknown(NpmConfigLayer where, string key, string source, IniDecodeResult? decoded, Dictionary<string, string>? variables)
            {
                if (Definitions(key) != null || InternalEnvKeys.Contains(key)) return;
                string? unknown = null;
                if (key.IndexOf(':') < 0) unknown = key;
                else
                {
                    var baseKey = key.Substring(key.LastIndexOf(':') + 1);
                    if (Definitions(baseKey) == null && !NpmConfigCatalog.Default.NerfDarts.Contains(baseKey)) unknown = baseKey;
                }
                if (unknown == null) return;
                Unknowns.Add((where, key, unknown, variables != null && variables.TryGetValue(key, out var v) ? v : source, decoded?.EffectiveLine(key)));
            }

            /// <summary>
            /// What the detected npm does with unknown keys (npm 12's base-cmd.js validateCli): npm 11 and
            /// earlier warn; npm 12 fails on unknown command-line flags always and on unknown file keys when
            /// strict-npmrc is true, and still only warns for npm_config_* variables.
            /// </summary>
            public void ReportUnknowns(NpmVersion version)
            {
                bool npm12 = version.Major >= 12;
                bool strict = npm12 && Get("strict-npmrc") is bool b && b;
                foreach (var u in Unknowns)
                {
                    bool fatal = npm12 && (u.Where == NpmConfigLayer.Cli || strict && u.Where != NpmConfigLayer.Env);
                    // a value that lost its '=' makes the whole line the key: never quote a secret
                    var key = Credentials.NpmCredential.RedactEmbedded(u.Key);
                    var what = u.Unknown == u.Key ? $"\"{key}\"" : $"\"{Credentials.NpmCredential.RedactEmbedded(u.Unknown)}\" ({key})";
                    var outcome = fatal
                        ? $"npm {version} refuses to run (unknown {u.Where.ToString().ToLowerInvariant()} config{(u.Where == NpmConfigLayer.Cli ? "" : " with strict-npmrc=true")})."
                        : npm12
                            ? $"npm {version} warns and ignores it; it fails when strict-npmrc is true."
                            : $"npm {version} warns and ignores it; npm 12 fails on it when strict-npmrc is true.";
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.UnknownKey, u.Source, u.Line, $"sets {what}, which is not an npm config key: {outcome}", fatal));
                }
            }
        }
    }
}
