using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using NpmHardening.Engine.Packages;

namespace NpmHardening.Engine.Tests.Packages
{
    /// <summary>
    /// A review scans thousands of files, so each thread keeps one scanner and one UTF-8 reader and points them at the next
    /// file. These tests hold that reuse to what a new StreamReader and a new scanner per file give.
    /// </summary>
    public class PackageScanReuseTests
    {
        private static string CodeText(CodeFacts c) =>
            $"{c.Primitives} {string.Join(",", Enum.GetValues(typeof(CodePrimitive)).Cast<CodePrimitive>().Select(c.LineOf))} {c.Style} {c.LongestLine} {c.Partial}";

        // JavaScript's significant bytes, and UTF-8 whole, cut short and invalid: a byte order mark, a 2-, 3- and 4-byte
        // sequence, a lone continuation byte, an overlong form, a surrogate encoded in UTF-8, bytes never valid in UTF-8
        private static readonly byte[][] Pieces =
        {
            Encoding.UTF8.GetBytes("require('child_process')"), Encoding.UTF8.GetBytes("eval("), Encoding.UTF8.GetBytes("process.env"),
            Encoding.UTF8.GetBytes("`${"), Encoding.UTF8.GetBytes("}`"), Encoding.UTF8.GetBytes("'~/.npmrc'"), Encoding.UTF8.GetBytes("\"\\x41\\u0042\""),
            Encoding.UTF8.GetBytes("/* c */"), Encoding.UTF8.GetBytes("// c\n"), Encoding.UTF8.GetBytes("\n"), Encoding.UTF8.GetBytes("\r\n"), Encoding.UTF8.GetBytes(" "),
            Encoding.UTF8.GetBytes("_0x1f2e3d"), Encoding.UTF8.GetBytes("/re[/]x/g"), Encoding.UTF8.GetBytes("0x1F.5e+3"),
            new byte[] { 0xEF, 0xBB, 0xBF }, new byte[] { 0xC3, 0xA9 }, new byte[] { 0xE2, 0x80, 0xA8 }, new byte[] { 0xF0, 0x9F, 0x98, 0x80 },
            new byte[] { 0xF0, 0x9F, 0x98 }, new byte[] { 0xE2, 0x82 }, new byte[] { 0xC3 }, new byte[] { 0x80 }, new byte[] { 0xC0, 0xAF },
            new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xFF }, new byte[] { 0xFE },
        };

        private static readonly Gen<byte[]> Files = Gen.Int[0, Pieces.Length - 1].Array[0, 3000].Select(ix => ix.SelectMany(i => Pieces[i]).ToArray());

        private static string ReadAll(TextReader reader, int chunk)
        {
            var sb = new StringBuilder();
            var buffer = new char[chunk];
            int n;
            while ((n = reader.Read(buffer, 0, buffer.Length)) > 0) sb.Append(buffer, 0, n);
            return sb.ToString();
        }

        [Fact]
        public void The_byte_reader_decodes_as_a_stream_reader_does()
        {
            Gen.Select(Files, Gen.Int[1, 9000], Gen.Int[0, 40]).Sample((bytes, chunk, slack) =>
            {
                var reader = new Utf8BytesReader();
                using var expected = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false, false), false, 8192);
                // the array may be longer than the file, as a rented one is
                var held = new byte[bytes.Length + slack];
                Buffer.BlockCopy(bytes, 0, held, 0, bytes.Length);
                for (int i = bytes.Length; i < held.Length; i++) held[i] = (byte)'x';
                reader.Start(held, bytes.Length);
                Assert.Equal(ReadAll(expected, chunk), ReadAll(reader, chunk));
            }, iter: 1500);
        }

        [Fact]
        public void Held_bytes_give_the_facts_of_a_stream_scan_at_any_bound()
        {
            Gen.Select(Files, Gen.OneOf(Gen.Const(long.MaxValue), Gen.Long[0, 5000])).Sample((bytes, max) =>
            {
                var expected = CodeText(PackageReader.Scan(new MemoryStream(bytes), max));
                var held = new byte[bytes.Length + 7];
                Buffer.BlockCopy(bytes, 0, held, 0, bytes.Length);
                Assert.Equal(expected, CodeText(PackageReader.Scan(held, bytes.Length, max)));
            }, iter: 1500);
        }

        [Fact]
        public void A_reused_scanner_gives_the_facts_of_a_new_one()
        {
            // a file that ends inside a template expression, a string, a comment or braces must leave nothing to the next
            var openers = new[] { "x = `a ${ b", "s = 'unterminated", "/* open comment", "{{{{ f(", "require(", "_0x1a _0x2b _0x3c", "x = /re" };
            Gen.Select(Gen.Int[0, openers.Length - 1], Files).Sample((o, next) =>
            {
                string Fresh()
                {
                    string? text = null;
                    // a new thread has no scanner yet: this one scans with a new scanner
                    var t = new Thread(() => text = CodeText(PackageReader.Scan(next, next.Length, long.MaxValue)));
                    t.Start();
                    t.Join();
                    return text!;
                }
                JsScanner.Scan(openers[o] + string.Concat(Enumerable.Repeat(" eval(process.env)", o * 50)));
                Assert.Equal(Fresh(), CodeText(PackageReader.Scan(next, next.Length, long.MaxValue)));
            }, iter: 300);
        }
    }
}
