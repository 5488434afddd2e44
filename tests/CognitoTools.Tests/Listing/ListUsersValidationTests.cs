using System;
using System.Linq;
using CognitoTools.Model;
using CognitoTools.Protocol;
using Xunit;

namespace CognitoTools.Tests.Listing
{
    /// <summary>ListUsers input rules, checked before any call, against AWS's model copied into TestData.</summary>
    public class ListUsersValidationTests
    {
        [Fact]
        public void The_validator_enforces_the_models_constraints()
        {
            using var model = ListUsersModel.Load();
            var shapes = model.RootElement.GetProperty("shapes");
            Assert.Equal(ListUsersValidator.MaxFilterLength, shapes.GetProperty("UserFilterType").GetProperty("max").GetInt32());
            Assert.Equal(ListUsersValidator.MaxLimit, shapes.GetProperty("QueryLimitType").GetProperty("max").GetInt32());
            Assert.Equal(ListUsersValidator.UserPoolIdPattern, shapes.GetProperty("UserPoolIdType").GetProperty("pattern").GetString());
            Assert.Equal(55, shapes.GetProperty("UserPoolIdType").GetProperty("max").GetInt32());
            Assert.Equal(32, shapes.GetProperty("AttributeNameType").GetProperty("max").GetInt32());
            var members = shapes.GetProperty("ListUsersRequest").GetProperty("members").EnumerateObject().Select(m => m.Name);
            // The serializer writes the members in the model's order.
            Assert.Equal(new[] { "UserPoolId", "AttributesToGet", "Limit", "PaginationToken", "Filter" }, members);
            Assert.Equal("PaginationToken", model.RootElement.GetProperty("pagination").GetProperty("ListUsers").GetProperty("output_token").GetString());
        }

        [Theory]
        [InlineData("email = \"ann@example.com\"")]
        [InlineData("email ^= \"ann\"")]
        [InlineData("cognito:user_status = \"UNCONFIRMED\"")]
        [InlineData("  username^=\"a\"  ")]
        [InlineData("name = \"Ann \\\"the admin\\\"\"")]
        [InlineData("status = \"Enabled\"")]
        [InlineData("")]
        public void Valid_filters_pass(string filter)
        {
            ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Filter = filter });
        }

        [Theory]
        [InlineData("email = ann", "form")]
        [InlineData("email == \"ann\"", "form")]
        [InlineData("email ~ \"ann\"", "form")]
        [InlineData("email = \"a\" and name = \"b\"", "form")]
        [InlineData("custom:tier = \"gold\"", "searchable attribute")]
        [InlineData("Email = \"ann\"", "searchable attribute")]
        public void Invalid_filters_name_the_parameter_and_the_rule(string filter, string rule)
        {
            var error = Assert.Throws<RequestValidationException>(() => ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Filter = filter }));
            Assert.Equal("Filter", error.ParamName);
            Assert.StartsWith(rule, error.Rule);
        }

        [Fact]
        public void A_filter_over_256_characters_is_refused()
        {
            var filter = "email ^= \"" + new string('a', 245) + "\"";
            Assert.Equal(256, filter.Length);
            ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Filter = filter });
            var error = Assert.Throws<RequestValidationException>(() => ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Filter = filter.Insert(10, "a") }));
            Assert.Equal("length 0-256", error.Rule);
            Assert.Contains("257 characters", error.Message);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(61)]
        [InlineData(-1)]
        public void Limit_is_1_to_60(int limit)
        {
            ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Limit = 1 });
            ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Limit = 60 });
            var error = Assert.Throws<RequestValidationException>(() => ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", Limit = limit }));
            Assert.Equal("Limit", error.ParamName);
            Assert.Equal("range 1-60", error.Rule);
        }

        [Theory]
        [InlineData(null, "required")]
        [InlineData("", "required")]
        [InlineData("eu-west-1", "pattern")]
        [InlineData("eu west-1_Ab", "pattern")]
        public void UserPoolId_is_required_and_shaped(string id, string rule)
        {
            var error = Assert.Throws<RequestValidationException>(() => ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = id }));
            Assert.Equal("UserPoolId", error.ParamName);
            Assert.StartsWith(rule, error.Rule);
        }

        [Fact]
        public void AttributesToGet_names_are_1_to_32_characters()
        {
            ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", AttributesToGet = new[] { "email", "custom:tier" } });
            Assert.Equal("AttributesToGet", Assert.Throws<RequestValidationException>(() =>
                ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", AttributesToGet = new[] { "email", "" } })).ParamName);
            Assert.Equal("AttributesToGet", Assert.Throws<RequestValidationException>(() =>
                ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", AttributesToGet = new[] { new string('x', 33) } })).ParamName);
            Assert.Equal("AttributesToGet", Assert.Throws<RequestValidationException>(() =>
                ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", AttributesToGet = new[] { "a\u0001b" } })).ParamName);
        }

        [Theory]
        [InlineData("")]
        [InlineData("a b")]
        public void A_pagination_token_has_no_white_space(string token)
        {
            var error = Assert.Throws<RequestValidationException>(() => ListUsersValidator.Validate(new ListUsersRequest { UserPoolId = "eu-west-1_Ab12", PaginationToken = token }));
            Assert.Equal("PaginationToken", error.ParamName);
        }
    }
}

namespace CognitoTools.Tests.Listing
{
    /// <summary>Get-CGIPUserList's rate: its default cap stays under Cognito's UserList quota, and its help says so.</summary>
    public class UserListRateTests
    {
        /// <summary>ListUsers counts in the UserList category: 30 requests per second per account and Region, not adjustable.</summary>
        private const double UserListQuota = 30;

        [Fact]
        public void The_default_cap_is_below_the_UserList_quota_and_documented()
        {
            var type = Infrastructure.BuiltModule.Current.ModuleAssembly.GetType("CognitoTools.Commands.GetCGIPUserListCommand");
            var cap = (double)type.GetField("DefaultMaxRequestsPerSecond").GetRawConstantValue();
            Assert.InRange(cap, 1, UserListQuota - 1);
            var page = System.IO.File.ReadAllText(System.IO.Path.Combine(Docs.DocsPaths.RepositoryRoot, "docs", "en-US", "Get-CGIPUserList.md"));
            var section = page.Substring(page.IndexOf("### -MaxRequestsPerSecond", StringComparison.Ordinal));
            Assert.Contains("Default value: " + cap.ToString(System.Globalization.CultureInfo.InvariantCulture), section.Substring(0, section.IndexOf("```\n\n", section.IndexOf("```yaml", StringComparison.Ordinal), StringComparison.Ordinal)));
        }
    }
}
