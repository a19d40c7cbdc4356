using System;
using System.Collections.Generic;
using NpmHardening.Engine.Pipelines.Groovy;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// Reads Jenkins pipeline definitions, declarative (<c>pipeline { stages { … } }</c>) and scripted
    /// (<c>node { stage('x') { … } }</c>), through a Groovy lexer and parser — never by searching the text — into the
    /// CI model: stages become jobs, <c>sh</c>/<c>bat</c>/<c>powershell</c>/<c>pwsh</c> become script steps,
    /// <c>credentials()</c> and <c>withCredentials</c> become variables bound to credential ids, <c>input</c> becomes a
    /// manual gate and <c>when</c> narrows a stage's triggers.
    /// </summary>
    /// <remarks>
    /// Files claimed (Jenkins itself reads whatever path a job is configured with, so these are the conventions):
    /// <list type="bullet">
    /// <item><c>Jenkinsfile</c> in any folder, any letter case;</item>
    /// <item><c>Jenkinsfile.&lt;anything&gt;</c> (<c>Jenkinsfile.release</c>, <c>Jenkinsfile.groovy</c>), except documentation
    /// and data extensions (<c>.md</c>, <c>.txt</c>, <c>.json</c>, <c>.yml</c>, <c>.xml</c>, …);</item>
    /// <item><c>*.jenkinsfile</c> and <c>*.Jenkinsfile</c>;</item>
    /// <item><c>*.groovy</c> directly in a folder named <c>jenkins</c> or <c>.jenkins</c> — but such a file yields a definition
    /// only when it holds a pipeline (<c>pipeline</c>, <c>node</c> or <c>stage</c>), because those folders also hold helper scripts.</item>
    /// </list>
    /// Nothing under <c>node_modules</c> is claimed, nor a shared library's <c>vars/</c> (steps, not pipelines).
    /// </remarks>
    internal sealed class JenkinsReader : ICiDefinitionReader
    {
        /// <summary>Larger files are refused before parsing: real Jenkinsfiles are kilobytes, and the bound keeps a
        /// hostile file from costing more than a linear scan of a few megabytes.</summary>
        public const int MaxLength = 4 * 1024 * 1024;

        private static readonly HashSet<string> NotPipelineExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            ".md", ".markdown", ".txt", ".rst", ".adoc", ".json", ".yml", ".yaml", ".xml", ".html", ".htm", ".png", ".svg",
            ".jpg", ".bak", ".orig", ".rej", ".swp", ".sample", ".example", ".disabled", ".old",
        };

        public CiPlatform Platform => CiPlatform.Jenkins;

        public bool Claims(string relativePath)
        {
            if (string.IsNullOrEmpty(relativePath)) return false;
            var path = relativePath.Replace('\\', '/');
            var segments = path.Split('/');
            foreach (var segment in segments)
                if (segment.Equals("node_modules", StringComparison.OrdinalIgnoreCase)) return false;
            var name = segments[segments.Length - 1];
            if (name.Equals("Jenkinsfile", StringComparison.OrdinalIgnoreCase)) return true;
            if (name.StartsWith("Jenkinsfile.", StringComparison.OrdinalIgnoreCase))
            {
                var extension = name.Substring(name.LastIndexOf('.'));
                return !NotPipelineExtensions.Contains(extension);
            }
            if (name.EndsWith(".jenkinsfile", StringComparison.OrdinalIgnoreCase) && name.Length > ".jenkinsfile".Length) return true;
            return IsPipelineFolderScript(segments);
        }

        private static bool IsPipelineFolderScript(string[] segments)
        {
            if (segments.Length < 2) return false;
            var name = segments[segments.Length - 1];
            var folder = segments[segments.Length - 2];
            return name.EndsWith(".groovy", StringComparison.OrdinalIgnoreCase) && name.Length > ".groovy".Length
                && (folder.Equals("jenkins", StringComparison.OrdinalIgnoreCase) || folder.Equals(".jenkins", StringComparison.OrdinalIgnoreCase));
        }

        public IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath)
        {
            if (repository == null) throw new ArgumentNullException(nameof(repository));
            var text = repository.ReadText(relativePath);
            if (text == null) throw new CiDefinitionException(relativePath, 0, "the file does not exist.");
            if (text.Length > MaxLength)
                throw new CiDefinitionException(relativePath, 0, "larger than " + (MaxLength / (1024 * 1024)) + " MB; not read as a Jenkins pipeline.");
            var tree = GroovyParser.Parse(text, relativePath);
            bool helperFolder = IsPipelineFolderScript(relativePath.Replace('\\', '/').Split('/'));
            var definition = new JenkinsPipelineMapper(relativePath, text).Map(tree, requirePipeline: helperFolder);
            return definition == null ? new CiDefinition[0] : new[] { definition };
        }
    }
}
