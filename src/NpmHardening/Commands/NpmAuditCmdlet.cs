using System;
using System.Management.Automation;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Policy;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The audit cmdlets (Get-NpmSecurityPosture, Test-NpmrcToken and every audit that follows): -Policy, -ExcludeRule and
    /// -Severity, declared once, and the one way they are applied to findings (the engine's <see cref="NpmFindingFilter"/>).
    /// A subclass calls <see cref="LoadPolicy"/> in BeginProcessing and passes every finding through <see cref="Admit"/>;
    /// the work is <see cref="NpmAuditSelection"/>'s, shared with the online audits (<see cref="NpmRegistryCmdlet"/>).
    /// </summary>
    public abstract class NpmAuditCmdlet : NpmProfileCmdlet
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Policy { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(NpmRuleIdCompleter))]
        [ValidateNotNullOrEmpty]
        [ValidateWildcardPattern]
        public string[]? ExcludeRule { get; set; }

        // an int behind the enum, as for -Baseline: a field of an engine enum would need the engine to lay out this class
        private int _severity = -1;

        [Parameter]
        public NpmSeverity Severity { get => (NpmSeverity)Math.Max(0, _severity); set => _severity = (int)value; }

        /// <summary>The policy and the filters; set by <see cref="LoadPolicy"/>.</summary>
        private NpmAuditSelection _selection = null!;

        /// <summary>The policy read from -Policy; null without it.</summary>
        protected NpmHardeningPolicy? LoadedPolicy => _selection?.Filter.Policy;

        /// <summary>Reads -Policy (a terminating error naming the file and line when it cannot be used) and builds the filter.</summary>
        protected void LoadPolicy() =>
            _selection = NpmAuditSelection.Load(this, Policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);

        /// <summary>
        /// False when the finding is not to be written (an excluded rule, below -Severity); a finding a policy exception
        /// covers is marked Suppressed. <paramref name="locations"/> are what an exception's Location may match.
        /// </summary>
        protected bool Admit(NpmFinding finding, params string?[] locations) => _selection.Apply(finding, locations);

        /// <summary>At the end of the run: each unexpired exception that suppressed nothing, as a verbose line (it may be stale).</summary>
        protected void ReportUnusedExceptions() => _selection?.ReportUnusedExceptions();
    }
}
