using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>The posture audit of one context's resolved configuration (Get-NpmSecurityPosture): every offline catalog rule.</summary>
    public sealed class ResolvedConfigAnalyzer : INpmAnalyzer<PostureRequest>
    {
        public IReadOnlyCollection<string> RuleIds { get; } =
            RuleCatalog.Default.Rules.Where(r => r.InPostureAudit).Select(r => r.Id).ToList().AsReadOnly();

        public IEnumerable<NpmFinding> Analyze(PostureRequest input) => PostureAuditor.Audit(input);
    }
}
