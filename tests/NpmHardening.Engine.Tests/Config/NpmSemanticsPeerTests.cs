using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Config
{
    /// <summary>
    /// Differential tests: the engine's ports against npm's own modules (ini, env-replace, nerf-dart,
    /// parse-field, node:path), on generated inputs. Any disagreement prints the input.
    /// </summary>
    public class NpmSemanticsPeerTests
    {
        private static readonly string[] LineParts =
        {
            "registry", "strict-ssl", "ignore-scripts", "omit[]", "key[]", "//r.example.com/:_authToken", "__proto__", "a.b", "1", "0x10",
            "=", "=", " ", "\t", ";", "#", "\\;", "\\#", "\\", "\"", "'", "\"x=y\"", "'quoted'", "\"true\"", "'123'", "'[1,2]'", "\"\\u0041\"",
            "[sec]", "[a.b]", "[__proto__]", "[a\\.b]", "true", "false", "null", "undefined", "${HOME}", "\\${HOME}", "${NOPE}", "${NOPE?}",
            "é", "\u00A0", "\uFEFF", "\u2028", "[]", "value", " spaced value ", "\r\n", "\n", "\r",
        };

        private static readonly Gen<string> IniTexts =
            Gen.Int[0, LineParts.Length - 1].Array[0, 40].Select(ix => string.Concat(ix.Select(i => LineParts[i])));

        [Fact]
        public void Ini_decoding_matches_npm_ini_on_generated_documents()
        {
            var texts = new List<string>();
            IniTexts.Sample(t => { texts.Add(t); }, iter: 5000, threads: 1);
            texts.AddRange(new[]
            {
                "a=1\na[]=2\n", "a[]=1\na=2\n", "x=1\n[x]\ny=2\n", "[a]\nb=1\n[a.c]\nd=2\n", "'=1", "\"k\"=v", "'null'=v",
                "key = \"a\" \"b\"", "k='", "k=\"", "[a]\n[a.b]\nc=1\na=3", "a=\n", "a\n", "a;b=c", "\uFEFF[sec]\nx=1",
            });
            var answers = NodePeer.Ask(texts.Select(t => NodePeer.Request("ini", ("text", t))).ToList());
            var failures = new List<string>();
            for (int i = 0; i < texts.Count; i++)
            {
                var decoded = NpmrcDocument.Parse(texts[i]).Decode();
                if (answers[i].ContainsKey("error"))
                {
                    if (decoded.Failure == null) failures.Add($"{Js.Js.ToJson(texts[i])}\n  npm throws ({answers[i]["error"]}), ours parsed it");
                    continue;
                }
                if (decoded.Failure != null) { failures.Add($"{Js.Js.ToJson(texts[i])}\n  npm parses it, ours failed: {decoded.Failure}"); continue; }
                var expected = Js.Js.ToJson(answers[i]["ok"]);
                var actual = Js.Js.ToJson(decoded.Values);
                if (expected != actual) failures.Add($"{Js.Js.ToJson(texts[i])}\n  npm:  {expected}\n  ours: {actual}");
            }
            Assert.True(failures.Count == 0, $"{failures.Count} of {texts.Count} differ:\n" + string.Join("\n", failures.Take(10)));
        }

        [Fact]
        public void Env_expansion_matches_npm_env_replace()
        {
            var env = new Dictionary<string, string> { ["HOME"] = "/home/u", ["TOKEN"] = "t$k", ["EMPTY"] = "" };
            var parts = new[] { "${HOME}", "${TOKEN}", "${EMPTY}", "${NOPE}", "${NOPE?}", "${HOME?}", "\\", "\\\\", "$", "{", "}", "x", "${", "?", "${a b}" };
            var texts = new List<string>();
            Gen.Int[0, parts.Length - 1].Array[0, 12].Select(ix => string.Concat(ix.Select(i => parts[i]))).Sample(t => { texts.Add(t); }, iter: 2000, threads: 1);
            var answers = NodePeer.Ask(texts.Select(t => NodePeer.Request("env", ("text", t), ("env", NodePeer.EnvObject(env)))).ToList());
            for (int i = 0; i < texts.Count; i++)
                Assert.Equal(answers[i]["ok"] as string, EnvExpansion.Replace(texts[i], n => env.TryGetValue(n, out var v) ? v : null));
        }

        [Fact]
        public void Number_to_string_matches_javascript()
        {
            var numbers = new[] { 0.0, -0.0, 1, -1, 0.1, 1e21, 1e20, 123456789012345680000.0, 1.5e-7, 0.000001, 1e-6, 0.0000015, 2.5e300, -3.75, 1.0 / 3, 5e-324, double.MaxValue };
            var answers = NodePeer.Ask(numbers.Select(n => NodePeer.Request("env", ("text", "${N}"), ("env", new JsObject { ["N"] = n }))).ToList());
            for (int i = 0; i < numbers.Length; i++)
                Assert.Equal(answers[i]["ok"] as string, Js.Js.NumberToString(numbers[i]));
        }

        [Fact]
        public void Nerf_darts_match_npm()
        {
            var urls = new[]
            {
                "https://registry.npmjs.org/", "https://registry.npmjs.org", "https://REGISTRY.npmjs.org:443/", "http://localhost:4873/",
                "https://r.example.com/npm/repo", "https://r.example.com/npm/repo/", "https://r.example.com/a/../b/c", "https://user:pw@r.example.com/x/",
                "https://r.example.com:8443/path/to/registry/", "http://127.0.0.1:80/", "https://r.example.com/a%20b/", "https://r.example.com/?q=1",
            };
            var answers = NodePeer.Ask(urls.Select(u => NodePeer.Request("nerf", ("url", u))).ToList());
            for (int i = 0; i < urls.Length; i++)
                Assert.Equal(answers[i]["ok"] as string, NerfDart.FromUrl(urls[i]));
        }

        [Fact]
        public void Posix_and_win32_paths_match_node()
        {
            var posix = new[] { new[] { "/home/u", "a/b" }, new[] { "/home/u", "../x" }, new[] { "/", ".." }, new[] { "/a//b/", "./c/" }, new[] { "/a", "/b", "c" }, new[] { "/a", "~/x" } };
            var win = new[] { new[] { "C:\\Users\\u", "a\\b" }, new[] { "C:\\Users\\u", "..\\..\\.." }, new[] { "C:\\x", "D:\\y", "z" }, new[] { "C:\\x", "\\root" },
                              new[] { "C:\\x", "\\\\server\\share\\dir", ".." }, new[] { "C:\\x", "C:/mixed/seps/" }, new[] { "C:\\Program Files\\nodejs", "etc/npmrc" } };
            var requests = posix.Select(a => NodePeer.Request("resolve", ("flavor", "posix"), ("args", a.Cast<object?>().ToList())))
                .Concat(win.Select(a => NodePeer.Request("resolve", ("flavor", "win32"), ("args", a.Cast<object?>().ToList())))).ToList();
            var dirs = new[] { "/usr/bin/node", "/", "/a/", "a", "/a/b//" };
            var wdirs = new[] { "C:\\Program Files\\nodejs\\node.exe", "C:\\", "C:\\a\\", "\\\\server\\share\\x", "a\\b" };
            requests.AddRange(dirs.Select(d => NodePeer.Request("dirname", ("flavor", "posix"), ("path", d))));
            requests.AddRange(wdirs.Select(d => NodePeer.Request("dirname", ("flavor", "win32"), ("path", d))));
            var answers = NodePeer.Ask(requests);
            int k = 0;
            foreach (var a in posix) Assert.Equal(answers[k++]["ok"] as string, NodePath.Posix.Resolve(a[0], a.Skip(1).ToArray()));
            foreach (var a in win) Assert.Equal(answers[k++]["ok"] as string, NodePath.Win32.Resolve(a[0], a.Skip(1).ToArray()));
            foreach (var d in dirs) Assert.Equal(answers[k++]["ok"] as string, NodePath.Posix.Dirname(d));
            foreach (var d in wdirs) Assert.Equal(answers[k++]["ok"] as string, NodePath.Win32.Dirname(d));
        }

        [Fact]
        public void Field_typing_matches_npm_parse_field()
        {
            var npm = NpmLocator.Locate(SystemPlatform.Instance, SystemPlatform.Instance.Environment);
            var version = npm.EffectiveNpmVersion;
            var env = new Dictionary<string, string> { ["HOME"] = "/home/u", ["N"] = "7" };
            var cases = new List<(object? Value, string Key)>();
            var keys = new[] { "strict-ssl", "registry", "fetch-retries", "userconfig", "cache", "omit", "umask", "before", "allow-git", "min-release-age", "color", "unknown-key", "//r/:_authToken", "ca", "loglevel", "depth", "save-prefix" };
            var values = new object?[] { "true", "false", "null", "undefined", "", " 3 ", "0x1f", "1e3", "abc", "~/x", "./rel", "${HOME}/y", "${N}", "022", "0o777", "0", "18", "2024-01-02", "dev\n\noptional", true, 5.0 };
            // Date-typed keys get only ISO-8601 text: V8's fallback parser for other text ("3", "0") is
            // implementation-defined (new Date(" 3 ") is March 2001) and documented as out of scope.
            foreach (var key in keys) foreach (var value in values)
                if (key != "before" || value is string sv && System.Text.RegularExpressions.Regex.IsMatch(sv, @"^\d{4}-\d{2}-\d{2}")) cases.Add((value, key));
            var answers = NodePeer.Ask(cases.Select(c => NodePeer.Request("field", ("value", c.Value), ("key", c.Key), ("home", "/home/u"), ("env", NodePeer.EnvObject(env)))).ToList());
            var context = new FieldContext(NodePath.Posix, Environment.CurrentDirectory, "/home/u", n => env.TryGetValue(n, out var v) ? v : null, k => NpmConfigCatalog.Default.Find(k, version));
            var failures = new List<string>();
            for (int i = 0; i < cases.Count; i++)
            {
                var expected = answers[i]["ok"];
                if (expected is JsObject o && o.ContainsKey("$undefined")) expected = JsUndefined.Value;
                else if (expected is JsObject d && d.ContainsKey("$date")) expected = d["$date"];
                var ours = ConfigFieldParser.Parse(cases[i].Value, cases[i].Key, context);
                if (ours is JsDate date) ours = date.ToIsoString();
                var e = expected is JsUndefined ? "undefined" : Js.Js.ToJson(expected);
                var a = ours is JsUndefined ? "undefined" : Js.Js.ToJson(ours);
                if (e != a) failures.Add($"{cases[i].Key} = {Js.Js.ToJson(cases[i].Value)}: npm {e}, ours {a}");
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
    }
}
