using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>Protect-NpmrcToken's planner and writer: in-place references, removal, refusals, and npm reading the result.</summary>
    public sealed class TokenProtectionPlannerTests : IDisposable
    {
        private readonly RemediationDisk _disk = new RemediationDisk();
        public void Dispose() => _disk.Dispose();

        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        // checksum-valid granular tokens, made here so the test never depends on a real one
        private static readonly string TokenA = MakeToken("CanaryAAAAbbbbCCCCddddEEEEffff");
        private static readonly string TokenB = MakeToken("CanaryBBBBccccDDDDeeeeFFFFgggg");

        private static string MakeToken(string random) => "npm_" + random + NpmHardening.Engine.Credentials.NpmCredential.Checksum(random);

        private static HardeningTarget Target(string path = "/home/u/.npmrc") => new HardeningTarget(NpmHardeningScope.User, path, "/home/u");

        private static TokenProtectionPlan PlanText(string text, TokenProtectionOptions? options = null) =>
            TokenProtectionPlanner.PlanBytes(Target(), Utf8.GetBytes(text), options ?? new TokenProtectionOptions());

        private static void AssertNoSecret(TokenProtectionPlan plan, params string[] secrets)
        {
            var shown = new List<string> { plan.Describe(), plan.ToString(), plan.Problem?.Message ?? "" };
            shown.AddRange(plan.Notes.Select(n => n.Message));
            shown.AddRange(plan.Lines.Select(l => l.ToString() + l.Redacted + l.Message));
            shown.AddRange(plan.Lines.Select(l => l.ToOutput(plan.Path, "id").ToString()));
            foreach (var s in secrets)
                foreach (var text in shown)
                    Assert.DoesNotContain(s.Substring(4, 20), text);
        }

        [Fact]
        public void A_plaintext_token_becomes_a_reference_in_place_and_every_other_byte_stays()
        {
            var before = "\uFEFF# corp settings\r\nstrict-ssl=true\r\n//registry.npmjs.org/:_authToken=" + TokenA + "\r\n; keep me\r\n@corp:registry=https://r.example/\r\nsave-exact=true";
            var plan = PlanText(before);
            Assert.Null(plan.Problem);
            var change = Assert.Single(plan.Changes);
            Assert.Equal((3, "//registry.npmjs.org/:_authToken", "//registry.npmjs.org/", NpmTokenProtectionAction.Replaced, "NPM_TOKEN"),
                (change.Line, change.Key, change.Registry, change.Action, change.VariableName));

            var after = plan.Render();
            var oldLines = NpmrcDocument.Parse(Utf8.GetBytes(before)).Lines;
            var newLines = NpmrcDocument.Parse(after).Lines;
            Assert.Equal(oldLines.Count, newLines.Count);
            for (int i = 0; i < oldLines.Count; i++)
            {
                Assert.Equal(oldLines[i].Terminator, newLines[i].Terminator);
                if (i == 2) Assert.Equal("//registry.npmjs.org/:_authToken=${NPM_TOKEN}", newLines[i].Text);
                else Assert.Equal(oldLines[i].Content, newLines[i].Content);
            }
            Assert.Equal(0xEF, after[0]); // BOM kept
            Assert.NotEqual((byte)'\n', after[after.Length - 1]); // still no final newline
            AssertNoSecret(plan, TokenA);
        }

        [Fact]
        public void Spacing_and_a_separate_inline_comment_are_kept_a_quoted_value_becomes_a_bare_reference()
        {
            var plan = PlanText("//r.example/:_authToken = " + TokenA + " ; CI token\n//q.example/:_authToken=\"" + TokenA + "\"\n");
            var text = Utf8.GetString(plan.Render());
            Assert.Equal("//r.example/:_authToken = ${NPM_TOKEN} ; CI token\n//q.example/:_authToken=${NPM_TOKEN}\n", text);
        }

        [Fact]
        public void The_reference_reads_back_through_the_ini_port_and_expands_to_the_token()
        {
            var plan = PlanText("//registry.npmjs.org/:_authToken=" + TokenA + "\n", new TokenProtectionOptions { VariableName = "CI_NPM_TOKEN_2" });
            var decoded = NpmrcDocument.Parse(plan.Render()).Decode();
            var value = Assert.IsType<string>(decoded.Values["//registry.npmjs.org/:_authToken"]);
            Assert.Equal("${CI_NPM_TOKEN_2}", value);
            Assert.Equal(TokenA, EnvExpansion.Replace(value, n => n == "CI_NPM_TOKEN_2" ? TokenA : null));
            Assert.Equal(NpmCredentialKind.EnvironmentReference,
                NpmHardening.Engine.Credentials.NpmCredential.Classify("//registry.npmjs.org/:_authToken", value));
        }

        [Fact]
        public void Npm_ini_and_parse_field_read_the_edited_file_as_the_token_when_the_variable_is_set()
        {
            var before = "a=1\n//registry.npmjs.org/:_authToken = " + TokenA + " # note\n_authToken=" + TokenA + "\n";
            var after = Utf8.GetString(PlanText(before).Render());
            var env = new JsObject { ["NPM_TOKEN"] = TokenA, ["HOME"] = "/home/u" };
            var answers = NodePeer.Ask(new[]
            {
                NodePeer.Request("iniField", ("text", before), ("home", "/home/u"), ("env", env)),
                NodePeer.Request("iniField", ("text", after), ("home", "/home/u"), ("env", env)),
            });
            var b = Assert.IsType<JsObject>(answers[0]["ok"]);
            var a = Assert.IsType<JsObject>(answers[1]["ok"]);
            Assert.Equal(Js.Js.ToJson(b), Js.Js.ToJson(a));
            Assert.Equal(TokenA, a["//registry.npmjs.org/:_authToken"]);
            Assert.Contains("${NPM_TOKEN}", after);
        }

        [Fact]
        public void Duplicates_every_line_is_handled_a_shadowed_different_token_is_removed()
        {
            var before = "//r.example/:_authToken=" + TokenB + "\n//r.example/:_authToken=" + TokenA + "\n//r.example/:_authToken=" + TokenA + "\n";
            var plan = PlanText(before);
            Assert.Null(plan.Problem);
            Assert.Equal(new[] { (1, NpmTokenProtectionAction.Removed), (2, NpmTokenProtectionAction.Replaced), (3, NpmTokenProtectionAction.Replaced) },
                plan.Lines.Select(l => (l.Line, l.Action)));
            Assert.True(plan.Lines[0].Shadowed);
            Assert.Equal("//r.example/:_authToken=${NPM_TOKEN}\n//r.example/:_authToken=${NPM_TOKEN}\n", Utf8.GetString(plan.Render()));
            Assert.Contains(plan.Notes, n => n.Kind == TokenPlanNoteKind.Warning && n.Message.Contains("shadowed by line 3"));
            AssertNoSecret(plan, TokenA, TokenB);
        }

        [Fact]
        public void An_unscoped_token_is_protected_too()
        {
            var plan = PlanText("_authToken=" + TokenA + "\n");
            var change = Assert.Single(plan.Changes);
            Assert.Null(change.Registry);
            Assert.Equal("_authToken", change.Key);
            Assert.Equal("_authToken=${NPM_TOKEN}\n", Utf8.GetString(plan.Render()));
        }

        [Fact]
        public void Legacy_auth_and_password_are_not_converted_but_recommended_away_and_removed_with_Remove()
        {
            const string auth = "dXNlcjpzZWNyZXRwYXNzd29yZA==";
            var text = "//r.example/:username=me\n//r.example/:_password=c2VjcmV0cGFzc3dvcmQ=\n//q.example/:_auth=" + auth + "\n";
            var plan = PlanText(text);
            Assert.Null(plan.Problem);
            Assert.False(plan.HasChanges);
            Assert.Equal(new[] { NpmTokenProtectionAction.Skipped, NpmTokenProtectionAction.Skipped }, plan.Lines.Select(l => l.Action));
            Assert.All(plan.Lines, l => Assert.Contains("granular access token", l.Message));
            Assert.Equal(2, plan.Notes.Count(n => n.Kind == TokenPlanNoteKind.Warning));
            Assert.DoesNotContain(auth.Substring(2, 20), string.Join("\n", plan.Notes.Select(n => n.Message)));
            Assert.Null(plan.Lines[0].ToOutput(plan.Path, null).GetSecret());

            var removed = PlanText(text, new TokenProtectionOptions { Remove = true });
            Assert.Equal(new[] { 2, 3 }, removed.Changes.Select(c => c.Line));
            Assert.Equal("//r.example/:username=me\n", Utf8.GetString(removed.Render()));
        }

        [Fact]
        public void Remove_deletes_the_line_and_keeps_the_final_newline_state()
        {
            var plan = PlanText("a=1\r\n//r.example/:_authToken=" + TokenA, new TokenProtectionOptions { Remove = true });
            Assert.Equal("a=1", Utf8.GetString(plan.Render()));
            var first = PlanText("\uFEFF//r.example/:_authToken=" + TokenA + "\nb=2\n", new TokenProtectionOptions { Remove = true });
            Assert.Equal("\uFEFFb=2\n", Utf8.GetString(first.Render()));
        }

        [Fact]
        public void Different_tokens_behind_one_variable_are_refused_unless_Registry_narrows()
        {
            var text = "//registry.npmjs.org/:_authToken=" + TokenA + "\n//npm.pkg.github.com/:_authToken=" + TokenB + "\n";
            var plan = PlanText(text);
            var problem = Assert.IsType<TokenProtectionException>(plan.Problem);
            Assert.Equal("NpmrcTokensAmbiguous", problem.ErrorId);
            Assert.Contains("/home/u/.npmrc", problem.Message);
            Assert.False(plan.HasChanges);
            AssertNoSecret(plan, TokenA, TokenB);

            foreach (var registry in new[] { "//npm.pkg.github.com/", "https://npm.pkg.github.com", "//npm.pkg.github.com" })
            {
                var narrowed = PlanText(text, new TokenProtectionOptions { VariableName = "GH_TOKEN", Registries = new[] { registry } });
                Assert.Null(narrowed.Problem);
                Assert.Equal(2, Assert.Single(narrowed.Changes).Line);
                Assert.Equal("//registry.npmjs.org/:_authToken=" + TokenA + "\n//npm.pkg.github.com/:_authToken=${GH_TOKEN}\n", Utf8.GetString(narrowed.Render()));
            }
        }

        [Fact]
        public void Different_tokens_for_one_variable_across_files_are_refused_together_and_Registry_narrows()
        {
            var home = TokenProtectionPlanner.PlanBytes(Target("/home/u/.npmrc"), Utf8.GetBytes("//registry.npmjs.org/:_authToken=" + TokenA + "\n"), new TokenProtectionOptions());
            var project = TokenProtectionPlanner.PlanBytes(Target("/home/u/app/.npmrc"), Utf8.GetBytes("//npm.pkg.github.com/:_authToken=" + TokenB + "\n"), new TokenProtectionOptions());
            Assert.Null(home.Problem);
            Assert.Null(project.Problem); // each file alone is unambiguous
            var problem = TokenProtectionPlanner.Ambiguity(new[] { home, project });
            Assert.NotNull(problem);
            Assert.Equal("NpmrcTokensAmbiguous", problem!.ErrorId);
            foreach (var part in new[] { "/home/u/.npmrc:1", "//registry.npmjs.org/", "/home/u/app/.npmrc:1", "//npm.pkg.github.com/", "${NPM_TOKEN}" })
                Assert.Contains(part, problem.Message);
            Assert.DoesNotContain(TokenA.Substring(4, 20), problem.Message);
            Assert.DoesNotContain(TokenB.Substring(4, 20), problem.Message);

            // the same token in both files: one variable is right
            var same = TokenProtectionPlanner.PlanBytes(Target("/home/u/app/.npmrc"), Utf8.GetBytes("//registry.npmjs.org/:_authToken=" + TokenA + "\n"), new TokenProtectionOptions());
            Assert.Null(TokenProtectionPlanner.Ambiguity(new[] { home, same }));
            // separate variables: no ambiguity
            var named = TokenProtectionPlanner.PlanBytes(Target("/home/u/app/.npmrc"), Utf8.GetBytes("//npm.pkg.github.com/:_authToken=" + TokenB + "\n"), new TokenProtectionOptions { VariableName = "GH_TOKEN" });
            Assert.Null(TokenProtectionPlanner.Ambiguity(new[] { home, named }));
            // -Registry narrows piped lines as it narrows a whole file
            var lines = new Dictionary<int, string?> { [1] = null };
            var narrowedHome = TokenProtectionPlanner.PlanBytes(Target("/home/u/.npmrc"), Utf8.GetBytes("//registry.npmjs.org/:_authToken=" + TokenA + "\n"),
                new TokenProtectionOptions { OnlyLines = lines, Registries = new[] { "//npm.pkg.github.com/" } });
            Assert.False(narrowedHome.HasChanges);
            Assert.Null(TokenProtectionPlanner.Ambiguity(new[] { narrowedHome, project }));
        }

        [Fact]
        public void Several_piped_lines_of_one_file_are_planned_together()
        {
            var text = "//registry.npmjs.org/:_authToken=" + TokenA + "\nx=1\n//r.example/:_authToken=" + TokenA + "\n";
            var plan = PlanText(text, new TokenProtectionOptions { OnlyLines = new Dictionary<int, string?> { [1] = "//registry.npmjs.org/:_authToken", [3] = null } });
            Assert.Equal(new[] { 1, 3 }, plan.Changes.Select(c => c.Line));
            Assert.Equal("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\nx=1\n//r.example/:_authToken=${NPM_TOKEN}\n", Utf8.GetString(plan.Render()));
            var twoTokens = PlanText(text.Replace("//r.example/:_authToken=" + TokenA, "//r.example/:_authToken=" + TokenB),
                new TokenProtectionOptions { OnlyLines = new Dictionary<int, string?> { [1] = null, [3] = null } });
            Assert.Equal("NpmrcTokensAmbiguous", Assert.IsType<TokenProtectionException>(twoTokens.Problem).ErrorId);
        }

        [Fact]
        public void A_line_that_already_refers_to_a_variable_is_left_alone()
        {
            var plan = PlanText("//r.example/:_authToken=${NPM_TOKEN}\n");
            Assert.False(plan.HasChanges);
            Assert.Contains(plan.Notes, n => n.Kind == TokenPlanNoteKind.Verbose && n.Message.Contains("already refers"));
        }

        [Theory]
        [InlineData("1TOKEN")]
        [InlineData("NPM-TOKEN")]
        [InlineData("A}B")]
        [InlineData("")]
        [InlineData("X?")]
        public void Unusable_variable_names_are_refused(string name)
        {
            var plan = PlanText("//r.example/:_authToken=" + TokenA + "\n", new TokenProtectionOptions { VariableName = name });
            Assert.Equal("InvalidVariableName", Assert.IsType<TokenProtectionException>(plan.Problem).ErrorId);
            Assert.Throws<ArgumentException>(() => EnvironmentReferenceWriter.ValueText(name));
        }

        [Fact]
        public void A_piped_line_is_protected_alone_and_refused_when_the_file_changed()
        {
            var text = "//registry.npmjs.org/:_authToken=" + TokenA + "\n//npm.pkg.github.com/:_authToken=" + TokenB + "\n";
            var plan = PlanText(text, new TokenProtectionOptions { OnlyLines = new Dictionary<int, string?> { [2] = "//npm.pkg.github.com/:_authToken" } });
            Assert.Equal(2, Assert.Single(plan.Changes).Line);
            var moved = PlanText(text, new TokenProtectionOptions { OnlyLines = new Dictionary<int, string?> { [1] = "//npm.pkg.github.com/:_authToken" } });
            Assert.Equal("NpmrcTokenLineChanged", Assert.IsType<TokenProtectionException>(moved.Problem).ErrorId);
        }

        [Fact]
        public void Binary_and_UTF16_files_are_recognised()
        {
            var binary = TokenProtectionPlanner.PlanBytes(Target(), new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2, (byte)'\n', (byte)'a' }, new TokenProtectionOptions());
            Assert.Equal("NpmrcBinaryContent", Assert.IsType<TokenProtectionException>(binary.Problem).ErrorId);

            var utf16 = new UnicodeEncoding(false, true).GetPreamble().Concat(Encoding.Unicode.GetBytes("//r.example/:_authToken=" + TokenA + "\r\n")).ToArray();
            var plan = TokenProtectionPlanner.PlanBytes(Target(), utf16, new TokenProtectionOptions());
            Assert.True(plan.ConvertsFromUtf16);
            Assert.Equal("//r.example/:_authToken=${NPM_TOKEN}\r\n", Utf8.GetString(plan.Render()));
        }

        [Fact]
        public void Too_large_files_and_directories_are_refused_when_read()
        {
            var p = new FakePlatform(false, "/home/u", "/home/u");
            p.AddFile("/home/u/big/.npmrc", new byte[TokenProtectionPlanner.MaxFileBytes + 1]);
            p.AddDirectory("/home/u/dir/.npmrc");
            var big = TokenProtectionPlanner.Plan(Target("/home/u/big/.npmrc"), new TokenProtectionOptions(), p);
            Assert.Equal("NpmrcTooLarge", Assert.IsType<TokenProtectionException>(big.Problem).ErrorId);
            var dir = TokenProtectionPlanner.Plan(Target("/home/u/dir/.npmrc"), new TokenProtectionOptions(), p);
            Assert.Equal(NpmrcWriteError.NotAFile, Assert.IsType<NpmrcWriteException>(dir.Problem).Kind);
        }

        [Fact]
        public void A_hard_linked_file_is_refused_as_unsafe_and_an_unreadable_one_as_denied()
        {
            var p = new FakePlatform(false, "/home/u", "/home/u");
            p.AddFile("/home/u/linked/.npmrc", "//r.example/:_authToken=" + TokenA + "\n").HardLink("/home/u/linked/.npmrc");
            p.AddFile("/home/u/denied/.npmrc", "//r.example/:_authToken=" + TokenA + "\n").Deny("/home/u/denied/.npmrc");
            var linked = Assert.IsType<NpmrcWriteException>(TokenProtectionPlanner.Plan(Target("/home/u/linked/.npmrc"), new TokenProtectionOptions(), p).Problem);
            // the walk's refusal is a security decision (SecurityError), not a permission the operator lacks
            Assert.Equal(NpmrcWriteError.UnsafePath, linked.Kind);
            Assert.Equal("SecurityError", linked.Category);
            Assert.Contains("hard links", linked.Message);
            Assert.DoesNotContain("run as its owner", linked.Message);
            var denied = Assert.IsType<NpmrcWriteException>(TokenProtectionPlanner.Plan(Target("/home/u/denied/.npmrc"), new TokenProtectionOptions(), p).Problem);
            Assert.Equal(NpmrcWriteError.AccessDenied, denied.Kind);
        }

        [Fact]
        public void The_writer_backs_up_with_the_Protect_reason_hands_out_the_secret_and_restore_brings_it_back()
        {
            var original = "strict-ssl=true\n//registry.npmjs.org/:_authToken=" + TokenA + "\n";
            _disk.Write(original);
            var plan = TokenProtectionPlanner.Plan(_disk.Target(), new TokenProtectionOptions());
            var writer = new NpmrcFileWriter(_disk.Store()) { Reason = "Protect-NpmrcToken" };
            var result = writer.Apply(plan);

            Assert.Equal(NpmrcApplyStatus.Changed, result.Status);
            Assert.Equal("strict-ssl=true\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", _disk.Read());
            var line = Assert.Single(result.Lines);
            Assert.Equal(result.BackupId, line.BackupId);
            Assert.Equal(TokenA, new NetworkCredential("", line.GetSecret()).Password);
            Assert.True(line.GetSecret()!.IsReadOnly());
            // the secret is no property at all: nothing that serializes properties can reach it
            Assert.DoesNotContain(typeof(NpmTokenProtection).GetProperties(), p => p.PropertyType == typeof(System.Security.SecureString) || p.PropertyType == typeof(string) && (string?)p.GetValue(line) == TokenA);
            Assert.DoesNotContain(TokenA, line.ToString());

            var backup = Assert.Single(_disk.Store().List());
            Assert.Equal("Protect-NpmrcToken", backup.Reason);
            Assert.DoesNotContain(TokenA, File.ReadAllText(backup.ManifestPath));
            Assert.Equal("${NPM_TOKEN}", backup.Changes.Single().NewValue);
            _disk.Store().RestoreLatest(_disk.Rc);
            Assert.Equal(original, _disk.Read());
        }

        [Fact]
        public void The_writer_replans_when_the_file_changed_after_planning()
        {
            _disk.Write("//registry.npmjs.org/:_authToken=" + TokenA + "\n");
            var plan = TokenProtectionPlanner.Plan(_disk.Target(), new TokenProtectionOptions());
            _disk.Write("# added meanwhile\n//registry.npmjs.org/:_authToken=" + TokenA + "\n");
            var result = _disk.Writer().Apply(plan);
            Assert.True(result.Replanned);
            Assert.Equal(2, Assert.Single(result.Lines).Line);
            Assert.Equal("# added meanwhile\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", _disk.Read());
        }

        /// <summary>
        /// The real npm, end to end: `npm whoami` against a registry on 127.0.0.1 sends the token from the variable when it
        /// is set, and, when it is not, the literal text ${NPM_TOKEN} as the bearer token (npm 11 neither fails nor warns).
        /// </summary>
        [Fact]
        public async Task Npm_sends_the_token_from_the_variable_and_the_literal_reference_when_unset()
        {
            using var listener = new HttpListener();
            int port = FreePort();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            var seen = new List<string?>();
            var serve = Task.Run(async () =>
            {
                while (listener.IsListening)
                {
                    HttpListenerContext ctx;
                    try { ctx = await listener.GetContextAsync(); } catch (Exception) { return; }
                    lock (seen) seen.Add(ctx.Request.Headers["Authorization"]);
                    var body = Utf8.GetBytes("{\"username\":\"tester\"}");
                    ctx.Response.ContentType = "application/json";
                    ctx.Response.OutputStream.Write(body, 0, body.Length);
                    ctx.Response.Close();
                }
            });

            _disk.Write($"//127.0.0.1:{port}/:_authToken=" + TokenA + "\n");
            var result = _disk.Writer().Apply(TokenProtectionPlanner.Plan(_disk.Target(), new TokenProtectionOptions { VariableName = "NPMH_TEST_TOKEN" }));
            Assert.Equal(NpmrcApplyStatus.Changed, result.Status);
            Assert.DoesNotContain(TokenA, _disk.Read());

            var withVariable = RunNpmWhoami(port, TokenA);
            var without = RunNpmWhoami(port, null);
            listener.Stop();
            await serve;
            Assert.True(withVariable.ExitCode == 0, withVariable.Output);
            Assert.True(without.ExitCode == 0, without.Output);
            Assert.Equal(new[] { "Bearer " + TokenA, "Bearer ${NPMH_TEST_TOKEN}" }, seen);
        }

        private (int ExitCode, string Output) RunNpmWhoami(int port, string? token)
        {
            var npmCli = Path.Combine(NodePeer.NpmRootPath, "bin", "npm-cli.js");
            var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { npmCli, "whoami", "--registry", $"http://127.0.0.1:{port}/", "--userconfig", _disk.Rc, "--no-update-notifier" })
                psi.ArgumentList.Add(a);
            psi.Environment.Clear();
            psi.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
            psi.Environment["HOME"] = _disk.Home;
            psi.Environment["USERPROFILE"] = _disk.Home;
            psi.Environment["npm_config_cache"] = Path.Combine(_disk.Root, "cache");
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) psi.Environment["SystemRoot"] = Environment.GetEnvironmentVariable("SystemRoot");
            if (token != null) psi.Environment["NPMH_TEST_TOKEN"] = token;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(60000);
            return (p.ExitCode, output + err.Result);
        }

        private static int FreePort()
        {
            var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }
    }
}
