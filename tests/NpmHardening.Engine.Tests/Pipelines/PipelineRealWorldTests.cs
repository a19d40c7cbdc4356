using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NpmHardening.Engine.Pipelines;
using Xunit;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>
    /// Accuracy on real CI files from public projects (tests/NpmHardening.Tests/PipelineRealWorld): each folder holds
    /// one project's file (trimmed), and manifest.json the hand-made labels — does the file publish to an npm registry,
    /// and with what credential class — written from reading the file, before the tool ran on it. The test scans every
    /// folder with the real scanner and fails when either question is answered right on fewer than 95% of the files.
    /// </summary>
    public class PipelineRealWorldTests
    {
        private const double Required = 0.95;
        private readonly ITestOutputHelper _output;

        public PipelineRealWorldTests(ITestOutputHelper output) { _output = output; }

        internal static string Root()
        {
            var corpus = PipelineCorpusTests.CorpusRoot();
            return Path.Combine(Path.GetDirectoryName(corpus)!, "PipelineRealWorld");
        }

        /// <summary>The tool's answer for one folder: whether any publish step was found, and the credential class of
        /// the folder's publishes (the weakest when they differ: a token anywhere outweighs OIDC elsewhere).</summary>
        internal static (bool Publishes, string? Auth) Answer(PublishPipelineScan scan)
        {
            var steps = scan.Results.Select(r => r.Step).ToList();
            if (steps.Count == 0) return (false, null);
            var order = new[] { "Both", "StaticToken", "Unknown", "Oidc", "None" };
            var auths = steps.Select(s => s.Auth.ToString()).Distinct().ToList();
            return (true, order.First(a => auths.Contains(a)));
        }

        [Fact]
        public void Publishes_and_auth_class_agree_with_the_hand_labels_on_at_least_95_percent()
        {
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root(), "manifest.json")));
            var entries = manifest.RootElement.GetProperty("entries").EnumerateArray().ToList();

            int publishesRight = 0, authRight = 0;
            var misses = new List<string>();
            foreach (var e in entries)
            {
                var id = e.GetProperty("id").GetString()!;
                var dir = Path.Combine(Root(), id);
                Assert.True(Directory.Exists(dir), id + ": folder missing");
                var wantPublishes = e.GetProperty("publishes").GetBoolean();
                var wantAuth = e.TryGetProperty("auth", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                var (publishes, auth) = Answer(PipelineCorpusTests.Scan(dir));
                var publishOk = publishes == wantPublishes;
                var authOk = publishOk && (!wantPublishes || auth == wantAuth);
                if (publishOk) publishesRight++;
                if (authOk) authRight++;
                if (!publishOk || !authOk)
                    misses.Add($"{id}: labelled publishes={wantPublishes} auth={wantAuth ?? "-"}, tool publishes={publishes} auth={auth ?? "-"}");
            }
            double p = (double)publishesRight / entries.Count, q = (double)authRight / entries.Count;
            _output.WriteLine($"files {entries.Count}; publishes right {publishesRight} ({p:P1}); auth class right {authRight} ({q:P1})");
            foreach (var m in misses) _output.WriteLine("  " + m);
            Assert.True(entries.Count >= 60, $"the real-world set needs at least 60 files; it has {entries.Count}");
            Assert.True(p >= Required && q >= Required,
                $"publishes {p:P1}, auth {q:P1} (need {Required:P0} each) on {entries.Count} files:\n" + string.Join("\n", misses));
        }
    }
}
