using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace NpmHardening.Engine.Releases
{
    /// <summary>
    /// Reads a full package document (GET {registry}/{name} with Accept: application/json) from a stream as it arrives,
    /// keeping only what release auditing needs: per version _npmUser (name, email, approver, trustedPublisher),
    /// dist (integrity, shasum, tarball, signatures, attestations) and deprecated; at the top level name, dist-tags, time
    /// and maintainers. Everything else (readmes, dependency maps, scripts) is skipped undecoded, so memory follows the
    /// number of versions, not the document's size. A field of the wrong type reads as absent and is listed in Problems;
    /// a stream that is not JSON, or longer than the limit, is an <see cref="NpmPackumentException"/>.
    /// </summary>
    public static class NpmPackumentReader
    {
        /// <summary>
        /// The largest document read (256 MB). The biggest public package documents are tens of MB; past this limit the
        /// registry is treated as misbehaving rather than waited for.
        /// </summary>
        public const long DefaultMaxBytes = 256L * 1024 * 1024;

        /// <summary>More versions than this (the largest public packages have some tens of thousands) is refused.</summary>
        public const int MaxVersions = 200_000;

        // kept strings: names, e-mails, versions, hashes, URLs and deprecation messages are short; longer is "unreadable"
        private const int MaxField = 4096;

        /// <summary>Problems kept per document and per version; past it one line counts the rest (a hostile document cannot grow them).</summary>
        public const int MaxProblems = 100;
        private const int MaxSignature = 1024;

        public static NpmPackument Read(Stream stream, string package, long maxBytes = DefaultMaxBytes, string? registry = null) =>
            Read(stream, package, maxBytes, registry, null);

        /// <summary>
        /// <see cref="Read(Stream, string, long, string?)"/>, handing each version to <paramref name="onRelease"/> as soon as
        /// its entry has been read (on the reading thread, before the document ends; its publish time and dist-tags are
        /// not known yet), so that work on it (a signature check) can overlap the rest of the download.
        /// </summary>
        public static NpmPackument Read(Stream stream, string package, long maxBytes, string? registry, Action<NpmPackageRelease>? onRelease)
        {
            var json = new JsonStreamReader(stream, maxBytes);
            var result = new NpmPackument { Package = package };
            var problems = new ProblemList();
            var distTags = new Dictionary<string, string>(StringComparer.Ordinal);
            var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            var maintainers = new List<NpmReleaseIdentity>();
            var releases = new List<NpmPackageRelease>();

            if (json.Peek() != JsonValueKind.Object) throw json.Fail("the document is not a JSON object");
            json.BeginObject();
            while (json.NextProperty(out var key))
            {
                switch (key)
                {
                    case "name":
                        result.Name = json.ReadString(MaxField, out var odd);
                        if (odd) problems.Add("'name' is not a string");
                        break;
                    case "dist-tags":
                        if (!Expect(json, JsonValueKind.Object, "'dist-tags' is not an object", problems)) break;
                        json.BeginObject();
                        while (json.NextProperty(out var tag, MaxField))
                        {
                            var v = json.ReadString(MaxField, out var bad);
                            if (v != null) distTags[tag] = v;
                            else if (bad) problems.Add($"dist-tag '{tag}' is not a version string");
                        }
                        break;
                    case "time":
                        if (!Expect(json, JsonValueKind.Object, "'time' is not an object", problems)) break;
                        json.BeginObject();
                        while (json.NextProperty(out var name, MaxField))
                        {
                            var text = json.ReadString(MaxField, out var bad);
                            var when = ParseTime(text);
                            if (when == null)
                            {
                                if (text != null || bad) problems.Add($"time['{name}'] is not a date ({Short(text) ?? "wrong type"})");
                                continue;
                            }
                            if (name == "created") result.Created = when;
                            else if (name == "modified") result.Modified = when;
                            else times[name] = when.Value;
                        }
                        break;
                    case "maintainers":
                        if (!Expect(json, JsonValueKind.Array, "'maintainers' is not an array", problems)) break;
                        json.BeginArray();
                        while (json.NextItem())
                        {
                            var who = ReadIdentity(json, out var bad);
                            if (who != null) maintainers.Add(who);
                            else if (bad) problems.Add("a maintainer is not an object");
                        }
                        break;
                    case "versions":
                        if (!Expect(json, JsonValueKind.Object, "'versions' is not an object", problems)) break;
                        result.HasVersions = true;
                        json.BeginObject();
                        while (json.NextProperty(out var version, MaxField))
                        {
                            if (releases.Count == MaxVersions) throw new NpmPackumentException($"the package document lists more than {MaxVersions} versions; stopped reading.");
                            if (json.Peek() != JsonValueKind.Object)
                            {
                                json.Skip();
                                problems.Add($"versions['{Short(version)}'] is not an object");
                                continue;
                            }
                            var release = ReadVersion(json, package, version, registry);
                            release.Order = releases.Count;
                            releases.Add(release);
                            onRelease?.Invoke(release);
                        }
                        break;
                    default:
                        json.Skip();
                        break;
                }
            }
            json.End();

            // times and tags are known only now: 'time' usually follows 'versions'. Plain loops and sorts over reference
            // types here, not LINQ over tuples: each generic instantiation over a value type is compiled by the JIT at
            // the first call of a process (no ReadyToRun code exists for it), which a fresh PowerShell pays in full.
            var tagsByVersion = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var tag in distTags)
            {
                if (!tagsByVersion.TryGetValue(tag.Value, out var names)) tagsByVersion[tag.Value] = names = new List<string>();
                names.Add(tag.Key);
            }
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in releases)
            {
                listed.Add(r.Version);
                if (times.TryGetValue(r.Version, out var at)) r.PublishedAt = at;
                if (tagsByVersion.TryGetValue(r.Version, out var tags))
                {
                    tags.Sort(StringComparer.Ordinal);
                    r.DistTags = tags.ToArray();
                }
            }
            var unpublished = new List<TimedName>();
            foreach (var t in times)
                if (!listed.Contains(t.Key)) unpublished.Add(new TimedName(t.Key, t.Value, unpublished.Count));
            unpublished.Sort(TimedName.Compare);
            var unpublishedNames = new List<string>(unpublished.Count);
            foreach (var u in unpublished) unpublishedNames.Add(u.Name);
            result.UnpublishedVersions = unpublishedNames;
            // publish order: timed versions by time, then untimed ones; the document's order breaks ties (a stable sort)
            var ordered = new List<NpmPackageRelease>(releases);
            ordered.Sort(ByPublishTime);
            result.Releases = ordered;
            result.DistTags = distTags;
            result.Times = times;
            result.Maintainers = maintainers;
            if (!result.HasVersions && !problems.Any(p => p.StartsWith("'versions'", StringComparison.Ordinal))) problems.Add("the document has no 'versions' object");
            result.Problems = problems.ToList();
            result.Bytes = json.Position;
            return result;
        }

        private static NpmPackageRelease ReadVersion(JsonStreamReader json, string package, string version, string? registry)
        {
            var r = new NpmPackageRelease { Package = package, Version = version, Registry = registry };
            var problems = new ProblemList();
            bool hasUser = false;
            json.BeginObject();
            while (json.NextProperty(out var key))
            {
                switch (key)
                {
                    case "_npmUser":
                        if (!Expect(json, JsonValueKind.Object, "_npmUser is not an object", problems)) break;
                        hasUser = true;
                        json.BeginObject();
                        var publisher = new NpmReleaseIdentity();
                        while (json.NextProperty(out var field))
                        {
                            switch (field)
                            {
                                case "name": publisher.Name = Field(json, "_npmUser.name", problems); break;
                                case "email": publisher.Email = Field(json, "_npmUser.email", problems); break;
                                case "approver":
                                    r.Approver = ReadIdentity(json, out var badApprover);
                                    if (badApprover) problems.Add("_npmUser.approver is not an object");
                                    break;
                                case "trustedPublisher":
                                    if (!Expect(json, JsonValueKind.Object, "_npmUser.trustedPublisher is not an object", problems)) break;
                                    var tp = new NpmReleaseTrustedPublisher();
                                    json.BeginObject();
                                    while (json.NextProperty(out var t))
                                    {
                                        if (t == "id") tp.Provider = Field(json, "_npmUser.trustedPublisher.id", problems);
                                        else if (t == "oidcConfigId") tp.OidcConfigId = Field(json, "_npmUser.trustedPublisher.oidcConfigId", problems);
                                        else json.Skip();
                                    }
                                    r.TrustedPublisher = tp;
                                    break;
                                default: json.Skip(); break;
                            }
                        }
                        r.Publisher = publisher;
                        break;
                    case "dist":
                        if (!Expect(json, JsonValueKind.Object, "dist is not an object", problems)) break;
                        ReadDist(json, r, problems);
                        break;
                    case "deprecated":
                        var kind = json.Peek();
                        if (kind == JsonValueKind.String)
                        {
                            var message = json.ReadString(MaxField);
                            // npm deprecate with "" undoes a deprecation
                            if (message == null) r.Deprecated = "(a deprecation message too long to show)";
                            else if (message.Length > 0) r.Deprecated = message;
                        }
                        else if (kind == JsonValueKind.True) { json.Skip(); r.Deprecated = "(deprecated without a message)"; }
                        else { json.Skip(); if (kind != JsonValueKind.Null && kind != JsonValueKind.False) problems.Add("deprecated is not a string"); }
                        break;
                    default:
                        json.Skip();
                        break;
                }
            }
            r.ReleasePath = r.Approver != null ? NpmReleasePath.StagedApproved
                : r.TrustedPublisher != null ? NpmReleasePath.TrustedPublisherDirect
                : r.HasProvenance ? NpmReleasePath.TokenWithProvenance
                : hasUser ? NpmReleasePath.Token
                : NpmReleasePath.Unknown;
            r.Problems = problems.ToList().ToArray();
            return r;
        }

        private static void ReadDist(JsonStreamReader json, NpmPackageRelease r, ProblemList problems)
        {
            json.BeginObject();
            while (json.NextProperty(out var key))
            {
                switch (key)
                {
                    case "integrity": r.Integrity = Field(json, "dist.integrity", problems); break;
                    case "shasum": r.Shasum = Field(json, "dist.shasum", problems); break;
                    case "tarball": r.Tarball = Field(json, "dist.tarball", problems); break;
                    case "signatures":
                        if (!Expect(json, JsonValueKind.Array, "dist.signatures is not an array", problems)) break;
                        var signatures = new List<NpmRegistrySignatureEntry>();
                        json.BeginArray();
                        while (json.NextItem())
                        {
                            if (json.Peek() != JsonValueKind.Object) { json.Skip(); problems.Add("a dist.signatures entry is not an object"); continue; }
                            string? keyId = null, sig = null;
                            json.BeginObject();
                            while (json.NextProperty(out var f))
                            {
                                if (f == "keyid") keyId = Field(json, "dist.signatures[].keyid", problems, MaxSignature);
                                else if (f == "sig") sig = Field(json, "dist.signatures[].sig", problems, MaxSignature);
                                else json.Skip();
                            }
                            signatures.Add(new NpmRegistrySignatureEntry(keyId, sig));
                        }
                        r.Signatures = signatures;
                        break;
                    case "attestations":
                        if (!Expect(json, JsonValueKind.Object, "dist.attestations is not an object", problems)) break;
                        var provenance = new NpmReleaseProvenance();
                        json.BeginObject();
                        while (json.NextProperty(out var f))
                        {
                            if (f == "url") provenance.AttestationUrl = Field(json, "dist.attestations.url", problems);
                            else if (f == "provenance" && Expect(json, JsonValueKind.Object, "dist.attestations.provenance is not an object", problems))
                            {
                                json.BeginObject();
                                while (json.NextProperty(out var p))
                                {
                                    if (p == "predicateType") provenance.PredicateType = Field(json, "dist.attestations.provenance.predicateType", problems);
                                    else json.Skip();
                                }
                            }
                            else if (f != "provenance") json.Skip();
                        }
                        r.Provenance = provenance;
                        break;
                    default: json.Skip(); break;
                }
            }
        }

        private static int ByPublishTime(NpmPackageRelease a, NpmPackageRelease b)
        {
            if (a.PublishedAt.HasValue != b.PublishedAt.HasValue) return a.PublishedAt.HasValue ? -1 : 1;
            int c = a.PublishedAt.HasValue ? a.PublishedAt.GetValueOrDefault().CompareTo(b.PublishedAt.GetValueOrDefault()) : 0;
            return c != 0 ? c : a.Order.CompareTo(b.Order);
        }

        /// <summary>A time[] entry with its position in the document, for a stable sort by time.</summary>
        private sealed class TimedName
        {
            public TimedName(string name, DateTimeOffset at, int order) { Name = name; At = at; Order = order; }
            public string Name { get; }
            public DateTimeOffset At { get; }
            public int Order { get; }

            public static int Compare(TimedName a, TimedName b)
            {
                int c = a.At.CompareTo(b.At);
                return c != 0 ? c : a.Order.CompareTo(b.Order);
            }
        }

        /// <summary>Consumes a non-matching value (a JSON null silently, anything else as a problem) and says whether it matched.</summary>
        private static bool Expect(JsonStreamReader json, JsonValueKind kind, string problem, ProblemList problems)
        {
            var actual = json.Peek();
            if (actual == kind) return true;
            json.Skip();
            if (actual != JsonValueKind.Null) problems.Add(problem);
            return false;
        }

        private static string? Field(JsonStreamReader json, string what, ProblemList problems, int max = MaxField)
        {
            var s = json.ReadString(max, out var odd);
            if (odd) problems.Add($"{what} is not a string of at most {max} characters");
            return s;
        }

        private static NpmReleaseIdentity? ReadIdentity(JsonStreamReader json, out bool wrongType)
        {
            wrongType = false;
            var kind = json.Peek();
            if (kind != JsonValueKind.Object) { json.Skip(); wrongType = kind != JsonValueKind.Null; return null; }
            var who = new NpmReleaseIdentity();
            json.BeginObject();
            while (json.NextProperty(out var f))
            {
                if (f == "name") who.Name = json.ReadString(MaxField);
                else if (f == "email") who.Email = json.ReadString(MaxField);
                else json.Skip();
            }
            return who;
        }

        /// <summary>An ISO date as npm writes them (UTC); anything else, or a year out of range, is null.</summary>
        internal static DateTimeOffset? ParseTime(string? text)
        {
            if (string.IsNullOrEmpty(text) || text!.Length > 64) return null;
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                ? at : (DateTimeOffset?)null;
        }

        /// <summary>At most <see cref="MaxProblems"/> problems, then a count of the rest.</summary>
        private sealed class ProblemList : IEnumerable<string>
        {
            private readonly List<string> _items = new List<string>();
            private int _more;

            public void Add(string problem)
            {
                if (_items.Count < MaxProblems) _items.Add(problem);
                else _more++;
            }

            public List<string> ToList()
            {
                var all = new List<string>(_items);
                if (_more > 0) all.Add($"… and {_more} more");
                return all;
            }

            public IEnumerator<string> GetEnumerator() => _items.GetEnumerator();
            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }

        private static string? Short(string? s) => s == null ? null : s.Length > 40 ? s.Substring(0, 40) + "…" : s;
    }
}
