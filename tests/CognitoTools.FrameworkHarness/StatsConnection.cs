using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using CognitoTools.Protocol;

namespace CognitoTools.FrameworkHarness
{
    /// <summary>
    /// The endpoint's counters (GET /_test/stats, POST /_test/reset) over one raw keep-alive TCP connection, opened
    /// before the client under test makes any request. It never goes through HttpClient or a ServicePoint, so it cannot
    /// disturb the handler being tested, and it is the same single connection for the whole run: the server's
    /// MaxOpenConnections is then exactly the client's peak plus this one.
    /// </summary>
    internal sealed class StatsConnection : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly int _port;

        public StatsConnection(int port, TimeSpan timeout)
        {
            _port = port;
            _tcp = new TcpClient();
            _tcp.NoDelay = true;
            _tcp.ReceiveTimeout = (int)timeout.TotalMilliseconds;
            _tcp.SendTimeout = (int)timeout.TotalMilliseconds;
            var connect = _tcp.ConnectAsync("127.0.0.1", port);
            if (!connect.Wait(timeout)) throw new TimeoutException("No connection to the test endpoint's stats route within " + timeout.TotalSeconds + " s.");
            _stream = _tcp.GetStream();
        }

        /// <summary>Connections opened by this connection (always 1): subtract it from the server's connection counts.</summary>
        public const int OwnConnections = 1;

        public EndpointStats GetStats() => EndpointStats.Parse(Send("GET", "/_test/stats"));

        public void Reset() => Send("POST", "/_test/reset");

        private string Send(string method, string path)
        {
            var request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + _port.ToString(CultureInfo.InvariantCulture) +
                          "\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n";
            var bytes = Encoding.ASCII.GetBytes(request);
            _stream.Write(bytes, 0, bytes.Length);

            var headers = ReadHeaders();
            var statusLine = headers[0];
            var contentLength = -1;
            foreach (var line in headers)
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && string.Equals(line.Substring(0, colon).Trim(), "Content-Length", StringComparison.OrdinalIgnoreCase))
                    contentLength = int.Parse(line.Substring(colon + 1).Trim(), CultureInfo.InvariantCulture);
            }
            if (contentLength < 0) throw new InvalidDataException(method + " " + path + ": no Content-Length in the answer (" + statusLine + ").");
            var body = new byte[contentLength];
            var read = 0;
            while (read < contentLength)
            {
                var n = _stream.Read(body, read, contentLength - read);
                if (n == 0) throw new EndOfStreamException(method + " " + path + ": the connection closed mid-body.");
                read += n;
            }
            var text = Encoding.UTF8.GetString(body);
            if (!statusLine.Contains(" 200 ")) throw new InvalidDataException(method + " " + path + " answered " + statusLine + ": " + text);
            return text;
        }

        private List<string> ReadHeaders()
        {
            var lines = new List<string>();
            var current = new StringBuilder();
            while (true)
            {
                var b = _stream.ReadByte();
                if (b < 0) throw new EndOfStreamException("The stats connection closed before an answer.");
                if (b == '\n')
                {
                    var line = current.ToString().TrimEnd('\r');
                    current.Clear();
                    if (line.Length == 0) return lines;
                    lines.Add(line);
                }
                else current.Append((char)b);
            }
        }

        public void Dispose()
        {
            _stream?.Dispose();
            _tcp.Close();
        }
    }

    /// <summary>The parts of GET /_test/stats the harness checks.</summary>
    internal sealed class EndpointStats
    {
        public long Requests;
        public long Deliveries;
        public long Connections;
        public long MaxOpenConnections;
        public bool Recording;
        public Dictionary<string, int> AttemptsByUser = new Dictionary<string, int>(StringComparer.Ordinal);
        public Dictionary<string, int> DeliveriesByUser = new Dictionary<string, int>(StringComparer.Ordinal);

        public int AttemptsFor(string user) => AttemptsByUser.TryGetValue(user, out var n) ? n : 0;
        public int DeliveriesFor(string user) => DeliveriesByUser.TryGetValue(user, out var n) ? n : 0;

        // The Core's own JSON reader (internal, visible to this harness), so the harness adds no JSON dependency.
        public static EndpointStats Parse(string json)
        {
            var root = JsonReader.Parse(json);
            var stats = new EndpointStats
            {
                Requests = Number(root, "Requests"),
                Deliveries = Number(root, "Deliveries"),
                Connections = Number(root, "Connections"),
                MaxOpenConnections = Number(root, "MaxOpenConnections"),
                Recording = root.Get("Recording")?.Boolean == true,
            };
            Counts(root, "AttemptsByUser", stats.AttemptsByUser);
            Counts(root, "DeliveriesByUser", stats.DeliveriesByUser);
            return stats;
        }

        private static long Number(JsonValue root, string name)
        {
            var value = root.Get(name);
            if (value == null || value.Kind != JsonKind.Number) throw new InvalidDataException("/_test/stats has no number " + name + ".");
            return long.Parse(value.Text, CultureInfo.InvariantCulture);
        }

        private static void Counts(JsonValue root, string name, Dictionary<string, int> into)
        {
            var value = root.Get(name);
            if (value == null || value.Kind != JsonKind.Object) throw new InvalidDataException("/_test/stats has no object " + name + ".");
            foreach (var member in value.Members) into[member.Key] = int.Parse(member.Value.Text, CultureInfo.InvariantCulture);
        }
    }
}
