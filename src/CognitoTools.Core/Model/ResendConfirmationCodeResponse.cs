using System;

namespace CognitoTools.Model
{
    /// <summary>The whole response (what -Select * returns), shaped like AWS.Tools' response object.</summary>
    public sealed class ResendConfirmationCodeResponse
    {
        /// <summary>Null when Cognito answered an empty body or {} (still a success).</summary>
        public CodeDeliveryDetailsType CodeDeliveryDetails { get; set; }
        public ResponseMetadata ResponseMetadata { get; set; } = new ResponseMetadata();
        public int HttpStatusCode { get; set; }
        public long ContentLength { get; set; }
        /// <summary>How many attempts the call took (1 when no retry was needed).</summary>
        public int Attempts { get; set; }
        public TimeSpan Duration { get; set; }

        /// <summary>Where the code went (e.g. "EMAIL j***@e***.com"), so a response shown inside a table or string reads well.</summary>
        public override string ToString()
        {
            var where = CodeDeliveryDetails != null ? CodeDeliveryDetails.ToString() : "Sent (no delivery details)";
            var requestId = ResponseMetadata?.RequestId;
            return string.IsNullOrEmpty(requestId) ? where : where + " (request id " + requestId + ")";
        }
    }

    public sealed class ResponseMetadata
    {
        /// <summary>x-amzn-RequestId of the answering request.</summary>
        public string RequestId { get; set; }

        /// <summary>The request id, so -Select * and Format-Table show it rather than the type name.</summary>
        public override string ToString() => RequestId ?? string.Empty;
    }
}
