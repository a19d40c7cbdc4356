using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// Bash-style brace expansion as npm's glob matching does it (brace-expansion 5 over balanced-match 4,
    /// called by minimatch 10): <c>a{b,c}d</c>, nested sets, <c>{1..3}</c>, <c>{a..e..2}</c>, zero padding,
    /// escaped <c>\{ \} \, \.</c>, and the quirks (<c>${…}</c> is left alone, a set without a comma or
    /// sequence stays literal, a leading <c>{}</c> is literal).
    /// </summary>
    internal static class BraceExpansion
    {
        public const int DefaultMax = 100_000;
        private const int MaxLength = 4_000_000;

        // stand-ins for escaped characters while expanding (NUL-delimited, as the JavaScript does)
        private static readonly string EscSlash = "\0SLASH" + Guid.NewGuid().ToString("N") + "\0";
        private static readonly string EscOpen = "\0OPEN" + Guid.NewGuid().ToString("N") + "\0";
        private static readonly string EscClose = "\0CLOSE" + Guid.NewGuid().ToString("N") + "\0";
        private static readonly string EscComma = "\0COMMA" + Guid.NewGuid().ToString("N") + "\0";
        private static readonly string EscPeriod = "\0PERIOD" + Guid.NewGuid().ToString("N") + "\0";

        // JavaScript's '.' does not match line terminators; '$' is the end of input only
        private const string Dot = @"[^\n\r\u2028\u2029]";
        private static readonly Regex NumericSequence = new Regex(@"^-?[0-9]+\.\.-?[0-9]+(?:\.\.-?[0-9]+)?\z", RegexOptions.CultureInvariant);
        private static readonly Regex AlphaSequence = new Regex(@"^[a-zA-Z]\.\.[a-zA-Z](?:\.\.-?[0-9]+)?\z", RegexOptions.CultureInvariant);
        private static readonly Regex CommaBeforeClose = new Regex(",(?!,)" + Dot + @"*\}", RegexOptions.CultureInvariant);
        private static readonly Regex Padded = new Regex("^-?0[0-9]", RegexOptions.CultureInvariant);

        /// <summary>expand(str, { max }).</summary>
        public static List<string> Expand(string str, int max = DefaultMax)
        {
            if (str.Length == 0) return new List<string>();
            if (str.StartsWith("{}", StringComparison.Ordinal)) str = "\\{\\}" + str.Substring(2);
            return ExpandInner(EscapeBraces(str), max, true).Select(UnescapeBraces).ToList();
        }

        private static string EscapeBraces(string s) =>
            s.Replace("\\\\", EscSlash).Replace("\\{", EscOpen).Replace("\\}", EscClose).Replace("\\,", EscComma).Replace("\\.", EscPeriod);

        private static string UnescapeBraces(string s) =>
            s.Replace(EscSlash, "\\").Replace(EscOpen, "{").Replace(EscClose, "}").Replace(EscComma, ",").Replace(EscPeriod, ".");

        /// <summary>str.split(","), keeping nested brace sets whole: {a,{b,c},d}.</summary>
        private static List<string> ParseCommaParts(string str)
        {
            if (str.Length == 0) return new List<string> { "" };
            var m = Balanced(str);
            if (m == null) return str.Split(',').ToList();
            var (pre, body, post) = m.Value;
            var p = pre.Split(',').ToList();
            p[p.Count - 1] += "{" + body + "}";
            var postParts = ParseCommaParts(post);
            if (post.Length > 0)
            {
                p[p.Count - 1] += postParts[0];
                postParts.RemoveAt(0);
                p.AddRange(postParts);
            }
            return p;
        }

        private static List<string> Combine(List<string> acc, string pre, List<string> values, int max, bool dropEmpties)
        {
            var output = new List<string>();
            long length = 0;
            foreach (var a in acc)
                foreach (var v in values)
                {
                    if (output.Count >= max) return output;
                    var expansion = a + pre + v;
                    if (dropEmpties && expansion.Length == 0) continue;
                    if (length + expansion.Length > MaxLength) return output;
                    output.Add(expansion);
                    length += expansion.Length;
                }
            return output;
        }

        private static readonly List<string> EmptyOnly = new List<string> { "" };

        private static List<string> ExpandInner(string str, int max, bool isTop)
        {
            var acc = new List<string> { "" };
            bool dropEmpties = false, firstGroup = true;
            while (true)
            {
                var m = Balanced(str);
                if (m == null) return Combine(acc, str, EmptyOnly, max, dropEmpties);
                var (pre, body, post) = m.Value;
                if (pre.EndsWith("$", StringComparison.Ordinal))
                {
                    acc = Combine(acc, pre + "{" + body + "}", EmptyOnly, max, dropEmpties && post.Length == 0);
                    firstGroup = false;
                    if (post.Length == 0) break;
                    str = post;
                    continue;
                }
                bool isNumeric = NumericSequence.IsMatch(body);
                bool isAlpha = AlphaSequence.IsMatch(body);
                bool isSequence = isNumeric || isAlpha;
                bool isOptions = body.IndexOf(',') >= 0;
                if (!isSequence && !isOptions)
                {
                    if (CommaBeforeClose.IsMatch(post))
                    {
                        str = pre + "{" + body + EscClose + post;
                        isTop = true;
                        continue;
                    }
                    return Combine(acc, pre + "{" + body + "}" + post, EmptyOnly, max, dropEmpties);
                }
                if (firstGroup)
                {
                    dropEmpties = isTop && !isSequence;
                    firstGroup = false;
                }
                List<string> values;
                if (isSequence) values = ExpandSequence(body, isAlpha, max);
                else
                {
                    var n = ParseCommaParts(body);
                    if (n.Count == 1)
                    {
                        n = ExpandInner(n[0], max, false).Select(x => "{" + x + "}").ToList();
                        if (n.Count == 1)
                        {
                            acc = Combine(acc, pre + n[0], EmptyOnly, max, dropEmpties && post.Length == 0);
                            if (post.Length == 0) break;
                            str = post;
                            continue;
                        }
                    }
                    bool dropsEmpties = dropEmpties && post.Length == 0 && pre.Length == 0 && acc.All(a => a.Length == 0);
                    values = new List<string>();
                    long valuesLength = 0;
                    foreach (var part in n)
                    {
                        bool full = false;
                        foreach (var v in ExpandInner(part, max, false))
                        {
                            if (dropsEmpties && v.Length == 0) continue;
                            if (values.Count >= max || valuesLength + v.Length > MaxLength) { full = true; break; }
                            values.Add(v);
                            valuesLength += v.Length;
                        }
                        if (full) break;
                    }
                }
                acc = Combine(acc, pre, values, max, dropEmpties && post.Length == 0);
                if (post.Length == 0) break;
                str = post;
            }
            return acc;
        }

        private static List<string> ExpandSequence(string body, bool isAlpha, int max)
        {
            var n = body.Split(new[] { ".." }, StringSplitOptions.None);
            var result = new List<string>();
            double x = Numeric(n[0]), y = Numeric(n[1]);
            int width = Math.Max(n[0].Length, n[1].Length);
            double incr = n.Length == 3 ? Math.Max(Math.Abs(Numeric(n[2])), 1) : 1;
            bool reverse = y < x;
            if (reverse) incr = -incr;
            bool pad = n.Any(Padded.IsMatch);
            long length = 0;
            for (double i = x; (reverse ? i >= y : i <= y) && result.Count < max; i += incr)
            {
                string c;
                if (isAlpha)
                {
                    c = ((char)(int)i).ToString();
                    if (c == "\\") c = "";
                }
                else
                {
                    c = Js.Js.NumberToString(i);
                    if (pad)
                    {
                        int need = width - c.Length;
                        if (need > 0)
                        {
                            var z = new string('0', need);
                            c = i < 0 ? "-" + z + c.Substring(1) : z + c;
                        }
                    }
                }
                if (length + c.Length > MaxLength) break;
                result.Add(c);
                length += c.Length;
            }
            return result;
        }

        /// <summary>!isNaN(str) ? parseInt(str, 10) : str.charCodeAt(0), for the parts a sequence regex accepted.</summary>
        private static double Numeric(string s)
        {
            if (double.IsNaN(Js.Js.ToNumber(s))) return s[0];
            // parseInt of an optional '-' and ASCII digits
            bool negative = s[0] == '-';
            var digits = negative ? s.Substring(1) : s;
            var value = JsNumber.FromDecimalLiteral(digits);
            return negative ? -value : value;
        }

        /// <summary>balanced('{', '}', str): the first balanced pair (with balanced-match's handling of stray braces).</summary>
        private static (string Pre, string Body, string Post)? Balanced(string str)
        {
            var r = Range(str);
            if (r == null) return null;
            var (start, end) = r.Value;
            return (str.Substring(0, start), str.Substring(start + 1, end - start - 1), str.Substring(end + 1));
        }

        private static (int, int)? Range(string str)
        {
            int ai = str.IndexOf('{');
            int bi = ai + 1 <= str.Length ? str.IndexOf('}', ai + 1) : -1;
            int i = ai;
            (int, int)? result = null;
            if (ai >= 0 && bi > 0)
            {
                var begs = new Stack<int>();
                int left = str.Length;
                int? right = null;
                while (i >= 0 && result == null)
                {
                    if (i == ai)
                    {
                        begs.Push(i);
                        ai = str.IndexOf('{', i + 1);
                    }
                    else if (begs.Count == 1)
                    {
                        result = (begs.Pop(), bi);
                    }
                    else
                    {
                        int beg = begs.Pop();
                        if (beg < left) { left = beg; right = bi; }
                        bi = i + 1 <= str.Length ? str.IndexOf('}', i + 1) : -1;
                    }
                    i = ai < bi && ai >= 0 ? ai : bi;
                }
                if (begs.Count > 0 && right != null) result = (left, right.Value);
            }
            return result;
        }
    }
}
