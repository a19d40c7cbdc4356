using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>How many configurations, from which seed (environment variables, see docs/npm-agreement.md).</summary>
    public sealed class AgreementSettings
    {
        public const int FullCount = 300;
        public const int CiCount = 60;

        public int Count { get; set; }
        /// <summary>The master seed (PCG) the scenario seeds are drawn from.</summary>
        public string MasterSeed { get; set; } = "";
        /// <summary>Scenario seeds to replay instead of generating (NPMH_AGREEMENT_REPLAY=seed,seed).</summary>
        public List<string> Replay { get; } = new List<string>();
        public int Parallelism { get; set; } = Math.Clamp(Environment.ProcessorCount, 2, 4);
        public bool KeepFiles { get; set; }
        public bool IsCi { get; set; }
        /// <summary>Shrink the most common disagreements to minimal reproducers (off: NPMH_AGREEMENT_SHRINK=0).</summary>
        public bool Shrink { get; set; } = true;

        public static AgreementSettings FromEnvironment()
        {
            string? Var(string n) { var v = Environment.GetEnvironmentVariable(n); return string.IsNullOrWhiteSpace(v) ? null : v.Trim(); }
            var s = new AgreementSettings { IsCi = string.Equals(Var("CI"), "true", StringComparison.OrdinalIgnoreCase) };
            s.Count = int.TryParse(Var("NPMH_AGREEMENT_COUNT"), out var n) && n > 0 ? n : s.IsCi ? CiCount : FullCount;
            s.MasterSeed = Var("NPMH_AGREEMENT_SEED") ?? new PCG((uint)Environment.ProcessId, (ulong)DateTime.UtcNow.Ticks).ToString();
            if (Var("NPMH_AGREEMENT_REPLAY") is string replay)
                s.Replay.AddRange(replay.Split(new[] { ',', ' ', ';' }, StringSplitOptions.RemoveEmptyEntries));
            s.KeepFiles = Var("NPMH_AGREEMENT_KEEP") == "1";
            s.Shrink = Var("NPMH_AGREEMENT_SHRINK") != "0";
            return s;
        }
    }

    /// <summary>A scenario written to disk: what npm and the engine are run with.</summary>
    public sealed class PreparedScenario
    {
        public PreparedScenario(Scenario scenario, string root, string npmRoot, Dictionary<string, string> env)
        {
            Scenario = scenario; Root = root; NpmRoot = npmRoot; Env = env;
            Cwd = Path.Combine(root, scenario.Cwd);
            Argv = NpmPeers.ListArgs.Concat(scenario.Cli.Select(c => Scenario.Expand(c.Arg, root))).ToList();
        }

        public Scenario Scenario { get; }
        public string Root { get; }
        public string NpmRoot { get; }
        public Dictionary<string, string> Env { get; }
        public string Cwd { get; }
        public List<string> Argv { get; }
        public NpmConfigResolution? Ours { get; set; }
        /// <summary>True when no update-notifier stamp could be written, so npm config ls ran npm's update check.</summary>
        public bool UpdateCheckRan { get; set; }
        public string? OursError { get; set; }
        public NpmAnswer? Layers { get; set; }
        public NpmAnswer? List { get; set; }
    }

    /// <summary>One run of the agreement suite: generate, materialize, resolve, ask npm twice, compare.</summary>
    public sealed class AgreementRun
    {
        private readonly Dictionary<int, (string NpmRoot, string PathVariable)> _copies = new Dictionary<int, (string, string)>();
        private string _baseDir = "";

        public AgreementSettings Settings { get; private set; } = null!;
        public NpmPeers Peers { get; private set; } = null!;
        public List<Scenario> Scenarios { get; } = new List<Scenario>();
        /// <summary>The scenarios as run: both npm answers and the engine's resolution (the files are gone afterwards).</summary>
        public List<PreparedScenario> Prepared { get; } = new List<PreparedScenario>();
        public List<Disagreement> Disagreements { get; } = new List<Disagreement>();
        public int LayerComparisons { get; private set; }
        public int ListComparisons { get; private set; }
        public int NpmFailures { get; private set; }
        /// <summary>Configurations npm's Config loads but the npm config command refuses (compared with peer 2 only), by reason.</summary>
        public SortedDictionary<string, int> ListRefused { get; } = new SortedDictionary<string, int>(StringComparer.Ordinal);
        public Dictionary<string, TimeSpan> Timings { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        /// <summary>Signature → a minimal scenario that still shows it (engine + npm's Config).</summary>
        public Dictionary<string, Scenario> Minimal { get; } = new Dictionary<string, Scenario>(StringComparer.Ordinal);
        public string? KeptAt { get; private set; }

        private static readonly string[] LogLevels = { "silent", "error", "warn", "notice", "http", "info", "verbose", "silly" };

        public static List<Scenario> Generate(AgreementSettings settings, string nodePrefix)
        {
            var gen = new ScenarioGen(nodePrefix);
            if (settings.Replay.Count > 0) return settings.Replay.Select(seed => gen.Generate(PCG.Parse(seed), null, out _)).ToList();
            var master = PCG.Parse(settings.MasterSeed);
            var list = new List<Scenario>();
            for (int i = 0; i < settings.Count; i++)
                list.Add(gen.Generate(new PCG(master.Next(), master.Next64()), null, out _));
            return list;
        }

        /// <summary>Runs the generated configurations, or <paramref name="fixedScenarios"/> when given.</summary>
        public static async Task<AgreementRun> ExecuteAsync(AgreementSettings settings, IReadOnlyList<Scenario>? fixedScenarios = null)
        {
            var run = new AgreementRun { Settings = settings, Peers = new NpmPeers() };
            run._baseDir = Path.Combine(Path.GetTempPath(), "npmh-agreement-" + Guid.NewGuid().ToString("N").Substring(0, 10));
            var total = Stopwatch.StartNew();
            var sw = Stopwatch.StartNew();
            try
            {
                run.Scenarios.AddRange(fixedScenarios ?? Generate(settings, run.Peers.NodePrefix));
                var prepared = run.Scenarios.Select((s, i) => run.Prepare(s, Path.Combine(run._baseDir, i.ToString("D4")))).ToList();
                run.Prepared.AddRange(prepared);
                run.Timings["generate+write"] = sw.Elapsed;

                // the engine first (npm writes logs into its cache folder when it runs)
                sw.Restart();
                foreach (var p in prepared) ResolveEngine(p);
                run.Timings["engine"] = sw.Elapsed;

                sw.Restart();
                await run.LoadLayersAsync(prepared).ConfigureAwait(false);
                run.Timings["npm-layers.js"] = sw.Elapsed;

                sw.Restart();
                await run.ConfigListAsync(prepared).ConfigureAwait(false);
                run.Timings["npm config ls"] = sw.Elapsed;

                foreach (var p in prepared) run.Compare(p, run.Disagreements, count: true);

                if (settings.Shrink && run.Disagreements.Count > 0)
                {
                    sw.Restart();
                    await run.ShrinkAsync(TimeSpan.FromSeconds(settings.IsCi ? 45 : 90)).ConfigureAwait(false);
                    run.Timings["shrink"] = sw.Elapsed;
                }
            }
            finally
            {
                if (settings.KeepFiles) run.KeptAt = run._baseDir;
                else try { Directory.Delete(run._baseDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            run.Timings["total"] = total.Elapsed;
            return run;
        }

        /// <summary>Writes the tree; a scenario with a builtin npmrc gets (a shared) copy of npm holding it.</summary>
        private PreparedScenario Prepare(Scenario s, string root)
        {
            s.Materialize(root);
            var (npmRoot, pathVariable) = (Peers.NpmRoot, Peers.PathVariable);
            if (s.Builtin is int b)
            {
                if (!_copies.TryGetValue(b, out var copy))
                    _copies[b] = copy = Peers.CopyWithBuiltin(Path.Combine(_baseDir, "npm-builtin-" + b), Scenario.BuiltinTexts[b]);
                (npmRoot, pathVariable) = copy;
            }
            return new PreparedScenario(s, root, npmRoot, s.ExpandedEnv(root, pathVariable));
        }

        private static void ResolveEngine(PreparedScenario p)
        {
            try
            {
                // npm config ls -l --json: long and json are command-line options
                var cli = new Dictionary<string, object?>(StringComparer.Ordinal) { ["long"] = true, ["json"] = true };
                foreach (var c in p.Scenario.Cli) cli[c.Key] = c.ExpandedValue(p.Root);
                p.Ours = NpmConfigResolver.Resolve(new NpmConfigRequest
                {
                    Platform = SystemPlatform.Instance,
                    Environment = p.Env,
                    WorkingDirectory = p.Cwd,
                    CliOverrides = cli,
                    // the order both peers get the variables in (npm-layers.js and npm config ls keep it)
                    EnvironmentOrder = p.Env.Keys.ToList(),
                    Installation = NpmLocator.Locate(SystemPlatform.Instance, p.Env),
                });
            }
            catch (Exception e) { p.OursError = e.GetType().Name + ": " + e.Message; }
        }

        /// <summary>Peer 2: npm's own Config class, in a few batches (one node process each).</summary>
        private async Task LoadLayersAsync(IReadOnlyList<PreparedScenario> prepared)
        {
            var batchCount = Math.Min(Settings.Parallelism, Math.Max(1, prepared.Count / 50));
            var batches = Enumerable.Range(0, batchCount).Select(b => prepared.Where((_, i) => i % batchCount == b).ToList()).ToList();
            await Task.WhenAll(batches.Select(batch => Task.Run(() =>
            {
                var answers = Peers.LoadLayers(batch.Select(p => (p.Cwd, (IReadOnlyDictionary<string, string>)p.Env, (IReadOnlyList<string>)p.Argv, p.NpmRoot)).ToList());
                for (int j = 0; j < batch.Count; j++) batch[j].Layers = answers[j];
            }))).ConfigureAwait(false);
        }

        /// <summary>Peer 1: the real npm config ls -l --json, a few at a time.</summary>
        private async Task ConfigListAsync(IReadOnlyList<PreparedScenario> prepared)
        {
            // npm's update notifier is kept quiet by a fresh timestamp file (<cache>/_update-notifier-last-checked):
            // the check goes to the network, and with an invalid before/min-release-age it makes npm 11 exit 1
            // with no output (docs/npm-agreement.md).
            foreach (var p in prepared) WriteUpdateNotifierStamp(p);
            using var gate = new SemaphoreSlim(Settings.Parallelism);
            await Task.WhenAll(prepared.Select(async p =>
            {
                await gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    var extra = p.Scenario.Cli.Select(c => Scenario.Expand(c.Arg, p.Root));
                    p.List = (await Peers.ConfigList(p.NpmRoot, p.Cwd, p.Env, extra, CancellationToken.None).ConfigureAwait(false)).Answer;
                }
                finally { gate.Release(); }
            })).ConfigureAwait(false);
        }

        private static void WriteUpdateNotifierStamp(PreparedScenario p)
        {
            var layers = p.Layers!;
            if (!layers.Keys.TryGetValue("cache", out var cache) || cache.Json == null || !JsJson.TryParse(cache.Json, out var c) || !(c is string dir)) return;
            var stamp = Path.GetFullPath(Path.Combine(dir, "_update-notifier-last-checked"));
            if (!stamp.StartsWith(p.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return;
            // creating the cache folder must not change what another setting points at (cafile=~ with cache=~ …)
            var cacheDir = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
            if (!Directory.Exists(cacheDir) && layers.Keys.Any(k => k.Key != "cache" && k.Value.Json is string j && j.Length > 2 && j[0] == '"'
                && JsJson.TryParse(j, out var jv) && jv is string other && (other == cacheDir || other.StartsWith(cacheDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))))
            {
                p.UpdateCheckRan = true;
                return;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(stamp)!);
            File.WriteAllText(stamp, "");
        }

        /// <summary>
        /// Why the npm config command fails on a configuration its Config class loads, when that is npm's
        /// command layer and not configuration resolution (listed in docs/npm-agreement.md); null otherwise.
        /// </summary>
        public static string? CommandRefusal(string listError, NpmAnswer layers)
        {
            // lib/npm.js, before every command: config.get('workspaces') || config.get('workspace').length, values as loaded
            // (a string such as "false;tail" is truthy). With global mode that is "Workspaces not supported for global
            // packages" (the engine predicts it: a CommandCrash issue); a null workspace is a TypeError on its length.
            if (listError.Contains(GlobalWorkspaces, StringComparison.Ordinal)) return GlobalWorkspaces;
            if (listError.Contains("Cannot read properties of null (reading 'length')", StringComparison.Ordinal)
                && layers.Keys.TryGetValue("workspace", out var nullWs) && nullWs.Json == "null")
                return NullWorkspace;
            // Otherwise the config command (workspaces = false, ignoreImplicitWorkspace = false) throws ENOWORKSPACES —
            // which includes cwd inside a workspace (the implicit default).
            bool ws = layers.Keys.TryGetValue("workspaces", out var wss) && IsTruthyJson(wss.Json)
                || layers.Keys.TryGetValue("workspace", out var w) && w.Json != null && w.Json != "[]";
            if (ws || listError.Contains("ENOWORKSPACES", StringComparison.Ordinal))
                return "workspaces (ENOWORKSPACES)";
            // lib/utils/display.js looks the level up without validation: any other loglevel is a TypeError
            // ("Cannot read properties of undefined (reading 'index')"), sometimes with nothing printed.
            if (layers.Keys.TryGetValue("loglevel", out var level) && !LogLevels.Any(l => level.Json == "\"" + l + "\""))
                return LogLevelCrash;
            return null;
        }

        public const string GlobalWorkspaces = "Workspaces not supported for global packages";
        public const string NullWorkspace = "a null workspace crashes npm";
        public const string LogLevelCrash = "invalid loglevel crashes npm";

        /// <summary>Refusals that happen after npm's Config class has loaded, which the engine must predict (CommandCrash).</summary>
        public static bool EnginePredicts(string refusal) => refusal == LogLevelCrash || refusal == GlobalWorkspaces || refusal == NullWorkspace;

        /// <summary>JavaScript truthiness of a JSON.stringify'd value (absent: undefined).</summary>
        private static bool IsTruthyJson(string? json) =>
            json != null && json != "false" && json != "null" && json != "\"\"" && json != "0" && json != "-0";

        /// <summary>
        /// npm's exit 1 with no message but the pointer to its log file (after the configuration warnings npm prints
        /// for any command: an unknown key is "npm warn Unknown … config").
        /// </summary>
        private static bool BareExit(string error) =>
            error.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).All(l => l.Contains("A complete log of this run can be found in", StringComparison.Ordinal)
                || l.StartsWith("exit 1", StringComparison.Ordinal) || l.StartsWith("npm warn ", StringComparison.Ordinal));

        /// <summary>Compares one prepared scenario (List may be null: peer 2 only).</summary>
        private void Compare(PreparedScenario p, List<Disagreement> found, bool count)
        {
            var s = p.Scenario;
            var layers = p.Layers!;
            var list = p.List;
            // Without a stamp, npm config ls also runs npm's update check, which fetches from the configured registry
            // and exits 1 with nothing printed when that registry is not a URL: a network step, not configuration.
            var refusalOf = list?.Error == null || layers.Error != null ? null
                : CommandRefusal(list.Error, layers) ?? (p.UpdateCheckRan && BareExit(list.Error) ? "the update check ran (no stamp could be written)" : null);
            if (refusalOf is string refusal)
            {
                // the engine must predict the crash that npm's Config class cannot see
                if (EnginePredicts(refusal) && p.Ours != null && !p.Ours.Issues.Any(i => i.Kind == NpmConfigIssueKind.CommandCrash))
                    found.Add(new Disagreement(s, "config ls", "error", "(command)", null, "npm crashes: " + refusal, null, "no CommandCrash issue"));
                if (count) ListRefused[refusal] = ListRefused.TryGetValue(refusal, out var c) ? c + 1 : 1;
                list = null;
            }
            // and the other way: a command crash the engine predicts must stop npm config ls (the config command acts on workspaces)
            if (p.List != null && p.List.Error == null && layers.Error == null && p.Ours?.Issues.FirstOrDefault(i => i.Kind == NpmConfigIssueKind.CommandCrash) is NpmConfigIssue crash)
                found.Add(new Disagreement(s, "config ls", "error", "(command)", null, "npm config ls runs", null, crash.ToString()));
            if (list != null && (layers.Error == null) != (list.Error == null))
                found.Add(new Disagreement(s, "peers", "error", "(load)", null, layers.Error ?? list.Error, null, null));
            var npmError = layers.Error ?? list?.Error;
            if (p.OursError != null)
            {
                found.Add(new Disagreement(s, "layers", "error", "(load)", null, npmError ?? "loads", null, "engine threw " + p.OursError));
                return;
            }
            var resolution = p.Ours!;
            // a command crash happens after npm's Config class has loaded: not a load error
            var ourFatal = resolution.Issues.Where(x => x.IsError && x.Kind != NpmConfigIssueKind.CommandCrash).Select(x => x.ToString()).ToList();
            if (npmError != null)
            {
                if (count) NpmFailures++;
                if (ourFatal.Count == 0)
                    found.Add(new Disagreement(s, "layers", "error", "(load)", null, "npm fails: " + npmError, null, "no error issue"));
                return;
            }
            if (ourFatal.Count > 0)
                found.Add(new Disagreement(s, "layers", "error", "(load)", null, "npm loads", null, string.Join("; ", ourFatal)));
            var layerCount = AgreementComparer.CompareLayers(s, resolution, layers, found);
            var listCount = list != null ? AgreementComparer.CompareList(s, resolution, list, layers, found) : 0;
            if (count) { LayerComparisons += layerCount; ListComparisons += listCount; }
        }

        // ---- shrinking -----------------------------------------------------------------------------

        /// <summary>
        /// For the most common kinds of disagreement, removes env variables, files, lines, command-line options
        /// and the builtin file from the smallest example while the same disagreement (peer 2) persists.
        /// </summary>
        private async Task ShrinkAsync(TimeSpan budget)
        {
            var clock = Stopwatch.StartNew();
            int dirs = 0;
            var groups = Disagreements.Where(d => d.Peer == "layers")
                .GroupBy(d => d.Signature).OrderByDescending(g => g.Select(d => d.Scenario).Distinct().Count()).Take(10).ToList();
            foreach (var g in groups)
            {
                var example = g.OrderBy(d => d.Scenario.Describe().Length).First();
                var current = example.Scenario;
                while (clock.Elapsed < budget)
                {
                    var candidates = Reductions(current).ToList();
                    if (candidates.Count == 0) break;
                    var ok = await ReproducesAsync(candidates, example, () => Path.Combine(_baseDir, "shrink", (dirs++).ToString("D5"))).ConfigureAwait(false);
                    var passing = candidates.Where((_, i) => ok[i]).ToList();
                    if (passing.Count == 0) break;
                    if (passing.Count > 1)
                    {
                        var combined = Combine(current, passing);
                        if (combined != null && (await ReproducesAsync(new[] { combined }, example, () => Path.Combine(_baseDir, "shrink", (dirs++).ToString("D5"))).ConfigureAwait(false))[0])
                        {
                            current = combined;
                            continue;
                        }
                    }
                    current = passing[0];
                }
                if (!ReferenceEquals(current, example.Scenario)) Minimal[g.Key] = current;
            }
        }

        private async Task<bool[]> ReproducesAsync(IReadOnlyList<Scenario> candidates, Disagreement target, Func<string> newRoot)
        {
            var prepared = candidates.Select(c => Prepare(c, newRoot())).ToList();
            foreach (var p in prepared) ResolveEngine(p);
            await LoadLayersAsync(prepared).ConfigureAwait(false);
            return prepared.Select(p =>
            {
                var found = new List<Disagreement>();
                Compare(p, found, count: false);
                return found.Any(d => d.Signature == target.Signature && (d.Kind != "error" || (d.OurJson == target.OurJson)));
            }).ToArray();
        }

        /// <summary>Scenarios with one thing less (each a copy with the same seed).</summary>
        private static IEnumerable<Scenario> Reductions(Scenario s)
        {
            foreach (var name in s.Env.Select(kv => kv.Key).Where(k => k != "HOME").ToList())
                yield return s.With(c => c.Env.RemoveAll(kv => kv.Key == name), "env " + name);
            foreach (var f in s.Files.Keys.ToList())
            {
                var file = f;
                yield return s.With(c => c.Files.Remove(file), "file " + file);
                var lines = SplitLines(s.Files[file]);
                if (lines.Count > 1)
                    for (int i = 0; i < lines.Count; i++)
                    {
                        var kept = string.Concat(lines.Where((_, j) => j != i));
                        yield return s.With(c => c.Files[file] = kept, "line " + i + " of " + file);
                    }
                if (s.Files[file].Contains('\r')) yield return s.With(c => c.Files[file] = c.Files[file].Replace("\r", ""), "CR of " + file);
                if (s.Files[file].StartsWith("\uFEFF", StringComparison.Ordinal)) yield return s.With(c => c.Files[file] = c.Files[file].Substring(1), "BOM of " + file);
            }
            foreach (var d in s.Dirs.ToList())
            {
                var dir = d;
                yield return s.With(c => c.Dirs.Remove(dir), "dir " + dir);
            }
            foreach (var l in s.Links.Keys.ToList())
            {
                var link = l;
                yield return s.With(c => c.Links.Remove(link), "link " + link);
            }
            foreach (var arg in s.Cli.Select(c => c.Arg).ToList())
                yield return s.With(c => c.Cli.RemoveAll(o => o.Arg == arg), "cli " + arg);
            if (s.Builtin != null) yield return s.With(c => c.Builtin = null, "builtin");
        }

        private static List<string> SplitLines(string text)
        {
            var lines = new List<string>();
            int start = 0;
            for (int i = 0; i < text.Length; i++)
                if (text[i] == '\n') { lines.Add(text.Substring(start, i - start + 1)); start = i + 1; }
            if (start < text.Length) lines.Add(text.Substring(start));
            return lines;
        }

        /// <summary>All the reductions at once, when they touch different things (else null).</summary>
        private static Scenario? Combine(Scenario from, List<Scenario> passing)
        {
            var reasons = passing.Select(p => p.Reduction!).ToList();
            // two removals from the same file interact (line numbers): combine only disjoint targets
            string Target(string r) => r.StartsWith("file ", StringComparison.Ordinal) ? r.Substring(5)
                : r.Contains(" of ", StringComparison.Ordinal) ? r.Substring(r.IndexOf(" of ", StringComparison.Ordinal) + 4) : r;
            var targets = reasons.Select(Target).ToList();
            if (targets.Distinct().Count() != targets.Count) return null;
            var result = from;
            foreach (var p in passing) result = p.ApplyReductionTo(result);
            return result;
        }

        // ---- reporting -----------------------------------------------------------------------------

        public int Comparisons => LayerComparisons + ListComparisons;

        public int DisagreeingComparisons =>
            Disagreements.Where(d => d.Peer != "peers" && d.Kind != "error").Select(d => (d.Scenario, d.Peer, d.Key)).Distinct().Count();

        public string Summary()
        {
            var sb = new StringBuilder();
            var bad = Disagreements.Select(d => d.Scenario).Distinct().Count();
            sb.Append($"npm agreement: {Scenarios.Count} configurations against npm {Peers.NpmVersion} (node {Peers.NodeVersion}); ");
            sb.Append(Settings.Replay.Count > 0 ? $"replayed seeds {string.Join(",", Settings.Replay)}\n" : $"master seed {Settings.MasterSeed} (NPMH_AGREEMENT_SEED={Settings.MasterSeed} NPMH_AGREEMENT_COUNT={Settings.Count})\n");
            sb.Append($"  keys compared: {Comparisons} ({LayerComparisons} value+layer with npm's Config, {ListComparisons} values with npm config ls -l --json); npm refused {NpmFailures} configurations (compared as errors); npm config ls refused (compared with npm's Config only): {(ListRefused.Count == 0 ? "none" : string.Join(", ", ListRefused.Select(r => $"{r.Value} {r.Key}")))}\n");
            double pct = Comparisons == 0 ? 100 : 100.0 * (Comparisons - DisagreeingComparisons) / Comparisons;
            sb.Append($"  agreement: {pct:0.000}% of key comparisons; {Scenarios.Count - bad} of {Scenarios.Count} configurations agree on every key; {Disagreements.Count} disagreements in {Disagreements.Select(d => d.Signature).Distinct().Count()} kinds\n");
            sb.Append("  time: " + string.Join(", ", Timings.Select(t => $"{t.Key} {t.Value.TotalSeconds:0.0} s")) + $" (npm config ls {Settings.Parallelism} at a time)\n");
            var features = Scenarios.SelectMany(s => s.Features).GroupBy(f => f).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
            sb.Append("  coverage: " + string.Join(", ", features) + "\n");
            if (KeptAt != null) sb.Append("  files kept at " + KeptAt + "\n");
            return sb.ToString();
        }

        /// <summary>Disagreements grouped by kind and key, most common first, each with a (minimal) reproducer.</summary>
        public string Report(int maxGroups)
        {
            var sb = new StringBuilder();
            var groups = Disagreements.GroupBy(d => d.Signature)
                .OrderByDescending(g => g.Select(d => d.Scenario).Distinct().Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            int n = 0;
            foreach (var g in groups)
            {
                if (n++ >= maxGroups) { sb.Append($"… and {groups.Count - maxGroups} more kinds (see the report file)\n"); break; }
                var example = g.OrderBy(d => d.Scenario.Describe().Length).First();
                sb.Append($"\n#{n} {g.Key} — in {g.Select(d => d.Scenario).Distinct().Count()} of {Scenarios.Count} configurations\n");
                sb.Append("  ").Append(example).Append('\n');
                if (Minimal.TryGetValue(g.Key, out var minimal))
                    sb.Append("  minimal reproducer (shrunk from seed ").Append(example.Scenario.Seed).Append("):\n").Append(minimal.Describe(withSeed: false));
                else sb.Append(example.Scenario.Describe());
            }
            return sb.ToString();
        }

        /// <summary>Each disagreeing configuration once, with all its disagreements.</summary>
        public string ByScenario()
        {
            var sb = new StringBuilder();
            foreach (var g in Disagreements.GroupBy(d => d.Scenario))
            {
                sb.Append('\n').Append(g.Key.Describe());
                foreach (var d in g) sb.Append("    ").Append(d).Append('\n');
            }
            return sb.ToString();
        }
    }
}
