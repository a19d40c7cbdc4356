using System;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening
{
    /// <summary>How a CI step publishes.</summary>
    public enum NpmPublishMethod
    {
        /// <summary><c>npm publish</c>, <c>pnpm publish</c>, <c>yarn npm publish</c>, <c>yarn publish</c>: live at once.</summary>
        Publish,
        /// <summary><c>npm stage publish</c>: a staged version a maintainer approves with 2FA.</summary>
        StagePublish,
        /// <summary>A CI action, task or pipe that publishes (<c>JS-DevTools/npm-publish</c>, <c>changesets/action</c>, Azure <c>Npm@1</c>, the Bitbucket npm-publish pipe).</summary>
        Action,
        /// <summary>A release tool that publishes (semantic-release, <c>changeset publish</c>, <c>lerna publish</c>, <c>nx release publish</c>).</summary>
        ReleaseTool,
    }

    /// <summary>How the publish authenticates to the registry.</summary>
    public enum NpmPublishAuth
    {
        /// <summary>A long-lived token from a CI secret (or the CI's job token for GitHub Packages).</summary>
        StaticToken,
        /// <summary>An OIDC identity token exchanged for a short-lived publish credential (trusted publishing).</summary>
        Oidc,
        /// <summary>OIDC is available and a token is present as well.</summary>
        Both,
        /// <summary>No credential is visible to the step.</summary>
        None,
        /// <summary>A credential may come from somewhere the definition does not show (a remote workflow, an unnamed secret).</summary>
        Unknown,
    }

    /// <summary>How widely the publish token is visible, widest wins: a file outlives the step that wrote it.</summary>
    public enum NpmTokenExposure
    {
        None,
        /// <summary>Only the publish step's own environment.</summary>
        Step,
        /// <summary>Every step of the job (job-level env).</summary>
        Job,
        /// <summary>Every job of the workflow (workflow-level env).</summary>
        Workflow,
        /// <summary>Written into a file (.npmrc) that later steps, caches and artifacts can read.</summary>
        File,
    }

    /// <summary>Where a publish goes.</summary>
    public enum NpmPublishRegistry
    {
        Npmjs,
        GitHubPackages,
        Other,
    }

    /// <summary>
    /// One CI step that can publish to an npm registry (Get-NpmPublishPipeline): where it is, how it publishes, with
    /// what credential, what starts it and what stands in front of it, and which pipeline rules it breaks. Plain
    /// settable properties, no secrets (token names only, never values), so it survives jobs, remoting and CLIXML.
    /// </summary>
    public sealed class NpmPublishStep
    {
        /// <summary>The repository root folder.</summary>
        public string Repository { get; set; } = "";
        /// <summary>The CI file the step is written in, relative to <see cref="Repository"/>, '/' separators
        /// (a composite action's or reusable workflow's file when the step comes from one).</summary>
        public string File { get; set; } = "";
        /// <summary>Full path of <see cref="File"/>.</summary>
        public string Path { get; set; } = "";
        /// <summary>1-based line of the publish command (or of the step).</summary>
        public int Line { get; set; }
        public CiPlatform Platform { get; set; }
        /// <summary>The workflow or pipeline: its name, or its file when it has none.</summary>
        public string? Workflow { get; set; }
        /// <summary>The job id (<c>publish</c>; <c>release/npm</c> for a job of a reusable workflow called by job <c>release</c>).</summary>
        public string Job { get; set; } = "";
        /// <summary>The step's name, or what it runs when it has none.</summary>
        public string? Step { get; set; }
        /// <summary>The publish command or action as written (one line).</summary>
        public string Command { get; set; } = "";
        public NpmPublishMethod Method { get; set; }
        /// <summary>The program or action that publishes: npm, pnpm, yarn, semantic-release, changesets/action, …</summary>
        public string? Tool { get; set; }
        /// <summary>How a script reached the publish: <c>npm run release → release: changeset publish</c>; null when the step publishes itself.</summary>
        public string? Via { get; set; }
        public NpmPublishRegistry Registry { get; set; }
        /// <summary>The registry URL when the definition names one (setup-node registry-url, --registry, publishConfig, an .npmrc write).</summary>
        public string? RegistryUrl { get; set; }
        public NpmPublishAuth Auth { get; set; }
        /// <summary>Names of the CI secrets (or variables) that carry the token; never their values.</summary>
        public string[] TokenNames { get; set; } = Array.Empty<string>();
        public NpmTokenExposure TokenExposure { get; set; }
        /// <summary>The job can request an OIDC identity token.</summary>
        public bool RequestsOidc { get; set; }
        /// <summary>A provenance statement is published (--provenance, publishConfig.provenance, NPM_CONFIG_PROVENANCE, or trusted publishing).</summary>
        public bool Provenance { get; set; }
        /// <summary>What starts the job: <c>Push (branches: main)</c>, <c>Tag (tags: v*)</c>, <c>Release</c>, <c>PullRequestTarget</c>, …</summary>
        public string[] Triggers { get; set; } = Array.Empty<string>();
        public CiGateKind Gate { get; set; }
        /// <summary>The environment, approval job or input name of the gate; null without a gate.</summary>
        public string? GateName { get; set; }
        /// <summary>The job's or step's condition as written, when it has one.</summary>
        public string? Condition { get; set; }
        /// <summary>Ids of the pipeline rules this step breaks (the findings of -Audit).</summary>
        public string[] RuleIds { get; set; } = Array.Empty<string>();
        /// <summary>The highest severity among <see cref="RuleIds"/>; null when it breaks none.</summary>
        public NpmSeverity? Severity { get; set; }

        public override string ToString() => File + ":" + Line + " " + Job + " " + Method + " (" + Auth + ")";
    }
}
