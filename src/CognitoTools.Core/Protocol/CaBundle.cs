using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// Extra trusted roots from a PEM bundle (AWS_CA_BUNDLE). A server certificate is accepted when the system trusts
    /// it, or when its chain builds to one of these roots with no other fault (expiry, bad signature, wrong name).
    /// </summary>
    internal sealed class CaBundle
    {
        private const string Begin = "-----BEGIN CERTIFICATE-----";
        private const string End = "-----END CERTIFICATE-----";

        private CaBundle(X509Certificate2Collection roots, string path)
        {
            Roots = roots;
            Path = path;
        }

        public X509Certificate2Collection Roots { get; }
        public string Path { get; }

        /// <summary>Reads every certificate in a PEM file; fails clearly when there is none.</summary>
        public static CaBundle Load(string path)
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
            {
                throw new InvalidOperationException($"The CA bundle '{path}' cannot be read: {ex.Message}", ex);
            }
            var roots = ParsePem(text);
            if (roots.Count == 0) throw new InvalidOperationException($"The CA bundle '{path}' contains no PEM certificate ({Begin} ... {End}).");
            return new CaBundle(roots, path);
        }

        internal static X509Certificate2Collection ParsePem(string text)
        {
            var result = new X509Certificate2Collection();
            var index = 0;
            while (true)
            {
                var start = text.IndexOf(Begin, index, StringComparison.Ordinal);
                if (start < 0) break;
                var end = text.IndexOf(End, start, StringComparison.Ordinal);
                if (end < 0) break;
                var base64 = new StringBuilder();
                foreach (var c in text.Substring(start + Begin.Length, end - start - Begin.Length))
                {
                    if (!char.IsWhiteSpace(c)) base64.Append(c);
                }
                result.Add(new X509Certificate2(Convert.FromBase64String(base64.ToString())));
                index = end + End.Length;
            }
            return result;
        }

        public bool Validate(X509Certificate certificate, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None) return true;
            // Only an untrusted chain can be rescued by the bundle; a wrong name or a missing certificate cannot.
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0 || certificate == null) return false;

            using (var chain = new X509Chain())
            {
                var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                chain.ChainPolicy.ExtraStore.AddRange(Roots);
                chain.Build(leaf);
                foreach (var status in chain.ChainStatus)
                {
                    // UntrustedRoot is expected (the bundle's root is not in the system store); anything else is a real fault.
                    if (status.Status != X509ChainStatusFlags.UntrustedRoot && status.Status != X509ChainStatusFlags.NoError) return false;
                }
                if (chain.ChainElements.Count == 0) return false;
                var root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                foreach (var trusted in Roots)
                {
                    if (string.Equals(trusted.Thumbprint, root.Thumbprint, StringComparison.OrdinalIgnoreCase)) return true;
                }
                return false;
            }
        }
    }
}
