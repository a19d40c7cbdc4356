using System;
using System.Collections.Generic;
using System.Linq;
using NpmHardening.Engine.Lockfiles;
using NpmHardening.Engine.Releases;
using NpmHardening.Engine.Rules;

namespace NpmHardening.Engine.Tests.Lockfiles
{
    public class LockfileComparerTests
    {
        private const string Sha512A = "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
        private const string Sha512B = "sha512-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB==";

        /// <summary>An entry as npm writes it for a registry package: resolved from the public registry, a sha512 integrity.</summary>
        internal static LockNode Pkg(string key, string version, string? integrity = null, string? resolved = null, bool script = false, params string[] deps)
        {
            var name = LockNode.NameFromKey(key);
            return new LockNode
            {
                Key = key,
                Name = name,
                Version = version,
                Resolved = resolved ?? $"https://registry.npmjs.org/{name}/-/{name.Substring(name.LastIndexOf('/') + 1)}-{version}.tgz",
                Integrity = integrity ?? Sha512A,
                HasInstallScript = script,
                Dependencies = deps,
            };
        }

        internal static LockNode Root(params string[] deps) => new LockNode { Key = "", Name = "app", Version = "1.0.0", Dependencies = deps };

        private static LockfileComparison Compare(IEnumerable<LockNode> before, IEnumerable<LockNode> after, Func<string, string?>? typosquat = null, long budget = 64_000_000) =>
            LockfileComparer.Compare(before.ToList(), after.ToList(), new LockfileCompareOptions
            {
                Path = "/repo/package-lock.json", ReferencePath = "/repo/old-lock.json", Typosquat = typosquat, VisitBudget = budget,
            });

        private static NpmLockfileChange One(LockfileComparison c, string name) => Assert.Single(c.Changes, x => x.Name == name);

        [Fact]
        public void Identical_lockfiles_have_no_changes_and_a_clean_verdict()
        {
            var tree = new[] { Root("a"), Pkg("node_modules/a", "1.0.0", deps: "b"), Pkg("node_modules/b", "2.0.0") };
            var c = Compare(tree, tree.Select(Clone));
            Assert.Empty(c.Changes);
            var review = LockfileComparer.Summarise(c, LockfileComparer.Findings(c.Changes, "/repo", "m"), "/repo/package-lock.json", "/repo/old-lock.json", null, "m");
            Assert.Equal(NpmSeverity.Info, review.Risk);
            Assert.Equal(0, review.Signals);
            Assert.Equal(2, review.Packages);
            Assert.StartsWith("No risk signals. 0 changed package(s)", review.Verdict);
        }

