using System;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Config;

namespace NpmHardening.Engine.Tests.Config
{
    public class NpmrcDocumentTests
    {
        // Fragments chosen to hit every branch of the line grammar and every byte-level hazard:
        // all three line endings, BOM, quotes, escapes, comments, sections, arrays, NUL, invalid UTF-8, UTF-16.
        private static readonly byte[][] Fragments = new[]
        {
            "registry", "=", "https://registry.npmjs.org/", "//r.example.com/:_authToken", "${NPM_TOKEN}", "\\${X}",
            "key[]", " ", "\t", ";", "#", "\\;", "\\#", "\"", "'", "\"quoted\"", "'single'", "[section]", "[a.b]",
            "true", "false", "null", "__proto__", "\n", "\r\n", "\r", "\n\n", "é", "\u2028", "\u00A0", "ignore-scripts",
        }.Select(s => Encoding.UTF8.GetBytes(s))
         .Concat(new[] { new byte[] { 0xEF, 0xBB, 0xBF }, new byte[] { 0 }, new byte[] { 0xC3 }, new byte[] { 0xFF, 0xFE }, new byte[] { 0x80, 0x80 } })
         .ToArray();

        private static readonly Gen<byte[]> Documents =
            Gen.Int[0, Fragments.Length - 1].Array[0, 60].Select(ix => ix.SelectMany(i => Fragments[i]).ToArray());

        [Fact]
        public void Unchanged_documents_serialize_to_identical_bytes()
        {
            Documents.Sample(bytes => NpmrcDocument.Parse(bytes).ToBytes().AsSpan().SequenceEqual(bytes), iter: 10_000);
        }

        [Fact]
        public void Arbitrary_bytes_serialize_to_identical_bytes()
        {
            Gen.Byte.Array[0, 300].Sample(bytes => NpmrcDocument.Parse(bytes).ToBytes().AsSpan().SequenceEqual(bytes), iter: 10_000);
        }

        [Fact]
        public void Lines_keep_their_own_terminators()
        {
            var doc = NpmrcDocument.Parse(Encoding.UTF8.GetBytes("a=1\r\nb=2\rc=3\nd=4"));
            Assert.Equal(4, doc.Lines.Count);
            Assert.Equal(new[] { "\r\n", "\r", "\n", "" }, doc.Lines.Select(l => Encoding.UTF8.GetString(l.Terminator)));
            Assert.Equal(new[] { 1, 2, 3, 4 }, doc.Lines.Select(l => l.Number));
        }

        [Fact]
        public void Bom_is_kept_and_reported()
        {
            var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("a=1\n")).ToArray();
            var doc = NpmrcDocument.Parse(bytes);
            Assert.True(doc.HasByteOrderMark);
            Assert.Equal(bytes, doc.ToBytes());
            // npm trims U+FEFF as whitespace, so the key is "a"
            Assert.Equal("1", doc.Decode().Values["a"]);
        }

        [Fact]
        public void Editing_one_line_keeps_every_other_byte()
        {
            var text = "; comment\r\nstrict-ssl=false ; why\r\n\r\n[section]\r\nx=1";
            var doc = NpmrcDocument.Parse(text);
            var edited = doc.WithLineText(2, "strict-ssl=true");
            Assert.Equal("; comment\r\nstrict-ssl=true\r\n\r\n[section]\r\nx=1", Encoding.UTF8.GetString(edited.ToBytes()));
            Assert.Equal(text, Encoding.UTF8.GetString(doc.ToBytes())); // the original is untouched
        }

        [Fact]
        public void Appending_to_a_file_without_final_newline_uses_its_line_ending()
        {
            var doc = NpmrcDocument.Parse("a=1\r\nb=2");
            Assert.Equal("a=1\r\nb=2\r\nc=3", Encoding.UTF8.GetString(doc.WithAppendedLine("c=3").ToBytes()));
            var withNewline = NpmrcDocument.Parse("a=1\n");
            Assert.Equal("a=1\nc=3\n", Encoding.UTF8.GetString(withNewline.WithAppendedLine("c=3").ToBytes()));
        }

        [Fact]
        public void Removing_a_line_renumbers_without_touching_the_source_document()
        {
            var doc = NpmrcDocument.Parse("a=1\nb=2\nc=3\n");
            var removed = doc.WithoutLine(2);
            Assert.Equal("a=1\nc=3\n", Encoding.UTF8.GetString(removed.ToBytes()));
            Assert.Equal(new[] { 1, 2 }, removed.Lines.Select(l => l.Number));
            Assert.Equal(new[] { 1, 2, 3 }, doc.Lines.Select(l => l.Number));
        }

        [Theory]
        [InlineData("\n", NpmrcLineKind.Blank)]
        [InlineData("   \t", NpmrcLineKind.Blank)]
        [InlineData("  ; c", NpmrcLineKind.Comment)]
        [InlineData("# c", NpmrcLineKind.Comment)]
        [InlineData("\uFEFF# c", NpmrcLineKind.Comment)]
        [InlineData("[sec]  ", NpmrcLineKind.Section)]
        [InlineData("[sec] x", NpmrcLineKind.Setting)]
        [InlineData("=value", NpmrcLineKind.Ignored)]
        [InlineData("a=b\u2028c", NpmrcLineKind.Ignored)]
        [InlineData("a\u2028=b", NpmrcLineKind.Setting)]
        [InlineData("bare", NpmrcLineKind.Setting)]
        public void Lines_are_classified_as_npm_reads_them(string line, NpmrcLineKind kind)
        {
            Assert.Equal(kind, NpmrcDocument.Parse(line).Lines.Single().Kind);
        }
    }
}
