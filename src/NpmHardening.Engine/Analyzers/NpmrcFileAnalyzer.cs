using System;
using System.Collections.Generic;
using NpmHardening.Engine.Credentials;
using NpmHardening.Engine.Findings;

namespace NpmHardening.Engine.Analyzers
{
    /// <summary>
    /// The credentials of one npmrc file, line by line (Test-NpmrcToken -Path): the same judgement of a stored secret
    /// that the posture audit uses (<see cref="CredentialSeverity"/>), so a line gets one rule and one severity from both.
    /// </summary>
    public sealed class NpmrcFileAnalyzer : INpmAnalyzer<string>
    {
        private readonly NpmTokenScanner _scanner;

        public NpmrcFileAnalyzer(NpmTokenScanner scanner) => _scanner = scanner ?? throw new ArgumentNullException(nameof(scanner));

        public IReadOnlyCollection<string> RuleIds { get; } = new[] { "NPMH2002", "NPMH7001", "NPMH7002", "NPMH7003", "NPMH8001", "NPMH9002" };

        public IEnumerable<NpmFinding> Analyze(string input) => _scanner.ScanFile(input);
    }
}
