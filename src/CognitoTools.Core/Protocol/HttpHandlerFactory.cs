using System;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Reflection;
using System.Security.Authentication;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// Builds the one handler a client uses. On .NET (Core) it is a SocketsHttpHandler, created by reflection because
    /// the core targets netstandard2.0, so connect timeout, pool size and idle timeout can be set; on .NET Framework it
    /// is an HttpClientHandler with the ServicePoint connection limit raised.
    /// </summary>
    internal static class HttpHandlerFactory
    {
        private static readonly Type SocketsHttpHandlerType = Type.GetType("System.Net.Http.SocketsHttpHandler, System.Net.Http", throwOnError: false);

        /// <summary>
        /// Test-only AppContext switch: when set, Create builds the .NET Framework handler even where SocketsHttpHandler
        /// exists (Mono has both), so the Framework path can be exercised off Windows. Read on every Create; not for users.
        /// </summary>
        internal const string ForceFrameworkHandlerSwitch = "CognitoTools.Http.ForceFrameworkHandler";

        public static bool IsSocketsHttpHandlerAvailable => SocketsHttpHandlerType != null;

        public static HttpMessageHandler Create(CognitoClientConfig config)
            => Create(config, preferSocketsHttpHandler: !(AppContext.TryGetSwitch(ForceFrameworkHandlerSwitch, out var force) && force));

        /// <summary>preferSocketsHttpHandler false builds the .NET Framework handler, so tests on .NET can exercise it.</summary>
        internal static HttpMessageHandler Create(CognitoClientConfig config, bool preferSocketsHttpHandler)
        {
            var proxy = config.Proxy ?? EnvironmentProxy.FromEnvironment();
            RemoteCertificateValidationCallback validate = null;
            if (!string.IsNullOrEmpty(config.CaBundlePath))
            {
                var bundle = CaBundle.Load(config.CaBundlePath);
                validate = (sender, certificate, chain, errors) => bundle.Validate(certificate, errors);
            }
            var maxConnections = Math.Max(1, config.MaxConnectionsPerServer);

            if (SocketsHttpHandlerType != null && preferSocketsHttpHandler)
            {
                var handler = (HttpMessageHandler)Activator.CreateInstance(SocketsHttpHandlerType);
                Set(handler, "ConnectTimeout", CognitoClientConfig.EffectiveTimeout(config.ConnectTimeout));
                Set(handler, "MaxConnectionsPerServer", maxConnections);
                // Idle connections are closed before typical load balancer idle timeouts (60 s) can silently drop them.
                Set(handler, "PooledConnectionIdleTimeout", TimeSpan.FromSeconds(50));
                // Re-resolve DNS now and then in long bulk runs.
                Set(handler, "PooledConnectionLifetime", TimeSpan.FromMinutes(5));
                Set(handler, "AllowAutoRedirect", false);
                Set(handler, "UseCookies", false);
                if (proxy != null)
                {
                    Set(handler, "UseProxy", true);
                    Set(handler, "Proxy", proxy);
                }
                if (validate != null)
                {
                    var sslOptions = SocketsHttpHandlerType.GetProperty("SslOptions")?.GetValue(handler);
                    var callback = sslOptions?.GetType().GetProperty("RemoteCertificateValidationCallback");
                    if (callback == null) throw new PlatformNotSupportedException("This .NET runtime does not allow a custom CA bundle.");
                    callback.SetValue(sslOptions, validate);
                }
                return handler;
            }

            var classic = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
            };
            try { classic.MaxConnectionsPerServer = maxConnections; }
            catch (PlatformNotSupportedException) { }
            catch (NotImplementedException) { }
            var protocols = ClassicSslProtocols(ServicePointManager.SecurityProtocol);
            if (protocols.HasValue)
            {
                try { classic.SslProtocols = protocols.Value; }
                catch (PlatformNotSupportedException) { }
                catch (NotSupportedException) { }
            }
            if (proxy != null)
            {
                classic.UseProxy = true;
                classic.Proxy = proxy;
            }
            if (validate != null)
            {
                classic.ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => validate(request, certificate, chain, errors);
            }
            return classic;
        }

        /// <summary>
        /// TLS versions for the .NET Framework handler. Windows PowerShell (built for .NET 4.5) often runs with
        /// ServicePointManager.SecurityProtocol = Ssl3 | Tls, and AWS endpoints require TLS 1.2 or later, so add TLS 1.2
        /// to whatever the process allows, for this handler only (no process-wide change). SystemDefault (0) leaves the
        /// choice to the OS, which offers TLS 1.2 on every supported Windows: null, nothing to set. SSL 3 is dropped.
        /// </summary>
        internal static SslProtocols? ClassicSslProtocols(SecurityProtocolType processProtocols)
        {
            var current = (SslProtocols)(int)processProtocols;
            if (current == SslProtocols.None) return null;
#pragma warning disable CS0618 // Ssl3 is obsolete: named here only to remove it
            return (current & ~SslProtocols.Ssl3) | SslProtocols.Tls12;
#pragma warning restore CS0618
        }

        /// <summary>
        /// .NET Framework's HttpClientHandler pools connections per ServicePoint (default limit 2 outside ASP.NET), so
        /// raise the endpoint's limit. Its connect timeout cannot be set; the per-attempt read timeout bounds it.
        /// Only for that handler: SocketsHttpHandler (or a test's own handler) has its own limit.
        /// </summary>
        public static void PrepareEndpoint(Uri serviceUrl, CognitoClientConfig config, HttpMessageHandler handler)
        {
            if (!(handler is HttpClientHandler) || serviceUrl == null) return;
            try
            {
                var point = ServicePointManager.FindServicePoint(serviceUrl);
                point.ConnectionLimit = Math.Max(point.ConnectionLimit, Math.Max(1, config.MaxConnectionsPerServer));
                point.Expect100Continue = false;
                point.UseNagleAlgorithm = false;
                point.MaxIdleTime = 50000;
            }
            catch (PlatformNotSupportedException) { }
            catch (NotSupportedException) { }
        }

        private static void Set(object target, string property, object value)
        {
            var p = target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance);
            if (p != null && p.CanWrite) p.SetValue(target, value);
        }
    }
}
