using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>
    /// Where a token travels, seen from listeners on loopback addresses: nowhere for keys npm never uses, direct to
    /// loopback registries whatever proxy is configured, through a proxy only when one is asked for (and then only as
    /// a CONNECT to the registry's host), and to "localhost" only at a loopback address.
    /// </summary>
    public class RegistryRouteTests
    {
        private const string Token = "npm_RouteTestRouteTestRouteTestRoute0123";

        private static FakeResponse Accept(SeenRequest r) =>
            r.Path == "/-/whoami" ? FakeResponse.Json("{\"username\":\"someone\"}") : FakeResponse.Json("{\"error\":\"Not found\"}", 404);

        private static NpmRegistryClient Client(RegistryProxy? proxy = null) =>
            new NpmRegistryClient(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(5), Proxy = proxy });

        private static LoopbackRegistry? TryListen(IPAddress address, int port)
        {
            try { return new LoopbackRegistry(Accept, address, port); }
            catch (SocketException) { return null; }
        }

        [Fact]
        public void Keys_npm_never_uses_send_nothing_to_any_host_they_could_be_read_as()
        {
            // every place .NET's URL parser could take these keys to: 127.0.0.1:P1, 127.0.0.2:P2, and 127.0.0.1:443 (port dropped)
            using var one = new LoopbackRegistry(Accept);
            using var two = new LoopbackRegistry(Accept, IPAddress.Parse("127.0.0.2"));
            using var https = TryListen(IPAddress.Loopback, 443);
            int p1 = one.Port, p2 = two.Port;
            var registries = new[] { one.Url, two.Url, "http://127.0.0.1/" };
            var keys = new[]
            {
                $"//127.0.0.2:{p2}@127.0.0.1:{p1}/", $"//2130706434:{p2}/", $"//127.2:{p2}/", $"//127.0.0.1:{p1}#@127.0.0.2:{p2}/",
                $"//0x7f.0.0.2:{p2}/", $"//127.0.0.1:0{p1}/", $"//127.000.000.001:{p1}/",
            };
            using var client = Client();
            foreach (var key in keys)
            {
                var check = client.CheckToken(key, registries, Token);
                Assert.True(check.Refused, key + ": " + check);
                Assert.Null(check.Valid);
                Assert.Contains("npm never sends a credential under this key", check.Error);
                Assert.DoesNotContain(Token, check.ToString());
            }
            Assert.Empty(one.Requests);
            Assert.Empty(two.Requests);
            if (https != null) Assert.Empty(https.Requests);

            // the same listeners do hear the key npm uses: their silence above is not an accident of the setup
            Assert.True(client.CheckToken(one.Scope, registries, Token).Valid);
            Assert.Contains(one.Requests, r => r.Authorization == "Bearer " + Token);
            Assert.Empty(two.Requests);
        }

        [Fact]
        public void A_loopback_registry_is_asked_directly_even_when_a_proxy_is_asked_for()
        {
            using var registry = new LoopbackRegistry(Accept);
            using var proxy = new LoopbackRegistry(_ => new FakeResponse { Status = 502 });
            var asked = new RegistryProxy(new Uri(proxy.Url), null, "-Proxy");
            using var client = Client(asked);
            Assert.True(client.CheckToken(registry.Scope, new[] { registry.Url }, Token).Valid);
            Assert.Empty(proxy.Requests);
            Assert.Contains(registry.Requests, r => r.Authorization == "Bearer " + Token);
        }

        [Fact]
        public void A_remote_registry_goes_through_the_proxy_asked_for_which_sees_only_a_connect()
        {
            using var proxy = new LoopbackRegistry(_ => new FakeResponse { Status = 502 });
            using var client = Client(new RegistryProxy(new Uri("http://user:pa%3Ass@127.0.0.1:" + proxy.Port + "/"), null, "-Proxy"));
            var check = client.CheckToken("//registry.example.test/", Array.Empty<string>(), Token);
            Assert.Null(check.Valid);
            var connect = Assert.Single(proxy.Requests);
            Assert.Equal("CONNECT", connect.Method);
            Assert.Equal("registry.example.test:443", connect.Path);
            Assert.DoesNotContain(Token, proxy.Received);
            Assert.DoesNotContain("Bearer", proxy.Received);
            Assert.DoesNotContain("pa:ss", check.ToString());
        }

        [Fact]
        public void Noproxy_hosts_go_around_the_proxy()
        {
            using var proxy = new LoopbackRegistry(_ => new FakeResponse { Status = 502 });
            using var client = Client(new RegistryProxy(new Uri(proxy.Url), new[] { "example.test" }, "-Proxy"));
            var check = client.CheckToken("//registry.example.test/", Array.Empty<string>(), Token);
            Assert.Null(check.Valid); // .test names do not resolve: the direct attempt fails
            Assert.Empty(proxy.Requests);
        }

        [Fact]
        public void Localhost_is_reached_at_the_loopback_address_it_resolves_to_with_its_name_as_host()
        {
            var first = Dns.GetHostAddresses("localhost").First();
            Assert.True(IPAddress.IsLoopback(first));
            using var registry = new LoopbackRegistry(Accept, first);
            using var client = Client();
            var url = $"http://localhost:{registry.Port}/";
            Assert.True(client.CheckToken($"//localhost:{registry.Port}/", new[] { url }, Token).Valid);
            var seen = Assert.Single(registry.Requests, r => r.Path == "/-/whoami");
            Assert.Equal($"localhost:{registry.Port}", seen.Host);
        }

        [Theory]
        [InlineData("10.0.0.5")]
        [InlineData("127.0.0.1,10.0.0.5")]
        public void Localhost_that_resolves_to_another_machine_gets_nothing_over_plain_http(string answer)
        {
            using var registry = new LoopbackRegistry(Accept);
            var addresses = answer.Split(',').Select(IPAddress.Parse).ToArray();
            using var client = new NpmRegistryClient(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(5), ResolveHost = _ => addresses });
            var url = $"http://localhost:{registry.Port}/";
            var check = client.CheckToken($"//localhost:{registry.Port}/", new[] { url }, Token);
            Assert.True(check.Refused, check.ToString());
            Assert.Contains("not only to loopback addresses", check.Error);
            Assert.Empty(registry.Requests);
        }

        [Fact]
        public void Ipv6_loopback_is_a_loopback_registry()
        {
            LoopbackRegistry? registry;
            try { registry = new LoopbackRegistry(Accept, IPAddress.IPv6Loopback); }
            catch (SocketException) { return; } // no IPv6 on this machine: nothing to show
            using (registry)
            using (var client = Client())
            {
                Assert.True(client.CheckToken(registry.Scope, new[] { registry.Url }, Token).Valid);
                Assert.Contains(registry.Requests, r => r.Authorization == "Bearer " + Token);
            }
        }

        public static IEnumerable<object[]> NoProxyCases()
        {
            yield return new object[] { "https://registry.npmjs.org/", "npmjs.org" };
            yield return new object[] { "https://registry.npmjs.org/", ".npmjs.org" };
            yield return new object[] { "https://registry.npmjs.org/", "registry.npmjs.org" };
            yield return new object[] { "https://registry.npmjs.org/", "js.org" };
            yield return new object[] { "https://registry.npmjs.org/", "other.example, npmjs.org" };
            yield return new object[] { "https://registry.npmjs.org/", "*" };
            yield return new object[] { "https://r.example:8443/", "r.example" };
            yield return new object[] { "https://r.example/", "R.EXAMPLE" };
            yield return new object[] { "https://a.b.c/", "b.c.d" };
            yield return new object[] { "https://10.1.2.3/", "2.3" };
        }

        [Theory]
        [MemberData(nameof(NoProxyCases))]
        public void Noproxy_matches_hosts_as_npm_agent_does(string url, string noProxy)
        {
            var agentProxy = Path.Combine(NodePeer.NpmRootPath, "node_modules", "@npmcli", "agent", "lib", "proxy.js");
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-e", "const { getProxy } = require(process.argv[1]); process.stdout.write(String(getProxy(process.argv[2], { proxy: 'http://proxy.test:3128/', noProxy: process.argv[3] }) === null))", agentProxy, url, noProxy })
                psi.ArgumentList.Add(a);
            foreach (var name in new[] { "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "proxy" }) psi.Environment.Remove(name);
            using var p = Process.Start(psi)!;
            var npmBypasses = p.StandardOutput.ReadToEnd() == "true";
            p.WaitForExit();
            var ours = new RegistryProxy(new Uri("http://proxy.test:3128/"), noProxy.Split(','), "test").Bypasses(new Uri(url));
            Assert.Equal(npmBypasses, ours);
        }
    }
}
