using System;
using System.Collections.Generic;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Shell;

namespace NpmHardening.Engine.Packages
{
    /// <summary>
    /// Whether a package.json script downloads something and runs it: a fetcher piped into an interpreter
    /// (<c>curl … | sh</c>), a fetch inside a command substitution next to an interpreter (<c>sh -c "$(curl …)"</c>),
    /// or a fetch to a file that a later command makes executable or runs. Read with the module's shell parser (npm
    /// runs scripts with sh), so quoting and comments do not fool it.
    /// </summary>
    internal static class ScriptDownloadCheck
    {
        private static readonly HashSet<string> Fetchers = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "curl", "wget", "iwr", "invoke-webrequest", "irm", "invoke-restmethod", "fetch", "aria2c",
        };

        private static readonly HashSet<string> Interpreters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "sh", "bash", "zsh", "dash", "ksh", "node", "python", "python3", "perl", "ruby", "iex", "invoke-expression",
            "pwsh", "powershell", "cmd", "source", ".",
        };

        /// <summary>A short description of the download-and-execute, or null when the script has none.</summary>
        public static string? Find(string script)
        {
            var commands = ShellScriptReader.Read(script, CiShell.Posix);
            bool fetchedToFile = false, nestedFetch = false, interpreter = false;
            foreach (var c in commands)
            {
                var name = Name(c);
                if (name == null) continue;
                if (Fetchers.Contains(name))
                {
                    var next = c.PipedTo != null ? Name(c.PipedTo) : null;
                    if (next != null && Interpreters.Contains(next)) return name + " piped into " + next;
                    if (c.Depth > 0) nestedFetch = true;
                    if (WritesFile(c)) fetchedToFile = true;
                    continue;
                }
                if (Interpreters.Contains(name))
                {
                    interpreter = true;
                    if (fetchedToFile) return "a downloaded file run by " + name;
                }
                if (fetchedToFile && (name == "chmod" || name.StartsWith("./", StringComparison.Ordinal)))
                    return "a downloaded file made executable or run (" + name + ")";
            }
            if (nestedFetch && interpreter) return "a download's output run by an interpreter";
            return null;
        }

        private static string? Name(ShellCommand c)
        {
            if (c.Words.Count == 0) return null;
            var word = c.Words[0].Value;
            int slash = word.LastIndexOf('/');
            // keep "./x" as written: running a file from the current folder is what we look for
            if (word.StartsWith("./", StringComparison.Ordinal)) return word;
            return slash >= 0 ? word.Substring(slash + 1) : word;
        }

        private static bool WritesFile(ShellCommand c)
        {
            if (c.Redirections.Count > 0) return true;
            foreach (var w in c.Words)
            {
                var v = w.Value;
                if (v == "-o" || v == "-O" || v == "--output" || v == "-OutFile" || v.StartsWith("--output=", StringComparison.Ordinal) ||
                    v.StartsWith("-o", StringComparison.Ordinal) && v.Length > 2 && c.Words[0].Value == "curl")
                    return true;
            }
            // wget saves to a file by default unless told to write to stdout
            return Name(c)?.Equals("wget", StringComparison.OrdinalIgnoreCase) == true;
        }
    }
}
