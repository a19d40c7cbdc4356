using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Remediation
{
    /// <summary>The bytes a plan produces and where each changed key now lives.</summary>
    internal sealed class RenderResult
    {
        public RenderResult(byte[] bytes, Dictionary<string, int?> lines) { Bytes = bytes; Lines = lines; }
        public byte[] Bytes { get; }
        /// <summary>Changed key → the line npm now reads it from.</summary>
        public Dictionary<string, int?> Lines { get; }
    }

    /// <summary>
    /// Applies a plan's edits to the document's lines at byte level: untouched lines keep their exact bytes and
    /// terminators, an edited line keeps the bytes of its key and its terminator, new lines use the file's
    /// newline and go before the first [section] (else at the end), a file without a final newline still ends
    /// without one, a byte-order mark stays first. The result is decoded again and must give every changed key its
    /// planned value and every other key its old value, or nothing is returned.
    /// </summary>
    internal static class NpmrcEditor
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);
        private static readonly byte[] Bom = { 0xEF, 0xBB, 0xBF };

        public static byte[] Render(HardeningPlan plan) => RenderDetailed(plan, plan.OriginalBytes).Bytes;

        public static RenderResult RenderDetailed(HardeningPlan plan, byte[]? original)
        {
            var source = plan.ConvertsFromUtf16 && original != null ? NpmrcEncoding.Utf16ToUtf8(original) : original ?? Array.Empty<byte>();
            var document = NpmrcDocument.Parse(source, plan.Path);
            var lines = document.Lines;
            bool anyTerminator = lines.Any(l => l.Terminator.Length > 0);
            var newline = Utf8.GetBytes(anyTerminator ? document.PreferredNewLine : plan.Inputs.IsWindows ? "\r\n" : "\n");

            var removed = new HashSet<int>(plan.Changes.SelectMany(c => c.RemovedLines));
            var replaced = new Dictionary<int, PlannedChange>();
            var appended = new List<string>();
            foreach (var c in plan.Changes)
            {
                if (c.Action == PlannedChangeAction.Append) appended.AddRange(c.LineTexts);
                else replaced[c.Line!.Value] = c;
            }
            int? insertBefore = null;
            foreach (var l in lines) if (l.Kind == NpmrcLineKind.Section) { insertBefore = l.Number; break; }

            var output = new List<(byte[] Content, byte[] Terminator)>(lines.Count + appended.Count);
            foreach (var line in lines)
            {
                var content = line.Content;
                if (insertBefore == line.Number && appended.Count > 0)
                {
                    bool moveBom = line.Number == 1 && StartsWith(content, Bom);
                    for (int i = 0; i < appended.Count; i++)
                    {
                        var text = Utf8.GetBytes(appended[i]);
                        output.Add((i == 0 && moveBom ? Concat(Bom, text) : text, newline));
                    }
                    if (moveBom) content = content.Skip(Bom.Length).ToArray();
                }
                if (removed.Contains(line.Number)) continue;
                if (replaced.TryGetValue(line.Number, out var change))
                {
                    if (change.Action == PlannedChangeAction.Update)
                    {
                        int eq = Array.IndexOf(content, (byte)'=');
                        var keyBytes = eq >= 0 ? content.Take(eq).ToArray() : content;
                        output.Add((Concat(keyBytes, new[] { (byte)'=' }, Utf8.GetBytes(change.ValuePart ?? "")), line.Terminator));
                    }
                    else
                    {
                        bool moveBom = line.Number == 1 && StartsWith(content, Bom);
                        for (int i = 0; i < change.LineTexts.Count; i++)
                        {
                            var text = Utf8.GetBytes(change.LineTexts[i]);
                            if (i == 0 && moveBom) text = Concat(Bom, text);
                            output.Add((text, i == change.LineTexts.Count - 1 ? line.Terminator : newline));
                        }
                    }
                    continue;
                }
                output.Add((content, line.Terminator));
            }
            if (insertBefore == null && appended.Count > 0)
            {
                if (output.Count > 0 && output[output.Count - 1].Terminator.Length == 0)
                    output[output.Count - 1] = (output[output.Count - 1].Content, newline);
                foreach (var text in appended) output.Add((Utf8.GetBytes(text), newline));
            }
            // the final-newline state of a non-empty file stays as it was
            bool endedWithoutNewline = lines.Count > 0 && lines[lines.Count - 1].Terminator.Length == 0;
            if (endedWithoutNewline && output.Count > 0 && output[output.Count - 1].Terminator.Length > 0)
                output[output.Count - 1] = (output[output.Count - 1].Content, Array.Empty<byte>());

            using var ms = new MemoryStream();
            foreach (var (content, terminator) in output)
            {
                ms.Write(content, 0, content.Length);
                ms.Write(terminator, 0, terminator.Length);
            }
            var bytes = ms.ToArray();
            return new RenderResult(bytes, Verify(plan, document, bytes));
        }

        /// <summary>Every changed key reads back as planned, every other key as before; returns the changed keys' lines.</summary>
        private static Dictionary<string, int?> Verify(HardeningPlan plan, NpmrcDocument before, byte[] after)
        {
            var field = plan.Inputs.Field;
            var oldDecoded = before.Decode();
            var newDecoded = NpmrcDocument.Parse(after, plan.Path).Decode();
            if (newDecoded.Failure != null)
                throw new InvalidOperationException($"Internal error: the edited {plan.Path} would not parse ({newDecoded.Failure}); nothing was written.");
            var oldKeys = ByNpmKey(oldDecoded, field);
            var newKeys = ByNpmKey(newDecoded, field);
            var changed = new HashSet<string>(plan.Changes.Select(c => c.Key), StringComparer.Ordinal);
            var lines = new Dictionary<string, int?>(StringComparer.Ordinal);
            foreach (var c in plan.Changes)
            {
                if (!newKeys.TryGetValue(c.Key, out var raw) ||
                    !NpmrcValueWriter.SameValue(ConfigFieldParser.Parse(newDecoded.Values[raw], c.Key, field), c.TypedValue))
                    throw new InvalidOperationException($"Internal error: after the edit npm would not read {c.Key} as {c.NewValue} in {plan.Path}; nothing was written.");
                lines[c.Key] = newDecoded.EffectiveLine(raw);
            }
            foreach (var kv in oldKeys)
            {
                if (changed.Contains(kv.Key)) continue;
                // compared as values, not as JSON texts: a value may be a megabyte long (NpmrcLimits), and two JSON copies of each are not needed
                if (!newKeys.TryGetValue(kv.Key, out var raw) || !NpmrcValueWriter.SameValue(newDecoded.Values[raw], oldDecoded.Values[kv.Value]))
                    throw new InvalidOperationException($"Internal error: the edit would change {kv.Key} in {plan.Path}, which was not planned; nothing was written.");
            }
            foreach (var k in newKeys.Keys)
                if (!changed.Contains(k) && !oldKeys.ContainsKey(k))
                    throw new InvalidOperationException($"Internal error: the edit would add {k} to {plan.Path}, which was not planned; nothing was written.");
            return lines;
        }

        private static Dictionary<string, string> ByNpmKey(IniDecodeResult decoded, FieldContext field)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var raw in decoded.Values.Keys) map[EnvExpansion.Replace(raw, field.Environment)] = raw;
            return map;
        }

        private static bool StartsWith(byte[] data, byte[] prefix)
        {
            if (data.Length < prefix.Length) return false;
            for (int i = 0; i < prefix.Length; i++) if (data[i] != prefix[i]) return false;
            return true;
        }

        private static byte[] Concat(params byte[][] parts)
        {
            var result = new byte[parts.Sum(p => p.Length)];
            int offset = 0;
            foreach (var p in parts) { Buffer.BlockCopy(p, 0, result, offset, p.Length); offset += p.Length; }
            return result;
        }
    }
}
