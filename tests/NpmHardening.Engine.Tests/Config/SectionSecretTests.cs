using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Tests.Rules;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// Secrets inside [sections], in section names, in keys that lost their '=' and in JSON values: none reaches an
    /// entry (any property, ToString), an issue or a finding. Every canary is random and not token-shaped unless stated,
    /// so only the redaction by position can hide it.
    /// </summary>
    public class SectionSecretTests
    {
        private static string Canary(string prefix) => prefix + Guid.NewGuid().ToString("N").Substring(0, 20);
        private static string B64(string s) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(s));

        private static (PostureMachine Machine, string[] Canaries) Plant(bool windows)
        {
            var token = Tokens.NpmTokenScannerTests.NewToken(11);
            var opaque1 = Canary("opq1"); var opaque2 = Canary("opq2"); var opaque3 = Canary("opq3"); var opaque4 = Canary("opq4");
            var pw1 = Canary("pw1"); var pw2 = Canary("pw2"); var pw3 = Canary("pw3"); var pw4 = Canary("pw4");
            var pw5 = Canary("pw5"); var pw6 = Canary("pw6"); var pw7 = Canary("pw7"); var auth = B64("erin:" + Canary("pw8"));
            var m = new PostureMachine(windows);
            m.User(
                "[sec]",
                "//host/:_authToken=" + opaque1,
                "_auth=" + auth,
                "_password=" + B64(pw1),
                "password=" + pw1,
                "proxy=http://u:" + pw2 + "@proxy.example:8080",
                "leftover=" + token,
                "[sec.sub]",
                "password=" + pw3,
                "[//reg.example/:_authToken=" + opaque2 + "]",
                "x=1",
                "[_password " + pw4 + "]",
                "[registry]",
                "_authToken=" + opaque3);
            m.ProjectRc(
                "//host/:_password " + pw5,
                "_auth " + pw6,
                "//u:" + pw7 + "@host.example/:always-auth=true",
                "json=\"{\\\"_authToken\\\":\\\"" + opaque4 + "\\\",\\\"list\\\":[\\\"" + token + "\\\"]}\"");
            return (m, new[] { token, opaque1, opaque2, opaque3, opaque4, pw1, B64(pw1), pw2, pw3, pw4, pw5, pw6, pw7, auth });
        }

        private static void AssertClean(IEnumerable<(string Where, string? Text)> texts, string[] canaries)
        {
            foreach (var (where, text) in texts)
                foreach (var canary in canaries)
                    Assert.False(text != null && text.Contains(canary, StringComparison.Ordinal), $"{where} shows a planted secret ({canary.Substring(0, 4)}…): {text}");
        }

        private static IEnumerable<(string, string?)> Properties(object o, string name) =>
            o.GetType().GetProperties().Select(p => ($"{name}.{p.Name}", p.GetValue(o) switch
            {
                null => null,
                string s => s,
                string[] a => string.Join("|", a),
                object[] a => string.Join("|", a),
                var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            })).Append(($"{name}.ToString()", o.ToString()))
            // a finding's nested parts, and the command the cmdlet layer renders from its fix steps
            .Concat(o is NpmFinding f && f.Location != null ? Properties(f.Location, name + ".Location") : Enumerable.Empty<(string, string?)>())
            .Concat(o is NpmFinding g && g.Remediation != null
                ? Properties(g.Remediation, name + ".Remediation").Append((name + ".Remediation (rendered)", g.Fix()))
                : Enumerable.Empty<(string, string?)>());

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void No_secret_leaves_through_entries_issues_or_findings(bool windows)
        {
            var (m, canaries) = Plant(windows);
            var resolution = m.Resolve();
            var entries = NpmConfigEntries.Select(resolution, new NpmConfigEntryFilter { AllLayers = true }).ToList();
            Assert.Contains(entries, e => e.Key == "sec");
            AssertClean(entries.SelectMany((e, i) => Properties(e, $"entry[{e.Key}]")), canaries);
            AssertClean(resolution.Issues.Select(i => ("issue", (string?)i.ToString())), canaries);
            var findings = m.Audit(NpmBaseline.Strict);
            AssertClean(findings.SelectMany(f => Properties(f, $"finding {f.RuleId}")), canaries);

            // the section is still shown, with what is not secret
            var sec = entries.Single(e => e.Key == "sec");
            Assert.True(sec.IsSecret);
            Assert.Contains("\"proxy\":\"http://u:***@proxy.example:8080\"", (string)sec.Value!);
            Assert.Contains("\"sub\":{\"password\":\"***\"}", (string)sec.Value!);
            Assert.NotNull(sec.Fingerprint);
        }

        [Fact]
        public void No_secret_leaves_through_token_findings()
        {
            var (m, canaries) = Plant(false);
            var pw = Canary("pw9");
            m.P.AddFile("/work/app/extra.npmrc", "//u:" + pw + "@host.example/:_authToken=" + Canary("opq5") + "\n[_password " + pw + "]\n_authToken=" + Canary("opq6") + "\n");
            var scanner = new NpmTokenScanner(m.P) { IsCI = false };
            var findings = new[] { m.UserNpmrc, m.ProjectNpmrc, "/work/app/extra.npmrc" }.SelectMany(f => scanner.ScanFile(f)).ToList();
            Assert.NotEmpty(findings);
            AssertClean(findings.SelectMany(f => Properties(f, $"token finding {f.Src()}")), canaries.Append(pw).ToArray());
        }

        [Theory]
        [InlineData("//host/:_password hunter2-hunter2", "//host/:_password ***")]
        [InlineData("_auth: c2VjcmV0Cg==", "_auth: ***")]
        [InlineData("//r.example/:_authToken=opaque-value", "//r.example/:_authToken=***")]
        [InlineData("//user:pa55word@r.example/:_authToken", "//user:***@r.example/:_authToken")]
        [InlineData("https://user:pa55word@r.example/", "https://user:***@r.example/")]
        [InlineData("//registry.npmjs.org/:_authToken", "//registry.npmjs.org/:_authToken")]
        [InlineData("@scope:registry", "@scope:registry")]
        [InlineData("_auth", "_auth")]
        [InlineData("strict-ssl", "strict-ssl")]
        public void Keys_that_carry_a_secret_are_redacted(string key, string shown)
        {
            Assert.Equal(shown, NpmCredential.RedactEmbedded(key));
        }
    }
}
