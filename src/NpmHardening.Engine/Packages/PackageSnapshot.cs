using System;
using System.Collections.Generic;
using NpmHardening.Engine.Js;

namespace NpmHardening.Engine.Packages
{
    /// <summary>What the comparison keeps of one file of a package: never its content.</summary>
    internal sealed class PackageFile
    {
        public PackageFile(string path, long size, int mode, string sha256)
        {
            Path = path; Size = size; Mode = mode; Sha256 = sha256;
        }

        /// <summary>The path npm installs it at: the tar path without its first segment (usually "package/").</summary>
        public string Path { get; }
        public long Size { get; }
        public int Mode { get; }
        public string Sha256 { get; }
        /// <summary>ELF, PE, Mach-O, or "Node addon" for a .node file; null for anything else.</summary>
        public string? NativeFormat { get; set; }
        /// <summary>The JavaScript scan's result; null for a file that is not JavaScript.</summary>
        public CodeFacts? Code { get; set; }
    }

    /// <summary>Something in the tar stream that npm pack never writes and that an install treats differently from what a reviewer sees.</summary>
    internal enum TarballTrickKind { PathTraversal, AbsolutePath, SymbolicLink, HardLink, SpecialEntry, DuplicateName, CaseCollision }

    internal sealed class TarballTrick
    {
        public TarballTrick(TarballTrickKind kind, string path, string detail)
        {
            Kind = kind; Path = path; Detail = detail;
        }

        public TarballTrickKind Kind { get; }
        /// <summary>The entry's path as written in the tar stream.</summary>
        public string Path { get; }
        public string Detail { get; }
    }

    /// <summary>One package tarball as the comparison needs it: files by path, package.json parsed, tricks and bounds.</summary>
    internal sealed class PackageSnapshot
    {
        public Dictionary<string, PackageFile> Files { get; } = new Dictionary<string, PackageFile>(StringComparer.Ordinal);
        /// <summary>Paths in the order the tar stream first lists them (npm diff's order).</summary>
        public List<string> Order { get; } = new List<string>();
        public List<TarballTrick> Tricks { get; } = new List<TarballTrick>();
        public List<TarballBoundHit> Bounds { get; } = new List<TarballBoundHit>();
        /// <summary>package.json at the package root, parsed; null when absent or unreadable (see <see cref="ManifestProblem"/>).</summary>
        public JsObject? Manifest { get; set; }
        public string? ManifestProblem { get; set; }
        /// <summary>The tarball could not be read to its end.</summary>
        public NpmTarballException? Error { get; set; }
        public bool Stopped { get; set; }
        public long CompressedBytes { get; set; }
        public long UnpackedBytes { get; set; }
        public int Entries { get; set; }
        public string? Integrity { get; set; }
        public string? Shasum { get; set; }

        public string? Name => Manifest?["name"] as string;
        public string? Version => Manifest?["version"] as string;

        /// <summary>A *.gyp file at the package root: npm then runs "node-gyp rebuild" at install unless an install or preinstall script is set.</summary>
        public bool HasRootGypFile
        {
            get
            {
                foreach (var path in Files.Keys)
                    if (path.IndexOf('/') < 0 && path.EndsWith(".gyp", StringComparison.Ordinal) && path.Length > 4) return true;
                return false;
            }
        }

        /// <summary>Every primitive any file uses.</summary>
        public CodePrimitive AllPrimitives
        {
            get
            {
                var all = CodePrimitive.None;
                foreach (var f in Files.Values) if (f.Code != null) all |= f.Code.Primitives;
                return all;
            }
        }
    }
}
