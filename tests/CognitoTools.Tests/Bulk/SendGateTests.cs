using System;
using System.Linq;
using CognitoTools.Bulk;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// Waiting for our own rate cap is neither "in flight" nor a stall: a row is in doubt only once its request may
    /// have left the machine, -MaxStallSec counts time without an answer from Cognito, and requests still waiting for a
    /// slot when Ctrl+C's grace starts are not released. Real client, real limiter, the local endpoint.
    /// </summary>
    [Collection(RateControlCollection.Name)]
    public class SendGateTests
    {
        private const string ClientId = FakeCognitoService.DemoClientId;

        private static (CognitoIdpClient client, BulkSender sender) Create(FakeCognitoService service, BulkSendOptions options)
        {
            var client = BatchClientFactory.Create(new CognitoClientConfig { ServiceUrl = new Uri(service.EndpointUrl) }, options);
            return (client, new BulkSender(client, options, null));
        }

        private static ResendConfirmationCodeRequest User(int i) => new ResendConfirmationCodeRequest { ClientId = ClientId, Username = FakeCognitoService.SeededUsername(i, 4) };

        [Fact]
        public void Waiting_for_a_slot_of_our_own_cap_is_not_a_stall()
        {
            using (var service = RateControlTests.StartService(3, 0))
            {
                // 2 s between requests, a stall bound of 1 s: each row waits longer for its slot than the bound.
                var options = new BulkSendOptions { ThrottleLimit = 1, MaxRequestsPerSecond = 0.5, MaxStallTime = TimeSpan.FromSeconds(1) };
                var (client, sender) = Create(service, options);
                using (client)
                using (sender)
                {
                    var outcomes = BulkTestHelpers.Run(sender, Enumerable.Range(1, 3).Select(User));
                    Assert.All(outcomes, o => Assert.Equal(SendOutcomeKind.Succeeded, o.Kind));
                    Assert.Null(sender.StallError);
                    Assert.Equal(3, service.DeliveryCount);
                }
            }
        }

        [Fact]
        public void Requests_waiting_for_a_slot_at_Ctrl_C_are_not_released_and_are_not_in_doubt()
        {
            using (var service = RateControlTests.StartService(4, 0))
            {
                // One request a second; the grace (2.5 s) would let two more slots come round.
                var options = new BulkSendOptions { ThrottleLimit = 4, MaxRequestsPerSecond = 1, AnswerGracePeriod = TimeSpan.FromSeconds(2.5) };
                var (client, sender) = Create(service, options);
                using (client)
                using (sender)
                {
                    var outcomes = Enumerable.Range(1, 4).SelectMany(i => sender.Submit(User(i), null)).ToList();
                    sender.Cancel();
                    outcomes.AddRange(sender.Complete());

                    Assert.Equal(4, outcomes.Count);
                    var first = outcomes.Single(o => o.Sequence == 0);
                    Assert.Equal(SendOutcomeKind.Succeeded, first.Kind);
                    var rest = outcomes.Where(o => o.Sequence > 0).ToList();
                    Assert.All(rest, o => Assert.Equal(SendOutcomeKind.NotSent, o.Kind));
                    Assert.All(rest, o => Assert.False(o.InDoubt, $"row {o.Sequence} never left the machine"));
                    Assert.Equal(1, service.RequestCount);
                    Assert.Equal(1, sender.StartedCount);
                    Assert.Equal(0, sender.InDoubtCount);
                }
            }
        }

        [Fact]
        public void A_closed_gate_refuses_every_later_attempt_and_the_first_attempt_hook_runs_once()
        {
            var gate = new SendGate();
            var hookCalls = 0;
            var state = new RequestSendState(gate, () => { hookCalls++; return true; });
            state.OnWaitingForSlot();
            Assert.True(state.IsWaitingForSlot);
            Assert.True(state.TryBeginSending());
            Assert.False(state.IsWaitingForSlot);
            Assert.True(state.TryBeginSending());
            Assert.Equal(1, hookCalls);
            Assert.Equal(2, state.AttemptsSent);
            gate.Close();
            Assert.False(new RequestSendState(gate).TryBeginSending());
            Assert.False(state.TryBeginSending());
            Assert.False(new RequestSendState(new SendGate(), () => false).TryBeginSending());
        }
            [Fact]
        public async System.Threading.Tasks.Task An_attempt_refused_at_a_closed_gate_is_still_reported_to_the_limiter()
        {
            // The limiter hears of every attempt it let through: a slow-start round waits for those answers, so an
            // attempt refused at the gate (a stopped scope, Ctrl+C) that went unreported would hang the batch.
            using (var service = RateControlTests.StartService(1, 0))
            {
                var limiter = new ReportCountingLimiter();
                using (var client = new CognitoIdpClient(new CognitoClientConfig { ServiceUrl = new Uri(service.EndpointUrl), RateLimiter = limiter, RetryMode = RetryMode.Batch }))
                {
                    var gate = new SendGate();
                    gate.Close();
                    await Assert.ThrowsAsync<RequestNotSentException>(() => client.ResendConfirmationCodeAsync(User(1), new RequestSendState(gate), System.Threading.CancellationToken.None));
                    Assert.Equal(1, limiter.Waits);
                    Assert.Equal(new[] { AnswerKind.NoAnswer }, limiter.Answers.ToArray());
                    Assert.Equal(0, service.RequestCount);
                }
            }
        }

        private sealed class ReportCountingLimiter : IRequestRateLimiter
        {
            public int Waits;
            public readonly System.Collections.Concurrent.ConcurrentQueue<AnswerKind> Answers = new System.Collections.Concurrent.ConcurrentQueue<AnswerKind>();
            public System.Threading.Tasks.Task WaitAsync(System.Threading.CancellationToken cancellationToken) { System.Threading.Interlocked.Increment(ref Waits); return System.Threading.Tasks.Task.CompletedTask; }
            public void OnAnswer(AnswerKind kind) => Answers.Enqueue(kind);
            public void OnRetryQuotaExhausted() { }
        }
    }
}
