using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using CsCheck;
using NpmHardening.Engine.Reports;
using Xunit;

namespace NpmHardening.Engine.Tests.Reports
{
    public class ReportWriterTests
    {
        private static NpmFinding Finding(string rule = "NPMH1001", NpmFindingStatus status = NpmFindingStatus.Fail,
            NpmSeverity severity = NpmSeverity.High, string? path = "/work/repo/.npmrc", int? line = 3, string? uri = null,
            string? name = null, string context = "/work/repo", string computer = "pc1", string message = "Install scripts run.")
        {
            return new NpmFinding
            {
                RuleId = rule, Title = "Title " + rule, Severity = severity, Status = status, Message = message,
                Location = new NpmFindingLocation { Path = path, Line = line, Uri = uri, Name = name },
                Context = context, ComputerName = computer, FactId = rule + "|" + (path ?? uri ?? name),
                Remediation = new NpmRemediation { Summary = "Fix it.", NpmCommand = "npm config set ignore-scripts true", WebSteps = new[] { "a", "b" } },
            };
        }

        private static string Write(NpmReportFormat format, IEnumerable<NpmFinding> findings, string? baseDirectory = "/work/repo")
        {
            using var buffer = new MemoryStream();
            using (var writer = NpmReportWriters.Create(format, buffer, new NpmReportOptions { BaseDirectory = baseDirectory, ToolVersion = "1.2.3" }))
            {
                foreach (var f in findings) writer.Add(f);
                writer.Complete();
            }
            return new UTF8Encoding(false).GetString(buffer.ToArray());
        }

        [Fact]
        public void Json_strings_round_trip_any_text_and_never_carry_markup()
        {
            Gen.String.Sample(text =>
            {
                var sw = new StringWriter();
                ReportJsonWriter.WriteEscaped(sw, text);
                var json = sw.ToString();
                Assert.Equal(text, JsonSerializer.Deserialize<string>(json));
                Assert.DoesNotContain("<", json);
                Assert.DoesNotContain(">", json);
            });
        }

        [Fact]
        public void Sarif_is_valid_json_with_rules_after_results_each_named_once_in_id_order()
        {
            var findings = new[] { Finding("NPMH2001", NpmFindingStatus.Warning, NpmSeverity.Medium), Finding(), Finding(status: NpmFindingStatus.Pass, rule: "NPMH1002") };
            using var doc = JsonDocument.Parse(Write(NpmReportFormat.Sarif, findings));
            var run = doc.RootElement.GetProperty("runs")[0];
            var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules");
            var ids = rules.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
            Assert.Equal(new[] { "NPMH1001", "NPMH1002", "NPMH2001" }, ids);
            var results = run.GetProperty("results");
            Assert.Equal(2, results.GetArrayLength());
            foreach (var r in results.EnumerateArray())
            {
                Assert.Single(ids, id => id == r.GetProperty("ruleId").GetString());
                Assert.False(r.TryGetProperty("ruleIndex", out _));
            }
            Assert.Equal("1.2.3", run.GetProperty("tool").GetProperty("driver").GetProperty("version").GetString());
        }

        [Fact]
        public void Sarif_rules_follow_the_catalog_order_area_then_number_not_text_order()
        {
            // NPMH10001 (area 10) sorts between NPMH1009 and NPMH2001 as text; the catalog puts it after area 9
            var ids = new[] { "NPMH10001", "NPMH2001", "NPMH9008", "NPMH1009", "NPMH7101", "NPMH10002", "NPMH7001" };
            var findings = ids.Select(id => Finding(id, path: "/work/repo/" + id)).ToArray();
            foreach (var f in findings.Where(f => NpmHardening.Engine.Rules.RuleCatalog.Default.Find(f.RuleId) == null)) f.Title = "A rule of a newer module";
            using var doc = JsonDocument.Parse(Write(NpmReportFormat.Sarif, findings));
            var rules = doc.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules")
                .EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
            Assert.Equal(new[] { "NPMH1009", "NPMH2001", "NPMH7001", "NPMH7101", "NPMH9008", "NPMH10001", "NPMH10002" }, rules);
        }

        [Fact]
        public void The_rule_id_order_is_the_order_of_the_catalog()
        {
            var catalog = NpmHardening.Engine.Rules.RuleCatalog.Default.Rules.Select(r => r.Id).ToList();
            Assert.Equal(catalog, catalog.OrderBy(id => id, NpmHardening.Engine.Rules.RuleIdOrder.Instance).ToList());
            var order = NpmHardening.Engine.Rules.RuleIdOrder.Instance;
            Assert.True(order.Compare("NPMH9008", "NPMH10001") < 0);
            Assert.True(order.Compare("NPMH1009", "NPMH10001") < 0);
            Assert.True(order.Compare("NPMH10001", "NPMH2001") > 0);
            Assert.True(order.Compare("NPMH10001", "custom-rule") < 0); // ids of another shape follow
            Assert.Equal(0, order.Compare("NPMH7001", "NPMH7001"));
        }

