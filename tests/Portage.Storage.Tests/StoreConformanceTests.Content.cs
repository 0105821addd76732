using Portage.Core.Retrieval;
using Portage.Core.Storage;

namespace Portage.Storage.Tests;

public abstract partial class StoreConformanceTests
{
    private static readonly HashSet<string> s_noExclusions = [];
    private static readonly string[] s_noPath = [];

    [Fact]
    public async Task Search_ranks_the_chunk_about_the_query_first_and_scores_from_1_down()
    {
        await SeedTenantsAsync();
        await IndexCorpusAsync();

        var hits = await Content.SearchAsync(Query("invoice refund"), None);

        Assert.Equal(["chunk:refunds", "chunk:invoices"], hits.Select(h => h.Chunk.Id));
        Assert.Equal(1.0, hits[0].Score);
        Assert.InRange(hits[1].Score, 0.01, 0.99);
    }

    [Fact]
    public async Task Search_finds_other_forms_of_a_word()
    {
        await SeedTenantsAsync();
        await IndexCorpusAsync();

        var hits = await Content.SearchAsync(Query("installing"), None);

        Assert.Equal("chunk:install", Assert.Single(hits).Chunk.Id);
    }

    [Fact]
    public async Task Search_matches_breadcrumb_and_file_path_too()
    {
        await SeedTenantsAsync();
        await IndexCorpusAsync();

        Assert.Equal("chunk:keys", (await Content.SearchAsync(Query("security"), None)).Single().Chunk.Id);
        Assert.Equal("chunk:install", (await Content.SearchAsync(Query("Linux"), None)).Single().Chunk.Id);
    }

    [Fact]
    public async Task Search_leaves_out_stop_words_unless_the_query_has_nothing_else()
    {
        await SeedTenantsAsync();
        await IndexCorpusAsync();

        Assert.Equal("chunk:refunds", (await Content.SearchAsync(Query("how do I get a refund?"), None)).Single().Chunk.Id);
        Assert.NotEmpty(await Content.SearchAsync(Query("the"), None));
    }

    [Fact]
    public async Task Search_returns_whole_chunks_as_stored()
    {
        await SeedTenantsAsync();
        var chunk = Chunk("chunk:x", "Quokkas live on Rottnest Island.", "animals.md › Quokka", "zoo/animals.md", dataSourceId: "ds_zoo", projectId: "proj_1",
            path: ["file:zoo/animals.md", "section:zoo/animals.md#quokka", "chunk:x"]);
        await IndexAsync("job_1", chunk);

        var hit = Assert.Single(await Content.SearchAsync(Query("quokkas"), None));

        AssertChunk(chunk with { JobId = "job_1" }, hit.Chunk);
    }

    [Fact]
    public async Task Excluded_ids_are_left_out_inside_the_query_so_the_limit_is_filled_by_the_next_hits()
    {
        await SeedTenantsAsync();
        await IndexLayersAsync();

        var first = await Content.SearchAsync(Query("orchid", limit: 2), None);
        var second = await Content.SearchAsync(Query("orchid", limit: 2, excluded: ["chunk:o1", "chunk:o2"]), None);
        var third = await Content.SearchAsync(Query("orchid", limit: 2, excluded: ["chunk:o1", "chunk:o2", "chunk:o3", "chunk:o4"]), None);
        var exhausted = await Content.SearchAsync(Query("orchid", limit: 2, excluded: ["chunk:o1", "chunk:o2", "chunk:o3", "chunk:o4", "chunk:o5"]), None);

        Assert.Equal(["chunk:o1", "chunk:o2"], first.Select(h => h.Chunk.Id));
        Assert.Equal(["chunk:o3", "chunk:o4"], second.Select(h => h.Chunk.Id));
        Assert.Equal(["chunk:o5"], third.Select(h => h.Chunk.Id));
        Assert.Empty(exhausted);
        Assert.Equal(1.0, second[0].Score);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!.,;:")]
    [InlineData("\"")]
    [InlineData("()*^-+")]
    [InlineData("…— ✓")]
    public async Task Query_without_words_has_no_hits(string text)
    {
        await SeedTenantsAsync();
        await IndexCorpusAsync();

        Assert.Empty(await Content.SearchAsync(Query(text), None));
    }

    [Theory]
    [InlineData("\"refund")]
    [InlineData("refund AND OR NOT")]
    [InlineData("NEAR(refund invoice)")]
    [InlineData("content:refund")]
    [InlineData("refund*")]
    [InlineData("-refund ^refund {refund}")]
    [InlineData("refund' OR 1=1 --")]
    public async Task Query_syntax_in_user_text_is_searched_as_words_never_parsed(string text)
    {
        await SeedTenantsAsync();
        await IndexCorpusAsync();

        var hits = await Content.SearchAsync(Query(text), None);

        Assert.Equal("chunk:refunds", hits[0].Chunk.Id);
    }

    [Fact]
    public async Task Search_stays_in_its_sandbox_and_project()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1", Chunk("chunk:p1", "a brass lantern", projectId: "proj_1"));
        await IndexAsync("job_2", Chunk("chunk:p2", "a paper lantern", projectId: "proj_2"));
        await IndexAsync("job_3", Chunk("chunk:b1", "a lantern of sandbox B", sandboxId: SandboxB));

        Assert.Equal(["chunk:p1", "chunk:p2"], (await Content.SearchAsync(Query("lantern"), None)).Select(h => h.Chunk.Id).Order());
        Assert.Equal(["chunk:p1"], (await Content.SearchAsync(Query("lantern") with { ProjectId = "proj_1" }, None)).Select(h => h.Chunk.Id));
        Assert.Equal(["chunk:b1"], (await Content.SearchAsync(Query("lantern") with { SandboxId = SandboxB }, None)).Select(h => h.Chunk.Id));
    }

