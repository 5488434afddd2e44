using System.Collections.Generic;

namespace CognitoTools.Model
{
    /// <summary>One page of ListUsers: its users and the token of the next page (null on the last page).</summary>
    public sealed class ListUsersResponse
    {
        public List<UserType> Users { get; } = new List<UserType>();
        public string PaginationToken { get; set; }
        public string RequestId { get; set; }
        public int HttpStatusCode { get; set; }
        /// <summary>Attempts this page took (1 unless retried).</summary>
        public int Attempts { get; set; }
    }
}
