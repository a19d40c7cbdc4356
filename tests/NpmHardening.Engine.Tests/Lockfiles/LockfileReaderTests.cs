using System;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Lockfiles;
using Xunit;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    public class LockfileReaderTests
    {
        internal const string V3 = @"{
  ""name"": ""demo"",
  ""version"": ""1.0.0"",
  ""lockfileVersion"": 3,
  ""requires"": true,
  ""packages"": {
    """": {
      ""name"": ""demo"",
      ""version"": ""1.0.0"",
      ""dependencies"": { ""left-pad"": ""^1.3.0"", ""x"": ""npm:lodash@4.17.21"" },
      ""devDependencies"": { ""@types/node"": ""^20"" }
    },
    ""node_modules/@types/node"": {
      ""version"": ""20.1.0"",
      ""resolved"": ""https://registry.npmjs.org/@types/node/-/node-20.1.0.tgz"",
      ""integrity"": ""sha512-AAAA"",
      ""dev"": true,
      ""license"": ""MIT"",
      ""engines"": { ""node"": "">=18"" },
      ""bin"": [""a\""b"", ""\u00e9\ud83d\ude00""]
    },
    ""node_modules/left-pad"": {
      ""version"": ""1.3.0"",
      ""resolved"": ""https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"",
      ""integrity"": ""sha1-W0Ohj0LDCkH7NBJLfc1Kq1tIQYI="",
      ""hasInstallScript"": true,
      ""optional"": true,
      ""dependencies"": { ""a"": ""1"" },
      ""optionalDependencies"": { ""fsevents"": ""2"" }
    },
    ""node_modules/x"": {
      ""name"": ""lodash"",
      ""version"": ""4.17.21"",
      ""resolved"": ""https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"",
      ""integrity"": ""sha512-BBBB"",
      ""peer"": true,
      ""devOptional"": true
    },
    ""node_modules/x/node_modules/caf\u00e9"": { ""version"": ""0.1.0"", ""resolved"": ""git+ssh://git@github.com/a/b.git#abc"" },
    ""node_modules/web"": { ""resolved"": ""packages/web"", ""link"": true },
    ""packages/web"": { ""name"": ""@demo/web"", ""version"": ""0.0.1"" }
  }
}
";

        internal static NpmLockfile Parse(string json, NpmLockfileLimits? limits = null, int buffer = 64 * 1024) =>
            NpmLockfileReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "/repo/package-lock.json", limits, buffer);

        internal static NpmLockfileException Fails(string json, NpmLockfileLimits? limits = null) =>
            Assert.Throws<NpmLockfileException>(() => Parse(json, limits));

        [Fact]
        public void A_v3_lockfile_gives_every_entry_with_its_fields_and_line()
        {
            var lf = Parse(V3);
            Assert.Equal(3, lf.LockfileVersion);
            Assert.Equal("demo", lf.Name);
            Assert.Equal("1.0.0", lf.Version);
            Assert.True(lf.FromPackagesSection);
            Assert.Equal(new[] { "", "node_modules/@types/node", "node_modules/left-pad", "node_modules/x", "node_modules/x/node_modules/café", "node_modules/web", "packages/web" },
                lf.Entries.Select(e => e.Key));
            var lines = V3.Split('\n');
            foreach (var e in lf.Entries)
                Assert.StartsWith("\"" + (e.Key.Contains('é') ? "node_modules/x/node_modules/caf\\u00e9" : e.Key) + "\"", lines[e.Line - 1].Trim());

            var root = lf.Entries[0];
            Assert.True(root.IsRoot);
            Assert.Equal(new[] { "left-pad", "x" }, root.Dependencies);

            var types = lf.Entries[1];
            Assert.Equal("@types/node", types.Name);
            Assert.Equal("@types/node", types.InstalledAs);
            Assert.Equal("20.1.0", types.Version);
            Assert.Equal("https://registry.npmjs.org/@types/node/-/node-20.1.0.tgz", types.Resolved);
            Assert.Equal("sha512-AAAA", types.Integrity);
            Assert.True(types.Dev);
            Assert.False(types.Optional);

            var pad = lf.Entries[2];
            Assert.True(pad.HasInstallScript);
            Assert.True(pad.Optional);
            Assert.Equal(new[] { "a" }, pad.Dependencies);
            Assert.Equal(new[] { "fsevents" }, pad.OptionalDependencies);

            var alias = lf.Entries[3];
            Assert.Equal("lodash", alias.Name);
            Assert.Equal("x", alias.InstalledAs);
            Assert.True(alias.Peer);
            Assert.True(alias.DevOptional);

            Assert.Equal("café", lf.Entries[4].Name);
            Assert.True(lf.Entries[5].Link);
            Assert.Equal("packages/web", lf.Entries[5].Resolved);
            Assert.Equal("@demo/web", lf.Entries[6].Name);
            Assert.Null(lf.Entries[6].InstalledAs);
            Assert.Empty(lf.Problems);
        }

        [Fact]
        public void Every_buffer_size_reads_the_same_entries()
        {
            var expected = Describe(Parse(V3));
            for (int size = 8; size < 80; size++)
                Assert.Equal(expected, Describe(Parse(V3, buffer: size)));
        }

        private static string Describe(NpmLockfile lf) => string.Join("\n", lf.Entries.Select(e =>
            $"{e.Key}|{e.Name}|{e.InstalledAs}|{e.Version}|{e.Resolved}|{e.Integrity}|{e.Line}|{e.Dev}{e.Optional}{e.Peer}{e.Link}{e.HasInstallScript}|{string.Join(",", e.Dependencies)}"));

        [Fact]
        public void A_v1_tree_maps_to_node_modules_keys_with_aliases_links_and_git_sources()
        {
            var lf = Parse(@"{
  ""name"": ""old"",
  ""lockfileVersion"": 1,
  ""dependencies"": {
    ""a"": {
      ""version"": ""1.0.0"",
      ""resolved"": ""https://registry.npmjs.org/a/-/a-1.0.0.tgz"",
      ""integrity"": ""sha512-A"",
      ""requires"": { ""b"": ""^2"" },
      ""dependencies"": {
        ""b"": { ""version"": ""2.0.0"", ""dev"": true, ""resolved"": ""https://registry.npmjs.org/b/-/b-2.0.0.tgz"" }
      }
    },
    ""al"": { ""version"": ""npm:lodash@4.17.21"", ""resolved"": ""https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"" },
    ""loc"": { ""version"": ""file:../loc"" },
    ""g"": { ""version"": ""git+ssh://git@github.com/o/g.git#0123"", ""from"": ""git+ssh://git@github.com/o/g.git"" }
  }
}");
            Assert.Equal(1, lf.LockfileVersion);
            Assert.False(lf.FromPackagesSection);
            Assert.Equal(new[] { "node_modules/a", "node_modules/a/node_modules/b", "node_modules/al", "node_modules/loc", "node_modules/g" }, lf.Entries.Select(e => e.Key));
            Assert.Equal(new[] { "b" }, lf.Entries[0].Dependencies);
            Assert.True(lf.Entries[1].Dev);
            Assert.Equal(11, lf.Entries[1].Line);
            Assert.Equal(("lodash", "al", "4.17.21"), (lf.Entries[2].Name, lf.Entries[2].InstalledAs, lf.Entries[2].Version));
            Assert.True(lf.Entries[3].Link);
            Assert.Equal("file:../loc", lf.Entries[3].Resolved);
            Assert.Equal("git+ssh://git@github.com/o/g.git#0123", lf.Entries[4].Resolved);
        }

        [Fact]
        public void A_v2_lockfile_is_read_from_packages_and_its_v1_copy_is_ignored()
        {
            var lf = Parse(@"{""lockfileVersion"":2,""packages"":{""node_modules/a"":{""version"":""1.0.0""}},""dependencies"":{""zzz"":{""version"":""9.9.9""}}}");
            Assert.Equal(new[] { "node_modules/a" }, lf.Entries.Select(e => e.Key));
        }

        [Fact]
        public void Every_truncation_of_a_lockfile_is_a_truncated_or_syntax_error_naming_the_file()
        {
            var bytes = Encoding.UTF8.GetBytes(V3.TrimEnd());
            for (int n = 0; n < bytes.Length; n++)
            {
                var ex = Assert.Throws<NpmLockfileException>(() => NpmLockfileReader.Read(new MemoryStream(bytes, 0, n), "/repo/cut.json", null, 16));
                Assert.True(ex.Kind == NpmLockfileErrorKind.Truncated, $"prefix {n}: {ex.Kind} {ex.Message}");
                Assert.Contains("/repo/cut.json", ex.Message);
                Assert.NotNull(ex.Line);
            }
        }

        [Fact]
        public void A_depth_bomb_stops_at_the_depth_limit()
        {
            var ex = Fails("{\"lockfileVersion\":3,\"packages\":{\"x\":{\"engines\":" + new string('[', 100_000) + new string(']', 100_000) + "}}}");
            Assert.Equal(NpmLockfileErrorKind.TooDeep, ex.Kind);
            Assert.Contains("256", ex.Message);
            var small = Fails("{\"a\":[[[[1]]]]}", new NpmLockfileLimits { MaxDepth = 4 });
            Assert.Equal(NpmLockfileErrorKind.TooDeep, small.Kind);
            Assert.Equal(1, Parse("{\"lockfileVersion\":1,\"a\":[[[1]]]}", new NpmLockfileLimits { MaxDepth = 4 }).LockfileVersion);
        }

        [Fact]
        public void Duplicate_keys_keep_the_last_one_and_are_reported_with_their_line()
        {
            var lf = Parse("{\n\"lockfileVersion\": 3,\n\"packages\": {\n\"node_modules/a\": {\"version\": \"1.0.0\"},\n\"node_modules/b\": {\"version\": \"1.0.0\"},\n\"node_modules/a\": {\"version\": \"6.6.6\", \"version\": \"7.7.7\"}\n}\n}");
            Assert.Equal(new[] { "node_modules/a", "node_modules/b" }, lf.Entries.Select(e => e.Key));
            Assert.Equal("7.7.7", lf.Entries[0].Version);
            Assert.Equal(6, lf.Entries[0].Line);
            Assert.Equal(2, lf.Problems.Count);
            Assert.All(lf.Problems, p => { Assert.Equal("DuplicateKey", p.Kind); Assert.Equal(6, p.Line); });
            Assert.Contains(lf.Problems, p => p.Message.Contains("line 4"));
        }

        [Theory]
        [InlineData("<<<<<<< HEAD")]
        [InlineData("=======")]
        [InlineData(">>>>>>> feature")]
        [InlineData("||||||| base")]
        public void A_merge_conflict_marker_is_reported_as_such_with_its_line(string marker)
        {
            var ex = Fails("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n" + marker + "\n    \"node_modules/a\": {}\n  }\n}");
            Assert.Equal(NpmLockfileErrorKind.ConflictMarker, ex.Kind);
            Assert.Equal(4, ex.Line);
            Assert.Contains("line 4", ex.Message);
            Assert.Contains("merge-conflict", ex.Message);
        }

        [Theory]
        [InlineData("{\"lockfileVersion\":3,\"packages\":[]}", "packages")]
        [InlineData("{\"lockfileVersion\":\"3\"}", "lockfileVersion")]
        [InlineData("{\"lockfileVersion\":3.5}", "lockfileVersion")]
        [InlineData("{\"lockfileVersion\":3,\"packages\":{\"node_modules/a\":{\n\"version\":1}}}", "version")]
        [InlineData("{\"lockfileVersion\":3,\"packages\":{\"node_modules/a\":{\n\"dev\":\"yes\"}}}", "dev")]
        [InlineData("{\"lockfileVersion\":3,\"packages\":{\"node_modules/a\":\n\"1.0.0\"}}", "node_modules/a")]
        [InlineData("{\"lockfileVersion\":3,\"packages\":{\"node_modules/a\":{\n\"dependencies\":[\"b\"]}}}", "dependencies")]
        [InlineData("{\"lockfileVersion\":1,\"dependencies\":{\"a\":{\n\"dependencies\":true}}}", "dependencies")]
        [InlineData("[1]", "top level")]
        public void A_field_of_the_wrong_type_names_the_file_the_line_and_the_field(string json, string field)
        {
            var ex = Fails(json);
            Assert.Equal(NpmLockfileErrorKind.WrongType, ex.Kind);
            Assert.Contains(field, ex.Message);
            Assert.Contains("/repo/package-lock.json", ex.Message);
            Assert.Equal(json.Contains('\n') ? 2 : 1, ex.Line);
        }

        [Fact]
        public void Json_that_is_not_a_lockfile_is_refused()
        {
            Assert.Equal(NpmLockfileErrorKind.NotALockfile, Fails("{\"name\":\"x\",\"scripts\":{}}").Kind);
        }

        [Fact]
        public void A_file_over_the_limit_is_refused_before_reading_and_a_stream_stops_at_it()
        {
            var path = Path.Combine(Path.GetTempPath(), "npmh-large-" + Guid.NewGuid().ToString("N") + ".json");
            try
            {
                using (var f = new FileStream(path, FileMode.CreateNew)) f.SetLength(NpmLockfileLimits.DefaultMaxBytes + 1); // sparse
                var ex = Assert.Throws<NpmLockfileException>(() => NpmLockfileReader.Read(path));
                Assert.Equal(NpmLockfileErrorKind.TooLarge, ex.Kind);
                Assert.Contains(path, ex.Message);
                Assert.Contains("268,435,457 bytes", ex.Message);
            }
            finally { File.Delete(path); }
            var unseekable = new NonSeekable(Encoding.UTF8.GetBytes(V3));
            var stop = Assert.Throws<NpmLockfileException>(() => NpmLockfileReader.Read(unseekable, "git:HEAD:package-lock.json", new NpmLockfileLimits { MaxBytes = 100 }));
            Assert.Equal(NpmLockfileErrorKind.TooLarge, stop.Kind);
            Assert.Equal(3, NpmLockfileReader.Read(new NonSeekable(Encoding.UTF8.GetBytes(V3)), "x").LockfileVersion);
        }

        private sealed class NonSeekable : MemoryStream
        {
            public NonSeekable(byte[] b) : base(b) { }
            public override bool CanSeek => false;
        }

        [Fact]
        public void A_v1_only_field_in_a_packages_entry_is_skipped_with_its_value()
        {
            // "bundled" and "requires" are v1 fields: in a packages entry their value (even an object) is passed over,
            // and the fields after them still belong to the entry
            var lf = Parse("{\"lockfileVersion\": 3, \"packages\": { \"node_modules/a\": { \"bundled\": { \"node_modules/evil\": {} }, \"requires\": true, \"version\": \"1.0.0\" }, \"node_modules/b\": {} } }");
            Assert.Equal(new[] { "node_modules/a", "node_modules/b" }, lf.Entries.Select(e => e.Key));
            Assert.Equal("1.0.0", lf.Entries[0].Version);
        }

        [Fact]
        public void Accepts_and_refuses_exactly_the_json_a_strict_parser_does()
        {
            // System.Text.Json (strict: no comments, no trailing commas) is the oracle for JSON syntax; mutations of a
            // real lockfile hit every tokenizer state. Invalid JSON is never accepted, and valid JSON is never called a
            // syntax problem (invalid JSON may stop earlier, at a field of the wrong type).
            var baseText = V3;
            Gen.Select(Gen.Int[0, baseText.Length - 1], Gen.Int[0, 2], Gen.Char["{}[]\",:0123456789-+.eEtfnul\\ \n\"/"])
                .Sample((at, op, c) =>
                {
                    string text = op switch
                    {
                        0 => baseText.Remove(at, 1),
                        1 => baseText.Insert(at, c.ToString()),
                        _ => baseText.Remove(at, 1).Insert(at, c.ToString()),
                    };
                    bool valid;
                    try
                    {
                        using var _ = System.Text.Json.JsonDocument.Parse(text, new System.Text.Json.JsonDocumentOptions { MaxDepth = 256 });
                        valid = true;
                    }
                    catch (System.Text.Json.JsonException) { valid = false; }
                    NpmLockfileErrorKind? kind = null;
                    try { Parse(text, buffer: 16); }
                    catch (NpmLockfileException ex) { kind = ex.Kind; }
                    bool syntax = kind == NpmLockfileErrorKind.Syntax || kind == NpmLockfileErrorKind.Truncated || kind == NpmLockfileErrorKind.ConflictMarker;
                    return valid ? !syntax : kind != null;
                }, iter: 3000);
        }
    }
}
