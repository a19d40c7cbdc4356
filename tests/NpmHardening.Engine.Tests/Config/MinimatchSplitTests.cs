using System.Text.RegularExpressions;
using CsCheck;
using NpmHardening.Engine.Config;
using Xunit;

namespace NpmHardening.Engine.Tests.Config
{
    public class MinimatchSplitTests
    {
        // SlashSplit replaced Regex("/+").Split (issue 10 F): it must cut exactly where that did
        private static readonly Regex Slashes = new Regex("/+", RegexOptions.CultureInvariant);

        [Theory]
        [InlineData("")]
        [InlineData("/")]
        [InlineData("//")]
        [InlineData("a")]
        [InlineData("/a")]
        [InlineData("a/")]
        [InlineData("a//b///c")]
        [InlineData("//a/b//")]
        [InlineData("packages/*/src")]
        public void Splits_like_the_regular_expression(string text) =>
            Assert.Equal(Slashes.Split(text), Minimatch.SlashSplit(text));

        [Fact]
        public void Splits_like_the_regular_expression_on_generated_text() =>
            Gen.String[Gen.Char["/ab*."], 0, 12].Sample(text => Assert.Equal(Slashes.Split(text), Minimatch.SlashSplit(text)), iter: 2000);
    }
}
