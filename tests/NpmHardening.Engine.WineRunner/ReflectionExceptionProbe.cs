using System;
using System.Reflection;

namespace NpmHardening.Engine.WineRunner
{
    /// <summary>
    /// The Wine limit that decides how the runner runs tests, shown without xunit: the same method, called through
    /// MethodInfo.Invoke (as xunit 2 calls every test method), throws four times on one thread, each exception caught
    /// by the caller. On Linux and Windows it prints four lines and "done"; under Wine 8 with .NET 10 (win-x64) the
    /// second throw never comes back (README, "TestWindows"). Run: wine NpmHardening.Engine.WineRunner.exe --probe-reflection-exceptions
    /// </summary>
    internal static class ReflectionExceptionProbe
    {
        public static void Throw(int round) => throw new InvalidOperationException("probe exception " + round);

        public static int Run()
        {
            var method = typeof(ReflectionExceptionProbe).GetMethod(nameof(Throw))!;
            for (var round = 1; round <= 4; round++)
            {
                Console.WriteLine($"round {round}: throwing through MethodInfo.Invoke");
                try { method.Invoke(null, new object[] { round }); }
                catch (TargetInvocationException e) { Console.WriteLine($"round {round}: caught \"{e.InnerException!.Message}\""); }
            }
            Console.WriteLine("done");
            return 0;
        }
    }
}
