using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using CsCheck;
using NpmHardening.Engine.Packages;

namespace NpmHardening.Engine.Tests.Packages
{
    public class TarballReaderTests
    {
        private const string Manifest = "{\"name\":\"p\",\"version\":\"1.0.0\"}";

        private static NpmPackageComparison Review(byte[] staged, NpmTarballLimits? limits = null) =>
            PackageComparerTests.Compare(staged, null, limits);

        private static IEnumerable<NpmPackageChange> Rule(NpmPackageComparison c, string id) => c.Changes.Where(x => x.RuleId == id);

        [Fact]
        public void Traversal_absolute_link_device_and_duplicate_entries_are_reported()
        {
            var tgz = new TarBuilder()
                .File("package/package.json", Manifest)
                .File("package/../../etc/cron.d/x", "* * * * * root sh")
                .File("/etc/passwd", "root::0:0")
                .Entry("package/link", '2', "../../home/user/.ssh/id_rsa")
                .Entry("package/hard", '1', "package/package.json")
                .Entry("package/fifo", '6')
                .Entry("package/dev", '3')
                .File("package/index.js", "good")
                .File("other/index.js", "evil")
                .File("package/Readme.md", "a")
                .File("package/README.md", "b")
                .Tgz();
            var r = Review(tgz);
            Assert.Equal(new[] { "package/../../etc/cron.d/x", "/etc/passwd", "package/link" }, Rule(r, "NPMH12023").Select(c => c.Message.Split('\'')[1]));
            Assert.Equal(new[] { "link", "hard" }, Rule(r, "NPMH12024").Select(c => c.File));
            Assert.Equal(new[] { "fifo", "dev" }, Rule(r, "NPMH12025").Select(c => c.File));
            var dup = Rule(r, "NPMH12026").ToList();
            Assert.Equal(2, dup.Count);
            Assert.Contains("replaces the first", dup[0].Message);
            Assert.Contains("letter case", dup[1].Message);
            // the later duplicate is what npm installs and what npm diff reads: its size is the one kept
            Assert.Equal(4, Rule(r, "NPMH12011").Single(c => c.File == "index.js").SizeAfter);
            // links and special entries are not files npm installs
            Assert.DoesNotContain(Rule(r, "NPMH12011"), c => c.File == "link" || c.File == "fifo");
            Assert.Equal(NpmSeverity.High, r.Summary.Risk);
        }

        [Fact]
        public void Pax_and_gnu_long_names_give_the_real_path()
        {
            var longDir = string.Join("/", Enumerable.Repeat("directory-name-of-some-length", 8));
            var tgz = new TarBuilder()
                .File("package/package.json", Manifest)
                .Pax(new Dictionary<string, string> { ["path"] = "package/" + longDir + "/pax.js" })
                .File("package/short-pax-name", "1")
                .GnuLongName("package/" + longDir + "/gnu.js")
                .File("package/short-gnu-name", "2")
                .Pax(new Dictionary<string, string> { ["path"] = "ignored-by-node-tar" }, 'g')
                .File("package/after-global.js", "3")
                .Tgz();
            var files = Rule(Review(tgz), "NPMH12011").Select(c => c.File).ToList();
            Assert.Equal(new[] { "package.json", longDir + "/pax.js", longDir + "/gnu.js", "after-global.js" }, files);
        }

        [Fact]
        public void Too_many_entries_stop_the_reading_and_are_reported()
        {
            var tar = new TarBuilder().File("package/package.json", Manifest);
            for (int i = 0; i < 50; i++) tar.File("package/f" + i + ".js", "x");
            var r = Review(tar.Tgz(), new NpmTarballLimits { MaxEntries = 10 });
            var bound = Rule(r, "NPMH12027").Single();
            Assert.Contains("more than 10 entries", bound.Message);
            Assert.Equal(10, Rule(r, "NPMH12011").Count());
            Assert.False(r.Summary.Complete);
        }