    [Fact]
    public async Task Conversation_memory_reaches_only_its_own_end_user()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1", Chunk("chunk:mem_a", "my dog is called Biscuit", dataSourceId: "ds_a", endUserId: UserA, sourceType: "conversation"));
        await IndexAsync("job_2", Chunk("chunk:mem_b", "I named my cat Biscuit too", dataSourceId: "ds_b", endUserId: UserB, sourceType: "conversation"));
        await IndexAsync("job_3", Chunk("chunk:doc", "Biscuit is also the name of our release train"));

        Assert.Equal(["chunk:doc", "chunk:mem_a"], (await Content.SearchAsync(Query("biscuit") with { EndUserId = UserA }, None)).Select(h => h.Chunk.Id).Order());
        Assert.Equal(["chunk:doc", "chunk:mem_b"], (await Content.SearchAsync(Query("biscuit") with { EndUserId = UserB }, None)).Select(h => h.Chunk.Id).Order());
        Assert.Equal(["chunk:doc"], (await Content.SearchAsync(Query("biscuit"), None)).Select(h => h.Chunk.Id));
        Assert.Empty(await Content.GetChunksAsync(SandboxA, ["chunk:mem_a"], UserB, None));
        Assert.Empty(await Content.GetChunksAsync(SandboxA, ["chunk:mem_a"], null, None));
        Assert.Single(await Content.GetChunksAsync(SandboxA, ["chunk:mem_a"], UserA, None));
    }

    [Fact]
    public async Task Get_chunks_finds_them_by_leaf_id_or_by_any_id_on_their_path_in_document_order()
    {
        await SeedTenantsAsync();
        var install = Chunk("chunk:1", "Download the installer.", path: ["file:guide.md", "section:guide.md#install", "chunk:1"]);
        var linux = Chunk("chunk:2", "Use the tarball on Linux.", path: ["file:guide.md", "section:guide.md#install", "section:guide.md#install/linux", "chunk:2"]);
        var faq = Chunk("chunk:3", "Nobody asked.", path: ["file:guide.md", "section:guide.md#faq", "chunk:3"]);
        await IndexAsync("job_1", install, linux, faq);
        await IndexAsync("job_2", Chunk("chunk:other", "Other file.", filePath: "other.md"));

        Assert.Equal(["chunk:2"], (await Content.GetChunksAsync(SandboxA, ["chunk:2"], null, None)).Select(c => c.Id));
        Assert.Equal(["chunk:1", "chunk:2"], (await Content.GetChunksAsync(SandboxA, ["section:guide.md#install"], null, None)).Select(c => c.Id));
        Assert.Equal(["chunk:1", "chunk:2", "chunk:3"], (await Content.GetChunksAsync(SandboxA, ["file:guide.md"], null, None)).Select(c => c.Id));
        Assert.Equal(["chunk:2", "chunk:3"], (await Content.GetChunksAsync(SandboxA, ["chunk:3", "section:guide.md#install/linux"], null, None)).Select(c => c.Id));
        Assert.Empty(await Content.GetChunksAsync(SandboxA, ["chunk:missing"], null, None));
        Assert.Empty(await Content.GetChunksAsync(SandboxB, ["file:guide.md"], null, None));
        AssertChunk(linux with { JobId = "job_1" }, (await Content.GetChunksAsync(SandboxA, ["chunk:2"], null, None)).Single());
    }

    [Fact]
    public async Task Delivery_ledger_keeps_each_id_once_per_window()
    {
        await SeedTenantsAsync();

        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_1", ["chunk:a", "chunk:b"], T0, None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_2", ["chunk:b", "chunk:c"], T0.AddMinutes(1), None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_2", "run_3", ["chunk:z"], T0, None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_3", "run_4", [], T0, None);

        Assert.Equal(["chunk:a", "chunk:b", "chunk:c"], (await Content.GetDeliveredAsync(SandboxA, "ds_1", None)).Order());
        Assert.Equal(["chunk:z"], await Content.GetDeliveredAsync(SandboxA, "ds_2", None));
        Assert.Empty(await Content.GetDeliveredAsync(SandboxA, "ds_3", None));
        Assert.Empty(await Content.GetDeliveredAsync(SandboxB, "ds_1", None));
    }

    [Fact]
    public async Task Delivery_ledger_lists_each_entry_with_its_run_and_time_oldest_first()
    {
        await SeedTenantsAsync();

        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_2", ["menu:chunk:b", "chunk:b"], T0.AddMinutes(1), None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_1", ["chunk:c", "chunk:a"], T0, None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_3", ["chunk:a", "chunk:d"], T0.AddMinutes(2), None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_2", "run_4", ["chunk:z"], T0, None);

        Assert.Equal(
            [
                new DeliveryRecord("chunk:a", "run_1", T0),
                new DeliveryRecord("chunk:c", "run_1", T0),
                new DeliveryRecord("chunk:b", "run_2", T0.AddMinutes(1)),
                new DeliveryRecord("menu:chunk:b", "run_2", T0.AddMinutes(1)),
                new DeliveryRecord("chunk:d", "run_3", T0.AddMinutes(2)),
            ],
            await Content.ListDeliveriesAsync(SandboxA, "ds_1", null, 100, None));
        Assert.Empty(await Content.ListDeliveriesAsync(SandboxB, "ds_1", null, 100, None));
        Assert.Empty(await Content.ListDeliveriesAsync(SandboxA, "ds_missing", null, 100, None));
    }

    [Fact]
    public async Task Evicted_deliveries_leave_the_exclusion_set_stay_in_the_ledger_and_are_recorded_anew_when_delivered_again()
    {
        await SeedTenantsAsync();
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_1", ["chunk:a", "menu:chunk:a"], T0, None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_2", ["chunk:b"], T0.AddMinutes(1), None);

        var evicted = await Content.EvictDeliveriesAsync(SandboxA, "ds_1", ["run_1"], T0.AddMinutes(5), None);
        var again = await Content.EvictDeliveriesAsync(SandboxA, "ds_1", ["run_1"], T0.AddMinutes(6), None);
        var otherSandbox = await Content.EvictDeliveriesAsync(SandboxB, "ds_1", ["run_2"], T0.AddMinutes(6), None);

        Assert.Equal(2, evicted);
        Assert.Equal(0, again);
        Assert.Equal(0, otherSandbox);
        Assert.Equal(["chunk:b"], await Content.GetDeliveredAsync(SandboxA, "ds_1", None));
        Assert.Equal(
            [
                new DeliveryRecord("chunk:a", "run_1", T0, T0.AddMinutes(5)),
                new DeliveryRecord("menu:chunk:a", "run_1", T0, T0.AddMinutes(5)),
                new DeliveryRecord("chunk:b", "run_2", T0.AddMinutes(1)),
            ],
            await Content.ListDeliveriesAsync(SandboxA, "ds_1", null, 100, None));

        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_9", ["chunk:a", "chunk:b"], T0.AddMinutes(9), None);

        Assert.Equal(["chunk:a", "chunk:b"], (await Content.GetDeliveredAsync(SandboxA, "ds_1", None)).Order(StringComparer.Ordinal));
        var ledger = await Content.ListDeliveriesAsync(SandboxA, "ds_1", null, 100, None);
        Assert.Contains(new DeliveryRecord("chunk:a", "run_9", T0.AddMinutes(9)), ledger);
        Assert.Contains(new DeliveryRecord("chunk:b", "run_2", T0.AddMinutes(1)), ledger);
    }

    [Fact]
    public async Task The_ledger_is_listed_a_page_at_a_time_after_the_last_entry_even_when_times_are_equal()
    {
        await SeedTenantsAsync();
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_2", ["menu:chunk:b", "chunk:b"], T0.AddMinutes(1), None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_1", ["chunk:c", "chunk:a"], T0, None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_3", ["chunk:d"], T0.AddMinutes(2), None);
        var all = await Content.ListDeliveriesAsync(SandboxA, "ds_1", null, 100, None);

        var pages = new List<IReadOnlyList<DeliveryRecord>>();
        ListCursor? after = null;
        do
        {
            pages.Add(await Content.ListDeliveriesAsync(SandboxA, "ds_1", after, 2, None));
            after = pages[^1].Count == 2 ? new ListCursor(pages[^1][^1].DeliveredAt, pages[^1][^1].CanonicalId) : null;
        }
        while (after is not null);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Count));
        Assert.Equal(all, pages.SelectMany(p => p));
        Assert.Empty(await Content.ListDeliveriesAsync(SandboxB, "ds_1", null, 2, None));
    }

    [Fact]
    public async Task Purging_a_window_empties_its_listed_ledger()
    {
        await SeedTenantsAsync();
        await Content.RecordDeliveriesAsync(SandboxA, "ds_1", "run_1", ["chunk:a"], T0, None);
        await Content.RecordDeliveriesAsync(SandboxA, "ds_2", "run_2", ["chunk:a"], T0, None);

        await Content.PurgeSourceAsync(SandboxA, "ds_1", None);

        Assert.Empty(await Content.ListDeliveriesAsync(SandboxA, "ds_1", null, 100, None));
        Assert.Single(await Content.ListDeliveriesAsync(SandboxA, "ds_2", null, 100, None));
    }

    private static ContentQuery Query(string text, int limit = 10, string[]? excluded = null) =>
        new(SandboxA, text, null, null, excluded is null ? s_noExclusions : excluded.ToHashSet(), limit);

    // Six chunks on distinct topics (enough that a word in two of them still carries weight in bm25).
    private async Task IndexCorpusAsync()
    {
        await IndexAsync("job_corpus",
            Chunk("chunk:refunds", "Refunds go back to the original payment method within five business days. Every refund is listed on the next invoice.",
                "billing.md › Refunds", "docs/billing.md"),
            Chunk("chunk:install", "Install the agent with your package manager, then run the setup wizard.", "install.md › Linux", "docs/install.md"),
            Chunk("chunk:keys", "Rotate API keys every ninety days; a revoked key stops working at once.", "security.md › Keys", "docs/security.md"),
            Chunk("chunk:invoices", "The monthly invoice is emailed on the first day of each month.", "billing.md › Invoices", "docs/billing.md"),
            Chunk("chunk:theme", "Dark mode follows the system theme unless you pick one.", "settings.md › Appearance", "docs/settings.md"),
            Chunk("chunk:webhooks", "Webhooks retry failed deliveries three times with backoff.", "webhooks.md › Retries", "docs/webhooks.md"));
    }

    // Five chunks of the same length that mention "orchid" five, four, … one times: a strict ranking o1 > … > o5.
    private async Task IndexLayersAsync()
    {
        var chunks = Enumerable.Range(1, 5)
            .Select(i => Chunk($"chunk:o{i}", string.Join(' ', Enumerable.Repeat("orchid", 6 - i).Concat(Enumerable.Repeat("petal", 4 + i))) + $" layer{i}",
                "garden.md", "garden.md"))
            .ToArray();
        await IndexAsync("job_layers", chunks);
    }

    private static void AssertChunk(ChunkRecord expected, ChunkRecord actual)
    {
        Assert.Equal(expected.CanonicalPath, actual.CanonicalPath);
        Assert.Equal(expected with { CanonicalPath = s_noPath }, actual with { CanonicalPath = s_noPath });
    }
}
