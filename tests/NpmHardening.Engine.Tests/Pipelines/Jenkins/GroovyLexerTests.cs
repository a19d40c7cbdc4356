using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Pipelines;
using NpmHardening.Engine.Pipelines.Groovy;

namespace NpmHardening.Engine.Tests.Pipelines.Jenkins
{
    public class GroovyLexerTests
    {
        private static List<GroovyToken> Lex(string text) => GroovyLexer.Tokenize(text, "Jenkinsfile");

        private static GroovyToken OnlyString(string text)
        {
            var strings = Lex(text).Where(t => t.Kind == GroovyTokenKind.String).ToList();
            Assert.Single(strings);
            return strings[0];
        }

        [Fact]
        public void Single_quoted_strings_keep_dollars_and_apply_escapes()
        {
            var t = OnlyString(@"sh 'echo $NPM_TOKEN \'quoted\' \\ \u0041\t'");
            Assert.Equal("echo $NPM_TOKEN 'quoted' \\ A\t", t.Text);
            Assert.Equal(GroovyStringForm.Single, t.StringForm);
            Assert.False(t.Interpolated);
        }

        [Fact]
        public void Double_quoted_strings_keep_interpolations_as_written_and_unescape_dollar()
        {
            var t = OnlyString("sh \"echo ${env.NPM_TOKEN} $NPM_TOKEN $env.X. \\$SHELL_VAR \\\"q\\\"\"");
            Assert.Equal("echo ${env.NPM_TOKEN} $NPM_TOKEN $env.X. $SHELL_VAR \"q\"", t.Text);
            Assert.True(t.Interpolated);
            Assert.Equal(GroovyStringForm.Double, t.StringForm);
        }

        [Fact]
        public void Interpolation_expressions_may_hold_braces_strings_and_closing_braces_in_strings()
        {
            var source = "x = \"a ${ [1, 2].collect { \"}\" + '{' + it } } b ${ m[\"k\"] /* } */ } c\" + y";
            var tokens = Lex(source);
            var s = tokens.Single(t => t.Kind == GroovyTokenKind.String);
            Assert.Equal("a ${ [1, 2].collect { \"}\" + '{' + it } } b ${ m[\"k\"] /* } */ } c", s.Text);
            // the lexer resumes after the string: '+' and 'y' follow
            Assert.Equal(new[] { "x", "=", "+", "y" }, tokens.Where(t => t.Kind != GroovyTokenKind.String && t.Kind != GroovyTokenKind.End).Select(t => t.Text));
        }

        [Fact]
        public void Triple_quoted_strings_span_lines_and_start_on_their_first_content_line()
        {
            var source = "stage('x') {\n  sh '''\n    npm ci\n    npm publish\n  '''\n  sh \"\"\"npm test ${X}\n\"\"\"\n}";
            var strings = Lex(source).Where(t => t.Kind == GroovyTokenKind.String).ToList();
            Assert.Equal(3, strings.Count);
            Assert.Equal("    npm ci\n    npm publish\n  ", strings[1].Text);
            Assert.Equal(2, strings[1].Line);
            Assert.Equal(3, strings[1].ContentLine);
            Assert.Equal(GroovyStringForm.TripleSingle, strings[1].StringForm);
            Assert.Equal("npm test ${X}\n", strings[2].Text);
            Assert.Equal(6, strings[2].ContentLine);
            Assert.True(strings[2].Interpolated);
            // lines keep counting after multi-line strings
            Assert.Equal(8, Lex(source).Single(t => t.Kind == GroovyTokenKind.RightBrace).Line);
        }

        [Fact]
        public void Triple_quotes_may_hold_single_quotes_and_backslash_joins_lines()
        {
            var t = OnlyString("x = '''it's \"fine\" '' \\\nnext'''");
            Assert.Equal("it's \"fine\" '' next", t.Text);
        }

        [Fact]
        public void Slashy_strings_open_where_a_value_is_expected_and_divide_after_one()
        {
            var regex = Lex("if (v ==~ /\\d+\\/x/) { y = a / b / c }");
            var s = regex.Single(t => t.Kind == GroovyTokenKind.String);
            Assert.Equal(GroovyStringForm.Slashy, s.StringForm);
            Assert.Equal("\\d+/x", s.Text);
            Assert.Equal(2, regex.Count(t => t.IsOperator("/")));

            var afterParen = Lex("x = (a) / 2 / (b)");
            Assert.DoesNotContain(afterParen, t => t.Kind == GroovyTokenKind.String);
            Assert.Equal(2, afterParen.Count(t => t.IsOperator("/")));

            var afterReturn = Lex("return /ab$c/");
            Assert.True(afterReturn.Single(t => t.Kind == GroovyTokenKind.String).Interpolated);
        }

        [Fact]
        public void Dollar_slashy_strings_have_their_own_escapes()
        {
            var t = OnlyString("def p = $/C:\\path\\ $$HOME $/ ${x} /$");
            Assert.Equal(GroovyStringForm.DollarSlashy, t.StringForm);
            Assert.Equal("C:\\path\\ $HOME / ${x} ", t.Text);
            Assert.True(t.Interpolated);
        }

