using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>
    /// GitLab CI (<c>.gitlab-ci.yml</c> at the repository root) into the CI model. Local includes (<c>include:</c> as a
    /// string, a list, <c>local:</c>, <c>project:</c> naming this project, with <c>*</c> wildcards) are read and deep-merged
    /// the way GitLab merges them (the including file wins); remote, template, component and other projects' includes
    /// are noted, not fetched. Jobs are resolved through <c>extends:</c> (deep merge, at most <see cref="MaxExtendsDepth"/>
    /// levels), <c>!reference</c> tags, <c>default:</c> and top-level <c>variables:</c> (honouring <c>inherit:</c>). Each
    /// job's <c>rules:</c> or <c>only</c>/<c>except</c> are evaluated per kind of pipeline (branch push, tag, merge
    /// request, schedule, web, API) to find what can start it and whether a person must (<c>when: manual</c>); a blocking
    /// manual job holds back the jobs that need it. <c>environment:</c> is a gate, <c>id_tokens</c> an OIDC request with
    /// its audience, <c>image: node:…</c> the Node.js version.
    /// </summary>
    internal sealed class GitLabCiReader : ICiDefinitionReader
    {
        /// <summary>GitLab's own limits: 150 includes per pipeline, 11 levels of <c>extends</c>, 10 of <c>!reference</c>.</summary>
        public const int MaxIncludes = 150;
        public const int MaxExtendsDepth = 11;
        public const int MaxReferenceDepth = 10;

        private static readonly HashSet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
        {
            "default", "include", "stages", "types", "variables", "workflow", "image", "services", "cache", "before_script", "after_script", "spec",
        };

        private static readonly string[] DefaultStages = { ".pre", "build", "test", "deploy", ".post" };

        public CiPlatform Platform => CiPlatform.GitLabCi;

        public bool Claims(string relativePath) =>
            string.Equals(relativePath, ".gitlab-ci.yml", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(relativePath, ".gitlab-ci.yaml", StringComparison.OrdinalIgnoreCase);

        /// <summary>Child pipelines (<c>trigger: include:</c> of a file in the repository) are read as definitions of
        /// their own, at most this deep.</summary>
        public const int MaxChildDepth = 2;

        public IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath)
        {
            var text = repository.ReadText(relativePath);
            if (text == null) return Array.Empty<CiDefinition>();
            var results = new List<CiDefinition>();
            var visited = new HashSet<string>(StringComparer.Ordinal) { relativePath };
            ReadDefinition(repository, relativePath, text, null, results, visited, 0);
            return results;
        }

        /// <summary>What a child pipeline inherits from the job in the parent that starts it.</summary>
        private sealed class Parent
        {
            public Parent(CiJob job, HashSet<CiTriggerKind> kinds) { Job = job; Kinds = kinds; }
            public CiJob Job { get; }
            public HashSet<CiTriggerKind> Kinds { get; }
        }

        private void ReadDefinition(CiRepository repository, string relativePath, string text, Parent? parent, List<CiDefinition> results, HashSet<string> visited, int depth)
        {
            var context = new Context(repository) { Child = parent != null };
            var config = Load(context, relativePath, text, 0);
            context.Global = config;
            var definition = new CiDefinition(CiPlatform.GitLabCi, relativePath);
            if (config.Get("workflow") is CiYamlMapping workflow) definition.Name = workflow.Text("name");
            results.Add(definition);

            var defaults = config.Get("default") as CiYamlMapping;
            var globalVariables = Variables(context, config.Get("variables"), new Dictionary<string, CiVariable>(StringComparer.Ordinal), null);
            definition.Env = globalVariables;

            // the pipelines this project can have: branch pushes and tags always, others when some rule names them
            var universe = parent != null ? new HashSet<CiTriggerKind>(parent.Kinds) : new HashSet<CiTriggerKind> { CiTriggerKind.Push, CiTriggerKind.Tag };
            var jobNames = new List<string>();
            foreach (var entry in config.Entries)
            {
                if (Reserved.Contains(entry.Key) || entry.Key.StartsWith(".", StringComparison.Ordinal)) continue;
                if (!(entry.Value is CiYamlMapping)) throw entry.Value.Fail("the job '" + entry.Key + "' must be a mapping, not " + entry.Value.KindName + ".");
                jobNames.Add(entry.Key);
            }
            var resolved = new Dictionary<string, CiYamlMapping>(StringComparer.Ordinal);
            foreach (var name in jobNames)
            {
                var job = ResolveJob(context, name, 0, new HashSet<string>(StringComparer.Ordinal));
                if (job == null) continue;
                resolved[name] = job;
                if (parent == null) Mention(context, job, universe);
            }
            var workflowRules = config.Get("workflow") is CiYamlMapping w ? w.Get("rules") : null;
            if (workflowRules != null && parent == null) Mention(context, workflowRules, universe);

            var workflowKinds = new HashSet<CiTriggerKind>(universe);
            var workflowTriggers = new List<CiTrigger>();
            if (workflowRules != null)
            {
                workflowKinds.Clear();
                foreach (var kind in GitLabRules.Kinds)
                {
                    if (!universe.Contains(kind)) continue;
                    var reach = Reach(context, workflowRules, kind, "always");
                    if (reach.Count == 0) continue;
                    workflowKinds.Add(kind);
                    var rule = reach[0].Rule;
                    workflowTriggers.Add(new CiTrigger(kind, rule is CiYamlMapping m ? Text(context, m, "if") : null, rule.Source));
                }
            }

            var stageOrder = Stages(config);
            var jobs = new List<CiJob>();
            var blocking = new Dictionary<string, CiJob>(StringComparer.Ordinal);
            var stageOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var explicitNeeds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in jobNames)
            {
                if (!resolved.TryGetValue(name, out var job)) continue;
                if (!job.ContainsKey("script") && !job.ContainsKey("trigger") && !job.ContainsKey("run")) continue; // GitLab rejects it; it runs nothing
                var result = ReadJob(context, name, job, defaults, globalVariables, universe, workflowKinds, out var blocks);
                var stage = Text(context, job, "stage") ?? "test";
                stageOf[name] = StageIndex(stageOrder, stage);
                result.Facts["stage"] = stage;
                if (job.ContainsKey("needs")) explicitNeeds.Add(name);
                if (blocks) blocking[name] = result;
                jobs.Add(result);
            }
            // without needs: a job waits for every job of the earlier stages, except manual jobs that may be skipped
            // (allow_failure); the finder carries a blocking manual job's gate to the jobs that wait for it
            foreach (var job in jobs)
            {
                if (explicitNeeds.Contains(job.Id)) continue;
                var before = new List<string>();
                foreach (var other in jobs)
                    if (stageOf[other.Id] < stageOf[job.Id] && (other.Gate.Kind != CiGateKind.Manual || blocking.ContainsKey(other.Id))) before.Add(other.Id);
                job.Needs = before;
            }
            definition.Env = WithProjectVariables(definition.Env, jobs, config);

            var definitionTriggers = new List<CiTrigger>();
            if (workflowRules != null) definitionTriggers.AddRange(workflowTriggers);
            else
            {
                var seen = new HashSet<CiTriggerKind>();
                foreach (var kind in GitLabRules.Kinds)
                    foreach (var job in jobs)
                        if (job.Triggers != null)
                            foreach (var t in job.Triggers)
                                if (t.Kind == kind && seen.Add(kind)) definitionTriggers.Add(new CiTrigger(kind, null, new CiSource(relativePath, 0)));
            }
            definition.Triggers = definitionTriggers;
            definition.Jobs = jobs;

            // a child pipeline runs with the parent's ref and starts when its trigger job runs: same kinds of pipeline,
            // behind the trigger job's gate; its jobs see CI_PIPELINE_SOURCE == "parent_pipeline"
            foreach (var job in jobs)
            {
                if (!job.Facts.TryGetValue("child-pipeline", out var children)) continue;
                var kinds = new HashSet<CiTriggerKind>();
                if (job.Triggers != null) foreach (var t in job.Triggers) kinds.Add(t.Kind);
                foreach (var child in children.Split('\n'))
                {
                    if (child.Length == 0 || !visited.Add(child)) continue;
                    var at = job.Steps.Count > 0 ? job.Steps[job.Steps.Count - 1] : null;
                    if (depth >= MaxChildDepth) { if (!context.Remote.Contains("child:" + child)) context.Remote.Add("child:" + child); continue; }
                    var childText = repository.ReadText(child) ?? throw new CiDefinitionException(at?.Source.File ?? relativePath, at?.Source.Line ?? 0,
                        "the child pipeline '" + child + "' does not exist in the repository.");
                    var first = results.Count;
                    ReadDefinition(repository, child, childText, new Parent(job, kinds), results, visited, depth + 1);
                    for (var i = first; i < results.Count; i++)
                    {
                        results[i].Name ??= "child of " + relativePath + ": " + job.Id;
                        foreach (var childJob in results[i].Jobs)
                            if (childJob.Gate.Kind == CiGateKind.None && job.Gate.Kind != CiGateKind.None)
                                childJob.Gate = new CiGate(job.Gate.Kind, (job.Gate.Name ?? job.Id) + " (trigger job " + job.Id + ")", job.Gate.Source);
                    }
                }
            }
            definition.IncludedFiles = context.Included;
            definition.RemoteIncludes = context.Remote;
        }

        // ---- state -----------------------------------------------------------------------------------------------

        private sealed class Context
        {
            public Context(CiRepository repository) { Repository = repository; }
            public CiRepository Repository { get; }
            public CiYamlMapping Global = null!;
            /// <summary>A child pipeline: CI_PIPELINE_SOURCE is "parent_pipeline".</summary>
            public bool Child;
            public HashSet<string> Loading { get; } = new HashSet<string>(StringComparer.Ordinal);
            public HashSet<string> Loaded { get; } = new HashSet<string>(StringComparer.Ordinal);
            public List<string> Included { get; } = new List<string>();
            public List<string> Remote { get; } = new List<string>();
            public Dictionary<string, CiYamlMapping?> Jobs { get; } = new Dictionary<string, CiYamlMapping?>(StringComparer.Ordinal);
            public int IncludeCount;
        }

        // ---- files and includes ----------------------------------------------------------------------------------

        private static CiYamlMapping Empty(string file) => new CiYamlMapping(file, 1, 1, null, new List<CiYamlEntry>(), new Dictionary<string, int>(StringComparer.Ordinal));

        /// <summary>A file with its includes merged under it (GitLab: included configuration first, the including file's keys win).</summary>
        private static CiYamlMapping Load(Context context, string file, string text, int depth)
        {
            var documents = CiYaml.ParseDocuments(file, text);
            CiYamlNode? root = documents.Count == 0 ? null : documents[0];
            // a file that declares inputs has a header document (spec:) and the configuration after '---'
            if (documents.Count > 1 && root is CiYamlMapping header && header.ContainsKey("spec")) root = documents[1];
            if (root == null || root is CiYamlScalar s && s.IsNull) return Empty(file);
            if (!(root is CiYamlMapping config)) throw root.Fail("a GitLab CI file must be a mapping of jobs and keywords, not " + root.KindName + ".");
            context.Loaded.Add(file);
            context.Loading.Add(file);
            try
            {
                CiYamlMapping? merged = null;
                if (config.Entry("include") is CiYamlEntry include)
                    foreach (var (path, at) in LocalIncludes(context, include.Value))
                    {
                        if (context.Loading.Contains(path) || context.Loaded.Contains(path)) continue; // already merged, or a cycle
                        if (++context.IncludeCount > MaxIncludes) throw at.Fail("the pipeline includes more than " + MaxIncludes + " files.");
                        var included = context.Repository.ReadText(path) ?? throw at.Fail("the local include '" + path + "' does not exist in the repository.");
                        if (!context.Included.Contains(path)) context.Included.Add(path);
                        var part = Load(context, path, included, depth + 1);
                        merged = merged == null ? part : Merge(merged, part);
                    }
                var own = Without(config, "include");
                return merged == null ? own : Merge(merged, own);
            }
            finally { context.Loading.Remove(file); }
        }

        /// <summary>Repository paths an <c>include:</c> names (with the node to blame when one is missing); others are noted as remote.</summary>
        private static List<(string Path, CiYamlNode At)> LocalIncludes(Context context, CiYamlNode node)
        {
            var paths = new List<(string, CiYamlNode)>();
            IEnumerable<CiYamlNode> items = node is CiYamlSequence list ? (IEnumerable<CiYamlNode>)list : new[] { node };
            foreach (var item in items)
            {
                switch (item)
                {
                    case CiYamlScalar s when !s.IsNull:
                        if (IsUrl(s.Value)) Remote(context, "remote:" + s.Value);
                        else AddLocal(context, s.Value, s, paths);
                        break;
                    case CiYamlMapping m:
                        if (m.Get("local") is CiYamlScalar local) AddLocal(context, local.Value, local, paths);
                        else if (m.Text("project") is string project)
                        {
                            var self = project.Trim() == "$CI_PROJECT_PATH" || project.Trim() == "${CI_PROJECT_PATH}";
                            foreach (var f in m.List("file"))
                                if (f is CiYamlScalar fs && !fs.IsNull)
                                {
                                    if (self) AddLocal(context, fs.Value, fs, paths);
                                    else Remote(context, "project:" + project + ":" + fs.Value + (m.Text("ref") is string r ? "@" + r : ""));
                                }
                        }
                        else if (m.Text("remote") is string remote) Remote(context, "remote:" + remote);
                        else if (m.Text("template") is string template) Remote(context, "template:" + template);
                        else if (m.Text("component") is string component) Remote(context, "component:" + component);
                        break;
                }
            }
            return paths;
        }

        private static bool IsUrl(string text) =>
            text.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

        private static void Remote(Context context, string reference)
        {
            if (!context.Remote.Contains(reference)) context.Remote.Add(reference);
        }

        private static void AddLocal(Context context, string written, CiYamlNode at, List<(string, CiYamlNode)> paths)
        {
            var path = CiRepository.NormalizePath(written.Trim()) ?? throw at.Fail("the include '" + written + "' is outside the repository.");
            if (path.IndexOf('*') < 0) { paths.Add((path, at)); return; }
            // GitLab expands '*' within one folder and '**' across folders; the reader lists one folder, so '**/' matches it alone
            var pattern = path.Replace("**/", "");
            var folder = CiRepository.FolderOf(pattern);
            if (folder.IndexOf('*') >= 0) { Remote(context, "local:" + written + " (wildcard folders are not expanded)"); return; }
            var namePattern = pattern.Substring(folder.Length == 0 ? 0 : folder.Length + 1);
            foreach (var name in context.Repository.ListFiles(folder))
                if (Glob(namePattern, name) && (name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)))
                    paths.Add((folder.Length == 0 ? name : folder + "/" + name, at));
        }

        private static bool Glob(string pattern, string name)
        {
            // '*' matches any run of characters; nothing else is special
            int p = 0, n = 0, star = -1, mark = 0;
            while (n < name.Length)
            {
                if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = n; }
                else if (p < pattern.Length && pattern[p] == name[n]) { p++; n++; }
                else if (star >= 0) { p = star + 1; n = ++mark; }
                else return false;
            }
            while (p < pattern.Length && pattern[p] == '*') p++;
            return p == pattern.Length;
        }

        private static CiYamlMapping Without(CiYamlMapping map, string key)
        {
            if (!map.ContainsKey(key)) return map;
            var entries = new List<CiYamlEntry>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var e in map.Entries)
            {
                if (e.Key == key) continue;
                index[e.Key] = entries.Count;
                entries.Add(e);
            }
            return new CiYamlMapping(map.File, map.Line, map.Column, map.Tag, entries, index);
        }

        /// <summary>GitLab's deep merge: mappings merge key by key, anything else (lists included) is replaced by
        /// <paramref name="over"/>'s value.</summary>
        internal static CiYamlMapping Merge(CiYamlMapping under, CiYamlMapping over, int depth = 0)
        {
            if (depth > CiYaml.MaxDepth) throw over.Fail("the configuration nests too deeply to merge.");
            var entries = new List<CiYamlEntry>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var e in under.Entries)
            {
                var replacement = over.Entry(e.Key);
                CiYamlEntry chosen = e;
                if (replacement is CiYamlEntry r)
                    chosen = e.Value is CiYamlMapping a && r.Value is CiYamlMapping b && a.Tag == null && b.Tag == null
                        ? new CiYamlEntry(r.KeyNode, Merge(a, b, depth + 1))
                        : r;
                index[e.Key] = entries.Count;
                entries.Add(chosen);
            }
            foreach (var e in over.Entries)
            {
                if (index.ContainsKey(e.Key)) continue;
                index[e.Key] = entries.Count;
                entries.Add(e);
            }
            return new CiYamlMapping(over.File, over.Line, over.Column, over.Tag, entries, index);
        }

        // ---- extends and !reference ------------------------------------------------------------------------------

        private static CiYamlMapping? ResolveJob(Context context, string name, int depth, HashSet<string> visiting)
        {
            if (context.Jobs.TryGetValue(name, out var known)) return known;
            if (!(context.Global.Get(name) is CiYamlMapping job)) return null;
            if (!visiting.Add(name)) throw job.Fail("'" + name + "' extends itself (an extends cycle).");
            try
            {
                CiYamlMapping? merged = null;
                if (job.Entry("extends") is CiYamlEntry extends)
                {
                    if (depth >= MaxExtendsDepth) throw extends.KeyNode.Fail("extends nests more than " + MaxExtendsDepth + " levels deep.");
                    foreach (var parent in extends.Value is CiYamlSequence list ? (IEnumerable<CiYamlNode>)list : new[] { extends.Value })
                    {
                        if (!(parent.ScalarValue is string parentName)) continue;
                        var resolved = ResolveJob(context, parentName, depth + 1, visiting);
                        if (resolved == null)
                        {
                            // it may come from an include the reader does not fetch; otherwise GitLab rejects the file
                            if (context.Remote.Count > 0) continue;
                            throw parent.Fail("'" + name + "' extends '" + parentName + "', which neither the file nor its local includes define.");
                        }
                        merged = merged == null ? resolved : Merge(merged, resolved);
                    }
                }
                var result = merged == null ? job : Merge(merged, job);
                context.Jobs[name] = result;
                return result;
            }
            finally { visiting.Remove(name); }
        }

        /// <summary>The node a <c>!reference [job, key, …]</c> points at (itself when it is not one); null when the target
        /// is unknown and an unfetched include may define it.</summary>
        private static CiYamlNode? Dereference(Context context, CiYamlNode? node, int depth = 0)
        {
            while (node != null && node.Tag == "!reference")
            {
                if (depth++ >= MaxReferenceDepth) throw node.Fail("!reference tags nest more than " + MaxReferenceDepth + " levels deep.");
                if (!(node is CiYamlSequence path) || path.Count == 0) throw node.Fail("a !reference must be a list: [job, key, …].");
                CiYamlNode? target = null;
                for (var i = 0; i < path.Count; i++)
                {
                    var key = path[i].ScalarValue;
                    if (key == null) { target = null; break; }
                    if (i == 0) target = ResolveJob(context, key, 0, new HashSet<string>(StringComparer.Ordinal)) ?? context.Global.Get(key);
                    else target = Dereference(context, target, depth) is CiYamlMapping m ? m.Get(key) : null;
                    if (target == null) break;
                }
                if (target == null)
                {
                    if (context.Remote.Count > 0) return null;
                    throw node.Fail("the !reference names a key that neither the file nor its local includes define.");
                }
                node = target;
            }
            return node;
        }

        private static CiYamlNode? Get(Context context, CiYamlMapping map, string key) => Dereference(context, map.Get(key));

        private static string? Text(Context context, CiYamlMapping map, string key) => Get(context, map, key)?.ScalarValue;

        /// <summary>A list that may hold nested lists and <c>!reference</c>s (scripts, rules), flattened.</summary>
        private static List<CiYamlNode> Flat(Context context, CiYamlNode? node)
        {
            var items = new List<CiYamlNode>();
            void Add(CiYamlNode? n, int level)
            {
                n = Dereference(context, n);
                if (n == null || n is CiYamlScalar s && s.IsNull) return;
                if (n is CiYamlSequence list && level < 12) { foreach (var item in list) Add(item, level + 1); return; }
                items.Add(n);
            }
            Add(node, 0);
            return items;
        }

        // ---- jobs ------------------------------------------------------------------------------------------------

        private CiJob ReadJob(Context context, string name, CiYamlMapping job, CiYamlMapping? defaults, IReadOnlyList<CiVariable> globalVariables,
            HashSet<CiTriggerKind> universe, HashSet<CiTriggerKind> workflowKinds, out bool blocks)
        {
            var source = context.Global.Entry(name) is CiYamlEntry own ? new CiSource(own.KeyNode.File, own.Line) : job.Source;
            var result = new CiJob(name, source);

            // inherit: default / variables (false, or the list of names to keep)
            bool Inherits(string section, string key)
            {
                if (!(Get(context, job, "inherit") is CiYamlMapping inherit)) return true;
                var node = Get(context, inherit, section);
                if (node is CiYamlScalar flag) return flag.Boolean != false;
                if (node is CiYamlSequence names) { foreach (var n in names) if (n.ScalarValue == key) return true; return false; }
                return true;
            }
            CiYamlNode? Setting(string key)
            {
                var mine = Get(context, job, key);
                if (mine != null) return mine;
                if (!Inherits("default", key)) return null;
                if (defaults != null && Get(context, defaults, key) is CiYamlNode fromDefault) return fromDefault;
                // the older top-level form of the same defaults
                return key == "image" || key == "before_script" || key == "after_script" || key == "services" || key == "cache" ? Get(context, context.Global, key) : null;
            }

            // variables: the file's (as far as inherited), then the job's own, then secrets: from external managers
            var known = new Dictionary<string, CiVariable>(StringComparer.Ordinal);
            var env = new List<CiVariable>();
            foreach (var v in globalVariables)
                if (Inherits("variables", v.Name)) { env.Add(v); known[v.Name] = v; }
            var idTokens = Setting("id_tokens") as CiYamlMapping;
            var tokenNames = new HashSet<string>(StringComparer.Ordinal);
            if (idTokens != null) foreach (var e in idTokens.Entries) tokenNames.Add(e.Key);
            foreach (var v in Variables(context, Get(context, job, "variables"), known, tokenNames))
            {
                env.RemoveAll(x => x.Name == v.Name);
                env.Add(v);
            }
            if (Get(context, job, "secrets") is CiYamlMapping secrets)
                foreach (var e in secrets.Entries)
                {
                    env.RemoveAll(x => x.Name == e.Key);
                    env.Add(new CiVariable(e.Key, null, e.Key, new CiSource(e.KeyNode.File, e.Line)));
                }
            result.Env = env;

            // OIDC
            if (idTokens != null && idTokens.Count > 0)
            {
                result.RequestsOidc = true;
                string? audience = null;
                foreach (var e in idTokens.Entries)
                {
                    if (!(Dereference(context, e.Value) is CiYamlMapping token)) continue;
                    foreach (var aud in Flat(context, token.Get("aud")))
                        if (aud.ScalarValue is string a && (audience == null || a.StartsWith("npm:", StringComparison.OrdinalIgnoreCase) && !audience.StartsWith("npm:", StringComparison.OrdinalIgnoreCase)))
                            audience = a;
                }
                result.OidcAudience = audience;
                result.Facts["id_tokens"] = string.Join(", ", tokenNames);
            }

            // image and runner
            var imageNode = Setting("image");
            var image = imageNode is CiYamlMapping imageMap ? Text(context, imageMap, "name") : imageNode?.ScalarValue;
            if (image != null)
            {
                image = Expand(image, env);
                result.Facts["image"] = image;
                if (NodeVersionOfImage(image) is string version) result.Facts["node-version"] = version;
            }
            var tags = new List<string>();
            foreach (var t in Flat(context, Setting("tags"))) if (t.ScalarValue is string tag) tags.Add(tag);
            if (tags.Count > 0) result.Facts["tags"] = string.Join(", ", tags);
            var windows = image != null && image.IndexOf("windows", StringComparison.OrdinalIgnoreCase) >= 0;
            foreach (var tag in tags) if (tag.IndexOf("windows", StringComparison.OrdinalIgnoreCase) >= 0) windows = true;
            var shell = windows ? CiShell.PowerShell : CiShell.Posix;

            // what starts it, and whether a person must
            var jobWhen = Text(context, job, "when") ?? "on_success";
            var triggers = new List<CiTrigger>();
            var whens = new HashSet<string>(StringComparer.Ordinal);
            var conditions = new List<string>();
            var reached = new HashSet<CiYamlNode>();
            var rulesNode = Get(context, job, "rules");
            foreach (var kind in GitLabRules.Kinds)
            {
                if (!universe.Contains(kind) || !workflowKinds.Contains(kind)) continue;
                List<(string When, CiYamlNode Rule)> reach;
                if (rulesNode != null) reach = Reach(context, rulesNode, kind, jobWhen);
                else reach = OnlyExcept(context, job, kind, jobWhen);
                if (reach.Count == 0) continue;
                var first = reach[0].Rule;
                var detail = first is CiYamlMapping rule ? Text(context, rule, "if") : null;
                triggers.Add(new CiTrigger(kind, detail, first.Source));
                foreach (var (when, r) in reach)
                {
                    whens.Add(when);
                    reached.Add(r);
                }
            }
            // the conditions of the rules that can run the job, in the order they are written
            if (rulesNode != null)
                foreach (var r in Flat(context, rulesNode))
                    if (reached.Contains(r) && r is CiYamlMapping m && Text(context, m, "if") is string condition && !conditions.Contains(condition)) conditions.Add(condition);
            result.Triggers = triggers;
            if (rulesNode != null && conditions.Count > 0) result.Condition = string.Join(" || ", conditions);
            else if (rulesNode == null && (job.ContainsKey("only") || job.ContainsKey("except"))) result.Condition = OnlyExceptText(context, job);

            var manual = whens.Count == 1 && whens.Contains("manual");
            result.Facts["when"] = manual ? "manual" : whens.Count == 0 ? jobWhen : string.Join(", ", Sorted(whens));
            var environmentNode = Get(context, job, "environment");
            var environment = environmentNode is CiYamlMapping envMap ? Text(context, envMap, "name") : environmentNode?.ScalarValue;
            if (environment != null) result.Facts["environment"] = environment;
            if (manual)
            {
                var whenSource = job.Entry("when") is CiYamlEntry we ? new CiSource(we.KeyNode.File, we.Line) : rulesNode?.Source ?? source;
                result.Gate = new CiGate(CiGateKind.Manual, name, whenSource);
            }
            else if (environment != null)
                result.Gate = new CiGate(CiGateKind.Environment, environment, environmentNode!.Source);

            // a manual job stops the pipeline until someone runs it only when it may not fail: the default for rules, not for when: manual
            var allowFailure = Get(context, job, "allow_failure");
            var mayFail = allowFailure is CiYamlScalar af ? af.Boolean != false : allowFailure is CiYamlMapping ? true : rulesNode == null;
            blocks = manual && !mayFail;
            if (manual) result.Facts["allow_failure"] = mayFail ? "true" : "false";

            // needs
            if (Get(context, job, "needs") is CiYamlNode needsNode)
            {
                var needs = new List<string>();
                foreach (var n in Flat(context, needsNode))
                {
                    if (n.ScalarValue is string s) needs.Add(s);
                    else if (n is CiYamlMapping m && Text(context, m, "job") is string j && !m.ContainsKey("pipeline") && !m.ContainsKey("project")) needs.Add(j);
                }
                result.Needs = needs;
            }

            // steps: before_script and script run in one shell; after_script in another
            var steps = new List<CiStep>();
            AddScript(context, "before_script", Setting("before_script"), job, shell, steps);
            AddScript(context, "script", Get(context, job, "script"), job, shell, steps);
            AddScript(context, "after_script", Setting("after_script"), job, shell, steps);
            if (Get(context, job, "trigger") is CiYamlNode trigger)
            {
                var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
                string target;
                if (trigger is CiYamlMapping tm)
                {
                    foreach (var e in tm.Entries) if (Dereference(context, e.Value)?.ScalarValue is string v) inputs[e.Key] = v;
                    var includes = new List<string>();
                    var local = new List<string>();
                    foreach (var i in Flat(context, tm.Get("include")))
                    {
                        var im = i as CiYamlMapping;
                        string? path = i.ScalarValue ?? (im == null ? null : Text(context, im, "local"));
                        if (path != null && !IsUrl(path))
                        {
                            var normalized = CiRepository.NormalizePath(path.Trim()) ?? throw i.Fail("the child pipeline '" + path + "' is outside the repository.");
                            local.Add(normalized);
                            includes.Add(normalized);
                            continue;
                        }
                        // another project's file, a component, a URL, or a file generated by an earlier job (artifact:)
                        var reference = path != null ? "remote:" + path
                            : im == null ? "" : im.Text("project") is string project ? "project:" + project + ":" + string.Join(",", ToTexts(Flat(context, im.Get("file"))))
                            : im.Text("artifact") is string artifact ? "artifact:" + artifact + (im.Text("job") is string producer ? " (job " + producer + ")" : "")
                            : im.Text("component") is string component ? "component:" + component
                            : im.Text("template") is string template ? "template:" + template
                            : im.Text("remote") is string remote ? "remote:" + remote : "";
                        if (reference.Length > 0) { Remote(context, reference); includes.Add(reference); }
                    }
                    if (local.Count > 0) result.Facts["child-pipeline"] = string.Join("\n", local);
                    if (includes.Count > 0) inputs["include"] = string.Join(", ", includes);
                    target = Text(context, tm, "project") ?? (includes.Count > 0 ? includes[0] : "");
                }
                else target = trigger.ScalarValue ?? "";
                steps.Add(new CiStep(CiStepKind.Action, "trigger", trigger.Source) { ActionRef = "trigger:" + target, Inputs = inputs });
            }
            result.Steps = steps;
            return result;
        }

        /// <summary><c>$NAME</c> and <c>${NAME}</c> replaced by the YAML's own plain values (<c>image: node:${NODE_VERSION}</c>).</summary>
        private static string Expand(string text, IReadOnlyList<CiVariable> variables)
        {
            if (text.IndexOf('$') < 0) return text;
            var result = new StringBuilder();
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == '$' && i + 1 < text.Length)
                {
                    var braced = text[i + 1] == '{';
                    var start = i + (braced ? 2 : 1);
                    var j = start;
                    while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_')) j++;
                    var end = braced ? (j < text.Length && text[j] == '}' ? j + 1 : -1) : j;
                    if (j > start && end > 0)
                    {
                        var name = text.Substring(start, j - start);
                        CiVariable? found = null;
                        foreach (var v in variables) if (v.Name == name) found = v;
                        if (found != null && found.SecretName == null && found.Value != null && found.Value.IndexOf('$') < 0)
                        {
                            result.Append(found.Value);
                            i = end - 1;
                            continue;
                        }
                    }
                }
                result.Append(text[i]);
            }
            return result.ToString();
        }

        private static IEnumerable<string> ToTexts(IEnumerable<CiYamlNode> nodes)
        {
            foreach (var n in nodes) if (n.ScalarValue is string v) yield return v;
        }

        private static IEnumerable<string> Sorted(HashSet<string> set)
        {
            var list = new List<string>(set);
            list.Sort(StringComparer.Ordinal);
            return list;
        }

        private static void AddScript(Context context, string name, CiYamlNode? node, CiYamlMapping job, CiShell shell, List<CiStep> steps)
        {
            var lines = Flat(context, node);
            if (lines.Count == 0) return;
            var scalars = new List<CiYamlScalar>();
            foreach (var l in lines) if (l is CiYamlScalar s) scalars.Add(s); else throw l.Fail("'" + name + "' lines must be text, not " + l.KindName + ".");
            // one step per run of commands written in order in one file (a !reference or an anchor can bring lines from
            // elsewhere), so that every command keeps its own file and line; within a run, gaps between list items
            // become empty lines and line i of the script is ScriptLine + i
            var keyEntry = job.Entry(name);
            var start = 0;
            while (start < scalars.Count)
            {
                var first = scalars[start];
                var text = new StringBuilder();
                var line = first.ContentLine;
                var i = start;
                var previous = first.ContentLine;
                for (; i < scalars.Count; i++)
                {
                    var item = scalars[i];
                    // items on one line ([a, b]) follow each other; a line that goes back starts another step
                    if (i > start && (item.File != first.File || item.ContentLine < previous)) break;
                    previous = item.ContentLine;
                    while (line < item.ContentLine) { text.Append('\n'); line++; }
                    var value = item.Value.EndsWith("\n", StringComparison.Ordinal) ? item.Value.Substring(0, item.Value.Length - 1) : item.Value;
                    text.Append(value).Append('\n');
                    foreach (var c in value) if (c == '\n') line++;
                    line++;
                }
                var source = start == 0 && keyEntry is CiYamlEntry k && k.KeyNode.File == first.File && k.Line <= first.Line
                    ? new CiSource(k.KeyNode.File, k.Line) : first.Source;
                steps.Add(new CiStep(CiStepKind.Script, name, source)
                {
                    Script = text.ToString(),
                    ScriptLine = first.ContentLine,
                    Shell = shell,
                });
                start = i;
            }
        }

        // ---- variables -------------------------------------------------------------------------------------------

        /// <summary>Variables as written (a value, or <c>{ value: … }</c>); a value that names a variable the YAML does not
        /// define (a project, group or instance CI/CD variable, where GitLab keeps secrets) carries that name as its secret.</summary>
        private static List<CiVariable> Variables(Context context, CiYamlNode? node, Dictionary<string, CiVariable> known, HashSet<string>? idTokens)
        {
            var list = new List<CiVariable>();
            if (!(Dereference(context, node) is CiYamlMapping map)) return list;
            foreach (var e in map.Entries)
            {
                var valueNode = Dereference(context, e.Value);
                var value = valueNode is CiYamlMapping full ? Text(context, full, "value") : valueNode?.ScalarValue;
                var variable = new CiVariable(e.Key, value, SecretOf(value, known, idTokens), new CiSource(e.KeyNode.File, e.Line));
                known[e.Key] = variable;
                list.Add(variable);
            }
            return list;
        }

        /// <summary>Predefined variables that hold credentials (the job token and the registry and deploy passwords derived from it).</summary>
        private static readonly HashSet<string> PredefinedSecrets = new HashSet<string>(StringComparer.Ordinal)
        {
            "CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_DEPENDENCY_PROXY_PASSWORD", "CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2",
        };

        internal static string? SecretOf(string? value, IReadOnlyDictionary<string, CiVariable> known, ICollection<string>? idTokens)
        {
            if (string.IsNullOrEmpty(value)) return null;
            var text = value!;
            for (var i = 0; i < text.Length - 1; i++)
            {
                if (text[i] != '$') continue;
                if (text[i + 1] == '$') { i++; continue; } // $$ is a literal dollar
                var braced = text[i + 1] == '{';
                var start = i + (braced ? 2 : 1);
                var j = start;
                while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_')) j++;
                if (j == start) continue;
                var name = text.Substring(start, j - start);
                i = j - 1;
                if (known.TryGetValue(name, out var variable)) { if (variable.SecretName != null) return variable.SecretName; continue; }
                if (PredefinedSecrets.Contains(name)) return name;
                if (idTokens != null && idTokens.Contains(name)) continue;
                if (name.StartsWith("CI_", StringComparison.Ordinal) || name.StartsWith("GITLAB_", StringComparison.Ordinal)) continue;
                return name;
            }
            return null;
        }

        /// <summary>GitLab exports the project's, group's and instance's CI/CD variables (where tokens are kept) to every
        /// job of the pipeline. A credential-like name the scripts use that no YAML variable defines, no script assigns
        /// and no <c>id_tokens</c> entry names is one of them: bound by the platform, visible to every job.</summary>
        private static IReadOnlyList<CiVariable> WithProjectVariables(IReadOnlyList<CiVariable> globals, List<CiJob> jobs, CiYamlMapping config)
        {
            var defined = new HashSet<string>(StringComparer.Ordinal);
            foreach (var v in globals) defined.Add(v.Name);
            foreach (var job in jobs)
            {
                foreach (var v in job.Env) defined.Add(v.Name);
                if (job.Facts.TryGetValue("id_tokens", out var tokens))
                    foreach (var t in tokens.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries)) defined.Add(t);
                foreach (var step in job.Steps)
                    foreach (var name in ShellAssigned(step.Script)) defined.Add(name);
            }
            var result = new List<CiVariable>(globals);
            var added = new HashSet<string>(StringComparer.Ordinal);
            foreach (var job in jobs)
                foreach (var step in job.Steps)
                    foreach (var (name, line) in ShellReferences(step))
                    {
                        if (defined.Contains(name) || added.Contains(name) || !AzureMacro.IsCredentialName(name)) continue;
                        if ((name.StartsWith("CI_", StringComparison.Ordinal) || name.StartsWith("GITLAB_", StringComparison.Ordinal)) && !PredefinedSecrets.Contains(name)) continue;
                        added.Add(name);
                        result.Add(new CiVariable(name, null, name, new CiSource(step.Source.File, line)));
                    }
            return result;
        }

        /// <summary><c>$NAME</c>, <c>${NAME}</c> and PowerShell's <c>$env:NAME</c> in a script, with the line each is on.</summary>
        private static IEnumerable<(string Name, int Line)> ShellReferences(CiStep step)
        {
            var text = step.Script;
            if (string.IsNullOrEmpty(text)) yield break;
            var line = step.ScriptLine > 0 ? step.ScriptLine : step.Source.Line;
            for (var i = 0; i < text!.Length; i++)
            {
                if (text[i] == '\n') { line++; continue; }
                if (text[i] != '$' || i + 1 >= text.Length) continue;
                var start = i + 1;
                if (text[start] == '{') start++;
                if (string.CompareOrdinal(text, start, "env:", 0, 4) == 0) start += 4;
                var j = start;
                while (j < text.Length && (char.IsLetterOrDigit(text[j]) || text[j] == '_')) j++;
                if (j > start && !char.IsDigit(text[start])) yield return (text.Substring(start, j - start), line);
                i = j - 1;
            }
        }

        /// <summary>Names a script assigns (<c>NAME=…</c>, <c>export NAME=…</c>, <c>$env:NAME = …</c>) at the start of a command.</summary>
        private static IEnumerable<string> ShellAssigned(string? script)
        {
            if (string.IsNullOrEmpty(script)) yield break;
            foreach (var raw in script!.Split('\n'))
            {
                foreach (var part in raw.Split(new[] { ';', '&', '|' }))
                {
                    var t = part.Trim();
                    if (t.StartsWith("export ", StringComparison.Ordinal)) t = t.Substring(7).TrimStart();
                    else if (t.StartsWith("$env:", StringComparison.OrdinalIgnoreCase)) t = t.Substring(5);
                    var j = 0;
                    while (j < t.Length && (char.IsLetterOrDigit(t[j]) || t[j] == '_')) j++;
                    if (j == 0) continue;
                    var rest = t.Substring(j).TrimStart();
                    if (rest.StartsWith("=", StringComparison.Ordinal) && !rest.StartsWith("==", StringComparison.Ordinal)) yield return t.Substring(0, j);
                }
            }
        }

        // ---- rules, only/except ----------------------------------------------------------------------------------

        /// <summary>The rules that can decide to run the job in a pipeline of <paramref name="kind"/>, each with its
        /// <c>when</c>; empty when no rule can (the job is not added to such pipelines). First match wins: a rule
        /// certainly true ends the list, one that may be true is kept and the next rules still count.</summary>
        private static List<(string When, CiYamlNode Rule)> Reach(Context context, CiYamlNode rules, CiTriggerKind kind, string jobWhen)
        {
            var reach = new List<(string, CiYamlNode)>();
            foreach (var item in Flat(context, rules))
            {
                if (!(item is CiYamlMapping rule)) continue;
                var truth = GitLabRules.Evaluate(Text(context, rule, "if"), kind, context.Child);
                if (truth == Tri.True && (rule.ContainsKey("changes") || rule.ContainsKey("exists"))) truth = Tri.Unknown;
                if (truth == Tri.False) continue;
                var when = Text(context, rule, "when") ?? jobWhen;
                if (when == "never")
                {
                    if (truth == Tri.True) return reach;
                    continue;
                }
                reach.Add((when, rule));
                if (truth == Tri.True) return reach;
            }
            return reach;
        }

        /// <summary><c>only</c>/<c>except</c> (refs, or <c>refs:</c>/<c>variables:</c>); absent means <c>only: [branches, tags]</c>.</summary>
        private static List<(string When, CiYamlNode Rule)> OnlyExcept(Context context, CiYamlMapping job, CiTriggerKind kind, string jobWhen)
        {
            var reach = new List<(string, CiYamlNode)>();
            var only = Get(context, job, "only");
            var except = Get(context, job, "except");
            var onlyTruth = only == null ? RefsMatch(new[] { "branches", "tags" }, kind) : Condition(context, only, kind, true);
            if (onlyTruth == Tri.False) return reach;
            if (except != null && Condition(context, except, kind, false) == Tri.True) return reach;
            reach.Add((jobWhen, only ?? (CiYamlNode)job));
            return reach;
        }

        private static Tri Condition(Context context, CiYamlNode node, CiTriggerKind kind, bool only)
        {
            var refs = new List<string>();
            var variables = new List<string>();
            var hasRefs = true;
            if (node is CiYamlMapping map)
            {
                hasRefs = map.ContainsKey("refs");
                foreach (var r in Flat(context, map.Get("refs"))) if (r.ScalarValue is string v) refs.Add(v);
                foreach (var v in Flat(context, map.Get("variables"))) if (v.ScalarValue is string e) variables.Add(e);
            }
            else foreach (var r in Flat(context, node)) if (r.ScalarValue is string v) refs.Add(v);
            var truth = hasRefs ? RefsMatch(refs, kind) : (only ? RefsMatch(new[] { "branches", "tags" }, kind) : Tri.True);
            if (variables.Count > 0)
            {
                var any = Tri.False;
                foreach (var e in variables)
                {
                    var t = GitLabRules.Evaluate(e, kind, context.Child);
                    if (t == Tri.True) { any = Tri.True; break; }
                    if (t == Tri.Unknown) any = Tri.Unknown;
                }
                truth = truth == Tri.False || any == Tri.False ? Tri.False : truth == Tri.True && any == Tri.True ? Tri.True : Tri.Unknown;
            }
            if (hasRefs && refs.Count == 0 && !(node is CiYamlMapping)) return Tri.False;
            return truth;
        }

        private static Tri RefsMatch(IEnumerable<string> refs, CiTriggerKind kind)
        {
            var result = Tri.False;
            foreach (var r in refs)
            {
                Tri t;
                switch (r)
                {
                    case "branches": t = kind == CiTriggerKind.Tag || kind == CiTriggerKind.PullRequest ? Tri.False : Tri.True; break;
                    case "tags": t = kind == CiTriggerKind.Tag ? Tri.True : Tri.False; break;
                    case "merge_requests": case "external_pull_requests": t = kind == CiTriggerKind.PullRequest ? Tri.True : Tri.False; break;
                    case "schedules": t = kind == CiTriggerKind.Schedule ? Tri.True : Tri.False; break;
                    case "web": t = kind == CiTriggerKind.Manual ? Tri.True : Tri.False; break;
                    case "pushes": t = kind == CiTriggerKind.Push || kind == CiTriggerKind.Tag ? Tri.True : Tri.False; break;
                    case "api": case "triggers": case "pipelines": case "chat": case "external": t = kind == CiTriggerKind.Other ? Tri.True : Tri.False; break;
                    default:
                        // a branch name, or a /regex/ that may match branch or tag names alike
                        if (r.StartsWith("/", StringComparison.Ordinal)) t = kind == CiTriggerKind.PullRequest ? Tri.False : Tri.Unknown;
                        else t = kind == CiTriggerKind.Push || kind == CiTriggerKind.Schedule || kind == CiTriggerKind.Manual || kind == CiTriggerKind.Other ? Tri.Unknown : Tri.False;
                        break;
                }
                if (t == Tri.True) return Tri.True;
                if (t == Tri.Unknown) result = Tri.Unknown;
            }
            return result;
        }

        private static string OnlyExceptText(Context context, CiYamlMapping job)
        {
            var parts = new List<string>();
            foreach (var key in new[] { "only", "except" })
            {
                var node = Get(context, job, key);
                if (node == null) continue;
                var values = new List<string>();
                var refsNode = node is CiYamlMapping m ? m.Get("refs") : node;
                foreach (var r in Flat(context, refsNode)) if (r.ScalarValue is string v) values.Add(v);
                if (node is CiYamlMapping vm) foreach (var v in Flat(context, vm.Get("variables"))) if (v.ScalarValue is string e) values.Add(e);
                parts.Add(key + ": " + string.Join(", ", values));
            }
            return string.Join("; ", parts);
        }

        /// <summary>Kinds of pipeline the rules and only/except of <paramref name="node"/> name explicitly.</summary>
        private static void Mention(Context context, CiYamlNode node, HashSet<CiTriggerKind> universe)
        {
            if (node is CiYamlMapping job && !job.ContainsKey("if"))
            {
                if (Get(context, job, "rules") is CiYamlNode rules) Mention(context, rules, universe);
                foreach (var key in new[] { "only", "except" })
                {
                    var value = Get(context, job, key);
                    if (value == null) continue;
                    var refs = value is CiYamlMapping m ? Flat(context, m.Get("refs")) : Flat(context, value);
                    foreach (var r in refs)
                        switch (r.ScalarValue)
                        {
                            case "merge_requests": case "external_pull_requests": universe.Add(CiTriggerKind.PullRequest); break;
                            case "schedules": universe.Add(CiTriggerKind.Schedule); break;
                            case "web": universe.Add(CiTriggerKind.Manual); break;
                            case "api": case "triggers": case "pipelines": case "chat": case "external": universe.Add(CiTriggerKind.Other); break;
                        }
                    if (value is CiYamlMapping vm) foreach (var v in Flat(context, vm.Get("variables"))) foreach (var k in GitLabRules.Mentioned(v.ScalarValue)) universe.Add(k);
                }
                return;
            }
            foreach (var item in Flat(context, node))
                if (item is CiYamlMapping rule)
                    foreach (var k in GitLabRules.Mentioned(Text(context, rule, "if"))) universe.Add(k);
        }

        // ---- stages and gates ------------------------------------------------------------------------------------

        private static List<string> Stages(CiYamlMapping config)
        {
            var stages = new List<string>();
            foreach (var s in config.List("stages")) if (s.ScalarValue is string v) stages.Add(v);
            if (stages.Count == 0) foreach (var s in config.List("types")) if (s.ScalarValue is string v) stages.Add(v);
            if (stages.Count == 0) stages.AddRange(DefaultStages);
            return stages;
        }

        private static int StageIndex(List<string> order, string stage)
        {
            if (stage == ".pre") return -1;
            if (stage == ".post") return int.MaxValue;
            var i = order.IndexOf(stage);
            return i < 0 ? order.Count : i;
        }

        // ---- images ----------------------------------------------------------------------------------------------

        /// <summary>The Node.js version a container image pins (<c>node:22.14-alpine</c> → 22.14, <c>cimg/node:20.11</c> →
        /// 20.11, <c>node:lts</c> → lts, <c>node</c> → latest); null when the image is not a Node.js image or its tag is a variable.</summary>
        internal static string? NodeVersionOfImage(string image)
        {
            var text = image.Trim();
            var digest = text.IndexOf('@');
            if (digest >= 0) text = text.Substring(0, digest);
            var slash = text.LastIndexOf('/');
            var last = slash < 0 ? text : text.Substring(slash + 1);
            var colon = last.IndexOf(':');
            var repository = colon < 0 ? last : last.Substring(0, colon);
            if (!string.Equals(repository, "node", StringComparison.OrdinalIgnoreCase)) return null;
            if (colon < 0) return "latest";
            var tag = last.Substring(colon + 1);
            var end = 0;
            while (end < tag.Length && (char.IsDigit(tag[end]) || tag[end] == '.')) end++;
            if (end > 0) return tag.Substring(0, end).TrimEnd('.');
            var dash = tag.IndexOf('-');
            var word = dash < 0 ? tag : tag.Substring(0, dash);
            foreach (var c in word) if (!char.IsLetter(c)) return null;
            return word.Length == 0 ? null : word.ToLowerInvariant();
        }
    }
}
