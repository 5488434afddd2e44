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
    }

    public sealed class ResponseMetadata
    {
        /// <summary>x-amzn-RequestId of the answering request.</summary>
        public string RequestId { get; set; }
    }
}
