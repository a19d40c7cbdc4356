using System;
using System.Collections.Generic;

namespace NpmHardening.Engine.Config
{
    /// <summary>
    /// npm scopes credentials to registries with "nerf darts": <c>//host[:port]/path/:_authToken</c>.
    /// <see cref="FromUrl"/> is @npmcli/config's nerf-dart.js (the URL's folder, without scheme);
    /// <see cref="FindScope"/> is npm-registry-fetch's auth lookup, which walks up the request path.
    /// </summary>
    public static class NerfDart
    {
        /// <summary>The auth suffixes npm-registry-fetch looks for, in its order of preference.</summary>
        public static readonly IReadOnlyList<string> AuthKeys = new[] { "_authToken", "_auth", "username", "certfile" };

        /// <summary>nerfDart(url): <c>https://r.example.com/npm/repo</c> → <c>//r.example.com/npm/</c>. Null when npm's URL parser would throw.</summary>
        public static string? FromUrl(string url)
        {
            if (!TryParse(url, out var host, out var path)) return null;
            int slash = path.LastIndexOf('/');
            return "//" + host + (slash >= 0 ? path.Substring(0, slash + 1) : "/");
        }

        /// <summary>Splits a nerf-darted key <c>//host/path/:name</c> into its scope and setting name.</summary>
        public static bool TrySplitKey(string key, out string scope, out string name)
        {
            scope = name = "";
            if (!key.StartsWith("//", StringComparison.Ordinal)) return false;
            int colon = key.LastIndexOf(':');
            if (colon <= 2) return false;
            scope = key.Substring(0, colon);
            name = key.Substring(colon + 1);
            return true;
        }

        /// <summary>
        /// The keys npm-registry-fetch tries for <paramref name="regKey"/>, longest first: <c>//h/a/b/</c>, <c>//h/a/b</c>,
        /// <c>//h/a/</c>, <c>//h/a</c>, <c>//h/</c>, <c>//h</c> (it removes either what follows the last slash or the slash).
        /// </summary>
        public static IReadOnlyList<string> LookupChain(string regKey)
        {
            var chain = new List<string>();
            while (regKey.Length > 2)
            {
                chain.Add(regKey);
                regKey = regKey[regKey.Length - 1] == '/'
                    ? regKey.Substring(0, regKey.Length - 1)
                    : regKey.Substring(0, regKey.LastIndexOf('/') + 1);
            }
            return chain;
        }

        /// <summary>
        /// The scope (<c>//host/path/</c> or <c>//host/path</c>) whose credentials npm sends with a request to
        /// <paramref name="url"/>, given the keys that have a truthy value; null when none applies.
        /// </summary>
        public static string? FindScope(string url, Func<string, bool> hasTruthyValue)
        {
            if (!TryParse(url, out var host, out var path)) return null;
            foreach (var regKey in LookupChain("//" + host + path))
            {
                if (hasTruthyValue(regKey + ":_authToken") || hasTruthyValue(regKey + ":_auth") ||
                    hasTruthyValue(regKey + ":username") && hasTruthyValue(regKey + ":_password") ||
                    hasTruthyValue(regKey + ":certfile") && hasTruthyValue(regKey + ":keyfile"))
                    return regKey;
            }
            return null;
        }

        /// <summary>
        /// A key's scope (<c>//host[:port][/path…]</c>) split into its parts, when npm could ever match it: the host and
        /// the path must be exactly what npm's URL parser writes (see <see cref="UrlHost"/>). Null with
        /// <paramref name="why"/> otherwise — such a key names a host npm never sends its credential to.
        /// </summary>
        public static NerfDartScope? ParseScope(string? scope, out string? why)
        {
            why = null;
            if (string.IsNullOrEmpty(scope) || !scope!.StartsWith("//", StringComparison.Ordinal) || scope.Length <= 2)
            {
                why = "it is not a nerf dart (//host/path/)";
                return null;
            }
            int slash = scope.IndexOf('/', 2);
            var authority = slash < 0 ? scope.Substring(2) : scope.Substring(2, slash - 2);
            var path = slash < 0 ? "" : scope.Substring(slash);
            if (!UrlHost.IsSerialized(authority, out var host, out var port))
            {
                why = authority.IndexOf('@') >= 0 ? "its host part holds user info ('@'), which npm's URL parser never puts in a host"
                    : authority.IndexOf('#') >= 0 || authority.IndexOf('?') >= 0 ? "its host part holds a fragment or query, which npm's URL parser never puts in a host"
                    : "its host is not written the way npm's URL parser writes hosts (lower case, IPv4 as four decimal numbers, IPv6 compressed, port without leading zeros)";
                return null;
            }
            if (!UrlHost.IsSerializedPath(path))
            {
                why = "its path is not written the way npm's URL parser writes paths (no spaces, quotes, '#', '?', backslashes or dot segments)";
                return null;
            }
            return new NerfDartScope(host, port, path);
        }

        /// <summary>WHATWG-style host (lower case, default port dropped) and path of an absolute URL; false when the host is not one npm would write.</summary>
        internal static bool TryParse(string url, out string host, out string path)
        {
            host = path = "";
            if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return false;
            if (uri.IsFile || string.IsNullOrEmpty(uri.Host)) return false;
            string name;
            if (uri.HostNameType == UriHostNameType.IPv6)
            {
                if (!System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) || ip.ScopeId != 0) return false;
                name = UrlHost.SerializeIPv6(ip);
            }
            else name = uri.IdnHost.ToLowerInvariant();
            host = uri.IsDefaultPort || uri.Port < 0 ? name : name + ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            path = uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath;
            return UrlHost.IsSerialized(host, out _, out _);
        }
    }
}
