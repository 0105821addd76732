using System.Security.Cryptography;
using System.Text;
using Portage.Core.Providers;

namespace Portage.Core.Ingest;

/// <summary>What the chunker cuts: one ingested text and where it belongs.</summary>
/// <param name="SandboxId">Owner sandbox (part of every chunk id).</param>
/// <param name="DataSourceId">The data source, if any (part of every chunk id).</param>
/// <param name="EndUserId">The end user of conversation memory, if any (part of every chunk id).</param>
/// <param name="Text">The text.</param>
/// <param name="SourceType">The advisory type: <c>markdown</c>, <c>code</c>, <c>conversation</c>, <c>text</c>, …</param>
/// <param name="FilePath">The source file, if any (relative, <c>/</c>-separated).</param>
/// <param name="Speaker">Who said it, for conversation turns.</param>
public sealed record ChunkInput(string SandboxId, string? DataSourceId, string? EndUserId, string Text, string SourceType, string? FilePath, string? Speaker = null);

/// <summary>A chunk before it is stored.</summary>
/// <param name="CanonicalPath">Root → leaf canonical ids; the last is the chunk's own id.</param>
/// <param name="Breadcrumb">Human path, <c>guide.md › Install › Linux</c>.</param>
/// <param name="Content">The chunk text.</param>
/// <param name="ContentHash">SHA-256 (lower-case hex) of <paramref name="Content"/>.</param>
/// <param name="TokenEstimate">Approximate tokens.</param>
public sealed record TextChunk(IReadOnlyList<string> CanonicalPath, string Breadcrumb, string Content, string ContentHash, int TokenEstimate)
{
    /// <summary>The chunk's canonical id (the leaf of <see cref="CanonicalPath"/>).</summary>
    public string Id => CanonicalPath[^1];
}

/// <summary>
/// Cuts text into retrievable chunks by its structure, within a token budget:
/// Markdown by headings (breadcrumb <c>file › H1 › H2</c>), then paragraphs, fenced code blocks kept whole when they fit;
/// code (by <c>source_type: code</c> or file extension) into top-level units separated by blank lines; anything else
/// into paragraphs. A section longer than the budget becomes several chunks that overlap.
/// </summary>
/// <remarks>
/// Canonical ids are derived, so ingesting the same text again yields the same ids: the root is <c>file:&lt;path&gt;</c>
/// (or <c>doc:&lt;hash&gt;</c> without a path, <c>conversation:&lt;source&gt;</c> for turns), then one
/// <c>section:&lt;path&gt;#&lt;slug&gt;</c> per heading level (or <c>symbol:&lt;path&gt;#&lt;name&gt;</c> for code), then the leaf
/// <c>chunk:&lt;hash&gt;</c>, a hash of sandbox, data source, end user, path and content.
/// </remarks>
public sealed class Chunker
{
    /// <summary>The separator of breadcrumb parts.</summary>
    public const string BreadcrumbSeparator = " › ";

    private const int CharsPerToken = 4;

    private readonly ChunkPacker _packer;

    /// <summary>Creates a chunker.</summary>
    /// <param name="maxTokens">Budget of one chunk (estimated tokens; about 4 characters each).</param>
    /// <param name="overlapTokens">How much of the previous chunk a continued section repeats.</param>
    public Chunker(int maxTokens = 400, int overlapTokens = 40)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 16);
        ArgumentOutOfRangeException.ThrowIfNegative(overlapTokens);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlapTokens, maxTokens / 2);
        _packer = new ChunkPacker(maxTokens * CharsPerToken, overlapTokens * CharsPerToken);
    }

    /// <summary>How a text is cut: <c>markdown</c>, <c>code</c>, <c>conversation</c> or <c>text</c>.</summary>
    public static string ModeOf(string sourceType, string? filePath)
    {
        var type = sourceType.ToLowerInvariant();
        if (type is "markdown" or "code" or "conversation")
        {
            return type;
        }

        var extension = Path.GetExtension(filePath ?? string.Empty).ToLowerInvariant();
        if (extension is ".md" or ".markdown" or ".mdx" or ".mdown")
        {
            return "markdown";
        }

        return CodeBlocks.IsCodePath(filePath) ? "code" : "text";
    }

    /// <summary>The chunks of one text, in document order.</summary>
    public IReadOnlyList<TextChunk> Chunk(ChunkInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = input.Text.ReplaceLineEndings("\n");
        var mode = ModeOf(input.SourceType, input.FilePath);
        var root = input.FilePath is not null ? $"file:{input.FilePath}"
            : mode == "conversation" ? $"conversation:{input.DataSourceId ?? "none"}"
            : $"doc:{Hex(Sha256(text))[..16]}";
        var key = input.FilePath ?? root;
        var label = input.FilePath is not null ? Path.GetFileName(input.FilePath) : mode == "conversation" ? "conversation" : "document";

        var chunks = new List<TextChunk>();
        switch (mode)
        {
            case "markdown":
                foreach (var section in MarkdownSections.Parse(text, headings: true))
                {
                    List<string> path = [root, .. section.Slugs.Select(slug => $"section:{key}#{slug}")];
                    var breadcrumb = string.Join(BreadcrumbSeparator, [label, .. section.Headings]);
                    Add(chunks, input, path, breadcrumb, _packer.Pack(section.Blocks));
                }

                break;
            case "code":
                var pieces = _packer.Pack(CodeBlocks.Units(text));
                foreach (var piece in pieces)
                {
                    var name = CodeBlocks.DeclaredName(piece);
                    List<string> path = name is null ? [root] : [root, $"symbol:{key}#{name}"];
                    Add(chunks, input, path, name is null ? label : label + BreadcrumbSeparator + name, [piece]);
                }

                break;
            default:
                var crumb = mode == "conversation" && !string.IsNullOrWhiteSpace(input.Speaker) ? label + BreadcrumbSeparator + input.Speaker : label;
                foreach (var section in MarkdownSections.Parse(text, headings: false))
                {
                    Add(chunks, input, [root], crumb, _packer.Pack(section.Blocks));
                }

                break;
        }

        return chunks;
    }

    /// <summary>SHA-256 of UTF-8 text as lower-case hex: the content hash of a chunk.</summary>
    public static string HashOf(string content) => Hex(Sha256(content));

    private static void Add(List<TextChunk> chunks, ChunkInput input, List<string> path, string breadcrumb, List<string> contents)
    {
        foreach (var content in contents)
        {
            var hash = HashOf(content);
            var leaf = "chunk:" + Hex(Sha256(string.Join('\n', input.SandboxId, input.DataSourceId, input.EndUserId, input.FilePath, hash)))[..20];
            chunks.Add(new TextChunk([.. path, leaf], breadcrumb, content, hash, TokenEstimator.Estimate(content)));
        }
    }

    private static byte[] Sha256(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
