using Microsoft.PowerShell;

namespace NpmHardening.WindowsHost
{
    internal static class Program
    {
        // PowerShell's own console shell: the same command line, prompt and exit codes as pwsh.exe.
        private static int Main(string[] args) => ConsoleShell.Start(null, null, args);
    }
}
