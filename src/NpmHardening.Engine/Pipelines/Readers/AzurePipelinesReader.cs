using System;
using System.Collections.Generic;
using System.Linq;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>
    /// Azure Pipelines YAML (<c>azure-pipelines*.yml|yaml</c> in any folder) into the CI model: triggers (<c>trigger</c>,
    /// <c>pr</c>, <c>schedules</c>, resource triggers), stages → jobs → steps with their implicit and explicit
    /// <c>dependsOn</c>, deployment jobs (their lifecycle hooks' steps, the environment as the gate, where Azure keeps
    /// approvals and checks), <c>ManualValidation</c> jobs as approvals for the jobs after them, variables at every
    /// level with the secrets their <c>$(X)</c> macros name, variable groups, script steps (<c>script</c>, <c>bash</c>,
    /// <c>pwsh</c>, <c>powershell</c> and the Bash/PowerShell/CmdLine tasks, and the Yarn task read as its command line)
    /// and tasks with inputs (<c>Npm@1</c>, <c>npmAuthenticate@0</c>). Templates in the repository (<c>template:</c> for stages, jobs, steps and variables,
    /// and <c>extends:</c>) are expanded with their parameters bound, at most <see cref="MaxTemplateDepth"/> deep and
    /// never into a file already being expanded; templates in other repositories (<c>x.yml@alias</c>) are noted, not
    /// fetched. Compile-time conditions (<c>${{ if }}</c>) cannot be decided without the run's values, so every branch
    /// is read: a step that can run is reported.
    /// </summary>
    internal sealed class AzurePipelinesReader : ICiDefinitionReader
    {
        /// <summary>Azure's own limits: templates nest at most 100 levels and a pipeline reads at most 100 template files;
        /// the reader stops earlier on nesting, which real pipelines never approach.</summary>
        public const int MaxTemplateDepth = 20;
        public const int MaxTemplateFiles = 100;

        public CiPlatform Platform => CiPlatform.AzurePipelines;

        public bool Claims(string relativePath)
        {
            if (string.IsNullOrEmpty(relativePath)) return false;
            var slash = relativePath.LastIndexOf('/');
            var name = relativePath.Substring(slash + 1);
            if (!(name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))) return false;
            if (name.StartsWith("azure-pipelines", StringComparison.OrdinalIgnoreCase)) return true;
            // a pipeline may be any YAML file the Azure DevOps definition points at; by convention they sit in a folder
            // named for them (Rush's common/config/azure-pipelines, .azure-pipelines, .azuredevops, eng/pipelines)
            if (slash <= 0) return false;
            var folder = relativePath.Substring(0, slash);
            var leaf = folder.Substring(folder.LastIndexOf('/') + 1);
            return PipelineFolders.Contains(leaf);
        }

        private static readonly HashSet<string> PipelineFolders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "azure-pipelines", ".azure-pipelines", ".azuredevops", ".pipelines", "pipelines",
            // Microsoft's React Native repositories keep their Azure DevOps pipelines in .ado
            ".ado",
        };

        /// <summary>Whether <paramref name="relativePath"/> is claimed by its folder rather than its name: such a file may
        /// be a template another pipeline includes, which the scanner then reads only through that pipeline.</summary>
        internal static bool ClaimedByFolder(string relativePath)
        {
            var name = relativePath.Substring(relativePath.LastIndexOf('/') + 1);
            return !name.StartsWith("azure-pipelines", StringComparison.OrdinalIgnoreCase);
        }

        public IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath)
        {
            var root = CiYaml.Read(repository, relativePath);
            if (root == null) return Array.Empty<CiDefinition>();
            if (!(root is CiYamlMapping pipeline)) throw root.Fail("a pipeline must be a mapping of keys (trigger:, stages:, jobs: or steps:), not " + root.KindName + ".");
            var context = new Context(repository);
            context.Stack.Add(relativePath);
            var definition = new CiDefinition(CiPlatform.AzurePipelines, relativePath)
            {
                Triggers = Triggers(pipeline),
            };
            var scope = Bind(pipeline.Get("parameters"), null, null);
            var inherit = new Inherit();
            ReadBody(context, pipeline, scope, inherit, 0);
            definition.Env = inherit.Variables;
            definition.Jobs = context.Jobs;
            definition.IncludedFiles = context.Included;
            definition.RemoteIncludes = context.Remote;
            // in file order, not the order the reader reached them (it reads a level's jobs before their steps)
            definition.SkippedParts = context.Skipped.OrderBy(p => p.File, StringComparer.Ordinal).ThenBy(p => p.Line).ToList();
            return new[] { definition };
        }

        // ---- state -----------------------------------------------------------------------------------------------

        private sealed class Context
        {
            public Context(CiRepository repository) { Repository = repository; }
            public CiRepository Repository { get; }
            public HashSet<string> Stack { get; } = new HashSet<string>(StringComparer.Ordinal);
            public List<string> Included { get; } = new List<string>();
            public List<string> Remote { get; } = new List<string>();
            public List<CiJob> Jobs { get; } = new List<CiJob>();
            /// <summary>Missing templates, each reported once at its first reference; the rest of the pipeline is read.</summary>
            public List<CiDefinitionException> Skipped { get; } = new List<CiDefinitionException>();
            public HashSet<string> Missing { get; } = new HashSet<string>(StringComparer.Ordinal);
            public int TemplateReads;
            public int StageCounter;
        }

        /// <summary>Template parameters (and <c>each</c> loop variables) in force where a node is read.</summary>
        private sealed class Scope
        {
            public Scope(Scope? parent) { Parent = parent; }
            public Scope? Parent { get; }
            public Dictionary<string, Bound> Parameters { get; } = new Dictionary<string, Bound>(StringComparer.OrdinalIgnoreCase);
            public Dictionary<string, Bound> Locals { get; } = new Dictionary<string, Bound>(StringComparer.OrdinalIgnoreCase);

            public Bound? Parameter(string name)
            {
                for (var s = this; s != null; s = s.Parent) if (s.Parameters.TryGetValue(name, out var b)) return b;
                return null;
            }

            public Bound? Local(string name)
            {
                for (var s = this; s != null; s = s.Parent) if (s.Locals.TryGetValue(name, out var b)) return b;
                return null;
            }
        }

        /// <summary>A parameter's value and the scope its own expressions are read in (the caller's).</summary>
        private sealed class Bound
        {
            public Bound(CiYamlNode node, Scope scope) { Node = node; Scope = scope; }
            public CiYamlNode Node { get; }
            public Scope Scope { get; }
        }

        /// <summary>What a stage or job inherits from the levels above it.</summary>
        private sealed class Inherit
        {
            public IReadOnlyList<CiVariable> Variables = Array.Empty<CiVariable>();
            public Dictionary<string, CiVariable> Known = new Dictionary<string, CiVariable>(StringComparer.OrdinalIgnoreCase);
            public List<string> Groups = new List<string>();
            public bool Windows;
            public string? Condition;
            public string Prefix = "";

            public Inherit Copy() => new Inherit
            {
                Variables = Variables, Known = new Dictionary<string, CiVariable>(Known, StringComparer.OrdinalIgnoreCase),
                Groups = new List<string>(Groups), Windows = Windows, Condition = Condition, Prefix = Prefix,
            };
        }

        // ---- triggers --------------------------------------------------------------------------------------------

        private static IReadOnlyList<CiTrigger> Triggers(CiYamlMapping pipeline)
        {
            var triggers = new List<CiTrigger>();
            var trigger = pipeline.Entry("trigger");
            if (trigger == null)
                triggers.Add(new CiTrigger(CiTriggerKind.Push, "implied: every branch", new CiSource(pipeline.File, 0)));
            else
                PushTriggers(trigger.Value.Value, new CiSource(pipeline.File, trigger.Value.Line), null, triggers);

            var pr = pipeline.Entry("pr");
            if (pr == null)
                triggers.Add(new CiTrigger(CiTriggerKind.PullRequest, "implied: every branch", new CiSource(pipeline.File, 0)));
            else if (!IsNone(pr.Value.Value))
                triggers.Add(new CiTrigger(CiTriggerKind.PullRequest, BranchFilter(pr.Value.Value, out _), new CiSource(pipeline.File, pr.Value.Line)));

            if (pipeline.Get("schedules") is CiYamlSequence schedules)
                foreach (var item in schedules)
                    if (item is CiYamlMapping schedule)
                        triggers.Add(new CiTrigger(CiTriggerKind.Schedule, schedule.Text("cron"), schedule.Source));

            if (pipeline.Get("resources") is CiYamlMapping resources)
            {
                if (resources.Get("pipelines") is CiYamlSequence pipelines)
                    foreach (var item in pipelines)
                        if (item is CiYamlMapping p && p.Get("trigger") is CiYamlNode t && !IsNone(t) && !(t is CiYamlScalar ts && ts.Boolean == false))
                            triggers.Add(new CiTrigger(CiTriggerKind.Other, "pipeline completion: " + (p.Text("source") ?? p.Text("pipeline")), p.Source));
                if (resources.Get("repositories") is CiYamlSequence repositories)
                    foreach (var item in repositories)
                        if (item is CiYamlMapping r && r.Get("trigger") is CiYamlNode t)
                            PushTriggers(t, r.Source, "repository " + r.Text("repository") + ": ", triggers);
                if (resources.Get("webhooks") is CiYamlSequence hooks)
                    foreach (var item in hooks)
                        if (item is CiYamlMapping h) triggers.Add(new CiTrigger(CiTriggerKind.Other, "webhook: " + h.Text("webhook"), h.Source));
            }
            return triggers;
        }

        private static bool IsNone(CiYamlNode node) => node is CiYamlScalar s && (s.IsNull || string.Equals(s.Value, "none", StringComparison.OrdinalIgnoreCase));

        /// <summary>A CI trigger's branches become a push trigger and its tags (<c>tags:</c>, or branches written as
        /// <c>refs/tags/…</c>) a tag trigger.</summary>
        private static void PushTriggers(CiYamlNode node, CiSource source, string? prefix, List<CiTrigger> triggers)
        {
            if (IsNone(node)) return;
            var branches = new List<string>();
            var tags = new List<string>();
            var hasBranchFilter = false;
            var hasTagFilter = false;
            void Sort(IEnumerable<CiYamlNode> names, bool exclude)
            {
                foreach (var n in names)
                {
                    if (!(n.ScalarValue is string v)) continue;
                    var mark = exclude ? "!" : "";
                    if (v.StartsWith("refs/tags/", StringComparison.Ordinal)) { tags.Add(mark + v.Substring(10)); if (!exclude) hasTagFilter = true; }
                    else { branches.Add(mark + (v.StartsWith("refs/heads/", StringComparison.Ordinal) ? v.Substring(11) : v)); if (!exclude) hasBranchFilter = true; }
                }
            }
            switch (node)
            {
                case CiYamlScalar single:
                    if (single.Boolean == true) hasBranchFilter = true;
                    else Sort(new[] { single }, false);
                    break;
                case CiYamlSequence list:
                    Sort(list, false);
                    break;
                case CiYamlMapping map:
                    if (map.Get("branches") is CiYamlMapping b) { Sort(b.List("include"), false); Sort(b.List("exclude"), true); }
                    else if (map.Get("branches") is CiYamlSequence bl) Sort(bl, false);
                    if (map.Get("tags") is CiYamlMapping t) { foreach (var n in t.List("include")) if (n.ScalarValue is string v) { tags.Add(v); hasTagFilter = true; } foreach (var n in t.List("exclude")) if (n.ScalarValue is string v) tags.Add("!" + v); }
                    else if (map.Get("tags") is CiYamlSequence tl) foreach (var n in tl) if (n.ScalarValue is string v) { tags.Add(v); hasTagFilter = true; }
                    // only paths/batch: every branch
                    if (!map.ContainsKey("branches") && !map.ContainsKey("tags")) hasBranchFilter = true;
                    break;
            }
            if (hasBranchFilter || (branches.Count > 0 && !hasTagFilter))
                triggers.Add(new CiTrigger(CiTriggerKind.Push, prefix + (branches.Count > 0 ? "branches: " + string.Join(", ", branches) : "every branch"), source));
            if (hasTagFilter)
                triggers.Add(new CiTrigger(CiTriggerKind.Tag, prefix + "tags: " + string.Join(", ", tags), source));
        }

        private static string? BranchFilter(CiYamlNode node, out bool any)
        {
            any = false;
            var names = new List<string>();
            switch (node)
            {
                case CiYamlScalar s when s.Boolean == true: any = true; break;
                case CiYamlScalar s: names.Add(s.Value); break;
                case CiYamlSequence list: foreach (var n in list) if (n.ScalarValue is string v) names.Add(v); break;
                case CiYamlMapping map:
                    if (map.Get("branches") is CiYamlMapping b)
                    {
                        foreach (var n in b.List("include")) if (n.ScalarValue is string v) names.Add(v);
                        foreach (var n in b.List("exclude")) if (n.ScalarValue is string v) names.Add("!" + v);
                    }
                    else if (map.Get("branches") is CiYamlSequence bl) foreach (var n in bl) if (n.ScalarValue is string v) names.Add(v);
                    break;
            }
            return names.Count == 0 ? null : "branches: " + string.Join(", ", names);
        }

        // ---- template expressions --------------------------------------------------------------------------------

        /// <summary>The text inside <c>${{ }}</c> when the whole value is one expression, else null.</summary>
        private static string? WholeExpression(string? text)
        {
            if (text == null) return null;
            var t = text.Trim();
            if (!t.StartsWith("${{", StringComparison.Ordinal) || !t.EndsWith("}}", StringComparison.Ordinal)) return null;
            if (t.IndexOf("${{", 3, StringComparison.Ordinal) >= 0) return null;
            return t.Substring(3, t.Length - 5).Trim();
        }

        /// <summary>A parameter or loop variable an expression names (<c>parameters.steps</c>, <c>parameters['steps']</c>,
        /// <c>step</c>, <c>parameters.config.steps</c>), or null when the expression is anything else (a function call).</summary>
        private static Bound? Lookup(string expression, Scope scope)
        {
            var parts = Path(expression);
            if (parts == null || parts.Count == 0) return null;
            Bound? bound;
            int next;
            if (string.Equals(parts[0], "parameters", StringComparison.Ordinal) && parts.Count > 1) { bound = scope.Parameter(parts[1]); next = 2; }
            else { bound = scope.Local(parts[0]); next = 1; }
            for (var i = next; bound != null && i < parts.Count; i++)
            {
                var (node, s) = Resolve(bound.Node, bound.Scope);
                bound = node is CiYamlMapping m && m.Get(parts[i]) is CiYamlNode child ? new Bound(child, s) : null;
            }
            return bound;
        }

        /// <summary>"a.b['c']" → [a, b, c]; null when the text is not a plain property path.</summary>
        private static List<string>? Path(string expression)
        {
            var parts = new List<string>();
            var i = 0;
            var text = expression.Trim();
            while (i < text.Length)
            {
                if (text[i] == '.') { i++; continue; }
                if (text[i] == '[')
                {
                    if (i + 1 >= text.Length || (text[i + 1] != '\'' && text[i + 1] != '"')) return null;
                    var quote = text[i + 1];
                    var end = text.IndexOf(quote, i + 2);
                    if (end < 0 || end + 1 >= text.Length || text[end + 1] != ']') return null;
                    parts.Add(text.Substring(i + 2, end - i - 2));
                    i = end + 2;
                    continue;
                }
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_' || text[i] == '-')) i++;
                if (i == start) return null;
                parts.Add(text.Substring(start, i - start));
            }
            return parts;
        }

        /// <summary>Follows a value that is exactly one parameter reference to the parameter's value (bounded: a
        /// parameter whose default names itself stops).</summary>
        private static (CiYamlNode? Node, Scope Scope) Resolve(CiYamlNode? node, Scope scope)
        {
            for (var i = 0; i < 16 && node is CiYamlScalar s; i++)
            {
                var expression = WholeExpression(s.Value);
                if (expression == null) break;
                var bound = Lookup(expression, scope);
                if (bound == null) break;
                node = bound.Node;
                scope = bound.Scope;
            }
            return (node, scope);
        }

        /// <summary>A scalar's text with parameters that hold plain values put in place of their <c>${{ }}</c>.</summary>
        private static string? Text(CiYamlNode? node, Scope scope)
        {
            var (resolved, s) = Resolve(node, scope);
            if (!(resolved?.ScalarValue is string text)) return null;
            if (text.IndexOf("${{", StringComparison.Ordinal) < 0) return text;
            var result = new System.Text.StringBuilder();
            var at = 0;
            while (at < text.Length)
            {
                var open = text.IndexOf("${{", at, StringComparison.Ordinal);
                var close = open < 0 ? -1 : text.IndexOf("}}", open + 3, StringComparison.Ordinal);
                if (open < 0 || close < 0) { result.Append(text, at, text.Length - at); break; }
                result.Append(text, at, open - at);
                var bound = Lookup(text.Substring(open + 3, close - open - 3), s);
                var value = bound == null ? null : Resolve(bound.Node, bound.Scope).Node?.ScalarValue;
                result.Append(value ?? text.Substring(open, close + 2 - open));
                at = close + 2;
            }
            return result.ToString();
        }

        private static string? Text(CiYamlMapping map, string key, Scope scope) => Text(map.Get(key), scope);

        /// <summary>A template's declared parameters (list or legacy mapping form, with defaults) bound to the values a
        /// caller passes, which are read in the caller's scope.</summary>
        private static Scope Bind(CiYamlNode? declared, CiYamlNode? given, Scope? caller)
        {
            var scope = new Scope(null);
            switch (declared)
            {
                case CiYamlSequence list:
                    foreach (var item in list)
                        if (item is CiYamlMapping p && p.Text("name") is string name && p.Get("default") is CiYamlNode d)
                            scope.Parameters[name] = new Bound(d, scope);
                    break;
                case CiYamlMapping map:
                    foreach (var e in map.Entries) scope.Parameters[e.Key] = new Bound(e.Value, scope);
                    break;
            }
            if (given is CiYamlMapping values)
                foreach (var e in values.Entries) scope.Parameters[e.Key] = new Bound(e.Value, caller ?? scope);
            return scope;
        }

        /// <summary>Keys under a compile-time <c>${{ if … }}</c>, <c>${{ elseif … }}</c> or <c>${{ else }}</c> key of a
        /// mapping, lifted into it (the mapping's own keys win; every branch is read).</summary>
        private static CiYamlMapping Flatten(CiYamlMapping map)
        {
            var conditional = false;
            foreach (var e in map.Entries) if (e.Key.StartsWith("${{", StringComparison.Ordinal)) { conditional = true; break; }
            if (!conditional) return map;
            var entries = new List<CiYamlEntry>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            void Add(CiYamlMapping from, int depth)
            {
                foreach (var e in from.Entries)
                {
                    if (e.Key.StartsWith("${{", StringComparison.Ordinal))
                    {
                        if (e.Value is CiYamlMapping inner && depth < 8) Add(inner, depth + 1);
                        continue;
                    }
                    if (index.ContainsKey(e.Key)) continue;
                    index[e.Key] = entries.Count;
                    entries.Add(e);
                }
            }
            Add(map, 0);
            return new CiYamlMapping(map.File, map.Line, map.Column, map.Tag, entries, index);
        }

        // ---- lists of stages, jobs, steps, variables -------------------------------------------------------------

        /// <summary>The items of a stages/jobs/steps/variables list with parameter insertions, <c>${{ if }}</c> and
        /// <c>${{ each }}</c> blocks and in-repository templates expanded. A template in another repository comes back as
        /// its own <c>template:</c> item, for the caller to keep as an opaque reference.</summary>
        private List<(CiYamlMapping Item, Scope Scope)> Items(Context context, CiYamlNode? node, Scope scope, string kind, int depth)
        {
            var items = new List<(CiYamlMapping, Scope)>();
            AddItems(context, node, scope, kind, depth, items, 0);
            return items;
        }

        private void AddItems(Context context, CiYamlNode? node, Scope scope, string kind, int depth, List<(CiYamlMapping, Scope)> items, int nesting)
        {
            if (nesting > 32) throw (node ?? throw new InvalidOperationException()).Fail("template expressions nest too deeply.");
            var (resolved, s) = Resolve(node, scope);
            switch (resolved)
            {
                case null: return;
                case CiYamlScalar scalar when scalar.IsNull || WholeExpression(scalar.Value) != null: return; // a parameter with no value, or an expression only the server evaluates
                case CiYamlScalar scalar:
                    if (kind == "variables") return;
                    throw scalar.Fail("'" + kind + "' must be a list, not " + scalar.KindName + ".");
                case CiYamlSequence list:
                    foreach (var item in list) AddItem(context, item, s, kind, depth, items, nesting);
                    return;
                case CiYamlMapping map:
                    // a conditional block at the list's own level, or one item given where a list was expected
                    AddItem(context, map, s, kind, depth, items, nesting);
                    return;
            }
        }

        private void AddItem(Context context, CiYamlNode item, Scope scope, string kind, int depth, List<(CiYamlMapping, Scope)> items, int nesting)
        {
            var (node, s) = Resolve(item, scope);
            if (node is CiYamlSequence inserted) { AddItems(context, inserted, s, kind, depth, items, nesting + 1); return; }
            if (!(node is CiYamlMapping map)) return;
            if (map.Count == 1 && map.Entries[0].Key.StartsWith("${{", StringComparison.Ordinal))
            {
                var key = map.Entries[0].Key;
                var body = map.Entries[0].Value;
                var expression = key.Substring(3, key.Length - (key.EndsWith("}}", StringComparison.Ordinal) ? 5 : 3)).Trim();
                if (expression.StartsWith("each ", StringComparison.Ordinal))
                {
                    var inAt = expression.IndexOf(" in ", StringComparison.Ordinal);
                    var variable = inAt > 5 ? expression.Substring(5, inAt - 5).Trim() : "";
                    var collection = inAt > 5 ? Lookup(expression.Substring(inAt + 4), s) : null;
                    var (values, valuesScope) = collection == null ? ((CiYamlNode?)null, s) : Resolve(collection.Node, collection.Scope);
                    if (values is CiYamlSequence sequence && variable.Length > 0)
                    {
                        foreach (var value in sequence)
                        {
                            var loop = new Scope(s);
                            loop.Locals[variable] = new Bound(value, valuesScope);
                            AddItems(context, body, loop, kind, depth, items, nesting + 1);
                        }
                        return;
                    }
                }
                AddItems(context, body, s, kind, depth, items, nesting + 1);
                return;
            }
            map = Flatten(map);
            if (map.ContainsKey("template") && kind != "variables-template")
            {
                if (ExpandTemplate(context, map, s, kind, depth, items)) return;
            }
            items.Add((map, s));
        }

        /// <summary>Expands a <c>- template:</c> item from this repository in place; false for a template in another
        /// repository (noted in <see cref="CiDefinition.RemoteIncludes"/>) or one the repository does not have (noted in
        /// <see cref="CiDefinition.SkippedParts"/>): the caller keeps the item as an opaque reference.</summary>
        private bool ExpandTemplate(Context context, CiYamlMapping reference, Scope scope, string kind, int depth, List<(CiYamlMapping, Scope)> items)
        {
            var templateEntry = reference.Entry("template")!.Value;
            var path = Text(templateEntry.Value, scope);
            if (path == null) return true;
            var file = TemplateFile(context, path, templateEntry);
            if (file == null) return false;
            var template = LoadTemplate(context, file, templateEntry, depth, kind);
            if (template == null) return false;
            context.Stack.Add(file);
            try
            {
                var bound = Bind(template.Get("parameters"), reference.Get("parameters"), scope);
                AddItems(context, template.Get(kind), bound, kind, depth + 1, items, 0);
            }
            finally { context.Stack.Remove(file); }
            return true;
        }

        /// <summary>The repository path a template reference names (relative to the referring file, or to the root with a
        /// leading '/'); null for a template in another repository.</summary>
        private static string? TemplateFile(Context context, string path, CiYamlEntry at)
        {
            var name = path.Trim();
            var alias = name.LastIndexOf('@');
            if (alias >= 0)
            {
                var repository = name.Substring(alias + 1);
                if (!string.Equals(repository, "self", StringComparison.OrdinalIgnoreCase))
                {
                    if (!context.Remote.Contains(name)) context.Remote.Add(name);
                    return null;
                }
                name = name.Substring(0, alias);
            }
            var combined = name.StartsWith("/", StringComparison.Ordinal) ? name : CombineFolder(CiRepository.FolderOf(at.KeyNode.File), name);
            return CiRepository.NormalizePath(combined) ?? throw at.KeyNode.Fail("the template '" + name + "' is outside the repository.");
        }

        private static string CombineFolder(string folder, string name) => folder.Length == 0 ? name : folder + "/" + name;

        /// <summary>The template at <paramref name="file"/>; null when the repository does not have it. A missing
        /// template costs what it would have added, not the pipeline: a checkout without it (a partial copy, a file
        /// added by an earlier step, a corpus folder) still shows every step written in the pipeline itself.
        /// <paramref name="bareListKey"/>: the list a stages/jobs/steps template adds; a template written as that bare list
        /// (<c>- job: Publish</c> at the top, the form early Azure Pipelines templates took) is read as if it had the key.</summary>
        private static CiYamlMapping? LoadTemplate(Context context, string file, CiYamlEntry at, int depth, string? bareListKey = null)
        {
            if (depth >= MaxTemplateDepth) throw at.KeyNode.Fail("templates nest more than " + MaxTemplateDepth + " levels deep.");
            if (context.Stack.Contains(file)) throw at.KeyNode.Fail("the template '" + file + "' includes itself (a template cycle).");
            if (++context.TemplateReads > MaxTemplateFiles) throw at.KeyNode.Fail("the pipeline expands more than " + MaxTemplateFiles + " templates.");
            CiYamlNode? root;
            try { root = CiYaml.Read(context.Repository, file); }
            catch (CiDefinitionException unreadable)
            {
                // a template that is not valid YAML costs what it would have added, like a missing one: the pipeline
                // and its other templates are still read, and the reason is reported with the template's own line
                if (context.Missing.Add(file))
                    context.Skipped.Add(CiDefinitionException.ForPart(unreadable.File, unreadable.Line,
                        unreadable.Reason + " (a template of this pipeline: what it would add is not read, the rest of the pipeline is)"));
                return null;
            }
            if (root == null)
            {
                if (context.Missing.Add(file))
                    context.Skipped.Add(CiDefinitionException.ForPart(at.KeyNode.File, at.Line,
                        "the template '" + file + "' does not exist in the repository; what it would add is not read, the rest of the pipeline is.", notFound: true));
                return null;
            }
            if (root is CiYamlSequence list && bareListKey != null)
            {
                var key = new CiYamlScalar(file, list.Line, list.Column, null, bareListKey, CiYamlScalarStyle.Plain);
                root = new CiYamlMapping(file, list.Line, list.Column, null,
                    new List<CiYamlEntry> { new CiYamlEntry(key, list) }, new Dictionary<string, int>(StringComparer.Ordinal) { [bareListKey] = 0 });
            }
            if (!(root is CiYamlMapping template)) throw root.Fail("a template must be a mapping, not " + root.KindName + ".");
            if (!context.Included.Contains(file)) context.Included.Add(file);
            return template;
        }

        // ---- pipeline body: extends, stages, jobs, steps ---------------------------------------------------------

        private void ReadBody(Context context, CiYamlMapping body, Scope scope, Inherit inherit, int depth)
        {
            body = Flatten(body);
            ApplyVariables(context, body.Get("variables"), scope, inherit, depth);
            ApplyPool(body.Get("pool"), scope, inherit);

            if (body.Get("extends") is CiYamlNode extendsNode)
            {
                var (resolved, s) = Resolve(extendsNode, scope);
                if (resolved is CiYamlMapping extends && extends.Entry("template") is CiYamlEntry templateEntry && Text(templateEntry.Value, s) is string path)
                {
                    var file = TemplateFile(context, path, templateEntry);
                    var template = file == null ? null : LoadTemplate(context, file, templateEntry, depth);
                    if (template == null || file == null)
                    {
                        // a template in another repository (often a company-wide one), or one missing here: the stages,
                        // jobs or steps the pipeline hands it as parameters are what it runs
                        FindBodies(context, extends.Get("parameters"), s, inherit, depth, 0);
                    }
                    else
                    {
                        context.Stack.Add(file);
                        try { ReadBody(context, template, Bind(template.Get("parameters"), extends.Get("parameters"), s), inherit, depth + 1); }
                        finally { context.Stack.Remove(file); }
                    }
                }
            }

            if (body.ContainsKey("stages")) ReadStages(context, body.Get("stages"), scope, inherit, depth);
            else if (body.ContainsKey("jobs")) ReadJobs(context, body.Get("jobs"), scope, inherit, new List<string>(), new List<CiJob>(), depth);
            else if (body.ContainsKey("steps"))
            {
                // a pipeline (or extends template) of steps only: one implicit job named "Job"
                var job = new CiJob(inherit.Prefix + "Job", body.Entry("steps")!.Value.KeyNode.Source)
                {
                    Env = inherit.Variables,
                    Contexts = inherit.Groups.ToArray(),
                    Condition = inherit.Condition,
                };
                Container(body.Get("container"), scope, job);
                job.Steps = ReadSteps(context, body.Get("steps"), scope, inherit, job, depth);
                context.Jobs.Add(job);
            }
        }

        /// <summary>Stages, jobs or steps lists anywhere in a remote template's parameters (bounded depth).</summary>
        private void FindBodies(Context context, CiYamlNode? node, Scope scope, Inherit inherit, int depth, int level)
        {
            if (level > 4) return;
            var (resolved, s) = Resolve(node, scope);
            if (!(resolved is CiYamlMapping map)) return;
            foreach (var e in map.Entries)
            {
                var (value, vs) = Resolve(e.Value, s);
                if (value is CiYamlSequence list && list.Count > 0 && list[0] is CiYamlMapping first)
                {
                    if (first.ContainsKey("stage")) { ReadStages(context, list, vs, inherit, depth); continue; }
                    if (first.ContainsKey("job") || first.ContainsKey("deployment")) { ReadJobs(context, list, vs, inherit, new List<string>(), new List<CiJob>(), depth); continue; }
                    if (IsStep(first))
                    {
                        var job = new CiJob(inherit.Prefix + e.Key, new CiSource(e.KeyNode.File, e.Line)) { Env = inherit.Variables, Contexts = inherit.Groups.ToArray(), Condition = inherit.Condition };
                        job.Steps = ReadSteps(context, list, vs, inherit, job, depth);
                        context.Jobs.Add(job);
                        continue;
                    }
                }
                if (value is CiYamlMapping) FindBodies(context, value, vs, inherit, depth, level + 1);
            }
        }

        private static bool IsStep(CiYamlMapping map)
        {
            foreach (var key in new[] { "script", "bash", "pwsh", "powershell", "task", "checkout" })
                if (map.ContainsKey(key)) return true;
            return false;
        }

        private sealed class StageInfo
        {
            public StageInfo(string id) { Id = id; }
            public string Id { get; }
            public List<string> DependsOn { get; } = new List<string>();
            public List<CiJob> Jobs { get; } = new List<CiJob>();
            public List<string> JobsWithoutDependencies { get; } = new List<string>();
        }

        private void ReadStages(Context context, CiYamlNode? node, Scope scope, Inherit inherit, int depth)
        {
            var stages = new List<StageInfo>();
            string? previous = null;
            foreach (var (stage, s) in Items(context, node, scope, "stages", depth))
            {
                if (stage.ContainsKey("template"))
                {
                    context.Jobs.Add(RemoteJob(inherit.Prefix + "template", stage, s, inherit));
                    continue;
                }
                var id = Text(stage, "stage", s) ?? ("Stage" + (++context.StageCounter));
                var info = new StageInfo(id);
                var dependsOn = stage.Entry("dependsOn");
                if (dependsOn == null) { if (previous != null) info.DependsOn.Add(previous); }
                else foreach (var n in Names(dependsOn.Value.Value, s)) info.DependsOn.Add(n);
                var own = inherit.Copy();
                own.Prefix = inherit.Prefix + id + "/";
                own.Condition = Conjoin(inherit.Condition, Text(stage, "condition", s));
                ApplyVariables(context, stage.Get("variables"), s, own, depth);
                ApplyPool(stage.Get("pool"), s, own);
                ReadJobs(context, stage.Get("jobs"), s, own, info.JobsWithoutDependencies, info.Jobs, depth);
                stages.Add(info);
                previous = id;
            }
            // a job with no dependencies inside its stage waits for every job of the stages its stage depends on
            foreach (var stage in stages)
            {
                var before = new List<string>();
                foreach (var name in stage.DependsOn)
                    foreach (var other in stages)
                        if (string.Equals(other.Id, name, StringComparison.OrdinalIgnoreCase))
                            foreach (var job in other.Jobs) before.Add(job.Id);
                if (before.Count == 0) continue;
                foreach (var job in stage.Jobs)
                    if (stage.JobsWithoutDependencies.Contains(job.Id)) job.Needs = before;
            }
        }

        private static List<string> Names(CiYamlNode node, Scope scope)
        {
            var names = new List<string>();
            var (resolved, s) = Resolve(node, scope);
            switch (resolved)
            {
                case CiYamlScalar single when !single.IsNull: names.Add(Text(single, s) ?? single.Value); break;
                case CiYamlSequence list: foreach (var item in list) if (Text(item, s) is string v) names.Add(v); break;
            }
            return names;
        }

        private static string? Conjoin(string? outer, string? inner)
        {
            if (string.IsNullOrEmpty(outer)) return inner;
            if (string.IsNullOrEmpty(inner)) return outer;
            return "and(" + outer + ", " + inner + ")";
        }

        private CiJob RemoteJob(string id, CiYamlMapping reference, Scope scope, Inherit inherit)
        {
            var path = Text(reference, "template", scope) ?? "";
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Resolve(reference.Get("parameters"), scope).Node is CiYamlMapping parameters)
                foreach (var p in parameters.Entries) if (Text(p.Value, scope) is string v) inputs[p.Key] = v;
            var job = new CiJob(id + ":" + path, reference.Source) { Env = inherit.Variables, Contexts = inherit.Groups.ToArray(), Condition = inherit.Condition };
            job.Steps = new[] { new CiStep(CiStepKind.Action, null, reference.Source) { ActionRef = "template:" + path, Inputs = inputs } };
            return job;
        }

        private void ReadJobs(Context context, CiYamlNode? node, Scope scope, Inherit inherit, List<string> withoutDependencies, List<CiJob> stageJobs, int depth)
        {
            foreach (var (item, s) in Items(context, node, scope, "jobs", depth))
            {
                if (item.ContainsKey("template"))
                {
                    var remote = RemoteJob(inherit.Prefix + "template", item, s, inherit);
                    context.Jobs.Add(remote);
                    stageJobs.Add(remote);
                    withoutDependencies.Add(remote.Id);
                    continue;
                }
                var deployment = item.ContainsKey("deployment");
                var key = deployment ? "deployment" : "job";
                var name = Text(item, key, s) ?? "Job";
                var source = item.Entry(key) is CiYamlEntry e ? new CiSource(e.KeyNode.File, e.Line) : item.Source;
                var own = inherit.Copy();
                ApplyVariables(context, item.Get("variables"), s, own, depth);
                ApplyPool(item.Get("pool"), s, own);
                var job = new CiJob(inherit.Prefix + name, source)
                {
                    Name = Text(item, "displayName", s),
                    Condition = Conjoin(inherit.Condition, Text(item, "condition", s)),
                    Env = own.Variables,
                    Contexts = own.Groups.ToArray(),
                };
                if (item.Entry("dependsOn") is CiYamlEntry dependsOn)
                {
                    var needs = new List<string>();
                    foreach (var n in Names(dependsOn.Value, s)) needs.Add(inherit.Prefix + n);
                    job.Needs = needs;
                    if (needs.Count == 0) withoutDependencies.Add(job.Id);
                }
                else withoutDependencies.Add(job.Id);
                Container(item.Get("container"), s, job);
                if (deployment)
                {
                    job.Gate = EnvironmentGate(item, s);
                    job.Facts["deployment"] = "true";
                }
                if (IsServerPool(item.Get("pool"), s)) job.Facts["pool"] = "server";

                var steps = new List<CiStep>();
                if (deployment)
                {
                    var (strategyNode, ss) = Resolve(item.Get("strategy"), s);
                    if (strategyNode is CiYamlMapping strategy)
                        foreach (var kind in strategy.Entries)
                        {
                            var (hooksNode, hs) = Resolve(kind.Value, ss);
                            if (!(hooksNode is CiYamlMapping hooks)) continue;
                            foreach (var hook in new[] { "preDeploy", "deploy", "routeTraffic", "postRouteTraffic" })
                                AddHookSteps(context, hooks.Get(hook), hs, own, job, steps, depth);
                            if (Resolve(hooks.Get("on"), hs).Node is CiYamlMapping on)
                                foreach (var hook in new[] { "failure", "success" })
                                    AddHookSteps(context, on.Get(hook), hs, own, job, steps, depth);
                        }
                }
                else steps.AddRange(ReadSteps(context, item.Get("steps"), s, own, job, depth));
                job.Steps = steps;
                // a manual validation holds the run until someone approves: the job is an approval, and the finder
                // carries its gate to the jobs that depend on it
                foreach (var step in steps)
                    if (step.ActionRef != null && TaskName(step.ActionRef) == "manualvalidation" && job.Gate.Kind < CiGateKind.Approval)
                        job.Gate = new CiGate(CiGateKind.Approval, job.Id, step.Source);
                context.Jobs.Add(job);
                stageJobs.Add(job);
            }
        }

        private void AddHookSteps(Context context, CiYamlNode? hookNode, Scope scope, Inherit inherit, CiJob job, List<CiStep> steps, int depth)
        {
            var (hook, s) = Resolve(hookNode, scope);
            if (hook is CiYamlMapping h) steps.AddRange(ReadSteps(context, h.Get("steps"), s, inherit, job, depth));
        }

        private static CiGate EnvironmentGate(CiYamlMapping job, Scope scope)
        {
            var (node, s) = Resolve(job.Get("environment"), scope);
            switch (node)
            {
                case CiYamlScalar env when !env.IsNull:
                    var name = Text(env, s) ?? env.Value;
                    // "environment.resource" names a resource inside the environment; the checks belong to the environment
                    var dot = name.IndexOf('.');
                    return new CiGate(CiGateKind.Environment, dot > 0 ? name.Substring(0, dot) : name, env.Source);
                case CiYamlMapping map:
                    return new CiGate(CiGateKind.Environment, Text(map, "name", s), map.Source);
                default:
                    return CiGate.None;
            }
        }

        private static bool IsServerPool(CiYamlNode? node, Scope scope) =>
            Resolve(node, scope).Node is CiYamlScalar s && string.Equals(s.Value, "server", StringComparison.OrdinalIgnoreCase);

        private static void ApplyPool(CiYamlNode? node, Scope scope, Inherit inherit)
        {
            var (pool, s) = Resolve(node, scope);
            switch (pool)
            {
                case CiYamlScalar name when !name.IsNull:
                    inherit.Windows = Contains(Text(name, s), "windows");
                    break;
                case CiYamlMapping map:
                    var image = Text(map, "vmImage", s);
                    var poolName = Text(map, "name", s);
                    var windows = Contains(image, "win") || Contains(image, "vs20") || Contains(poolName, "windows");
                    foreach (var demand in map.List("demands"))
                        if (Text(demand, s) is string d && Contains(d, "Agent.OS") && Contains(d, "Windows")) windows = true;
                    if (image != null || poolName != null || map.ContainsKey("demands")) inherit.Windows = windows;
                    break;
            }
        }

        private static bool Contains(string? text, string part) => text != null && text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

        private static void Container(CiYamlNode? node, Scope scope, CiJob job)
        {
            var (container, s) = Resolve(node, scope);
            var image = container is CiYamlMapping m ? Text(m, "image", s) : Text(container, s);
            if (image == null) return;
            job.Facts["container"] = image;
            if (GitLabCiReader.NodeVersionOfImage(image) is string version && !job.Facts.ContainsKey("node-version")) job.Facts["node-version"] = version;
        }

        // ---- variables ---------------------------------------------------------------------------------------------

        /// <summary>Adds a level's variables (mapping or list form, groups, variable templates) to what its jobs inherit.
        /// Azure exports every non-secret variable to the scripts' environment; a variable whose value is a macro of a
        /// variable the YAML does not define (a secret set on the pipeline or in a group) carries that secret.</summary>
        private void ApplyVariables(Context context, CiYamlNode? node, Scope scope, Inherit inherit, int depth)
        {
            var (resolved, s) = Resolve(node, scope);
            if (resolved == null) return;
            var added = new List<CiVariable>();
            if (resolved is CiYamlMapping map)
            {
                foreach (var e in Flatten(map).Entries)
                {
                    if (e.Key.StartsWith("${{", StringComparison.Ordinal)) continue;
                    AddVariable(e.Key, Text(e.Value, s), new CiSource(e.KeyNode.File, e.Line), inherit, added);
                }
            }
            else
            {
                foreach (var (item, its) in Items(context, resolved, s, "variables-template", depth))
                {
                    if (Text(item, "group", its) is string group) { if (!inherit.Groups.Contains(group)) inherit.Groups.Add(group); continue; }
                    if (item.Entry("template") is CiYamlEntry templateEntry && Text(templateEntry.Value, its) is string path)
                    {
                        var file = TemplateFile(context, path, templateEntry);
                        if (file == null) continue;
                        var template = LoadTemplate(context, file, templateEntry, depth);
                        if (template == null) continue;
                        context.Stack.Add(file);
                        try { ApplyVariables(context, template.Get("variables"), Bind(template.Get("parameters"), item.Get("parameters"), its), inherit, depth + 1); }
                        finally { context.Stack.Remove(file); }
                        continue;
                    }
                    if (Text(item, "name", its) is string name)
                        AddVariable(name, Text(item, "value", its), item.Source, inherit, added);
                }
            }
            if (added.Count == 0) return;
            var merged = new List<CiVariable>();
            foreach (var v in inherit.Variables)
            {
                var replaced = false;
                foreach (var a in added) if (string.Equals(a.Name, v.Name, StringComparison.OrdinalIgnoreCase)) { replaced = true; break; }
                if (!replaced) merged.Add(v);
            }
            merged.AddRange(added);
            inherit.Variables = merged;
        }

        private static void AddVariable(string name, string? value, CiSource source, Inherit inherit, List<CiVariable> added)
        {
            var variable = new CiVariable(name, value, AzureMacro.SecretOf(value, inherit.Known), source);
            inherit.Known[name] = variable;
            added.RemoveAll(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
            added.Add(variable);
        }

        private static IReadOnlyList<CiVariable> StepEnv(CiYamlNode? node, Scope scope, Inherit inherit)
        {
            var (resolved, s) = Resolve(node, scope);
            if (!(resolved is CiYamlMapping map)) return Array.Empty<CiVariable>();
            var list = new List<CiVariable>();
            foreach (var e in Flatten(map).Entries)
            {
                if (e.Key.StartsWith("${{", StringComparison.Ordinal)) continue;
                var value = Text(e.Value, s);
                list.Add(new CiVariable(e.Key, value, AzureMacro.SecretOf(value, inherit.Known), new CiSource(e.KeyNode.File, e.Line)));
            }
            return list;
        }

        // ---- steps -------------------------------------------------------------------------------------------------

        private List<CiStep> ReadSteps(Context context, CiYamlNode? node, Scope scope, Inherit inherit, CiJob job, int depth)
        {
            var steps = new List<CiStep>();
            foreach (var (item, s) in Items(context, node, scope, "steps", depth))
            {
                if (Resolve(item.Get("enabled"), s).Node is CiYamlScalar enabled && enabled.Boolean == false) continue;
                var step = ReadStep(item, s, inherit, job);
                if (step == null) continue;
                if (step.Kind == CiStepKind.Script) BindMacroSecrets(step, inherit);
                steps.Add(step);
            }
            return steps;
        }

        /// <summary>The agent expands <c>$(X)</c> in a script's text before the shell runs it, secrets included: a
        /// credential the script names that way (and no variable of the YAML defines) is bound to the step, as the
        /// platform binds it.</summary>
        private static void BindMacroSecrets(CiStep step, Inherit inherit)
        {
            List<CiVariable>? added = null;
            foreach (var name in AzureMacro.Names(step.Script))
            {
                if (!AzureMacro.IsCredentialName(name)) continue;
                var secret = AzureMacro.SecretOf("$(" + name + ")", inherit.Known);
                if (secret == null) continue;
                var exists = false;
                foreach (var v in step.Env) if (string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase)) exists = true;
                if (added != null) foreach (var v in added) if (string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase)) exists = true;
                if (exists) continue;
                (added ??= new List<CiVariable>(step.Env)).Add(new CiVariable(name, null, secret, step.Source));
            }
            if (added != null) step.Env = added;
        }

        private static CiStep? ReadStep(CiYamlMapping item, Scope s, Inherit inherit, CiJob job)
        {
            var name = Text(item, "displayName", s) ?? Text(item, "name", s);
            var env = StepEnv(item.Get("env"), s, inherit);
            var condition = Text(item, "condition", s);
            var workingDirectory = Text(item, "workingDirectory", s);

            foreach (var (key, shell) in new[] { ("script", inherit.Windows ? CiShell.Cmd : CiShell.Posix), ("bash", CiShell.Posix), ("pwsh", CiShell.PowerShell), ("powershell", CiShell.PowerShell) })
            {
                if (!item.ContainsKey(key)) continue;
                return Script(item, item.Get(key), s, name, shell, env, condition, workingDirectory);
            }

            if (item.ContainsKey("template"))
            {
                var path = Text(item, "template", s) ?? "";
                return new CiStep(CiStepKind.Action, name, item.Source) { ActionRef = "template:" + path, Inputs = Inputs(item.Get("parameters"), s), Env = env, Condition = condition };
            }

            if (Text(item, "task", s) is string task)
            {
                var inputs = Inputs(item.Get("inputs"), s);
                var inputNodes = Resolve(item.Get("inputs"), s).Node as CiYamlMapping;
                string? Input(string key)
                {
                    foreach (var pair in inputs) if (string.Equals(pair.Key, key, StringComparison.OrdinalIgnoreCase)) return pair.Value;
                    return null;
                }
                CiYamlNode? InputNode(string key)
                {
                    if (inputNodes == null) return null;
                    foreach (var e in inputNodes.Entries) if (string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase)) return e.Value;
                    return null;
                }
                var inline = !string.Equals(Input("targetType"), "filePath", StringComparison.OrdinalIgnoreCase);
                var wd = Input("workingDirectory") ?? workingDirectory;
                switch (TaskName(task))
                {
                    case "bash" when inline && Input("targetType") != null && InputNode("script") != null:
                        return Script(item, InputNode("script"), s, name, CiShell.Posix, env, condition, wd, task);
                    case "powershell" when inline && Input("targetType") != null && InputNode("script") != null:
                        return Script(item, InputNode("script"), s, name, CiShell.PowerShell, env, condition, wd, task);
                    case "cmdline" when InputNode("script") != null:
                        return Script(item, InputNode("script"), s, name, inherit.Windows ? CiShell.Cmd : CiShell.Posix, env, condition, wd, task);
                    case "nodetool":
                        if (Input("versionSpec") is string spec && !job.Facts.ContainsKey("node-version")) job.Facts["node-version"] = spec;
                        break;
                    case "usenode":
                        if (Input("version") is string version && !job.Facts.ContainsKey("node-version")) job.Facts["node-version"] = version;
                        break;
                    case "yarn":
                        // the Marketplace Yarn task (Yarn@2, Yarn@3) runs `yarn <Arguments>` in ProjectDirectory: read as that
                        // command line, so `publish`, `npm publish` and package.json scripts are followed as in a script step
                        return CommandLine(item, "yarn", InputNode("Arguments"), s, name, env, condition, Input("ProjectDirectory") ?? wd);
                }
                return new CiStep(CiStepKind.Action, name, item.Source) { ActionRef = task, Inputs = inputs, Env = env, Condition = condition, WorkingDirectory = workingDirectory };
            }

            // shortcuts that are tasks under another name; 'publish' here is a pipeline artifact, not npm
            if (item.ContainsKey("publish"))
                return new CiStep(CiStepKind.Action, name, item.Source) { ActionRef = "PublishPipelineArtifact@1", Inputs = new Dictionary<string, string> { ["targetPath"] = Text(item, "publish", s) ?? "" }, Condition = condition };
            if (item.ContainsKey("checkout"))
                return new CiStep(CiStepKind.Action, name, item.Source) { ActionRef = "checkout", Inputs = new Dictionary<string, string> { ["repository"] = Text(item, "checkout", s) ?? "" }, Condition = condition };
            return null;
        }

        private static CiStep Script(CiYamlMapping item, CiYamlNode? scriptNode, Scope scope, string? name, CiShell shell,
            IReadOnlyList<CiVariable> env, string? condition, string? workingDirectory, string? task = null)
        {
            var (node, s) = Resolve(scriptNode, scope);
            var text = Text(node, s) ?? "";
            var scalar = node as CiYamlScalar;
            // the script's lines are counted in the file it was written in (a template parameter can bring it from the caller)
            var source = scalar != null && scalar.File != item.File ? scalar.Source : item.Source;
            return new CiStep(CiStepKind.Script, name, source)
            {
                Script = text,
                ScriptLine = scalar?.ContentLine ?? 0,
                Shell = shell,
                Env = env,
                Condition = condition,
                WorkingDirectory = workingDirectory,
            };
        }

        /// <summary>A task that runs one program with its arguments and no shell (the Yarn task), as the script step
        /// <c>program arguments</c>; the arguments' line is the script's line.</summary>
        private static CiStep CommandLine(CiYamlMapping item, string program, CiYamlNode? argumentsNode, Scope scope, string? name,
            IReadOnlyList<CiVariable> env, string? condition, string? workingDirectory)
        {
            var (node, s) = Resolve(argumentsNode, scope);
            var arguments = (node == null ? null : Text(node, s))?.Trim() ?? "";
            var scalar = node as CiYamlScalar;
            var source = scalar != null && scalar.File != item.File ? scalar.Source : item.Source;
            return new CiStep(CiStepKind.Script, name, source)
            {
                Script = arguments.Length == 0 ? program : program + " " + arguments,
                ScriptLine = scalar?.ContentLine ?? 0,
                Shell = CiShell.Posix,
                Env = env,
                Condition = condition,
                WorkingDirectory = workingDirectory,
            };
        }

        private static IReadOnlyDictionary<string, string> Inputs(CiYamlNode? node, Scope scope)
        {
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            var (resolved, s) = Resolve(node, scope);
            if (resolved is CiYamlMapping map)
                foreach (var e in Flatten(map).Entries)
                    if (!e.Key.StartsWith("${{", StringComparison.Ordinal) && Text(e.Value, s) is string v) inputs[e.Key] = v;
            return inputs;
        }

        /// <summary>A task reference's name without version or publisher, lower case (<c>Npm@1</c> → <c>npm</c>).</summary>
        internal static string TaskName(string task)
        {
            var at = task.IndexOf('@');
            var name = at < 0 ? task : task.Substring(0, at);
            var dot = name.LastIndexOf('.');
            if (dot >= 0) name = name.Substring(dot + 1);
            return name.Trim().ToLowerInvariant();
        }

    }

    /// <summary>Azure's <c>$(name)</c> macros and <c>$[ variables.name ]</c> runtime expressions: which secret a value
    /// names. A name the YAML defines with a plain value is not a secret; predefined variables are not, except the
    /// job's own <c>System.AccessToken</c>; any other name is set on the pipeline or in a variable group, where secrets live.</summary>
    internal static class AzureMacro
    {
        public const string JobTokenName = "System.AccessToken";

        private static readonly string[] PredefinedPrefixes =
        {
            "Agent.", "Build.", "Pipeline.", "Release.", "System.", "Environment.", "Resources.", "Strategy.", "Checks.", "Common.", "TF_BUILD",
        };

        public static IReadOnlyList<string> Names(string? value)
        {
            var names = new List<string>();
            if (string.IsNullOrEmpty(value)) return names;
            var text = value!;
            for (var i = 0; i + 2 < text.Length; i++)
            {
                if (text[i] != '$') continue;
                if (text[i + 1] == '(')
                {
                    var close = text.IndexOf(')', i + 2);
                    if (close < 0) break;
                    var name = text.Substring(i + 2, close - i - 2).Trim();
                    if (IsName(name)) names.Add(name);
                    i = close;
                }
                else if (text[i + 1] == '[')
                {
                    var close = text.IndexOf(']', i + 2);
                    var body = close < 0 ? text.Substring(i + 2) : text.Substring(i + 2, close - i - 2);
                    var at = body.IndexOf("variables", StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        var rest = body.Substring(at + 9).TrimStart();
                        string? name = null;
                        if (rest.StartsWith(".", StringComparison.Ordinal))
                        {
                            var j = 1;
                            while (j < rest.Length && (char.IsLetterOrDigit(rest[j]) || rest[j] == '_' || rest[j] == '.' || rest[j] == '-')) j++;
                            name = rest.Substring(1, j - 1);
                        }
                        else if (rest.StartsWith("['", StringComparison.Ordinal))
                        {
                            var end = rest.IndexOf('\'', 2);
                            if (end > 2) name = rest.Substring(2, end - 2);
                        }
                        if (name != null && IsName(name)) names.Add(name);
                    }
                    if (close < 0) break;
                    i = close;
                }
            }
            return names;
        }

        private static bool IsName(string name)
        {
            if (name.Length == 0) return false;
            foreach (var c in name) if (!(char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '-')) return false;
            return true;
        }

        private static readonly string[] CredentialWords = { "TOKEN", "AUTH", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "APIKEY", "API_KEY", "_PAT", "PAT_" };

        /// <summary>Whether a variable's name says it holds a credential (NPM_TOKEN, npmAuth, REGISTRY_PASSWORD, GH_PAT).</summary>
        public static bool IsCredentialName(string name)
        {
            foreach (var word in CredentialWords)
                if (name.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0) return true;
            return false;
        }

        public static string? SecretOf(string? value, IReadOnlyDictionary<string, CiVariable> known)
        {
            foreach (var name in Names(value))
            {
                if (known.TryGetValue(name, out var variable))
                {
                    if (variable.SecretName != null) return variable.SecretName;
                    continue;
                }
                if (string.Equals(name, JobTokenName, StringComparison.OrdinalIgnoreCase)) return JobTokenName;
                var predefined = false;
                foreach (var prefix in PredefinedPrefixes)
                    if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) { predefined = true; break; }
                if (!predefined) return name;
            }
            return null;
        }
    }
}
