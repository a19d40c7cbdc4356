using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Pipelines.Readers;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>One publish path found, with the findings of the pipeline rules over it.</summary>
    internal sealed class PublishPipelineResult
    {
        public PublishPipelineResult(PublishPath path, IReadOnlyList<NpmFinding> findings) { Path = path; Findings = findings; }
        public PublishPath Path { get; }
        public NpmPublishStep Step => Path.Output;
        public IReadOnlyList<NpmFinding> Findings { get; }
    }

    /// <summary>What a repository scan found: publish paths, the CI files that could not be read (one error each), and
    /// the parts of files that were skipped while the rest was read (<see cref="CiDefinitionException.PartOnly"/>).</summary>
    internal sealed class PublishPipelineScan
    {
        public List<PublishPipelineResult> Results { get; } = new List<PublishPipelineResult>();
        public List<CiDefinitionException> Errors { get; } = new List<CiDefinitionException>();
        /// <summary>CI files read (for progress and the verbose stream).</summary>
        public List<string> Files { get; } = new List<string>();
    }

    /// <summary>
    /// A repository's CI files → definitions (every platform reader) → publish paths → pipeline findings. A file that
    /// cannot be read or parsed is one <see cref="CiDefinitionException"/> in <see cref="PublishPipelineScan.Errors"/>,
    /// and the scan goes on with the next file.
    /// </summary>
    internal sealed class PublishPipelineScanner
    {
        /// <summary>Folders (relative, '/' separators) where CI definitions live; each reader's Claims decides what it reads there.</summary>
        public static readonly IReadOnlyList<string> CandidateFolders = new[]
        {
            "", ".github/workflows", ".circleci", ".azure-pipelines", ".azuredevops", ".pipelines", "pipelines", "build", "ci",
            "azure-pipelines", "common/config/azure-pipelines", "eng/pipelines", "build/azure-pipelines", ".devops/pipelines",
            ".ado",
        };

        private readonly IReadOnlyList<ICiDefinitionReader> _readers;
        private readonly ScriptAnalysis _scripts;
        private readonly PublishPipelineAnalyzer _analyzer;

        public PublishPipelineScanner(ScriptAnalysis scripts, PublishPipelineAnalyzer? analyzer = null, IReadOnlyList<ICiDefinitionReader>? readers = null)
        {
            _scripts = scripts ?? throw new ArgumentNullException(nameof(scripts));
            _analyzer = analyzer ?? new PublishPipelineAnalyzer();
            _readers = readers ?? DefaultReaders();
        }

        /// <summary>Every platform reader of the engine.</summary>
        public static IReadOnlyList<ICiDefinitionReader> DefaultReaders() => new ICiDefinitionReader[]
        {
            new GitHubActionsReader(),
            new AzurePipelinesReader(),
            new GitLabCiReader(),
            new CircleCiReader(),
            new BitbucketPipelinesReader(),
            new JenkinsReader(),
        };

        /// <summary>The CI files of the repository some reader claims, with that reader, in folder then name order.</summary>
        public IReadOnlyList<(string File, ICiDefinitionReader Reader)> CiFiles(CiRepository repository)
        {
            var files = new List<(string, ICiDefinitionReader)>();
            // one listing of the root says which candidate folders exist; only those are listed (most repositories have
            // one or two of the fifteen, and every listing checks the folder's real path)
            var rootFolders = new HashSet<string>(repository.ListFolders(""), StringComparer.Ordinal);
            foreach (var folder in CandidateFolders)
            {
                if (folder.Length > 0)
                {
                    var slash = folder.IndexOf('/');
                    if (!rootFolders.Contains(slash < 0 ? folder : folder.Substring(0, slash))) continue;
                }
                foreach (var name in repository.ListFiles(folder))
                {
                    var path = folder.Length == 0 ? name : folder + "/" + name;
                    foreach (var reader in _readers)
                        if (reader.Claims(path)) { files.Add((path, reader)); break; }
                }
            }
            return files;
        }

        private bool IsAzure(string file) => _readers.Any(r => r is Readers.AzurePipelinesReader && r.Claims(file));

        public PublishPipelineScan Scan(CiRepository repository)
        {
            var scan = new PublishPipelineScan();
            var definitions = new List<CiDefinition>();
            foreach (var (file, reader) in CiFiles(repository))
            {
                scan.Files.Add(file);
                try
                {
                    definitions.AddRange(reader.Read(repository, file));
                }
                catch (CiDefinitionException e)
                {
                    scan.Errors.Add(e);
                }
                catch (Exception e) when (!(e is OutOfMemoryException) && !(e is StackOverflowException))
                {
                    // a reader that fails in a way it did not foresee still costs one file, not the scan
                    scan.Errors.Add(new CiDefinitionException(file, 0, "could not be read (" + e.GetType().Name + ": " + e.Message + ").", e));
                }
            }
            // a reusable workflow called from this repository is analysed where it is called (with the caller's
            // triggers and secrets); on its own it is reported only when nothing here calls it
            var included = new HashSet<string>(definitions.SelectMany(d => d.IncludedFiles.Where(f => f != d.File)), StringComparer.Ordinal);
            // an Azure YAML file claimed only for its folder that another pipeline includes is a template: it is read
            // through that pipeline, and what it cannot say on its own (its parameters) is no error
            scan.Errors.RemoveAll(e => included.Contains(e.File) && Readers.AzurePipelinesReader.ClaimedByFolder(e.File) && IsAzure(e.File));
            // a skipped part is reported once, however many workflows or pipelines reach it
            var skipped = new HashSet<string>(StringComparer.Ordinal);
            foreach (var definition in definitions)
            {
                if (definition.Platform == CiPlatform.AzurePipelines && included.Contains(definition.File) &&
                    Readers.AzurePipelinesReader.ClaimedByFolder(definition.File)) continue;
                if (included.Contains(definition.File) && definition.Triggers.Count > 0 &&
                    definition.Triggers.All(t => t.Kind == CiTriggerKind.WorkflowCall)) continue;
                foreach (var part in definition.SkippedParts)
                    if (skipped.Add(part.File + "\n" + part.Line.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n" + part.Reason))
                        scan.Errors.Add(part);
                IReadOnlyList<PublishPath> paths;
                try
                {
                    paths = PublishPathFinder.Find(repository, definition, _scripts);
                }
                catch (CiDefinitionException e)
                {
                    scan.Errors.Add(e);
                    continue;
                }
                foreach (var path in paths)
                {
                    var findings = _analyzer.Analyze(path).ToList();
                    var step = path.Output;
                    step.RuleIds = findings.Select(f => f.RuleId).Distinct(StringComparer.Ordinal).OrderBy(id => id, Comparer<string>.Create(Rules.RuleCatalog.CompareIds)).ToArray();
                    step.Severity = findings.Count == 0 ? (NpmSeverity?)null : findings.Max(f => f.Severity);
                    scan.Results.Add(new PublishPipelineResult(path, findings));
                }
            }
            return scan;
        }
    }
}
