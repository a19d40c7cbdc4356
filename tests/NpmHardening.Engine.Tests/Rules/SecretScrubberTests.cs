using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Rules
{
    public class SecretScrubberTests
    {
        [Theory]
        [InlineData("proxy http://alice:pa55word@proxy:8080/", "proxy http://alice:***@proxy:8080/")]
        [InlineData("token 5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41 here", "token 5f…41 here")]
        [InlineData(@"C:\agent\5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41\.npmrc", @"C:\agent\5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41\.npmrc")]
        [InlineData("/tmp/5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41/.npmrc:3", "/tmp/5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41/.npmrc:3")]
        [InlineData("{5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41}", "{5f0e6c1a-9b7d-4c2e-8a31-0d9e7b6c5a41}")]
        [InlineData("strict-ssl is false (user config)", "strict-ssl is false (user config)")]
        public void Shapes_are_redacted_without_knowing_the_secret(string text, string expected) =>
            Assert.Equal(expected, SecretScrubber.RedactInline(text));

        [Fact]
        public void Registered_secrets_and_their_decoded_forms_are_replaced_everywhere()
        {
            var s = new SecretScrubber();
            s.Add("dXNlcjpzM2NyZXQtcGFzcw=="); // base64("user:s3cret-pass")
            s.Add("short"); // too short to replace in free text
            Assert.Equal("value dX…== and ***", s.Scrub("value dXNlcjpzM2NyZXQtcGFzcw== and s3cret-pass"));
            Assert.Equal("a short word", s.Scrub("a short word"));
            Assert.Null(s.Scrub((string?)null));
        }
    }
}
