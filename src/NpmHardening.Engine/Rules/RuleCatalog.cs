using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Rules
{
    /// <summary>
    /// Every posture rule, baseline, Node.js end-of-life date and npm feature floor, read from the embedded
    /// Data/npm-rules.json. Rule ids are stable: once shipped they never change meaning and are never reused.
    /// </summary>
    public sealed partial class RuleCatalog
    {
        private const string ResourceName = "NpmHardening.Data.npm-rules.json";
        private static readonly Regex IdShape = new Regex("^NPMH[1-9][0-9]{3,4}$", RegexOptions.CultureInvariant);

        private static readonly Lazy<RuleCatalog> s_default =
            new Lazy<RuleCatalog>(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

        private readonly Dictionary<string, NpmSecurityRule> _byId;
        private readonly Dictionary<string, NpmFeatureFloor> _features;

        public static RuleCatalog Default => s_default.Value;

        private RuleCatalog(IReadOnlyList<NpmSecurityRule> rules, IReadOnlyList<BaselineDefinition> baselines,
            IReadOnlyList<RuleArea> areas, IReadOnlyList<NodeReleaseLine> nodeReleases, int eolWarningDays,
            IReadOnlyList<NpmFeatureFloor> features)
        {
            Rules = rules;
            Baselines = baselines;
            Areas = areas;
            NodeReleases = nodeReleases;
            NodeEndOfLifeWarningDays = eolWarningDays;
            Features = features;
            _byId = rules.ToDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);
            _features = features.ToDictionary(f => f.Id, StringComparer.Ordinal);
        }

        /// <summary>Every rule, in id order.</summary>
        public IReadOnlyList<NpmSecurityRule> Rules { get; }
        public IReadOnlyList<BaselineDefinition> Baselines { get; }
        public IReadOnlyList<RuleArea> Areas { get; }
        /// <summary>Node.js release lines with their end-of-life dates, ascending by major.</summary>
        public IReadOnlyList<NodeReleaseLine> NodeReleases { get; }
        /// <summary>How many days before a line's end-of-life NPMH1003 starts warning.</summary>
        public int NodeEndOfLifeWarningDays { get; }
        /// <summary>npm capabilities and the first npm version that has them.</summary>
        public IReadOnlyList<NpmFeatureFloor> Features { get; }

        public NpmSecurityRule? Find(string id) => id != null && _byId.TryGetValue(id, out var r) ? r : null;

        public NpmSecurityRule this[string id] =>
            Find(id) ?? throw new KeyNotFoundException($"No posture rule has the id '{id}'.");

        public NpmFeatureFloor? FindFeature(string id) => _features.TryGetValue(id, out var f) ? f : null;

        /// <summary>The release line of a Node.js major version, or null when the table does not list it.</summary>
        public NodeReleaseLine? FindNodeRelease(int major) => NodeReleases.FirstOrDefault(n => n.Major == major);

        private static RuleCatalog LoadEmbedded()
        {
            using var stream = typeof(RuleCatalog).Assembly.GetManifestResourceStream(ResourceName)
                ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Parse(reader.ReadToEnd());
        }

        /// <summary>Builds a catalog from npm-rules.json text; internal so tests can feed broken data.</summary>
        /// <summary>The value of a rule's "audit" for rules that Get-NpmPublishPipeline -Audit judges.</summary>
        public const string PipelineAudit = "pipeline";

        /// <summary>The value of a rule's "audit" for rules that Get-NpmStagedPackage -Audit judges.</summary>
        public const string StageAudit = "stage";

        /// <summary>The value of a rule's "audit" for rules that Get-NpmTrustedPublisher -Audit judges.</summary>
        public const string TrustAudit = "trust";
        /// <summary>The value of a rule's "audit" for rules that Compare-NpmStagedPackage judges (the staged-tarball review).</summary>
        public const string ReviewAudit = "review";
        /// <summary>The value of a rule's "audit" for rules that Get-NpmPackageRelease -Audit judges (the release history).</summary>
        public const string ReleaseAudit = "release";
        /// <summary>The value of a rule's "audit" for rules that Find-NpmUnapprovedPublish judges (release event correlation).</summary>
        public const string EventsAudit = "events";
        /// <summary>The value of a rule's "audit" for rules that Compare-NpmLockfile -Audit judges (lockfile changes).</summary>
        public const string LockfileCompareAudit = "lockfile-compare";

        /// <summary>The value of a rule's "audit" for rules that Test-NpmLockfile judges (one lockfile's entries).</summary>
        public const string LockfileAudit = "lockfile";

        /// <summary>
        /// One audit besides the posture, as the catalog names it in a rule's "audit": the cmdlet that judges its rules and
        /// how docs/rules.md and about_NpmHardening_Rules say so. A new audit is one entry here.
        /// </summary>
        internal sealed class AuditKind
        {
            public AuditKind(string command, string label, string judged, string judgedShort)
            {
                Command = command; Label = label; Judged = judged; JudgedShort = judgedShort;
            }
            public string Command { get; }
            public string Label { get; }
            public string Judged { get; }
            public string JudgedShort { get; }
        }

        internal static readonly IReadOnlyDictionary<string, AuditKind> AuditKinds = new Dictionary<string, AuditKind>(StringComparer.Ordinal)
        {
            [PipelineAudit] = new AuditKind("Get-NpmPublishPipeline", "Pipeline",
                "judged from CI definitions by Get-NpmPublishPipeline -Audit",
                "judged from CI definitions by Get-NpmPublishPipeline -Audit"),
            [StageAudit] = new AuditKind("Get-NpmStagedPackage", "Staged publishing",
                "judged from the registry's staged versions by Get-NpmStagedPackage -Audit",
                "judged from the registry's staged versions by Get-NpmStagedPackage -Audit"),
            [TrustAudit] = new AuditKind("Get-NpmTrustedPublisher", "Trusted publishing",
                "judged from the registry's trust configurations by Get-NpmTrustedPublisher -Audit",
                "judged from the registry's trust configurations by Get-NpmTrustedPublisher -Audit"),
            [ReviewAudit] = new AuditKind("Compare-NpmStagedPackage", "Review",
                "judged from package tarballs by Compare-NpmStagedPackage (staged version against a reference)",
                "judged from package tarballs by Compare-NpmStagedPackage"),
            [ReleaseAudit] = new AuditKind("Get-NpmPackageRelease", "Releases",
                "judged from the package document's version history and the registry's signatures by Get-NpmPackageRelease -Audit",
                "judged from the version history and registry signatures by Get-NpmPackageRelease -Audit"),
            [EventsAudit] = new AuditKind("Find-NpmUnapprovedPublish", "Release events",
                "judged from release events (Get-NpmReleaseEvent, or an organisation's export) by Find-NpmUnapprovedPublish",
                "judged from release events by Find-NpmUnapprovedPublish"),
            [LockfileAudit] = new AuditKind("Test-NpmLockfile", "Lockfile",
                "judged from package-lock.json and npm-shrinkwrap.json entries by Test-NpmLockfile",
                "judged from lockfile entries by Test-NpmLockfile"),
            [LockfileCompareAudit] = new AuditKind("Compare-NpmLockfile", "Lockfile changes",
                "judged from two versions of a lockfile by Compare-NpmLockfile -Audit",
                "judged from two versions of a lockfile by Compare-NpmLockfile -Audit"),
        };

        /// <summary>A rule id's area: the digits between "NPMH" and the last three (NPMH1001 → 1, NPMH10001 → 10).</summary>
        public static int AreaOf(string id) =>
            int.Parse(id.Substring(4, id.Length - 7), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Rule ids in catalog order: by area, then by number.</summary>
        public static int CompareIds(NpmSecurityRule a, NpmSecurityRule b) => CompareIds(a.Id, b.Id);

        public static int CompareIds(string a, string b) =>
            a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);

        internal static RuleCatalog Parse(string json)
        {
            if (!JsJson.TryParse(json, out var parsed) || !(parsed is JsObject root)) throw Bad("not a JSON object");
            if (!(root["schema"] is double schema) || schema != 1) throw Bad("unsupported schema");

            var baselines = Array(root, "baselines").Select(o =>
            {
                var b = o as JsObject ?? throw Bad("baseline is not an object");
                var name = Str(b, "name", "baseline");
                if (!TryParseBaseline(name, out var value) || value.ToString() != name) throw Bad($"unknown baseline '{name}'");
                return new BaselineDefinition(value, Str(b, "description", name));
            }).ToList();
            foreach (NpmBaseline b in Enum.GetValues(typeof(NpmBaseline)))
                if (baselines.Count(d => d.Baseline == b) != 1) throw Bad($"baseline {b} must be described exactly once");

            var areas = Array(root, "areas").Select(o =>
            {
                var a = o as JsObject ?? throw Bad("area is not an object");
                return new RuleArea((int)Num(a, "digit", "area"), Str(a, "name", "area"));
            }).ToList();

            var nodes = Array(root, "nodeReleases").Select(o =>
            {
                var n = o as JsObject ?? throw Bad("node release is not an object");
                var major = (int)Num(n, "major", "node release");
                DateTimeOffset? lts = n.ContainsKey("lts") ? Date(n, "lts", major) : (DateTimeOffset?)null;
                return new NodeReleaseLine(major, n["codename"] as string, Date(n, "start", major), lts, Date(n, "end", major));
            }).OrderBy(n => n.Major).ToList();
            for (int i = 1; i < nodes.Count; i++)
                if (nodes[i].Major == nodes[i - 1].Major) throw Bad($"node {nodes[i].Major} is listed twice");
            int warnDays = (int)Num(root, "nodeEndOfLifeWarningDays", "catalog");

            var features = Array(root, "npmFeatures").Select(o =>
            {
                var f = o as JsObject ?? throw Bad("feature is not an object");
                var id = Str(f, "id", "feature");
                var keys = f["configKeys"] is List<object?> list ? list.Select(k => k as string ?? throw Bad($"{id}.configKeys")).ToList() : new List<string>();
                NpmVersion minimum;
                if (f["minimum"] is string m) minimum = NpmVersion.TryParse(m, out var v) ? v : throw Bad($"{id}.minimum");
                else if (keys.Count > 0)
                {
                    // the truth about when npm introduced a key is the real npm packages' definitions, not prose
                    // the newest of them; a loop, not Select(...).Max(): LINQ over the NpmVersion struct is framework code no
                    // ReadyToRun image holds, JIT-compiled in every process that builds the catalog (issue 10 F)
                    minimum = default;
                    for (int i = 0; i < keys.Count; i++)
                    {
                        var since = NpmConfigCatalog.Default.IntroducedIn(keys[i]) ?? throw Bad($"{id}: npm never defined '{keys[i]}'");
                        if (i == 0 || since > minimum) minimum = since;
                    }
                }
                else throw Bad($"{id} has neither minimum nor configKeys");
                return new NpmFeatureFloor(id, Str(f, "title", id), minimum, keys.AsReadOnly(), Str(f, "reference", id));
            }).ToList();
            if (features.Select(f => f.Id).Distinct(StringComparer.Ordinal).Count() != features.Count) throw Bad("duplicate feature id");

            var rules = new List<NpmSecurityRule>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var o in Array(root, "rules"))
            {
                var r = o as JsObject ?? throw Bad("rule is not an object");
                var id = Str(r, "id", "rule");
                if (!IdShape.IsMatch(id)) throw Bad($"rule id '{id}' is not NPMH + 4 or 5 digits");
                if (!seen.Add(id)) throw Bad($"rule id {id} is used twice");
                int digit = AreaOf(id);
                var area = areas.FirstOrDefault(a => a.Digit == digit) ?? throw Bad($"{id}: no area {digit}xxx");
                var severityText = Str(r, "severity", id);
                if (!TryParseEnum(typeof(NpmSeverity), severityText, out var parsedSeverity) || !(parsedSeverity is NpmSeverity severity)) throw Bad($"{id}: severity '{severityText}'");
                // Arrays and loops over the enum, not List/Distinct/Dictionary: those are framework generics over a value
                // type that no ReadyToRun image holds, and this runs for every rule in every process (issue 10 F).
                var baselineItems = Array(r, "baselines");
                var ruleBaselines = new NpmBaseline[baselineItems.Count];
                int baselineCount = 0;
                foreach (var x in baselineItems)
                {
                    if (!(x is string s && TryParseBaseline(s, out var b))) throw Bad($"{id}: baseline '{x}'");
                    if (IndexOf(ruleBaselines, baselineCount, b) < 0) ruleBaselines[baselineCount++] = b; // Distinct: first one kept
                }
                if (baselineCount == 0) throw Bad($"{id} belongs to no baseline");
                if (baselineCount < ruleBaselines.Length) System.Array.Resize(ref ruleBaselines, baselineCount);

                // expectations[i] is the expectation under ruleBaselines[i]; null without an "expect"
                RuleExpectation[]? expectations = null;
                if (r["expect"] is JsObject e)
                {
                    expectations = new RuleExpectation[baselineCount];
                    foreach (var key in e.Keys)
                    {
                        if (!TryParseBaseline(key, out var b)) throw Bad($"{id}.expect: baseline '{key}'");
                        int at = IndexOf(ruleBaselines, baselineCount, b);
                        if (at < 0) throw Bad($"{id}.expect names {key}, which does not enforce the rule");
                        expectations[at] = ParseExpectation(id, e[key] as JsObject ?? throw Bad($"{id}.expect.{key}"));
                    }
                    for (int i = 0; i < baselineCount; i++)
                        if (expectations[i] == null) throw Bad($"{id}.expect has no value for {ruleBaselines[i]}");
                }

                string remediation, remediationWindows;
                switch (r["remediation"])
                {
                    case string s: remediation = remediationWindows = s; break;
                    case JsObject ro: remediation = Str(ro, "unix", id); remediationWindows = Str(ro, "windows", id); break;
                    default: throw Bad($"{id}.remediation");
                }

                NpmFeatureFloor? feature = null;
                if (r["feature"] is string fid)
                    feature = features.FirstOrDefault(f => f.Id == fid) ?? throw Bad($"{id}: unknown feature '{fid}'");

                var reference = Str(r, "reference", id);
                if (!reference.StartsWith("https://", StringComparison.Ordinal)) throw Bad($"{id}: reference must be an https URL");

                rules.Add(new NpmSecurityRule(id, Str(r, "title", id), area.Name, severity, Str(r, "rationale", id),
                    remediation, remediationWindows, reference, ruleBaselines, r["setting"] as string,
                    expectations, r["expected"] as string, feature)
                {
                    Online = r["online"] is bool online && online,
                    Audit = r["audit"] is string audit ? (AuditKinds.ContainsKey(audit) ? audit : throw Bad($"{id}: unknown audit '{audit}'")) : null,
                    WebSteps = r["webSteps"] is List<object?> steps
                        ? steps.Select(x => x as string ?? throw Bad($"{id}.webSteps holds a non-string")).ToList().AsReadOnly()
                        : (IReadOnlyList<string>)System.Array.Empty<string>(),
                });
            }
            // by area, then number: NPMH9008 before NPMH10001 (an ordinal sort would put area 10 inside area 1)
            rules.Sort(CompareIds);
            return new RuleCatalog(rules.AsReadOnly(), baselines.AsReadOnly(), areas.AsReadOnly(), nodes.AsReadOnly(), warnDays, features.AsReadOnly());
        }

        private static RuleExpectation ParseExpectation(string id, JsObject o)
        {
            if (o.Count != 1) throw Bad($"{id}: an expectation has exactly one of equals, atLeast, oneOf, policy");
            if (o.TryGetValue("equals", out var eq))
            {
                if (!(eq is bool || eq is double || eq is string)) throw Bad($"{id}: equals takes a boolean, number or string");
                return RuleExpectation.Equal(eq!);
            }
            if (o.TryGetValue("atLeast", out var min)) return RuleExpectation.AtLeast(min as double? ?? throw Bad($"{id}: atLeast takes a number"));
            if (o.TryGetValue("oneOf", out var one))
                return RuleExpectation.OneOf((one as List<object?> ?? throw Bad($"{id}: oneOf takes a list")).Select(x => x as string ?? throw Bad($"{id}: oneOf takes strings")).ToArray());
            if (o.TryGetValue("policy", out var p)) return RuleExpectation.Policy(p as string ?? throw Bad($"{id}: policy takes a name"));
            throw Bad($"{id}: unknown expectation");
        }

        private static bool TryParseBaseline(string text, out NpmBaseline baseline)
        {
            var parsed = TryParseEnum(typeof(NpmBaseline), text, out var value);
            baseline = parsed ? (NpmBaseline)value! : default;
            return parsed;
        }

        /// <summary>Enum.TryParse&lt;T&gt;(text, false, out value) without the generic method, which is JIT-compiled for each
        /// of the engine's enums in every process (no ReadyToRun image holds it; issue 10 F): the non-generic Enum.Parse
        /// accepts the same text, and only data the catalog must reject makes it throw.</summary>
        private static bool TryParseEnum(Type enumType, string text, out object? value)
        {
            value = null;
            try { value = Enum.Parse(enumType, text, false); return true; }
            catch (ArgumentException) { return false; }
            catch (OverflowException) { return false; }
        }

        private static int IndexOf(NpmBaseline[] items, int count, NpmBaseline value)
        {
            for (int i = 0; i < count; i++) if (items[i] == value) return i;
            return -1;
        }

        private static List<object?> Array(JsObject o, string name) => o[name] as List<object?> ?? throw Bad($"{name} is not an array");

        private static string Str(JsObject o, string name, string owner) =>
            o[name] is string s && s.Length > 0 ? s : throw Bad($"{owner}.{name} is missing");

        private static double Num(JsObject o, string name, string owner) => o[name] as double? ?? throw Bad($"{owner}.{name} is not a number");

        private static DateTimeOffset Date(JsObject o, string name, int major) =>
            o[name] is string s && DateTimeOffset.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
                ? d : throw Bad($"node {major}.{name} is not a yyyy-MM-dd date");

        private static InvalidDataException Bad(string what) => new InvalidDataException($"npm-rules.json: {what}.");
    }

    /// <summary>One posture rule as the catalog defines it.</summary>
    public sealed class NpmSecurityRule
    {
        internal NpmSecurityRule(string id, string title, string area, NpmSeverity severity, string rationale,
            string remediation, string remediationWindows, string reference, NpmBaseline[] baselines,
            string? setting, RuleExpectation[]? expectations, string? expectedText,
            NpmFeatureFloor? feature)
        {
            Id = id; Title = title; Area = area; Severity = severity; Rationale = rationale;
            Remediation = remediation; RemediationWindows = remediationWindows; Reference = reference;
            Setting = setting; ExpectedText = expectedText; Feature = feature;
            _baselines = baselines;
            _expectations = expectations;
            var names = new string[baselines.Length];
            for (int i = 0; i < baselines.Length; i++) names[i] = baselines[i].ToString();
            BaselineNames = string.Join(", ", names);
        }

        // The enforcing baselines, and the expectation under each at the same index (null: the rule has none). Plain arrays:
        // the public Baselines and Expectations are framework collections over the NpmBaseline enum, whose methods no
        // ReadyToRun image holds; building and asking them JIT-compiled some sixty methods in every process that audits,
        // so the audit asks these arrays and the collections are made only when something reads them (issue 10 F).
        private readonly NpmBaseline[] _baselines;
        private readonly RuleExpectation[]? _expectations;
        private IReadOnlyList<NpmBaseline>? _baselineList;
        private IReadOnlyDictionary<NpmBaseline, RuleExpectation>? _expectationMap;

        /// <summary>The enforcing baselines as text ("Recommended, Strict"), as string.Join over <see cref="Baselines"/> writes them.</summary>
        internal string BaselineNames { get; }

        public string Id { get; }
        public string Title { get; }
        public string Area { get; }
        public NpmSeverity Severity { get; }
        public string Rationale { get; }
        /// <summary>The remediation template (Unix); placeholders: {target} {setting} {value} {path} {owner} {variable} {scope} {line}; online rules {registry} {key}.</summary>
        public string Remediation { get; }
        /// <summary>The remediation template on Windows (the same text where the fix does not depend on the OS).</summary>
        public string RemediationWindows { get; }
        public string Reference { get; }
        /// <summary>The baselines that enforce this rule; under the others it reports NotApplicable.</summary>
        public IReadOnlyList<NpmBaseline> Baselines => _baselineList ??= new ReadOnlyCollection<NpmBaseline>((NpmBaseline[])_baselines.Clone());
        /// <summary>The npm config key the rule is about, when it is about one.</summary>
        public string? Setting { get; }
        /// <summary>Per baseline, what the setting must be (config rules only).</summary>
        public IReadOnlyDictionary<NpmBaseline, RuleExpectation> Expectations => _expectationMap ??= ExpectationMap();

        private IReadOnlyDictionary<NpmBaseline, RuleExpectation> ExpectationMap()
        {
            var map = new Dictionary<NpmBaseline, RuleExpectation>();
            if (_expectations != null)
                for (int i = 0; i < _baselines.Length; i++) map[_baselines[i]] = _expectations[i];
            return new ReadOnlyDictionary<NpmBaseline, RuleExpectation>(map);
        }
        /// <summary>What the rule expects, in words, for rules without per-baseline values.</summary>
        public string? ExpectedText { get; }
        /// <summary>For "npm too old for X" rules, the capability and its npm floor.</summary>
        public NpmFeatureFloor? Feature { get; }

        /// <summary>
        /// Judged from what a registry answers (Get-NpmAccount, Get-NpmAccessToken, Test-NpmrcToken -Online), never
        /// by the offline posture audit, which makes no network request.
        /// </summary>
        public bool Online { get; internal set; }

        /// <summary>
        /// The audit other than the posture audit that judges the rule: <see cref="RuleCatalog.PipelineAudit"/> for the
        /// publish-pipeline rules (Get-NpmPublishPipeline -Audit), <see cref="RuleCatalog.StageAudit"/> for the staged
        /// publishing rules (Get-NpmStagedPackage -Audit), <see cref="RuleCatalog.TrustAudit"/> for the trusted publisher
        /// rules (Get-NpmTrustedPublisher -Audit); null for posture and online rules.
        /// </summary>
        public string? Audit { get; internal set; }

        /// <summary>Judged by the offline posture audit (Get-NpmSecurityPosture): neither online nor another audit's.</summary>
        public bool InPostureAudit => !Online && Audit == null;

        /// <summary>
        /// What to do on the registry's website when the fix is there (account two-factor settings, access tokens),
        /// step by step; empty when the fix is a setting or a command.
        /// </summary>
        public IReadOnlyList<string> WebSteps { get; internal set; } = System.Array.Empty<string>();

        public bool AppliesTo(NpmBaseline baseline) => IndexOf(baseline) >= 0;

        public RuleExpectation? ExpectationFor(NpmBaseline baseline)
        {
            int at = IndexOf(baseline);
            return at >= 0 && _expectations != null ? _expectations[at] : null;
        }

        private int IndexOf(NpmBaseline baseline)
        {
            for (int i = 0; i < _baselines.Length; i++) if (_baselines[i] == baseline) return i;
            return -1;
        }

        public override string ToString() => $"{Id} {Title}";
    }

    public enum RuleExpectationKind { Equals, AtLeast, OneOf, Policy }

    /// <summary>What a baseline wants a setting to be.</summary>
    public sealed class RuleExpectation
    {
        private RuleExpectation(RuleExpectationKind kind, object? value, IReadOnlyList<string>? allowed, string? policy)
        {
            Kind = kind; Value = value; Allowed = allowed ?? System.Array.Empty<string>(); PolicyName = policy;
        }

        public RuleExpectationKind Kind { get; }
        /// <summary>For Equals: the bool, double or string; for AtLeast: the minimum (double).</summary>
        public object? Value { get; }
        /// <summary>For OneOf: the accepted values; remediation writes the first.</summary>
        public IReadOnlyList<string> Allowed { get; }
        /// <summary>For Policy: a named policy the auditor evaluates in code.</summary>
        public string? PolicyName { get; }

        internal static RuleExpectation Equal(object value) => new RuleExpectation(RuleExpectationKind.Equals, value, null, null);
        internal static RuleExpectation AtLeast(double min) => new RuleExpectation(RuleExpectationKind.AtLeast, min, null, null);
        internal static RuleExpectation OneOf(string[] allowed) => new RuleExpectation(RuleExpectationKind.OneOf, allowed[0], allowed, null);
        internal static RuleExpectation Policy(string name) => new RuleExpectation(RuleExpectationKind.Policy, true, null, name);

        /// <summary>The value a fix writes (for Policy: true, of the rule's setting).</summary>
        public object? RemediationValue => Kind == RuleExpectationKind.OneOf ? Allowed[0] : Value;

        public bool IsSatisfiedBy(object? value)
        {
            switch (Kind)
            {
                case RuleExpectationKind.Equals:
                    return Value is bool b ? value is bool v && v == b
                         : Value is double d ? value is double n && n == d
                         : value is string s && s == (string)Value!;
                case RuleExpectationKind.AtLeast:
                    return value is double x && !double.IsNaN(x) && x >= (double)Value!;
                case RuleExpectationKind.OneOf:
                    return value is string t && Allowed.Contains(t);
                default:
                    throw new InvalidOperationException($"Policy '{PolicyName}' is evaluated by the auditor.");
            }
        }

        /// <summary>"true", "≥ 3", "root or none", or the policy's wording.</summary>
        public string Describe()
        {
            switch (Kind)
            {
                case RuleExpectationKind.Equals: return Display(Value);
                case RuleExpectationKind.AtLeast: return "≥ " + Display(Value);
                case RuleExpectationKind.OneOf: return string.Join(" or ", Allowed);
                default: return PolicyName == "scripts-controlled"
                    ? "ignore-scripts=true, or an enforced allow-list: strict-allow-scripts=true (npm ≥ 11.16.0) or npm ≥ 12's blocking default"
                    : PolicyName!;
            }
        }

        internal static string Display(object? v) => v switch
        {
            bool b => b ? "true" : "false",
            double d => Js.Js.NumberToString(d),
            null => "null",
            _ => v.ToString() ?? "",
        };

        public override string ToString() => Describe();
    }

    public sealed class BaselineDefinition
    {
        internal BaselineDefinition(NpmBaseline baseline, string description) { Baseline = baseline; Description = description; }
        public NpmBaseline Baseline { get; }
        public string Name => Baseline.ToString();
        public string Description { get; }
    }

    public sealed class RuleArea
    {
        internal RuleArea(int digit, string name) { Digit = digit; Name = name; }
        /// <summary>The rule ids' first digit: NPMH<c>d</c>xxx.</summary>
        public int Digit { get; }
        public string Name { get; }
    }

    /// <summary>A Node.js release line and its support window (nodejs/Release schedule.json).</summary>
    public sealed class NodeReleaseLine
    {
        internal NodeReleaseLine(int major, string? codename, DateTimeOffset start, DateTimeOffset? lts, DateTimeOffset end)
        {
            Major = major; Codename = codename; Start = start; LtsStart = lts; EndOfLife = end;
        }

        public int Major { get; }
        /// <summary>The LTS codename; null for odd (non-LTS) lines and for even ones not yet named.</summary>
        public string? Codename { get; }
        public DateTimeOffset Start { get; }
        /// <summary>When the line enters long-term support; null for odd (never LTS) lines.</summary>
        public DateTimeOffset? LtsStart { get; }
        /// <summary>The first day the line no longer receives fixes (00:00 UTC).</summary>
        public DateTimeOffset EndOfLife { get; }
        public bool IsLts => LtsStart != null;

        public override string ToString() => $"Node {Major}{(Codename != null ? " (" + Codename + ")" : "")}: end-of-life {EndOfLife:yyyy-MM-dd}";
    }

    /// <summary>An npm capability and the first npm version that has it.</summary>
    public sealed class NpmFeatureFloor
    {
        internal NpmFeatureFloor(string id, string title, NpmVersion minimum, IReadOnlyList<string> configKeys, string reference)
        {
            Id = id; Title = title; Minimum = minimum; ConfigKeys = configKeys; Reference = reference;
        }

        public string Id { get; }
        public string Title { get; }
        public NpmVersion Minimum { get; }
        /// <summary>The config keys the feature consists of (its floor comes from the npm config catalog).</summary>
        public IReadOnlyList<string> ConfigKeys { get; }
        public string Reference { get; }
    }
}
