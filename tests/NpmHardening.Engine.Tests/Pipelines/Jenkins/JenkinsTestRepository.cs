using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines.Jenkins
{
    /// <summary>An in-memory repository for the Jenkins reader's tests: relative path → text.</summary>
    internal sealed class JenkinsTestRepository : CiRepository
    {
        private readonly Dictionary<string, string> _files = new Dictionary<string, string>(StringComparer.Ordinal);

        public JenkinsTestRepository(string root = "/repo") : base(root) { }

        public JenkinsTestRepository Add(string relativePath, string text)
        {
            _files[relativePath] = text;
            return this;
        }

        public static JenkinsTestRepository FromFolder(string folder)
        {
            var repository = new JenkinsTestRepository(folder);
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                repository.Add(Path.GetRelativePath(folder, file).Replace('\\', '/'), File.ReadAllText(file));
            return repository;
        }

        public IEnumerable<string> Files => _files.Keys.OrderBy(k => k, StringComparer.Ordinal);

        public override string? ReadText(string relativePath) => _files.TryGetValue(relativePath, out var text) ? text : null;

        public override bool FileExists(string relativePath) => _files.ContainsKey(relativePath);

        /// <summary>Reads one Jenkinsfile given as text.</summary>
        public static CiDefinition Read(string jenkinsfile, string path = "Jenkinsfile")
        {
            var repository = new JenkinsTestRepository().Add(path, jenkinsfile);
            return new JenkinsReader().Read(repository, path).Single();
        }
    }

    /// <summary>A definition as text, one element a line, so a test failure shows what the reader saw.</summary>
    internal static class JenkinsDump
    {
        public static string Describe(CiDefinition definition)
        {
            var text = new StringBuilder();
            text.Append("definition ").Append(definition.File).Append('\n');
            foreach (var t in definition.Triggers) text.Append("  trigger ").Append(Trigger(t)).Append('\n');
            foreach (var v in definition.Env) text.Append("  env ").Append(Variable(v)).Append('\n');
            foreach (var job in definition.Jobs)
            {
                text.Append("job ").Append(job.Id).Append(" @").Append(job.Source.Line)
                    .Append(" gate=").Append(job.Gate.Kind).Append(job.Gate.Name == null ? "" : "(" + job.Gate.Name + ")")
                    .Append(job.Condition == null ? "" : " if " + job.Condition).Append('\n');
                if (job.Triggers != null) text.Append("  triggers ").Append(string.Join(", ", job.Triggers.Select(Trigger))).Append('\n');
                foreach (var v in job.Env) text.Append("  env ").Append(Variable(v)).Append('\n');
                foreach (var step in job.Steps)
                {
                    text.Append("  step ").Append(step.Kind).Append(" @").Append(step.Source.Line);
                    if (step.Kind == CiStepKind.Script) text.Append(' ').Append(step.Shell).Append(" line ").Append(step.ScriptLine).Append(": ").Append(step.Script!.Replace("\n", "\\n"));
                    else text.Append(' ').Append(step.ActionRef).Append(' ').Append(string.Join(",", step.Inputs.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => i.Key + "=" + i.Value)));
                    if (step.WorkingDirectory != null) text.Append(" in ").Append(step.WorkingDirectory);
                    if (step.Condition != null) text.Append(" if ").Append(step.Condition);
                    text.Append('\n');
                    foreach (var v in step.Env) text.Append("    env ").Append(Variable(v)).Append('\n');
                }
            }
            return text.ToString();
        }

        private static string Trigger(CiTrigger t) => t.Kind + (t.Detail == null ? "" : "(" + t.Detail + ")");

        private static string Variable(CiVariable v) => v.Name + (v.Value == null ? "" : "=" + v.Value) + (v.SecretName == null ? "" : " secret:" + v.SecretName) + " @" + v.Source.Line;
    }
}
