using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Credentials
{
    /// <summary>Where a URL carries a password: <c>scheme://user:</c> is [Start, PasswordStart), the password runs to <see cref="At"/> (the '@').</summary>
    internal readonly struct UrlPasswordMatch
    {
        public UrlPasswordMatch(int start, int passwordStart, int at)
        {
            Start = start; PasswordStart = passwordStart; At = at;
        }

        public int Start { get; }
        public int PasswordStart { get; }
        public int At { get; }
        /// <summary>Length of the whole match, '@' included.</summary>
        public int Length => At + 1 - Start;
        public string Password(string text) => text.Substring(PasswordStart, At - PasswordStart);
        /// <summary>"scheme://user:" as written.</summary>
        public string Prefix(string text) => text.Substring(Start, PasswordStart - Start);
        public string Value(string text) => text.Substring(Start, Length);
    }

    /// <summary>
    /// Finds what the regular expression <c>[a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s]*:[^/@\s]+@</c> matches (scheme, user, a
    /// password, '@'), with the same leftmost, non-overlapping matches as <c>Regex.Matches</c>, in time linear in the text.
    /// The expression itself backtracks: on a long run of letters (a value an attacker can put in any npmrc), every start
    /// position rescans the rest of the run looking for "://", which took 12 s for 100 KB and over a minute for 400 KB.
    /// Here each "://" is found once by IndexOf, its scheme is the run of scheme characters just before it (runs before
    /// different "://" never overlap), and user and password are single forward scans that stop at the next '/', so no
    /// character is looked at more than a constant number of times.
    /// </summary>
    internal static class UrlPasswordFinder
    {
        /// <param name="alsoExcluded">Characters that, like '/', '@' and white space, may not occur in user or password (quotes, for text that quotes URLs).</param>
        public static IEnumerable<UrlPasswordMatch> Find(string text, string alsoExcluded = "")
        {
            if (string.IsNullOrEmpty(text) || text.IndexOf('@') < 0) yield break;
            int from = 0;  // where the next match may start (the end of the previous one)
            int search = 0;
            while (search < text.Length)
            {
                int p = text.IndexOf("://", search, StringComparison.Ordinal);
                if (p < 0) yield break;
                search = p + 1;
                // the scheme: the run of scheme characters before "://", from its first letter
                int r = p;
                while (r > from && IsSchemeChar(text[r - 1])) r--;
                int s = r;
                while (s < p && !IsLetter(text[s])) s++;
                if (s == p) continue;
                // the user: everything up to the first '/', '@', ':' or blank, which must be ':'
                int q = p + 3;
                while (q < text.Length && !Stops(text[q], alsoExcluded) && text[q] != ':') q++;
                if (q >= text.Length || text[q] != ':') continue;
                // the password: at least one character up to the first '/', '@' or blank, which must be '@'
                int a = q + 1;
                while (a < text.Length && !Stops(text[a], alsoExcluded)) a++;
                if (a == q + 1 || a >= text.Length || text[a] != '@') continue;
                yield return new UrlPasswordMatch(s, q + 1, a);
                from = a + 1;
                search = from;
            }
        }

        /// <summary>The first match, if any.</summary>
        public static UrlPasswordMatch? First(string text, string alsoExcluded = "")
        {
            foreach (var m in Find(text, alsoExcluded)) return m;
            return null;
        }

        /// <summary>Regex.Replace with this pattern: each match replaced by what <paramref name="replace"/> makes of it.</summary>
        public static string Replace(string text, Func<UrlPasswordMatch, string> replace, string alsoExcluded = "")
        {
            StringBuilder? sb = null;
            int copied = 0;
            foreach (var m in Find(text, alsoExcluded))
            {
                sb ??= new StringBuilder(text.Length);
                sb.Append(text, copied, m.Start - copied).Append(replace(m));
                copied = m.At + 1;
            }
            if (sb == null) return text;
            return sb.Append(text, copied, text.Length - copied).ToString();
        }

        private static bool IsLetter(char c) => c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
        private static bool IsSchemeChar(char c) => IsLetter(c) || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-';

        // \s in .NET regular expressions is exactly char.IsWhiteSpace: [\f\n\r\t\v\x85\p{Z}]
        private static bool Stops(char c, string alsoExcluded) =>
            c == '/' || c == '@' || char.IsWhiteSpace(c) || alsoExcluded.Length > 0 && alsoExcluded.IndexOf(c) >= 0;
    }
}
