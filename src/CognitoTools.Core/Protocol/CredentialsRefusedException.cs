using System;
using CognitoTools.Auth;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// AWS refused a signed request because of its credentials (AccessDenied, UnrecognizedClient, InvalidSignature,
    /// ExpiredToken, MissingCredentials): the message says where the credentials came from and what to do.
    /// <see cref="CognitoException.ErrorCode"/> stays the service's code; <see cref="ErrorId"/> is the explanation's.
    /// </summary>
    public sealed class CredentialsRefusedException : CognitoServiceException
    {
        public CredentialsRefusedException(string errorCode, SignedRequestError explanation, int? httpStatusCode, string requestId, Exception inner)
            : base(errorCode, explanation.Message, httpStatusCode, requestId, inner)
        {
            ErrorId = explanation.ErrorId;
            Category = explanation.Category;
        }

        /// <summary>AccessDenied, UnrecognizedClient, InvalidSignature, ExpiredToken or MissingCredentials.</summary>
        public string ErrorId { get; }
        public CredentialErrorCategory Category { get; }
    }
}
