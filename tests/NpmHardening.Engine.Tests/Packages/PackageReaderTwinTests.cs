using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Packages;

namespace NpmHardening.Engine.Tests.Packages
{
    /// <summary>
    /// The staged tarball is read with the reference's snapshot at hand, and a JavaScript file whose path and SHA-256 are
    /// the reference's takes the reference's scan instead of being scanned again. These tests hold that shortcut to the
    /// snapshot a full scan gives.
    /// </summary>
    public class PackageReaderTwinTests
    {
        private static PackageSnapshot Read(byte[] tgz, PackageSnapshot? reference = null) =>
            PackageReader.Read(new MemoryStream(tgz), NpmTarballLimits.Default, default, reference);

        /// <summary>Everything the comparison reads from a file, as text.</summary>
        private static List<string> Facts(PackageSnapshot s) => s.Order.Select(p =>
        {
            var f = s.Files[p];
            var c = f.Code;
            var code = c == null ? "-" : $"{c.Primitives} {string.Join(",", Enum.GetValues(typeof(CodePrimitive)).Cast<CodePrimitive>().Select(c.LineOf))} {c.Style} {c.LongestLine} {c.Partial}";
            return $"{p} {f.Sha256} {f.Size} {f.Mode} {f.NativeFormat} {code}";
        }).ToList();

        private static string CodeText(CodeFacts? c) => c == null ? "-"
            : $"{c.Primitives} {string.Join(",", Enum.GetValues(typeof(CodePrimitive)).Cast<CodePrimitive>().Select(c.LineOf))} {c.Style} {c.LongestLine} {c.Partial}";

        private static byte[] Tgz(params (string path, byte[] content, int mode)[] files)
        {
            var tar = new TarBuilder().File("package/package.json", "{\"name\":\"twin\",\"version\":\"1.0.0\"}");
            foreach (var (path, content, mode) in files) tar.File("package/" + path, content, mode);
            return tar.Tgz();
        }

        private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

        [Fact]
        public void An_unchanged_file_reuses_the_reference_scan_and_a_changed_or_new_one_is_scanned()
        {
            var reference = Read(Tgz(("same.js", U("require('child_process').exec(x)\n"), 420), ("changed.js", U("module.exports = 1\n"), 420)));
            var staged = Tgz(("same.js", U("require('child_process').exec(x)\n"), 493), ("changed.js", U("\n\neval(process.argv[2])\n"), 420),
                ("new.js", U("require('net')\n"), 420));
            var twin = Read(staged, reference);

            Assert.Same(reference.Files["same.js"].Code, twin.Files["same.js"].Code);
            Assert.NotSame(reference.Files["changed.js"].Code, twin.Files["changed.js"].Code);
            Assert.Equal(CodePrimitive.DynamicCode, twin.Files["changed.js"].Code!.Primitives);
            Assert.Equal(3, twin.Files["changed.js"].Code!.LineOf(CodePrimitive.DynamicCode));
            Assert.Equal(CodePrimitive.RawNetwork, twin.Files["new.js"].Code!.Primitives);
            Assert.Equal(493, twin.Files["same.js"].Mode);
            Assert.Equal(Facts(Read(staged)), Facts(twin));
        }

