using System;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Shell;

namespace NpmHardening.Engine.Tests.Pipelines.Shell
{
    public class ShellScriptReaderTests
    {
        private static string[][] Words(string script, CiShell shell = CiShell.Posix)
            => ShellScriptReader.Read(script, shell).Select(c => c.Words.Select(w => w.Value).ToArray()).ToArray();

        [Theory]
        [InlineData("a b c", "a|b|c")]
        [InlineData("echo 'single $X \"q\"'", "echo|single $X \"q\"")]
        [InlineData("echo \"dq \\\"esc\\\" \\$HOME $HOME\"", "echo|dq \"esc\" $HOME $HOME")]
        [InlineData("echo $'a\\tb\\'c'", "echo|a\tb'c")]
        [InlineData("echo a\\ b", "echo|a b")]
        [InlineData("npm \\\n publish", "npm|publish")]
        [InlineData("echo a#b # comment", "echo|a#b")]
        [InlineData("echo ${X:-\"d e\"}", "echo|${X:-\"d e\"}")]
        [InlineData("echo \"${{ secrets.NPM_TOKEN }}\"", "echo|${{ secrets.NPM_TOKEN }}")]
        [InlineData("arr=(a b) cmd", "cmd")]
        public void Posix_words(string script, string expected)
        {
            var cmd = Words(script).Last();
            Assert.Equal(expected, string.Join("|", cmd));
        }

        [Fact]
        public void Posix_separators_make_commands()
        {
            var s = Words("a; b && c || d | e & f\ng");
            Assert.Equal(new[] { "a", "b", "c", "d", "e", "f", "g" }, s.Select(w => w[0]).ToArray());
        }

        [Fact]
        public void Substitutions_hold_commands_and_come_first()
        {
            var s = ShellScriptReader.Read("echo \"$(npm whoami)\" `date` $(cat <<EOF\nx\nEOF\n)", CiShell.Posix);
            Assert.Equal(new[] { "npm", "date", "cat", "echo" }, s.Select(c => c.Words[0].Value).ToArray());
            Assert.Equal(1, s[0].Depth);
            Assert.Equal(0, s[3].Depth);
            Assert.Equal("x\n", s[2].HeredocBody);
        }

        [Fact]
        public void Heredocs_are_attached_and_their_bodies_are_not_commands()
        {
            var s = ShellScriptReader.Read("cat <<-'EOF' > .npmrc\n\t//r/:_authToken=${T}\n\tEOF\nnpm publish", CiShell.Posix);
            Assert.Equal(2, s.Count);
            Assert.Equal("//r/:_authToken=${T}\n", s[0].HeredocBody);
            Assert.True(s[0].HeredocQuoted);
            Assert.Equal(".npmrc", s[0].Redirections.Single(r => r.Kind == ShellRedirectionKind.Write).Target.Value);
            Assert.Equal(3, s[1].LineOffset);
        }

        [Fact]
        public void Redirections_are_parsed()
        {
            var c = ShellScriptReader.Read("cmd >out 2>&1 >>app 2>err &>all <in", CiShell.Posix).Single();
            Assert.Equal("cmd", string.Join(" ", c.Words.Select(w => w.Value)));
            Assert.Equal(new[] { ShellRedirectionKind.Write, ShellRedirectionKind.Duplicate, ShellRedirectionKind.Append, ShellRedirectionKind.Write, ShellRedirectionKind.Write, ShellRedirectionKind.Read },
                c.Redirections.Select(r => r.Kind).ToArray());
            Assert.Equal(new[] { 1, 2, 1, 2, -1, 0 }, c.Redirections.Select(r => r.Descriptor).ToArray());
        }

        [Fact]
        public void Line_offsets_and_text()
        {
            var s = ShellScriptReader.Read("npm ci\n\n  npm run build \\\n   --prod\nnpm publish # go", CiShell.Posix);
            Assert.Equal(new[] { 0, 2, 4 }, s.Select(c => c.LineOffset).ToArray());
            Assert.Equal("npm publish", s[2].Text);
        }

        [Fact]
        public void Cd_moves_later_commands_and_subshells_restore()
        {
            var s = ShellScriptReader.Read("cd packages/a\nnpm publish\n(cd ../b && npm publish)\nnpm ci\ncd ..\nnpm test\npushd x\nnpm t\npopd\nnpm t", CiShell.Posix);
            var dirs = s.Where(c => c.Words[0].Value == "npm").Select(c => c.WorkingDirectory ?? "").ToArray();
            Assert.Equal(new[] { "packages/a", "packages/b", "packages/a", "packages", "packages/x", "packages" }, dirs);
        }

        [Fact]
        public void Cd_to_the_checkout_root_variable_is_rooted()
        {
            var c = ShellScriptReader.Read("cd \"$GITHUB_WORKSPACE/dist\"\nnpm publish", CiShell.Posix).Last();
            Assert.Equal("dist", ShellPath.FromRepositoryRoot("sub", c.WorkingDirectory));
            Assert.Equal("sub/dist", ShellPath.FromRepositoryRoot("sub", ShellScriptReader.Read("cd dist; npm publish", CiShell.Posix).Last().WorkingDirectory));
            Assert.Null(ShellPath.FromRepositoryRoot(null, ShellScriptReader.Read("cd $DIR; npm publish", CiShell.Posix).Last().WorkingDirectory));
        }

