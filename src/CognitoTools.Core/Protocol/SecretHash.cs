using System;
using System.Security.Cryptography;
using System.Text;

namespace CognitoTools.Protocol
{
    /// <summary>Cognito's SecretHash: Base64(HMAC-SHA256(key: client secret, message: username + client id)).</summary>
    public static class SecretHash
    {
        public static string Compute(string username, string clientId, string clientSecret)
        {
            if (username == null) throw new ArgumentNullException(nameof(username));
            if (clientId == null) throw new ArgumentNullException(nameof(clientId));
            if (string.IsNullOrEmpty(clientSecret)) throw new ArgumentException("The client secret is empty.", nameof(clientSecret));
            using (var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(clientSecret)))
            {
                return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(username + clientId)));
            }
        }
    }
}