        [Fact]
        public void Files_at_and_past_the_held_size_give_the_snapshot_of_a_full_scan()
        {
            int held = PackageReader.TwinBufferBytes;
            // the primitive sits past the held bytes, and a two-byte character straddles the boundary
            byte[] Big(int size, string tail)
            {
                var t = U(tail);
                var b = new byte[size];
                for (int i = 0; i < b.Length; i++) b[i] = (byte)(i % 64 == 63 ? '\n' : 'a');
                var e = U("é");
                Buffer.BlockCopy(e, 0, b, held - 1 - (size > held ? 0 : 2), 2);
                Buffer.BlockCopy(t, 0, b, size - t.Length, t.Length);
                return b;
            }
            var exact = Big(held, "\nrequire('vm')\n");
            var over = Big(held + 1, "\nrequire('dns')\n");
            var far = Big(held + 70000, "\nrequire('child_process')\n");
            var farChanged = Big(held + 70000, "\nrequire('dgram')\n");
            // the one byte read past the held bytes (to tell "exactly held" from "more") is the 'd' of 'dns'
            var edge = Big(held + 100, "\n");
            var dns = U("\nrequire('dns')\n");
            Buffer.BlockCopy(dns, 0, edge, held - 10, dns.Length);
            var reference = Read(Tgz(("exact.js", exact, 420), ("over.js", over, 420), ("far.js", far, 420), ("far2.js", far, 420), ("edge.js", edge, 420)));
            var staged = Tgz(("exact.js", exact, 420), ("over.js", over, 420), ("far.js", far, 420), ("far2.js", farChanged, 420), ("edge.js", edge, 420));
            var twin = Read(staged, reference);

            Assert.Equal(Facts(Read(staged)), Facts(twin));
            Assert.Same(reference.Files["exact.js"].Code, twin.Files["exact.js"].Code);
            Assert.Equal(CodePrimitive.DynamicCode, twin.Files["exact.js"].Code!.Primitives);
            Assert.Equal(CodePrimitive.RawNetwork, twin.Files["over.js"].Code!.Primitives);
            Assert.Equal(CodePrimitive.ProcessExecution, twin.Files["far.js"].Code!.Primitives);
            Assert.Equal(CodePrimitive.RawNetwork, twin.Files["far2.js"].Code!.Primitives);
            Assert.Equal(CodePrimitive.RawNetwork, twin.Files["edge.js"].Code!.Primitives);
        }

        [Fact]
        public void Random_updates_read_with_the_reference_give_the_snapshot_of_a_full_scan()
        {
            var pieces = new[]
            {
                "const a = 1;\n", "require('child_process')\n", "eval(x)\n", "new Function('a')\n", "import vm from 'node:vm'\n",
                "JSON.stringify(process.env)\n", "fs.readFileSync('~/.npmrc')\n", "var s = '\\x41\\x42';\n", "// require('net')\n",
                "`${require('dns')}`\n", "x = y / 2 / z;\n", "'unterminated\n", "\u00e9\u4e2d\n", "var _0x1a2b = 1;\n",
            };
            var names = new[] { "a.js", "b.mjs", "c.ts", "d.d.ts", "e.json", "lib/f.cjs", "g.node", "h.jsx" };
            for (int seed = 0; seed < 200; seed++)
            {
                var rnd = new Random(seed);
                byte[] Content()
                {
                    var ms = new MemoryStream();
                    int n = rnd.Next(0, 12);
                    for (int i = 0; i < n; i++)
                    {
                        if (rnd.Next(20) == 0) ms.Write(new byte[] { 0xC3, 0xFF, 0x80 }, 0, 3);   // not UTF-8
                        var p = U(pieces[rnd.Next(pieces.Length)]);
                        ms.Write(p, 0, p.Length);
                    }
                    return ms.ToArray();
                }
                var before = new List<(string, byte[], int)>();
                var after = new List<(string, byte[], int)>();
                foreach (var name in names)
                {
                    var content = Content();
                    int mode = rnd.Next(2) == 0 ? 420 : 493;
                    int fate = rnd.Next(6);   // 0 removed, 1 added, 2 changed, 3 mode changed, else unchanged
                    if (fate != 1) before.Add((name, content, mode));
                    if (fate == 0) continue;
                    after.Add((name, fate == 2 ? Content() : content, fate == 3 ? mode ^ 73 : mode));
                }
                var staged = Tgz(after.ToArray());
                var reference = Read(Tgz(before.ToArray()));
                var twin = Read(staged, reference);
                Assert.Equal(Facts(Read(staged)), Facts(twin));
                // and each file's scan is the tokenizer's on its bytes alone, whichever thread ran it or whether it was reused
                foreach (var (name, content, _) in after)
                {
                    bool js = !name.EndsWith(".json", StringComparison.Ordinal) && !name.EndsWith(".node", StringComparison.Ordinal) && !name.EndsWith(".d.ts", StringComparison.Ordinal);
                    Assert.Equal(js ? CodeText(PackageReader.Scan(new MemoryStream(content), NpmTarballLimits.Default.MaxScannedFileBytes)) : "-", CodeText(twin.Files[name].Code));
                }
            }
        }
    }
}
