using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Tests.Support;
using Xunit.Abstractions;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>
    /// What NpmrcValueWriter writes reads back as the intended value: through the foundation's ini + parse-field ports
    /// for every generated value, through npm's own modules (node peer) for the same values, and through the real
    /// `npm config get` for a sample.
    /// </summary>
    public class NpmrcValueWriterTests
    {
        private readonly ITestOutputHelper _out;
        public NpmrcValueWriterTests(ITestOutputHelper output) { _out = output; }

        internal static readonly NpmVersion Npm = NpmVersion.Parse("11.19.1");
        internal static FieldContext Context(IReadOnlyDictionary<string, string>? env = null) =>
            NpmrcValueWriter.CreateContext(Npm, NodePath.Posix, "/work/app", "/home/u", env ?? new Dictionary<string, string> { ["HOME"] = "/home/u", ["X"] = "expanded" });

        private static IReadOnlyList<string> Lines(string key, object? value) => NpmrcValueWriter.FormatLines(key, value, Context());

        [Theory]
        [InlineData("strict-ssl", true, "strict-ssl=true")]
        [InlineData("strict-ssl", false, "strict-ssl=false")]
        [InlineData("min-release-age", 7.0, "min-release-age=7")]
        [InlineData("min-release-age", 0.5, "min-release-age=0.5")]
        [InlineData("allow-git", "none", "allow-git=none")]
        [InlineData("registry", "https://registry.npmjs.org/", "registry=https://registry.npmjs.org/")]
        [InlineData("heading", "a;b#c", "heading=a\\;b\\#c")]
        [InlineData("heading", "a=b", "heading=\"a=b\"")]
        [InlineData("heading", "[x]", "heading=\"[x]\"")]
        [InlineData("heading", "\"quoted\"", "heading=\"\\\"quoted\\\"\"")]
        [InlineData("heading", "'q'", "heading=\"'q'\"")]
        [InlineData("heading", "C:\\certs\\ca.pem", "heading=C:\\certs\\ca.pem")]
        [InlineData("heading", "a\\;b", "heading=a\\\\\\;b")]
        [InlineData("heading", "${HOME}", "heading=\\${HOME}")]
        [InlineData("heading", "line\u2028sep", "heading=\"line\\u2028sep\"")]
        [InlineData("heading", "two\nlines", "heading=\"two\\nlines\"")]
        [InlineData("heading", "", "heading=")]
        [InlineData("node-options", null, "node-options=null")]
        [InlineData("umask", 18.0, "umask=022")]
        public void Writes_values_as_ini_safe_does(string key, object? value, string expected)
        {
            var lines = Lines(key, value);
            Assert.Equal(new[] { expected }, lines);
            Assert.True(NpmrcValueWriter.SameValue(NpmrcValueWriter.ReadBack(lines, key, Context()), value));
        }

        [Fact]
        public void Lists_are_written_as_bracketed_lines()
        {
            var lines = Lines("min-release-age-exclude", new List<object?> { "@myorg/*", "a;b", "x=y" });
            Assert.Equal(new[] { "min-release-age-exclude[]=@myorg/*", "min-release-age-exclude[]=a\\;b", "min-release-age-exclude[]=\"x=y\"" }, lines);
        }

        [Theory]
        [InlineData("heading", "true")]
        [InlineData("heading", "false")]
        [InlineData("heading", "null")]
        [InlineData("heading", " padded")]
        [InlineData("heading", "padded\t")]
        [InlineData("heading", "\uFEFFbom")]
        [InlineData("registry", "undefined")]
        public void Refuses_strings_npm_cannot_read_back(string key, string value)
        {
            Assert.False(NpmrcValueWriter.TryFormatLines(key, value, Context(), out _, out var error));
            Assert.Contains(key, error);
            Assert.Throws<NpmrcValueException>(() => Lines(key, value));
        }

        [Fact]
        public void Refuses_NaN_empty_lists_and_bad_keys()
        {
            Assert.False(NpmrcValueWriter.TryFormatLines("fetch-retries", double.NaN, Context(), out _, out _));
            Assert.False(NpmrcValueWriter.TryFormatLines("min-release-age-exclude", new List<object?>(), Context(), out _, out _));
            Assert.False(NpmrcValueWriter.TryFormatLines("a=b", "x", Context(), out _, out _));
            Assert.False(NpmrcValueWriter.TryFormatLines(" key", "x", Context(), out _, out _));
            Assert.False(NpmrcValueWriter.TryFormatLines("key[]", "x", Context(), out _, out _));
        }

        [Fact]
        public void Normalizes_PowerShell_values_by_the_key_type()
        {
            var c = Context();
            Assert.Equal(7.0, NpmSettingValue.Normalize("min-release-age", 7, c));
            Assert.Equal(7.0, NpmSettingValue.Normalize("min-release-age", "7", c));
            Assert.Equal(true, NpmSettingValue.Normalize("strict-ssl", "true", c));
            Assert.Equal("true", NpmSettingValue.Normalize("heading", "true", c));
            Assert.Equal(new List<object?> { "a" }, NpmSettingValue.Normalize("min-release-age-exclude", "a", c));
            Assert.Equal(new List<object?> { "a", "b" }, NpmSettingValue.Normalize("min-release-age-exclude", new[] { "a", "b" }, c));
            Assert.Equal("/home/u/ca.pem", NpmSettingValue.Normalize("cafile", "~/ca.pem", c));
            Assert.Null(NpmSettingValue.Validate(NpmConfigCatalog.Default.Find("allow-git", Npm), "root"));
            Assert.Contains("one of: all, none, root", NpmSettingValue.Validate(NpmConfigCatalog.Default.Find("allow-git", Npm), "some"));
            Assert.NotNull(NpmSettingValue.Validate(NpmConfigCatalog.Default.Find("strict-ssl", Npm), "yes"));
        }

        // ---- generated values ------------------------------------------------------------------------------------

        private static readonly string[] StringParts =
        {
            "a", "Z", "0", "9", "-", "_", ".", "/", ":", "~", " ", "\t", "=", ";", "#", "\\", "\"", "'", "[", "]", "{", "}", "$", "?",
            "${HOME}", "${NOPE}", "${X?}", "\\${HOME}", "\\\\${X}", "true", "false", "null", "undefined", "é", "\u00A0", "\uFEFF",
            "\u2028", "\u2029", "\r", "\n", "\r\n", "\u0000", "\u0085", "\U0001F600", "\uD800", "NaN", "1e3", "0x10", " x ", "[]", "//",
            "\\;", "\\#", "\\\\", "=\"", "\"=", "'\"", "123", "-1", "Infinity",
        };

        internal static readonly string[] StringKeys = { "heading", "init-author-name", "message", "preid", "tag-version-prefix", "save-prefix", "searchexclude", "editor", "git", "viewer" };
        internal static readonly string[] NullableStringKeys = { "node-options", "script-shell", "libc", "os", "cpu", "token-description" };
        internal static readonly string[] BoolKeys = { "strict-ssl", "ignore-scripts", "audit", "package-lock", "save-exact", "engine-strict", "fund", "include-staged" };
        internal static readonly string[] NumberKeys = { "fetch-retries", "fetch-timeout", "logs-max", "maxsockets", "searchlimit", "diff-unified" };
        internal static readonly string[] NullableNumberKeys = { "min-release-age", "depth", "expires" };
        internal static readonly (string Key, string[] Values)[] EnumKeys =
        {
            ("allow-git", new[] { "all", "none", "root" }), ("allow-remote", new[] { "all", "none", "root" }),
            ("install-strategy", new[] { "hoisted", "nested", "shallow", "linked" }), ("audit-level", new[] { "info", "low", "moderate", "high", "critical", "none" }),
            ("auth-type", new[] { "legacy", "web" }), ("sbom-format", new[] { "cyclonedx", "spdx" }),
        };
        internal static readonly string[] ListKeys = { "min-release-age-exclude", "noproxy" };

        private static readonly Gen<string> Strings = Gen.Int[0, StringParts.Length - 1].Array[0, 7].Select(ix => string.Concat(ix.Select(i => StringParts[i])));

        private static readonly Gen<double> Numbers = Gen.OneOf(
            Gen.Int[-5, 100_000].Select(i => (double)i),
            Gen.Double[-1e6, 1e6],
            Gen.Int[-30, 30].Select(e => Math.Pow(10, e) * 1.5),
            Gen.OneOfConst(0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, 1e21, 1e-7, 0.1 + 0.2));

        /// <summary>(key, intended value): one generated case of any supported key type.</summary>
        internal static readonly Gen<(string Key, object? Value)> Cases = Gen.Frequency(
            (6, Gen.Select(Gen.OneOfConst(StringKeys), Strings, (k, s) => (k, (object?)s))),
            (2, Gen.Select(Gen.OneOfConst(NullableStringKeys), Strings, Gen.Int[0, 9], (k, s, n) => (k, n == 0 ? null : (object?)s))),
            (2, Gen.Select(Gen.OneOfConst(BoolKeys), Gen.Bool, (k, b) => (k, (object?)b))),
            (2, Gen.Select(Gen.OneOfConst(NumberKeys), Numbers, (k, d) => (k, (object?)d))),
            (1, Gen.Select(Gen.OneOfConst(NullableNumberKeys), Numbers, Gen.Int[0, 9], (k, d, n) => (k, n == 0 ? null : (object?)d))),
            (1, Gen.Int[0, EnumKeys.Length - 1].SelectMany(i => Gen.OneOfConst(EnumKeys[i].Values).Select(v => (EnumKeys[i].Key, (object?)v)))),
            (2, Gen.Select(Gen.OneOfConst(ListKeys), Strings.Array[1, 4], (k, items) => (k, (object?)items.Select(x => (object?)x).ToList()))),
            (1, Gen.Select(Gen.OneOfConst("registry", "https-proxy"), Strings, (k, s) => (k, (object?)("https://example.com/" + s)))),
            (1, Gen.Select(Gen.OneOfConst("cafile", "cache"), Gen.OneOfConst("a", "b c", "d;e", "f#g", "h=i", "é", "${X}", "[k]").Array[1, 4],
                (k, segs) => (k, (object?)NodePath.Posix.Resolve("/", "/" + string.Join("/", segs))))),
            (1, Gen.Int[0, 511].Select(u => ("umask", (object?)(double)u))));

        /// <summary>Why npm cannot read <paramref name="value"/> back for the key, predicted independently of the writer; null when it can.</summary>
        internal static string? Unrepresentable(string key, object? value)
        {
            if (value is double d && double.IsNaN(d)) return "NaN";
            if (value is List<object?> list) return list.Select(v => Unrepresentable(key, v)).FirstOrDefault(r => r != null);
            if (!(value is string s)) return null;
            if (s == "true" || s == "false" || s == "null") return "ini reads it as a boolean or null";
            var trimmed = s.Trim(' ', '\t', '\n', '\v', '\f', '\r', '\u00A0', '\u1680', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000', '\uFEFF',
                '\u2000', '\u2001', '\u2002', '\u2003', '\u2004', '\u2005', '\u2006', '\u2007', '\u2008', '\u2009', '\u200A');
            if (trimmed != s) return "parse-field trims";
            var def = NpmConfigCatalog.Default.Find(key, Npm);
            bool isString = def != null && (def.IsString || def.IsPath);
            if (!isString && s == "undefined") return "parse-field reads it as undefined";
            return null;
        }

        private static List<(string Key, object? Value, IReadOnlyList<string> Lines)> Generate(int count, out int refused)
        {
            var written = new List<(string, object?, IReadOnlyList<string>)>();
            var failures = new List<string>();
            int refusedCount = 0;
            var context = Context();
            Cases.Sample(c =>
            {
                bool ok = NpmrcValueWriter.TryFormatLines(c.Key, c.Value, context, out var lines, out var error);
                var predicted = Unrepresentable(c.Key, c.Value);
                lock (written)
                {
                    if (ok)
                    {
                        if (predicted != null) failures.Add($"{c.Key}={Js.Js.ToJson(c.Value)} was written although {predicted}");
                        var back = NpmrcValueWriter.ReadBack(lines, c.Key, context);
                        if (!NpmrcValueWriter.SameValue(back, c.Value)) failures.Add($"{c.Key}={Js.Js.ToJson(c.Value)} reads back as {Js.Js.ToJson(back)}");
                        written.Add((c.Key, c.Value, lines));
                    }
                    else
                    {
                        refusedCount++;
                        if (predicted == null) failures.Add($"{c.Key}={Js.Js.ToJson(c.Value)} was refused: {error}");
                    }
                }
            }, iter: count, threads: 1);
            Assert.True(failures.Count == 0, $"{failures.Count} failures:\n" + string.Join("\n", failures.Take(15)));
            refused = refusedCount;
            return written;
        }

        [Fact]
        public void Generated_values_round_trip_through_the_foundation_parser()
        {
            var written = Generate(13_000, out var refused);
            _out.WriteLine($"{written.Count} written and read back, {refused} refused as predicted");
            Assert.True(written.Count >= 10_000, $"only {written.Count} values were representable");
        }

        /// <summary>The same generated values through npm's own ini.parse + parseField (one node process for all of them).</summary>
        [Fact]
        public void Generated_values_round_trip_through_npm_ini_and_parse_field()
        {
            var written = Generate(13_000, out _);
            var env = new JsObject { ["HOME"] = "/home/u", ["X"] = "expanded" };
            var answers = NodePeer.Ask(written.Select(w => NodePeer.Request("iniField", ("text", string.Join("\n", w.Lines) + "\n"), ("home", "/home/u"), ("env", env))).ToList());
            var failures = new List<string>();
            for (int i = 0; i < written.Count; i++)
            {
                var (key, value, lines) = written[i];
                if (answers[i].ContainsKey("error")) { failures.Add($"{Js.Js.ToJson(string.Join("\n", lines))}: npm threw {answers[i]["error"]}"); continue; }
                var o = answers[i]["ok"] as JsObject;
                if (o == null || o.Count != 1 || !o.ContainsKey(key)) { failures.Add($"{Js.Js.ToJson(string.Join("\n", lines))}: npm read {Js.Js.ToJson(o)}"); continue; }
                var npmValue = FromPeer(o[key]);
                if (!NpmrcValueWriter.SameValue(npmValue, value))
                    failures.Add($"{Js.Js.ToJson(string.Join("\n", lines))}: intended {Js.Js.ToJson(value)}, npm read {Js.Js.ToJson(o[key])}");
            }
            _out.WriteLine($"{written.Count} values checked against npm's ini + parseField");
            Assert.True(written.Count >= 10_000);
            Assert.True(failures.Count == 0, $"{failures.Count} of {written.Count} differ:\n" + string.Join("\n", failures.Take(15)));
        }

        private static object? FromPeer(object? v)
        {
            switch (v)
            {
                case JsObject o when o.ContainsKey("$undefined"): return JsUndefined.Value;
                case JsObject o when o.ContainsKey("$number"): return o["$number"] as string == "Infinity" ? double.PositiveInfinity : double.NegativeInfinity;
                case JsObject o when o.ContainsKey("$date"): return new JsDate(o["$date"] is string s ? DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null);
                case List<object?> list: return list.Select(FromPeer).ToList();
                default: return v;
            }
        }

        /// <summary>
        /// A sample of generated values written to a real user config, read back with the real `npm config get`
        /// (HOME = a temp folder), several keys per npm run. npm prints key=String(value) per key.
        /// </summary>
        [Fact]
        public void A_sample_reads_back_through_the_real_npm_config_get()
        {
            var npmKeys = new HashSet<string>(StringKeys.Concat(NullableStringKeys).Concat(BoolKeys).Concat(NumberKeys).Concat(NullableNumberKeys)
                .Concat(EnumKeys.Select(e => e.Key)).Concat(ListKeys));
            npmKeys.Remove("save-prefix"); // npm reports '' for it whenever save-exact is true: a relation between keys, not a reading of the file
            var pool = Generate(4000, out _)
                .Where(w => npmKeys.Contains(w.Key) && PrintsVerbatim(Text(w.Value)))
                .ToList();
            var home = Path.Combine(Path.GetTempPath(), "npmh-get-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(home);
            int checkedCount = 0, runs = 0;
            var failures = new List<string>();
            try
            {
                while (checkedCount < 200)
                {
                    // one value per key in each run
                    var batch = new List<(string Key, object? Value, IReadOnlyList<string> Lines)>();
                    var used = new HashSet<string>();
                    foreach (var w in pool.ToList())
                    {
                        if (used.Add(w.Key)) { batch.Add(w); pool.Remove(w); }
                    }
                    Assert.True(batch.Count >= 2, "the generated pool ran out");
                    File.WriteAllText(Path.Combine(home, ".npmrc"), string.Join("\n", batch.SelectMany(b => b.Lines)) + "\n", new UTF8Encoding(false));
                    var stdout = RunNpm(home, new[] { "config", "get" }.Concat(batch.Select(b => b.Key)).ToArray());
                    runs++;
                    var expected = string.Join("\n", batch.Select(b => b.Key + "=" + JsString(b.Value))) + "\n";
                    if (stdout != expected)
                    {
                        var got = stdout.Split('\n');
                        var want = expected.Split('\n');
                        for (int i = 0; i < Math.Max(got.Length, want.Length); i++)
                            if (i >= got.Length || i >= want.Length || got[i] != want[i])
                            {
                                failures.Add($"npm printed {Js.Js.ToJson(i < got.Length ? got[i] : null)}, expected {Js.Js.ToJson(i < want.Length ? want[i] : null)}; file: {Js.Js.ToJson(File.ReadAllText(Path.Combine(home, ".npmrc")))}");
                                break;
                            }
                    }
                    checkedCount += batch.Count;
                }
            }
            finally { Directory.Delete(home, true); }
            _out.WriteLine($"{checkedCount} values read back by `npm config get` in {runs} npm runs");
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
        }

        /// <summary>
        /// npm's terminal output rewrites control characters (U+0000 prints as ^@, a trailing \r is dropped) and lone
        /// surrogates, and refuses to print what looks like a credential: such values are left to the ini/parse-field peer test.
        /// </summary>
        private static bool PrintsVerbatim(string s) =>
            !s.Contains('@') && !s.Contains("npm_") && !s.Any(c => c < 0x20 || c == 0x7F || c >= 0x80 && c < 0xA0) && !HasLoneSurrogate(s);

        private static bool HasLoneSurrogate(string s)
        {
            for (int i = 0; i < s.Length; i++)
            {
                if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                if (char.IsSurrogate(s[i])) return true;
            }
            return false;
        }

        private static string Text(object? v) => v is List<object?> l ? string.Join(",", l.Select(Text)) : v as string ?? "";

        /// <summary>JavaScript String(value), as npm config get prints it.</summary>
        private static string JsString(object? v) => v switch
        {
            null => "null",
            bool b => b ? "true" : "false",
            double d => Js.Js.NumberToString(d),
            string s => s,
            List<object?> list => string.Join(",", list.Select(x => x == null ? "" : JsString(x))),
            _ => throw new InvalidOperationException("unexpected " + v),
        };

        internal static string RunNpm(string home, params string[] args)
        {
            var psi = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home, StandardOutputEncoding = Encoding.UTF8 };
            foreach (var a in args) psi.ArgumentList.Add(a);
            foreach (var k in psi.Environment.Keys.Where(k => k.StartsWith("npm_", StringComparison.OrdinalIgnoreCase)).ToList()) psi.Environment.Remove(k);
            psi.Environment["HOME"] = home;
            psi.Environment["npm_config_update_notifier"] = "false";
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"npm {string.Join(" ", args)} failed: {err.Result}");
            return output;
        }
    }
}
