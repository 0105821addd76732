using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portage.Cli.Tests.Fakes;
using Portage.Testing;

namespace Portage.Cli.Tests;

/// <summary>
/// Issue 11, item 9: the web console and the CLI act for the same end user by default, so a conversation started with
/// <c>portage run</c> is in the console's list of windows without typing an end user anywhere.
/// </summary>
public sealed partial class ConsoleEndUserTests
{
    [Fact]
    public async Task A_cli_conversation_is_listed_under_the_consoles_default_end_user()
    {
        using var app = new PortageApp();
        var cli = new TestCli { Server = null, Handler = app.Server.CreateHandler() };
        cli.Environment["PORTAGE_URL"] = "http://localhost";
        cli.Environment["PORTAGE_API_KEY"] = app.Credentials.ApiKey;
        cli.Environment["PORTAGE_SANDBOX_ID"] = app.SandboxId;

        var exit = await cli.RunAsync("run", "Where did we leave the gateway?");
        var window = WindowLine().Match(cli.Error.ToString()).Groups[1].Value;
        var console = await ConsoleDefaultAsync(app.CreateClient());
        var listed = await app.Client.GetFromJsonAsync<JsonElement>(
            new Uri($"/api/v1/storage/sandboxes/{app.SandboxId}/sources?kind=ephemeral&end_user_id={console}", UriKind.Relative));

        Assert.Equal(0, exit);
        Assert.Equal(TurnOptions.DefaultEndUser, console);
        Assert.StartsWith("ds_", window, StringComparison.Ordinal);
        Assert.Contains(window, listed.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("data_source_id").GetString()));
    }

    // The end user the console starts with: the constant in app.js, which the page's field must show too.
    private static async Task<string> ConsoleDefaultAsync(HttpClient client)
    {
        var script = await client.GetStringAsync(new Uri("/app.js", UriKind.Relative));
        var page = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        var constant = ScriptDefault().Match(script);
        var field = FieldDefault().Match(page);
        Assert.True(constant.Success, "app.js declares no DEFAULT_END_USER");
        Assert.True(field.Success, "index.html has no end-user field with a value");
        Assert.Equal(constant.Groups[1].Value, field.Groups[1].Value);
        return constant.Groups[1].Value;
    }

    [GeneratedRegex(@"context_window_id=(\S+)")]
    private static partial Regex WindowLine();

    [GeneratedRegex(@"const DEFAULT_END_USER = '([^']+)'")]
    private static partial Regex ScriptDefault();

    [GeneratedRegex("<input id=\"end-user\" value=\"([^\"]+)\"")]
    private static partial Regex FieldDefault();
}
