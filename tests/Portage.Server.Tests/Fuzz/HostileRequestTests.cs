using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portage.Testing;
using Xunit.Abstractions;

namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// Issue 5, scope 7: 2,000 generated hostile requests over every public endpoint, against two seeded tenants whose data
/// carries marker words. Every answer is judged by <see cref="Oracle"/>; all failures are collected and reported
/// together, grouped by endpoint and problem, with the seed to replay them.
/// </summary>
public sealed class HostileRequestTests(ITestOutputHelper output)
{
    private const int Requests = 2_000;

    [Fact]
    public Task Two_thousand_hostile_requests_get_no_5xx_clear_errors_and_no_data_of_another_tenant_or_end_user() =>
        TestSeed.RunAsync(output, nameof(HostileRequestTests), random => StormAsync(random, concurrency: 1));

    // Issue 17: the same storm with 16 requests in flight at once, so hostile input also meets concurrent writes, window
    // leases, key revocations and ingests racing each other.
    [Fact]
    public Task Two_thousand_hostile_requests_sixteen_at_a_time_get_no_5xx_and_no_data_of_another_tenant_or_end_user() =>
        TestSeed.RunAsync(output, nameof(HostileRequestTests) + " (concurrent)", random => StormAsync(random, concurrency: 16));

    private async Task StormAsync(Random random, int concurrency)
    {
        using var app = new PortageApp(settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        var clock = Stopwatch.StartNew();
        var world = await FuzzWorld.SeedAsync(app);
        var seeding = clock.Elapsed;

        // Generated up front from the seed, so a concurrent storm replays the same requests (their interleaving varies).
        var generator = new RequestGenerator(world, random);
        var requests = Enumerable.Range(0, Requests).Select(_ => generator.Next()).ToList();
        var oracle = new Oracle(world);
        var failures = new List<Failure>();
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        using var client = app.CreateClient();
        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        {
            var request = requests[i];
            FuzzResponse response;
            try
            {
                response = await Oracle.SendAsync(client, request);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidOperationException or OperationCanceledException)
            {
                lock (failures)
                {
                    failures.Add(new Failure(i, request, null, $"no answer: {ex.GetType().Name}: {ex.Message}"));
                }

                return;
            }

            lock (failures)
            {
                var key = $"{request.Endpoint} → {response.Status}";
                statuses[key] = statuses.GetValueOrDefault(key) + 1;
                failures.AddRange(oracle.Problems(request, response).Select(p => new Failure(i, request, response, p)).ToList());
            }
        });

        var fuzzing = clock.Elapsed - seeding;
        await AssertIntactAsync(app, world);
        output.WriteLine($"seeding {seeding.TotalSeconds:0.0} s, {Requests} requests {concurrency} at a time {fuzzing.TotalSeconds:0.0} s " +
            $"({fuzzing.TotalMilliseconds / Requests:0.0} ms each); own markers seen in {oracle.OwnMarkerSightings} answers");
        foreach (var (key, count) in statuses)
        {
            output.WriteLine($"{count,5} × {key}");
        }

        var groups = failures.OrderBy(f => f.Index).GroupBy(f => (f.Request.Endpoint, Problem: Normalize(f.Problem), f.Response?.Status)).ToList();
        foreach (var group in groups)
        {
            var first = group.First();
            output.WriteLine($"FAIL {group.Count()} × {group.Key.Endpoint}: {first.Problem} — e.g. request #{first.Index}: {first.Request}\n     answer: {Excerpt(first.Response?.Body)}");
        }

        Assert.True(oracle.OwnMarkerSightings > 0, "no answer ever showed the caller's own data: the leak checks had nothing to look at");
        Assert.True(groups.Count == 0, $"{failures.Count} failures in {groups.Count} groups:\n" + string.Join("\n", groups.Select(g =>
            $"{g.Count()} × {g.Key.Endpoint}: {g.First().Problem} (e.g. #{g.First().Index}: {g.First().Request} → {Excerpt(g.First().Response?.Body)})")));
    }

    // After the storm, each tenant still sees all of its own marked data: nothing was changed through another tenant.
    private static async Task AssertIntactAsync(PortageApp app, FuzzWorld world)
    {
        foreach (var tenant in world.Tenants)
        {
            using var client = app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
            var source = await client.GetFromJsonAsync<JsonElement>(tenant.Path($"/sources/{tenant.MarkedSourceId}"));
            Assert.Equal($"{tenant.Marker} repository", source.GetProperty("name").GetString());
            foreach (var user in tenant.EndUsers)
            {
                var turns = await client.GetStringAsync(tenant.Path($"/sources/{user.WindowId}/turns?end_user_id={user.Id}"));
                Assert.Contains(user.Marker, turns, StringComparison.Ordinal);
            }
        }
    }

    // Groups failures that differ only in ids or numbers.
    private static string Normalize(string problem) => new(problem.Select(c => char.IsDigit(c) ? '0' : c).ToArray());

    private static string Excerpt(string? body) => body is null ? "(none)" : body.Length <= 300 ? body : body[..300] + "…";

    private sealed record Failure(int Index, FuzzRequest Request, FuzzResponse? Response, string Problem);
}
