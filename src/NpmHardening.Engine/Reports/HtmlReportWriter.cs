using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// One self-contained HTML page: no network, no CDN, inline CSS and script only. Every piece of finding text is
    /// HTML-encoded (paths and messages come from the audited machine), and a Content-Security-Policy admits only the
    /// page's own script by its hash, so planted markup stays text even if it got through. The table rows stream out
    /// as findings arrive; the summary (score, counts per severity and status, a table per computer and context) is
    /// written after them and shown first by CSS.
    /// </summary>
    public sealed class HtmlReportWriter : INpmReportWriter
    {
        private static readonly string[] SeverityNames = { "Info", "Low", "Medium", "High", "Critical" };
        private static readonly NpmFindingStatus[] Statuses =
            { NpmFindingStatus.Fail, NpmFindingStatus.Error, NpmFindingStatus.Warning, NpmFindingStatus.Suppressed, NpmFindingStatus.Pass, NpmFindingStatus.NotApplicable };

        private readonly StreamWriter _text;
        private readonly NpmReportOptions _options;
        private readonly Counts _total = new Counts();
        private readonly Dictionary<string, Counts> _groups = new Dictionary<string, Counts>(StringComparer.Ordinal);
        private readonly List<string> _groupOrder = new List<string>();

        private sealed class Counts
        {
            public string Computer = "";
            public string Context = "";
            public readonly int[] ProblemsBySeverity = new int[5];
            public readonly Dictionary<NpmFindingStatus, int> ByStatus = new Dictionary<NpmFindingStatus, int>();
            public double PassWeight;
            public double JudgedWeight;
            public int Findings;

            public void Add(NpmFinding f)
            {
                Findings++;
                ByStatus[f.Status] = (ByStatus.TryGetValue(f.Status, out var n) ? n : 0) + 1;
                int s = Math.Max(0, Math.Min(4, (int)f.Severity));
                if (ReportText.IsProblem(f.Status)) ProblemsBySeverity[s]++;
                double w = Weight(f.Severity);
                if (f.Status == NpmFindingStatus.Pass) { PassWeight += w; JudgedWeight += w; }
                else if (ReportText.IsProblem(f.Status)) JudgedWeight += w;
            }

            public int Status(NpmFindingStatus s) => ByStatus.TryGetValue(s, out var n) ? n : 0;

            /// <summary>Share of the judged rules that pass, weighted by severity; 100 when nothing was judged.</summary>
            public int Score => JudgedWeight <= 0 ? 100 : (int)Math.Floor(100 * PassWeight / JudgedWeight);
        }

        /// <summary>How much a rule weighs in the score: a Critical failure costs as much as ten Low ones.</summary>
        internal static double Weight(NpmSeverity severity) => severity switch
        {
            NpmSeverity.Critical => 10,
            NpmSeverity.High => 5,
            NpmSeverity.Medium => 3,
            NpmSeverity.Low => 1,
            _ => 0.5,
        };

        public HtmlReportWriter(Stream output, NpmReportOptions options)
        {
            _options = options;
            _text = new StreamWriter(output, ReportText.Utf8NoBom, 1 << 16, leaveOpen: true);
            var w = _text;
            w.Write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
            w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-");
            w.Write(ScriptHash);
            w.Write("'\">\n<meta name=\"generator\" content=\"NpmHardening ");
            w.Write(Encode(options.ToolVersion));
            w.Write("\">\n<title>");
            w.Write(Encode(options.Title));
            w.Write("</title>\n<style>");
            w.Write(Style);
            w.Write("</style>\n</head>\n<body>\n<main id=\"page\">\n<header><h1>");
            w.Write(Encode(options.Title));
            w.Write("</h1></header>\n<section id=\"findings\">\n<h2>Findings</h2>\n<div class=\"controls\">");
            w.Write("<label>Filter <input id=\"filter\" type=\"search\" placeholder=\"rule, path, message…\"></label> ");
            w.Write("<label>Severity <select id=\"severity\"><option value=\"\">any</option>");
            for (int s = 4; s >= 0; s--) w.Write($"<option value=\"{s}\">{SeverityNames[s]} and above</option>");
            w.Write("</select></label> <label>Status <select id=\"status\"><option value=\"\">any</option>");
            foreach (var s in Statuses) w.Write($"<option>{s}</option>");
            w.Write("</select></label> <button id=\"clear\" type=\"button\">Show all</button> <span id=\"shown\"></span></div>\n");
            w.Write("<table id=\"table\"><thead><tr>");
            foreach (var (key, label) in new[] { ("sev", "Severity"), ("status", "Status"), ("rule", "Rule"), ("computer", "Computer"), ("context", "Context"), ("location", "Location"), ("message", "Message"), ("fix", "Remediation") })
                w.Write($"<th data-key=\"{key}\" tabindex=\"0\">{label}</th>");
            w.Write("</tr></thead>\n<tbody>\n");
        }

        public void Add(NpmFinding f)
        {
            _total.Add(f);
            var computer = f.ComputerName ?? "";
            var context = f.Context ?? "";
            var key = computer + "\u001f" + context;
            if (!_groups.TryGetValue(key, out var g))
            {
                g = new Counts { Computer = computer, Context = context };
                _groups.Add(key, g);
                _groupOrder.Add(key);
            }
            g.Add(f);

            var w = _text;
            int sev = Math.Max(0, Math.Min(4, (int)f.Severity));
            w.Write("<tr data-sev=\"");
            w.Write(sev.ToString(CultureInfo.InvariantCulture));
            w.Write("\" data-status=\"");
            w.Write(f.Status.ToString());
            w.Write("\" data-computer=\"");
            w.Write(Encode(computer));
            w.Write("\" data-context=\"");
            w.Write(Encode(context));
            w.Write("\"><td class=\"sev s");
            w.Write(sev.ToString(CultureInfo.InvariantCulture));
            w.Write("\">");
            w.Write(f.Severity.ToString());
            if (!string.IsNullOrEmpty(f.SeverityReason)) { w.Write("<div class=\"why\">"); w.Write(Encode(f.SeverityReason)); w.Write("</div>"); }
            w.Write("</td><td class=\"st ");
            w.Write(f.Status.ToString());
            w.Write("\">");
            w.Write(f.Status.ToString());
            if (f.Suppression != null)
            {
                w.Write("<div class=\"why\">");
                w.Write(Encode(f.Suppression.Justification));
                if (f.Suppression.Expires is DateTime expires) w.Write(" (until " + expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ")");
                w.Write("</div>");
            }
            w.Write("</td><td><b>");
            w.Write(Encode(f.RuleId));
            w.Write("</b> ");
            if (!string.IsNullOrEmpty(f.Reference) && (f.Reference!.StartsWith("https://", StringComparison.Ordinal) || f.Reference.StartsWith("http://", StringComparison.Ordinal)))
            {
                w.Write("<a rel=\"noreferrer\" href=\"");
                w.Write(Encode(f.Reference));
                w.Write("\">");
                w.Write(Encode(f.Title));
                w.Write("</a>");
            }
            else w.Write(Encode(f.Title));
            w.Write("</td><td>");
            w.Write(Encode(computer));
            w.Write("</td><td>");
            w.Write(Encode(context));
            w.Write("</td><td class=\"loc\">");
            w.Write(Encode(ReportText.Location(f)));
            w.Write("</td><td>");
            w.Write(Encode(f.Message));
            w.Write("</td><td class=\"fix\">");
            WriteRemediation(f.Remediation);
            w.Write("</td></tr>\n");
        }

        private void WriteRemediation(NpmRemediation? r)
        {
            if (r == null) return;
            var w = _text;
            if (!string.IsNullOrEmpty(r.Summary)) { w.Write("<p>"); w.Write(Encode(r.Summary)); w.Write("</p>"); }
            if (!string.IsNullOrEmpty(r.Setting))
            {
                w.Write("<p>Setting: <code>");
                w.Write(Encode(r.Setting + "=" + r.Value));
                w.Write("</code>");
                if (!string.IsNullOrEmpty(r.Scope)) w.Write(" (" + Encode(r.Scope) + ")");
                w.Write("</p>");
            }
            if (!string.IsNullOrEmpty(r.NpmCommand)) { w.Write("<p>npm: <code>"); w.Write(Encode(r.NpmCommand)); w.Write("</code></p>"); }
            if (r.WebSteps != null && r.WebSteps.Length > 0)
            {
                w.Write("<ol>");
                foreach (var step in r.WebSteps) { w.Write("<li>"); w.Write(Encode(step)); w.Write("</li>"); }
                w.Write("</ol>");
            }
            if (!string.IsNullOrEmpty(r.PowerShell)) { w.Write("<p>PowerShell: <code>"); w.Write(Encode(r.PowerShell)); w.Write("</code></p>"); }
        }

        public void Complete()
        {
            var w = _text;
            w.Write("</tbody></table>\n</section>\n<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">");
            w.Write("<div class=\"card score\"><span class=\"n\" id=\"score\" data-score=\"");
            w.Write(_total.Score.ToString(CultureInfo.InvariantCulture));
            w.Write("\">");
            w.Write(_total.Score.ToString(CultureInfo.InvariantCulture));
            w.Write("</span><span>score / 100</span></div>");
            for (int s = 4; s >= 0; s--)
            {
                var n = _total.ProblemsBySeverity[s].ToString(CultureInfo.InvariantCulture);
                w.Write($"<div class=\"card s{s}\"><span class=\"n\" id=\"count-{SeverityNames[s]}\" data-count=\"{n}\">{n}</span><span>{SeverityNames[s]}</span></div>");
            }
            w.Write("</div>\n<p class=\"statuses\">");
            w.Write($"{_total.Findings.ToString(CultureInfo.InvariantCulture)} findings: ");
            w.Write(string.Join(", ", Statuses.Select(s => $"<span id=\"status-{s}\" data-count=\"{_total.Status(s)}\">{_total.Status(s)}</span> {s}")));
            w.Write("</p>\n<p class=\"note\">Counts per severity count the findings to act on (Fail, Error, Warning). The score is the share of judged rules that pass, weighted by severity (Critical 10, High 5, Medium 3, Low 1, Info 0.5).</p>\n");
            w.Write("<h3>By computer and context</h3>\n<table id=\"groups\"><thead><tr><th>Computer</th><th>Context</th><th>Score</th>");
            for (int s = 4; s >= 0; s--) w.Write($"<th>{SeverityNames[s]}</th>");
            w.Write("<th>Suppressed</th><th>Findings</th></tr></thead><tbody>\n");
            foreach (var g in _groupOrder.Select(k => _groups[k]).OrderBy(g => g.Computer, StringComparer.OrdinalIgnoreCase).ThenBy(g => g.Context, StringComparer.OrdinalIgnoreCase))
            {
                w.Write("<tr class=\"group\" tabindex=\"0\" data-computer=\"");
                w.Write(Encode(g.Computer));
                w.Write("\" data-context=\"");
                w.Write(Encode(g.Context));
                w.Write("\"><td>");
                w.Write(Encode(g.Computer));
                w.Write("</td><td>");
                w.Write(Encode(g.Context));
                w.Write("</td><td>");
                w.Write(g.Score.ToString(CultureInfo.InvariantCulture));
                w.Write("</td>");
                for (int s = 4; s >= 0; s--) w.Write($"<td class=\"s{s}\">{g.ProblemsBySeverity[s]}</td>");
                w.Write($"<td>{g.Status(NpmFindingStatus.Suppressed)}</td><td>{g.Findings}</td></tr>\n");
            }
            w.Write("</tbody></table>\n</section>\n</main>\n<script>");
            w.Write(Script);
            w.Write("</script>\n</body>\n</html>\n");
            w.Flush();
        }

        internal static string Encode(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            // WebUtility.HtmlEncode leaves the apostrophe; attributes here are double-quoted, but encode it anyway.
            return WebUtility.HtmlEncode(text).Replace("'", "&#39;");
        }

        private static readonly string ScriptHash = Convert.ToBase64String(SHA256Hash(Encoding.UTF8.GetBytes(Script)));

        private static byte[] SHA256Hash(byte[] data)
        {
            using var sha = SHA256.Create();
            return sha.ComputeHash(data);
        }

        private const string Style =
            "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}" +
            "#page{display:flex;flex-direction:column;padding:0 1.5em 2em}#summary{order:-1}header{order:-2}" +
            "h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.2em;margin:1em 0 .4em}h3{font-size:1em}" +
            ".cards{display:flex;flex-wrap:wrap;gap:.6em}.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:.5em 1em;min-width:6em;display:flex;flex-direction:column;align-items:center}" +
            ".card .n{font-size:1.8em;font-weight:600}" +
            "table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}" +
            "th{background:#eaeef2;cursor:pointer;user-select:none;position:sticky;top:0}th.asc::after{content:' \\25B2'}th.desc::after{content:' \\25BC'}" +
            ".s4{color:#fff;background:#8b0000}.s3{color:#fff;background:#cf222e}.s2{background:#fb8f44}.s1{background:#fff8c5}.s0{background:#ddf4ff}" +
            ".card.s4 span,.card.s3 span{color:#fff}td.sev{font-weight:600;white-space:nowrap}" +
            ".st.Fail,.st.Error{color:#cf222e;font-weight:600}.st.Pass{color:#1a7f37}.st.Suppressed{color:#6e7781}" +
            ".why{font-weight:normal;font-size:.85em;color:inherit;opacity:.85}.loc{font-family:ui-monospace,monospace;word-break:break-all}" +
            ".fix p{margin:0 0 .3em}.fix ol{margin:0;padding-left:1.2em}code{background:#eaeef2;padding:0 .2em;border-radius:3px}" +
            ".controls{margin:.5em 0;display:flex;flex-wrap:wrap;gap:.5em;align-items:center}tr.group{cursor:pointer}tr.group:hover{background:#f0f6ff}" +
            ".note{color:#57606a;font-size:.9em}";

        // Sorting, filtering and the rendered counts (computed from the rows, so a test can compare them with the
        // summary written by the engine). Handlers are attached here: the policy forbids inline event attributes.
        private const string Script = @"
(function () {
  'use strict';
  var body = document.querySelector('#table tbody');
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById('filter');
  var severity = document.getElementById('severity');
  var status = document.getElementById('status');
  var shown = document.getElementById('shown');
  var group = null;
  function cellText(row, key) {
    switch (key) {
      case 'sev': return row.getAttribute('data-sev');
      case 'status': return row.getAttribute('data-status');
      default: return row.cells[['sev', 'status', 'rule', 'computer', 'context', 'location', 'message', 'fix'].indexOf(key)].textContent;
    }
  }
  function apply() {
    var text = filter.value.toLowerCase();
    var minimum = severity.value === '' ? -1 : Number(severity.value);
    var wanted = status.value;
    var count = 0;
    rows.forEach(function (row) {
      var visible = (minimum < 0 || Number(row.getAttribute('data-sev')) >= minimum) &&
        (wanted === '' || row.getAttribute('data-status') === wanted) &&
        (group === null || (row.getAttribute('data-computer') === group.computer && row.getAttribute('data-context') === group.context)) &&
        (text === '' || row.textContent.toLowerCase().indexOf(text) >= 0);
      row.hidden = !visible;
      if (visible) count++;
    });
    shown.textContent = count + ' of ' + rows.length + ' shown' + (group ? ' (' + group.computer + ' / ' + group.context + ')' : '');
  }
  var headers = document.querySelectorAll('#table th');
  Array.prototype.forEach.call(headers, function (th) {
    function sort() {
      var key = th.getAttribute('data-key');
      var descending = !th.classList.contains('desc');
      Array.prototype.forEach.call(headers, function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(descending ? 'desc' : 'asc');
      var numeric = key === 'sev';
      rows.sort(function (a, b) {
        var x = cellText(a, key), y = cellText(b, key);
        var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return descending ? -c : c;
      });
      var fragment = document.createDocumentFragment();
      rows.forEach(function (row) { fragment.appendChild(row); });
      body.appendChild(fragment);
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll('#groups tr.group'), function (tr) {
    function pick() {
      group = { computer: tr.getAttribute('data-computer'), context: tr.getAttribute('data-context') };
      apply();
      document.getElementById('findings').scrollIntoView();
    }
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') pick(); });
  });
  document.getElementById('clear').addEventListener('click', function () {
    group = null; filter.value = ''; severity.value = ''; status.value = ''; apply();
  });
  filter.addEventListener('input', apply);
  severity.addEventListener('change', apply);
  status.addEventListener('change', apply);
  var rendered = { Critical: 0, High: 0, Medium: 0, Low: 0, Info: 0 };
  var names = ['Info', 'Low', 'Medium', 'High', 'Critical'];
  rows.forEach(function (row) {
    var s = row.getAttribute('data-status');
    if (s === 'Fail' || s === 'Error' || s === 'Warning') rendered[names[Number(row.getAttribute('data-sev'))]]++;
  });
  document.body.setAttribute('data-rendered-counts', JSON.stringify(rendered));
  document.body.setAttribute('data-rows', String(rows.length));
  apply();
  document.body.setAttribute('data-ready', 'true');
})();
";

        public void Dispose() => _text.Dispose();
    }
}
