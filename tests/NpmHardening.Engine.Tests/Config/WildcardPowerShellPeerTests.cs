using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// Every rule-id, exclusion, policy and name pattern of the module goes through <see cref="WildcardMatcher.PowerShell"/>;
    /// it must mean what the same pattern means to PowerShell's own WildcardPattern (IgnoreCase), which is asked here as a
    /// peer: the pinned pwsh (.config/dotnet-tools.json) judges thousands of generated pattern/text pairs in one process.
    /// </summary>
    public class WildcardPowerShellPeerTests
    {
        // Pieces chosen for the edges: classes with ranges, a leading ']', '^' and '!' (literal in PowerShell), escapes
        // inside and outside classes, an unclosed '[', backwards ranges, a trailing backtick, upper and lower case.
        private static readonly string[] PatternPieces =
        {
            "a", "B", "n", "N", "*", "?", "[", "]", "-", "`", "^", "!", "[ab]", "[a-c]", "[A-C]", "[^a]", "[!a]", "[]a]", "[a-]",
            "[c-a]", "[a`]]", "[a`-c]", "`*", "`?", "`[", "``", "H7", "NPMH", "[0-9]", "\n", "é", "É",
        };
        private static readonly string[] TextPieces = { "a", "A", "b", "B", "c", "n", "N", "-", "^", "!", "[", "]", "`", "*", "?", "NPMH", "7", "\n", "é", "É" };

        private const string Peer = @"
$ErrorActionPreference = 'Stop'
$pairs = Get-Content -LiteralPath $args[0] -Raw -Encoding utf8 | ConvertFrom-Json
$out = [System.Text.StringBuilder]::new()
foreach ($p in $pairs) {
    try { $r = if ([System.Management.Automation.WildcardPattern]::new([string]$p[0], 'IgnoreCase').IsMatch([string]$p[1])) { '1' } else { '0' } }
    catch { $r = 'E' }  # WildcardPatternException, or the regex error of a class PowerShell cannot build
    [void]$out.Append($r)
}
[System.IO.File]::WriteAllText($args[1], $out.ToString())
";

        [Fact]
        public void Generated_patterns_match_exactly_as_PowerShell_WildcardPattern_matches_them()
        {
            var random = new Random(20240917);
            string Build(string[] pieces, int max)
            {
                var sb = new StringBuilder();
                int n = random.Next(0, max + 1);
                for (int i = 0; i < n; i++) sb.Append(pieces[random.Next(pieces.Length)]);
                return sb.ToString();
            }
            var pairs = new List<(string Pattern, string Text)>
            {
                ("`", ""), ("`", "`"), ("a`", "a`"), ("[]", "]"), ("NPMH7*", "npmh7001"), ("NPMH[7-8]00?", "NPMH8001"),
            };
            for (int i = 0; i < 4000; i++) pairs.Add((Build(PatternPieces, 6), Build(TextPieces, 6)));

            var folder = Path.Combine(Path.GetTempPath(), "npmh-wildcard-" + Guid.NewGuid().ToString("n"));
            Directory.CreateDirectory(folder);
            try
            {
                var input = Path.Combine(folder, "pairs.json");
                var output = Path.Combine(folder, "answers.txt");
                var script = Path.Combine(folder, "peer.ps1");
                File.WriteAllText(input, "[" + string.Join(",", pairs.Select(p => "[" + Json(p.Pattern) + "," + Json(p.Text) + "]")) + "]", new UTF8Encoding(false));
                File.WriteAllText(script, Peer, new UTF8Encoding(false));
                RunPwsh(script, input, output);
                var answers = File.ReadAllText(output);
                Assert.Equal(pairs.Count, answers.Length);
                var disagreements = new List<string>();
                for (int i = 0; i < pairs.Count; i++)
                {
                    var ours = Ours(pairs[i].Pattern, pairs[i].Text);
                    if (ours != answers[i]) disagreements.Add($"pattern {Json(pairs[i].Pattern)} text {Json(pairs[i].Text)}: PowerShell {answers[i]}, engine {ours}");
                }
                Assert.True(disagreements.Count == 0, string.Join(Environment.NewLine, disagreements.Take(20)));
                // the generator reached the interesting outcomes
                Assert.Contains('E', answers);
                Assert.Contains('1', answers);
            }
            finally { Directory.Delete(folder, recursive: true); }
        }

        private static char Ours(string pattern, string text)
        {
            try { return WildcardMatcher.PowerShell(pattern).IsMatch(text) ? '1' : '0'; }
            catch (NpmWildcardPatternException) { return 'E'; }
        }

        private static string Json(string s)
        {
            var sb = new StringBuilder("\"");
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') sb.Append('\\').Append(c);
                else if (c < 0x20 || c > 0x7e) sb.Append("\\u").Append(((int)c).ToString("x4"));
                else sb.Append(c);
            }
            return sb.Append('"').ToString();
        }

        /// <summary>The repository's pinned PowerShell (dotnet tool restore, part of Bootstrap), invariant culture.</summary>
        private static void RunPwsh(string script, string input, string output)
        {
            var psi = new ProcessStartInfo("dotnet", $"pwsh -NoProfile -NonInteractive -File \"{script}\" \"{input}\" \"{output}\"")
            {
                WorkingDirectory = VerdaccioRegistry.RepoRoot(),
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            psi.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000)) { process.Kill(); throw new TimeoutException("pwsh peer did not finish in 2 minutes"); }
            if (process.ExitCode != 0) throw new InvalidOperationException("pwsh peer failed: " + stderr.Result);
        }
    }
}
