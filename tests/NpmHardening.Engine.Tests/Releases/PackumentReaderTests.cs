using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using NpmHardening.Engine.Releases;
using Xunit;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>The streaming package document reader: release paths from their markers, top-level facts, bad input.</summary>
    public class PackumentReaderTests
    {
        private static NpmPackument Read(string json, string package = "p", long max = NpmPackumentReader.DefaultMaxBytes) =>
            NpmPackumentReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), package, max);

        [Theory]
        [InlineData("left-pad")]
        [InlineData("@acme/widget")]
        public void Every_release_path_is_read_from_its_own_markers(string name)
        {
            var f = new PackumentFixture(name);
            f.Add("1.0.0", "2026-01-01T00:00:00.000Z", "token");
            f.Add("1.1.0", "2026-02-01T00:00:00.000Z", "token+provenance");
            f.Add("1.2.0", "2026-03-01T00:00:00.000Z", "oidc");
            f.Add("1.3.0", "2026-04-01T00:00:00.000Z", "staged", approver: "carol");
            f.Add("1.4.0", "2026-05-01T00:00:00.000Z", "oidc+staged", approver: "dave");
            f.Add("0.0.1", "2024-05-01T00:00:00.000Z", "none", tag: null!);
            var doc = NpmPackumentReader.Read(f.Stream(), name);

            Assert.Equal(name, doc.Name);
            Assert.Equal(new[] { "0.0.1", "1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0" }, doc.Releases.Select(r => r.Version));
            Assert.Equal(new[] { NpmReleasePath.Unknown, NpmReleasePath.Token, NpmReleasePath.TokenWithProvenance, NpmReleasePath.TrustedPublisherDirect, NpmReleasePath.StagedApproved, NpmReleasePath.StagedApproved },
                doc.Releases.Select(r => r.ReleasePath));
            var byVersion = doc.Releases.ToDictionary(r => r.Version);

            // each marker on its own: a token-staged version has an approver and no trusted publisher, no provenance
            Assert.Equal("carol", byVersion["1.3.0"].Approver!.Name);
            Assert.Null(byVersion["1.3.0"].TrustedPublisher);
            Assert.Null(byVersion["1.3.0"].Provenance);
            Assert.Equal("alice", byVersion["1.3.0"].Publisher!.Name);
            // OIDC staged: all three markers
            var oidcStaged = byVersion["1.4.0"];
            Assert.Equal("dave@example.com", oidcStaged.Approver!.Email);
            Assert.Equal("github", oidcStaged.TrustedPublisher!.Provider);
            Assert.Equal("oidc:1b1f3a44-9a1c-4e4e-9c55-3f1d2a0c0d11", oidcStaged.TrustedPublisher.OidcConfigId);
            Assert.Equal("https://slsa.dev/provenance/v1", oidcStaged.Provenance!.PredicateType);
            Assert.Equal("GitHub Actions", oidcStaged.Publisher!.Name);
            // provenance without trusted publisher stays a token publish
            Assert.Null(byVersion["1.1.0"].TrustedPublisher);
            Assert.True(byVersion["1.1.0"].HasProvenance);
            Assert.False(byVersion["1.0.0"].HasProvenance);

            Assert.Equal(PackumentFixture.Integrity("1.2.0"), byVersion["1.2.0"].Integrity);
            Assert.Equal(40, byVersion["1.2.0"].Shasum!.Length);
            Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), byVersion["1.2.0"].PublishedAt);
            Assert.Equal(new[] { "latest" }, byVersion["1.4.0"].DistTags);
            Assert.Empty(byVersion["1.3.0"].DistTags);
            Assert.All(doc.Releases, r => Assert.Equal(name, r.Package));
            Assert.All(doc.Releases, r => Assert.Empty(r.Problems));
            Assert.Empty(doc.Problems);
            Assert.Equal("alice", Assert.Single(doc.Maintainers).Name);
            Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), doc.Created);
        }

        [Fact]
        public void Tags_deprecations_and_unpublished_versions()
        {
            var f = new PackumentFixture("p");
            f.Add("1.0.0", "2026-01-01T00:00:00.000Z", "token");
            f.Add("2.0.0-rc.1", "2026-01-02T00:00:00.000Z", "token", tag: "next");
            f.Tag("stable", "1.0.0");
            f.Version("1.0.0")["deprecated"] = "use 2.x";
            f.Version("2.0.0-rc.1")["deprecated"] = "";
            f.Time("0.9.0", "2025-06-01T00:00:00.000Z");
            var doc = NpmPackumentReader.Read(f.Stream(), "p");
            var one = doc.Releases.Single(r => r.Version == "1.0.0");
            Assert.Equal(new[] { "latest", "stable" }, one.DistTags);
            Assert.Equal("use 2.x", one.Deprecated);
            // npm deprecate with an empty message undoes a deprecation
            Assert.Null(doc.Releases.Single(r => r.Version == "2.0.0-rc.1").Deprecated);
            Assert.Equal(new[] { "next" }, doc.Releases.Single(r => r.Version == "2.0.0-rc.1").DistTags);
            Assert.Equal(new[] { "0.9.0" }, doc.UnpublishedVersions);
            Assert.Equal("1.0.0", doc.DistTags["latest"]);
        }

        [Fact]
        public void Wrong_types_read_as_absent_and_are_named()
        {
            var f = new PackumentFixture("p");
            var v = f.Add("1.0.0", "2026-01-01T00:00:00.000Z", "staged");
            ((JsonObject)v["_npmUser"]!)["approver"] = "bob";                      // a string, not an object
            ((JsonObject)v["_npmUser"]!)["trustedPublisher"] = new JsonArray(1, 2);
            ((JsonObject)v["dist"]!)["integrity"] = 42;
            ((JsonObject)v["dist"]!)["signatures"] = new JsonObject();
            f.Add("1.0.1", "2026-01-02T00:00:00.000Z", "token");
            f.Version("1.0.1")["_npmUser"] = "alice";
            f.Time("1.0.0", "2026-13-45T99:00:00Z");                                // not a date
            f.Time("1.0.1", "+275760-09-13T00:00:00.000Z");                         // out of DateTimeOffset's range
            var json = f.Document();
            json["dist-tags"] = new JsonArray("x");
            json["maintainers"] = "alice";
            var doc = Read(json.ToJsonString());

            var first = doc.Releases.Single(r => r.Version == "1.0.0");
            Assert.Null(first.Approver);
            Assert.Null(first.TrustedPublisher);
            Assert.Null(first.Integrity);
            Assert.Null(first.PublishedAt);
            Assert.Equal(NpmReleasePath.Token, first.ReleasePath);
            Assert.Contains(first.Problems, p => p.Contains("approver"));
            Assert.Contains(first.Problems, p => p.Contains("trustedPublisher"));
            Assert.Contains(first.Problems, p => p.Contains("dist.integrity"));
            Assert.Contains(first.Problems, p => p.Contains("dist.signatures"));
            var second = doc.Releases.Single(r => r.Version == "1.0.1");
            Assert.Equal(NpmReleasePath.Unknown, second.ReleasePath);
            Assert.Null(second.PublishedAt);
            Assert.Contains(doc.Problems, p => p.Contains("time['1.0.0']"));
            Assert.Contains(doc.Problems, p => p.Contains("time['1.0.1']"));
            Assert.Contains(doc.Problems, p => p.Contains("dist-tags"));
            Assert.Contains(doc.Problems, p => p.Contains("maintainers"));
            Assert.Empty(doc.DistTags);
        }

        [Theory]
        [InlineData("")]
        [InlineData("<html>not json</html>")]
        [InlineData("[1,2]")]
        [InlineData("{\"versions\":{\"1.0.0\":{\"_npmUser\":{\"name\":\"a\"}}}")]     // truncated
        [InlineData("{\"versions\":{}} trailing")]
        [InlineData("{\"versions\":{},}")]
        [InlineData("{\"readme\":\"a\u0001b\",\"versions\":{}}")]                       // raw control character
        [InlineData("{\"readme\":\"\\q\",\"versions\":{}}")]
        [InlineData("{\"x\":tru,\"versions\":{}}")]
        public void Text_that_is_not_a_JSON_object_is_a_clear_error(string text)
        {
            var e = Assert.Throws<NpmPackumentException>(() => Read(text));
            Assert.StartsWith("not a valid package document at byte", e.Message);
            Assert.False(e.TooLarge);
        }

        [Fact]
        public void A_document_without_versions_says_so()
        {
            var doc = Read("{\"name\":\"p\",\"error\":\"not_found\"}");
            Assert.False(doc.HasVersions);
            Assert.Empty(doc.Releases);
            Assert.Contains(doc.Problems, p => p.Contains("no 'versions'"));
            var odd = Read("{\"versions\":[1]}");
            Assert.False(odd.HasVersions);
            Assert.Contains(odd.Problems, p => p.Contains("'versions' is not an object"));
        }

        [Fact]
        public void Problems_are_bounded_however_many_fields_are_odd()
        {
            var entries = string.Join(",", Enumerable.Range(0, 500).Select(i => $"\"0.0.{i}\":7"));
            var doc = Read("{\"versions\":{" + entries + ",\"1.0.0\":{\"_npmUser\":{\"name\":\"n\"}}}}");
            Assert.Single(doc.Releases);
            Assert.Equal(NpmPackumentReader.MaxProblems + 1, doc.Problems.Count);
            Assert.Equal("… and 400 more", doc.Problems[^1]);
        }

        [Fact]
        public void Deep_nesting_in_a_skipped_field_is_an_error_not_a_crash()
        {
            var deep = new string('[', 100_000) + new string(']', 100_000);
            var e = Assert.Throws<NpmPackumentException>(() => Read("{\"readme\":" + deep + ",\"versions\":{}}"));
            Assert.Contains("deeper than", e.Message);
            // nesting that is allowed is skipped correctly, whatever it holds
            var fine = new string('[', 300) + "{\"a\":\"]}\\\"\",\"b\":[true,false,null,-1.5e3]}" + new string(']', 300);
            Assert.True(Read("{\"x\":" + fine + ",\"versions\":{\"1.0.0\":{\"_npmUser\":{\"name\":\"n\"}}}}").HasVersions);
        }

        [Fact]
        public void Strings_decode_escapes_and_utf8()
        {
            var doc = Read("{\"versions\":{\"1.0.0\":{\"_npmUser\":{\"name\":\"J\\u00fcrgen \\ud83d\\ude00 \\\"q\\\" \\/ \u00e9\"}}}}");
            Assert.Equal("Jürgen 😀 \"q\" / é", doc.Releases[0].Publisher!.Name);
        }

        [Fact]
        public void A_field_too_long_to_keep_is_absent_and_named()
        {
            var doc = Read("{\"versions\":{\"1.0.0\":{\"_npmUser\":{\"name\":\"" + new string('a', 10_000) + "\",\"email\":\"e@x\"}}}}");
            Assert.Null(doc.Releases[0].Publisher!.Name);
            Assert.Equal("e@x", doc.Releases[0].Publisher!.Email);
            Assert.Contains(doc.Releases[0].Problems, p => p.Contains("_npmUser.name"));
        }

        [Fact]
        public void A_document_past_the_limit_stops_with_TooLarge()
        {
            var f = new PackumentFixture("p");
            for (int i = 0; i < 50; i++) f.Add("1.0." + i, "2026-01-01T00:00:00.000Z", "token");
            var json = f.Json();
            var e = Assert.Throws<NpmPackumentException>(() => Read(json, max: json.Length / 2));
            Assert.True(e.TooLarge);
            Assert.Contains("larger than", e.Message);
            Assert.Equal(50, Read(json, max: json.Length).Releases.Count);
        }

        [Fact]
        public void A_50_MB_document_is_read_in_bounded_memory()
        {
            // 50 MB of readme text (skipped undecoded) around 3,000 versions, generated as it is read
            const int versions = 3000;
            // the generator's own pieces are made before counting: only the reader's allocations are measured
            var filler = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("lorem ipsum \\\"dolor\\\" sit amet ", 2000)));
            var entries = Enumerable.Range(0, versions).Select(i => Encoding.UTF8.GetBytes((i > 0 ? "," : "") +
                $"\"1.0.{i}\":{{\"_npmUser\":{{\"name\":\"u{i % 7}\"}},\"dist\":{{\"integrity\":\"sha512-{i}\"}},\"readme\":\"{new string('x', 2000)}\"}}")).ToList();
            var head = Encoding.UTF8.GetBytes("{\"name\":\"big\",\"readme\":\"");
            var middle = Encoding.UTF8.GetBytes("\",\"versions\":{");
            var tail = Encoding.UTF8.GetBytes("},\"time\":{\"1.0.0\":\"2026-01-01T00:00:00Z\"}}");
            IEnumerable<byte[]> Pieces()
            {
                yield return head;
                long written = 0;
                while (written < 50L * 1024 * 1024) { yield return filler; written += filler.Length; }
                yield return middle;
                foreach (var entry in entries) yield return entry;
                yield return tail;
            }
            var stream = new GeneratedStream(Pieces());
            long before = GC.GetAllocatedBytesForCurrentThread();
            var doc = NpmPackumentReader.Read(stream, "big");
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(versions, doc.Releases.Count);
            Assert.True(stream.Produced > 50L * 1024 * 1024);
            Assert.Equal(stream.Produced, doc.Bytes);
            // the reader allocates per kept field, never per byte read: far below the document's size
            Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated} bytes reading {stream.Produced}");
        }
    }
}
