using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NpmHardening.Engine.Events;
using NpmHardening.Engine.Rules;
using Xunit;

namespace NpmHardening.Engine.Tests.Events
{
    /// <summary>
    /// The issue's scripted timeline through the correlation, for windows of 1 h, 24 h and 48 h, fed both as records and
    /// as the JSON lines and CSV an organisation would export; the import's errors name the line.
    /// </summary>
    public class UnapprovedPublishTests
    {
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

        /// <summary>
        /// a: stage, approve, publish (the gate working); b: publish without approval; c: stage, publish, approval 30 hours
        /// later; d: stage, then rejection; e: approve and publish with no stage seen; f: stage, publish, approval 2 hours later.
        /// </summary>
        internal static readonly (string Action, string Package, string Version, double Hours)[] Timeline =
        {
            ("package.staged", "a", "1.0.0", 0), ("package.approved", "a", "1.0.0", 2), ("package.published", "a", "1.0.0", 2),
            ("package.published", "b", "1.0.0", 3),
            ("package.staged", "c", "1.0.0", 0), ("package.published", "c", "1.0.0", 4), ("package.approved", "c", "1.0.0", 34),
            ("package.staged", "d", "1.0.0", 5), ("package.rejected", "d", "1.0.0", 6),
            ("package.approved", "e", "2.0.0", 7), ("package.published", "e", "2.0.0", 7),
            ("package.staged", "f", "1.0.0", 9), ("package.published", "f", "1.0.0", 10), ("package.approved", "f", "1.0.0", 12),
        };

        public static IEnumerable<object[]> Windows() => new[]
        {
            new object[] { 1.0, new[] { "NPMH14101 b@1.0.0", "NPMH14101 c@1.0.0", "NPMH14103 e@2.0.0", "NPMH14101 f@1.0.0" } },
            new object[] { 24.0, new[] { "NPMH14101 b@1.0.0", "NPMH14101 c@1.0.0", "NPMH14103 e@2.0.0" } },
            new object[] { 48.0, new[] { "NPMH14101 b@1.0.0", "NPMH14103 e@2.0.0" } },
        };

        private static ReleaseEventRecord Record((string Action, string Package, string Version, double Hours) e) => new ReleaseEventRecord
        {
            Kind = ReleaseEventRecord.KindOf(e.Action), Action = e.Action, Package = e.Package, Version = e.Version, Time = T0.AddHours(e.Hours),
        };

        private static List<string> Alerts(UnapprovedPublishCorrelator c) =>
            c.Correlate().Select(a => $"{a.RuleId} {a.Package}@{a.Version}").ToList();

        [Theory]
        [MemberData(nameof(Windows))]
        public void Timeline_gives_exactly_the_expected_alerts(double hours, string[] expected)
        {
            var c = new UnapprovedPublishCorrelator(TimeSpan.FromHours(hours));
            foreach (var e in Timeline) c.Add(Record(e));
            Assert.Equal(expected, Alerts(c));
        }

        [Theory]
        [MemberData(nameof(Windows))]
        public void Timeline_from_json_lines_and_csv_gives_the_same_alerts(double hours, string[] expected)
        {
            var map = new ReleaseEventFieldMap { Action = "type", Package = "pkg", Version = "ver", Time = "when" };
            // nested JSON, epoch milliseconds for half of them, and an action spelt as a bare verb: an export's other shape
            var lines = string.Join("\n", Timeline.Select((e, i) =>
                $"{{\"type\":\"{(i % 2 == 0 ? e.Action : e.Action.Substring("package.".Length))}\",\"pkg\":\"{e.Package}\",\"ver\":\"{e.Version}\",\"when\":" +
                (i % 2 == 0 ? $"\"{NpmReleaseEvent.Iso(T0.AddHours(e.Hours))}\"" : T0.AddHours(e.Hours).ToUnixTimeMilliseconds().ToString()) + "}"));
            var c = new UnapprovedPublishCorrelator(TimeSpan.FromHours(hours));
            foreach (var item in ReleaseEventImport.Read(new StringReader(lines), "events.jsonl", map))
            {
                Assert.Null(item.Problem);
                c.Add(item.Record!);
            }
            Assert.Equal(expected, Alerts(c));

            var csv = "type,pkg,ver,when,note\r\n" + string.Join("\r\n", Timeline.Select(e => $"{e.Action},{e.Package},{e.Version},{NpmReleaseEvent.Iso(T0.AddHours(e.Hours))},\"a, \"\"quoted\"\"\nnote\""));
            var fromCsv = new UnapprovedPublishCorrelator(TimeSpan.FromHours(hours));
            var items = ReleaseEventImport.Read(new StringReader(csv), "events.csv", map).ToList();
            Assert.All(items, i => Assert.Null(i.Problem));
            foreach (var item in items) fromCsv.Add(item.Record!);
            Assert.Equal(expected, Alerts(fromCsv));
            // records start on lines 2, 4, 6 … (each note spans two lines); the alert keeps the fields and where it was read
            var b = fromCsv.Correlate().First();
            Assert.Equal("events.csv", b.Location!.Path);
            Assert.Equal(8, b.Location.Line);
            // the line break inside the quoted field is kept out of the alert: an alert is one log line
            Assert.Equal("a, \"quoted\"\uFFFDnote", b.Event["note"]);
        }

