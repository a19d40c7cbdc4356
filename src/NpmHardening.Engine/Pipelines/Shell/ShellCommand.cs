using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>One word of a command after quote removal. Expansions are kept as written (<c>$NPM_TOKEN</c>,
    /// <c>${{ secrets.NPM_TOKEN }}</c>, <c>$(cmd)</c>) because nothing is evaluated; <see cref="References"/> names them.</summary>
    internal sealed class ShellWord
    {
        internal static readonly IReadOnlyList<ShellVariableReference> NoReferences = new ShellVariableReference[0];

        public ShellWord(string value, bool quoted, IReadOnlyList<ShellVariableReference>? references)
        {
            Value = value;
            Quoted = quoted;
            References = references ?? NoReferences;
        }

        /// <summary>The word with quotes and escapes removed; expansions as written.</summary>
        public string Value { get; }
        /// <summary>Some part of the word was quoted or escaped, so a reserved word or operator spelled this way is literal.</summary>
        public bool Quoted { get; }
        /// <summary>Variables and platform expressions the word expands (in order, duplicates kept).</summary>
        public IReadOnlyList<ShellVariableReference> References { get; }
        public override string ToString() => Value;
    }

    internal enum ShellRedirectionKind
    {
        /// <summary><c>&gt;</c>, <c>&gt;|</c>, <c>&amp;&gt;</c>, PowerShell <c>*&gt;</c>: the file is replaced.</summary>
        Write,
        /// <summary><c>&gt;&gt;</c>, <c>&amp;&gt;&gt;</c>: the file is appended to.</summary>
        Append,
        /// <summary><c>&lt;</c>: the file is read.</summary>
        Read,
        /// <summary><c>2&gt;&amp;1</c>, <c>&gt;&amp;2</c>: a stream is joined to another; <see cref="ShellRedirection.Target"/> is the descriptor.</summary>
        Duplicate,
        /// <summary><c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>: the body is in <see cref="ShellCommand.HeredocBody"/>.</summary>
        Heredoc,
        /// <summary><c>&lt;&lt;&lt; word</c>: the word is the input.</summary>
        HereString,
    }

    internal sealed class ShellRedirection
    {
        public ShellRedirection(ShellRedirectionKind kind, int descriptor, ShellWord target)
        {
            Kind = kind; Descriptor = descriptor; Target = target;
        }
        public ShellRedirectionKind Kind { get; }
        /// <summary>The stream redirected (1 stdout, 2 stderr, 0 stdin, -1 all streams: <c>&amp;&gt;</c>, <c>*&gt;</c>).</summary>
        public int Descriptor { get; }
        /// <summary>The file, descriptor or heredoc delimiter (quote-removed).</summary>
        public ShellWord Target { get; }
        /// <summary>Output lands in a file (not a descriptor, not <c>/dev/null</c>, <c>$null</c> or <c>NUL</c>).</summary>
        public bool WritesFile
        {
            get
            {
                if (Kind != ShellRedirectionKind.Write && Kind != ShellRedirectionKind.Append) return false;
                var t = Target.Value;
                return !(t == "/dev/null" || t == "$null" || string.Equals(t, "nul", StringComparison.OrdinalIgnoreCase)
                         || t == "/dev/stdout" || t == "/dev/stderr");
            }
        }
    }

    /// <summary>A variable a command sets: <c>X=1 cmd</c> (for that command), <c>export X=1</c> or <c>X=1</c> alone (for the rest of the script),
    /// PowerShell <c>$env:X = …</c>, cmd <c>set X=…</c>.</summary>
    internal sealed class ShellAssignment
    {
        public ShellAssignment(string name, ShellWord value, bool persists) { Name = name; Value = value; Persists = persists; }
        public string Name { get; }
        public ShellWord Value { get; }
        /// <summary>Set for the following commands of the script, not only for the command it prefixes.</summary>
        public bool Persists { get; }
    }

    /// <summary>One simple command of a script (a pipeline element, a list element, a command inside <c>$( )</c>).</summary>
    internal sealed class ShellCommand
    {
        private readonly string _script;
        private readonly int _start;
        private readonly int _end;

        internal ShellCommand(string script, int start, int end, int lineOffset, CiShell shell)
        {
            _script = script; _start = start; _end = end; LineOffset = lineOffset; Shell = shell;
        }

        /// <summary>Words after quote removal; the first is the command name. Empty for an assignment-only command.</summary>
        public IReadOnlyList<ShellWord> Words { get; internal set; } = new ShellWord[0];
        /// <summary>The command as written in the script (without its heredoc body).</summary>
        public string Text => _script.Substring(_start, _end - _start);
        /// <summary>Offset of the command's first character in the script.</summary>
        public int Offset => _start;
        /// <summary>0-based line of the script on which the command starts.</summary>
        public int LineOffset { get; internal set; }
        public CiShell Shell { get; }
        public IReadOnlyList<ShellRedirection> Redirections { get; internal set; } = new ShellRedirection[0];
        /// <summary>The heredoc's text, when the command has one (the last one, when it has several).</summary>
        public string? HeredocBody { get; internal set; }
        /// <summary>The heredoc delimiter was quoted (<c>&lt;&lt;'EOF'</c>), so the shell does not expand the body.</summary>
        public bool HeredocQuoted { get; internal set; }
        /// <summary>Directory the command runs in, relative to the directory the script started in ('/'-separated, no leading
        /// "./"); null for the starting directory. An absolute path or one starting with a variable is kept as written.</summary>
        public string? WorkingDirectory { get; internal set; }
        /// <summary>Assignments in effect: the script's persisting ones so far, then this command's own prefix assignments.</summary>
        public IReadOnlyList<ShellAssignment> Assignments { get; internal set; } = new ShellAssignment[0];
        /// <summary>Command tracing (<c>set -x</c>, <c>Set-PSDebug -Trace 1</c>, <c>echo on</c>) is on when this command runs.</summary>
        public bool TraceActive { get; internal set; }
        /// <summary>The command writing into this one's standard input (<c>a | b</c>: a for b), or null.</summary>
        public ShellCommand? PipedFrom { get; internal set; }
        /// <summary>The command reading this one's standard output (<c>a | b</c>: b for a), or null.</summary>
        public ShellCommand? PipedTo { get; internal set; }
        /// <summary>Nesting: 0 for a top-level command, 1 inside one <c>$( )</c>/backticks/<c>bash -c</c>, and so on.</summary>
        public int Depth { get; internal set; }

        /// <summary>The word values (convenience for matching).</summary>
        public IReadOnlyList<string> Arguments
        {
            get
            {
                var a = new string[Words.Count];
                for (int i = 0; i < a.Length; i++) a[i] = Words[i].Value;
                return a;
            }
        }

        public override string ToString() => LineOffset + ": " + (Text.Length > 200 ? Text.Substring(0, 200) + "…" : Text);
    }

    /// <summary>The commands of a script, in the order the shell meets them (a command substitution's commands come before the
    /// command that contains them, as the shell runs them first).</summary>
    internal sealed class ShellScript : IReadOnlyList<ShellCommand>
    {
        private readonly List<ShellCommand> _commands;
        internal ShellScript(CiShell shell, List<ShellCommand> commands, bool truncated, string? problem)
        {
            Shell = shell; _commands = commands; Truncated = truncated; Problem = problem;
        }
        public CiShell Shell { get; }
        /// <summary>The script held more commands, words or nesting than the reader keeps; later commands are missing.</summary>
        public bool Truncated { get; }
        /// <summary>A syntax problem the reader worked around (an unterminated quote or heredoc), or null. Never contains script text.</summary>
        public string? Problem { get; }
        public int Count => _commands.Count;
        public ShellCommand this[int index] => _commands[index];
        public IEnumerator<ShellCommand> GetEnumerator() => _commands.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _commands.GetEnumerator();
    }
}
