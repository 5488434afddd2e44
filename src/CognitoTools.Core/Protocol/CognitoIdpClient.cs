using System;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;

namespace CognitoTools.Protocol
{
    /// <summary>awsJson1.1 client for ResendConfirmationCode. (Contract; implementation in progress.)</summary>
    public sealed class CognitoIdpClient : ICognitoIdpClient
    {
        public CognitoIdpClient(CognitoClientConfig config)
        {
            Config = config ?? throw new ArgumentNullException(nameof(config));
        }

        public CognitoClientConfig Config { get; }
        public Uri ServiceUrl => Config.ServiceUrl;

        public Task<ResendConfirmationCodeResponse> ResendConfirmationCodeAsync(ResendConfirmationCodeRequest request, CancellationToken cancellationToken)
            => throw new NotImplementedException();

        public void Dispose() { }
    }
}