        [Fact]
        public void Sarif_rules_come_from_the_catalog_whatever_the_order_and_remediation_of_the_findings()
        {
            // two findings of one rule with different instance remediations, a second rule, and a rule this catalog
            // does not know described differently by two findings
            var a = Finding("NPMH7001", path: "/work/repo/.npmrc", line: 1);
            a.Remediation = new NpmRemediation { Summary = "Protect the token in /work/repo/.npmrc.", NpmCommand = "npm config delete //a/:_authToken" };
            var b = Finding("NPMH7001", path: "/home/u/.npmrc", line: 4);
            b.Remediation = new NpmRemediation { Summary = "Remove the line from /home/u/.npmrc.", WebSteps = new[] { "instance step" } };
            var c = Finding("NPMH2001", NpmFindingStatus.Warning, NpmSeverity.Medium);
            var x1 = Finding("NPMH99901", message: "from a newer module"); x1.Title = "Newer rule, first wording";
            var x2 = Finding("NPMH99901", path: "/work/repo/b"); x2.Title = "Newer rule, another wording";
            var forward = new[] { a, b, c, x1, x2 };
            var backward = forward.Reverse().ToArray();

            string RulesOf(NpmFinding[] findings)
            {
                using var doc = JsonDocument.Parse(Write(NpmReportFormat.Sarif, findings));
                return doc.RootElement.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules").GetRawText();
            }
            var one = RulesOf(forward);
            Assert.Equal(one, RulesOf(backward));
            Assert.Equal(one, RulesOf(new[] { b, x2, c, a, x1 }));

            using var parsed = JsonDocument.Parse(one);
            var rule = parsed.RootElement.EnumerateArray().Single(r => r.GetProperty("id").GetString() == "NPMH7001");
            var help = rule.GetProperty("help").GetProperty("text").GetString()!;
            var catalog = NpmHardening.Engine.Rules.RuleCatalog.Default["NPMH7001"];
            Assert.Contains(catalog.Rationale, help);
            Assert.Contains(catalog.WebSteps[0], help);
            Assert.Contains(catalog.Reference, help);
            Assert.DoesNotContain("/work/repo/.npmrc", help);
            Assert.DoesNotContain("/home/u/.npmrc", help);
            Assert.DoesNotContain("instance step", rule.GetRawText());
            Assert.Equal(catalog.Title.TrimEnd('.') + ".", rule.GetProperty("shortDescription").GetProperty("text").GetString());
        }

        [Theory]
        [InlineData("/work/repo/.npmrc", "SRCROOT", ".npmrc")]
        [InlineData("/work/repo/a b/c#d/.npmrc", "SRCROOT", "a%20b/c%23d/.npmrc")]
        [InlineData("/work/repository/.npmrc", "ROOT", "work/repository/.npmrc")]
        [InlineData("/home/u/.npmrc", "ROOT", "home/u/.npmrc")]
        public void Sarif_file_uris_are_relative_to_the_source_root_or_the_file_system_root(string path, string baseId, string uri)
        {
            if (Path.DirectorySeparatorChar == '\\') return; // Unix paths
            using var doc = JsonDocument.Parse(Write(NpmReportFormat.Sarif, new[] { Finding(path: path) }));
            var run = doc.RootElement.GetProperty("runs")[0];
            var artifact = run.GetProperty("results")[0].GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation");
            Assert.Equal(uri, artifact.GetProperty("uri").GetString());
            Assert.Equal(baseId, artifact.GetProperty("uriBaseId").GetString());
            var declared = run.GetProperty("originalUriBaseIds").GetProperty(baseId).GetProperty("uri").GetString();
            Assert.Equal(baseId == "SRCROOT" ? "file:///work/repo/" : "file:///", declared);
        }

        [Fact]
        public void Sarif_fingerprints_depend_on_the_fact_not_on_the_computer()
        {
            string Fingerprint(NpmFinding f)
            {
                using var doc = JsonDocument.Parse(Write(NpmReportFormat.Sarif, new[] { f }));
                return doc.RootElement.GetProperty("runs")[0].GetProperty("results")[0].GetProperty("partialFingerprints").GetProperty(SarifReportWriter.FingerprintName).GetString()!;
            }
            Assert.Equal(Fingerprint(Finding(computer: "a")), Fingerprint(Finding(computer: "b")));
            Assert.NotEqual(Fingerprint(Finding()), Fingerprint(Finding(path: "/work/repo/other/.npmrc")));
            Assert.NotEqual(Fingerprint(Finding()), Fingerprint(Finding(rule: "NPMH1002")));
        }

