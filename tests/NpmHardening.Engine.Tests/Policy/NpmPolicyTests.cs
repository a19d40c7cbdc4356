using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Policy;

namespace NpmHardening.Engine.Tests.Policy
{
    /// <summary>The policy file's meaning (reader) and its application to findings (filter), on values built by hand.</summary>
    public class NpmPolicyTests
    {
        private const string File = "/etc/npmh/policy.psd1";

        // tiny builders: T(line, ("Key", line, value)…), L(line, items…), S(line, value)
        private static NpmPolicyValue T(int line, params (string Key, int Line, NpmPolicyValue Value)[] entries) =>
            NpmPolicyValue.Table(entries.Select(e => new NpmPolicyEntry(e.Key, e.Line, e.Value)).ToList(), line);
        private static NpmPolicyValue L(int line, params NpmPolicyValue[] items) => NpmPolicyValue.List(items, line);
        private static NpmPolicyValue S(int line, object? value) => NpmPolicyValue.Scalar(value, line);

        private static NpmPolicyValue Exception(int line, string rule, string? justification = "legacy build, ticket SEC-1", string? expires = null,
            string? context = null, string? location = null)
        {
            var entries = new List<(string, int, NpmPolicyValue)> { ("RuleId", line + 1, S(line + 1, rule)) };
            if (justification != null) entries.Add(("Justification", line + 2, S(line + 2, justification)));
            if (expires != null) entries.Add(("Expires", line + 3, S(line + 3, expires)));
            if (context != null) entries.Add(("Context", line + 4, S(line + 4, context)));
            if (location != null) entries.Add(("Location", line + 5, S(line + 5, location)));
            return T(line, entries.ToArray());
        }

        private static NpmPolicyFileException Fails(NpmPolicyValue root) => Assert.Throws<NpmPolicyFileException>(() => NpmPolicyReader.Read(root, File));

        [Fact]
        public void A_full_policy_reads_with_lines_and_normalized_registries()
        {
            var policy = NpmPolicyReader.Read(T(1,
                ("baseline", 2, S(2, "strict")),
                ("AllowedRegistries", 3, T(3,
                    ("Default", 4, L(4, S(4, "https://registry.npmjs.org"), S(4, "https://Mirror.Example/npm/"))),
                    ("@Corp", 5, S(5, "https://npm.corp.example/")))),
                ("Exceptions", 7, L(7, Exception(8, "npmh3001", expires: "2027-03-31", context: "*/legacy-*", location: "*/.npmrc*")))), File);
            Assert.Equal(NpmBaseline.Strict, policy.Baseline);
            Assert.Equal(new[] { "https://registry.npmjs.org/", "https://mirror.example/npm/" }, policy.AllowedRegistries);
            Assert.Equal(new[] { "https://npm.corp.example/" }, policy.ScopedRegistries["@corp"]);
            var x = Assert.Single(policy.Exceptions);
            Assert.Equal("NPMH3001", x.RuleId);
            Assert.Equal(new DateTime(2027, 3, 31), x.Expires);
            Assert.Equal(File + ":8", x.Source);
            Assert.Equal("*/legacy-*", x.Context);
        }

        [Fact]
        public void An_empty_policy_changes_nothing()
        {
            var policy = NpmPolicyReader.Read(T(1), File);
            Assert.Null(policy.Baseline);
            Assert.Null(policy.AllowedRegistries);
            Assert.Empty(policy.ScopedRegistries);
            Assert.Empty(policy.Exceptions);
        }

