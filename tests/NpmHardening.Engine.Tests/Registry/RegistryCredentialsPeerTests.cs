using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>Which credential goes with which request URL: our lookup beside npm-registry-fetch's own getAuth.</summary>
    public class RegistryCredentialsPeerTests
    {
        private static readonly string Pw = Convert.ToBase64String(Encoding.UTF8.GetBytes("pässword"));

        public static IEnumerable<object[]> Cases()
        {
            object[] C(string uri, params string[] kv) => new object[] { uri, kv };
            yield return C("https://r.example/npm/-/whoami", "//r.example/:_authToken", "T-root", "//r.example/npm/:_authToken", "T-npm");
            yield return C("https://r.example/other/-/whoami", "//r.example/:_authToken", "T-root", "//r.example/npm/:_authToken", "T-npm");
            yield return C("https://r.example/npm/-/whoami", "//r.example/npm:_auth", "YWxpY2U6cHc=");
            yield return C("https://r.example/-/npm/v1/user", "//r.example/:username", "alice", "//r.example/:_password", Pw);
            yield return C("https://r.example/-/whoami", "registry", "https://r.example/npm/", "//r.example/npm/:_authToken", "T-registry");
            yield return C("https://evil.example/-/whoami", "registry", "https://r.example/", "//r.example/:_authToken", "T");
            yield return C("https://r.example:8443/-/whoami", "//r.example/:_authToken", "T-default-port", "//r.example:8443/:_authToken", "T-8443");
            yield return C("https://r.example/-/whoami", "//r.example/:_authToken", "T-token", "//r.example/:_auth", "YWxpY2U6cHc=");
            yield return C("https://r.example/a/-/whoami", "//r.example/a/:_authToken", "", "//r.example/:_authToken", "T-up");
            yield return C("https://r.example/-/whoami", "//r.example/:username", "alice");
            yield return C("http://127.0.0.1:4873/-/whoami", "//127.0.0.1:4873/:_authToken", "T-loop", "//127.0.0.1:4874/:_authToken", "T-other");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void Credentials_for_a_url_are_the_ones_npm_registry_fetch_picks(string uri, string[] kv)
        {
            var opts = new Dictionary<string, string>();
            for (int i = 0; i < kv.Length; i += 2) opts[kv[i]] = kv[i + 1];
            var npm = AskNpm(uri, opts);
            var ours = RegistryCredentials.ForUrl(k => opts.TryGetValue(k, out var v) ? (v, "test") : null, uri);
            var npmKey = npm["regKey"] as string;
            var npmToken = npm["token"] as string;
            var npmAuth = npm["auth"] as string;
            if (npmToken == null && npmAuth == null)
            {
                Assert.True(ours == null || !ours.CanAuthorize, $"npm sends nothing to {uri}, we would send {ours}");
                return;
            }
            Assert.NotNull(ours);
            Assert.Equal(npmKey, ours!.Scope);
            Assert.Equal(npmToken, ours.Token);
            Assert.Equal(npmAuth, ours.BasicAuth);
        }

        private static JsObject AskNpm(string uri, Dictionary<string, string> opts)
        {
            var auth = Path.Combine(NodePeer.NpmRootPath, "node_modules", "npm-registry-fetch", "lib", "auth.js");
            var script = "const getAuth = require(process.argv[1]); const o = JSON.parse(process.argv[3]);" +
                         "const a = getAuth(process.argv[2], o); process.stdout.write(JSON.stringify({ regKey: a.regKey || null, token: a.token, auth: a.auth }))";
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-e", script, auth, uri, Js.Js.ToJson(opts.ToDictionary(k => k.Key, k => (object?)k.Value).Aggregate(new JsObject(), (o, kv) => { o[kv.Key] = kv.Value; return o; })) })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, error);
            Assert.True(JsJson.TryParse(output, out var parsed) && parsed is JsObject, output);
            return (JsObject)parsed!;
        }
    }
}
