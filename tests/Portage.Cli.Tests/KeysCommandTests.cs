using Portage.Cli.Tests.Fakes;
using Portage.Testing;

namespace Portage.Cli.Tests;

/// <summary>Issue 17, finding 7: <c>portage keys</c> creates keys of a scope, lists them with their scope and revokes them.</summary>
public sealed class KeysCommandTests
{
    [Fact]
    public async Task Keys_are_created_with_a_scope_listed_with_it_and_revoked()
    {
        using var app = new PortageApp();
        var cli = Against(app);

        var created = await cli.RunAsync("keys", "create", "backend", "--scope", "runs");
        var key = cli.Out.ToString().Trim();
        var made = cli.Error.ToString();
        var listing = Against(app);
        var listed = await listing.RunAsync("keys", "list");
        var id = listing.Out.ToString().Split('\n').Single(l => l.Contains("backend", StringComparison.Ordinal)).Split(' ')[0];
        var revoking = Against(app);
        var revoked = await revoking.RunAsync("keys", "revoke", id);
        var byRunsKey = Against(app, key);
        var refused = await byRunsKey.RunAsync("keys", "list");

        Assert.Equal((0, 0, 0), (created, listed, revoked));
        Assert.StartsWith("ptg_", key, StringComparison.Ordinal);
        Assert.Contains("scope runs", made, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^key_\S+\s+development\s+admin\b", listing.Out.ToString());
        Assert.Matches(@"(?m)^key_\S+\s+backend\s+runs\b", listing.Out.ToString());
        Assert.Contains($"revoked {id}", revoking.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, refused); // the key is gone: 401
    }

    [Fact]
    public async Task A_runs_key_is_told_which_scope_keys_need()
    {
        using var app = new PortageApp();
        var owner = Against(app);
        await owner.RunAsync("keys", "create", "backend");
        var backend = Against(app, owner.Out.ToString().Trim());

        var exit = await backend.RunAsync("keys", "create", "mine", "--scope", "admin");

        Assert.Equal(2, exit);
        Assert.Contains("insufficient_scope", backend.Error.ToString(), StringComparison.Ordinal);
        Assert.Contains("'admin'", backend.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_scope_is_refused_by_the_command_line()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("keys", "create", "x", "--scope", "root");

        Assert.NotEqual(0, exit);
        Assert.Empty(cli.Server!.Requests);
    }

    private static TestCli Against(PortageApp app, string? key = null)
    {
        var cli = new TestCli { Server = null, Handler = app.Server.CreateHandler() };
        cli.Environment["PORTAGE_URL"] = "http://localhost";
        cli.Environment["PORTAGE_API_KEY"] = key ?? app.Credentials.ApiKey;
        cli.Environment["PORTAGE_SANDBOX_ID"] = app.SandboxId;
        return cli;
    }
}
