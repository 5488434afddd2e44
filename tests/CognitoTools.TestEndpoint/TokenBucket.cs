using System;
using System.Diagnostics;

namespace CognitoTools.TestEndpoint
{
    /// <summary>Cognito's request-rate quota, modelled as a token bucket refilled continuously.</summary>
    internal sealed class TokenBucket
    {
        private readonly object _gate = new object();
        private readonly double _ratePerSecond;
        private readonly double _capacity;
        private double _tokens;
        private long _lastTimestamp;

        public TokenBucket(double ratePerSecond, double burst)
        {
            _ratePerSecond = ratePerSecond;
            _capacity = burst > 0 ? burst : Math.Max(1.0, ratePerSecond);
            _tokens = _capacity;
            _lastTimestamp = Stopwatch.GetTimestamp();
        }

        public double RatePerSecond => _ratePerSecond;
        public double Capacity => _capacity;

        public bool TryTake()
        {
            lock (_gate)
            {
                var now = Stopwatch.GetTimestamp();
                var elapsedSeconds = (now - _lastTimestamp) / (double)Stopwatch.Frequency;
                _lastTimestamp = now;
                _tokens = Math.Min(_capacity, _tokens + elapsedSeconds * _ratePerSecond);
                if (_tokens < 1.0) return false;
                _tokens -= 1.0;
                return true;
            }
        }
    }
}
