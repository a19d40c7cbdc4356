using System.Collections.Generic;

namespace NpmHardening.Engine.Findings
{
    /// <summary>
    /// One analysis over one kind of input (a resolved configuration, an npmrc file, a set of credentials, a registry
    /// account; later CI definitions, lockfiles, registry objects), producing findings from catalog rules. An
    /// analyzer decides status, message, location, remediation data and any escalation with its reason; the catalog
    /// (through <see cref="FindingFactory"/>) decides title, area, default severity and reference. Policy, summaries
    /// and report writers consume the findings and never call back into an analyzer. One analyzer per file.
    /// </summary>
    /// <typeparam name="TInput">What the analysis reads.</typeparam>
    public interface INpmAnalyzer<in TInput>
    {
        /// <summary>The rule ids this analyzer can produce (each in the catalog).</summary>
        IReadOnlyCollection<string> RuleIds { get; }

        /// <summary>Judges the input; no finding carries a secret, and every finding has a FactId.</summary>
        IEnumerable<NpmFinding> Analyze(TInput input);
    }
}
