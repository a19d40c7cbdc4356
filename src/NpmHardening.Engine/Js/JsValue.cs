using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace NpmHardening.Engine.Js
{
    /// <summary>
    /// JavaScript's <c>undefined</c>. npm config values can be undefined (the literal string "undefined" in a
    /// non-string key), which is distinct from null: JSON output omits the key entirely.
    /// </summary>
    public sealed class JsUndefined
    {
        public static readonly JsUndefined Value = new JsUndefined();
        private JsUndefined() { }
        public override string ToString() => "undefined";
    }

    /// <summary>A JavaScript object with its key order (insertion order, integer-like keys first).</summary>
    public sealed class JsObject
    {
        private readonly List<string> _order = new List<string>();
        private readonly Dictionary<string, object?> _values = new Dictionary<string, object?>(StringComparer.Ordinal);

        public int Count => _order.Count;
        public bool ContainsKey(string key) => _values.ContainsKey(key);
        public bool TryGetValue(string key, out object? value) => _values.TryGetValue(key, out value);

        public object? this[string key]
        {
            get => _values.TryGetValue(key, out var v) ? v : JsUndefined.Value;
            set
            {
                if (!_values.ContainsKey(key)) _order.Add(key);
                _values[key] = value;
            }
        }

        public bool Remove(string key)
        {
            if (!_values.Remove(key)) return false;
            _order.Remove(key);
            return true;
        }

        /// <summary>Keys in the order Object.keys would list them.</summary>
        public IEnumerable<string> Keys
        {
            get
            {
                var integers = new List<KeyValuePair<uint, string>>();
                foreach (var k in _order)
                    if (IsArrayIndex(k, out var n)) integers.Add(new KeyValuePair<uint, string>(n, k));
                integers.Sort((a, b) => a.Key.CompareTo(b.Key));
                foreach (var p in integers) yield return p.Value;
                foreach (var k in _order)
                    if (!IsArrayIndex(k, out _)) yield return k;
            }
        }

        private static bool IsArrayIndex(string k, out uint n)
        {
            n = 0;
            if (k.Length == 0 || k.Length > 10 || (k.Length > 1 && k[0] == '0')) return false;
            foreach (var c in k) if (c < '0' || c > '9') return false;
            return uint.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n != uint.MaxValue;
        }
    }

    /// <summary>Type checks and conversions that follow JavaScript.</summary>
    public static class Js
    {
        public static bool IsUndefined(object? v) => v is JsUndefined;

        /// <summary>JavaScript truthiness, as npm uses in <c>if (this.get(key))</c>.</summary>
        public static bool IsTruthy(object? v)
        {
            switch (v)
            {
                case null: return false;
                case JsUndefined _: return false;
                case bool b: return b;
                case double d: return !(d == 0 || double.IsNaN(d));
                case string s: return s.Length > 0;
                default: return true;
            }
        }

        /// <summary>
        /// Number(string) as JavaScript converts it (used by npm's <c>isNaN(f)</c> and <c>+f</c>): surrounding
        /// whitespace ignored, empty means 0, hex/octal/binary prefixes, Infinity, otherwise a decimal literal.
        /// </summary>
        public static double ToNumber(string s)
        {
            var t = JsText.Trim(s);
            if (t.Length == 0) return 0;
            if (t.Length > 2 && t[0] == '0')
            {
                int radix = t[1] == 'x' || t[1] == 'X' ? 16 : t[1] == 'o' || t[1] == 'O' ? 8 : t[1] == 'b' || t[1] == 'B' ? 2 : 0;
                if (radix != 0)
                {
                    double acc = 0;
                    for (int i = 2; i < t.Length; i++)
                    {
                        int d = DigitValue(t[i]);
                        if (d < 0 || d >= radix) return double.NaN;
                        acc = acc * radix + d;
                    }
                    return acc;
                }
            }
            if (t == "Infinity" || t == "+Infinity") return double.PositiveInfinity;
            if (t == "-Infinity") return double.NegativeInfinity;
            // StrDecimalLiteral: [+-] (digits [. digits?] | . digits) [e[+-]digits]
            int p = 0;
            if (t[p] == '+' || t[p] == '-') p++;
            int intDigits = 0, fracDigits = 0;
            while (p < t.Length && t[p] >= '0' && t[p] <= '9') { p++; intDigits++; }
            if (p < t.Length && t[p] == '.')
            {
                p++;
                while (p < t.Length && t[p] >= '0' && t[p] <= '9') { p++; fracDigits++; }
            }
            if (intDigits + fracDigits == 0) return double.NaN;
            if (p < t.Length && (t[p] == 'e' || t[p] == 'E'))
            {
                p++;
                if (p < t.Length && (t[p] == '+' || t[p] == '-')) p++;
                int expDigits = 0;
                while (p < t.Length && t[p] >= '0' && t[p] <= '9') { p++; expDigits++; }
                if (expDigits == 0) return double.NaN;
            }
            if (p != t.Length) return double.NaN;
            return double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        private static int DigitValue(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'z') return c - 'a' + 10;
            if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
            return -1;
        }

        /// <summary>String(number) for the values npm config can hold.</summary>
        public static string NumberToString(double d)
        {
            if (double.IsNaN(d)) return "NaN";
            if (double.IsPositiveInfinity(d)) return "Infinity";
            if (double.IsNegativeInfinity(d)) return "-Infinity";
            if (d == Math.Floor(d) && Math.Abs(d) < 1e21) return d.ToString("0", CultureInfo.InvariantCulture);
            return d.ToString("R", CultureInfo.InvariantCulture);
        }

        /// <summary>JSON.stringify for config values: what npm config ls --json prints.</summary>
        public static string ToJson(object? v)
        {
            var sb = new StringBuilder();
            WriteJson(sb, v);
            return sb.ToString();
        }

        private static void WriteJson(StringBuilder sb, object? v)
        {
            switch (v)
            {
                case null: sb.Append("null"); break;
                case JsUndefined _: sb.Append("null"); break;
                case bool b: sb.Append(b ? "true" : "false"); break;
                case double d: sb.Append(double.IsNaN(d) || double.IsInfinity(d) ? "null" : NumberToString(d)); break;
                case string s: sb.Append(JsText.JsonQuote(s)); break;
                case JsDate date: var iso = date.ToIsoString(); sb.Append(iso == null ? "null" : JsText.JsonQuote(iso)); break;
                case IList<object?> list:
                    sb.Append('[');
                    for (int i = 0; i < list.Count; i++)
                    {
                        if (i > 0) sb.Append(',');
                        WriteJson(sb, list[i] is JsUndefined ? null : list[i]);
                    }
                    sb.Append(']');
                    break;
                case JsObject o:
                    sb.Append('{');
                    bool first = true;
                    foreach (var k in o.Keys)
                    {
                        var item = o[k];
                        if (item is JsUndefined) continue;
                        if (!first) sb.Append(',');
                        first = false;
                        sb.Append(JsText.JsonQuote(k)).Append(':');
                        WriteJson(sb, item);
                    }
                    sb.Append('}');
                    break;
                default: sb.Append(JsText.JsonQuote(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")); break;
            }
        }
    }
}

namespace NpmHardening.Engine.Js
{
    /// <summary>A JavaScript Date (npm's Date-typed keys such as <c>before</c>); null Time means Invalid Date.</summary>
    public sealed class JsDate
    {
        public JsDate(System.DateTimeOffset? time) { Time = time; }
        public System.DateTimeOffset? Time { get; }

        /// <summary>new Date(text) for the ISO and RFC forms people write in config files.</summary>
        public static JsDate Parse(string text)
        {
            var t = JsText.Trim(text);
            // Date-only ISO forms are UTC in JavaScript; everything else without an offset is local time.
            var dateOnly = System.Text.RegularExpressions.Regex.IsMatch(t, @"^\d{4}(-\d{2}(-\d{2})?)?$");
            var style = dateOnly ? System.Globalization.DateTimeStyles.AssumeUniversal : System.Globalization.DateTimeStyles.AssumeLocal;
            if (System.DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, style, out var parsed))
                return new JsDate(parsed);
            return new JsDate(null);
        }

        /// <summary>Date.prototype.toISOString, or null for an invalid date (what JSON.stringify prints).</summary>
        public string? ToIsoString() => Time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

        public override string ToString() => ToIsoString() ?? "Invalid Date";
    }
}
