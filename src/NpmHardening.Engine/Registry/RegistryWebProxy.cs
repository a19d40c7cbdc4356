using System;
using System.Net;

namespace NpmHardening.Engine.Registry
{
    /// <summary>The HTTP stack's view of a <see cref="RegistryProxy"/>: loopback and noproxy hosts bypass it.</summary>
    internal sealed class RegistryWebProxy : IWebProxy
    {
        private readonly RegistryProxy _proxy;

        public RegistryWebProxy(RegistryProxy proxy)
        {
            _proxy = proxy ?? throw new ArgumentNullException(nameof(proxy));
            Credentials = proxy.Credentials;
        }

        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) => _proxy.Bypasses(destination) ? null : _proxy.Address;

        public bool IsBypassed(Uri host) => _proxy.Bypasses(host);
    }
}
