using Npgsql;
using Portage.Core.Retrieval;
using Portage.Storage.Postgres;

namespace Portage.Storage.Tests;

// The tsvector index: what SQLite's FTS5 does by construction, checked here.
public sealed partial class PostgresStoreConformanceTests
{
    [Fact]
    public async Task A_word_in_the_text_outranks_the_same_word_in_a_heading_or_file_name()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1",
            Chunk("chunk:path", "Nothing relevant here.", "notes.md", "lanterns/notes.md"),
            Chunk("chunk:heading", "Nothing relevant either.", "notes.md › Lantern", "notes.md"),
            Chunk("chunk:text", "A lantern hangs by the door.", "notes.md", "notes.md"));

        var hits = await Content.SearchAsync(SearchFor("lantern"), None);

        Assert.Equal(["chunk:text", "chunk:heading", "chunk:path"], hits.Select(h => h.Chunk.Id));
        Assert.Equal(1.0, hits[0].Score);
        Assert.True(hits[1].Score > hits[2].Score);
    }

    [Fact]
    public async Task A_query_of_english_stop_words_only_still_finds_them()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1", Chunk("chunk:should", "You should rotate keys."), Chunk("chunk:other", "Keys rotate."));

        // "should" is no stop word of the shared term list, but the English configuration drops it from the index.
        Assert.Equal("chunk:should", Assert.Single(await Content.SearchAsync(SearchFor("should"), None)).Chunk.Id);
        Assert.Equal(["chunk:should", "chunk:other"], (await Content.SearchAsync(SearchFor("keys should"), None)).Select(h => h.Chunk.Id));
    }

    [Fact]
    public async Task File_names_versions_and_non_ascii_words_are_split_and_found_as_words()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1",
            Chunk("chunk:1", "Upgrade to v2.5 via set-up.exe; ask ops@example.com.", "guide.md", "docs/upgrade-guide.md"),
            Chunk("chunk:2", "Le café est « naïve » — très.", "fr.md", "fr.md"));

        foreach (var word in new[] { "upgrade", "guide", "docs", "v2", "exe", "ops", "example" })
        {
            Assert.Equal("chunk:1", (await Content.SearchAsync(SearchFor(word), None))[0].Chunk.Id);
        }

        Assert.Equal("chunk:2", Assert.Single(await Content.SearchAsync(SearchFor("naïve"), None)).Chunk.Id);
        Assert.Equal("chunk:2", Assert.Single(await Content.SearchAsync(SearchFor("CAFÉ"), None)).Chunk.Id);
    }

    [Fact]
    public async Task Search_reads_the_full_text_index_not_every_chunk()
    {
        await SeedTenantsAsync();
        await IndexAsync("job_1", Chunk("chunk:1", "an orchid in the garden"));
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync();
        // A table this small would be scanned whole; with scans off and the sandbox's own indexes gone (this schema is
        // the test's), the plan shows whether the statement can use the full-text index at all.
        await using (var setup = new NpgsqlCommand("SET enable_seqscan = off; DROP INDEX ix_chunks_source, ux_chunks_content, ix_chunks_shared", connection))
        {
            await setup.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN " + PostgresStore.SearchSql, connection);
        foreach (var (name, value) in new (string, object)[]
        {
            ("@query", "orchid"), ("@sandbox", SandboxA), ("@project", DBNull.Value), ("@user", DBNull.Value), ("@excluded", Array.Empty<string>()),
            ("@window", DBNull.Value), ("@limit", 5),
        })
        {
            explain.Parameters.AddWithValue(name, value);
        }

        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        Assert.Contains(plan, line => line.Contains("ix_chunks_search", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Search_text_turns_each_ascii_punctuation_character_into_a_space_and_keeps_every_other_character()
    {
        await SeedTenantsAsync();
        // Every character from U+0001 to U+04FF, one at a time and all together, as the index's parser would get them.
        var characters = Enumerable.Range(1, 0x4FF).Select(c => (char)c).ToArray();
        var expected = characters.Select(c => c is > ' ' and < (char)0x7F && !char.IsAsciiLetterOrDigit(c) ? ' ' : c).ToArray();
        await using var connection = new NpgsqlConnection(Schema.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT search_text(@all), ARRAY(SELECT search_text(c) FROM unnest(@each) AS c)", connection);
        command.Parameters.AddWithValue("@all", new string(characters));
        command.Parameters.AddWithValue("@each", characters.Select(c => c.ToString()).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal(new string(expected), reader.GetString(0));
        Assert.Equal(expected.Select(c => c.ToString()), reader.GetFieldValue<string[]>(1));
    }

    private static ContentQuery SearchFor(string text) => new(SandboxA, text, null, null, new HashSet<string>(), 10);
}
