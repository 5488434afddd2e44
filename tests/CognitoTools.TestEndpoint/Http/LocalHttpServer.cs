using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.TestEndpoint.Http
{
    /// <summary>An HTTP/1.1 request as it arrived on the wire.</summary>
    public sealed class RecordedRequest
    {
        public string Method { get; set; }
        public string Path { get; set; }
        /// <summary>Header names as sent; look-ups ignore case.</summary>
        public Dictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public byte[] Body { get; set; } = Array.Empty<byte>();
        public string BodyText => Encoding.UTF8.GetString(Body);
        public DateTimeOffset ReceivedAt { get; set; }
        /// <summary>Stopwatch timestamp taken when the request had been read completely.</summary>
        public long ReceivedTimestamp { get; set; }
        public int ConnectionId { get; set; }
        /// <summary>"HTTP/1.1" or "HTTP/1.0" as sent on the request line.</summary>
        public string HttpVersion { get; set; } = "HTTP/1.1";
        public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>What to answer. Faults (drop, delay, raw bytes) let tests reproduce what real networks do.</summary>
    public sealed class ResponseAction
    {
        public int StatusCode { get; set; } = 200;
        public string ReasonPhrase { get; set; }
        public List<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();
        public byte[] Body { get; set; } = Array.Empty<byte>();
        /// <summary>Answer this long after the request was read (timer overshoot is compensated, so benchmarks see the latency they asked for).</summary>
        public TimeSpan Delay { get; set; }
        /// <summary>Close the connection without answering.</summary>
        public bool DropConnection { get; set; }
        /// <summary>With DropConnection: abort with a TCP reset instead of an orderly close (what a crashed proxy does).</summary>
        public bool ResetConnection { get; set; }
        /// <summary>Close the connection after this response even if the client wants keep-alive (sends "Connection: close").</summary>
        public bool CloseAfterResponse { get; set; }
        /// <summary>Send these bytes verbatim instead of a formed response, then close.</summary>
        public byte[] RawResponse { get; set; }
        /// <summary>Announce the full body length but send only this many bytes, then close (truncated body).</summary>
        public int? TruncateBodyAt { get; set; }

        public ResponseAction WithHeader(string name, string value) { Headers.Add(new KeyValuePair<string, string>(name, value)); return this; }

        public static ResponseAction Json(int status, string json, string contentType = "application/x-amz-json-1.1")
        {
            var a = new ResponseAction { StatusCode = status, Body = Encoding.UTF8.GetBytes(json ?? string.Empty) };
            a.WithHeader("Content-Type", contentType);
            return a;
        }
    }

    /// <summary>
    /// A small HTTP/1.1 server on 127.0.0.1 with keep-alive, built on raw sockets so tests control every byte and
    /// fault. Each request is passed to the handler; every request is also recorded.
    /// </summary>
    public sealed class LocalHttpServer : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly Func<RecordedRequest, Task<ResponseAction>> _handler;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<RecordedRequest> _requests = new ConcurrentQueue<RecordedRequest>();
        private readonly ConcurrentDictionary<int, TcpClient> _connections = new ConcurrentDictionary<int, TcpClient>();
        private int _connectionCounter;
        private int _requestCount;
        private Task _acceptLoop;

        public LocalHttpServer(Func<RecordedRequest, Task<ResponseAction>> handler, int port = 0)
        {
            _handler = handler ?? throw new ArgumentNullException(nameof(handler));
            _listener = new TcpListener(IPAddress.Loopback, port);
        }

        public LocalHttpServer(Func<RecordedRequest, ResponseAction> handler, int port = 0)
            : this(r => Task.FromResult(handler(r)), port) { }

        /// <summary>Keep every request in Requests (default true; the benchmark turns it off).</summary>
        public bool RecordRequests { get; set; } = true;

        public Uri BaseUri { get; private set; }
        public int Port { get; private set; }
        public int RequestCount => Volatile.Read(ref _requestCount);
        /// <summary>TCP connections accepted so far (to check connection reuse).</summary>
        public int ConnectionCount => Volatile.Read(ref _connectionCounter);
        public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

        public LocalHttpServer Start()
        {
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start(512);
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            BaseUri = new Uri($"http://127.0.0.1:{Port}/");
            _acceptLoop = Task.Run(AcceptLoopAsync);
            return this;
        }

        public void ClearRequests()
        {
            while (_requests.TryDequeue(out _)) { }
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
                catch (ObjectDisposedException) { return; }
                catch (InvalidOperationException) { return; }
                catch (SocketException) { if (_stop.IsCancellationRequested) return; continue; }
                var id = Interlocked.Increment(ref _connectionCounter);
                client.NoDelay = true;
                _connections[id] = client;
                _ = Task.Run(() => ServeConnectionAsync(client, id));
            }
        }

        private async Task ServeConnectionAsync(TcpClient client, int connectionId)
        {
            try
            {
                using (client)
                using (var stream = client.GetStream())
                {
                    var reader = new BufferedReader(stream);
                    while (!_stop.IsCancellationRequested)
                    {
                        var request = await ReadRequestAsync(reader, stream, connectionId).ConfigureAwait(false);
                        if (request == null) return;
                        Interlocked.Increment(ref _requestCount);
                        if (RecordRequests) _requests.Enqueue(request);

                        ResponseAction action;
                        try { action = await _handler(request).ConfigureAwait(false) ?? ResponseAction.Json(500, "{}"); }
                        catch (Exception ex) { action = ResponseAction.Json(500, "{\"__type\":\"TestServerError\",\"message\":\"" + ex.GetType().Name + "\"}"); }

                        if (action.Delay > TimeSpan.Zero)
                        {
                            await DelayUntilAsync(request.ReceivedTimestamp, action.Delay).ConfigureAwait(false);
                        }
                        if (action.DropConnection)
                        {
                            // An abortive close (linger 0, no shutdown first) sends RST rather than FIN.
                            if (action.ResetConnection) client.Client.Close(0);
                            return;
                        }
                        if (action.RawResponse != null)
                        {
                            await stream.WriteAsync(action.RawResponse, 0, action.RawResponse.Length).ConfigureAwait(false);
                            return;
                        }
                        var close = action.CloseAfterResponse || action.TruncateBodyAt.HasValue || !WantsKeepAlive(request);
                        await WriteResponseAsync(stream, action, close).ConfigureAwait(false);
                        if (close) return;
                    }
                }
            }
            catch (IOException) { }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
            catch (OperationCanceledException) { }
            catch (FormatException) { }          // malformed chunk size: give up on the connection
            catch (OverflowException) { }
            catch (InvalidDataException) { }
            finally
            {
                _connections.TryRemove(connectionId, out _);
            }
        }

        // Timers fire late (about 1 ms on Linux); the average lateness is learnt and subtracted so a 20 ms latency
        // averages 20 ms rather than 21.5, which would cost a benchmark at 16 connections 7% of its ideal rate.
        private long _timerLatenessTicks;
        private static readonly long MaxLatenessCompensationTicks = TimeSpan.FromMilliseconds(5).Ticks;

        private static TimeSpan Elapsed(long fromTimestamp, long toTimestamp)
            => TimeSpan.FromTicks((long)((toTimestamp - fromTimestamp) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

        private async Task DelayUntilAsync(long startTimestamp, TimeSpan delay)
        {
            var now = Stopwatch.GetTimestamp();
            var remaining = delay - Elapsed(startTimestamp, now);
            var compensation = Math.Max(0, Math.Min(Interlocked.Read(ref _timerLatenessTicks), delay.Ticks / 4));
            var wait = remaining - TimeSpan.FromTicks(compensation);
            if (wait <= TimeSpan.Zero) return;
            await Task.Delay(wait, _stop.Token).ConfigureAwait(false);
            var lateness = (Elapsed(now, Stopwatch.GetTimestamp()) - wait).Ticks;
            // Early firings count too (negative), so the estimate is the mean error, not just the late side; outliers are clipped.
            lateness = Math.Max(-MaxLatenessCompensationTicks, Math.Min(MaxLatenessCompensationTicks, lateness));
            var estimate = Interlocked.Read(ref _timerLatenessTicks);
            Interlocked.Exchange(ref _timerLatenessTicks, estimate + (lateness - estimate) / 16);
        }

        private static bool WantsKeepAlive(RecordedRequest request)
        {
            var connection = request.Header("Connection");
            if (connection != null && connection.IndexOf("close", StringComparison.OrdinalIgnoreCase) >= 0) return false;
            // HTTP/1.0 closes unless the client asked for keep-alive.
            if (request.HttpVersion == "HTTP/1.0") return connection != null && connection.IndexOf("keep-alive", StringComparison.OrdinalIgnoreCase) >= 0;
            return true;
        }

        private static readonly byte[] ContinueResponse = Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n");

        private static async Task<RecordedRequest> ReadRequestAsync(BufferedReader reader, Stream stream, int connectionId)
        {
            var requestLine = await reader.ReadLineAsync().ConfigureAwait(false);
            // Tolerate stray CRLFs between requests (RFC 9112 2.2).
            while (requestLine != null && requestLine.Length == 0) requestLine = await reader.ReadLineAsync().ConfigureAwait(false);
            if (string.IsNullOrEmpty(requestLine)) return null;
            var parts = requestLine.Split(' ');
            if (parts.Length < 3) return null;
            var request = new RecordedRequest { Method = parts[0], Path = parts[1], HttpVersion = parts[2], ReceivedAt = DateTimeOffset.UtcNow, ConnectionId = connectionId };
            string line;
            while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync().ConfigureAwait(false)))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0) continue;
                var name = line.Substring(0, colon).Trim();
                var value = line.Substring(colon + 1).Trim();
                request.Headers[name] = request.Headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
            }
            if (line == null) return null;
            // .NET Framework's HttpWebRequest sends "Expect: 100-continue" on POST and waits for this before the body.
            if (string.Equals(request.Header("Expect"), "100-continue", StringComparison.OrdinalIgnoreCase))
            {
                await stream.WriteAsync(ContinueResponse, 0, ContinueResponse.Length).ConfigureAwait(false);
            }
            var transferEncoding = request.Header("Transfer-Encoding");
            var chunked = transferEncoding != null && transferEncoding.IndexOf("chunked", StringComparison.OrdinalIgnoreCase) >= 0;
            if (!chunked && request.Headers.TryGetValue("Content-Length", out var lengthText) && int.TryParse(lengthText, out var length) && length > 0)
            {
                request.Body = await reader.ReadBytesAsync(length).ConfigureAwait(false);
                if (request.Body == null) return null;
            }
            else if (chunked)
            {
                var body = new MemoryStream();
                while (true)
                {
                    var sizeLine = await reader.ReadLineAsync().ConfigureAwait(false);
                    if (sizeLine == null) return null;
                    var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                    if (size < 0) throw new InvalidDataException("Negative chunk size.");
                    if (size == 0)
                    {
                        // Skip trailers up to the empty line that ends the message.
                        string trailer;
                        while (!string.IsNullOrEmpty(trailer = await reader.ReadLineAsync().ConfigureAwait(false))) { }
                        if (trailer == null) return null;
                        break;
                    }
                    var chunk = await reader.ReadBytesAsync(size).ConfigureAwait(false);
                    if (chunk == null) return null;
                    body.Write(chunk, 0, chunk.Length);
                    await reader.ReadLineAsync().ConfigureAwait(false);
                }
                request.Body = body.ToArray();
            }
            request.ReceivedTimestamp = Stopwatch.GetTimestamp();
            return request;
        }

        private static async Task WriteResponseAsync(NetworkStream stream, ResponseAction action, bool close)
        {
            var reason = action.ReasonPhrase ?? ReasonFor(action.StatusCode);
            var body = action.Body ?? Array.Empty<byte>();
            var head = new StringBuilder();
            head.Append("HTTP/1.1 ").Append(action.StatusCode).Append(' ').Append(reason).Append("\r\n");
            var hasLength = false;
            foreach (var h in action.Headers)
            {
                if (string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)) hasLength = true;
                head.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
            }
            if (!hasLength) head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
            head.Append("Date: ").Append(HttpDate()).Append("\r\n");
            if (close) head.Append("Connection: close\r\n");
            head.Append("\r\n");
            var headBytes = Encoding.ASCII.GetBytes(head.ToString());
            var bodyLength = action.TruncateBodyAt.HasValue ? Math.Max(0, Math.Min(action.TruncateBodyAt.Value, body.Length)) : body.Length;
            var buffer = new byte[headBytes.Length + bodyLength];
            Buffer.BlockCopy(headBytes, 0, buffer, 0, headBytes.Length);
            Buffer.BlockCopy(body, 0, buffer, headBytes.Length, bodyLength);
            await stream.WriteAsync(buffer, 0, buffer.Length).ConfigureAwait(false);
            await stream.FlushAsync().ConfigureAwait(false);
        }

        private static string _cachedDate;
        private static long _cachedDateSecond;

        /// <summary>The Date header value, formatted once per second rather than per response.</summary>
        private static string HttpDate()
        {
            var now = DateTime.UtcNow;
            var second = now.Ticks / TimeSpan.TicksPerSecond;
            var cached = Volatile.Read(ref _cachedDate);
            if (cached != null && Interlocked.Read(ref _cachedDateSecond) == second) return cached;
            cached = now.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
            Volatile.Write(ref _cachedDate, cached);
            Interlocked.Exchange(ref _cachedDateSecond, second);
            return cached;
        }

        private static string ReasonFor(int status)
        {
            switch (status)
            {
                case 200: return "OK";
                case 204: return "No Content";
                case 400: return "Bad Request";
                case 403: return "Forbidden";
                case 404: return "Not Found";
                case 405: return "Method Not Allowed";
                case 413: return "Payload Too Large";
                case 415: return "Unsupported Media Type";
                case 429: return "Too Many Requests";
                case 500: return "Internal Server Error";
                case 502: return "Bad Gateway";
                case 503: return "Service Unavailable";
                case 504: return "Gateway Timeout";
                default: return "Status";
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _listener.Stop(); } catch (SocketException) { }
            foreach (var c in _connections.Values) { try { c.Close(); } catch (Exception) { } }
            try { _acceptLoop?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        }

        /// <summary>Reads CRLF lines and exact byte counts from a stream.</summary>
        private sealed class BufferedReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[16384];
            private int _start;
            private int _end;

            public BufferedReader(Stream stream) { _stream = stream; }

            private async Task<bool> FillAsync()
            {
                if (_start > 0 && _start == _end) { _start = _end = 0; }
                if (_end == _buffer.Length)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start; _start = 0;
                    if (_end == _buffer.Length) throw new IOException("Request header line too long.");
                }
                var read = await _stream.ReadAsync(_buffer, _end, _buffer.Length - _end).ConfigureAwait(false);
                if (read <= 0) return false;
                _end += read;
                return true;
            }

            public async Task<string> ReadLineAsync()
            {
                var scanFrom = _start;
                while (true)
                {
                    for (var i = scanFrom; i < _end; i++)
                    {
                        if (_buffer[i] == (byte)'\n')
                        {
                            var len = i - _start;
                            if (len > 0 && _buffer[i - 1] == (byte)'\r') len--;
                            var line = Encoding.UTF8.GetString(_buffer, _start, len);
                            _start = i + 1;
                            return line;
                        }
                    }
                    var consumed = _end - _start;
                    if (!await FillAsync().ConfigureAwait(false)) return null;
                    scanFrom = _start + consumed;
                }
            }

            public async Task<byte[]> ReadBytesAsync(int count)
            {
                var result = new byte[count];
                var filled = 0;
                while (filled < count)
                {
                    if (_start == _end && !await FillAsync().ConfigureAwait(false)) return null;
                    var take = Math.Min(count - filled, _end - _start);
                    Buffer.BlockCopy(_buffer, _start, result, filled, take);
                    _start += take; filled += take;
                }
                return result;
            }
        }
    }
}
