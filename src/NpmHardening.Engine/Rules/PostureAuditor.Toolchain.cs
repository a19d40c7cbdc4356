using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Rules
{
    // 1xxx: npm and node found, Node.js end-of-life, npm too old for a protection
    internal sealed partial class AuditRun
    {
        private IEnumerable<NpmSecurityFinding> NpmFound(NpmSecurityRule rule)
        {
            var npm = R.Installation;
            if (npm.NpmFound)
                yield return New(rule, NpmFindingStatus.Pass, $"npm {npm.NpmVersion} is installed at {npm.NpmRoot}.",
                    setting: "npm", actual: npm.NpmVersion, expected: rule.ExpectedText);
            else
                yield return New(rule, NpmFindingStatus.Warning,
                    $"npm was not found; its settings are judged with the definitions and defaults of npm {Version}, which may not be the npm that runs here.",
                    setting: "npm", actual: "not found", expected: rule.ExpectedText, remediation: FromCatalog(rule));
        }

        private IEnumerable<NpmSecurityFinding> NodeFound(NpmSecurityRule rule)
        {
            var npm = R.Installation;
            if (!npm.NodeFound)
                yield return New(rule, NpmFindingStatus.Warning,
                    "node was not found; the global and builtin config files cannot be located, so their settings are not audited.",
                    setting: "node", actual: "not found", expected: rule.ExpectedText, remediation: FromCatalog(rule));
            else if (npm.NodeVersion == null)
                yield return New(rule, NpmFindingStatus.Warning, $"node is at {npm.NodePath} but its version could not be read; its end-of-life cannot be judged.",
                    setting: "node", actual: "unknown version", expected: rule.ExpectedText, remediation: FromCatalog(rule));
            else
                yield return New(rule, NpmFindingStatus.Pass, $"node {npm.NodeVersion} is installed at {npm.NodePath}.",
                    setting: "node", actual: npm.NodeVersion, expected: rule.ExpectedText);
        }

        private IEnumerable<NpmSecurityFinding> NodeEndOfLife(NpmSecurityRule rule)
        {
            var text = R.Installation.NodeVersion;
            if (text == null || !NpmVersion.TryParse(text, out var node))
            {
                yield return New(rule, NpmFindingStatus.NotApplicable,
                    R.Installation.NodeFound ? "node's version is unknown, so its end-of-life cannot be judged." : "node was not found.",
                    setting: "node", actual: text, expected: rule.ExpectedText);
                yield break;
            }
            var now = _request.Now;
            var suggestion = SuggestedNode(now);
            var remediation = Advice(rule.Remediation + (suggestion != null ? $"; Node.js {suggestion.Major} LTS{(suggestion.Codename != null ? " (" + suggestion.Codename + ")" : "")} is supported until {Day(suggestion.EndOfLife)}" : ""));
            var releases = _catalog.NodeReleases;
            var line = _catalog.FindNodeRelease(node.Major);
            if (line == null)
            {
                if (releases.Count > 0 && node.Major < releases[0].Major)
                    yield return New(rule, NpmFindingStatus.Fail,
                        $"Node.js {node.Major} is older than every release line still tracked (the oldest, Node {releases[0].Major}, reached end-of-life on {Day(releases[0].EndOfLife)}); it gets no security fixes.",
                        setting: "node", actual: text, expected: Expected(now), remediation: remediation);
                else
                    yield return New(rule, NpmFindingStatus.Pass,
                        $"Node.js {node.Major} is newer than this module's end-of-life table; assumed supported.",
                        setting: "node", actual: text, expected: Expected(now));
                yield break;
            }
            var name = $"Node.js {line.Major}" + (line.Codename != null ? $" ({line.Codename})" : "");
            if (now >= line.EndOfLife)
                yield return New(rule, NpmFindingStatus.Fail,
                    $"{name} reached end-of-life on {Day(line.EndOfLife)} and no longer receives security fixes.",
                    setting: "node", actual: text, expected: Expected(now), remediation: remediation);
            else if (now >= line.EndOfLife.AddDays(-_catalog.NodeEndOfLifeWarningDays))
                yield return New(rule, NpmFindingStatus.Warning,
                    $"{name} reaches end-of-life on {Day(line.EndOfLife)}, in {(int)System.Math.Ceiling((line.EndOfLife - now).TotalDays)} days; plan the upgrade.",
                    setting: "node", actual: text, expected: Expected(now), remediation: remediation);
            else
                yield return New(rule, NpmFindingStatus.Pass, $"{name} is supported until {Day(line.EndOfLife)}.",
                    setting: "node", actual: text, expected: Expected(now));
        }

        /// <summary>The LTS line that is released and supported longest from <paramref name="now"/>.</summary>
        private NodeReleaseLine? SuggestedNode(System.DateTimeOffset now)
        {
            // A loop, not OrderByDescending: LINQ's ordering over a DateTimeOffset key is framework code no ReadyToRun
            // image holds, JIT-compiled in every process's first audit (issue 10 F). Ties go to the earlier line, as
            // the stable sort's first element did.
            NodeReleaseLine? best = null;
            foreach (var n in _catalog.NodeReleases)
                if (n.LtsStart <= now && n.EndOfLife > now && (best == null || n.EndOfLife > best.EndOfLife)) best = n;
            return best;
        }

        private string Expected(System.DateTimeOffset now)
        {
            var supported = _catalog.NodeReleases.Where(n => n.Start <= now && n.EndOfLife > now).Select(n => n.Major.ToString(CultureInfo.InvariantCulture)).ToList();
            return supported.Count > 0 ? "a supported release line (Node.js " + string.Join(", ", supported) + ")" : "a supported release line";
        }

        private static string Day(System.DateTimeOffset d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private IEnumerable<NpmSecurityFinding> NpmFeature(NpmSecurityRule rule)
        {
            var feature = rule.Feature ?? throw new System.InvalidOperationException($"{rule.Id} names no npm feature.");
            var expected = $"npm ≥ {feature.Minimum}";
            if (!R.Installation.NpmFound)
            {
                yield return New(rule, NpmFindingStatus.NotApplicable, $"npm was not found, so its support for {feature.Title} cannot be judged.",
                    setting: "npm", actual: "not found", expected: expected);
                yield break;
            }
            if (Version >= feature.Minimum)
                yield return New(rule, NpmFindingStatus.Pass, $"npm {Version} supports {feature.Title} (npm ≥ {feature.Minimum}).",
                    setting: "npm", actual: Version.ToString(), expected: expected);
            else
                yield return New(rule, NpmFindingStatus.Warning,
                    $"npm {Version} cannot use {feature.Title}: upgrade npm to ≥ {feature.Minimum}.",
                    setting: "npm", actual: Version.ToString(), expected: expected, remediation: FromCatalog(rule));
        }
    }
}
