using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CsCheck;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>
    /// The acceptance bar "Agreement with npm" (issue 2 §5): generated layered configurations, the engine's
    /// effective value and layer of every key against the installed npm — its own Config class
    /// (npm-layers.js) and the real <c>npm config ls -l --json</c>. See docs/npm-agreement.md.
    /// </summary>
    public class NpmAgreementTests
    {
        private readonly ITestOutputHelper _output;

        public NpmAgreementTests(ITestOutputHelper output) { _output = output; }

        [Fact]
        public async Task Engine_agrees_with_npm_on_generated_layered_configurations()
        {
            var settings = AgreementSettings.FromEnvironment();
            var run = await AgreementRun.ExecuteAsync(settings);
            var summary = run.Summary();
            var reportPath = Path.Combine(System.AppContext.BaseDirectory, "npm-agreement-report.txt");
            File.WriteAllText(reportPath, summary + run.Report(int.MaxValue) + "\n\nEvery configuration with a disagreement:\n" + run.ByScenario());
            _output.WriteLine(summary);
            _output.WriteLine("full report: " + reportPath);
            Assert.True(run.Disagreements.Count == 0,
                $"The engine disagrees with npm {run.Peers.NpmVersion} (replay: NPMH_AGREEMENT_SEED={settings.MasterSeed}).\n{summary}full report: {reportPath}\n{run.Report(12)}");
        }

        [Fact]
        public void Scenario_generation_is_replayable_from_its_seed()
        {
            var gen = new ScenarioGen("/usr");
            var master = new PCG(7, 12345);
            for (int i = 0; i < 50; i++)
            {
                var first = gen.Generate(new PCG(master.Next(), master.Next64()), null, out _);
                var again = gen.Generate(PCG.Parse(first.Seed), null, out _);
                Assert.Equal(first.Describe(), again.Describe());
            }
        }

        [Fact]
        public void Generated_configurations_cover_the_layers_and_syntax_forms()
        {
            var scenarios = AgreementRun.Generate(new AgreementSettings { Count = AgreementSettings.FullCount, MasterSeed = new PCG(1, 2).ToString() }, "/usr");
            var features = scenarios.SelectMany(s => s.Features).ToHashSet();
            foreach (var f in new[]
            {
                "file:home", "file:global", "file:project", "file:alt", "builtin", "project:workspace", "project:none", "project:home", "destdir",
                "userconfig-via-env", "userconfig-via-project", "globalconfig-redirect", "prefix-redirect", "env-var", "dynamic-env", "cli",
                "array", "duplicate-key", "quote-double", "quote-single", "inline-comment", "escape", "crlf", "bom", "section",
                "workspace-patterns", "cwd-symlink", "dangling-marker", "home-empty", "env-clash",
            })
                Assert.Contains(f, features);
        }
    }
}
