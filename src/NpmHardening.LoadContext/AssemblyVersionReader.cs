using System;
using System.IO;
using System.Text;

namespace NpmHardening.Loading
{
    /// <summary>
    /// Reads the version of an assembly file (its Assembly table row, ECMA-335 II.22.2) straight from the file.
    /// </summary>
    /// <remarks>
    /// The load context's set-up at import compares the versions of the dependencies the module ships with those the
    /// platform provides (<see cref="IsolatedLoadContext"/>). <c>AssemblyName.GetAssemblyName</c> gives the same answer, but on .NET 9
    /// and later it goes through System.Reflection.Metadata: the first call loads that assembly and
    /// System.Collections.Immutable into the session and took 5–8 ms of every <c>Import-Module</c>, then 1.5–2 ms per
    /// file (fresh ReadyToRun PowerShell, measured by tests/NpmHardening.Benchmarks/Measure-StartupWork.ps1). This
    /// reads the few hundred bytes it needs. Anything it does not understand gives null, and the caller falls back to
    /// <c>AssemblyName.GetAssemblyName</c>.
    /// </remarks>
    internal static class AssemblyVersionReader
    {
        private const int AssemblyTable = 0x20;

        /// <summary>The assembly version of <paramref name="path"/>; null when the file cannot be read this way.</summary>
        public static Version? TryRead(string path)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096))
                using (var reader = new BinaryReader(stream))
                {
                    return Read(stream, reader);
                }
            }
            catch (Exception)
            {
                return null;
            }
        }

        private static Version? Read(Stream stream, BinaryReader reader)
        {
            // PE headers: the DOS stub's pointer to the PE signature, the COFF header, the optional header's CLI
            // directory (index 14), and the section table to turn relative addresses into file offsets.
            if (reader.ReadUInt16() != 0x5A4D) return null;
            stream.Position = 0x3C;
            var peOffset = reader.ReadInt32();
            stream.Position = peOffset;
            if (reader.ReadUInt32() != 0x00004550) return null;
            stream.Position = peOffset + 4 + 2;
            int sectionCount = reader.ReadUInt16();
            stream.Position = peOffset + 4 + 16;
            int optionalHeaderSize = reader.ReadUInt16();
            var optionalHeader = peOffset + 4 + 20;
            stream.Position = optionalHeader;
            var magic = reader.ReadUInt16();
            int directories = magic == 0x10B ? 96 : magic == 0x20B ? 112 : -1;
            if (directories < 0 || directories + 15 * 8 > optionalHeaderSize) return null;
            stream.Position = optionalHeader + directories + 14 * 8;
            var cliRva = reader.ReadUInt32();
            if (cliRva == 0) return null;

            var sections = new uint[sectionCount * 4];
            var sectionTable = optionalHeader + optionalHeaderSize;
            for (var i = 0; i < sectionCount; i++)
            {
                stream.Position = sectionTable + i * 40 + 8;
                sections[i * 4] = reader.ReadUInt32();     // VirtualSize
                sections[i * 4 + 1] = reader.ReadUInt32(); // VirtualAddress
                sections[i * 4 + 2] = reader.ReadUInt32(); // SizeOfRawData
                sections[i * 4 + 3] = reader.ReadUInt32(); // PointerToRawData
            }

            var cli = ToOffset(sections, cliRva);
            if (cli < 0) return null;
            stream.Position = cli + 8;
            var metadata = ToOffset(sections, reader.ReadUInt32());
            if (metadata < 0) return null;

            // Metadata root: signature, version string, then the stream headers; the tables are in "#~" ("#-" when
            // uncompressed); a "#JTD" stream makes every heap and table index 4 bytes wide.
            stream.Position = metadata;
            if (reader.ReadUInt32() != 0x424A5342) return null;
            stream.Position = metadata + 12;
            var versionLength = reader.ReadInt32();
            if (versionLength < 0 || versionLength > 255) return null;
            stream.Position = metadata + 16 + versionLength + 2;
            int streamCount = reader.ReadUInt16();
            long tables = -1;
            var wideIndexes = false;
            for (var i = 0; i < streamCount; i++)
            {
                var offset = reader.ReadUInt32();
                reader.ReadUInt32(); // size
                var name = ReadStreamName(reader);
                if (name == null) return null;
                if (name == "#~" || name == "#-") tables = metadata + offset;
                else if (name == "#JTD") wideIndexes = true;
            }
            if (tables < 0) return null;

            stream.Position = tables + 6;
            int heapSizes = reader.ReadByte();
            reader.ReadByte();
            var valid = reader.ReadUInt64();
            reader.ReadUInt64(); // sorted
            if ((valid & (1UL << AssemblyTable)) == 0) return null;
            var rows = new int[64];
            for (var table = 0; table < 64; table++)
            {
                if ((valid & (1UL << table)) != 0) rows[table] = reader.ReadInt32();
            }
            if ((heapSizes & 0x40) != 0) reader.ReadUInt32(); // extra data after the row counts

            var sizes = new RowSizes(rows, heapSizes, wideIndexes);
            long skip = 0;
            for (var table = 0; table < AssemblyTable; table++)
            {
                if (rows[table] == 0) continue;
                var size = sizes.Of(table);
                if (size <= 0) return null;
                skip += (long)size * rows[table];
            }
            stream.Position += skip;
            reader.ReadUInt32(); // HashAlgId
            int major = reader.ReadUInt16(), minor = reader.ReadUInt16(), build = reader.ReadUInt16(), revision = reader.ReadUInt16();
            return new Version(major, minor, build, revision);
        }

        private static long ToOffset(uint[] sections, uint rva)
        {
            for (var i = 0; i < sections.Length; i += 4)
            {
                var start = sections[i + 1];
                var length = Math.Max(sections[i], sections[i + 2]);
                if (rva >= start && rva < start + length) return (long)rva - start + sections[i + 3];
            }
            return -1;
        }

        private static string? ReadStreamName(BinaryReader reader)
        {
            // Null-terminated ASCII, padded with zeros to a multiple of 4 bytes; at most 32 characters.
            var name = new StringBuilder();
            for (var read = 1; read <= 32; read++)
            {
                var b = reader.ReadByte();
                if (b == 0)
                {
                    while (read % 4 != 0) { reader.ReadByte(); read++; }
                    return name.ToString();
                }
                name.Append((char)b);
            }
            return null;
        }

        /// <summary>Row sizes of the tables before the Assembly table (ECMA-335 II.22), which depend on the heap
        /// index widths and on the row counts of the tables their indexes point into.</summary>
        private sealed class RowSizes
        {
            // Tables the coded indexes can point to (II.24.2.6); -1 marks a tag value no table uses.
            private static readonly int[] TypeDefOrRef = { 0x02, 0x01, 0x1B };
            private static readonly int[] HasConstant = { 0x04, 0x08, 0x17 };
            private static readonly int[] HasCustomAttribute = { 0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0A, 0x00, 0x0E, 0x17, 0x14, 0x11, 0x1A, 0x1B, 0x20, 0x23, 0x26, 0x27, 0x28, 0x2A, 0x2C, 0x2B };
            private static readonly int[] HasFieldMarshal = { 0x04, 0x08 };
            private static readonly int[] HasDeclSecurity = { 0x02, 0x06, 0x20 };
            private static readonly int[] MemberRefParent = { 0x02, 0x01, 0x1A, 0x06, 0x1B };
            private static readonly int[] HasSemantics = { 0x14, 0x17 };
            private static readonly int[] MethodDefOrRef = { 0x06, 0x0A };
            private static readonly int[] MemberForwarded = { 0x04, 0x06 };
            private static readonly int[] CustomAttributeType = { -1, -1, 0x06, 0x0A, -1 };
            private static readonly int[] ResolutionScope = { 0x00, 0x1A, 0x23, 0x01 };

            private readonly int[] _rows;
            private readonly bool _wide;
            private readonly int _string, _guid, _blob;

            public RowSizes(int[] rows, int heapSizes, bool wide)
            {
                _rows = rows;
                _wide = wide;
                _string = wide || (heapSizes & 0x01) != 0 ? 4 : 2;
                _guid = wide || (heapSizes & 0x02) != 0 ? 4 : 2;
                _blob = wide || (heapSizes & 0x04) != 0 ? 4 : 2;
            }

            private int Index(int table) => _wide || _rows[table] >= 0x10000 ? 4 : 2;

            private int Coded(int[] tables)
            {
                if (_wide) return 4;
                var tagBits = 0;
                while ((1 << tagBits) < tables.Length) tagBits++;
                var max = 0;
                foreach (var table in tables) if (table >= 0 && _rows[table] > max) max = _rows[table];
                return max < (1 << (16 - tagBits)) ? 2 : 4;
            }

            public int Of(int table)
            {
                switch (table)
                {
                    case 0x00: return 2 + _string + 3 * _guid;                                             // Module
                    case 0x01: return Coded(ResolutionScope) + 2 * _string;                                 // TypeRef
                    case 0x02: return 4 + 2 * _string + Coded(TypeDefOrRef) + Index(0x04) + Index(0x06);    // TypeDef
                    case 0x03: return Index(0x04);                                                          // FieldPtr
                    case 0x04: return 2 + _string + _blob;                                                  // Field
                    case 0x05: return Index(0x06);                                                          // MethodPtr
                    case 0x06: return 4 + 2 + 2 + _string + _blob + Index(0x08);                            // MethodDef
                    case 0x07: return Index(0x08);                                                          // ParamPtr
                    case 0x08: return 2 + 2 + _string;                                                      // Param
                    case 0x09: return Index(0x02) + Coded(TypeDefOrRef);                                    // InterfaceImpl
                    case 0x0A: return Coded(MemberRefParent) + _string + _blob;                             // MemberRef
                    case 0x0B: return 2 + Coded(HasConstant) + _blob;                                       // Constant
                    case 0x0C: return Coded(HasCustomAttribute) + Coded(CustomAttributeType) + _blob;      // CustomAttribute
                    case 0x0D: return Coded(HasFieldMarshal) + _blob;                                       // FieldMarshal
                    case 0x0E: return 2 + Coded(HasDeclSecurity) + _blob;                                   // DeclSecurity
                    case 0x0F: return 2 + 4 + Index(0x02);                                                  // ClassLayout
                    case 0x10: return 4 + Index(0x04);                                                      // FieldLayout
                    case 0x11: return _blob;                                                                // StandAloneSig
                    case 0x12: return Index(0x02) + Index(0x14);                                            // EventMap
                    case 0x13: return Index(0x14);                                                          // EventPtr
                    case 0x14: return 2 + _string + Coded(TypeDefOrRef);                                    // Event
                    case 0x15: return Index(0x02) + Index(0x17);                                            // PropertyMap
                    case 0x16: return Index(0x17);                                                          // PropertyPtr
                    case 0x17: return 2 + _string + _blob;                                                  // Property
                    case 0x18: return 2 + Index(0x06) + Coded(HasSemantics);                                // MethodSemantics
                    case 0x19: return Index(0x02) + 2 * Coded(MethodDefOrRef);                              // MethodImpl
                    case 0x1A: return _string;                                                              // ModuleRef
                    case 0x1B: return _blob;                                                                // TypeSpec
                    case 0x1C: return 2 + Coded(MemberForwarded) + _string + Index(0x1A);                   // ImplMap
                    case 0x1D: return 4 + Index(0x04);                                                      // FieldRVA
                    case 0x1E: return 4 + 4;                                                                // EncLog
                    case 0x1F: return 4;                                                                    // EncMap
                    default: return -1;
                }
            }
        }
    }
}
