using System.Collections.Generic;

namespace CognitoTools.Model
{
    /// <summary>ListUsers' input, as AWS's model names it (list-users.model.json).</summary>
    public sealed class ListUsersRequest
    {
        public string UserPoolId { get; set; }
        /// <summary>Attribute names to return for each user; null or empty: all of them.</summary>
        public IList<string> AttributesToGet { get; set; }
        /// <summary>The page size (1-60); null: the service's default (60).</summary>
        public int? Limit { get; set; }
        public string PaginationToken { get; set; }
        /// <summary>One attribute: <c>name = "value"</c> (exact) or <c>name ^= "value"</c> (prefix); null: every user.</summary>
        public string Filter { get; set; }

        /// <summary>The same request for the page after <paramref name="token"/>.</summary>
        public ListUsersRequest WithPaginationToken(string token) => new ListUsersRequest
        {
            UserPoolId = UserPoolId,
            AttributesToGet = AttributesToGet,
            Limit = Limit,
            PaginationToken = token,
            Filter = Filter,
        };
    }
}
