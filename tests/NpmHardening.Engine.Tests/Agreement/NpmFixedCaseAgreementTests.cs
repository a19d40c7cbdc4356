using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NpmHardening.Engine.Config;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Agreement
{
    /// <summary>
    /// Hand-written configurations (issue 10 §E) run through the same two npm peers as the generated suite:
    /// npm's Config class (npm-layers.js) and the real <c>npm config ls -l --json</c>. Every key must agree,
    /// npm must fail exactly where the engine reports that it cannot start, and each case also states what
    /// npm 11.19.1 did when it was first reproduced by hand (docs/npm-agreement.md lists the commands).
    /// </summary>
    public class NpmFixedCaseAgreementTests
    {
        private readonly ITestOutputHelper _output;
        public NpmFixedCaseAgreementTests(ITestOutputHelper output) { _output = output; }

        private const string R = Scenario.RootToken;

        /// <summary>A case: its scenario, whether npm stops at start, and an issue the engine must report.</summary>
        public sealed class FixedCase
        {
            public FixedCase(string name, Scenario scenario, bool npmFails, NpmConfigIssueKind? issue = null, Func<NpmConfigResolution, string?>? check = null)
            {
                Name = name; Scenario = scenario; NpmFails = npmFails; Issue = issue; Check = check;
                scenario.Seed = name;
            }
            public string Name { get; }
            public Scenario Scenario { get; }
            public bool NpmFails { get; }
            public NpmConfigIssueKind? Issue { get; }
            /// <summary>An extra assertion on the engine's answer (null: fine; else what is wrong).</summary>
            public Func<NpmConfigResolution, string?>? Check { get; }
        }

        private static Scenario Base(string cwd)
        {
            var s = new Scenario { Cwd = cwd };
            s.Env.Add(new KeyValuePair<string, string>("HOME", R + "/home"));
            s.Env.Add(new KeyValuePair<string, string>("PREFIX", R + "/prefix"));
            s.Dirs.Add("home");
            return s;
        }

        /// <summary>A monorepo at work/mono with packages a, b, .hidden and apps/web; each folder's .npmrc sets its own fetch-retries.</summary>
        private static Scenario Mono(string workspacesJson, string cwd)
        {
            var s = Base(cwd);
            s.Files["work/mono/package.json"] = "{\"name\":\"mono\",\"workspaces\":" + workspacesJson + "}\n";
            s.Files["work/mono/.npmrc"] = "fetch-retries=1\n";
            foreach (var (dir, n) in new[] { ("packages/a", 2), ("packages/b", 3), ("packages/.hidden", 4), ("apps/web", 5) })
            {
                s.Files[$"work/mono/{dir}/package.json"] = "{\"name\":\"" + dir.Replace('/', '-') + "\"}\n";
                s.Files[$"work/mono/{dir}/.npmrc"] = $"fetch-retries={n}\n";
            }
            return s;
        }

        private static Func<NpmConfigResolution, string?> RootIs(string relative) => r =>
            r.LocalPrefix.EndsWith("/" + relative, StringComparison.Ordinal) ? null : $"project root {r.LocalPrefix}, expected …/{relative}";

        private static Scenario With(Scenario s, Action<Scenario> change) { change(s); return s; }

        public static IReadOnlyList<FixedCase> Cases()
        {
            var list = new List<FixedCase>
            {
                // ---- workspace membership (npm prefix printed the root named in the comment, npm 11.19.1)
                new FixedCase("ws-negated-before", Mono("[\"!packages/b\",\"packages/*\"]", "work/mono/packages/b"), false, check: RootIs("packages/b")),
                new FixedCase("ws-negated-after", Mono("[\"packages/*\",\"!packages/b\"]", "work/mono/packages/b"), false, check: RootIs("packages/b")),
                new FixedCase("ws-negation-cancelled", Mono("[\"!packages/b\",\"packages/b\"]", "work/mono/packages/b"), false, check: RootIs("mono")),
                new FixedCase("ws-dot-folder-star", Mono("[\"packages/*\"]", "work/mono/packages/.hidden"), false, check: RootIs("packages/.hidden")),
                new FixedCase("ws-dot-folder-named", Mono("[\"packages/.hidden\"]", "work/mono/packages/.hidden"), false, check: RootIs("mono")),
                new FixedCase("ws-dot-folder-globstar", Mono("[\"**\"]", "work/mono/packages/.hidden"), false, check: RootIs("packages/.hidden")),
                new FixedCase("ws-leading-slash", Mono("[\"/packages/a\"]", "work/mono/packages/a"), false, check: RootIs("mono")),
                new FixedCase("ws-double-bang", Mono("[\"!!packages/a\"]", "work/mono/packages/a"), false, check: RootIs("mono")),
                new FixedCase("ws-triple-bang", Mono("[\"packages/*\",\"!!!packages/a\"]", "work/mono/packages/a"), false, check: RootIs("packages/a")),
                new FixedCase("ws-dotdot-inside", Mono("[\"packages/../apps/*\"]", "work/mono/apps/web"), false, check: RootIs("mono")),
                new FixedCase("ws-dotdot-through-parent", Mono("[\"../mono/packages/a\"]", "work/mono/packages/a"), false, check: RootIs("packages/a")),
                new FixedCase("ws-dot-slash-twice", Mono("[\"././packages/a\"]", "work/mono/packages/a"), false, check: RootIs("packages/a")),
                new FixedCase("ws-braces", Mono("[\"packages/{a,b}\"]", "work/mono/packages/b"), false, check: RootIs("mono")),
                new FixedCase("ws-comment", Mono("[\"#packages/a\"]", "work/mono/packages/a"), false, check: RootIs("packages/a")),
                new FixedCase("ws-packages-object", Mono("{\"packages\":[\"packages/*\"]}", "work/mono/packages/a"), false, check: RootIs("mono")),

                // ---- npm refuses to start (every command exits 1)
                new FixedCase("omit-section", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "[omit]\nx=1\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("omit-bare", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "omit\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("include-quoted-number", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "include='5'\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("include-number-unquoted", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "include=5\n"; }), false),
                new FixedCase("prefix-bare-user", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["home/.npmrc"] = "prefix\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("prefix-bare-global", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["prefix/etc/npmrc"] = "prefix\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("prefix-bare-globalconfig-set", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n"; s.Files["home/.npmrc"] = "prefix\n";
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_globalconfig", R + "/alt/globalrc"));
                }), false),
                new FixedCase("ws-duplicate-names", With(Mono("[\"packages/*\"]", "work/mono/packages/a"), s =>
                {
                    s.Files["work/mono/packages/a/package.json"] = "{\"name\":\"dup\"}\n"; s.Files["work/mono/packages/b/package.json"] = "{\"name\":\"dup\"}\n";
                }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-broken-manifest", With(Mono("[\"packages/*\"]", "work/mono/packages/a"), s => s.Files["work/mono/packages/b/package.json"] = "{ \"name\": \"b\", }\n"), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-null-manifest", With(Mono("[\"packages/*\"]", "work/mono/packages/a"), s => s.Files["work/mono/packages/b/package.json"] = "null\n"), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-bin-dir-number", With(Mono("[\"packages/*\"]", "work/mono/packages/a"), s => s.Files["work/mono/packages/b/package.json"] = "{\"directories\":{\"bin\":5}}\n"), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-not-an-array", Mono("\"packages/*\"", "work/mono/packages/a"), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-object-without-packages", Mono("{}", "work/mono/packages/a"), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-pattern-not-a-string", Mono("[5]", "work/mono/packages/a"), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("ws-broken-root-ignored", With(Mono("[\"packages/*\"]", "work/mono/packages/a"), s => s.Files["work/mono/package.json"] = "{\"workspaces\":[\"packages/*\"],\"bin\":[5]}\n"), false, check: RootIs("packages/a")),
                new FixedCase("cafile-folder-in-lower-layer", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n"; s.Dirs.Add("home/certs");
                    s.Files["home/.npmrc"] = "cafile=~/certs\n"; s.Files["work/app/.npmrc"] = "cafile=./missing.pem\n";
                }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("cache-bare", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "cache\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("searchexclude-list", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "searchexclude[]=a\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("min-release-age-exclude-bare", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["home/.npmrc"] = "min-release-age-exclude\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("user-agent-number", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "user-agent='5'\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("scope-section", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "[scope]\nx=1\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("only-section-read-by-higher-omit", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["home/.npmrc"] = "[only]\nx=1\n"; s.Files["work/app/.npmrc"] = "omit[]=dev\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("editor-section", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "[editor]\nx=1\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("userconfig-section", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "[userconfig]\nx=1\n"; }), true, NpmConfigIssueKind.StartupFailure),
                new FixedCase("scope-json-object", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "scope='{\"a\":1}'\n"; }), false),

                // ---- npm loads, then refuses its commands (lib/npm.js reads workspaces/workspace unvalidated before each one)
                new FixedCase("global-with-workspaces-string", With(Base("work/app"), s =>
                {
                    // seed 46OHAJQC7kBIIurJ: "false;tail" is a truthy string until a command validates it
                    s.Files["work/app/package.json"] = "{}\n"; s.Files["home/.npmrc"] = "workspaces=false\\;tail\n"; s.Files["prefix/etc/npmrc"] = "global=true ; trailing\n";
                }), false, NpmConfigIssueKind.CommandCrash),
                new FixedCase("global-with-workspaces-false", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n"; s.Files["home/.npmrc"] = "workspaces=false ;tail\n"; s.Files["prefix/etc/npmrc"] = "global=true\n";
                }), false, check: r => r.Issues.Any(i => i.Kind == NpmConfigIssueKind.CommandCrash) ? "no command crash expected" : null),
                new FixedCase("workspace-null", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "workspace=null\n"; }),
                    false, NpmConfigIssueKind.CommandCrash),

                // ---- HOME, the working directory, the project marker
                new FixedCase("home-empty", With(Base("work/app"), s =>
                {
                    s.Env[0] = new KeyValuePair<string, string>("HOME", "");
                    s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/~/.npmrc"] = "fetch-retries=4\ninit-module=~/init.js\n";
                }), false, NpmConfigIssueKind.EmptyHome),
                new FixedCase("cwd-through-symlink", With(Base("lnk/src"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "cache=./c\nfetch-retries=6\n"; s.Dirs.Add("work/app/src");
                    s.Links["lnk"] = R + "/work/app";
                }), false, check: RootIs("work/app")),
                new FixedCase("cwd-symlink-into-workspace", With(Mono("[\"packages/*\"]", "wslink"), s => s.Links["wslink"] = R + "/work/mono/packages/a"), false, check: RootIs("mono")),
                new FixedCase("dangling-package-json-link", With(Base("work/app/sub"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "fetch-retries=5\n"; s.Files["work/app/sub/.npmrc"] = "fetch-retries=6\n";
                    s.Links["work/app/sub/package.json"] = "missing.json";
                }), false, check: RootIs("work/app")),

                // ---- JavaScript semantics
                new FixedCase("env-prototype-names", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Files["work/app/.npmrc"] = "init-author-name=${constructor}\ntag=${__proto__}\ninit-license=${toString}x\n${hasOwnProperty}=1\npreid=${valueOf?}\n";
                }), false),
                new FixedCase("lang-trailing-newline", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Env.Add(new KeyValuePair<string, string>("LANG", "en_US.UTF-8\n")); }), false,
                    check: r => r.GetEffective("unicode")?.Value is bool b && !b ? null : "unicode should be false"),
                new FixedCase("only-prod-newline", With(Base("work/app"), s => { s.Files["work/app/package.json"] = "{}\n"; s.Files["work/app/.npmrc"] = "only[]=\"prod\\n\"\n"; }), false),
                new FixedCase("huge-number-literals", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Files["work/app/.npmrc"] = "fetch-retries=0x1000000000000081\nfetch-timeout=0o7777777777777777777777\nmaxsockets=123456789012345678901234567890\n" +
                        "logs-max=0b1111111111111111111111111111111111111111111111111111111\nfetch-retry-mintimeout=9007199254740993\numask=07777777777777777777777777\ndepth=1e400\n";
                }), false),
                new FixedCase("dotted-capital-i", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Env.Add(new KeyValuePair<string, string>("NPM_CONFIG_İNIT_LICENSE", "MIT"));
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_ΑΣ", "x"));
                }), false),
                new FixedCase("env-clash-upper-last", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_fetch_retries", "1"));
                    s.Env.Add(new KeyValuePair<string, string>("NPM_CONFIG_FETCH_RETRIES", "2"));
                }), false, NpmConfigIssueKind.EnvironmentClash, r => Js.Js.ToJson(r.GetEffective("fetch-retries")?.Value) == "2" ? null : "fetch-retries should be 2"),
                new FixedCase("env-clash-lower-last", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Env.Add(new KeyValuePair<string, string>("NPM_CONFIG_FETCH_RETRIES", "2"));
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_fetch_retries", "1"));
                }), false, NpmConfigIssueKind.EnvironmentClash, r => Js.Js.ToJson(r.GetEffective("fetch-retries")?.Value) == "1" ? null : "fetch-retries should be 1"),
                // a NUL ends an environment string: npm sees "'5'\n\n" (one list item) and "3" (seed awsvdI4uZJbjjZ7K1)
                new FixedCase("env-value-with-nul", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_min_release_age_exclude", "'5'\n\n\u0000noeq"));
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_fetch_retries", "3\u0000junk"));
                }), false, check: r => Js.Js.ToJson(r.GetEffective("fetch-retries")?.Value) == "3" ? null : "fetch-retries should be 3"),
                new FixedCase("env-clash-dash-underscore", With(Base("work/app"), s =>
                {
                    s.Files["work/app/package.json"] = "{}\n";
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_fetch-retries", "3"));
                    s.Env.Add(new KeyValuePair<string, string>("npm_config_fetch_retries", "4"));
                }), false, NpmConfigIssueKind.EnvironmentClash),
            };
            return list;
        }

        [Fact]
        public async Task Engine_agrees_with_npm_on_the_issue_10_cases()
        {
            var cases = Cases();
            var settings = new AgreementSettings { Count = cases.Count, MasterSeed = "fixed", Shrink = false };
            var run = await AgreementRun.ExecuteAsync(settings, cases.Select(c => c.Scenario).ToList());
            _output.WriteLine(run.Summary());
            var problems = new List<string>();
            foreach (var p in run.Prepared)
            {
                var c = cases.First(x => ReferenceEquals(x.Scenario, p.Scenario));
                bool npmFailed = p.Layers?.Error != null || p.List?.Error != null && AgreementRun.CommandRefusal(p.List.Error, p.Layers!) == null;
                if (npmFailed != c.NpmFails)
                    problems.Add($"{c.Name}: npm {(npmFailed ? "failed" : "started")} ({p.Layers?.Error ?? p.List?.Error ?? "no error"}), the case says it {(c.NpmFails ? "fails" : "starts")}");
                if (p.Ours == null) { problems.Add($"{c.Name}: engine threw {p.OursError}"); continue; }
                if (c.Issue is NpmConfigIssueKind kind && !p.Ours.Issues.Any(i => i.Kind == kind))
                    problems.Add($"{c.Name}: no {kind} issue (issues: {string.Join("; ", p.Ours.Issues.Select(i => i.Kind))})");
                if (c.Check?.Invoke(p.Ours) is string wrong) problems.Add($"{c.Name}: {wrong}");
            }
            foreach (var d in run.Disagreements) problems.Add($"{d.Scenario.Seed}: {d}");
            Assert.True(problems.Count == 0, string.Join("\n", problems) + "\n" + run.Report(20));
        }
    }
}
