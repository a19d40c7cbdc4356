using System;
using System.Management.Automation;
using NpmHardening.Engine.Policy;

namespace NpmHardening.Commands
{
    /// <summary>
    /// The audit cmdlets (Get-NpmSecurityPosture, Test-NpmrcToken and every audit that follows): -Policy, -ExcludeRule and
    /// -Severity, declared once, and the one way they are applied to findings (the engine's <see cref="NpmFindingFilter"/>).
    /// A subclass calls <see cref="LoadPolicy"/> in BeginProcessing and passes every finding through <see cref="Admit"/>.
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
        public string[]? ExcludeRule { get; set; }

        // an int behind the enum, as for -Baseline: a field of an engine enum would need the engine to lay out this class
        private int _severity = -1;

        [Parameter]
        public NpmSeverity Severity { get => (NpmSeverity)Math.Max(0, _severity); set => _severity = (int)value; }

        /// <summary>The policy and the filters; set by <see cref="LoadPolicy"/>.</summary>
        protected NpmFindingFilter Filter { get; private set; } = null!;

        /// <summary>The policy read from -Policy; null without it.</summary>
        protected NpmHardeningPolicy? LoadedPolicy => Filter?.Policy;

        /// <summary>Reads -Policy (a terminating error naming the file and line when it cannot be used) and builds the filter.</summary>
        protected void LoadPolicy()
        {
            var policy = Policy != null ? ReadPolicy(this, Policy) : null;
            Filter = NewFilter(this, policy, ExcludeRule, _severity >= 0 ? Severity : (NpmSeverity?)null);
            if (ExcludeRule != null)
                foreach (var pattern in Engine.Rules.RuleCatalog.Default.UnmatchedRuleIds(ExcludeRule))
                    WriteWarning($"-ExcludeRule '{pattern}' matches no rule of the catalog (Get-NpmRule lists them).");
        }

        /// <summary>
        /// False when the finding is not to be written (an excluded rule, below -Severity); otherwise the suppression a
        /// policy exception gives it, if any. An expired exception has already been reported as a warning.
        /// </summary>
        protected bool Admit(string? ruleId, NpmSeverity severity, NpmFindingStatus status, string? context, string message,
            out NpmFindingSuppression? suppression, params string?[] locations)
        {
            suppression = null;
            if (!Filter.Selects(ruleId, severity)) return false;
            suppression = Filter.Suppression(ruleId, status, context, message, locations);
            return true;
        }

        /// <summary>At the end of the run: each unexpired exception that suppressed nothing, as a verbose line (it may be stale).</summary>
        protected void ReportUnusedExceptions() => ReportUnusedExceptions(this, Filter);

        internal static void ReportUnusedExceptions(Cmdlet cmdlet, NpmFindingFilter? filter)
        {
            if (filter == null) return;
            foreach (var x in filter.Unused())
                cmdlet.WriteVerbose($"The exception for {x.RuleId} at {x.Source} suppressed no finding in this run.");
        }

        /// <summary>-Policy for any cmdlet (Test-NpmHardening takes it too): the path resolved from the PowerShell location.</summary>
        internal static NpmHardeningPolicy ReadPolicy(PSCmdlet cmdlet, string given)
        {
            string path;
            try { path = cmdlet.GetUnresolvedProviderPathFromPSPath(given); }
            catch (Exception e) when (e is ProviderNotFoundException || e is DriveNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, "InvalidPolicyPath", ErrorCategory.InvalidArgument, given));
                throw;
            }
            try
            {
                var policy = NpmPolicyFile.Read(path);
                cmdlet.WriteVerbose($"Policy {path}: baseline {policy.Baseline?.ToString() ?? "(not set)"}, " +
                    $"{policy.AllowedRegistries?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"} allowed registr(ies), " +
                    $"{policy.ScopedRegistries.Count} scope(s), {policy.Exceptions.Length} exception(s).");
                return policy;
            }
            catch (NpmPolicyFileException e)
            {
                cmdlet.ThrowTerminatingError(NpmPolicyFile.ToErrorRecord(e));
                throw;
            }
        }

        /// <summary>The filter, with expired exceptions reported once per exception and message as warnings.</summary>
        internal static NpmFindingFilter NewFilter(Cmdlet cmdlet, NpmHardeningPolicy? policy, string[]? excludeRule, NpmSeverity? minimum)
        {
            var warned = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
            return new NpmFindingFilter(policy, excludeRule, minimum, DateTime.Today)
            {
                Expired = (x, rule, message) =>
                {
                    if (warned.Add(x.Source + "\n" + message))
                        cmdlet.WriteWarning($"The exception for {rule} at {x.Source} expired on {x.Expires:yyyy-MM-dd} and no longer suppresses: {message}");
                },
            };
        }
    }
}
