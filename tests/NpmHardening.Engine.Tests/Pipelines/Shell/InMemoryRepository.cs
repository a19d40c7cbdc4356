using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines.Shell
{
    /// <summary>A repository held in a dictionary (relative path → text), with a directory lister for workspace globs.</summary>
    internal sealed class InMemoryRepository : CiRepository
    {
        private readonly Dictionary<string, string> _files;
        public InMemoryRepository(Dictionary<string, string> files) : base("/mem") { _files = files; }
        public override string? ReadText(string relativePath) => _files.TryGetValue(relativePath, out var t) ? t : null;
        public override bool FileExists(string relativePath) => _files.ContainsKey(relativePath);

        public IEnumerable<string> ListDirectories(string dir)
        {
            string prefix = dir.Length == 0 ? "" : dir + "/";
            return _files.Keys.Where(k => k.StartsWith(prefix) && k.Length > prefix.Length)
                .Select(k => k.Substring(prefix.Length))
                .Where(rest => rest.Contains('/'))
                .Select(rest => rest.Substring(0, rest.IndexOf('/')))
                .Distinct();
        }
    }
}