        [Fact]
        public void Comments_hide_quotes_and_braces_and_a_shebang_is_skipped()
        {
            var tokens = Lex("#!/usr/bin/env groovy\n// it's { \"\nsh 'a' /* '''{ \n */ sh \"b\" // }\n");
            Assert.Equal(new[] { "sh", "a", "sh", "b", "" }, tokens.Select(t => t.Text));
            Assert.Equal(3, tokens[0].Line);
            Assert.True(tokens[2].NewlineBefore); // the block comment spans a line break
        }

        [Fact]
        public void Tokens_carry_line_column_and_line_breaks()
        {
            var tokens = Lex("pipeline {\n\tstages{ stage('a') {} }\r\n}");
            var stage = tokens.First(t => t.Text == "stage");
            Assert.Equal(2, stage.Line);
            Assert.Equal(10, stage.Column);
            Assert.False(stage.NewlineBefore);
            Assert.True(tokens.First(t => t.Text == "stages").NewlineBefore);
            Assert.Equal(3, tokens[tokens.Count - 2].Line);
        }

        [Fact]
        public void Numbers_and_operators_are_whole_tokens()
        {
            var tokens = Lex("a = 1..5; b = 1.5e3 + 0xFF + 10L; c = x?.y*.z ?: w <=> v ..< 3").Where(t => t.Kind != GroovyTokenKind.End).Select(t => t.Text).ToList();
            Assert.Equal(new[] { "a", "=", "1", "..", "5", ";", "b", "=", "1.5e3", "+", "0xFF", "+", "10L", ";",
                "c", "=", "x", "?.", "y", "*.", "z", "?:", "w", "<=>", "v", "..<", "3" }, tokens);
        }

        [Theory]
        [InlineData("sh 'npm publish\n}", 1, "'…'")]
        [InlineData("x = 1\nsh \"npm ${X}\n\"", 2, "\"…\"")]
        [InlineData("a\nb\nsh '''\nnpm publish\n", 3, "'''")]
        [InlineData("sh \"\"\"npm publish", 1, "\"\"\"")]
        [InlineData("x = ~/abc", 1, "/…/")]
        [InlineData("x = $/abc/", 1, "$/")]
        [InlineData("x\n/* never closed", 2, "/*")]
        [InlineData("sh \"${ env.X", 1, "${")]
        [InlineData("sh \"\"\"\n${ [1,2].each { it }", 2, "${")]
        // a quote inside ${…} opens a string of its own, which is then the unterminated one
        [InlineData("sh \"${ env.X \"", 1, "\"…\"")]
        public void Unterminated_forms_name_the_file_and_the_line_they_start_on(string source, int line, string what)
        {
            var e = Assert.Throws<CiDefinitionException>(() => Lex(source));
            Assert.Equal("Jenkinsfile", e.File);
            Assert.Equal(line, e.Line);
            Assert.Contains(what, e.Reason);
            Assert.StartsWith("Jenkinsfile:" + line + ": unterminated", e.Message);
        }

        [Fact]
        public void Nested_interpolation_is_bounded()
        {
            var source = new StringBuilder("x = ");
            for (int i = 0; i < 100; i++) source.Append("\"${");
            var e = Assert.Throws<CiDefinitionException>(() => Lex(source.ToString()));
            Assert.Contains("nested", e.Reason);
        }

        [Fact]
        public void A_large_input_lexes_in_one_pass()
        {
            // 4 MB of pipeline-like text: every character is read a bounded number of times.
            var chunk = "stage('x') { sh \"npm ${env.A} run '\\${b}'\" /* c */ } // d\n";
            var text = new StringBuilder();
            while (text.Length < 4 * 1024 * 1024) text.Append(chunk);
            var lexer = new GroovyLexer(text.ToString(), "big");
            int count = 0;
            while (lexer.Next().Kind != GroovyTokenKind.End) count++;
            Assert.Equal(text.Length / chunk.Length * 8, count);
        }

        private static readonly string[] Fragments =
        {
            "'", "\"", "'''", "\"\"\"", "/", "$/", "/$", "${", "}", "{", "(", ")", "[", "]", "$", "\\", "\n", "//", "/*", "*/",
            "sh ", "a", "1", ".", "=~", "?", ":", ",", ";", "#!", " ", "pipeline", "stage", "stages", "steps", "input", "when",
            "withCredentials", "node", "if", "else", "def ", "->", "+", "@", "\r", "\t", "x(", "é", "\uD83D\uDE00",
        };

        [Fact]
        public void Random_input_never_throws_anything_but_a_definition_error()
        {
            Gen.Int[0, Fragments.Length - 1].Array[0, 60]
                .Select(ix => string.Concat(ix.Select(i => Fragments[i])))
                .Sample(text =>
                {
                    try { Lex(text); } catch (CiDefinitionException) { }
                    try { GroovyParser.Parse(text, "Jenkinsfile"); } catch (CiDefinitionException) { }
                    try { new JenkinsReader().Read(new JenkinsTestRepository().Add("Jenkinsfile", text), "Jenkinsfile").ToList(); } catch (CiDefinitionException) { }
                }, iter: 20000);
        }

        [Fact]
        public void Random_characters_never_throw_anything_but_a_definition_error()
        {
            Gen.String.Sample(text =>
            {
                try { new JenkinsReader().Read(new JenkinsTestRepository().Add("Jenkinsfile", text), "Jenkinsfile").ToList(); } catch (CiDefinitionException) { }
            }, iter: 20000);
        }
    }
}
