using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.TestEndpoint
{
    public sealed class LocalHttpServerTests
    {
        private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(10);

        /// <summary>A raw HTTP response, read byte by byte so the test sees exactly what the server sent.</summary>
        private sealed class RawResponse
        {
            public int Status;
            public Dictionary<string, string> Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            public byte[] Body;
            public string BodyText => Encoding.UTF8.GetString(Body);
        }

        private static async Task<string> ReadLineAsync(Stream stream)
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (true)
            {
                var read = await stream.ReadAsync(one, 0, 1).WaitAsync(IoTimeout);
                if (read == 0) return bytes.Count == 0 ? null : throw new EndOfStreamException("connection closed mid-line");
                if (one[0] == (byte)'\n') break;
                bytes.Add(one[0]);
            }
            if (bytes.Count > 0 && bytes[bytes.Count - 1] == (byte)'\r') bytes.RemoveAt(bytes.Count - 1);
            return Encoding.ASCII.GetString(bytes.ToArray());
        }

        /// <summary>Reads one response; null if the connection closed before a status line. The body may be short if the server closed early.</summary>
        private static async Task<RawResponse> ReadResponseAsync(Stream stream)
        {
            var statusLine = await ReadLineAsync(stream);
            if (statusLine == null) return null;
            var response = new RawResponse { Status = int.Parse(statusLine.Split(' ')[1]) };
            string line;
            while (!string.IsNullOrEmpty(line = await ReadLineAsync(stream)))
            {
                var colon = line.IndexOf(':');
                response.Headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }
            var length = response.Headers.TryGetValue("Content-Length", out var text) ? int.Parse(text) : 0;
            var body = new MemoryStream();
            var buffer = new byte[4096];
            while (body.Length < length)
            {
                var read = await stream.ReadAsync(buffer, 0, (int)Math.Min(buffer.Length, length - body.Length)).WaitAsync(IoTimeout);
                if (read == 0) break;
                body.Write(buffer, 0, read);
            }
            response.Body = body.ToArray();
            return response;
        }

        private static async Task WriteAsync(Stream stream, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            await stream.WriteAsync(bytes, 0, bytes.Length);
        }

        private static string Post(string body, string extraHeaders = "")
            => "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n" + extraHeaders
               + "Content-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\n\r\n" + body;

        private static async Task<int> ReadToEndAsync(Stream stream)
        {
            var total = 0;
            var buffer = new byte[1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, 0, buffer.Length).WaitAsync(IoTimeout)) > 0) total += read;
            return total;
        }

        private static LocalHttpServer EchoServer()
            => new LocalHttpServer(r => ResponseAction.Json(200, "{\"echo\":\"" + r.BodyText + "\"}")).Start();

        [Fact]
        public async Task Two_requests_share_one_keep_alive_connection()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, Post("one"));
                var first = await ReadResponseAsync(stream);
                await WriteAsync(stream, Post("two"));
                var second = await ReadResponseAsync(stream);

                Assert.Equal("{\"echo\":\"one\"}", first.BodyText);
                Assert.Equal("{\"echo\":\"two\"}", second.BodyText);
                Assert.False(first.Headers.ContainsKey("Connection"));
                Assert.Equal(1, server.ConnectionCount);
                Assert.Equal(2, server.RequestCount);
                Assert.Equal(server.Requests[0].ConnectionId, server.Requests[1].ConnectionId);
            }
        }

        [Fact]
        public async Task Header_values_that_change_between_requests_on_one_connection_are_read_fresh()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                var values = new[] { "aaaa", "aaab", "aaaa", "bär", "  padded\t " };

                foreach (var value in values)
                {
                    await WriteAsync(stream, Post("x", "X-Test: " + value + "\r\nx-test-lower: " + value.Length + "\r\n"));
                    await ReadResponseAsync(stream);
                }

                var recorded = server.Requests;
                Assert.Equal(new[] { "aaaa", "aaab", "aaaa", "bär", "padded" }, recorded.Select(r => r.Header("X-Test")));
                Assert.Equal(values.Select(v => v.Length.ToString()), recorded.Select(r => r.Header("X-TEST-LOWER")));
                Assert.All(recorded, r => Assert.Equal("POST", r.Method));
                Assert.All(recorded, r => Assert.Equal("HTTP/1.1", r.HttpVersion));
            }
        }

        [Fact]
        public async Task Pipelined_requests_are_answered_in_order()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, Post("a") + Post("b") + Post("c"));

                Assert.Equal("{\"echo\":\"a\"}", (await ReadResponseAsync(stream)).BodyText);
                Assert.Equal("{\"echo\":\"b\"}", (await ReadResponseAsync(stream)).BodyText);
                Assert.Equal("{\"echo\":\"c\"}", (await ReadResponseAsync(stream)).BodyText);
            }
        }

        [Fact]
        public async Task Chunked_request_body_is_reassembled_and_trailers_skipped()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n" + "7;ext=1\r\n, world\r\n" + "0\r\nX-Trailer: t\r\n\r\n");
                var response = await ReadResponseAsync(stream);
                await WriteAsync(stream, Post("after"));
                var next = await ReadResponseAsync(stream);

                Assert.Equal("{\"echo\":\"hello, world\"}", response.BodyText);
                Assert.Equal("hello, world", server.Requests[0].BodyText);
                Assert.Equal("{\"echo\":\"after\"}", next.BodyText);
            }
        }

        [Fact]
        public async Task Malformed_chunk_size_closes_only_that_connection()
        {
            using (var server = EchoServer())
            {
                using (var tcp = new TcpClient())
                {
                    await tcp.ConnectAsync("127.0.0.1", server.Port);
                    var stream = tcp.GetStream();
                    await WriteAsync(stream, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
                    Assert.Equal(0, await ReadToEndAsync(stream));
                }
                using (var tcp = new TcpClient())
                {
                    await tcp.ConnectAsync("127.0.0.1", server.Port);
                    var stream = tcp.GetStream();
                    await WriteAsync(stream, Post("ok"));
                    Assert.Equal(200, (await ReadResponseAsync(stream)).Status);
                }
            }
        }

        [Fact]
        public async Task Expect_100_continue_is_acknowledged_before_the_body()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
                var interim = await ReadResponseAsync(stream);
                await WriteAsync(stream, "body");
                var final = await ReadResponseAsync(stream);

                Assert.Equal(100, interim.Status);
                Assert.Equal(200, final.Status);
                Assert.Equal("{\"echo\":\"body\"}", final.BodyText);
            }
        }

        [Fact]
        public async Task Connection_close_request_gets_connection_close_and_eof()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, Post("bye", "Connection: close\r\n"));
                var response = await ReadResponseAsync(stream);

                Assert.Equal("close", response.Headers["Connection"]);
                Assert.Equal(0, await ReadToEndAsync(stream));
            }
        }

        [Fact]
        public async Task Http_1_0_without_keep_alive_is_closed_after_the_answer()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi");
                var response = await ReadResponseAsync(stream);

                Assert.Equal("{\"echo\":\"hi\"}", response.BodyText);
                Assert.Equal(0, await ReadToEndAsync(stream));
                Assert.Equal("HTTP/1.0", server.Requests[0].HttpVersion);
            }
        }

        [Fact]
        public async Task Silent_close_answers_without_connection_close_then_ends_the_connection()
        {
            using (var server = new LocalHttpServer(_ => { var a = ResponseAction.Json(200, "{}"); a.CloseSilentlyAfterResponse = true; return a; }).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));

                var response = await ReadResponseAsync(stream);

                Assert.Equal(200, response.Status);
                Assert.False(response.Headers.ContainsKey("Connection"));
                Assert.Equal(0, await ReadToEndAsync(stream));
            }
        }

        [Fact]
        public async Task Drop_closes_without_a_byte()
        {
            using (var server = new LocalHttpServer(_ => new ResponseAction { DropConnection = true }).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));

                Assert.Equal(0, await ReadToEndAsync(stream));
                Assert.Equal(1, server.RequestCount);
            }
        }

        [Fact]
        public async Task Reset_aborts_the_connection()
        {
            using (var server = new LocalHttpServer(_ => new ResponseAction { DropConnection = true, ResetConnection = true }).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));

                var error = await Assert.ThrowsAsync<IOException>(() => ReadToEndAsync(stream));
                Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(error.InnerException).SocketErrorCode);
            }
        }

        [Fact]
        public async Task Truncated_body_announces_the_full_length_then_closes()
        {
            var json = "{\"CodeDeliveryDetails\":{\"AttributeName\":\"email\"}}";
            using (var server = new LocalHttpServer(_ => { var a = ResponseAction.Json(200, json); a.TruncateBodyAt = 10; return a; }).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));

                var response = await ReadResponseAsync(stream);

                Assert.Equal(json.Length.ToString(), response.Headers["Content-Length"]);
                Assert.Equal(json.Substring(0, 10), response.BodyText);
                Assert.Equal(0, await ReadToEndAsync(stream));
            }
        }

        [Fact]
        public async Task Raw_response_is_sent_verbatim_then_closed()
        {
            var raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, ends with close";
            using (var server = new LocalHttpServer(_ => new ResponseAction { RawResponse = Encoding.ASCII.GetBytes(raw) }).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));

                var received = new MemoryStream();
                await stream.CopyToAsync(received).WaitAsync(IoTimeout);
                Assert.Equal(raw, Encoding.ASCII.GetString(received.ToArray()));
            }
        }

        [Fact]
        public async Task Handler_exception_becomes_500_and_connection_survives()
        {
            var calls = 0;
            using (var server = new LocalHttpServer(_ => ++calls == 1 ? throw new InvalidOperationException("boom") : ResponseAction.Json(200, "{}")).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();

                await WriteAsync(stream, Post("x"));
                var failed = await ReadResponseAsync(stream);
                await WriteAsync(stream, Post("y"));
                var ok = await ReadResponseAsync(stream);

                Assert.Equal(500, failed.Status);
                Assert.Contains("InvalidOperationException", failed.BodyText);
                Assert.Equal(200, ok.Status);
            }
        }

        [Fact]
        public async Task Async_handler_with_delay_headers_and_status()
        {
            async Task<ResponseAction> Handler(RecordedRequest r)
            {
                await Task.Yield();
                var a = ResponseAction.Json(503, "{}").WithHeader("Retry-After", "1");
                a.Delay = TimeSpan.FromMilliseconds(200);
                return a;
            }
            using (var server = new LocalHttpServer(Handler).Start())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                var watch = Stopwatch.StartNew();
                await WriteAsync(stream, Post("x"));
                var response = await ReadResponseAsync(stream);

                Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(160), watch.Elapsed.ToString());
                Assert.Equal(503, response.Status);
                Assert.Equal("1", response.Headers["Retry-After"]);
                Assert.True(DateTimeOffset.TryParse(response.Headers["Date"], out _));
            }
        }

        [Fact]
        public async Task Headers_and_body_are_recorded()
        {
            using (var server = EchoServer())
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("J\u00fcrgen", "X-Amz-Target: T\r\nX-Multi: a\r\nX-Multi: b\r\n"));
                await ReadResponseAsync(stream);

                var request = Assert.Single(server.Requests);
                Assert.Equal("POST", request.Method);
                Assert.Equal("/", request.Path);
                Assert.Equal("T", request.Header("x-amz-target"));
                Assert.Equal("a, b", request.Header("X-Multi"));
                Assert.Equal("J\u00fcrgen", request.BodyText);
                server.ClearRequests();
                Assert.Empty(server.Requests);
            }
        }

        [Fact]
        public async Task Many_delayed_answers_on_many_connections_all_arrive()
        {
            using (var server = new LocalHttpServer(r => { var a = ResponseAction.Json(200, "{\"echo\":\"" + r.BodyText + "\"}"); a.Delay = TimeSpan.FromMilliseconds(100 + r.Body.Length); return a; }).Start())
            {
                var clients = new List<Task<(string Body, TimeSpan Elapsed)>>();
                for (var i = 0; i < 40; i++)
                {
                    var payload = new string('x', i);
                    clients.Add(Task.Run(async () =>
                    {
                        using (var tcp = new TcpClient())
                        {
                            await tcp.ConnectAsync("127.0.0.1", server.Port);
                            var stream = tcp.GetStream();
                            var watch = Stopwatch.StartNew();
                            await WriteAsync(stream, Post(payload));
                            var response = await ReadResponseAsync(stream);
                            return (response.BodyText, watch.Elapsed);
                        }
                    }));
                }

                var results = await Task.WhenAll(clients);

                for (var i = 0; i < results.Length; i++)
                {
                    Assert.Equal("{\"echo\":\"" + new string('x', i) + "\"}", results[i].Body);
                    Assert.True(results[i].Elapsed >= TimeSpan.FromMilliseconds(80), results[i].Elapsed.ToString());
                }
            }
        }

        [Fact]
        public async Task Dispose_ends_connections_waiting_on_a_long_delay()
        {
            var server = new LocalHttpServer(_ => new ResponseAction { Delay = TimeSpan.FromMinutes(5) }).Start();
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));
                for (var i = 0; i < 1000 && server.RequestCount == 0; i++) await Task.Delay(10);
                Assert.Equal(1, server.RequestCount);

                server.Dispose();

                // Within IoTimeout, not five minutes: the connection closes without an answer.
                var error = await Record.ExceptionAsync(async () => Assert.Equal(0, await ReadToEndAsync(stream)));
                Assert.True(error == null || error is IOException, error?.ToString());
            }
        }

        [Fact]
        public async Task Dispose_closes_idle_connections()
        {
            var server = EchoServer();
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync("127.0.0.1", server.Port);
                var stream = tcp.GetStream();
                await WriteAsync(stream, Post("x"));
                await ReadResponseAsync(stream);

                server.Dispose();

                var error = await Record.ExceptionAsync(async () => Assert.Equal(0, await ReadToEndAsync(stream)));
                Assert.True(error == null || error is IOException, error?.ToString());
            }
        }
    }
}
