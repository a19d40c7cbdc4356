using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// A registry's signing keys. <see cref="Signs"/> is false when /-/npm/v1/keys answered 404 or 400, which npm reads as
    /// "this registry does not sign": a version without a signature is then not missing one.
    /// </summary>
    public sealed class NpmRegistryKeySet
    {
        public string Registry { get; set; } = "";
        public bool Signs { get; set; }
        public IReadOnlyList<NpmRegistryKey> Keys { get; set; } = Array.Empty<NpmRegistryKey>();

        // each key imported once per set: importing is most of the cost of one verification
        private readonly Dictionary<NpmRegistryKey, ECDsa?> _imported = new Dictionary<NpmRegistryKey, ECDsa?>();

        internal ECDsa? PublicKey(NpmRegistryKey key)
        {
            lock (_imported)
            {
                if (!_imported.TryGetValue(key, out var ecdsa)) _imported[key] = ecdsa = NpmSignatureVerifier.ImportKey(key.Key);
                return ecdsa;
            }
        }
    }
}
