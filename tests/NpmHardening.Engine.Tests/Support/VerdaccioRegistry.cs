using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>
    /// A real Verdaccio (tests/verdaccio/package.json, installed by build.ps1 -Task Bootstrap into .tools/verdaccio)
    /// on a free 127.0.0.1 port with a temporary config, storage and htpasswd. Its JSON log (stdout, level http)
    /// is kept: each incoming request is logged with its headers, the Authorization value shown as "&lt;Classified&gt;".
    /// </summary>
    public sealed class VerdaccioRegistry : IDisposable
    {
        private readonly Process _process;
        private readonly string _folder;
        private readonly ConcurrentQueue<string> _log = new();

        public VerdaccioRegistry()
        {
            var bin = Path.Combine(RepoRoot(), ".tools", "verdaccio", "node_modules", "verdaccio", "bin", "verdaccio");
            if (!File.Exists(bin))
                throw new InvalidOperationException($"Verdaccio is not installed at {bin}. Run: dotnet pwsh -NoProfile -File ./build.ps1 -Task Bootstrap");
            _folder = Path.Combine(Path.GetTempPath(), "npmh-verdaccio-" + Guid.NewGuid().ToString("n"));
            Directory.CreateDirectory(_folder);
            Port = FreePort();
            var config = Path.Combine(_folder, "config.yaml");
            File.WriteAllText(config, string.Join("\n",
                $"storage: {Path.Combine(_folder, "storage")}",
                "auth:",
                "  htpasswd:",
                $"    file: {Path.Combine(_folder, "htpasswd")}",
                "    max_users: 100",
                "uplinks: {}",
                "packages:",
                "  '**':",
                "    access: $authenticated",
                "    publish: $authenticated",
                $"listen: 127.0.0.1:{Port}",
                "log: { type: stdout, format: json, level: http }",
                ""));
            var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(bin);
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(config);
            _process = Process.Start(psi)!;
            _process.OutputDataReceived += (_, e) => { if (e.Data != null) _log.Enqueue(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data != null) _log.Enqueue(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            WaitUntilUp();
        }

        public int Port { get; }
        public string Url => $"http://127.0.0.1:{Port}/";
        public string Scope => $"//127.0.0.1:{Port}/";

        /// <summary>Log lines of incoming requests (Verdaccio's "requested" entries), in order; <see cref="Settle"/>'s own
        /// marker requests left out.</summary>
        public string[] RequestLog => _log.Where(l => (l.Contains("\"requested ", StringComparison.Ordinal) || l.Contains("requested '", StringComparison.Ordinal))
                                                      && !l.Contains(SettleMarker, StringComparison.Ordinal)).ToArray();

        private const string SettleMarker = "npmh-settle=";

        /// <summary>
        /// Returns once every request that reached Verdaccio before this call is in <see cref="RequestLog"/>: it sends a
        /// marker request and waits for the marker's log line. Verdaccio logs a request as it arrives, on one ordered
        /// stdout pipe, so anything earlier is logged before the marker. A fixed sleep is not enough on a loaded machine.
        /// </summary>
        public void Settle()
        {
            var marker = SettleMarker + Guid.NewGuid().ToString("n");
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) })
                http.GetAsync($"{Url}-/ping?{marker}").GetAwaiter().GetResult().Dispose();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!_log.Any(l => l.Contains(marker, StringComparison.Ordinal)))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("Verdaccio's log did not show the marker request within 30 s");
                Thread.Sleep(20);
            }
        }

        /// <summary>How many requests arrived with an Authorization header (of any value).</summary>
        public int AuthorizedRequests => RequestLog.Count(l => l.Contains("\"authorization\":", StringComparison.OrdinalIgnoreCase));

        /// <summary>PUT /-/user/org.couchdb.user:NAME (npm adduser): creates the user, returns its login token.</summary>
        public string AddUser(string name, string password)
        {
            using var http = new HttpClient();
            var body = new StringContent($"{{\"name\":\"{name}\",\"password\":\"{password}\"}}", Encoding.UTF8, "application/json");
            var response = http.PutAsync($"{Url}-/user/org.couchdb.user:{name}", body).GetAwaiter().GetResult();
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode || !JsJson.TryParse(text, out var parsed) || !(parsed is JsObject o) || !(o["token"] is string token))
                throw new InvalidOperationException($"adduser {name} failed: {(int)response.StatusCode} {text}");
            return token;
        }

        /// <summary>POST /-/npm/v1/tokens (npm token create) with the user's password: a second token of the user.</summary>
        public (string Token, string Key) CreateToken(string loginToken, string password, bool readOnly)
        {
            using var http = new HttpClient();
            var request = new HttpRequestMessage(HttpMethod.Post, $"{Url}-/npm/v1/tokens")
            {
                Content = new StringContent($"{{\"password\":\"{password}\",\"readonly\":{(readOnly ? "true" : "false")},\"cidr_whitelist\":[]}}", Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + loginToken);
            var response = http.SendAsync(request).GetAwaiter().GetResult();
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode || !JsJson.TryParse(text, out var parsed) || !(parsed is JsObject o) || !(o["token"] is string token) || !(o["key"] is string key))
                throw new InvalidOperationException($"token create failed: {(int)response.StatusCode}");
            return (token, key);
        }

        private void WaitUntilUp()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                if (_process.HasExited) throw new InvalidOperationException("Verdaccio exited: " + string.Join("\n", _log.TakeLast(20)));
                try
                {
                    if (http.GetAsync($"{Url}-/ping").GetAwaiter().GetResult().IsSuccessStatusCode) return;
                }
                catch (HttpRequestException) { }
                catch (System.Threading.Tasks.TaskCanceledException) { }
                Thread.Sleep(150);
            }
            throw new TimeoutException("Verdaccio did not answer /-/ping within 60 s: " + string.Join("\n", _log.TakeLast(20)));
        }

        private static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        public void Dispose()
        {
            try { if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } }
            catch (InvalidOperationException) { }
            _process.Dispose();
            try { Directory.Delete(_folder, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        internal static string RepoRoot([CallerFilePath] string here = "")
        {
            var dir = Path.GetDirectoryName(here);
            while (dir != null && !File.Exists(Path.Combine(dir, "NpmHardening.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("repository root not found from " + here);
        }
    }
}
