using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>
    /// Asks the installed npm's own modules (ini, env-replace, nerf-dart, parse-field, node:path) for
    /// answers, in one node process per batch. node and npm are required test peers (README, CI).
    /// </summary>
    public static class NodePeer
    {
        private static readonly Lazy<string> NpmRoot = new Lazy<string>(() =>
        {
            var install = NpmLocator.Locate(SystemPlatform.Instance, SystemPlatform.Instance.Environment);
            return install.NpmRoot ?? throw new InvalidOperationException("npm is a required test peer but was not found on PATH.");
        });

        public static string NpmRootPath => NpmRoot.Value;

        /// <summary>Each request is a JsObject with "op"; each answer is {ok: value} or {error: message}.</summary>
        public static List<JsObject> Ask(IReadOnlyList<JsObject> requests)
        {
            var script = Path.Combine(AppContext.BaseDirectory, "Support", "node-peer.js");
            var psi = new ProcessStartInfo("node", $"\"{script}\"")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8,
            };
            psi.Environment["NPMH_NPM_ROOT"] = NpmRoot.Value;
            using var process = Process.Start(psi)!;
            var utf8 = new UTF8Encoding(false);
            using (var stdin = new StreamWriter(process.StandardInput.BaseStream, utf8))
                stdin.Write(Js.Js.ToJson(requests.Cast<object?>().ToList()));
            var stderrTask = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException("node peer failed: " + stderrTask.Result);
            if (!JsJson.TryParse(output, out var parsed) || !(parsed is List<object?> answers))
                throw new InvalidOperationException("node peer returned unparseable output: " + output.Substring(0, Math.Min(200, output.Length)));
            return answers.Cast<JsObject>().ToList();
        }

        public static JsObject Request(string op, params (string Key, object? Value)[] fields)
        {
            var o = new JsObject { ["op"] = op };
            foreach (var f in fields) o[f.Key] = f.Value;
            return o;
        }

        public static JsObject EnvObject(IReadOnlyDictionary<string, string> env)
        {
            var o = new JsObject();
            foreach (var kv in env) o[kv.Key] = kv.Value;
            return o;
        }
    }
}
