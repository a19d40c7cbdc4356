using System.IO;

namespace NpmHardening.Engine.Platform
{
    /// <summary>
    /// A scope's shell and environment start-up files are beyond what NpmHardening reads
    /// (<see cref="PersistentEnvironment.MaxScopeBytes"/>, <see cref="PersistentEnvironment.MaxScopeVariables"/>,
    /// <see cref="PersistentEnvironment.MaxFilesPerFolder"/>). The scope's variables are then not used at all, and the
    /// callers report the scope as unreadable: an error, never a silent pass.
    /// </summary>
    internal sealed class PersistentEnvironmentLimitException : IOException
    {
        public PersistentEnvironmentLimitException(string message) : base(message) { }
    }
}
