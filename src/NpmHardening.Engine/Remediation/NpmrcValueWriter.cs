using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>A value that no .npmrc line can make npm read back exactly (e.g. the string "true", or surrounding spaces).</summary>
    public sealed class NpmrcValueException : ArgumentException
    {
        public NpmrcValueException(string key, string message) : base(message) { Key = key; }
        public string Key { get; }
    }

    /// <summary>
    /// Turns a typed npm config value into .npmrc line text that npm reads back as exactly that value.
    /// </summary>
    /// <remarks>
    /// <para>Strings are written the way ini's <c>safe()</c> writes them: JSON-quoted when they contain <c>=</c>, a line
    /// break, start with <c>[</c>, look quoted or have surrounding whitespace; otherwise bare with <c>;</c> <c>#</c>
    /// (and a backslash in front of those) escaped. Two things ini's own encoder gets wrong are handled here: U+2028/U+2029
    /// are JSON-escaped (JavaScript's <c>.</c> stops at them, so npm would skip the whole line) and <c>${VAR}</c> is
    /// escaped as <c>\${VAR}</c> (npm expands references in values; a literal has to stay literal).</para>
    /// <para>Every candidate text is decoded again through the ported ini parser and parse-field before it is
    /// returned; a value that cannot round-trip is refused rather than written approximately. That includes the
    /// strings "true", "false" and "null" (ini turns them into a boolean or null even when quoted), strings with
    /// surrounding whitespace (parse-field trims), and NaN.</para>
    /// </remarks>
    public static class NpmrcValueWriter
    {
        private static readonly NpmConfigCatalog Catalog = NpmConfigCatalog.Default;

        /// <summary>A field context for the given npm and machine, the one parse-field uses when npm loads files.</summary>
        public static FieldContext CreateContext(NpmVersion npmVersion, NodePath path, string workingDirectory, string? home,
            IReadOnlyDictionary<string, string>? environment = null)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            var env = environment;
            return new FieldContext(path, workingDirectory, home,
                name => env != null && env.TryGetValue(name, out var v) ? v : null,
                key => Catalog.Find(key, npmVersion));
        }

        /// <summary>The field context npm uses for the files of <paramref name="resolution"/>.</summary>
        public static FieldContext CreateContext(NpmConfigResolution resolution, NodePath path) =>
            CreateContext(resolution.NpmVersion, path, resolution.WorkingDirectory, resolution.Home, resolution.Environment);

        /// <summary>
        /// The lines that set <paramref name="key"/> to <paramref name="value"/>: one <c>key=value</c> line, or one
        /// <c>key[]=item</c> line per item for a list. <paramref name="value"/> is the typed value npm should end up
        /// with (bool, double, string, null, <see cref="JsDate"/>, or a list of those; see <see cref="NpmSettingValue.Normalize"/>).
        /// </summary>
        /// <exception cref="NpmrcValueException">No line text makes npm read back this value.</exception>
        public static IReadOnlyList<string> FormatLines(string key, object? value, FieldContext context)
        {
            if (TryFormatLines(key, value, context, out var lines, out var error)) return lines;
            throw new NpmrcValueException(key, error!);
        }

        public static bool TryFormatLines(string key, object? value, FieldContext context, out IReadOnlyList<string> lines, out string? error)
        {
            if (key == null) throw new ArgumentNullException(nameof(key));
            if (context == null) throw new ArgumentNullException(nameof(context));
            lines = Array.Empty<string>();
            error = CheckKey(key);
            if (error != null) return false;
            var keyText = KeyText(key);

            if (value is List<object?> list)
            {
                if (list.Count == 0)
                {
                    error = $"{key}: an empty list cannot be written to an .npmrc (no line sets an empty list); remove the key's lines instead.";
                    return false;
                }
                var result = new List<string>(list.Count);
                foreach (var item in list)
                {
                    if (item is List<object?> || item is JsObject) { error = $"{key}: a list item must be a single value."; return false; }
                    if (!TryRaw(key, item, context, out var raw, out error)) return false;
                    string? chosen = null;
                    foreach (var candidate in ValueCandidates(raw))
                    {
                        var line = keyText + "[]=" + candidate;
                        if (SameValue(ReadBack(new[] { line }, key, context), new List<object?> { item })) { chosen = line; break; }
                    }
                    if (chosen == null) { error = NotRepresentable(key, item); return false; }
                    result.Add(chosen);
                }
                if (!SameValue(ReadBack(result, key, context), value)) { error = NotRepresentable(key, value); return false; }
                lines = result;
                return true;
            }

            if (value is JsObject || value is JsUndefined) { error = $"{key}: objects and undefined cannot be written as a setting."; return false; }
            if (!TryRaw(key, value, context, out var text, out error)) return false;
            foreach (var candidate in ValueCandidates(text))
            {
                var line = keyText + "=" + candidate;
                if (SameValue(ReadBack(new[] { line }, key, context), value))
                {
                    lines = new[] { line };
                    return true;
                }
            }
            error = NotRepresentable(key, value);
            return false;
        }

        /// <summary>What npm makes of <paramref name="lines"/> for <paramref name="key"/>: ini decode, then parse-field.
        /// <see cref="NotRead"/> when the lines do not set exactly that one key.</summary>
        public static object? ReadBack(IReadOnlyList<string> lines, string key, FieldContext context)
        {
            var decoded = NpmrcDocument.Parse(string.Join("\n", lines)).Decode();
            if (decoded.Failure != null || decoded.Values.Count != 1 || !decoded.Values.TryGetValue(key, out var raw)) return NotRead;
            return ConfigFieldParser.Parse(raw, key, context);
        }

        /// <summary>The marker <see cref="ReadBack"/> returns when the lines do not set the key at all.</summary>
        public static readonly object NotRead = new object();

        /// <summary>Equality of typed npm values: doubles by value, strings ordinal, lists item by item, dates by instant.</summary>
        public static bool SameValue(object? a, object? b)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a == null || b == null) return false;
            switch (a)
            {
                case bool x: return b is bool xb && x == xb;
                case double x: return b is double xd && (x == xd || double.IsNaN(x) && double.IsNaN(xd));
                case string x: return b is string xs && string.Equals(x, xs, StringComparison.Ordinal);
                case JsUndefined _: return b is JsUndefined;
                case JsDate x: return b is JsDate xt && x.Time == xt.Time;
                case List<object?> x:
                    if (!(b is List<object?> xl) || x.Count != xl.Count) return false;
                    for (int i = 0; i < x.Count; i++) if (!SameValue(x[i], xl[i])) return false;
                    return true;
                case JsObject _:
                    return b is JsObject && Js.Js.ToJson(a) == Js.Js.ToJson(b);
                default: return false;
            }
        }

        /// <summary>A value as npm's config list prints it, secrets not considered (callers redact).</summary>
        public static string Display(object? value)
        {
            switch (value)
            {
                case null: return "null";
                case JsUndefined _: return "(unset)";
                case bool b: return b ? "true" : "false";
                case double d: return Js.Js.NumberToString(d);
                case string s: return s;
                case JsDate date: return date.ToString();
                case List<object?> list:
                    var parts = new List<string>(list.Count);
                    foreach (var item in list) parts.Add(item is string s2 ? s2 : Display(item));
                    return "[" + string.Join(", ", parts) + "]";
                default: return Js.Js.ToJson(value);
            }
        }

        // ---- raw text -------------------------------------------------------------------------------------------

        /// <summary>The text npm's parse-field should see before typing (after ini's unquoting/unescaping).</summary>
        private static bool TryRaw(string key, object? value, FieldContext context, out string raw, out string? error)
        {
            raw = "";
            error = null;
            switch (value)
            {
                case null: raw = "null"; return true;
                case bool b: raw = b ? "true" : "false"; return true;
                case double d:
                    if (double.IsNaN(d)) { error = $"{key}: NaN cannot be written (npm would read the string \"NaN\")."; return false; }
                    var def = context.Definitions(key);
                    if (def != null && def.IsUmask && d >= 0 && d == Math.Floor(d) && d <= int.MaxValue)
                        raw = "0" + Convert.ToString((long)d, 8);
                    else raw = Js.Js.NumberToString(d);
                    return true;
                case string s: raw = EscapeEnvironmentReferences(s); return true;
                case JsDate date:
                    var iso = date.ToIsoString();
                    if (iso == null) { error = $"{key}: an invalid date cannot be written."; return false; }
                    raw = iso;
                    return true;
                default:
                    error = $"{key}: a {value.GetType().Name} is not an npm config value (normalize it first).";
                    return false;
            }
        }

        /// <summary>
        /// Escapes every <c>${NAME}</c> / <c>${NAME?}</c> that npm's env-replace would expand, so it stays literal:
        /// a run of k backslashes in front becomes 2k+1 (env-replace keeps half of an odd run and drops the expansion).
        /// </summary>
        internal static string EscapeEnvironmentReferences(string s)
        {
            if (s.IndexOf("${", StringComparison.Ordinal) < 0) return s;
            var sb = new StringBuilder(s.Length + 8);
            int i = 0;
            while (i < s.Length)
            {
                // the k backslashes in front are already copied; k + 1 more make the run odd (2k + 1)
                if (s[i] == '$' && i + 1 < s.Length && s[i + 1] == '{' && IsReference(s, i))
                    sb.Append('\\', CountBackslashesBefore(s, i) + 1);
                sb.Append(s[i]);
                i++;
            }
            return sb.ToString();
        }

        private static int CountBackslashesBefore(string s, int i)
        {
            int k = 0;
            while (i - k - 1 >= 0 && s[i - k - 1] == '\\') k++;
            return k;
        }

        /// <summary>Whether <c>${</c> at <paramref name="i"/> starts an env-replace reference: ${[^${}?]+}?}.</summary>
        private static bool IsReference(string s, int i)
        {
            int j = i + 2, start = j;
            while (j < s.Length && s[j] != '$' && s[j] != '{' && s[j] != '}' && s[j] != '?') j++;
            if (j == start || j >= s.Length) return false;
            if (s[j] == '?') j++;
            return j < s.Length && s[j] == '}';
        }

        /// <summary>Bare (ini-escaped) first when ini's safe() would leave it bare, then JSON-quoted.</summary>
        internal static IEnumerable<string> ValueCandidates(string raw)
        {
            var bare = BareText(raw);
            if (bare != null) yield return bare;
            yield return JsonText(raw);
        }

        /// <summary>ini's safe() for a string it leaves unquoted, or null when safe() would quote it (or bare text could not hold it).</summary>
        internal static string? BareText(string raw)
        {
            if (raw.Length > 1 && IsQuoted(raw)) return null;
            if (raw.Length > 0 && raw[0] == '[') return null;
            if (JsText.Trim(raw) != raw) return null;
            for (int i = 0; i < raw.Length; i++)
            {
                char c = raw[i];
                if (c == '=' || c < 0x20 || c == '\u007F' || JsText.IsLineTerminator(c)) return null;
                if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1])) { i++; continue; }
                if (char.IsSurrogate(c)) return null;
            }
            var sb = new StringBuilder(raw.Length + 4);
            for (int i = 0; i < raw.Length; i++)
            {
                char c = raw[i];
                if (c == ';' || c == '#') sb.Append('\\').Append(c);
                else if (c == '\\')
                {
                    // ini's unsafe() turns \\ \; \# into the second character and keeps any other \x as is
                    bool nextEscapes = i + 1 < raw.Length && (raw[i + 1] == '\\' || raw[i + 1] == ';' || raw[i + 1] == '#');
                    sb.Append(nextEscapes ? "\\\\" : "\\");
                }
                else sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>JSON.stringify of the text, with U+2028/U+2029 escaped too (raw, they end the line for npm's regex).</summary>
        public static string JsonText(string raw) =>
            JsText.JsonQuote(raw).Replace("\u2028", "\\u2028").Replace("\u2029", "\\u2029");

        private static bool IsQuoted(string v) =>
            v.Length > 0 && (v[0] == '"' && v[v.Length - 1] == '"' || v[0] == '\'' && v[v.Length - 1] == '\'');

        // ---- keys -----------------------------------------------------------------------------------------------

        /// <summary>Why a key cannot be written as the left side of a line, or null.</summary>
        internal static string? CheckKey(string key)
        {
            if (key.Length == 0) return "An empty key cannot be written.";
            if (JsText.Trim(key) != key) return $"The key '{key}' has surrounding whitespace, which npm trims.";
            foreach (var c in key)
                if (c == '=' || c < 0x20 || JsText.IsLineTerminator(c) || char.IsSurrogate(c))
                    return $"The key {Js.Js.ToJson(key)} contains a character ('=' or a control character) that cannot appear in an .npmrc key.";
            if (key[0] == '[' || key[0] == '"' || key[0] == '\'') return $"The key '{key}' starts with a character npm's ini parser treats specially.";
            if (key.EndsWith("[]", StringComparison.Ordinal)) return $"The key '{key}' ends with [], which npm reads as a list.";
            if (key == "__proto__") return "The key __proto__ is ignored by npm.";
            return null;
        }

        /// <summary>The key as bare ini text (; and # escaped).</summary>
        internal static string KeyText(string key) => BareText(key) ?? key;

        private static string NotRepresentable(string key, object? value)
        {
            var shown = value is string s ? Js.Js.ToJson(s) : Display(value);
            if (value is string t)
            {
                if (t == "true" || t == "false" || t == "null")
                    return $"{key}: the string {shown} cannot be written: npm's ini parser reads it as {(t == "null" ? "null" : "a boolean")} even when quoted.";
                if (JsText.Trim(t) != t)
                    return $"{key}: {shown} has leading or trailing whitespace, which npm trims from every setting.";
            }
            return $"{key}: no .npmrc line makes npm read back {shown} for this key (npm would type or transform it differently).";
        }
    
        /// <summary>
        /// The parts of a line's raw value an in-place edit keeps: the spacing after '=', the quote character of a
        /// quoted value ('\0' when bare), and a trailing inline comment of a bare value (from the whitespace before
        /// the first unescaped ';' or '#', which ini cuts at). With <paramref name="commentNeedsSpace"/>, a ';' or '#'
        /// right after a non-space character does not start a comment.
        /// </summary>
        internal static void SplitRawValue(string raw, bool commentNeedsSpace, out string leading, out char quote, out string comment)
        {
            int lead = 0;
            while (lead < raw.Length && JsText.IsWhiteSpace(raw[lead])) lead++;
            leading = raw.Substring(0, lead);
            var trimmed = JsText.Trim(raw);
            quote = trimmed.Length > 1 && (trimmed[0] == '"' || trimmed[0] == '\'') && trimmed[trimmed.Length - 1] == trimmed[0] ? trimmed[0] : '\0';
            comment = "";
            if (quote != '\0') return;
            bool escaped = false;
            for (int i = lead; i < raw.Length; i++)
            {
                char c = raw[i];
                if (escaped) { escaped = false; continue; }
                if (c == '\\') { escaped = true; continue; }
                if (c != ';' && c != '#') continue;
                if (commentNeedsSpace && !(i > lead && JsText.IsWhiteSpace(raw[i - 1]))) return;
                int start = i;
                while (start > lead && JsText.IsWhiteSpace(raw[start - 1])) start--;
                comment = raw.Substring(start);
                return;
            }
        }
}
}
