using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CognitoTools.Listing;
using CognitoTools.Model;
using CognitoTools.Protocol;
using CognitoTools.TestEndpoint.Http;
using Xunit;

namespace CognitoTools.Tests.Listing
{
    /// <summary>The pager: every page until no token, whatever the page sizes; refused tokens; client-side conditions.</summary>
    public class UserListPagerTests
    {
        [Fact]
        public void Short_and_empty_pages_with_a_token_do_not_end_the_listing()
        {
            // Cognito can answer fewer users than the Limit, or none, while more remain: only the token ends a listing.
            var pages = new Dictionary<string, ResponseAction>
            {
                [""] = ListUsersAnswers.Page("t1", "a1", "a2"),
                ["t1"] = ListUsersAnswers.Page("t2"),
                ["t2"] = ListUsersAnswers.Page("t3", "b1"),
                ["t3"] = ListUsersAnswers.Page("t4"),
                ["t4"] = ListUsersAnswers.Page("t5"),
                ["t5"] = ListUsersAnswers.Page(null, "c1", "c2", "c3"),
            };
            using var fixture = new ListClientFixture(r => pages[ListUsersAnswers.TokenOf(r) ?? string.Empty]);
            var pager = new UserListPager(fixture.Client, new ListUsersRequest { UserPoolId = "us-east-1_Example1", Limit = 3 });

            var users = pager.Pages(CancellationToken.None).SelectMany(p => p.Users).Select(u => u.Username).ToList();

            Assert.Equal(new[] { "a1", "a2", "b1", "c1", "c2", "c3" }, users);
            Assert.Equal(6, pager.PagesFetched);
            Assert.Equal(6, pager.UsersListed);
            Assert.Null(pager.NextToken);
            Assert.Equal(new string[] { null, "t1", "t2", "t3", "t4", "t5" }, fixture.Server.Requests.Select(ListUsersAnswers.TokenOf));
            Assert.All(fixture.Server.Requests, r => Assert.Contains("\"Limit\":3", r.BodyText));
        }

        [Fact]
        public void Pages_stream_the_next_page_is_asked_for_while_the_caller_handles_the_current_one()
        {
            using var fixture = new ListClientFixture(r => ListUsersAnswers.TokenOf(r) == null ? ListUsersAnswers.Page("t1", "a") : ListUsersAnswers.Page(null, "b"));
            var pager = new UserListPager(fixture.Client, new ListUsersRequest { UserPoolId = "us-east-1_Example1" });

            using var pages = pager.Pages(CancellationToken.None).GetEnumerator();
            Assert.True(pages.MoveNext());
            Assert.Equal("a", pages.Current.Users[0].Username);
            // The first page is in the caller's hands; the second is already on its way.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (fixture.Server.RequestCount < 2 && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.Equal(2, fixture.Server.RequestCount);
            Assert.True(pages.MoveNext());
            Assert.Equal("b", pages.Current.Users[0].Username);
            Assert.False(pages.MoveNext());
        }

        [Fact]
        public void NoAutoIteration_fetches_one_page_and_keeps_the_token()
        {
            using var fixture = new ListClientFixture(_ => ListUsersAnswers.Page("more", "a"));
            var pager = new UserListPager(fixture.Client, new ListUsersRequest { UserPoolId = "us-east-1_Example1", PaginationToken = "given" }, autoIterate: false);

            var page = Assert.Single(pager.Pages(CancellationToken.None));

            Assert.Equal("more", pager.NextToken);
            Assert.Equal("given", ListUsersAnswers.TokenOf(Assert.Single(fixture.Server.Requests)));
        }

        [Theory]
        [InlineData("InvalidParameterException", "The pagination token is expired.")]
        [InlineData("InvalidToken", "Invalid Token: Invalid token")]
        public void A_refused_token_part_way_says_what_was_listed_and_how_to_go_on(string code, string message)
        {
            using var fixture = new ListClientFixture(r => ListUsersAnswers.TokenOf(r) == null
                ? ListUsersAnswers.Page("t1", "a1", "a2")
                : ResponseAction.Json(400, "{\"__type\":\"" + code + "\",\"message\":\"" + message + "\"}"));
            var pager = new UserListPager(fixture.Client, new ListUsersRequest { UserPoolId = "us-east-1_Example1" });
            var seen = new List<string>();

            var error = Assert.Throws<PaginationTokenException>(() =>
            {
                foreach (var page in pager.Pages(CancellationToken.None)) seen.AddRange(page.Users.Select(u => u.Username));
            });

            Assert.Equal(new[] { "a1", "a2" }, seen);
            Assert.False(error.TokenFromCaller);
            Assert.Equal(1, error.PagesBefore);
            Assert.Equal(2, error.UsersBefore);
            Assert.Contains("page 2 (after 1 page(s), 2 user(s) listed)", error.Message);
            Assert.Contains("about an hour", error.Message);
            Assert.Contains(code, error.Message);
            Assert.Equal(2, fixture.Server.RequestCount);
        }

        [Fact]
        public void Another_InvalidParameterException_is_not_taken_for_a_token_problem()
        {
            using var fixture = new ListClientFixture(_ => ResponseAction.Json(400, "{\"__type\":\"InvalidParameterException\",\"message\":\"Invalid search attribute\"}"));
            var pager = new UserListPager(fixture.Client, new ListUsersRequest { UserPoolId = "us-east-1_Example1", PaginationToken = "tok" });

            var error = Assert.Throws<CognitoServiceException>(() => pager.Pages(CancellationToken.None).ToList());
            Assert.Equal("InvalidParameterException", error.ErrorCode);
        }

        [Fact]
        public void Bad_input_is_refused_before_any_request()
        {
            using var fixture = new ListClientFixture(_ => ListUsersAnswers.Page(null, "a"));
            var pager = new UserListPager(fixture.Client, new ListUsersRequest { UserPoolId = "us-east-1_Example1", Filter = "email = ann" });

            var error = Assert.Throws<RequestValidationException>(() => pager.Pages(CancellationToken.None));

            Assert.Equal("Filter", error.ParamName);
            Assert.Equal(0, fixture.Server.RequestCount);
        }

        [Fact]
        public void Client_side_conditions_choose_by_status_and_creation_window()
        {
            var now = DateTime.UtcNow;
            var filter = new UserListFilter(new[] { "Unconfirmed", "force_change_password" }, now.AddDays(-1).ToLocalTime(), null);
            UserType User(string status, double hoursAgo) => new UserType { Username = status + hoursAgo, UserStatus = status, UserCreateDate = now.AddHours(-hoursAgo).ToLocalTime() };

            Assert.True(filter.Matches(User("UNCONFIRMED", 2)));
            Assert.True(filter.Matches(User("FORCE_CHANGE_PASSWORD", 23)));
            Assert.False(filter.Matches(User("CONFIRMED", 2)));
            Assert.False(filter.Matches(User("UNCONFIRMED", 25)));
            Assert.Null(filter.SingleStatus);
            Assert.Equal("UNCONFIRMED", new UserListFilter(new[] { "unconfirmed" }, null, null).SingleStatus);
            Assert.True(new UserListFilter(null, null, null).IsEmpty);
            var unknown = Assert.Throws<ArgumentException>(() => new UserListFilter(new[] { "Pending" }, null, null));
            Assert.Equal("UserStatus", unknown.ParamName);
            Assert.Throws<ArgumentException>(() => new UserListFilter(null, now, now.AddDays(-1)));
        }
    }
}
