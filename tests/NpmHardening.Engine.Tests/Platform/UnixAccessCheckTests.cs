using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Tests.Platform
{
    /// <summary>The emulated kernel access check (POSIX.1e) and who controls a folder's entries, on synthetic stats.</summary>
    public sealed class UnixAccessCheckTests
    {
        private const int Dir = 0x4000, File = 0x8000;
        private static readonly Func<uint, uint[]> Groups = uid => uid switch { 1001 => new uint[] { 1001, 50 }, 1002 => new uint[] { 1002 }, _ => Array.Empty<uint>() };
        private static readonly Func<uint, bool> RootTrusted = uid => uid == 0;

        private static UnixStat Stat(int mode, uint uid, uint gid, int type = File) => new UnixStat(1, 2, type | mode, uid, gid, 1, 0);
        private static FilePrincipal U(uint uid) => FilePrincipal.UnixUser(uid);

        [Theory]
        [InlineData(0x1A4 /*0644*/, 1001u, 4, true)]   // owner
        [InlineData(0x1A4, 1002u, 4, true)]             // other r
        [InlineData(0x1A4, 1002u, 2, false)]
        [InlineData(0x1A0 /*0640*/, 1001u, 4, true)]   // owner
        [InlineData(0x1A0, 1002u, 4, false)]            // not in group 50, no other r
        [InlineData(0x180 /*0600*/, 1002u, 4, false)]
        [InlineData(0x00C /*0014*/, 1002u, 4, true)]    // other bits only
        public void Mode_bits_decide_for_owner_group_and_others(int mode, uint uid, int want, bool allowed)
        {
            var st = Stat(mode, 1001, 50);
            Assert.Equal(allowed, UnixAccessCheck.Allows(U(uid), st, null, (UnixAccess)want, Groups));
        }

        [Fact]
        public void The_owner_class_applies_even_when_it_grants_less_than_others()
        {
            // 0044: the owner may not read although everyone else may — the kernel does not fall through to "other"
            var st = Stat(0x024, 1001, 60);
            Assert.False(UnixAccessCheck.Allows(U(1001), st, null, UnixAccess.Read, Groups));
            Assert.True(UnixAccessCheck.Allows(U(1002), st, null, UnixAccess.Read, Groups));
        }

        [Fact]
        public void A_group_member_gets_the_group_bits_not_the_other_bits()
        {
            var st = Stat(0x184 /*0604*/, 0, 50);
            Assert.False(UnixAccessCheck.Allows(U(1001), st, null, UnixAccess.Read, Groups)); // in group 50: group has nothing
            Assert.True(UnixAccessCheck.Allows(U(1002), st, null, UnixAccess.Read, Groups));
            Assert.False(UnixAccessCheck.Allows(FilePrincipal.UnixGroup(50), st, null, UnixAccess.Read, Groups));
            Assert.True(UnixAccessCheck.Allows(FilePrincipal.Anyone, st, null, UnixAccess.Read, Groups));
        }

        [Fact]
        public void A_named_user_acl_entry_is_masked_and_wins_over_other()
        {
            var st = Stat(0x1A4, 0, 0);
            var acl = UnixAccessCheck.ParseAcl(Acl((PosixAclEntry.UserObj, 6, 0), (PosixAclEntry.User, 0, 1002), (PosixAclEntry.GroupObj, 4, 0),
                (PosixAclEntry.User, 6, 1001), (PosixAclEntry.Mask, 4, 0), (PosixAclEntry.Other, 4, 0)))!;
            Assert.False(UnixAccessCheck.Allows(U(1002), st, acl, UnixAccess.Read, Groups)); // user:1002:--- denies although other has r
            Assert.True(UnixAccessCheck.Allows(U(1001), st, acl, UnixAccess.Read, Groups));
            Assert.False(UnixAccessCheck.Allows(U(1001), st, acl, UnixAccess.Write, Groups)); // rw- masked by r--
            // any member of a group might be the one named with no rights: a group principal is refused too
            Assert.False(UnixAccessCheck.Allows(FilePrincipal.UnixGroup(0), st, acl, UnixAccess.Read, Groups));
        }

        [Fact]
        public void A_malformed_acl_is_ignored_and_the_mode_bits_decide()
        {
            Assert.Null(UnixAccessCheck.ParseAcl(new byte[] { 2, 0, 0, 0, 1 }));
            Assert.Null(UnixAccessCheck.ParseAcl(new byte[] { 3, 0, 0, 0 }));
            Assert.NotNull(UnixAccessCheck.ParseAcl(new byte[] { 2, 0, 0, 0 }));
        }

        [Fact]
        public void Who_controls_entries_of_a_folder()
        {
            // a user's own home: that user
            Assert.Equal(new[] { U(1001) }, UnixAccessCheck.EntryControllers(Stat(0x1ED, 1001, 1001, Dir), null, null, RootTrusted).ToArray());
            // a root folder that its group may write: every member
            Assert.Equal(new[] { FilePrincipal.UnixGroup(50) }, UnixAccessCheck.EntryControllers(Stat(0x1FD, 0, 50, Dir), null, null, RootTrusted).ToArray());
            // a root folder anyone may write, without the sticky bit: anyone
            Assert.Equal(new[] { FilePrincipal.Anyone }, UnixAccessCheck.EntryControllers(Stat(0x1FF, 0, 0, Dir), null, null, RootTrusted).ToArray());
            // /tmp: only the entry's owner
            var tmp = Stat(0x3FF, 0, 0, Dir);
            Assert.Equal(new[] { U(1002) }, UnixAccessCheck.EntryControllers(tmp, null, Stat(0x1ED, 1002, 1002, Dir), RootTrusted).ToArray());
            Assert.Empty(UnixAccessCheck.EntryControllers(tmp, null, Stat(0x1ED, 0, 0, Dir), RootTrusted));
            // a plain root folder: nobody
            Assert.Empty(UnixAccessCheck.EntryControllers(Stat(0x1ED, 0, 0, Dir), null, null, RootTrusted));
            // group-readable but not writable: nobody
            Assert.Empty(UnixAccessCheck.EntryControllers(Stat(0x1E8 /*0750*/, 0, 50, Dir), null, null, RootTrusted));
            // an ACL granting a named user rwx (within the mask)
            var acl = UnixAccessCheck.ParseAcl(Acl((PosixAclEntry.UserObj, 7, 0), (PosixAclEntry.User, 7, 1002), (PosixAclEntry.GroupObj, 5, 0),
                (PosixAclEntry.Mask, 7, 0), (PosixAclEntry.Other, 5, 0)));
            Assert.Equal(new[] { U(1002) }, UnixAccessCheck.EntryControllers(Stat(0x1FD, 0, 0, Dir), acl, null, RootTrusted).ToArray());
        }

        [Fact]
        public void Who_can_change_a_files_bytes()
        {
            Assert.Empty(UnixAccessCheck.ContentControllers(Stat(0x1A4, 0, 0), null, RootTrusted));
            Assert.Equal(new[] { U(1001) }, UnixAccessCheck.ContentControllers(Stat(0x180, 1001, 1001), null, RootTrusted).ToArray());
            Assert.Equal(new[] { FilePrincipal.UnixGroup(50), FilePrincipal.Anyone }, UnixAccessCheck.ContentControllers(Stat(0x1B6, 0, 50), null, RootTrusted).ToArray());
        }

        private static byte[] Acl(params (ushort Tag, int Perm, uint Id)[] entries)
        {
            var bytes = new List<byte>(BitConverter.GetBytes(2u));
            foreach (var e in entries)
            {
                bytes.AddRange(BitConverter.GetBytes(e.Tag));
                bytes.AddRange(BitConverter.GetBytes((ushort)e.Perm));
                bytes.AddRange(BitConverter.GetBytes(e.Id));
            }
            return bytes.ToArray();
        }
    }
}
