using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>
    /// The part of a corpus case's expected.json (tests/NpmHardening.Tests/PipelineCorpus/&lt;platform&gt;/&lt;case&gt;/) that a
    /// reader alone decides: the publish line is a command of a step of the named job in the named workflow, that job's
    /// gate, OIDC where the expected auth needs it, push/tag reachability where the expected rules depend on it, and the
    /// file and line of an expected error. Method, auth and rule ids as such are the publish finder's and the analyzer's;
    /// the whole-pipeline corpus test checks those.
    /// </summary>
    internal static class ReaderCorpus
    {
        public static IEnumerable<object[]> Cases(string platform)
        {
            var folder = Path.Combine(Root(), platform);
            foreach (var dir in Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal))
                yield return new object[] { Path.GetFileName(dir) };
        }

        public static string Root([CallerFilePath] string here = "")
        {
            var dir = Path.GetDirectoryName(here);
            while (dir != null && !File.Exists(Path.Combine(dir, "NpmHardening.sln"))) dir = Path.GetDirectoryName(dir);
            if (dir == null) throw new InvalidOperationException("NpmHardening.sln not found above " + here);
            return Path.Combine(dir, "tests", "NpmHardening.Tests", "PipelineCorpus");
        }

        public static void Check(ICiDefinitionReader reader, string platform, string name, string file)
        {
            var dir = Path.Combine(Root(), platform, name);
            using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json")));
            var e = expected.RootElement;
            var repository = MemoryCiRepository.FromFolder(dir);
            Assert.True(reader.Claims(file), file);

            if (e.TryGetProperty("Errors", out var errors) && errors.GetArrayLength() > 0)
            {
                var error = Assert.Throws<CiDefinitionException>(() => reader.Read(repository, file).ToList());
                Assert.Equal(errors[0].GetProperty("File").GetString(), error.File);
                Assert.Equal(errors[0].GetProperty("Line").GetInt32(), error.Line);
                return;
            }

            var definitions = reader.Read(repository, file).ToList();
            var rules = Names(e, "RuleIds");
            var notRules = Names(e, "NotRuleIds");
            int ungated = 0, cached = 0;
            foreach (var publish in e.GetProperty("Publishes").EnumerateArray())
            {
                var where = name + ": " + publish.GetProperty("Workflow").GetString() + "/" + publish.GetProperty("Job").GetString();
                var definition = definitions.SingleOrDefault(d => d.Name == publish.GetProperty("Workflow").GetString());
                Assert.True(definition != null, where + " (no such workflow)");
                var job = definition!.Jobs.SingleOrDefault(j => j.Id == publish.GetProperty("Job").GetString());
                Assert.True(job != null, where + " (no such job)");
                var publishFile = publish.GetProperty("File").GetString()!;
                var line = publish.GetProperty("Line").GetInt32();
                Assert.True(job!.Steps.Any(s => Covers(s, publishFile, line)), where + " has no step at " + publishFile + ":" + line);

                Assert.Equal(publish.GetProperty("Gate").GetString(), job.Gate.Kind.ToString());
                if (publish.TryGetProperty("GateName", out var gateName)) Assert.Equal(gateName.GetString(), job.Gate.Name);

                var auth = publish.GetProperty("Auth").GetString();
                if (auth == "Oidc" || auth == "Both") Assert.True(job.RequestsOidc, where + " should request OIDC");
                if (auth == "StaticToken" && reader.Platform == CiPlatform.CircleCi) Assert.False(job.RequestsOidc, where + " should not request OIDC");

                var triggers = job.Triggers ?? definition.Triggers;
                if (job.Gate.Kind == CiGateKind.None && triggers.Any(t => t.Kind == CiTriggerKind.Push || t.Kind == CiTriggerKind.Tag)) ungated++;
                if (job.Facts.ContainsKey("cache")) cached++;
            }
            // the rules of a case hold for at least one of its publish paths; the rules it must not raise, for none
            if (rules.Contains("NPMH10007")) Assert.True(ungated > 0, name + ": some publish should run on push/tag without a gate");
            if (notRules.Contains("NPMH10007")) Assert.True(ungated == 0, name + ": no publish should run on push/tag without a gate");
            if (rules.Contains("NPMH10011")) Assert.True(cached > 0, name + ": some publish job should show a cache");
        }

        private static HashSet<string> Names(JsonElement e, string key)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            if (e.TryGetProperty(key, out var list)) foreach (var item in list.EnumerateArray()) names.Add(item.GetString()!);
            return names;
        }

        /// <summary>Whether the step is at <paramref name="line"/>: an action written there, or a script one of whose lines it is.</summary>
        private static bool Covers(CiStep step, string file, int line)
        {
            if (step.Source.File != file) return false;
            if (step.Kind == CiStepKind.Action) return step.Source.Line == line;
            var count = step.Script!.TrimEnd('\n').Split('\n').Length;
            return line >= step.ScriptLine && line < step.ScriptLine + count;
        }
    }
}
