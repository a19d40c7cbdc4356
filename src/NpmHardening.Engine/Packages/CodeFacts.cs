using System;

namespace NpmHardening.Engine.Packages
{
    /// <summary>Capabilities a JavaScript file reaches for that an install-time or import-time payload needs.</summary>
    [Flags]
    internal enum CodePrimitive
    {
        None = 0,
        /// <summary><c>require('child_process')</c>, <c>import … from 'node:child_process'</c>.</summary>
        ProcessExecution = 1,
        /// <summary><c>eval(</c>, <c>new Function</c>, the <c>vm</c> module.</summary>
        DynamicCode = 2,
        /// <summary>The <c>net</c>, <c>dgram</c> or <c>dns</c> modules (sockets and lookups below HTTP).</summary>
        RawNetwork = 4,
        /// <summary>The whole of <c>process.env</c> enumerated or serialised (<c>JSON.stringify(process.env)</c>, <c>Object.keys(process.env)</c>, <c>for … in process.env</c>).</summary>
        EnvironmentHarvest = 8,
        /// <summary>A string naming a credential store: <c>.npmrc</c>, <c>.ssh</c>, cloud CLI credentials.</summary>
        CredentialPath = 16,
    }

    /// <summary>Signs that a file's code is minified or deliberately obscured.</summary>
    [Flags]
    internal enum CodeStyle
    {
        None = 0,
        /// <summary>Very long lines: a bundler's or minifier's output.</summary>
        Minified = 1,
        /// <summary>A string of many <c>\x</c>/<c>\u</c> escapes or a long run of hex digits.</summary>
        HexBlob = 2,
        /// <summary>A long string literal with the entropy of compressed or encrypted data.</summary>
        HighEntropy = 4,
        /// <summary>Many <c>_0x…</c> identifiers, the mark of javascript-obfuscator.</summary>
        ObfuscatorNames = 8,
    }

    /// <summary>What the scanner found in one file: primitives with the first line each appears on, and style signs.</summary>
    internal sealed class CodeFacts
    {
        private readonly int[] _lines = new int[5];

        public CodePrimitive Primitives { get; private set; }
        public CodeStyle Style { get; set; }
        public int LongestLine { get; set; }
        /// <summary>The scan stopped at the byte bound: the facts cover the file's start only.</summary>
        public bool Partial { get; set; }

        public void Add(CodePrimitive primitive, int line)
        {
            if ((Primitives & primitive) != 0) return;
            Primitives |= primitive;
            _lines[Index(primitive)] = line;
        }

        /// <summary>The 1-based line where <paramref name="primitive"/> first appears; 0 when it does not.</summary>
        public int LineOf(CodePrimitive primitive) => (Primitives & primitive) != 0 ? _lines[Index(primitive)] : 0;

        private static int Index(CodePrimitive p)
        {
            int i = 0, v = (int)p;
            while (v > 1) { v >>= 1; i++; }
            return i;
        }
    }
}
