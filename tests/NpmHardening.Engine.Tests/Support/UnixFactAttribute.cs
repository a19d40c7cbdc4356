using System;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>
    /// A fact about Unix behaviour (modes, owners, links, start-up files) that is reported as skipped on Windows, with
    /// the reason, instead of returning early and counting as passed there (the engine's Windows classes also run under
    /// Wine: build.ps1 -Task TestWindows). The test keeps its own OperatingSystem check for the platform analyzer.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class UnixFactAttribute : FactAttribute
    {
        public UnixFactAttribute(string why)
        {
            if (OperatingSystem.IsWindows()) Skip = "Unix only: " + why;
        }
    }
}
