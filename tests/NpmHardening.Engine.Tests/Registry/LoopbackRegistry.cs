using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace NpmHardening.Engine.Tests.Registry
{
    /// <summary>One request as the fake registry saw it, Authorization header included (that is what tests assert on).</summary>
    public sealed record SeenRequest(string Method, string Path, string? Authorization, string? UserAgent)
    {
        /// <summary>Everything received: request line, headers and body (tests look for secrets anywhere in it).</summary>
        public string Raw { get; init; } = "";
        public string? Host { get; init; }
        /// <summary>Every header by lower-case name (the last value when one repeats).</summary>
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
        public string Body { get; init; } = "";
        public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : null;
    }

    /// <summary>What the fake registry answers: a status, headers and a body, optionally after a delay or as raw bytes.</summary>
    public sealed class FakeResponse
    {
        public int Status { get; init; } = 200;
        public string Body { get; init; } = "";
        public string ContentType { get; init; } = "application/json";
        public Dictionary<string, string> Headers { get; init; } = new();
        /// <summary>Raw bytes to send instead of <see cref="Body"/> (tarballs).</summary>
        public byte[]? Bytes { get; init; }
        /// <summary>Wait this long before sending anything (timeouts).</summary>
        public TimeSpan Delay { get; init; }

        public static FakeResponse Json(string json, int status = 200) => new() { Status = status, Body = json };
    }

    /// <summary>
    /// A minimal HTTP/1.1 server on 127.0.0.1:0 shaped like the npm registry where a test needs it: the route
    /// function decides each answer, and every request (with its Authorization header) is recorded.
    /// </summary>
    public sealed class LoopbackRegistry : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<SeenRequest, FakeResponse> _route;
        private readonly Task _loop;

        /// <param name="address">Where to listen: 127.0.0.1 unless given (any loopback address, ::1 included).</param>
        /// <param name="port">0 for any free port.</param>
        public LoopbackRegistry(Func<SeenRequest, FakeResponse> route, IPAddress? address = null, int port = 0)
        {
            _route = route;
            Address = address ?? IPAddress.Loopback;
            _listener = new TcpListener(Address, port);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _loop = Task.Run(AcceptLoop);
        }

        public IPAddress Address { get; }
        public int Port { get; }
        private string HostText => Address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + Address + "]" : Address.ToString();
        public string Url => $"http://{HostText}:{Port}/";
        public string Scope => $"//{HostText}:{Port}/";

        /// <summary>Every byte any request brought, joined: what a test searches for a secret.</summary>
        public string Received => string.Join("\n", Requests.Select(r => r.Raw));
        public ConcurrentQueue<SeenRequest> Requests { get; } = new();

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    var reader = new StreamReader(stream, Encoding.Latin1, false, 1024, leaveOpen: true);
                    var requestLine = await reader.ReadLineAsync();
                    if (requestLine == null) return;
                    var raw = new StringBuilder(requestLine).Append('\n');
                    string? auth = null, agent = null, host = null;
                    var headers = new Dictionary<string, string>();
                    int length = 0;
                    string? line;
                    while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                    {
                        raw.Append(line).Append('\n');
                        int colon = line.IndexOf(':');
                        if (colon <= 0) continue;
                        var name = line.Substring(0, colon).Trim();
                        var value = line.Substring(colon + 1).Trim();
                        headers[name.ToLowerInvariant()] = value;
                        if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)) auth = value;
                        if (name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase)) agent = value;
                        if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)) host = value;
                        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) int.TryParse(value, out length);
                    }
                    string bodyText = "";
                    if (length > 0)
                    {
                        var content = new char[Math.Min(length, 1 << 20)];
                        int got = 0, n;
                        while (got < content.Length && (n = await reader.ReadAsync(content, got, content.Length - got)) > 0) got += n;
                        raw.Append(content, 0, got);
                        bodyText = new string(content, 0, got);
                    }
                    var parts = requestLine.Split(' ');
                    var seen = new SeenRequest(parts[0], parts.Length > 1 ? parts[1] : "", auth, agent) { Raw = raw.ToString(), Host = host, Headers = headers, Body = bodyText };
                    Requests.Enqueue(seen);
                    var response = _route(seen);
                    if (response.Delay > TimeSpan.Zero) await Task.Delay(response.Delay, _stop.Token);
                    var body = response.Bytes ?? Encoding.UTF8.GetBytes(response.Body);
                    var head = new StringBuilder();
                    head.Append($"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\n");
                    head.Append($"Content-Type: {response.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
                    foreach (var h in response.Headers) head.Append($"{h.Key}: {h.Value}\r\n");
                    head.Append("\r\n");
                    var headBytes = Encoding.ASCII.GetBytes(head.ToString());
                    await stream.WriteAsync(headBytes, _stop.Token);
                    await stream.WriteAsync(body, _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
                catch (Exception) { /* the client went away (timeouts): nothing to answer */ }
            }
        }

        private static string Reason(int status) => status switch
        {
            200 => "OK", 201 => "Created", 202 => "Accepted", 204 => "No Content", 409 => "Conflict", 429 => "Too Many Requests", 302 => "Found", 502 => "Bad Gateway", 401 => "Unauthorized", 403 => "Forbidden", 404 => "Not Found", 500 => "Internal Server Error", _ => "Status",
        };

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            try { _loop.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
            _stop.Dispose();
        }
    }
}
