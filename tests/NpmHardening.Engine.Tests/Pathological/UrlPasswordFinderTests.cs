using System.Linq;
using System.Text.RegularExpressions;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Platform;
using NpmHardening.Engine.Tests.Rules;

namespace NpmHardening.Engine.Tests.Pathological
{
    /// <summary>
    /// The linear URL-password scan gives exactly the matches of the backtracking expressions it replaces, and finishes on
    /// the inputs that made them run for minutes (a long value of letters).
    /// </summary>
    public class UrlPasswordFinderTests
    {
        // The expressions as they were in NpmConfigEntry/PostureAuditor and in SecretScrubber (quotes excluded).
        private static readonly Regex Plain = new Regex(@"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s]*:[^/@\s]+@", RegexOptions.CultureInvariant);
        private static readonly Regex Quoted = new Regex(@"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\s'""]*:[^/@\s'""]+@", RegexOptions.CultureInvariant);

        // Small pieces that make every branch likely: schemes, separators, quotes, blanks (\u00A0 and \u2028 count as \s).
        private static readonly string[] Pieces = { "a", "Z", "9", "+", ".", "-", ":", "/", "//", "://", "@", " ", "\t", "\u00A0", "\u2028", "'", "\"", "x", "http", "u:p@", "é" };
        private static readonly Gen<string> Texts = Gen.Int[0, Pieces.Length - 1].Array[0, 30].Select(ix => string.Concat(ix.Select(i => Pieces[i])));

        private static string Describe(string text, string quotes) =>
            string.Join("|", UrlPasswordFinder.Find(text, quotes).Select(m => $"{m.Start}:{m.Value(text)}:{m.Password(text)}"));

        private static string DescribeRegex(Regex regex, string text) =>
            string.Join("|", regex.Matches(text).Cast<Match>().Select(m =>
            {
                // the password is what follows the first ':' after "://"
                int q = m.Value.IndexOf(':', m.Value.IndexOf("://", System.StringComparison.Ordinal) + 3);
                return $"{m.Index}:{m.Value}:{m.Value.Substring(q + 1, m.Value.Length - q - 2)}";
            }));

        [Fact]
        public void Same_matches_as_the_expression()
        {
            Texts.Sample(t => Describe(t, "") == DescribeRegex(Plain, t) && Describe(t, "'\"") == DescribeRegex(Quoted, t), iter: 50_000);
        }

        [Theory]
        [InlineData("proxy=http://alice:s3cret@proxy:8080/", "http://alice:s3cret@", "s3cret")]
        [InlineData("x https://u:p:w@h and ftp://v:q@g", "https://u:p:w@", "p:w")]
        [InlineData("1http://u:p@h", "http://u:p@", "p")]
        [InlineData("abc://x:y@", "abc://x:y@", "y")]
        [InlineData("http://abc://x:y@", "abc://x:y@", "y")]
        public void Finds_the_first_match(string text, string match, string password)
        {
            var m = UrlPasswordFinder.First(text)!.Value;
            Assert.Equal(match, m.Value(text));
            Assert.Equal(password, m.Password(text));
        }

        [Theory]
        [InlineData("http://alice@proxy")]   // no password
        [InlineData("http://alice:@proxy")]  // empty password
        [InlineData("http://a/b:c@d")]       // '/' in the user
        [InlineData("://u:p@h")]             // no scheme
        [InlineData("9p://u:p@h")]           // the scheme starts at its first letter: "p://u:p@"
        public void Needs_scheme_user_and_password(string text)
        {
            Assert.Equal(DescribeRegex(Plain, text), Describe(text, ""));
        }

        /// <summary>
        /// A value of letters just inside the line limit, in the keys that reach every use of the expressions: Get-NpmConfig's
        /// entries (secret detection and redaction), the audit (proxy and registry passwords, CA descriptions).
        /// </summary>
        [Fact]
        public void A_value_of_letters_goes_through_entries_and_audit()
        {
            var letters = new string('a', NpmrcLimits.MaxLineBytes - 64);
            var m = new PostureMachine(false);
            m.User("proxy=" + letters + "://@", "registry=" + letters, "ca=" + letters, "k" + letters.Substring(0, 1000) + "=" + letters.Substring(1100));
            var entries = SpecialFileTests.Finishes(() => NpmConfigEntries.Select(m.Resolve(), new NpmConfigEntryFilter { AllLayers = true }).ToList(), "Get-NpmConfig's entries");
            Assert.True(entries.Any(e => e.Key == "proxy"), string.Join("; ", m.Resolve().Issues));
            var findings = SpecialFileTests.Finishes(() => m.Audit(NpmBaseline.Strict), "the audit");
            Assert.NotEmpty(findings);
        }

        /// <summary>1 MB of letters (with '@' and "://" where the old scans needed them): the old expressions took minutes for 400 KB.</summary>
        [Fact]
        public void A_megabyte_of_letters_is_scanned_at_once()
        {
            var letters = new string('a', 1 << 20);
            var texts = new[] { letters, letters + "://@", "@" + letters + ":", letters + "://" + letters + ":" + letters, "a://" + letters };
            foreach (var text in texts)
            {
                SpecialFileTests.Finishes(() => UrlPasswordFinder.First(text), "UrlPasswordFinder.First");
                SpecialFileTests.Finishes(() => SecretScrubber.RedactInline(text), "SecretScrubber.RedactInline");
                SpecialFileTests.Finishes(() => NpmCredential.Classify("proxy", text), "NpmCredential.Classify");
                SpecialFileTests.Finishes(() => NpmCredential.Redact(text), "NpmCredential.Redact");
            }
        }
    }
}
