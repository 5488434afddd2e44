using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// A client that says, per request, when an attempt waits for the rate limiter and when it really starts sending,
    /// and that sends nothing once the caller has closed the request's <see cref="SendGate"/>. The bulk sender uses it so
    /// that a row is in doubt only once its request may have left the machine, waiting for our own rate cap is not a
    /// stall, and requests still queued at Ctrl+C are not released during the answer grace.
    /// </summary>
    public interface ISendReportingClient : ICognitoIdpClient
    {
        /// <summary>As <see cref="ICognitoIdpClient.ResendConfirmationCodeAsync"/>, reporting to <paramref name="state"/>
        /// (throws <see cref="RequestNotSentException"/> when the gate closed before the first byte went out).</summary>
        Task<ResendConfirmationCodeResponse> ResendConfirmationCodeAsync(ResendConfirmationCodeRequest request, RequestSendState state, CancellationToken cancellationToken);
    }

    /// <summary>Closed by the sender when the batch stops: no attempt starts sending after that.</summary>
    public sealed class SendGate
    {
        private readonly object _lock = new object();
        private bool _closed;

        public bool IsClosed { get { lock (_lock) return _closed; } }

        /// <summary>After this returns, no attempt starts sending (one that already passed the gate may still be under way).</summary>
        public void Close() { lock (_lock) _closed = true; }

        internal bool TryPass(Func<bool> beforePassing)
        {
            lock (_lock)
            {
                if (_closed) return false;
                return beforePassing();
            }
        }
    }

    /// <summary>One request's sending state, shared by the sender (reads it) and the client (reports to it).</summary>
    public sealed class RequestSendState
    {
        private readonly SendGate _gate;
        private readonly Func<bool> _beforeFirstSend;
        private int _attemptsSent;
        private volatile bool _waitingForSlot;

        /// <param name="gate">Shared by the batch; closing it stops every attempt not yet sending.</param>
        /// <param name="beforeFirstSend">Called once, at the gate, right before the first attempt is sent (the sender
        /// writes the journal's Intent there); false: the request is not sent.</param>
        public RequestSendState(SendGate gate, Func<bool> beforeFirstSend = null)
        {
            _gate = gate ?? new SendGate();
            _beforeFirstSend = beforeFirstSend;
        }

        /// <summary>True once an attempt was handed to HTTP: the request may have left the machine.</summary>
        public bool HasSent => Volatile.Read(ref _attemptsSent) > 0;

        /// <summary>Attempts handed to HTTP so far.</summary>
        public int AttemptsSent => Volatile.Read(ref _attemptsSent);

        /// <summary>True while an attempt waits for a slot of the rate limiter (nothing of it is on the wire).</summary>
        public bool IsWaitingForSlot => _waitingForSlot;

        /// <summary>Client: the attempt now waits for the rate limiter.</summary>
        public void OnWaitingForSlot() => _waitingForSlot = true;

        /// <summary>
        /// Client: the limiter granted the slot; true when the attempt may be sent now, false when the gate is closed (or
        /// the first attempt's hook refused): then nothing may be sent.
        /// </summary>
        public bool TryBeginSending()
        {
            var passed = _gate.TryPass(() =>
            {
                if (Volatile.Read(ref _attemptsSent) == 0 && _beforeFirstSend != null && !_beforeFirstSend()) return false;
                Interlocked.Increment(ref _attemptsSent);
                return true;
            });
            _waitingForSlot = false;
            return passed;
        }
    }

    /// <summary>
    /// The request was not sent: the batch stopped (or its journal could not record it) before the attempt left. Not an
    /// OperationCanceledException, so the task faults with it (a cancelled task would lose which case it was).
    /// </summary>
    public sealed class RequestNotSentException : InvalidOperationException
    {
        public RequestNotSentException() : base("The request was not sent: the batch stopped before it could go out.") { }
    }
}
