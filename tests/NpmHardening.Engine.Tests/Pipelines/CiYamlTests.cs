using System;
using System.Diagnostics;
using CsCheck;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Pipelines;

namespace NpmHardening.Engine.Tests.Pipelines
{
    public class CiYamlTests
    {
        private static CiYamlMapping Map(string yaml) =>
            Assert.IsType<CiYamlMapping>(CiYaml.Parse("ci.yml", yaml));

        private static CiDefinitionException Fails(string yaml) =>
            Assert.Throws<CiDefinitionException>(() => CiYaml.Parse("ci.yml", yaml));

        [Fact]
        public void Nodes_carry_the_file_and_one_based_lines()
        {
            var root = Map("name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    steps:\n      - run: |\n          npm ci\n          npm publish\n");
            var step = (CiYamlMapping)root.Mapping("jobs")!.Mapping("publish")!.Sequence("steps")![0];
            var run = step.Scalar("run")!;
            Assert.Equal("ci.yml", run.File);
            Assert.Equal(8, run.Line);
            Assert.Equal(9, run.ContentLine);
            Assert.Equal(CiYamlScalarStyle.Literal, run.Style);
            Assert.Equal("npm ci\nnpm publish\n", run.Value);
            Assert.Equal(6, root.Mapping("jobs")!.Entry("publish")!.Value.Line);
            Assert.Equal(new[] { "name", "on", "jobs" }, root.Keys.ToArray());
            Assert.Equal("v*", root.Mapping("on")!.Mapping("push")!.List("tags").Single().ScalarValue);
        }

        [Fact]
        public void Typed_accessors_accept_absent_and_null_and_reject_the_wrong_kind_with_the_line()
        {
            var root = Map("a: 1\nb:\nc: ~\nd: [x, y]\ne: 'null'\n");
            Assert.Null(root.Mapping("missing"));
            Assert.Null(root.Mapping("b"));
            Assert.Null(root.Sequence("c"));
            Assert.Null(root.Text("b"));
            Assert.Equal("null", root.Text("e"));
            Assert.Equal(new[] { "x", "y" }, root.List("d").Select(n => n.ScalarValue).ToArray());
            Assert.Equal(new[] { "1" }, root.List("a").Select(n => n.ScalarValue).ToArray());
            Assert.Empty(root.List("b"));
            var wrong = Assert.Throws<CiDefinitionException>(() => root.Mapping("d"));
            Assert.Equal(4, wrong.Line);
            Assert.StartsWith("ci.yml:4: ", wrong.Message);
            Assert.Contains("'d'", wrong.Message);
        }

        [Fact]
        public void Booleans_follow_the_core_schema()
        {
            var root = Map("a: true\nb: False\nc: 'true'\nd: yes\n");
            Assert.True(root.Scalar("a")!.Boolean);
            Assert.False(root.Scalar("b")!.Boolean);
            Assert.Null(root.Scalar("c")!.Boolean);
            Assert.Null(root.Scalar("d")!.Boolean);
        }

        [Fact]
        public void Aliases_resolve_to_the_anchored_node()
        {
            var root = Map("defaults: &node\n  node-version: 22\njobs:\n  a:\n    with: *node\n  b:\n    with: *node\n");
            var a = root.Mapping("jobs")!.Mapping("a")!.Mapping("with")!;
            var b = root.Mapping("jobs")!.Mapping("b")!.Mapping("with")!;
            Assert.Same(a, b);
            Assert.Equal("22", a.Text("node-version"));
            Assert.Equal(1, a.Line); // the anchored node's own place: its anchor
        }

        [Fact]
        public void Merge_keys_add_keys_the_mapping_does_not_set_itself()
        {
            var root = Map(
                ".base: &base\n  image: node:22\n  stage: test\n" +
                ".extra: &extra\n  stage: deploy\n  tags: [docker]\n" +
                "publish:\n  <<: [*base, *extra]\n  stage: release\n  script: npm publish\n");
            var job = root.Mapping("publish")!;
            Assert.Equal("release", job.Text("stage"));   // own key wins over both merged ones
            Assert.Equal("node:22", job.Text("image"));
            Assert.Single(job.List("tags"));
            Assert.Equal(new[] { "stage", "script", "image", "tags" }, job.Keys.ToArray());
            Assert.False(job.ContainsKey("<<"));
            // the earlier mapping of a merge list wins over a later one
            var first = Map("a: &a {k: 1}\nb: &b {k: 2}\nc:\n  <<: [*a, *b]\n").Mapping("c")!;
            Assert.Equal("1", first.Text("k"));
            // a quoted "<<" is an ordinary key
            Assert.True(Map("'<<': x\n").ContainsKey("<<"));
        }

