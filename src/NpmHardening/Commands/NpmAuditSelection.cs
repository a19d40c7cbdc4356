using System;
using System.Collections.Generic;
using System.Management.Automation;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Policy;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Commands
{
    /// <summary>
    /// How -Policy, -ExcludeRule and -Severity act on the findings of one pipeline, for every cmdlet that takes them
    /// (the offline audits through <see cref="NpmAuditCmdlet"/>, the online audits through <see cref="NpmRegistryCmdlet"/>,
    /// Test-NpmHardening's -Policy): the policy read once, the engine's <see cref="NpmFindingFilter"/>, expired exceptions as
    /// warnings, exceptions that suppressed nothing as verbose lines.
    /// </summary>
    internal sealed class NpmAuditSelection
    {
        private readonly Cmdlet _cmdlet;

        private NpmAuditSelection(Cmdlet cmdlet, NpmFindingFilter filter, NpmHardeningPolicy? policy)
        {
            _cmdlet = cmdlet;
            Filter = filter;
            Policy = policy;
        }

        public NpmFindingFilter Filter { get; }
        /// <summary>The policy read from -Policy; null without one.</summary>
        public NpmHardeningPolicy? Policy { get; }

        /// <summary>
        /// Reads <paramref name="policyPath"/> (a terminating error naming the file and line when it cannot be used), warns
        /// about -ExcludeRule patterns that match no rule and builds the filter.
        /// </summary>
        public static NpmAuditSelection Load(PSCmdlet cmdlet, string? policyPath, string[]? excludeRule, NpmSeverity? minimum)
        {
            var policy = policyPath != null ? ReadPolicy(cmdlet, policyPath) : null;
            if (excludeRule != null)
                foreach (var pattern in Engine.Rules.RuleCatalog.Default.UnmatchedRuleIds(excludeRule))
                    cmdlet.WriteWarning($"-ExcludeRule '{pattern}' matches no rule of the catalog (Get-NpmRule lists them).");
            var warned = new HashSet<string>(StringComparer.Ordinal);
            var filter = new NpmFindingFilter(policy, excludeRule, minimum, DateTime.Today)
            {
                // an expired exception is reported once per exception and message
                Expired = (x, rule, message) =>
                {
                    if (warned.Add(x.Source + "\n" + message))
                        cmdlet.WriteWarning($"The exception for {rule} at {x.Source} expired on {x.Expires:yyyy-MM-dd} and no longer suppresses: {message}");
                },
            };
            return new NpmAuditSelection(cmdlet, filter, policy);
        }

        /// <summary>
        /// False when the finding is not to be written (an excluded rule, below -Severity); a finding an unexpired policy
        /// exception covers is marked Suppressed with its <see cref="NpmFinding.Suppression"/>. Without
        /// <paramref name="locations"/>, an exception's Location may match any part of the finding's Location.
        /// </summary>
        public bool Apply(NpmFinding finding, params string?[] locations) =>
            locations.Length == 0 ? Filter.Apply(finding) : Filter.Apply(finding, locations);

        /// <summary>At the end of the run: each unexpired exception that suppressed nothing, as a verbose line (it may be stale).</summary>
        public void ReportUnusedExceptions()
        {
            foreach (var x in Filter.Unused())
                _cmdlet.WriteVerbose($"The exception for {x.RuleId} at {x.Source} suppressed no finding in this run.");
        }

        /// <summary>-Policy for any cmdlet: the path resolved from the PowerShell location.</summary>
        private static NpmHardeningPolicy ReadPolicy(PSCmdlet cmdlet, string given)
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
    }
}
