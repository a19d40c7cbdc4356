using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NpmHardening.Engine.Releases;
using Xunit;

namespace NpmHardening.Engine.Tests.Releases
{
    /// <summary>
    /// Signatures verified while the document is read (NpmSignaturePipeline) must give exactly the verdicts of
    /// NpmSignatureVerifier.JudgeAll alone, for every way a signature can fail, whatever order the keys, the versions
    /// and the publish times arrive in.
    /// </summary>
    public class SignaturePipelineTests
    {
        private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private static readonly ECDsa Retired = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        private static readonly DateTimeOffset Start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        private static NpmRegistryKeySet Keys() => new()
        {
            Registry = "r", Signs = true,
            Keys = new[]
            {
                new NpmRegistryKey { KeyId = "SHA256:current", Key = Convert.ToBase64String(Key.ExportSubjectPublicKeyInfo()) },
                // retired 100 days after Start: versions published later with it are KeyExpired, earlier ones Valid
                new NpmRegistryKey { KeyId = "SHA256:retired", Key = Convert.ToBase64String(Retired.ExportSubjectPublicKeyInfo()), Expires = Start.AddDays(100) },
            },
        };

        private static string Sign(ECDsa key, string text) =>
            Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        /// <summary>Versions 0..n-1 of "@acme/p", one a day, with every kind of verdict spread through them.</summary>
        private static List<NpmPackageRelease> Releases(int n)
        {
            var list = new List<NpmPackageRelease>();
            for (int i = 0; i < n; i++)
            {
                var version = "1.0." + i;
                var integrity = PackumentFixture.Integrity(version);
                var text = "@acme/p@" + version + ":" + integrity;
                var signatures = new List<NpmRegistrySignatureEntry>();
                switch (i % 9)
                {
                    case 0: signatures.Add(new("SHA256:current", Sign(Key, text))); break;                                   // Valid
                    case 1: signatures.Add(new("SHA256:current", Sign(Key, text + "x"))); break;                             // Invalid
                    case 2: break;                                                                                           // Missing
                    case 3: signatures.Add(new("SHA256:unknown", Sign(Key, text))); break;                                   // UnknownKey
                    case 4: signatures.Add(new("SHA256:retired", Sign(Retired, text))); break;                               // Valid or KeyExpired by time
                    case 5: signatures.Add(new("SHA256:current", Sign(Key, text))); signatures.Add(new("SHA256:current", "AAAA")); break; // second fails
                    case 6: signatures.Add(new("SHA256:current", Sign(Retired, text))); break;                               // another key's signature
                    case 7: signatures.Add(new("SHA256:current", "not base64!")); break;
                    default: signatures.Add(new("SHA256:retired", Sign(Retired, text))); signatures.Add(new("SHA256:current", Sign(Key, text))); break;
                }
                list.Add(new NpmPackageRelease { Package = "@acme/p", Version = version, Integrity = integrity, Signatures = signatures });
            }
            return list;
        }

        private static void PublishTimes(IEnumerable<NpmPackageRelease> releases)
        {
            int day = 0;
            foreach (var r in releases) r.PublishedAt = Start.AddDays(day++);
        }

        [Fact]
        public void Verifying_while_reading_gives_the_verdicts_of_judging_afterwards()
        {
            var keys = Keys();
            var plain = Releases(300);
            PublishTimes(plain);
            NpmSignatureVerifier.JudgeAll(plain, keys);

            var early = Releases(300);
            using (var pipeline = new NpmSignaturePipeline(Task.FromResult(keys), null))
            {
                foreach (var r in early) pipeline.Add(r);
                pipeline.Complete();
            }
            Assert.All(early, r => Assert.Same(keys, r.PrecheckedWith));
            // the publish times arrive after the versions, as 'time' follows 'versions' in the registry's documents
            PublishTimes(early);
            NpmSignatureVerifier.JudgeAll(early, keys);

            Assert.Equal(plain.Select(r => (r.RegistrySignature, r.SignatureKeyId)), early.Select(r => (r.RegistrySignature, r.SignatureKeyId)));
            var verdicts = plain.Select(r => r.RegistrySignature).ToHashSet();
            foreach (var expected in new[] { NpmRegistrySignatureStatus.Valid, NpmRegistrySignatureStatus.Invalid, NpmRegistrySignatureStatus.Missing,
                         NpmRegistrySignatureStatus.UnknownKey, NpmRegistrySignatureStatus.KeyExpired })
                Assert.Contains(expected, verdicts);
        }

        [Fact]
        public void Keys_that_arrive_after_the_versions_are_still_used_and_only_wanted_versions_are_verified()
        {
            var keys = Keys();
            var arriving = new TaskCompletionSource<NpmRegistryKeySet>(TaskCreationOptions.RunContinuationsAsynchronously);
            var early = Releases(90);
            using (var pipeline = new NpmSignaturePipeline(arriving.Task, r => r.Version.EndsWith("0", StringComparison.Ordinal)))
            {
                foreach (var r in early) pipeline.Add(r);
                Thread.Sleep(50);
                Assert.All(early, r => Assert.Null(r.PrecheckedWith));
                arriving.SetResult(keys);
                pipeline.Complete();
            }
            Assert.All(early, r => Assert.Equal(r.Version.EndsWith("0", StringComparison.Ordinal), ReferenceEquals(keys, r.PrecheckedWith)));
            PublishTimes(early);
            var plain = Releases(90);
            PublishTimes(plain);
            NpmSignatureVerifier.JudgeAll(early, keys);
            NpmSignatureVerifier.JudgeAll(plain, keys);
            Assert.Equal(plain.Select(r => r.RegistrySignature), early.Select(r => r.RegistrySignature));
            // a set other than the one verified against is judged from scratch
            var other = Keys();
            NpmSignatureVerifier.JudgeAll(early, other);
            Assert.Equal(plain.Select(r => r.RegistrySignature), early.Select(r => r.RegistrySignature));
        }

