using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using CognitoTools.Bulk;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    /// <summary>
    /// The progress line's "in flight" follows the stop summary's rule: a row is in flight only once its request may
    /// have left the machine (<see cref="RequestSendState.HasSent"/>); requests waiting for a slot of the rate limiter
    /// are counted apart. Real client, real limiter, the local endpoint.
    /// </summary>
    [Collection(RateControlCollection.Name)]
    public class ProgressInFlightTests
    {
        [Fact]
        public void Requests_waiting_for_a_rate_limiter_slot_are_not_in_flight()
        {
            using (var service = RateControlTests.StartService(4, 0))
            {
                // One request every 5 s: the first goes at once, the other three wait for their slots.
                var options = new BulkSendOptions { ThrottleLimit = 4, MaxRequestsPerSecond = 0.2, AnswerGracePeriod = TimeSpan.FromMilliseconds(200) };
                using (var client = BatchClientFactory.Create(new CognitoClientConfig { ServiceUrl = new Uri(service.EndpointUrl) }, options))
                using (var sender = new BulkSender(client, options, null))
                {
                    var outcomes = Enumerable.Range(1, 4)
                        .SelectMany(i => sender.Submit(new ResendConfirmationCodeRequest { ClientId = FakeCognitoService.DemoClientId, Username = FakeCognitoService.SeededUsername(i, 4) }, null))
                        .ToList();
                    var clock = Stopwatch.StartNew();
                    while (sender.StartedCount < 1 && clock.Elapsed < TimeSpan.FromSeconds(4)) Thread.Sleep(10);
                    Assert.Equal(1, sender.StartedCount);

                    // Outcomes are counted only when the pipeline thread takes them (Submit/Complete), so the first
                    // request is in flight here whether or not its answer has arrived.
                    var progress = sender.GetProgress();
                    Assert.Equal(0, progress.Completed);
                    Assert.Equal(1, progress.InFlight);
                    Assert.Equal(3, progress.WaitingToSend);

                    sender.Cancel();
                    outcomes.AddRange(sender.Complete());
                    Assert.Equal(4, outcomes.Count);
                    var after = sender.GetProgress();
                    Assert.Equal(0, after.InFlight);
                    Assert.Equal(0, after.WaitingToSend);
                    Assert.Equal(1, service.RequestCount);
                }
            }
        }
    }
}