        [Theory]
        [InlineData(NpmSeverity.Critical, 9.0, 10.0)]
        [InlineData(NpmSeverity.High, 7.0, 8.9)]
        [InlineData(NpmSeverity.Medium, 4.0, 6.9)]
        [InlineData(NpmSeverity.Low, 0.1, 3.9)]
        public void Security_severity_follows_githubs_scale(NpmSeverity severity, double low, double high)
        {
            var value = double.Parse(SarifReportWriter.SecuritySeverity(severity), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(value, low, high);
        }

        [Theory]
        [InlineData("Token in a world-readable file", "TokenInWorldReadableFile")]
        [InlineData("TLS certificate checks are disabled (strict-ssl=false)", "TlsCertificateChecksAreDisabledStrictSslFalse")]
        [InlineData("", "Npmh1001")]
        public void Rule_names_are_pascal_case(string title, string expected) => Assert.Equal(expected, SarifReportWriter.RuleName(title, "NPMH1001"));

        [Fact]
        public void Csv_quotes_every_field_doubles_quotes_and_defuses_formulas()
        {
            using var buffer = new MemoryStream();
            using (var writer = new CsvReportWriter(buffer, new NpmReportOptions()))
            {
                writer.Add(Finding(message: "=HYPERLINK(\"x\")", path: "/a\"b/.npmrc"));
                writer.Complete();
            }
            var bytes = buffer.ToArray();
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3).ToArray());
            var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
            Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", text);
            Assert.Contains("\"/a\"\"b/.npmrc\"", text);
            Assert.Contains("\"a; b\"", text);
            Assert.DoesNotContain("System.String[]", text);
        }

        [Fact]
        public void JUnit_counts_one_case_per_rule_and_context_and_strips_characters_xml_cannot_carry()
        {
            var findings = new[]
            {
                Finding(message: "bad \u0001 char"), Finding(path: "/work/repo/b/.npmrc"), // same rule and context: one case
                Finding(context: "/work/other"), Finding("NPMH2001", NpmFindingStatus.Pass),
            };
            var xml = XDocument.Parse(Write(NpmReportFormat.JUnit, findings));
            var cases = xml.Descendants("testcase").ToList();
            Assert.Equal(3, cases.Count);
            Assert.Equal("3", xml.Root!.Attribute("tests")!.Value);
            Assert.Equal("2", xml.Root.Attribute("failures")!.Value);
            Assert.Contains("and 1 more", cases[0].Element("failure")!.Attribute("message")!.Value);
        }

        [Fact]
        public void Html_encodes_text_and_counts_problems_per_severity()
        {
            var html = Write(NpmReportFormat.Html, new[]
            {
                Finding(message: "<script>alert(1)</script>"), Finding(severity: NpmSeverity.Low, status: NpmFindingStatus.Warning), Finding(status: NpmFindingStatus.Pass),
            });
            Assert.DoesNotContain("<script>alert", html);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
            Assert.Contains("id=\"count-High\" data-count=\"1\"", html);
            Assert.Contains("id=\"count-Low\" data-count=\"1\"", html);
            Assert.Equal(1, html.Split(new[] { "<script" }, StringSplitOptions.None).Length - 1);
        }

        [Fact]
        public void A_report_file_replaces_the_target_only_on_commit()
        {
            var folder = Path.Combine(Path.GetTempPath(), "npmh-reportfile-" + Guid.NewGuid().ToString("n"));
            Directory.CreateDirectory(folder);
            try
            {
                var target = Path.Combine(folder, "r.json");
                File.WriteAllText(target, "old");
                using (var file = NpmReportFile.Open(target, noClobber: false, force: false))
                {
                    file.Stream.WriteByte((byte)'x');
                } // disposed without commit
                Assert.Equal("old", File.ReadAllText(target));
                Assert.Single(Directory.GetFiles(folder));

                using (var file = NpmReportFile.Open(target, noClobber: false, force: false))
                {
                    file.Stream.WriteByte((byte)'n');
                    file.Commit();
                }
                Assert.Equal("n", File.ReadAllText(target));
                Assert.Single(Directory.GetFiles(folder));

                var e = Assert.Throws<NpmReportPathException>(() => NpmReportFile.Open(target, noClobber: true, force: false));
                Assert.Equal(NpmReportPathProblem.Exists, e.Problem);
                e = Assert.Throws<NpmReportPathException>(() => NpmReportFile.Open(Path.Combine(folder, "missing", "r.json"), false, false));
                Assert.Equal(NpmReportPathProblem.FolderMissing, e.Problem);
                Assert.Contains(Path.Combine(folder, "missing"), e.Message);
            }
            finally { Directory.Delete(folder, true); }
        }
    }
}
