using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Events;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Releases;
using Xunit;

namespace NpmHardening.Engine.Tests.Events
{
    /// <summary>
    /// Events read from package documents and staged lists (each signal on its own), their stable ids and ECS line, the
    /// state a scheduled run keeps (hostile file: exact types and limits), and the import of JSON lines and CSV exports.
    /// </summary>
    public class ReleaseEventTests
    {
        private const string Registry = "https://registry.example/";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

        private static NpmPackument Doc(string json) =>
            NpmPackumentReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)), "@acme/one", NpmPackumentReader.DefaultMaxBytes, Registry);

        // shapes of the real documents (npm-registry-api.md §10.2): token, OIDC direct, staged + approved, deprecated
        private const string Packument = @"{""name"":""@acme/one"",""versions"":{
          ""1.0.0"":{""_npmUser"":{""name"":""alice"",""email"":""a@x""},""dist"":{""shasum"":""aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa""}},
          ""1.1.0"":{""_npmUser"":{""name"":""GitHub Actions"",""email"":""npm-oidc-no-reply@github.com"",""trustedPublisher"":{""id"":""github"",""oidcConfigId"":""oidc:1""}},""dist"":{""shasum"":""bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb""}},
          ""1.2.0"":{""_npmUser"":{""name"":""GitHub Actions"",""approver"":{""name"":""bob"",""email"":""b@x""},""trustedPublisher"":{""id"":""github"",""oidcConfigId"":""oidc:1""}},""dist"":{""shasum"":""cccccccccccccccccccccccccccccccccccccccc""},""deprecated"":""use 1.3""}},
          ""time"":{""created"":""2026-01-01T00:00:00.000Z"",""1.0.0"":""2026-01-01T00:00:00.000Z"",""1.1.0"":""2026-02-01T00:00:00.000Z"",""1.2.0"":""2026-03-01T00:00:00.000Z"",""0.9.0"":""2025-12-01T00:00:00.000Z""}}";

        private static NpmStagedPackage Staged(string id, string version, string shasum, string at) => new NpmStagedPackage
        {
            StageId = id, Package = "@acme/one", Version = version, Shasum = shasum, StagedBy = "ci", ActorType = "trusted automation",
            StagedAt = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture), Registry = Registry,
        };

        [Fact]
        public void Document_gives_published_approved_and_deprecated_events_each_from_its_own_field()
        {
            var events = ReleaseEventReader.Read(Doc(Packument), new NpmStagedPackage[0], new ReleaseEventStagedItem[0], Registry, "@acme/one", Now);
            var summary = events.Select(e => $"{e.Action} {e.Version} {e.UserName ?? "-"} {(e.Timestamp is DateTimeOffset t ? NpmReleaseEvent.Iso(t) : "-")}").ToList();
            Assert.Equal(new[]
            {
                "package.published 1.0.0 alice 2026-01-01T00:00:00.000Z",
                "package.published 1.1.0 GitHub Actions 2026-02-01T00:00:00.000Z",
                "package.approved 1.2.0 bob 2026-03-01T00:00:00.000Z",
                "package.published 1.2.0 GitHub Actions 2026-03-01T00:00:00.000Z",
                // no time in the registry: sorted at the time it was seen, and says so
                "package.deprecated 1.2.0 - -",
            }, summary);
            // trusted publishing alone is not an approval: only 1.2.0 (approver) has one
            Assert.Single(events, e => e.Action == NpmReleaseEventActions.Approved);
            Assert.Contains("trustedPublisher.id=github", events[1].Evidence);
            Assert.False(events[4].ToEcs().First(f => f.Key == "npm.timestamp_known").Value is true);
        }

        [Fact]
        public void Event_ids_are_stable_across_runs_and_distinct_between_facts()
        {
            var a = ReleaseEventReader.Read(Doc(Packument), new NpmStagedPackage[0], new ReleaseEventStagedItem[0], Registry, "@acme/one", Now);
            var b = ReleaseEventReader.Read(Doc(Packument), new NpmStagedPackage[0], new ReleaseEventStagedItem[0], Registry, "@acme/one", Now.AddDays(3));
            Assert.Equal(a.Select(e => e.EventId), b.Select(e => e.EventId));
            Assert.Equal(a.Count, a.Select(e => e.EventId).Distinct().Count());
            Assert.All(a, e => Assert.Matches("^[0-9a-f]{32}$", e.EventId));
            // another registry is another fact
            var c = ReleaseEventReader.Read(Doc(Packument), new NpmStagedPackage[0], new ReleaseEventStagedItem[0], "https://other.example/", "@acme/one", Now);
            Assert.Empty(a.Select(e => e.EventId).Intersect(c.Select(e => e.EventId)));
        }

        [Fact]
        public void A_staged_item_that_left_without_its_version_is_rejected_and_one_that_became_it_is_not()
        {
            const string gone = "11111111-1111-4111-8111-111111111111", approved = "22222222-2222-4222-8222-222222222222",
                swapped = "33333333-3333-4333-8333-333333333333", waiting = "44444444-4444-4444-8444-444444444444";
            var before = new[]
            {
                new ReleaseEventStagedItem { Registry = Registry, Package = "@acme/one", StageId = gone, Version = "2.0.0", Shasum = "dddddddddddddddddddddddddddddddddddddddd" },
                new ReleaseEventStagedItem { Registry = Registry, Package = "@acme/one", StageId = approved, Version = "1.2.0", Shasum = "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC" },
                // the version exists, but from another tarball: the staged one was not what got published
                new ReleaseEventStagedItem { Registry = Registry, Package = "@acme/one", StageId = swapped, Version = "1.1.0", Shasum = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" },
                new ReleaseEventStagedItem { Registry = Registry, Package = "@acme/one", StageId = waiting, Version = "3.0.0", Shasum = "ffffffffffffffffffffffffffffffffffffffff" },
                // released, then unpublished (still in time[]): not a rejection
                new ReleaseEventStagedItem { Registry = Registry, Package = "@acme/one", StageId = "55555555-5555-4555-8555-555555555555", Version = "0.9.0", Shasum = "9999999999999999999999999999999999999999" },
            };
            var now = new[] { Staged(waiting, "3.0.0", "ffffffffffffffffffffffffffffffffffffffff", "2026-05-31T00:00:00Z") };
            var events = ReleaseEventReader.Read(Doc(Packument), now, before, Registry, "@acme/one", Now);
            var rejected = events.Where(e => e.Action == NpmReleaseEventActions.Rejected).OrderBy(e => e.Version).ToList();
            Assert.Equal(new[] { "1.1.0", "2.0.0" }, rejected.Select(e => e.Version));
            Assert.All(rejected, e => Assert.Equal("failure", e.Outcome));
            Assert.Contains("not the staged eeee", rejected[0].Reason);
            Assert.Equal(waiting, events.Single(e => e.Action == NpmReleaseEventActions.Staged).StageId);
        }

        [Fact]
        public void Hostile_document_text_is_clipped_to_one_line_and_odd_shapes_give_no_crash()
        {
            var longName = new string('x', 5000);
            var doc = Doc("{\"versions\":{\"1.0.0\":{\"_npmUser\":{\"name\":\"evil\\n{\\\"event.action\\\":\\\"forged\\\"}" + longName + "\"}},\"2.0.0\":7,\"3.0.0\":{\"_npmUser\":\"str\"}},\"time\":{\"1.0.0\":\"not a date\",\"3.0.0\":42}}");
            var events = ReleaseEventReader.Read(doc, new NpmStagedPackage[0], new ReleaseEventStagedItem[0], Registry, "p", Now);
            Assert.Equal(2, events.Count);
            var line = events.Single(e => e.Version == "1.0.0").ToJsonLine();
            Assert.DoesNotContain("\n", line);
            Assert.True(line.Length < 4000, line.Length.ToString());
            Assert.All(events, e => Assert.Null(e.Timestamp));
            Assert.Empty(ReleaseEventReader.Read(null, new NpmStagedPackage[0], new ReleaseEventStagedItem[0], Registry, "p", Now));
        }

        [Fact]
        public void Json_line_has_the_ecs_names_and_parses_back()
        {
            var e = ReleaseEventReader.Read(Doc(Packument), new NpmStagedPackage[0], new ReleaseEventStagedItem[0], Registry, "@acme/one", Now)[0];
            var line = e.ToJsonLine();
            Assert.True(JsJson.TryParse(line, out var parsed));
            var o = Assert.IsType<JsObject>(parsed);
            Assert.Equal("2026-01-01T00:00:00.000Z", o["@timestamp"]);
            Assert.Equal("package.published", o["event.action"]);
            Assert.Equal("event", o["event.kind"]);
            Assert.Equal("alice", o["user.name"]);
            Assert.Equal("@acme/one", o["package.name"]);
            Assert.Equal("1.0.0", o["package.version"]);
            Assert.Equal(e.EventId, o["event.id"]);
        }

        [Fact]
        public void State_round_trips_and_refuses_what_it_did_not_write()
        {
            var s = new ReleaseEventState();
            s.Emitted.Add("0123456789abcdef0123456789abcdef");
            s.SetStaged(Registry, "p", new[] { new ReleaseEventStagedItem { Registry = Registry, Package = "p", StageId = "11111111-1111-4111-8111-111111111111", Version = "1.0.0" } });
            var back = ReleaseEventState.Parse(s.Serialize());
            Assert.Equal(s.Emitted, back.Emitted);
            Assert.Equal("1.0.0", Assert.Single(back.StagedFor(Registry, "p")).Version);

            foreach (var bad in new[]
            {
                "", "[]", "{\"schema\":2,\"emitted\":[],\"staged\":[]}", "{\"schema\":1,\"emitted\":[1],\"staged\":[]}",
                "{\"schema\":1,\"emitted\":[\"../../etc\"],\"staged\":[]}", "{\"schema\":1,\"emitted\":[],\"staged\":[{\"registry\":\"r\",\"package\":\"p\",\"stageId\":\"x\"}]}",
                "{\"schema\":1,\"emitted\":[]}", "{\"schema\":1,\"emitted\":[],\"staged\":[{\"registry\":\"r\",\"package\":\"p\",\"stageId\":\"11111111-1111-4111-8111-111111111111\",\"version\":5}]}",
            })
                Assert.Throws<InvalidDataException>(() => ReleaseEventState.Parse(Encoding.UTF8.GetBytes(bad)));
            Assert.Throws<InvalidDataException>(() => ReleaseEventState.Parse(new byte[] { 0xff, 0xfe, 0x7b }));
        }

        [Fact]
        public void State_file_survives_a_failed_write_and_refuses_a_link()
        {
            var dir = Path.Combine(Path.GetTempPath(), "npmh-ev-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                var path = Path.Combine(dir, "state.json");
                using (var f = ReleaseEventStateFile.Open(path, TimeSpan.FromSeconds(5)))
                {
                    var s = f.Load();
                    Assert.Empty(s.Emitted);
                    s.Emitted.Add("0123456789abcdef0123456789abcdef");
                    f.Save(s);
                }
                var before = File.ReadAllBytes(path);
                // a second run waits for the lock and gives up after its timeout
                using (var held = ReleaseEventStateFile.Open(path, TimeSpan.FromSeconds(5)))
                {
                    var e = Assert.Throws<ReleaseEventStateException>(() => ReleaseEventStateFile.Open(path, TimeSpan.FromMilliseconds(300)));
                    Assert.Equal(ReleaseEventStateError.Locked, e.Error);
                }
                Assert.Equal(before, File.ReadAllBytes(path));
                Assert.DoesNotContain(Directory.GetFiles(dir), x => x.EndsWith(".tmp", StringComparison.Ordinal));

                if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows))
                {
                    var link = Path.Combine(dir, "link.json");
                    File.CreateSymbolicLink(link, path);
                    var e = Assert.Throws<ReleaseEventStateException>(() => ReleaseEventStateFile.Open(link, TimeSpan.FromSeconds(1)));
                    Assert.Equal(ReleaseEventStateError.UnsafePath, e.Error);
                    Assert.Equal(before, File.ReadAllBytes(path));
                }
                File.WriteAllText(path, "{\"schema\":1,\"emitted\":[\"nope\"],\"staged\":[]}");
                using (var f = ReleaseEventStateFile.Open(path, TimeSpan.FromSeconds(5)))
                {
                    var e = Assert.Throws<ReleaseEventStateException>(() => f.Load());
                    Assert.Equal(ReleaseEventStateError.Invalid, e.Error);
                    Assert.Contains(path, e.Message);
                }
            }
            finally { Directory.Delete(dir, true); }
        }

        [Fact]
        public void State_file_refuses_a_final_link_to_a_file_of_the_same_name_and_allows_a_linked_folder()
        {
            if (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)) return;
            var dir = Path.Combine(Path.GetTempPath(), "npmh-ev-" + Guid.NewGuid().ToString("N"));
            var real = Path.Combine(dir, "real");
            var other = Path.Combine(dir, "other");
            Directory.CreateDirectory(real);
            Directory.CreateDirectory(other);
            try
            {
                // the link keeps the file name and only changes the folder: a check by name alone would let it through
                var victim = Path.Combine(other, "state.json");
                File.WriteAllText(victim, "{\"schema\":1,\"emitted\":[],\"staged\":[]}");
                var before = File.ReadAllBytes(victim);
                var link = Path.Combine(real, "state.json");
                File.CreateSymbolicLink(link, victim);
                var e = Assert.Throws<ReleaseEventStateException>(() => ReleaseEventStateFile.Open(link, TimeSpan.FromSeconds(1)));
                Assert.Equal(ReleaseEventStateError.UnsafePath, e.Error);
                Assert.Equal(before, File.ReadAllBytes(victim));

                // a link among the folders on the way is not the state file being a link
                var linkedFolder = Path.Combine(dir, "linked");
                Directory.CreateSymbolicLink(linkedFolder, other);
                using (var f = ReleaseEventStateFile.Open(Path.Combine(linkedFolder, "state.json"), TimeSpan.FromSeconds(5)))
                {
                    var s = f.Load();
                    s.Emitted.Add("0123456789abcdef0123456789abcdef");
                    f.Save(s);
                }
                Assert.Contains("0123456789abcdef0123456789abcdef", File.ReadAllText(victim));
                Assert.Equal(FileAttributes.ReparsePoint, File.GetAttributes(link) & FileAttributes.ReparsePoint);
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}
