using YamlDotNet.RepresentationModel;

namespace Portage.Server.Tests.Deployment;

/// <summary>
/// Issue 11, item 7: <c>compose.yaml</c> runs two router replicas built from the Dockerfile on one PostgreSQL, the way
/// README's "Several replicas" asks: one database, one set of credentials, each replica on its own host port.
/// </summary>
public sealed class ComposeFileTests
{
    private readonly YamlMappingNode _services;
    private readonly Dictionary<string, string> _image;

    public ComposeFileTests()
    {
        var repository = DockerBuildEmulation.FindRepository();
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(repository, "compose.yaml")))
        {
            yaml.Load(reader);
        }

        _services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        _image = Dockerfile.Parse(File.ReadAllText(Path.Combine(repository, "Dockerfile")))[^1].Environment();
    }

    [Fact]
    public void Two_routers_are_built_from_the_dockerfile_beside_one_healthchecked_postgres()
    {
        var postgres = Service("postgres");
        var routers = Routers();

        Assert.StartsWith("postgres:", Text(postgres, "image"), StringComparison.Ordinal);
        Assert.Contains("pg_isready", string.Join(' ', Sequence(Map(postgres, "healthcheck"), "test")), StringComparison.Ordinal);
        Assert.Contains(Sequence(postgres, "volumes"), v => v.EndsWith(":/var/lib/postgresql/data", StringComparison.Ordinal));
        Assert.Equal(2, routers.Count);
        Assert.All(routers, r => Assert.Equal(".", Text(r.Node, "build")));
        Assert.Single(routers.Select(r => Text(r.Node, "image")).Distinct());
    }

    [Fact]
    public void Both_routers_use_the_postgres_service_with_its_own_credentials_once_it_is_healthy()
    {
        var database = Map(Service("postgres"), "environment");

        foreach (var (name, router) in Routers())
        {
            var environment = Map(router, "environment");
            var connection = Text(environment, "ConnectionStrings__Postgres").Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal("postgres", Text(environment, "Storage__Provider"));
            Assert.Equal(("postgres", Text(database, "POSTGRES_DB"), Text(database, "POSTGRES_USER"), Text(database, "POSTGRES_PASSWORD")),
                (connection["Host"], connection["Database"], connection["Username"], connection["Password"]));
            Assert.True(Text(Map(Map(router, "depends_on"), "postgres"), "condition") == "service_healthy", $"{name} starts before PostgreSQL is ready");
        }
    }

    [Fact]
    public void The_routers_share_one_data_volume_and_the_second_starts_once_the_first_is_healthy()
    {
        var routers = Routers();
        var mounts = routers.Select(r => Assert.Single(Sequence(r.Node, "volumes"), v => v.EndsWith(":" + _image["PORTAGE_DATA"], StringComparison.Ordinal))).ToList();
        var (first, second) = (routers[0], routers[1]);

        // One credentials.json for both: the first start creates the account and writes it; the second finds both.
        Assert.Single(mounts.Distinct());
        Assert.False(mounts[0].StartsWith('/') || mounts[0].StartsWith('.'), "the data folder is a named volume, not a host folder");
        Assert.False(Map(first.Node, "depends_on").Children.ContainsKey(new YamlScalarNode(second.Name)));
        Assert.Equal("service_healthy", Text(Map(Map(second.Node, "depends_on"), first.Name), "condition"));
    }

    [Fact]
    public void Each_router_has_its_own_loopback_host_port_onto_the_images_port()
    {
        var port = _image["ASPNETCORE_URLS"].Split(':')[^1];
        var published = Routers().Select(r => Assert.Single(Sequence(r.Node, "ports")).Split(':')).ToList();

        Assert.All(published, p => Assert.Equal(("127.0.0.1", port), (p[0], p[2])));
        Assert.Equal(published.Count, published.Select(p => p[1]).Distinct().Count());
    }

    private List<(string Name, YamlMappingNode Node)> Routers() =>
        [.. _services.Children.Where(s => ((YamlMappingNode)s.Value).Children.ContainsKey(new YamlScalarNode("build")))
            .Select(s => (((YamlScalarNode)s.Key).Value!, (YamlMappingNode)s.Value))
            .OrderBy(s => s.Item1, StringComparer.Ordinal)];

    private YamlMappingNode Service(string name) => (YamlMappingNode)_services[name];

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static List<string> Sequence(YamlMappingNode node, string key) =>
        [.. ((YamlSequenceNode)node[key]).Children.Select(c => ((YamlScalarNode)c).Value!)];
}
