namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// How much configuration NpmHardening reads from one source. npm itself has almost no limits: it reads a config file
    /// whole into one JavaScript string (up to V8's 2^29-24 characters, about 512 MiB), splits it into lines and builds an
    /// object of every key, then on every command checks every key against its ~190 definitions and warns once for each
    /// unknown one. Measured with npm 11.19.1 on this project's bench machine, a file of 100,000 scoped registries costs npm
    /// 3.9 s and 160 MB before any command runs, 1,000,000 cost 30 s and 1 GB, and 40,000 unknown keys 30 s (the warnings
    /// grow quadratically). No configuration anybody maintains comes near that: npm defines about 190 keys, a registry
    /// needs at most eight credential keys, a scope one line. So the limits below are far above any real file and far
    /// below what makes npm unusable; beyond them a source is not audited at all (a partial audit could miss the line that
    /// matters) and the result is an error, never a pass. They also bound what the audit holds in memory: about 20 times
    /// <see cref="MaxFileBytes"/> per file in the worst case, linear in the file below that.
    /// </summary>
    public static class NpmrcLimits
    {
        /// <summary>Bytes of one config file: 8 MiB, some 4,000 times a large real .npmrc. Checked on the open file before reading.</summary>
        public const long MaxFileBytes = 8L << 20;

        /// <summary>Physical lines of one file (comments and blank lines included): 100,000.</summary>
        public const int MaxLines = 100_000;

        /// <summary>
        /// Lines that set a key or open a <c>[section]</c>: 10,000 — fifty times npm's whole set of definitions, room for
        /// over a thousand registries with every credential key each.
        /// </summary>
        public const int MaxSettings = 10_000;

        /// <summary>
        /// Bytes of one line: 1 MiB. The longest legitimate value is an inline CA bundle (<c>ca=</c>); Mozilla's whole
        /// bundle is about 220 KB.
        /// </summary>
        public const int MaxLineBytes = 1 << 20;

        /// <summary>
        /// Dot-separated parts in a <c>[section]</c> name (or a key that npm's ini parser nests): 64. Each part is one more
        /// level of nested objects, and nothing npm reads is nested at all.
        /// </summary>
        public const int MaxNesting = 64;

        /// <summary>Characters one key or value may grow to through <c>${VAR}</c> references: 1 Mi, as a line.</summary>
        public const int MaxExpandedChars = 1 << 20;

        /// <summary>
        /// Characters that <c>${VAR}</c> references may add over one whole source (a file, or the environment): 8 Mi. A
        /// 32-byte line of eight references to a 128 KiB variable expands to 1 MiB; ten thousand such lines would be 10 GiB.
        /// </summary>
        public const long MaxExpansionCharsPerSource = 8L << 20;
    }
}
