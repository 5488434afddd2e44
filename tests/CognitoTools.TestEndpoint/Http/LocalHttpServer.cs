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
        /// <summary>Close the connection after this response without saying so (no "Connection: close"): the client finds its pooled connection dead on the next request.</summary>
        public bool CloseSilentlyAfterResponse { get; set; }
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
        // A synchronous handler is called directly: no Task per request.
        private readonly Func<RecordedRequest, ResponseAction> _syncHandler;
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<RecordedRequest> _requests = new ConcurrentQueue<RecordedRequest>();
        private readonly ConcurrentDictionary<int, TcpClient> _connections = new ConcurrentDictionary<int, TcpClient>();
        private int _connectionCounter;
        private int _openConnections;
        private int _maxOpenConnections;
        private int _requestCount;
        private Task _acceptLoop;

        public LocalHttpServer(Func<RecordedRequest, Task<ResponseAction>> handler, int port = 0)
        {
            _handler = handler ?? throw new ArgumentNullException(nameof(handler));
            _listener = new TcpListener(IPAddress.Loopback, port);
        }

        public LocalHttpServer(Func<RecordedRequest, ResponseAction> handler, int port = 0)
            : this(r => Task.FromResult(handler(r)), port)
        {
            _syncHandler = handler;
        }

        /// <summary>Keep every request in Requests (default true; the benchmark turns it off).</summary>
        public bool RecordRequests { get; set; } = true;

        public Uri BaseUri { get; private set; }
        public int Port { get; private set; }
        public int RequestCount => Volatile.Read(ref _requestCount);
        /// <summary>TCP connections accepted so far (to check connection reuse).</summary>
        public int ConnectionCount => Volatile.Read(ref _connectionCounter);
        /// <summary>TCP connections open now (closed ones are counted off once their socket is closed).</summary>
        public int OpenConnections => Volatile.Read(ref _openConnections);
        /// <summary>The most TCP connections that were open at once (to check that concurrency really used connections).</summary>
        public int MaxOpenConnections => Volatile.Read(ref _maxOpenConnections);

        /// <summary>Forgets the connection high-water mark and count (connections open now still count as open).</summary>
        public void ResetConnectionCounters()
        {
            Interlocked.Exchange(ref _maxOpenConnections, Volatile.Read(ref _openConnections));
            Interlocked.Exchange(ref _connectionCounter, 0);
        }
        public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

        public LocalHttpServer Start()
        {
            // No ReuseAddress: on Linux .NET maps it to SO_REUSEPORT too, and on Windows it allows port stealing, so a
            // second endpoint on a busy fixed port would start "successfully" and share the traffic. Restarting on a
            // port in TIME_WAIT works anyway (.NET sets SO_REUSEADDR for listeners on Unix).
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
                var open = Interlocked.Increment(ref _openConnections);
                int seen;
                while (open > (seen = Volatile.Read(ref _maxOpenConnections)) && Interlocked.CompareExchange(ref _maxOpenConnections, open, seen) != seen) { }
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
                    var writer = new ResponseWriter();
                    while (!_stop.IsCancellationRequested)
                    {
                        var request = await ReadRequestAsync(reader, stream, connectionId).ConfigureAwait(false);
                        if (request == null) return;
                        Interlocked.Increment(ref _requestCount);
                        if (RecordRequests) _requests.Enqueue(request);

                        ResponseAction action;
                        try { action = (_syncHandler != null ? _syncHandler(request) : await _handler(request).ConfigureAwait(false)) ?? ResponseAction.Json(500, "{}"); }
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
                        await writer.WriteAsync(stream, action, close).ConfigureAwait(false);
                        if (close || action.CloseSilentlyAfterResponse) return;
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
                Interlocked.Decrement(ref _openConnections);
                _connections.TryRemove(connectionId, out _);
            }
        }

        private LatencyScheduler _latency;
        // How much earlier than the deadline to release a waiter so that the answer is written at the deadline: waking
        // the scheduler thread and then a pool thread costs a few tenths of a millisecond. Learnt from each delay's
        // measured lateness (an integral controller), in Stopwatch ticks.
        private long _wakeCompensation;
        private static readonly long MaxWakeCompensation = Stopwatch.Frequency / 500; // 2 ms

        /// <summary>Waits until <paramref name="delay"/> after <paramref name="startTimestamp"/> (a Stopwatch timestamp).</summary>
        private async Task DelayUntilAsync(long startTimestamp, TimeSpan delay)
        {
            var delayTimestampTicks = (long)(delay.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));
            var deadline = startTimestamp + delayTimestampTicks;
            if (deadline <= Stopwatch.GetTimestamp()) return;
            var scheduler = Volatile.Read(ref _latency);
            if (scheduler == null)
            {
                var created = new LatencyScheduler();
                scheduler = Interlocked.CompareExchange(ref _latency, created, null) ?? created;
                if (scheduler != created) created.Dispose();
                // Dispose cancels, then stops whatever scheduler it sees: one created meanwhile is stopped here.
                if (_stop.IsCancellationRequested) { scheduler.Dispose(); throw new OperationCanceledException(); }
            }
            var compensation = Math.Min(Volatile.Read(ref _wakeCompensation), delayTimestampTicks / 4);
            await scheduler.WaitUntilAsync(deadline - compensation).ConfigureAwait(false);
            var lateness = Stopwatch.GetTimestamp() - deadline;
            var adjusted = Volatile.Read(ref _wakeCompensation) + lateness / 16;
            Volatile.Write(ref _wakeCompensation, Math.Max(0, Math.Min(MaxWakeCompensation, adjusted)));
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
            // Lines are decoded from the read buffer through a per-connection cache: a client sends the same header
            // names and mostly the same values on every request, so most requests need no new strings for them.
            var cache = reader.Strings;
            int lineLength;
            // Tolerate stray CRLFs between requests (RFC 9112 2.2).
            while ((lineLength = await reader.ReadLineSpanAsync().ConfigureAwait(false)) == 0) { }
            if (lineLength < 0) return null;
            var buffer = reader.Bytes;
            var lineStart = reader.LineStart;
            var firstSpace = Array.IndexOf(buffer, (byte)' ', lineStart, lineLength);
            if (firstSpace < 0) return null;
            var secondSpace = Array.IndexOf(buffer, (byte)' ', firstSpace + 1, lineStart + lineLength - firstSpace - 1);
            if (secondSpace < 0) return null;
            var request = new RecordedRequest
            {
                Method = cache.Get(buffer, lineStart, firstSpace - lineStart),
                Path = cache.Get(buffer, firstSpace + 1, secondSpace - firstSpace - 1),
                HttpVersion = cache.Get(buffer, secondSpace + 1, lineStart + lineLength - secondSpace - 1),
                ReceivedAt = DateTimeOffset.UtcNow,
                ConnectionId = connectionId,
            };
            while (true)
            {
                lineLength = await reader.ReadLineSpanAsync().ConfigureAwait(false);
                if (lineLength < 0) return null;
                if (lineLength == 0) break;
                buffer = reader.Bytes;
                lineStart = reader.LineStart;
                var colon = Array.IndexOf(buffer, (byte)':', lineStart, lineLength);
                if (colon <= lineStart) continue;
                var name = cache.GetTrimmed(buffer, lineStart, colon - lineStart);
                var value = cache.GetTrimmed(buffer, colon + 1, lineStart + lineLength - colon - 1);
                request.Headers[name] = request.Headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
            }
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

        /// <summary>Formats responses into buffers kept per connection, so answering allocates next to nothing.</summary>
        private sealed class ResponseWriter
        {
            private readonly StringBuilder _head = new StringBuilder(256);
            private byte[] _buffer = new byte[1024];

            public ValueTask WriteAsync(Stream stream, ResponseAction action, bool close)
            {
                var reason = action.ReasonPhrase ?? ReasonFor(action.StatusCode);
                var body = action.Body ?? Array.Empty<byte>();
                var head = _head.Clear();
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

                var bodyLength = action.TruncateBodyAt.HasValue ? Math.Max(0, Math.Min(action.TruncateBodyAt.Value, body.Length)) : body.Length;
                var headLength = Encoding.ASCII.GetMaxByteCount(head.Length);
                if (_buffer.Length < headLength + bodyLength) _buffer = new byte[Math.Max(_buffer.Length * 2, headLength + bodyLength)];
                var written = 0;
                foreach (var chunk in head.GetChunks()) written += Encoding.ASCII.GetBytes(chunk.Span, _buffer.AsSpan(written));
                Buffer.BlockCopy(body, 0, _buffer, written, bodyLength);
                return stream.WriteAsync(new ReadOnlyMemory<byte>(_buffer, 0, written + bodyLength));
            }
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
            Volatile.Read(ref _latency)?.Dispose();
            try { _listener.Stop(); } catch (SocketException) { }
            foreach (var c in _connections.Values) { try { c.Close(); } catch (Exception) { } }
            try { _acceptLoop?.Wait(TimeSpan.FromSeconds(2)); } catch (AggregateException) { }
        }

        /// <summary>
        /// Releases waiters at their deadlines from one dedicated thread. Task.Delay rides the runtime's coarse timer
        /// (it can fire 4 ms early or late here), which would make a benchmark's "20 ms" latency anything from 16 to 24;
        /// a monitor wait is accurate to a fraction of a millisecond, so the added latency is what was asked for.
        /// </summary>
        private sealed class LatencyScheduler : IDisposable
        {
            // Waits come in whole milliseconds: releasing up to half of one early keeps the mean error near zero.
            private static readonly long ReleaseEarlyTicks = Stopwatch.Frequency / 2000;
            private readonly object _gate = new object();
            private readonly PriorityQueue<TaskCompletionSource<bool>, long> _waiters = new PriorityQueue<TaskCompletionSource<bool>, long>();
            private readonly List<TaskCompletionSource<bool>> _due = new List<TaskCompletionSource<bool>>();
            private readonly Thread _thread;
            private bool _stopped;

            public LatencyScheduler()
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "LocalHttpServer latency" };
                _thread.Start();
            }

            public Task WaitUntilAsync(long deadline)
            {
                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (_gate)
                {
                    if (_stopped) { waiter.TrySetCanceled(); return waiter.Task; }
                    var wakeNeeded = !_waiters.TryPeek(out _, out var earliest) || deadline < earliest;
                    _waiters.Enqueue(waiter, deadline);
                    if (wakeNeeded) Monitor.Pulse(_gate);
                }
                return waiter.Task;
            }

            private void Run()
            {
                while (true)
                {
                    lock (_gate)
                    {
                        while (true)
                        {
                            if (_stopped) return;
                            var now = Stopwatch.GetTimestamp();
                            while (_waiters.TryPeek(out var waiter, out var deadline) && deadline - ReleaseEarlyTicks <= now)
                            {
                                _waiters.Dequeue();
                                _due.Add(waiter);
                            }
                            if (_due.Count > 0) break;
                            if (!_waiters.TryPeek(out _, out var next)) { Monitor.Wait(_gate); continue; }
                            // A timed monitor wait wakes about 0.15 ms after its whole-millisecond timeout.
                            var milliseconds = (next - now) * 1000.0 / Stopwatch.Frequency - 0.15;
                            Monitor.Wait(_gate, Math.Max(1, (int)Math.Round(milliseconds)));
                        }
                    }
                    // Continuations run on the thread pool (RunContinuationsAsynchronously), not here.
                    foreach (var waiter in _due) waiter.TrySetResult(true);
                    _due.Clear();
                }
            }

            public void Dispose()
            {
                lock (_gate)
                {
                    if (_stopped) return;
                    _stopped = true;
                    while (_waiters.TryDequeue(out var waiter, out _)) waiter.TrySetCanceled();
                    Monitor.Pulse(_gate);
                }
            }
        }

        /// <summary>Recently decoded ASCII strings of one connection, found again by their bytes.</summary>
        private sealed class StringCache
        {
            private readonly string[] _entries = new string[48];
            private int _next;

            public string GetTrimmed(byte[] buffer, int start, int length)
            {
                while (length > 0 && (buffer[start] == (byte)' ' || buffer[start] == (byte)'\t')) { start++; length--; }
                while (length > 0 && (buffer[start + length - 1] == (byte)' ' || buffer[start + length - 1] == (byte)'\t')) length--;
                return Get(buffer, start, length);
            }

            public string Get(byte[] buffer, int start, int length)
            {
                if (length == 0) return string.Empty;
                foreach (var entry in _entries)
                {
                    if (entry != null && entry.Length == length && Matches(entry, buffer, start)) return entry;
                }
                for (var i = 0; i < length; i++)
                {
                    // Non-ASCII (a UTF-8 value): decode, don't cache.
                    if (buffer[start + i] >= 0x80) return Encoding.UTF8.GetString(buffer, start, length);
                }
                var text = Encoding.ASCII.GetString(buffer, start, length);
                _entries[_next] = text;
                _next = (_next + 1) % _entries.Length;
                return text;
            }

            private static bool Matches(string entry, byte[] buffer, int start)
            {
                for (var i = 0; i < entry.Length; i++)
                {
                    if (entry[i] != buffer[start + i]) return false;
                }
                return true;
            }
        }

        /// <summary>Reads CRLF lines and exact byte counts from a stream.</summary>
        private sealed class BufferedReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[16384];
            private int _start;
            private int _end;

            public BufferedReader(Stream stream) { _stream = stream; }

            public byte[] Bytes => _buffer;
            /// <summary>Where the line returned by the last ReadLineSpanAsync starts in Bytes (valid until the next read).</summary>
            public int LineStart { get; private set; }
            public StringCache Strings { get; } = new StringCache();

            /// <summary>Reads up to the next LF; returns the line's length without CR LF (see LineStart), or -1 at end of stream.</summary>
            public async ValueTask<int> ReadLineSpanAsync()
            {
                var scanFrom = _start;
                while (true)
                {
                    var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
                    if (newline >= 0)
                    {
                        var length = newline - _start;
                        if (length > 0 && _buffer[newline - 1] == (byte)'\r') length--;
                        LineStart = _start;
                        _start = newline + 1;
                        return length;
                    }
                    var consumed = _end - _start;
                    if (!await FillAsync().ConfigureAwait(false)) return -1;
                    scanFrom = _start + consumed;
                }
            }

            private async ValueTask<bool> FillAsync()
            {
                if (_start > 0 && _start == _end) { _start = _end = 0; }
                if (_end == _buffer.Length)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start; _start = 0;
                    if (_end == _buffer.Length) throw new IOException("Request header line too long.");
                }
                var read = await _stream.ReadAsync(new Memory<byte>(_buffer, _end, _buffer.Length - _end)).ConfigureAwait(false);
                if (read <= 0) return false;
                _end += read;
                return true;
            }

            public async ValueTask<string> ReadLineAsync()
            {
                var length = await ReadLineSpanAsync().ConfigureAwait(false);
                return length < 0 ? null : Encoding.UTF8.GetString(_buffer, LineStart, length);
            }

            public async ValueTask<byte[]> ReadBytesAsync(int count)
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
