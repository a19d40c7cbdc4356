using System;
using System.Linq;
using NpmHardening.Engine.Platform;
using NpmHardening.Engine.Tests.Support;
using Ace = NpmHardening.Engine.Tests.Support.WindowsDescriptorBuilder.Ace;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>
    /// Who controls an entry on Windows, from the folder's and the entry's security descriptors (the decision
    /// WindowsPathWalker makes before following a link or accepting a hard-linked file), on descriptors shaped like a
    /// default Windows install, run on any OS.
    /// </summary>
    public sealed class WindowsPathPolicyTests
    {
        private const string Bob = "S-1-5-21-1111-2222-3333-1001";
        private const string Operator = "S-1-5-21-1111-2222-3333-500";
        private const string SystemSid = "S-1-5-18", Administrators = "S-1-5-32-544", Users = "S-1-5-32-545", AuthenticatedUsers = "S-1-5-11", Everyone = "S-1-1-0";
        private const string TrustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464";
        private const byte Allow = 0, InheritOnly = 0x08, ObjectInherit = 0x01, ContainerInherit = 0x02;
        private const uint FullControl = 0x001F01FF, Modify = 0x001301BF, ReadExecute = 0x001200A9, AppendData = 0x4, Delete = 0x10000;

        private static bool Trusted(string sid) => WindowsSecurityDescriptor.Trusted.Contains(sid) || sid == Operator;

        private static WindowsSecurityDescriptor.Result Sd(string owner, params Ace[] aces) =>
            WindowsSecurityDescriptor.Parse(WindowsDescriptorBuilder.Descriptor(owner, aces))!;

        private static readonly WindowsSecurityDescriptor.Result DriveRoot = Sd(TrustedInstaller,
            new Ace(Allow, 0, FullControl, SystemSid), new Ace(Allow, 0, FullControl, Administrators), new Ace(Allow, 0, ReadExecute, Users),
            new Ace(Allow, 0, AppendData, AuthenticatedUsers), // create folders at the root: new names only
            new Ace(Allow, InheritOnly | ObjectInherit | ContainerInherit, Modify, AuthenticatedUsers));

        private static readonly WindowsSecurityDescriptor.Result UsersFolder = Sd(SystemSid,
            new Ace(Allow, 0, FullControl, SystemSid), new Ace(Allow, 0, FullControl, Administrators), new Ace(Allow, 0, ReadExecute, Users), new Ace(Allow, 0, ReadExecute, Everyone));

        private static readonly WindowsSecurityDescriptor.Result BobsProfile = Sd(SystemSid,
            new Ace(Allow, 0, FullControl, SystemSid), new Ace(Allow, 0, FullControl, Administrators), new Ace(Allow, 0, FullControl, Bob));

        [Fact]
        public void The_system_part_of_a_path_is_controlled_by_no_one_else()
        {
            Assert.Empty(WindowsPathWalker.Controllers(DriveRoot, UsersFolder, Trusted));
            Assert.Empty(WindowsPathWalker.Controllers(DriveRoot, Sd(TrustedInstaller, new Ace(Allow, 0, FullControl, SystemSid)), Trusted));
        }

        [Fact]
        public void A_users_profile_and_anything_in_it_are_that_users()
        {
            Assert.Equal(new[] { Bob }, WindowsPathWalker.Controllers(UsersFolder, BobsProfile, Trusted).Select(p => p.Sid));
            // a junction Bob made in his profile, and even one SYSTEM made there: Bob can delete and replace it
            var bobsJunction = Sd(Bob, new Ace(Allow, 0, FullControl, Bob));
            Assert.Equal(new[] { Bob }, WindowsPathWalker.Controllers(BobsProfile, bobsJunction, Trusted).Select(p => p.Sid));
            var systemJunction = Sd(SystemSid, new Ace(Allow, 0, ReadExecute, Everyone));
            Assert.Equal(new[] { Bob }, WindowsPathWalker.Controllers(BobsProfile, systemJunction, Trusted).Select(p => p.Sid));
        }

        [Fact]
        public void Delete_or_permission_rights_for_a_group_make_the_group_a_controller()
        {
            var shared = Sd(Administrators, new Ace(Allow, 0, FullControl, Administrators), new Ace(Allow, 0, Modify, Users));
            Assert.Equal(new[] { Users }, WindowsPathWalker.Controllers(DriveRoot, shared, Trusted).Select(p => p.Sid)); // Modify includes DELETE
            var file = Sd(Administrators, new Ace(Allow, 0, Delete, Everyone));
            Assert.Equal(new[] { Everyone }, WindowsPathWalker.Controllers(UsersFolder, file, Trusted).Select(p => p.Sid));
        }

        [Fact]
        public void The_operators_own_folders_are_trusted_and_an_unreadable_descriptor_is_not()
        {
            var mine = Sd(Operator, new Ace(Allow, 0, FullControl, Operator));
            Assert.Empty(WindowsPathWalker.Controllers(UsersFolder, mine, Trusted));
            Assert.Equal(new[] { FilePrincipal.Anyone }, WindowsPathWalker.Controllers(UsersFolder, null, Trusted).ToArray());
        }
    }
}
