namespace NpmHardening.Engine.Config
{
    /// <summary>A nerf-dart scope npm can match, in parts: the host (IPv6 in brackets), the port when written, the path (may be empty).</summary>
    public sealed class NerfDartScope
    {
        internal NerfDartScope(string host, int? port, string path) { Host = host; Port = port; Path = path; }

        public string Host { get; }
        public int? Port { get; }
        public string Path { get; }

        /// <summary>The port a request for this scope goes to over <paramref name="scheme"/> (http or https).</summary>
        public int EffectivePort(string scheme) => Port ?? (scheme == "http" ? 80 : 443);

        public override string ToString() => "//" + Host + (Port is int p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") + Path;
    }
}
