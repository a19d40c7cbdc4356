using System;
using System.Collections.Generic;
using System.Linq;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>
    /// GitHub Actions workflows (<c>.github/workflows/*.yml|yaml</c>) into the CI model: triggers (<c>on:</c> in its three
    /// forms), permissions (OIDC), <c>env</c> at every level with secret references, environments as gates, jobs with
    /// <c>needs</c> and <c>if</c>, steps (scripts with their shell and working folder, actions with inputs). Reusable
    /// workflows (<c>jobs.x.uses: ./.github/workflows/y.yml</c>) and composite actions (<c>uses: ./path</c>) inside the
    /// repository are expanded in place, with their own file and lines, at most <see cref="MaxDepth"/> levels deep and
    /// never into a file already being expanded.
    /// </summary>
    internal sealed class GitHubActionsReader : ICiDefinitionReader
    {
        private const string WorkflowsFolder = ".github/workflows/";

        /// <summary>Nesting of reusable workflows and composite actions followed (GitHub itself allows four levels of
        /// reusable workflows and ten of composite actions; past this bound a reference is kept as an opaque action).</summary>
        public const int MaxDepth = 6;

        public CiPlatform Platform => CiPlatform.GitHubActions;

        public bool Claims(string relativePath)
        {
            if (relativePath == null || !relativePath.StartsWith(WorkflowsFolder, StringComparison.OrdinalIgnoreCase)) return false;
            var name = relativePath.Substring(WorkflowsFolder.Length);
            return name.Length > 0 && name.IndexOf('/') < 0 &&
                (name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase));
        }

        public IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath)
        {
            var root = CiYaml.Read(repository, relativePath);
            if (root == null) return Array.Empty<CiDefinition>();
            if (!(root is CiYamlMapping workflow)) throw root.Fail("a workflow must be a mapping of keys (on:, jobs:), not " + root.KindName + ".");
            var context = new ReadContext(repository);
            context.Files.Add(relativePath);
            var definition = new CiDefinition(CiPlatform.GitHubActions, relativePath) { Name = workflow.Text("name") };
            definition.Triggers = Triggers(workflow);
            var top = Permissions(workflow.Get("permissions"));
            definition.RequestsOidc = top == true;
            definition.Env = Variables(workflow.Get("env"), null);
            var jobs = new List<CiJob>();
            var caller = new Caller(definition.Triggers, top, null, definition.Env, null, null, "");
            ReadJobs(context, workflow, caller, jobs, 0);
            definition.Jobs = jobs;
            definition.IncludedFiles = context.Included;
            return new[] { definition };
        }

        // ---- reading state ---------------------------------------------------------------------------------------

        private sealed class ReadContext
        {
            public ReadContext(CiRepository repository) { Repository = repository; }
            public CiRepository Repository { get; }
            /// <summary>Files being expanded right now (the cycle guard).</summary>
            public HashSet<string> Files { get; } = new HashSet<string>(StringComparer.Ordinal);
            public List<string> Included { get; } = new List<string>();

            public void Include(string file)
            {
                if (!Included.Contains(file)) Included.Add(file);
            }
        }

        /// <summary>What a workflow's jobs inherit from the workflow (or the calling job, for a reusable workflow).</summary>
        private sealed class Caller
        {
            public Caller(IReadOnlyList<CiTrigger> triggers, bool? permissionsOidc, bool? cap, IReadOnlyList<CiVariable> env,
                string? condition, IReadOnlyDictionary<string, string?>? secretMap, string idPrefix)
            {
                Triggers = triggers; PermissionsOidc = permissionsOidc; Cap = cap; Env = env; Condition = condition;
                SecretMap = secretMap; IdPrefix = idPrefix;
            }
            public IReadOnlyList<CiTrigger> Triggers { get; }
            /// <summary>id-token from the workflow's top-level permissions; null when it sets none.</summary>
            public bool? PermissionsOidc { get; }
            /// <summary>For a called workflow: whether the caller grants id-token: write (a callee can only lower the
            /// caller's permissions); null at the top level.</summary>
            public bool? Cap { get; }
            public IReadOnlyList<CiVariable> Env { get; }
            public string? Condition { get; }
            /// <summary>For a called workflow: callee secret name → caller secret name (null: not passed); null for <c>secrets: inherit</c> and the top level.</summary>
            public IReadOnlyDictionary<string, string?>? SecretMap { get; }
            public string IdPrefix { get; }
        }

        // ---- on: -------------------------------------------------------------------------------------------------

        private static IReadOnlyList<CiTrigger> Triggers(CiYamlMapping workflow)
        {
            var triggers = new List<CiTrigger>();
            var entry = workflow.Entry("on") ?? workflow.Entry("true");
            if (entry == null) return triggers;
            var on = entry.Value.Value;
            switch (on)
            {
                case CiYamlScalar single when !single.IsNull:
                    AddTrigger(triggers, single.Value, null, single.Source);
                    break;
                case CiYamlSequence list:
                    foreach (var item in list)
                        if (item.ScalarValue is string name) AddTrigger(triggers, name, null, item.Source);
                    break;
                case CiYamlMapping events:
                    foreach (var e in events.Entries)
                        AddTrigger(triggers, e.Key, e.Value as CiYamlMapping, new CiSource(e.KeyNode.File, e.Line));
                    break;
            }
            return triggers;
        }

        private static void AddTrigger(List<CiTrigger> triggers, string name, CiYamlMapping? filters, CiSource source)
        {
            switch (name)
            {
                case "push":
                    {
                        var branches = Filter(filters, "branches", "branches-ignore");
                        var tags = Filter(filters, "tags", "tags-ignore");
                        // push without branch or tag filters runs for every branch and every tag
                        if (branches != null || tags == null) triggers.Add(new CiTrigger(CiTriggerKind.Push, branches ?? Filter(filters, "paths", "paths-ignore"), source));
                        if (tags != null || branches == null) triggers.Add(new CiTrigger(CiTriggerKind.Tag, tags, source));
                        break;
                    }
                case "release": triggers.Add(new CiTrigger(CiTriggerKind.Release, Filter(filters, "types", null), source)); break;
                case "pull_request": triggers.Add(new CiTrigger(CiTriggerKind.PullRequest, Filter(filters, "branches", "branches-ignore"), source)); break;
                case "pull_request_target": triggers.Add(new CiTrigger(CiTriggerKind.PullRequestTarget, Filter(filters, "types", null) ?? Filter(filters, "branches", null), source)); break;
                case "workflow_run": triggers.Add(new CiTrigger(CiTriggerKind.WorkflowRun, Filter(filters, "workflows", null), source)); break;
                case "workflow_dispatch": triggers.Add(new CiTrigger(CiTriggerKind.Manual, null, source)); break;
                case "workflow_call": triggers.Add(new CiTrigger(CiTriggerKind.WorkflowCall, null, source)); break;
                case "schedule": triggers.Add(new CiTrigger(CiTriggerKind.Schedule, null, source)); break;
                default: triggers.Add(new CiTrigger(CiTriggerKind.Other, name, source)); break;
            }
        }

        /// <summary>"branches: main, release/*" from a filter list, "!": ignore lists; null when neither key is set.</summary>
        private static string? Filter(CiYamlMapping? filters, string key, string? ignoreKey)
        {
            if (filters == null) return null;
            var parts = new List<string>();
            foreach (var item in filters.List(key)) if (item.ScalarValue is string v) parts.Add(v);
            if (ignoreKey != null) foreach (var item in filters.List(ignoreKey)) if (item.ScalarValue is string v) parts.Add("!" + v);
            if (!filters.ContainsKey(key) && (ignoreKey == null || !filters.ContainsKey(ignoreKey))) return null;
            return key + ": " + string.Join(", ", parts);
        }

        // ---- permissions, env ------------------------------------------------------------------------------------

        /// <summary>Whether a <c>permissions:</c> value grants <c>id-token: write</c>; null when the key is absent.</summary>
        private static bool? Permissions(CiYamlNode? node)
        {
            switch (node)
            {
                case null: return null;
                case CiYamlScalar s when s.IsNull: return false;
                case CiYamlScalar s: return s.Value == "write-all";
                case CiYamlMapping m: return m.Text("id-token") == "write";
                default: return false;
            }
        }

        private static IReadOnlyList<CiVariable> Variables(CiYamlNode? node, IReadOnlyDictionary<string, string?>? secretMap,
            IReadOnlyDictionary<string, string>? inputs = null)
        {
            if (!(node is CiYamlMapping map)) return Array.Empty<CiVariable>();
            var variables = new List<CiVariable>(map.Count);
            foreach (var entry in map.Entries)
            {
                var value = SubstituteInputs(entry.Value.ScalarValue, inputs);
                string? secret = null;
                foreach (var name in GitHubExpression.SecretNames(value))
                {
                    secret = MapSecret(name, secretMap);
                    if (secret != null) break;
                }
                variables.Add(new CiVariable(entry.Key, value, secret, new CiSource(entry.KeyNode.File, entry.Line)));
            }
            return variables;
        }

        /// <summary>
        /// A composite action's <c>${{ inputs.NAME }}</c> replaced by what the calling step passes in <c>with:</c> (or the
        /// input's default), as GitHub evaluates it before the step runs: a token handed to the action as an input is then
        /// a <c>${{ secrets.X }}</c> reference again. Unknown inputs stay as written.
        /// </summary>
        internal static string? SubstituteInputs(string? text, IReadOnlyDictionary<string, string>? inputs)
        {
            if (text == null || inputs == null || inputs.Count == 0 || text.IndexOf("inputs.", StringComparison.Ordinal) < 0) return text;
            var sb = new System.Text.StringBuilder(text.Length);
            var at = 0;
            while (true)
            {
                var open = text.IndexOf("${{", at, StringComparison.Ordinal);
                if (open < 0) break;
                var close = text.IndexOf("}}", open + 3, StringComparison.Ordinal);
                if (close < 0) break;
                var body = text.Substring(open + 3, close - open - 3).Trim();
                string? replacement = null;
                if (body.StartsWith("inputs.", StringComparison.Ordinal))
                {
                    var name = body.Substring("inputs.".Length);
                    if (name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '-') && inputs.TryGetValue(name, out var value)) replacement = value;
                }
                sb.Append(text, at, open - at);
                sb.Append(replacement ?? text.Substring(open, close + 2 - open));
                at = close + 2;
            }
            sb.Append(text, at, text.Length - at);
            return sb.ToString();
        }

        /// <summary>A called workflow's secret name as the caller knows it (GITHUB_TOKEN is always the job's own).</summary>
        private static string? MapSecret(string name, IReadOnlyDictionary<string, string?>? secretMap)
        {
            if (secretMap == null || name == GitHubExpression.JobTokenName) return name;
            return secretMap.TryGetValue(name, out var mapped) ? mapped : null;
        }

        private static IReadOnlyList<CiVariable> Merge(IReadOnlyList<CiVariable> outer, IReadOnlyList<CiVariable> inner)
        {
            if (outer.Count == 0) return inner;
            if (inner.Count == 0) return outer;
            var result = new List<CiVariable>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var v in inner) names.Add(v.Name);
            foreach (var v in outer) if (!names.Contains(v.Name)) result.Add(v);
            result.AddRange(inner);
            return result;
        }

        // ---- jobs ------------------------------------------------------------------------------------------------

        private void ReadJobs(ReadContext context, CiYamlMapping workflow, Caller caller, List<CiJob> jobs, int depth)
        {
            var map = workflow.Mapping("jobs");
            if (map == null) return;
            var defaults = Defaults(workflow, null);
            foreach (var entry in map.Entries)
            {
                if (!(entry.Value is CiYamlMapping job)) throw entry.Value.Fail("the job '" + entry.Key + "' must be a mapping, not " + entry.Value.KindName + ".");
                var id = caller.IdPrefix + entry.Key;
                var uses = job.Text("uses");
                if (uses != null)
                {
                    ReadCalledWorkflow(context, job, entry, id, uses, caller, jobs, depth);
                    continue;
                }
                jobs.Add(ReadJob(context, job, entry, id, caller, defaults, depth));
            }
        }

        private CiJob ReadJob(ReadContext context, CiYamlMapping job, CiYamlEntry entry, string id, Caller caller, RunDefaults workflowDefaults, int depth)
        {
            var result = new CiJob(id, new CiSource(entry.KeyNode.File, entry.Line))
            {
                Name = job.Text("name"),
                Triggers = caller.Triggers,
                Condition = Conjoin(caller.Condition, job.Text("if")),
                Needs = Names(job, "needs", caller.IdPrefix),
                Env = Merge(caller.Env, Variables(job.Get("env"), caller.SecretMap)),
            };
            var own = Permissions(job.Get("permissions"));
            var oidc = own ?? caller.PermissionsOidc ?? false;
            if (caller.Cap == false) oidc = false;
            result.RequestsOidc = oidc;
            result.Gate = Gate(job.Get("environment"));
            var runsOn = RunsOn(job.Get("runs-on"));
            if (runsOn != null) result.Facts["runs-on"] = runsOn;
            if (job.Get("container") != null) result.Facts["container"] = job.Get("container") is CiYamlMapping c ? c.Text("image") ?? "" : job.Text("container") ?? "";
            var defaults = Defaults(job, workflowDefaults);
            var windows = runsOn != null && runsOn.IndexOf("windows", StringComparison.OrdinalIgnoreCase) >= 0;
            var steps = new List<CiStep>();
            if (job.Get("steps") is CiYamlSequence list)
                foreach (var item in list) ReadStep(context, item, defaults, windows, caller.SecretMap, Array.Empty<CiVariable>(), steps, result, depth);
            else if (job.Get("steps") is CiYamlNode other && !(other is CiYamlScalar s && s.IsNull))
                throw other.Fail("'steps' must be a list, not " + other.KindName + ".");
            result.Steps = steps;
            return result;
        }

        private static string? Conjoin(string? outer, string? inner)
        {
            if (string.IsNullOrEmpty(outer)) return inner;
            if (string.IsNullOrEmpty(inner)) return outer;
            return "(" + outer + ") && (" + inner + ")";
        }

        private static IReadOnlyList<string> Names(CiYamlMapping job, string key, string prefix)
        {
            var names = new List<string>();
            foreach (var item in job.List(key)) if (item.ScalarValue is string v) names.Add(prefix + v);
            return names;
        }

        private static CiGate Gate(CiYamlNode? environment)
        {
            switch (environment)
            {
                case CiYamlScalar s when !s.IsNull: return new CiGate(CiGateKind.Environment, s.Value, s.Source);
                case CiYamlMapping m: return new CiGate(CiGateKind.Environment, m.Text("name"), m.Source);
                default: return CiGate.None;
            }
        }

        private static string? RunsOn(CiYamlNode? node)
        {
            switch (node)
            {
                case CiYamlScalar s: return s.ScalarValue;
                case CiYamlSequence list:
                    var labels = new List<string>();
                    foreach (var item in list) if (item.ScalarValue is string v) labels.Add(v);
                    return string.Join(", ", labels);
                case CiYamlMapping m:
                    return m.Text("group") ?? string.Join(", ", ToTexts(m.List("labels")));
                default: return null;
            }
        }

        private static IEnumerable<string> ToTexts(IReadOnlyList<CiYamlNode> nodes)
        {
            foreach (var n in nodes) if (n.ScalarValue is string v) yield return v;
        }

        // ---- defaults.run ----------------------------------------------------------------------------------------

        private sealed class RunDefaults
        {
            public string? Shell;
            public string? WorkingDirectory;
        }

        private static RunDefaults Defaults(CiYamlMapping owner, RunDefaults? outer)
        {
            var result = new RunDefaults { Shell = outer?.Shell, WorkingDirectory = outer?.WorkingDirectory };
            var run = owner.Get("defaults") is CiYamlMapping d ? d.Get("run") as CiYamlMapping : null;
            if (run != null)
            {
                result.Shell = run.Text("shell") ?? result.Shell;
                result.WorkingDirectory = run.Text("working-directory") ?? result.WorkingDirectory;
            }
            return result;
        }

        /// <summary>The shell a <c>shell:</c> value names (<c>bash</c>, <c>pwsh</c>, <c>cmd</c>, or a custom
        /// <c>bash -e {0}</c>); the runner's default when none is given (bash, or pwsh on Windows).</summary>
        internal static CiShell ShellOf(string? shell, bool windows)
        {
            if (string.IsNullOrWhiteSpace(shell)) return windows ? CiShell.PowerShell : CiShell.Posix;
            var word = shell!.Trim();
            var space = word.IndexOfAny(new[] { ' ', '\t' });
            if (space > 0) word = word.Substring(0, space);
            var slash = word.LastIndexOfAny(new[] { '/', '\\' });
            if (slash >= 0) word = word.Substring(slash + 1);
            if (word.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) word = word.Substring(0, word.Length - 4);
            switch (word.ToLowerInvariant())
            {
                case "bash": case "sh": case "zsh": case "dash": case "ksh": return CiShell.Posix;
                case "pwsh": case "powershell": return CiShell.PowerShell;
                case "cmd": return CiShell.Cmd;
                default: return GitHubExpression.IsExpression(shell) ? (windows ? CiShell.PowerShell : CiShell.Posix) : CiShell.Unknown;
            }
        }

        // ---- steps -----------------------------------------------------------------------------------------------

        private void ReadStep(ReadContext context, CiYamlNode item, RunDefaults defaults, bool windows,
            IReadOnlyDictionary<string, string?>? secretMap, IReadOnlyList<CiVariable> outerEnv, List<CiStep> steps, CiJob job, int depth,
            IReadOnlyDictionary<string, string>? actionInputs = null)
        {
            if (!(item is CiYamlMapping step)) throw item.Fail("a step must be a mapping (uses: or run:), not " + item.KindName + ".");
            var name = step.Text("name") ?? step.Text("id");
            var env = Merge(outerEnv, Variables(step.Get("env"), secretMap, actionInputs));
            var condition = SubstituteInputs(step.Text("if"), actionInputs);
            var run = step.Scalar("run");
            if (run != null)
            {
                var script = new CiStep(CiStepKind.Script, name, step.Source)
                {
                    Script = SubstituteInputs(run.Value, actionInputs),
                    ScriptLine = run.ContentLine,
                    Shell = ShellOf(step.Text("shell") ?? defaults.Shell, windows),
                    WorkingDirectory = SubstituteInputs(step.Text("working-directory"), actionInputs) ?? defaults.WorkingDirectory,
                    Env = env,
                    Condition = condition,
                };
                steps.Add(script);
                return;
            }
            var uses = step.Text("uses");
            if (uses == null) return; // neither run: nor uses: — GitHub rejects it; nothing here can publish
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (step.Get("with") is CiYamlMapping with)
                foreach (var input in with.Entries)
                    if (input.Value.ScalarValue is string v) inputs[input.Key] = SubstituteInputs(v, actionInputs)!;

            if (uses.StartsWith("./", StringComparison.Ordinal) && ExpandComposite(context, uses, step, inputs, env, defaults, windows, secretMap, steps, job, depth))
                return;

            steps.Add(new CiStep(CiStepKind.Action, name, step.Source)
            {
                ActionRef = uses,
                Inputs = inputs,
                Env = env,
                Condition = condition,
                // a local JavaScript or Docker action cannot be read into; its declared name is what it says it does
                LocalActionName = uses.StartsWith("./", StringComparison.Ordinal) ? LocalActionName(context, uses) : null,
            });
            if (IsAction(uses, "actions/setup-node")) RecordSetupNode(job, inputs);
        }

        /// <summary>Whether <paramref name="uses"/> is <paramref name="action"/> at any version (<c>owner/repo@ref</c>, case-insensitive as GitHub's names are).</summary>
        internal static bool IsAction(string uses, string action)
        {
            var at = uses.IndexOf('@');
            var name = at < 0 ? uses : uses.Substring(0, at);
            return string.Equals(name.TrimEnd('/'), action, StringComparison.OrdinalIgnoreCase);
        }

        private static void RecordSetupNode(CiJob job, IReadOnlyDictionary<string, string> inputs)
        {
            foreach (var key in new[] { "node-version", "node-version-file", "registry-url", "cache", "always-auth", "scope" })
                if (inputs.TryGetValue(key, out var value) && !job.Facts.ContainsKey(key)) job.Facts[key] = value;
            job.Facts["setup-node"] = "true";
        }

        /// <summary>The <c>name:</c> of a local action's action.yml, or null.</summary>
        private static string? LocalActionName(ReadContext context, string uses)
        {
            var folder = CiRepository.NormalizePath(uses);
            if (folder == null) return null;
            foreach (var file in new[] { "action.yml", "action.yaml" })
            {
                var candidate = folder.Length == 0 ? file : folder + "/" + file;
                if (!context.Repository.FileExists(candidate)) continue;
                try { return (CiYaml.Read(context.Repository, candidate) as CiYamlMapping)?.Text("name"); }
                catch (CiDefinitionException) { return null; } // the step stays an opaque action; the workflow still reads
            }
            return null;
        }

        /// <summary>A local composite action: its <c>runs.steps</c> take the calling step's place, reading the calling
        /// step's env. False (the step stays an opaque action) when the action is missing, not composite, already being
        /// expanded, or too deep.</summary>
        private bool ExpandComposite(ReadContext context, string uses, CiYamlMapping caller, IReadOnlyDictionary<string, string> inputs,
            IReadOnlyList<CiVariable> env, RunDefaults defaults, bool windows, IReadOnlyDictionary<string, string?>? secretMap,
            List<CiStep> steps, CiJob job, int depth)
        {
            if (depth >= MaxDepth) return false;
            var folder = CiRepository.NormalizePath(uses);
            if (folder == null) return false;
            string? file = null;
            foreach (var name in new[] { "action.yml", "action.yaml" })
            {
                var candidate = folder.Length == 0 ? name : folder + "/" + name;
                if (context.Repository.FileExists(candidate)) { file = candidate; break; }
            }
            if (file == null || context.Files.Contains(file)) return false;
            var root = CiYaml.Read(context.Repository, file) as CiYamlMapping;
            var runs = root?.Get("runs") as CiYamlMapping;
            if (runs == null || !string.Equals(runs.Text("using"), "composite", StringComparison.OrdinalIgnoreCase)) return false;
            context.Include(file);
            context.Files.Add(file);
            try
            {
                // the action's inputs: what the calling step passes, else the input's default
                var actionInputs = new Dictionary<string, string>(StringComparer.Ordinal);
                if (root!.Get("inputs") is CiYamlMapping declared)
                    foreach (var input in declared.Entries)
                        if (input.Value is CiYamlMapping spec && spec.Text("default") is string fallback) actionInputs[input.Key] = fallback;
                foreach (var given in inputs) actionInputs[given.Key] = given.Value;
                var start = steps.Count;
                if (runs.Get("steps") is CiYamlSequence list)
                    foreach (var item in list) ReadStep(context, item, new RunDefaults { WorkingDirectory = null }, windows, secretMap, env, steps, job, depth + 1, actionInputs);
                // the calling step's condition guards every step of the action
                var condition = caller.Text("if");
                if (condition != null)
                    for (var i = start; i < steps.Count; i++) steps[i].Condition = Conjoin(condition, steps[i].Condition);
            }
            finally
            {
                context.Files.Remove(file);
            }
            return true;
        }

        // ---- reusable workflows ----------------------------------------------------------------------------------

        private void ReadCalledWorkflow(ReadContext context, CiYamlMapping job, CiYamlEntry entry, string id, string uses,
            Caller caller, List<CiJob> jobs, int depth)
        {
            var own = Permissions(job.Get("permissions"));
            var grants = own ?? caller.PermissionsOidc ?? false;
            if (caller.Cap == false) grants = false;
            var callerEnvCondition = Conjoin(caller.Condition, job.Text("if"));

            string? file = null;
            if (uses.StartsWith("./", StringComparison.Ordinal) && depth < MaxDepth)
            {
                var path = CiRepository.NormalizePath(uses);
                if (path != null && !context.Files.Contains(path) && context.Repository.FileExists(path)) file = path;
            }
            if (file == null)
            {
                // another repository's workflow (owner/repo/.github/workflows/x.yml@ref), or one this reader does not
                // follow: one job whose single step is the call, with its inputs and the secrets it passes
                var remote = new CiJob(id, new CiSource(entry.KeyNode.File, entry.Line))
                {
                    Name = job.Text("name"),
                    Triggers = caller.Triggers,
                    Condition = callerEnvCondition,
                    Needs = Names(job, "needs", caller.IdPrefix),
                    RequestsOidc = grants,
                    Env = caller.Env,
                };
                var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
                if (job.Get("with") is CiYamlMapping with)
                    foreach (var input in with.Entries) if (input.Value.ScalarValue is string v) inputs[input.Key] = v;
                var passed = new List<CiVariable>();
                if (job.Get("secrets") is CiYamlMapping secrets) passed.AddRange(Variables(secrets, caller.SecretMap));
                remote.Steps = new[] { new CiStep(CiStepKind.Action, job.Text("name"), new CiSource(entry.KeyNode.File, entry.Line)) { ActionRef = uses, Inputs = inputs, Env = passed } };
                jobs.Add(remote);
                return;
            }

            var called = CiYaml.Read(context.Repository, file) as CiYamlMapping;
            if (called == null) return;
            context.Include(file);
            context.Files.Add(file);
            try
            {
                // secrets: inherit hands over every secret under its own name; otherwise only those passed, renamed
                IReadOnlyDictionary<string, string?>? map;
                var secretsNode = job.Get("secrets");
                if (secretsNode is CiYamlScalar inherit && inherit.Value == "inherit") map = caller.SecretMap;
                else
                {
                    var passed = new Dictionary<string, string?>(StringComparer.Ordinal);
                    if (secretsNode is CiYamlMapping given)
                        foreach (var p in given.Entries)
                        {
                            string? callerName = null;
                            foreach (var n in GitHubExpression.SecretNames(p.Value.ScalarValue)) { callerName = MapSecret(n, caller.SecretMap); if (callerName != null) break; }
                            passed[p.Key] = callerName;
                        }
                    map = passed;
                }

                var calledTop = Permissions(called.Get("permissions"));
                var calledEnv = Variables(called.Get("env"), map);
                var inner = new Caller(caller.Triggers, calledTop ?? grants, grants, Merge(caller.Env, calledEnv), callerEnvCondition, map, id + "/");
                var start = jobs.Count;
                ReadJobs(context, called, inner, jobs, depth + 1);
                // the calling job's needs hold back every job of the called workflow that has no needs of its own
                var callerNeeds = Names(job, "needs", caller.IdPrefix);
                var gate = Gate(job.Get("environment"));
                for (var i = start; i < jobs.Count; i++)
                {
                    if (jobs[i].Needs.Count == 0 && callerNeeds.Count > 0) jobs[i].Needs = callerNeeds;
                    if (jobs[i].Gate.Kind == CiGateKind.None && gate.Kind != CiGateKind.None) jobs[i].Gate = gate;
                }
            }
            finally
            {
                context.Files.Remove(file);
            }
        }
    }
}
