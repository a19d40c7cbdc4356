namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// The registry's ECDSA signature over <c>name@version:integrity</c>, judged as <c>npm audit signatures</c> (pacote)
    /// judges it.
    /// </summary>
    public enum NpmRegistrySignatureStatus
    {
        /// <summary>Every signature verifies with a registry key that was valid when the version was published.</summary>
        Valid,
        /// <summary>A signature does not verify (npm: EINTEGRITYSIGNATURE): the version or its integrity changed after signing.</summary>
        Invalid,
        /// <summary>No signature, and the registry publishes signing keys (npm lists it as missing).</summary>
        Missing,
        /// <summary>The signing key had expired before the version's publish time (npm: EEXPIREDSIGNATUREKEY).</summary>
        KeyExpired,
        /// <summary>A signature names a key the registry does not publish (npm: EMISSINGSIGNATUREKEY).</summary>
        UnknownKey,
        /// <summary>No signature, and the registry publishes no keys (404/400 from /-/npm/v1/keys): nothing to expect.</summary>
        NotSigned,
        /// <summary>Not judged: the keys were not read (a failure, or not asked for).</summary>
        NotChecked,
    }
}
