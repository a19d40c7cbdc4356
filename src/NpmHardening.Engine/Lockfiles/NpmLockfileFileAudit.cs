using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>What <see cref="Analyzers.LockfileAnalyzer.AnalyzeFile"/> found in one lockfile file.</summary>
    public sealed class NpmLockfileFileAudit
    {
        internal NpmLockfileFileAudit(NpmLockfile lockfile, int entries, IReadOnlyList<NpmFinding> findings, bool streamed)
        {
            Lockfile = lockfile;
            Entries = entries;
            Findings = findings;
            Streamed = streamed;
        }

        /// <summary>The header (path, version, problems); its Entries are empty when the file was streamed.</summary>
        public NpmLockfile Lockfile { get; }
        /// <summary>Entries in the file (the root included), as Lockfile.Entries.Count would count them.</summary>
        public int Entries { get; }
        /// <summary>The findings, in the order <see cref="Analyzers.LockfileAnalyzer.Analyze"/> gives them for the same file.</summary>
        public IReadOnlyList<NpmFinding> Findings { get; }
        /// <summary>Whether the entries were judged as they were read (true) or the file needed the full model (a v1 tree, a duplicate key).</summary>
        public bool Streamed { get; }
    }
}
