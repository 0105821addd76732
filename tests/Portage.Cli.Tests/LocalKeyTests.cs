using Portage.Cli.Tests.Fakes;
using Portage.Core.Tenancy;

namespace Portage.Cli.Tests;

/// <summary>
/// Issue 11, item 4: a lost <c>credentials.json</c> no longer locks the owner out. <c>portage keys create --local</c>
/// makes an admin key on the data folder directly and saves it where the CLI finds it; it is refused while a router
/// runs on the folder.
/// </summary>
public sealed class LocalKeyTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-cli-tests", "local-" + Guid.NewGuid().ToString("n"));

    private string CredentialsPath => Path.Combine(_folder, LocalCredentials.FileName);

    [Fact]
    public async Task After_credentials_json_is_lost_keys_create_local_makes_an_admin_key_the_restarted_router_accepts()
    {
        string sandbox;
        await using (var _ = await ServingCli.StartAsync(_folder))
        {
            sandbox = LocalCredentials.TryRead(_folder)!.SandboxId;
        }

        File.Delete(CredentialsPath);
        var local = new TestCli { DataFolder = _folder, Server = null };
        local.Environment.Clear();

        var exit = await local.RunAsync("keys", "create", "--local");

        var key = local.Out.ToString().Trim();
        Assert.True(exit == 0, local.Error.ToString());
        Assert.StartsWith("ptg_", key, StringComparison.Ordinal);
        Assert.Contains(CredentialsPath, local.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal((key, sandbox), (LocalCredentials.TryRead(_folder)?.ApiKey, LocalCredentials.TryRead(_folder)?.SandboxId));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CredentialsPath));
        }

        await using (var again = await ServingCli.StartAsync(_folder))
        {
            // No settings at all: the CLI takes the URL, key and sandbox from credentials.json, as after a first start.
            var cli = new TestCli { DataFolder = _folder, Server = null };
            cli.Environment.Clear();
            var listed = await cli.RunAsync("keys", "list");

            Assert.True(listed == 0, cli.Error.ToString());
            Assert.Equal(again.Url, LocalCredentials.TryRead(_folder)?.ApiUrl);
            Assert.Matches(@"(?m)^key_\S+\s+local-admin\s+admin\b", cli.Out.ToString());
            Assert.Matches(@"(?m)^key_\S+\s+development\s+admin\b", cli.Out.ToString());
        }
    }

    [Fact]
    public async Task Keys_create_local_is_refused_while_a_router_runs_on_the_data_folder()
    {
        await using var router = await ServingCli.StartAsync(_folder);
        var before = await File.ReadAllTextAsync(CredentialsPath);
        var local = new TestCli { DataFolder = _folder, Server = null };

        var exit = await local.RunAsync("keys", "create", "--local");

        Assert.Equal(1, exit);
        Assert.Contains("router is running on the data folder", local.Error.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, local.Error.ToString().Trim().Split('\n').Length);
        Assert.Empty(local.Out.ToString());
        Assert.Equal(before, await File.ReadAllTextAsync(CredentialsPath));
    }

    [Fact]
    public async Task Keys_create_local_on_a_new_data_folder_makes_the_account_first_start_would()
    {
        var local = new TestCli { DataFolder = _folder, Server = null };

        var exit = await local.RunAsync("keys", "create", "--local", "--url", "http://127.0.0.1:6123/");

        Assert.True(exit == 0, local.Error.ToString());
        Assert.Equal(new LocalCredentials("http://127.0.0.1:6123", local.Out.ToString().Trim(), LocalCredentials.TryRead(_folder)!.SandboxId), LocalCredentials.TryRead(_folder));
    }

    [Fact]
    public async Task Keys_create_without_a_name_or_local_says_how_to_call_it()
    {
        var cli = new TestCli();

        var exit = await cli.RunAsync("keys", "create");

        Assert.NotEqual(0, exit);
        Assert.Contains("portage keys create --local", cli.Error.ToString(), StringComparison.Ordinal);
        Assert.Empty(cli.Server!.Requests);
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the OS to clean up with the temp folder.
        }
    }
}
