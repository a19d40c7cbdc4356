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
        /// The scope (<c>//host/path/</c> or <c>//host/path</c>) whose credentials npm sends with a request to
        /// <paramref name="url"/>, given the keys that have a truthy value; null when none applies.
        /// </summary>
        public static string? FindScope(string url, Func<string, bool> hasTruthyValue)
        {
            if (!TryParse(url, out var host, out var path)) return null;
            var regKey = "//" + host + path;
            while (regKey.Length > 2)
            {
                if (hasTruthyValue(regKey + ":_authToken") || hasTruthyValue(regKey + ":_auth") ||
                    hasTruthyValue(regKey + ":username") && hasTruthyValue(regKey + ":_password") ||
                    hasTruthyValue(regKey + ":certfile") && hasTruthyValue(regKey + ":keyfile"))
                    return regKey;
                // walk up by removing either what follows the last slash or the slash itself
                regKey = regKey[regKey.Length - 1] == '/'
                    ? regKey.Substring(0, regKey.Length - 1)
                    : regKey.Substring(0, regKey.LastIndexOf('/') + 1);
            }
            return null;
        }

        /// <summary>WHATWG-style host (lower case, default port dropped) and path of an absolute URL.</summary>
        internal static bool TryParse(string url, out string host, out string path)
        {
            host = path = "";
            if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return false;
            if (uri.IsFile || string.IsNullOrEmpty(uri.Host)) return false;
            host = uri.IsDefaultPort || uri.Port < 0 ? uri.Host : uri.Host + ":" + uri.Port;
            if (uri.HostNameType == UriHostNameType.IPv6) host = uri.Authority.ToLowerInvariant();
            path = uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath;
            return true;
        }
    }
}
