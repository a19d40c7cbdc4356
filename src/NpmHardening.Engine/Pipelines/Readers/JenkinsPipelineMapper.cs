using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Pipelines.Groovy;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Walks a parsed Jenkinsfile in execution order and builds its <see cref="CiDefinition"/>. One walker serves both
    /// styles: a declarative <c>pipeline { … }</c> is read by its directives, and everything that runs steps
    /// (<c>steps { }</c>, <c>script { }</c>, a scripted <c>node { }</c>) by the same statement walker.
    /// </summary>
    /// <remarks>
    /// Gates follow execution order: an <c>input</c> that is not inside a condition, a loop or a <c>try</c> with a
    /// <c>catch</c> stops the run when refused, so it gates every step after it — later steps of its stage, and later
    /// stages (unless its own stage has a <c>when</c>, which could skip it). Post conditions that run after an abort
    /// (<c>always</c>, <c>aborted</c>, <c>failure</c>, …) are not gated. A job's gate is the one in force at its last
    /// step; each step also keeps the gate in force when it runs (<see cref="CiStep.Gate"/>), so in one stage
    /// <c>input …; sh 'npm publish'</c> is gated and <c>sh 'npm publish'; input …</c> is not.
    /// </remarks>
    internal sealed class JenkinsPipelineMapper
    {
        // A helper method may call others; following calls is bounded in depth and in total so that a file of methods
        // calling each other many times stays linear.
        private const int MaxMethodDepth = 8;
        private const int MaxMethodExpansions = 2000;

        private static readonly HashSet<string> ScriptSteps = new HashSet<string>(StringComparer.Ordinal) { "sh", "bat", "powershell", "pwsh" };

        // Wrappers whose failure handling lets the run go on after a refused input inside them.
        private static readonly HashSet<string> CatchingWrappers = new HashSet<string>(StringComparer.Ordinal) { "catchError", "warnError" };

        // Post conditions that only run when the build did not abort (a refused input aborts it).
        private static readonly HashSet<string> PostAfterSuccess = new HashSet<string>(StringComparer.Ordinal) { "success", "unstable", "fixed" };

        private readonly string _file;
        private readonly string _text;
        private readonly Dictionary<string, GroovyBlock> _methods = new Dictionary<string, GroovyBlock>(StringComparer.Ordinal);
        private readonly Dictionary<string, GroovyStringLiteral> _literals = new Dictionary<string, GroovyStringLiteral>(StringComparer.Ordinal);
        private readonly HashSet<string> _walkingMethods = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<JobBuilder> _jobs = new List<JobBuilder>();
        private readonly HashSet<string> _jobIds = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<CiTrigger> _declaredTriggers = new List<CiTrigger>();
        private readonly List<CiVariable> _definitionEnv = new List<CiVariable>();
        private int _methodExpansions;
        private bool _sawPipeline;
        private int _firstPipelineLine;
        private int _tagLine;
        private int _parametersLine;

        public JenkinsPipelineMapper(string file, string text)
        {
            _file = file; _text = text;
        }

        /// <summary>The definition, or null when <paramref name="requirePipeline"/> and the file holds no pipeline.</summary>
        public CiDefinition? Map(GroovyBlock tree, bool requirePipeline)
        {
            foreach (var statement in tree.Statements)
            {
                if (statement is GroovyMethod method && !_methods.ContainsKey(method.Name)) _methods[method.Name] = method.Body;
                if (statement is GroovyAssignment assignment && assignment.Value is GroovyBlock closure && !_methods.ContainsKey(assignment.Target))
                    _methods[assignment.Target] = closure;
            }
            var root = new Scope();
            WalkStatements(tree.Statements, root);
            if (requirePipeline && !_sawPipeline) return null;

            var triggers = DefinitionTriggers();
            var jobs = new List<CiJob>();
            foreach (var job in _jobs)
            {
                var built = job.Build(triggers);
                if (built != null) jobs.Add(built);
            }
            return new CiDefinition(CiPlatform.Jenkins, _file)
            {
                Triggers = triggers,
                Env = _definitionEnv.ToArray(),
                Jobs = jobs,
                // a variable the Jenkinsfile does not bind comes from the controller or the agent (global properties,
                // node properties, the agent's own npm login): the file cannot show it, as on CircleCI and Bitbucket
                ImplicitSecretVariables = true,
            };
        }

        // What can start a Jenkinsfile. A Jenkinsfile runs in a multibranch project or an organisation folder: branch
        // indexing builds every branch with the file (a push), and the branch source builds pull requests it discovers.
        // Whether pull requests from forks are discovered, and whether such a build uses the fork's Jenkinsfile or the
        // target branch's, are branch-source settings on the server ("Discover pull requests from forks", "Trust");
        // the file cannot show them. So the reader reports PullRequest — reachable by pull requests, as the file alone
        // proves — and not ForkPullRequest, which only the server configuration could prove. Tag builds are listed
        // only when the file tests for tags, because Jenkins discovers but does not build tags unless configured to.
        private IReadOnlyList<CiTrigger> DefinitionTriggers()
        {
            var at = new CiSource(_file, _firstPipelineLine > 0 ? _firstPipelineLine : 1);
            var triggers = new List<CiTrigger>
            {
                new CiTrigger(CiTriggerKind.Push, "multibranch branch builds", at),
                new CiTrigger(CiTriggerKind.PullRequest, "multibranch pull requests (fork discovery and trust are server settings)", at),
            };
            if (_tagLine > 0) triggers.Add(new CiTrigger(CiTriggerKind.Tag, "tag builds (tag discovery is a server setting)", new CiSource(_file, _tagLine)));
            if (_parametersLine > 0) triggers.Add(new CiTrigger(CiTriggerKind.Manual, "build with parameters", new CiSource(_file, _parametersLine)));
            triggers.AddRange(_declaredTriggers);
            return triggers;
        }

        // ------------------------------------------------------------------ scopes and jobs

        /// <summary>What is in force where a statement runs. Immutable: each wrapper makes a changed copy.</summary>
        private sealed class Scope
        {
            public JobBuilder? Job;
            public string? StagePath;
            public IReadOnlyList<CiVariable> StageEnv = new CiVariable[0];
            public IReadOnlyList<CiVariable> StepEnv = new CiVariable[0];
            public string? WorkingDirectory;
            public JenkinsTriggerSet Triggers = JenkinsTriggerSet.Any;
            /// <summary>Conditions around the current stage (its <c>when</c>, enclosing <c>if</c>s).</summary>
            public IReadOnlyList<string> JobConditions = new string[0];
            /// <summary>Conditions inside the current stage, around the step.</summary>
            public IReadOnlyList<string> StepConditions = new string[0];
            /// <summary>Narrowing by the <c>if</c>s inside the current stage.</summary>
            public JenkinsTriggerSet StepTriggers = JenkinsTriggerSet.Any;
            public CiGate Gate = CiGate.None;
            public int MethodDepth;

            public Scope Copy() => (Scope)MemberwiseClone();
        }

        private sealed class JobBuilder
        {
            private readonly List<CiStep> _steps = new List<CiStep>();
            private readonly List<CiGate> _gates = new List<CiGate>();
            private readonly List<JenkinsTriggerSet> _stepTriggers = new List<JenkinsTriggerSet>();

            public JobBuilder(string id, CiSource source, Scope scope, bool dropWhenEmpty)
            {
                Id = id; Source = source; DropWhenEmpty = dropWhenEmpty;
                Env = scope.StageEnv;
                Triggers = scope.Triggers;
                Conditions = scope.JobConditions.Concat(scope.StepConditions).ToList();
                Gate = scope.Gate;
            }

            public string Id { get; }
            public CiSource Source { get; }
            public bool DropWhenEmpty { get; }
            public IReadOnlyList<CiVariable> Env { get; }
            public JenkinsTriggerSet Triggers { get; set; }
            public List<string> Conditions { get; }
            public CiGate Gate { get; set; }

            public void Add(CiStep step, Scope scope)
            {
                _steps.Add(step);
                _gates.Add(scope.Gate);
                _stepTriggers.Add(scope.StepTriggers);
            }

            public CiJob? Build(IReadOnlyList<CiTrigger> definitionTriggers)
            {
                if (_steps.Count == 0 && DropWhenEmpty) return null;
                var triggers = Triggers;
                if (_stepTriggers.Count > 0)
                {
                    // The job does something only on runs that reach one of its steps.
                    var reach = _stepTriggers[0];
                    for (int i = 1; i < _stepTriggers.Count; i++) reach = reach.Union(_stepTriggers[i]);
                    triggers = triggers.Intersect(reach);
                }
                // each step keeps the gate in force when it runs: an input after `npm publish` does not gate it
                for (int i = 0; i < _steps.Count; i++) _steps[i].Gate = _gates[i];
                return new CiJob(Id, Source)
                {
                    Name = Id.Substring(Id.LastIndexOf('/') + 1),
                    Triggers = triggers.Resolve(definitionTriggers),
                    Gate = _gates.Count > 0 ? _gates[_gates.Count - 1] : Gate,
                    Env = Env,
                    Steps = _steps.ToArray(),
                    Condition = Conditions.Count == 0 ? null : string.Join(" && ", Conditions),
                };
            }
        }

        private JobBuilder NewJob(string path, int line, Scope scope, bool dropWhenEmpty = false)
        {
            var id = path;
            for (int n = 2; !_jobIds.Add(id); n++) id = path + " (" + n + ")";
            var job = new JobBuilder(id, Source(line), scope, dropWhenEmpty);
            _jobs.Add(job);
            return job;
        }

        // Steps outside any stage (a scripted pipeline need not have stages) go to one job named for that.
        private JobBuilder JobFor(Scope scope, int line)
        {
            if (scope.Job != null) return scope.Job;
            const string id = "(no stage)";
            var existing = _jobs.FirstOrDefault(j => j.Id == id);
            if (existing != null) return existing;
            var root = new Scope();
            var job = NewJob(id, line, root);
            return job;
        }

        private Scope EnterStage(Scope scope, string path, JobBuilder? job)
        {
            var inner = scope.Copy();
            inner.StagePath = path;
            inner.Job = job;
            inner.JobConditions = scope.JobConditions.Concat(scope.StepConditions).ToList();
            inner.Triggers = scope.Triggers.Intersect(scope.StepTriggers);
            inner.StepConditions = new string[0];
            inner.StepTriggers = JenkinsTriggerSet.Any;
            return inner;
        }

        private string StagePath(Scope scope, string name) => scope.StagePath == null ? name : scope.StagePath + "/" + name;

        // ------------------------------------------------------------------ statements (scripted code and steps { })

        /// <summary>Walks statements in order; returns the gate the last unconditional <c>input</c> among them set, or null.</summary>
        private CiGate? WalkStatements(IReadOnlyList<GroovyNode> statements, Scope scope)
        {
            CiGate? established = null;
            foreach (var statement in statements)
            {
                // The old scripted form `stage 'Build'` (no closure) starts a stage that lasts to the next one.
                if (statement is GroovyCall call && call.Name == "stage" && call.Receiver == null && call.Closure == null && StageName(call) is string oldName)
                {
                    _sawPipeline = true;
                    NotePipelineLine(call.Line);
                    var path = StagePath(scope, oldName);
                    var stageScope = EnterStage(scope, scope.StagePath ?? "", null);
                    stageScope.StagePath = scope.StagePath;
                    stageScope.Job = NewJob(path, call.Line, stageScope);
                    scope = stageScope;
                    continue;
                }
                var gate = Walk(statement, scope);
                if (gate != null)
                {
                    established = gate;
                    scope = scope.Copy();
                    scope.Gate = gate;
                }
            }
            return established;
        }

        private CiGate? Walk(GroovyNode node, Scope scope)
        {
            switch (node)
            {
                case GroovyCall call:
                    return WalkCall(call, scope);
                case GroovyIf branch:
                    WalkIf(branch, scope);
                    return null;
                case GroovyControl control:
                    return WalkControl(control, scope);
                case GroovyMethod _:
                    return null;
                case GroovyAssignment assignment:
                    if (assignment.Value is GroovyStringLiteral literal) _literals[assignment.Target] = literal;
                    if (assignment.Value is GroovyBlock) return null; // a closure kept for later; walked where it is called
                    return Walk(assignment.Value, scope);
                case GroovyBlock block:
                    return WalkStatements(block.Statements, scope);
                default:
                    return WalkExpression(node, scope);
            }
        }

        // Calls inside an expression: `def v = sh(script: '…', returnStdout: true).trim()`, `x ? a() : b()`.
        private CiGate? WalkExpression(GroovyNode node, Scope scope)
        {
            switch (node)
            {
                case GroovyCall call: return WalkCall(call, scope);
                case GroovyAssignment assignment: return Walk(assignment, scope);
                case GroovyBlock _: return null; // a closure value does not run where it is written
                case GroovyOther other:
                {
                    CiGate? gate = null;
                    foreach (var child in other.Children) gate = WalkExpression(child, scope) ?? gate;
                    return gate;
                }
                case GroovyConcatenation concatenation:
                {
                    CiGate? gate = null;
                    foreach (var part in concatenation.Parts) gate = WalkExpression(part, scope) ?? gate;
                    return gate;
                }
                case GroovyList list:
                {
                    CiGate? gate = null;
                    foreach (var item in list.Items) gate = WalkExpression(item, scope) ?? gate;
                    return gate;
                }
                case GroovyMap map:
                {
                    CiGate? gate = null;
                    foreach (var entry in map.Entries) gate = WalkExpression(entry.Value, scope) ?? gate;
                    return gate;
                }
                default:
                    return null;
            }
        }

        private void WalkIf(GroovyIf branch, Scope scope)
        {
            WalkExpression(branch.Condition, scope);
            var condition = SourceText(branch.Condition);
            var narrowing = JenkinsConditions.FromGroovy(condition, _file, branch.Line, NoteTags);
            WalkStatements(branch.Then.Statements, WithCondition(scope, condition, narrowing));
            if (branch.Else != null)
            {
                var elseScope = WithCondition(scope, "!" + condition, narrowing.Negate());
                if (branch.Else is GroovyIf nested) WalkIf(nested, elseScope);
                else if (branch.Else is GroovyBlock block) WalkStatements(block.Statements, elseScope);
            }
        }

        private static Scope WithCondition(Scope scope, string condition, JenkinsTriggerSet narrowing)
        {
            var inner = scope.Copy();
            inner.StepConditions = scope.StepConditions.Concat(new[] { condition }).ToList();
            inner.StepTriggers = scope.StepTriggers.Intersect(narrowing);
            return inner;
        }

        private CiGate? WalkControl(GroovyControl control, Scope scope)
        {
            foreach (var head in control.Heads) WalkExpression(head, scope);
            CiGate? escaping = null;
            foreach (var body in control.Bodies)
            {
                var gate = WalkStatements(body.Statements, scope);
                // Only a try without catch lets a refused input stop the run; loops and switches may skip it.
                if (control.Keyword == "try" && !control.HasCatch && gate != null) escaping = gate;
            }
            return escaping;
        }

        private CiGate? WalkCall(GroovyCall call, Scope scope)
        {
            bool plain = call.Receiver == null || (call.Receiver is GroovyName owner && (owner.Path == "steps" || owner.Path == "this" || owner.Path == "script"));
            if (!plain)
            {
                // docker.image('node:22').inside { … }, sh(…).trim(): what the receiver runs, then the closure.
                var before = WalkExpression(call.Receiver!, scope);
                foreach (var argument in call.Arguments) WalkExpression(argument.Value, scope);
                var inside = call.Closure != null ? WalkWrapped(call.Closure, scope) : null;
                return inside ?? before;
            }

            switch (call.Name)
            {
                case "pipeline" when call.Closure != null:
                    _sawPipeline = true;
                    NotePipelineLine(call.Line);
                    WalkDeclarative(call.Closure, scope);
                    return null;
                case "sh":
                case "bat":
                case "powershell":
                case "pwsh":
                    AddScriptStep(call, scope);
                    return null;
                case "input":
                    return InputGate(call);
                case "stage":
                    if (call.Closure == null) return null;
                    return WalkScriptedStage(call, scope);
                case "node":
                    _sawPipeline = true;
                    NotePipelineLine(call.Line);
                    break;
                case "parallel":
                    return WalkParallel(call, scope);
                case "withCredentials":
                    return WalkWrapped(call.Closure, WithStepEnv(scope, CredentialBindings(call)));
                case "withEnv":
                    return WalkWrapped(call.Closure, WithStepEnv(scope, EnvironmentList(call.Positional(0))));
                case "dir":
                {
                    var inner = scope.Copy();
                    var folder = LiteralText(call.Positional(0) ?? call.Named("path"));
                    if (folder != null) inner.WorkingDirectory = scope.WorkingDirectory == null || folder.StartsWith("/", StringComparison.Ordinal) ? folder : scope.WorkingDirectory + "/" + folder;
                    return WalkWrapped(call.Closure, inner);
                }
                case "configFileProvider":
                    return WalkWrapped(call.Closure, WithStepEnv(scope, ConfigFiles(call, scope)));
                case "withNPM":
                {
                    var fileId = LiteralText(call.Named("npmrcConfig") ?? call.Positional(0));
                    AddConfigFileStep(call, scope, fileId, ".npmrc", null, "withNPM");
                    return WalkWrapped(call.Closure, scope);
                }
                case "nodejs":
                {
                    var configId = LiteralText(call.Named("configId"));
                    if (configId != null) AddConfigFileStep(call, scope, configId, null, null, "nodejs");
                    return WalkWrapped(call.Closure, scope);
                }
                case "writeFile":
                    AddWriteFileStep(call, scope);
                    return null;
                case "properties":
                    foreach (var argument in call.Arguments) CollectJobProperties(argument.Value);
                    return null;
                case "catchError":
                case "warnError":
                    WalkWrapped(call.Closure, scope);
                    return null;
            }

            if (call.Receiver == null && _methods.TryGetValue(call.Name, out var body))
            {
                CiGate? gate = null;
                foreach (var argument in call.Arguments) gate = WalkExpression(argument.Value, scope) ?? gate;
                gate = WalkMethod(call.Name, body, scope) ?? gate;
                // A helper that takes a closure (`withNpmConfig { … }`) runs it somewhere inside; its steps still count.
                if (call.Closure != null) gate = WalkWrapped(call.Closure, scope) ?? gate;
                return gate;
            }

            // Anything else: arguments may hold calls, and a closure is code the step runs (timeout, retry, node,
            // script, container, lock, timestamps, sshagent, docker.inside …).
            CiGate? result = null;
            foreach (var argument in call.Arguments) result = WalkExpression(argument.Value, scope) ?? result;
            if (call.Closure != null) result = WalkWrapped(call.Closure, scope) ?? result;
            return result;
        }

        private CiGate? WalkWrapped(GroovyBlock? closure, Scope scope) => closure == null ? null : WalkStatements(closure.Statements, scope);

        private CiGate? WalkMethod(string name, GroovyBlock body, Scope scope)
        {
            if (_walkingMethods.Contains(name) || scope.MethodDepth >= MaxMethodDepth || _methodExpansions >= MaxMethodExpansions) return null;
            _methodExpansions++;
            _walkingMethods.Add(name);
            try
            {
                var inner = scope.Copy();
                inner.MethodDepth = scope.MethodDepth + 1;
                return WalkStatements(body.Statements, inner);
            }
            finally { _walkingMethods.Remove(name); }
        }

        private CiGate? WalkScriptedStage(GroovyCall call, Scope scope)
        {
            _sawPipeline = true;
            NotePipelineLine(call.Line);
            var name = StageName(call) ?? "stage";
            var path = StagePath(scope, name);
            var inner = EnterStage(scope, path, null);
            inner.Job = NewJob(path, call.Line, inner);
            return WalkStatements(call.Closure!.Statements, inner);
        }

        // parallel a: { … }, b: { … }  or  parallel([a: { … }]): each branch runs beside the others, so an input in
        // one gates none of its siblings; it stops what comes after the parallel step.
        private CiGate? WalkParallel(GroovyCall call, Scope scope)
        {
            CiGate? after = null;
            foreach (var argument in call.Arguments)
            {
                if (argument.Value is GroovyBlock branch) after = WalkStatements(branch.Statements, scope) ?? after;
                else if (argument.Value is GroovyMap map)
                    foreach (var entry in map.Entries)
                        if (entry.Value is GroovyBlock mapped) after = WalkStatements(mapped.Statements, scope) ?? after;
                else WalkExpression(argument.Value, scope);
            }
            if (call.Closure != null) after = WalkStatements(call.Closure.Statements, scope) ?? after;
            return after;
        }

        // ------------------------------------------------------------------ declarative

        private void WalkDeclarative(GroovyBlock pipeline, Scope scope)
        {
            CiGate? afterStages = null;
            var inner = scope.Copy();
            // environment, triggers and parameters apply to the whole run whatever their place among the directives.
            foreach (var directive in Directives(pipeline))
            {
                switch (directive.Name)
                {
                    case "environment":
                        _definitionEnv.AddRange(EnvironmentDirective(directive.Closure));
                        break;
                    case "triggers":
                        CollectTriggers(directive.Closure);
                        break;
                    case "parameters":
                        if (_parametersLine == 0) _parametersLine = directive.Line;
                        break;
                }
            }
            foreach (var directive in Directives(pipeline))
            {
                if (directive.Name == "stages" && directive.Closure != null)
                {
                    var gate = WalkStages(directive.Closure, inner);
                    if (gate != null) { afterStages = gate; inner = inner.Copy(); inner.Gate = gate; }
                }
                else if (directive.Name == "post" && directive.Closure != null)
                {
                    WalkPost(directive.Closure, inner, "post");
                }
            }
        }

        private IEnumerable<GroovyCall> Directives(GroovyBlock block)
        {
            foreach (var statement in block.Statements)
                if (statement is GroovyCall call && call.Receiver == null) yield return call;
        }

        private CiGate? WalkStages(GroovyBlock stages, Scope scope)
        {
            CiGate? established = null;
            foreach (var stage in Directives(stages))
            {
                if (stage.Name != "stage") continue;
                var gate = WalkDeclarativeStage(stage, scope);
                if (gate != null) { established = gate; scope = scope.Copy(); scope.Gate = gate; }
            }
            return established;
        }

        private CiGate? WalkDeclarativeStage(GroovyCall stage, Scope scope)
        {
            var name = StageName(stage) ?? "stage";
            var path = StagePath(scope, name);
            var inner = EnterStage(scope, path, null);
            if (stage.Closure == null) return null;
            var directives = Directives(stage.Closure).ToList();

            bool conditional = false;
            var when = directives.FirstOrDefault(d => d.Name == "when");
            if (when?.Closure != null)
            {
                conditional = true;
                inner.Triggers = inner.Triggers.Intersect(JenkinsConditions.FromWhen(when.Closure, _file, NoteTags, SourceText));
                inner.JobConditions = inner.JobConditions.Concat(new[] { Squash(SourceText(when.Closure, inner: true)) }).ToList();
            }
            var environment = directives.FirstOrDefault(d => d.Name == "environment");
            if (environment != null) inner.StageEnv = inner.StageEnv.Concat(EnvironmentDirective(environment.Closure)).ToList();
            CiGate? stageGate = null;
            var input = directives.FirstOrDefault(d => d.Name == "input");
            if (input != null)
            {
                stageGate = InputDirective(input);
                inner.Gate = stageGate;
            }

            CiGate? fromBody = null;
            foreach (var directive in directives)
            {
                switch (directive.Name)
                {
                    case "steps":
                        inner.Job = NewJob(path, stage.Line, inner);
                        fromBody = WalkWrapped(directive.Closure, inner) ?? fromBody;
                        break;
                    case "stages":
                        if (directive.Closure != null) fromBody = WalkStages(directive.Closure, inner) ?? fromBody;
                        break;
                    case "parallel":
                        if (directive.Closure != null)
                            foreach (var branch in Directives(directive.Closure))
                                if (branch.Name == "stage") fromBody = WalkDeclarativeStage(branch, inner) ?? fromBody;
                        break;
                    case "matrix":
                        if (directive.Closure != null)
                            foreach (var part in Directives(directive.Closure))
                                if (part.Name == "stages" && part.Closure != null) fromBody = WalkStages(part.Closure, inner) ?? fromBody;
                        break;
                }
            }
            var post = directives.FirstOrDefault(d => d.Name == "post");
            if (post?.Closure != null)
            {
                var postScope = inner.Copy();
                if (fromBody != null) postScope.Gate = fromBody;
                WalkPost(post.Closure, postScope, path + "/post");
            }
            if (conditional) return null;
            return fromBody ?? stageGate;
        }

        private void WalkPost(GroovyBlock post, Scope scope, string prefix)
        {
            foreach (var condition in Directives(post))
            {
                if (condition.Closure == null) continue;
                var inner = EnterStage(scope, prefix + "/" + condition.Name, null);
                inner.StagePath = scope.StagePath;
                if (!PostAfterSuccess.Contains(condition.Name)) inner.Gate = CiGate.None;
                inner.Job = NewJob(prefix + "/" + condition.Name, condition.Line, inner, dropWhenEmpty: true);
                WalkStatements(condition.Closure.Statements, inner);
            }
        }

        private void CollectTriggers(GroovyBlock? triggers)
        {
            if (triggers == null) return;
            foreach (var statement in triggers.Statements)
                if (statement is GroovyCall call) AddDeclaredTrigger(call);
        }

        // Scripted jobs declare triggers as properties([pipelineTriggers([cron('…')]), parameters([…])]).
        private void CollectJobProperties(GroovyNode node)
        {
            switch (node)
            {
                case GroovyCall call when call.Name == "pipelineTriggers":
                    foreach (var argument in call.Arguments)
                    {
                        if (argument.Value is GroovyList list)
                            foreach (var item in list.Items) { if (item is GroovyCall trigger) AddDeclaredTrigger(trigger); }
                        else if (argument.Value is GroovyCall single) AddDeclaredTrigger(single);
                    }
                    break;
                case GroovyCall call when call.Name == "parameters":
                    if (_parametersLine == 0) _parametersLine = call.Line;
                    break;
                case GroovyCall call:
                    foreach (var argument in call.Arguments) CollectJobProperties(argument.Value);
                    break;
                case GroovyList list:
                    foreach (var item in list.Items) CollectJobProperties(item);
                    break;
            }
        }

        private void AddDeclaredTrigger(GroovyCall call)
        {
            var source = Source(call.Line);
            var spec = LiteralText(call.Positional(0) ?? call.Named("spec") ?? call.Named("cronTab"));
            switch (call.Name)
            {
                case "cron":
                case "parameterizedCron":
                    _declaredTriggers.Add(new CiTrigger(CiTriggerKind.Schedule, spec, source));
                    break;
                case "pollSCM":
                    _declaredTriggers.Add(new CiTrigger(CiTriggerKind.Push, "pollSCM " + spec, source));
                    break;
                case "githubPush":
                case "gitlab":
                case "bitbucketPush":
                    _declaredTriggers.Add(new CiTrigger(CiTriggerKind.Push, call.Name, source));
                    break;
                case "issueCommentTrigger":
                    _declaredTriggers.Add(new CiTrigger(CiTriggerKind.PullRequest, "issueCommentTrigger (a pull-request comment)", source));
                    break;
                case "upstream":
                    _declaredTriggers.Add(new CiTrigger(CiTriggerKind.Other, "upstream " + LiteralText(call.Named("upstreamProjects") ?? call.Positional(0)), source));
                    break;
                default:
                    _declaredTriggers.Add(new CiTrigger(CiTriggerKind.Other, call.Name, source));
                    break;
            }
        }

        // ------------------------------------------------------------------ steps

        private void AddScriptStep(GroovyCall call, Scope scope)
        {
            var value = call.Named("script") ?? call.Positional(0);
            if (value == null) return;
            var (script, line) = ScriptText(value);
            var step = new CiStep(CiStepKind.Script, LiteralText(call.Named("label")), Source(call.Line))
            {
                Script = script,
                Shell = call.Name == "sh" ? CiShell.Posix : call.Name == "bat" ? CiShell.Cmd : CiShell.PowerShell,
                ScriptLine = line,
            };
            AddStep(step, call.Line, scope);
        }

        private void AddStep(CiStep step, int line, Scope scope)
        {
            step.Env = scope.StepEnv;
            step.WorkingDirectory = scope.WorkingDirectory;
            step.Condition = scope.StepConditions.Count == 0 ? null : string.Join(" && ", scope.StepConditions);
            JobFor(scope, line).Add(step, scope);
        }

        private CiGate InputGate(GroovyCall call)
        {
            var message = LiteralText(call.Named("message") ?? call.Positional(0));
            var id = LiteralText(call.Named("id"));
            return new CiGate(CiGateKind.Manual, message ?? id, Source(call.Line));
        }

        // input { message '…'; id '…'; ok '…'; submitter '…' } in a declarative stage.
        private CiGate InputDirective(GroovyCall input)
        {
            if (input.Closure == null) return InputGate(input);
            string? message = null, id = null;
            foreach (var setting in Directives(input.Closure))
            {
                if (setting.Name == "message") message = LiteralText(setting.Positional(0));
                else if (setting.Name == "id") id = LiteralText(setting.Positional(0));
            }
            return new CiGate(CiGateKind.Manual, message ?? id, Source(input.Line));
        }

        // The step's effect is a file holding npm credentials: the reader notes it as an action the publish-path finder
        // can recognise, whatever plugin wrote it (configFileProvider, withNPM, the NodeJS plugin's configId).
        private IReadOnlyList<CiVariable> ConfigFiles(GroovyCall call, Scope scope)
        {
            var variables = new List<CiVariable>();
            foreach (var file in ItemsOf(call.Positional(0)))
            {
                GroovyNode? fileId, target, variable;
                int line;
                if (file is GroovyCall configFile) { fileId = configFile.Named("fileId"); target = configFile.Named("targetLocation"); variable = configFile.Named("variable"); line = configFile.Line; }
                else if (file is GroovyMap map) { fileId = map.Get("fileId"); target = map.Get("targetLocation"); variable = map.Get("variable"); line = map.Line; }
                else continue;
                var variableName = LiteralText(variable);
                AddConfigFileStep(call, scope, LiteralText(fileId), LiteralText(target), variableName, "configFileProvider", line);
                if (variableName != null) variables.Add(new CiVariable(variableName, null, null, Source(line)));
            }
            return variables;
        }

        private void AddConfigFileStep(GroovyCall call, Scope scope, string? fileId, string? target, string? variable, string via, int line = 0)
        {
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal) { ["via"] = via };
            if (fileId != null) inputs["fileId"] = fileId;
            if (target != null) inputs["targetLocation"] = target;
            if (variable != null) inputs["variable"] = variable;
            bool npmrc = via != "configFileProvider"
                || (target != null && target.Replace('\\', '/').Split('/').Last().Equals(".npmrc", StringComparison.OrdinalIgnoreCase))
                || (variable != null && (variable.IndexOf("NPMRC", StringComparison.OrdinalIgnoreCase) >= 0 || variable.Equals("NPM_CONFIG_USERCONFIG", StringComparison.OrdinalIgnoreCase)))
                || (fileId != null && fileId.IndexOf("npmrc", StringComparison.OrdinalIgnoreCase) >= 0);
            if (npmrc) inputs["npmrc"] = "true";
            var step = new CiStep(CiStepKind.Action, via, Source(line > 0 ? line : call.Line))
            {
                ActionRef = "configFileProvider",
                Inputs = inputs,
            };
            AddStep(step, call.Line, scope);
        }

        // writeFile file: '.npmrc', text: "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" writes without a shell.
        private void AddWriteFileStep(GroovyCall call, Scope scope)
        {
            var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
            var file = call.Named("file") ?? call.Positional(0);
            var text = call.Named("text") ?? call.Positional(1);
            if (file != null) inputs["file"] = ScriptText(file).Text;
            if (text != null) inputs["text"] = ScriptText(text).Text;
            var step = new CiStep(CiStepKind.Action, "writeFile", Source(call.Line)) { ActionRef = "writeFile", Inputs = inputs };
            AddStep(step, call.Line, scope);
        }

        // ------------------------------------------------------------------ variables

        private static Scope WithStepEnv(Scope scope, IReadOnlyList<CiVariable> variables)
        {
            if (variables.Count == 0) return scope;
            var inner = scope.Copy();
            // A later binding of the same name hides the outer one for the enclosed steps.
            var names = new HashSet<string>(variables.Select(v => v.Name), StringComparer.Ordinal);
            inner.StepEnv = scope.StepEnv.Where(v => !names.Contains(v.Name)).Concat(variables).ToList();
            return inner;
        }

        // environment { NPM_TOKEN = credentials('npm-token'); REGISTRY = 'https://…' }
        private IReadOnlyList<CiVariable> EnvironmentDirective(GroovyBlock? block)
        {
            var variables = new List<CiVariable>();
            if (block == null) return variables;
            foreach (var statement in block.Statements)
            {
                if (!(statement is GroovyAssignment assignment)) continue;
                var source = Source(assignment.Line);
                var value = assignment.Value;
                if (value is GroovyCall call && call.Name == "credentials" && call.Receiver == null)
                    variables.Add(new CiVariable(assignment.Target, SourceText(value), LiteralText(call.Positional(0)) ?? SourceText(call.Positional(0)), source));
                else
                    variables.Add(new CiVariable(assignment.Target, ScriptText(value).Text, null, source));
            }
            return variables;
        }

        // withCredentials([string(credentialsId: 'npm', variable: 'NPM_TOKEN'), usernamePassword(…), file(…),
        // [$class: 'StringBinding', credentialsId: …, variable: …]]): every *Variable argument names a variable
        // bound to that credential for the enclosed steps.
        private IReadOnlyList<CiVariable> CredentialBindings(GroovyCall call)
        {
            var variables = new List<CiVariable>();
            foreach (var binding in ItemsOf(call.Positional(0) ?? call.Named("bindings")))
            {
                IReadOnlyList<GroovyArgument> arguments;
                if (binding is GroovyCall bindingCall) arguments = bindingCall.Arguments;
                else if (binding is GroovyMap map) arguments = map.Entries;
                else continue;
                string? credentialsId = null;
                foreach (var argument in arguments)
                    if (argument.Name == "credentialsId") credentialsId = LiteralText(argument.Value) ?? SourceText(argument.Value);
                foreach (var argument in arguments)
                {
                    if (argument.Name == null) continue;
                    if (argument.Name != "variable" && !argument.Name.EndsWith("Variable", StringComparison.Ordinal)) continue;
                    var name = LiteralText(argument.Value);
                    if (!string.IsNullOrEmpty(name)) variables.Add(new CiVariable(name!, null, credentialsId, Source(argument.Value.Line)));
                }
            }
            return variables;
        }

        // withEnv(['NODE_ENV=production', "NPM_CONFIG_REGISTRY=${url}"])
        private IReadOnlyList<CiVariable> EnvironmentList(GroovyNode? list)
        {
            var variables = new List<CiVariable>();
            foreach (var item in ItemsOf(list))
            {
                var (text, _) = ScriptText(item);
                int equals = text.IndexOf('=');
                if (equals <= 0) continue;
                variables.Add(new CiVariable(text.Substring(0, equals), text.Substring(equals + 1), null, Source(item.Line)));
            }
            return variables;
        }

        private static IEnumerable<GroovyNode> ItemsOf(GroovyNode? node)
        {
            if (node == null) return new GroovyNode[0];
            if (node is GroovyList list) return list.Items;
            return new[] { node };
        }

        // ------------------------------------------------------------------ text

        /// <summary>A script or value as the step receives it, and the line of its first line: literals with escapes
        /// applied and Groovy interpolations kept as written; other expressions as <c>${expression}</c>, so the shell
        /// analysis sees a value it cannot know rather than text that is not there.</summary>
        private (string Text, int Line) ScriptText(GroovyNode node)
        {
            switch (node)
            {
                case GroovyStringLiteral literal:
                    return (literal.Value, literal.ContentLine);
                case GroovyConcatenation concatenation:
                {
                    var text = new StringBuilder();
                    int line = 0;
                    foreach (var part in concatenation.Parts)
                    {
                        var (partText, partLine) = ScriptText(part);
                        if (line == 0 && part is GroovyStringLiteral) line = partLine;
                        text.Append(partText);
                    }
                    return (text.ToString(), line > 0 ? line : concatenation.Line);
                }
                case GroovyName name when _literals.TryGetValue(name.Path, out var known):
                    return (known.Value, known.ContentLine);
                case GroovyCall call when call.Receiver != null && call.Arguments.Count == 0
                    && (call.Name == "stripIndent" || call.Name == "stripMargin" || call.Name == "trim" || call.Name == "toString"):
                {
                    var (text, line) = ScriptText(call.Receiver);
                    if (call.Name == "stripMargin") text = StripMargin(text);
                    else if (call.Name == "stripIndent") text = StripIndent(text);
                    return (text, line);
                }
                default:
                    return ("${" + SourceText(node) + "}", node.Line);
            }
        }

        private static string StripMargin(string text)
        {
            var lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                var trimmed = lines[i].TrimStart(' ', '\t');
                if (trimmed.StartsWith("|", StringComparison.Ordinal)) lines[i] = trimmed.Substring(1);
            }
            return string.Join("\n", lines);
        }

        private static string StripIndent(string text)
        {
            var lines = text.Split('\n');
            int indent = int.MaxValue;
            foreach (var line in lines)
            {
                if (line.Trim().Length == 0) continue;
                int n = 0;
                while (n < line.Length && (line[n] == ' ' || line[n] == '\t')) n++;
                indent = Math.Min(indent, n);
            }
            if (indent == int.MaxValue || indent == 0) return text;
            for (int i = 0; i < lines.Length; i++)
                lines[i] = lines[i].Length >= indent ? lines[i].Substring(indent) : lines[i].TrimStart(' ', '\t');
            return string.Join("\n", lines);
        }

        /// <summary>The value of a plain string (a GString keeps its interpolations as written), or null for anything else.</summary>
        private static string? LiteralText(GroovyNode? node) => node is GroovyStringLiteral literal ? literal.Value : null;

        private static string? StageName(GroovyCall stage) => LiteralText(stage.Positional(0) ?? stage.Named("name"));

        private string SourceText(GroovyNode? node) => SourceText(node, inner: false);

        private string SourceText(GroovyNode? node, bool inner)
        {
            if (node == null) return "";
            int start = node.Start, end = Math.Min(node.End, _text.Length);
            if (inner && node is GroovyBlock && end - start >= 2) { start++; end--; }
            if (node is GroovyOther && start < end && _text[start] == '(' && _text[end - 1] == ')') { start++; end--; }
            return start < end ? _text.Substring(start, end - start).Trim() : "";
        }

        private static string Squash(string text)
        {
            var result = new StringBuilder(text.Length);
            bool space = false;
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c)) { space = result.Length > 0; continue; }
                if (space) { result.Append(' '); space = false; }
                result.Append(c);
            }
            return result.ToString();
        }

        private void NoteTags(int line)
        {
            if (_tagLine == 0) _tagLine = line;
        }

        private void NotePipelineLine(int line)
        {
            if (_firstPipelineLine == 0) _firstPipelineLine = line;
        }

        private CiSource Source(int line) => new CiSource(_file, line);
    }
}
