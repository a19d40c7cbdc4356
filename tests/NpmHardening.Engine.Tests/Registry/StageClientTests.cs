using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Analyzers;
using NpmHardening.Engine.Registry;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>
    /// The shared transport and the stage client against loopback registries that answer as npm's registry does (the
    /// shapes and challenge rules of npm-registry-fetch's check-response.js and npm-profile's web polling) and as broken
    /// or hostile ones do.
    /// </summary>
    public class StageClientTests
    {
        private const string Token = "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
        private const string Id = "5f0e2b7c-1d2e-4f60-8a9b-0c1d2e3f4a5b";
        private const string Otp = "918273";

        private static RegistryCredential Cred => RegistryCredential.FromToken(Token);

        private static (RegistryTransport Transport, NpmStageClient Stage, ConcurrentQueue<string> Log) New(Action<RegistryClientOptions>? configure = null)
        {
            var log = new ConcurrentQueue<string>();
            var options = new RegistryClientOptions { Timeout = TimeSpan.FromSeconds(5), Log = log.Enqueue };
            configure?.Invoke(options);
            var transport = new RegistryTransport(options);
            return (transport, new NpmStageClient(transport), log);
        }

        private static string Item(string id, string name = "@npmh/p", string version = "1.0.0", string? shasum = null, string createdAt = "2026-11-30T10:00:00.000Z", string actor = "alice", string extra = "") =>
            "{\"id\":\"" + id + "\",\"packageName\":\"" + name + "\",\"version\":\"" + version + "\",\"tag\":\"latest\",\"access\":\"public\",\"createdAt\":\"" + createdAt +
            "\",\"actor\":\"" + actor + "\",\"actorType\":\"user\"" + (shasum != null ? ",\"shasum\":\"" + shasum + "\"" : "") + extra + "}";

        private static void AssertNoSecret(string? text)
        {
            if (text == null) return;
            Assert.DoesNotContain(Token, text);
            Assert.DoesNotContain(Token.Substring(4, 20), text);
            Assert.DoesNotContain(Otp, text);
            Assert.DoesNotContain("Bearer", text);
        }

        private sealed class Prompt : IRegistryOtpPrompt
        {
            public string? Code { get; set; }
            public bool AllowWeb { get; set; } = true;
            public List<string> Shown { get; } = new();
            public int Asked { get; private set; }
            public string? ReadOtp(string registry) { Asked++; return Code; }
            public bool ShowWebAuthUrl(string registry, string authUrl) { Shown.Add(authUrl); return AllowWeb; }
        }

        // ---- OTP challenges (check-response.js) -----------------------------------------------------------

        [Fact]
        public void An_otp_challenge_by_header_is_NeedsOtp_and_says_to_pass_Otp_without_any_secret()
        {
            using var server = new LoopbackRegistry(r => new FakeResponse { Status = 401, Body = "{\"error\":\"otp needed\"}", Headers = { ["WWW-Authenticate"] = "OTP" } });
            var (t, stage, log) = New();
            using (t)
            {
                var e = Assert.Throws<RegistryException>(() => stage.Approve(server.Url, Cred, Id, null));
                Assert.True(e.NeedsOtp);
                Assert.False(e.OtpWasSent);
                Assert.False(e.AddressNotAllowed);
                Assert.Equal(401, e.StatusCode);
                Assert.Contains("Pass -Otp", e.Message);
                AssertNoSecret(e.Message);
                AssertNoSecret(string.Join("\n", log));
                var seen = Assert.Single(server.Requests);
                Assert.Equal("POST", seen.Method);
                Assert.Equal("/-/stage/" + Id + "/approve", seen.Path);
                Assert.Null(seen.Header("npm-otp"));
                Assert.Equal("web", seen.Header("npm-auth-type"));
                Assert.Equal("stage", seen.Header("npm-command"));
                Assert.Equal("0", seen.Header("content-length"));
            }
        }

        [Fact]
        public void Without_a_www_authenticate_header_a_one_time_pass_body_is_a_challenge_and_with_another_header_it_is_not()
        {
            // check-response.js: the body heuristic is only the else-branch of "401 with a www-authenticate header"
            using var bodyOnly = new LoopbackRegistry(r => FakeResponse.Json("{\"error\":\"You must provide a one-time pass. Upgrade your client to npm@latest in order to use 2FA.\"}", 401));
            using var otherHeader = new LoopbackRegistry(r => new FakeResponse { Status = 401, Body = "{\"error\":\"needs a one-time pass\"}", Headers = { ["WWW-Authenticate"] = "Bearer realm=\"npm\"" } });
            var (t, stage, _) = New();
            using (t)
            {
                Assert.True(Assert.Throws<RegistryException>(() => stage.Reject(bodyOnly.Url, Cred, Id, null)).NeedsOtp);
                var e = Assert.Throws<RegistryException>(() => stage.Reject(otherHeader.Url, Cred, Id, null));
                Assert.False(e.NeedsOtp);
                Assert.Equal(RegistryErrorKind.Unauthorized, e.Kind);
            }
        }

        [Fact]
        public void A_wrong_otp_is_reported_as_rejected_and_never_echoed()
        {
            using var server = new LoopbackRegistry(r => new FakeResponse { Status = 401, Body = "{\"error\":\"bad otp " + r.Header("npm-otp") + "\"}", Headers = { ["WWW-Authenticate"] = "OTP" } });
            var (t, stage, log) = New();
            using (t)
            {
                var e = Assert.Throws<RegistryException>(() => stage.Approve(server.Url, Cred, Id, Otp, legacyAuth: true));
                Assert.True(e.NeedsOtp);
                Assert.True(e.OtpWasSent);
                Assert.Contains("rejected the one-time password", e.Message);
                AssertNoSecret(e.Message);
                AssertNoSecret(string.Join("\n", log));
                var seen = Assert.Single(server.Requests);
                Assert.Equal(Otp, seen.Header("npm-otp"));
                Assert.Equal("legacy", seen.Header("npm-auth-type"));
            }
        }

        [Fact]
        public void Otplease_asks_the_prompt_once_and_replays_with_its_code_and_without_a_prompt_the_challenge_stands()
        {
            using var server = new LoopbackRegistry(r => r.Header("npm-otp") == Otp
                ? FakeResponse.Json("{\"message\":\"Package version approved and published successfully.\"}", 201)
                : new FakeResponse { Status = 401, Body = "{}", Headers = { ["WWW-Authenticate"] = "OTP" } });
            var (t, stage, _) = New();
            using (t)
            {
                var prompt = new Prompt { Code = Otp };
                RegistryOtp.Run(t, server.Url, Cred, null, prompt, otp => { stage.Approve(server.Url, Cred, Id, otp); return true; });
                Assert.Equal(1, prompt.Asked);
                Assert.Equal(new string?[] { null, Otp }, server.Requests.Select(r => r.Header("npm-otp")).ToArray());

                var before = server.Requests.Count;
                var e = Assert.Throws<RegistryException>(() => RegistryOtp.Run(t, server.Url, Cred, null, null, otp => { stage.Approve(server.Url, Cred, Id, otp); return true; }));
                Assert.True(e.NeedsOtp);
                Assert.Equal(before + 1, server.Requests.Count);

                // a prompt that gives nothing: the original challenge, no replay
                var silent = new Prompt { Code = "" };
                before = server.Requests.Count;
                Assert.Throws<RegistryException>(() => RegistryOtp.Run(t, server.Url, Cred, null, silent, otp => { stage.Approve(server.Url, Cred, Id, otp); return true; }));
                Assert.Equal(before + 1, server.Requests.Count);
            }
        }

        [Fact]
        public void An_ipaddress_challenge_is_its_own_error_not_an_otp_prompt()
        {
            using var server = new LoopbackRegistry(r => new FakeResponse { Status = 401, Body = "{}", Headers = { ["WWW-Authenticate"] = "Bearer, ipaddress, otp" } });
            var (t, stage, _) = New();
            using (t)
            {
                var prompt = new Prompt { Code = Otp };
                var e = Assert.Throws<RegistryException>(() => RegistryOtp.Run(t, server.Url, Cred, null, prompt, otp => { stage.Reject(server.Url, Cred, Id, otp); return true; }));
                Assert.True(e.AddressNotAllowed);
                Assert.False(e.NeedsOtp);
                Assert.Equal(0, prompt.Asked);
                Assert.Contains("IP address", e.Message);
            }
        }

        // ---- the web second factor (npm-profile webAuthCheckLogin) ---------------------------------------

        [Fact]
        public void The_web_second_factor_shows_the_url_polls_done_honouring_202_Retry_After_and_replays_with_the_token()
        {
            const string webCode = "1234567890123456";
            int polls = 0;
            LoopbackRegistry? server = null;
            server = new LoopbackRegistry(r =>
            {
                if (r.Path == "/-/v1/done?id=abc")
                    return ++polls < 3 ? new FakeResponse { Status = 202, Body = "{}", Headers = { ["Retry-After"] = "1" } } : FakeResponse.Json("{\"token\":\"" + webCode + "\"}");
                if (r.Header("npm-otp") == webCode) return FakeResponse.Json("{\"message\":\"ok\"}", 201);
                return new FakeResponse
                {
                    Status = 401, Headers = { ["WWW-Authenticate"] = "OTP" },
                    Body = "{\"authUrl\":\"" + server!.Url + "-/v1/auth?id=abc\",\"doneUrl\":\"" + server.Url + "-/v1/done?id=abc\"}",
                };
            });
            using (server)
            {
                var (t, stage, log) = New();
                using (t)
                {
                    var prompt = new Prompt();
                    var watch = Stopwatch.StartNew();
                    RegistryOtp.Run(t, server.Url, Cred, null, prompt, otp => { stage.Approve(server.Url, Cred, Id, otp); return true; });
                    watch.Stop();
                    Assert.Equal(new[] { server.Url + "-/v1/auth?id=abc" }, prompt.Shown);
                    Assert.Equal(0, prompt.Asked);
                    Assert.Equal(3, polls);
                    Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"two 202s with Retry-After: 1 took only {watch.Elapsed}");
                    var last = server.Requests.Last();
                    Assert.Equal("POST", last.Method);
                    Assert.Equal(webCode, last.Header("npm-otp"));
                    // the done URL is under the registry: npm sends it the same authorization
                    Assert.All(server.Requests.Where(r => r.Path.StartsWith("/-/v1/done", StringComparison.Ordinal)), r => Assert.Equal("Bearer " + Token, r.Authorization));
                    AssertNoSecret(string.Join("\n", log));
                }
            }
        }

        [Fact]
        public void A_prompt_that_cannot_show_the_web_url_is_asked_for_a_code_instead_and_nothing_is_polled()
        {
            LoopbackRegistry? server = null;
            server = new LoopbackRegistry(r => r.Header("npm-otp") == Otp
                ? FakeResponse.Json("{}", 201)
                : new FakeResponse
                {
                    Status = 401, Headers = { ["WWW-Authenticate"] = "OTP" },
                    Body = "{\"authUrl\":\"" + server!.Url + "auth\",\"doneUrl\":\"" + server.Url + "done\"}",
                });
            using (server)
            {
                var (t, stage, _) = New();
                using (t)
                {
                    var prompt = new Prompt { Code = Otp, AllowWeb = false };
                    RegistryOtp.Run(t, server.Url, Cred, null, prompt, otp => { stage.Reject(server.Url, Cred, Id, otp); return true; });
                    Assert.Single(prompt.Shown);
                    Assert.Equal(1, prompt.Asked);
                    Assert.DoesNotContain(server.Requests, r => r.Path == "/done");
                    Assert.Equal(new[] { "DELETE", "DELETE" }, server.Requests.Select(r => r.Method));
                }
            }
        }

        [Fact]
        public void The_web_wait_is_bounded_and_a_done_url_on_another_origin_never_gets_the_credential()
        {
            using var other = new LoopbackRegistry(r => new FakeResponse { Status = 202, Body = "{}", Headers = { ["Retry-After"] = "1" } });
            using var server = new LoopbackRegistry(r => new FakeResponse
            {
                Status = 401, Headers = { ["WWW-Authenticate"] = "OTP" },
                Body = "{\"authUrl\":\"" + other.Url + "auth\",\"doneUrl\":\"" + other.Url + "done\"}",
            });
            var (t, stage, _) = New(o => o.WebAuthTimeout = TimeSpan.FromSeconds(2.5));
            using (t)
            {
                var watch = Stopwatch.StartNew();
                var e = Assert.Throws<RegistryException>(() => RegistryOtp.Run(t, server.Url, Cred, null, new Prompt(), otp => { stage.Approve(server.Url, Cred, Id, otp); return true; }));
                Assert.Equal(RegistryErrorKind.Timeout, e.Kind);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), watch.Elapsed.ToString());
                Assert.NotEmpty(other.Requests);
                Assert.All(other.Requests, r => Assert.Null(r.Authorization));
                Assert.Single(server.Requests); // no replay without a code
            }
        }

        // ---- statuses ------------------------------------------------------------------------------------

        [Theory]
        [InlineData(401, RegistryErrorKind.Unauthorized)]
        [InlineData(403, RegistryErrorKind.Unauthorized)]
        [InlineData(404, RegistryErrorKind.NotFound)]
        [InlineData(409, RegistryErrorKind.HttpStatus)]
        [InlineData(500, RegistryErrorKind.HttpStatus)]
        public void Failing_statuses_become_their_kind_with_the_registry_s_text_scrubbed(int status, RegistryErrorKind kind)
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json("{\"error\":\"nope for " + Token + "\"}", status));
            var (t, stage, _) = New();
            using (t)
            {
                var e = Assert.Throws<RegistryException>(() => stage.View(server.Url, Cred, Id));
                Assert.Equal(kind, e.Kind);
                Assert.Equal(status, e.StatusCode);
                Assert.Contains("nope for", e.Message);
                Assert.False(e.NeedsOtp);
                AssertNoSecret(e.Message);
            }
        }

        [Fact]
        public void A_429_waits_the_Retry_After_it_names_then_succeeds()
        {
            int calls = 0;
            using var server = new LoopbackRegistry(r => Interlocked.Increment(ref calls) == 1
                ? new FakeResponse { Status = 429, Body = "{}", Headers = { ["Retry-After"] = "1" } }
                : FakeResponse.Json(Item(Id, shasum: new string('a', 40))));
            var (t, stage, log) = New();
            using (t)
            {
                var watch = Stopwatch.StartNew();
                var item = stage.View(server.Url, Cred, Id);
                Assert.Equal(Id, item.StageId);
                Assert.Equal(2, calls);
                Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.95), watch.Elapsed.ToString());
                Assert.Contains(log, l => l.Contains("429: waiting 1 s"));
            }
        }

        [Fact]
        public void A_429_asking_longer_than_the_bound_fails_at_once_and_a_POST_is_never_repeated()
        {
            using var slow = new LoopbackRegistry(r => new FakeResponse { Status = 429, Body = "{}", Headers = { ["Retry-After"] = "3600" } });
            using var post = new LoopbackRegistry(r => new FakeResponse { Status = 429, Body = "{}", Headers = { ["Retry-After"] = "1" } });
            var (t, stage, _) = New();
            using (t)
            {
                var watch = Stopwatch.StartNew();
                var e = Assert.Throws<RegistryException>(() => stage.View(slow.Url, Cred, Id));
                Assert.Equal(RegistryErrorKind.RateLimited, e.Kind);
                Assert.Equal(TimeSpan.FromHours(1), e.RetryAfter);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), watch.Elapsed.ToString());
                Assert.Single(slow.Requests);

                var p = Assert.Throws<RegistryException>(() => stage.Approve(post.Url, Cred, Id, Otp));
                Assert.Equal(RegistryErrorKind.RateLimited, p.Kind);
                Assert.Single(post.Requests);
            }
        }

        [Fact]
        public void Retries_after_429_are_bounded()
        {
            using var server = new LoopbackRegistry(r => new FakeResponse { Status = 429, Body = "{}", Headers = { ["Retry-After"] = "0" } });
            var (t, stage, _) = New(o => o.MaxRateLimitRetries = 2);
            using (t)
            {
                Assert.Equal(RegistryErrorKind.RateLimited, Assert.Throws<RegistryException>(() => stage.View(server.Url, Cred, Id)).Kind);
                Assert.Equal(3, server.Requests.Count);
            }
        }

        // ---- list: npm stage list's paging ---------------------------------------------------------------

        private static FakeResponse Page(SeenRequest r, int total, int? serverPerPage = null, bool announceTotal = true)
        {
            var query = r.Path.Contains('?') ? r.Path.Substring(r.Path.IndexOf('?') + 1) : "";
            var q = query.Split('&').Select(p => p.Split('=')).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
            int page = int.Parse(q["page"]), perPage = serverPerPage ?? int.Parse(q["perPage"]);
            var items = Enumerable.Range(page * perPage, Math.Max(0, Math.Min(perPage, total - page * perPage)))
                .Select(i => Item(Guid.NewGuid().ToString(), version: "1.0." + i));
            return FakeResponse.Json("{\"items\":[" + string.Join(",", items) + "],\"page\":" + page + ",\"perPage\":" + perPage + (announceTotal ? ",\"total\":" + total : "") + "}");
        }

        [Fact]
        public void The_list_reads_250_items_over_three_pages_as_npm_stage_list_does()
        {
            using var server = new LoopbackRegistry(r => Page(r, 250));
            var (t, stage, _) = New();
            using (t)
            {
                var items = stage.List(server.Url, Cred, "@npmh/p");
                Assert.Equal(250, items.Count);
                Assert.Equal(Enumerable.Range(0, 250).Select(i => "1.0." + i), items.Select(i => i.Version));
                Assert.Equal(new[]
                {
                    "/-/stage?page=0&perPage=100&package=%40npmh%2Fp",
                    "/-/stage?page=1&perPage=100&package=%40npmh%2Fp",
                    "/-/stage?page=2&perPage=100&package=%40npmh%2Fp",
                }, server.Requests.Select(r => r.Path));
            }
        }

        [Fact]
        public void The_list_stops_where_npm_stops_a_short_page_or_the_total_reached()
        {
            // a server that caps perPage at 50: npm's loop ends after the first (short) page, and so does ours
            using var capped = new LoopbackRegistry(r => Page(r, 250, serverPerPage: 50));
            // exactly 200 items: the total is reached after page 1, no empty page 2 is asked for
            using var exact = new LoopbackRegistry(r => Page(r, 200));
            // no total: only a short page ends the list
            using var noTotal = new LoopbackRegistry(r => Page(r, 120, announceTotal: false));
            var (t, stage, _) = New();
            using (t)
            {
                Assert.Equal(50, stage.List(capped.Url, Cred).Count);
                Assert.Single(capped.Requests);
                Assert.Equal(200, stage.List(exact.Url, Cred).Count);
                Assert.Equal(2, exact.Requests.Count);
                Assert.Equal(120, stage.List(noTotal.Url, Cred).Count);
                Assert.Equal(2, noTotal.Requests.Count);
            }
        }

        [Fact]
        public void The_package_filter_is_encoded_as_URLSearchParams_encodes_it_in_node()
        {
                        const string name = "@sc/a~b!c*d (e)\u00e9'";
            var psi = new System.Diagnostics.ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add("-e");
            psi.ArgumentList.Add("process.stdout.write(new URLSearchParams({ package: process.argv[1] }).toString())");
            psi.ArgumentList.Add(name);
            using var node = System.Diagnostics.Process.Start(psi)!;
            var output = node.StandardOutput.ReadToEnd();
            node.WaitForExit();
            Assert.Equal(0, node.ExitCode);
            Assert.Equal(output, "package=" + NpmStageClient.FormEncode(name));
        }

        [Fact]
        public void A_list_that_never_ends_is_stopped_by_the_page_bound()
        {
            using var server = new LoopbackRegistry(r => Page(r, int.MaxValue / 2));
            var (t, stage, _) = New(o => o.MaxTokenPages = 4);
            using (t)
            {
                Assert.Equal(RegistryErrorKind.InvalidResponse, Assert.Throws<RegistryException>(() => stage.List(server.Url, Cred)).Kind);
                Assert.Equal(4, server.Requests.Count);
            }
        }

        [Theory]
        [InlineData("{\"items\":[")]
        [InlineData("<html>not a registry</html>")]
        [InlineData("{\"objects\":[]}")]
        [InlineData("{\"items\":[{\"id\":\"../../etc/passwd\"}],\"total\":1}")]
        [InlineData("{\"items\":[42],\"total\":1}")]
        public void Garbage_answers_are_InvalidResponse(string body)
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json(body));
            var (t, stage, _) = New();
            using (t)
                Assert.Equal(RegistryErrorKind.InvalidResponse, Assert.Throws<RegistryException>(() => stage.List(server.Url, Cred)).Kind);
        }

        [Fact]
        public void Items_map_npm_s_fields_keep_unknown_keys_and_compute_the_age()
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json(Item(Id.ToUpperInvariant(), shasum: new string('b', 40), extra: ",\"provenance\":{\"predicateType\":\"x\"},\"note\":\"hi\"")));
            var (t, stage, _) = New();
            using (t)
            {
                stage.Now = () => new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
                var item = stage.View(server.Url, Cred, Id);
                Assert.Equal(Id, item.StageId);
                Assert.Equal("@npmh/p", item.Package);
                Assert.Equal("alice", item.StagedBy);
                Assert.Equal("user", item.ActorType);
                Assert.Equal(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero), item.StagedAt);
                Assert.Equal(TimeSpan.FromDays(2), item.Age);
                Assert.Equal(server.Url, item.Registry);
                Assert.Equal("hi", item.Extra["note"]);
                Assert.Equal("{\"predicateType\":\"x\"}", item.Extra["provenance"]);
                Assert.False(item.Extra.ContainsKey("shasum"));
            }
        }

        [Theory]
        [InlineData("not-a-uuid")]
        [InlineData("../-/whoami")]
        [InlineData("5f0e2b7c-1d2e-4f60-8a9b-0c1d2e3f4a5b/../../x")]
        public void Stage_ids_are_validated_before_any_request(string id)
        {
            using var server = new LoopbackRegistry(r => FakeResponse.Json("{}"));
            var (t, stage, _) = New();
            using (t)
            {
                Assert.Throws<ArgumentException>(() => stage.View(server.Url, Cred, id));
                Assert.Throws<ArgumentException>(() => stage.Approve(server.Url, Cred, id, Otp));
                Assert.Throws<ArgumentException>(() => stage.Reject(server.Url, Cred, id, Otp));
                Assert.Empty(server.Requests);
            }
        }

        // ---- download ------------------------------------------------------------------------------------

        private static string Sha1(byte[] b) => string.Concat(SHA1.HashData(b).Select(x => x.ToString("x2")));

        private static string TempFolder()
        {
            var d = Path.Combine(Path.GetTempPath(), "npmh-stage-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(d);
            return d;
        }

        [Fact]
        public void A_verified_tarball_is_saved_under_a_name_we_build()
        {
            var bytes = new byte[300_000];
            new Random(7).NextBytes(bytes);
            using var server = new LoopbackRegistry(r => new FakeResponse { Bytes = bytes, ContentType = "application/octet-stream" });
            var folder = TempFolder();
            var (t, stage, _) = New();
            try
            {
                using (t)
                {
                    var staged = new NpmStagedPackage { StageId = Id, Package = "@npmh/../../evil", Version = "1.0.0/../x", Shasum = Sha1(bytes), Registry = server.Url };
                    var path = stage.DownloadTarball(server.Url, Cred, staged, folder);
                    Assert.Equal(folder, Path.GetDirectoryName(path));
                    Assert.Equal("npmh-evil-1.0.0-x-" + Id + ".tgz", Path.GetFileName(path));
                    Assert.Equal(bytes, File.ReadAllBytes(path));
                    Assert.Equal(new[] { path }, Directory.GetFiles(folder));
                    Assert.Equal("/-/stage/" + Id + "/tarball", Assert.Single(server.Requests).Path);
                    // a second download refuses to replace the file unless asked
                    Assert.Throws<IOException>(() => stage.DownloadTarball(server.Url, Cred, staged, folder));
                    Assert.Equal(path, stage.DownloadTarball(server.Url, Cred, staged, folder, overwrite: true));
                    Assert.Single(Directory.GetFiles(folder));
                }
            }
            finally { Directory.Delete(folder, true); }
        }

        [Fact]
        public void A_tarball_whose_hash_is_not_the_staged_shasum_or_integrity_leaves_nothing_on_disk()
        {
            var bytes = Encoding.UTF8.GetBytes("not the staged tarball");
            using var server = new LoopbackRegistry(r => new FakeResponse { Bytes = bytes, ContentType = "application/octet-stream" });
            var folder = TempFolder();
            var (t, stage, _) = New();
            try
            {
                using (t)
                {
                    var wrongSha1 = new NpmStagedPackage { StageId = Id, Package = "p", Version = "1.0.0", Shasum = new string('0', 40) };
                    var e = Assert.Throws<RegistryException>(() => stage.DownloadTarball(server.Url, Cred, wrongSha1, folder));
                    Assert.Equal(RegistryErrorKind.IntegrityMismatch, e.Kind);
                    Assert.Contains(Sha1(bytes), e.Message);
                    Assert.Empty(Directory.GetFileSystemEntries(folder));

                    var wrongIntegrity = new NpmStagedPackage { StageId = Id, Package = "p", Version = "1.0.0", Shasum = Sha1(bytes) };
                    wrongIntegrity.Extra["integrity"] = "sha512-" + Convert.ToBase64String(new byte[64]);
                    Assert.Equal(RegistryErrorKind.IntegrityMismatch, Assert.Throws<RegistryException>(() => stage.DownloadTarball(server.Url, Cred, wrongIntegrity, folder)).Kind);
                    Assert.Empty(Directory.GetFileSystemEntries(folder));

                    var noShasum = new NpmStagedPackage { StageId = Id, Package = "p", Version = "1.0.0" };
                    Assert.Throws<RegistryException>(() => stage.DownloadTarball(server.Url, Cred, noShasum, folder));
                    Assert.Equal(2, server.Requests.Count); // nothing asked for without a shasum to check
                }
            }
            finally { Directory.Delete(folder, true); }
        }

        [Fact]
        public void A_download_larger_than_the_bound_stops_and_leaves_nothing()
        {
            using var server = new LoopbackRegistry(r => new FakeResponse { Bytes = new byte[2048], ContentType = "application/octet-stream" });
            var (t, _, _) = New();
            using (t)
            {
                using var sink = new MemoryStream();
                var e = Assert.Throws<RegistryException>(() => RegistryTransport.Sync(() =>
                    t.DownloadAsync(new RegistryRequest(System.Net.Http.HttpMethod.Get, new Uri(server.Url + "x"), Cred), sink, 1024)));
                Assert.Equal(RegistryErrorKind.InvalidResponse, e.Kind);
                Assert.True(sink.Length <= 1024);
            }
        }

        // ---- cancellation and the transport rules -------------------------------------------------------

        [Fact]
        public void Cancellation_ends_a_request_in_flight_and_a_429_wait()
        {
            using var slow = new LoopbackRegistry(r => new FakeResponse { Body = "{}", Delay = TimeSpan.FromSeconds(8) });
            using var limited = new LoopbackRegistry(r => new FakeResponse { Status = 429, Body = "{}", Headers = { ["Retry-After"] = "30" } });
            var (t, stage, _) = New(o => o.Timeout = TimeSpan.FromSeconds(20));
            using (t)
            {
                foreach (var url in new[] { slow.Url, limited.Url })
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));
                    var watch = Stopwatch.StartNew();
                    Assert.ThrowsAny<OperationCanceledException>(() => stage.View(url, Cred, Id, cts.Token));
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"{url}: {watch.Elapsed}");
                }
            }
        }

        [Fact]
        public void Plain_http_to_another_machine_and_cross_origin_redirects_never_carry_the_credential()
        {
            using var elsewhere = new LoopbackRegistry(r => FakeResponse.Json("{}"));
            using var redirect = new LoopbackRegistry(r => new FakeResponse { Status = 302, Headers = { ["Location"] = elsewhere.Url + "-/stage" } });
            var (t, stage, _) = New();
            using (t)
            {
                Assert.Equal(RegistryErrorKind.Refused, Assert.Throws<RegistryException>(() => stage.List("http://registry.example.com/", Cred)).Kind);
                Assert.Equal(RegistryErrorKind.CrossOriginRedirect, Assert.Throws<RegistryException>(() => stage.List(redirect.Url, Cred)).Kind);
                Assert.Empty(elsewhere.Requests);
            }
        }

        [Fact]
        public void A_write_is_not_replayed_after_a_redirect()
        {
            using var server = new LoopbackRegistry(r => r.Path.EndsWith("/approve", StringComparison.Ordinal)
                ? new FakeResponse { Status = 307, Headers = { ["Location"] = "/elsewhere" } }
                : FakeResponse.Json("{}", 201));
            var (t, stage, _) = New();
            using (t)
            {
                Assert.Equal(RegistryErrorKind.InvalidResponse, Assert.Throws<RegistryException>(() => stage.Approve(server.Url, Cred, Id, Otp)).Kind);
                Assert.Single(server.Requests);
            }
        }

        // ---- the audit -----------------------------------------------------------------------------------

        [Fact]
        public void The_audit_judges_age_against_the_policy_and_the_actor_against_expected_publishers()
        {
            var old = new NpmStagedPackage { StageId = Id, Package = "p", Version = "1.0.0", StagedBy = "mallory", ActorType = "user", Age = TimeSpan.FromDays(4), Registry = "https://registry.npmjs.org/" };
            var fresh = new NpmStagedPackage { StageId = Id, Package = "p", Version = "1.0.1", StagedBy = "Release-Bot", Age = TimeSpan.FromHours(2), Registry = "https://registry.npmjs.org/" };
            var policy = new NpmHardeningPolicy { StagedMaximumAge = TimeSpan.FromDays(3), ExpectedPublishers = new[] { "release-bot" } };
            var analyzer = new StagedPackageAnalyzer(policy);

            var a = analyzer.Analyze(old).ToList();
            Assert.All(a, f => Assert.Contains(f.RuleId, analyzer.RuleIds));
            var age = Assert.Single(a, f => f.RuleId == "NPMH11001");
            Assert.Equal(NpmFindingStatus.Fail, age.Status);
            Assert.Equal(NpmSeverity.Medium, age.Severity);
            Assert.Contains("npm stage view " + Id + " --registry=https://registry.npmjs.org/", age.Remediation!.NpmCommand);
            var actor = Assert.Single(a, f => f.RuleId == "NPMH11002");
            Assert.Equal(NpmFindingStatus.Fail, actor.Status);
            Assert.Equal(NpmSeverity.High, actor.Severity);
            Assert.Contains("mallory (user)", actor.Message);

            var b = analyzer.Analyze(fresh).ToList();
            Assert.All(b, f => Assert.Equal(NpmFindingStatus.Pass, f.Status));
            Assert.Equal(2, b.Count);

            // without a policy: the default seven days, and nobody judged for who staged
            var defaults = new StagedPackageAnalyzer(null).Analyze(old).ToList();
            Assert.Equal(NpmFindingStatus.Pass, Assert.Single(defaults).Status);
            Assert.Equal(NpmFindingStatus.Fail, new StagedPackageAnalyzer(null).Analyze(new NpmStagedPackage { StageId = Id, Age = TimeSpan.FromDays(8), Registry = "r/" }).Single().Status);
        }
    }
}
