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

            List<CiDefinition> definitions;
            if (e.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
            {
                // a case with publish steps and an error: a part of the file was skipped and the rest read
                if (e.GetProperty("steps").GetArrayLength() > 0)
                {
                    definitions = reader.Read(repository, file).ToList();
                    var part = definitions.SelectMany(d => d.SkippedParts).FirstOrDefault();
                    Assert.True(part != null, name + ": expected a skipped part of the file");
                    Assert.True(part!.PartOnly);
                    Assert.Equal(errors[0].GetString(), part.File);
                }
                else
                {
                    var error = Assert.Throws<CiDefinitionException>(() => reader.Read(repository, file).ToList());
                    Assert.Equal(errors[0].GetString(), error.File);
                    return;
                }
            }
            else definitions = reader.Read(repository, file).ToList();
            foreach (var publish in e.GetProperty("steps").EnumerateArray())
            {
                var jobId = publish.GetProperty("job").GetString();
                var publishFile = publish.GetProperty("file").GetString()!;
                var line = publish.GetProperty("line").GetInt32();
                var where = name + ": " + jobId + " at " + publishFile + ":" + line;
                var found = definitions.SelectMany(d => d.Jobs.Select(j => (Definition: d, Job: j)))
                    .Where(x => x.Job.Id == jobId && x.Job.Steps.Any(s => Covers(s, publishFile, line))).ToList();
                Assert.True(found.Count == 1, where + ": " + found.Count + " jobs of that name have a step there");
                var (definition, job) = found[0];

                Assert.Equal(publish.GetProperty("gate").GetString(), job.Gate.Kind.ToString());
                if (publish.TryGetProperty("gateName", out var gateName)) Assert.Equal(gateName.GetString(), job.Gate.Name);

                var auth = publish.GetProperty("auth").GetString();
                if (auth == "Oidc" || auth == "Both") Assert.True(job.RequestsOidc, where + " should request OIDC");
                if (auth == "StaticToken" && reader.Platform == CiPlatform.CircleCi) Assert.False(job.RequestsOidc, where + " should not request OIDC");

                // NPMH10007 (publish on push or tag with no gate) and NPMH10011 (a cache in the release job) rest on reader facts
                var rules = publish.GetProperty("rules").EnumerateArray().Select(r => r.GetString()).ToList();
                var triggers = job.Triggers ?? definition.Triggers;
                // npm stage publish is gated by the registry's 2FA approval, so NPMH10007 never applies to it
                var ungated = job.Gate.Kind == CiGateKind.None && triggers.Any(t => t.Kind == CiTriggerKind.Push || t.Kind == CiTriggerKind.Tag)
                    && publish.GetProperty("method").GetString() != "StagePublish";
                Assert.True(rules.Contains("NPMH10007") == ungated, where + (ungated ? " runs on push/tag without a gate" : " is gated or not started by push/tag"));
                if (rules.Contains("NPMH10011")) Assert.True(job.Facts.ContainsKey("cache"), where + " should show a cache");
            }
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
