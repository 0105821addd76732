using Portage.Testing;

namespace Portage.Server.Tests.Rules;

/// <summary>Rule 1: end_user_id is required, 1–128 characters of [A-Za-z0-9._~:@-], never interpreted.</summary>
public sealed class Rule01EndUserTests
{
    [Theory]
    [InlineData("u-123")]
    [InlineData("org_1:user_7")]
    [InlineData("a.b~c@d-e")]
    public async Task Documented_end_user_id_patterns_are_accepted(string endUser)
    {
        using var app = new PortageApp();
        var run = await app.RunAsync(Runs.Body("hi", endUser));
        Assert.True(run.Finished);
    }

    [Fact]
    public async Task End_user_id_of_128_characters_is_accepted_and_129_is_refused()
    {
        using var app = new PortageApp();
        Assert.True((await app.RunAsync(Runs.Body("hi", new string('a', 128)))).Finished);
        var (status, error, detail) = await app.RunErrorAsync(Runs.Body("hi", new string('a', 129)));
        Assert.Equal((400, "invalid_end_user_id"), (status, error));
        Assert.Contains("128", detail, StringComparison.Ordinal);
    }
}
