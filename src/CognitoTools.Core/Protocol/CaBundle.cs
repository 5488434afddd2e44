using System;
using System.IO;
using System.Net.Security;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// The trusted roots from a PEM bundle (AWS_CA_BUNDLE or the profile's ca_bundle). As in the AWS CLI (botocore hands
    /// the file to urllib3 in place of its default certificates) and the AWS SDK for Go v2 (a new certificate pool from
    /// the bundle), the bundle replaces the trusted roots: a server certificate is accepted only when its chain builds
    /// to one of the bundle's certificates; the system's roots are not consulted. The chain may pass through the
    /// intermediates the server sent (a corporate TLS-inspection proxy or private endpoint usually sends leaf +
    /// intermediate, with only the root in the bundle). The host name, the validity period and, where the leaf lists
    /// extended key usages, the serverAuth usage are required as usual.
    /// </summary>
    internal sealed class CaBundle
    {
        private const string Begin = "-----BEGIN CERTIFICATE-----";
        private const string End = "-----END CERTIFICATE-----";
        private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
        private const string AnyExtendedKeyUsageOid = "2.5.29.37.0";

        // X509ChainPolicy.TrustMode / CustomTrustStore (.NET 5+): found by reflection, as the core targets netstandard2.0.
        private static readonly PropertyInfo TrustModeProperty = typeof(X509ChainPolicy).GetProperty("TrustMode");
        private static readonly PropertyInfo CustomTrustStoreProperty = typeof(X509ChainPolicy).GetProperty("CustomTrustStore");

        private CaBundle(X509Certificate2Collection roots, string path)
        {
            Roots = roots;
            Path = path;
        }

        public X509Certificate2Collection Roots { get; }
        public string Path { get; }

        /// <summary>
        /// Reads every certificate in a PEM file. Throws <see cref="CaBundleException"/> naming the file and
        /// <paramref name="origin"/> (where the setting came from) when the file is missing, unreadable, has no PEM
        /// certificate or a corrupt one.
        /// </summary>
        public static CaBundle Load(string path, string origin = null)
        {
            string text;
            try
            {
                if (!File.Exists(path))
                {
                    throw new CaBundleException(CaBundleProblem.NotFound, path, origin, $"The CA bundle '{path}'{From(origin)} does not exist.");
                }
                text = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException || ex is System.Security.SecurityException)
            {
                var problem = ex is ArgumentException || ex is NotSupportedException ? CaBundleProblem.NotFound : CaBundleProblem.Unreadable;
                throw new CaBundleException(problem, path, origin, $"The CA bundle '{path}'{From(origin)} cannot be read: {ex.Message}", ex);
            }
            var roots = ParsePem(text, path, origin);
            if (roots.Count == 0)
            {
                throw new CaBundleException(CaBundleProblem.NoCertificate, path, origin,
                    $"The CA bundle '{path}'{From(origin)} contains no PEM certificate ({Begin} ... {End}, or {TrustedBegin} ... {TrustedEnd}).");
            }
            return new CaBundle(roots, path);
        }

        private static string From(string origin) => string.IsNullOrEmpty(origin) ? string.Empty : " (from " + origin + ")";

        // OpenSSL's "trusted certificate" form (openssl x509 -trustout): the certificate followed by its trust settings.
        private const string TrustedBegin = "-----BEGIN TRUSTED CERTIFICATE-----";
        private const string TrustedEnd = "-----END TRUSTED CERTIFICATE-----";

        /// <summary>
        /// Every certificate of the text, in file order, in either PEM form: CERTIFICATE, or OpenSSL's TRUSTED
        /// CERTIFICATE, whose DER is the certificate followed by OpenSSL's trust settings (X509_CERT_AUX). Only the
        /// certificate is read: the bundle itself says which roots are trusted.
        /// </summary>
        internal static X509Certificate2Collection ParsePem(string text, string path = null, string origin = null)
        {
            var result = new X509Certificate2Collection();
            var index = 0;
            while (true)
            {
                var plain = text.IndexOf(Begin, index, StringComparison.Ordinal);
                var trustedAt = text.IndexOf(TrustedBegin, index, StringComparison.Ordinal);
                var trusted = trustedAt >= 0 && (plain < 0 || trustedAt < plain);
                var start = trusted ? trustedAt : plain;
                if (start < 0) break;
                var begin = trusted ? TrustedBegin : Begin;
                var endMarker = trusted ? TrustedEnd : End;
                var number = result.Count + 1;
                var end = text.IndexOf(endMarker, start, StringComparison.Ordinal);
                if (end < 0) throw Corrupt(path, origin, number, $"it has no '{endMarker}' line", null);
                var base64 = new StringBuilder();
                foreach (var c in text.Substring(start + begin.Length, end - start - begin.Length))
                {
                    if (!char.IsWhiteSpace(c)) base64.Append(c);
                }
                try
                {
                    var der = Convert.FromBase64String(base64.ToString());
                    if (trusted) der = FirstDerElement(der) ?? throw new CryptographicException("the trusted certificate does not start with a DER certificate");
                    result.Add(new X509Certificate2(der));
                }
                catch (FormatException ex)
                {
                    throw Corrupt(path, origin, number, "it is not valid Base64", ex);
                }
                catch (CryptographicException ex)
                {
                    throw Corrupt(path, origin, number, "it is not a valid X.509 certificate: " + ex.Message, ex);
                }
                index = end + endMarker.Length;
            }
            return result;
        }

        /// <summary>The bytes of the DER SEQUENCE the data starts with (definite length), or null.</summary>
        internal static byte[] FirstDerElement(byte[] der)
        {
            if (der == null || der.Length < 2 || der[0] != 0x30) return null;
            long length;
            var header = 2;
            var first = der[1];
            if (first < 0x80) length = first;
            else
            {
                var count = first & 0x7F;
                if (count == 0 || count > 4 || der.Length < 2 + count) return null;
                length = 0;
                for (var i = 0; i < count; i++) length = (length << 8) | der[2 + i];
                header += count;
            }
            if (header + length > der.Length) return null;
            var element = new byte[header + length];
            Buffer.BlockCopy(der, 0, element, 0, element.Length);
            return element;
        }

        private static CaBundleException Corrupt(string path, string origin, int number, string why, Exception inner)
            => new CaBundleException(CaBundleProblem.Corrupt, path, origin, $"The CA bundle '{path}'{From(origin)} is corrupt: certificate {number} cannot be read ({why}).", inner);

        /// <summary>
        /// The certificate callback: true when the server's certificate chains to a bundle root. <paramref name="presented"/>
        /// is the chain the platform built (its extra store holds what the server sent); its intermediates are used,
        /// its trust decision is not.
        /// </summary>
        public bool Validate(X509Certificate certificate, X509Chain presented, SslPolicyErrors errors)
        {
            if (certificate == null) return false;
            // The platform checked the host name and that a certificate came; only the chain's trust is decided here.
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;

            var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
            if (!AllowsServerAuthentication(leaf)) return false;

            using (var chain = new X509Chain())
            {
                var policy = chain.ChainPolicy;
                // Private CAs rarely publish reachable revocation lists; the SDKs do not check revocation either.
                policy.RevocationMode = X509RevocationMode.NoCheck;
                policy.ApplicationPolicy.Add(new Oid(ServerAuthOid));
                AddIntermediates(policy.ExtraStore, presented, leaf);
                var customTrust = TryTrustOnly(policy, Roots);
                if (!customTrust)
                {
                    // Older runtimes: build with the bundle's roots at hand, then require that the chain ends in one.
                    policy.ExtraStore.AddRange(Roots);
                    policy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                }
                chain.Build(leaf);
                foreach (var status in chain.ChainStatus)
                {
                    // UntrustedRoot is expected without custom trust (the bundle's root need not be in the system store);
                    // anything else (expiry, signature, usage, partial chain) is a real fault.
                    if (status.Status == X509ChainStatusFlags.NoError) continue;
                    if (!customTrust && status.Status == X509ChainStatusFlags.UntrustedRoot) continue;
                    return false;
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

        /// <summary>A leaf without an extended key usage extension may serve TLS; one with it must list serverAuth (or any usage).</summary>
        internal static bool AllowsServerAuthentication(X509Certificate2 leaf)
        {
            foreach (var extension in leaf.Extensions)
            {
                if (!(extension is X509EnhancedKeyUsageExtension usages)) continue;
                foreach (var usage in usages.EnhancedKeyUsages)
                {
                    if (usage.Value == ServerAuthOid || usage.Value == AnyExtendedKeyUsageOid) return true;
                }
                return false;
            }
            return true;
        }

        private static void AddIntermediates(X509Certificate2Collection store, X509Chain presented, X509Certificate2 leaf)
        {
            if (presented == null) return;
            // What the server sent (.NET 5+ puts it in the extra store) and whatever the platform's chain reached.
            foreach (var sent in presented.ChainPolicy.ExtraStore)
            {
                if (!IsSame(sent, leaf)) store.Add(sent);
            }
            foreach (var element in presented.ChainElements)
            {
                if (!IsSame(element.Certificate, leaf)) store.Add(element.Certificate);
            }
        }

        private static bool IsSame(X509Certificate2 a, X509Certificate2 b)
            => string.Equals(a.Thumbprint, b.Thumbprint, StringComparison.OrdinalIgnoreCase);

        /// <summary>On .NET 5+: trust exactly these roots (X509ChainTrustMode.CustomRootTrust). False where not available.</summary>
        private static bool TryTrustOnly(X509ChainPolicy policy, X509Certificate2Collection roots)
        {
            if (TrustModeProperty == null || CustomTrustStoreProperty == null) return false;
            try
            {
                var store = (X509Certificate2Collection)CustomTrustStoreProperty.GetValue(policy);
                store.AddRange(roots);
                TrustModeProperty.SetValue(policy, Enum.ToObject(TrustModeProperty.PropertyType, 1)); // CustomRootTrust
                return true;
            }
            catch (Exception ex) when (ex is TargetInvocationException || ex is ArgumentException || ex is InvalidCastException)
            {
                return false;
            }
        }
    }

    /// <summary>What is wrong with a CA bundle file.</summary>
    public enum CaBundleProblem
    {
        /// <summary>The file does not exist (or the path is not valid).</summary>
        NotFound,
        /// <summary>The file exists but cannot be read (permissions, I/O).</summary>
        Unreadable,
        /// <summary>The file has no PEM certificate block.</summary>
        NoCertificate,
        /// <summary>A PEM certificate block cannot be decoded.</summary>
        Corrupt,
    }

    /// <summary>The configured CA bundle cannot be used: nothing can be sent (every request would be refused).</summary>
    public sealed class CaBundleException : Exception
    {
        public const string ErrorId = "InvalidCaBundle";

        public CaBundleException(CaBundleProblem problem, string path, string origin, string message, Exception innerException = null)
            : base(message, innerException)
        {
            Problem = problem;
            Path = path;
            Origin = origin;
        }

        public CaBundleProblem Problem { get; }
        /// <summary>The bundle's path.</summary>
        public string Path { get; }
        /// <summary>Where the setting came from: "$env:AWS_CA_BUNDLE" or "ca_bundle of profile 'x' in ...".</summary>
        public string Origin { get; }
    }
}
