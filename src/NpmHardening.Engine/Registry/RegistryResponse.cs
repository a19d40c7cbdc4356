using System;
using System.Text;

namespace NpmHardening.Engine.Registry
{
    /// <summary>A successful (2xx) registry answer read into memory, bounded by the transport's body limit.</summary>
    public sealed class RegistryResponse
    {
        internal RegistryResponse(int status, byte[] body, string? contentType, Uri url)
        {
            Status = status; Body = body; ContentType = contentType; Url = url;
        }

        public int Status { get; }
        public byte[] Body { get; }
        public string? ContentType { get; }
        /// <summary>The URL that answered (after same-origin redirects).</summary>
        public Uri Url { get; }
        /// <summary>The URL without query or user info.</summary>
        public string Display => RegistryEndpoint.Safe(Url.AbsoluteUri);
        public string Text => Encoding.UTF8.GetString(Body);
    }
}
