using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using NpmHardening;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;
using NpmHardening.Engine.Remediation;

namespace NpmHardening.TestWriter
{
    /// <summary>
    /// set &lt;file&gt; &lt;key&gt; &lt;json value&gt; [--backups DIR] [--slow CHUNK_BYTES:DELAY_MS] [--timeout SECONDS] [--npm VERSION]
    /// Plans the one setting for the file (User scope, containment = its folder), applies it, prints phases and a
    /// JSON result line. Exit 0 on success, 2 when the write failed (the error's ErrorId is printed), 1 on bad usage.
    /// </summary>
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length < 4 || args[0] != "set") { Console.Error.WriteLine("usage: set <file> <key> <json value> [--backups DIR] [--slow BYTES:MS] [--timeout S] [--npm VERSION]"); return 1; }
            var file = Path.GetFullPath(args[1]);
            var key = args[2];
            if (!JsJson.TryParse(args[3], out var value)) { Console.Error.WriteLine("the value is not JSON"); return 1; }
            string? backups = null, slow = null, npm = "11.19.1";
            double timeout = 60;
            for (int i = 4; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--backups": backups = args[i + 1]; break;
                    case "--slow": slow = args[i + 1]; break;
                    case "--timeout": timeout = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                    case "--npm": npm = args[i + 1]; break;
                }
            }

            IFileWriter files = SystemFileWriter.Instance;
            if (slow != null)
            {
                var parts = slow.Split(':');
                files = new SlowFileWriter(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), Path.GetFileName(file));
            }
            var target = new HardeningTarget(NpmHardeningScope.User, file, Path.GetDirectoryName(file));
            var plan = HardeningPlanner.PlanFile(target, HardeningSettings.FromMap(new[] { new KeyValuePair<string, object?>(key, value) }), NpmVersion.Parse(npm));
            Console.Out.WriteLine("planned");
            Console.Out.Flush();
            var writer = new NpmrcFileWriter(backups != null ? new BackupStore(backups, files) : null, files) { LockTimeout = TimeSpan.FromSeconds(timeout) };
            try
            {
                var result = writer.Apply(plan);
                Console.Out.WriteLine(Js.ToJson(new JsObject
                {
                    ["status"] = result.Status.ToString(),
                    ["replanned"] = result.Replanned,
                    ["backupId"] = result.BackupId,
                    ["changes"] = (double)result.Changes.Count,
                }));
                return 0;
            }
            catch (NpmrcWriteException e)
            {
                Console.Out.WriteLine(Js.ToJson(new JsObject { ["status"] = "Failed", ["errorId"] = e.ErrorId, ["message"] = e.Message }));
                return 2;
            }
        }
    }

    /// <summary>
    /// Writes the target's temporary file in small slow chunks, printing when writing starts and ends, so a kill lands
    /// mid-write (backups are written at full speed).
    /// </summary>
    internal sealed class SlowFileWriter : SystemFileWriter
    {
        private readonly int _chunk, _delay;
        private readonly string _target;
        public SlowFileWriter(int chunk, int delay, string targetName) { _chunk = chunk; _delay = delay; _target = targetName; }

        protected override Stream CreateTempStream(Stream file, string targetName) =>
            targetName == _target
                ? new SlowStream(base.CreateTempStream(file, targetName), _chunk, _delay)
                : base.CreateTempStream(file, targetName);

        private sealed class SlowStream : Stream
        {
            private readonly Stream _inner;
            private readonly int _chunk, _delay;
            public SlowStream(Stream inner, int chunk, int delay) { _inner = inner; _chunk = chunk; _delay = delay; }
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() => _inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count)
            {
                Console.Out.WriteLine("writing");
                Console.Out.Flush();
                while (count > 0)
                {
                    int n = Math.Min(_chunk, count);
                    _inner.Write(buffer, offset, n);
                    _inner.Flush();
                    offset += n;
                    count -= n;
                    Thread.Sleep(_delay);
                }
                Console.Out.WriteLine("written");
                Console.Out.Flush();
            }
        }
    }
}
