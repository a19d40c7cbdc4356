using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// The minimatch and brace-expansion ports against the installed npm's own minimatch, on generated paths
    /// and patterns with the option sets npm's workspace code uses. Each failure prints its input.
    /// </summary>
    public class GlobPortPeerTests
    {
        private static readonly string[] PathParts = { "a", "b", ".dot", "..", ".", "", "x.js", "A", "ab", "@s", "node_modules", "a b", "a\n", "[a]", "*" };
        private static readonly string[] PatternParts =
        {
            "*", "**", "?", "a", "b", "[ab]", "[!a]", "[^b]", "{a,b}", "*.js", ".*", "..", ".", "a*", "\\*", "[[:alpha:]]", "[a-c]", "#x", "!a", "",
            "@s", "?.js", "*.*", "{a,}", "[]", "[\\]]", "x{1..3}", "a\\", "A", "node_modules", "[z-a]", "{a,b}{c,d}", "a\n",
        };

        private static readonly (string Name, JsObject Options, MinimatchOptions Ours)[] MatchOptions =
        {
            ("default", new JsObject(), new MinimatchOptions()),
            ("partial", new JsObject { ["partial"] = true, ["windowsPathsNoEscape"] = true }, new MinimatchOptions { Partial = true, WindowsPathsNoEscape = true }),
            ("dot", new JsObject { ["dot"] = true }, new MinimatchOptions { Dot = true }),
            ("nocase", new JsObject { ["nocase"] = true }, new MinimatchOptions { NoCase = true }),
            ("glob", new JsObject { ["optimizationLevel"] = 2.0, ["nocomment"] = true, ["nonegate"] = true },
                new MinimatchOptions { OptimizationLevel = 2, NoComment = true, NoNegate = true }),
            ("ignore", new JsObject { ["optimizationLevel"] = 2.0, ["nocomment"] = true, ["nonegate"] = true, ["dot"] = true },
                new MinimatchOptions { OptimizationLevel = 2, NoComment = true, NoNegate = true, Dot = true }),
        };

        [Fact]
        public void Minimatch_matches_npm_minimatch_on_generated_paths_and_patterns()
        {
            var cases = new List<(string Path, string Pattern, int Options)>();
            Gen.Select(Gen.Int[0, PathParts.Length - 1].Array[1, 5], Gen.Int[0, PatternParts.Length - 1].Array[1, 5], Gen.Int[0, MatchOptions.Length - 1], Gen.Bool)
                .Sample((p, q, o, lead) => cases.Add(((lead ? "/" : "") + string.Join("/", p.Select(i => PathParts[i])), string.Join("/", q.Select(i => PatternParts[i])), o)),
                    iter: 6000, threads: 1, seed: "0M1n1match00");
            cases.AddRange(new[]
            {
                ("packages/a", "packages/*", 1), ("packages/.dot", "packages/*", 1), ("packages", "packages/*", 1), ("x/packages/a", "packages/*", 1),
                ("packages/a/b", "packages/**", 0), ("packages/.x/b", "packages/**", 0), ("packages/a", "./packages/a", 1), ("packages/b", "packages/a/../b", 1),
                ("../mono/packages/a", "../mono/packages/a", 1), ("packages/a", "../mono/packages/a", 1), ("a/b/c", "a/**/b/**/c", 0), ("a/.b/c", "a/**/c", 4),
                // level-1 ".." folding keeps a '' before it (JavaScript's falsy prev): "/{a,}/.." is {"/", "/.."}
                ("/..", "/{a,}/..", 3), ("/..", "{a,}/..", 0), ("a", "/../{a,}/../{a,}", 1), ("A/", "/../*", 0),
                ("/../@s/x.js", "{a,}/..//**/*.*", 0), ("/A/a", "/../**", 3), ("/..", "/../x{1..3}/@s", 1),
            });
            var answers = NodePeer.Ask(cases.Select(c => NodePeer.Request("minimatch", ("path", c.Path), ("pattern", c.Pattern), ("options", MatchOptions[c.Options].Options))).ToList());
            var failures = new List<string>();
            for (int i = 0; i < cases.Count; i++)
            {
                var (path, pattern, o) = cases[i];
                string ours;
                try { ours = Minimatch.IsMatch(path, pattern, MatchOptions[o].Ours) ? "true" : "false"; }
                catch (Exception e) { ours = "throws " + e.Message; }
                var node = answers[i].ContainsKey("error") ? "throws " + answers[i]["error"] : Js.Js.ToJson(answers[i]["ok"]);
                if (ours != node) failures.Add($"minimatch({Js.Js.ToJson(path)}, {Js.Js.ToJson(pattern)}, {MatchOptions[o].Name}): node {node} ours {ours}");
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} differ:\n" + string.Join("\n", failures.Take(15)));
        }

        private static readonly string[] BraceParts =
            { "{", "}", ",", "a", "b", "..", "1", "2", "-", "\\", ".", "$", "x{a,b}y", "{1..3}", "{a..c}", "{01..3}", "{a,{b,c}}", "{}", "{3..1..2}", "{a..e..2}", "\\{", "\\,", "0", "{-2..2}" };

        [Fact]
        public void Brace_expansion_matches_npm_minimatch()
        {
            var patterns = new List<string>();
            Gen.Int[0, BraceParts.Length - 1].Array[1, 7].Select(ix => string.Concat(ix.Select(i => BraceParts[i])))
                .Sample(p => patterns.Add(p), iter: 4000, threads: 1, seed: "0Braces00000");
            var answers = NodePeer.Ask(patterns.Select(p => NodePeer.Request("braces", ("pattern", p))).ToList());
            var failures = new List<string>();
            for (int i = 0; i < patterns.Count; i++)
            {
                var node = Js.Js.ToJson(answers[i]["ok"]);
                var ours = Js.Js.ToJson(Minimatch.BraceExpand(patterns[i], new MinimatchOptions()).Cast<object?>().ToList());
                if (node != ours) failures.Add($"braceExpand({Js.Js.ToJson(patterns[i])}): node {node} ours {ours}");
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of {patterns.Count} differ:\n" + string.Join("\n", failures.Take(15)));
        }
    }
}
