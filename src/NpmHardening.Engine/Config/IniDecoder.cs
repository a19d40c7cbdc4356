using System.Collections.Generic;
using System.Text;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Config
{
    /// <summary>The values npm's ini parser produces from a document, with the lines each key came from.</summary>
    public sealed class IniDecodeResult
    {
        internal IniDecodeResult(JsObject values, Dictionary<string, List<int>> keyLines, string? failure)
        {
            Values = values;
            KeyLines = keyLines;
            Failure = failure;
        }

        /// <summary>Top-level keys and their JS values, as <c>ini.decode</c> returns them.</summary>
        public JsObject Values { get; }

        /// <summary>For each top-level key, the 1-based lines that assigned it (all of them for arrays; the last one wins otherwise).</summary>
        public IReadOnlyDictionary<string, List<int>> KeyLines { get; }

        /// <summary>Set when npm's parser would throw on this document (npm then fails to start).</summary>
        public string? Failure { get; }

        /// <summary>The line that sets the value npm uses for <paramref name="key"/>: the last assignment.</summary>
        public int? EffectiveLine(string key) =>
            KeyLines.TryGetValue(key, out var lines) && lines.Count > 0 ? lines[lines.Count - 1] : (int?)null;
    }

    /// <summary>
    /// A line-by-line port of <c>decode</c> and <c>unsafe</c> from npm's ini package (ini/lib/ini.js). Every
    /// branch mirrors the JavaScript, including the surprising ones: a quoted value goes through JSON.parse,
    /// so <c>"true"</c> becomes a boolean and <c>'123'</c> a number; keys are trimmed (a leading BOM too);
    /// <c>key[]</c> accumulates an array that a later plain <c>key=</c> keeps appending to.
    /// </summary>
    public static class IniDecoder
    {
        public static IniDecodeResult Decode(NpmrcDocument document)
        {
            var output = new JsObject();
            object? target = output; // JS `p`: the object new keys go into (a section may be a non-object)
            var keyLines = new Dictionary<string, List<int>>(System.StringComparer.Ordinal);
            string? failure = null;

            foreach (var line in document.Lines)
            {
                if (line.Kind == NpmrcLineKind.Section)
                {
                    var section = ToPropertyKey(Unsafe(line.SectionName!));
                    if (section == "__proto__")
                    {
                        target = new JsObject(); // parsed, never attached
                        continue;
                    }
                    var existing = output[section];
                    if (!Js.Js.IsTruthy(existing)) existing = JsObject.CreateNullPrototype();
                    output[section] = existing;
                    target = existing;
                    Record(keyLines, section, line.Number, replace: false);
                    continue;
                }
                if (line.Kind != NpmrcLineKind.Setting) continue;

                object? keyRaw = Unsafe(line.RawKey!);
                if (keyRaw == null)
                {
                    // keyRaw.length on null: ini.parse throws and npm cannot load the file at all
                    failure ??= $"line {line.Number}: the key parses as JSON null";
                    continue;
                }
                bool isArray = keyRaw is string ks && ks.Length > 2 && ks.EndsWith("[]", System.StringComparison.Ordinal);
                string key = isArray ? ((string)keyRaw!).Substring(0, ((string)keyRaw).Length - 2) : ToPropertyKey(keyRaw);
                if (key == "__proto__") continue;

                object? value = line.RawValue != null ? Unsafe(line.RawValue) : true;
                if (value is string vs)
                {
                    if (vs == "true") value = true;
                    else if (vs == "false") value = false;
                    else if (vs == "null") value = null;
                }

                // Assigning a property to a string/boolean/number section is a silent no-op in sloppy-mode JS.
                if (!(target is JsObject obj)) continue;

                if (isArray)
                {
                    if (!obj.ContainsKey(key)) obj[key] = new List<object?>();
                    else if (!(obj[key] is List<object?>)) obj[key] = new List<object?> { obj[key] };
                }
                if (obj[key] is List<object?> list)
                {
                    list.Add(value);
                    if (ReferenceEquals(obj, output)) Record(keyLines, key, line.Number, replace: false);
                }
                else
                {
                    obj[key] = value;
                    if (ReferenceEquals(obj, output)) Record(keyLines, key, line.Number, replace: false);
                }
            }

            // {a:{y:1},"a.b":{x:2}} --> {a:{y:1,b:{x:2}}}
            var remove = new List<string>();
            foreach (var k in new List<string>(output.Keys))
            {
                // typeof null === 'object' in JavaScript, so null values are split on dots like sections
                if (!(output[k] is JsObject) && output[k] != null) continue;
                var parts = SplitSections(k, '.');
                object? p = output;
                var last = parts[parts.Count - 1];
                parts.RemoveAt(parts.Count - 1);
                var unescaped = last.Replace("\\.", ".");
                bool broken = false;
                foreach (var part in parts)
                {
                    if (part == "__proto__") continue;
                    if (!(p is JsObject po)) { broken = true; break; }
                    var child = po[part];
                    // typeof null === 'object': npm then dereferences null and throws.
                    if (child == null) { failure = $"section [{Credentials.NpmCredential.RedactEmbedded(k)}] nests under '{Credentials.NpmCredential.RedactEmbedded(part)}', which is null: npm's ini parser throws"; broken = true; break; }
                    if (!(child is JsObject) && !(child is List<object?>)) { child = JsObject.CreateNullPrototype(); po[part] = child; }
                    p = child;
                }
                if (broken) continue;
                if (p == null) { failure ??= $"section [{Credentials.NpmCredential.RedactEmbedded(k)}] nests under a null value: npm's ini parser throws"; continue; }
                if (!(p is JsObject target2)) continue;
                if (ReferenceEquals(target2, output) && unescaped == last) continue;
                target2[unescaped] = output[k];
                remove.Add(k);
            }
            foreach (var k in remove)
            {
                output.Remove(k);
                keyLines.Remove(k);
            }

            return new IniDecodeResult(output, keyLines, failure);
        }

        private static void Record(Dictionary<string, List<int>> keyLines, string key, int line, bool replace)
        {
            if (!keyLines.TryGetValue(key, out var lines)) keyLines[key] = lines = new List<int>();
            if (replace) lines.Clear();
            lines.Add(line);
        }

        /// <summary>ini's <c>unsafe</c>: trim; quoted → JSON.parse (single quotes stripped first); else cut at the first unescaped ; or #.</summary>
        public static object? Unsafe(string raw)
        {
            var val = JsText.Trim(raw ?? "");
            bool quoted = val.Length > 0 &&
                          (val[0] == '"' && val[val.Length - 1] == '"' || val[0] == '\'' && val[val.Length - 1] == '\'');
            if (quoted)
            {
                if (val[0] == '\'') val = val.Length >= 2 ? val.Substring(1, val.Length - 2) : "";
                return JsJson.TryParse(val, out var parsed) ? parsed : val;
            }

            // most values hold no comment and no escape: the trimmed text itself, not a copy of it
            if (val.IndexOf(';') < 0 && val.IndexOf('#') < 0 && val.IndexOf('\\') < 0) return val;
            var sb = new StringBuilder(val.Length);
            bool esc = false;
            foreach (var c in val)
            {
                if (esc)
                {
                    if (c == '\\' || c == ';' || c == '#') sb.Append(c);
                    else sb.Append('\\').Append(c);
                    esc = false;
                }
                else if (c == ';' || c == '#') break;
                else if (c == '\\') esc = true;
                else sb.Append(c);
            }
            if (esc) sb.Append('\\');
            return JsText.Trim(sb.ToString());
        }

        /// <summary>String(value) as JavaScript coerces a property key.</summary>
        internal static string ToPropertyKey(object? v)
        {
            switch (v)
            {
                case string s: return s;
                case null: return "null";
                case bool b: return b ? "true" : "false";
                case double d: return Js.Js.NumberToString(d);
                case List<object?> list:
                    var parts = new string[list.Count];
                    for (int i = 0; i < list.Count; i++)
                        parts[i] = list[i] == null || list[i] is JsUndefined ? "" : ToPropertyKey(list[i]);
                    return string.Join(",", parts);
                case JsObject _: return "[object Object]";
                default: return v.ToString() ?? "";
            }
        }

        /// <summary>ini's <c>splitSections</c>: split on a separator not preceded by a backslash.</summary>
        internal static List<string> SplitSections(string str, char separator)
        {
            var sections = new List<string>();
            int lastSeparatorIndex = 0, lastMatchIndex = 0;
            while (true)
            {
                int next = str.IndexOf(separator, lastMatchIndex);
                if (next == -1) break;
                lastMatchIndex = next + 1;
                if (next > 0 && str[next - 1] == '\\') continue;
                sections.Add(str.Substring(lastSeparatorIndex, next - lastSeparatorIndex));
                lastSeparatorIndex = next + 1;
            }
            sections.Add(str.Substring(lastSeparatorIndex));
            return sections;
        }
    }
}
