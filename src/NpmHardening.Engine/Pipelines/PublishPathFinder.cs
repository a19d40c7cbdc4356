using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>One step of a job with the npm-related facts of its script (empty for most actions).</summary>
    internal sealed class StepFacts
    {
        public StepFacts(int index, CiStep step, IReadOnlyList<ScriptFact> facts) { Index = index; Step = step; Facts = facts; }
        public int Index { get; }
        public CiStep Step { get; }
        public IReadOnlyList<ScriptFact> Facts { get; }
    }

    /// <summary>A job with every step's facts: what the rules look at around a publish (installs before it, caches, actions).</summary>
    internal sealed class JobFacts
    {
        public JobFacts(CiDefinition definition, CiJob job, IReadOnlyList<StepFacts> steps) { Definition = definition; Job = job; Steps = steps; }
        public CiDefinition Definition { get; }
        public CiJob Job { get; }
        public IReadOnlyList<StepFacts> Steps { get; }
    }

    /// <summary>One way a definition can publish, with the context the pipeline rules judge and the object users see.</summary>
    internal sealed class PublishPath
    {
        public PublishPath(CiRepository repository, JobFacts job, StepFacts step, ScriptFact? fact, NpmPublishStep output, IReadOnlyList<JobFacts> workflowJobs)
        {
            Repository = repository; Job = job; Step = step; Fact = fact; Output = output; WorkflowJobs = workflowJobs;
        }

        public CiRepository Repository { get; }
        public JobFacts Job { get; }
        public StepFacts Step { get; }
        /// <summary>The script command that publishes; null when the step is an action.</summary>
        public ScriptFact? Fact { get; }
        public NpmPublishStep Output { get; }
        /// <summary>Every job of the same definition (a workflow-level token reaches the installs of all of them).</summary>
        public IReadOnlyList<JobFacts> WorkflowJobs { get; }
        /// <summary>The variables that carry the publish credential, as the publish step sees them.</summary>
        public IReadOnlyList<CiVariable> Tokens { get; set; } = Array.Empty<CiVariable>();
        /// <summary>.npmrc writes of a token value in the job before (or at) the publish.</summary>
        public IReadOnlyList<ScriptFact> TokenFileWrites { get; set; } = Array.Empty<ScriptFact>();
        /// <summary>Token variables the job reads but the file does not set, on a platform that keeps them in its settings
        /// (CircleCI project variables and contexts, Bitbucket repository/deployment variables): every step of the job sees them.</summary>
        public IReadOnlyList<CiVariable> ImplicitTokens { get; set; } = Array.Empty<CiVariable>();
        public IReadOnlyList<CiTrigger> Triggers { get; set; } = Array.Empty<CiTrigger>();
        public CiGate Gate { get; set; } = CiGate.None;
        public string? PackageName { get; set; }
        public bool PackagePrivate { get; set; }
    }

    /// <summary>
    /// Finds every publish in a CI definition and works out, for each, what the model can tell: method, registry,
    /// credential (and how widely it is visible), provenance, triggers and gate. Knows npm, not any platform's syntax:
    /// everything platform-specific has been put into the model by a reader (the platform's publish actions excepted,
    /// which are listed here by name).
    /// </summary>
    internal static class PublishPathFinder
    {
        /// <summary>Variable names npm, setup-node, yarn and the common release tools read a publish token from.</summary>
        private static readonly HashSet<string> TokenVariableNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "NODE_AUTH_TOKEN", "NPM_TOKEN", "NPM_AUTH_TOKEN", "NPM_PUBLISH_TOKEN", "NPM_REGISTRY_TOKEN", "NPMJS_TOKEN",
            "YARN_NPM_AUTH_TOKEN", "NPM_CONFIG__AUTH", "NPM_CONFIG__AUTHTOKEN", "NPM_CONFIG_TOKEN", "NPM_CONFIG_USERCONFIG_TOKEN",
        };

        private const string JobToken = "GITHUB_TOKEN";

        public static IReadOnlyList<PublishPath> Find(CiRepository repository, CiDefinition definition, ScriptAnalysis scripts)
        {
            var jobs = new List<JobFacts>();
            foreach (var job in definition.Jobs)
            {
                var steps = new List<StepFacts>(job.Steps.Count);
                for (var i = 0; i < job.Steps.Count; i++)
                {
                    var step = job.Steps[i];
                    var facts = step.Kind == CiStepKind.Script && !string.IsNullOrEmpty(step.Script)
                        ? scripts(repository, step) : Array.Empty<ScriptFact>();
                    if (WriteFileFact(step) is ScriptFact written) facts = new[] { written };
                    steps.Add(new StepFacts(i, step, facts));
                }
                jobs.Add(new JobFacts(definition, job, steps));
            }
            var paths = new List<PublishPath>();
            foreach (var job in jobs)
            {
                if (IsNever(job.Job.Condition)) continue;
                foreach (var step in job.Steps)
                {
                    if (IsNever(step.Step.Condition)) continue;
                    if (step.Step.Kind == CiStepKind.Action)
                    {
                        var action = ClassifyAction(step.Step) ?? ClassifyOrb(job.Job, step.Step);
                        if (action != null && action.Value.Tool == "semantic-release" &&
                            !SemanticReleasePublishesToNpm(repository, CiRepository.NormalizePath(step.Step.Inputs.TryGetValue("working_directory", out var wd) ? wd : "") ?? "")) action = null;
                        if (action != null) paths.Add(Build(repository, job, step, null, action.Value.Method, action.Value.Tool, jobs));
                        continue;
                    }
                    foreach (var fact in step.Facts)
                    {
                        if (!fact.IsPublish) continue;
                        // a publish guessed from a name counts only where the job could authenticate to a registry
                        // (on platforms that keep secrets in their settings, a program named for npm publishing,
                        // scripts/publish-npm.sh, is taken at its word: its credential is simply not in the file)
                        // (a managed .npmrc put in place before it, Jenkins configFileProvider/withNPM, is a credential too)
                        if (fact.Opaque && fact.TokenNames.Count == 0 && !NpmOidc(definition, job.Job) && !VisibleEnv(definition, job.Job, step.Step).Any(IsTokenVariable) &&
                            !(definition.ImplicitSecretVariables && NamedForNpmPublishing(fact.Tool)) &&
                            !job.Steps.Any(s => s.Index < step.Index && s.Step.ActionRef == "configFileProvider" && Truthy(Input(s.Step, "npmrc")))) continue;
                        if (fact.Tool == "semantic-release" && !SemanticReleasePublishesToNpm(repository, fact.PackageFolder ?? CiRepository.NormalizePath(step.Step.WorkingDirectory ?? "") ?? "")) continue;
                        var method = fact.Kind == ScriptFactKind.StagePublish ? NpmPublishMethod.StagePublish
                            : fact.Kind == ScriptFactKind.ReleaseTool ? NpmPublishMethod.ReleaseTool : NpmPublishMethod.Publish;
                        paths.Add(Build(repository, job, step, fact, method, fact.Tool, jobs));
                    }
                }
            }
            return paths;
        }

        private static readonly string[] SemanticReleaseFiles =
        {
            ".releaserc", ".releaserc.json", ".releaserc.yaml", ".releaserc.yml", ".releaserc.js", ".releaserc.cjs", ".releaserc.mjs",
            "release.config.js", "release.config.cjs", "release.config.mjs", "release.config.ts",
        };

        /// <summary>
        /// Whether semantic-release publishes to npm in <paramref name="folder"/>: its npm plugin runs by default, but a
        /// configuration that lists <c>plugins</c> without <c>@semantic-release/npm</c> (and extends no shared
        /// configuration), or sets <c>npmPublish: false</c>, or a private package, publishes nothing to npm. True when
        /// nothing says otherwise.
        /// </summary>
        internal static bool SemanticReleasePublishesToNpm(CiRepository repository, string folder)
        {
            CiPackageJson? package = null;
            try { package = repository.ReadPackageJson(folder); } catch (CiDefinitionException) { }
            if (package?.Private == true) return false;
            string? text = null;
            object? config = package?.ReleaseConfig;
            if (config == null)
            {
                foreach (var name in SemanticReleaseFiles)
                {
                    try { text = repository.ReadText(folder.Length == 0 ? name : folder + "/" + name); }
                    catch (CiDefinitionException) { text = null; }
                    if (text == null) continue;
                    if (name.EndsWith(".js", StringComparison.Ordinal) || name.EndsWith("js", StringComparison.Ordinal) || name.EndsWith(".ts", StringComparison.Ordinal))
                    {
                        // JavaScript is not run: the plugin's name and npmPublish are looked for in the text
                        if (Squeezed(text).IndexOf("npmPublish:false", StringComparison.Ordinal) >= 0) return false;
                        return !(text.IndexOf("plugins", StringComparison.Ordinal) >= 0 && text.IndexOf("@semantic-release/npm", StringComparison.Ordinal) < 0 && text.IndexOf("extends", StringComparison.Ordinal) < 0);
                    }
                    if (Js.JsJson.TryParse(text, out var json)) config = json;
                    else
                    {
                        try { config = CiYaml.Parse(folder + "/" + name, text); }
                        catch (CiDefinitionException) { return true; }
                    }
                    break;
                }
            }
            if (config == null) return true;
            if (Has(config, "extends")) return true;
            var plugins = Get(config, "plugins");
            if (plugins == null) return true;
            var any = false;
            foreach (var plugin in Items(plugins))
            {
                var first = plugin;
                object? options = null;
                var pair = Items(plugin).ToList();
                if (pair.Count > 0) { first = pair[0]; options = pair.Count > 1 ? pair[1] : null; }
                if (!string.Equals(Scalar(first), "@semantic-release/npm", StringComparison.Ordinal)) continue;
                any = true;
                if (options != null && string.Equals(Scalar(Get(options, "npmPublish")), "false", StringComparison.OrdinalIgnoreCase)) return false;
            }
            return any;
        }

        private static string Squeezed(string text) => new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray());

        // semantic-release configuration, read from JSON (JsObject, List) or YAML (CiYamlNode) alike
        private static object? Get(object? o, string key) => o switch
        {
            Js.JsObject j => j.ContainsKey(key) ? j[key] : null,
            CiYamlMapping m => m.Get(key),
            _ => null,
        };

        private static bool Has(object? o, string key) => Get(o, key) != null;

        private static IEnumerable<object?> Items(object? o) => o switch
        {
            List<object?> list => list,
            CiYamlSequence seq => seq,
            _ => Enumerable.Empty<object?>(),
        };

        private static string? Scalar(object? o) => o switch
        {
            string s => s,
            bool b => b ? "true" : "false",
            CiYamlScalar y => y.Value,
            _ => null,
        };

        /// <summary>A condition that is always false as written (<c>if: false</c>, <c>${{ false }}</c>): the job or step never runs.</summary>
        internal static bool IsNever(string? condition)
        {
            if (condition == null) return false;
            var c = condition.Trim();
            if (c.StartsWith("${{", StringComparison.Ordinal) && c.EndsWith("}}", StringComparison.Ordinal)) c = c.Substring(3, c.Length - 5).Trim();
            return string.Equals(c, "false", StringComparison.OrdinalIgnoreCase) || c == "0";
        }

        // ---- actions that publish -------------------------------------------------------------------------------

        /// <summary>A CI action that publishes, by name: method and tool; null for any other action.</summary>
        internal static (NpmPublishMethod Method, string Tool)? ClassifyAction(CiStep step)
        {
            var reference = step.ActionRef;
            if (string.IsNullOrEmpty(reference)) return null;
            var name = ActionName(reference!);
            if (Truthy(Input(step, "dry-run")) || Truthy(Input(step, "dry_run")) || Truthy(Input(step, "dryRun"))) return null;
            // an Azure Pipelines task (Npm@1): a bare task name and version, no owner
            if (name.IndexOf('/') < 0 && Readers.AzurePipelinesReader.TaskName(reference!) == "npm")
            {
                var command = Input(step, "command");
                var custom = Input(step, "customCommand");
                if (string.Equals(command, "publish", StringComparison.OrdinalIgnoreCase) ||
                    string.Equals(command, "custom", StringComparison.OrdinalIgnoreCase) && custom != null && custom.TrimStart().StartsWith("publish", StringComparison.OrdinalIgnoreCase))
                    return (NpmPublishMethod.Publish, "npm");
                return null;
            }
            switch (name.ToLowerInvariant())
            {
                case "js-devtools/npm-publish": return (NpmPublishMethod.Action, "JS-DevTools/npm-publish");
                case "changesets/action":
                    // without a publish command the action only opens the "Version Packages" pull request
                    return string.IsNullOrWhiteSpace(Input(step, "publish")) ? ((NpmPublishMethod, string)?)null : (NpmPublishMethod.Action, "changesets/action");
                case "changesets/action/publish":
                    // v2's split actions: select-mode, version, pack and publish; only publish publishes
                    return (NpmPublishMethod.Action, "changesets/action/publish");
                case "cycjimmy/semantic-release-action":
                case "codfish/semantic-release-action":
                    return (NpmPublishMethod.ReleaseTool, "semantic-release");
                case "borales/actions-yarn":
                    return (Input(step, "cmd") ?? "").IndexOf("publish", StringComparison.OrdinalIgnoreCase) >= 0 ? (NpmPublishMethod.Action, "borales/actions-yarn") : ((NpmPublishMethod, string)?)null;
                case "actions/npm":
                    // the retired HCL-era action, still found in old workflows: uses: actions/npm@master with args: publish
                    return (Input(step, "args") ?? "").IndexOf("publish", StringComparison.OrdinalIgnoreCase) >= 0 ? (NpmPublishMethod.Action, "actions/npm") : ((NpmPublishMethod, string)?)null;
                case "mikeal/merge-release":
                case "primer/publish":
                    return (NpmPublishMethod.Action, name);
                case "google-github-actions/release-please-action":
                case "googleapis/release-please-action":
                    return null; // opens release PRs and tags; publishing is a later step
            }
            // a local action named for npm publishing (the repository of an npm-publish action publishing itself)
            if (step.LocalActionName != null && Mentions(step.LocalActionName, "npm") && Mentions(step.LocalActionName, "publish"))
                return (NpmPublishMethod.Action, Safe(step.LocalActionName));
            var leaf = name.Substring(name.LastIndexOf('/') + 1).ToLowerInvariant();
            if (leaf.Contains("npm-publish") || leaf.Contains("publish-npm") || leaf.Contains("npm_publish") ||
                (leaf.Contains("publish") && leaf.EndsWith(".yml", StringComparison.Ordinal) && leaf.Contains("npm")))
                return (NpmPublishMethod.Action, name);
            return null;
        }

        /// <summary>A CircleCI orb's job or command (<c>alias/name</c>, the alias declared under <c>orbs:</c>, which the reader
        /// keeps in the job's <c>orb:&lt;alias&gt;</c> fact) whose orb is about npm and whose name says it publishes
        /// (uraway/npm-publisher's publish-from-package-version). The orb's steps are not in the repository.</summary>
        internal static (NpmPublishMethod Method, string Tool)? ClassifyOrb(CiJob job, CiStep step)
        {
            var reference = step.ActionRef;
            if (string.IsNullOrEmpty(reference)) return null;
            var slash = reference!.IndexOf('/');
            if (slash <= 0 || !job.Facts.TryGetValue("orb:" + reference.Substring(0, slash), out var orb)) return null;
            var at = orb.IndexOf('@');
            var orbName = at > 0 ? orb.Substring(0, at) : orb;
            var member = reference.Substring(slash + 1);
            if (Truthy(Input(step, "dry-run")) || Truthy(Input(step, "dry_run"))) return null;
            if (orbName.IndexOf("npm", StringComparison.OrdinalIgnoreCase) >= 0 && member.IndexOf("publish", StringComparison.OrdinalIgnoreCase) >= 0)
                return (NpmPublishMethod.Action, Safe(orbName + "/" + member));
            return null;
        }

        /// <summary>Whether <paramref name="value"/> is a bare environment variable name (an orb parameter of type env_var_name).</summary>
        private static bool IsVariableName(string value)
        {
            if (value.Length == 0 || !(char.IsLetter(value[0]) || value[0] == '_')) return false;
            foreach (var c in value) if (!(c < 128 && (char.IsLetterOrDigit(c) || c == '_'))) return false;
            return true;
        }

        /// <summary><c>owner/repo</c> (or <c>owner/repo/path</c>) of an action reference, without its <c>@ref</c>.</summary>
        internal static string ActionName(string reference)
        {
            var at = reference.IndexOf('@');
            return (at < 0 ? reference : reference.Substring(0, at)).Trim();
        }

        private static string? Input(CiStep step, string key) => step.Inputs.TryGetValue(key, out var v) ? v : null;

        /// <summary>The npm command an Azure <c>Npm@1</c> task runs (<c>command</c>, or the first word of
        /// <c>customCommand</c>); null for other steps. The task's default command is install.</summary>
        internal static string? NpmTaskCommand(CiStep step)
        {
            if (step.ActionRef == null || step.ActionRef.IndexOf('/') >= 0 || Readers.AzurePipelinesReader.TaskName(step.ActionRef) != "npm") return null;
            var command = (Input(step, "command") ?? "install").Trim().ToLowerInvariant();
            if (command != "custom") return command;
            var custom = (Input(step, "customCommand") ?? "").Trim();
            var space = custom.IndexOf(' ');
            return (space < 0 ? custom : custom.Substring(0, space)).ToLowerInvariant();
        }

        /// <summary>An Azure <c>Npm@1</c> task that installs dependencies (and so runs their install scripts).</summary>
        internal static bool IsNpmTaskInstall(CiStep step)
        {
            var command = NpmTaskCommand(step);
            if (command == null) return false;
            var deref = Shell.NpmCommandClassifier.NpmDeref(command);
            if (deref != "install" && deref != "ci" && deref != "install-test" && deref != "install-ci-test") return false;
            var custom = Input(step, "customCommand") ?? "";
            return custom.IndexOf("--ignore-scripts", StringComparison.Ordinal) < 0;
        }

        private static bool Truthy(string? value) => value != null && string.Equals(value.Trim(), "true", StringComparison.OrdinalIgnoreCase);

        // ---- one publish path -----------------------------------------------------------------------------------

        private static PublishPath Build(CiRepository repository, JobFacts job, StepFacts step, ScriptFact? fact,
            NpmPublishMethod method, string tool, IReadOnlyList<JobFacts> jobs)
        {
            var definition = job.Definition;
            var file = fact?.File ?? step.Step.Source.File;
            var line = fact?.Line ?? step.Step.Source.Line;
            var output = new NpmPublishStep
            {
                Repository = repository.Root,
                File = file,
                Path = FullPath(repository.Root, file),
                Line = line,
                Platform = definition.Platform,
                Workflow = definition.Name != null ? Safe(definition.Name) : definition.File,
                Job = job.Job.Id,
                Step = step.Step.Name != null ? Safe(step.Step.Name) : (step.Step.ActionRef ?? FirstLine(step.Step.Script)),
                Command = fact != null ? FirstLine(fact.Text) : step.Step.ActionRef ?? "",
                Method = method,
                Tool = tool,
                Via = fact?.Via == null ? null : Safe(fact.Via),
                RequestsOidc = job.Job.RequestsOidc,
                Condition = (step.Step.Condition ?? job.Job.Condition) is string condition ? Safe(condition) : null,
            };
            var path = new PublishPath(repository, job, step, fact, output, jobs);

            // the package.json that decides publishConfig: the script's, else the step's working folder's, else the root's
            var folder = fact?.PackageFolder ?? CiRepository.NormalizePath(step.Step.WorkingDirectory ?? "") ?? "";
            CiPackageJson? package = null;
            try { package = repository.ReadPackageJson(folder) ?? (folder.Length > 0 ? repository.ReadPackageJson("") : null); }
            catch (CiDefinitionException) { /* an unreadable package.json leaves publishConfig unknown */ }
            path.PackageName = package?.Name;
            path.PackagePrivate = package?.Private == true;

            Credentials(path, package);
            Registry(path, package);
            path.Triggers = Triggers(job);
            output.Triggers = path.Triggers.Select(t => Safe(Describe(t))).Distinct(StringComparer.Ordinal).ToArray();
            path.Gate = Gate(job, step.Step, jobs);
            output.Gate = path.Gate.Kind;
            output.GateName = path.Gate.Name == null ? null : Safe(path.Gate.Name);
            return path;
        }

        private static string FullPath(string root, string relative)
        {
            if (string.IsNullOrEmpty(root)) return relative;
            var separator = root.IndexOf('\\') >= 0 && root.IndexOf('/') < 0 ? '\\' : '/';
            return root.TrimEnd('/', '\\') + separator + relative.Replace('/', separator);
        }

        /// <summary>The first line of a command or script as it may be shown: token shapes, URL passwords and whatever
        /// follows a credential name (<c>_authToken=…</c>) redacted, because a script can hold a literal token.</summary>
        internal static string FirstLine(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            var t = text!.Trim();
            var cut = t.IndexOfAny(new[] { '\r', '\n' });
            return Safe(cut < 0 ? t : t.Substring(0, cut).TrimEnd() + " …");
        }

        internal static string Safe(string text) => NpmHardening.Engine.Credentials.NpmCredential.RedactEmbedded(NpmHardening.Engine.Credentials.NpmCredential.RedactText(text));

        // ---- credentials ----------------------------------------------------------------------------------------

        /// <summary>The environment a step runs with: workflow, then job, then step (inner wins), each variable once.</summary>
        internal static IReadOnlyList<CiVariable> VisibleEnv(CiDefinition definition, CiJob job, CiStep step)
        {
            var byName = new Dictionary<string, CiVariable>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var scope in new[] { definition.Env, job.Env, step.Env })
                foreach (var v in scope)
                {
                    if (!byName.ContainsKey(v.Name)) order.Add(v.Name);
                    byName[v.Name] = v;
                }
            return order.Select(n => byName[n]).ToList();
        }

        /// <summary>Whether a variable carries an npm publish credential: a name npm or a release tool reads it from, or a
        /// secret whose name says npm. The CI's job token counts only where npm reads it (NODE_AUTH_TOKEN = GITHUB_TOKEN).</summary>
        /// <summary>Jenkins <c>writeFile file: '.npmrc', text: "…"</c> writes the file without a shell: the same fact a shell
        /// write of the text would give. The fact's text names the file only, as the text may hold a token. A
        /// <c>${X}</c> in the text is taken as Groovy interpolation (the file holds the value), which the model cannot tell
        /// from a single-quoted string that npm would expand itself.</summary>
        internal static ScriptFact? WriteFileFact(CiStep step)
        {
            if (step.Kind != CiStepKind.Action || step.ActionRef != "writeFile") return null;
            var file = Input(step, "file");
            var text = Input(step, "text");
            if (file == null || text == null) return null;
            var leaf = file.Replace('\\', '/').Split('/').Last();
            if (!leaf.Equals(".npmrc", StringComparison.OrdinalIgnoreCase)) return null;
            var names = Shell.ShellVariables.Names(text);
            var literal = Shell.NpmCommandClassifier.HasLiteralToken(text);
            // a secret-named variable as the text is the auth line itself, as for a shell write (echo $NPM_TOKEN > .npmrc)
            var auth = text.IndexOf("_auth", StringComparison.OrdinalIgnoreCase) >= 0 || Shell.NpmCommandClassifier.WritesCredential(file, text, names);
            if (!auth && !literal) return null;
            return new ScriptFact(ScriptFactKind.NpmrcWrite, step.Source.File, step.Source.Line, "writeFile file: '" + Safe(file) + "'", "jenkins")
            {
                TokenNames = names,
                WritesAuth = auth,
                WritesTokenValue = names.Count > 0,
                LiteralToken = literal,
                TargetFile = Safe(file),
            };
        }

        /// <summary>Whether the job's OIDC token is one npm trusted publishing accepts: npm trusts GitHub Actions, GitLab
        /// and CircleCI identities only (docs.npmjs.com, trusted publishers). Bitbucket's <c>oidc: true</c> mints a token
        /// npm does not exchange, so a Bitbucket publish still needs some other credential.</summary>
        internal static bool NpmOidc(CiDefinition definition, CiJob job) =>
            job.RequestsOidc && (definition.Platform == CiPlatform.GitHubActions || definition.Platform == CiPlatform.GitLabCi || definition.Platform == CiPlatform.CircleCi);

        /// <summary>Whether npm's trusted publishing turns provenance on by itself in this job (npm 11.19.1 lib/utils/oidc.js):
        /// on GitHub Actions for a public repository; on GitLab only when the job also has a SIGSTORE_ID_TOKEN to sign with;
        /// never on CircleCI, where npm skips it ("CircleCI doesn't support provenance yet").</summary>
        internal static bool OidcAddsProvenance(CiDefinition definition, CiJob job)
        {
            if (definition.Platform == CiPlatform.GitHubActions) return true;
            if (definition.Platform != CiPlatform.GitLabCi || !job.Facts.TryGetValue("id_tokens", out var names)) return false;
            return names.Split(',').Any(n => n.Trim() == "SIGSTORE_ID_TOKEN");
        }

        /// <summary>Release tools that publish with a token read from a fixed environment variable.</summary>
        private static readonly Dictionary<string, string> ReleaseToolTokenVariables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["semantic-release"] = "NPM_TOKEN", ["shipjs"] = "NPM_AUTH_TOKEN",
        };

        private static bool NamedForNpmPublishing(string? program)
        {
            if (program == null) return false;
            // a script run by name ("npm run publish-docs") is judged by the script's name, a program by its file name
            var leaf = program.Substring(Math.Max(Math.Max(program.LastIndexOf('/'), program.LastIndexOf('\\')), program.LastIndexOf(' ')) + 1);
            return Mentions(leaf, "npm") && Mentions(leaf, "publish");
        }

        /// <summary>Whether a variable's name alone says it holds an npm credential (NPM_TOKEN, NODE_AUTH_TOKEN,
        /// NPM_AUTH_TOKEN, npm_config_…_authToken): for variables a script assigns, which carry no secret binding.</summary>
        internal static bool IsTokenName(string name) =>
            TokenVariableNames.Contains(name)
            || name.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase) && name.EndsWith("_authToken", StringComparison.OrdinalIgnoreCase)
            || Mentions(name, "NPM") && (Mentions(name, "TOKEN") || Mentions(name, "AUTH"));

        internal static bool IsTokenVariable(CiVariable v)
        {
            if (v.SecretName == null) return false;
            if (TokenVariableNames.Contains(v.Name)) return true;
            if (v.Name.StartsWith("npm_config_", StringComparison.OrdinalIgnoreCase) &&
                v.Name.EndsWith("_authToken", StringComparison.OrdinalIgnoreCase)) return true;
            if (v.SecretName == JobToken) return false;
            // an npm account's password (NPM_PASSWORD, NPM_PASSWD bound from a credential) logs in as that account
            return Mentions(v.SecretName, "NPM") || (Mentions(v.Name, "NPM") && (Mentions(v.Name, "TOKEN") || Mentions(v.Name, "AUTH") || Mentions(v.Name, "PASS")));
        }

        private static bool Mentions(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

        /// <summary>Where the variable is set: the step's, the job's or the workflow's env.</summary>
        internal static NpmTokenExposure ScopeOf(CiDefinition definition, CiJob job, CiStep step, CiVariable v)
        {
            if (step.Env.Contains(v)) return NpmTokenExposure.Step;
            if (job.Env.Contains(v)) return definition.Env.Contains(v) ? NpmTokenExposure.Workflow : NpmTokenExposure.Job;
            return NpmTokenExposure.Workflow;
        }

        private static void Credentials(PublishPath path, CiPackageJson? package)
        {
            var definition = path.Job.Definition;
            var job = path.Job.Job;
            var step = path.Step.Step;
            var env = VisibleEnv(definition, job, step);
            var tokens = env.Where(IsTokenVariable).ToList();
            var names = new List<string>();
            var implicitTokens = new List<CiVariable>();
            foreach (var t in tokens) if (!names.Contains(t.SecretName!)) names.Add(t.SecretName!);
            // a step variable passed on from the settings (a pipe's NPM_TOKEN: $NPM_TOKEN): the settings' variable is in
            // the environment of the whole job, not only of that step
            if (definition.ImplicitSecretVariables)
                foreach (var t in tokens)
                    foreach (var name in Shell.ShellVariables.Names(t.Value))
                        if (!definition.Env.Concat(job.Env).Any(v => v.Name == name) && !implicitTokens.Any(v => v.Name == name))
                            implicitTokens.Add(new CiVariable(name, null, name, t.Source));
            // an action's token input (JS-DevTools/npm-publish token:, a pipe's NPM_TOKEN variable)
            foreach (var input in step.Inputs)
            {
                if (!(input.Key.IndexOf("token", StringComparison.OrdinalIgnoreCase) >= 0 || input.Key.IndexOf("auth", StringComparison.OrdinalIgnoreCase) >= 0)) continue;
                var inputSecrets = SecretsIn(input.Value).ToList();
                // an orb parameter naming the variable to read (publish-token-variable: NPM_TOKEN)
                if (definition.ImplicitSecretVariables && IsVariableName(input.Value.Trim()) && !env.Any(v => v.Name == input.Value.Trim()))
                {
                    var name = input.Value.Trim();
                    inputSecrets.Add(name);
                    if (!implicitTokens.Any(v => v.Name == name)) implicitTokens.Add(new CiVariable(name, null, name, step.Source));
                }
                if (definition.ImplicitSecretVariables)
                    foreach (var name in Shell.ShellVariables.Names(input.Value))
                        if (!inputSecrets.Contains(name) && !env.Any(v => v.Name == name))
                        {
                            inputSecrets.Add(name);
                            // a pipe's variable is passed from the step's environment, which every command of the step shares
                            if (!implicitTokens.Any(v => v.Name == name)) implicitTokens.Add(new CiVariable(name, null, name, step.Source));
                        }
                foreach (var secret in inputSecrets)
                {
                    var v = new CiVariable(input.Key, input.Value, secret, step.Source);
                    tokens.Add(v);
                    if (!names.Contains(secret)) names.Add(secret);
                }
            }
            var exposure = NpmTokenExposure.None;
            foreach (var t in tokens)
            {
                var scope = step.Inputs.ContainsKey(t.Name) && !env.Contains(t) ? NpmTokenExposure.Step : ScopeOf(definition, job, step, t);
                if (scope > exposure) exposure = scope;
            }
            // Azure service connections hold registry tokens: Npm@1 publishing to an external registry uses its
            // publishEndpoint's; npmAuthenticate@0 earlier in the job writes its customEndpoint's into .npmrc
            foreach (var s in path.Job.Steps)
            {
                if (s.Index > path.Step.Index) break;
                var reference = s.Step.ActionRef;
                if (reference == null || reference.IndexOf('/') >= 0) continue;
                var task = Readers.AzurePipelinesReader.TaskName(reference);
                string? endpoint = null;
                if (task == "npmauthenticate") endpoint = Input(s.Step, "customEndpoint");
                else if (task == "npm" && s.Index == path.Step.Index && string.Equals(Input(s.Step, "publishRegistry"), "useExternalRegistry", StringComparison.OrdinalIgnoreCase))
                    endpoint = Input(s.Step, "publishEndpoint");
                // a custom command (customCommand: publish …) authenticates with the customEndpoint connections
                else if (task == "npm" && s.Index == path.Step.Index && string.Equals(Input(s.Step, "command"), "custom", StringComparison.OrdinalIgnoreCase))
                    endpoint = Input(s.Step, "customEndpoint");
                if (string.IsNullOrWhiteSpace(endpoint)) continue;
                foreach (var part in endpoint!.Split(','))
                {
                    var connection = part.Trim();
                    if (connection.Length == 0) continue;
                    if (!names.Contains(connection)) names.Add(connection);
                    tokens.Add(new CiVariable(task == "npm" ? "publishEndpoint" : "customEndpoint", connection, connection, s.Step.Source));
                }
                var scope = task == "npm" ? NpmTokenExposure.Step : NpmTokenExposure.File;
                if (scope > exposure) exposure = scope;
            }

            // Jenkins Config File Provider (configFileProvider, withNPM, nodejs configId): a managed .npmrc, which holds
            // the registry token, is put in the workspace for the enclosed steps; named by its file id
            foreach (var s in path.Job.Steps)
            {
                if (s.Index > path.Step.Index) break;
                if (s.Step.ActionRef != "configFileProvider" || !Truthy(Input(s.Step, "npmrc"))) continue;
                var label = Input(s.Step, "fileId") is string id ? Safe(id) : "managed .npmrc";
                if (!names.Contains(label)) names.Add(label);
                exposure = NpmTokenExposure.File;
            }

            // a program named for publishing given a token on its own command line (NPM_AUTH_TOKEN=… node scripts/publish.js)
            if (path.Fact != null && path.Fact.Opaque)
                foreach (var name in path.Fact.TokenNames)
                {
                    if (!names.Contains(name)) names.Add(name);
                    if (NpmTokenExposure.Step > exposure) exposure = NpmTokenExposure.Step;
                }

            // .npmrc writes in the job up to the publish: a token value in a file, or a reference npm expands
            var writes = new List<ScriptFact>();
            var otherSecret = false;
            foreach (var s in path.Job.Steps)
            {
                if (s.Index > path.Step.Index) break;
                foreach (var f in s.Facts)
                {
                    if (s.Index == path.Step.Index && path.Fact != null && f.Line > path.Fact.Line && f.File == path.Fact.File) break;
                    if (f.Kind != ScriptFactKind.NpmrcWrite || !(f.WritesAuth || f.LiteralToken)) continue;
                    var visible = VisibleEnv(definition, job, s.Step);
                    // a quoted ${NAME} the shell does not expand is written as is, and npm expands it from the environment
                    var referenced = f.TokenNames.Count > 0 || f.LiteralToken ? f.TokenNames : Shell.ShellVariables.Names(f.Text);
                    foreach (var name in referenced)
                    {
                        var bound = visible.FirstOrDefault(v => v.Name == name);
                        // ${{ secrets.NPM_TOKEN }} written directly into the file names the secret itself
                        var secret = bound?.SecretName ?? (IsSecretReference(f.Text, name) ? name : null);
                        if (secret == null && bound == null && definition.ImplicitSecretVariables)
                        {
                            secret = name;
                            if (!implicitTokens.Any(v => v.Name == name)) implicitTokens.Add(new CiVariable(name, null, name, s.Step.Source));
                        }
                        if (secret == null)
                        {
                            // a variable this definition does not set (an earlier step's $GITHUB_ENV, an organisation
                            // variable): some credential, of unknown origin
                            if (bound == null) otherSecret = true;
                            continue;
                        }
                        if (!names.Contains(secret)) names.Add(secret);
                        if (bound != null && !tokens.Contains(bound)) tokens.Add(bound);
                    }
                    if (f.WritesTokenValue || f.LiteralToken)
                    {
                        writes.Add(f);
                        exposure = NpmTokenExposure.File;
                    }
                    if (referenced.Count == 0 && !f.LiteralToken) otherSecret = true;
                }
            }
            // an .npmrc in the repository (the package's folder or the root) whose auth line reads a variable the step sets
            foreach (var name in RepositoryNpmrcVariables(path.Repository, package?.Folder ?? ""))
            {
                var bound = env.FirstOrDefault(v => v.Name == name && v.SecretName != null);
                if (bound == null && definition.ImplicitSecretVariables && !env.Any(v => v.Name == name))
                {
                    if (!implicitTokens.Any(v => v.Name == name)) implicitTokens.Add(new CiVariable(name, null, name, step.Source));
                    if (!names.Contains(name)) names.Add(name);
                    continue;
                }
                if (bound == null || tokens.Contains(bound)) continue;
                tokens.Add(bound);
                if (!names.Contains(bound.SecretName!)) names.Add(bound.SecretName!);
                var scope = ScopeOf(definition, job, step, bound);
                if (scope > exposure) exposure = scope;
            }
            // semantic-release's npm plugin reads NPM_TOKEN from the environment; where the file does not set it, the
            // platform's settings do (it cannot publish to npm otherwise, and npm trusted publishing is checked below).
            // GitLab's project and group CI/CD variables reach every job the same way.
            // Ship.js likewise reads NPM_AUTH_TOKEN.
            if ((definition.ImplicitSecretVariables || definition.Platform == CiPlatform.GitLabCi) &&
                path.Output.Tool != null && ReleaseToolTokenVariables.TryGetValue(path.Output.Tool, out var toolToken) &&
                names.Count == 0 && !NpmOidc(definition, job) &&
                !env.Any(v => string.Equals(v.Name, toolToken, StringComparison.Ordinal)))
            {
                implicitTokens.Add(new CiVariable(toolToken, null, toolToken, step.Source));
                names.Add(toolToken);
            }
            var implicitScope = definition.Platform == CiPlatform.GitLabCi ? NpmTokenExposure.Workflow : NpmTokenExposure.Job;
            if (implicitTokens.Count > 0 && implicitScope > exposure) exposure = implicitScope;
            path.ImplicitTokens = implicitTokens;
            path.TokenFileWrites = writes;
            path.Tokens = tokens;
            // a literal token as an env value (NPM_TOKEN: npm_…): a static token, named by its variable
            foreach (var v in env)
            {
                if (v.SecretName != null || v.Value == null || !Shell.NpmCommandClassifier.HasLiteralToken(v.Value)) continue;
                var label = v.Name + " (literal)";
                if (!names.Contains(label)) names.Add(label);
                var scope = ScopeOf(definition, job, step, v);
                if (scope > exposure) exposure = scope;
            }
            var hasToken = names.Count > 0 || writes.Any(w => w.LiteralToken);
            if (!hasToken && env.Any(v => v.SecretName != null && v.SecretName != JobToken)) otherSecret = true;
            if (!hasToken && path.Fact == null && path.Step.Step.ActionRef != null && path.Step.Step.ActionRef!.IndexOf(".yml", StringComparison.OrdinalIgnoreCase) >= 0)
                otherSecret = true; // a remote reusable workflow: its credentials are not in this file

            var output = path.Output;
            output.TokenNames = names.ToArray();
            output.TokenExposure = hasToken ? exposure : NpmTokenExposure.None;
            var oidc = NpmOidc(definition, job);
            // on these platforms a job's credentials may all live in the settings (a context, a deployment's variables)
            if (!hasToken && definition.ImplicitSecretVariables && !oidc) otherSecret = true;
            output.Auth = hasToken && oidc ? NpmPublishAuth.Both
                : hasToken ? NpmPublishAuth.StaticToken
                : oidc ? NpmPublishAuth.Oidc
                : otherSecret ? NpmPublishAuth.Unknown
                : NpmPublishAuth.None;

            var provenance = path.Fact?.Provenance == true || Truthy(Input(step, "provenance")) || package?.PublishProvenance == true ||
                env.Any(v => string.Equals(v.Name, "NPM_CONFIG_PROVENANCE", StringComparison.OrdinalIgnoreCase) && Truthy(v.Value));
            if (path.Fact?.Provenance == false) provenance = false;
            // trusted publishing turns provenance on by itself for public repositories, but only where npm can sign one
            output.Provenance = provenance || output.Auth == NpmPublishAuth.Oidc && OidcAddsProvenance(definition, job);
        }

        /// <summary>Whether <paramref name="text"/> reads the CI secret <paramref name="name"/> directly (<c>${{ secrets.NAME }}</c>, <c>secrets['NAME']</c>).</summary>
        private static bool IsSecretReference(string text, string name) =>
            Readers.GitHubExpression.SecretNames(text).Contains(name);

        /// <summary>Secret names in an action input; the model keeps values as written, and GitHub's <c>${{ secrets.X }}</c>
        /// is the syntax an action input uses (other platforms bind secrets through variables, which readers put in Env).</summary>
        private static IEnumerable<string> SecretsIn(string value) => Readers.GitHubExpression.SecretNames(value);

        /// <summary>Variables that auth lines (<c>_authToken</c>, <c>_auth</c>, <c>_password</c>) of the repository's own
        /// .npmrc files read (<c>${NPM_TOKEN}</c>): the package folder's and the root's. npm expands them from the
        /// environment when it reads the file, so the variable is the credential.</summary>
        internal static IReadOnlyList<string> RepositoryNpmrcVariables(CiRepository repository, string folder)
        {
            var names = new List<string>();
            var folders = folder.Length == 0 ? new[] { "" } : new[] { folder, "" };
            foreach (var f in folders)
            {
                string? text;
                try { text = repository.ReadText(f.Length == 0 ? ".npmrc" : f + "/.npmrc"); }
                catch (CiDefinitionException) { continue; }
                if (text == null) continue;
                foreach (var raw in text.Split('\n'))
                {
                    var line = raw.Trim();
                    if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
                    var eq = line.IndexOf('=');
                    if (eq < 0) continue;
                    var key = line.Substring(0, eq).Trim();
                    if (!(key.EndsWith("_authToken", StringComparison.Ordinal) || key.EndsWith("_auth", StringComparison.Ordinal) || key.EndsWith("_password", StringComparison.Ordinal))) continue;
                    var value = line.Substring(eq + 1);
                    for (var at = value.IndexOf("${", StringComparison.Ordinal); at >= 0; at = value.IndexOf("${", at + 2, StringComparison.Ordinal))
                    {
                        var end = value.IndexOf('}', at + 2);
                        if (end < 0) break;
                        var name = value.Substring(at + 2, end - at - 2);
                        var colon = name.IndexOf(':');
                        if (colon >= 0) name = name.Substring(0, colon); // ${NPM_TOKEN:-default}? npm does not support it; keep the name
                        if (name.Length > 0 && !names.Contains(name)) names.Add(name);
                    }
                }
            }
            return names;
        }

        // ---- registry -------------------------------------------------------------------------------------------

        private static void Registry(PublishPath path, CiPackageJson? package)
        {
            string? url = path.Fact?.Registry ?? Input(path.Step.Step, "registry");
            // Azure's Npm@1 publishing to the organization's own feed (Azure Artifacts), not to an external registry
            var azureTask = path.Fact == null && path.Step.Step.ActionRef is string task && task.IndexOf('/') < 0 && Readers.AzurePipelinesReader.TaskName(task) == "npm";
            if (url == null && azureTask && string.Equals(Input(path.Step.Step, "command"), "publish", StringComparison.OrdinalIgnoreCase) && !string.Equals(Input(path.Step.Step, "publishRegistry"), "useExternalRegistry", StringComparison.OrdinalIgnoreCase))
                url = "https://pkgs.dev.azure.com/_packaging/" + (Input(path.Step.Step, "publishFeed") ?? "") + "/npm/registry/";
            if (url == null)
                foreach (var v in VisibleEnv(path.Job.Definition, path.Job.Job, path.Step.Step))
                    if (string.Equals(v.Name, "NPM_CONFIG_REGISTRY", StringComparison.OrdinalIgnoreCase) && v.Value != null) { url = v.Value; break; }
            url ??= package?.PublishRegistry;
            if (url == null)
            {
                // an .npmrc write earlier in the job that names a registry host (//npm.pkg.github.com/:_authToken)
                foreach (var s in path.Job.Steps)
                {
                    if (s.Index > path.Step.Index) break;
                    foreach (var f in s.Facts)
                        if (f.Kind == ScriptFactKind.NpmrcWrite && f.ConfigKey != null && f.ConfigKey.StartsWith("//", StringComparison.Ordinal))
                            url = "https:" + f.ConfigKey.Substring(0, Math.Max(2, f.ConfigKey.IndexOf(":_", StringComparison.Ordinal)));
                }
            }
            if (url == null && path.Job.Job.Facts.TryGetValue("registry-url", out var fromSetup)) url = fromSetup;
            path.Output.RegistryUrl = url == null ? null : Safe(url);
            path.Output.Registry = RegistryKind(url);
        }

        internal static NpmPublishRegistry RegistryKind(string? url)
        {
            if (string.IsNullOrWhiteSpace(url)) return NpmPublishRegistry.Npmjs;
            var host = url!.Trim();
            var scheme = host.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0) host = host.Substring(scheme + 3);
            host = host.TrimStart('/');
            var slash = host.IndexOf('/');
            if (slash >= 0) host = host.Substring(0, slash);
            host = host.ToLowerInvariant();
            if (host == "registry.npmjs.org" || host == "registry.npmjs.com") return NpmPublishRegistry.Npmjs;
            if (host == "npm.pkg.github.com") return NpmPublishRegistry.GitHubPackages;
            if (host.StartsWith("${{", StringComparison.Ordinal) || host.StartsWith("$", StringComparison.Ordinal)) return NpmPublishRegistry.Other;
            return NpmPublishRegistry.Other;
        }

        // ---- triggers and gates ---------------------------------------------------------------------------------

        private static IReadOnlyList<CiTrigger> Triggers(JobFacts job)
        {
            var triggers = job.Job.Triggers ?? job.Definition.Triggers;
            // a job condition that names events (github.event_name == 'release') narrows the triggers to those
            var condition = job.Job.Condition;
            if (string.IsNullOrEmpty(condition) || triggers.Count < 2) return triggers;
            var named = EventNames(condition!);
            // startsWith(github.ref, 'refs/tags/') on a push workflow: only tag pushes reach the job
            if (named.Count == 0 && condition!.IndexOf("'refs/tags/", StringComparison.Ordinal) >= 0 && condition.IndexOf("startsWith(github.ref", StringComparison.Ordinal) >= 0 &&
                condition.IndexOf("||", StringComparison.Ordinal) < 0 && triggers.Any(t => t.Kind == CiTriggerKind.Tag))
                return triggers.Where(t => t.Kind != CiTriggerKind.Push).ToList();
            if (named.Count == 0) return triggers;
            var kept = triggers.Where(t => named.Contains(t.Kind)).ToList();
            return kept.Count > 0 ? kept : triggers;
        }

        /// <summary>Trigger kinds named by <c>github.event_name == 'x'</c> comparisons in a condition.</summary>
        internal static HashSet<CiTriggerKind> EventNames(string condition)
        {
            var kinds = new HashSet<CiTriggerKind>();
            var at = 0;
            while (true)
            {
                var i = condition.IndexOf("github.event_name", at, StringComparison.Ordinal);
                if (i < 0) break;
                var j = i + "github.event_name".Length;
                while (j < condition.Length && condition[j] == ' ') j++;
                at = j;
                if (j + 1 >= condition.Length || condition[j] != '=' || condition[j + 1] != '=') continue;
                j += 2;
                while (j < condition.Length && condition[j] == ' ') j++;
                if (j >= condition.Length || condition[j] != '\'') continue;
                var end = condition.IndexOf('\'', j + 1);
                if (end < 0) break;
                switch (condition.Substring(j + 1, end - j - 1))
                {
                    case "push": kinds.Add(CiTriggerKind.Push); kinds.Add(CiTriggerKind.Tag); break;
                    case "release": kinds.Add(CiTriggerKind.Release); break;
                    case "workflow_dispatch": kinds.Add(CiTriggerKind.Manual); break;
                    case "pull_request": kinds.Add(CiTriggerKind.PullRequest); break;
                    case "pull_request_target": kinds.Add(CiTriggerKind.PullRequestTarget); break;
                    case "workflow_run": kinds.Add(CiTriggerKind.WorkflowRun); break;
                    case "schedule": kinds.Add(CiTriggerKind.Schedule); break;
                    case "workflow_call": kinds.Add(CiTriggerKind.WorkflowCall); break;
                }
                at = end + 1;
            }
            return kinds;
        }

        internal static string Describe(CiTrigger trigger) =>
            trigger.Detail == null ? trigger.Kind.ToString() : trigger.Kind.ToString() + " (" + trigger.Detail + ")";

        /// <summary>The step's own gate where the platform gates steps (Jenkins), else the job's, else the first gate among
        /// the jobs it needs (transitively): a job cannot start before the jobs it needs have passed their gates.</summary>
        private static CiGate Gate(JobFacts job, CiStep step, IReadOnlyList<JobFacts> jobs)
        {
            var own = step.Gate ?? job.Job.Gate;
            if (own.Kind != CiGateKind.None) return own;
            var byId = new Dictionary<string, CiJob>(StringComparer.Ordinal);
            foreach (var j in jobs) byId[j.Job.Id] = j.Job;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>(job.Job.Needs);
            while (queue.Count > 0)
            {
                var id = queue.Dequeue();
                if (!seen.Add(id) || !byId.TryGetValue(id, out var needed)) continue;
                if (needed.Gate.Kind != CiGateKind.None)
                    return new CiGate(needed.Gate.Kind, (needed.Gate.Name ?? needed.Id) + " (job " + needed.Id + ")", needed.Gate.Source);
                foreach (var n in needed.Needs) queue.Enqueue(n);
            }
            return CiGate.None;
        }

        internal static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
    }
}
