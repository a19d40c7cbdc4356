using System;
using System.Globalization;
using System.IO;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// A JSON array of findings in the shape of <see cref="NpmFinding"/>: enums as names (never numbers), the
    /// location, remediation and suppression as nested objects, dates as ISO 8601.
    /// </summary>
    public sealed class JsonReportWriter : INpmReportWriter
    {
        private readonly StreamWriter _text;
        private readonly ReportJsonWriter _json;

        public JsonReportWriter(Stream output, NpmReportOptions options)
        {
            _text = new StreamWriter(output, ReportText.Utf8NoBom, 1 << 16, leaveOpen: true);
            _json = new ReportJsonWriter(_text, options.Indent);
            _json.StartArray();
        }

        public void Add(NpmFinding finding) => WriteFinding(_json, finding);

        /// <summary>One finding as a JSON object (also the SARIF writer's property bag of a result).</summary>
        internal static void WriteFinding(ReportJsonWriter json, NpmFinding f)
        {
            json.StartObject();
            json.Property("RuleId", f.RuleId);
            json.Property("Title", f.Title);
            json.Property("Area", f.Area);
            json.Property("Severity", f.Severity.ToString());
            json.Property("SeverityReason", f.SeverityReason);
            json.Property("Status", f.Status.ToString());
            json.Property("Message", f.Message);
            json.Name("Location");
            if (f.Location is NpmFindingLocation l)
            {
                json.StartObject();
                json.Property("Path", l.Path);
                json.NullableProperty("Line", l.Line);
                json.NullableProperty("Column", l.Column);
                json.Property("Uri", l.Uri);
                json.Property("Name", l.Name);
                json.EndObject();
            }
            else json.Null();
            json.Property("Context", f.Context);
            json.Property("ComputerName", f.ComputerName);
            json.Property("FactId", f.FactId);
            json.Name("Remediation");
            if (f.Remediation is NpmRemediation r)
            {
                json.StartObject();
                json.Property("Summary", r.Summary);
                json.Property("Setting", r.Setting);
                json.Property("Value", r.Value);
                json.Property("Scope", r.Scope);
                json.Property("NpmCommand", r.NpmCommand);
                json.Name("WebSteps");
                json.StartArray();
                foreach (var step in r.WebSteps ?? Array.Empty<string>()) json.String(step);
                json.EndArray();
                json.Property("PowerShell", r.PowerShell);
                json.EndObject();
            }
            else json.Null();
            json.Property("Reference", f.Reference);
            json.Name("Suppression");
            if (f.Suppression is NpmFindingSuppression s)
            {
                json.StartObject();
                json.Property("Justification", s.Justification);
                json.Property("Expires", s.Expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                json.Property("Source", s.Source);
                json.Property("OriginalStatus", s.OriginalStatus.ToString());
                json.EndObject();
            }
            else json.Null();
            json.EndObject();
        }

        public void Complete()
        {
            _json.EndArray();
            _text.Flush();
        }

        public void Dispose() => _text.Dispose();
    }
}
