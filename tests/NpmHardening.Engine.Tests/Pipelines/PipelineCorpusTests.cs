using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>
    /// Every case of tests/NpmHardening.Tests/PipelineCorpus/&lt;platform&gt;/&lt;case&gt;/ — a small repository written for
    /// the test, with expected.json beside it — read from disk through the real scanner (readers, shell analysis,
    /// finder, analyzer) and compared with what the case expects: the publish steps (file, line, job, method, auth,
    /// gate and any other property the case names), the rules that fire on each, and the files that fail to read.
    /// </summary>
    public class PipelineCorpusTests
    {
        internal static string CorpusRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "NpmHardening.Tests", "PipelineCorpus");
                if (Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException("tests/NpmHardening.Tests/PipelineCorpus not found above " + AppContext.BaseDirectory);
        }

        public static IEnumerable<object[]> Cases() =>
            Directory.GetDirectories(CorpusRoot())
                .SelectMany(platform => Directory.GetDirectories(platform))
                .Where(c => File.Exists(Path.Combine(c, "expected.json")))
                .OrderBy(c => c, StringComparer.Ordinal)
                .Select(c => new object[] { Path.GetFileName(Path.GetDirectoryName(c))! + "/" + Path.GetFileName(c) });

        internal static PublishPipelineScan Scan(string caseDir) =>
            new PublishPipelineScanner(PipelineScripts.Default).Scan(new FileCiRepository(SystemPlatform.Instance, caseDir));

        [Theory]
        [MemberData(nameof(Cases))]
        public void Case_matches_its_expected_results(string name)
        {
            var dir = Path.Combine(CorpusRoot(), name.Replace('/', Path.DirectorySeparatorChar));
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
            var scan = Scan(dir);

            var expectedErrors = expected.RootElement.TryGetProperty("errors", out var errors)
                ? errors.EnumerateArray().Select(e => e.GetString()!).OrderBy(e => e, StringComparer.Ordinal).ToList() : new List<string>();
            Assert.Equal(expectedErrors, scan.Errors.Select(e => e.File).OrderBy(e => e, StringComparer.Ordinal).ToList());

            var want = expected.RootElement.GetProperty("steps").EnumerateArray().ToList();
            var got = scan.Results.Select(r => r.Step).ToList();
            Assert.True(want.Count == got.Count,
                $"{name}: expected {want.Count} publish step(s), found {got.Count}: {string.Join("; ", got.Select(Show))}");
            foreach (var w in want)
            {
                var file = w.GetProperty("file").GetString();
                var line = w.GetProperty("line").GetInt32();
                var job = w.GetProperty("job").GetString();
                var match = got.FirstOrDefault(s => s.File == file && s.Line == line && s.Job == job);
                Assert.True(match != null, $"{name}: no publish step at {file}:{line} in job {job}; found {string.Join("; ", got.Select(Show))}");
                foreach (var property in w.EnumerateObject())
                {
                    if (property.Name == "file" || property.Name == "line" || property.Name == "job") continue;
                    var actual = Value(match!, property.Name);
                    var wanted = property.Value.ValueKind == JsonValueKind.Array
                        ? string.Join(",", property.Value.EnumerateArray().Select(e => e.GetString()))
                        : property.Value.ValueKind == JsonValueKind.True || property.Value.ValueKind == JsonValueKind.False
                            ? property.Value.GetBoolean().ToString()
                            : property.Value.GetString();
                    Assert.True(wanted == actual, $"{name}: {file}:{line} {property.Name} expected '{wanted}', found '{actual}' ({Show(match!)})");
                }
            }
        }

        private static string Show(NpmPublishStep s) =>
            $"{s.File}:{s.Line} job={s.Job} {s.Method} {s.Tool} auth={s.Auth} gate={s.Gate}:{s.GateName} rules={string.Join(",", s.RuleIds)}";

        private static string? Value(NpmPublishStep s, string property) => property switch
        {
            "method" => s.Method.ToString(),
            "auth" => s.Auth.ToString(),
            "gate" => s.Gate.ToString(),
            "gateName" => s.GateName,
            "rules" => string.Join(",", s.RuleIds),
            "tool" => s.Tool,
            "registry" => s.Registry.ToString(),
            "provenance" => s.Provenance.ToString(),
            "tokenExposure" => s.TokenExposure.ToString(),
            "tokenNames" => string.Join(",", s.TokenNames),
            "triggers" => string.Join(",", s.Triggers),
            "via" => s.Via,
            _ => throw new ArgumentException("expected.json names an unknown property: " + property),
        };

        /// <summary>The corpus covers each pipeline rule both ways: some case fires it, and some case with a publish step does not.</summary>
        [Fact]
        public void Every_pipeline_rule_fires_in_some_case_and_stays_quiet_in_another()
        {
            var fired = new HashSet<string>(StringComparer.Ordinal);
            var quiet = new HashSet<string>(StringComparer.Ordinal);
            var ids = new NpmHardening.Engine.Analyzers.PublishPipelineAnalyzer().RuleIds;
            foreach (var c in Cases())
            {
                var dir = Path.Combine(CorpusRoot(), ((string)c[0]).Replace('/', Path.DirectorySeparatorChar));
                using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
                foreach (var step in expected.RootElement.GetProperty("steps").EnumerateArray())
                {
                    var rules = step.GetProperty("rules").EnumerateArray().Select(e => e.GetString()!).ToList();
                    foreach (var id in ids) (rules.Contains(id) ? fired : quiet).Add(id);
                }
            }
            Assert.Equal("", string.Join(",", ids.Where(id => !fired.Contains(id))));
            Assert.Equal("", string.Join(",", ids.Where(id => !quiet.Contains(id))));
        }

        /// <summary>Every publish form of the issue appears in the GitHub corpus.</summary>
        [Fact]
        public void The_github_corpus_has_every_publish_form()
        {
            var tools = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var methods = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dir in Directory.GetDirectories(Path.Combine(CorpusRoot(), "github")))
                foreach (var result in Scan(dir).Results)
                {
                    tools.Add(result.Step.Tool ?? "");
                    methods.Add(result.Step.Method.ToString());
                }
            foreach (var tool in new[] { "npm", "pnpm", "yarn", "lerna", "nx", "semantic-release", "changesets/action", "JS-DevTools/npm-publish" })
                Assert.Contains(tool, tools);
            Assert.Equal(new[] { "Action", "Publish", "ReleaseTool", "StagePublish" }, methods.OrderBy(m => m, StringComparer.Ordinal));
            Assert.True(Directory.GetDirectories(Path.Combine(CorpusRoot(), "github")).Length >= 20);
        }
    }
}
