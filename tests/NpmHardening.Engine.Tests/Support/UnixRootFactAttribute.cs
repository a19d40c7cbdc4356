using System;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>A test that plays several Unix accounts, so it needs root (to give files away); CI runs as root.</summary>
    public sealed class UnixRootFactAttribute : FactAttribute
    {
        public UnixRootFactAttribute()
        {
            if (OperatingSystem.IsWindows()) Skip = "Unix only: descriptor-based file access.";
            else if (Environment.UserName != "root") Skip = "Needs root, to create files of other accounts (CI runs as root).";
        }
    }
}
