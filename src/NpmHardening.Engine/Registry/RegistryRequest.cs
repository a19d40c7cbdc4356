using System;
using System.Collections.Generic;
using System.Net.Http;

namespace NpmHardening.Engine.Registry
{
    /// <summary>
    /// One request to a registry, as <see cref="RegistryTransport"/> sends it: a method, an absolute URL, the credential
    /// (null: none), an optional JSON body and one-time password, and npm's informational headers. A request object can
    /// be sent more than once (redirect, 429, OTP replay): the transport builds a fresh HTTP message every time.
    /// </summary>
    public sealed class RegistryRequest
    {
        public RegistryRequest(HttpMethod method, Uri url, RegistryCredential? credential)
        {
            Method = method ?? throw new ArgumentNullException(nameof(method));
            Url = url ?? throw new ArgumentNullException(nameof(url));
            if (!url.IsAbsoluteUri) throw new ArgumentException("The request URL must be absolute.", nameof(url));
            Credential = credential;
        }

        public HttpMethod Method { get; }
        public Uri Url { get; }
        /// <summary>Sent as npm-registry-fetch does (Bearer for a token, Basic for user and password); null: no Authorization header.</summary>
        public RegistryCredential? Credential { get; }
        /// <summary>A JSON text sent as <c>application/json</c>; null: no body.</summary>
        public string? JsonBody { get; set; }
        /// <summary>The <c>npm-otp</c> header; null: none. Never logged, never in an error.</summary>
        public string? Otp { get; set; }
        public string Accept { get; set; } = "application/json";
        /// <summary>
        /// npm's informational headers (<c>npm-command</c>, <c>npm-auth-type</c>, ...). Authorization and npm-otp are not
        /// taken from here: they come from <see cref="Credential"/> and <see cref="Otp"/> only.
        /// </summary>
        public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>A copy with another one-time password (the replay after an OTP challenge).</summary>
        public RegistryRequest WithOtp(string? otp)
        {
            var copy = new RegistryRequest(Method, Url, Credential) { JsonBody = JsonBody, Otp = otp, Accept = Accept };
            foreach (var h in Headers) copy.Headers[h.Key] = h.Value;
            return copy;
        }

        /// <summary>Method and URL without query or user info: what log lines and errors show.</summary>
        public override string ToString() => Method.Method + " " + RegistryEndpoint.Safe(Url.AbsoluteUri);
    }
}
