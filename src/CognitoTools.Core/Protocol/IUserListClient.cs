using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>Sends one signed ListUsers request (one page). Implemented by <see cref="CognitoUserListClient"/>; the pager depends only on this.</summary>
    public interface IUserListClient : IDisposable
    {
        Uri ServiceUrl { get; }

        /// <summary>
        /// Validates (RequestValidationException, nothing sent), signs every attempt, retries, and returns the page.
        /// Throws CognitoException subclasses for service and transport failures, AwsCredentialsException when no
        /// credentials could be had, OperationCanceledException on cancel.
        /// </summary>
        Task<ListUsersResponse> ListUsersAsync(ListUsersRequest request, CancellationToken cancellationToken);
    }
}
