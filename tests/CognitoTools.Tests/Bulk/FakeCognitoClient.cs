using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// An in-memory ICognitoIdpClient: the behaviour per call is a delegate; it counts calls, calls in flight at once
    /// and when each call started (for rate checks).
    /// </summary>
    internal sealed class FakeCognitoClient : ICognitoIdpClient
    {
        private readonly Func<ResendConfirmationCodeRequest, int, CancellationToken, Task<ResendConfirmationCodeResponse>> _behaviour;
        private readonly ConcurrentQueue<TimeSpan> _callTimes = new ConcurrentQueue<TimeSpan>();
        private readonly ConcurrentQueue<string> _usernames = new ConcurrentQueue<string>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _calls;
        private int _inFlight;
        private int _maxInFlight;

        static FakeCognitoClient()
        {
            // The tests block their own (pool) threads in Submit/Complete the way a pipeline thread blocks; on a
            // 2-core machine that can starve the pool the fake's continuations need. A PowerShell pipeline thread is
            // not a pool thread, so this only keeps test timings honest.
            ThreadPool.GetMinThreads(out var workers, out var io);
            if (workers < 16) ThreadPool.SetMinThreads(16, io);
        }

        public FakeCognitoClient(Func<ResendConfirmationCodeRequest, int, CancellationToken, Task<ResendConfirmationCodeResponse>> behaviour)
        {
            _behaviour = behaviour;
        }

        /// <summary>Answers every call with a success after an optional delay.</summary>
        public static FakeCognitoClient Succeeding(TimeSpan delay = default)
            => new FakeCognitoClient(async (request, call, ct) =>
            {
                if (delay > TimeSpan.Zero) await Task.Delay(delay, ct).ConfigureAwait(false);
                else await Task.Yield();
                return Success(request);
            });

        public static ResendConfirmationCodeResponse Success(ResendConfirmationCodeRequest request) => new ResendConfirmationCodeResponse
        {
            CodeDeliveryDetails = new CodeDeliveryDetailsType { Username = request.Username, AttributeName = "email", DeliveryMedium = "EMAIL", Destination = "u***@e***" },
            HttpStatusCode = 200,
            Attempts = 1,
            ResponseMetadata = new ResponseMetadata { RequestId = "req-" + request.Username },
        };

        public Uri ServiceUrl { get; set; } = new Uri("http://127.0.0.1:9/");
        public int Calls => Volatile.Read(ref _calls);
        public int MaxInFlight => Volatile.Read(ref _maxInFlight);
        public int InFlight => Volatile.Read(ref _inFlight);
        public IReadOnlyList<TimeSpan> CallTimes => _callTimes.ToArray();
        public IReadOnlyList<string> Usernames => _usernames.ToArray();

        public Task<ResendConfirmationCodeResponse> ResendConfirmationCodeAsync(ResendConfirmationCodeRequest request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            _callTimes.Enqueue(_clock.Elapsed);
            _usernames.Enqueue(request.Username);
            var now = Interlocked.Increment(ref _inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen) { }
            Task<ResendConfirmationCodeResponse> task;
            try
            {
                task = _behaviour(request, call, cancellationToken);
            }
            catch
            {
                Interlocked.Decrement(ref _inFlight);
                throw;
            }
            return Track(task);
        }

        private async Task<ResendConfirmationCodeResponse> Track(Task<ResendConfirmationCodeResponse> task)
        {
            try { return await task.ConfigureAwait(false); }
            finally { Interlocked.Decrement(ref _inFlight); }
        }

        public void Dispose() { }
    }

    internal static class BulkTestHelpers
    {
        public static ResendConfirmationCodeRequest Request(string username, string clientId = "client1")
            => new ResendConfirmationCodeRequest { ClientId = clientId, Username = username };

        /// <summary>Drives the sender like the cmdlet: Submit per record, then Complete; returns every outcome in emission order.</summary>
        public static List<SendOutcome> Run(BulkSender sender, IEnumerable<ResendConfirmationCodeRequest> requests)
        {
            var outcomes = new List<SendOutcome>();
            foreach (var request in requests) outcomes.AddRange(sender.Submit(request, request.Username));
            outcomes.AddRange(sender.Complete());
            return outcomes;
        }

        public static IEnumerable<ResendConfirmationCodeRequest> Users(int count, string prefix = "user")
            => Enumerable.Range(0, count).Select(i => Request(prefix + i));

        public static CognitoServiceException ServiceError(string code, int status = 400, int attempts = 1)
            => new CognitoServiceException(code, code + " message", status, "rid-" + code) { Attempts = attempts };
    }
}
