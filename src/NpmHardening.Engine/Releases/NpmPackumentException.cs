using System;

namespace NpmHardening.Engine.Releases
{
    /// <summary>A package document that cannot be read: not JSON, not an object, or larger than the reader's limit.</summary>
    public sealed class NpmPackumentException : Exception
    {
        public NpmPackumentException(string message) : base(message) { }

        /// <summary>The document went past the size limit (the rest was not read).</summary>
        public bool TooLarge { get; set; }
    }
}