        [Fact]
        public void Assignments_prefix_and_export()
        {
            var s = ShellScriptReader.Read("export NPM_TOKEN=${{ secrets.T }}\nFOO=1 npm publish\nnpm ci", CiShell.Posix);
            var publish = s[1];
            Assert.Contains(publish.Assignments, a => a.Name == "FOO" && !a.Persists);
            Assert.Contains(publish.Assignments, a => a.Name == "NPM_TOKEN" && a.Persists && a.Value.References.Any(r => r.IsSecret && r.Name == "T"));
            Assert.DoesNotContain(s[2].Assignments, a => a.Name == "FOO");
        }

        [Fact]
        public void Case_and_functions()
        {
            var s = ShellScriptReader.Read("case \"$REF\" in\n  refs/tags/*) npm publish ;;\n  *) echo skip ;;\nesac\nrelease() { npm publish; }\n", CiShell.Posix);
            Assert.Equal(new[] { "npm", "echo", "npm" }, s.Select(c => c.Words[0].Value).ToArray());
        }

        [Fact]
        public void Double_brackets_keep_operators()
        {
            var s = ShellScriptReader.Read("[[ $A == b && -n $C ]] && npm publish", CiShell.Posix);
            Assert.Equal(2, s.Count);
            Assert.Equal("npm", s[1].Words[0].Value);
        }

        [Fact]
        public void PowerShell_words_and_statements()
        {
            var s = ShellScriptReader.Read("$env:NPM_TOKEN = \"${{ secrets.T }}\"\nnpm config set 'a''b' \"x`\"y\" ; Write-Host \"$($env:X)\"\n<# npm publish\n#>\nnpm `\n publish", CiShell.PowerShell);
            Assert.Contains(s[0].Assignments, a => a.Name == "NPM_TOKEN" && a.Value.References.Any(r => r.Name == "T"));
            var cfg = s.First(c => c.Words.Count > 0 && c.Words[0].Value == "npm");
            Assert.Equal(new[] { "npm", "config", "set", "a'b", "x\"y" }, cfg.Words.Select(w => w.Value).ToArray());
            Assert.Equal("npm publish", string.Join(" ", s.Last().Words.Select(w => w.Value)));
            Assert.Equal(4, s.Last().LineOffset);
        }

        [Fact]
        public void PowerShell_here_string_and_location()
        {
            var s = ShellScriptReader.Read("Set-Location packages/a\n@\"\n//r/:_authToken=$env:T\n\"@ | Out-File .npmrc\nnpm publish", CiShell.PowerShell);
            Assert.Equal("packages/a", s.Last().WorkingDirectory);
            var write = s.SelectMany(c => NpmCommandClassifier.Classify(c)).Single(n => n.Kind == NpmCommandKind.NpmrcWrite);
            Assert.True(write.WritesAuth);
            Assert.Contains("T", write.TokenNames);
        }

        [Fact]
        public void Cmd_continuations_and_variables()
        {
            var s = ShellScriptReader.Read("npm ^\n  publish & echo %NPM_TOKEN%\r\nset NPM_CONFIG_REGISTRY=https://r.example\r\ncd /d packages\\a\r\nnpm ci", CiShell.Cmd);
            Assert.Equal("npm publish", string.Join(" ", s[0].Words.Select(w => w.Value)));
            Assert.Contains(s[1].Words[1].References, r => r.Name == "NPM_TOKEN" && r.Syntax == ShellVariableSyntax.Cmd);
            Assert.Contains(s.Last().Assignments, a => a.Name == "NPM_CONFIG_REGISTRY");
            Assert.Equal("packages/a", s.Last().WorkingDirectory);
        }

        [Theory]
        [InlineData("$NPM_TOKEN", "NPM_TOKEN", "Shell", null)]
        [InlineData("${NPM_TOKEN}", "NPM_TOKEN", "Shell", null)]
        [InlineData("${NPM_TOKEN:-x}", "NPM_TOKEN", "Shell", null)]
        [InlineData("$env:NPM_TOKEN", "NPM_TOKEN", "PowerShellEnv", null)]
        [InlineData("${env:NPM_TOKEN}", "NPM_TOKEN", "PowerShellEnv", null)]
        [InlineData("%NPM_TOKEN%", "NPM_TOKEN", "Cmd", null)]
        [InlineData("${{ secrets.NPM_TOKEN }}", "NPM_TOKEN", "GitHubExpression", "secrets")]
        [InlineData("${{secrets['NPM_TOKEN']}}", "NPM_TOKEN", "GitHubExpression", "secrets")]
        [InlineData("${{ env.NPM_TOKEN || secrets.X }}", "NPM_TOKEN", "GitHubExpression", "env")]
        [InlineData("$(NPM_TOKEN)", "NPM_TOKEN", "AzureMacro", null)]
        [InlineData("$(Build.SourcesDirectory)", "Build.SourcesDirectory", "AzureMacro", null)]
        [InlineData("${env.NPM_TOKEN}", "NPM_TOKEN", "JenkinsEnv", null)]
        [InlineData("token=env.NPM_TOKEN", "NPM_TOKEN", "JenkinsEnv", null)]
        public void Variable_syntaxes(string text, string name, string syntax, string? context)
        {
            var r = ShellVariables.Find(text).First();
            Assert.Equal(name, r.Name);
            Assert.Equal(syntax, r.Syntax.ToString());
            Assert.Equal(context, r.Context);
        }

