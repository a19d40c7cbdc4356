using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Events
{
    /// <summary>One line (or CSV record) of an import: an event, nothing (blank, or an action no correlation uses), or why it could not be read.</summary>
    public sealed class ReleaseEventImportItem
    {
        public ReleaseEventRecord? Record { get; set; }
        public string? Problem { get; set; }
        public int Line { get; set; }
    }

    /// <summary>
    /// Reads an organisation's event export for Find-NpmUnapprovedPublish: JSON lines (one object per line; a field is
    /// found by its literal name first, <c>"event.action"</c>, then as a path into nested objects, <c>event → action</c>)
    /// or CSV with a header row (RFC 4180 quoting, fields by header name). The file is hostile input: a line or record
    /// longer than <see cref="MaxLineChars"/> characters, a field count over <see cref="MaxFields"/>, bad JSON, a missing
    /// field or an unreadable time each give a problem naming the line, and reading goes on with the next.
    /// </summary>
    public static class ReleaseEventImport
    {
        public const int MaxLineChars = 1 << 20;
        public const int MaxFields = 512;
        /// <summary>Fields of the original event an alert keeps.</summary>
        public const int MaxKeptFields = 64;

        /// <summary>CSV by the .csv or .tsv extension… only .csv; everything else is JSON lines.</summary>
        public static bool IsCsv(string path) => string.Equals(Path.GetExtension(path), ".csv", StringComparison.OrdinalIgnoreCase);

        public static IEnumerable<ReleaseEventImportItem> Read(TextReader reader, string path, ReleaseEventFieldMap map) =>
            IsCsv(path) ? ReadCsv(reader, path, map) : ReadJsonLines(reader, path, map);

        public static IEnumerable<ReleaseEventImportItem> ReadJsonLines(TextReader reader, string path, ReleaseEventFieldMap map)
        {
            var lines = new BoundedLineReader(reader, MaxLineChars);
            while (lines.Next(out var text, out var tooLong))
            {
                int n = lines.LineNumber;
                if (tooLong) { yield return new ReleaseEventImportItem { Line = n, Problem = $"the line is longer than {MaxLineChars} characters" }; continue; }
                var trimmed = text!.Trim();
                if (trimmed.Length == 0) continue;
                if (n == 1 && trimmed[0] == '\uFEFF') trimmed = trimmed.Substring(1).Trim();
                if (!JsJson.TryParse(trimmed, out var parsed) || !(parsed is JsObject o))
                {
                    yield return new ReleaseEventImportItem { Line = n, Problem = trimmed.StartsWith("[", StringComparison.Ordinal)
                        ? "the line is a JSON array, not an object: the file must hold one JSON object per line (JSON lines)"
                        : "the line is not a JSON object" };
                    continue;
                }
                var fields = new List<KeyValuePair<string, object?>>();
                foreach (var k in o.Keys) fields.Add(new KeyValuePair<string, object?>(k, o[k]));
                yield return Build(name => Lookup(o, name), fields, map, path, n);
            }
        }

        public static IEnumerable<ReleaseEventImportItem> ReadCsv(TextReader reader, string path, ReleaseEventFieldMap map)
        {
            var csv = new CsvReader(reader);
            string[]? header = null;
            while (true)
            {
                List<string>? row;
                string? problem;
                try { row = csv.Next(out problem); }
                catch (InvalidDataException e) { row = null; problem = e.Message; }
                if (row == null && problem == null) yield break;
                int n = csv.RecordLine;
                if (problem != null) { yield return new ReleaseEventImportItem { Line = n, Problem = problem }; if (row == null) yield break; continue; }
                if (row!.Count == 1 && row[0].Length == 0) continue;
                if (header == null)
                {
                    header = row.Select((h, i) => i == 0 ? h.TrimStart('\uFEFF').Trim() : h.Trim()).ToArray();
                    foreach (var needed in new[] { map.Action, map.Package, map.Time })
                        if (Array.IndexOf(header, needed) < 0)
                        {
                            yield return new ReleaseEventImportItem { Line = n, Problem = $"the header has no column '{needed}' (columns: {Clip(string.Join(", ", header))}); map it with -ActionField, -PackageField or -TimeField" };
                            yield break;
                        }
                    continue;
                }
                if (row.Count != header.Length)
                {
                    yield return new ReleaseEventImportItem { Line = n, Problem = $"the record has {row.Count} fields, the header {header.Length}" };
                    continue;
                }
                var fields = header.Select((h, i) => new KeyValuePair<string, object?>(h, row[i])).ToList();
                var values = fields.GroupBy(f => f.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
                yield return Build(name => values.TryGetValue(name, out var v) ? v : null, fields, map, path, n);
            }
        }

        /// <summary>
        /// An event from any field source (a parsed line, a CSV record, a PowerShell object): <paramref name="get"/> gives a
        /// field's value by name (null when missing), <paramref name="fields"/> every field in order (kept on an alert).
        /// </summary>
        public static ReleaseEventImportItem Build(Func<string, object?> get, IEnumerable<KeyValuePair<string, object?>> fields, ReleaseEventFieldMap map, string? path, int line)
        {
            var actionValue = get(map.Action);
            if (actionValue == null || actionValue is JsUndefined)
                return new ReleaseEventImportItem { Line = line, Problem = $"it has no '{map.Action}' field (map the action with -ActionField)" };
            var action = Clip(Text(actionValue) ?? "");
            var kind = ReleaseEventRecord.KindOf(action);
            var item = new ReleaseEventImportItem { Line = line };
            if (kind == ReleaseEventKind.Other)
            {
                item.Record = new ReleaseEventRecord { Kind = kind, Action = action };
                return item;
            }
            var package = Text(get(map.Package));
            if (string.IsNullOrWhiteSpace(package))
                return new ReleaseEventImportItem { Line = line, Problem = $"its '{map.Package}' field is missing or empty (map the package with -PackageField)" };
            var timeValue = get(map.Time);
            var time = ParseTime(timeValue);
            if (time == null)
                return new ReleaseEventImportItem { Line = line, Problem = $"its '{map.Time}' field " + (timeValue == null || timeValue is JsUndefined ? "is missing" : $"('{Clip(Text(timeValue) ?? "")}') is not a time (ISO 8601, or seconds or milliseconds since 1970)") + " (map the time with -TimeField)" };
            var version = Text(get(map.Version));
            var kept = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var f in fields)
            {
                if (kept.Count >= MaxKeptFields) break;
                if (!kept.Contains(f.Key)) kept.Add(Clip(f.Key), f.Value == null || f.Value is JsUndefined ? null : Clip(Text(f.Value) ?? ""));
            }
            item.Record = new ReleaseEventRecord
            {
                Kind = kind,
                Action = action,
                Package = Clip(package!.Trim()),
                Version = string.IsNullOrWhiteSpace(version) ? null : Clip(version!.Trim()),
                Time = time.Value,
                User = Text(get(map.User)) is string u && u.Length > 0 ? Clip(u) : null,
                EventId = Text(get(map.Id)) is string id && id.Length > 0 ? Clip(id) : null,
                Registry = Text(get(map.Registry)) is string r && r.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? Clip(r) : null,
                SourcePath = path,
                SourceLine = path != null ? line : (int?)null,
                Fields = kept,
            };
            return item;
        }

        /// <summary>A JSON object's field: the literal name, else the dotted path through nested objects.</summary>
        internal static object? Lookup(JsObject o, string name)
        {
            if (o.TryGetValue(name, out var direct)) return direct;
            object? at = o;
            foreach (var part in name.Split('.'))
            {
                if (!(at is JsObject obj) || !obj.TryGetValue(part, out at)) return null;
            }
            return at;
        }

        /// <summary>
        /// A time: ISO 8601 text (no zone means UTC), a DateTime or DateTimeOffset (PowerShell's ConvertFrom-Json makes
        /// DateTimes), or a number of seconds (below 10^11) or milliseconds since 1970. Years 1970 to 9999 only.
        /// </summary>
        public static DateTimeOffset? ParseTime(object? value)
        {
            DateTimeOffset? t = null;
            switch (value)
            {
                case DateTimeOffset dto: t = dto; break;
                case DateTime dt: t = dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) : new DateTimeOffset(dt); break;
                case double d: t = FromEpoch(d); break;
                case int i: t = FromEpoch(i); break;
                case long l: t = FromEpoch(l); break;
                case string s:
                    s = s.Trim();
                    if (s.Length == 0 || s.Length > 64) return null;
                    if (s.All(char.IsDigit) && double.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) t = FromEpoch(n);
                    else if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)) t = parsed;
                    break;
            }
            if (t is DateTimeOffset v && v.UtcDateTime.Year >= 1970) return v.ToUniversalTime();
            return null;
        }

        private static DateTimeOffset? FromEpoch(double n)
        {
            if (double.IsNaN(n) || n < 0) return null;
            var ms = n < 1e11 ? n * 1000 : n;
            if (ms > 253402300799999) return null;
            return DateTimeOffset.FromUnixTimeMilliseconds((long)ms);
        }

        private static string? Text(object? value) => value switch
        {
            null => null,
            JsUndefined _ => null,
            string s => s,
            double d => Js.Js.NumberToString(d),
            bool b => b ? "true" : "false",
            DateTime dt => NpmReleaseEvent.Iso(dt.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)) : new DateTimeOffset(dt)),
            DateTimeOffset dto => NpmReleaseEvent.Iso(dto),
            JsObject _ => Js.Js.ToJson(value),
            List<object?> _ => Js.Js.ToJson(value),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };

        private static string Clip(string s) => ReleaseEventReader.Clip(s);

        /// <summary>Lines of at most a given length; a longer one is skipped to its end and reported.</summary>
        private sealed class BoundedLineReader
        {
            private readonly TextReader _reader;
            private readonly int _max;
            private readonly StringBuilder _sb = new StringBuilder();

            public BoundedLineReader(TextReader reader, int max) { _reader = reader; _max = max; }

            public int LineNumber { get; private set; }

            public bool Next(out string? line, out bool tooLong)
            {
                _sb.Clear();
                tooLong = false;
                line = null;
                int c;
                bool any = false;
                while ((c = _reader.Read()) >= 0)
                {
                    any = true;
                    if (c == '\n') break;
                    if (c == '\r') { if (_reader.Peek() == '\n') _reader.Read(); break; }
                    if (_sb.Length < _max) _sb.Append((char)c);
                    else tooLong = true;
                }
                if (!any) return false;
                LineNumber++;
                line = tooLong ? null : _sb.ToString();
                return true;
            }
        }

        /// <summary>RFC 4180 records: comma-separated, double quotes around a field that holds commas, quotes ("") or line breaks.</summary>
        private sealed class CsvReader
        {
            private readonly TextReader _reader;
            private int _line = 1;

            public CsvReader(TextReader reader) { _reader = reader; }

            /// <summary>The line the last record started on.</summary>
            public int RecordLine { get; private set; }

            /// <summary>The next record; null at the end. A record too long or with too many fields is skipped with a problem.</summary>
            public List<string>? Next(out string? problem)
            {
                problem = null;
                if (_reader.Peek() < 0) return null;
                RecordLine = _line;
                var fields = new List<string>();
                var sb = new StringBuilder();
                int total = 0;
                bool quoted = false, fieldStarted = false, afterQuote = false, bad = false;
                while (true)
                {
                    int c = _reader.Read();
                    if (c < 0)
                    {
                        if (quoted) { problem = "a quoted field is not closed before the end of the file"; return null; }
                        break;
                    }
                    if (++total > MaxLineChars) bad = true;
                    if (quoted)
                    {
                        if (c == '"')
                        {
                            if (_reader.Peek() == '"') { _reader.Read(); Append(sb, '"', bad); }
                            else { quoted = false; afterQuote = true; }
                        }
                        else
                        {
                            if (c == '\n') _line++;
                            Append(sb, (char)c, bad);
                        }
                        continue;
                    }
                    if (c == ',')
                    {
                        fields.Add(sb.ToString()); sb.Clear(); fieldStarted = false; afterQuote = false;
                        if (fields.Count > MaxFields) bad = true;
                        continue;
                    }
                    if (c == '\r' || c == '\n')
                    {
                        if (c == '\r' && _reader.Peek() == '\n') _reader.Read();
                        _line++;
                        break;
                    }
                    if (c == '"' && !fieldStarted && !afterQuote) { quoted = true; fieldStarted = true; continue; }
                    fieldStarted = true;
                    Append(sb, (char)c, bad);
                }
                fields.Add(sb.ToString());
                if (bad)
                {
                    problem = $"the record is longer than {MaxLineChars} characters or has more than {MaxFields} fields";
                    return new List<string>();
                }
                return fields;
            }

            private static void Append(StringBuilder sb, char c, bool bad)
            {
                if (!bad) sb.Append(c);
            }
        }
    }
}
