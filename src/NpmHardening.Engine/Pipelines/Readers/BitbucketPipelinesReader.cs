using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>
    /// Bitbucket Pipelines (<c>bitbucket-pipelines.yml</c> at the repository root) into the CI model: one definition per
    /// pipeline (<c>default</c>, each <c>branches</c>/<c>tags</c>/<c>bookmarks</c>/<c>pull-requests</c> pattern, each
    /// <c>custom</c> pipeline, and the <c>definitions.pipelines</c> a shared-pipeline file exports), one job per step,
    /// because each step runs in its own container. Steps run in order, so each needs the step or parallel group before
    /// it; <c>stage</c> and <c>parallel</c> groups are flattened with their settings. A <c>trigger: manual</c> step or stage
    /// pauses the pipeline, so it is the Manual gate of itself and of every later step; <c>deployment:</c> is an Environment
    /// gate (a manual pause outranks it; the environment stays in the job's facts). Scripts keep one step per
    /// <c>script</c> item (Bitbucket runs the items in one shell, in order), pipes are actions with their <c>variables</c>
    /// as inputs and as step environment (a value that is exactly <c>$NAME</c> refers to a repository, workspace or
    /// deployment variable: the secret), <c>oidc: true</c> requests the step's identity token. YAML anchors, the usual
    /// way to share steps (<c>definitions: steps:</c>), are resolved by the YAML layer; pipelines imported from another
    /// repository (<c>import:</c>) are kept as one opaque action, never fetched.
    /// </summary>
    internal sealed class BitbucketPipelinesReader : ICiDefinitionReader
    {
        public const string FileName = "bitbucket-pipelines.yml";

        public CiPlatform Platform => CiPlatform.BitbucketPipelines;

        public bool Claims(string relativePath) =>
            relativePath != null && string.Equals(relativePath, FileName, StringComparison.OrdinalIgnoreCase);

        public IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath)
        {
            if (repository == null) throw new ArgumentNullException(nameof(repository));
            var root = CiYaml.Read(repository, relativePath);
            if (root == null) return Array.Empty<CiDefinition>();
            if (!(root is CiYamlMapping file)) throw root.Fail("a Bitbucket Pipelines file must be a mapping of keys (image:, pipelines:), not " + root.KindName + ".");
            var defaults = new Defaults(file);
            var results = new List<CiDefinition>();
            var pipelines = file.Mapping("pipelines");
            if (pipelines != null)
            {
                foreach (var section in pipelines.Entries)
                {
                    switch (section.Key)
                    {
                        case "default":
                            results.Add(ReadPipeline(relativePath, "default", section.Value, new CiTrigger(CiTriggerKind.Push, null, Source(section)), defaults));
                            break;
                        case "branches":
                        case "tags":
                        case "bookmarks":
                        case "pull-requests":
                        case "custom":
                            {
                                if (!(section.Value is CiYamlMapping patterns))
                                {
                                    if (section.Value is CiYamlScalar n && n.IsNull) break;
                                    throw section.Value.Fail("'" + section.Key + "' must map " + (section.Key == "custom" ? "pipeline names" : "patterns") + " to pipelines, not " + section.Value.KindName + ".");
                                }
                                foreach (var p in patterns.Entries)
                                {
                                    var detail = section.Key + ": " + p.Key;
                                    results.Add(ReadPipeline(relativePath, detail, p.Value, new CiTrigger(TriggerKind(section.Key), detail, Source(p)), defaults));
                                }
                                break;
                            }
                        default:
                            throw section.KeyNode.Fail("'" + section.Key + "' is not a pipeline section (default, branches, tags, bookmarks, pull-requests, custom).");
                    }
                }
            }
            // a shared-pipelines file exports named pipelines that other repositories import and run
            if (file.Get("definitions") is CiYamlMapping definitions && definitions.Mapping("pipelines") is CiYamlMapping exported)
                foreach (var p in exported.Entries)
                {
                    var detail = "shared: " + p.Key;
                    results.Add(ReadPipeline(relativePath, detail, p.Value, new CiTrigger(CiTriggerKind.Other, detail, Source(p)), defaults));
                }
            if (pipelines == null && results.Count == 0)
                throw new CiDefinitionException(relativePath, 1, "has no 'pipelines' section; Bitbucket runs nothing from it.");
            return results;
        }

        private static CiSource Source(CiYamlEntry entry) => new CiSource(entry.KeyNode.File, entry.Line);

        private static CiTriggerKind TriggerKind(string section)
        {
            switch (section)
            {
                case "tags": return CiTriggerKind.Tag;
                case "pull-requests": return CiTriggerKind.PullRequest;
                case "custom": return CiTriggerKind.Manual;
                default: return CiTriggerKind.Push;
            }
        }

        /// <summary>File-wide settings every step inherits: the image and its Node version.</summary>
        private sealed class Defaults
        {
            public Defaults(CiYamlMapping file) { Image = ImageName(file.Get("image")); }
            public string? Image { get; }
        }

        private static string? ImageName(CiYamlNode? node) => node is CiYamlMapping m ? m.Text("name") : node?.ScalarValue;

        // ---- one pipeline ---------------------------------------------------------------------------------------

        private sealed class PipelineState
        {
            public PipelineState(string file, Defaults defaults) { File = file; Defaults = defaults; }
            public string File { get; }
            public Defaults Defaults { get; }
            public List<CiJob> Jobs { get; } = new List<CiJob>();
            public HashSet<string> Ids { get; } = new HashSet<string>(StringComparer.Ordinal);
            /// <summary>Jobs the next step or group waits for.</summary>
            public List<string> Previous { get; set; } = new List<string>();
            /// <summary>The manual step or stage that paused the pipeline before this point, if any.</summary>
            public CiGate? Paused { get; set; }
            public int Position { get; set; }
        }

        private CiDefinition ReadPipeline(string file, string name, CiYamlNode body, CiTrigger trigger, Defaults defaults)
        {
            var definition = new CiDefinition(CiPlatform.BitbucketPipelines, file) { Name = name };
            definition.ImplicitSecretVariables = true;
            var triggers = new[] { trigger };
            definition.Triggers = triggers;
            var state = new PipelineState(file, defaults);
            var env = new List<CiVariable>();

            if (body is CiYamlMapping imported && imported.Get("import") is CiYamlNode import)
            {
                // "import: repository:branch:pipeline" — another repository's pipeline, not fetched: one opaque job
                var job = new CiJob("import", import.Source) { Triggers = triggers };
                job.Steps = new[] { new CiStep(CiStepKind.Action, null, import.Source) { ActionRef = "import:" + import.ScalarValue } };
                definition.Jobs = new[] { job };
                return definition;
            }
            if (!(body is CiYamlSequence items))
            {
                if (body is CiYamlScalar n && n.IsNull) return definition;
                throw body.Fail("the pipeline '" + name + "' must be a list of steps, not " + body.KindName + ".");
            }
            foreach (var item in items)
            {
                if (!(item is CiYamlMapping m) || m.Count != 1)
                    throw item.Fail("a pipeline item is one of step:, parallel:, stage: or variables:, not " + item.KindName + ".");
                var entry = m.Entries[0];
                switch (entry.Key)
                {
                    case "step":
                        AddGroup(state, new[] { ReadStep(state, entry, null, triggers) });
                        break;
                    case "parallel":
                        AddGroup(state, ReadParallel(state, entry, null, triggers));
                        break;
                    case "stage":
                        ReadStage(state, entry, triggers);
                        break;
                    case "variables":
                        // custom pipeline inputs, asked for when someone runs it
                        foreach (var v in ListOf(entry.Value, "variables"))
                            if (v is CiYamlMapping vm && vm.Text("name") is string vn)
                                env.Add(new CiVariable(vn, vm.Text("default"), null, vm.Source));
                        break;
                    default:
                        throw entry.KeyNode.Fail("'" + entry.Key + "' is not a pipeline item (step, parallel, stage, variables).");
                }
            }
            definition.Env = env;
            definition.Jobs = state.Jobs;
            return definition;
        }

        private static IReadOnlyList<CiYamlNode> ListOf(CiYamlNode node, string what)
        {
            if (node is CiYamlSequence list) return list;
            if (node is CiYamlScalar s && s.IsNull) return Array.Empty<CiYamlNode>();
            throw node.Fail("'" + what + "' must be a list, not " + node.KindName + ".");
        }

        /// <summary>Jobs that start together: each needs what came before; what comes after needs all of them.</summary>
        private static void AddGroup(PipelineState state, IReadOnlyList<CiJob> group)
        {
            var ids = new List<string>();
            foreach (var job in group)
            {
                job.Needs = state.Previous;
                ids.Add(job.Id);
            }
            if (ids.Count > 0) state.Previous = ids;
        }

        private List<CiJob> ReadParallel(PipelineState state, CiYamlEntry entry, Stage? stage, IReadOnlyList<CiTrigger> triggers)
        {
            // "parallel: [- step: …]" or "parallel: { fail-fast: true, steps: [- step: …] }"
            var node = entry.Value is CiYamlMapping pm ? pm.Get("steps") ?? pm : entry.Value;
            var jobs = new List<CiJob>();
            foreach (var item in ListOf(node, "parallel"))
            {
                if (!(item is CiYamlMapping m) || m.Get("step") == null || m.Count != 1)
                    throw item.Fail("a parallel group holds step: items only.");
                jobs.Add(ReadStep(state, m.Entries[0], stage, triggers));
            }
            return jobs;
        }

        private sealed class Stage
        {
            public Stage(string name, string? deployment, bool manual, string? condition, CiSource source)
            {
                Name = name; Deployment = deployment; Manual = manual; Condition = condition; Source = source;
            }
            public string Name { get; }
            public string? Deployment { get; }
            public bool Manual { get; }
            public string? Condition { get; }
            public CiSource Source { get; }
        }

        private void ReadStage(PipelineState state, CiYamlEntry entry, IReadOnlyList<CiTrigger> triggers)
        {
            if (!(entry.Value is CiYamlMapping stage)) throw entry.Value.Fail("a stage must be a mapping (name:, steps:), not " + entry.Value.KindName + ".");
            var name = stage.Text("name") ?? "stage " + (state.Position + 1).ToString(CultureInfo.InvariantCulture);
            var manual = stage.Text("trigger") == "manual";
            var info = new Stage(name, stage.Text("deployment"), manual, Condition(stage.Get("condition")), stage.Source);
            if (manual) state.Paused = new CiGate(CiGateKind.Manual, name, stage.Entry("trigger")!.Value.KeyNode.Source);
            var inner = stage.Get("steps") ?? throw stage.Fail("the stage '" + name + "' has no steps.");
            foreach (var item in ListOf(inner, "steps"))
            {
                if (!(item is CiYamlMapping m) || m.Count != 1) throw item.Fail("a stage holds step: or parallel: items.");
                var e = m.Entries[0];
                if (e.Key == "step") AddGroup(state, new[] { ReadStep(state, e, info, triggers) });
                else if (e.Key == "parallel") AddGroup(state, ReadParallel(state, e, info, triggers));
                else throw e.KeyNode.Fail("a stage holds step: or parallel: items, not '" + e.Key + "'.");
            }
        }

        private static string? Condition(CiYamlNode? node)
        {
            if (!(node is CiYamlMapping m)) return null;
            var text = new StringBuilder();
            foreach (var e in m.Entries)
            {
                if (text.Length > 0) text.Append("; ");
                text.Append(e.Key);
                if (e.Value is CiYamlMapping inner)
                    foreach (var ie in inner.Entries)
                    {
                        text.Append(' ').Append(ie.Key).Append(": ");
                        var parts = new List<string>();
                        foreach (var p in inner.List(ie.Key)) if (p.ScalarValue is string v) parts.Add(v);
                        text.Append(string.Join(", ", parts));
                    }
            }
            return text.ToString();
        }

        // ---- one step -------------------------------------------------------------------------------------------

        private CiJob ReadStep(PipelineState state, CiYamlEntry entry, Stage? stage, IReadOnlyList<CiTrigger> triggers)
        {
            if (!(entry.Value is CiYamlMapping step)) throw entry.Value.Fail("a step must be a mapping (script:), not " + entry.Value.KindName + ".");
            state.Position++;
            var name = step.Text("name");
            var id = name ?? "step " + state.Position.ToString(CultureInfo.InvariantCulture);
            if (stage != null) id = stage.Name + "/" + id;
            var unique = id;
            for (var n = 2; !state.Ids.Add(unique); n++) unique = id + " #" + n.ToString(CultureInfo.InvariantCulture);

            var job = new CiJob(unique, new CiSource(entry.KeyNode.File, entry.Line)) { Name = name, Triggers = triggers };

            // gates: a manual step pauses the pipeline here and for everything after it
            if (step.Text("trigger") == "manual")
                state.Paused = new CiGate(CiGateKind.Manual, name ?? unique, step.Entry("trigger")!.Value.KeyNode.Source);
            var deployment = stage?.Deployment ?? step.Text("deployment");
            if (deployment != null)
            {
                job.Facts["deployment"] = deployment;
                var at = step.Entry("deployment")?.KeyNode.Source ?? stage!.Source;
                job.Gate = new CiGate(CiGateKind.Environment, deployment, at);
            }
            if (state.Paused != null && state.Paused.Kind > job.Gate.Kind) job.Gate = state.Paused;

            job.Condition = Conjoin(stage?.Condition, Condition(step.Get("condition")));
            if (step.Get("oidc") is CiYamlScalar oidc && oidc.Boolean == true) job.RequestsOidc = true;

            var image = ImageName(step.Get("image")) ?? state.Defaults.Image;
            if (image != null)
            {
                job.Facts["image"] = image;
                var version = CircleCiReader.NodeVersionOfImage(image);
                if (version != null) job.Facts["node-version"] = version;
            }
            var caches = new List<string>();
            foreach (var c in step.List("caches")) if (c.ScalarValue is string cn) caches.Add(cn);
            if (caches.Count > 0) job.Facts["cache"] = string.Join(", ", caches);
            var runsOn = new List<string>();
            foreach (var r in step.List("runs-on")) if (r.ScalarValue is string rv) runsOn.Add(rv);
            if (runsOn.Count > 0) job.Facts["runs-on"] = string.Join(", ", runsOn);
            var windows = runsOn.Exists(r => string.Equals(r, "windows", StringComparison.OrdinalIgnoreCase));

            var steps = new List<CiStep>();
            var script = step.Get("script");
            if (script == null || script is CiYamlScalar ss && ss.IsNull) throw entry.KeyNode.Fail("the step '" + id + "' has no script.");
            ReadScript(script, "script", windows, steps);
            var after = step.Get("after-script");
            if (after != null) ReadScript(after, "after-script", windows, steps);
            job.Steps = steps;
            state.Jobs.Add(job);
            return job;
        }

        private static void ReadScript(CiYamlNode node, string key, bool windows, List<CiStep> steps)
        {
            if (!(node is CiYamlSequence items))
            {
                if (node is CiYamlScalar n && n.IsNull) return;
                throw node.Fail("'" + key + "' must be a list of commands, not " + node.KindName + ".");
            }
            var shell = windows ? CiShell.PowerShell : CiShell.Posix;
            foreach (var item in items)
            {
                switch (item)
                {
                    case CiYamlScalar s when !s.IsNull:
                        steps.Add(new CiStep(CiStepKind.Script, key == "after-script" ? "after-script" : null, s.Source)
                        {
                            Script = s.Value, ScriptLine = s.ContentLine, Shell = shell,
                        });
                        break;
                    case CiYamlMapping m when m.Get("pipe") != null:
                        steps.Add(Pipe(m));
                        break;
                    case CiYamlScalar _:
                        break;
                    default:
                        throw item.Fail("a script item is a command or a pipe:, not " + item.KindName + ".");
                }
            }
        }

        private static CiStep Pipe(CiYamlMapping item)
        {
            var reference = item.Text("pipe") ?? throw item.Fail("'pipe' must name a pipe (atlassian/npm-publish:1.0.0).");
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            var env = new List<CiVariable>();
            if (item.Get("variables") is CiYamlMapping variables)
                foreach (var v in variables.Entries)
                {
                    string? value;
                    if (v.Value is CiYamlSequence list)
                    {
                        var parts = new List<string>();
                        foreach (var p in list) if (p.ScalarValue is string pv) parts.Add(pv);
                        value = string.Join(" ", parts);
                    }
                    else value = v.Value.ScalarValue;
                    if (value == null) continue;
                    inputs[v.Key] = value;
                    env.Add(new CiVariable(v.Key, value, VariableReference(value), new CiSource(v.KeyNode.File, v.Line)));
                }
            return new CiStep(CiStepKind.Action, item.Text("name"), item.Source) { ActionRef = reference, Inputs = inputs, Env = env };
        }

        /// <summary>"NAME" from a value that is exactly <c>$NAME</c> or <c>${NAME}</c>: a repository, workspace or deployment
        /// variable, where Bitbucket keeps secrets; null for literal text or a value that only contains a reference.</summary>
        internal static string? VariableReference(string value)
        {
            var v = value.Trim();
            if (v.Length < 2 || v[0] != '$') return null;
            var name = v[1] == '{' && v[v.Length - 1] == '}' ? v.Substring(2, v.Length - 3) : v.Substring(1);
            if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_')) return null;
            foreach (var c in name) if (!(char.IsLetterOrDigit(c) || c == '_')) return null;
            return name;
        }

        private static string? Conjoin(string? outer, string? inner)
        {
            if (string.IsNullOrEmpty(outer)) return inner;
            if (string.IsNullOrEmpty(inner)) return outer;
            return "(" + outer + ") && (" + inner + ")";
        }
    }
}
