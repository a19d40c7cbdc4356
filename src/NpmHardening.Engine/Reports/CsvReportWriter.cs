using System;
using System.Globalization;
using System.IO;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// One row per finding, every field quoted as Export-Csv quotes it, UTF-8 with a byte order mark so Excel on
    /// Windows reads the characters right and Windows PowerShell 5.1's Import-Csv reads it back. Arrays (web steps)
    /// are joined with "; ". A field that a spreadsheet would take for a formula (=, +, -, @ first) gets a leading
    /// apostrophe: paths and messages come from the audited machine and must not run as formulas.
    /// </summary>
    public sealed class CsvReportWriter : INpmReportWriter
    {
        internal static readonly string[] Columns =
        {
            "ComputerName", "Context", "RuleId", "Title", "Area", "Severity", "SeverityReason", "Status", "Message",
            "Path", "Line", "Column", "Uri", "LocationName", "FactId", "Remediation", "Setting", "Value", "Scope",
            "NpmCommand", "WebSteps", "PowerShell", "Reference", "Justification", "SuppressionExpires", "SuppressionSource",
        };

        private readonly StreamWriter _text;
        private readonly string[] _row = new string[Columns.Length];

        public CsvReportWriter(Stream output, NpmReportOptions options)
        {
            _text = new StreamWriter(output, ReportText.Utf8Bom, 1 << 16, leaveOpen: true) { NewLine = "\r\n" };
            WriteRow(Columns);
        }

        public void Add(NpmFinding f)
        {
            var l = f.Location;
            var r = f.Remediation;
            var s = f.Suppression;
            int i = 0;
            _row[i++] = f.ComputerName;
            _row[i++] = f.Context ?? "";
            _row[i++] = f.RuleId;
            _row[i++] = f.Title;
            _row[i++] = f.Area ?? "";
            _row[i++] = f.Severity.ToString();
            _row[i++] = f.SeverityReason ?? "";
            _row[i++] = f.Status.ToString();
            _row[i++] = f.Message;
            _row[i++] = l?.Path ?? "";
            _row[i++] = l?.Line?.ToString(CultureInfo.InvariantCulture) ?? "";
            _row[i++] = l?.Column?.ToString(CultureInfo.InvariantCulture) ?? "";
            _row[i++] = l?.Uri ?? "";
            _row[i++] = l?.Name ?? "";
            _row[i++] = f.FactId;
            _row[i++] = r?.Summary ?? "";
            _row[i++] = r?.Setting ?? "";
            _row[i++] = r?.Value ?? "";
            _row[i++] = r?.Scope ?? "";
            _row[i++] = r?.NpmCommand ?? "";
            _row[i++] = r?.WebSteps != null ? string.Join("; ", r.WebSteps) : "";
            _row[i++] = r?.PowerShell ?? "";
            _row[i++] = f.Reference ?? "";
            _row[i++] = s?.Justification ?? "";
            _row[i++] = s?.Expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";
            _row[i++] = s?.Source ?? "";
            WriteRow(_row);
        }

        private void WriteRow(string[] fields)
        {
            for (int i = 0; i < fields.Length; i++)
            {
                if (i > 0) _text.Write(',');
                var value = fields[i] ?? "";
                _text.Write('"');
                if (value.Length > 0 && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' || value[0] == '\t' || value[0] == '\r'))
                    _text.Write('\'');
                _text.Write(value.IndexOf('"') >= 0 ? value.Replace("\"", "\"\"") : value);
                _text.Write('"');
            }
            _text.WriteLine();
        }

        public void Complete() => _text.Flush();

        public void Dispose() => _text.Dispose();
    }
}
