using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Rules;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Rules
{
    /// <summary>The one definition of compliant: what makes it false, and that it never says true without evidence.</summary>
    public class NpmComplianceResultTests
    {
        private const string UserRc = "/home/u/.npmrc";

        private static FakePlatform Machine(string? userRc, params (string Name, string Value)[] env)
        {
            var p = new FakePlatform(false, "/home/u", "/home/u");
            p.Env["HOME"] = "/home/u";
            p.Env["PATH"] = "/usr/bin";
            foreach (var (name, value) in env) p.Env[name] = value;
            if (userRc != null) p.AddFile(UserRc, userRc);
            return p;
        }

        private static HardeningPlan Plan(FakePlatform p, Dictionary<string, object?> settings)
        {
            var r = NpmConfigResolver.Resolve(new NpmConfigRequest
            {
                Platform = p,
                Installation = new NpmInstallation("/usr/bin/node", "24.11.0", "/usr/lib/node_modules/npm", "11.19.1"),
            });
            return HardeningPlanner.Plan(r, NpmHardeningScope.User, HardeningSettings.FromMap(settings), p);
        }

        [Fact]
        public void Nothing_evaluated_is_never_compliant()
        {
            var result = new NpmComplianceResult("Recommended");
            Assert.False(result.Compliant);
            Assert.Equal("NothingEvaluated", Assert.Single(result.Reasons).Code);
            Assert.StartsWith("NON-COMPLIANT (Recommended)", result.Message);
        }

        [Fact]
        public void A_context_with_no_reason_is_compliant()
        {
            var result = new NpmComplianceResult("Recommended");
            result.AddContext("/home/u");
            result.AddPlan("/home/u", Plan(Machine("min-release-age=7\n"), new Dictionary<string, object?> { ["min-release-age"] = 7 }), requested: true);
            Assert.True(result.Compliant, result.Message);
            Assert.Empty(result.Reasons);
            Assert.StartsWith("COMPLIANT (Recommended): 1 context evaluated", result.Message);
        }

        [Fact]
        public void An_environment_variable_that_overrides_a_compliant_file_is_a_reason_naming_it()
        {
            var p = Machine("strict-ssl=true\n", ("npm_config_strict_ssl", "false"));
            var result = new NpmComplianceResult();
            result.AddContext("/home/u");
            result.AddPlan("/home/u", Plan(p, new Dictionary<string, object?> { ["strict-ssl"] = true }), requested: true);
            Assert.False(result.Compliant);
            var reason = Assert.Single(result.Reasons);
            Assert.Equal(("Overridden", "strict-ssl", "Env", "npm_config_strict_ssl"), (reason.Code, reason.Setting, reason.Layer, reason.Source));
            Assert.Contains("(Env: npm_config_strict_ssl)", result.Message);
        }

        [Fact]
        public void A_posture_reason_for_the_same_setting_is_not_repeated_as_an_override()
        {
            var p = Machine("strict-ssl=true\n", ("npm_config_strict_ssl", "false"));
            var result = new NpmComplianceResult("Recommended");
            result.AddContext("/home/u");
            result.AddFindings(new[]
            {
                new NpmSecurityFinding { RuleId = "NPMH2001", Severity = NpmSeverity.High, Status = NpmFindingStatus.Fail, Setting = "strict-ssl", Context = "/home/u", Layer = "Env", Location = new NpmFindingLocation { Name = "env:npm_config_strict_ssl" }, Message = "strict-ssl is false" },
                new NpmSecurityFinding { RuleId = "NPMH5005", Severity = NpmSeverity.Low, Status = NpmFindingStatus.Fail, Setting = "include-staged", Context = "/home/u" },
                new NpmSecurityFinding { RuleId = "NPMH9001", Severity = NpmSeverity.Medium, Status = NpmFindingStatus.Warning, Context = "/home/u" },
            });
            result.AddPlan("/home/u", Plan(p, new Dictionary<string, object?> { ["strict-ssl"] = true }), requested: false);
            Assert.Equal(new[] { "NPMH2001" }, result.Reasons.Select(r => r.Code));
        }

        [Fact]
        public void Pending_changes_unwritable_files_and_settings_this_npm_lacks_are_reasons()
        {
            var result = new NpmComplianceResult();
            result.AddContext("/home/u");
            result.AddPlan("/home/u", Plan(Machine("strict-ssl=false\n"), new Dictionary<string, object?> { ["strict-ssl"] = true, ["strict-npmrc"] = true }), requested: true);
            var codes = result.Reasons.Select(r => (r.Code, r.Setting)).ToList();
            Assert.Contains(("PendingChange", "strict-ssl"), codes);
            Assert.Contains(("NotApplied", "strict-npmrc"), codes);
            var pending = result.Reasons.Single(r => r.Code == "PendingChange");
            Assert.Equal($"{UserRc}: strict-ssl false -> true (line 1)", pending.Message);
            Assert.Equal(("User", UserRc), (pending.Layer, pending.Source));

            // a baseline key this npm lacks is the posture's NotApplicable, not a reason
            var baseline = new NpmComplianceResult("Strict");
            baseline.AddContext("/home/u");
            baseline.AddPlan("/home/u", Plan(Machine("strict-npmrc=true\n"), new Dictionary<string, object?> { ["strict-npmrc"] = true }), requested: false);
            Assert.True(baseline.Compliant, baseline.Message);

            var directory = Machine(null);
            directory.AddDirectory("/home/u/.npmrc");
            var unwritable = new NpmComplianceResult();
            unwritable.AddContext("/home/u");
            unwritable.AddPlan("/home/u", Plan(directory, new Dictionary<string, object?> { ["strict-ssl"] = true }), requested: true);
            Assert.Contains(unwritable.Reasons, r => r.Code == "NotWritable");
        }

        [Fact]
        public void Targets_not_evaluated_and_refused_input_are_reasons_even_beside_a_clean_context()
        {
            var result = new NpmComplianceResult();
            result.AddContext("/home/u");
            result.AddNotEvaluated("/home/gone", "The profile folder '/home/gone' does not exist.");
            result.AddRefusedInput("3 piped object(s) were refused.");
            Assert.False(result.Compliant);
            Assert.Equal(new[] { "NotEvaluated", "InputRefused" }, result.Reasons.Select(r => r.Code));
            Assert.Contains("NotEvaluated /home/gone", result.Message);
        }
    }
}