        [Fact]
        public void A_gzip_bomb_is_reported_at_the_ratio_bound_without_expanding_it()
        {
            // 64 MiB of zeros compresses about 1000:1; the reader stops as soon as the ratio passes the bound
            var tgz = new TarBuilder().File("package/package.json", Manifest).ZeroFile("package/bomb.bin", 64L << 20).Tgz();
            Assert.True(tgz.Length < 200_000);
            using var reader = new TarballReader(new MemoryStream(tgz), new NpmTarballLimits { MaxCompressionRatio = 100 });
            while (reader.Next() != null) { var buffer = new byte[65536]; while (reader.Content.Read(buffer, 0, buffer.Length) > 0) { } }
            Assert.True(reader.Stopped);
            Assert.Equal(NpmTarballBound.CompressionRatio, reader.Bounds.Single().Bound);
            // stopped within one read of the bound: a few hundred kilobytes, never the 64 MiB
            Assert.True(reader.UnpackedBytes < 2_000_000, reader.UnpackedBytes.ToString());
            var r = Review(tgz, new NpmTarballLimits { MaxCompressionRatio = 100 });
            Assert.Contains("times its compressed size", Rule(r, "NPMH12027").Single().Message);
        }

        [Fact]
        public void A_tar_bomb_is_stopped_by_its_declared_sizes_before_any_data_is_read()
        {
            var tar = new TarBuilder().File("package/package.json", Manifest).Entry("package/huge.bin", '0', size: 300L << 20).Tar(end: false);
            var r = Review(TarBuilder.Gzip(tar));
            Assert.Contains("declares an entry of 314,572,800 bytes", Rule(r, "NPMH12027").Single().Message);
            var total = Review(new TarBuilder().File("package/package.json", Manifest).ZeroFile("package/a", 600_000).ZeroFile("package/b", 600_000).Tgz(),
                new NpmTarballLimits { MaxUnpackedBytes = 1_000_000 });
            Assert.Contains("unpacks to more than 1,000,000 bytes", Rule(total, "NPMH12027").Single().Message);
            Assert.Equal(new[] { "package.json", "a" }, Rule(total, "NPMH12011").Select(c => c.File));
        }

        [Fact]
        public void An_oversized_pax_header_is_skipped_and_reported()
        {
            var tgz = new TarBuilder().File("package/package.json", Manifest)
                .Pax(new Dictionary<string, string> { ["comment"] = new string('a', 5000), ["path"] = "package/hidden.js" })
                .File("package/visible.js", "1").Tgz();
            var r = Review(tgz, new NpmTarballLimits { MaxPaxHeaderBytes = 1000 });
            Assert.Contains("extended header", Rule(r, "NPMH12027").Single().Message);
            // as node-tar: the oversized header is ignored, so the entry keeps its own name
            Assert.Contains(Rule(r, "NPMH12011"), c => c.File == "visible.js");
        }

        [Fact]
        public void Truncated_garbage_and_non_tar_input_are_unreadable_tarballs()
        {
            var good = PackageComparerTests.Package(Manifest, ("index.js", new string('x', 5000)));
            var truncated = good.Take(good.Length / 2).ToArray();
            var cases = new Dictionary<string, byte[]>
            {
                ["truncated"] = truncated,
                ["garbage"] = Encoding.ASCII.GetBytes("this is not a tarball at all"),
                ["gzip of text"] = TarBuilder.Gzip(Encoding.ASCII.GetBytes(new string('z', 2000))),
                ["empty"] = Array.Empty<byte>(),
                ["no end blocks"] = TarBuilder.Gzip(new TarBuilder().File("package/package.json", Manifest).Tar(end: false)),
            };
            foreach (var kv in cases)
            {
                var r = Review(kv.Value);
                var c = Assert.Single(Rule(r, "NPMH12028"));
                Assert.Equal(NpmSeverity.High, c.Severity);
                Assert.False(r.Summary.Complete, kv.Key);
                Assert.Null(r.Summary.Integrity);
            }
        }

