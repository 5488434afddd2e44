using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Bulk;
using Xunit;

namespace CognitoTools.Tests.Bulk
{
    public class RequestRateRulesTests
    {
        [Theory]
        [InlineData(0d)]
        [InlineData(0.01)]
        [InlineData(0.5)]
        [InlineData(20d)]
        [InlineData(1000d)]
        public void Zero_and_caps_from_the_minimum_to_the_maximum_are_allowed(double value)
            => Assert.Null(RequestRateRules.Check(value));

        [Theory]
        [InlineData(1e-7)]
        [InlineData(0.0099)]
        [InlineData(-1d)]
        [InlineData(1000.5)]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        public void Other_values_are_refused_naming_the_parameter_and_the_range(double value)
        {
            var problem = RequestRateRules.Check(value);
            Assert.Contains("-MaxRequestsPerSecond", problem);
            Assert.Contains("0.01", problem);
        }

        [Fact]
        public void CreateLimiter_maps_the_option_values()
        {
            Assert.Equal(BulkSendOptions.DefaultMaxRequestsPerSecond, RequestRateRules.CreateLimiter(null).MaxRequestsPerSecond);
            Assert.Equal(7.5, RequestRateRules.CreateLimiter(7.5).MaxRequestsPerSecond);
            Assert.True(double.IsPositiveInfinity(RequestRateRules.CreateLimiter(0).MaxRequestsPerSecond));
            Assert.True(double.IsPositiveInfinity(RequestRateRules.CreateLimiter(-1).MaxRequestsPerSecond));
            Assert.True(double.IsPositiveInfinity(RequestRateRules.CreateLimiter(double.PositiveInfinity).MaxRequestsPerSecond));
        }

        [Fact]
        public async Task The_lowest_cap_admits_its_first_request_at_once_and_spaces_the_next_by_100_seconds()
        {
            var limiter = RequestRateRules.CreateLimiter(RequestRateRules.MinimumCap);
            await limiter.WaitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            {
                // The second waits (it would be admitted after about 100 s); cancelling it is clean, not an overflow.
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.WaitAsync(cancel.Token));
            }
        }
    }
}
