using System;

namespace NpmHardening.Engine.Releases
{
    /// <summary>One registry signing key from /-/npm/v1/keys (public data: the registry publishes it for everyone).</summary>
    public sealed class NpmRegistryKey
    {
        /// <summary>SHA256:base64 of the key, as dist.signatures[].keyid names it.</summary>
        public string KeyId { get; set; } = "";
        public string? KeyType { get; set; }
        public string? Scheme { get; set; }
        /// <summary>The public key: base64 of its DER SubjectPublicKeyInfo.</summary>
        public string? Key { get; set; }
        /// <summary>No signature made after this time counts; null: the key does not expire.</summary>
        public DateTimeOffset? Expires { get; set; }
        /// <summary>expires was present but not a date (npm's Date.parse would give NaN, so the key never counts as valid).</summary>
        public bool ExpiresUnreadable { get; set; }

        public override string ToString() => KeyId + (Expires.HasValue ? " (expires " + Expires.Value.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ")" : "");
    }
}
