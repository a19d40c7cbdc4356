using System.Text;

namespace NpmHardening.Engine.Js
{
    /// <summary>
    /// String helpers with JavaScript's exact semantics. npm's parsers use String.prototype.trim and the
    /// regex class \s, whose whitespace set differs from .NET's char.IsWhiteSpace: JavaScript counts U+FEFF
    /// (the byte-order mark) as whitespace and does not count U+0085. A BOM at the start of an .npmrc is
    /// therefore trimmed away by npm, and we must do the same.
    /// </summary>
    internal static class JsText
    {
        public static bool IsWhiteSpace(char c)
        {
            switch (c)
            {
                case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
                case '\u00A0': case '\u1680': case '\u2028': case '\u2029': case '\u202F':
                case '\u205F': case '\u3000': case '\uFEFF':
                    return true;
                default:
                    return c >= '\u2000' && c <= '\u200A';
            }
        }

        /// <summary>Line terminators as JavaScript's regex '.' refuses to match them.</summary>
        public static bool IsLineTerminator(char c) => c == '\n' || c == '\r' || c == '\u2028' || c == '\u2029';

        public static string Trim(string s)
        {
            int start = 0, end = s.Length;
            while (start < end && IsWhiteSpace(s[start])) start++;
            while (end > start && IsWhiteSpace(s[end - 1])) end--;
            return start == 0 && end == s.Length ? s : s.Substring(start, end - start);
        }

        public static bool IsAllWhiteSpace(string s)
        {
            foreach (var c in s) if (!IsWhiteSpace(c)) return false;
            return true;
        }

        /// <summary>JSON.stringify of a string (well-formed: lone surrogates escaped), as npm prints values.</summary>
        public static string JsonQuote(string s)
        {
            var sb = new StringBuilder(s.Length + 2);
            sb.Append('"');
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                        {
                            sb.Append(c).Append(s[++i]);
                        }
                        else if (c < 0x20 || char.IsSurrogate(c))
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4"));
                        }
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
            return sb.ToString();
        }
    }
}
