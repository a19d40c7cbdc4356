# Shared by the online-secret suites: a listener on a loopback address that records every byte each request brought
# (request line, headers, body) and answers like a registry whose /-/whoami knows the caller. Tests search what it
# received for secrets; a CONNECT (a client using it as a proxy) is recorded and refused with 502.
# Dot-source it in BeforeAll: . (Join-Path $PSScriptRoot 'SecretListener.ps1')

if (-not ('NpmhSecretListener' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

public sealed class NpmhSecretListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Thread _thread;
    private volatile bool _stopped;

    public NpmhSecretListener(string address, int port)
    {
        _listener = new TcpListener(IPAddress.Parse(address), port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Host = address.Contains(":") ? "[" + address + "]" : address;
        _thread = new Thread(Loop) { IsBackground = true };
        _thread.Start();
    }

    public int Port { get; private set; }
    public string Host { get; private set; }
    public string Url { get { return "http://" + Host + ":" + Port + "/"; } }
    public string Scope { get { return "//" + Host + ":" + Port + "/"; } }
    public ConcurrentQueue<string> Requests = new ConcurrentQueue<string>();
    public string Received { get { return string.Join("\n----\n", Requests.ToArray()); } }

    private void Loop()
    {
        while (!_stopped)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); } catch { return; }
            ThreadPool.QueueUserWorkItem(_ => Serve(client));
        }
    }

    private void Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                stream.ReadTimeout = 5000;
                var raw = new StringBuilder();
                var buffer = new byte[8192];
                int contentLength = 0, headerEnd = -1;
                while (headerEnd < 0 || raw.Length < headerEnd + contentLength)
                {
                    int n = stream.Read(buffer, 0, buffer.Length);
                    if (n <= 0) break;
                    raw.Append(Encoding.GetEncoding("ISO-8859-1").GetString(buffer, 0, n));
                    if (headerEnd < 0)
                    {
                        var text = raw.ToString();
                        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end >= 0)
                        {
                            headerEnd = end + 4;
                            foreach (var line in text.Substring(0, end).Split('\n'))
                                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                                    int.TryParse(line.Substring(15).Trim(), out contentLength);
                        }
                    }
                }
                var request = raw.ToString();
                Requests.Enqueue(request);
                string status = "200 OK", body = "{\"username\":\"listener\"}";
                if (request.StartsWith("CONNECT ", StringComparison.Ordinal)) { status = "502 Bad Gateway"; body = ""; }
                else if (request.IndexOf("/-/whoami", StringComparison.Ordinal) < 0) { status = "404 Not Found"; body = "{\"error\":\"Not found\"}"; }
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = Encoding.ASCII.GetBytes("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.Length + "\r\nConnection: close\r\n\r\n");
                stream.Write(head, 0, head.Length);
                stream.Write(bytes, 0, bytes.Length);
            }
            catch { }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _listener.Stop();
    }
}
'@
}

function Start-SecretListener([string] $Address = '127.0.0.1', [int] $Port = 0) {
    try { [NpmhSecretListener]::new($Address, $Port) } catch { $null }
}

# A random secret that does not look like an npm token (the module must not care what it looks like).
function New-TestSecret([string] $Prefix = 'secret') { "$Prefix-" + [guid]::NewGuid().ToString('n') }
