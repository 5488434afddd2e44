using System;

namespace CognitoTools.Protocol
{
    /// <summary>Base of every failure of a call that was sent (or tried to be sent).</summary>
    public abstract class CognitoException : Exception
    {
        protected CognitoException(string message, Exception inner) : base(message, inner) { }

        /// <summary>Stable PascalCase code: Cognito's sanitised error code (e.g. UserNotFoundException), or one of ours for transport failures.</summary>
        public abstract string ErrorCode { get; }
        public int? HttpStatusCode { get; set; }
        public string RequestId { get; set; }
        /// <summary>Attempts made before giving up.</summary>
        public int Attempts { get; set; }
        /// <summary>
        /// True when the error was retryable but not retried because the client's retry quota was used up by many
        /// recent failures (standard retry mode; see CognitoClientConfig.RetryQuotaCapacity).
        /// </summary>
        public bool RetryQuotaExhausted { get; set; }
    }

    /// <summary>Cognito answered with an error (modelled or not), or with a body we could not read.</summary>
    public class CognitoServiceException : CognitoException
    {
        private readonly string _errorCode;

        public CognitoServiceException(string errorCode, string message, int? httpStatusCode, string requestId, Exception inner = null)
            : base(message, inner)
        {
            _errorCode = errorCode;
            HttpStatusCode = httpStatusCode;
            RequestId = requestId;
        }

        public override string ErrorCode => _errorCode;
    }

    /// <summary>No answer: connection refused or dropped, DNS, TLS, or timeout.</summary>
    public class CognitoTransportException : CognitoException
    {
        private readonly string _errorCode;

        public CognitoTransportException(string errorCode, string message, Exception inner = null) : base(message, inner)
        {
            _errorCode = errorCode;
        }

        public override string ErrorCode => _errorCode;
    }

    /// <summary>Input that breaks the service model's rules, refused before any request.</summary>
    public sealed class RequestValidationException : ArgumentException
    {
        public RequestValidationException(string parameterName, string rule, string message)
            : base(message, parameterName)
        {
            Rule = rule;
            _message = message;
        }

        private readonly string _message;

        /// <summary>The message alone: ArgumentException would append "(Parameter '...')", which the message already names.</summary>
        public override string Message => _message ?? base.Message;

        /// <summary>The rule broken, e.g. "length 1-128" or "pattern [\w+]+".</summary>
        public string Rule { get; }
    }
}
