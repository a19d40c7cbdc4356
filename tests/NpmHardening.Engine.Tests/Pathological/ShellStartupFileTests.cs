using System.Linq;
using System.Text;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Platform;

namespace NpmHardening.Engine.Tests.Pathological
{
    /// <summary>
    /// A user's shell start-up file is read when variables are looked up for that user (-AllUsers as root). Nesting
    /// along one line used to recurse once per level: a 900 KB line of "$( overflowed the stack, which ends the process.
    /// </summary>
    public class ShellStartupFileTests
    {
        [Fact]
        public void Deeply_nested_substitutions_do_not_overflow_the_stack()
        {
            var line = new StringBuilder("X=").Insert(2, "\"$(", 300_000).ToString();
            var text = line + "\nexport NPM_TOKEN=after\n";
            var vars = SpecialFileTests.Finishes(() => PersistentEnvironment.ParseShell(text, EnvironmentScope.User, "/home/u/.bashrc"), "a 900 KB line of \"$(");
            Assert.Contains(vars, v => v.Name == "NPM_TOKEN" && v.Value == "after" && v.Line == 2);
        }

        [Fact]
        public void Ordinary_nesting_still_reads()
        {
            var vars = PersistentEnvironment.ParseShell("export A=\"$(echo \"$(date)\")\" B=2\n", EnvironmentScope.User, "/home/u/.bashrc");
            Assert.Equal(new[] { "A", "B" }, vars.Select(v => v.Name).ToArray());
            Assert.Equal("2", vars[1].Value);
        }
    }
}