        [Theory]
        [InlineData("$(npm whoami)")]
        [InlineData("$1 $@ $? 100%")]
        [InlineData("myenv.X")]
        public void Not_variable_references(string text) => Assert.Empty(ShellVariables.Find(text));

        [Fact]
        public void Single_quotes_hide_shell_variables_but_not_platform_expressions()
        {
            var w = ShellScriptReader.Read("echo '$A ${{ secrets.B }}' \"$C\"", CiShell.Posix).Single().Words;
            Assert.Equal(new[] { "B" }, w[1].References.Select(r => r.Name).ToArray());
            Assert.Equal(new[] { "C" }, w[2].References.Select(r => r.Name).ToArray());
        }

        [Fact]
        public void Unterminated_constructs_are_noted_not_thrown()
        {
            foreach (var s in new[] { "echo 'abc", "echo \"abc", "cat <<EOF\nabc", "echo $(npm publish", "echo `npm publish", "echo ${X" })
            {
                var r = ShellScriptReader.Read(s, CiShell.Posix);
                Assert.NotEmpty(r);
            }
            Assert.NotNull(ShellScriptReader.Read("echo 'abc", CiShell.Posix).Problem);
        }

        private static readonly string[] Fragments =
        {
            "npm", " ", "publish", "\n", ";", "&&", "||", "|", "&", "'", "\"", "\\", "$", "(", ")", "{", "}", "`", "<<", "EOF", "<<-", ">", ">>",
            "2>&1", "#", "$(", "${", "${{", "}}", "%", "^", "@'", "'@", "@\"", "\"@", "<#", "#>", "cd", "..", "-x", "set", "case", "in", "esac",
            ";;", "[[", "]]", "=", "X", "\t", "\r\n", "$'", "!", "echo", "cat", ".npmrc", "export", "tee", "-a", "env:", "((", "))",
        };

        [Fact]
        public void Random_scripts_never_throw_and_offsets_stay_in_range()
        {
            var gen = Gen.Int[0, Fragments.Length - 1].Array[0, 80].Select(ix => string.Concat(ix.Select(i => Fragments[i])));
            var shells = new[] { CiShell.Posix, CiShell.PowerShell, CiShell.Cmd };
            gen.Sample(script =>
            {
                foreach (var shell in shells)
                {
                    var r = ShellScriptReader.Read(script, shell);
                    int lines = script.Split('\n').Length;
                    foreach (var c in r)
                    {
                        Assert.InRange(c.LineOffset, 0, lines - 1);
                        Assert.InRange(c.Offset, 0, script.Length);
                        _ = c.Text;
                        foreach (var n in NpmCommandClassifier.Classify(c)) Assert.NotNull(n.Tool);
                    }
                }
            }, iter: 3000);
        }

        [Fact]
        public void Simple_words_round_trip()
        {
            // words made of safe characters, joined by spaces, quoted various ways, read back unchanged
            var word = Gen.String[Gen.Char["abcXYZ019_./:@=+-"], 1, 12];
            Gen.Select(word.Array[1, 8], Gen.Int[0, 2]).Sample((words, style) =>
            {
                string Quote(string w) => style == 0 ? w : style == 1 ? "'" + w + "'" : "\"" + w + "\"";
                var script = string.Join(" ", words.Select(Quote));
                var cmds = ShellScriptReader.Read(script, CiShell.Posix);
                var back = cmds.SelectMany(c => c.Assignments.Where(a => !a.Persists).Select(a => a.Name + "=" + a.Value.Value).Concat(c.Words.Select(x => x.Value))).ToArray();
                if (style != 0 || !words[0].Contains('=')) Assert.Equal(words, back);
            }, iter: 2000);
        }

        [Theory]
        [InlineData(CiShell.Posix)]
        [InlineData(CiShell.PowerShell)]
        [InlineData(CiShell.Cmd)]
        public void Hostile_five_megabyte_scripts_complete(CiShell shell)
        {
            foreach (var unit in new[] { "$(", "`", "\"", "'", "((", "${", "<<EOF ", "a;", "\\\n", "@'\n", "(", "{", "^\n", "%X", "$(x) ", "npm publish|" })
            {
                var sb = new StringBuilder(5 * 1024 * 1024 + 16);
                while (sb.Length < 5 * 1024 * 1024) sb.Append(unit);
                var script = sb.ToString();
                var r = ShellScriptReader.Read(script, shell);
                Assert.True(r.Count <= ShellScriptBuilder.MaxCommands + 1);
                foreach (var c in r.Take(1000)) NpmCommandClassifier.Classify(c);
            }
        }
    }
}
