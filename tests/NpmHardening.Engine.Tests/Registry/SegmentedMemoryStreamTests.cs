using System;
using System.IO;
using CsCheck;
using NpmHardening.Engine.Registry;
using Xunit;

namespace NpmHardening.Engine.Tests.Registry
{
    public sealed class SegmentedMemoryStreamTests
    {
        [Fact]
        public void ReadsBackWhatWasWrittenAcrossSegmentBoundaries()
        {
            // chunk sizes that straddle the 1 MiB segments, read back in other sizes
            Gen.Int[0, 3_000_000].Select(Gen.Int[1, 300_000], Gen.Int[1, 300_000]).Sample((length, writeChunk, readChunk) =>
            {
                var data = new byte[length];
                new Random(length).NextBytes(data);
                using var stream = new SegmentedMemoryStream();
                for (int at = 0; at < length; at += writeChunk) stream.Write(data, at, Math.Min(writeChunk, length - at));
                Assert.Equal(length, stream.Length);
                stream.Position = 0;
                var back = new byte[length];
                int read = 0, n;
                var buffer = new byte[readChunk];
                while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) { Buffer.BlockCopy(buffer, 0, back, read, n); read += n; }
                Assert.Equal(length, read);
                Assert.True(data.AsSpan().SequenceEqual(back));
            }, iter: 40);
        }

        [Fact]
        public void WritesOnlyAppend()
        {
            using var stream = new SegmentedMemoryStream();
            stream.Write(new byte[10], 0, 10);
            stream.Position = 5;
            Assert.Throws<NotSupportedException>(() => stream.Write(new byte[1], 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => stream.Position = 11);
        }
    }
}
