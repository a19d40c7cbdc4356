using System;
using System.Collections.Generic;
using System.Text;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// npm's <c>${VAR}</c> substitution (@npmcli/config/lib/env-replace.js), applied to keys and values of
    /// every config file and environment entry. <c>${VAR?}</c> means empty when unset; a plain <c>${VAR}</c>
    /// that is unset stays literal. Backslashes before <c>$</c> escape in pairs: an odd count leaves the
    /// reference literal (consuming half the run plus one), an even count halves the run and substitutes.
    /// </summary>
    /// <remarks>
    /// npm uses the expression <c>/(?&lt;!\\)(\\*)\$\{([^${}?]+)(\?)?\}/g</c> in one pass (a substituted value is not
    /// expanded again). This is the same matching as a single left-to-right scan, linear in the text however the
    /// references nest (<c>${${${…</c>) or repeat. What it produces is bounded: one key or value may not grow beyond
    /// <see cref="NpmrcLimits.MaxExpandedChars"/>, and with a budget the growth of a whole source is bounded too; either
    /// limit throws <see cref="NpmrcLimitException"/> instead of building gigabytes out of a few references to a large
    /// variable.
    /// </remarks>
    public static class EnvExpansion
    {
        /// <summary>One reference as npm's expression matches it: [Start, End) with its run of backslashes first.</summary>
        private readonly struct Reference
        {
            public Reference(int start, int dollar, int nameStart, int nameEnd, bool optional, int end)
            {
                Start = start; Dollar = dollar; NameStart = nameStart; NameEnd = nameEnd; Optional = optional; End = end;
            }
            public int Start { get; }
            public int Dollar { get; }
            public int NameStart { get; }
            public int NameEnd { get; }
            public bool Optional { get; }
            public int End { get; }
            public int Escapes => Dollar - Start;
        }

        private static IEnumerable<Reference> Scan(string text)
        {
            int from = 0;
            while (true)
            {
                int dollar = text.IndexOf("${", from, StringComparison.Ordinal);
                if (dollar < 0) yield break;
                from = dollar + 1;
                // (?<!\\)(\\*): the whole run of backslashes before '$' (the previous match ends with '}', so the run is all ours)
                int start = dollar;
                while (start > 0 && text[start - 1] == '\\') start--;
                // ([^${}?]+)
                int nameStart = dollar + 2, nameEnd = nameStart;
                while (nameEnd < text.Length && !IsNameStop(text[nameEnd])) nameEnd++;
                if (nameEnd == nameStart || nameEnd >= text.Length) continue;
                // (\?)?\}
                bool optional = text[nameEnd] == '?';
                int close = optional ? nameEnd + 1 : nameEnd;
                if (close >= text.Length || text[close] != '}') continue;
                yield return new Reference(start, dollar, nameStart, nameEnd, optional, close + 1);
                from = close + 1;
            }
        }

        private static bool IsNameStop(char c) => c == '$' || c == '{' || c == '}' || c == '?';

        public static string Replace(string text, Func<string, string?> lookup) => Replace(text, lookup, null);

        /// <param name="budget">What references may still add in the source this text belongs to; null: only the per-value limit.</param>
        public static string Replace(string text, Func<string, string?> lookup, ExpansionBudget? budget)
        {
            if (text.IndexOf("${", StringComparison.Ordinal) < 0) return text;
            var sb = new StringBuilder(text.Length);
            int copied = 0;
            foreach (var r in Scan(text))
            {
                sb.Append(text, copied, r.Start - copied);
                copied = r.End;
                int escapes = r.Escapes;
                if (escapes % 2 == 1)
                {
                    // orig.slice((esc.length + 1) / 2): the reference stays literal behind half the backslashes
                    int skip = (escapes + 1) / 2;
                    sb.Append(text, r.Start + skip, r.End - r.Start - skip);
                    continue;
                }
                sb.Append('\\', escapes / 2);
                var name = text.Substring(r.NameStart, r.NameEnd - r.NameStart);
                var value = lookup(name);
                if (value != null) Grow(sb, value.Length, text.Length - copied, text.Length, budget);
                if (value != null) sb.Append(value);
                else if (!r.Optional) sb.Append("${").Append(name).Append('}');
            }
            sb.Append(text, copied, text.Length - copied);
            return sb.ToString();
        }

        /// <summary>Checks, before it happens, that appending a value keeps the result within the limits.</summary>
        private static void Grow(StringBuilder sb, int adding, int rest, int original, ExpansionBudget? budget)
        {
            long final = (long)sb.Length + adding + rest;
            if (final > NpmrcLimits.MaxExpandedChars && final > original)
                throw new NpmrcLimitException(NpmrcLimit.Expansion, null,
                    $"has a key or value that its ${{VAR}} references expand to more than {NpmrcLimits.MaxExpandedChars / (1 << 20)} Mi characters (the limit)");
            budget?.Spend(adding);
        }

        /// <summary>The variable names a text refers to (for reporting which references are set).</summary>
        public static IEnumerable<(string Name, bool Optional)> References(string text)
        {
            foreach (var r in Scan(text))
                if (r.Escapes % 2 == 0)
                    yield return (text.Substring(r.NameStart, r.NameEnd - r.NameStart), r.Optional);
        }
    }
}
