using System;
using System.Collections.Generic;
using System.Threading;
using CognitoTools.History;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Bulk
{
    public sealed class BulkSendOptions
    {
        /// <summary>Requests in flight at once; 1 keeps AWS.Tools' one-at-a-time behaviour.</summary>
        public int ThrottleLimit { get; set; } = 1;
        /// <summary>Emit each outcome as soon as it arrives instead of in input order.</summary>
        public bool Unordered { get; set; }
        /// <summary>Token-bucket rate shared by all requests in flight; null uses the default; 0 or less means no limit.</summary>
        public double? MaxRequestsPerSecond { get; set; }
    }

    public enum SendOutcomeKind { Succeeded, Failed, NotSent }

    /// <summary>One input record's result: exactly one per submitted item.</summary>
    public sealed class SendOutcome
    {
        /// <summary>0-based position in the input.</summary>
        public long Sequence { get; set; }
        public ResendConfirmationCodeRequest Request { get; set; }
        /// <summary>Opaque caller state carried through (e.g. the pipeline's value for -Select ^Username).</summary>
        public object Tag { get; set; }
        public SendOutcomeKind Kind { get; set; }
        /// <summary>Set when Kind is Succeeded.</summary>
        public ResendConfirmationCodeResponse Response { get; set; }
        /// <summary>Set when Kind is Failed: a CognitoException, or another exception for unexpected failures.</summary>
        public Exception Error { get; set; }
        /// <summary>True when the answer was shared from an earlier row naming the same user and client in this batch.</summary>
        public bool IsDuplicate { get; set; }
    }

    /// <summary>Progress snapshot for Write-Progress.</summary>
    public sealed class BulkProgress
    {
        public long Submitted { get; set; }
        public long Completed { get; set; }
        public long Failed { get; set; }
        public long InFlight { get; set; }
        /// <summary>Null when the total is unknown (streaming pipeline input).</summary>
        public long? Total { get; set; }
        public double RequestsPerSecond { get; set; }
        public TimeSpan Elapsed { get; set; }
        public int? PercentComplete => Total.HasValue && Total.Value > 0 ? (int)Math.Min(100, Completed * 100 / Total.Value) : (int?)null;
    }

    /// <summary>
    /// Sends many requests with bounded concurrency, a shared rate limit, ordered or unordered output, and exactly one
    /// outcome per input. Submit/Complete are called from one thread (the pipeline thread) and return outcomes for that
    /// thread to write; Cancel may be called from any thread. (Contract; implementation in progress.)
    /// </summary>
    public sealed class BulkSender : IDisposable
    {
        public BulkSender(ICognitoIdpClient client, BulkSendOptions options, CommandHistory history)
        {
            throw new NotImplementedException();
        }

        /// <summary>The command invocation the history entries belong to (its counters are updated), or null.</summary>
        public CommandRecord Command { get; set; }

        /// <summary>Known total for percent complete (e.g. an array bound to -Username), or null.</summary>
        public long? ExpectedTotal { get; set; }

        /// <summary>Queues one request. Blocks while the concurrency or ordering buffer is full; returns outcomes ready to write now.</summary>
        public IEnumerable<SendOutcome> Submit(ResendConfirmationCodeRequest request, object tag = null) => throw new NotImplementedException();

        /// <summary>Waits for everything in flight; yields the remaining outcomes as they become writable.</summary>
        public IEnumerable<SendOutcome> Complete() => throw new NotImplementedException();

        /// <summary>Ctrl+C: cancels requests in flight within a second; unsent items come out as NotSent outcomes.</summary>
        public void Cancel() => throw new NotImplementedException();

        public BulkProgress GetProgress() => throw new NotImplementedException();

        /// <summary>Items that ended NotSent so far.</summary>
        public long NotSentCount => throw new NotImplementedException();

        public void Dispose() { }
    }
}
