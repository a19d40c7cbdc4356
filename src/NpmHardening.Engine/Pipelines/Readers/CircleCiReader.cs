using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>
    /// CircleCI configuration (<c>.circleci/config.yml</c>, version 2.0 and 2.1) into the CI model: one definition per
    /// workflow, one job per workflow entry (its <c>name:</c> or the job it runs), with <c>requires</c> as needs, branch and
    /// tag <c>filters</c> narrowed through the jobs a job requires (CircleCI skips a job whose required job did not run, and
    /// builds tags only for jobs that ask for them), <c>type: approval</c> entries as the approval gate of every job that
    /// requires them directly or through others, <c>context</c> as the job's contexts (where CircleCI secrets live).
    /// Reusable <c>commands</c>, <c>executors</c>, job and command <c>parameters</c> (<c>&lt;&lt; parameters.x &gt;&gt;</c>),
    /// pipeline parameter defaults, <c>when</c>/<c>unless</c> steps and inline orbs are expanded; commands and jobs of
    /// registry orbs are kept as opaque actions named as written (<c>node/install-packages</c>), the orb each alias stands for
    /// in the job's facts (<c>orb:node</c> = <c>circleci/node@5.1</c>). The continuation and path-filtering orbs' in-repository
    /// configuration files are read as further definitions of this file; a missing one is an error at the line naming it.
    /// OIDC: npm reads an identity token from <c>NPM_ID_TOKEN</c> on CircleCI and the job has to put it there (usually from
    /// <c>circleci run oidc get</c> or <c>$CIRCLE_OIDC_TOKEN</c>), so a job requests OIDC when its steps or environment use
    /// one of those names.
    /// </summary>
    internal sealed class CircleCiReader : ICiDefinitionReader
    {
        public const string ConfigFile = ".circleci/config.yml";

        /// <summary>Nesting of commands inside commands (and steps parameters) followed; CircleCI has no fixed limit, real
        /// configurations use two or three levels.</summary>
        public const int MaxDepth = 16;

        /// <summary>Continuation configurations followed from one file (a continued configuration cannot continue again).</summary>
        private const int MaxContinuations = 8;

        private static readonly HashSet<string> BuiltinSteps = new HashSet<string>(StringComparer.Ordinal)
        {
            "checkout", "setup_remote_docker", "save_cache", "restore_cache", "store_artifacts", "store_test_results",
            "persist_to_workspace", "attach_workspace", "add_ssh_keys", "unless", "when", "run", "deploy", "steps",
        };

        /// <summary>Keys of a workflow job entry that configure the entry itself; every other key is a job parameter.</summary>
        private static readonly HashSet<string> EntryKeys = new HashSet<string>(StringComparer.Ordinal)
        {
            "requires", "context", "filters", "type", "name", "matrix", "pre-steps", "post-steps", "serial-group", "override-with",
        };

        public CiPlatform Platform => CiPlatform.CircleCi;

        public bool Claims(string relativePath) =>
            relativePath != null && string.Equals(relativePath, ConfigFile, StringComparison.OrdinalIgnoreCase);

        public IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath)
        {
            if (repository == null) throw new ArgumentNullException(nameof(repository));
            var root = CiYaml.Read(repository, relativePath);
            if (root == null) return Array.Empty<CiDefinition>();
            if (!(root is CiYamlMapping config)) throw root.Fail("a CircleCI configuration must be a mapping of keys (version:, jobs:, workflows:), not " + root.KindName + ".");
            var results = new List<CiDefinition>();
            var included = new List<string>();
            var pending = new Queue<(string File, CiYamlEntry At)>();
            var skipped = new List<CiDefinitionException>();
            ReadConfig(repository, relativePath, config, results, included, pending, null, skipped);
            var continued = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal) { relativePath };
            while (pending.Count > 0)
            {
                var (file, at) = pending.Dequeue();
                if (!seen.Add(file) || ++continued > MaxContinuations) continue;
                var next = CiYaml.Read(repository, file);
                if (next == null) throw new CiDefinitionException(at.KeyNode.File, at.Line, "names the configuration '" + file + "', which is not in the repository.");
                if (!(next is CiYamlMapping nextConfig)) throw next.Fail("a CircleCI configuration must be a mapping of keys, not " + next.KindName + ".");
                if (!included.Contains(file)) included.Add(file);
                // a continued configuration runs in the pipeline the setup configuration started: same file for npm's
                // trusted publisher, same triggers
                ReadConfig(repository, file, nextConfig, results, included, null, relativePath, skipped);
            }
            foreach (var d in results)
            {
                d.IncludedFiles = included;
                // one list for every workflow of the file: a job run by two workflows is read twice, the scanner reports each part once
                d.SkippedParts = skipped;
            }
            return results;
        }

        // ---- one configuration ----------------------------------------------------------------------------------

        private sealed class Config
        {
            public Config(CiRepository repository, string file, CiYamlMapping root)
            {
                Repository = repository; File = file; Root = root;
                Jobs = root.Mapping("jobs");
                Commands = root.Mapping("commands");
                Executors = root.Mapping("executors");
                Orbs = root.Mapping("orbs");
                if (root.Mapping("parameters") is CiYamlMapping pp)
                    foreach (var p in pp.Entries)
                        if (p.Value is CiYamlMapping spec && spec.Get("default") is CiYamlNode d) PipelineDefaults[p.Key] = d;
            }
            public CiRepository Repository { get; }
            public string File { get; }
            public CiYamlMapping Root { get; }
            public CiYamlMapping? Jobs { get; }
            public CiYamlMapping? Commands { get; }
            public CiYamlMapping? Executors { get; }
            public CiYamlMapping? Orbs { get; }
            public Dictionary<string, CiYamlNode> PipelineDefaults { get; } = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
            public Queue<(string File, CiYamlEntry At)>? Continuations { get; set; }
            /// <summary>Steps in a shape the reader cannot use: each costs that step only.</summary>
            public List<CiDefinitionException> Skipped { get; set; } = new List<CiDefinitionException>();

            /// <summary>The orb an alias stands for: its registry reference, "inline" for an orb written in the file, null when unknown.</summary>
            public string? OrbRef(string alias)
            {
                var node = Orbs?.Get(alias);
                if (node is CiYamlMapping) return "inline";
                return node?.ScalarValue;
            }

            /// <summary>The definition of <paramref name="name"/> in <paramref name="section"/> (jobs, commands, executors) of the
            /// file or of an inline orb (<c>alias/name</c>); null for a registry orb's or an unknown name.</summary>
            public CiYamlMapping? Find(string section, string name)
            {
                var slash = name.IndexOf('/');
                if (slash < 0)
                {
                    var own = section == "jobs" ? Jobs : section == "commands" ? Commands : Executors;
                    return own?.Get(name) as CiYamlMapping;
                }
                if (Orbs?.Get(name.Substring(0, slash)) is CiYamlMapping inline && inline.Get(section) is CiYamlMapping members)
                    return members.Get(name.Substring(slash + 1)) as CiYamlMapping;
                return null;
            }
        }

        private void ReadConfig(CiRepository repository, string file, CiYamlMapping root, List<CiDefinition> results,
            List<string> included, Queue<(string, CiYamlEntry)>? continuations, string? setupFile, List<CiDefinitionException> skipped)
        {
            var config = new Config(repository, file, root) { Continuations = continuations, Skipped = skipped };
            var workflows = root.Mapping("workflows");
            var any = false;
            if (workflows != null)
                foreach (var entry in workflows.Entries)
                {
                    if (entry.Key == "version") continue; // 2.0's "workflows: version: 2"
                    if (!(entry.Value is CiYamlMapping workflow)) throw entry.Value.Fail("the workflow '" + entry.Key + "' must be a mapping (jobs:), not " + entry.Value.KindName + ".");
                    results.Add(ReadWorkflow(config, entry.Key, workflow, setupFile));
                    any = true;
                }
            if (!any && config.Jobs?.Get("build") is CiYamlMapping build)
            {
                // no workflows: CircleCI runs the job named "build" on every push to a branch (tags are not built)
                var definition = new CiDefinition(CiPlatform.CircleCi, setupFile ?? file);
            definition.ImplicitSecretVariables = true;
                var triggers = new[] { new CiTrigger(CiTriggerKind.Push, null, build.Source) };
                definition.Triggers = triggers;
                var job = ReadJob(config, "build", "build", build, new Dictionary<string, CiYamlNode>(StringComparer.Ordinal),
                    null, null, config.Jobs.Entry("build")!.Value.Line);
                job.Triggers = triggers;
                definition.Jobs = new[] { job };
                results.Add(definition);
            }
        }

        // ---- workflows ------------------------------------------------------------------------------------------

        private sealed class Entry
        {
            public Entry(string id, string jobName, CiYamlNode node, CiYamlMapping? settings) { Id = id; JobName = jobName; Node = node; Settings = settings; }
            public string Id { get; }
            public string JobName { get; }
            public CiYamlNode Node { get; }
            public CiYamlMapping? Settings { get; }
            public List<string> Requires { get; } = new List<string>();
            public CiJob? Job { get; set; }
            public bool IsApproval { get; set; }
            public List<CiTrigger> Own { get; } = new List<CiTrigger>();
            public List<CiTrigger>? Effective { get; set; }
            public CiGate? Gate { get; set; }
        }

        private CiDefinition ReadWorkflow(Config config, string name, CiYamlMapping workflow, string? setupFile)
        {
            var definition = new CiDefinition(CiPlatform.CircleCi, setupFile ?? config.File) { Name = name };
            definition.ImplicitSecretVariables = true;
            var workflowTriggers = WorkflowTriggers(config, workflow, out var condition);
            var entries = new List<Entry>();
            var byId = new Dictionary<string, Entry>(StringComparer.Ordinal);
            foreach (var item in workflow.List("jobs"))
            {
                var entry = ParseEntry(item);
                if (byId.ContainsKey(entry.Id)) throw item.Fail("the workflow '" + name + "' has two jobs named '" + entry.Id + "'; give one a distinct name:.");
                byId[entry.Id] = entry;
                entries.Add(entry);
            }

            // a matrix entry runs as several jobs named from its parameters (test-18, test-20); a requirement may name one
            var matrix = entries.Exists(e => e.Settings?.Get("matrix") != null);
            foreach (var entry in entries)
            {
                if (matrix) entry.Requires.RemoveAll(r => !byId.ContainsKey(r));
                foreach (var required in entry.Requires)
                    if (!byId.ContainsKey(required))
                        throw entry.Node.Fail("the job '" + entry.Id + "' requires '" + required + "', which the workflow '" + name + "' does not run.");
                entry.Own.AddRange(FilterTriggers(entry.Settings?.Mapping("filters"), workflowTriggers, entry.Node.Source));
                if (entry.IsApproval)
                {
                    var approval = new CiJob(entry.Id, entry.Node.Source) { Condition = condition, Needs = entry.Requires };
                    approval.Facts["type"] = "approval";
                    entry.Job = approval;
                    continue;
                }
                entry.Job = ReadEntryJob(config, entry, name);
                entry.Job.Condition = Conjoin(condition, entry.Job.Condition);
            }

            // requires: a job runs only where every job it requires ran (triggers narrowed), and waits for every approval upstream
            var visiting = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in entries) Resolve(entry, byId, visiting);

            var jobs = new List<CiJob>();
            foreach (var entry in entries)
            {
                var job = entry.Job!;
                job.Triggers = entry.Effective;
                if (entry.Gate != null && job.Gate.Kind < entry.Gate.Kind) job.Gate = entry.Gate;
                jobs.Add(job);
            }
            definition.Jobs = jobs;
            definition.Triggers = workflowTriggers.Triggers;
            return definition;
        }

        private static Entry ParseEntry(CiYamlNode item)
        {
            switch (item)
            {
                case CiYamlScalar s when !s.IsNull:
                    return new Entry(s.Value, s.Value, s, null);
                case CiYamlMapping m when m.Count == 1:
                    {
                        var only = m.Entries[0];
                        var settings = only.Value as CiYamlMapping;
                        if (settings == null && !(only.Value is CiYamlScalar n && n.IsNull))
                            throw only.Value.Fail("the settings of the workflow job '" + only.Key + "' must be a mapping, not " + only.Value.KindName + ".");
                        var id = settings?.Text("name") ?? only.Key;
                        var entry = new Entry(id, only.Key, only.KeyNode, settings);
                        if (settings != null)
                        {
                            foreach (var r in settings.List("requires"))
                            {
                                // "- build" or, with job status requirements, "- build: [success, failed]"
                                if (r.ScalarValue is string req) entry.Requires.Add(req);
                                else if (r is CiYamlMapping rm) foreach (var k in rm.Keys) entry.Requires.Add(k);
                            }
                            entry.IsApproval = settings.Text("type") == "approval";
                        }
                        return entry;
                    }
                default:
                    throw item.Fail("a workflow job must be a job name or a mapping of one job name to its settings, not " + item.KindName + ".");
            }
        }

        private static void Resolve(Entry entry, Dictionary<string, Entry> byId, HashSet<string> visiting)
        {
            if (entry.Effective != null) return;
            if (!visiting.Add(entry.Id)) throw entry.Node.Fail("the job '" + entry.Id + "' requires itself through other jobs; CircleCI rejects the cycle.");
            var effective = new List<CiTrigger>(entry.Own);
            CiGate? gate = null;
            foreach (var id in entry.Requires)
            {
                var required = byId[id];
                Resolve(required, byId, visiting);
                if (required.IsApproval)
                {
                    if (gate == null) gate = new CiGate(CiGateKind.Approval, required.Id, required.Node.Source);
                }
                else if (required.Gate != null && gate == null) gate = required.Gate;
                // keep a trigger kind only when the required job runs for it too; adopt its filter when this job has none
                for (var i = effective.Count - 1; i >= 0; i--)
                {
                    var mine = effective[i];
                    CiTrigger? theirs = null;
                    foreach (var t in required.Effective!) if (t.Kind == mine.Kind) { theirs = t; break; }
                    if (theirs == null) effective.RemoveAt(i);
                    else if (mine.Detail == null && theirs.Detail != null) effective[i] = new CiTrigger(mine.Kind, theirs.Detail, mine.Source);
                }
            }
            entry.Effective = effective;
            entry.Gate = gate;
            visiting.Remove(entry.Id);
        }

        private sealed class WorkflowStart
        {
            public WorkflowStart(IReadOnlyList<CiTrigger> triggers, bool scheduled) { Triggers = triggers; Scheduled = scheduled; }
            /// <summary>What starts the workflow before any job's filters.</summary>
            public IReadOnlyList<CiTrigger> Triggers { get; }
            /// <summary>The workflow runs on a schedule only (its <c>triggers:</c> replace commits).</summary>
            public bool Scheduled { get; }
        }

        /// <summary>Pushes of branches and tags by default; <c>triggers: - schedule:</c> replaces them; a <c>when:</c>/<c>unless:</c>
        /// on a boolean pipeline parameter means the workflow runs when someone starts the pipeline with that parameter
        /// (from the web app or the API), and on commits only when the default lets it.</summary>
        private static WorkflowStart WorkflowTriggers(Config config, CiYamlMapping workflow, out string? condition)
        {
            condition = null;
            var triggers = new List<CiTrigger>();
            var schedules = workflow.List("triggers");
            if (schedules.Count > 0)
            {
                foreach (var t in schedules)
                    if (t is CiYamlMapping tm && tm.Get("schedule") is CiYamlMapping schedule)
                        triggers.Add(new CiTrigger(CiTriggerKind.Schedule, schedule.Text("cron"), tm.Source));
                return new WorkflowStart(triggers, true);
            }

            var onCommit = true;
            foreach (var key in new[] { "when", "unless" })
            {
                var node = workflow.Get(key);
                if (node == null) continue;
                var text = key + ": " + ConditionText(node);
                condition = Conjoin(condition, text);
                var parameter = PipelineParameterName(node.ScalarValue);
                if (parameter != null)
                {
                    var fallback = config.PipelineDefaults.TryGetValue(parameter, out var d) && d is CiYamlScalar ds ? ds.Boolean : null;
                    var runsByDefault = key == "when" ? fallback == true : fallback == false;
                    if (!runsByDefault) onCommit = false;
                    triggers.Add(new CiTrigger(CiTriggerKind.Manual, "pipeline parameter " + parameter, node.Source));
                }
                else if (node is CiYamlScalar literal && literal.Boolean is bool b && (key == "when" ? !b : b))
                {
                    onCommit = false;
                }
            }
            if (onCommit)
            {
                triggers.Insert(0, new CiTrigger(CiTriggerKind.Push, null, workflow.Source));
                triggers.Insert(1, new CiTrigger(CiTriggerKind.Tag, null, workflow.Source));
            }
            return new WorkflowStart(triggers, false);
        }

        /// <summary>"x" from a scalar that is exactly <c>&lt;&lt; pipeline.parameters.x &gt;&gt;</c>.</summary>
        private static string? PipelineParameterName(string? text)
        {
            if (text == null) return null;
            var t = text.Trim();
            if (!t.StartsWith("<<", StringComparison.Ordinal) || !t.EndsWith(">>", StringComparison.Ordinal)) return null;
            var inner = t.Substring(2, t.Length - 4).Trim();
            const string prefix = "pipeline.parameters.";
            return inner.StartsWith(prefix, StringComparison.Ordinal) && inner.Length > prefix.Length ? inner.Substring(prefix.Length) : null;
        }

        /// <summary>The job's own triggers from its <c>filters</c>: branches by default (narrowed by <c>branches.only</c>/<c>ignore</c>),
        /// tags only when <c>filters.tags</c> asks for them. A scheduled or parameter-started workflow keeps its own starts.</summary>
        private static IEnumerable<CiTrigger> FilterTriggers(CiYamlMapping? filters, WorkflowStart start, CiSource source)
        {
            var branches = filters?.Mapping("branches");
            var tags = filters?.Mapping("tags");
            var branchDetail = FilterDetail("branches", branches);
            var branchesRun = branches == null || !IgnoresAll(branches);
            var tagsRun = tags != null && !IgnoresAll(tags);
            foreach (var t in start.Triggers)
            {
                switch (t.Kind)
                {
                    case CiTriggerKind.Push:
                        if (branchesRun) yield return new CiTrigger(CiTriggerKind.Push, branchDetail, filters?.Source ?? source);
                        break;
                    case CiTriggerKind.Tag:
                        if (tagsRun) yield return new CiTrigger(CiTriggerKind.Tag, FilterDetail("tags", tags), tags!.Source);
                        break;
                    case CiTriggerKind.Schedule:
                        if (branchesRun) yield return t;
                        break;
                    default:
                        yield return t;
                        break;
                }
            }
        }

        private static bool IgnoresAll(CiYamlMapping filter)
        {
            if (filter.ContainsKey("only")) return filter.List("only").Count == 0;
            foreach (var item in filter.List("ignore"))
            {
                var v = item.ScalarValue;
                if (v == "/.*/" || v == "/.+/" || v == "/^.*$/") return true;
            }
            return false;
        }

        private static string? FilterDetail(string kind, CiYamlMapping? filter)
        {
            if (filter == null) return null;
            var parts = new List<string>();
            foreach (var item in filter.List("only")) if (item.ScalarValue is string v) parts.Add(v);
            foreach (var item in filter.List("ignore")) if (item.ScalarValue is string v) parts.Add("!" + v);
            return parts.Count == 0 ? null : kind + ": " + string.Join(", ", parts);
        }

        // ---- jobs -----------------------------------------------------------------------------------------------

        private CiJob ReadEntryJob(Config config, Entry entry, string workflowName)
        {
            var given = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
            if (entry.Settings != null)
                foreach (var e in entry.Settings.Entries)
                    if (!EntryKeys.Contains(e.Key)) given[e.Key] = e.Value;

            CiJob job;
            var definition = config.Find("jobs", entry.JobName);
            if (definition != null)
            {
                job = ReadJob(config, entry.Id, entry.JobName, definition, given, entry.Settings?.Get("pre-steps"), entry.Settings?.Get("post-steps"), entry.Node.Line);
            }
            else if (entry.JobName.IndexOf('/') > 0)
            {
                // a registry orb's job: its steps are not in the repository; keep the call and what it is given
                job = new CiJob(entry.Id, entry.Node.Source);
                var inputs = ScalarInputs(given, null, config);
                var step = new CiStep(CiStepKind.Action, entry.Id, entry.Node.Source) { ActionRef = entry.JobName, Inputs = inputs };
                job.Steps = new[] { step };
                NoteOrb(config, job, entry.JobName);
                NoteContinuation(config, entry.JobName, entry.Settings, inputs);
            }
            else
            {
                throw entry.Node.Fail("the workflow '" + workflowName + "' runs the job '" + entry.JobName + "', which the configuration does not define.");
            }
            if (entry.Id != entry.JobName) job.Name = entry.JobName;
            job.Needs = entry.Requires;
            var contexts = new List<string>();
            if (entry.Settings != null)
                foreach (var c in entry.Settings.List("context")) if (c.ScalarValue is string name) contexts.Add(name);
            job.Contexts = contexts;
            return job;
        }

        private sealed class Scope
        {
            public Scope(Dictionary<string, CiYamlNode> parameters, Scope? outer) { Parameters = parameters; Outer = outer; }
            public Dictionary<string, CiYamlNode> Parameters { get; }
            public Scope? Outer { get; }
        }

        private sealed class JobState
        {
            public JobState(Config config, CiJob job, bool windows, string? shell) { Config = config; Job = job; Windows = windows; Shell = shell; }
            public Config Config { get; }
            public CiJob Job { get; }
            public bool Windows { get; }
            public string? Shell { get; }
            public string? WorkingDirectory { get; set; }
            public List<string> Expanding { get; } = new List<string>();
        }

        private CiJob ReadJob(Config config, string id, string jobName, CiYamlMapping definition, Dictionary<string, CiYamlNode> given,
            CiYamlNode? preSteps, CiYamlNode? postSteps, int line)
        {
            var job = new CiJob(id, new CiSource(config.File, line));
            var parameters = Bind(definition.Mapping("parameters"), given, config.File);
            var scope = new Scope(parameters, null);

            // the executor: named (the file's, an inline orb's or a registry orb's) or written in the job
            var env = new List<CiVariable>();
            string? shell = null;
            string? workingDirectory = null;
            var windows = false;
            var executorNode = definition.Get("executor");
            if (executorNode != null)
            {
                string? executorName;
                var executorGiven = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
                if (executorNode is CiYamlMapping em)
                {
                    executorName = Substitute(em.Text("name"), scope, config);
                    foreach (var e in em.Entries) if (e.Key != "name") executorGiven[e.Key] = e.Value;
                }
                else executorName = Substitute(executorNode.ScalarValue, scope, config);
                if (executorName != null)
                {
                    job.Facts["executor"] = executorName;
                    var found = config.Find("executors", executorName);
                    if (found != null)
                    {
                        var executorScope = new Scope(Bind(found.Mapping("parameters"), executorGiven, config.File), null);
                        ReadExecutor(config, found, executorScope, job, env, ref shell, ref workingDirectory, ref windows);
                    }
                    else
                    {
                        NoteOrb(config, job, executorName);
                        var orb = executorName.IndexOf('/') > 0 ? config.OrbRef(executorName.Substring(0, executorName.IndexOf('/'))) : null;
                        if (orb != null && orb.StartsWith("circleci/windows", StringComparison.OrdinalIgnoreCase)) windows = true;
                        if (orb != null && orb.StartsWith("circleci/node", StringComparison.OrdinalIgnoreCase) &&
                            executorGiven.TryGetValue("tag", out var tag) && Substitute(tag.ScalarValue, scope, config) is string v)
                            job.Facts["node-version"] = v;
                    }
                }
            }
            ReadExecutor(config, definition, scope, job, env, ref shell, ref workingDirectory, ref windows);
            job.Env = env;

            var state = new JobState(config, job, windows, shell) { WorkingDirectory = workingDirectory };
            var steps = new List<CiStep>();
            if (preSteps != null) ExpandSteps(state, preSteps, scope, null, steps, 0);
            var body = definition.Get("steps");
            if (body == null || body is CiYamlScalar bs && bs.IsNull)
                throw new CiDefinitionException(config.File, line, "the job '" + jobName + "' has no steps.");
            ExpandSteps(state, body, scope, null, steps, 0);
            if (postSteps != null) ExpandSteps(state, postSteps, scope, null, steps, 0);
            job.Steps = steps;

            RecordOidc(job);
            return job;
        }

        /// <summary>Environment, shell, working folder and image of a job or executor (the job's own keys override the executor's).</summary>
        private static void ReadExecutor(Config config, CiYamlMapping owner, Scope scope, CiJob job, List<CiVariable> env,
            ref string? shell, ref string? workingDirectory, ref bool windows)
        {
            if (owner.Get("docker") is CiYamlSequence images && images.Count > 0 && images[0] is CiYamlMapping primary)
            {
                var image = Substitute(primary.Text("image"), scope, config);
                if (image != null)
                {
                    job.Facts["image"] = image;
                    var version = NodeVersionOfImage(image);
                    if (version != null) job.Facts["node-version"] = version;
                }
                // the primary container's environment is the environment of every step
                AddVariables(env, primary.Get("environment"), scope, config);
            }
            switch (owner.Get("machine"))
            {
                case CiYamlMapping machine:
                    var machineImage = Substitute(machine.Text("image"), scope, config);
                    if (machineImage != null)
                    {
                        job.Facts["image"] = machineImage;
                        if (machineImage.StartsWith("windows", StringComparison.OrdinalIgnoreCase)) windows = true;
                    }
                    break;
                case CiYamlScalar m when m.Boolean == true:
                    var resource = Substitute(owner.Text("resource_class"), scope, config);
                    if (resource != null && resource.StartsWith("windows", StringComparison.OrdinalIgnoreCase)) windows = true;
                    break;
            }
            if (owner.Get("macos") is CiYamlMapping) job.Facts["image"] = "macos";
            shell = Substitute(owner.Text("shell"), scope, config) ?? shell;
            workingDirectory = Substitute(owner.Text("working_directory"), scope, config) ?? workingDirectory;
            AddVariables(env, owner.Get("environment"), scope, config);
        }

        /// <summary>Node's version from an image name where the image is Node's own (<c>cimg/node:22.14</c>, <c>node:20-alpine</c>,
        /// <c>circleci/node:12</c>); null for any other image.</summary>
        internal static string? NodeVersionOfImage(string image)
        {
            var colon = image.LastIndexOf(':');
            var slash = image.LastIndexOf('/');
            if (colon < 0 || colon < slash) return null;
            var repository = image.Substring(slash + 1, colon - slash - 1);
            if (!string.Equals(repository, "node", StringComparison.OrdinalIgnoreCase)) return null;
            var tag = image.Substring(colon + 1);
            var end = 0;
            while (end < tag.Length && (char.IsDigit(tag[end]) || tag[end] == '.')) end++;
            return end == 0 ? null : tag.Substring(0, end).TrimEnd('.');
        }

        private static void AddVariables(List<CiVariable> env, CiYamlNode? node, Scope scope, Config config)
        {
            // environment: a mapping, or (older files) a list of one-key mappings
            var maps = new List<CiYamlMapping>();
            if (node is CiYamlMapping m) maps.Add(m);
            else if (node is CiYamlSequence list) foreach (var item in list) if (item is CiYamlMapping im) maps.Add(im);
            foreach (var map in maps)
                foreach (var e in map.Entries)
                {
                    var value = Substitute(e.Value.ScalarValue, scope, config);
                    env.RemoveAll(v => v.Name == e.Key);
                    // CircleCI does not expand variables in configuration values; secrets reach scripts as project or
                    // context variables, never through environment: (which holds plain text)
                    env.Add(new CiVariable(e.Key, value, null, new CiSource(e.KeyNode.File, e.Line)));
                }
        }

        // ---- parameters -----------------------------------------------------------------------------------------

        /// <summary>Declared parameters bound to what the caller gives, falling back to their defaults.</summary>
        private static Dictionary<string, CiYamlNode> Bind(CiYamlMapping? declared, Dictionary<string, CiYamlNode> given, string file)
        {
            var result = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
            if (declared != null)
                foreach (var p in declared.Entries)
                {
                    if (given.TryGetValue(p.Key, out var value)) result[p.Key] = value;
                    else if (p.Value is CiYamlMapping spec && spec.Get("default") is CiYamlNode d) result[p.Key] = d;
                }
            // a value given for an undeclared parameter is a CircleCI error; keep it readable anyway
            foreach (var g in given) if (!result.ContainsKey(g.Key)) result[g.Key] = g.Value;
            return result;
        }

        /// <summary>Replaces <c>&lt;&lt; parameters.x &gt;&gt;</c> (innermost scope first) and <c>&lt;&lt; pipeline.parameters.x &gt;&gt;</c>
        /// (its default) with scalar values; anything else between the brackets (<c>pipeline.git.tag</c>) stays as written.</summary>
        private static string? Substitute(string? text, Scope? scope, Config config)
        {
            if (text == null || text.IndexOf("<<", StringComparison.Ordinal) < 0) return text;
            var result = new StringBuilder(text.Length);
            var at = 0;
            while (at < text.Length)
            {
                var open = text.IndexOf("<<", at, StringComparison.Ordinal);
                if (open < 0) break;
                var close = text.IndexOf(">>", open + 2, StringComparison.Ordinal);
                if (close < 0) break;
                result.Append(text, at, open - at);
                var name = text.Substring(open + 2, close - open - 2).Trim();
                var value = Lookup(name, scope, config);
                if (value != null) result.Append(value);
                else result.Append(text, open, close + 2 - open);
                at = close + 2;
            }
            result.Append(text, at, text.Length - at);
            return result.ToString();
        }

        private static string? Lookup(string name, Scope? scope, Config config)
        {
            const string own = "parameters.";
            const string pipeline = "pipeline.parameters.";
            if (name.StartsWith(own, StringComparison.Ordinal))
            {
                var key = name.Substring(own.Length);
                // a parameter's value is substituted where the value is written: a default or argument holding another
                // reference refers to the scope around it
                for (var s = scope; s != null; s = s.Outer)
                    if (s.Parameters.TryGetValue(key, out var node))
                        return node is CiYamlScalar sv ? (sv.IsNull ? "" : Substitute(sv.Value, s.Outer, config)) : null;
                return null;
            }
            if (name.StartsWith(pipeline, StringComparison.Ordinal) &&
                config.PipelineDefaults.TryGetValue(name.Substring(pipeline.Length), out var d) && d is CiYamlScalar ds)
                return ds.IsNull ? "" : ds.Value;
            return null;
        }

        private static CiYamlNode? ParameterNode(string? text, Scope scope)
        {
            if (text == null) return null;
            var t = text.Trim();
            if (!t.StartsWith("<<", StringComparison.Ordinal) || !t.EndsWith(">>", StringComparison.Ordinal)) return null;
            var inner = t.Substring(2, t.Length - 4).Trim();
            if (!inner.StartsWith("parameters.", StringComparison.Ordinal)) return null;
            var key = inner.Substring("parameters.".Length);
            for (var s = scope; s != null; s = s.Outer)
                if (s.Parameters.TryGetValue(key, out var node)) return node;
            return null;
        }

        // ---- steps ----------------------------------------------------------------------------------------------

        private void ExpandSteps(JobState state, CiYamlNode list, Scope scope, string? condition, List<CiStep> steps, int depth)
        {
            if (list is CiYamlScalar s)
            {
                if (s.IsNull) return;
                // "steps: << parameters.x >>" — a steps parameter handed over whole
                var bound = ParameterNode(s.Value, scope);
                if (bound is CiYamlSequence || bound is CiYamlScalar b && b.IsNull)
                {
                    if (depth >= MaxDepth) return;
                    ExpandSteps(state, bound, scope, condition, steps, depth + 1);
                    return;
                }
                throw s.Fail("'steps' must be a list, not " + s.KindName + ".");
            }
            if (!(list is CiYamlSequence items)) throw list.Fail("'steps' must be a list, not " + list.KindName + ".");
            foreach (var item in items) ExpandStep(state, item, scope, condition, steps, depth);
        }

        private void ExpandStep(JobState state, CiYamlNode item, Scope scope, string? condition, List<CiStep> steps, int depth)
        {
            var config = state.Config;
            string name;
            CiYamlNode? args;
            CiYamlNode keyNode;
            switch (item)
            {
                case CiYamlScalar s when !s.IsNull:
                    name = s.Value; args = null; keyNode = s;
                    break;
                case CiYamlMapping m when m.Count == 1:
                    name = m.Entries[0].Key; args = m.Entries[0].Value; keyNode = m.Entries[0].KeyNode;
                    break;
                case CiYamlMapping m when m.Count > 1:
                    throw m.Fail("a step is one key (run:, checkout, a command), not " + m.Count.ToString(CultureInfo.InvariantCulture) + " keys; check the indentation of its settings.");
                default:
                    throw item.Fail("a step must be a name or a mapping of one step to its settings, not " + item.KindName + ".");
            }

            switch (name)
            {
                case "run":
                case "deploy":
                    if (RunStep(state, args, keyNode, scope, condition) is CiStep run) steps.Add(run);
                    return;
                case "when":
                case "unless":
                    {
                        if (!(args is CiYamlMapping conditional)) throw keyNode.Fail("'" + name + "' takes condition: and steps:.");
                        var test = conditional.Get("condition");
                        var literal = Literal(test, scope, config);
                        if (literal.HasValue && literal.Value == (name == "unless")) return; // never runs
                        var text = literal.HasValue ? null : name + ": " + ConditionText(test, scope, config);
                        var inner = conditional.Get("steps");
                        if (inner != null && depth < MaxDepth) ExpandSteps(state, inner, scope, Conjoin(condition, text), steps, depth + 1);
                        return;
                    }
                case "steps":
                    if (args != null && depth < MaxDepth) ExpandSteps(state, args, scope, condition, steps, depth + 1);
                    return;
            }

            if (BuiltinSteps.Contains(name))
            {
                var inputs = StepInputs(args, scope, config);
                steps.Add(new CiStep(CiStepKind.Action, inputs.TryGetValue("name", out var n) ? n : null, keyNode.Source)
                {
                    ActionRef = name, Inputs = inputs, Condition = condition,
                });
                if (name == "restore_cache" || name == "save_cache") state.Job.Facts["cache"] = name;
                return;
            }

            var command = config.Find("commands", name);
            if (command != null)
            {
                if (depth >= MaxDepth || state.Expanding.Contains(name))
                {
                    steps.Add(new CiStep(CiStepKind.Action, name, keyNode.Source) { ActionRef = name, Inputs = StepInputs(args, scope, config), Condition = condition });
                    return;
                }
                var given = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
                if (args is CiYamlMapping am) foreach (var e in am.Entries) given[e.Key] = e.Value;
                // arguments are written in the caller's scope: resolve scalar ones there before the command's scope hides it
                var bound = Bind(command.Mapping("parameters"), Resolved(given, scope, config), config.File);
                state.Expanding.Add(name);
                try
                {
                    var body = command.Get("steps");
                    if (body == null) throw command.Fail("the command '" + name + "' has no steps.");
                    ExpandSteps(state, body, new Scope(bound, null), condition, steps, depth + 1);
                }
                finally
                {
                    state.Expanding.Remove(name);
                }
                return;
            }

            if (name.IndexOf('/') > 0)
            {
                // a registry orb's command: opaque here, named as written; its inputs as given
                var inputs = StepInputs(args, scope, config);
                steps.Add(new CiStep(CiStepKind.Action, inputs.TryGetValue("name", out var n) ? n : null, keyNode.Source)
                {
                    ActionRef = name, Inputs = inputs, Condition = condition,
                });
                NoteOrb(config, state.Job, name);
                NoteContinuation(config, name, args as CiYamlMapping, inputs);
                if (config.OrbRef(name.Substring(0, name.IndexOf('/'))) is string orb && orb.StartsWith("circleci/node", StringComparison.OrdinalIgnoreCase) &&
                    name.EndsWith("/install", StringComparison.Ordinal) && inputs.TryGetValue("node-version", out var nv))
                    state.Job.Facts["node-version"] = nv;
                return;
            }

            // neither built in nor defined here (a newer built-in step, a typo CircleCI will reject): kept as an opaque
            // call rather than failing the file, so the job's other steps are still seen
            steps.Add(new CiStep(CiStepKind.Action, null, keyNode.Source) { ActionRef = name, Inputs = StepInputs(args, scope, config), Condition = condition });
        }

        private static Dictionary<string, CiYamlNode> Resolved(Dictionary<string, CiYamlNode> given, Scope scope, Config config)
        {
            var result = new Dictionary<string, CiYamlNode>(StringComparer.Ordinal);
            foreach (var g in given)
            {
                if (g.Value is CiYamlScalar s && !s.IsNull && s.Value.IndexOf("<<", StringComparison.Ordinal) >= 0)
                {
                    var whole = ParameterNode(s.Value, scope);
                    if (whole != null && !(whole is CiYamlScalar)) { result[g.Key] = whole; continue; }
                    result[g.Key] = new CiYamlScalar(s.File, s.Line, s.Column, s.Tag, Substitute(s.Value, scope, config) ?? "", s.Style);
                }
                else result[g.Key] = g.Value;
            }
            return result;
        }

        /// <summary>
        /// A <c>run:</c> (or the older <c>deploy:</c>) step. CircleCI documents two forms, a command string and a mapping
        /// with <c>command:</c>; real configurations also write the command as a YAML list of lines (<c>run:</c> followed by
        /// <c>- yarn build</c>, <c>- npm publish</c>), read here as the lines of one script, in order, each on its own line of
        /// the file. Any other shape costs this step only: it is noted in <see cref="Config.Skipped"/> and null comes back,
        /// so the job's other steps and the file's other jobs are still read.
        /// </summary>
        private static CiStep? RunStep(JobState state, CiYamlNode? args, CiYamlNode keyNode, Scope scope, string? condition)
        {
            var config = state.Config;
            CiYamlNode? commandNode;
            CiYamlMapping? settings = null;
            switch (args)
            {
                case CiYamlMapping m:
                    settings = m;
                    commandNode = m.Get("command");
                    break;
                default:
                    commandNode = args;
                    break;
            }
            var (script, scriptLine, problem) = RunCommand(commandNode, scope, config);
            if (problem != null)
            {
                config.Skipped.Add(CiDefinitionException.ForPart(keyNode.File, keyNode.Line, problem + " The step is skipped; the rest of the file is read."));
                return null;
            }
            var env = new List<CiVariable>();
            if (settings != null) AddVariables(env, settings.Get("environment"), scope, config);
            var when = Substitute(settings?.Text("when"), scope, config);
            var stepCondition = condition;
            if (when != null && when != "on_success") stepCondition = Conjoin(condition, "when: " + when);
            var shell = Substitute(settings?.Text("shell"), scope, config) ?? state.Shell;
            return new CiStep(CiStepKind.Script, Substitute(settings?.Text("name"), scope, config), keyNode.Source)
            {
                Script = script,
                ScriptLine = scriptLine,
                Shell = GitHubActionsReader.ShellOf(shell, state.Windows),
                WorkingDirectory = Substitute(settings?.Text("working_directory"), scope, config) ?? state.WorkingDirectory,
                Env = env,
                Condition = stepCondition,
            };
        }

        /// <summary>The script of a run step's command (a string, or a list of strings read as one line each) and the
        /// file line of its first line; or why the command cannot be used.</summary>
        private static (string? Script, int Line, string? Problem) RunCommand(CiYamlNode? node, Scope scope, Config config)
        {
            switch (node)
            {
                case CiYamlScalar s when !s.IsNull:
                    return (Substitute(s.Value, scope, config), s.ContentLine, null);
                case CiYamlSequence list when list.Count > 0:
                    {
                        var text = new StringBuilder();
                        var first = 0;
                        var written = 0; // file lines the script spans so far, less one
                        for (var i = 0; i < list.Count; i++)
                        {
                            if (!(list[i] is CiYamlScalar line) || line.IsNull)
                                return (null, 0, "'run' lists its command lines as text; item " + (i + 1).ToString(CultureInfo.InvariantCulture) + " is " + list[i].KindName + ".");
                            var value = (Substitute(line.Value, scope, config) ?? "").TrimEnd('\n');
                            if (i == 0) first = line.ContentLine;
                            else
                            {
                                // pad with empty lines so that line k of the script is file line first + k, as for a
                                // block scalar, and a publish found in the list points at its own line
                                text.Append('\n'); written++;
                                while (first + written < line.ContentLine) { text.Append('\n'); written++; }
                            }
                            text.Append(value);
                            written += CountNewlines(value);
                        }
                        return (text.ToString(), first, null);
                    }
                case null:
                case CiYamlScalar _:
                case CiYamlSequence _:
                    return (null, 0, "the run step has no command.");
                default:
                    return (null, 0, "'run' takes a command, a list of command lines or a mapping with command:, not " + node.KindName + ".");
            }
        }

        private static int CountNewlines(string text)
        {
            var count = 0;
            foreach (var c in text) if (c == '\n') count++;
            return count;
        }

        private static Dictionary<string, string> StepInputs(CiYamlNode? args, Scope scope, Config config)
        {
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (args is CiYamlMapping m)
                foreach (var e in m.Entries)
                {
                    var text = e.Value is CiYamlScalar ? Substitute(e.Value.ScalarValue, scope, config) : ConditionText(e.Value, scope, config);
                    if (text != null) inputs[e.Key] = text;
                }
            return inputs;
        }

        private static Dictionary<string, string> ScalarInputs(Dictionary<string, CiYamlNode> given, Scope? scope, Config config)
        {
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var g in given)
            {
                var text = g.Value is CiYamlScalar ? Substitute(g.Value.ScalarValue, scope, config) : ConditionText(g.Value, scope, config);
                if (text != null) inputs[g.Key] = text;
            }
            return inputs;
        }

        /// <summary>A condition that is a boolean once parameters are substituted (<c>&lt;&lt; parameters.publish &gt;&gt;</c> → true).</summary>
        private static bool? Literal(CiYamlNode? node, Scope scope, Config config)
        {
            if (!(node is CiYamlScalar s) || s.IsNull) return null;
            switch (Substitute(s.Value, scope, config)?.Trim())
            {
                case "true": case "True": case "TRUE": return true;
                case "false": case "False": case "FALSE": case "": return false;
                default: return null;
            }
        }

        /// <summary>A condition or structured value as one line of text (<c>equal: [main, &lt;&lt; pipeline.git.branch &gt;&gt;]</c>).</summary>
        private static string ConditionText(CiYamlNode? node, Scope? scope = null, Config? config = null)
        {
            var text = new StringBuilder();
            Append(text, node, scope, config, 0);
            return text.ToString();
        }

        private static void Append(StringBuilder text, CiYamlNode? node, Scope? scope, Config? config, int depth)
        {
            if (depth > 8 || text.Length > 512) { text.Append('…'); return; }
            switch (node)
            {
                case null: break;
                case CiYamlScalar s:
                    text.Append(config != null ? Substitute(s.Value, scope, config) : s.Value);
                    break;
                case CiYamlSequence list:
                    text.Append('[');
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (i > 0) text.Append(", ");
                        Append(text, list[i], scope, config, depth + 1);
                    }
                    text.Append(']');
                    break;
                case CiYamlMapping map:
                    var first = true;
                    if (depth > 0) text.Append('{');
                    foreach (var e in map.Entries)
                    {
                        if (!first) text.Append(", ");
                        first = false;
                        text.Append(e.Key).Append(": ");
                        Append(text, e.Value, scope, config, depth + 1);
                    }
                    if (depth > 0) text.Append('}');
                    break;
            }
        }

        private static string? Conjoin(string? outer, string? inner)
        {
            if (string.IsNullOrEmpty(outer)) return inner;
            if (string.IsNullOrEmpty(inner)) return outer;
            return "(" + outer + ") && (" + inner + ")";
        }

        // ---- orbs, continuation, OIDC ---------------------------------------------------------------------------

        private static void NoteOrb(Config config, CiJob job, string reference)
        {
            var slash = reference.IndexOf('/');
            if (slash <= 0) return;
            var alias = reference.Substring(0, slash);
            var orb = config.OrbRef(alias);
            if (orb != null) job.Facts["orb:" + alias] = orb;
        }

        /// <summary>The continuation orb's <c>continue</c> (<c>configuration_path</c>) and the path-filtering orb's <c>filter</c>
        /// (<c>config-path</c>, by default <c>.circleci/continue_config.yml</c>) hand the pipeline to another configuration file
        /// in the repository: queue it to be read as part of this one.</summary>
        private static void NoteContinuation(Config config, string reference, CiYamlMapping? args, IReadOnlyDictionary<string, string> inputs)
        {
            if (config.Continuations == null) return;
            var slash = reference.IndexOf('/');
            var orb = config.OrbRef(reference.Substring(0, slash)) ?? "";
            string? path = null;
            if (orb.StartsWith("circleci/continuation", StringComparison.OrdinalIgnoreCase))
                inputs.TryGetValue("configuration_path", out path);
            else if (orb.StartsWith("circleci/path-filtering", StringComparison.OrdinalIgnoreCase))
                path = inputs.TryGetValue("config-path", out var p) ? p : ".circleci/continue_config.yml";
            if (path == null || path.IndexOf("<<", StringComparison.Ordinal) >= 0 || path.IndexOf('$') >= 0) return;
            var normal = CiRepository.NormalizePath(path);
            if (normal == null || normal.Length == 0) return;
            var key = args?.Entry("configuration_path") ?? args?.Entry("config-path");
            var at = key ?? new CiYamlEntry(new CiYamlScalar(config.File, 0, 0, null, reference, CiYamlScalarStyle.Plain), new CiYamlScalar(config.File, 0, 0, null, "", CiYamlScalarStyle.Plain));
            config.Continuations.Enqueue((normal, at));
        }

        /// <summary>npm reads an identity token from <c>NPM_ID_TOKEN</c> on CircleCI; CircleCI mints it in
        /// <c>$CIRCLE_OIDC_TOKEN</c>/<c>$CIRCLE_OIDC_TOKEN_V2</c> or through <c>circleci run oidc get</c> (whose <c>--claims</c> can
        /// name the audience npm expects, <c>npm:registry.npmjs.org</c>).</summary>
        private static void RecordOidc(CiJob job)
        {
            var uses = false;
            foreach (var v in job.Env) if (MentionsOidc(v.Name) || MentionsOidc(v.Value)) uses = true;
            foreach (var step in job.Steps)
            {
                foreach (var v in step.Env) if (MentionsOidc(v.Name) || MentionsOidc(v.Value)) uses = true;
                if (!MentionsOidc(step.Script)) continue;
                uses = true;
                var audience = Audience(step.Script!);
                if (audience != null && job.OidcAudience == null) job.OidcAudience = audience;
            }
            job.RequestsOidc = uses;
        }

        private static bool MentionsOidc(string? text) =>
            text != null && (text.IndexOf("CIRCLE_OIDC_TOKEN", StringComparison.Ordinal) >= 0 ||
                             text.IndexOf("NPM_ID_TOKEN", StringComparison.Ordinal) >= 0 ||
                             text.IndexOf("circleci run oidc", StringComparison.Ordinal) >= 0);

        /// <summary>The <c>aud</c> claim of a <c>circleci run oidc get --claims '{"aud":"…"}'</c> call (quotes escaped or not,
        /// as shells need them), or null.</summary>
        internal static string? Audience(string script)
        {
            var call = script.IndexOf("circleci run oidc", StringComparison.Ordinal);
            if (call < 0) return null;
            var claims = script.IndexOf("--claims", call, StringComparison.Ordinal);
            if (claims < 0) return null;
            var key = script.IndexOf("aud", claims, StringComparison.Ordinal);
            if (key < 0) return null;
            var at = key + 3;
            while (at < script.Length && (script[at] == '"' || script[at] == '\\' || script[at] == ' ')) at++;
            if (at >= script.Length || script[at] != ':') return null;
            at++;
            while (at < script.Length && (script[at] == '"' || script[at] == '\\' || script[at] == ' ')) at++;
            var start = at;
            while (at < script.Length && script[at] != '"' && script[at] != '\\' && script[at] != '\'' && script[at] != '}' && script[at] != ',') at++;
            return at > start ? script.Substring(start, at - start).Trim() : null;
        }
    }
}
