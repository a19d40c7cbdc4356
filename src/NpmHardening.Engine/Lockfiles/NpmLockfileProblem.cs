namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>
    /// Something wrong in a lockfile that did not stop the reader: a duplicate key (the last one wins, as in
    /// JSON.parse, so npm sees only that one while a reviewer may read the first).
    /// </summary>
    public sealed class NpmLockfileProblem
    {
        public NpmLockfileProblem(string kind, int line, string message)
        {
            Kind = kind;
            Line = line;
            Message = message;
        }

        /// <summary><c>DuplicateKey</c>.</summary>
        public string Kind { get; }
        /// <summary>1-based line of the later (winning) occurrence.</summary>
        public int Line { get; }
        public string Message { get; }
    }
}
