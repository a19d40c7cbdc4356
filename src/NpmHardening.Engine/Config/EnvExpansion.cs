using System;
using System.Text.RegularExpressions;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// npm's <c>${VAR}</c> substitution (@npmcli/config/lib/env-replace.js), applied to keys and values of
    /// every config file and environment entry. <c>${VAR?}</c> means empty when unset; a plain <c>${VAR}</c>
    /// that is unset stays literal. Backslashes before <c>$</c> escape in pairs: an odd count leaves the
    /// reference literal (consuming half the run plus one), an even count halves the run and substitutes.
    /// </summary>
    public static class EnvExpansion
    {
        private static readonly Regex Expression = new Regex(@"(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}", RegexOptions.CultureInvariant);

        public static string Replace(string text, Func<string, string?> lookup)
        {
            if (text.IndexOf("${", StringComparison.Ordinal) < 0) return text;
            return Expression.Replace(text, m =>
            {
                var escapes = m.Groups[1].Value;
                var name = m.Groups[2].Value;
                bool optional = m.Groups[3].Success;
                if (escapes.Length % 2 == 1) return m.Value.Substring((escapes.Length + 1) / 2);
                var value = lookup(name) ?? (optional ? "" : "${" + name + "}");
                return escapes.Substring(escapes.Length / 2) + value;
            });
        }

        /// <summary>The variable names a text refers to (for reporting which references are set).</summary>
        public static System.Collections.Generic.IEnumerable<(string Name, bool Optional)> References(string text)
        {
            foreach (Match m in Expression.Matches(text))
                if (m.Groups[1].Value.Length % 2 == 0)
                    yield return (m.Groups[2].Value, m.Groups[3].Success);
        }
    }
}
