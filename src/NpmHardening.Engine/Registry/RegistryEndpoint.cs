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
    /// Maps a credential's scope (<c>//host[:port]/path/</c>) to the registry URL to contact: the configured
    /// registry (<c>registry</c>, <c>@scope:registry</c>) whose nerf dart is exactly the scope — so its scheme is
    /// the one the user configured — else <c>https:</c> + scope. A token never travels in clear text to
    /// another machine: plain http is refused unless the host is a loopback address.
    /// </summary>
    public static class RegistryEndpoint
    {
        public static RegistryTarget Resolve(string scope, IEnumerable<string>? configuredRegistries)
        {
            if (string.IsNullOrWhiteSpace(scope) || !scope.StartsWith("//", StringComparison.Ordinal) || scope.Length <= 2)
                return new RegistryTarget(scope ?? "", "the scope is not a nerf dart (//host/path/)");
            // npm matches "//host/path:_authToken" as well as "//host/path/:_authToken" (it walks up by the slash too)
            var withSlash = scope.EndsWith("/", StringComparison.Ordinal) ? scope : scope + "/";
            string? url = null;
            if (configuredRegistries != null)
            {
                foreach (var configured in configuredRegistries)
                {
                    if (string.IsNullOrWhiteSpace(configured)) continue;
                    var nerf = NerfDart.FromUrl(configured);
                    if (nerf == null || nerf != withSlash) continue;
                    url = configured.Trim();
                    break;
                }
            }
            url ??= "https:" + withSlash;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
                return new RegistryTarget(Safe(url), "the registry URL is not an http(s) URL");
            // the registry URL is a folder: relative endpoints (-/whoami) resolve under it
            var baseUrl = Safe(url);
            if (!baseUrl.EndsWith("/", StringComparison.Ordinal)) baseUrl += "/";
            var refusal = CheckTransport(uri);
            return new RegistryTarget(baseUrl, refusal);
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

        /// <summary>127.0.0.0/8, ::1 and "localhost".</summary>
        public static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback && uri.HostNameType != UriHostNameType.Dns) return true;
            if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            var host = uri.Host.Trim('[', ']');
            return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
        }

        /// <summary>The URL without user info, query or fragment: safe to show in messages.</summary>
        public static string Safe(string url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return Rules.SecretScrubber.RedactInline(url);
            return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        }
    }
}
