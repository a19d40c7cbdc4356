using System;
using System.Management.Automation;
using NpmHardening.Engine.Findings;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The parameters of an audit over files and folders of a tree (Test-NpmLockfile, Get-NpmPublishPipeline): the
    /// targets as -Path (wildcards, pipeline) or -LiteralPath (also by property: PSPath, FullName), -Recurse, and the
    /// finding selection -Policy, -ExcludeRule and -Severity shared with the other audits. The cmdlet keeps its own
    /// parameter sets "Path" and "LiteralPath" and decides what -Recurse walks.
    /// </summary>
    public abstract class NpmTreeAuditCmdlet : NpmHardeningCmdlet
    {
        [Parameter(Position = 0, ParameterSetName = "Path", ValueFromPipeline = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        // FullName as well as PSPath: objects from Import-Csv or Select-Object keep FullName but lose PSPath.
        [Parameter(ParameterSetName = "LiteralPath", Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP", "FullName")]
        [ValidateNotNullOrEmpty]
        public string[]? LiteralPath { get; set; }

        [Parameter]
        public SwitchParameter Recurse { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[]? ExcludeRule { get; set; }

        // an int behind the enum, as on NpmAuditCmdlet: a field of an engine enum would need the engine to lay out this class
        private int _severity = -1;

        [Parameter]
        public NpmSeverity Severity { get => (NpmSeverity)Math.Max(0, _severity); set => _severity = (int)value; }

        /// <summary>The policy and exclusions of -Policy, -ExcludeRule and -Severity (terminating error on a bad policy file).</summary>
        private protected NpmAuditSelection LoadSelection() => NpmAuditSelection.Load(this, Policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);
    }
}
