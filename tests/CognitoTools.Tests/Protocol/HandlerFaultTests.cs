using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Protocol
{
    /// <summary>Faults a socket server cannot stage on demand (connect timeout, a body that stalls), via an injected handler.</summary>
    public class HandlerFaultTests
    {
        private static readonly ResendConfirmationCodeRequest Request = new ResendConfirmationCodeRequest { Username = "ann", ClientId = "c" };

        private static CognitoIdpClient Client(HttpMessageHandler handler, TimeSpan readTimeout, int maxAttempts = 2)
            => new CognitoIdpClient(new CognitoClientConfig
            {
                ServiceUrl = new Uri("http://127.0.0.1:9"),
                ReadTimeout = readTimeout,
                ConnectTimeout = TimeSpan.FromSeconds(3),
                MaxAttempts = maxAttempts,
            }, handler, () => 0, (d, ct) => Task.CompletedTask);

        [Fact]
        public async Task The_handler_s_connect_timeout_is_a_retried_ConnectionFailure()
        {
            var handler = new FakeHandler((_, ct) => throw new TaskCanceledException("connect", new TimeoutException("The connect timed out.")));
            using var client = Client(handler, TimeSpan.FromSeconds(30));
            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() => client.ResendConfirmationCodeAsync(Request, CancellationToken.None));
            Assert.Equal("ConnectionFailure", ex.ErrorCode);
            Assert.Contains("connect timeout of 3 s", ex.Message);
            Assert.Equal(2, ex.Attempts);
            Assert.Equal(2, handler.Calls);
        }

        [Fact]
        public async Task A_body_that_stalls_hits_the_read_timeout()
        {
            var handler = new FakeHandler((_, ct) => Task.FromResult(StallingResponse()));
            using var client = Client(handler, TimeSpan.FromMilliseconds(200));
            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() => client.ResendConfirmationCodeAsync(Request, CancellationToken.None));
            Assert.Equal("RequestTimeout", ex.ErrorCode);
            Assert.Equal(200, ex.HttpStatusCode);
            Assert.Equal(2, ex.Attempts);
        }

        [Fact]
        public async Task Cancelling_while_a_body_stalls_is_a_cancellation_not_a_timeout()
        {
            var handler = new FakeHandler((_, ct) => Task.FromResult(StallingResponse()));
            using var client = Client(handler, TimeSpan.FromSeconds(30));
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ResendConfirmationCodeAsync(Request, cts.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
            Assert.Equal(1, handler.Calls);
        }

        [Fact]
        public async Task An_HttpRequestException_is_a_ConnectionFailure_naming_the_cause()
        {
            var handler = new FakeHandler((_, ct) => throw new HttpRequestException("Connection reset by peer", new IOException("reset")));
            using var client = Client(handler, TimeSpan.FromSeconds(30), maxAttempts: 1);
            var ex = await Assert.ThrowsAsync<CognitoTransportException>(() => client.ResendConfirmationCodeAsync(Request, CancellationToken.None));
            Assert.Equal("ConnectionFailure", ex.ErrorCode);
            Assert.Contains("Connection reset by peer", ex.Message);
            Assert.Equal(1, ex.Attempts);
        }

        private static HttpResponseMessage StallingResponse()
        {
            var content = new StreamContent(new StallingStream());
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-amz-json-1.1");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        private sealed class FakeHandler : HttpMessageHandler
        {
            private readonly Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> _send;
            public int Calls;
            public FakeHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send) { _send = send; }
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref Calls);
                return _send(request, cancellationToken);
            }
        }

        /// <summary>Sends "{" and then nothing, until the reader gives up.</summary>
        private sealed class StallingStream : Stream
        {
            private bool _sentFirst;
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (!_sentFirst) { _sentFirst = true; buffer[offset] = (byte)'{'; return 1; }
                // Bounded: a test that forgot its timeout still ends.
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
                return 0;
            }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
