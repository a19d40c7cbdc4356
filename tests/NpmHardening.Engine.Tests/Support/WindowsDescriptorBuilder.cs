using System;
using System.Collections.Generic;
using System.Globalization;

namespace NpmHardening.Engine.Tests.Support
{
    /// <summary>A tiny self-relative security descriptor writer (MS-DTYP 2.4.2, 2.4.4, 2.4.5, 2.4.6), for the Windows code run on any OS.</summary>
    internal static class WindowsDescriptorBuilder
    {
        internal sealed record Ace(byte Type, byte Flags, uint Mask, string Sid);

        internal static byte[] SidBytes(string sid)
        {
            var parts = sid.Split('-');
            var authority = ulong.Parse(parts[2], CultureInfo.InvariantCulture);
            var bytes = new List<byte> { 1, (byte)(parts.Length - 3) };
            for (int i = 5; i >= 0; i--) bytes.Add((byte)(authority >> (8 * i)));
            for (int i = 3; i < parts.Length; i++) bytes.AddRange(BitConverter.GetBytes(uint.Parse(parts[i], CultureInfo.InvariantCulture)));
            return bytes.ToArray();
        }

        internal static byte[] Descriptor(string? owner, IReadOnlyList<Ace>? dacl)
        {
            var ownerBytes = owner == null ? Array.Empty<byte>() : SidBytes(owner);
            var aces = new List<byte>();
            foreach (var ace in dacl ?? Array.Empty<Ace>())
            {
                var sid = SidBytes(ace.Sid);
                var size = (ushort)(8 + sid.Length);
                aces.Add(ace.Type); aces.Add(ace.Flags); aces.AddRange(BitConverter.GetBytes(size));
                aces.AddRange(BitConverter.GetBytes(ace.Mask)); aces.AddRange(sid);
            }
            var sd = new List<byte>();
            ushort control = (ushort)(0x8000 | (dacl != null ? 0x0004 : 0));
            int ownerOffset = owner == null ? 0 : 20;
            int daclOffset = dacl == null ? 0 : 20 + ownerBytes.Length;
            sd.Add(1); sd.Add(0); sd.AddRange(BitConverter.GetBytes(control));
            sd.AddRange(BitConverter.GetBytes(ownerOffset)); sd.AddRange(BitConverter.GetBytes(0));
            sd.AddRange(BitConverter.GetBytes(0)); sd.AddRange(BitConverter.GetBytes(daclOffset));
            sd.AddRange(ownerBytes);
            if (dacl != null)
            {
                sd.Add(2); sd.Add(0); sd.AddRange(BitConverter.GetBytes((ushort)(8 + aces.Count)));
                sd.AddRange(BitConverter.GetBytes((ushort)dacl.Count)); sd.AddRange(BitConverter.GetBytes((ushort)0));
                sd.AddRange(aces);
            }
            return sd.ToArray();
        }

    }
}
