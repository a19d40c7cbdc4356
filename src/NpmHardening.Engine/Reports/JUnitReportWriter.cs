using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// JUnit XML as Azure Pipelines' Publish Test Results (JUnit) and GitLab's <c>artifacts:reports:junit</c> read it:
    /// one &lt;testsuite&gt; per computer and context, one &lt;testcase&gt; per rule in it. A rule fails when any of its
    /// findings there is Fail or Error (every one is listed in the failure); it is skipped when its only problems are
    /// suppressed (with the justification) or it was not applicable; Warning findings pass and show in system-out.
    /// The document needs its counts up front, so the writer keeps one small entry per rule and context.
    /// </summary>
    public sealed class JUnitReportWriter : INpmReportWriter
    {
        private readonly Stream _output;
        private readonly NpmReportOptions _options;
        private readonly Dictionary<string, Suite> _suites = new Dictionary<string, Suite>(StringComparer.Ordinal);
        private readonly List<Suite> _order = new List<Suite>();

        private sealed class Suite
        {
            public string Name = "";
            public string Computer = "";
            public readonly Dictionary<string, Case> Cases = new Dictionary<string, Case>(StringComparer.Ordinal);
            public readonly List<Case> Order = new List<Case>();
        }

        private sealed class Case
        {
            public string RuleId = "";
            public string Title = "";
            public string? Area;
            public NpmSeverity Severity;
            public readonly List<NpmFinding> Failures = new List<NpmFinding>();
            public readonly List<NpmFinding> Suppressed = new List<NpmFinding>();
            public readonly List<NpmFinding> Warnings = new List<NpmFinding>();
            public int Passed;
            public int NotApplicable;
        }

        public JUnitReportWriter(Stream output, NpmReportOptions options)
        {
            _output = output;
            _options = options;
        }

        public void Add(NpmFinding f)
        {
            var computer = string.IsNullOrEmpty(f.ComputerName) ? "(unknown computer)" : f.ComputerName;
            var context = string.IsNullOrEmpty(f.Context) ? "(no context)" : f.Context!;
            var suiteKey = computer + "\u001f" + context;
            if (!_suites.TryGetValue(suiteKey, out var suite))
            {
                suite = new Suite { Name = computer + ": " + context, Computer = computer };
                _suites.Add(suiteKey, suite);
                _order.Add(suite);
            }
            if (!suite.Cases.TryGetValue(f.RuleId, out var c))
            {
                c = new Case { RuleId = f.RuleId, Title = f.Title, Area = f.Area, Severity = f.Severity };
                suite.Cases.Add(f.RuleId, c);
                suite.Order.Add(c);
            }
            if (f.Severity > c.Severity) c.Severity = f.Severity;
            switch (f.Status)
            {
                case NpmFindingStatus.Fail:
                case NpmFindingStatus.Error: c.Failures.Add(f); break;
                case NpmFindingStatus.Suppressed: c.Suppressed.Add(f); break;
                case NpmFindingStatus.Warning: c.Warnings.Add(f); break;
                case NpmFindingStatus.NotApplicable: c.NotApplicable++; break;
                default: c.Passed++; break;
            }
        }

        private static bool IsSkipped(Case c) => c.Failures.Count == 0 && (c.Suppressed.Count > 0 || (c.NotApplicable > 0 && c.Passed == 0 && c.Warnings.Count == 0));

        public void Complete()
        {
            var settings = new XmlWriterSettings { Encoding = ReportText.Utf8NoBom, Indent = true, CloseOutput = false };
            using (var x = XmlWriter.Create(_output, settings))
            {
                x.WriteStartDocument();
                x.WriteStartElement("testsuites");
                x.WriteAttributeString("name", ReportText.XmlSafe(_options.Title));
                WriteCounts(x, _order.SelectMany(s => s.Order).ToList());
                int id = 0;
                foreach (var suite in _order)
                {
                    x.WriteStartElement("testsuite");
                    x.WriteAttributeString("name", ReportText.XmlSafe(suite.Name));
                    x.WriteAttributeString("id", (id++).ToString(CultureInfo.InvariantCulture));
                    x.WriteAttributeString("hostname", ReportText.XmlSafe(suite.Computer));
                    WriteCounts(x, suite.Order);
                    foreach (var c in suite.Order) WriteCase(x, suite, c);
                    x.WriteEndElement();
                }
                x.WriteEndElement();
                x.WriteEndDocument();
            }
            _output.Flush();
        }

        private static void WriteCounts(XmlWriter x, List<Case> cases)
        {
            x.WriteAttributeString("tests", cases.Count.ToString(CultureInfo.InvariantCulture));
            x.WriteAttributeString("failures", cases.Count(c => c.Failures.Count > 0).ToString(CultureInfo.InvariantCulture));
            x.WriteAttributeString("errors", "0");
            x.WriteAttributeString("skipped", cases.Count(IsSkipped).ToString(CultureInfo.InvariantCulture));
            x.WriteAttributeString("time", "0");
        }

        private static void WriteCase(XmlWriter x, Suite suite, Case c)
        {
            x.WriteStartElement("testcase");
            x.WriteAttributeString("name", ReportText.XmlSafe(c.RuleId + " " + c.Title));
            x.WriteAttributeString("classname", ReportText.XmlSafe("NpmHardening." + (string.IsNullOrEmpty(c.Area) ? "Rules" : c.Area)));
            x.WriteAttributeString("time", "0");
            if (c.Failures.Count > 0)
            {
                var first = c.Failures[0];
                x.WriteStartElement("failure");
                x.WriteAttributeString("message", ReportText.XmlSafe($"{c.Severity}: {first.Message}" + (c.Failures.Count > 1 ? $" (and {c.Failures.Count - 1} more)" : "")));
                x.WriteAttributeString("type", ReportText.XmlSafe(first.Status.ToString()));
                x.WriteString(ReportText.XmlSafe(Describe(c.Failures)));
                x.WriteEndElement();
            }
            else if (IsSkipped(c))
            {
                x.WriteStartElement("skipped");
                var message = c.Suppressed.Count > 0
                    ? "Suppressed: " + string.Join(" / ", c.Suppressed.Select(s => s.Suppression?.Justification ?? "no justification").Distinct())
                    : "Not applicable.";
                x.WriteAttributeString("message", ReportText.XmlSafe(message));
                x.WriteEndElement();
            }
            var notes = c.Warnings.Concat(c.Failures.Count > 0 ? c.Suppressed : Enumerable.Empty<NpmFinding>()).ToList();
            if (notes.Count > 0) x.WriteElementString("system-out", ReportText.XmlSafe(Describe(notes)));
            x.WriteEndElement();
        }

        private static string Describe(IEnumerable<NpmFinding> findings)
        {
            var sb = new StringBuilder();
            foreach (var f in findings)
            {
                sb.Append(f.Status).Append(' ').Append(f.Severity).Append(": ").Append(f.Message);
                var location = ReportText.Location(f);
                if (location.Length > 0) sb.Append("\n  at ").Append(location);
                if (f.Suppression != null) sb.Append("\n  suppressed: ").Append(f.Suppression.Justification);
                var fix = ReportText.Remediation(f.Remediation);
                if (fix.Length > 0) sb.Append("\n  fix: ").Append(fix.Replace(Environment.NewLine, "\n       "));
                sb.Append('\n');
            }
            return sb.ToString();
        }

        public void Dispose() { }
    }
}
