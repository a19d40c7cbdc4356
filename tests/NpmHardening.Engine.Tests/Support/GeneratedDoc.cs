using System;
using System.IO;
using System.Text;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>
    /// A file of the repository generated from engine data (docs/rules.md, docs/about_NpmHardening_Rules.md): the test
    /// fails when the committed file differs from what the engine generates, and rewrites it when NPMH_UPDATE_DOCS=1.
    /// </summary>
    internal static class GeneratedDoc
    {
        public static void AssertCurrent(string relativePath, string expected, string source)
        {
            var path = Path.Combine(VerdaccioRegistry.RepoRoot(), relativePath);
            if (Environment.GetEnvironmentVariable("NPMH_UPDATE_DOCS") == "1")
            {
                File.WriteAllText(path, expected, new UTF8Encoding(false));
                return;
            }
            var actual = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : "(missing)";
            Assert.True(actual == expected,
                $"{relativePath} is out of date with {source}. Regenerate it with: " +
                "NPMH_UPDATE_DOCS=1 dotnet test tests/NpmHardening.Engine.Tests --filter FullyQualifiedName~Rules (PowerShell: $env:NPMH_UPDATE_DOCS = '1'; dotnet test …) and commit the result.");
        }
    }
}