        [Fact]
        public void Errors_name_the_file_the_line_and_a_stable_id()
        {
            var e = Fails(T(1, ("Baseline", 2, S(2, "Recommended")), ("Exeptions", 3, L(3))));
            Assert.Equal(("PolicyUnknownKey", 3), (e.ErrorId, e.Line));
            Assert.StartsWith(File + ":3: unknown key 'Exeptions'", e.Message);

            e = Fails(T(1, ("Exceptions", 2, L(2, Exception(3, "NPMH0001")))));
            Assert.Equal(("PolicyUnknownRule", 4), (e.ErrorId, e.Line));
            Assert.Contains("NPMH0001", e.Message);

            e = Fails(T(1, ("Exceptions", 2, L(2, Exception(3, "NPMH3001", justification: null)))));
            Assert.Equal(("PolicyMissingJustification", 3), (e.ErrorId, e.Line));
            e = Fails(T(1, ("Exceptions", 2, L(2, Exception(3, "NPMH3001", justification: "  ")))));
            Assert.Equal(("PolicyMissingJustification", 5), (e.ErrorId, e.Line));

            e = Fails(T(1, ("Exceptions", 2, L(2, Exception(3, "NPMH3001", expires: "31/03/2027")))));
            Assert.Equal(("PolicyInvalidDate", 6), (e.ErrorId, e.Line));
            e = Fails(T(1, ("Exceptions", 2, L(2, Exception(3, "NPMH3001", expires: "2027-02-30")))));
            Assert.Equal("PolicyInvalidDate", e.ErrorId);

            e = Fails(T(1, ("Exceptions", 2, L(2, T(3, ("RuleId", 4, S(4, "NPMH3001")), ("Justification", 5, S(5, "x")), ("Owner", 6, S(6, "me")))))));
            Assert.Equal(("PolicyUnknownKey", 6), (e.ErrorId, e.Line));

            e = Fails(T(1, ("Baseline", 2, S(2, "Paranoid"))));
            Assert.Equal(("PolicyInvalidValue", 2), (e.ErrorId, e.Line));
            e = Fails(T(1, ("AllowedRegistries", 2, T(2, ("corp", 3, S(3, "https://npm.corp.example/"))))));
            Assert.Equal(("PolicyUnknownKey", 3), (e.ErrorId, e.Line));
            e = Fails(T(1, ("AllowedRegistries", 2, S(2, "not a url"))));
            Assert.Equal(("PolicyInvalidValue", 2), (e.ErrorId, e.Line));
            e = Fails(T(1, ("Baseline", 2, S(2, "CI")), ("baseline", 3, S(3, "CI"))));
            Assert.Equal(("PolicyInvalidValue", 3), (e.ErrorId, e.Line));
            e = Fails(L(1));
            Assert.Equal(("PolicyNotData", 1), (e.ErrorId, e.Line));
            e = Fails(T(1, ("Exceptions", 2, L(2, S(3, "NPMH3001")))));
            Assert.Equal(("PolicyInvalidValue", 3), (e.ErrorId, e.Line));
        }

        [Fact]
        public void Staging_keys_read_a_time_span_or_days_and_the_expected_publishers_with_lines_for_their_errors()
        {
            var policy = NpmPolicyReader.Read(T(1, ("Staging", 2, T(2, ("MaximumAge", 3, S(3, "3.12:00:00")), ("ExpectedPublishers", 4, L(4, S(4, "release-bot"), S(4, "alice")))))), File);
            Assert.Equal(new TimeSpan(3, 12, 0, 0), policy.StagedMaximumAge);
            Assert.Equal(new[] { "release-bot", "alice" }, policy.ExpectedPublishers);
            Assert.Equal(TimeSpan.FromDays(2), NpmPolicyReader.Read(T(1, ("staging", 2, T(2, ("maximumage", 3, S(3, 2))))), File).StagedMaximumAge);
            var none = NpmPolicyReader.Read(T(1), File);
            Assert.Null(none.StagedMaximumAge);
            Assert.Null(none.ExpectedPublishers);

            Assert.Equal(("PolicyInvalidValue", 3), Pair(Fails(T(1, ("Staging", 2, T(2, ("MaximumAge", 3, S(3, "three days"))))))));
            Assert.Equal(("PolicyInvalidValue", 3), Pair(Fails(T(1, ("Staging", 2, T(2, ("MaximumAge", 3, S(3, "-1.00:00:00"))))))));
            Assert.Equal(("PolicyUnknownKey", 3), Pair(Fails(T(1, ("Staging", 2, T(2, ("MaxAge", 3, S(3, "1.00:00:00"))))))));
            Assert.Equal(("PolicyInvalidValue", 2), Pair(Fails(T(1, ("Staging", 2, S(2, "7"))))));
            Assert.Equal(("PolicyInvalidValue", 3), Pair(Fails(T(1, ("Staging", 2, T(2, ("ExpectedPublishers", 3, S(3, " "))))))));
        }

