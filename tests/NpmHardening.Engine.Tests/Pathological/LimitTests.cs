using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Platform;
using NpmHardening.Engine.Tests.Rules;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Pathological
{
    /// <summary>
    /// Sources beyond <see cref="NpmrcLimits"/> stop being parsed the moment they cross a limit, and every reader reports
    /// them as an error naming the file; sources just inside the limits read as before.
    /// </summary>
    public class LimitTests
    {
        private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

        private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

        /// <summary>Documents just beyond each limit, built in the test (xUnit would serialize megabytes of theory data).</summary>
        private static byte[] BeyondLimit(string name) => name switch
        {
            "size" => new byte[NpmrcLimits.MaxFileBytes + 1],
            "blank lines" => Ascii(Repeat("\n", NpmrcLimits.MaxLines + 1)),
            "comment lines" => Ascii(Repeat("; comment\r\n", NpmrcLimits.MaxLines) + "x"),
            "settings" => Ascii(Repeat("a=1\n", NpmrcLimits.MaxSettings + 1)),
            "sections" => Ascii(Repeat("[s]\n", NpmrcLimits.MaxSettings + 1)),
            "one long line" => Ascii(new string('a', NpmrcLimits.MaxLineBytes + 1)),
            "a long second line" => Ascii("registry=x\n" + new string('a', NpmrcLimits.MaxLineBytes) + "b\n"),
            "deep section" => Ascii("[" + Repeat("a.", NpmrcLimits.MaxNesting) + "b]\n"),
            "deep key" => Ascii(Repeat("a.", NpmrcLimits.MaxNesting) + "b=null\n"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        [Theory]
        [InlineData(NpmrcLimit.FileSize, "size")]
        [InlineData(NpmrcLimit.Lines, "blank lines")]
        [InlineData(NpmrcLimit.Lines, "comment lines")]
        [InlineData(NpmrcLimit.Settings, "settings")]
        [InlineData(NpmrcLimit.Settings, "sections")]
        [InlineData(NpmrcLimit.LineLength, "one long line")]
        [InlineData(NpmrcLimit.LineLength, "a long second line")]
        [InlineData(NpmrcLimit.Nesting, "deep section")]
        [InlineData(NpmrcLimit.Nesting, "deep key")]
        public void Documents_beyond_a_limit_are_refused(NpmrcLimit limit, string document)
        {
            var bytes = BeyondLimit(document);
            var e = Assert.Throws<NpmrcLimitException>(() => NpmrcDocument.Parse(bytes, "/f"));
            Assert.Equal(limit, e.Limit);
        }

        [Fact]
        public void Documents_at_the_limits_parse()
        {
            Assert.Equal(NpmrcLimits.MaxSettings, NpmrcDocument.Parse(Ascii(Repeat("a=1\n", NpmrcLimits.MaxSettings))).Lines.Count);
            Assert.Equal(NpmrcLimits.MaxLines, NpmrcDocument.Parse(Ascii(Repeat("#\n", NpmrcLimits.MaxLines))).Lines.Count);
            var longest = "ca=" + new string('a', NpmrcLimits.MaxLineBytes - 3);
            Assert.Equal(longest, NpmrcDocument.Parse(Ascii(longest + "\r\n")).Lines[0].Text);
            Assert.Single(NpmrcDocument.Parse(Ascii("[" + Repeat("a.", NpmrcLimits.MaxNesting - 1) + "b]")).Lines);
        }

        /// <summary>The 5 MB single line of the issue: refused after the first MiB, never decoded whole.</summary>
        [Fact]
        public void A_five_megabyte_line_is_refused_at_once()
        {
            var bytes = Ascii(new string('a', 5 << 20));
            var e = SpecialFileTests.Finishes(() => Assert.Throws<NpmrcLimitException>(() => NpmrcDocument.Parse(bytes)), "Parse of a 5 MB line");
            Assert.Equal(NpmrcLimit.LineLength, e.Limit);
            Assert.Equal(1, e.Line);
        }

        [Fact]
        public void The_resolver_reports_the_file_and_resolves_the_other_layers()
        {
            var m = new PostureMachine(false);
            m.P.AddFile(m.UserNpmrc, Ascii("strict-ssl=false\n" + Repeat("k=1\n", NpmrcLimits.MaxSettings)));
            m.ProjectRc("fund=false");
            var r = m.Resolve();
            var issue = Assert.Single(r.Issues, i => i.Kind == NpmConfigIssueKind.LimitExceeded);
            Assert.Equal(m.UserNpmrc, issue.Source);
            Assert.Equal(NpmrcLimits.MaxSettings + 1, issue.Line);
            Assert.True(issue.IsError);
            Assert.Contains("not audited", issue.Message);
            Assert.NotEqual(false, r.GetEffective("strict-ssl")!.Value); // nothing of the file is used
            Assert.Equal(false, r.GetEffective("fund")!.Value);
            var broken = m.One("NPMH9005");
            Assert.Equal(NpmFindingStatus.Error, broken.Status);
        }

        [Fact]
        public void The_token_scanner_still_finds_tokens_in_a_file_beyond_the_limits()
        {
            var token = Tokens.NpmTokenScannerTests.NewToken(7);
            var p = new FakePlatform(false, "/work", "/home/u");
            p.AddFile("/work/.npmrc", Ascii("//registry.npmjs.org/:_authToken=" + token + "\n" + Repeat("k=1\n", NpmrcLimits.MaxSettings)));
            var problems = new List<TokenScanProblem>();
            var scanner = new NpmTokenScanner(p) { Problem = problems.Add, IsCI = false };
            var findings = scanner.ScanFile("/work/.npmrc").ToList();
            var problem = Assert.Single(problems);
            Assert.Equal(TokenScanProblemKind.LimitExceeded, problem.Kind);
            Assert.True(problem.IsError);
            var finding = Assert.Single(findings);
            Assert.Equal(NpmCredential.Fingerprint(token), finding.Fingerprint);
        }

        // ---------------------------------------------------------------------------------------------- ${VAR}

        /// <summary>npm's expression (env-replace.js) through .NET's engine: the oracle for the linear scan.</summary>
        private static readonly Regex NpmExpression = new Regex(@"(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}", RegexOptions.CultureInvariant);

        private static string OldReplace(string text, Func<string, string?> lookup) => NpmExpression.Replace(text, m =>
        {
            var escapes = m.Groups[1].Value;
            var name = m.Groups[2].Value;
            if (escapes.Length % 2 == 1) return m.Value.Substring((escapes.Length + 1) / 2);
            return escapes.Substring(escapes.Length / 2) + (lookup(name) ?? (m.Groups[3].Success ? "" : "${" + name + "}"));
        });

        private static string? Lookup(string name) => name == "A" ? "va" : name == "EMPTY" ? "" : name == "D" ? "${A}" : null;

        [Fact]
        public void Expansion_matches_npms_expression()
        {
            string[] pieces = { "\\", "\\\\", "$", "{", "}", "?", "${", "A", "B", "EMPTY", "D", "x", "}${", "${A}", "${B?}", "\\${A}" };
            Gen.Int[0, pieces.Length - 1].Array[0, 24].Select(ix => string.Concat(ix.Select(i => pieces[i]))).Sample(t =>
                EnvExpansion.Replace(t, Lookup) == OldReplace(t, Lookup)
                && string.Join(",", EnvExpansion.References(t)) == string.Join(",", NpmExpression.Matches(t).Cast<Match>()
                    .Where(m => m.Groups[1].Value.Length % 2 == 0).Select(m => (m.Groups[2].Value, m.Groups[3].Success))), iter: 50_000);
        }

        [Fact]
        public void Deep_and_repeated_references_are_scanned_in_linear_time()
        {
            var deep = Repeat("${", 1 << 20) + "A" + Repeat("}", 1 << 20);
            Assert.Equal(deep.Replace("${A}", "va"), SpecialFileTests.Finishes(() => EnvExpansion.Replace(deep, Lookup), "a reference nested a million deep"));
            var slashes = new string('\\', 1 << 20) + "${A}";
            Assert.Equal(new string('\\', 1 << 19) + "va", SpecialFileTests.Finishes(() => EnvExpansion.Replace(slashes, Lookup), "a million backslashes"));
            var open = "${" + new string('a', 1 << 20);
            Assert.Equal(open, SpecialFileTests.Finishes(() => EnvExpansion.Replace(open, Lookup), "an unclosed reference"));
        }

        [Fact]
        public void One_value_may_not_grow_beyond_the_limit()
        {
            var big = new string('x', 128 << 10);
            string? Var(string n) => n == "X" ? big : null;
            Assert.Equal(7 * big.Length, EnvExpansion.Replace(Repeat("${X}", 7), Var).Length);
            var e = Assert.Throws<NpmrcLimitException>(() => EnvExpansion.Replace(Repeat("${X}", 9), Var));
            Assert.Equal(NpmrcLimit.Expansion, e.Limit);
            // a text already longer than the limit (an operator's -Environment value) is not refused for its own length
            var huge = new string('y', NpmrcLimits.MaxExpandedChars * 2) + "${EMPTY}";
            Assert.Equal(huge.Length - 8, EnvExpansion.Replace(huge, Lookup).Length);
        }

        [Fact]
        public void A_file_whose_references_add_up_beyond_the_limit_is_not_audited()
        {
            var m = new PostureMachine(false);
            m.Env("X", new string('x', 128 << 10));
            // 2,000 short lines, each 1 MiB once expanded: 2 Gi characters without the per-source budget
            m.User(Enumerable.Range(0, 2000).Select(i => $"k{i}=" + Repeat("${X}", 8)).ToArray());
            var r = SpecialFileTests.Finishes(() => m.Resolve(), "resolving 2,000 amplified lines");
            var issue = Assert.Single(r.Issues, i => i.Kind == NpmConfigIssueKind.LimitExceeded);
            Assert.Equal(m.UserNpmrc, issue.Source);
            Assert.Contains("8 Mi characters in all", issue.Message);
            Assert.Null(r.GetEffective("k0"));
        }
    }
}
