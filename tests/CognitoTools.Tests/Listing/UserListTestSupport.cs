using System;
using System.Collections.Concurrent;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Auth;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;

namespace CognitoTools.Tests.Listing
{
    /// <summary>Credentials that count how often they were asked, and can change between asks (a refresh).</summary>
    internal sealed class CountingCredentials : IAwsCredentialsProvider
    {
        private readonly Func<int, AwsCredentials> _next;
        private int _asks;

        public CountingCredentials(Func<int, AwsCredentials> next = null)
        {
            _next = next ?? (n => new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null, null, Source));
        }

        public string Source => "the test's credentials";
        public int Asks => Volatile.Read(ref _asks);

        public Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
            => Task.FromResult(_next(Interlocked.Increment(ref _asks)));
    }

    /// <summary>A rate limiter that admits everything and counts what it was told.</summary>
    internal sealed class CountingLimiter : IRequestRateLimiter
    {
        public int Waits, Throttles, Successes;
        public Task WaitAsync(CancellationToken cancellationToken) { Interlocked.Increment(ref Waits); return Task.CompletedTask; }
        public void OnAnswer(AnswerKind kind)
        {
            if (kind == AnswerKind.Throttled) Interlocked.Increment(ref Throttles);
            else if (kind != AnswerKind.NoAnswer) Interlocked.Increment(ref Successes);
        }
        public void OnRetryQuotaExhausted() { }
    }

    /// <summary>A LocalHttpServer answering ListUsers, and a signed list client pointed at it whose sleeps are recorded.</summary>
    internal sealed class ListClientFixture : IDisposable
    {
        public ListClientFixture(Func<RecordedRequest, ResponseAction> handler, IAwsCredentialsProvider credentials = null, Func<DateTimeOffset> utcNow = null,
            IRequestRateLimiter limiter = null)
        {
            Server = new LocalHttpServer(handler).Start();
            Credentials = credentials ?? new CountingCredentials();
            Config = new CognitoClientConfig
            {
                ServiceUrl = new Uri($"http://127.0.0.1:{Server.Port}"),
                Region = "us-east-1",
                ConnectTimeout = TimeSpan.FromSeconds(5),
                ReadTimeout = TimeSpan.FromSeconds(10),
                Log = line => LogLines.Enqueue(line),
                RateLimiter = limiter,
            };
            Client = new CognitoUserListClient(Config, Credentials, null, () => 0.5, (d, ct) => { Delays.Enqueue(d); return Task.CompletedTask; }, utcNow);
        }

        public LocalHttpServer Server { get; }
        public IAwsCredentialsProvider Credentials { get; }
        public CognitoClientConfig Config { get; }
        public CognitoUserListClient Client { get; }
        public ConcurrentQueue<TimeSpan> Delays { get; } = new ConcurrentQueue<TimeSpan>();
        public ConcurrentQueue<string> LogLines { get; } = new ConcurrentQueue<string>();

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }

    internal static class ListUsersAnswers
    {
        /// <summary>A page of users named by <paramref name="names"/>, and the next token (null: none).</summary>
        public static ResponseAction Page(string token, params string[] names)
        {
            var users = new System.Text.StringBuilder();
            for (var i = 0; i < names.Length; i++)
            {
                if (i > 0) users.Append(',');
                users.Append("{\"Username\":\"").Append(names[i]).Append("\",\"Attributes\":[{\"Name\":\"email\",\"Value\":\"")
                    .Append(names[i]).Append("@example.com\"}],\"UserCreateDate\":1.764979200123E9,\"UserLastModifiedDate\":1764979300,\"Enabled\":true,\"UserStatus\":\"UNCONFIRMED\"}");
            }
            var json = "{\"Users\":[" + users + "]" + (token != null ? ",\"PaginationToken\":\"" + token + "\"" : string.Empty) + "}";
            return ResponseAction.Json(200, json).WithHeader("x-amzn-RequestId", "req-" + Guid.NewGuid().ToString("N"));
        }

        public static string TokenOf(RecordedRequest request)
        {
            using var body = JsonDocument.Parse(request.BodyText);
            return body.RootElement.TryGetProperty("PaginationToken", out var token) ? token.GetString() : null;
        }
    }

    internal static class ListUsersModel
    {
        public static JsonDocument Load()
            => JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "Protocol", "list-users.model.json")));
    }
}
