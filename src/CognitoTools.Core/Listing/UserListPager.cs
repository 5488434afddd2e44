using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CognitoTools.Model;
using CognitoTools.Protocol;

namespace CognitoTools.Listing
{
    /// <summary>
    /// Streams ListUsers pages until a page comes back without a PaginationToken, whatever each page's size: Cognito
    /// can answer a short or even empty page while more users remain, so only the token says when the listing ends.
    /// The next page is requested as soon as a page arrives, while the caller writes that page's users (pages are
    /// sequential by their token, so one ahead is all the overlap there is).
    /// </summary>
    public sealed class UserListPager
    {
        private readonly IUserListClient _client;
        private readonly ListUsersRequest _first;
        private readonly bool _autoIterate;

        public UserListPager(IUserListClient client, ListUsersRequest first, bool autoIterate = true)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _first = first ?? throw new ArgumentNullException(nameof(first));
            _autoIterate = autoIterate;
        }

        public int PagesFetched { get; private set; }
        public long UsersListed { get; private set; }
        /// <summary>The token of the page after the last one returned (null: the listing is complete).</summary>
        public string NextToken { get; private set; }

        /// <summary>Every page in order; validates the first request before any call (RequestValidationException).</summary>
        public IEnumerable<ListUsersResponse> Pages(CancellationToken cancellationToken)
        {
            ListUsersValidator.Validate(_first);
            return Iterate(cancellationToken);
        }

        private IEnumerable<ListUsersResponse> Iterate(CancellationToken cancellationToken)
        {
            var request = _first;
            var pending = FetchAsync(request, cancellationToken);
            while (pending != null)
            {
                ListUsersResponse page;
                try
                {
                    page = pending.GetAwaiter().GetResult();
                }
                catch (CognitoServiceException error) when (request.PaginationToken != null && IsTokenRefusal(error))
                {
                    throw new PaginationTokenException(error, PagesFetched, UsersListed, tokenFromCaller: PagesFetched == 0);
                }
                PagesFetched++;
                UsersListed += page.Users.Count;
                NextToken = page.PaginationToken;
                pending = null;
                if (page.PaginationToken != null && _autoIterate)
                {
                    request = request.WithPaginationToken(page.PaginationToken);
                    pending = FetchAsync(request, cancellationToken);
                }
                yield return page;
            }
        }

        private Task<ListUsersResponse> FetchAsync(ListUsersRequest request, CancellationToken cancellationToken)
        {
            var task = _client.ListUsersAsync(request, cancellationToken);
            // A prefetched page whose caller stopped reading must not surface as an unobserved exception.
            task.ContinueWith(t => { var ignored = t.Exception; }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return task;
        }

        /// <summary>Cognito answers a bad or expired token with InvalidParameterException (moto: InvalidToken) naming the token.</summary>
        internal static bool IsTokenRefusal(CognitoServiceException error)
        {
            if (error.ErrorCode == "InvalidToken" || error.ErrorCode == "InvalidPaginationTokenException" || error.ErrorCode == "ExpiredPaginationTokenException") return true;
            return error.ErrorCode == "InvalidParameterException" && (error.Message ?? string.Empty).IndexOf("token", StringComparison.OrdinalIgnoreCase) >= 0;
        }
    }

    /// <summary>Cognito refused a pagination token: expired (they last about an hour), or not from this listing.</summary>
    public sealed class PaginationTokenException : Exception
    {
        public const string ErrorId = "PaginationTokenRefused";

        public PaginationTokenException(CognitoServiceException inner, int pagesBefore, long usersBefore, bool tokenFromCaller)
            : base(Describe(inner, pagesBefore, usersBefore, tokenFromCaller), inner)
        {
            PagesBefore = pagesBefore;
            UsersBefore = usersBefore;
            TokenFromCaller = tokenFromCaller;
        }

        public int PagesBefore { get; }
        public long UsersBefore { get; }
        /// <summary>True when the refused token was the caller's -PaginationToken, false when it came from the previous page.</summary>
        public bool TokenFromCaller { get; }

        private static string Describe(CognitoServiceException inner, int pagesBefore, long usersBefore, bool tokenFromCaller)
        {
            var whose = tokenFromCaller
                ? "Cognito refused the -PaginationToken given"
                : $"Cognito refused the pagination token of page {pagesBefore + 1} (after {pagesBefore} page(s), {usersBefore} user(s) listed)";
            return $"{whose}: {inner.ErrorCode}: {inner.Message.TrimEnd('.')}. A token lasts about an hour and only continues the listing that made it " +
                   "(the same user pool, -Filter, -AttributesToGet and -Limit). Start the listing again without -PaginationToken" +
                   (tokenFromCaller ? "." : "; the users already written stay valid, and -CreatedAfter or a narrower -Filter can shorten a very long listing.");
        }
    }
}
