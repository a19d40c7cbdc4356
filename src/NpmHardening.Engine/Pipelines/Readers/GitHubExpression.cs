using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Readers
{
    /// <summary>
    /// The parts of GitHub's <c>${{ … }}</c> expression syntax the reader needs: which secrets a value refers to
    /// (<c>secrets.NPM_TOKEN</c>, <c>secrets['NPM_TOKEN']</c>, <c>github.token</c>). A small scanner over the value's
    /// text, not an evaluator: expressions stay as written in the model.
    /// </summary>
    internal static class GitHubExpression
    {
        /// <summary>The name GitHub gives the job's own short-lived token in <c>secrets.</c> and <c>github.token</c>.</summary>
        public const string JobTokenName = "GITHUB_TOKEN";

        /// <summary>Secret names referenced inside <c>${{ }}</c> in <paramref name="value"/>, in order, without repeats.</summary>
        public static IReadOnlyList<string> SecretNames(string? value)
        {
            var names = new List<string>();
            if (string.IsNullOrEmpty(value)) return names;
            var text = value!;
            var at = 0;
            while (true)
            {
                var open = text.IndexOf("${{", at, StringComparison.Ordinal);
                if (open < 0) break;
                var close = text.IndexOf("}}", open + 3, StringComparison.Ordinal);
                var body = close < 0 ? text.Substring(open + 3) : text.Substring(open + 3, close - open - 3);
                ScanBody(body, names);
                if (close < 0) break;
                at = close + 2;
            }
            return names;
        }

        /// <summary>Whether the whole value is one <c>${{ }}</c> expression (a computed value the reader cannot know).</summary>
        public static bool IsExpression(string? value)
        {
            if (value == null) return false;
            var t = value.Trim();
            return t.StartsWith("${{", StringComparison.Ordinal) && t.EndsWith("}}", StringComparison.Ordinal);
        }

        private static void ScanBody(string body, List<string> names)
        {
            for (var i = 0; i < body.Length; i++)
            {
                if (!StartsWord(body, i)) continue;
                if (Matches(body, i, "secrets"))
                {
                    var j = i + "secrets".Length;
                    while (j < body.Length && body[j] == ' ') j++;
                    string? name = null;
                    if (j < body.Length && body[j] == '.')
                    {
                        var start = ++j;
                        while (j < body.Length && IsNameChar(body[j])) j++;
                        if (j > start) name = body.Substring(start, j - start);
                    }
                    else if (j < body.Length && body[j] == '[')
                    {
                        j++;
                        while (j < body.Length && body[j] == ' ') j++;
                        if (j < body.Length && (body[j] == '\'' || body[j] == '"'))
                        {
                            var quote = body[j];
                            var start = ++j;
                            while (j < body.Length && body[j] != quote) j++;
                            if (j > start && j < body.Length) name = body.Substring(start, j - start);
                        }
                    }
                    if (name != null) Add(names, name.ToUpperInvariant() == JobTokenName ? JobTokenName : name);
                    i = j - 1;
                }
                else if (Matches(body, i, "github.token") && (i + 12 == body.Length || !IsNameChar(body[i + 12])))
                {
                    Add(names, JobTokenName);
                    i += 11;
                }
            }
        }

        private static void Add(List<string> names, string name)
        {
            if (!names.Contains(name)) names.Add(name);
        }

        private static bool StartsWord(string s, int i) => i == 0 || !(IsNameChar(s[i - 1]) || s[i - 1] == '.');

        private static bool Matches(string s, int i, string word) =>
            string.CompareOrdinal(s, i, word, 0, word.Length) == 0 && (i + word.Length >= s.Length || !IsNameChar(s[i + word.Length]) || word.IndexOf('.') >= 0);

        private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '-';
    }
}
