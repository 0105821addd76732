using Portage.Core.Tenancy;

namespace Portage.Core.Tests;

/// <summary>Tests that change process-wide state (environment variables, the current directory) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessStateCollection
{
    public const string Name = "Process state";
}

[Collection(ProcessStateCollection.Name)]
public sealed class DataFolderTests : IDisposable
{
    private readonly string? _savedEnvironment = Environment.GetEnvironmentVariable(DataFolder.EnvironmentVariable);
    private readonly string _savedDirectory = Environment.CurrentDirectory;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "portage-core-tests", Guid.NewGuid().ToString("N"));

    public DataFolderTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, _savedEnvironment);
        Environment.CurrentDirectory = _savedDirectory;
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Configured_path_wins_over_PORTAGE_DATA()
    {
        var configured = Path.Combine(_root, "configured");
        Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, Path.Combine(_root, "from-env"));

        Assert.Equal(configured, DataFolder.Resolve(configured));
    }

    [Fact]
    public void Relative_configured_path_is_made_absolute()
    {
        Environment.CurrentDirectory = _root;

        Assert.Equal(Path.Combine(CurrentDirectory(), "data"), DataFolder.Resolve("data"));
    }

    [Fact]
    public void PORTAGE_DATA_wins_when_nothing_is_configured()
    {
        var fromEnvironment = Path.Combine(_root, "from-env");
        Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, fromEnvironment);
        Directory.CreateDirectory(Path.Combine(_root, ".portage"));
        Environment.CurrentDirectory = _root;

        Assert.Equal(fromEnvironment, DataFolder.Resolve());
        Assert.Equal(fromEnvironment, DataFolder.Resolve(null));
        Assert.Equal(fromEnvironment, DataFolder.Resolve("   "));
    }

    [Fact]
    public void Without_PORTAGE_DATA_an_existing_portage_folder_in_the_current_directory_is_used()
    {
        Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, null);
        Directory.CreateDirectory(Path.Combine(_root, ".portage"));
        Environment.CurrentDirectory = _root;

        Assert.Equal(Path.Combine(CurrentDirectory(), ".portage"), DataFolder.Resolve());
    }

    [Fact]
    public void Without_PORTAGE_DATA_the_repository_root_is_used_from_a_subfolder()
    {
        Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, null);
        File.WriteAllText(Path.Combine(_root, "Portage.slnx"), "<Solution />");
        var nested = Directory.CreateDirectory(Path.Combine(_root, "src", "Portage.Server")).FullName;
        Environment.CurrentDirectory = nested;

        Assert.Equal(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(CurrentDirectory()))!, ".portage"), DataFolder.Resolve());
    }

    // The temp folder may sit behind a symbolic link (macOS /var → /private/var); compare with what the process sees.
    private static string CurrentDirectory() => Environment.CurrentDirectory;
}