        private static (string, int) Pair(NpmPolicyFileException e) => (e.ErrorId, e.Line);

        private static NpmFinding Finding(string rule = "NPMH3001", NpmFindingStatus status = NpmFindingStatus.Fail, NpmSeverity severity = NpmSeverity.High,
            string context = "/home/ana/legacy-app", string path = "/home/ana/.npmrc", int line = 4) => new NpmFinding
        {
            RuleId = rule, Title = "t", Severity = severity, Status = status, Message = "ignore-scripts is false (/home/ana/.npmrc:4).", Context = context,
            Location = new NpmFindingLocation { Path = path, Line = line },
        };

        private static NpmHardeningPolicy Policy(params NpmPolicyValue[] exceptions) => NpmPolicyReader.Read(T(1, ("Exceptions", 2, L(2, exceptions))), File);

        [Fact]
        public void A_covered_finding_stays_with_status_Suppressed_and_its_suppression()
        {
            var filter = new NpmFindingFilter(Policy(Exception(3, "NPMH3001", expires: "2027-03-31", context: "*/legacy-*", location: "/home/*/.npmrc")), null, null, new DateTime(2027, 3, 31));
            var f = Finding();
            Assert.True(filter.Apply(f));
            Assert.Equal(NpmFindingStatus.Suppressed, f.Status);
            Assert.Equal("legacy build, ticket SEC-1", f.Suppression!.Justification);
            Assert.Equal(NpmFindingStatus.Fail, f.Suppression.OriginalStatus);
            Assert.Equal(File + ":3", f.Suppression.Source);
            Assert.Equal(new DateTime(2027, 3, 31), f.Suppression.Expires);
            Assert.False(NpmComplianceResult.BreaksCompliance(f.Status, f.Severity, f.Suppression, new DateTime(2027, 3, 31)));
        }

        [Fact]
        public void Patterns_limit_the_exception_and_passes_are_never_suppressed()
        {
            var filter = new NpmFindingFilter(Policy(Exception(3, "NPMH3001", context: "*/legacy-*", location: "*/.npmrc:4")), null, null, DateTime.Today);
            var other = Finding(context: "/home/ana/shop");
            filter.Apply(other);
            Assert.Equal(NpmFindingStatus.Fail, other.Status);
            var otherLine = Finding(line: 5);
            filter.Apply(otherLine);
            Assert.Equal(NpmFindingStatus.Fail, otherLine.Status);
            var otherRule = Finding(rule: "NPMH3002");
            filter.Apply(otherRule);
            Assert.Equal(NpmFindingStatus.Fail, otherRule.Status);
            var pass = Finding(status: NpmFindingStatus.Pass);
            filter.Apply(pass);
            Assert.Equal(NpmFindingStatus.Pass, pass.Status);
            Assert.Null(pass.Suppression);
            var warning = Finding(status: NpmFindingStatus.Warning);
            filter.Apply(warning);
            Assert.Equal((NpmFindingStatus.Suppressed, NpmFindingStatus.Warning), (warning.Status, warning.Suppression!.OriginalStatus));
        }

        [Fact]
        public void A_pattern_written_with_slashes_matches_windows_paths()
        {
            var filter = new NpmFindingFilter(Policy(Exception(3, "NPMH3001", context: "*/legacy-*", location: "*/Users/*/.npmrc:4")), null, null, DateTime.Today);
            var f = Finding(context: @"C:\src\legacy-app", path: @"C:\Users\ana\.npmrc");
            filter.Apply(f);
            Assert.Equal(NpmFindingStatus.Suppressed, f.Status);
            var other = Finding(context: @"C:\src\legacy-app", path: @"D:\home\ana\.npmrc");
            filter.Apply(other);
            Assert.Equal(NpmFindingStatus.Fail, other.Status);
        }