        [Fact]
        public void A_failed_keys_request_verifies_nothing_early_and_throws_nothing()
        {
            var failed = Task.FromException<NpmRegistryKeySet>(new InvalidOperationException("keys request failed"));
            var early = Releases(70);
            using (var pipeline = new NpmSignaturePipeline(failed, null))
            {
                foreach (var r in early) pipeline.Add(r);
                pipeline.Complete();
            }
            Assert.All(early, r => Assert.Null(r.PrecheckedWith));
            var none = Task.FromResult(new NpmRegistryKeySet { Registry = "r", Signs = false });
            using (var pipeline = new NpmSignaturePipeline(none, null))
            {
                foreach (var r in early) pipeline.Add(r);
                pipeline.Complete();
            }
            Assert.All(early, r => Assert.Null(r.PrecheckedWith));
        }

        [Fact]
        public async Task A_stopped_pipeline_ends_its_workers_and_Complete_says_so()
        {
            using var stop = new CancellationTokenSource();
            var never = new TaskCompletionSource<NpmRegistryKeySet>();
            var pipeline = new NpmSignaturePipeline(never.Task, null, stop.Token);
            foreach (var r in Releases(64)) pipeline.Add(r);
            stop.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => pipeline.Complete(stop.Token));
            var disposed = Task.Run(pipeline.Dispose);
            Assert.Same(disposed, await Task.WhenAny(disposed, Task.Delay(TimeSpan.FromSeconds(10))));
            // a pipeline disposed while the keys are still awaited does not wait for them either
            var waiting = new NpmSignaturePipeline(new TaskCompletionSource<NpmRegistryKeySet>().Task, null);
            var gone = Task.Run(waiting.Dispose);
            Assert.Same(gone, await Task.WhenAny(gone, Task.Delay(TimeSpan.FromSeconds(10))));
        }

        [Fact]
        public void The_reader_hands_over_each_version_before_the_document_ends()
        {
            var f = new PackumentFixture("p");
            for (int i = 0; i < 5; i++) f.Add("1.0." + i, $"2025-01-0{i + 1}T00:00:00.000Z", "token");
            var seen = new List<(string Version, bool HadTime)>();
            var doc = NpmPackumentReader.Read(f.Stream(), "p", NpmPackumentReader.DefaultMaxBytes, null, r => seen.Add((r.Version, r.PublishedAt.HasValue)));
            Assert.Equal(new[] { "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4" }, seen.Select(s => s.Version));
            // the document's 'time' follows 'versions': a version is handed over before its publish time is known
            Assert.All(seen, s => Assert.False(s.HadTime));
            Assert.All(doc.Releases, r => Assert.True(r.PublishedAt.HasValue));
        }
    
        [Fact]
        public void Publish_order_keeps_the_document_order_for_equal_and_missing_times()
        {
            var f = new PackumentFixture("p");
            f.Add("3.0.0", "2025-03-01T00:00:00.000Z", "token");
            f.Add("1.0.0", "2025-01-01T00:00:00.000Z", "token");
            f.Add("2.0.1", "2025-02-01T00:00:00.000Z", "token");
            f.Add("2.0.0", "2025-02-01T00:00:00.000Z", "token");
            f.Add("0.2.0", "2025-01-01T00:00:00.000Z", "token");
            f.Add("0.1.0", "2025-01-01T00:00:00.000Z", "token");
            f.Time("0.2.0", null);
            f.Time("0.1.0", "not a date");
            // versions only time[] names (unpublished), two at the same instant
            f.Time("0.0.9", "2024-06-01T00:00:00.000Z");
            f.Time("0.0.2", "2024-01-01T00:00:00.000Z");
            f.Time("0.0.1", "2024-01-01T00:00:00.000Z");
            var doc = NpmPackumentReader.Read(f.Stream(), "p");
            Assert.Equal(new[] { "1.0.0", "2.0.1", "2.0.0", "3.0.0", "0.2.0", "0.1.0" }, doc.Releases.Select(r => r.Version));
            Assert.Equal(new[] { "0.0.2", "0.0.1", "0.0.9" }, doc.UnpublishedVersions);
        }
    
        [Fact]
        public void The_release_warm_up_reads_and_verifies_what_a_real_read_does()
        {
            // the warm-up's document and signature must take every path of a real read, the valid signature included
            var doc = NpmPackumentReader.Read(new System.IO.MemoryStream(Encoding.UTF8.GetBytes(Warmup.SampleDocument)), "warm-up");
            Assert.Empty(doc.Problems);
            Assert.Equal(new[] { "1.0.0", "1.0.1" }, doc.Releases.Select(r => r.Version));
            Assert.Equal(new[] { "0.9.0" }, doc.UnpublishedVersions);
            Assert.Equal(NpmReleasePath.StagedApproved, doc.Releases[1].ReleasePath);
            Assert.True(doc.Releases[1].HasProvenance);
            NpmSignatureVerifier.JudgeAll(doc.Releases, Warmup.SampleKeys());
            Assert.Equal(new[] { NpmRegistrySignatureStatus.Valid, NpmRegistrySignatureStatus.Invalid }, doc.Releases.Select(r => r.RegistrySignature));
            Warmup.PrepareReleaseRead();
            Warmup.PrepareReleaseRead();
        }
    }
}
