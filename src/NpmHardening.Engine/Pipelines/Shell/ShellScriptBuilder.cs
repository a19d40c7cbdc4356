using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>State the three shell parsers share: the output list, limits, the line index, the working directory,
    /// persisting assignments and the trace flag.</summary>
    internal sealed class ShellScriptBuilder
    {
        public const int MaxCommands = 100_000;
        public const int MaxWordsPerCommand = 4_096;
        public const int MaxDepth = 32;
        /// <summary>Words longer than this keep a prefix only (a 5 MB word is never a command name or a flag).</summary>
        public const int MaxWordLength = 64 * 1024;

        private readonly string _script;
        private int[]? _lineStarts;
        public readonly List<ShellCommand> Commands = new List<ShellCommand>();
        public readonly List<ShellAssignment> Persisting = new List<ShellAssignment>();
        public bool Truncated;
        public string? Problem;
        public bool Trace;
        public string? WorkingDirectory;
        private readonly Stack<string?> _pushd = new Stack<string?>();

        public ShellScriptBuilder(string script, CiShell shell) { _script = script; Shell = shell; }

        public CiShell Shell { get; }
        public bool Full => Commands.Count >= MaxCommands;

        public void NoteProblem(string problem) { if (Problem == null) Problem = problem; }

        public int LineOf(int offset)
        {
            if (_lineStarts == null)
            {
                var starts = new List<int> { 0 };
                for (int i = 0; i < _script.Length; i++) if (_script[i] == '\n') starts.Add(i + 1);
                _lineStarts = starts.ToArray();
            }
            int idx = Array.BinarySearch(_lineStarts, offset);
            return idx >= 0 ? idx : ~idx - 1;
        }

        /// <summary>Adds a command (unless full); applies its effect on the working directory, trace flag and assignments.</summary>
        public ShellCommand? Emit(int start, int end, List<ShellWord> words, List<ShellRedirection>? redirections,
                                  List<ShellAssignment>? prefix, int depth, ShellCommand? pipedFrom)
        {
            if (Full) { Truncated = true; return null; }
            while (end > start && (_script[end - 1] == ' ' || _script[end - 1] == '\t' || _script[end - 1] == '\r' || _script[end - 1] == '\n')) end--;
            var cmd = new ShellCommand(_script, start, end, LineOf(start), Shell)
            {
                Words = words.ToArray(),
                Redirections = redirections == null ? (IReadOnlyList<ShellRedirection>)new ShellRedirection[0] : redirections.ToArray(),
                WorkingDirectory = WorkingDirectory,
                TraceActive = Trace,
                Depth = depth,
                PipedFrom = pipedFrom,
            };
            bool onlyAssignments = words.Count == 0 && prefix != null && prefix.Count > 0;
            var assignments = new List<ShellAssignment>(Persisting);
            if (prefix != null)
                foreach (var a in prefix)
                    assignments.Add(onlyAssignments ? new ShellAssignment(a.Name, a.Value, true) : a);
            cmd.Assignments = assignments;
            Commands.Add(cmd);
            if (onlyAssignments) foreach (var a in prefix!) Persisting.Add(new ShellAssignment(a.Name, a.Value, true));
            return cmd;
        }

        public void AddPersisting(ShellAssignment a) => Persisting.Add(a);

        public void ChangeDirectory(string? target)
        {
            WorkingDirectory = ShellPath.Join(WorkingDirectory, target);
        }

        public void PushDirectory(string? target)
        {
            if (_pushd.Count < 1024) _pushd.Push(WorkingDirectory);
            ChangeDirectory(target);
        }

        public void PopDirectory()
        {
            if (_pushd.Count > 0) WorkingDirectory = _pushd.Pop();
        }

        /// <summary>A copy of the directory and trace state, restored when a subshell ends.</summary>
        public (string? wd, bool trace, int persisting) Save() => (WorkingDirectory, Trace, Persisting.Count);

        public void Restore((string? wd, bool trace, int persisting) state)
        {
            WorkingDirectory = state.wd;
            Trace = state.trace;
            if (Persisting.Count > state.persisting) Persisting.RemoveRange(state.persisting, Persisting.Count - state.persisting);
        }

        public ShellScript Build() => new ShellScript(Shell, Commands, Truncated, Problem);
    }
}