        [Fact]
        public void A_merge_of_something_other_than_a_mapping_is_an_error()
        {
            var e = Fails("a: &a [1, 2]\nb:\n  <<: *a\n");
            Assert.Contains("merge key", e.Message);
        }

        [Fact]
        public void An_unknown_or_self_containing_alias_is_an_error_with_its_line()
        {
            Assert.Equal(2, Fails("a: 1\nb: *nope\n").Line);
            var self = Fails("a: &x\n  b: *x\n");
            Assert.Contains("*x", self.Message);
        }

        [Fact]
        public void Billion_laughs_fails_fast_in_bounded_memory()
        {
            var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
            for (var level = 1; level < 10; level++)
            {
                var previous = (char)('a' + level - 1);
                var name = (char)('a' + level);
                yaml.Append(name).Append(": &").Append(name).Append(" [")
                    .Append(string.Join(",", Enumerable.Repeat("*" + previous, 9))).Append("]\n");
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            var e = Fails(yaml.ToString());
            clock.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("alias", e.Message);
            // the allocation is the bound that tells expansion from refusal; the clock only catches a hang (10^9 nodes
            // would run for minutes), loose enough for a loaded CI machine
            Assert.True(allocated < 20_000_000, "allocated " + allocated + " bytes");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "took " + clock.Elapsed);
        }

        [Fact]
        public void Merge_key_bombs_count_against_the_same_bound()
        {
            // each level merges the previous mapping under 10 new keys: 10^6 keys if expanded
            var yaml = new StringBuilder("l0: &l0 {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9}\n");
            for (var level = 1; level < 7; level++)
            {
                yaml.Append("l").Append(level).Append(": &l").Append(level).Append('\n');
                for (var k = 0; k < 10; k++)
                    yaml.Append("  m").Append(k).Append(": *l").Append(level - 1).Append('\n');
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            Fails(yaml.ToString());
            clock.Stop();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // 10^6 merged keys would allocate far more than this; the clock only catches a hang
            Assert.True(allocated < 20_000_000, "allocated " + allocated + " bytes");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "took " + clock.Elapsed);
        }

        [Fact]
        public void Deep_nesting_is_an_error_not_a_stack_overflow()
        {
            var e = Fails(new string('[', 100_000) + new string(']', 100_000));
            Assert.Contains("deeper than", e.Message);
            // just inside the bound parses
            Assert.NotNull(CiYaml.Parse("ci.yml", new string('[', CiYaml.MaxDepth) + new string(']', CiYaml.MaxDepth)));
        }

        [Fact]
        public void Duplicate_keys_are_an_error_naming_both_lines()
        {
            var e = Fails("jobs:\n  publish:\n    runs-on: ubuntu-latest\n  publish:\n    runs-on: windows-latest\n");
            Assert.Equal(4, e.Line);
            Assert.Contains("'publish'", e.Message);
            Assert.Contains("line 2", e.Message);
        }

        [Fact]
        public void Tab_indentation_is_an_error_with_its_line()
        {
            var e = Fails("jobs:\n  publish:\n\truns-on: ubuntu-latest\n");
            Assert.Equal("ci.yml", e.File);
            Assert.Equal(3, e.Line);
            Assert.Contains("tab", e.Message);
        }

        [Fact]
        public void Tabs_inside_values_are_text()
        {
            Assert.Equal("a\tb", Map("k: |\n  a\tb\n").Text("k")!.TrimEnd('\n'));
            Assert.Equal("x", Map("k:\tx\n").Text("k"));
        }

