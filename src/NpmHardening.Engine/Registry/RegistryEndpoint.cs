using System;
using System.Collections.Generic;
using System.Net;
using NpmHardening.Engine.Config;

namespace NpmHardening.Engine.Registry
{
    /// <summary>Where a token scoped to a nerf dart may be sent, or why it may not.</summary>
    public sealed class RegistryTarget
    {
        internal RegistryTarget(string url, string? refusal) { Url = url; Refusal = refusal; }

        /// <summary>The registry base URL (ends with '/'); for a refused target, the URL that would have been used.</summary>
        public string Url { get; }
        /// <summary>Why no request is made; null when the target may be contacted.</summary>
        public string? Refusal { get; }
        public bool IsRefused => Refusal != null;
        public override string ToString() => Refusal == null ? Url : $"{Url} (refused: {Refusal})";
    }

    /// <summary>
    /// Maps a credential's scope (<c>//host[:port]/path/</c>) to the registry URL to contact. The scope must be a key
    /// npm can match at all (<see cref="NerfDart.ParseScope"/>): npm builds the keys it looks up from its URL parser's
    /// host and path, so a key with user info, a fragment, a numeric IPv4 form or upper case is never used by npm, and
    /// .NET would read some of them as another host. The URL is the configured registry (<c>registry</c>,
    /// <c>@scope:registry</c>) whose credential lookup ends at this scope — its nerf dart is the scope, or walks up to
    /// it — so its scheme is the one the user configured; else <c>https:</c> + scope. Whatever the URL, it must name
    /// the scope's own host and port. A credential never travels in clear text to another machine: plain http is
    /// refused unless the host is a loopback address.
    /// </summary>
    public static class RegistryEndpoint
    {
        public static RegistryTarget Resolve(string scope, IEnumerable<string>? configuredRegistries)
        {
            var parsed = NerfDart.ParseScope(scope, out var why);
            if (parsed == null)
                return new RegistryTarget(Rules.SecretScrubber.RedactInline(scope ?? ""), $"npm never sends a credential under this key: {why}.");
            // npm matches "//host/path:_authToken" as well as "//host/path/:_authToken" (it walks up by the slash too)
            var withSlash = scope.EndsWith("/", StringComparison.Ordinal) ? scope : scope + "/";
            var url = ConfiguredRegistryFor(scope, withSlash, configuredRegistries) ?? "https:" + withSlash;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                return new RegistryTarget(Safe(url), "the registry URL is not an http(s) URL");
            // the registry URL is a folder: relative endpoints (-/whoami) resolve under it
            var baseUrl = Safe(url);
            if (!baseUrl.EndsWith("/", StringComparison.Ordinal)) baseUrl += "/";
            if (!NamesScope(uri, parsed))
                return new RegistryTarget(baseUrl, $"the URL does not name the key's own host and port ({parsed.Host}:{parsed.EffectivePort(uri.Scheme)}).");
            return new RegistryTarget(baseUrl, CheckTransport(uri));
        }

        /// <summary>The first configured registry whose nerf dart is the scope, else the first whose lookup walks up to it.</summary>
        private static string? ConfiguredRegistryFor(string scope, string withSlash, IEnumerable<string>? configuredRegistries)
        {
            if (configuredRegistries == null) return null;
            string? walkedUp = null;
            foreach (var configured in configuredRegistries)
            {
                if (string.IsNullOrWhiteSpace(configured)) continue;
                var nerf = NerfDart.FromUrl(configured.Trim());
                if (nerf == null) continue;
                if (nerf == withSlash) return configured.Trim();
                if (walkedUp == null && System.Linq.Enumerable.Contains(NerfDart.LookupChain(nerf), scope)) walkedUp = configured.Trim();
            }
            return walkedUp;
        }

        /// <summary>True when .NET reads <paramref name="uri"/>'s host and port as the scope's: no parser difference can move the request.</summary>
        internal static bool NamesScope(Uri uri, NerfDartScope scope)
        {
            if (!string.IsNullOrEmpty(uri.UserInfo)) return false;
            if (uri.Port != scope.EffectivePort(uri.Scheme)) return false;
            if (uri.HostNameType == UriHostNameType.IPv6)
                return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var a) && IPAddress.TryParse(scope.Host.Trim('[', ']'), out var b) && a.Equals(b);
            return string.Equals(uri.IdnHost, scope.Host, StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Null when a credential may be sent to this URL; else why not.</summary>
        public static string? CheckTransport(Uri uri)
        {
            if (uri.Scheme == Uri.UriSchemeHttps) return null;
            if (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)) return null;
            if (uri.Scheme == Uri.UriSchemeHttp)
                return $"{uri.Host} is reached over plain http; a credential is only sent over https (or http to a loopback address).";
            return $"'{uri.Scheme}' is not http or https.";
        }

        /// <summary>
        /// A literal loopback address (127.0.0.0/8, ::1, ::ffff:127.x) or the name "localhost", which the client resolves
        /// itself and only uses when every address it gets is a loopback one. Other names are not loopback here, whatever
        /// they resolve to: DNS can answer differently at the next lookup.
        /// </summary>
        public static bool IsLoopback(Uri uri)
        {
            if (uri == null) return false;
            if (uri.HostNameType == UriHostNameType.Dns) return IsLocalhostName(uri.Host);
            var host = uri.Host.Trim('[', ']');
            return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
        }

        /// <summary>True for a URL string whose host is a loopback address or "localhost" (see <see cref="IsLoopback(Uri)"/>).</summary>
        public static bool IsLoopback(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) && IsLoopback(uri);

        internal static bool IsLocalhostName(string host) => string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase);

        /// <summary>The URL without user info, query or fragment: safe to show in messages.</summary>
        public static string Safe(string url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return Rules.SecretScrubber.RedactInline(url);
            return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        }
    }
}
