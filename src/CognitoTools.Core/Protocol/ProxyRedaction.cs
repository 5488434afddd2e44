using System;
using System.Net;
using System.Text.RegularExpressions;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// Proxy credentials are secrets: HTTPS_PROXY=http://user:password@proxy:port puts them in the proxy URL, and .NET
    /// quotes that URL in its own messages ("The proxy tunnel request to proxy 'http://user:password@...' failed").
    /// Every message the module shows or stores passes through here, as the SecretHash does.
    /// </summary>
    public static class ProxyRedaction
    {
        // scheme://userinfo@ : the user info of any URL in a text (up to the '@' before the host).
        private static readonly Regex UrlUserInfo = new Regex(@"\b([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s@'""<>]+@", RegexOptions.CultureInvariant);

        /// <summary>The text without the user info of any URL in it, and without the proxy's password wherever else it appears.</summary>
        public static string Redact(string text, IWebProxy proxy = null)
        {
            if (string.IsNullOrEmpty(text)) return text;
            var result = text.IndexOf("://", StringComparison.Ordinal) >= 0 ? UrlUserInfo.Replace(text, "$1") : text;
            foreach (var secret in PasswordsOf(proxy))
            {
                // Very short passwords would mask ordinary words; the URL form above is where they appear.
                if (secret.Length >= 4 && result.IndexOf(secret, StringComparison.Ordinal) >= 0) result = result.Replace(secret, "***");
            }
            return result;
        }

        /// <summary>True when <see cref="Redact"/> would change the text.</summary>
        public static bool NeedsRedaction(string text, IWebProxy proxy = null)
            => !string.Equals(text, Redact(text, proxy), StringComparison.Ordinal);

        /// <summary>True when the message of any exception in the chain would be changed by <see cref="Redact"/>.</summary>
        public static bool NeedsRedaction(Exception chain, IWebProxy proxy = null)
        {
            for (var e = chain; e != null; e = e.InnerException)
            {
                if (NeedsRedaction(e.Message, proxy)) return true;
            }
            return false;
        }

        /// <summary>The proxy URL as it may be shown: no user info.</summary>
        public static string Describe(Uri proxy)
        {
            if (proxy == null) return null;
            if (string.IsNullOrEmpty(proxy.UserInfo)) return proxy.GetLeftPart(UriPartial.Authority);
            return new UriBuilder(proxy) { UserName = string.Empty, Password = string.Empty }.Uri.GetLeftPart(UriPartial.Authority);
        }

        private static string[] PasswordsOf(IWebProxy proxy)
        {
            if (!(proxy is EnvironmentProxy environment)) return new string[0];
            var password = (environment.Credentials as NetworkCredential)?.Password;
            if (string.IsNullOrEmpty(password)) return new string[0];
            var escaped = Uri.EscapeDataString(password);
            return escaped == password ? new[] { password } : new[] { password, escaped };
        }
    }
}