        [Fact]
        public void The_integrity_matches_sha512_of_the_file()
        {
            var tgz = PackageComparerTests.Package(Manifest);
            using var sha = System.Security.Cryptography.SHA512.Create();
            Assert.Equal("sha512-" + Convert.ToBase64String(sha.ComputeHash(tgz)), Review(tgz).Summary.Integrity);
        }

        private static readonly Gen<byte[]> RandomTar =
            Gen.Select(Gen.Int[0, 12], Gen.Int[0, 1 << 30], Gen.Bool, Gen.Int[0, 40])
               .SelectMany(t => Gen.Byte.Array[0, 600].Select(noise => (t, noise)))
               .Select(x =>
               {
                   var (count, seed, end, cut) = x.t;
                   var rnd = new Random(seed);
                   var b = new TarBuilder();
                   var types = new[] { '0', '1', '2', '3', '5', '6', 'x', 'g', 'L', 'K', 'Z', '\0' };
                   for (int i = 0; i < count; i++)
                   {
                       var type = types[rnd.Next(types.Length)];
                       var name = rnd.Next(4) == 0 ? "../" + i : "package/" + new string('d', rnd.Next(1, 300)) + i;
                       if (type == '0') b.File(name, new string('a', rnd.Next(0, 2000)));
                       else if (type == 'x') b.Pax(new Dictionary<string, string> { ["path"] = name, ["size"] = rnd.Next(0, 5000).ToString() });
                       else b.Entry(name, type, rnd.Next(2) == 0 ? "../t" : null, rnd.Next(3) == 0 ? rnd.Next(0, 3000) : 0);
                   }
                   b.Raw(x.noise);
                   var tar = b.Tar(end);
                   // flip a few bytes to corrupt headers and sizes
                   for (int i = 0; i < cut && tar.Length > 0; i++) tar[rnd.Next(tar.Length)] ^= (byte)rnd.Next(1, 256);
                   var tgz = TarBuilder.Gzip(tar);
                   return rnd.Next(5) == 0 ? tgz.Take(rnd.Next(tgz.Length + 1)).ToArray() : tgz;
               });

        [Fact]
        public void Random_tar_layouts_never_throw_anything_but_the_reader_s_own_error_and_never_pass_a_bound()
        {
            var limits = new NpmTarballLimits { MaxEntries = 8, MaxUnpackedBytes = 20_000, MaxEntryBytes = 4000, MaxPathLength = 200, MaxPaxHeaderBytes = 300, MaxCompressionRatio = 500 };
            RandomTar.Sample(tgz =>
            {
                var source = OrThrowOwn(tgz, out var ok);
                if (ok)
                using (var reader = new TarballReader(source, limits))
                {
                    try
                    {
                        var buffer = new byte[1000];
                        TarEntry? e;
                        int entries = 0;
                        while ((e = reader.Next()) != null)
                        {
                            entries++;
                            Assert.True(e.Path.Length <= limits.MaxPathLength);
                            Assert.True(e.Size <= limits.MaxEntryBytes);
                            while (reader.Content.Read(buffer, 0, buffer.Length) > 0) { }
                        }
                        Assert.True(entries <= limits.MaxEntries);
                    }
                    catch (NpmTarballException) { }
                    Assert.True(reader.UnpackedBytes <= limits.MaxUnpackedBytes, reader.UnpackedBytes.ToString());
                }
                // and the comparison as a whole never throws
                var r = PackageComparerTests.Compare(tgz, tgz, limits);
                Assert.NotNull(r.Summary);
            }, iter: 400);
        }

        /// <summary>The reader's constructor reads the gzip magic: bad input throws the reader's own error there too.</summary>
        private static Stream OrThrowOwn(byte[] data, out bool ok)
        {
            try
            {
                using (new TarballReader(new MemoryStream(data), new NpmTarballLimits())) { }
                ok = true;
            }
            catch (NpmTarballException) { ok = false; }
            return new MemoryStream(data);
        }
    }
}
