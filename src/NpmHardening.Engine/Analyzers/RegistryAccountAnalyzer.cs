using System.Collections.Generic;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>What a registry says about an account (Get-NpmAccount -Audit): its two-factor mode, NPMH7101.</summary>
    public sealed class RegistryAccountAnalyzer : INpmAnalyzer<NpmAccount>
    {
        public IReadOnlyCollection<string> RuleIds { get; } = new[] { OnlineAudit.AccountTwoFactor };

        public IEnumerable<NpmFinding> Analyze(NpmAccount input) => OnlineAudit.ForAccount(input);
    }
}
