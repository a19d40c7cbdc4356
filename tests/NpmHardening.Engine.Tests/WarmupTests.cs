using System;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Rules;
using Xunit;

namespace NpmHardening.Engine.Tests
{
    /// <summary>What the module builds in the background while PowerShell imports it (issue 10 F).</summary>
    public class WarmupTests
    {
        private const BindingFlags Statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

        /// <summary>Every type of the engine with a static Regex field, found the slow way (loads every type).</summary>
        private static Type[] ScanForRegexHolders()
        {
            Type?[] types;
            try { types = typeof(Warmup).Assembly.GetTypes(); }
            catch (ReflectionTypeLoadException e) { types = e.Types; }
            return types
                .Where(t => t != null && !t.ContainsGenericParameters && t.GetFields(Statics).Any(f => f.FieldType == typeof(Regex)))
                .Select(t => t!)
                .ToArray();
        }

        [Fact]
        public void The_listed_regex_holders_are_exactly_the_types_a_reflection_scan_finds()
        {
            var listed = Warmup.RegexHolders().Select(t => t.FullName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            var scanned = ScanForRegexHolders().Select(t => t.FullName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(scanned, listed);
        }

        [Fact]
        public void Finds_the_types_whose_initializers_build_regular_expressions()
        {
            var holders = Warmup.RegexHolders();
            // the ones the first Get-NpmSecurityPosture and Get-NpmConfig use
            Assert.Contains(typeof(AuditRun), holders);
            Assert.Contains(typeof(SecretScrubber), holders);
            Assert.Contains(typeof(NpmCredential), holders);
            Assert.Contains(typeof(NpmConfigEntries), holders);
            Assert.All(holders, t => Assert.Contains(t.GetFields(Statics), f => f.FieldType == typeof(Regex)));
            Assert.DoesNotContain(typeof(NpmConfigCatalog), holders);
            Assert.Equal(holders.Count, holders.Distinct().Count());
        }

        [Fact]
        public void Prepare_builds_the_catalogs_and_can_run_again()
        {
            Warmup.Prepare();
            Warmup.Prepare();
            Assert.NotEmpty(RuleCatalog.Default.Rules);
            Assert.NotEmpty(NpmConfigCatalog.Default.AllKeys);
        }
    }
}
