using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines
{
    /// <summary>A repository held in memory: relative path → text. For reader tests that need no disk.</summary>
    internal sealed class MemoryCiRepository : CiRepository
    {
        private readonly Dictionary<string, string> _files = new Dictionary<string, string>(StringComparer.Ordinal);

        public MemoryCiRepository(string root = "/repo") : base(root) { }

        /// <summary>Reads read so far, in order (a reader that re-reads a file in a loop shows here).</summary>
        public List<string> Reads { get; } = new List<string>();

        public MemoryCiRepository Add(string relativePath, string text)
        {
            _files[NormalizePath(relativePath) ?? throw new ArgumentException("outside the repository", nameof(relativePath))] = text;
            return this;
        }

        /// <summary>Every file under <paramref name="folder"/> on disk, by its path relative to that folder.</summary>
        public static MemoryCiRepository FromFolder(string folder)
        {
            var repository = new MemoryCiRepository(folder);
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
                repository.Add(relative, File.ReadAllText(file));
            }
            return repository;
        }

        public override string? ReadText(string relativePath)
        {
            var path = NormalizePath(relativePath) ?? throw new CiDefinitionException(relativePath, 0, "names no file inside the repository.");
            Reads.Add(path);
            if (_files.TryGetValue(path, out var text))
            {
                if (text.Length > CiYaml.MaxFileBytes) throw new CiDefinitionException(path, 0, "is too large.");
                return text;
            }
            return null;
        }

        public override bool FileExists(string relativePath)
        {
            var path = NormalizePath(relativePath);
            return path != null && _files.ContainsKey(path);
        }

        public override IReadOnlyList<string> ListFolders(string relativeFolder)
        {
            var folder = NormalizePath(relativeFolder);
            if (folder == null) return Array.Empty<string>();
            var prefix = folder.Length == 0 ? "" : folder + "/";
            return _files.Keys
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.IndexOf('/', prefix.Length) > 0)
                .Select(k => k.Substring(prefix.Length, k.IndexOf('/', prefix.Length) - prefix.Length))
                .Distinct()
                .OrderBy(k => k, StringComparer.Ordinal)
                .ToList();
        }

        public override IReadOnlyList<string> ListFiles(string relativeFolder)
        {
            var folder = NormalizePath(relativeFolder);
            if (folder == null) return Array.Empty<string>();
            var prefix = folder.Length == 0 ? "" : folder + "/";
            return _files.Keys
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.IndexOf('/', prefix.Length) < 0)
                .Select(k => k.Substring(prefix.Length))
                .OrderBy(k => k, StringComparer.Ordinal)
                .ToList();
        }
    }
}
