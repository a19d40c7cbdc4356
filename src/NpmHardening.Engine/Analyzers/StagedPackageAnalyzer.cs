using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Findings;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>
    /// The staged publishing rules (NPMH11xxx, Get-NpmStagedPackage -Audit) over one staged version: how long it has
    /// waited for review against the policy's Staging.MaximumAge (NPMH11001), and whether the actor that staged it is
    /// one of the policy's Staging.ExpectedPublishers (NPMH11002, judged only when the policy names them).
    /// </summary>
    public sealed class StagedPackageAnalyzer : INpmAnalyzer<NpmStagedPackage>
    {
        public const string WaitingTooLong = "NPMH11001";
        public const string UnexpectedPublisher = "NPMH11002";

        /// <summary>NPMH11001's limit when the policy names none.</summary>
        public static readonly TimeSpan DefaultMaximumAge = TimeSpan.FromDays(7);

        private readonly TimeSpan _maximumAge;
        private readonly string[]? _publishers;
        private readonly string _computer;

        public StagedPackageAnalyzer(NpmHardeningPolicy? policy, IPlatform? platform = null)
        {
            _maximumAge = policy?.StagedMaximumAge ?? DefaultMaximumAge;
            _publishers = policy?.ExpectedPublishers;
            _computer = FindingFactory.MachineOf(platform ?? SystemPlatform.Instance);
        }

        public IReadOnlyCollection<string> RuleIds { get; } = new[] { WaitingTooLong, UnexpectedPublisher };

        public IEnumerable<NpmFinding> Analyze(NpmStagedPackage input)
        {
            if (input == null) throw new ArgumentNullException(nameof(input));
            var what = $"{input.Package ?? "?"}@{input.Version ?? "?"} (stage {input.StageId})";
            if (input.Age is TimeSpan age)
            {
                bool old = age > _maximumAge;
                yield return New(WaitingTooLong, old ? NpmFindingStatus.Fail : NpmFindingStatus.Pass, input,
                    old ? $"{what} has waited {Days(age)} for review, longer than the {Days(_maximumAge)} the policy allows. Review it (Save-NpmStagedPackage, Compare-NpmStagedPackage) and approve or reject it."
                        : $"{what} has waited {Days(age)}, within the {Days(_maximumAge)} the policy allows.");
            }
            else
                yield return New(WaitingTooLong, NpmFindingStatus.Error, input, $"{what}: the registry gives no staging date, so its age cannot be judged.");

            if (_publishers == null) yield break;
            var actor = input.StagedBy;
            bool expected = actor != null && _publishers.Any(p => string.Equals(p, actor, StringComparison.OrdinalIgnoreCase));
            var by = actor == null ? "an unnamed actor" : input.ActorType != null ? $"{actor} ({input.ActorType})" : actor;
            yield return New(UnexpectedPublisher, expected ? NpmFindingStatus.Pass : NpmFindingStatus.Fail, input,
                expected ? $"{what} was staged by {by}, an expected publisher."
                    : $"{what} was staged by {by}, who is not among the policy's expected publishers ({string.Join(", ", _publishers)}). Find out who staged it and why before approving; reject it if nobody can say.");
        }

        private NpmFinding New(string id, NpmFindingStatus status, NpmStagedPackage input, string message)
        {
            var rule = RuleCatalog.Default[id];
            var finding = FindingFactory.Stamp(new NpmFinding(), rule, _computer);
            finding.Status = status;
            finding.Message = message;
            finding.Context = input.Registry;
            finding.Location = new NpmFindingLocation
            {
                Uri = input.Registry + (input.Registry.EndsWith("/", StringComparison.Ordinal) ? "" : "/") + "-/stage/" + input.StageId,
                Name = (input.Package ?? "?") + "@" + (input.Version ?? "?"),
            };
            if (status == NpmFindingStatus.Fail)
                finding.Remediation = new NpmRemediation
                {
                    Summary = rule.Title + ": " + rule.ExpectedText + ".",
                    NpmCommand = rule.Remediation.Replace("<stage-id>", input.StageId).Replace("{registry}", input.Registry),
                };
            finding.FactId = FindingFactory.FactId(finding);
            return FindingFactory.CompleteRemediation(finding);
        }

        private static string Days(TimeSpan t) =>
            t.TotalDays >= 1 ? t.TotalDays.ToString("0.#", CultureInfo.InvariantCulture) + " days" : t.TotalHours.ToString("0.#", CultureInfo.InvariantCulture) + " hours";
    }
}