        [Fact]
        public void Alerts_take_title_and_severity_from_the_catalog_and_say_what_was_looked_for()
        {
            var c = new UnapprovedPublishCorrelator(TimeSpan.FromHours(24));
            foreach (var e in Timeline) c.Add(Record(e));
            foreach (var a in c.Correlate())
            {
                var rule = RuleCatalog.Default[a.RuleId];
                Assert.Equal(rule.Title, a.Title);
                Assert.Equal(rule.Severity, a.Severity);
                Assert.Equal(NpmFindingStatus.Fail, a.Status);
                Assert.Contains(a.RuleId, UnapprovedPublishCorrelator.RuleIds);
                Assert.Equal(24, a.WindowHours);
            }
            var b = c.Correlate().First(a => a.Package == "b");
            Assert.Equal("an approval (package.approved) of b@1.0.0 between 2026-03-01T11:00:00.000Z and 2026-03-03T11:00:00.000Z", b.LookedFor);
            var cc = c.Correlate().First(a => a.Package == "c");
            Assert.Contains("nearest approval is 30 h after it", cc.Message);
            Assert.True(RuleCatalog.Default[UnapprovedPublishCorrelator.ApprovalRule].Severity < RuleCatalog.Default[UnapprovedPublishCorrelator.PublishRule].Severity);
        }

        [Fact]
        public void Duplicates_count_once_and_other_actions_are_left_out()
        {
            var c = new UnapprovedPublishCorrelator(TimeSpan.FromHours(1));
            var p = new ReleaseEventRecord { Kind = ReleaseEventKind.Published, Action = "package.published", Package = "b", Version = "1", Time = T0, EventId = "x" };
            Assert.True(c.Add(p));
            Assert.False(c.Add(new ReleaseEventRecord { Kind = ReleaseEventKind.Published, Action = "package.published", Package = "b", Version = "1", Time = T0, EventId = "x" }));
            Assert.False(c.Add(new ReleaseEventRecord { Kind = ReleaseEventKind.Other, Action = "user.login", Package = "b", Time = T0 }));
            Assert.Single(c.Correlate());
            Assert.Equal(1, c.Duplicates);
            Assert.Equal(1, c.Ignored);
            // a creation is judged like a publish, under its own rule
            var created = new UnapprovedPublishCorrelator(TimeSpan.FromHours(1));
            created.Add(new ReleaseEventRecord { Kind = ReleaseEventRecord.KindOf("Package_Created"), Action = "Package_Created", Package = "@acme/new", Time = T0 });
            Assert.Equal(UnapprovedPublishCorrelator.CreationRule, Assert.Single(created.Correlate()).RuleId);
        }

        [Fact]
        public void Bad_lines_are_reported_by_line_and_reading_goes_on()
        {
            var text = "{\"event.action\":\"package.published\",\"package.name\":\"a\",\"@timestamp\":\"2026-01-01T00:00:00Z\"}\n" +
                       "not json\n" +
                       "[1,2]\n" +
                       "\n" +
                       "{\"event.action\":\"package.published\",\"@timestamp\":\"2026-01-01T00:00:00Z\"}\n" +
                       "{\"event.action\":\"package.published\",\"package.name\":\"a\",\"@timestamp\":\"yesterday\"}\n" +
                       "{\"event.action\":\"package.published\",\"package.name\":\"a\",\"@timestamp\":\"1969-12-31T00:00:00Z\"}\n" +
                       "{\"package.name\":\"a\"}\n" +
                       "{\"event\":{\"action\":\"package.published\"},\"package\":{\"name\":\"n\"},\"@timestamp\":1767225600}\n" +
                       "{\"event.action\":\"package.published\",\"package.name\":\"" + new string('x', ReleaseEventImport.MaxLineChars) + "\"}\n";
            var items = ReleaseEventImport.Read(new StringReader(text), "x.jsonl", new ReleaseEventFieldMap()).ToList();
            var problems = items.Where(i => i.Problem != null).Select(i => i.Line).ToList();
            Assert.Equal(new[] { 2, 3, 5, 6, 7, 8, 10 }, problems);
            Assert.Contains("JSON array", items.Single(i => i.Line == 3).Problem);
            Assert.Contains("package.name", items.Single(i => i.Line == 5).Problem);
            var nested = items.Single(i => i.Line == 9).Record!;
            Assert.Equal("n", nested.Package);
            Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), nested.Time);

            var csv = ReleaseEventImport.Read(new StringReader("action,name\npublish,a\n"), "x.csv", new ReleaseEventFieldMap { Action = "action", Package = "name", Time = "time" }).ToList();
            Assert.Contains("no column 'time'", Assert.Single(csv).Problem);
            var unclosed = ReleaseEventImport.Read(new StringReader("a,p,t\npublish,\"x,2026-01-01\n"), "x.csv", new ReleaseEventFieldMap { Action = "a", Package = "p", Time = "t" }).ToList();
            Assert.Contains("not closed", Assert.Single(unclosed).Problem);
        }
    }
}
