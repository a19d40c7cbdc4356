using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using NpmHardening.Engine.Config;
using NpmHardening.Engine.Platform;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// A proxy someone asked the online checks to use, and the hosts that go around it. The client never finds a
    /// proxy by itself (no system or environment default): it uses one only when the cmdlet is given <c>-Proxy</c>,
    /// or when the npm configuration being audited names one (<c>https-proxy</c>, then <c>proxy</c>, else npm's own
    /// fallback to the <c>https_proxy</c> variable of the environment npm would run with — for another user's
    /// profile that environment holds none of the auditing account's variables). Loopback hosts never go through a
    /// proxy, and <c>noproxy</c> (else <c>no_proxy</c>) excludes hosts as npm's agent does. Only https requests carry
    /// a credential to a remote host, so a proxy only ever sees a CONNECT to the registry's host and port.
    /// </summary>
    public sealed class RegistryProxy
    {
        public RegistryProxy(Uri url, IEnumerable<string>? noProxy, string source)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            if (!url.IsAbsoluteUri || string.IsNullOrEmpty(url.Host)) throw new ArgumentException("The proxy is not an absolute URL.", nameof(url));
            Url = url;
            NoProxy = (noProxy ?? Enumerable.Empty<string>()).Select(n => n.Trim()).Where(n => n.Length > 0).ToArray();
            Source = source ?? "";
        }

        /// <summary>The proxy URL as given (it may hold a user and password: show <see cref="Display"/> instead).</summary>
        internal Uri Url { get; }
        /// <summary>Host suffixes that bypass the proxy (npm's noproxy).</summary>
        public IReadOnlyList<string> NoProxy { get; }
        /// <summary>Who asked for it: "-Proxy", "https-proxy (path:line)", "env:https_proxy".</summary>
        public string Source { get; }
        /// <summary>The proxy without user info.</summary>
        public string Display => RegistryEndpoint.Safe(Url.AbsoluteUri);

        /// <summary>True when a request to <paramref name="destination"/> goes direct: loopback always, else npm's noproxy match.</summary>
        public bool Bypasses(Uri destination)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            if (RegistryEndpoint.IsLoopback(destination)) return true;
            // @npmcli/agent isNoProxy: the host's dot-separated labels, from the right, start with every label of an entry
            // (compared as written: the URL parser lower-cases the host, not the entries)
            var host = destination.HostNameType == UriHostNameType.IPv6 ? destination.Host : destination.IdnHost;
            var hostSegments = Enumerable.Reverse(host.ToLowerInvariant().Split('.')).ToArray();
            foreach (var entry in NoProxy)
            {
                var noSegments = Enumerable.Reverse(entry.Split('.').Where(s => s.Length > 0)).ToArray();
                if (noSegments.Length == 0) continue;
                bool match = true;
                for (int i = 0; i < noSegments.Length && match; i++)
                    match = i < hostSegments.Length && hostSegments[i] == noSegments[i];
                if (match) return true;
            }
            return false;
        }

        /// <summary>The user name and password in the proxy URL, for Proxy-Authorization; null when there are none.</summary>
        internal NetworkCredential? Credentials
        {
            get
            {
                if (string.IsNullOrEmpty(Url.UserInfo)) return null;
                int colon = Url.UserInfo.IndexOf(':');
                var user = colon < 0 ? Url.UserInfo : Url.UserInfo.Substring(0, colon);
                var password = colon < 0 ? "" : Url.UserInfo.Substring(colon + 1);
                return new NetworkCredential(Uri.UnescapeDataString(user), Uri.UnescapeDataString(password));
            }
        }

        /// <summary>The proxy URL without user info, as the HTTP stack takes it.</summary>
        internal Uri Address => new Uri(Url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped));

        public override string ToString() => $"{Display} ({Source})";

        /// <summary>-Proxy: an absolute http, https, socks4 or socks5 URL with a host; anything else is an ArgumentException saying why.</summary>
        public static RegistryProxy FromParameter(Uri url)
        {
            if (url == null) throw new ArgumentNullException(nameof(url));
            var schemes = new[] { "http", "https", "socks", "socks4", "socks4a", "socks5", "socks5h" };
            if (!url.IsAbsoluteUri || string.IsNullOrEmpty(url.Host) || Array.IndexOf(schemes, url.Scheme) < 0)
                throw new ArgumentException($"'{RegistryEndpoint.Safe(url.OriginalString)}' is not a proxy URL: give http://host:port/ (or https://, socks5://).");
            return new RegistryProxy(url, null, "-Proxy");
        }

        /// <summary>
        /// The proxy npm would use for an https request in <paramref name="resolution"/>: <c>https-proxy</c>, then
        /// <c>proxy</c>, else the resolution environment's <c>https_proxy</c> (any case); null when there is none. A value
        /// that is not an absolute URL is no proxy (npm would fail the request; the check then goes direct only if
        /// nothing else asked for a proxy).
        /// </summary>
        public static RegistryProxy? FromConfiguration(NpmConfigResolution resolution)
        {
            if (resolution == null) throw new ArgumentNullException(nameof(resolution));
            var noProxy = NoProxyFrom(resolution);
            foreach (var key in new[] { "https-proxy", "proxy" })
            {
                var v = resolution.GetEffective(key);
                if (v?.Value is string s && s.Length > 0 && Uri.TryCreate(s, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.Host))
                    return new RegistryProxy(uri, noProxy, key + " (" + RegistryCredentials.Describe(v) + ")");
            }
            return FromEnvironment(resolution.Environment, noProxy);
        }

        /// <summary>npm's environment fallback: <c>https_proxy</c> (any case), with <c>no_proxy</c> unless <paramref name="noProxy"/> is given.</summary>
        public static RegistryProxy? FromEnvironment(IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? noProxy = null)
        {
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            // @npmcli/agent lower-cases the names; of two spellings the later in the environment wins, which .NET cannot
            // see, so the lower-case one (curl's convention) is taken first
            var (name, value) = Variable(environment, "https_proxy");
            if (value == null || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return null;
            if (noProxy == null || noProxy.Count == 0) noProxy = Split(Variable(environment, "no_proxy").Value);
            return new RegistryProxy(uri, noProxy, "env:" + name);
        }

        private static IReadOnlyList<string> NoProxyFrom(NpmConfigResolution resolution)
        {
            var v = resolution.GetEffective("noproxy")?.Value;
            if (v is List<object?> list) return list.OfType<string>().SelectMany(Split).ToArray();
            return Split(v as string);
        }

        private static IReadOnlyList<string> Split(string? text) =>
            string.IsNullOrEmpty(text) ? Array.Empty<string>() : text!.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();

        private static (string Name, string? Value) Variable(IReadOnlyDictionary<string, string> environment, string lower)
        {
            if (environment.TryGetValue(lower, out var v) && v.Length > 0) return (lower, v);
            foreach (var kv in environment)
                if (string.Equals(kv.Key, lower, StringComparison.OrdinalIgnoreCase) && kv.Value.Length > 0) return (kv.Key, kv.Value);
            return (lower, null);
        }
    }
}
