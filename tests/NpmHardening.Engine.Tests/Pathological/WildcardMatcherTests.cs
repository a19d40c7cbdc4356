using System;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Platform;

namespace NpmHardening.Engine.Tests.Pathological
{
    /// <summary>
    /// The automaton matcher agrees with the regular expressions the globs used to be translated to (PowerShell wildcards
    /// are compared with PowerShell itself: Config/WildcardPowerShellPeerTests), and finishes
    /// where those backtracked without end (many stars against a long key, many optional groups against a short name).
    /// </summary>
    public class WildcardMatcherTests
    {
        // ---- the translations as they were (NpmConfigEntries.WildcardToRegex, PostureAuditor.GlobRegex): the oracles

        private static Regex? OldMinimatch(string pattern)
        {
            var sb = new StringBuilder("^");
            int depth = 0;
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                switch (c)
                {
                    case '*':
                        if (i + 1 < pattern.Length && pattern[i + 1] == '*') { sb.Append(".*"); i++; }
                        else sb.Append("[^/]*");
                        break;
                    case '?': sb.Append("[^/]"); break;
                    case '[':
                        int close = pattern.IndexOf(']', i + 1);
                        if (close < 0) { sb.Append("\\["); break; }
                        var body = pattern.Substring(i + 1, close - i - 1);
                        if (body.StartsWith("!", StringComparison.Ordinal)) body = "^" + body.Substring(1);
                        sb.Append('[').Append(body.Replace("\\", "\\\\")).Append(']');
                        i = close;
                        break;
                    case '{': depth++; sb.Append("(?:"); break;
                    case '}' when depth > 0: depth--; sb.Append(')'); break;
                    case ',' when depth > 0: sb.Append('|'); break;
                    case '\\' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                    default: sb.Append(Regex.Escape(c.ToString())); break;
                }
            }
            if (depth != 0) return null;
            sb.Append('$');
            try { return new Regex(sb.ToString(), RegexOptions.CultureInvariant); }
            catch (ArgumentException) { return null; }
        }

        private static readonly string[] GlobPieces = { "a", "b", "*", "**", "?", "[ab]", "[!a]", "{a,b}", "{a,}", "{,b", "}", ",", "/", "@", "\\*", "{x,{a,b}}", "." };
        private static readonly string[] TextPieces = { "a", "A", "b", "B", "c", "/", "@", ".", "-", ":", "x", "*", "?", "\n" };

        private static Gen<string> Of(string[] pieces, int max) => Gen.Int[0, pieces.Length - 1].Array[0, max].Select(ix => string.Concat(ix.Select(i => pieces[i])));

        [Fact]
        public void Minimatch_globs_match_as_the_expression_did()
        {
            Gen.Select(Of(GlobPieces, 8), Of(TextPieces, 12)).Sample((pattern, text) =>
            {
                var old = OldMinimatch(pattern);
                var now = WildcardMatcher.Minimatch(pattern);
                if (old == null || now == null) return old == null && now == null;
                // .NET's '$' also matches before a final '\n'; that difference is not the one under test
                if (text.EndsWith("\n", StringComparison.Ordinal)) return true;
                return now.IsMatch(text) == old.IsMatch(text);
            }, iter: 50_000);
        }

        /// <summary>^.*a.*a.*a… against a megabyte of a's backtracks for ages; the automaton reads the text once.</summary>
        [Fact]
        public void Many_stars_against_a_long_key_finish()
        {
            var key = new string('a', 1 << 20);
            var pattern = string.Concat(Enumerable.Repeat("*a", 12)) + "*b";
            Assert.False(SpecialFileTests.Finishes(() => WildcardMatcher.PowerShell(pattern).IsMatch(key), "a 25-part wildcard on a 1 MB key"));
            Assert.True(SpecialFileTests.Finishes(() => NpmConfigEntries.Matches(pattern, key + "b"), "NpmConfigEntries.Matches"));
        }

        /// <summary>Thousands of optional groups (a config value) against the short sample names: exponential for the expression.</summary>
        [Fact]
        public void Many_optional_groups_finish()
        {
            var pattern = string.Concat(Enumerable.Repeat("{@,}{b,}{a,}{e,}{l,}", 2000)) + "!";
            Assert.False(SpecialFileTests.Finishes(() => AuditRun.ExemptsEverything(pattern), "ExemptsEverything on 10,000 optional groups"));
            var broad = string.Concat(Enumerable.Repeat("{a,}", 5000)) + "**";
            Assert.True(SpecialFileTests.Finishes(() => AuditRun.ExemptsEverything(broad), "ExemptsEverything on a broad pattern"));
            var stars = string.Concat(Enumerable.Repeat("**", 100_000)) + "x";
            Assert.False(SpecialFileTests.Finishes(() => AuditRun.ExemptsEverything(stars), "ExemptsEverything on 100,000 globstars"));
        }

        private static readonly Regex OldPemBlock = new Regex(@"-----BEGIN CERTIFICATE-----(?<body>.*?)-----END CERTIFICATE-----", RegexOptions.Singleline | RegexOptions.CultureInvariant);

        [Fact]
        public void Pem_blocks_are_found_as_the_lazy_expression_found_them()
        {
            string[] pieces = { "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----", "MIIB", "\n", "-----", "x" };
            Of(pieces, 10).Sample(t => string.Join("|", AuditRun.PemBodies(t)) ==
                string.Join("|", OldPemBlock.Matches(t).Cast<Match>().Select(m => m.Groups["body"].Value)), iter: 20_000);
        }

        /// <summary>BEGIN after BEGIN without an END: the lazy expression rescanned to the end from each one.</summary>
        [Fact]
        public void A_megabyte_of_begin_lines_is_described_at_once()
        {
            var text = string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----", (1 << 20) / 27));
            var description = SpecialFileTests.Finishes(() => AuditRun.DescribeCertificates(new[] { text }), "DescribeCertificates");
            Assert.Contains("1 certificate", description);
            var empties = string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE----------END CERTIFICATE-----", 20_000));
            Assert.StartsWith("20000 certificates", SpecialFileTests.Finishes(() => AuditRun.DescribeCertificates(new[] { empties }), "20,000 empty blocks"));
        }

        [Fact]
        public void Deep_braces_do_not_overflow_the_stack()
        {
            var deep = new string('{', 200_000) + "a" + new string('}', 200_000);
            var glob = SpecialFileTests.Finishes(() => WildcardMatcher.Minimatch(deep), "a glob nested 200,000 deep");
            Assert.NotNull(glob);
            Assert.True(glob!.IsMatch("a"));
            Assert.Null(WildcardMatcher.Minimatch(new string('{', 200_000)));
        }
    }
}
