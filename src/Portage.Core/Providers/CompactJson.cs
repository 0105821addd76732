using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Portage.Core.Providers;

/// <summary>
/// MEAI's JSON options without indentation: what is stored (transcripts, tool arguments and results) and what is sent
/// to a model again costs tokens every time, so it is written compact everywhere.
/// </summary>
public static class CompactJson
{
    /// <summary>The options (a copy of <see cref="AIJsonUtilities.DefaultOptions"/> with <c>WriteIndented = false</c>).</summary>
    public static JsonSerializerOptions Options { get; } = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };
}
