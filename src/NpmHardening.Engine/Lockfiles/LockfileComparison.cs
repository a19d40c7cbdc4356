using System.Collections.Generic;

namespace NpmHardening.Engine.Lockfiles
{
    /// <summary>The changes of one comparison, in the new lockfile's order (removed packages last), and what the verdict needs besides.</summary>
    internal sealed class LockfileComparison
    {
        public LockfileComparison(List<NpmLockfileChange> changes, int referencePackages, int packages, int moved, bool complete)
        {
            Changes = changes;
            ReferencePackages = referencePackages;
            Packages = packages;
            Moved = moved;
            Complete = complete;
        }

        public List<NpmLockfileChange> Changes { get; }
        /// <summary>Installed packages (entries other than the project and workspace folders) in the reference.</summary>
        public int ReferencePackages { get; }
        public int Packages { get; }
        /// <summary>Packages npm only moved in the tree (same version, integrity and source): not reported as changes.</summary>
        public int Moved { get; }
        public bool Complete { get; }
    }
}
