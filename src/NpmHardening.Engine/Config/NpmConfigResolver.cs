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
        /// <summary>
        /// The names of <see cref="Environment"/> in the order of the process's environment block (npm reads
        /// process.env in that order, so of two variables naming the same key the later one wins). Null: for
        /// this process's own environment, the order of /proc/self/environ where the platform has it;
        /// otherwise unknown (then sorted, and a clash is reported as such).
        /// </summary>
        public IReadOnlyList<string>? EnvironmentOrder { get; set; }
    }

    /// <summary>npm's effective configuration for one context, with every layer kept for inspection.</summary>
    public sealed class NpmConfigResolution
    {
        internal NpmConfigResolution(NpmInstallation installation, NpmVersion npmVersion, string cwd, string? home,
            string? globalPrefix, string localPrefix, NpmConfigLayerData[] layers, List<NpmConfigIssue> issues,
            IReadOnlyDictionary<string, string> environment, string? workspace, IPlatform platform)
        {
            Installation = installation; NpmVersion = npmVersion; WorkingDirectory = cwd; Home = home;
            GlobalPrefix = globalPrefix; LocalPrefix = localPrefix; Layers = layers; Issues = issues;
            Environment = environment; Workspace = workspace; Platform = platform;
        }

        /// <summary>
        /// The platform view the files were read with: for a home another account owns, reads as that account (npm runs
        /// as it; and a link in its home must not show the auditing account's files). Later reads for this context use it.
        /// </summary>
        public IPlatform Platform { get; }

        public NpmInstallation Installation { get; }
        /// <summary>The npm version whose definitions interpreted the files.</summary>
        public NpmVersion NpmVersion { get; }
        public string WorkingDirectory { get; }
        /// <summary>npm's home folder (HOME, else os.homedir()); null when there is none (HOME set but empty).</summary>
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
            env = AsStarted(env, platform.IsWindows);
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

            // process.cwd() is the physical folder: a path through a symbolic link is resolved
            var cwd = platform.RealPath(path.Resolve(platform.CurrentDirectory, request.WorkingDirectory ?? platform.CurrentDirectory));
            string? Env(string name) => env.TryGetValue(name, out var v) ? v : null;
            // ${NAME} reads process.env[NAME], which falls back to Object.prototype (${constructor} is a function)
            string? EnvOrInherited(string name) => env.TryGetValue(name, out var v) ? v : JsProcessEnv.Inherited(name);
            // loadHome: this.env.HOME || os.homedir(); libuv's homedir returns HOME (USERPROFILE on Windows)
            // whenever the variable exists, even empty, and asks the OS only when it is absent
            var homeVar = Env("HOME");
            var homeDirVar = platform.IsWindows ? Env("USERPROFILE") : homeVar;
            var home = !string.IsNullOrEmpty(homeVar) ? homeVar : homeDirVar ?? platform.OsHomeDirectory;
            if (string.IsNullOrEmpty(home))
                issues.Add(new NpmConfigIssue(NpmConfigIssueKind.EmptyHome, platform.IsWindows ? "USERPROFILE" : "HOME", null,
                    $"is set but empty, so npm has no home folder: '~/' paths, the user config (~/.npmrc) and the cache (~/.npm) included, resolve against the working directory ({path.Join(cwd, "~")}).", false));
            // npm runs as the owner of that home: read everything as that account could (docs/security.md)
            else platform = platform.As(platform.OwnerOf(home!));

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

            var field = new FieldContext(path, cwd, home, EnvOrInherited, definitions);
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
            LoadEnv(state, EnvironmentOrder(request, platform, env));

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
            var startup = new NpmStartupChecks(platform, layers, issues);
            startup.CheckFileName("userconfig", state.Find("userconfig"));
            if (state.Get("userconfig") is string userconfig) state.LoadFile(NpmConfigLayer.User, userconfig, state.ChosenBy("userconfig"));
            else layers[(int)NpmConfigLayer.User].SkipReason = "userconfig is not a path";

            // global: the default getter resolves against the prefix as it stands now (user layer included)
            if (state.Find("globalconfig") != null) startup.CheckFileName("globalconfig", state.Find("globalconfig"));
            else startup.CheckPrefixForGlobalConfig(state.Find("prefix"));
            var globalFile = state.Find("globalconfig") != null
                ? state.Get("globalconfig") as string
                : state.Get("prefix") is string p ? path.Resolve(cwd, p, "etc/npmrc") : null;
            if (globalFile != null) state.LoadFile(NpmConfigLayer.Global, globalFile, state.ChosenBy("globalconfig", "prefix"));
            else layers[(int)NpmConfigLayer.Global].SkipReason = "the global prefix is unknown (node not found)";

            // What config.get('globalconfig') shows afterwards while it is still the default getter: the
            // file under the final prefix (which the global file itself may have changed).
            if (!defaults.Contains("globalconfig") && state.GetEffectivePrefix() is string finalPrefix)
            {
                var gc = path.Resolve(cwd, finalPrefix, "etc/npmrc");
                defaults.Set(new NpmConfigValue("globalconfig", gc, gc, NpmConfigLayer.Default, defaults.Source, null, null));
            }

            // config.load() ends with setEnvs; lib/npm.js then reads config.flat (every flatten runs)
            if (!state.GlobalConfigAssigned) startup.CheckPrefixForGlobalConfig(state.Find("prefix"));
            startup.CheckEnvironmentExports();
            startup.CheckFlatten();
            NpmFlattenEffects.Apply(layers, path, cwd);
            state.CheckStartupFailures();

            state.ReportUnknowns(version);
            return new NpmConfigResolution(installation, version, cwd, string.IsNullOrEmpty(home) ? null : home, globalPrefix, localPrefix, layers, issues, env, workspace, platform);
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

        private static void LoadEnv(LoadState state, (IReadOnlyList<string> Names, string? OrderFrom) order)
        {
            var layer = state.Layers[(int)NpmConfigLayer.Env];
            layer.Source = "environment";
            layer.Loaded = true;
            var entries = new JsObject();
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            var byKey = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            // for (const [envKey, envVal] of Object.entries(this.env)): later variables overwrite earlier ones
            foreach (var name in order.Names)
            {
                if (!state.Environment.TryGetValue(name, out var value)) continue;
                if (!IsNpmConfigVariable(name) || value.Length == 0) continue;
                var key = name.Substring(11);
                // key.replace(/(?!^)_/g, '-').toLowerCase(), except for nerf-darted keys
                if (!key.StartsWith("//", StringComparison.Ordinal))
                    key = JsCase.ToLowerCase(key.Length > 0 ? key[0] + key.Substring(1).Replace('_', '-') : key);
                entries[key] = value;
                variables[key] = name;
                if (!byKey.TryGetValue(key, out var names)) byKey[key] = names = new List<string>();
                names.Add(name);
            }
            // loops rather than LINQ's Where/Any over the pairs (here and in AsStarted): those are generic methods over the
            // KeyValuePair struct, which no ReadyToRun image holds, JIT-compiled on every process's first call (issue 10 F)
            foreach (var clash in byKey)
            {
                if (clash.Value.Count < 2) continue;
                var winner = clash.Value[clash.Value.Count - 1];
                bool sameValue = clash.Value.All(n => state.Environment[n] == state.Environment[winner]);
                var how = order.OrderFrom != null
                    ? $"npm uses the one that comes last in the environment block, {winner} (order read from {order.OrderFrom})"
                    : $"npm uses the one that comes last in the environment block, which the module cannot see; it assumed {winner}";
                state.Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.EnvironmentClash, winner, null,
                    $"{string.Join(" and ", clash.Value)} all set npm's \"{clash.Key}\"{(sameValue ? " (to the same value)" : " to different values")}: {how}.", false));
            }
            state.LoadObject(NpmConfigLayer.Env, entries, layer.Source, null, variables);
        }

        /// <summary>/^npm_config_/i: JavaScript's case-insensitive match of ASCII letters only.</summary>
        internal static bool IsNpmConfigVariable(string name)
        {
            const string prefix = "npm_config_";
            if (name.Length < prefix.Length) return false;
            for (int i = 0; i < prefix.Length; i++)
            {
                char c = name[i], e = prefix[i];
                if (c != e && !(e >= 'a' && e <= 'z' && c == (char)(e - 32))) return false;
            }
            return true;
        }

        /// <summary>
        /// The environment as a process started with it has it: environment strings end at their first NUL (execve's
        /// NAME=value strings, node's setenv), so a value is cut there and a name holding one is not a variable.
        /// Unchanged (the same object) when nothing holds a NUL, which is every environment a process can read.
        /// </summary>
        internal static IReadOnlyDictionary<string, string> AsStarted(IReadOnlyDictionary<string, string> env, bool windows)
        {
            bool holdsNul = false;
            foreach (var kv in env)
                if (kv.Key.IndexOf('\0') >= 0 || kv.Value.IndexOf('\0') >= 0) { holdsNul = true; break; }
            if (!holdsNul) return env;
            var result = EnvironmentMap.Create(windows);
            foreach (var kv in env)
            {
                if (kv.Key.IndexOf('\0') >= 0) continue;
                int nul = kv.Value.IndexOf('\0');
                result[kv.Key] = nul < 0 ? kv.Value : kv.Value.Substring(0, nul);
            }
            return result;
        }

        /// <summary>The environment's names in process order, and where that order came from (null: unknown).</summary>
        private static (IReadOnlyList<string> Names, string? OrderFrom) EnvironmentOrder(NpmConfigRequest request, IPlatform platform, IReadOnlyDictionary<string, string> env)
        {
            // Windows keeps its environment block sorted by upper-cased name; elsewhere an unknown order is sorted ordinally
            var fallback = platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
            IReadOnlyList<string>? known = request.EnvironmentOrder;
            string? from = known != null ? "the caller" : null;
            if (known == null && request.Environment == null && request.UserProfile == null && !platform.IsWindows)
            {
                var block = ReadProcFile(platform, "/proc/self/environ");
                if (block != null)
                {
                    known = ProcessEnvironmentNames(block);
                    from = "this process's environment block (/proc/self/environ; a program that starts npm may pass another order)";
                }
            }
            if (platform.IsWindows && known == null) from = "Windows keeps it sorted";
            var names = new List<string>();
            var listed = new HashSet<string>(platform.IsWindows ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
            if (known != null)
                foreach (var n in known)
                    if (env.ContainsKey(n) && listed.Add(n)) names.Add(n);
            // variables the block does not list (set after this process started) come last
            names.AddRange(env.Keys.Where(k => !listed.Contains(k)).OrderBy(k => k, fallback));
            return (names, from);
        }

        /// <summary>A /proc file (whose size reads as 0), read to its end up to 16 MiB; null when there is none.</summary>
        private static byte[]? ReadProcFile(IPlatform platform, string path)
        {
            using var stream = platform.OpenRead(path);
            if (stream == null) return null;
            var buffer = new System.IO.MemoryStream();
            var chunk = new byte[1 << 16];
            int n;
            while (buffer.Length < (16L << 20) && (n = stream.Read(chunk, 0, chunk.Length)) > 0) buffer.Write(chunk, 0, n);
            return buffer.ToArray();
        }

        /// <summary>The names of a NUL-separated NAME=value block, in order (the first '=' after the first character ends the name).</summary>
        internal static List<string> ProcessEnvironmentNames(byte[] block)
        {
            var names = new List<string>();
            var text = new System.Text.UTF8Encoding(false, false).GetString(block);
            foreach (var entry in text.Split('\0'))
            {
                if (entry.Length == 0) continue;
                int eq = entry.IndexOf('=', 1);
                names.Add(eq < 0 ? entry : entry.Substring(0, eq));
            }
            return names;
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
                if (localPrefix != null && hasPackageJson)
                {
                    var check = WorkspaceMap.Check(state.Platform, dir, localPrefix);
                    if (check.Failure != null)
                    {
                        // mapWorkspaces throws out of config.load(): npm refuses to start
                        state.Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.StartupFailure, check.FailureSource!, null, check.Failure, true));
                        return localPrefix;
                    }
                    if (check.Undecided != null)
                        state.Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.WorkspaceUndecided, path.Join(dir, "package.json"), null,
                            $"whether {localPrefix} is one of its workspaces is not known: {check.Undecided}; it is treated as not a workspace.", false));
                    if (check.IsWorkspace)
                    {
                        workspace = localPrefix;
                        return dir;
                    }
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

            // file -> the layer (boxed NpmConfigLayer) that loaded it. Object values, not the enum: a Dictionary over a
            // value-type value is framework code no ReadyToRun image holds, JIT-compiled on every process's first call (issue 10 F).
            private readonly Dictionary<string, object> _loadedFiles = new Dictionary<string, object>(StringComparer.Ordinal);

            /// <summary>
            /// Accounts that control the files whose settings chose a path (<c>userconfig</c>, <c>globalconfig</c>,
            /// <c>prefix</c>): the file at that path is read as they could read it, never with the auditor's privileges.
            /// </summary>
            public IReadOnlyList<FilePrincipal> ChosenBy(params string[] keys)
            {
                var chosen = new List<FilePrincipal>();
                foreach (var key in keys)
                {
                    // the value npm uses decides the path; it keeps the file it came from wherever npm stores it
                    var value = Find(key);
                    if (value?.Source == null) continue;
                    foreach (var file in Layers)
                        if (file.Loaded && string.Equals(file.Source, value.Source, StringComparison.Ordinal))
                            foreach (var p in file.ControlledBy) if (!chosen.Contains(p)) chosen.Add(p);
                }
                return chosen;
            }

            public void LoadFile(NpmConfigLayer where, string file, IReadOnlyList<FilePrincipal>? chosenBy = null)
            {
                var layer = Layers[(int)where];
                layer.Source = file;
                if (_loadedFiles.TryGetValue(file, out var loadedAs))
                {
                    var earlier = (NpmConfigLayer)loadedAs;
                    // #loadObject refuses to load one source twice: npm stops with this error.
                    layer.SkipReason = $"already loaded as the {earlier.ToString().ToLowerInvariant()} config";
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.ParserFailure, file, null,
                        $"is both the {earlier.ToString().ToLowerInvariant()} and the {where.ToString().ToLowerInvariant()} config; npm refuses to start (\"double-loading config\").", true));
                    return;
                }
                _loadedFiles[file] = where;
                var reader = chosenBy != null && chosenBy.Count > 0 ? Platform.As(chosenBy) : Platform;
                var load = NpmrcFile.Load(reader, file);
                Issues.AddRange(load.Issues);
                if (load.Document == null) return;
                layer.Loaded = true;
                layer.Document = load.Document;
                var controlledBy = new List<FilePrincipal>(load.ControlledBy);
                if (chosenBy != null) foreach (var p in chosenBy) if (!controlledBy.Contains(p)) controlledBy.Add(p);
                layer.ControlledBy = controlledBy;
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
                var loglevel = Find("loglevel");
                var def = Definitions("loglevel");
                if (loglevel != null && def != null && !def.Types.Contains(loglevel.Value))
                    Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.CommandCrash, loglevel.EnvironmentVariable ?? loglevel.Source ?? "loglevel", loglevel.Line,
                        $"sets loglevel to {Js.Js.ToJson(loglevel.Value)}, which is not a log level; npm crashes at start.", true));
                CheckWorkspaceCommands();
            }

            /// <summary>
            /// lib/npm.js, before every command: <c>config.get('workspaces') || config.get('workspace').length</c> (values as
            /// loaded, never validated), and with that set and global mode on, "Workspaces not supported for global
            /// packages" — for every command when no workspace was found from the working directory (the default layer's
            /// workspace), else for the commands that act on that workspace (install, run, exec, config, publish, …).
            /// </summary>
            private void CheckWorkspaceCommands()
            {
                var workspaces = Find("workspaces");
                var workspace = Find("workspace");
                bool filter = Js.Js.IsTruthy(workspaces?.Value);
                if (!filter && workspace != null)
                {
                    if (workspace.Value == null || workspace.Value is JsUndefined)
                    {
                        Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.CommandCrash, workspace.EnvironmentVariable ?? workspace.Source ?? "workspace", workspace.Line,
                            $"sets workspace to {Js.Js.ToJson(workspace.Value)}; npm reads its length before every command and crashes (\"Cannot read properties of null (reading 'length')\").", true));
                        return;
                    }
                    filter = Js.Js.IsTruthy(workspace.Value switch
                    {
                        List<object?> list => (double)list.Count,
                        string s => (double)s.Length,
                        JsObject o => o["length"],
                        _ => JsUndefined.Value,
                    });
                }
                var global = Find("global");
                var location = Find("location");
                var mode = Js.Js.IsTruthy(global?.Value) ? global : location?.Value as string == "global" ? location : null;
                if (!filter || mode == null) return;
                var by = Js.Js.IsTruthy(workspaces?.Value) ? workspaces! : workspace!;
                bool implicitWorkspace = Layers[(int)NpmConfigLayer.Default].TryGet("workspace", out var found) && found.Value is List<object?> l && l.Count > 0;
                var which = implicitWorkspace ? "the commands that act on workspaces (install, run, exec, config, publish, …)" : "every command";
                Issues.Add(new NpmConfigIssue(NpmConfigIssueKind.CommandCrash, mode.EnvironmentVariable ?? mode.Source ?? mode.Key, mode.Line,
                    $"sets {mode.Key} to {Js.Js.ToJson(mode.Value)} (global mode) while {by.Key} is set ({Origin(by)}); npm refuses {which} with \"Workspaces not supported for global packages\".", true));
            }

            private static string Origin(NpmConfigValue v) =>
                v.Layer == NpmConfigLayer.Default ? "the working directory is in a workspace"
                : v.EnvironmentVariable != null ? "by " + v.EnvironmentVariable
                : v.Line is int line ? $"{v.Source}, line {line}" : v.Source ?? v.Layer.ToString();

            /// <summary>Unknown keys seen while loading: reported once the whole configuration (strict-npmrc) is known.</summary>
            public List<UnknownKey> Unknowns { get; } = new List<UnknownKey>();

            /// <summary>One unknown key. A class, not a value tuple: a List of tuples over the layer enum is framework
            /// code no ReadyToRun image holds, JIT-compiled on every process's first call (issue 10 F).</summary>
            public sealed class UnknownKey
            {
                public UnknownKey(NpmConfigLayer where, string key, string unknown, string source, int? line)
                { Where = where; Key = key; Unknown = unknown; Source = source; Line = line; }
                public NpmConfigLayer Where { get; }
                public string Key { get; }
                public string Unknown { get; }
                public string Source { get; }
                public int? Line { get; }
            }

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
                Unknowns.Add(new UnknownKey(where, key, unknown, variables != null && variables.TryGetValue(key, out var v) ? v : source, decoded?.EffectiveLine(key)));
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
