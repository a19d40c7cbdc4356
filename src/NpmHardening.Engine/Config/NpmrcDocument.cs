using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NpmHardening.Engine.Config
{
    /// <summary>What a physical line of an .npmrc is, as npm's ini parser sees it.</summary>
    public enum NpmrcLineKind
    {
        /// <summary>Empty or whitespace only.</summary>
        Blank,
        /// <summary>First non-space character is ';' or '#'.</summary>
        Comment,
        /// <summary>A <c>[section]</c> header.</summary>
        Section,
        /// <summary>A <c>key=value</c> or bare <c>key</c> line.</summary>
        Setting,
        /// <summary>A line npm's parser skips because it matches neither form (e.g. starts with '=').</summary>
        Ignored,
    }

    /// <summary>
    /// One physical line: the exact bytes of its text and of its terminator ("\n", "\r\n", "\r" or none).
    /// Bytes, not strings, so that a file with invalid UTF-8 still serializes back unchanged.
    /// </summary>
    public sealed class NpmrcLine
    {
        internal NpmrcLine(int number, byte[] content, byte[] terminator, string text)
        {
            Number = number;
            Content = content;
            Terminator = terminator;
            Kind = IniLineSyntax.Classify(text, out var key, out var rawValue, out var section);
            RawKey = key;
            RawValue = rawValue;
            SectionName = section;
        }

        /// <summary>1-based line number.</summary>
        public int Number { get; }
        public byte[] Content { get; }
        public byte[] Terminator { get; }
        /// <summary>
        /// The line decoded as npm decodes the file (UTF-8, invalid sequences as U+FFFD). Decoded again on each use rather
        /// than held: a document keeps its bytes and the parts npm reads (key, value), not a third copy of every line.
        /// </summary>
        public string Text => Utf8.GetString(Content);

        private static readonly System.Text.UTF8Encoding Utf8 = new System.Text.UTF8Encoding(false, false);
        public NpmrcLineKind Kind { get; }
        /// <summary>For Setting lines: the text left of the first '=' (or the whole line), untrimmed.</summary>
        public string? RawKey { get; }
        /// <summary>For Setting lines with '=': the text right of the first '=', untrimmed; null for a bare key.</summary>
        public string? RawValue { get; }
        /// <summary>For Section lines: the text between the brackets.</summary>
        public string? SectionName { get; }
    }

    /// <summary>
    /// A lossless .npmrc: every byte of the file is held by exactly one line, so an unchanged document
    /// serializes to the identical bytes (comments, blank lines, quoting, CRLF/LF/CR, BOM, final newline).
    /// Meaning is derived from the lines by <see cref="IniDecoder"/>, never stored separately.
    /// </summary>
    public sealed class NpmrcDocument
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);
        private readonly List<NpmrcLine> _lines;

        private NpmrcDocument(List<NpmrcLine> lines, string? path)
        {
            _lines = lines;
            Path = path;
        }

        public string? Path { get; }
        public IReadOnlyList<NpmrcLine> Lines => _lines;

        /// <summary>True when the file starts with the UTF-8 byte-order mark (npm keeps it as U+FEFF, which it trims as whitespace).</summary>
        public bool HasByteOrderMark => _lines.Count > 0 && _lines[0].Content.Length >= 3
            && _lines[0].Content[0] == 0xEF && _lines[0].Content[1] == 0xBB && _lines[0].Content[2] == 0xBF;

        public static NpmrcDocument Parse(string text, string? path = null) => Parse(Utf8.GetBytes(text), path);

        /// <summary>
        /// Splits the bytes into lines. Throws <see cref="NpmrcLimitException"/> as soon as the document goes beyond
        /// <see cref="NpmrcLimits"/> (size, lines, settings, line length, nesting), before anything larger is built.
        /// </summary>
        public static NpmrcDocument Parse(byte[] bytes, string? path = null)
        {
            if (bytes == null) throw new ArgumentNullException(nameof(bytes));
            if (bytes.LongLength > NpmrcLimits.MaxFileBytes)
                throw new NpmrcLimitException(NpmrcLimit.FileSize, null,
                    $"is {bytes.LongLength:N0} bytes, over the {NpmrcLimits.MaxFileBytes >> 20} MiB limit");
            var lines = new List<NpmrcLine>();
            int start = 0, number = 1, settings = 0;
            for (int i = 0; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                if (b != (byte)'\n' && b != (byte)'\r')
                {
                    if (i - start >= NpmrcLimits.MaxLineBytes) throw LineTooLong(number);
                    continue;
                }
                int termLength = b == (byte)'\r' && i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n' ? 2 : 1;
                Add(lines, MakeLine(bytes, start, i - start, termLength, number++), ref settings);
                i += termLength - 1;
                start = i + 1;
            }
            if (start < bytes.Length) Add(lines, MakeLine(bytes, start, bytes.Length - start, 0, number), ref settings);
            return new NpmrcDocument(lines, path);
        }

        private static void Add(List<NpmrcLine> lines, NpmrcLine line, ref int settings)
        {
            if (line.Number > NpmrcLimits.MaxLines)
                throw new NpmrcLimitException(NpmrcLimit.Lines, line.Number, $"has more than {NpmrcLimits.MaxLines:N0} lines (the limit)");
            if (line.Kind == NpmrcLineKind.Setting || line.Kind == NpmrcLineKind.Section)
            {
                if (++settings > NpmrcLimits.MaxSettings)
                    throw new NpmrcLimitException(NpmrcLimit.Settings, line.Number,
                        $"sets more than {NpmrcLimits.MaxSettings:N0} keys and sections (the limit)");
                var name = line.Kind == NpmrcLineKind.Section ? line.SectionName! : line.RawKey!;
                if (Count(name, '.') >= NpmrcLimits.MaxNesting)
                    throw new NpmrcLimitException(NpmrcLimit.Nesting, line.Number,
                        $"names a key or section of more than {NpmrcLimits.MaxNesting} dot-separated parts (the limit), which npm's ini parser would nest that deep");
            }
            lines.Add(line);
        }

        private static NpmrcLimitException LineTooLong(int number) =>
            new NpmrcLimitException(NpmrcLimit.LineLength, number,
                $"has a line longer than {NpmrcLimits.MaxLineBytes >> 20} MiB (the limit; the longest real value, an inline CA bundle, is about 220 KB)");

        private static int Count(string text, char c)
        {
            int n = 0;
            foreach (var ch in text) if (ch == c) n++;
            return n;
        }

        private static NpmrcLine MakeLine(byte[] bytes, int start, int length, int termLength, int number)
        {
            var content = new byte[length];
            Buffer.BlockCopy(bytes, start, content, 0, length);
            var terminator = new byte[termLength];
            Buffer.BlockCopy(bytes, start + length, terminator, 0, termLength);
            return new NpmrcLine(number, content, terminator, Utf8.GetString(content));
        }

        /// <summary>The document's bytes: the original file when nothing was changed.</summary>
        public byte[] ToBytes()
        {
            using var ms = new MemoryStream();
            foreach (var line in _lines)
            {
                ms.Write(line.Content, 0, line.Content.Length);
                ms.Write(line.Terminator, 0, line.Terminator.Length);
            }
            return ms.ToArray();
        }

        /// <summary>The line ending this file uses most ("\n" when it has none).</summary>
        public string PreferredNewLine
        {
            get
            {
                int lf = 0, crlf = 0, cr = 0;
                foreach (var l in _lines)
                {
                    if (l.Terminator.Length == 2) crlf++;
                    else if (l.Terminator.Length == 1 && l.Terminator[0] == (byte)'\n') lf++;
                    else if (l.Terminator.Length == 1) cr++;
                }
                if (crlf > lf && crlf >= cr) return "\r\n";
                if (cr > lf && cr > crlf) return "\r";
                return "\n";
            }
        }

        /// <summary>What npm makes of this document: ini.decode with provenance.</summary>
        public IniDecodeResult Decode() => IniDecoder.Decode(this);

        // ---- editing (used by remediation): every edit keeps all other lines byte-for-byte ----

        /// <summary>Replaces the text of line <paramref name="lineNumber"/> (1-based), keeping its terminator.</summary>
        public NpmrcDocument WithLineText(int lineNumber, string text)
        {
            if (lineNumber < 1 || lineNumber > _lines.Count) throw new ArgumentOutOfRangeException(nameof(lineNumber));
            var lines = new List<NpmrcLine>(_lines);
            var old = _lines[lineNumber - 1];
            lines[lineNumber - 1] = new NpmrcLine(lineNumber, Utf8.GetBytes(text), old.Terminator, text);
            return new NpmrcDocument(lines, Path);
        }

        /// <summary>Appends a line at the end; a file without a final newline first gets one in its own style.</summary>
        public NpmrcDocument WithAppendedLine(string text)
        {
            var lines = new List<NpmrcLine>(_lines);
            var newline = Utf8.GetBytes(PreferredNewLine);
            if (lines.Count > 0 && lines[lines.Count - 1].Terminator.Length == 0)
            {
                var last = lines[lines.Count - 1];
                lines[lines.Count - 1] = new NpmrcLine(last.Number, last.Content, newline, last.Text);
                lines.Add(new NpmrcLine(lines.Count + 1, Utf8.GetBytes(text), Array.Empty<byte>(), text));
            }
            else
            {
                lines.Add(new NpmrcLine(lines.Count + 1, Utf8.GetBytes(text), newline, text));
            }
            return new NpmrcDocument(lines, Path);
        }

        /// <summary>Removes line <paramref name="lineNumber"/> (1-based) with its terminator.</summary>
        public NpmrcDocument WithoutLine(int lineNumber)
        {
            if (lineNumber < 1 || lineNumber > _lines.Count) throw new ArgumentOutOfRangeException(nameof(lineNumber));
            var lines = new List<NpmrcLine>(_lines);
            lines.RemoveAt(lineNumber - 1);
            // Lines are shared between documents, so renumbering makes new ones.
            for (int i = lineNumber - 1; i < lines.Count; i++)
                lines[i] = new NpmrcLine(i + 1, lines[i].Content, lines[i].Terminator, lines[i].Text);
            return new NpmrcDocument(lines, Path);
        }
    }
}
