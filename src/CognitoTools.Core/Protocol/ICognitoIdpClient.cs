using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>Sends ResendConfirmationCode. Implemented by CognitoIdpClient; the bulk sender depends only on this.</summary>
    public interface ICognitoIdpClient : IDisposable
    {
        /// <summary>The endpoint requests go to.</summary>
        Uri ServiceUrl { get; }

        /// <summary>
        /// Validates (RequestValidationException, nothing sent), sends with retries, and returns the response.
        /// Throws CognitoException subclasses for service and transport failures, OperationCanceledException on cancel.
        /// </summary>
        Task<ResendConfirmationCodeResponse> ResendConfirmationCodeAsync(ResendConfirmationCodeRequest request, CancellationToken cancellationToken);
    }
}
