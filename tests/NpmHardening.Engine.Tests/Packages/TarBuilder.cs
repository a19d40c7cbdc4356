using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace NpmHardening.Engine.Tests.Packages
{
    /// <summary>Writes tar streams byte by byte, including the ones npm pack never makes (links, '..', duplicates, bombs).</summary>
    internal sealed class TarBuilder
    {
        private readonly MemoryStream _tar = new MemoryStream();

        public TarBuilder File(string path, string content, int mode = 420) => File(path, Encoding.UTF8.GetBytes(content), mode);

        public TarBuilder File(string path, byte[] content, int mode = 420)
        {
            Header(path, '0', content.Length, mode);
            Data(content);
            return this;
        }

        public TarBuilder Entry(string path, char type, string? link = null, long size = 0, int mode = 420)
        {
            Header(path, type, size, mode, link);
            return this;
        }

        /// <summary>A pax extended header setting <paramref name="records"/> for the next entry.</summary>
        public TarBuilder Pax(IDictionary<string, string> records, char type = 'x')
        {
            var sb = new StringBuilder();
            foreach (var kv in records)
            {
                var body = " " + kv.Key + "=" + kv.Value + "\n";
                int len = Encoding.UTF8.GetByteCount(body);
                int total = len + len.ToString().Length;
                if (total.ToString().Length != len.ToString().Length) total++;
                sb.Append(total).Append(body);
            }
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            Header("PaxHeader", type, bytes.Length, 420);
            Data(bytes);
            return this;
        }

        public TarBuilder GnuLongName(string path)
        {
            var bytes = Encoding.UTF8.GetBytes(path + "\0");
            Header("././@LongLink", 'L', bytes.Length, 420);
            Data(bytes);
            return this;
        }

        /// <summary>A file header declaring <paramref name="size"/> bytes, followed by that many zero bytes (a bomb's body).</summary>
        public TarBuilder ZeroFile(string path, long size)
        {
            Header(path, '0', size, 420);
            var chunk = new byte[1 << 16];
            long left = size + (512 - size % 512) % 512;
            while (left > 0)
            {
                int n = (int)Math.Min(chunk.Length, left);
                _tar.Write(chunk, 0, n);
                left -= n;
            }
            return this;
        }

        public TarBuilder Raw(byte[] bytes)
        {
            _tar.Write(bytes, 0, bytes.Length);
            return this;
        }

        public byte[] Tar(bool end = true)
        {
            var copy = new MemoryStream();
            _tar.Position = 0;
            _tar.CopyTo(copy);
            if (end) copy.Write(new byte[1024], 0, 1024);
            return copy.ToArray();
        }

        public byte[] Tgz(bool end = true) => Gzip(Tar(end));

        public static byte[] Gzip(byte[] data)
        {
            var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data, 0, data.Length);
            return ms.ToArray();
        }

        private void Header(string path, char type, long size, int mode, string? link = null)
        {
            var h = new byte[512];
            string name = path, prefix = "";
            if (Encoding.UTF8.GetByteCount(path) > 100)
            {
                int cut = path.LastIndexOf('/', Math.Min(path.Length - 1, 155));
                if (cut > 0 && Encoding.UTF8.GetByteCount(path.Substring(cut + 1)) <= 100) { prefix = path.Substring(0, cut); name = path.Substring(cut + 1); }
                else name = path.Substring(0, 100);
            }
            Put(h, 0, 100, name);
            Put(h, 100, 8, Convert.ToString(mode, 8).PadLeft(7, '0'));
            Put(h, 108, 8, "0000000");
            Put(h, 116, 8, "0000000");
            Put(h, 124, 12, Convert.ToString(size, 8).PadLeft(11, '0'));
            Put(h, 136, 12, "00000000000");
            h[156] = (byte)type;
            if (link != null) Put(h, 157, 100, link);
            Put(h, 257, 6, "ustar\0");
            Put(h, 263, 2, "00");
            Put(h, 345, 155, prefix);
            for (int i = 148; i < 156; i++) h[i] = (byte)' ';
            int sum = 0;
            foreach (var b in h) sum += b;
            Put(h, 148, 8, Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ");
            _tar.Write(h, 0, 512);
        }

        private void Data(byte[] content)
        {
            _tar.Write(content, 0, content.Length);
            int pad = (512 - content.Length % 512) % 512;
            _tar.Write(new byte[pad], 0, pad);
        }

        private static void Put(byte[] h, int offset, int length, string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Array.Copy(bytes, 0, h, offset, Math.Min(bytes.Length, length));
        }
    }
}
