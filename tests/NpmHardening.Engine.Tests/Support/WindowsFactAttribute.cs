using System;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>A fact that runs on Windows and is reported as skipped, with the reason, everywhere else.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class WindowsFactAttribute : FactAttribute
    {
        public WindowsFactAttribute()
        {
            if (!OperatingSystem.IsWindows()) Skip = "Windows only: calls the Win32 security APIs (advapi32) on a real NTFS file.";
        }

        /// <summary>Set when Wine cannot show what the test asserts: the test is then skipped there, with this reason.</summary>
        public string? SkipUnderWine
        {
            get => null;
            set { if (value != null && UnderWine.IsWine) Skip = "Not under Wine: " + value; }
        }
    }
}
