using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Rules
{
    internal sealed partial class AuditRun
    {
        /// <summary>
        /// NPMH9008: a configuration npm refuses to start with (every command exits 1). One failing finding per
        /// cause, with the file and line (or variable) that causes it; the other rules' findings then describe
        /// a configuration npm never applies.
        /// </summary>
        private IEnumerable<NpmSecurityFinding> NpmCannotStart(NpmSecurityRule rule)
        {
            bool any = false;
            foreach (var issue in R.Issues.Where(i => i.StopsNpm))
            {
                any = true;
                var f = New(rule, NpmFindingStatus.Fail, $"{issue.Source} {issue.Message}", setting: issue.Source, actual: issue.Kind.ToString(),
                    expected: rule.ExpectedText, remediation: FromCatalog(rule));
                f.Location = FindingFactory.File(issue.Source, issue.Line);
                f.Layer = LayerOf(issue.Source);
                yield return f;
            }
            if (!any) yield return New(rule, NpmFindingStatus.Pass, $"npm {Version} starts with this configuration.", expected: rule.ExpectedText);
        }
    }
}
