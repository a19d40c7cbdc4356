using System;
using System.Net;
using System.Net.Http;

namespace NpmHardening.Engine.Registry
{
    /// <summary>How the registry transport (and every client over it) talks to registries.</summary>
    public sealed class RegistryClientOptions
    {
        /// <summary>Per request, headers and body included.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>A handler for tests; null means an HttpClientHandler that never follows redirects itself.</summary>
        public HttpMessageHandler? Handler { get; set; }
        /// <summary>Receives one line per request (method, URL, status, time); never a credential.</summary>
        public Action<string>? Log { get; set; }
        /// <summary>Stops a paginated list (the token list's <c>urls.next</c>, the stage list's page numbers) after this many pages.</summary>
        public int MaxTokenPages { get; set; } = 100;
        /// <summary>
        /// The proxy someone asked for (see <see cref="RegistryProxy"/>); null: every request goes direct. The client never
        /// takes a proxy from the system or the environment by itself, and never sends a loopback request through one.
        /// </summary>
        public RegistryProxy? Proxy { get; set; }
        /// <summary>How often a 429 is retried (each after the Retry-After it names) before the request fails.</summary>
        public int MaxRateLimitRetries { get; set; } = 3;
        /// <summary>The longest Retry-After honoured; a registry asking for longer gets an error at once instead of a hung pipeline.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>The longest wait for npm's web second factor (polling the done URL) before giving up.</summary>
        public TimeSpan WebAuthTimeout { get; set; } = TimeSpan.FromMinutes(5);
        /// <summary>Name resolution for "localhost" (tests stand in another machine's answer); null: the system resolver.</summary>
        internal Func<string, IPAddress[]>? ResolveHost { get; set; }
    }
}
