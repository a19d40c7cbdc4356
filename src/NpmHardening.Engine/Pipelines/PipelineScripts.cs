using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Pipelines
{
    /// <summary>
    /// The one place the publish-path finder meets shell analysis (Pipelines/Shell): a step's script → its
    /// <see cref="ScriptFact"/> list. Until the shell analysis is merged, scripts yield no facts (only actions are found).
    /// </summary>
    internal static class PipelineScripts
    {
        public static readonly ScriptAnalysis Default = Analyze;

        public static IReadOnlyList<ScriptFact> Analyze(CiRepository repository, CiStep step) => Array.Empty<ScriptFact>();
    }
}