        [Theory]
        [InlineData("a: [1, 2\n")]
        [InlineData("a: 'unterminated\n")]
        [InlineData("a:\n  - b\n c: d\n")]
        [InlineData("key: value: other\n")]
        [InlineData("? [complex]\n: key\n")]
        [InlineData("on: [push\njobs: {\n")]
        [InlineData("a: {b: [c, {d: e]\n")]
        [InlineData("- [\n- ]\n- {\n")]
        [InlineData("a: \"\\x\"\n")]
        [InlineData("%YAML 9.9\n---\na: 1\n")]
        [InlineData("a: !<tag:x\n")]
        public void Invalid_yaml_is_a_definition_error_naming_the_file(string yaml)
        {
            var e = Fails(yaml);
            Assert.Equal("ci.yml", e.File);
            Assert.True(e.Line > 0, e.Message);
        }

        /// <summary>Whatever a workflow file is mutated into, CiYaml parses it or throws CiDefinitionException with a
        /// line: never another exception, which would cost the cmdlet the whole scan.</summary>
        [Fact]
        public void Mutated_workflows_parse_or_fail_with_a_definition_error()
        {
            const string seed = "name: Release\non:\n  push:\n    tags: ['v*']\nenv: &e\n  A: \"x\"\njobs:\n  publish:\n    <<: {runs-on: ubuntu-latest}\n    env: *e\n    steps:\n      - run: |\n          npm ci\n          npm publish\n      - uses: a/b@v1\n        with: { k: 'v', l: [1, 2] }\n";
            var pieces = new[] { "[", "]", "{", "}", ":", " ", "\n", "\t", "-", "&a", "*a", "<<", "'", "\"", "|", ">", "!", "%", "#", "?", ",", "\\", "@", "`", "\r", "\uFEFF" };
            Gen.Select(Gen.Int[0, seed.Length], Gen.Int[0, pieces.Length - 1].Array[1, 4], Gen.Int[0, 3]).Sample((at, inserted, cut) =>
            {
                var text = seed.Substring(0, at) + string.Concat(inserted.Select(i => pieces[i])) + seed.Substring(Math.Min(seed.Length, at + cut));
                try { CiYaml.ParseDocuments("ci.yml", text); }
                catch (CiDefinitionException e) { Assert.True(e.Line >= 0); }
            }, iter: 3000);
        }

        [Fact]
        public void Errors_never_repeat_the_file_content()
        {
            var secret = "npm_" + new string('Z', 36);
            foreach (var yaml in new[] { "a: '" + secret + "\n", "a: 1\na: " + secret + "\n", "a: *" + "x\nb: " + secret + " : c: d\n" })
                Assert.DoesNotContain(secret, Fails(yaml).Message);
        }

        [Fact]
        public void Text_over_the_size_limit_is_refused_before_parsing()
        {
            var e = Fails(new string('#', CiYaml.MaxFileBytes + 1));
            Assert.Contains("larger than", e.Message);
        }

        [Fact]
        public void Documents_empty_and_several()
        {
            Assert.Null(CiYaml.Parse("ci.yml", ""));
            Assert.Null(CiYaml.Parse("ci.yml", "# only a comment\n"));
            var documents = CiYaml.ParseDocuments("ci.yml", "a: 1\n---\nb: &x 2\n---\nc: 3\n");
            Assert.Equal(3, documents.Count);
            Assert.Equal("2", ((CiYamlMapping)documents[1]!).Text("b"));
            // anchors do not cross documents
            Assert.Throws<CiDefinitionException>(() => CiYaml.ParseDocuments("ci.yml", "a: &x 1\n---\nb: *x\n"));
        }

        [Fact]
        public void Tags_are_kept()
        {
            var root = Map("script:\n  - !reference [.setup, script]\n");
            Assert.Equal("!reference", root.Sequence("script")![0].Tag);
        }

        [Fact]
        public void Warm_up_types_hold_no_static_field_typed_from_YamlDotNet()
        {
            // Warmup.Prepare reflects over every engine type's static fields at Import-Module; one typed from YamlDotNet
            // would load YamlDotNet.dll there.
            var offenders = typeof(CiYaml).Assembly.GetTypes()
                .SelectMany(t => t.GetFields(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public |
                    System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.DeclaredOnly))
                .Where(f => Mentions(f.FieldType))
                .Select(f => f.DeclaringType + "." + f.Name)
                .ToList();
            Assert.Empty(offenders);

            static bool Mentions(Type t) =>
                t.Assembly.GetName().Name == "YamlDotNet" || t.IsGenericType && t.GetGenericArguments().Any(Mentions) ||
                t.HasElementType && Mentions(t.GetElementType()!);
        }
    }
}