        [Fact]
        public void Each_change_kind_is_recognised_with_semver_order()
        {
            var before = new[]
            {
                Root("up", "down", "gone", "pre", "git"),
                Pkg("node_modules/up", "1.9.0"), Pkg("node_modules/down", "2.0.0"), Pkg("node_modules/gone", "1.0.0"),
                Pkg("node_modules/pre", "1.0.0-beta.2"),
                Pkg("node_modules/git", "1.0.0", resolved: "git+ssh://git@github.com/o/git.git#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            };
            var after = new[]
            {
                Root("up", "down", "new", "pre", "git"),
                Pkg("node_modules/up", "1.10.0"), Pkg("node_modules/down", "1.99.0"), Pkg("node_modules/new", "0.1.0"),
                Pkg("node_modules/pre", "1.0.0"),
                Pkg("node_modules/git", "1.0.0", resolved: "git+ssh://git@github.com/o/git.git#bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            };
            var c = Compare(before, after);
            Assert.Equal(NpmLockfileChangeKind.Upgraded, One(c, "up").Change);      // 1.10.0 > 1.9.0: numeric, not text, order
            Assert.Equal(NpmLockfileChangeKind.Downgraded, One(c, "down").Change);
            Assert.Equal(NpmLockfileChangeKind.Added, One(c, "new").Change);
            Assert.Equal(NpmLockfileChangeKind.Removed, One(c, "gone").Change);
            Assert.Equal(NpmLockfileChangeKind.Upgraded, One(c, "pre").Change);     // a prerelease sorts below its release
            var git = One(c, "git");
            Assert.Equal(NpmLockfileChangeKind.Changed, git.Change);
            Assert.EndsWith("#bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", git.ResolvedAfter);   // the commit stays visible
            Assert.DoesNotContain("git@", git.ResolvedAfter);                                // user info does not
            Assert.Equal(new[] { "1.9.0", "2.0.0", null, "1.0.0-beta.2", "1.0.0" }, new[] { "up", "down", "new", "pre", "git" }.Select(n => One(c, n).Before));
            Assert.Equal("gone", c.Changes.Last().Name);   // removed packages come last
            Assert.Equal(new[] { LockfileComparer.Downgrade }, One(c, "down").RuleIds);
            Assert.Equal(NpmSeverity.Medium, One(c, "down").Risk);
            Assert.Empty(One(c, "up").RuleIds);
            Assert.Equal(NpmSeverity.Info, One(c, "up").Risk);
        }

        [Fact]
        public void Same_version_with_a_different_integrity_is_a_tarball_swap()
        {
            var before = new[] { Root("a"), Pkg("node_modules/a", "1.0.0", Sha512A) };
            var after = new[] { Root("a"), Pkg("node_modules/a", "1.0.0", Sha512B) };
            var a = One(Compare(before, after), "a");
            Assert.Equal(NpmLockfileChangeKind.Changed, a.Change);
            Assert.Equal(new[] { LockfileComparer.TarballSwap }, a.RuleIds);
            Assert.Equal(NpmSeverity.Critical, a.Risk);
            Assert.Contains("kept its version but its integrity changed", a.Reasons[0]);
            // a new version with a new hash is the normal case, not a swap
            var upgraded = One(Compare(before, new[] { Root("a"), Pkg("node_modules/a", "1.0.1", Sha512B) }), "a");
            Assert.Empty(upgraded.RuleIds);
        }

        [Fact]
        public void Integrity_rewritten_to_another_algorithm_is_not_a_swap_but_a_removed_one_is_flagged()
        {
            var sha1 = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=";
            var before = new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0", sha1), Pkg("node_modules/b", "1.0.0", Sha512A) };
            var after = new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0", Sha512A + " " + sha1.Replace("2jmj", "XXXX")), Pkg("node_modules/b", "1.0.0", "") };
            var c = Compare(before, after);
            // sha1 and sha512 both present after: the shared sha1 differs, so this is a swap after all
            Assert.Equal(new[] { LockfileComparer.TarballSwap }, One(c, "a").RuleIds);
            Assert.Equal(new[] { LockfileComparer.IntegrityRemoved }, One(c, "b").RuleIds);

            var rewritten = Compare(before.Take(2), new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0", Sha512A) });
            var a = One(rewritten, "a");
            Assert.Equal(NpmLockfileChangeKind.Changed, a.Change);   // sha1 -> sha512 only: reported, not judged
            Assert.Empty(a.RuleIds);
            Assert.Equal(SriComparison.Same, Sri.Compare(Sha512A + " " + sha1, sha1 + "  " + Sha512A));
            Assert.Equal(SriComparison.Incomparable, Sri.Compare(sha1, Sha512A));
            Assert.Equal(SriComparison.Different, Sri.Compare(Sha512A, Sha512B + "?opt"));
            Assert.Equal(SriComparison.Removed, Sri.Compare(Sha512A, null));
        }

        [Fact]
        public void A_new_host_or_source_kind_is_flagged_once_with_the_right_rule()
        {
            var before = new[] { Root("a", "b", "c"), Pkg("node_modules/a", "1.0.0"), Pkg("node_modules/b", "1.0.0"), Pkg("node_modules/c", "1.0.0") };
            var after = new[]
            {
                Root("a", "b", "c", "d", "e"),
                Pkg("node_modules/a", "1.0.0", resolved: "https://user:s3cretpass@evil.example:8443/a/-/a-1.0.0.tgz?token=abc"),
                Pkg("node_modules/b", "1.0.0", resolved: "http://registry.npmjs.org/b/-/b-1.0.0.tgz"),
                Pkg("node_modules/c", "1.0.1", resolved: "git+https://github.com/o/c.git#cccccccccccccccccccccccccccccccccccccccc"),
                Pkg("node_modules/d", "1.0.0"),                                                  // the reference's host: fine
                Pkg("node_modules/e", "1.0.0", resolved: "https://mirror.example/e/-/e-1.0.0.tgz"),  // a host new to the lockfile
            };
            var c = Compare(before, after);
            var a = One(c, "a");
            Assert.Equal(new[] { LockfileComparer.HostChanged }, a.RuleIds);
            Assert.Contains("evil.example:8443", a.Reasons[0]);
            foreach (var text in a.Reasons.Append(a.ResolvedAfter!))
            {
                Assert.DoesNotContain("s3cretpass", text);
                Assert.DoesNotContain("token=abc", text);
            }
            Assert.Equal(new[] { LockfileComparer.SourceChanged }, One(c, "b").RuleIds);   // https -> http: a kind, not a host
            Assert.Contains("plain http", One(c, "b").Reasons[0]);
            Assert.Equal(new[] { LockfileComparer.SourceChanged }, One(c, "c").RuleIds);
            Assert.Contains("git repository", One(c, "c").Reasons[0]);
            Assert.Empty(One(c, "d").RuleIds);
            Assert.Equal(new[] { LockfileComparer.HostChanged }, One(c, "e").RuleIds);
        }

        [Fact]
        public void New_install_scripts_are_flagged_for_added_and_changed_packages_only_when_new()
        {
            var before = new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0"), Pkg("node_modules/b", "1.0.0", script: true) };
            var after = new[]
            {
                Root("a", "b", "c"), Pkg("node_modules/a", "1.1.0", script: true), Pkg("node_modules/b", "1.1.0", script: true),
                Pkg("node_modules/c", "1.0.0", script: true),
            };
            var c = Compare(before, after);
            Assert.Equal(new[] { LockfileComparer.InstallScript }, One(c, "a").RuleIds);
            Assert.Contains("1.0.0 did not have", One(c, "a").Reasons[0]);
            Assert.Empty(One(c, "b").RuleIds);   // had one before
            Assert.Equal(new[] { LockfileComparer.InstallScript }, One(c, "c").RuleIds);
            Assert.Equal(NpmSeverity.High, One(c, "c").Risk);
        }

        [Fact]
        public void Typosquat_check_runs_only_for_names_new_to_the_lockfile()
        {
            var asked = new List<string>();
            string? Check(string name) { asked.Add(name); return name == "lodahs" ? "lodash" : null; }
            var before = new[] { Root("x"), Pkg("node_modules/x", "1.0.0"), Pkg("node_modules/y/node_modules/expres", "1.0.0") };
            var after = new[]
            {
                Root("x", "lodahs"), Pkg("node_modules/x", "1.0.0"), Pkg("node_modules/lodahs", "1.0.0"),
                Pkg("node_modules/z/node_modules/expres", "1.0.1"),   // a name the reference already had: paired, not new
                Pkg("node_modules/other", "1.0.0"),
            };
            var c = Compare(before, after, Check);
            Assert.Equal(new[] { LockfileComparer.Typosquat }, One(c, "lodahs").RuleIds);
            Assert.Contains("'lodash'", One(c, "lodahs").Reasons[0]);
            Assert.Equal(new[] { "lodahs", "other" }, asked);
            var moved = One(c, "expres");
            Assert.Equal(NpmLockfileChangeKind.Upgraded, moved.Change);
            Assert.Equal("node_modules/y/node_modules/expres", moved.ReferencePackagePath);
        }

        [Fact]
        public void A_resolved_url_written_out_or_left_out_under_the_same_hash_is_not_a_change()
        {
            var bare = Pkg("node_modules/a", "1.0.0");
            bare.Resolved = null;
            var c = Compare(new[] { Root("a"), bare }, new[] { Root("a"), Pkg("node_modules/a", "1.0.0") });
            Assert.Empty(c.Changes);
            Assert.Empty(Compare(new[] { Root("a"), Pkg("node_modules/a", "1.0.0") }, new[] { Root("a"), bare }).Changes);
            var swapped = Pkg("node_modules/a", "1.0.0", Sha512B);
            Assert.Equal(new[] { LockfileComparer.TarballSwap }, One(Compare(new[] { Root("a"), bare }, new[] { Root("a"), swapped }), "a").RuleIds);
        }

        [Fact]
        public void A_package_npm_only_moved_is_not_a_change()
        {
            var before = new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0", deps: "c"), Pkg("node_modules/a/node_modules/c", "3.0.0"), Pkg("node_modules/b", "1.0.0") };
            var after = new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0", deps: "c"), Pkg("node_modules/c", "3.0.0"), Pkg("node_modules/b", "1.0.0") };
            var c = Compare(before, after);
            Assert.Empty(c.Changes);
            Assert.Equal(1, c.Moved);
        }

        [Fact]
        public void Placement_names_the_direct_dependencies_and_a_shortest_chain_resolved_as_node_does()
        {
            // express -> body-parser -> qs (nested copy); koa -> qs (hoisted copy); a cycle between two packages
            var after = new[]
            {
                Root("express", "koa", "cyc-a"),
                Pkg("node_modules/express", "5.0.0", deps: "body-parser"),
                Pkg("node_modules/body-parser", "2.0.0", deps: new[] { "qs" }),
                Pkg("node_modules/body-parser/node_modules/qs", "6.0.0"),
                Pkg("node_modules/koa", "2.0.0", deps: new[] { "qs" }),
                Pkg("node_modules/qs", "5.0.0"),
                Pkg("node_modules/cyc-a", "1.0.0", deps: "cyc-b"),
                Pkg("node_modules/cyc-b", "1.0.0", deps: new[] { "cyc-a", "qs" }),
            };
            var before = after.Select(Clone).Where(n => n.Key != "node_modules/body-parser/node_modules/qs" && n.Key != "node_modules/qs" && n.Key != "node_modules/express").ToList();
            before[0].Dependencies = new[] { "koa", "cyc-a" };
            var c = Compare(before, after);
            var nested = Assert.Single(c.Changes, x => x.PackagePath == "node_modules/body-parser/node_modules/qs");
            Assert.False(nested.Direct);
            Assert.Equal(new[] { "express" }, nested.Via);     // only body-parser's own copy: koa resolves the hoisted one
            Assert.Equal("express > body-parser > qs", nested.Chain);
            var hoisted = Assert.Single(c.Changes, x => x.PackagePath == "node_modules/qs");
            Assert.Equal(new[] { "koa", "cyc-a" }, hoisted.Via);     // nearest first: koa -> qs, then cyc-a -> cyc-b -> qs
            Assert.Equal(2, hoisted.ViaCount);
            Assert.Equal("koa > qs", hoisted.Chain);
            var express = One(c, "express");
            Assert.True(express.Direct);
            Assert.Equal(new[] { "express" }, express.Via);
            Assert.Equal("express", express.Chain);
            Assert.True(c.Complete);
        }

        [Fact]
        public void Workspaces_count_as_the_project_and_removed_packages_are_placed_in_the_old_tree()
        {
            var before = new[]
            {
                new LockNode { Key = "", Name = "mono", Version = "1.0.0", Dependencies = new[] { "web" } },
                new LockNode { Key = "node_modules/web", Name = "web", Link = true, Resolved = "packages/web" },
                new LockNode { Key = "packages/web", Name = "web", Version = "0.1.0", Dependencies = new[] { "react" } },
                Pkg("node_modules/react", "18.0.0", deps: "loose-envify"),
                Pkg("node_modules/loose-envify", "1.4.0"),
            };
            var after = before.Select(Clone).Where(n => n.Name != "loose-envify").ToList();
            after[2].Version = "0.2.0";   // the workspace's own version: project code, not a package
            var c = Compare(before, after);
            var gone = Assert.Single(c.Changes);
            Assert.Equal(NpmLockfileChangeKind.Removed, gone.Change);
            Assert.Equal("loose-envify", gone.Name);
            Assert.Equal(new[] { "react" }, gone.Via);
            Assert.Equal("react > loose-envify", gone.Chain);
            Assert.Null(gone.After);
        }

        [Fact]
        public void The_tree_walk_stops_at_its_budget_and_says_so()
        {
            // a long chain d0 -> d1 -> ... -> d199, all changed: each walk climbs the whole chain
            var after = new List<LockNode> { Root("d0") };
            for (int i = 0; i < 200; i++) after.Add(Pkg($"node_modules/d{i}", "2.0.0", deps: i < 199 ? new[] { $"d{i + 1}" } : Array.Empty<string>()));
            var before = after.Select(Clone).ToList();
            foreach (var n in before.Skip(1)) n.Version = "1.0.0";
            var full = Compare(before, after);
            Assert.True(full.Complete);
            Assert.Equal("d0 > d1 > d2", One(full, "d2").Chain);
            Assert.Equal(new[] { "d0" }, One(full, "d199").Via);
            var cut = Compare(before, after, budget: 50);
            Assert.False(cut.Complete);
            Assert.Equal(new[] { "d0" }, One(cut, "d199").Via);             // the propagation stopped early; the chain's head still counts
            Assert.StartsWith("d0 > d1 > d2 > ", One(cut, "d199").Chain);   // the chains are one linear walk, always whole
            var review = LockfileComparer.Summarise(cut, LockfileComparer.Findings(cut.Changes, null, "m"), "p", "r", null, "m");
            Assert.False(review.Complete);
            Assert.Contains("bound", review.Verdict);
        }

        [Fact]
        public void Findings_take_title_and_severity_from_the_catalog_and_the_summary_counts_them()
        {
            var before = new[] { Root("a", "b", "gone"), Pkg("node_modules/a", "1.0.0", Sha512A), Pkg("node_modules/b", "2.0.0"), Pkg("node_modules/gone", "1.0.0") };
            before[3].Line = 42;
            var after = new[] { Root("a", "b"), Pkg("node_modules/a", "1.0.0", Sha512B), Pkg("node_modules/b", "1.0.0", script: true) };
            after[1].Line = 7;
            var c = Compare(before, after);
            var findings = LockfileComparer.Findings(c.Changes, "/repo", "host1");
            Assert.Equal(new[] { "NPMH15050", "NPMH15054", "NPMH15055" }, findings.Select(f => f.RuleId).OrderBy(x => x));
            foreach (var f in findings)
            {
                var rule = RuleCatalog.Default[f.RuleId];
                Assert.Equal(rule.Title, f.Title);
                Assert.Equal(rule.Severity, f.Severity);
                Assert.Equal("Lockfiles", f.Area);
                Assert.Equal(NpmFindingStatus.Fail, f.Status);
                Assert.Contains(f.RuleId, LockfileComparer.RuleIds);
                Assert.Equal("host1", f.ComputerName);
                Assert.Equal("/repo/package-lock.json", f.Location!.Path);
            }
            var swap = findings.Single(f => f.RuleId == "NPMH15050");
            Assert.Equal(7, swap.Location!.Line);
            Assert.Equal("a", swap.Package);
            Assert.Equal(findings.Count, findings.Select(f => f.FactId).Distinct().Count());
            // the install script and the downgrade are on one change (b), riskiest first
            var b = One(c, "b");
            Assert.Equal(new[] { "NPMH15054", "NPMH15055" }, b.RuleIds);
            Assert.Equal(NpmSeverity.High, b.Risk);

            findings[0].Status = NpmFindingStatus.Suppressed;   // as a policy exception leaves it
            var review = LockfileComparer.Summarise(c, findings, "/repo/package-lock.json", "/repo/old-lock.json", null, "host1");
            Assert.Equal(1, review.Removed);
            Assert.Equal(1, review.Changed);
            Assert.Equal(1, review.Downgraded);
            Assert.Equal(1, review.Suppressed);
            Assert.Equal(2, review.Signals);
            Assert.Equal(findings.Skip(1).Max(f => f.Severity), review.Risk);
            Assert.Contains(review.Risk + ": 2 risk signal(s) in 3 changed package(s): 0 added, 1 removed, 0 upgraded, 1 downgraded, 1 changed; 1 suppressed by policy. First: ", review.Verdict);
            Assert.DoesNotContain(review.RuleCounts, x => x.StartsWith(findings[0].RuleId + "=", StringComparison.Ordinal));
        }

        [Fact]
        public void Release_age_flags_young_registry_versions_asks_each_name_once_and_honours_exclusions_for_the_cooldown()
        {
            var now = new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);
            var before = new[] { Root("young"), Pkg("node_modules/young", "1.0.0"), Pkg("node_modules/a/node_modules/young", "1.0.0") };
            var after = new[]
            {
                Root("young", "old", "git", "@corp/own", "extra"),
                Pkg("node_modules/young", "1.1.0"), Pkg("node_modules/a/node_modules/young", "1.1.0"), Pkg("node_modules/old", "1.0.0"),
                Pkg("node_modules/git", "1.0.0", resolved: "git+https://github.com/o/git.git#dddddddddddddddddddddddddddddddddddddddd"),
                Pkg("node_modules/@corp/own", "1.1.0"), Pkg("node_modules/extra", "1.0.0"),
            };
            var c = Compare(before, after);
            var asked = new List<string>();
            IReadOnlyList<NpmPackageRelease>? Releases(string name)
            {
                asked.Add(name);
                return new[]
                {
                    new NpmPackageRelease { Version = "1.1.0", PublishedAt = now.AddHours(-30) },
                    new NpmPackageRelease { Version = "1.0.0", PublishedAt = now.AddDays(-400) },
                };
            }
            var unasked = LockfileReleaseCheck.Check(c.Changes, Releases, TimeSpan.FromDays(3), now, maxPackages: 3, exempt: new[] { "@corp/*", "!young" });
            Assert.Equal(new[] { "young", "old", "@corp/own" }, asked);   // once per name; the git source never asked
            Assert.Equal(new[] { "extra" }, unasked);                    // over the cap: said, not asked
            Assert.Empty(One(c, "@corp/own").RuleIds);                   // 1.1.0 is young, but min-release-age-exclude covers @corp/*
            foreach (var young in c.Changes.Where(x => x.Name == "young"))
            {
                Assert.Equal(new[] { LockfileReleaseCheck.Young }, young.RuleIds);
                Assert.Contains("30 hour(s) ago", young.Reasons[0]);
                Assert.Contains("3-day cooldown", young.Reasons[0]);
                Assert.Equal(NpmSeverity.Medium, young.Risk);
            }
            Assert.Empty(One(c, "old").RuleIds);
            Assert.Empty(One(c, "git").RuleIds);
        }

        [Fact]
        public void A_version_that_lost_trusted_publishing_or_provenance_is_flagged_against_the_one_it_replaces()
        {
            var now = new DateTimeOffset(2026, 12, 3, 8, 0, 0, TimeSpan.Zero);
            var before = new[] { Root("a", "b", "c"), Pkg("node_modules/a", "1.0.0"), Pkg("node_modules/b", "1.0.0"), Pkg("node_modules/c", "1.0.0") };
            var after = new[] { Root("a", "b", "c"), Pkg("node_modules/a", "1.0.1"), Pkg("node_modules/b", "1.0.1"), Pkg("node_modules/c", "1.0.1") };
            var c = Compare(before, after);
            NpmPackageRelease R(string v, bool oidc, bool provenance, string who = "ci-bot") => new NpmPackageRelease
            {
                Version = v, PublishedAt = now.AddDays(-60), Publisher = new NpmReleaseIdentity { Name = who },
                TrustedPublisher = oidc ? new NpmReleaseTrustedPublisher { Provider = "github" } : null,
                Provenance = provenance ? new NpmReleaseProvenance { PredicateType = "https://slsa.dev/provenance/v1" } : null,
            };
            var docs = new Dictionary<string, IReadOnlyList<NpmPackageRelease>>
            {
                ["a"] = new[] { R("1.0.0", true, true), R("1.0.1", false, false, "mallory") },   // both lost
                ["b"] = new[] { R("1.0.0", false, true), R("1.0.1", false, true) },              // provenance kept
                ["c"] = new[] { R("1.0.0", false, false), R("1.0.1", true, true) },              // gained, not lost
            };
            LockfileReleaseCheck.Check(c.Changes, n => docs[n], TimeSpan.FromDays(3), now, 10, null);
            var a = One(c, "a");
            Assert.Equal(new[] { LockfileReleaseCheck.TrustLost }, a.RuleIds);
            Assert.Contains("trusted publishing (OIDC) and provenance that 1.0.0 had (published by mallory)", a.Reasons[0]);
            Assert.Equal(NpmSeverity.High, a.Risk);
            Assert.Empty(One(c, "b").RuleIds);
            Assert.Empty(One(c, "c").RuleIds);
        }

        internal static LockNode Clone(LockNode n) => new LockNode
        {
            Key = n.Key, Name = n.Name, Version = n.Version, Resolved = n.Resolved, Integrity = n.Integrity, HasInstallScript = n.HasInstallScript,
            Dev = n.Dev, Optional = n.Optional, Link = n.Link, Dependencies = n.Dependencies.ToArray(), Line = n.Line,
        };
    }
}
