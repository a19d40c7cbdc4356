using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NpmHardening.Engine.Reports
{
    /// <summary>
    /// A forward-only JSON writer over a <see cref="TextWriter"/>: the reports stream their findings through it, so a
    /// log of 100,000 results is never held as a document. Commas and indentation are tracked here; strings are
    /// escaped so that the output is also safe inside an HTML &lt;script&gt; element (&lt;, &gt;, &amp; and the two
    /// JavaScript line separators are written as \u escapes).
    /// </summary>
    public sealed class ReportJsonWriter
    {
        private readonly TextWriter _out;
        private readonly bool _indent;
        // one entry per open container: whether it already holds a member
        private readonly Stack<bool> _hasMember = new Stack<bool>();
        private bool _afterName;

        public ReportJsonWriter(TextWriter output, bool indent)
        {
            _out = output ?? throw new ArgumentNullException(nameof(output));
            _indent = indent;
        }

        public void StartObject() { BeforeValue(); _out.Write('{'); _hasMember.Push(false); }
        public void EndObject() => End('}');
        public void StartArray() { BeforeValue(); _out.Write('['); _hasMember.Push(false); }
        public void EndArray() => End(']');

        public void Name(string name)
        {
            if (_hasMember.Count == 0) throw new InvalidOperationException("A property name outside an object.");
            Separate();
            WriteEscaped(_out, name);
            _out.Write(_indent ? ": " : ":");
            _afterName = true;
        }

        public void String(string? value)
        {
            if (value == null) { Null(); return; }
            BeforeValue();
            WriteEscaped(_out, value);
        }

        public void Number(long value) { BeforeValue(); _out.Write(value.ToString(CultureInfo.InvariantCulture)); }
        public void Number(double value) { BeforeValue(); _out.Write(value.ToString("0.0###", CultureInfo.InvariantCulture)); }
        public void Bool(bool value) { BeforeValue(); _out.Write(value ? "true" : "false"); }
        public void Null() { BeforeValue(); _out.Write("null"); }

        /// <summary>A property with a string value; nothing is written when <paramref name="value"/> is null and <paramref name="skipNull"/> is set.</summary>
        public void Property(string name, string? value, bool skipNull = false)
        {
            if (value == null && skipNull) return;
            Name(name);
            String(value);
        }

        public void Property(string name, long value) { Name(name); Number(value); }

        public void NullableProperty(string name, int? value)
        {
            Name(name);
            if (value is int v) Number(v); else Null();
        }

        private void BeforeValue()
        {
            if (_afterName) { _afterName = false; return; }
            if (_hasMember.Count > 0) Separate();
        }

        private void Separate()
        {
            bool has = _hasMember.Pop();
            if (has) _out.Write(',');
            _hasMember.Push(true);
            NewLine(_hasMember.Count);
        }

        private void End(char close)
        {
            bool has = _hasMember.Pop();
            if (has) NewLine(_hasMember.Count);
            _out.Write(close);
            if (_hasMember.Count == 0 && _indent) _out.Write('\n');
        }

        private void NewLine(int depth)
        {
            if (!_indent) return;
            _out.Write('\n');
            for (int i = 0; i < depth; i++) _out.Write("  ");
        }

        /// <summary>Writes <paramref name="value"/> as a quoted JSON string.</summary>
        public static void WriteEscaped(TextWriter output, string value)
        {
            output.Write('"');
            int start = 0;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                string? escape = c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    '<' => "\\u003c",
                    '>' => "\\u003e",
                    '&' => "\\u0026",
                    '\u2028' => "\\u2028",
                    '\u2029' => "\\u2029",
                    _ when c < 0x20 => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (escape == null) continue;
                if (i > start) output.Write(value.ToCharArray(start, i - start));
                output.Write(escape);
                start = i + 1;
            }
            if (start < value.Length) output.Write(start == 0 ? value : value.Substring(start));
            output.Write('"');
        }
    }
}
