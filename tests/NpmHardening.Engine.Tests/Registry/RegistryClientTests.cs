using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>The registry client against a loopback server that answers as npm's registry does (and as broken ones do).</summary>
    public class RegistryClientTests
    {
        // a syntactically valid granular token (the checksum does not matter to the registry shape)
        private const string Token = "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

        private static (NpmRegistryClient Client, ConcurrentQueue<string> Log) NewClient(double timeoutSeconds = 5)
        {
            var log = new ConcurrentQueue<string>();
            return (new NpmRegistryClient(new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(timeoutSeconds), Log = log.Enqueue }), log);
        }

        private static void AssertNoSecret(string? text)
        {
            if (text == null) return;
            Assert.DoesNotContain(Token, text);
            Assert.DoesNotContain(Token.Substring(4, 20), text);
            Assert.DoesNotContain("Bearer", text);
        }

        private static string Profile(string tfa) =>
            "{\"tfa\":" + tfa + ",\"name\":\"alice\",\"email\":\"alice@example.com\",\"email_verified\":true,\"created\":\"2020-01-02T03:04:05.000Z\",\"updated\":\"2024-05-06T07:08:09.000Z\",\"cidr_whitelist\":null,\"fullname\":\"\"}";

        private static FakeResponse NpmLike(SeenRequest r, string tfa, Func<SeenRequest, FakeResponse>? tokens = null)
        {
            if (r.Authorization != "Bearer " + Token) return FakeResponse.Json("{\"error\":\"Unauthorized\"}", 401);
            if (r.Path == "/-/whoami") return FakeResponse.Json("{\"username\":\"alice\"}");
            if (r.Path == "/-/npm/v1/user") return FakeResponse.Json(Profile(tfa));
            if (r.Path.StartsWith("/-/npm/v1/tokens", StringComparison.Ordinal) && tokens != null) return tokens(r);
            return FakeResponse.Json("{\"error\":\"Not found\"}", 404);
        }

        [Theory]
        [InlineData("null", "disabled", false, NpmFindingStatus.Fail)]
        [InlineData("false", "disabled", false, NpmFindingStatus.Fail)]
        [InlineData("{\"pending\":true,\"mode\":\"auth-and-writes\"}", "disabled", false, NpmFindingStatus.Fail)]
        [InlineData("{\"pending\":false,\"mode\":\"auth-only\"}", "auth-only", true, NpmFindingStatus.Fail)]
        [InlineData("{\"pending\":false,\"mode\":\"auth-and-writes\"}", "auth-and-writes", true, NpmFindingStatus.Pass)]
        public void Profile_two_factor_modes_read_as_npm_profile_get_shows_them(string tfa, string mode, bool enabled, NpmFindingStatus status)
        {
            using var server = new LoopbackRegistry(r => NpmLike(r, tfa));
            var (client, _) = NewClient();
            using (client)
            {
                var account = client.GetAccount(server.Url, RegistryCredential.FromToken(Token));
                Assert.Equal("alice", account.User);
                Assert.Equal("alice@example.com", account.Email);
                Assert.True(account.EmailVerified);
                Assert.Equal(mode, account.TwoFactorMode);
                Assert.Equal(enabled, account.TwoFactorEnabled);
                Assert.Equal(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero), account.Created);
                Assert.Equal("-Token", account.Source);
                Assert.Equal(Credentials.NpmCredential.Fingerprint(Token), account.Fingerprint);
                var finding = Assert.Single(OnlineAudit.ForAccount(account));
                Assert.Equal("NPMH7101", finding.RuleId);
                Assert.Equal(status, finding.Status);
                Assert.Equal(NpmSeverity.High, finding.Severity);
                if (status == NpmFindingStatus.Fail) Assert.Contains("npm profile enable-2fa auth-and-writes --registry=" + server.Url, finding.Fix());
            }
        }

        [Fact]
        public void Token_list_is_read_across_pages_and_the_current_token_is_found_by_its_listed_prefix()
        {
            LoopbackRegistry? server = null;
            server = new LoopbackRegistry(r => NpmLike(r, "false", t =>
                t.Path == "/-/npm/v1/tokens"
                    ? FakeResponse.Json("{\"objects\":[" +
                        "{\"token\":\"npm_Ab\",\"key\":\"k-current\",\"cidr_whitelist\":null,\"readonly\":false,\"automation\":false,\"created\":\"2025-01-01T00:00:00.000Z\",\"updated\":\"2025-01-01T00:00:00.000Z\",\"expires\":\"2026-01-01T00:00:00.000Z\",\"bypass_2fa\":false,\"name\":\"laptop\"}," +
                        "{\"token\":\"npm_Zz\",\"key\":\"k-bypass\",\"cidr_whitelist\":null,\"readonly\":false,\"created\":\"2025-01-01T00:00:00.000Z\",\"bypass_2fa\":true,\"name\":\"ci\"}]," +
                        "\"total\":4,\"urls\":{\"next\":\"http://127.0.0.1:" + server!.Port + "/-/npm/v1/tokens?page=1&perPage=2\"}}")
                    : t.Path == "/-/npm/v1/tokens?page=1&perPage=2"
                        ? FakeResponse.Json("{\"objects\":[" +
                            "{\"token\":\"a1b2c3\",\"key\":\"k-readonly\",\"cidr_whitelist\":null,\"readonly\":true,\"created\":\"2025-01-01T00:00:00.000Z\"}," +
                            "{\"token\":\"d4e5f6\",\"key\":\"k-cidr\",\"cidr_whitelist\":[\"10.0.0.0/8\"],\"readonly\":false,\"created\":\"2025-01-01T00:00:00.000Z\",\"permissions\":[{\"name\":\"package\",\"action\":\"write\"}],\"scopes\":[\"@acme\"]}]," +
                            "\"total\":4,\"urls\":{\"next\":\"/-/npm/v1/tokens?page=2&perPage=2\"}}")
                        : FakeResponse.Json("{\"objects\":[],\"total\":4,\"urls\":{}}")));
            using (server)
            {
                var (client, log) = NewClient();
                using (client)
                {
                    var tokens = client.GetTokens(server.Url, RegistryCredential.FromToken(Token));
                    Assert.Equal(new[] { "k-current", "k-bypass", "k-readonly", "k-cidr" }, tokens.Select(t => t.Key));
                    Assert.Equal(3, server.Requests.Count(r => r.Path.StartsWith("/-/npm/v1/tokens", StringComparison.Ordinal)));
                    var current = Assert.Single(tokens, t => t.IsCurrent);
                    Assert.Equal("k-current", current.Key);
                    Assert.Equal(Credentials.NpmCredential.Redact(Token), current.Redacted);
                    Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), current.Expires);
                    var bypass = tokens.Single(t => t.Key == "k-bypass");
                    Assert.True(bypass.BypassTwoFactor);
                    Assert.Null(bypass.Expires);
                    Assert.Equal(new[] { "10.0.0.0/8" }, tokens.Single(t => t.Key == "k-cidr").CidrWhitelist);
                    Assert.Equal(new[] { "package=write" }, tokens.Single(t => t.Key == "k-cidr").Permissions);
                    Assert.Equal(new[] { "@acme" }, tokens.Single(t => t.Key == "k-cidr").Scopes);
                    Assert.True(tokens.Single(t => t.Key == "k-readonly").Readonly);

                    var findings = OnlineAudit.ForTokens(server.Url, tokens).ToList();
                    var bypassFinding = Assert.Single(findings, f => f.RuleId == "NPMH7102");
                    Assert.Equal(NpmFindingStatus.Fail, bypassFinding.Status);
                    Assert.Contains("k-bypass", bypassFinding.Fix());
                    // only k-bypass is a write token with neither expiry nor CIDR
                    var unbounded = Assert.Single(findings, f => f.RuleId == "NPMH7103");
                    Assert.Contains("npm token revoke k-bypass", unbounded.Fix());
                    Assert.All(findings, f => AssertNoSecret(f.Message + f.Actual + f.Setting + f.Remediation));
                    Assert.All(log, AssertNoSecret);

                    var check = client.CheckToken(server.Scope, new[] { server.Url }, Token);
                    Assert.True(check.Valid);
                    Assert.Equal("alice", check.User);
                    Assert.False(check.Readonly);
                    Assert.False(check.BypassTwoFactor);
                    Assert.False(check.HasCidr);
                    Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), check.Expires);
                    Assert.Equal("disabled", check.TwoFactorMode);
                }
            }
        }

        [Theory]
        [InlineData("npm_Ab", true)]          // npm registry: a prefix (npm token revoke: token.indexOf(listed) === 0)
        [InlineData("npm_Ab…", true)]
        [InlineData("npm_AbCdE...56789", true)] // Verdaccio: first five ... last five
        [InlineData("npm_AbCdE...56788", false)]
        [InlineData("npm_Ac", false)]
        [InlineData("", false)]
        [InlineData("...", false)]
        public void Listed_token_forms_match_only_our_token(string listed, bool matches) =>
            Assert.Equal(matches, NpmRegistryClient.ListedTokenMatches(listed, Token));

        [Fact]
        public void Ambiguous_prefixes_mark_no_token_as_current()
        {
            using var server = new LoopbackRegistry(r => NpmLike(r, "false", _ => FakeResponse.Json(
                "{\"objects\":[{\"token\":\"npm_Ab\",\"key\":\"one\"},{\"token\":\"npm_AbC\",\"key\":\"two\"}],\"urls\":{\"next\":\"\"}}")));
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            var tokens = client.GetTokens(server.Url, RegistryCredential.FromToken(Token));
            Assert.Equal(2, tokens.Count);
            Assert.DoesNotContain(tokens, t => t.IsCurrent);
            Assert.All(tokens, t => Assert.Equal("npm_Ab…", t.Redacted));
        }

        [Fact]
        public void A_next_page_on_another_origin_is_not_requested()
        {
            using var other = new LoopbackRegistry(_ => FakeResponse.Json("{\"objects\":[],\"urls\":{}}"));
            using var server = new LoopbackRegistry(r => NpmLike(r, "false", _ => FakeResponse.Json(
                "{\"objects\":[],\"urls\":{\"next\":\"" + other.Url + "-/npm/v1/tokens?page=1\"}}")));
            var (client, log) = NewClient();
            using (client)
            {
                var e = Assert.Throws<RegistryException>(() => client.GetTokens(server.Url, RegistryCredential.FromToken(Token)));
                Assert.Equal(RegistryErrorKind.CrossOriginRedirect, e.Kind);
                Assert.Contains(server.Url, e.Message);
                Assert.Empty(other.Requests);
                AssertNoSecret(e.Message);
            }
        }

        [Fact]
        public void Redirects_are_followed_on_the_same_origin_and_never_to_another_host()
        {
            using var other = new LoopbackRegistry(_ => FakeResponse.Json("{\"username\":\"mallory\"}"));
            using var server = new LoopbackRegistry(r =>
                r.Path == "/moved/-/whoami" ? new FakeResponse { Status = 302, Headers = { ["Location"] = "/-/whoami" } }
                : r.Path == "/away/-/whoami" ? new FakeResponse { Status = 302, Headers = { ["Location"] = other.Url + "-/whoami" } }
                : NpmLike(r, "false"));
            var (client, log) = NewClient();
            using (client)
            {
                var credential = RegistryCredential.FromToken(Token);
                Assert.Equal("alice", client.WhoAmI(server.Url + "moved/", credential));
                Assert.Equal(2, server.Requests.Count);
                Assert.All(server.Requests, r => Assert.Equal("Bearer " + Token, r.Authorization));

                var e = Assert.Throws<RegistryException>(() => client.WhoAmI(server.Url + "away/", credential));
                Assert.Equal(RegistryErrorKind.CrossOriginRedirect, e.Kind);
                Assert.Empty(other.Requests);
                AssertNoSecret(e.Message);
                Assert.Contains(other.Url.TrimEnd('/'), e.Message);

                var check = client.CheckToken(server.Scope + "away/", new[] { server.Url + "away/" }, Token);
                Assert.Null(check.Valid);
                Assert.Empty(other.Requests);
            }
        }

        [Fact]
        public void Server_errors_garbage_and_auth_failures_become_clear_secret_free_errors()
        {
            using var server = new LoopbackRegistry(r => r.Path switch
            {
                "/err/-/whoami" => FakeResponse.Json("{\"error\":\"database down; token " + Token + " not checked\"}", 500),
                "/html/-/whoami" => new FakeResponse { Body = "<html><body>Sign in " + Token + "</body></html>", ContentType = "text/html" },
                "/revoked/-/whoami" => FakeResponse.Json("{\"error\":\"revoked token\"}", 401),
                "/cidr/-/whoami" => new FakeResponse { Status = 401, Body = "{}", Headers = { ["WWW-Authenticate"] = "Bearer, IPAddress" } },
                "/anon/-/whoami" => FakeResponse.Json("{}"),
                _ => FakeResponse.Json("{}", 404),
            });
            var (client, log) = NewClient();
            using (client)
            {
                var credential = RegistryCredential.FromToken(Token);
                var e500 = Assert.Throws<RegistryException>(() => client.WhoAmI(server.Url + "err/", credential));
                Assert.Equal(RegistryErrorKind.HttpStatus, e500.Kind);
                Assert.Equal(500, e500.StatusCode);
                Assert.Contains(server.Url + "err/-/whoami", e500.Message);
                Assert.Contains("database down", e500.Message); // the registry's own words, scrubbed
                var garbage = Assert.Throws<RegistryException>(() => client.WhoAmI(server.Url + "html/", credential));
                Assert.Equal(RegistryErrorKind.InvalidResponse, garbage.Kind);
                Assert.Contains("not JSON", garbage.Message);

                var c500 = client.CheckToken(server.Scope + "err/", new[] { server.Url + "err/" }, Token);
                Assert.Null(c500.Valid);
                var revoked = client.CheckToken(server.Scope + "revoked/", new[] { server.Url + "revoked/" }, Token);
                Assert.False(revoked.Valid);
                Assert.Contains("revoked token", revoked.Error);
                var finding = Assert.Single(OnlineAudit.ForCheck(revoked, "/home/u/.npmrc:3"));
                Assert.Equal(("NPMH7104", NpmFindingStatus.Fail), (finding.RuleId, finding.Status));
                var cidr = client.CheckToken(server.Scope + "cidr/", new[] { server.Url + "cidr/" }, Token);
                Assert.Null(cidr.Valid); // the token exists; this address may not use it
                Assert.Contains("IP address", cidr.Error);
                var anon = client.CheckToken(server.Scope + "anon/", new[] { server.Url + "anon/" }, Token);
                Assert.False(anon.Valid); // get-identity.js: no username string means not logged in (Verdaccio answers {} to bad tokens)

                foreach (var text in new[] { e500.Message, garbage.Message, c500.Error, revoked.Error, cidr.Error, anon.Error, e500.ToString(), finding.Message })
                    AssertNoSecret(text);
                Assert.All(log, AssertNoSecret);
            }
        }

        [Fact]
        public void A_slow_registry_times_out_with_a_message_naming_it()
        {
            using var server = new LoopbackRegistry(_ => new FakeResponse { Delay = TimeSpan.FromSeconds(20), Body = "{}" });
            var (client, _) = NewClient(timeoutSeconds: 1);
            using (client)
            {
                var watch = Stopwatch.StartNew();
                var e = Assert.Throws<RegistryException>(() => client.WhoAmI(server.Url, RegistryCredential.FromToken(Token)));
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
                Assert.Equal(RegistryErrorKind.Timeout, e.Kind);
                Assert.Contains(server.Url + "-/whoami", e.Message);
                Assert.Contains("1 s", e.Message);
                var check = client.CheckToken(server.Scope, new[] { server.Url }, Token);
                Assert.Null(check.Valid);
                Assert.Contains("did not answer", check.Error);
            }
        }

        [Fact]
        public void Connection_refused_and_tls_failures_are_told_apart()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var (client, _) = NewClient();
            using (client)
            {
                var refused = Assert.Throws<RegistryException>(() => client.WhoAmI($"http://127.0.0.1:{closedPort}/", RegistryCredential.FromToken(Token)));
                Assert.Equal(RegistryErrorKind.Network, refused.Kind);
                Assert.Contains($"127.0.0.1:{closedPort}", refused.Message);

                // a registry whose certificate nobody trusts: the handshake fails before any header is sent
                using var untrusted = new UntrustedTlsServer();
                var tls = Assert.Throws<RegistryException>(() => client.WhoAmI($"https://127.0.0.1:{untrusted.Port}/", RegistryCredential.FromToken(Token)));
                Assert.Equal(RegistryErrorKind.Tls, tls.Kind);
                Assert.Contains($"https://127.0.0.1:{untrusted.Port}/-/whoami", tls.Message);
                Assert.True(untrusted.Handshakes >= 1);
                AssertNoSecret(refused.Message);
                AssertNoSecret(tls.Message);
            }
        }

        [Fact]
        public void Plain_http_to_a_remote_host_is_refused_without_any_request()
        {
            var handler = new CountingHandler();
            using var client = new NpmRegistryClient(new RegistryClientOptions { Handler = handler });
            var check = client.CheckToken("//registry.example.com/npm/", new[] { "http://registry.example.com/npm/" }, Token);
            Assert.True(check.Refused);
            Assert.Null(check.Valid);
            Assert.Equal("http://registry.example.com/npm/", check.Registry);
            Assert.Contains("plain http", check.Error);
            var e = Assert.Throws<RegistryException>(() => client.WhoAmI("http://10.1.2.3:4873/", RegistryCredential.FromToken(Token)));
            Assert.Equal(RegistryErrorKind.Refused, e.Kind);
            Assert.Equal(0, handler.Calls);

            // an unconfigured scope is reached over https, the configured loopback registry over its own http URL
            var https = client.CheckToken("//registry.example.com/npm/", new[] { "https://other.example.com/" }, Token);
            Assert.Equal("https://registry.example.com/npm/", https.Registry);
            Assert.Equal(1, handler.Calls);
            Assert.Equal("https://registry.example.com/npm/-/whoami", handler.LastUrl);
        }

        [Fact]
        public void Requests_carry_the_user_agent_and_basic_auth_for_credentials()
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json("{\"username\":\"bob\"}"));
            using var client = new NpmRegistryClient(new RegistryClientOptions());
            Assert.Equal("bob", client.WhoAmI(server.Url, RegistryCredential.FromUserPassword("bob", "pa:ss")));
            var seen = Assert.Single(server.Requests);
            Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("bob:pa:ss")), seen.Authorization);
            Assert.Matches(@"^npmhardening/\d+\.\d+\.\d+", seen.UserAgent);
            Assert.DoesNotContain("pa:ss", RegistryCredential.FromUserPassword("bob", "pa:ss").ToString());
        }

        private sealed class CountingHandler : HttpMessageHandler
        {
            public int Calls;
            public string? LastUrl;
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Calls);
                LastUrl = request.RequestUri!.AbsoluteUri;
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("{}") });
            }
        }
    }
}
