using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.Engine.Tests.Remediation
{
    /// <summary>-Setting input checked against the npm config catalog: what no npm accepts is refused, what some npm accepts is not.</summary>
    public class HardeningSettingsTests
    {
        [Theory]
        [InlineData("strict-ssl", "maybe", "strict-ssl does not accept 'maybe'; it takes true or false")]
        [InlineData("no-such-key", 1, "'no-such-key' is not an npm config key")]
        [InlineData("strict-sll", true, "Did you mean 'strict-ssl'?")]
        [InlineData("allow-git", "sometimes", "one of: all, none, root")]
        [InlineData("min-release-age", "soon", "min-release-age does not accept 'soon'")]
        [InlineData("heading", "true", "heading")]
        [InlineData("", true, "empty name")]
        public void Input_no_npm_version_accepts_is_refused_with_the_reason(string key, object value, string expected)
        {
            var problem = HardeningSettings.Check(key, value);
            Assert.NotNull(problem);
            Assert.Contains(expected, problem);
        }

        [Theory]
        [InlineData("strict-ssl", true)]
        [InlineData("strict-ssl", "false")]
        [InlineData("min-release-age", 7)]
        [InlineData("min-release-age", "7")]
        [InlineData("allow-git", "none")]
        [InlineData("registry", "https://registry.example.com/")]
        [InlineData("//registry.example.com/:_authToken", "${NPM_TOKEN}")]
        [InlineData("@corp:registry", "https://npm.corp.example/")]
        [InlineData("strict-npmrc", true)]   // only npm >= 12 has it: valid input, judged per installed npm by the planner
        [InlineData("shrinkwrap", false)]    // removed in npm 12: valid for older npm
        public void Input_some_npm_version_accepts_is_not_refused(string key, object value)
        {
            Assert.Null(HardeningSettings.Check(key, value));
        }

        [Fact]
        public void Every_key_with_its_own_default_value_is_accepted()
        {
            // no false refusals: each key of the newest npm, set to npm's own default, is valid input
            var catalog = NpmConfigCatalog.Default;
            var newest = catalog.Versions[catalog.Versions.Count - 1];
            int checkedKeys = 0;
            foreach (var def in catalog.DefinitionsFor(newest))
            {
                if (!def.HasDefault || def.IsDynamicDefault) continue;
                var value = def.Default;
                if (!(value is bool || value is double || value is string s && s.Length > 0)) continue;
                checkedKeys++;
                Assert.True(HardeningSettings.Check(def.Key, value) == null, $"{def.Key} = {NpmrcValueWriter.Display(value)}: {HardeningSettings.Check(def.Key, value)}");
            }
            Assert.True(checkedKeys > 50, $"only {checkedKeys} keys were checked");
        }

        [Fact]
        public void A_refused_value_is_also_refused_by_the_planner_for_the_installed_npm()
        {
            // the binding check is never looser than the planner: what it refuses, no plan writes
            foreach (var (key, value) in new (string, object?)[] { ("strict-ssl", "maybe"), ("allow-git", "sometimes"), ("heading", "true") })
            {
                Assert.NotNull(HardeningSettings.Check(key, value));
                var plan = HardeningPlanner.PlanFile(new HardeningTarget(NpmHardeningScope.User, "/nonexistent-npmh/.npmrc", null),
                    HardeningSettings.FromMap(new Dictionary<string, object?> { [key] = value }), RemediationDisk.Npm);
                Assert.Empty(plan.Changes);
                Assert.Contains(plan.Warnings, w => w.Key == key);
            }
        }
    }
}
