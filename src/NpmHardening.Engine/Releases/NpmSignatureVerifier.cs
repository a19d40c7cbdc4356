using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Security.Cryptography;
using System.Text;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// The registry signature check of <c>npm audit signatures</c> (pacote's registry fetcher, npm 11): every entry of
    /// dist.signatures must name a published key, the key must not have expired before the version's publish time
    /// (time[version], or 2015-01-01 when the document has none), and the ECDSA P-256 / SHA-256 signature (DER, base64)
    /// must verify over the UTF-8 text <c>name@version:integrity</c>. The first entry that fails decides, in list order,
    /// as pacote throws at the first. netstandard2.0 has no SubjectPublicKeyInfo import, so the P-256 key is read from
    /// its DER here, and the DER signature turned into the IEEE P1363 form .NET verifies.
    /// </summary>
    public static class NpmSignatureVerifier
    {
        /// <summary>pacote's MISSING_TIME_CUTOFF: the publish time assumed for a version the document gives no time.</summary>
        internal static readonly DateTimeOffset MissingTimeCutoff = new DateTimeOffset(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);

        /// <summary>Sets <see cref="NpmPackageRelease.RegistrySignature"/> and <see cref="NpmPackageRelease.SignatureKeyId"/>.</summary>
        public static void Judge(NpmPackageRelease release, NpmRegistryKeySet keys)
        {
            var (status, keyId) = Check(release, keys);
            release.RegistrySignature = status;
            release.SignatureKeyId = keyId;
        }

        /// <summary>
        /// <see cref="Judge"/> for many releases, on every core: each worker imports the keys it uses once (an imported
        /// key is not shared between threads).
        /// </summary>
        public static void JudgeAll(IReadOnlyList<NpmPackageRelease> releases, NpmRegistryKeySet keys, CancellationToken cancellationToken = default)
        {
            // versions whose signatures were checked while the document was read (NpmSignaturePipeline) cost no
            // cryptography here: only the rest are worth spreading over the cores
            int toVerify = 0;
            foreach (var r in releases) if (!ReferenceEquals(r.PrecheckedWith, keys)) toVerify++;
            if (toVerify < 64)
            {
                foreach (var r in releases) { cancellationToken.ThrowIfCancellationRequested(); Judge(r, keys); }
                return;
            }
            var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.ForEach(Partitioner.Create(0, releases.Count, 64), options,
                () => new Dictionary<NpmRegistryKey, ECDsa?>(),
                (range, _, imported) =>
                {
                    for (int i = range.Item1; i < range.Item2; i++)
                    {
                        var (status, keyId) = Check(releases[i], keys, key =>
                        {
                            if (!imported.TryGetValue(key, out var ecdsa)) imported[key] = ecdsa = ImportKey(key.Key);
                            return ecdsa;
                        });
                        releases[i].RegistrySignature = status;
                        releases[i].SignatureKeyId = keyId;
                    }
                    return imported;
                },
                imported => { foreach (var k in imported.Values) k?.Dispose(); });
        }

        public static (NpmRegistrySignatureStatus Status, string? KeyId) Check(NpmPackageRelease release, NpmRegistryKeySet keys) =>
            Check(release, keys, keys.PublicKey);

        private static (NpmRegistrySignatureStatus Status, string? KeyId) Check(NpmPackageRelease release, NpmRegistryKeySet keys, Func<NpmRegistryKey, ECDsa?> publicKey)
        {
            var integrity = SignedIntegrity(release);
            // pacote reads signatures only when the version has an integrity (or a shasum) to sign over
            if (integrity == null || release.Signatures.Count == 0)
                return (keys.Keys.Count > 0 ? NpmRegistrySignatureStatus.Missing : NpmRegistrySignatureStatus.NotSigned, null);
            byte[]? message = null;
            var prechecked = ReferenceEquals(release.PrecheckedWith, keys) ? release.PrecheckedSignatures : null;
            var published = release.PublishedAt ?? MissingTimeCutoff;
            string? lastKey = null;
            for (int i = 0; i < release.Signatures.Count; i++)
            {
                var signature = release.Signatures[i];
                var key = FindKey(keys, signature.KeyId);
                if (key == null) return (NpmRegistrySignatureStatus.UnknownKey, signature.KeyId);
                // Date.parse of an unreadable expires is NaN, and "published < NaN" is false: the key never counts
                if (key.ExpiresUnreadable || (key.Expires.HasValue && !(published < key.Expires.Value)))
                    return (NpmRegistrySignatureStatus.KeyExpired, key.KeyId);
                bool valid = prechecked != null && i < prechecked.Length && prechecked[i].HasValue
                    ? prechecked[i].GetValueOrDefault()
                    : Verify(publicKey(key), signature.Signature, message ??= SignedMessage(release, integrity));
                if (!valid) return (NpmRegistrySignatureStatus.Invalid, key.KeyId);
                lastKey = key.KeyId;
            }
            return (NpmRegistrySignatureStatus.Valid, lastKey);
        }

        /// <summary>
        /// The cryptographic half of <see cref="Check(NpmPackageRelease, NpmRegistryKeySet)"/>, which needs neither the
        /// publish time nor the other versions: each signature entry verified against the key of its id (null where
        /// <paramref name="keys"/> has none), kept on the release for the judgment.
        /// </summary>
        internal static void Precheck(NpmPackageRelease release, NpmRegistryKeySet keys, Func<NpmRegistryKey, ECDsa?> publicKey)
        {
            var integrity = SignedIntegrity(release);
            if (integrity == null || release.Signatures.Count == 0)
            {
                // nothing to verify: the judgment needs no cryptography for this release
                release.PrecheckedWith = keys;
                return;
            }
            var message = SignedMessage(release, integrity);
            var results = new bool?[release.Signatures.Count];
            for (int i = 0; i < results.Length; i++)
            {
                var signature = release.Signatures[i];
                var key = FindKey(keys, signature.KeyId);
                if (key != null) results[i] = Verify(publicKey(key), signature.Signature, message);
            }
            release.PrecheckedSignatures = results;
            release.PrecheckedWith = keys;
        }

        private static byte[] SignedMessage(NpmPackageRelease release, string integrity) =>
            Encoding.UTF8.GetBytes(release.Package + "@" + release.Version + ":" + integrity);

        private static NpmRegistryKey? FindKey(NpmRegistryKeySet keys, string? keyId)
        {
            if (keyId == null) return null;
            foreach (var k in keys.Keys) if (string.Equals(k.KeyId, keyId, StringComparison.Ordinal)) return k;
            return null;
        }

        /// <summary>
        /// The integrity text pacote signs over: dist.integrity (trimmed, as ssri prints a single hash), else the SHA-1 of
        /// dist.shasum as an SRI string; null when the version has neither.
        /// </summary>
        internal static string? SignedIntegrity(NpmPackageRelease release)
        {
            if (!string.IsNullOrWhiteSpace(release.Integrity))
                return string.Join(" ", release.Integrity!.Split(new[] { ' ', '\t', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries));
            var hex = release.Shasum;
            if (string.IsNullOrEmpty(hex) || hex!.Length % 2 != 0 || !hex.All(Uri.IsHexDigit)) return null;
            var bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = Convert.ToByte(hex.Substring(i * 2, 2), 16);
            return "sha1-" + Convert.ToBase64String(bytes);
        }

        /// <summary>ECDSA P-256 over SHA-256 of <paramref name="message"/>; false for any key or signature that cannot be read.</summary>
        public static bool Verify(string? spkiBase64, string? derSignatureBase64, byte[] message)
        {
            using var key = ImportKey(spkiBase64);
            return Verify(key, derSignatureBase64, message);
        }

        internal static bool Verify(ECDsa? key, string? derSignatureBase64, byte[] message)
        {
            if (key == null || derSignatureBase64 == null) return false;
            byte[] der;
            try { der = Convert.FromBase64String(derSignatureBase64.Trim()); }
            catch (FormatException) { return false; }
            var signature = P1363(der);
            if (signature == null) return false;
            try { return key.VerifyData(message, signature, HashAlgorithmName.SHA256); }
            catch (CryptographicException) { return false; }
        }

        /// <summary>A P-256 public key from base64 SubjectPublicKeyInfo; null for anything else.</summary>
        internal static ECDsa? ImportKey(string? spkiBase64)
        {
            if (spkiBase64 == null) return null;
            byte[] spki;
            try { spki = Convert.FromBase64String(spkiBase64.Trim()); }
            catch (FormatException) { return null; }
            var point = P256Point(spki);
            if (point == null) return null;
            try
            {
                return ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = point.Value.X, Y = point.Value.Y },
                });
            }
            catch (CryptographicException) { return null; } // not a point on the curve
        }

        private static readonly byte[] EcPublicKeyOid = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
        private static readonly byte[] P256Oid = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };

        /// <summary>
        /// The uncompressed point of a P-256 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID id-ecPublicKey, OID
        /// prime256v1 }, BIT STRING 0x00 0x04 X Y }; null for anything else (another curve, a compressed point, junk).
        /// </summary>
        internal static (byte[] X, byte[] Y)? P256Point(byte[] spki)
        {
            int pos = 0;
            if (!Element(spki, ref pos, 0x30, out var outerStart, out var outerLength) || outerStart + outerLength != spki.Length) return null;
            pos = outerStart;
            if (!Element(spki, ref pos, 0x30, out var algStart, out var algLength)) return null;
            int end = algStart + algLength;
            int a = algStart;
            if (!Element(spki, ref a, 0x06, out var oid1, out var oid1Length) || !Same(spki, oid1, oid1Length, EcPublicKeyOid)) return null;
            a = oid1 + oid1Length;
            if (!Element(spki, ref a, 0x06, out var oid2, out var oid2Length) || !Same(spki, oid2, oid2Length, P256Oid)) return null;
            if (oid2 + oid2Length != end) return null;
            pos = end;
            if (!Element(spki, ref pos, 0x03, out var bitsStart, out var bitsLength)) return null;
            if (bitsStart + bitsLength != spki.Length || bitsLength != 66 || spki[bitsStart] != 0 || spki[bitsStart + 1] != 0x04) return null;
            var x = new byte[32];
            var y = new byte[32];
            Buffer.BlockCopy(spki, bitsStart + 2, x, 0, 32);
            Buffer.BlockCopy(spki, bitsStart + 34, y, 0, 32);
            return (x, y);
        }

        /// <summary>
        /// A DER ECDSA signature (SEQUENCE { INTEGER r, INTEGER s }) as r || s of 32 bytes each. Only strict DER is
        /// accepted, as OpenSSL (under node's crypto.verify) accepts only a signature whose re-encoding is identical.
        /// </summary>
        internal static byte[]? P1363(byte[] der)
        {
            int pos = 0;
            if (!Element(der, ref pos, 0x30, out var seqStart, out var seqLength) || seqStart + seqLength != der.Length) return null;
            pos = seqStart;
            var result = new byte[64];
            for (int part = 0; part < 2; part++)
            {
                if (!Element(der, ref pos, 0x02, out var start, out var length) || length == 0) return null;
                // minimal two's complement, positive: no redundant leading zero, no sign bit set
                if ((der[start] & 0x80) != 0) return null;
                if (length > 1 && der[start] == 0 && (der[start + 1] & 0x80) == 0) return null;
                int skip = der[start] == 0 ? 1 : 0;
                int bytes = length - skip;
                if (bytes > 32) return null;
                Buffer.BlockCopy(der, start + skip, result, part * 32 + (32 - bytes), bytes);
                pos = start + length;
            }
            return pos == der.Length ? result : null;
        }

        /// <summary>Reads a tag and a minimal DER length at <paramref name="pos"/>; the content must fit in the buffer.</summary>
        private static bool Element(byte[] data, ref int pos, byte tag, out int contentStart, out int contentLength)
        {
            contentStart = contentLength = 0;
            if (pos + 2 > data.Length || data[pos] != tag) return false;
            int p = pos + 1;
            int first = data[p++];
            int length;
            if (first < 0x80) length = first;
            else if (first == 0x81)
            {
                if (p >= data.Length || data[p] < 0x80) return false;
                length = data[p++];
            }
            else if (first == 0x82)
            {
                if (p + 1 >= data.Length || data[p] == 0) return false;
                length = (data[p] << 8) | data[p + 1];
                if (length < 0x100) return false;
                p += 2;
            }
            else return false;
            if (p + length > data.Length) return false;
            contentStart = p;
            contentLength = length;
            pos = p + length;
            return true;
        }

        private static bool Same(byte[] data, int start, int length, byte[] expected)
        {
            if (length != expected.Length) return false;
            for (int i = 0; i < length; i++) if (data[start + i] != expected[i]) return false;
            return true;
        }
    }
}
