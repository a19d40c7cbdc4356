using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>What npm reported for one configuration (either peer).</summary>
    public sealed class NpmAnswer
    {
        /// <summary>npm failed to load the configuration (message), or null.</summary>
        public string? Error { get; set; }
        /// <summary>key → (where, JSON.stringify(value) or null for undefined, printed by config ls).</summary>
        public Dictionary<string, (string? Where, string? Json, bool Printed)> Keys { get; } =
            new Dictionary<string, (string?, string?, bool)>(StringComparer.Ordinal);
        /// <summary>key → the JSON npm config ls prints when its display redaction masks part of the value.</summary>
        public Dictionary<string, string> Shown { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>The installed node/npm, and the two ways of asking them.</summary>
    public sealed class NpmPeers
    {
        public NpmPeers()
        {
            var install = NpmLocator.Locate(SystemPlatform.Instance, SystemPlatform.Instance.Environment);
            NodePath = install.NodePath ?? throw new InvalidOperationException("node is a required test peer but was not found on PATH.");
            NpmRoot = install.NpmRoot ?? throw new InvalidOperationException("npm is a required test peer but was not found on PATH.");
            NpmVersion = install.NpmVersion ?? "?";
            NodeVersion = install.NodeVersion ?? "?";
            // PATH with node's folder only: the engine locates the same node/npm from it, npm finds node for scripts.
            PathVariable = Path.GetDirectoryName(NodePath)!;
            NodePrefix = Path.GetDirectoryName(Path.GetDirectoryName(NodePath)!)!;
        }

        public string NodePath { get; }
        public string NpmRoot { get; }
        public string NpmVersion { get; }
        public string NodeVersion { get; }
        public string PathVariable { get; }
        public string NodePrefix { get; }

        public static readonly string[] ListArgs = { "config", "ls", "-l", "--json" };

        /// <summary>
        /// A copy of the installed npm with <paramref name="builtinNpmrc"/> as its builtin config, laid out like a
        /// Unix install (<c>bin/node</c>, <c>bin/npm</c> → <c>lib/node_modules/npm/bin/npm-cli.js</c>).
        /// Returns the copy's npm root and the PATH that finds it.
        /// </summary>
        public (string NpmRoot, string PathVariable) CopyWithBuiltin(string prefix, string builtinNpmrc)
        {
            var root = Path.Combine(prefix, "lib", "node_modules", "npm");
            // Hard links are much faster than copying ~2,000 files and still give the copy its own real path
            // (node resolves symlinks, so a symlinked npm would find its builtin npmrc in the original). Nothing
            // writes into npm's own files; the new npmrc is a new file. Full copy where links are impossible.
            Directory.CreateDirectory(Path.GetDirectoryName(root)!);
            if (!HardLinkCopy(NpmRoot, root)) CopyTree(NpmRoot, root);
            File.WriteAllText(Path.Combine(root, "npmrc"), builtinNpmrc, new UTF8Encoding(false));
            var bin = Path.Combine(prefix, "bin");
            Directory.CreateDirectory(bin);
            File.CreateSymbolicLink(Path.Combine(bin, "node"), NodePath);
            File.CreateSymbolicLink(Path.Combine(bin, "npm"), Path.Combine("..", "lib", "node_modules", "npm", "bin", "npm-cli.js"));
            return (root, bin);
        }

        private static bool HardLinkCopy(string from, string to)
        {
            if (OperatingSystem.IsWindows()) return false;
            try
            {
                var psi = new ProcessStartInfo("cp") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var a in new[] { "-al", from, to }) psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!;
                p.StandardOutput.ReadToEnd();
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode == 0) return true;
            }
            catch (System.ComponentModel.Win32Exception) { }
            if (Directory.Exists(to)) Directory.Delete(to, true);
            return false;
        }

        private static void CopyTree(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
            {
                var target = Path.Combine(to, entry.Name);
                if (entry.LinkTarget != null)
                {
                    if (entry is DirectoryInfo) Directory.CreateSymbolicLink(target, entry.LinkTarget);
                    else File.CreateSymbolicLink(target, entry.LinkTarget);
                }
                else if (entry is DirectoryInfo) CopyTree(entry.FullName, target);
                else File.Copy(entry.FullName, target);
            }
        }

        /// <summary>
        /// Runs one of the Agreement/*.js peers with node: the requests as a JSON array on stdin, one answer
        /// object per request on stdout; only PATH (node's folder) and NPMH_NPM_ROOT in its environment.
        /// </summary>
        public List<JsObject> RunScript(string scriptName, List<object?> requests)
        {
            var psi = new ProcessStartInfo(NodePath) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Agreement", scriptName));
            psi.Environment.Clear();
            psi.Environment["PATH"] = PathVariable;
            psi.Environment["NPMH_NPM_ROOT"] = NpmRoot;
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using (var stdin = new StreamWriter(process.StandardInput.BaseStream, new UTF8Encoding(false)))
                stdin.Write(Js.Js.ToJson(requests));
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException(scriptName + " failed: " + stderr.Result);
            if (!JsJson.TryParse(stdout.Result, out var parsed) || !(parsed is List<object?> answers) || answers.Count != requests.Count)
                throw new InvalidOperationException(scriptName + " returned unusable output: " + Truncate(stdout.Result));
            return answers.Cast<JsObject>().ToList();
        }

        /// <summary>Peer 2: npm-layers.js, one node process for the whole batch.</summary>
        public List<NpmAnswer> LoadLayers(IReadOnlyList<(string Cwd, IReadOnlyDictionary<string, string> Env, IReadOnlyList<string> Argv, string NpmRoot)> batch)
        {
            var requests = new List<object?>();
            foreach (var (cwd, env, argv, npmRoot) in batch)
            {
                var e = new JsObject();
                foreach (var kv in env) e[kv.Key] = kv.Value;
                requests.Add(new JsObject { ["cwd"] = cwd, ["env"] = e, ["argv"] = argv.Cast<object?>().ToList(), ["npmRoot"] = npmRoot });
            }
            var answers = RunScript("npm-layers.js", requests);
            var result = new List<NpmAnswer>();
            foreach (JsObject a in answers)
            {
                var answer = new NpmAnswer();
                if (a["error"] is string err) answer.Error = err;
                else if (a["keys"] is JsObject keys)
                    foreach (var k in keys.Keys)
                    {
                        var entry = (JsObject)keys[k]!;
                        answer.Keys[k] = (entry["where"] as string, entry["json"] as string, entry["printed"] is bool b && b);
                        if (entry["shown"] is string shown) answer.Shown[k] = shown;
                    }
                result.Add(answer);
            }
            return result;
        }

        /// <summary>Peer 1: the real <c>npm config ls -l --json</c> (node bin/npm-cli.js …), with exactly this environment.</summary>
        public async Task<(NpmAnswer Answer, string Raw)> ConfigList(string npmRoot, string cwd, IReadOnlyDictionary<string, string> env, IEnumerable<string> extraArgs, CancellationToken ct)
        {
            var psi = new ProcessStartInfo(NodePath) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd, StandardOutputEncoding = Encoding.UTF8 };
            psi.ArgumentList.Add(Path.Combine(npmRoot, "bin", "npm-cli.js"));
            foreach (var a in ListArgs.Concat(extraArgs)) psi.ArgumentList.Add(a);
            psi.Environment.Clear();
            foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
            using var process = Process.Start(psi)!;
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(ct);
            var stdout = await process.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                try { await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { try { process.Kill(true); } catch (InvalidOperationException) { } throw new TimeoutException("npm config ls did not finish in 60 s in " + cwd); }
            }
            var answer = new NpmAnswer();
            // A listing with exit code 1 still counts: with expect-results / expect-result-count set, npm's
            // checkExpected (base-cmd.js) fails every command after it ran, config ls included.
            // with --json, npm prints a failure as {"error": {code, summary, detail}} on stdout
            var conf = JsJson.TryParse(stdout, out var parsed) ? parsed as JsObject : null;
            if (conf == null || process.ExitCode != 0 && conf.Count == 1 && conf["error"] is JsObject)
            {
                if (process.ExitCode == 0) throw new InvalidOperationException("npm config ls -l --json printed no JSON object: " + Truncate(stdout));
                answer.Error = $"exit {process.ExitCode}: {Truncate(stdout.Trim())} {Truncate(await stderr.ConfigureAwait(false))}";
                return (answer, stdout);
            }
            foreach (var k in conf.Keys) answer.Keys[k] = (null, Js.Js.ToJson(conf[k]), true);
            return (answer, stdout);
        }

        private static string Truncate(string s) => s.Length > 600 ? s.Substring(0, 600) + "…" : s;
    }
}
