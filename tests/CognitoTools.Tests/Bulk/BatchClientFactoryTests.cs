using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    public class BatchClientFactoryTests
    {
        private static CognitoClientConfig BaseConfig(Action<string> log = null) => new CognitoClientConfig
        {
            ServiceUrl = new Uri("http://127.0.0.1:9/"),
            Region = "us-east-1",
            MaxAttempts = 5,
            Log = log,
        };

        [Theory]
        [InlineData(1, 2)]
        [InlineData(8, 8)]
        [InlineData(64, 64)]
        public void A_batch_client_gets_the_options_limiter_batch_mode_and_a_connection_per_call_in_flight(int throttleLimit, int connections)
        {
            var lines = new List<string>();
            var baseConfig = BaseConfig(line => lines.Add(line));
            var options = new BulkSendOptions { ThrottleLimit = throttleLimit, MaxRequestsPerSecond = 7 };
            using (var client = BatchClientFactory.Create(baseConfig, options))
            {
                var limiter = Assert.IsType<AdaptiveRateLimiter>(client.Config.RateLimiter);
                Assert.Equal(7, limiter.MaxRequestsPerSecond);
                Assert.Same(baseConfig.Log, limiter.Log);
                Assert.Equal(RetryMode.Batch, client.Config.RetryMode);
                Assert.Equal(connections, client.Config.MaxConnectionsPerServer);
                Assert.True(client.Config.MaxConnectionsPerServer >= options.ThrottleLimit);
                // The rest comes from the base configuration, which is left as it was.
                Assert.Equal(baseConfig.ServiceUrl, client.Config.ServiceUrl);
                Assert.Equal(5, client.Config.MaxAttempts);
                Assert.NotSame(baseConfig, client.Config);
                Assert.Null(baseConfig.RateLimiter);
                Assert.Equal(RetryMode.Standard, baseConfig.RetryMode);
                Assert.Equal(64, baseConfig.MaxConnectionsPerServer);
            }
        }

        [Fact]
        public void A_limiter_given_is_the_one_used_and_a_single_call_keeps_standard_mode()
        {
            var options = new BulkSendOptions { ThrottleLimit = 4 };
            var given = new PassThroughLimiter();
            using (var client = BatchClientFactory.Create(BaseConfig(), options, given))
            {
                Assert.Same(given, client.Config.RateLimiter);
                Assert.Equal(RetryMode.Batch, client.Config.RetryMode);
            }
            using (var single = BatchClientFactory.Create(BaseConfig(), options, retryMode: RetryMode.Standard))
            {
                Assert.IsType<AdaptiveRateLimiter>(single.Config.RateLimiter);
                Assert.Equal(RetryMode.Standard, single.Config.RetryMode);
                Assert.Equal(4, single.Config.MaxConnectionsPerServer);
            }
        }

        [Fact]
        public void Batch_retry_mode_without_a_limiter_is_refused()
        {
            var config = BaseConfig();
            config.RetryMode = RetryMode.Batch;
            var error = Assert.Throws<ArgumentException>(() => new CognitoIdpClient(config));
            Assert.Equal("config", error.ParamName);
            Assert.Contains("RateLimiter", error.Message);
            // Standard mode needs none; batch mode with one is fine.
            using (new CognitoIdpClient(BaseConfig())) { }
            config.RateLimiter = new PassThroughLimiter();
            using (new CognitoIdpClient(config)) { }
        }

        private sealed class PassThroughLimiter : IRequestRateLimiter
        {
            public Task WaitAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            public void OnAnswer(AnswerKind kind) { }
            public void OnRetryQuotaExhausted() { }
        }
    }
}
