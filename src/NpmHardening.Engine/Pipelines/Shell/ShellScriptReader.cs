using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines.Shell
{
    /// <summary>
    /// Splits a CI script into the simple commands a shell would run, without running anything.
    /// <code>
    /// ShellScript cmds = ShellScriptReader.Read(step.Script, step.Shell);     // Unknown is read as POSIX
    /// foreach (ShellCommand c in cmds)
    ///     foreach (NpmCommand n in NpmCommandClassifier.Classify(c))           // Publish, Install, NpmrcWrite …
    ///         … c.LineOffset (0-based line in the script), c.WorkingDirectory, c.TraceActive, n.TokenNames …
    /// </code>
    /// POSIX (bash/sh), PowerShell and cmd each have a tokenizer that knows their quoting, escapes, continuations,
    /// comments, separators, substitutions and redirections (<see cref="PosixScriptParser"/>,
    /// <see cref="PowerShellScriptParser"/>, <see cref="CmdScriptParser"/>). Commands inside <c>$( )</c>, backticks,
    /// subshells, blocks and <c>bash -c '…'</c> / <c>pwsh -c '…'</c> / <c>cmd /c …</c> strings are commands too
    /// (with <see cref="ShellCommand.Depth"/> &gt; 0). <c>cd</c>/<c>pushd</c>/<c>Set-Location</c> move
    /// <see cref="ShellCommand.WorkingDirectory"/> for later commands of the same script; <c>set -x</c>,
    /// <c>Set-PSDebug -Trace</c> and <c>echo on</c> set <see cref="ShellCommand.TraceActive"/>. Nothing here throws on
    /// bad syntax: the reader recovers, notes it in <see cref="ShellScript.Problem"/>, and keeps every limit of
    /// <see cref="ShellScriptBuilder"/> (commands, words, nesting), so a 5 MB hostile script is read in linear time.
    /// </summary>
    internal static class ShellScriptReader
    {
        private const int MaxInlineScriptDepth = 4;

        public static ShellScript Read(string? script, CiShell shell)
        {
            if (shell == CiShell.Unknown) shell = CiShell.Posix;
            var builder = new ShellScriptBuilder(script ?? "", shell);
            if (!string.IsNullOrEmpty(script)) Parse(script!, shell, builder);
            var commands = ExpandInlineScripts(builder.Commands, 0, ref builder.Truncated);
            builder.Commands.Clear();
            builder.Commands.AddRange(commands);
            return builder.Build();
        }

        private static void Parse(string script, CiShell shell, ShellScriptBuilder builder)
        {
            switch (shell)
            {
                case CiShell.PowerShell: new PowerShellScriptParser(script, builder).Parse(); break;
                case CiShell.Cmd: new CmdScriptParser(script, builder).Parse(); break;
                default: new PosixScriptParser(script, builder).Parse(); break;
            }
        }

        private static readonly HashSet<string> InlineShells = new HashSet<string>(StringComparer.Ordinal) { "bash", "sh", "zsh", "dash", "ksh", "pwsh", "powershell", "cmd" };

        /// <summary>The shell and script text of <c>bash -c '…'</c>, <c>pwsh -Command '…'</c>, <c>cmd /c …</c>; null otherwise.</summary>
        internal static (CiShell shell, string script)? InlineScript(ShellCommand command)
        {
            var w = command.Words;
            if (w.Count < 2) return null;
            // sudo -E bash -c …, env X=1 sh -c …, docker run … node:22 sh -c …: the shell after the wrapper
            var values = new List<string>(w.Count);
            foreach (var word in w) values.Add(word.Value);
            int start = NpmCommandClassifier.SkipWrappers(command, values, 0);
            if (start >= w.Count - 1) return null;
            string name = NpmCommandClassifier.ProgramName(w[start].Value, command.Shell);
            if ((name == "docker" || name == "podman" || name == "nerdctl") && (values[start + 1] == "run" || values[start + 1] == "exec"))
            {
                int shell = -1;
                for (int k = start + 2; k < w.Count - 1 && shell < 0; k++)
                    if (!values[k].StartsWith("-", StringComparison.Ordinal) && InlineShells.Contains(NpmCommandClassifier.ProgramName(values[k], command.Shell)) && values[k + 1].StartsWith("-", StringComparison.Ordinal))
                        shell = k;
                if (shell < 0) return null;
                start = shell;
                name = NpmCommandClassifier.ProgramName(w[start].Value, command.Shell);
            }
            switch (name)
            {
                case "bash": case "sh": case "zsh": case "dash": case "ksh":
                    for (int i = start + 1; i < w.Count - 1; i++)
                    {
                        var a = w[i].Value;
                        if (a.Length >= 2 && a[0] == '-' && a[1] != '-' && a.IndexOf('c') > 0) return (CiShell.Posix, w[i + 1].Value);
                        if (a.Length == 0 || (a[0] != '-' && a[0] != '+')) return null;
                        // -o pipefail, -euo pipefail: an option cluster ending in o takes the next word
                        if (a.Length >= 2 && a[a.Length - 1] == 'o' && (a[0] == '+' || a[1] != '-')) i++;
                    }
                    return null;
                case "pwsh": case "powershell":
                    for (int i = start + 1; i < w.Count - 1; i++)
                    {
                        var a = w[i].Value;
                        if (a.Equals("-c", StringComparison.OrdinalIgnoreCase) || a.Equals("-command", StringComparison.OrdinalIgnoreCase)
                            || a.Equals("-Command", StringComparison.Ordinal))
                        {
                            var parts = new List<string>();
                            for (int k = i + 1; k < w.Count; k++) parts.Add(w[k].Value);
                            return (CiShell.PowerShell, string.Join(" ", parts));
                        }
                        if (!a.StartsWith("-", StringComparison.Ordinal)) return null;
                        if (a.Equals("-ExecutionPolicy", StringComparison.OrdinalIgnoreCase) || a.Equals("-ep", StringComparison.OrdinalIgnoreCase)) i++;
                    }
                    return null;
                case "cmd":
                    for (int i = start + 1; i < w.Count - 1; i++)
                    {
                        var a = w[i].Value;
                        if (a.Equals("/c", StringComparison.OrdinalIgnoreCase) || a.Equals("/k", StringComparison.OrdinalIgnoreCase))
                        {
                            var parts = new List<string>();
                            for (int k = i + 1; k < w.Count; k++) parts.Add(w[k].Value);
                            return (CiShell.Cmd, string.Join(" ", parts));
                        }
                        if (!a.StartsWith("/", StringComparison.Ordinal)) return null;
                    }
                    return null;
            }
            return null;
        }

        // Inserts the commands of inline scripts right after the command that runs them, on that command's line,
        // in its directory, one level deeper.
        private static List<ShellCommand> ExpandInlineScripts(List<ShellCommand> commands, int level, ref bool truncated)
        {
            var result = new List<ShellCommand>(commands.Count);
            foreach (var c in commands)
            {
                result.Add(c);
                if (level >= MaxInlineScriptDepth) continue;
                var inline = InlineScript(c);
                if (inline == null || inline.Value.script.Length == 0) continue;
                var inner = new ShellScriptBuilder(inline.Value.script, inline.Value.shell) { WorkingDirectory = c.WorkingDirectory, Trace = c.TraceActive };
                Parse(inline.Value.script, inline.Value.shell, inner);
                if (inner.Truncated) truncated = true;
                var expanded = ExpandInlineScripts(inner.Commands, level + 1, ref truncated);
                foreach (var ic in expanded)
                {
                    if (result.Count >= ShellScriptBuilder.MaxCommands) { truncated = true; break; }
                    ic.LineOffset = c.LineOffset;
                    ic.Depth += c.Depth + 1;
                    var merged = new List<ShellAssignment>(c.Assignments);
                    merged.AddRange(ic.Assignments);
                    ic.Assignments = merged;
                    result.Add(ic);
                }
            }
            return result;
        }
    }
}
