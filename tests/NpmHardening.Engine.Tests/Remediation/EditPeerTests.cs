using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Tests.Support;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>
    /// Whole-file edits judged by npm itself: for generated .npmrc files (duplicates, sections, lists, quoting, comments,
    /// CR/LF/CRLF, BOM, no final newline), npm's ini.parse + parseField must read every planned key as intended after the
    /// edit and every other key exactly as before.
    /// </summary>
    public class EditPeerTests
    {
        private readonly ITestOutputHelper _out;
        public EditPeerTests(ITestOutputHelper output) { _out = output; }

        private static readonly string[] Lines =
        {
            "strict-ssl=false", "strict-ssl = true", "strict-ssl", "audit=false", "min-release-age=1", "min-release-age = 2 ; old",
            "allow-git=all", "allow-git='all'", "heading=\"quoted\"", "heading=a\\;b # note", "min-release-age-exclude[]=*",
            "min-release-age-exclude[]=@corp/*", "min-release-age-exclude=x", "; comment", "# comment", "", "   ", "[section]",
            "[a.b]", "x=1", "strict-ssl[]=true", "=ignored", "registry=https://r.example/", "é=ü", "key with spaces = v",
            "\"quoted key\"=1", "${HOME}=h", "heading", "a.b=c",
        };
        private static readonly string[] Newlines = { "\n", "\r\n", "\r" };

        private static readonly Gen<string> Documents =
            Gen.Select(Gen.Int[0, Lines.Length - 1].Array[0, 12], Gen.Int[0, 2], Gen.Bool, Gen.Bool, (ix, nl, bom, finalNewline) =>
            {
                var text = string.Join(Newlines[nl], ix.Select(i => Lines[i])) + (finalNewline && ix.Length > 0 ? Newlines[nl] : "");
                return (bom ? "\uFEFF" : "") + text;
            });

        private static readonly Dictionary<string, object?> Desired = new Dictionary<string, object?>
        {
            ["strict-ssl"] = true,
            ["min-release-age"] = 5,
            ["allow-git"] = "none",
            ["heading"] = "x;y = z",
            ["min-release-age-exclude"] = new[] { "@corp/*", "left-pad" },
        };

        [Fact]
        public void Edited_files_read_in_npm_as_planned_and_everything_else_as_before()
        {
            var docs = new List<string>();
            Documents.Sample(d => { docs.Add(d); }, iter: 2000, threads: 1);
            var cases = new List<(string Before, string After, HardeningPlan Plan)>();
            foreach (var doc in docs)
            {
                var p = new FakePlatform(false, "/home/u", "/home/u");
                p.AddFile("/home/u/.npmrc", doc);
                var plan = HardeningPlanner.PlanFile(new HardeningTarget(NpmHardeningScope.User, "/home/u/.npmrc", "/home/u"),
                    HardeningSettings.FromMap(Desired), RemediationDisk.Npm, p, "/home/u", "/home/u", new Dictionary<string, string> { ["HOME"] = "/home/u" });
                Assert.True(plan.Problem == null || plan.Problem.Kind == NpmrcWriteError.ReadFailed, plan.Problem?.Message);
                if (plan.Problem != null) continue; // npm's own parser throws on it
                cases.Add((doc, Encoding.UTF8.GetString(plan.Render()), plan));
            }
            var env = new JsObject { ["HOME"] = "/home/u" };
            var answers = NodePeer.Ask(cases.SelectMany(c => new[]
            {
                NodePeer.Request("iniField", ("text", c.Before), ("home", "/home/u"), ("env", env)),
                NodePeer.Request("iniField", ("text", c.After), ("home", "/home/u"), ("env", env)),
            }).ToList());
            var failures = new List<string>();
            int changes = 0;
            for (int i = 0; i < cases.Count; i++)
            {
                var (before, after, plan) = cases[i];
                if (!(answers[2 * i]["ok"] is JsObject b) || !(answers[2 * i + 1]["ok"] is JsObject a)) { failures.Add($"{Js.Js.ToJson(before)}: npm failed"); continue; }
                var changed = plan.Changes.Select(c => c.Key).ToHashSet();
                changes += changed.Count;
                foreach (var key in Desired.Keys)
                {
                    var expected = Js.Js.ToJson(NpmSettingValue.Normalize(key, Desired[key], NpmrcValueWriterTests.Context()));
                    // a key the plan left alone was already compliant in the file (or by default)
                    if (changed.Contains(key) && Js.Js.ToJson(a[key]) != expected)
                        failures.Add($"{Js.Js.ToJson(before)} -> {Js.Js.ToJson(after)}: npm reads {key} as {Js.Js.ToJson(a[key])}, planned {expected}");
                }
                foreach (var key in b.Keys.Concat(a.Keys).Distinct())
                    if (!changed.Contains(key) && Js.Js.ToJson(a[key]) != Js.Js.ToJson(b[key]))
                        failures.Add($"{Js.Js.ToJson(before)} -> {Js.Js.ToJson(after)}: npm's {key} changed from {Js.Js.ToJson(b[key])} to {Js.Js.ToJson(a[key])}");
            }
            _out.WriteLine($"{cases.Count} generated files, {changes} planned changes, checked with npm's ini + parseField");
            Assert.True(failures.Count == 0, $"{failures.Count} problems:\n" + string.Join("\n", failures.Take(10)));
        }
    }
}
