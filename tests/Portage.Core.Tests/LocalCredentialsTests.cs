using System.Text.Json.Nodes;
using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

public sealed class LocalCredentialsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "portage-core-tests", Guid.NewGuid().ToString("N"));
    private readonly LocalCredentials _credentials = new("http://127.0.0.1:5757", "ptg_secret_development_key", "sb_default");

    private string FilePath => Path.Combine(_folder, LocalCredentials.FileName);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void Written_credentials_read_back_unchanged()
    {
        _credentials.Write(_folder);

        Assert.Equal(_credentials, LocalCredentials.TryRead(_folder));
    }

    [Fact]
    public void Credentials_file_uses_the_documented_snake_case_names()
    {
        _credentials.Write(_folder);

        var json = JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject();

        Assert.Equal(["api_url", "api_key", "sandbox_id"], json.Select(p => p.Key));
        Assert.Equal("ptg_secret_development_key", (string?)json["api_key"]);
    }

    [Fact]
    public void Credentials_file_is_readable_by_its_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        _credentials.Write(_folder);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
    }

    [Fact]
    public void Rewriting_an_older_world_readable_file_makes_it_owner_only()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only.
        }

        Directory.CreateDirectory(_folder);
        File.WriteAllText(FilePath, "{}");
        File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        _credentials.Write(_folder);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        Assert.Equal(_credentials, LocalCredentials.TryRead(_folder));
    }

    [Fact]
    public void Rewriting_replaces_the_whole_file()
    {
        new LocalCredentials("http://127.0.0.1:9999", "ptg_" + new string('x', 200), "sb_a_much_longer_sandbox_id").Write(_folder);

        _credentials.Write(_folder);

        Assert.Equal(_credentials, LocalCredentials.TryRead(_folder));
    }

    [Fact]
    public void Missing_file_reads_as_no_credentials()
    {
        Assert.Null(LocalCredentials.TryRead(_folder));
    }

    [Fact]
    public void Corrupt_file_reads_as_no_credentials()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(FilePath, "{ not json");

        Assert.Null(LocalCredentials.TryRead(_folder));
    }
}
