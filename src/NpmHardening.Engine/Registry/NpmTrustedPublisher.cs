using System;
using System.Collections;

namespace NpmHardening
{
    /// <summary>
    /// One trusted publisher (OIDC) configuration of a package, as <c>GET /-/package/{name}/trust</c> returns it
    /// (Get-NpmTrustedPublisher), or the one Set-NpmTrustedPublisher asks for. Property names match
    /// Set-NpmTrustedPublisher's parameters, so a configuration (or a finding about one) pipes into it.
    /// </summary>
    public sealed class NpmTrustedPublisher
    {
        public string Package { get; set; } = "";
        /// <summary>GitHub, GitLab, CircleCI, Buildkite, or the registry's own word for a type this module does not know.</summary>
        public string Provider { get; set; } = "";
        /// <summary>GitHub: owner/repo (claim repository); GitLab: group/project (claim project_path).</summary>
        public string? Repository { get; set; }
        /// <summary>GitHub: the workflow file under .github/workflows (workflow_ref.file); GitLab: the CI file (ci_config_ref_uri.file).</summary>
        public string? WorkflowFile { get; set; }
        /// <summary>The CI environment the token must come from (GitHub, GitLab); null: any.</summary>
        public string? Environment { get; set; }
        /// <summary>CircleCI claims (oidc.circleci.com/...).</summary>
        public string? OrgId { get; set; }
        public string? ProjectId { get; set; }
        public string? PipelineDefinitionId { get; set; }
        /// <summary>CircleCI: host/owner/repo, no scheme.</summary>
        public string? VcsOrigin { get; set; }
        public string[]? ContextId { get; set; }
        /// <summary>Buildkite claims organization_slug and pipeline_slug.</summary>
        public string? Organization { get; set; }
        public string? Pipeline { get; set; }
        /// <summary>permissions[] as the registry states it (createPackage, createStagedPackage); null: the configuration has none (a legacy one).</summary>
        public string[]? Permissions { get; set; }
        /// <summary>createPackage: a CI run can publish straight to npm install, no human in between. True as well for a legacy configuration without permissions.</summary>
        public bool AllowsDirectPublish { get; set; }
        /// <summary>createStagedPackage: a CI run can stage a version that a maintainer approves. Null for a legacy configuration (unknown).</summary>
        public bool? AllowsStagePublish { get; set; }
        /// <summary>The registry's id (a UUID) of the configuration: what Remove-NpmTrustedPublisher deletes.</summary>
        public string? ConfigId { get; set; }
        /// <summary>claims as the registry returned them (name → text; objects as JSON).</summary>
        public Hashtable Claims { get; set; } = new Hashtable(StringComparer.Ordinal);
        /// <summary>The registry asked (without user info or query).</summary>
        public string Registry { get; set; } = "";

        /// <summary>Where the token may come from, in one phrase.</summary>
        public string Source =>
            Provider == "CircleCI" ? $"CircleCI {VcsOrigin ?? "?"} (pipeline {PipelineDefinitionId ?? "?"})"
            : Provider == "Buildkite" ? $"Buildkite {Organization ?? "?"}/{Pipeline ?? "?"}"
            : $"{Provider} {Repository ?? "?"}" + (WorkflowFile != null ? " " + WorkflowFile : "") + (Environment != null ? " (environment " + Environment + ")" : "");

        public override string ToString() => $"{Package}: {Source}" + (ConfigId != null ? $" [{ConfigId}]" : "");
    }
}
