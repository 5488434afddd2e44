using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace CognitoTools.TestEndpoint
{
    public enum FakeUserStatus
    {
        Unconfirmed,
        Confirmed,
    }

    /// <summary>A user in a fake pool. Mutable while the service runs (e.g. confirm a user mid-test).</summary>
    public sealed class FakeUser
    {
        private readonly Queue<DateTimeOffset> _recentDeliveries = new Queue<DateTimeOffset>();

        public FakeUser(string username) { Username = username ?? throw new ArgumentNullException(nameof(username)); }

        public string Username { get; }
        public FakeUserStatus Status { get; set; } = FakeUserStatus.Unconfirmed;
        public string Email { get; set; }
        public string PhoneNumber { get; set; }

        /// <summary>"email" or "phone_number": where codes go. Null: email when the user has one, else phone_number.</summary>
        public string DeliveryAttribute { get; set; }

        internal string EffectiveDeliveryAttribute
        {
            get
            {
                if (DeliveryAttribute != null) return DeliveryAttribute;
                if (!string.IsNullOrEmpty(Email)) return "email";
                if (!string.IsNullOrEmpty(PhoneNumber)) return "phone_number";
                return null;
            }
        }

        /// <summary>
        /// Records a delivery if fewer than <paramref name="limit"/> happened in the hour before <paramref name="now"/>.
        /// A limit of 0 or less means no limit.
        /// </summary>
        internal bool TryRecordDelivery(DateTimeOffset now, int limit)
        {
            // No limit (benchmarks): keep no history, so 100,000 users cost no more memory than their records.
            if (limit <= 0) return true;
            lock (_recentDeliveries)
            {
                var windowStart = now - TimeSpan.FromHours(1);
                while (_recentDeliveries.Count > 0 && _recentDeliveries.Peek() <= windowStart) _recentDeliveries.Dequeue();
                if (_recentDeliveries.Count >= limit) return false;
                _recentDeliveries.Enqueue(now);
                return true;
            }
        }

        /// <summary>Forget the deliveries counted against the hourly limit.</summary>
        public void ResetLimit()
        {
            lock (_recentDeliveries) _recentDeliveries.Clear();
        }
    }

    /// <summary>An app client of a fake pool.</summary>
    public sealed class FakeAppClient
    {
        internal FakeAppClient(FakeUserPool pool, string clientId, string clientSecret, bool preventUserExistenceErrors)
        {
            Pool = pool;
            ClientId = clientId;
            ClientSecret = clientSecret;
            PreventUserExistenceErrors = preventUserExistenceErrors;
        }

        public FakeUserPool Pool { get; }
        public string ClientId { get; }
        /// <summary>Null for a client without a secret.</summary>
        public string ClientSecret { get; }
        /// <summary>Cognito's PreventUserExistenceErrors=ENABLED: unknown users get plausible delivery details.</summary>
        public bool PreventUserExistenceErrors { get; set; }
    }

    /// <summary>A fake user pool: users are shared by all of the pool's app clients.</summary>
    public sealed class FakeUserPool
    {
        private readonly ConcurrentDictionary<string, FakeUser> _users;
        private readonly FakeCognitoService _service;

        internal FakeUserPool(FakeCognitoService service, string poolId, bool caseSensitiveUsernames)
        {
            _service = service;
            PoolId = poolId;
            CaseSensitiveUsernames = caseSensitiveUsernames;
            _users = new ConcurrentDictionary<string, FakeUser>(caseSensitiveUsernames ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
        }

        public string PoolId { get; }
        /// <summary>New Cognito pools are case-insensitive by default; so are fake ones.</summary>
        public bool CaseSensitiveUsernames { get; }
        public IReadOnlyCollection<FakeUser> Users => (IReadOnlyCollection<FakeUser>)_users.Values;
        public int UserCount => _users.Count;

        public FakeAppClient AddClient(string clientId, string clientSecret = null, bool preventUserExistenceErrors = false)
            => _service.RegisterClient(this, clientId, clientSecret, preventUserExistenceErrors);

        public FakeUser AddUser(FakeUser user)
        {
            if (user == null) throw new ArgumentNullException(nameof(user));
            _users[user.Username] = user;
            return user;
        }

        public FakeUser AddUser(string username, string email = null, string phoneNumber = null,
            FakeUserStatus status = FakeUserStatus.Unconfirmed, string deliveryAttribute = null)
            => AddUser(new FakeUser(username) { Email = email, PhoneNumber = phoneNumber, Status = status, DeliveryAttribute = deliveryAttribute });

        public bool RemoveUser(string username) => _users.TryRemove(username, out _);

        public FakeUser FindUser(string username) => username != null && _users.TryGetValue(username, out var user) ? user : null;
    }
}
