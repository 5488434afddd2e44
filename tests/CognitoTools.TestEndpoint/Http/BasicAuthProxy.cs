using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.TestEndpoint.Http
{
    /// <summary>
    /// A forward proxy on 127.0.0.1 that asks for Basic authentication, as corporate proxies do: CONNECT host:port for
    /// https destinations (tunnelled to <see cref="Upstream"/> once authenticated) and absolute-URI requests
    /// (POST http://host/ ...) for http ones (forwarded to <see cref="Upstream"/>). Without the right
    /// Proxy-Authorization it answers 407 with a Proxy-Authenticate: Basic challenge. Self-contained (no other file of
    /// this project), so the Pester tests compile it with Add-Type.
    /// </summary>
    public sealed class BasicAuthProxy : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly string _expectedAuthorization;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private int _refused;
        private int _connects;
        private int _forwarded;

        /// <param name="user">The user name the proxy accepts.</param>
        /// <param name="password">The password the proxy accepts.</param>
        /// <param name="upstream">Where authenticated requests and tunnels go (the local test endpoint), or null to refuse them with 502.</param>
        public BasicAuthProxy(string user, string password, IPEndPoint upstream)
        {
            _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            Upstream = upstream;
            _listener.Start();
            Task.Run(AcceptLoop);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public IPEndPoint Upstream { get; }
        /// <summary>Requests answered 407 (no or wrong credentials).</summary>
        public int Refused => Volatile.Read(ref _refused);
        /// <summary>CONNECT requests seen (authenticated or not).</summary>
        public int Connects => Volatile.Read(ref _connects);
        /// <summary>Authenticated absolute-URI requests forwarded upstream.</summary>
        public int Forwarded => Volatile.Read(ref _forwarded);
        /// <summary>The request lines seen, in order ("CONNECT host:443 HTTP/1.1", "POST http://host/ HTTP/1.1").</summary>
        public ConcurrentQueue<string> RequestLines { get; } = new ConcurrentQueue<string>();

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
                catch (Exception) { return; }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    while (true)
                    {
                        var head = await ReadHeadAsync(stream).ConfigureAwait(false);
                        if (head == null) return;
                        var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
                        RequestLines.Enqueue(lines[0]);
                        var parts = lines[0].Split(' ');
                        var method = parts[0];
                        string authorization = null;
                        var contentLength = 0;
                        foreach (var line in lines)
                        {
                            var colon = line.IndexOf(':');
                            if (colon <= 0) continue;
                            var name = line.Substring(0, colon).Trim();
                            var value = line.Substring(colon + 1).Trim();
                            if (name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)) authorization = value;
                            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) int.TryParse(value, out contentLength);
                        }
                        var body = await ReadExactlyAsync(stream, contentLength).ConfigureAwait(false);
                        if (method == "CONNECT") Interlocked.Increment(ref _connects);
                        if (!string.Equals(authorization, _expectedAuthorization, StringComparison.Ordinal))
                        {
                            Interlocked.Increment(ref _refused);
                            const string page = "<html><body>407 Proxy Authentication Required</body></html>";
                            await WriteAsync(stream, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n" +
                                "Content-Type: text/html\r\nContent-Length: " + page.Length + "\r\n\r\n" + page).ConfigureAwait(false);
                            continue; // keep-alive: the client may answer the challenge on this connection
                        }
                        if (Upstream == null)
                        {
                            await WriteAsync(stream, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").ConfigureAwait(false);
                            return;
                        }
                        if (method == "CONNECT")
                        {
                            using (var upstream = new TcpClient())
                            {
                                await upstream.ConnectAsync(Upstream.Address, Upstream.Port).ConfigureAwait(false);
                                await WriteAsync(stream, "HTTP/1.1 200 Connection established\r\n\r\n").ConfigureAwait(false);
                                var up = upstream.GetStream();
                                await Task.WhenAny(stream.CopyToAsync(up), up.CopyToAsync(stream)).ConfigureAwait(false);
                            }
                            return;
                        }
                        Interlocked.Increment(ref _forwarded);
                        await ForwardAsync(stream, lines, parts, body).ConfigureAwait(false);
                        return;
                    }
                }
                catch (Exception)
                {
                    // The client went away.
                }
            }
        }

        // Forwards one absolute-URI request upstream as an origin-form request, and its answer back (then closes).
        private async Task ForwardAsync(NetworkStream stream, string[] lines, string[] parts, byte[] body)
        {
            var uri = new Uri(parts[1]);
            var request = new StringBuilder();
            request.Append(parts[0]).Append(' ').Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
            for (var i = 1; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.Length == 0) continue;
                if (line.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase) || line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)) continue;
                request.Append(line).Append("\r\n");
            }
            request.Append("Connection: close\r\n\r\n");
            using (var upstream = new TcpClient())
            {
                await upstream.ConnectAsync(Upstream.Address, Upstream.Port).ConfigureAwait(false);
                var up = upstream.GetStream();
                var head = Encoding.ASCII.GetBytes(request.ToString());
                await up.WriteAsync(head, 0, head.Length).ConfigureAwait(false);
                await up.WriteAsync(body, 0, body.Length).ConfigureAwait(false);
                // The answer as it comes, with Connection: close, so the client reads to its end.
                var answer = new MemoryStream();
                await up.CopyToAsync(answer).ConfigureAwait(false);
                var text = Encoding.UTF8.GetString(answer.ToArray());
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0 && text.IndexOf("Connection:", 0, end, StringComparison.OrdinalIgnoreCase) < 0)
                {
                    text = text.Substring(0, end) + "\r\nConnection: close" + text.Substring(end);
                }
                await WriteAsync(stream, text).ConfigureAwait(false);
            }
        }

        private static async Task<string> ReadHeadAsync(NetworkStream stream)
        {
            var bytes = new MemoryStream();
            var one = new byte[1];
            while (true)
            {
                var read = await stream.ReadAsync(one, 0, 1).ConfigureAwait(false);
                if (read == 0) return null;
                bytes.WriteByte(one[0]);
                var length = bytes.Length;
                if (length >= 4)
                {
                    var buffer = bytes.GetBuffer();
                    if (buffer[length - 4] == '\r' && buffer[length - 3] == '\n' && buffer[length - 2] == '\r' && buffer[length - 1] == '\n')
                    {
                        return Encoding.ASCII.GetString(buffer, 0, (int)length - 4);
                    }
                }
                if (length > 65536) return null;
            }
        }

        private static async Task<byte[]> ReadExactlyAsync(NetworkStream stream, int count)
        {
            var buffer = new byte[count];
            var offset = 0;
            while (offset < count)
            {
                var read = await stream.ReadAsync(buffer, offset, count - offset).ConfigureAwait(false);
                if (read == 0) break;
                offset += read;
            }
            return buffer;
        }

        private static Task WriteAsync(NetworkStream stream, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            return stream.WriteAsync(bytes, 0, bytes.Length);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