        [Fact]
        public void An_expired_exception_stops_suppressing_and_says_so()
        {
            var heard = new List<(NpmPolicyExemption, string, string)>();
            var filter = new NpmFindingFilter(Policy(Exception(3, "NPMH3001", expires: "2027-03-31")), null, null, new DateTime(2027, 4, 1))
            {
                Expired = (x, rule, message) => heard.Add((x, rule, message)),
            };
            var f = Finding();
            Assert.True(filter.Apply(f));
            Assert.Equal(NpmFindingStatus.Fail, f.Status);
            Assert.Null(f.Suppression);
            var (x, rule, message) = Assert.Single(heard);
            Assert.Equal(File + ":3", x.Source);
            Assert.Equal("NPMH3001", rule);
            Assert.Equal(f.Message, message);
        }

        [Fact]
        public void A_later_unexpired_exception_wins_over_an_expired_one()
        {
            var heard = 0;
            var filter = new NpmFindingFilter(Policy(Exception(3, "NPMH3001", expires: "2020-01-01"), Exception(10, "NPMH3001", justification: "renewed")), null, null, new DateTime(2027, 4, 1))
            { Expired = (_, _, _) => heard++ };
            var f = Finding();
            filter.Apply(f);
            Assert.Equal("renewed", f.Suppression!.Justification);
            Assert.Equal(0, heard);
        }

        [Fact]
        public void Unused_lists_the_unexpired_exceptions_that_suppressed_nothing()
        {
            var filter = new NpmFindingFilter(Policy(Exception(3, "NPMH3001"), Exception(10, "NPMH2001"), Exception(20, "NPMH4001", expires: "2020-01-01")), null, null, new DateTime(2027, 1, 1));
            Assert.Equal(new[] { File + ":3", File + ":10" }, filter.Unused().Select(x => x.Source));
            filter.Apply(Finding());
            Assert.Equal(new[] { File + ":10" }, filter.Unused().Select(x => x.Source));
        }

        [Fact]
        public void A_token_pasted_into_a_policy_never_leaves_it()
        {
            var token = "npm_" + new string('a', 30) + "000000";
            var e = new NpmPolicyFileException("PolicyNotData", File, 2, $"'\"{token}\"' is not a constant");
            Assert.DoesNotContain(token, e.Message);
            Assert.DoesNotContain(token, e.Problem);
            var policy = Policy(Exception(3, "NPMH7001", justification: "rotating " + token + " next week"));
            Assert.DoesNotContain(token, policy.Exceptions[0].Justification);
        }

        [Fact]
        public void ExcludeRule_and_Severity_drop_findings()
        {
            var filter = new NpmFindingFilter(null, new[] { "NPMH7*", "npmh3002" }, NpmSeverity.Medium, DateTime.Today);
            Assert.False(filter.Apply(Finding(rule: "NPMH7001")));
            Assert.False(filter.Apply(Finding(rule: "NPMH3002")));
            Assert.False(filter.Apply(Finding(severity: NpmSeverity.Low)));
            Assert.True(filter.Apply(Finding(severity: NpmSeverity.Medium)));
            Assert.True(filter.Apply(Finding(severity: NpmSeverity.Critical)));
        }

        [Fact]
        public void Compliance_accepts_a_suppression_only_while_it_holds()
        {
            var day = new DateTime(2027, 3, 31);
            var held = new NpmFindingSuppression { Justification = "j", Expires = day, OriginalStatus = NpmFindingStatus.Fail };
            Assert.False(NpmComplianceResult.BreaksCompliance(NpmFindingStatus.Suppressed, NpmSeverity.High, held, day));
            Assert.True(NpmComplianceResult.BreaksCompliance(NpmFindingStatus.Suppressed, NpmSeverity.High, held, day.AddDays(1)));
            Assert.True(NpmComplianceResult.BreaksCompliance(NpmFindingStatus.Suppressed, NpmSeverity.High, null, day));
            var warning = new NpmFindingSuppression { Justification = "j", Expires = day, OriginalStatus = NpmFindingStatus.Warning };
            Assert.False(NpmComplianceResult.BreaksCompliance(NpmFindingStatus.Suppressed, NpmSeverity.High, warning, day.AddDays(1)));
            Assert.True(NpmComplianceResult.BreaksCompliance(NpmFindingStatus.Fail, NpmSeverity.Medium, null, day));
            Assert.False(NpmComplianceResult.BreaksCompliance(NpmFindingStatus.Fail, NpmSeverity.Low, null, day));
        }
    }
}
