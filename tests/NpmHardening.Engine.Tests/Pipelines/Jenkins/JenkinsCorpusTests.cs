using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines.Jenkins
{
    /// <summary>
    /// The reader's part of the Jenkins corpus (tests/NpmHardening.Tests/PipelineCorpus/jenkins): each expected publish
    /// line is the line of a script step the reader produced, in a job with the expected gate, with a credential in
    /// reach when the expected auth is a static token; an expected error is the reader's error at that file and line.
    /// Whether the line publishes and which rules fire is the publish-path finder's part of the same corpus.
    /// </summary>
    public class JenkinsCorpusTests
    {
        private static string CorpusFolder()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "NpmHardening.Tests", "PipelineCorpus", "jenkins");
                if (Directory.Exists(candidate)) return candidate;
                dir = dir.Parent;
            }
            throw new DirectoryNotFoundException("PipelineCorpus/jenkins");
        }

        public static IEnumerable<object[]> Cases() =>
            Directory.GetDirectories(CorpusFolder()).Select(d => new object[] { Path.GetFileName(d) }).OrderBy(c => (string)c[0], StringComparer.Ordinal);

        [Fact]
        public void The_corpus_has_at_least_ten_cases_both_styles_and_an_error()
        {
            var names = Cases().Select(c => (string)c[0]).ToList();
            Assert.True(names.Count >= 10, string.Join(", ", names));
            var folder = CorpusFolder();
            var texts = names.Select(n => File.ReadAllText(Path.Combine(folder, n, "Jenkinsfile"))).ToList();
            Assert.Contains(texts, t => t.TrimStart().StartsWith("pipeline", StringComparison.Ordinal) || t.Contains("\npipeline {"));
            Assert.Contains(texts, t => t.Contains("node") && !t.Contains("pipeline {"));
            Assert.Contains(names, n => Expected(n).TryGetProperty("errorAt", out _));
        }

        private static JsonElement Expected(string name) =>
            JsonDocument.Parse(File.ReadAllText(Path.Combine(CorpusFolder(), name, "expected.json"))).RootElement;

        [Theory]
        [MemberData(nameof(Cases))]
        public void Reader_agrees_with_the_expected_publish_lines_gates_and_errors(string name)
        {
            var folder = Path.Combine(CorpusFolder(), name);
            var repository = JenkinsTestRepository.FromFolder(folder);
            var reader = new JenkinsReader();
            var files = repository.Files.Where(reader.Claims).ToList();
            Assert.NotEmpty(files);
            var expected = Expected(name);

            // expected.json is the corpus theory's (steps, errors by file); errorAt adds the line a reader error names
            if (expected.TryGetProperty("errorAt", out var errorAt))
            {
                var where = errorAt.GetString()!;
                var e = Assert.Throws<CiDefinitionException>(() => files.SelectMany(f => reader.Read(repository, f)).ToList());
                Assert.StartsWith(where + ":", e.Message);
                return;
            }

            var definitions = files.SelectMany(f => reader.Read(repository, f)).ToList();
            var publishes = expected.GetProperty("steps").EnumerateArray().ToList();
            if (publishes.Count == 0)
            {
                // A look-alike: no script line the reader produced runs npm publish.
                var lines = definitions.SelectMany(d => d.Jobs).SelectMany(j => j.Steps).Where(s => s.Script != null)
                    .SelectMany(s => s.Script!.Split('\n')).Select(l => l.Trim());
                Assert.DoesNotContain(lines, l => l.StartsWith("npm publish", StringComparison.Ordinal) || l.StartsWith("npm stage publish", StringComparison.Ordinal));
                return;
            }

            foreach (var publish in publishes)
            {
                var file = publish.GetProperty("file").GetString()!;
                int line = publish.GetProperty("line").GetInt32();
                var definition = definitions.Single(d => d.File == file);
                var found = (from job in definition.Jobs
                             from step in job.Steps
                             where step.Script != null && step.ScriptLine <= line && line < step.ScriptLine + step.Script.Split('\n').Length
                             select (job, step)).ToList();
                Assert.True(found.Count == 1, name + ": no single script step at line " + line + "\n" + JenkinsDump.Describe(definition));
                var (foundJob, foundStep) = found[0];
                var text = foundStep.Script!.Split('\n')[line - foundStep.ScriptLine].Trim();
                Assert.Contains(publish.GetProperty("method").GetString() == "StagePublish" ? "npm stage publish" : "npm ", text);

                // the gate in force at the publish step itself, not the stage's last step
                Assert.NotNull(foundStep.Gate);
                Assert.Equal(publish.GetProperty("gate").GetString(), foundStep.Gate!.Kind.ToString());

                if (publish.GetProperty("auth").GetString() == "StaticToken")
                {
                    bool credential = foundStep.Env.Concat(foundJob.Env).Concat(definition.Env).Any(v => v.SecretName != null)
                        || foundJob.Steps.TakeWhile(s => s != foundStep).Any(s => s.ActionRef == "configFileProvider" && s.Inputs.TryGetValue("npmrc", out var rc) && rc == "true")
                        // a variable the file never binds is the controller's or agent's (the definition says its
                        // variables may come from there); the finder takes it as the token (decl-agent-env-token-npmrc)
                        || definition.ImplicitSecretVariables && foundStep.Script!.IndexOf("${NPM_TOKEN}", StringComparison.Ordinal) >= 0;
                    Assert.True(credential, name + ": no credential in reach of line " + line + "\n" + JenkinsDump.Describe(definition));
                }
            }
        }
    }
}
