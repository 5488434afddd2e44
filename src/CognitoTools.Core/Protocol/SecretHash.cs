using System;
using System.Runtime.InteropServices;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace CognitoTools.Protocol
{
    /// <summary>Cognito's SecretHash: Base64(HMAC-SHA256(key: client secret, message: username + client id)).</summary>
    public static class SecretHash
    {
        public static string Compute(string username, string clientId, string clientSecret)
        {
            if (string.IsNullOrEmpty(clientSecret)) throw new ArgumentException("The client secret is empty.", nameof(clientSecret));
            using (var key = SecretHashKey.FromString(clientSecret))
            {
                return key.Compute(username, clientId);
            }
        }
    }

    /// <summary>
    /// An app client secret made into its HMAC-SHA256 key once per command, so rows compute their SecretHash without a
    /// plaintext copy of the secret each. The secret's text never becomes a managed string: a SecureString is read into
    /// a char array, encoded to the key bytes and both are cleared at once; the HMAC's own copy of the key is cleared
    /// when this is disposed (at the end of the command). Thread-safe.
    /// </summary>
    public sealed class SecretHashKey : IDisposable
    {
        private static long _secureStringConversions;
        private readonly object _gate = new object();
        private HMACSHA256 _hmac;

        private SecretHashKey(byte[] keyBytes)
        {
            try
            {
                _hmac = new HMACSHA256(keyBytes);
            }
            finally
            {
                Array.Clear(keyBytes, 0, keyBytes.Length);
            }
        }

        /// <summary>How many times a SecureString was converted to key bytes in this process (tests: once per command, never per row).</summary>
        internal static long SecureStringConversions => Interlocked.Read(ref _secureStringConversions);

        /// <summary>Derives the key from a SecureString (the cmdlets' -ClientSecret). Throws ArgumentException when it is empty.</summary>
        public static SecretHashKey FromSecureString(SecureString secret)
        {
            if (secret == null) throw new ArgumentNullException(nameof(secret));
            if (secret.Length == 0) throw new ArgumentException("The client secret is empty.", nameof(secret));
            Interlocked.Increment(ref _secureStringConversions);
            var pointer = IntPtr.Zero;
            var chars = new char[secret.Length];
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                Marshal.Copy(pointer, chars, 0, chars.Length);
                return new SecretHashKey(Encoding.UTF8.GetBytes(chars));
            }
            finally
            {
                Array.Clear(chars, 0, chars.Length);
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        /// <summary>Derives the key from a secret already in plain text (<see cref="SecretHash.Compute"/>, tests).</summary>
        public static SecretHashKey FromString(string secret)
        {
            if (string.IsNullOrEmpty(secret)) throw new ArgumentException("The client secret is empty.", nameof(secret));
            return new SecretHashKey(Encoding.UTF8.GetBytes(secret));
        }

        /// <summary>The SecretHash of one user of one app client.</summary>
        public string Compute(string username, string clientId)
        {
            if (username == null) throw new ArgumentNullException(nameof(username));
            if (clientId == null) throw new ArgumentNullException(nameof(clientId));
            var message = Encoding.UTF8.GetBytes(username + clientId);
            lock (_gate)
            {
                if (_hmac == null) throw new ObjectDisposedException(nameof(SecretHashKey));
                return Convert.ToBase64String(_hmac.ComputeHash(message));
            }
        }

        /// <summary>Clears the HMAC's key; the key cannot be used afterwards.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                _hmac?.Dispose();
                _hmac = null;
            }
        }
    }
}
