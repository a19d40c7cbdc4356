using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using NpmHardening.Engine.Releases;
using Xunit;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>
    /// Registry signatures as pacote judges them: a key made here (the SPKI the registry publishes), signatures made with
    /// .NET's DER signer over name@version:integrity, then tampered with in each way npm tells apart.
    /// </summary>
    public class SignatureVerifierTests
    {
        private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private static readonly string Spki = Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo());
        private const string KeyId = "SHA256:test-key";

        private static NpmRegistryKeySet Keys(DateTimeOffset? expires = null, string? key = null) => new()
        {
            Registry = "r", Signs = true,
            Keys = new[] { new NpmRegistryKey { KeyId = KeyId, Key = key ?? Spki, KeyType = "ecdsa-sha2-nistp256", Scheme = "ecdsa-sha2-nistp256", Expires = expires } },
        };

        private static string Sign(string text) =>
            Convert.ToBase64String(Key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        private static NpmPackageRelease Release(string package = "@acme/x", string version = "1.2.3", string? sig = null, string keyId = KeyId, DateTimeOffset? at = null)
        {
            var integrity = PackumentFixture.Integrity(version);
            return new NpmPackageRelease
            {
                Package = package, Version = version, Integrity = integrity, PublishedAt = at ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                Signatures = new[] { new NpmRegistrySignatureEntry(keyId, sig ?? Sign($"{package}@{version}:{integrity}")) },
            };
        }

        [Fact]
        public void A_signature_over_name_version_integrity_is_valid()
        {
            Assert.Equal((NpmRegistrySignatureStatus.Valid, KeyId), NpmSignatureVerifier.Check(Release(), Keys()));
            Assert.Equal(NpmRegistrySignatureStatus.Valid, NpmSignatureVerifier.Check(Release("left-pad"), Keys()).Status);
        }

        [Fact]
        public void Tampering_with_any_signed_part_invalidates_it()
        {
            var r = Release();
            r.Integrity = PackumentFixture.Integrity("9.9.9");
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(r, Keys()).Status);
            var moved = Release();
            moved.Version = "1.2.4";
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(moved, Keys()).Status);
            var renamed = Release();
            renamed.Package = "@acme/y";
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(renamed, Keys()).Status);
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(Release(sig: "not base64!"), Keys()).Status);
            // another key's valid signature
            using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var text = "@acme/x@1.2.3:" + PackumentFixture.Integrity("1.2.3");
            var foreign = Convert.ToBase64String(other.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(Release(sig: foreign), Keys()).Status);
        }

        [Fact]
        public void Non_canonical_DER_is_refused_as_OpenSSL_refuses_it()
        {
            var der = Convert.FromBase64String(Release().Signatures[0].Signature!);
            Assert.NotNull(NpmSignatureVerifier.P1363(der));
            // the same r and s with a redundant leading zero in r
            int rLength = der[3];
            var padded = new byte[der.Length + 1];
            padded[0] = 0x30; padded[1] = (byte)(der[1] + 1); padded[2] = 0x02; padded[3] = (byte)(rLength + 1); padded[4] = 0;
            Buffer.BlockCopy(der, 4, padded, 5, der.Length - 4);
            if ((der[4] & 0x80) == 0) Assert.Null(NpmSignatureVerifier.P1363(padded));
            // trailing bytes after the sequence
            Assert.Null(NpmSignatureVerifier.P1363(der.Concat(new byte[] { 0 }).ToArray()));
            Assert.Null(NpmSignatureVerifier.P1363(new byte[] { 0x30, 0x00 }));
        }

        [Fact]
        public void Key_ids_expiry_and_absence_as_npm_reads_them()
        {
            Assert.Equal(NpmRegistrySignatureStatus.UnknownKey, NpmSignatureVerifier.Check(Release(keyId: "SHA256:other"), Keys()).Status);
            var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            Assert.Equal(NpmRegistrySignatureStatus.KeyExpired, NpmSignatureVerifier.Check(Release(at: at), Keys(at.AddDays(-1))).Status);
            // pacote: valid only when published < expires, so a key expiring at the publish instant no longer counts
            Assert.Equal(NpmRegistrySignatureStatus.KeyExpired, NpmSignatureVerifier.Check(Release(at: at), Keys(at)).Status);
            Assert.Equal(NpmRegistrySignatureStatus.Valid, NpmSignatureVerifier.Check(Release(at: at), Keys(at.AddDays(1))).Status);
            var unreadable = Keys();
            ((NpmRegistryKey)unreadable.Keys[0]).ExpiresUnreadable = true;
            Assert.Equal(NpmRegistrySignatureStatus.KeyExpired, NpmSignatureVerifier.Check(Release(), unreadable).Status);
            // no publish time: pacote's cutoff (2015-01-01) is compared
            var untimed = Release();
            untimed.PublishedAt = null;
            Assert.Equal(NpmRegistrySignatureStatus.Valid, NpmSignatureVerifier.Check(untimed, Keys(new DateTimeOffset(2015, 6, 1, 0, 0, 0, TimeSpan.Zero))).Status);

            var unsigned = Release();
            unsigned.Signatures = Array.Empty<NpmRegistrySignatureEntry>();
            Assert.Equal(NpmRegistrySignatureStatus.Missing, NpmSignatureVerifier.Check(unsigned, Keys()).Status);
            Assert.Equal(NpmRegistrySignatureStatus.NotSigned, NpmSignatureVerifier.Check(unsigned, new NpmRegistryKeySet { Registry = "r" }).Status);
            // a signature and no published keys: npm's EMISSINGSIGNATUREKEY
            Assert.Equal(NpmRegistrySignatureStatus.UnknownKey, NpmSignatureVerifier.Check(Release(), new NpmRegistryKeySet { Registry = "r" }).Status);
        }

        [Fact]
        public void Many_releases_are_judged_in_parallel_with_the_same_verdicts()
        {
            var releases = Enumerable.Range(0, 300).Select(i => Release(version: "1.0." + i)).ToList();
            for (int i = 0; i < releases.Count; i += 7) releases[i].Integrity = PackumentFixture.Integrity("tampered");
            for (int i = 3; i < releases.Count; i += 11) releases[i].Signatures = Array.Empty<NpmRegistrySignatureEntry>();
            var expected = releases.Select(r => NpmSignatureVerifier.Check(r, Keys()).Status).ToList();
            NpmSignatureVerifier.JudgeAll(releases, Keys());
            Assert.Equal(expected, releases.Select(r => r.RegistrySignature));
            Assert.Contains(NpmRegistrySignatureStatus.Invalid, expected);
            Assert.Contains(NpmRegistrySignatureStatus.Missing, expected);
            Assert.Contains(NpmRegistrySignatureStatus.Valid, expected);
            using var cancelled = new System.Threading.CancellationTokenSource();
            cancelled.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => NpmSignatureVerifier.JudgeAll(releases, Keys(), cancelled.Token));
        }

        [Fact]
        public void The_first_failing_signature_decides()
        {
            var r = Release();
            r.Signatures = new[] { r.Signatures[0], new NpmRegistrySignatureEntry("SHA256:gone", "AAAA") };
            Assert.Equal(NpmRegistrySignatureStatus.UnknownKey, NpmSignatureVerifier.Check(r, Keys()).Status);
            r.Signatures = new[] { new NpmRegistrySignatureEntry(KeyId, Sign("other text")), r.Signatures[0] };
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(r, Keys()).Status);
        }

        [Fact]
        public void A_shasum_only_version_is_signed_over_its_sha1_SRI()
        {
            var sha1 = SHA1.HashData(Encoding.UTF8.GetBytes("old"));
            var r = new NpmPackageRelease
            {
                Package = "old", Version = "0.1.0", Shasum = Convert.ToHexString(sha1).ToLowerInvariant(),
                Signatures = new[] { new NpmRegistrySignatureEntry(KeyId, Sign("old@0.1.0:sha1-" + Convert.ToBase64String(sha1))) },
            };
            Assert.Equal(NpmRegistrySignatureStatus.Valid, NpmSignatureVerifier.Check(r, Keys()).Status);
        }

        [Fact]
        public void Keys_that_are_not_P256_SPKI_never_verify()
        {
            using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            Assert.Null(NpmSignatureVerifier.P256Point(p384.ExportSubjectPublicKeyInfo()));
            using var rsa = RSA.Create(2048);
            Assert.Null(NpmSignatureVerifier.P256Point(rsa.ExportSubjectPublicKeyInfo()));
            var spki = Key.ExportSubjectPublicKeyInfo();
            var point = NpmSignatureVerifier.P256Point(spki)!.Value;
            var expected = Key.ExportParameters(false).Q;
            Assert.Equal(expected.X, point.X);
            Assert.Equal(expected.Y, point.Y);
            Assert.Null(NpmSignatureVerifier.P256Point(spki.Take(spki.Length - 1).ToArray()));
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(Release(), Keys(key: Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()))).Status);
            Assert.Equal(NpmRegistrySignatureStatus.Invalid, NpmSignatureVerifier.Check(Release(), Keys(key: "%%%")).Status);
        }

        [Fact]
        public void Keys_answer_is_read_as_npm_reads_it()
        {
            Assert.True(NpmHardening.Engine.Js.JsJson.TryParse("{\"keys\":[{\"expires\":null,\"keyid\":\"SHA256:a\",\"keytype\":\"ecdsa-sha2-nistp256\",\"scheme\":\"ecdsa-sha2-nistp256\",\"key\":\"MFk=\"}," +
                "{\"expires\":\"2025-01-29T00:00:00.000Z\",\"keyid\":\"SHA256:b\",\"key\":\"x\"},{\"expires\":\"soon\",\"keyid\":\"SHA256:c\"},{\"nokeyid\":1}]}", out var body));
            var keys = NpmReleaseClient.ReadKeys(body, "h");
            Assert.Equal(new[] { "SHA256:a", "SHA256:b", "SHA256:c" }, keys.Select(k => k.KeyId));
            Assert.Null(keys[0].Expires);
            Assert.False(keys[0].ExpiresUnreadable);
            Assert.Equal(new DateTimeOffset(2025, 1, 29, 0, 0, 0, TimeSpan.Zero), keys[1].Expires);
            Assert.True(keys[2].ExpiresUnreadable);
            Assert.True(NpmHardening.Engine.Js.JsJson.TryParse("{\"nokeys\":1}", out var wrong));
            Assert.Throws<NpmHardening.Engine.Registry.RegistryException>(() => NpmReleaseClient.ReadKeys(wrong, "h"));
        }

        [Fact]
        public void Provenance_subjects_are_compared_with_the_integrity()
        {
            var r = Release();
            r.Provenance = new NpmReleaseProvenance { PredicateType = "https://slsa.dev/provenance/v1" };
            var hex = NpmReleaseClient.Sha512Hex(r.Integrity)!;
            Assert.Equal(128, hex.Length);
            string Bundle(string digest, string name = "pkg:npm/@acme/x@1.2.3")
            {
                var statement = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"" + name + "\",\"digest\":{\"sha512\":\"" + digest + "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\"}";
                return "{\"attestations\":[{\"predicateType\":\"https://github.com/npm/attestation/tree/main/specs/publish/v0.1\",\"bundle\":{}}," +
                       "{\"predicateType\":\"https://slsa.dev/provenance/v1\",\"bundle\":{\"dsseEnvelope\":{\"payload\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(statement)) + "\"}}}]}";
            }
            object? Parse(string s) { Assert.True(NpmHardening.Engine.Js.JsJson.TryParse(s, out var v)); return v; }
            Assert.True(NpmReleaseClient.CompareSubject(Parse(Bundle(hex)), r).Matches);
            Assert.False(NpmReleaseClient.CompareSubject(Parse(Bundle(new string('0', 128))), r).Matches);
            Assert.False(NpmReleaseClient.CompareSubject(Parse(Bundle(hex, "pkg:npm/@acme/other@1.2.3")), r).Matches);
            Assert.Null(NpmReleaseClient.CompareSubject(Parse("{\"attestations\":[]}"), r).Matches);
        }
    }
}
