using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Shell
{
    internal enum ShellVariableSyntax
    {
        /// <summary><c>$X</c> or <c>${X}</c> (POSIX shells; also a PowerShell variable <c>$X</c>).</summary>
        Shell,
        /// <summary>PowerShell <c>$env:X</c> or <c>${env:X}</c>.</summary>
        PowerShellEnv,
        /// <summary>cmd <c>%X%</c> or delayed <c>!X!</c>.</summary>
        Cmd,
        /// <summary>GitHub Actions <c>${{ secrets.X }}</c>, <c>${{ env.X }}</c>, <c>${{ vars.X }}</c>; <see cref="ShellVariableReference.Context"/> says which.</summary>
        GitHubExpression,
        /// <summary>Azure Pipelines macro <c>$(X)</c> (X a bare, possibly dotted identifier).</summary>
        AzureMacro,
        /// <summary>Jenkins/Groovy <c>${env.X}</c> or <c>env.X</c>.</summary>
        JenkinsEnv,
    }

    /// <summary>A reference to a variable or secret in script text. Nothing is evaluated.</summary>
    internal readonly struct ShellVariableReference : IEquatable<ShellVariableReference>
    {
        public ShellVariableReference(string name, ShellVariableSyntax syntax, string? context)
        {
            Name = name; Syntax = syntax; Context = context;
        }
        /// <summary>The variable or secret name (<c>NPM_TOKEN</c>).</summary>
        public string Name { get; }
        public ShellVariableSyntax Syntax { get; }
        /// <summary>For a GitHub expression, the context (<c>secrets</c>, <c>env</c>, <c>vars</c>); otherwise null.</summary>
        public string? Context { get; }
        /// <summary>The reference reads a CI secret directly (<c>${{ secrets.X }}</c>), not an environment variable.</summary>
        public bool IsSecret => Syntax == ShellVariableSyntax.GitHubExpression && Context == "secrets";
        public bool Equals(ShellVariableReference o) => Name == o.Name && Syntax == o.Syntax && Context == o.Context;
        public override bool Equals(object? obj) => obj is ShellVariableReference o && Equals(o);
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name) ^ (int)Syntax;
        public override string ToString() => Context != null ? Syntax + ":" + Context + "." + Name : Syntax + ":" + Name;
    }

    /// <summary>
    /// Finds variable references in text regardless of the shell: every syntax of <see cref="ShellVariableSyntax"/>.
    /// One left-to-right pass, no regular expressions, so hostile text costs linear time.
    /// </summary>
    /// <remarks>
    /// Ambiguity: <c>$(X)</c> is an Azure macro and also POSIX command substitution. It is reported as an Azure macro only
    /// when X is a bare identifier (letters, digits, '_', '.', '-'); <c>$(npm whoami)</c> is not a reference. The shell
    /// reader still parses a lowercase, dot-free <c>$(pwd)</c> as a command as well. <c>env.X</c> is reported only when the
    /// character before <c>env</c> cannot continue an identifier (so <c>myenv.X</c> and <c>process.env.X</c>... the latter is
    /// reported, as Node reads the same variable).
    /// </remarks>
    internal static class ShellVariables
    {
        public static List<ShellVariableReference> Find(string? text)
        {
            var list = new List<ShellVariableReference>();
            if (string.IsNullOrEmpty(text)) return list;
            Scan(text!, 0, text!.Length, list, allowShell: true);
            return list;
        }

        /// <summary>The distinct names referenced by <paramref name="text"/>, in first-seen order.</summary>
        public static IReadOnlyList<string> Names(string? text)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var names = new List<string>();
            foreach (var r in Find(text)) if (seen.Add(r.Name)) names.Add(r.Name);
            return names;
        }

        internal static bool IsNameStart(char c) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        internal static bool IsNameChar(char c) => IsNameStart(c) || (c >= '0' && c <= '9');

        /// <summary>Scans [start, end) and adds references. With <paramref name="allowShell"/> false only platform
        /// expressions are reported (text inside single quotes, which the shell does not expand but the CI platform does).</summary>
        internal static void Scan(string s, int start, int end, List<ShellVariableReference> into, bool allowShell)
        {
            int i = start;
            while (i < end)
            {
                char c = s[i];
                if (c == '$' && i + 1 < end)
                {
                    char n = s[i + 1];
                    if (n == '{' && i + 2 < end && s[i + 2] == '{')
                    {
                        int close = IndexOf(s, "}}", i + 3, end);
                        int stop = close < 0 ? end : close;
                        ScanGitHubExpression(s, i + 3, stop, into);
                        i = close < 0 ? end : close + 2;
                        continue;
                    }
                    if (n == '{')
                    {
                        int close = s.IndexOf('}', i + 2, end - i - 2);
                        int stop = close < 0 ? end : close;
                        int p = i + 2;
                        // ${env:X} (PowerShell), ${env.X} (Groovy), ${#X} / ${!X} (bash length/indirection), ${X…}
                        if (StartsWith(s, p, stop, "env:")) { AddName(s, p + 4, stop, ShellVariableSyntax.PowerShellEnv, null, into); }
                        else if (StartsWith(s, p, stop, "env.")) { AddName(s, p + 4, stop, ShellVariableSyntax.JenkinsEnv, null, into); }
                        else if (allowShell)
                        {
                            if (p < stop && (s[p] == '#' || s[p] == '!')) p++;
                            AddName(s, p, stop, ShellVariableSyntax.Shell, null, into);
                        }
                        i = close < 0 ? end : close + 1;
                        continue;
                    }
                    if (n == '(' && !(i + 2 < end && s[i + 2] == '('))
                    {
                        int p = i + 2;
                        while (p < end && s[p] == ' ') p++;
                        int q = p;
                        while (q < end && (IsNameChar(s[q]) || s[q] == '.' || s[q] == '-')) q++;
                        int r = q;
                        while (r < end && s[r] == ' ') r++;
                        if (q > p && IsNameStart(s[p]) && r < end && s[r] == ')')
                        {
                            into.Add(new ShellVariableReference(s.Substring(p, q - p), ShellVariableSyntax.AzureMacro, null));
                            i = r + 1;
                            continue;
                        }
                        i += 2;
                        continue;
                    }
                    if (StartsWith(s, i + 1, end, "env:") && allowShell)
                    {
                        int q = AddName(s, i + 5, end, ShellVariableSyntax.PowerShellEnv, null, into);
                        i = Math.Max(q, i + 5);
                        continue;
                    }
                    if (allowShell && IsNameStart(n))
                    {
                        i = AddName(s, i + 1, end, ShellVariableSyntax.Shell, null, into);
                        continue;
                    }
                    i++;
                    continue;
                }
                if (c == '%' && allowShell)
                {
                    // %NAME% — NAME without spaces or '%'; %1 and %% are not variables
                    int q = i + 1;
                    while (q < end && q - i < 256 && s[q] != '%' && s[q] != ' ' && s[q] != '\n' && s[q] != '"') q++;
                    if (q < end && s[q] == '%' && q > i + 1 && IsNameStart(s[i + 1]))
                    {
                        // %X:~0,5% substring syntax: the name ends at ':'
                        int nameEnd = i + 1;
                        while (nameEnd < q && s[nameEnd] != ':') nameEnd++;
                        into.Add(new ShellVariableReference(s.Substring(i + 1, nameEnd - i - 1), ShellVariableSyntax.Cmd, null));
                        i = q + 1;
                        continue;
                    }
                    i++;
                    continue;
                }
                if (c == 'e' && allowShell && StartsWith(s, i, end, "env.") && (i == start || !IsIdentifierBefore(s[i - 1])))
                {
                    int q = AddName(s, i + 4, end, ShellVariableSyntax.JenkinsEnv, null, into);
                    i = Math.Max(q, i + 4);
                    continue;
                }
                i++;
            }
        }

        private static bool IsIdentifierBefore(char c) => IsNameChar(c) || c == '$';

        // Inside ${{ … }}: every secrets.X, env.X, vars.X, and the bracket form secrets['X'].
        private static void ScanGitHubExpression(string s, int start, int end, List<ShellVariableReference> into)
        {
            int i = start;
            while (i < end)
            {
                if (IsNameStart(s[i]) && (i == start || !(IsNameChar(s[i - 1]) || s[i - 1] == '.')))
                {
                    int q = i;
                    while (q < end && (IsNameChar(s[q]) || s[q] == '-')) q++;
                    string word = s.Substring(i, q - i);
                    if ((word == "secrets" || word == "env" || word == "vars") && q < end)
                    {
                        if (s[q] == '.') { q = AddName(s, q + 1, end, ShellVariableSyntax.GitHubExpression, word, into, allowDash: true); }
                        else if (s[q] == '[' && q + 1 < end && (s[q + 1] == '\'' || s[q + 1] == '"'))
                        {
                            char quote = s[q + 1];
                            int close = s.IndexOf(quote, q + 2, end - q - 2);
                            if (close > q + 2) { into.Add(new ShellVariableReference(s.Substring(q + 2, close - q - 2), ShellVariableSyntax.GitHubExpression, word)); q = close + 1; }
                        }
                    }
                    i = Math.Max(q, i + 1);
                    continue;
                }
                i++;
            }
        }

        private static int AddName(string s, int p, int end, ShellVariableSyntax syntax, string? context, List<ShellVariableReference> into, bool allowDash = false)
        {
            if (p >= end || !IsNameStart(s[p]))
            {
                // positional and special parameters ($1, $@, $?) name nothing a CI platform sets
                return p;
            }
            int q = p;
            while (q < end && (IsNameChar(s[q]) || (allowDash && s[q] == '-'))) q++;
            into.Add(new ShellVariableReference(s.Substring(p, q - p), syntax, context));
            return q;
        }

        private static bool StartsWith(string s, int p, int end, string what)
            => end - p >= what.Length && string.CompareOrdinal(s, p, what, 0, what.Length) == 0;

        private static int IndexOf(string s, string what, int from, int end)
        {
            if (from >= end) return -1;
            int i = s.IndexOf(what, from, end - from, StringComparison.Ordinal);
            return i;
        }
    }
}
