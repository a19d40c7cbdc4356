using System;
using System.IO;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using System.Text;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Remediation;
using NpmHardening.Engine.Tests.Support;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>
    /// The Windows half of a new file's owner and DACL, on a real NTFS file: the P/Invoke signatures, the
    /// descriptor the pure code builds, and what the handle-based replace keeps. Skipped (with the reason) on other systems.
    /// </summary>
    public sealed class WindowsFileSecurityRuntimeTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "npmh-acl-" + Guid.NewGuid().ToString("N"));

        public WindowsFileSecurityRuntimeTests() { Directory.CreateDirectory(_dir); }

        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

        [SupportedOSPlatform("windows")]
        private static string Me => WindowsIdentity.GetCurrent().User!.Value;

        [SupportedOSPlatform("windows")]
        private static string Sddl(string path)
        {
            var bytes = WindowsFileSecurity.ReadSecurityDescriptor(path);
            Assert.NotNull(bytes);
            return new RawSecurityDescriptor(bytes!, 0).GetSddlForm(AccessControlSections.Owner | AccessControlSections.Access);
        }

        [WindowsFact]
        [SupportedOSPlatform("windows")]
        public void TheCurrentProfileIsFoundInTheProfileList()
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(Me, UserProfiles.WindowsProfileSid(home));
            Assert.Equal(Me, UserProfiles.WindowsProfileSid(Path.Combine(home, "AppData")));
        }

        [WindowsFact(SkipUnderWine = "Wine keeps a file's ACL as Unix mode bits, so the protected flag and entries other than owner, SYSTEM and Everyone do not read back (build.ps1 TestWindows, README).")]
        [SupportedOSPlatform("windows")]
        public void ANewUserConfigGetsTheProfilesUserAndAProtectedOwnerOnlyDacl()
        {
            var path = Path.Combine(_dir, ".npmrc");
            var options = new AtomicWriteOptions
            {
                NewFileOwnerFromDirectory = true,
                NewFileOwnerOnly = true,
                NewFileProfileFolder = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            };
            using var target = SystemFileWriter.Instance.Open(path, new WriteTargetPolicy());
            var warnings = target.Replace(Encoding.UTF8.GetBytes("strict-ssl=true\n"), options);

            Assert.Empty(warnings);
            Assert.Equal("strict-ssl=true\n", File.ReadAllText(path));
            var sddl = Sddl(path);
            // SetNamedSecurityInfoW may add the auto-inherited flag (AI); the ACEs are exactly ours, none inherited (no ID flag).
            Assert.Matches(new Regex("^O:" + Regex.Escape(Me) + @"D:PA?I?\(A;;FA;;;" + Regex.Escape(Me) + @"\)\(A;;FA;;;SY\)\(A;;FA;;;BA\)$"), sddl);
            var info = WindowsFileSecurity.Read(path)!;
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
            Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        }

        [WindowsFact(SkipUnderWine = "Wine keeps a file's ACL as Unix mode bits, so the protected flag and entries other than owner, SYSTEM and Everyone do not read back (build.ps1 TestWindows, README).")]
        [SupportedOSPlatform("windows")]
        public void AnExistingFileKeepsItsOwnerAndDaclThroughTheReplace()
        {
            var path = Path.Combine(_dir, ".npmrc");
            File.WriteAllText(path, "strict-ssl=false\n");
            // A DACL the folder would never give it (protected, plus read for Users), so inheritance cannot explain it afterwards.
            var wanted = new RawSecurityDescriptor($"O:{Me}D:P(A;;FA;;;{Me})(A;;FA;;;SY)(A;;FA;;;BA)(A;;FR;;;BU)");
            var bytes = new byte[wanted.BinaryLength];
            wanted.GetBinaryForm(bytes, 0);
            using (var handle = WindowsNative.Open(path, WindowsNative.WriteDac | WindowsNative.WriteOwner | WindowsNative.ReadControl, 7, WindowsNative.OpenExisting, 0))
                Assert.Null(WindowsSecurity.Apply(handle, bytes, withDacl: true));
            var set = Sddl(path);
            Assert.Contains("(A;;FR;;;BU)", set);

            using var target = SystemFileWriter.Instance.Open(path, new WriteTargetPolicy());
            var warnings = target.Replace(Encoding.UTF8.GetBytes("strict-ssl=true\n"), new AtomicWriteOptions());

            Assert.Empty(warnings);
            Assert.Equal("strict-ssl=true\n", File.ReadAllText(path));
            Assert.Equal(set, Sddl(path));
        }
    }
}
