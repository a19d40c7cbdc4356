using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;
using Ace = NpmHardening.Engine.Tests.Support.WindowsDescriptorBuilder.Ace;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>
    /// The Windows ACL classification, run on any OS: self-relative security descriptors built here (and
    /// byte fixtures produced by another implementation) go through the same parser the Windows code uses.
    /// </summary>
    public class WindowsSecurityDescriptorTests
    {
        private static byte[] SidBytes(string sid) => WindowsDescriptorBuilder.SidBytes(sid);
        private static byte[] Descriptor(string? owner, IReadOnlyList<Ace>? dacl) => WindowsDescriptorBuilder.Descriptor(owner, dacl);

        private const string Bob = "S-1-5-21-1111-2222-3333-1001";
        private const string Alice = "S-1-5-21-1111-2222-3333-1002";
        private const string SystemSid = "S-1-5-18", Administrators = "S-1-5-32-544", Users = "S-1-5-32-545";
        private const string Everyone = "S-1-1-0", AuthenticatedUsers = "S-1-5-11", CreatorOwner = "S-1-3-0";
        private const string TrustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";

        private const byte Allow = 0, Deny = 1, AllowCallback = 9, DenyCallback = 10;
        private const byte Inherited = 0x10, InheritOnly = 0x08, ObjectInherit = 0x01, ContainerInherit = 0x02;
        private const uint FullControl = 0x001F01FF, Modify = 0x001301BF, ReadExecute = 0x001200A9, ReadOnly = 0x00120089;

        private static FileAccessInfo Classify(string? owner, params Ace[] aces) =>
            WindowsSecurityDescriptor.ToFileAccess(@"C:\Users\bob\.npmrc", Descriptor(owner, aces), Name)!;

        private static string Name(WindowsSid sid) => sid.Value switch
        {
            Bob => @"CONTOSO\bob",
            Alice => @"CONTOSO\alice",
            _ => WindowsSecurityDescriptor.WellKnownNameOrSid(sid),
        };

        private static IReadOnlyList<Ace> ProfileDefault => new[]
        {
            new Ace(Allow, Inherited, FullControl, SystemSid),
            new Ace(Allow, Inherited, FullControl, Administrators),
            new Ace(Allow, Inherited, FullControl, Bob),
        };

        // ------------------------------------------------------------ classification

        [Fact]
        public void TheLengthOfADescriptorReadFromAHandleComesFromItsOwnOffsets()
        {
            // GetSecurityInfo hands back a pointer: the copy must take exactly the descriptor, not what follows it in memory
            var descriptors = new (byte[] Sd, string? Owner)[]
            {
                (Descriptor(Bob, ProfileDefault), Bob), (Descriptor(null, ProfileDefault), null), (Descriptor(Bob, null), Bob),
                (Descriptor(TrustedInstaller, new[] { new Ace(Allow, 0, FullControl, Everyone) }), TrustedInstaller),
            };
            foreach (var (sd, owner) in descriptors)
            {
                var memory = sd.Concat(Enumerable.Repeat((byte)0xCC, 64)).ToArray();
                Assert.Equal(sd.Length, WindowsHandleSecurity.SelfRelativeLength(i => memory[i]));
                Assert.Equal(owner, new WindowsHandleSecurity.Descriptor(sd).OwnerSid);
            }
            var absolute = Descriptor(Bob, ProfileDefault);
            absolute[3] &= 0x7F; // SE_SELF_RELATIVE cleared: pointers, not offsets
            Assert.Equal(-1, WindowsHandleSecurity.SelfRelativeLength(i => absolute[i]));
        }

        [Fact]
        public void ProfileDefaultAclIsOwnerOnly()
        {
            var info = Classify(Bob, ProfileDefault.ToArray());
            Assert.Equal(@"CONTOSO\bob", info.Owner);
            Assert.Null(info.UnixMode);
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
            Assert.Equal("(owner only)", info.Summary);
        }

        [Fact]
        public void UsersWithReadAndExecuteCanReadNotWrite()
        {
            var info = Classify(Bob, ProfileDefault.Append(new Ace(Allow, Inherited, ReadExecute, Users)).ToArray());
            Assert.Equal(new[] { @"BUILTIN\Users" }, info.OtherReaders);
            Assert.Empty(info.OtherWriters);
        }

        [Fact]
        public void AuthenticatedUsersWithModifyCanReadAndWrite()
        {
            var info = Classify(Bob, ProfileDefault.Append(new Ace(Allow, 0, Modify, AuthenticatedUsers)).ToArray());
            Assert.Equal(new[] { @"NT AUTHORITY\Authenticated Users" }, info.OtherReaders);
            Assert.Equal(new[] { @"NT AUTHORITY\Authenticated Users" }, info.OtherWriters);
        }

        [Fact]
        public void GenericRightsAreMappedToFileRights()
        {
            var info = Classify(Bob, new Ace(Allow, 0, 0x80000000 /* GENERIC_READ */, Everyone), new Ace(Allow, 0, 0x40000000 /* GENERIC_WRITE */, Alice));
            Assert.Equal(new[] { "Everyone" }, info.OtherReaders);
            Assert.Equal(new[] { @"CONTOSO\alice" }, info.OtherWriters);

            var all = Classify(Bob, new Ace(Allow, 0, 0x10000000 /* GENERIC_ALL */, Users));
            Assert.Equal(new[] { @"BUILTIN\Users" }, all.OtherReaders);
            Assert.Equal(new[] { @"BUILTIN\Users" }, all.OtherWriters);
        }

        [Fact]
        public void WriteDacAndWriteOwnerCountAsWriting()
        {
            var dac = Classify(Bob, new Ace(Allow, 0, 0x00040000, Alice));
            Assert.Empty(dac.OtherReaders);
            Assert.Equal(new[] { @"CONTOSO\alice" }, dac.OtherWriters);
            var owner = Classify(Bob, new Ace(Allow, 0, 0x00080000, Alice));
            Assert.Equal(new[] { @"CONTOSO\alice" }, owner.OtherWriters);
        }

        [Fact]
        public void AppendDataCountsAsWriting()
        {
            var info = Classify(Bob, new Ace(Allow, 0, 0x0004, Users));
            Assert.Empty(info.OtherReaders);
            Assert.Equal(new[] { @"BUILTIN\Users" }, info.OtherWriters);
        }

        [Fact]
        public void RightsWithoutReadDataOrWriteDataAreNotReported()
        {
            // READ_CONTROL | SYNCHRONIZE | FILE_READ_ATTRIBUTES | FILE_READ_EA: can see metadata, not the token.
            var info = Classify(Bob, new Ace(Allow, 0, 0x00120088, Users), new Ace(Allow, 0, 0x00100020 /* execute */, Everyone));
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
        }

        [Fact]
        public void OwnerSystemAdministratorsAndTrustedInstallerAreNotOthers()
        {
            var info = Classify(Alice,
                new Ace(Allow, 0, FullControl, Alice), new Ace(Allow, 0, FullControl, SystemSid),
                new Ace(Allow, 0, FullControl, Administrators), new Ace(Allow, 0, FullControl, TrustedInstaller),
                new Ace(Allow, 0, FullControl, "S-1-3-4" /* OWNER RIGHTS */), new Ace(Allow, 0, FullControl, CreatorOwner));
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
        }

        [Fact]
        public void TheOwnerIsComparedBySidNotName()
        {
            // A file owned by Administrators (an elevated admin created it): the profile's user is then "another" principal.
            var info = Classify(Administrators, ProfileDefault.ToArray());
            Assert.Equal(@"BUILTIN\Administrators", info.Owner);
            Assert.Equal(new[] { @"CONTOSO\bob" }, info.OtherReaders);
            Assert.Equal(new[] { @"CONTOSO\bob" }, info.OtherWriters);
        }

        [Fact]
        public void InheritOnlyAcesDoNotApplyToTheFile()
        {
            var info = Classify(Bob, new Ace(Allow, ObjectInherit | ContainerInherit | InheritOnly, FullControl, Users));
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
        }

        [Fact]
        public void AnEarlierDenyWinsAndALaterDenyDoesNot()
        {
            // Canonical order: explicit deny before explicit allow.
            var denied = Classify(Bob, new Ace(Deny, 0, 0x1 /* ReadData */, Users), new Ace(Allow, 0, ReadExecute, Users));
            Assert.Empty(denied.OtherReaders);

            // An inherited deny after an explicit allow does not take the right back.
            var allowed = Classify(Bob, new Ace(Allow, 0, ReadExecute, Users), new Ace(Deny, Inherited, 0x1, Users));
            Assert.Equal(new[] { @"BUILTIN\Users" }, allowed.OtherReaders);

            // A deny of writing only leaves reading.
            var readOnly = Classify(Bob, new Ace(Deny, 0, 0x000D0116 /* write, append, WRITE_DAC/OWNER… */, Users), new Ace(Allow, 0, FullControl, Users));
            Assert.Equal(new[] { @"BUILTIN\Users" }, readOnly.OtherReaders);
            Assert.Empty(readOnly.OtherWriters);
        }

        [Fact]
        public void ADenyForAGroupDoesNotHideAnotherPrincipal()
        {
            // Group membership is not evaluated: we over-report rather than miss.
            var info = Classify(Bob, new Ace(Deny, 0, FullControl, Everyone), new Ace(Allow, 0, ReadOnly, Users));
            Assert.Equal(new[] { @"BUILTIN\Users" }, info.OtherReaders);
        }

        [Fact]
        public void ConditionalAllowCountsConditionalDenyDoesNot()
        {
            var info = Classify(Bob, new Ace(DenyCallback, 0, FullControl, Users), new Ace(AllowCallback, 0, ReadOnly, Users));
            Assert.Equal(new[] { @"BUILTIN\Users" }, info.OtherReaders);
        }

        [Fact]
        public void SeveralAcesForOnePrincipalAreReportedOnce()
        {
            var info = Classify(Bob, new Ace(Allow, 0, ReadOnly, Users), new Ace(Allow, Inherited, ReadExecute, Users), new Ace(Allow, 0, Modify, Everyone));
            Assert.Equal(new[] { @"BUILTIN\Users", "Everyone" }, info.OtherReaders);
            Assert.Equal(new[] { "Everyone" }, info.OtherWriters);
        }

        [Fact]
        public void UnknownSidsFallBackToTheSidString()
        {
            var stranger = "S-1-5-21-9-9-9-4242";
            var info = Classify(Bob, new Ace(Allow, 0, ReadOnly, stranger));
            Assert.Equal(new[] { stranger }, info.OtherReaders);
        }

        [Fact]
        public void NullDaclGrantsEveryoneEverything()
        {
            var info = WindowsSecurityDescriptor.ToFileAccess("x", Descriptor(Bob, null), Name)!;
            Assert.Equal(new[] { "Everyone" }, info.OtherReaders);
            Assert.Equal(new[] { "Everyone" }, info.OtherWriters);
        }

        [Fact]
        public void EmptyDaclGrantsNobodyAnything()
        {
            var info = WindowsSecurityDescriptor.ToFileAccess("x", Descriptor(Bob, Array.Empty<Ace>()), Name)!;
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
        }

        [Fact]
        public void MalformedDescriptorsAreUnknown()
        {
            var good = Descriptor(Bob, ProfileDefault);
            Assert.Null(WindowsSecurityDescriptor.Parse(Array.Empty<byte>()));
            Assert.Null(WindowsSecurityDescriptor.Parse(good.Take(good.Length - 3).ToArray())); // truncated ACE
            var absolute = (byte[])good.Clone();
            absolute[3] = 0; // SE_SELF_RELATIVE cleared: an absolute descriptor holds pointers, not offsets
            Assert.Null(WindowsSecurityDescriptor.Parse(absolute));
            var badOwner = (byte[])good.Clone();
            badOwner[4] = 0xF0; // owner offset beyond the end
            Assert.Null(WindowsSecurityDescriptor.Parse(badOwner));
        }

        [Theory]
        [InlineData("S-1-5-32-545")]
        [InlineData("S-1-1-0")]
        [InlineData("S-1-5-21-3623811015-3361044348-30300820-1013")]
        [InlineData("S-1-15-2-1")]
        [InlineData("S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464")]
        public void SidsRoundTrip(string sid)
        {
            var parsed = WindowsSecurityDescriptor.ReadSid(SidBytes(sid), 0);
            Assert.NotNull(parsed);
            Assert.Equal(sid, parsed!.Value.Value);
            Assert.Equal(SidBytes(sid), parsed.Value.Binary);
        }

        [Fact]
        public void LargeIdentifierAuthoritiesArePrintedInHex()
        {
            var bytes = new byte[] { 1, 1, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 7, 0, 0, 0 };
            Assert.Equal("S-1-0x123456789ABC-7", WindowsSecurityDescriptor.ReadSid(bytes, 0)!.Value.Value);
        }

        // ------------------------------------------------------------ fixtures written by another implementation

        private static byte[] Hex(string hex) => hex.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToByte(h, 16)).ToArray();

        [Fact]
        public void ForeignFixtureOwnerUsersOneAllowForNullSid()
        {
            // "O:BUG:BAD:(A;;RPWPCCDCLCSWRCWDWOGA;;;S-1-0-0)" as Mono's RawSecurityDescriptor tests encode it.
            var sd = Hex("01 00 04 80 14 00 00 00 24 00 00 00 00 00 00 00 34 00 00 00 01 02 00 00 00 00 00 05 20 00 00 00 21 02 00 00 "
                       + "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00 02 00 1C 00 01 00 00 00 00 00 14 00 3F 00 0E 10 01 01 00 00 "
                       + "00 00 00 00 00 00 00 00");
            var info = WindowsSecurityDescriptor.ToFileAccess("x", sd, WindowsSecurityDescriptor.WellKnownNameOrSid)!;
            Assert.Equal(@"BUILTIN\Users", info.Owner);
            Assert.Equal(new[] { "NULL SID" }, info.OtherReaders); // GENERIC_ALL and ReadData (0x1)
            Assert.Equal(new[] { "NULL SID" }, info.OtherWriters);
        }

        [Fact]
        public void ForeignFixtureWithoutDaclIsOpenToEveryone()
        {
            // "O:BUG:BA": owner and group, no DACL at all (a NULL DACL).
            var sd = Hex("01 00 00 80 14 00 00 00 24 00 00 00 00 00 00 00 00 00 00 00 01 02 00 00 00 00 00 05 20 00 00 00 21 02 00 00 "
                       + "01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");
            var info = WindowsSecurityDescriptor.ToFileAccess("x", sd, WindowsSecurityDescriptor.WellKnownNameOrSid)!;
            Assert.Equal(new[] { "Everyone" }, info.OtherReaders);
        }

        [Fact]
        public void ForeignFixtureAdministratorsOnlyAndAnObjectAce()
        {
            // Owner BU, group BA, SACL and DACL present; the DACL grants BA 0x7FFFFFFF: nobody else.
            var adminsOnly = Hex("01 00 14 80 14 00 00 00 24 00 00 00 34 00 00 00 3C 00 00 00 01 02 00 00 00 00 00 05 20 00 "
                               + "00 00 21 02 00 00 01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00 01 00 08 00 00 00 00 00 "
                               + "01 00 20 00 01 00 00 00 00 00 18 00 FF FF FF 7F 01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00");
            var info = WindowsSecurityDescriptor.ToFileAccess("x", adminsOnly, WindowsSecurityDescriptor.WellKnownNameOrSid)!;
            Assert.Equal(@"BUILTIN\Users", info.Owner);
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);

            // The same with an object ACE (directory objects only): skipped, the rest of the ACL still parses.
            var objectAce = Hex("01 00 14 80 14 00 00 00 24 00 00 00 34 00 00 00 3C 00 00 00 01 02 00 00 00 00 00 05 20 00 "
                              + "00 00 21 02 00 00 01 02 00 00 00 00 00 05 20 00 00 00 20 02 00 00 01 00 08 00 00 00 00 00 "
                              + "02 00 44 00 01 00 00 00 05 10 3C 00 78 56 34 12 03 00 00 00 C7 0D 9C 18 49 B8 EA 4D 93 A5 "
                              + "6D 4C B8 85 7A 5C D4 A3 B4 53 39 FE 8B 46 BC 60 B4 FC BA 77 2F A5 01 02 00 00 00 00 00 05 "
                              + "20 00 00 00 20 02 00 00");
            var parsed = WindowsSecurityDescriptor.Parse(objectAce);
            Assert.NotNull(parsed);
            Assert.Empty(parsed!.Readers);
        }

        // ------------------------------------------------------------ a new file's owner and owner-only DACL

        private const string BobHome = @"C:\Users\bob";

        [Fact]
        public void TheProfileSidWinsOverTheFolderOwner()
        {
            var plan = WindowsNewFileSecurity.Decide(Bob, Administrators, ownerOnly: true, out var warning);
            Assert.Null(warning);
            Assert.NotNull(plan);
            Assert.Equal(Bob, plan!.OwnerSid);
            Assert.Equal("profile", plan.Source);
            Assert.Equal($"O:{Bob}D:P(A;;FA;;;{Bob})(A;;FA;;;SY)(A;;FA;;;BA)", plan.Sddl);
            Assert.Equal(0x80000005u, plan.SecurityInformation); // PROTECTED_DACL | DACL | OWNER
        }

        [Fact]
        public void WithoutAProfileTheFolderOwnerIsUsedWhenItIsAPerson()
        {
            var plan = WindowsNewFileSecurity.Decide(null, Alice, ownerOnly: true, out var warning);
            Assert.Null(warning);
            Assert.Equal((Alice, "folder"), (plan!.OwnerSid, plan.Source));
            var entra = "S-1-12-1-1111-2222-3333-4444";
            Assert.Equal(entra, WindowsNewFileSecurity.Decide(null, entra, ownerOnly: true, out _)!.OwnerSid);
        }

        [Theory]
        [InlineData(SystemSid, @"NT AUTHORITY\SYSTEM")]
        [InlineData(Administrators, @"BUILTIN\Administrators")]
        [InlineData(TrustedInstaller, @"NT SERVICE\TrustedInstaller")]
        public void APrivateFileIsNeverGivenToAMachinePrincipalByFolderOwnership(string folderOwner, string name)
        {
            // SYSTEM running -AllUsers into a profile folder that SYSTEM owns: an owner-only DACL for SYSTEM would lock the user out.
            var plan = WindowsNewFileSecurity.Decide(null, folderOwner, ownerOnly: true, out var warning);
            Assert.Null(plan);
            Assert.Contains(name, warning);
            Assert.Contains("inherits from the folder", warning);

            var unreadable = WindowsNewFileSecurity.Decide(null, null, ownerOnly: true, out var why);
            Assert.Null(unreadable);
            Assert.Contains("cannot be read", why);
        }

        [Fact]
        public void AProjectFileTakesTheFolderOwnerWhoeverItIsAndKeepsItsInheritedAcl()
        {
            // Mirrors Unix, where a new project file is chowned to the folder's uid whatever it is; the DACL stays inherited.
            var plan = WindowsNewFileSecurity.Decide(null, Administrators, ownerOnly: false, out var warning);
            Assert.Null(warning);
            Assert.Equal(Administrators, plan!.OwnerSid);
            Assert.Equal("O:BA", plan.Sddl);
            Assert.Equal(0x1u, plan.SecurityInformation); // OWNER only: the inherited DACL is not touched
            var parsed = WindowsSecurityDescriptor.Parse(plan.Descriptor)!;
            Assert.Equal(Administrators, parsed.Owner!.Value.Value);
            Assert.Equal(0, BitConverter.ToInt32(plan.Descriptor, 16)); // no DACL in the descriptor

            Assert.Null(WindowsNewFileSecurity.Decide(null, null, ownerOnly: false, out var none));
            Assert.Null(none); // nothing to say: the creator keeps it, as with no folder owner on Unix
        }

        [Fact]
        public void SystemsOwnProfileGetsSystemAndAdministratorsOnceEach()
        {
            var plan = WindowsNewFileSecurity.Decide(SystemSid, SystemSid, ownerOnly: true, out _)!;
            Assert.Equal("O:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)", plan.Sddl);
            Assert.Equal(2, BitConverter.ToUInt16(plan.Descriptor, 20 + 12 + 4)); // ACE count of the ACL after the 12-byte SID
        }

        [Fact]
        public void TheOwnerOnlyDescriptorIsWhatAnIndependentWriterBuildsPlusTheProtectedBit()
        {
            var plan = WindowsNewFileSecurity.Decide(Bob, null, ownerOnly: true, out _)!;
            var expected = Descriptor(Bob, new[]
            {
                new Ace(Allow, 0, FullControl, Bob), new Ace(Allow, 0, FullControl, SystemSid), new Ace(Allow, 0, FullControl, Administrators),
            });
            var control = BitConverter.ToUInt16(plan.Descriptor, 2);
            Assert.Equal(0x8000 | 0x1000 | 0x0004, control); // SELF_RELATIVE | DACL_PROTECTED | DACL_PRESENT
            expected[3] |= 0x10; // the test writer never sets SE_DACL_PROTECTED (0x1000)
            Assert.Equal(expected, plan.Descriptor);
        }

        [Fact]
        public void TheOwnerOnlyDescriptorClassifiesAsOwnerOnly()
        {
            var plan = WindowsNewFileSecurity.Decide(Bob, null, ownerOnly: true, out _)!;
            var info = WindowsSecurityDescriptor.ToFileAccess(@"C:\Users\bob\.npmrc", plan.Descriptor, Name)!;
            Assert.Equal(@"CONTOSO\bob", info.Owner);
            Assert.Empty(info.OtherReaders);
            Assert.Empty(info.OtherWriters);
            Assert.Equal("(owner only)", info.Summary);

            // the same classifier does see an inherited Users ACE, which the protected DACL keeps off the new file
            var inherited = Classify(Bob, new Ace(Allow, Inherited, ReadExecute, Users));
            Assert.Equal(new[] { @"BUILTIN\Users" }, inherited.OtherReaders);
        }

        [Theory]
        [InlineData("S-1-5-18")]
        [InlineData("S-1-5-32-544")]
        [InlineData("S-1-5-21-3623811015-3361044348-30300820-1013")]
        [InlineData("S-1-12-1-1-2-3-4")]
        [InlineData("S-1-0x123456789ABC-7")]
        public void SidStringsBecomeTheBytesTheParserReadsBack(string sid)
        {
            var bytes = WindowsNewFileSecurity.SidToBytes(sid);
            Assert.NotNull(bytes);
            Assert.Equal(sid, WindowsSecurityDescriptor.ReadSid(bytes!, 0)!.Value.Value);
            if (!sid.Contains("0x")) Assert.Equal(SidBytes(sid), bytes);
        }

        [Theory]
        [InlineData("")]
        [InlineData("S-1")]
        [InlineData("S-2-5-18")]
        [InlineData("X-1-5-18")]
        [InlineData("S-1-5-abc")]
        [InlineData("S-1-5--18")]
        [InlineData("S-1-5-4294967296")]
        [InlineData("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16")]
        public void NonSidsAreRejectedAndDecideIgnoresThem(string bad)
        {
            Assert.Null(WindowsNewFileSecurity.SidToBytes(bad));
            Assert.Throws<ArgumentException>(() => WindowsNewFileSecurity.Descriptor(bad, true));
            // a garbage profile SID falls through to the folder owner rather than producing a broken descriptor
            Assert.Equal(Alice, WindowsNewFileSecurity.Decide(bad, Alice, ownerOnly: true, out _)!.OwnerSid);
        }

        [Fact]
        public void TheProfileOfAFolderIsTheLongestProfileListHomeHoldingIt()
        {
            var entries = new[]
            {
                new KeyValuePair<string, string?>("S-1-5-18", @"%systemroot%\system32\config\systemprofile"),
                new KeyValuePair<string, string?>(Bob, BobHome),
                new KeyValuePair<string, string?>(Alice, @"C:\Users\bob\nested-alice"),
                new KeyValuePair<string, string?>("S-1-5-21-1111-2222-3333-1003", @"C:\Users\bob2"),
                new KeyValuePair<string, string?>("S-1-5-21-1111-2222-3333-1004.bak", @"C:\Users\carol"),
                new KeyValuePair<string, string?>("S-1-5-21-1111-2222-3333-1005", null),
            };
            Func<string, string> expand = s => s.Replace("%systemroot%", @"C:\Windows");
            Assert.Equal(Bob, UserProfiles.ProfileSidForFolder(entries, expand, BobHome));
            Assert.Equal(Bob, UserProfiles.ProfileSidForFolder(entries, expand, @"c:\users\BOB\"));
            Assert.Equal(Bob, UserProfiles.ProfileSidForFolder(entries, expand, @"C:/Users/bob/src/app"));
            Assert.Equal(Alice, UserProfiles.ProfileSidForFolder(entries, expand, @"C:\Users\bob\nested-alice\x"));
            Assert.Equal("S-1-5-21-1111-2222-3333-1003", UserProfiles.ProfileSidForFolder(entries, expand, @"C:\Users\bob2"));
            Assert.Equal("S-1-5-18", UserProfiles.ProfileSidForFolder(entries, expand, @"C:\Windows\System32\config\systemprofile"));
            Assert.Null(UserProfiles.ProfileSidForFolder(entries, expand, @"C:\Users\carol"));
            Assert.Null(UserProfiles.ProfileSidForFolder(entries, expand, @"C:\Users\bo"));
            Assert.Null(UserProfiles.ProfileSidForFolder(entries, expand, @"D:\src"));
        }
    }
}
