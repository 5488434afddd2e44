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

        /// <summary>The proxy a client of this config goes through: the config's, else the proxy variables' (null: the system proxy).</summary>
        internal static IWebProxy ProxyOf(CognitoClientConfig config) => config.Proxy ?? EnvironmentProxy.FromEnvironment();

        /// <summary>preferSocketsHttpHandler false builds the .NET Framework handler, so tests on .NET can exercise it.</summary>
        internal static HttpMessageHandler Create(CognitoClientConfig config, bool preferSocketsHttpHandler)
        {
            var proxy = ProxyOf(config);
            RemoteCertificateValidationCallback validate = null;
            if (!string.IsNullOrEmpty(config.CaBundlePath))
            {
                var bundle = CaBundle.Load(config.CaBundlePath, config.CaBundleOrigin);
                validate = (sender, certificate, chain, errors) => bundle.Validate(certificate, chain, errors);
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
                else
                {
                    // No proxy variable: the system proxy, with the signed-in user's credentials (NTLM, Negotiate), as a browser.
                    Set(handler, "UseProxy", true);
                    Set(handler, "DefaultProxyCredentials", CredentialCache.DefaultCredentials);
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
            // On .NET Framework this handler applies its limit to the endpoint's ServicePoint, which is shared by the
            // whole process: never below what the ServicePoint already allows (another module may rely on it).
            try { classic.MaxConnectionsPerServer = ClassicConnectionLimit(maxConnections, CurrentServicePointLimit(config.ServiceUrl)); }
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
            else
            {
                // No proxy variable: the system proxy (Internet Options on Windows) with the signed-in user's credentials.
                classic.UseProxy = true;
                try { classic.DefaultProxyCredentials = CredentialCache.DefaultCredentials; }
                catch (PlatformNotSupportedException) { }
                catch (NotImplementedException) { }
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

        /// <summary>The .NET Framework handler's limit: ours, raised to the ServicePoint's when that is higher (never lowered).</summary>
        internal static int ClassicConnectionLimit(int wanted, int? servicePointLimit)
            => Math.Max(Math.Max(1, wanted), servicePointLimit ?? 0);

        /// <summary>The endpoint's ServicePoint limit where the .NET Framework handler uses it; null elsewhere.</summary>
        private static int? CurrentServicePointLimit(Uri serviceUrl)
        {
            if (SocketsHttpHandlerType != null || serviceUrl == null) return null;
            try
            {
                return ServicePointManager.FindServicePoint(serviceUrl).ConnectionLimit;
            }
            catch (Exception ex) when (ex is PlatformNotSupportedException || ex is NotSupportedException || ex is InvalidOperationException)
            {
                return null;
            }
        }

        /// <summary>
        /// .NET Framework's HttpClientHandler pools connections per ServicePoint (default limit 2 outside ASP.NET), so
        /// raise the endpoint's limit. Its connect timeout cannot be set; the per-attempt read timeout bounds it.
        /// Only for that handler: SocketsHttpHandler (or a test's own handler) has its own limit.
        /// <para>
        /// Process-wide: a ServicePoint (one per scheme, host and port) and every property set here are shared by every
        /// module and runspace of the process that calls the same endpoint (AWS.Tools included). So each setting only
        /// moves in the direction that cannot hurt another caller: ConnectionLimit is only raised, never lowered;
        /// MaxIdleTime is only shortened (idle connections are closed before typical load balancer idle timeouts of
        /// 60 s can silently drop them, which a longer setting would risk for everyone); Expect100Continue and
        /// UseNagleAlgorithm are turned off, which only saves round trips for small requests like these.
        /// </para>
        /// </summary>
        public static void PrepareEndpoint(Uri serviceUrl, CognitoClientConfig config, HttpMessageHandler handler)
        {
            if (!(handler is HttpClientHandler) || serviceUrl == null) return;
            try
            {
                PrepareServicePoint(ServicePointManager.FindServicePoint(serviceUrl), config.MaxConnectionsPerServer);
            }
            catch (PlatformNotSupportedException) { }
            catch (NotSupportedException) { }
        }

        /// <summary>The ServicePoint settings of <see cref="PrepareEndpoint"/>; tests call it on .NET too.</summary>
        internal static void PrepareServicePoint(ServicePoint point, int maxConnectionsPerServer)
        {
            point.ConnectionLimit = Math.Max(point.ConnectionLimit, Math.Max(1, maxConnectionsPerServer));
            point.Expect100Continue = false;
            point.UseNagleAlgorithm = false;
            if (point.MaxIdleTime > ClassicMaxIdleMilliseconds || point.MaxIdleTime == System.Threading.Timeout.Infinite) point.MaxIdleTime = ClassicMaxIdleMilliseconds;
        }

        private const int ClassicMaxIdleMilliseconds = 50000;

        private static void Set(object target, string property, object value)
        {
            var p = target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance);
            if (p != null && p.CanWrite) p.SetValue(target, value);
        }
    }
}
