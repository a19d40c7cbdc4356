using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// SARIF 2.1.0 as GitHub code scanning takes it. Results stream out as findings arrive; the rules (known only
    /// once every finding was seen) and the base URIs follow them in the run object, so memory grows with the rules,
    /// not the findings. Pass and NotApplicable findings are not results: SARIF viewers would list them as alerts.
    /// A rule's description and help come from the catalog (title, rationale, remediation, reference), never from a
    /// finding: the instance remediation of whichever finding came first would otherwise decide the rule's help. The
    /// rules are written in id order and results name theirs by <c>ruleId</c> (no <c>ruleIndex</c>, which would fix
    /// the order at the first finding), so the same findings in any order give the same rules.
    /// </summary>
    /// <remarks>
    /// Files are relative URIs against <c>SRCROOT</c> (the base directory) or, outside it, against their
    /// file-system root (<c>ROOT</c>, <c>ROOT_C</c>…), each declared in <c>originalUriBaseIds</c>. Registry objects
    /// (a URI) and named places (an environment variable) are logical locations, never files. Each result has a
    /// <c>partialFingerprints</c> entry computed from the rule, the FactId (else the location and context): equal
    /// across runs over the same facts, whoever runs it and whenever.
    /// </remarks>
    public sealed class SarifReportWriter : INpmReportWriter
    {
        public const string SchemaUri = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
        public const string FingerprintName = "npmhFact/v1";
        internal const string SourceRootId = "SRCROOT";

        private readonly StreamWriter _text;
        private readonly ReportJsonWriter _json;
        private readonly NpmReportOptions _options;
        private readonly string? _baseDirectory;
        /// <summary>Rule id → null for a catalog rule, else the finding that describes the unknown rule (chosen by content, not order).</summary>
        private readonly SortedDictionary<string, NpmFinding?> _rules = new SortedDictionary<string, NpmFinding?>(RuleIdOrder.Instance); // the catalog's order, not text order
        private readonly SortedDictionary<string, string> _uriBases = new SortedDictionary<string, string>(StringComparer.Ordinal);

        public SarifReportWriter(Stream output, NpmReportOptions options)
        {
            _options = options;
            _text = new StreamWriter(output, ReportText.Utf8NoBom, 1 << 16, leaveOpen: true);
            _json = new ReportJsonWriter(_text, options.Indent);
            if (!string.IsNullOrEmpty(options.BaseDirectory))
                _baseDirectory = Path.GetFullPath(options.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
            _json.StartObject();
            _json.Property("$schema", SchemaUri);
            _json.Property("version", "2.1.0");
            _json.Name("runs");
            _json.StartArray();
            _json.StartObject();
            _json.Name("results");
            _json.StartArray();
        }

        /// <summary>GitHub's numeric scale: Critical 9.0+, High 7.0–8.9, Medium 4.0–6.9, Low 0.1–3.9; Info is 0.</summary>
        public static string SecuritySeverity(NpmSeverity severity) => severity switch
        {
            NpmSeverity.Critical => "9.5",
            NpmSeverity.High => "8.0",
            NpmSeverity.Medium => "5.5",
            NpmSeverity.Low => "2.0",
            _ => "0.0",
        };

        /// <summary>The SARIF level of a finding: errors, failures by severity, warnings; Suppressed keeps its original status's level.</summary>
        public static string Level(NpmFindingStatus status, NpmSeverity severity)
        {
            switch (status)
            {
                case NpmFindingStatus.Error: return "error";
                case NpmFindingStatus.Fail:
                    return severity >= NpmSeverity.High ? "error" : severity == NpmSeverity.Medium ? "warning" : "note";
                case NpmFindingStatus.Warning: return severity >= NpmSeverity.Medium ? "warning" : "note";
                default: return "none";
            }
        }

        private static string Level(NpmSeverity severity) => severity >= NpmSeverity.High ? "error" : severity == NpmSeverity.Medium ? "warning" : "note";

        public void Add(NpmFinding f)
        {
            NoteRule(f);
            var status = f.Status == NpmFindingStatus.Suppressed && f.Suppression != null ? f.Suppression.OriginalStatus : f.Status;
            if (!ReportText.IsProblem(status) && f.Status != NpmFindingStatus.Suppressed) return;

            var j = _json;
            j.StartObject();
            j.Property("ruleId", f.RuleId);
            j.Property("kind", "fail");
            j.Property("level", Level(status, f.Severity));
            j.Name("message");
            j.StartObject();
            j.Property("text", ReportText.Sentence(f.Message, f.Title));
            j.EndObject();
            j.Name("locations");
            j.StartArray();
            WriteLocation(f);
            j.EndArray();
            j.Name("partialFingerprints");
            j.StartObject();
            j.Property(FingerprintName, ReportText.Hash(ReportText.FactKey(f)));
            j.EndObject();
            if (f.Status == NpmFindingStatus.Suppressed)
            {
                j.Name("suppressions");
                j.StartArray();
                j.StartObject();
                j.Property("kind", "external");
                j.Property("status", "accepted");
                j.Property("justification", f.Suppression?.Justification ?? "");
                if (f.Suppression?.Source != null || f.Suppression?.Expires != null)
                {
                    j.Name("properties");
                    j.StartObject();
                    j.Property("source", f.Suppression.Source, skipNull: true);
                    j.Property("expires", f.Suppression.Expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), skipNull: true);
                    j.EndObject();
                }
                j.EndObject();
                j.EndArray();
            }
            j.Name("properties");
            j.StartObject();
            j.Property("severity", f.Severity.ToString());
            j.Property("status", f.Status.ToString());
            j.Property("severityReason", f.SeverityReason, skipNull: true);
            j.Property("context", f.Context, skipNull: true);
            j.Property("computerName", f.ComputerName);
            j.Property("factId", f.FactId);
            var remediation = ReportText.Remediation(f.Remediation);
            if (remediation.Length > 0) j.Property("remediation", remediation);
            j.EndObject();
            j.EndObject();
        }

        private void WriteLocation(NpmFinding f)
        {
            var j = _json;
            var l = f.Location;
            j.StartObject();
            if (l?.Path is string path && path.Length > 0)
            {
                var (baseId, uri) = RelativeUri(path);
                j.Name("physicalLocation");
                j.StartObject();
                j.Name("artifactLocation");
                j.StartObject();
                j.Property("uri", uri);
                j.Property("uriBaseId", baseId);
                j.EndObject();
                if (l.Line is int line && line > 0)
                {
                    j.Name("region");
                    j.StartObject();
                    j.Property("startLine", line);
                    if (l.Column is int column && column > 0) j.Property("startColumn", column);
                    j.EndObject();
                }
                j.EndObject();
            }
            else
            {
                // a registry object, an environment variable, or nothing named: a logical place, never a file
                string name, kind;
                if (l?.Uri is string u && u.Length > 0) { name = u; kind = "resource"; }
                else if (l?.Name is string n && n.Length > 0) { name = n; kind = n.StartsWith("env:", StringComparison.OrdinalIgnoreCase) ? "variable" : "object"; }
                else { name = string.IsNullOrEmpty(f.Context) ? f.RuleId : f.Context!; kind = "module"; }
                j.Name("logicalLocations");
                j.StartArray();
                j.StartObject();
                j.Property("fullyQualifiedName", name);
                j.Property("kind", kind);
                j.EndObject();
                j.EndArray();
            }
            j.EndObject();
        }

        /// <summary>The base id and relative, percent-encoded URI of a file path.</summary>
        internal (string BaseId, string Uri) RelativeUri(string path)
        {
            string full;
            try { full = Path.GetFullPath(path); }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException) { full = path; }
            string baseId, rest;
            var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (_baseDirectory != null && full.StartsWith(_baseDirectory, comparison))
            {
                baseId = SourceRootId;
                rest = full.Substring(_baseDirectory.Length);
                if (!_uriBases.ContainsKey(baseId)) _uriBases[baseId] = DirectoryUri(_baseDirectory);
            }
            else
            {
                var root = Path.GetPathRoot(full);
                if (string.IsNullOrEmpty(root)) root = Path.DirectorySeparatorChar.ToString();
                var label = new StringBuilder("ROOT");
                foreach (char c in root!) if (char.IsLetterOrDigit(c) && c < 128) label.Append(label.Length == 4 ? "_" : "").Append(char.ToUpperInvariant(c));
                baseId = label.ToString();
                rest = full.Length > root.Length ? full.Substring(root.Length) : "";
                if (!_uriBases.ContainsKey(baseId)) _uriBases[baseId] = DirectoryUri(root);
            }
            var segments = rest.Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
            return (baseId, string.Join("/", segments.Select(Uri.EscapeDataString)));
        }

        private static string DirectoryUri(string directory)
        {
            var uri = new Uri(directory.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? directory : directory + Path.DirectorySeparatorChar).AbsoluteUri;
            return uri.EndsWith("/", StringComparison.Ordinal) ? uri : uri + "/";
        }

        public void Complete()
        {
            var j = _json;
            j.EndArray(); // results
            j.Name("tool");
            j.StartObject();
            j.Name("driver");
            j.StartObject();
            j.Property("name", "NpmHardening");
            j.Property("informationUri", "https://github.com/NpmHardening/NpmHardening");
            j.Property("version", _options.ToolVersion);
            j.Property("semanticVersion", _options.ToolVersion);
            j.Name("rules");
            j.StartArray();
            foreach (var rule in _rules) WriteRule(rule.Key, rule.Value);
            j.EndArray();
            j.EndObject();
            j.EndObject();
            if (_uriBases.Count > 0)
            {
                j.Name("originalUriBaseIds");
                j.StartObject();
                foreach (var b in _uriBases)
                {
                    j.Name(b.Key);
                    j.StartObject();
                    j.Property("uri", b.Value);
                    j.EndObject();
                }
                j.EndObject();
            }
            j.Property("columnKind", "utf16CodeUnits");
            j.EndObject(); // run
            j.EndArray(); // runs
            j.EndObject();
            _text.Flush();
        }

        private void NoteRule(NpmFinding f)
        {
            if (RuleCatalog.Default.Find(f.RuleId) != null) { _rules[f.RuleId] = null; return; }
            // a rule this catalog does not know (findings from a newer module): described by its findings' own text,
            // the same whichever came first
            if (!_rules.TryGetValue(f.RuleId, out var known) || known == null || string.CompareOrdinal(Describes(f), Describes(known)) < 0)
                _rules[f.RuleId] = f;
        }

        private static string Describes(NpmFinding f) =>
            string.Join("\u0001", f.Title ?? "", f.Reference ?? "", f.Area ?? "", ((int)f.Severity).ToString(CultureInfo.InvariantCulture));

        private void WriteRule(string id, NpmFinding? unknown)
        {
            var rule = RuleCatalog.Default.Find(id);
            var title = rule?.Title ?? (string.IsNullOrWhiteSpace(unknown?.Title) ? id : unknown!.Title);
            var severity = rule?.Severity ?? unknown?.Severity ?? NpmSeverity.Medium;
            var area = rule?.Area ?? unknown?.Area;
            var reference = rule != null ? (string.IsNullOrEmpty(rule.Reference) ? null : rule.Reference) : unknown?.Reference;
            var rationale = rule?.Rationale;
            var remediation = rule != null ? RuleCatalog.RemediationText(rule) : null;

            var help = new StringBuilder();
            var markdown = new StringBuilder();
            markdown.Append("**").Append(MarkdownText(title)).Append("**\n\n");
            help.Append(ReportText.Sentence(title, id));
            if (!string.IsNullOrEmpty(rationale))
            {
                help.Append("\n\n").Append(rationale);
                markdown.Append(MarkdownText(rationale!)).Append("\n\n");
            }
            if (!string.IsNullOrEmpty(remediation))
            {
                help.Append("\n\nHow to fix it:\n").Append(ReportText.Sentence(remediation, ""));
                markdown.Append("How to fix it: ").Append(MarkdownText(ReportText.Sentence(remediation, ""))).Append("\n\n");
                if (!string.IsNullOrEmpty(rule!.Setting) && rule.ExpectedText != null)
                    markdown.Append("- Setting: `").Append(rule.Setting!.Replace("`", "'")).Append("` (expected: ").Append(MarkdownText(rule.ExpectedText)).Append(")\n");
                if (rule.WebSteps.Count > 0)
                {
                    help.Append("\n\nOn the registry's website:");
                    for (int i = 0; i < rule.WebSteps.Count; i++) help.Append("\n").Append(i + 1).Append(". ").Append(rule.WebSteps[i]);
                    foreach (var step in rule.WebSteps) markdown.Append("- ").Append(MarkdownText(step)).Append('\n');
                }
                markdown.Append('\n');
            }
            if (reference != null)
            {
                help.Append("\n\nReference: ").Append(reference);
                markdown.Append("[Reference](").Append(reference.Replace(")", "%29")).Append(")\n");
            }

            var j = _json;
            j.StartObject();
            j.Property("id", id);
            j.Property("name", RuleName(title, id));
            j.Name("shortDescription");
            j.StartObject();
            j.Property("text", ReportText.Sentence(title, id));
            j.EndObject();
            j.Name("fullDescription");
            j.StartObject();
            j.Property("text", ReportText.Sentence(rationale, title));
            j.EndObject();
            j.Name("help");
            j.StartObject();
            j.Property("text", help.ToString());
            j.Property("markdown", markdown.ToString());
            j.EndObject();
            if (reference != null && Uri.TryCreate(reference, UriKind.Absolute, out _)) j.Property("helpUri", reference);
            j.Name("defaultConfiguration");
            j.StartObject();
            j.Property("level", Level(severity));
            j.EndObject();
            j.Name("properties");
            j.StartObject();
            j.Name("tags");
            j.StartArray();
            j.String("security");
            if (!string.IsNullOrEmpty(area)) j.String(area);
            j.EndArray();
            j.Property("precision", "high");
            j.Property("problem.severity", Level(severity) == "note" ? "recommendation" : Level(severity));
            j.Property("security-severity", SecuritySeverity(severity));
            j.EndObject();
            j.EndObject();
        }

        /// <summary>A PascalCase name from the title ("Token in a world-readable file" → TokenInAWorldReadableFile).</summary>
        internal static string RuleName(string title, string id)
        {
            // Pascal case as the validator reads it: each word capitalised once, the rest lower case, no articles.
            var sb = new StringBuilder();
            foreach (var word in title.Split(new[] { ' ', '-', '_', '.', ',', ':', ';', '(', ')', '/', '\'', '"', '=' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var w = new string(word.Where(c => char.IsLetterOrDigit(c) && c < 128).ToArray());
                if (w.Length == 0 || w.Equals("a", StringComparison.OrdinalIgnoreCase) || w.Equals("an", StringComparison.OrdinalIgnoreCase) || w.Equals("the", StringComparison.OrdinalIgnoreCase)) continue;
                sb.Append(char.ToUpperInvariant(w[0])).Append(w.Substring(1).ToLowerInvariant());
            }
            if (sb.Length == 0 || char.IsDigit(sb[0])) sb.Insert(0, id.Length > 0 ? char.ToUpperInvariant(id[0]) + id.Substring(1).ToLowerInvariant() : "Rule");
            return sb.ToString();
        }

        private static string MarkdownText(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (char c in text)
            {
                if ("\\`*_[]<>#|".IndexOf(c) >= 0) sb.Append('\\');
                sb.Append(c);
            }
            return sb.ToString();
        }

        public void Dispose() => _text.Dispose();
    }
}
