using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;

namespace CognitoTools.Protocol
{
    /// <summary>
    /// Proxy settings from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY (lower case wins over upper case, as curl and
    /// the SDKs read them), the same on .NET Framework (which ignores these variables) and .NET. Loopback destinations
    /// never go through the proxy: a proxy cannot reach this machine's 127.0.0.1.
    /// </summary>
    public sealed class EnvironmentProxy : IWebProxy
    {
        private readonly List<NoProxyEntry> _noProxy;
        private readonly bool _bypassAll;

        public EnvironmentProxy(Uri httpsProxy, Uri httpProxy, string noProxy)
        {
            HttpsProxy = httpsProxy;
            HttpProxy = httpProxy;
            NoProxy = noProxy;
            _noProxy = ParseNoProxy(noProxy, out _bypassAll);
            var withCredentials = httpsProxy ?? httpProxy;
            Credentials = CredentialsFrom(withCredentials);
        }

        /// <summary>Proxy for https:// destinations (null: direct).</summary>
        public Uri HttpsProxy { get; }
        /// <summary>Proxy for http:// destinations (null: direct).</summary>
        public Uri HttpProxy { get; }
        public string NoProxy { get; }
        public ICredentials Credentials { get; set; }

        /// <summary>The proxy the environment names, or null when no proxy variable is set.</summary>
        public static EnvironmentProxy FromEnvironment(Func<string, string> getVariable = null)
        {
            getVariable = getVariable ?? Environment.GetEnvironmentVariable;
            string Read(string name) => NonEmpty(getVariable(name.ToLowerInvariant())) ?? NonEmpty(getVariable(name));
            var all = Read("ALL_PROXY");
            var https = ParseProxyUri(Read("HTTPS_PROXY") ?? all);
            var http = ParseProxyUri(Read("HTTP_PROXY") ?? all);
            if (https == null && http == null) return null;
            return new EnvironmentProxy(https, http, Read("NO_PROXY"));
        }

        public Uri GetProxy(Uri destination)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            if (IsBypassed(destination)) return destination;
            return ProxyFor(destination) ?? destination;
        }

        public bool IsBypassed(Uri host)
        {
            if (host == null) throw new ArgumentNullException(nameof(host));
            if (ProxyFor(host) == null) return true;
            if (host.IsLoopback) return true;
            if (_bypassAll) return true;
            var name = host.IdnHost.TrimEnd('.').Trim('[', ']');
            foreach (var entry in _noProxy)
            {
                if (entry.Matches(name, host.Port)) return true;
            }
            return false;
        }

        private Uri ProxyFor(Uri destination)
            => string.Equals(destination.Scheme, "https", StringComparison.OrdinalIgnoreCase) ? HttpsProxy : HttpProxy;

        /// <summary>"http://user:pass@proxy:3128", "proxy:3128" (http assumed); null when empty or unreadable.</summary>
        public static Uri ParseProxyUri(string value)
        {
            value = NonEmpty(value);
            if (value == null) return null;
            if (value.IndexOf("://", StringComparison.Ordinal) < 0) value = "http://" + value;
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)) return null;
            if (uri.Scheme != "http" && uri.Scheme != "https") return null;
            return uri;
        }

        private static ICredentials CredentialsFrom(Uri proxy)
        {
            if (proxy == null || string.IsNullOrEmpty(proxy.UserInfo)) return null;
            var parts = proxy.UserInfo.Split(new[] { ':' }, 2);
            var user = Uri.UnescapeDataString(parts[0]);
            var password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : string.Empty;
            return new NetworkCredential(user, password);
        }

        private static string NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        private static List<NoProxyEntry> ParseNoProxy(string noProxy, out bool bypassAll)
        {
            bypassAll = false;
            var entries = new List<NoProxyEntry>();
            if (string.IsNullOrWhiteSpace(noProxy)) return entries;
            foreach (var raw in noProxy.Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                var item = raw.Trim();
                if (item == "*") { bypassAll = true; continue; }
                int? port = null;
                // host:port, but not a bare IPv6 address ([::1]:80 keeps its port, ::1 has none).
                var bracketEnd = item.LastIndexOf(']');
                var colon = item.LastIndexOf(':');
                if (colon > bracketEnd && item.IndexOf(':') == colon
                    && int.TryParse(item.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                {
                    port = p;
                    item = item.Substring(0, colon);
                }
                else if (bracketEnd >= 0 && colon > bracketEnd
                    && int.TryParse(item.Substring(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p6))
                {
                    port = p6;
                    item = item.Substring(0, colon);
                }
                item = item.Trim('[', ']');
                if (item.StartsWith("*.", StringComparison.Ordinal)) item = item.Substring(1);
                item = item.TrimEnd('.');
                if (item.Length == 0 || item == ".") continue;
                entries.Add(new NoProxyEntry(item, port));
            }
            return entries;
        }

        private sealed class NoProxyEntry
        {
            private readonly string _host;
            private readonly bool _suffixOnly;
            private readonly int? _port;

            public NoProxyEntry(string host, int? port)
            {
                _suffixOnly = host.StartsWith(".", StringComparison.Ordinal);
                _host = _suffixOnly ? host.Substring(1) : host;
                _port = port;
            }

            /// <summary>"example.com" matches example.com and any subdomain; ".example.com" only subdomains... and, like curl, example.com itself.</summary>
            public bool Matches(string host, int port)
            {
                if (_port.HasValue && _port.Value != port) return false;
                if (string.Equals(host, _host, StringComparison.OrdinalIgnoreCase)) return true;
                return host.Length > _host.Length
                    && host.EndsWith(_host, StringComparison.OrdinalIgnoreCase)
                    && host[host.Length - _host.Length - 1] == '.';
            }

            public override string ToString() => (_suffixOnly ? "." : string.Empty) + _host + (_port.HasValue ? ":" + _port.Value : string.Empty);
        }
    }
}
