using System;
using System.Management.Automation;
using System.Security;
using CognitoTools.Protocol;

namespace CognitoTools.Commands
{
    /// <summary>Computes Cognito's SecretHash for a user of an app client that has a secret.</summary>
    [Cmdlet(VerbsCommon.Get, "CGIPSecretHash")]
    [OutputType(typeof(string))]
    public sealed class GetCGIPSecretHashCommand : PSCmdlet, IDisposable
    {
        private SecretHashKey _key;

        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string Username { get; set; }

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public string ClientId { get; set; }

        [Parameter(Mandatory = true)]
        public SecureString ClientSecret { get; set; }

        protected override void BeginProcessing()
        {
            if (ClientSecret.Length == 0)
            {
                ThrowTerminatingError(ErrorRecords.ForEmptyClientSecret());
            }
            // Once per command: the rows share the key, and no plaintext copy of the secret is made per row.
            _key = SecretHashKey.FromSecureString(ClientSecret);
        }

        protected override void ProcessRecord()
        {
            WriteObject(_key.Compute(Username, ClientId));
        }

        protected override void EndProcessing() => Dispose();

        public void Dispose()
        {
            _key?.Dispose();
            _key = null;
        }
    }
}
