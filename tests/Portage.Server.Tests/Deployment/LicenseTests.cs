namespace Portage.Server.Tests.Deployment;

/// <summary>Issue 11, item 9: the repository says under which terms it may be used, and the README points there.</summary>
public sealed class LicenseTests
{
    private readonly string _repository = DockerBuildEmulation.FindRepository();

    [Fact]
    public void The_repository_is_under_the_mit_license_of_the_portage_authors_and_the_readme_says_so()
    {
        var license = File.ReadAllText(Path.Combine(_repository, "LICENSE"));
        var readme = File.ReadAllText(Path.Combine(_repository, "README.md"));

        Assert.StartsWith("MIT License\n\nCopyright (c) 2026 The Portage authors\n", license.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Permission is hereby granted, free of charge, to any person obtaining a copy", license, StringComparison.Ordinal);
        Assert.Contains("THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND", license, StringComparison.Ordinal);
        Assert.EndsWith("## License\n\nMIT: see [LICENSE](LICENSE).\n", readme.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
