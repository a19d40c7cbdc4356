using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Text.RegularExpressions;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Registry;
using NpmHardening.Engine.Releases;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine
{
    /// <summary>
    /// Builds, ahead of the first call, what every first call of a fresh process needs and is slow to build: the
    /// embedded catalogs (every npm config definition of every sampled npm release, every posture rule) and the
    /// regular expressions that the engine's types hold in static fields (constructing one parses and analyses the
    /// pattern). The PowerShell module runs <see cref="Prepare"/> on a background thread of its own while PowerShell
    /// finishes importing it. Everything here is pure: built from the engine's own resources and patterns; no file,
    /// environment variable or network is read.
    /// </summary>
    public static class Warmup
    {
        /// <summary>Builds the catalogs, then runs the type initializers that construct regular expressions.
        /// Safe to call more than once and from any thread; the catalogs are built once (a caller that needs one
        /// meanwhile waits for it), and a failure is left for the first real use to report.</summary>
        public static void Prepare()
        {
            try
            {
                GC.KeepAlive(NpmConfigCatalog.Default);
                GC.KeepAlive(RuleCatalog.Default);
            }
            catch (Exception)
            {
                // Lazy keeps the exception: the first caller that needs the catalog reports it.
            }
            foreach (var type in RegexHolders())
            {
                try { RuntimeHelpers.RunClassConstructor(type.TypeHandle); }
                catch (Exception) { /* reported by the first real use of the type */ }
            }
        }

        private static int s_releaseRead;

        /// <summary>
        /// Runs, once per process, what the first read of a package document pays on first use and a warm read does
        /// not: the reader over a two-version document held here (its dictionaries and lists over value types, which
        /// have no ReadyToRun code and are compiled by the JIT at first use), one P-256 signature verified through
        /// OpenSSL (loading and initialising it), and the transport's HTTP client and request objects, built and
        /// disposed without sending anything. Get-NpmPackageRelease starts it on a thread-pool thread while its own
        /// thread resolves npm's configuration, which needs the same time. Pure: no file, environment variable or
        /// network is read, and a failure is left for the real read to meet.
        /// </summary>
        public static void PrepareReleaseRead()
        {
            if (Interlocked.Exchange(ref s_releaseRead, 1) != 0) return;
            try
            {
                var document = NpmPackumentReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(SampleDocument)), "warm-up", 1 << 20, null);
                var keys = SampleKeys();
                foreach (var release in document.Releases) NpmSignatureVerifier.Precheck(release, keys, keys.PublicKey);
                NpmSignatureVerifier.JudgeAll(document.Releases, keys);
                using (var transport = new RegistryTransport(new RegistryClientOptions()))
                {
                    var url = RegistryTransport.Endpoint("http://127.0.0.1/", RegistryPackageName.Escape("@warm/up"));
                    GC.KeepAlive(new RegistryRequest(HttpMethod.Get, url, null) { Accept = "application/json" });
                    GC.KeepAlive(RegistryEndpoint.Safe(url.AbsoluteUri));
                    GC.KeepAlive(RegistryEndpoint.CheckTransport(url));
                }
            }
            catch (Exception)
            {
                // the real read meets the same failure and reports it
            }
        }

        // a key made for this warm-up only (its private half was discarded), and its signature over
        // "warm-up@1.0.0:sha512-AAAA", the text npm's registry signs for that version
        internal static NpmRegistryKeySet SampleKeys() => new NpmRegistryKeySet
        {
            Registry = "warm-up", Signs = true,
            Keys = new[] { new NpmRegistryKey { KeyId = "SHA256:warm-up", Key = SampleKey, KeyType = "ecdsa-sha2-nistp256", Scheme = "ecdsa-sha2-nistp256" } },
        };

        private const string SampleKey = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEpeHFcYEsLFaVOWmIjXOYAOafqouKYsebXDRbS4VCJP8BGnZQBxAxwBmwG5V6dCnLwOwZEAvT5i+uk4PRR+JE9Q==";
        private const string SampleSignature = "MEUCIHe1/ZS8bvK5LmbEqasTabK3Jfc5Y+DptCB9T+kmDSS3AiEAixuzyzgbKs0HY36BgR6TX6U13MykiPuWiyoxl8Voq5c=";

        internal const string SampleDocument =
            "{\"_id\":\"warm-up\",\"name\":\"warm-up\",\"dist-tags\":{\"latest\":\"1.0.0\",\"next\":\"1.0.1\"},\"versions\":{" +
            "\"1.0.0\":{\"name\":\"warm-up\",\"version\":\"1.0.0\",\"dependencies\":{\"a\":\"^1.0.0\"},\"_npmUser\":{\"name\":\"a\",\"email\":\"a@example.com\"}," +
            "\"dist\":{\"integrity\":\"sha512-AAAA\",\"shasum\":\"00\",\"tarball\":\"http://127.0.0.1/warm-up/-/warm-up-1.0.0.tgz\",\"fileCount\":1," +
            "\"signatures\":[{\"keyid\":\"SHA256:warm-up\",\"sig\":\"" + SampleSignature + "\"}]}}," +
            "\"1.0.1\":{\"name\":\"warm-up\",\"version\":\"1.0.1\",\"deprecated\":\"use 1.0.0\",\"_npmUser\":{\"name\":\"GitHub Actions\",\"email\":\"n@example.com\"," +
            "\"trustedPublisher\":{\"id\":\"github\",\"oidcConfigId\":\"oidc:1\"},\"approver\":{\"name\":\"b\",\"email\":\"b@example.com\"}}," +
            "\"dist\":{\"integrity\":\"sha512-AAAB\",\"attestations\":{\"url\":\"http://127.0.0.1/-/npm/v1/attestations/warm-up@1.0.1\",\"provenance\":{\"predicateType\":\"https://slsa.dev/provenance/v1\"}}," +
            "\"signatures\":[{\"keyid\":\"SHA256:warm-up\",\"sig\":\"" + SampleSignature + "\"}]}}}," +
            "\"time\":{\"created\":\"2025-01-01T00:00:00.000Z\",\"1.0.0\":\"2025-01-01T00:00:00.000Z\",\"1.0.1\":\"2025-01-02T00:00:00.000Z\",\"0.9.0\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2025-01-02T00:00:00.000Z\"}," +
            "\"maintainers\":[{\"name\":\"a\",\"email\":\"a@example.com\"}],\"readme\":\"# warm-up \\\"quoted\\\" \\u00e9\"}";

        /// <summary>The engine's types that hold a <see cref="Regex"/> in a static field (found by reflection, so a
        /// new one needs no list to be kept up to date).</summary>
        /// <summary>
        /// The engine's types whose static fields hold regular expressions, listed by hand: finding them by reflection
        /// loads every type of the engine (its GetTypes) and cost the warm-up about 30 ms of its 60 in a fresh process,
        /// time that competes with PowerShell's import on a two-core machine. WarmupTests keeps this list equal to what a
        /// reflection scan finds, so a new holder cannot be forgotten.
        /// </summary>
        internal static IReadOnlyList<Type> RegexHolders() => s_regexHolders;

        // the first Get-NpmSecurityPosture's and Get-NpmConfig's first
        private static readonly Type[] s_regexHolders =
        {
            typeof(Rules.AuditRun),
            typeof(Rules.SecretScrubber),
            typeof(Credentials.NpmCredential),
            typeof(NpmConfigEntries),
            typeof(RuleCatalog),
            typeof(NpmLocator),
            typeof(DynamicDefaults),
            typeof(BraceExpansion),
            typeof(Minimatch),
            typeof(NpmFlattenEffects),
            typeof(Js.JsDate),
            typeof(Policy.NpmPolicyReader),
            typeof(Remediation.EnvironmentReferenceWriter),
            typeof(NpmVersionRange),
            typeof(NpmStageClient),
            typeof(NpmTrustClient),
            typeof(Lockfiles.GitRevisionReader),
        };
    }
}
