using System;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>Whether this Windows process runs under Wine (known by its HKLM\Software\Wine key, as the Pester suite's Test-UnderWine knows it).</summary>
    public static class UnderWine
    {
        private static readonly Lazy<bool> Detected = new Lazy<bool>(() =>
        {
            if (!OperatingSystem.IsWindows()) return false;
            using var key = Microsoft.Win32.Registry.LocalMachine.OpenSubKey(@"Software\Wine");
            return key != null;
        });

        public static bool IsWine => Detected.Value;
    }
}
