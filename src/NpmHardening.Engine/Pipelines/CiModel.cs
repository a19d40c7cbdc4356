using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines
{
    // The platform-neutral shape every CI reader produces. A reader knows its platform's syntax (YAML keys, Groovy
    // blocks) and nothing about npm; the publish-path finder knows npm and nothing about any platform's syntax. Each
    // element keeps the file and line it came from, because a template or an include can put a job's steps in
    // another file than the job itself, and every finding must point at the line a reviewer has to change.

    /// <summary>The CI systems whose definitions the module reads.</summary>
    public enum CiPlatform
    {
        GitHubActions,
        AzurePipelines,
        GitLabCi,
        CircleCi,
        BitbucketPipelines,
        Jenkins,
    }

    /// <summary>What starts a run. Untrusted kinds (code from outside the repository can reach the job) are listed
    /// separately so that a rule can name them: <c>PullRequestTarget</c>, <c>WorkflowRun</c>, <c>ForkPullRequest</c>.</summary>
    public enum CiTriggerKind
    {
        Push,
        Tag,
        Release,
        PullRequest,
        PullRequestTarget,
        ForkPullRequest,
        WorkflowRun,
        Manual,
        Schedule,
        WorkflowCall,
        Other,
    }

    /// <summary>What stands between a trigger and the publish step. Ascending by how much a human is involved.</summary>
    public enum CiGateKind
    {
        None,
        /// <summary>A named deployment environment; whether it has required reviewers is configured on the server.</summary>
        Environment,
        /// <summary>A person must start the job (GitLab <c>when: manual</c>, Bitbucket <c>trigger: manual</c>, Jenkins <c>input</c>).</summary>
        Manual,
        /// <summary>An explicit approval step (CircleCI <c>type: approval</c>, an Azure environment's approval check).</summary>
        Approval,
    }

    /// <summary>The shell a script runs in; decides how the script is tokenized.</summary>
    public enum CiShell
    {
        /// <summary>bash, sh, zsh and other POSIX shells (the default on Linux runners).</summary>
        Posix,
        PowerShell,
        Cmd,
        Unknown,
    }

    internal enum CiStepKind
    {
        /// <summary>A shell script (<c>run:</c>, <c>script:</c>, <c>sh '…'</c>).</summary>
        Script,
        /// <summary>A packaged action, task, orb command or pipe, with inputs (<c>uses:</c>, <c>task:</c>, <c>pipe:</c>).</summary>
        Action,
    }

    /// <summary>A place in a CI file (1-based line; 0 when the reader could not tell).</summary>
    internal readonly struct CiSource
    {
        public CiSource(string file, int line) { File = file; Line = line; }
        /// <summary>Path relative to the repository root, with '/' separators.</summary>
        public string File { get; }
        public int Line { get; }
        public override string ToString() => File + ":" + Line;
    }

    internal sealed class CiTrigger
    {
        public CiTrigger(CiTriggerKind kind, string? detail, CiSource source) { Kind = kind; Detail = detail; Source = source; }
        public CiTriggerKind Kind { get; }
        /// <summary>Filters as written (branches, tags, types), for the report; null when none.</summary>
        public string? Detail { get; }
        public CiSource Source { get; }
    }

    internal sealed class CiGate
    {
        public static readonly CiGate None = new CiGate(CiGateKind.None, null, default);
        public CiGate(CiGateKind kind, string? name, CiSource source) { Kind = kind; Name = name; Source = source; }
        public CiGateKind Kind { get; }
        /// <summary>Environment, approval job or input name; null when the gate has none.</summary>
        public string? Name { get; }
        public CiSource Source { get; }
    }

    /// <summary>A variable a definition sets for its scripts (env:, variables:, withCredentials bindings).</summary>
    internal sealed class CiVariable
    {
        public CiVariable(string name, string? value, string? secretName, CiSource source)
        {
            Name = name; Value = value; SecretName = secretName; Source = source;
        }
        public string Name { get; }
        /// <summary>The value as written (an expression such as <c>${{ secrets.NPM_TOKEN }}</c> stays unevaluated); null when bound by the platform.</summary>
        public string? Value { get; }
        /// <summary>The CI secret or credential this variable is bound to (<c>NPM_TOKEN</c> from <c>secrets.NPM_TOKEN</c>,
        /// a Jenkins credentials id, an Azure secret variable), or null when the value is not a secret reference.</summary>
        public string? SecretName { get; }
        public CiSource Source { get; }
    }

    internal sealed class CiStep
    {
        public CiStep(CiStepKind kind, string? name, CiSource source)
        {
            Kind = kind; Name = name; Source = source;
        }

        public CiStepKind Kind { get; }
        public string? Name { get; }
        public CiSource Source { get; }

        /// <summary>Script text as the shell receives it (platform macros left as written); null for actions.</summary>
        public string? Script { get; set; }
        public CiShell Shell { get; set; } = CiShell.Unknown;
        /// <summary>Line in <see cref="Source"/>'s file of the script's first line; line i of the script is ScriptLine + i
        /// for block scalars. 0 when unknown (then findings point at the step).</summary>
        public int ScriptLine { get; set; }

        /// <summary>Action, task, orb command or pipe reference as written (<c>actions/setup-node@v4</c>, <c>Npm@1</c>,
        /// <c>atlassian/npm-publish:0.3.2</c>, <c>./.github/actions/release</c>); null for scripts.</summary>
        public string? ActionRef { get; set; }
        /// <summary>Inputs as written (<c>with:</c>, <c>inputs:</c>, pipe <c>variables:</c>), ordinal keys.</summary>
        public IReadOnlyDictionary<string, string> Inputs { get; set; } = NoInputs;

        // a script step has no inputs: one shared empty dictionary (read-only, so no step can add to another's) instead
        // of one per step read
        private static readonly IReadOnlyDictionary<string, string> NoInputs =
            new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(new Dictionary<string, string>(System.StringComparer.Ordinal));

        public IReadOnlyList<CiVariable> Env { get; set; } = System.Array.Empty<CiVariable>();
        public string? WorkingDirectory { get; set; }
        /// <summary>The step's condition as written (<c>if:</c>, <c>condition:</c>); null when unconditional.</summary>
        public string? Condition { get; set; }
        /// <summary>The gate in force when this step runs, on platforms that can gate a step inside a job (a Jenkins
        /// <c>input</c> between two steps of a stage); null where the step runs behind its job's gate.</summary>
        public CiGate? Gate { get; set; }
        /// <summary>The declared name of a local action the reader cannot expand (a JavaScript or Docker action in the
        /// repository, <c>uses: ./</c>), or null.</summary>
        public string? LocalActionName { get; set; }
    }

    internal sealed class CiJob
    {
        public CiJob(string id, CiSource source) { Id = id; Source = source; }

        /// <summary>The job's key or stage/job path (<c>release</c>, <c>Release/Publish</c>).</summary>
        public string Id { get; }
        public string? Name { get; set; }
        public CiSource Source { get; }

        /// <summary>Triggers that can start this job: the definition's, narrowed by the job's own rules where the
        /// reader can tell (GitLab <c>rules</c>/<c>only</c>, a workflow's <c>filters</c>); null means "the definition's".</summary>
        public IReadOnlyList<CiTrigger>? Triggers { get; set; }
        public CiGate Gate { get; set; } = CiGate.None;
        /// <summary>The job asks for an OIDC identity token (<c>id-token: write</c>, GitLab <c>id_tokens</c>, Bitbucket
        /// <c>oidc: true</c>, a CircleCI job that reads its OIDC token into NPM_ID_TOKEN). A CircleCI context alone is not a request. Whether
        /// npm accepts the token is the finder's question: npm trusts GitHub Actions, GitLab and CircleCI, not Bitbucket.</summary>
        public bool RequestsOidc { get; set; }
        /// <summary>The audience requested, where the platform names one (GitLab <c>aud</c>); null otherwise.</summary>
        public string? OidcAudience { get; set; }
        public IReadOnlyList<string> Needs { get; set; } = System.Array.Empty<string>();
        public IReadOnlyList<CiVariable> Env { get; set; } = System.Array.Empty<CiVariable>();
        public IReadOnlyList<CiStep> Steps { get; set; } = System.Array.Empty<CiStep>();
        public string? Condition { get; set; }
        /// <summary>Named credential sets the job receives (CircleCI contexts, Azure variable groups, GitLab protected variables are invisible).</summary>
        public IReadOnlyList<string> Contexts { get; set; } = System.Array.Empty<string>();
        /// <summary>Platform-specific facts a rule may need, ordinal keys (e.g. <c>node-version</c> from setup-node).</summary>
        public IDictionary<string, string> Facts { get; } = new Dictionary<string, string>(System.StringComparer.Ordinal);
    }

    /// <summary>One CI definition after its in-repository includes and templates are resolved.</summary>
    internal sealed class CiDefinition
    {
        public CiDefinition(CiPlatform platform, string file) { Platform = platform; File = file; }
        public CiPlatform Platform { get; }
        /// <summary>Path relative to the repository root, with '/' separators.</summary>
        public string File { get; }
        /// <summary>Workflow or pipeline name, or null.</summary>
        public string? Name { get; set; }
        public IReadOnlyList<CiTrigger> Triggers { get; set; } = System.Array.Empty<CiTrigger>();
        public IReadOnlyList<CiVariable> Env { get; set; } = System.Array.Empty<CiVariable>();
        public IReadOnlyList<CiJob> Jobs { get; set; } = System.Array.Empty<CiJob>();
        /// <summary>OIDC permission granted to every job (GitHub top-level <c>permissions: id-token: write</c>).</summary>
        public bool RequestsOidc { get; set; }
        /// <summary>Files read to build this definition (templates, includes, local actions), relative, '/' separators.</summary>
        public IReadOnlyList<string> IncludedFiles { get; set; } = System.Array.Empty<string>();
        /// <summary>Includes and templates outside the repository (a GitLab remote/project/template/component include,
        /// an Azure <c>template: x.yml@other-repo</c>), as written: noted, never fetched. What they add is unknown.</summary>
        public IReadOnlyList<string> RemoteIncludes { get; set; } = System.Array.Empty<string>();
        /// <summary>A variable a script references that the definition does not set comes from the platform's settings,
        /// where the platform keeps secrets (CircleCI project variables and contexts, Bitbucket repository, workspace and
        /// deployment variables, Jenkins global and node properties): <c>$NPM_TOKEN</c> there is a secret. False where such
        /// a name is merely unset.</summary>
        public bool ImplicitSecretVariables { get; set; }
        /// <summary>Parts of the file the reader had to skip (a step in a shape it cannot use, a template the repository
        /// does not have), each with its file and line; the rest of the definition was read. The scanner reports each once.</summary>
        public IReadOnlyList<CiDefinitionException> SkippedParts { get; set; } = System.Array.Empty<CiDefinitionException>();
    }
}
