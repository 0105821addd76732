using Portage.Core.Errors;
using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

public sealed class EndUserIdsTests
{
    public static TheoryData<string> ValidIds => ["u-123", "org_1:user_7", new string('a', 128), "a.b~c@d", "A-Z_0.9~:@"];

    public static TheoryData<string?> InvalidIds => [null, "", new string('a', 129), "has space", "a/b", "é", "line\nbreak", "tab\t", "ü-1"];

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Valid_ids_are_accepted_unchanged(string endUserId)
    {
        Assert.Equal(endUserId, EndUserIds.Validate(endUserId));
        Assert.True(EndUserIds.IsValid(endUserId));
    }

    [Theory]
    [MemberData(nameof(InvalidIds))]
    public void Invalid_ids_are_a_bad_request_of_type_invalid_end_user_id(string? endUserId)
    {
        var error = Assert.Throws<PortageException>(() => EndUserIds.Validate(endUserId));

        Assert.Equal("invalid_end_user_id", error.ErrorType);
        Assert.Equal(ErrorKind.BadRequest, error.Kind);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.False(EndUserIds.IsValid(endUserId));
    }

    [Fact]
    public void Invisible_characters_are_named_by_code_point()
    {
        var error = Assert.Throws<PortageException>(() => EndUserIds.Validate("line\nbreak"));

        Assert.Contains("U+000A", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_long_id_says_the_limit()
    {
        var error = Assert.Throws<PortageException>(() => EndUserIds.Validate(new string('a', 129)));

        Assert.Contains("128", error.Message, StringComparison.Ordinal);
    }
}
