using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>Reads one CI platform's definition files into the platform-neutral model. One class per platform.</summary>
    internal interface ICiDefinitionReader
    {
        CiPlatform Platform { get; }

        /// <summary>Whether this reader owns the file at <paramref name="relativePath"/> ('/'-separated, from the repository root).</summary>
        bool Claims(string relativePath);

        /// <summary>The definitions in the file, with in-repository includes, templates and local actions resolved
        /// through <paramref name="repository"/>. Throws <see cref="CiDefinitionException"/> for a file that cannot be read
        /// or parsed; the caller reports it and goes on.</summary>
        IEnumerable<CiDefinition> Read(CiRepository repository, string relativePath);
    }

    /// <summary>
    /// A repository as the readers see it: files by relative path, read through a reader that the scanning code makes
    /// safe (bounded size, no special files, no links out of the root). Readers never touch the file system directly,
    /// which also lets tests hand them an in-memory tree.
    /// </summary>
    internal abstract class CiRepository
    {
        protected CiRepository(string root) { Root = root ?? throw new ArgumentNullException(nameof(root)); }

        /// <summary>The repository root as the user named it (for messages and output).</summary>
        public string Root { get; }

        /// <summary>The text of the file at <paramref name="relativePath"/>, or null when it does not exist. Throws
        /// <see cref="CiDefinitionException"/> when it exists but cannot be used (too large, not text, a link leaving the root).</summary>
        public abstract string? ReadText(string relativePath);

        /// <summary>Whether a file exists at <paramref name="relativePath"/> (for references such as a workflow file name).</summary>
        public abstract bool FileExists(string relativePath);
    }

    /// <summary>A CI file that cannot be read or parsed; the message says what and where, never file content beyond a key name.</summary>
    internal sealed class CiDefinitionException : Exception
    {
        public CiDefinitionException(string file, int line, string reason, Exception? inner = null)
            : base(line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason, inner)
        {
            File = file; Line = line; Reason = reason;
        }

        public string File { get; }
        public int Line { get; }
        public string Reason { get; }
    }
}
