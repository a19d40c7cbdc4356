using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>A file as it was at a git revision: its bytes and where they came from.</summary>
    internal sealed class GitRevisionFile
    {
        public GitRevisionFile(string revision, string commit, string relativePath, byte[] content)
        {
            Revision = revision;
            Commit = commit;
            RelativePath = relativePath;
            Content = content;
        }

        /// <summary>The revision as given (<c>origin/main</c>).</summary>
        public string Revision { get; }
        /// <summary>The commit it named when read.</summary>
        public string Commit { get; }
        /// <summary>The file's path from the repository root, with forward slashes.</summary>
        public string RelativePath { get; }
        public byte[] Content { get; }
        /// <summary><c>origin/main:package-lock.json</c>, as git spells a file at a revision.</summary>
        public string Display => Revision + ":" + RelativePath;
    }

    /// <summary>
    /// Reads a working-tree file's version at a revision (what <c>git show &lt;ref&gt;:&lt;path&gt;</c> prints) through git's
    /// plumbing, treating the revision and the repository as hostile.
    /// </summary>
    /// <remarks>
    /// <para>git runs with a quoted argument list, never through a shell. The revision is refused when it starts with '-'
    /// (an option to git) or holds control characters or ':', is passed after <c>--end-of-options</c>, and is resolved
    /// to a commit id first; the path is the file's own place in the repository as git reports it
    /// (<c>rev-parse --show-prefix</c> in its folder), so nothing outside the work tree can be named.</para>
    /// <para>The object is looked up with <c>cat-file --batch-check</c> (revision and path on standard input, not on the
    /// command line), its size checked against the limit before one byte is read, and read with
    /// <c>cat-file blob &lt;id&gt;</c>: unlike <c>git show</c>, plumbing never runs a textconv driver the repository's
    /// configuration names. Output is read with a cap, and git is killed when it runs longer than the timeout.</para>
    /// </remarks>
    internal static class GitRevisionReader
    {
        private static readonly Regex ObjectId = new Regex("^[0-9a-f]{40}([0-9a-f]{24})?$", RegexOptions.CultureInvariant);

        /// <summary>The git program; tests point it elsewhere.</summary>
        public static string GitProgram { get; set; } = "git";

        public static TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Null when <paramref name="revision"/> may be given to git, else why not.</summary>
        public static string? CheckRevision(string? revision)
        {
            if (string.IsNullOrWhiteSpace(revision)) return "it is empty";
            if (revision!.StartsWith("-", StringComparison.Ordinal)) return "it starts with '-', which git would read as an option";
            if (revision.Length > 256) return "it is longer than 256 characters";
            foreach (var ch in revision)
            {
                if (char.IsControl(ch)) return "it contains a control character";
                if (ch == ':') return "it contains ':' (give the revision only; the path is the lockfile's own)";
            }
            return null;
        }

        /// <summary>The content of <paramref name="path"/> (a file in a git work tree) at <paramref name="revision"/>, at most <paramref name="maxBytes"/> bytes.</summary>
        public static GitRevisionFile Read(string path, string revision, long maxBytes, CancellationToken cancellationToken = default)
        {
            if (CheckRevision(revision) is string why)
                throw new GitRevisionException(GitRevisionProblem.InvalidRevision, $"The revision '{Printable(revision)}' is refused: {why}.");
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full) ?? throw new GitRevisionException(GitRevisionProblem.NotARepository, $"'{full}' has no folder.");
            var name = Path.GetFileName(full);

            var prefix = Run(folder, new[] { "rev-parse", "--show-prefix" }, null, 4096, cancellationToken);
            if (prefix.Exit != 0)
                throw new GitRevisionException(GitRevisionProblem.NotARepository, $"'{folder}' is not inside a git work tree, so there is no earlier version of '{name}' to read ({FirstLine(prefix.Error)}).");
            var relative = Text(prefix.Output).TrimEnd('\r', '\n') + name;

            var commit = Run(folder, new[] { "rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}" }, null, 4096, cancellationToken);
            var id = Text(commit.Output).Trim();
            if (commit.Exit != 0 || !ObjectId.IsMatch(id))
                throw new GitRevisionException(GitRevisionProblem.RevisionNotFound, $"git knows no commit '{revision}' in the repository of '{folder}'. Fetch it first (git fetch origin), or name a branch, tag or commit that exists.");

            // "<commit>:<path>" on standard input: the path never becomes an argument
            var check = Run(folder, new[] { "cat-file", "--batch-check" }, id + ":" + relative + "\n", 4096, cancellationToken);
            var line = Text(check.Output).Trim();
            var parts = line.Split(' ');
            if (check.Exit != 0 || parts.Length != 3 || !ObjectId.IsMatch(parts[0]))
                throw new GitRevisionException(GitRevisionProblem.PathNotInRevision, $"'{relative}' does not exist at {revision} ({Short(id)}): the lockfile is new in this change, or was elsewhere then.");
            if (parts[1] != "blob")
                throw new GitRevisionException(GitRevisionProblem.PathNotInRevision, $"'{relative}' at {revision} ({Short(id)}) is a {parts[1]}, not a file.");
            if (!long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long size) || size > maxBytes)
                throw new GitRevisionException(GitRevisionProblem.TooLarge, $"'{relative}' at {revision} ({Short(id)}) is {parts[2]} bytes, above the {maxBytes}-byte limit for a lockfile; it was not read.");

            var blob = Run(folder, new[] { "cat-file", "blob", parts[0] }, null, maxBytes, cancellationToken);
            if (blob.Exit != 0 || blob.Output.Length != size)
                throw new GitRevisionException(GitRevisionProblem.Failed, $"git could not read '{relative}' at {revision} ({FirstLine(blob.Error)}).");
            return new GitRevisionFile(revision, id, relative, blob.Output);
        }

        private sealed class Result
        {
            public int Exit;
            public byte[] Output = Array.Empty<byte>();
            public string Error = "";
        }

        private static Result Run(string folder, string[] args, string? input, long maxOutput, CancellationToken cancellationToken)
        {
            var all = new string[args.Length + 2];
            all[0] = "-C";
            all[1] = folder;
            Array.Copy(args, 0, all, 2, args.Length);
            var psi = new ProcessStartInfo(GitProgram, Arguments(all))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
            };
            // no prompt for credentials, no optional lock files, messages in one language
            psi.EnvironmentVariables["GIT_TERMINAL_PROMPT"] = "0";
            psi.EnvironmentVariables["GIT_OPTIONAL_LOCKS"] = "0";
            psi.EnvironmentVariables["LC_ALL"] = "C";
            Process process;
            try { process = Process.Start(psi) ?? throw new GitRevisionException(GitRevisionProblem.GitNotFound, "git did not start."); }
            catch (Win32Exception e)
            {
                throw new GitRevisionException(GitRevisionProblem.GitNotFound, $"git could not be started ({e.Message}); -Base needs git on PATH. Compare two files with -ReferencePath instead.", e);
            }
            using (process)
            {
                var error = Task.Run(() => ReadCapped(process.StandardError.BaseStream, 8192));
                var output = Task.Run(() => ReadCapped(process.StandardOutput.BaseStream, maxOutput));
                try
                {
                    if (input != null) process.StandardInput.Write(input);
                    process.StandardInput.Close();
                }
                catch (IOException) { /* git exited before reading: its exit code says why */ }
                bool read, exited = false;
                using (cancellationToken.Register(() => Kill(process)))
                {
                    read = output.Wait(Timeout);
                    // past the cap git may be blocked writing to a pipe nobody reads: kill it rather than wait for it
                    if (read && !output.Result.Overflow) exited = process.WaitForExit((int)Timeout.TotalMilliseconds);
                }
                if (!exited)
                {
                    Kill(process);
                    cancellationToken.ThrowIfCancellationRequested();
                    bool overflow = read && output.Result.Overflow;
                    throw new GitRevisionException(overflow ? GitRevisionProblem.TooLarge : GitRevisionProblem.Failed,
                        overflow ? $"git wrote more than {maxOutput} bytes; the output was not read." : $"git did not finish within {Timeout.TotalSeconds:0} s.");
                }
                process.WaitForExit();
                error.Wait(TimeSpan.FromSeconds(5));
                return new Result
                {
                    Exit = process.ExitCode,
                    Output = output.Result.Bytes,
                    Error = error.IsCompleted ? Text(error.Result.Bytes) : "",
                };
            }
        }

        private static (byte[] Bytes, bool Overflow) ReadCapped(Stream stream, long max)
        {
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > max) return (Array.Empty<byte>(), true);
                buffer.Write(chunk, 0, n);
            }
            return (buffer.ToArray(), false);
        }

        private static void Kill(Process p)
        {
            try { if (!p.HasExited) p.Kill(); }
            catch (InvalidOperationException) { }
            catch (Win32Exception) { }
        }

        /// <summary>
        /// One command line from separate arguments, quoted the way both Windows (CommandLineToArgvW) and .NET on Unix
        /// split it again: a space, tab or quote puts the argument in quotes, backslashes before a quote are doubled.
        /// </summary>
        internal static string Arguments(string[] args)
        {
            var sb = new StringBuilder();
            foreach (var a in args)
            {
                if (sb.Length > 0) sb.Append(' ');
                if (a.Length > 0 && a.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) { sb.Append(a); continue; }
                sb.Append('"');
                for (int i = 0; i < a.Length; i++)
                {
                    int slashes = 0;
                    while (i < a.Length && a[i] == '\\') { slashes++; i++; }
                    if (i == a.Length) { sb.Append('\\', slashes * 2); break; }
                    if (a[i] == '"') sb.Append('\\', slashes * 2 + 1).Append('"');
                    else sb.Append('\\', slashes).Append(a[i]);
                }
                sb.Append('"');
            }
            return sb.ToString();
        }

        private static string Text(byte[] b) => Encoding.UTF8.GetString(b);

        private static string FirstLine(string s)
        {
            var t = s.Trim();
            int nl = t.IndexOf('\n');
            return (nl >= 0 ? t.Substring(0, nl) : t).TrimEnd('\r');
        }

        private static string Short(string id) => id.Substring(0, 12);

        private static string Printable(string? s)
        {
            if (s == null) return "";
            var sb = new StringBuilder();
            foreach (var ch in s.Length > 80 ? s.Substring(0, 80) : s) sb.Append(char.IsControl(ch) ? '?' : ch);
            return sb.ToString();
        }
    }
}
