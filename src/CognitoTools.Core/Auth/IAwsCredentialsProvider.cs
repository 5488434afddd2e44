using System.Threading;
using System.Threading.Tasks;

namespace CognitoTools.Auth
{
    /// <summary>
    /// A source of credentials in the chain (parameters, profile, environment, STS AssumeRole, credential_process,
    /// container, IMDS). Temporary credentials are cached and refreshed before they expire, so every signed request
    /// (and every retry, which is signed again) asks the provider.
    /// </summary>
    public interface IAwsCredentialsProvider
    {
        /// <summary>Where the credentials come from, for errors and verbose output (never a secret).</summary>
        string Source { get; }

        /// <summary>Throws <see cref="AwsCredentialsException"/> when the source cannot give credentials.</summary>
        Task<AwsCredentials> GetCredentialsAsync(CancellationToken cancellationToken);
    }
}
