using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Tests.Config
{
    // Expected values were read from the published npm tarballs (@npmcli/config/lib/definitions/definitions.js).
    public class NpmConfigCatalogTests
    {
        private static readonly NpmConfigCatalog Catalog = NpmConfigCatalog.Default;

        private static NpmVersion V(string s) => NpmVersion.Parse(s);

        private static NpmConfigDefinition Def(string key, string version) =>
            Catalog.Find(key, V(version)) ?? throw new Xunit.Sdk.XunitException($"{key} unknown in npm {version}");

        [Fact]
        public void Versions_cover_every_stable_release_from_10_0_0_to_12_2_ascending()
        {
            Assert.Equal(V("10.0.0"), Catalog.Versions[0]);
            Assert.Equal(V("12.2.1"), Catalog.Versions[Catalog.Versions.Count - 1]);
            Assert.Contains(V("11.19.1"), Catalog.Versions);
            Assert.Contains(V("10.9.9"), Catalog.Versions); // patches are sampled too, not just minors
            Assert.Contains(V("11.6.3"), Catalog.Versions);
            Assert.DoesNotContain(Catalog.Versions, v => v.IsPrerelease);
            for (int i = 1; i < Catalog.Versions.Count; i++) Assert.True(Catalog.Versions[i - 1] < Catalog.Versions[i]);
        }

        [Fact]
        public void Default_is_a_singleton()
        {
            Assert.Same(NpmConfigCatalog.Default, NpmConfigCatalog.Default);
        }

        [Theory]
        [InlineData("10.0.0", 148)]
        [InlineData("11.6.2", 158)]
        [InlineData("11.6.3", 169)] // a patch release that added 11 keys (npm token/org options)
        [InlineData("11.19.1", 181)]
        [InlineData("12.0.0", 191)]
        [InlineData("12.2.1", 191)]
        public void DefinitionsFor_counts_the_keys_that_npm_version_defines(string version, int count)
        {
            Assert.Equal(count, Catalog.DefinitionsFor(V(version)).Count());
        }

        [Fact]
        public void Min_release_age_appeared_in_11_10_0()
        {
            Assert.False(Catalog.IsKnown("min-release-age", V("11.9.0")));
            Assert.True(Catalog.IsKnown("min-release-age", V("11.10.0")));
            Assert.Equal(V("11.10.0"), Catalog.IntroducedIn("min-release-age"));
            var def = Def("min-release-age", "11.10.0");
            Assert.Equal(new object?[] { null, "$Number" }, def.Types);
            Assert.True(def.IsNumber);
            Assert.True(def.HasDefault);
            Assert.Null(def.Default);
            // exclusive with `before` from 11.10.0 until 11.15.0 dropped it
            Assert.Equal(new[] { "before" }, Def("min-release-age", "11.14.1").Exclusive);
            Assert.Empty(Def("min-release-age", "11.15.0").Exclusive);
            Assert.Equal(new[] { "min-release-age" }, Def("before", "11.10.0").Exclusive);
        }

        [Fact]
        public void Allow_git_defaults_to_all_in_npm_11_and_none_in_npm_12()
        {
            Assert.False(Catalog.IsKnown("allow-git", V("11.8.0")));
            Assert.Equal(V("11.9.0"), Catalog.IntroducedIn("allow-git"));
            Assert.Equal("all", Def("allow-git", "11.9.0").Default);
            Assert.Equal("all", Def("allow-git", "11.21.2").Default);
            Assert.Equal("none", Def("allow-git", "12.0.0").Default);
            Assert.Equal(new object?[] { "all", "none", "root" }, Def("allow-git", "12.0.0").Types);
            Assert.Equal("none", Def("allow-remote", "12.0.0").Default);
            Assert.Equal("all", Def("allow-remote", "11.14.0").Default);
        }

        [Fact]
        public void Npm_12_empties_the_init_license_default_and_drops_shrinkwrap()
        {
            Assert.Equal("ISC", Def("init-license", "11.21.2").Default);
            Assert.Equal("", Def("init-license", "12.0.0").Default);
            Assert.True(Catalog.IsKnown("shrinkwrap", V("11.21.2")));
            Assert.False(Catalog.IsKnown("shrinkwrap", V("12.0.0")));
            Assert.Equal(V("12.0.0"), Def("shrinkwrap", "10.0.0").RemovedIn);
            Assert.True(Def("shrinkwrap", "10.0.0").IsDeprecated);
            Assert.True(Catalog.IsKnown("strict-npmrc", V("12.0.0")));
            Assert.False(Catalog.IsKnown("strict-npmrc", V("11.21.2")));
        }

        [Fact]
        public void Versions_outside_the_sampled_range_clamp_to_the_nearest_end()
        {
            Assert.Equal("none", Def("allow-git", "13.4.0").Default);
            Assert.False(Catalog.IsKnown("shrinkwrap", V("13.0.0")));
            Assert.True(Catalog.IsKnown("shrinkwrap", V("9.9.4")));
            Assert.False(Catalog.IsKnown("min-release-age", V("9.0.0")));
        }

        [Fact]
        public void A_prerelease_sorts_before_its_release()
        {
            Assert.Equal("all", Def("allow-git", "12.0.0-pre.3").Default); // still the 11.21.2 data
            Assert.Equal("none", Def("allow-git", "12.0.1-pre.0").Default);
        }

        [Fact]
        public void Strict_ssl_is_a_boolean_defaulting_to_true()
        {
            var def = Def("strict-ssl", "11.19.1");
            Assert.Equal(new object?[] { "$Boolean" }, def.Types);
            Assert.True(def.IsBoolean);
            Assert.False(def.IsString);
            Assert.True(def.Default is true);
            Assert.False(def.IsDynamicDefault);
        }

        [Fact]
        public void Registry_is_a_url_defaulting_to_the_public_registry()
        {
            var def = Def("registry", "12.2.1");
            Assert.True(def.IsUrl);
            Assert.False(def.IsString); // parse-field only treats String and path as strings
            Assert.Equal("https://registry.npmjs.org/", def.Default);
        }

        [Fact]
        public void Auth_is_a_definition_and_a_nerf_dart()
        {
            var def = Def("_auth", "10.0.0");
            Assert.Equal(new object?[] { null, "$String" }, def.Types);
            Assert.True(def.IsString);
            Assert.Contains("_auth", Catalog.NerfDarts);
            Assert.Contains("_authToken", Catalog.NerfDarts);
            Assert.Null(Catalog.Find("_authToken", V("12.2.1"))); // nerf-dart only, no definition
            Assert.Equal(new[] { "_auth", "_authToken", "_password", "certfile", "email", "keyfile", "username" }, Catalog.NerfDarts);
        }

        [Fact]
        public void Userconfig_is_a_path_and_therefore_a_string()
        {
            var def = Def("userconfig", "11.19.1");
            Assert.True(def.IsPath);
            Assert.True(def.IsString);
            Assert.Equal("~/.npmrc", def.Default);
        }

        [Fact]
        public void Type_flags_follow_the_type_list()
        {
            Assert.True(Def("before", "11.19.1").IsDate);
            Assert.True(Def("umask", "11.19.1").IsUmask);
            Assert.Equal(0.0, Def("umask", "11.19.1").Default);
            var omit = Def("omit", "11.19.1");
            Assert.True(omit.IsList);
            Assert.Equal(new object?[] { "$Array", "dev", "optional", "peer" }, omit.Types);
            Assert.Contains("$semver", Def("init-version", "11.19.1").Types);
            Assert.Equal(new object?[] { null, 1.0, 2.0, 3.0, "1", "2", "3" }, Def("lockfile-version", "11.19.1").Types);
        }

        [Fact]
        public void Infinite_default_survives_json()
        {
            var cacheMax = Def("cache-max", "11.19.1");
            Assert.True(cacheMax.HasDefault);
            Assert.True(cacheMax.IsDeprecated);
            Assert.Equal(double.PositiveInfinity, cacheMax.Default);
        }

        // No real npm 10-12 definition defaults to undefined, so the flag is exercised on a synthetic catalog,
        // which also pins the since/removedIn/history lookup rules independently of the real data.
        [Fact]
        public void Synthetic_catalog_lookup_rules()
        {
            const string json = @"{
  ""schema"": 1, ""generatedBy"": ""test"", ""versions"": [""1.0.0"", ""1.1.0"", ""1.2.0"", ""2.0.0""], ""nerfDarts"": [""_auth""],
  ""keys"": {
    ""gone"": { ""description"": ""d"", ""since"": ""1.1.0"", ""removedIn"": ""2.0.0"", ""dynamic"": true, ""history"": [
      { ""from"": ""1.1.0"", ""types"": [""$String""], ""defaultUndefined"": true, ""deprecated"": false, ""exclusive"": [] },
      { ""from"": ""1.2.0"", ""types"": [null, ""$String""], ""default"": ""x"", ""deprecated"": true, ""exclusive"": [""other""] } ] }
  }
}";
            var c = NpmConfigCatalog.Parse(json);
            Assert.Null(c.Find("gone", V("1.0.5")));
            var first = c.Find("gone", V("1.1.9"))!;
            Assert.False(first.HasDefault);
            Assert.Same(JsUndefined.Value, first.Default);
            Assert.True(first.IsDynamicDefault);
            var second = c.Find("gone", V("1.2.0"))!;
            Assert.Equal("x", second.Default);
            Assert.True(second.IsDeprecated);
            Assert.Equal(new[] { "other" }, second.Exclusive);
            Assert.Equal(V("2.0.0"), second.RemovedIn);
            Assert.Null(c.Find("gone", V("2.0.0")));
            Assert.Null(c.Find("gone", V("3.0.0")));
            Assert.NotNull(c.Find("gone", V("2.0.0-rc.1")));
            Assert.Throws<InvalidDataException>(() => NpmConfigCatalog.Parse(json.Replace(@"""from"": ""1.1.0""", @"""from"": ""1.0.0""")));
            Assert.Throws<InvalidDataException>(() => NpmConfigCatalog.Parse(json.Replace(@"""schema"": 1", @"""schema"": 2")));
        }

        [Fact]
        public void Environment_dependent_defaults_are_flagged()
        {
            foreach (var key in new[] { "cache", "color", "editor", "globalconfig", "local-address", "node-gyp", "omit", "prefix", "progress", "shell", "unicode", "viewer" })
                Assert.True(Def(key, "11.19.1").IsDynamicDefault, key);
            foreach (var key in new[] { "registry", "userconfig", "heading", "user-agent", "strict-ssl" })
                Assert.False(Def(key, "11.19.1").IsDynamicDefault, key);
            Assert.Equal("vi", Def("editor", "11.19.1").Default);
        }

        [Fact]
        public void Exclusive_sets_change_with_the_version()
        {
            Assert.Empty(Def("save-dev", "11.3.0").Exclusive);
            Assert.Equal(new[] { "save-optional", "save-peer", "save-prod" }, Def("save-dev", "11.4.0").Exclusive);
        }

        [Fact]
        public void Default_lists_are_copies()
        {
            var list = Assert.IsType<List<object?>>(Def("omit", "11.19.1").Default);
            list.Add("dev");
            Assert.Empty(Assert.IsType<List<object?>>(Def("omit", "11.19.1").Default));
        }

        [Fact]
        public void Unknown_keys_are_unknown()
        {
            Assert.Null(Catalog.Find("no-such-key", V("11.19.1")));
            Assert.Null(Catalog.IntroducedIn("no-such-key"));
            Assert.Null(Catalog.Find("Registry", V("11.19.1"))); // keys are case-sensitive, as in npm
            Assert.Contains("registry", Catalog.AllKeys);
            Assert.Contains("shrinkwrap", Catalog.AllKeys);
            Assert.Equal(Catalog.AllKeys.OrderBy(k => k, StringComparer.Ordinal), Catalog.AllKeys);
        }

        /// <summary>
        /// The installed npm (a required test peer) against the catalog: same keys, same type flags as its
        /// parse-field.js computes, same static defaults.
        /// </summary>
        [Fact]
        public async Task Catalog_matches_the_installed_npm()
        {
            const string script = @"
const path = require('node:path')
const root = path.join(require('node:child_process').execSync('npm root -g', { encoding: 'utf8' }).trim(), 'npm')
const lib = path.join(root, 'node_modules', '@npmcli', 'config', 'lib')
const { definitions } = require(path.join(lib, 'definitions', 'index.js'))
const t = require(path.join(lib, 'type-defs.js'))
const keys = {}
for (const [k, d] of Object.entries(definitions)) {
  const s = new Set([].concat(d.type))
  keys[k] = {
    flags: [s.has(t.Boolean.type), s.has(t.path.type) || s.has(t.String.type), s.has(t.path.type), s.has(t.Number.type),
            s.has(Array), s.has(t.Date.type), s.has(t.Umask.type), s.has(t.url.type)],
    default: d.default === undefined ? { undefined: true } : d.default === Infinity ? { infinity: true } : d.default,
  }
}
process.stdout.write(JSON.stringify({ version: require(path.join(root, 'package.json')).version, keys }))
";
            var psi = new ProcessStartInfo("node")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8,
            };
            using var process = Process.Start(psi)!;
            using (var stdin = new StreamWriter(process.StandardInput.BaseStream, new UTF8Encoding(false)))
                stdin.Write(script);
            var stderr = process.StandardError.ReadToEndAsync();
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await stderr;
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, errors);
            Assert.True(JsJson.TryParse(output, out var parsed));
            var root = (JsObject)parsed!;
            var version = V((string)root["version"]!);
            var real = (JsObject)root["keys"]!;

            Assert.Equal(real.Keys.OrderBy(k => k, StringComparer.Ordinal), Catalog.DefinitionsFor(version).Select(d => d.Key));
            foreach (var key in real.Keys)
            {
                var r = (JsObject)real[key]!;
                var d = Catalog.Find(key, version)!;
                var flags = ((List<object?>)r["flags"]!).Cast<bool>().ToArray();
                Assert.True(new[] { d.IsBoolean, d.IsString, d.IsPath, d.IsNumber, d.IsList, d.IsDate, d.IsUmask, d.IsUrl }.SequenceEqual(flags), key);
                if (d.IsDynamicDefault) continue;
                var expected = r["default"] is JsObject o && o.ContainsKey("undefined") ? "undefined"
                    : r["default"] is JsObject i && i.ContainsKey("infinity") ? "Infinity"
                    : Js.Js.ToJson(r["default"]);
                var actual = !d.HasDefault ? "undefined" : d.Default is double inf && double.IsPositiveInfinity(inf) ? "Infinity" : Js.Js.ToJson(d.Default);
                Assert.True(expected == actual, $"{key}: npm {expected}, catalog {actual}");
            }
        }

        [Theory]
        [InlineData("11.19.1", 11, 19, 1, "")]
        [InlineData("v20.1.0", 20, 1, 0, "")]
        [InlineData(" 12.0.0-pre.1 ", 12, 0, 0, "pre.1")]
        [InlineData("1.2.3-rc.1+build.5", 1, 2, 3, "rc.1")]
        [InlineData("1.2.3+build", 1, 2, 3, "")]
        public void NpmVersion_parses(string text, int major, int minor, int patch, string prerelease)
        {
            Assert.True(NpmVersion.TryParse(text, out var v));
            Assert.Equal((major, minor, patch, prerelease), (v.Major, v.Minor, v.Patch, v.Prerelease));
        }

        [Theory]
        [InlineData("")]
        [InlineData(null)]
        [InlineData("11.19")]
        [InlineData("11.19.1.0")]
        [InlineData("01.2.3")]
        [InlineData("1.2.3-")]
        [InlineData("1.2.3-a..b")]
        [InlineData("1.2.3+")]
        [InlineData("1.2.x")]
        [InlineData("99999999999.0.0")]
        [InlineData("vv1.2.3")]
        public void NpmVersion_rejects(string? text)
        {
            Assert.False(NpmVersion.TryParse(text, out _));
        }

        [Fact]
        public void NpmVersion_orders_like_semver()
        {
            var ordered = new[]
            {
                "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
                "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "11.9.0", "11.10.0", "12.0.0-pre.0.0", "12.0.0",
            }.Select(V).ToList();
            for (int i = 0; i < ordered.Count; i++)
                for (int j = 0; j < ordered.Count; j++)
                {
                    Assert.Equal(Math.Sign(i.CompareTo(j)), Math.Sign(ordered[i].CompareTo(ordered[j])));
                    Assert.Equal(i < j, ordered[i] < ordered[j]);
                    Assert.Equal(i <= j, ordered[i] <= ordered[j]);
                    Assert.Equal(i > j, ordered[i] > ordered[j]);
                    Assert.Equal(i >= j, ordered[i] >= ordered[j]);
                    Assert.Equal(i == j, ordered[i] == ordered[j]);
                    Assert.Equal(i != j, ordered[i] != ordered[j]);
                }
        }

        [Fact]
        public void NpmVersion_ignores_build_metadata_and_round_trips()
        {
            Assert.Equal(V("1.2.3+a"), V("1.2.3+b"));
            Assert.Equal(V("1.2.3+a").GetHashCode(), V("1.2.3").GetHashCode());
            Assert.Equal("12.0.0-pre.1", V("v12.0.0-pre.1+sha").ToString());
            Assert.Equal("11.19.1", V("11.19.1").ToString());
            Assert.Equal("0.0.0", default(NpmVersion).ToString());
            Assert.Equal(V("0.0.0"), default);
        }
    }
}
