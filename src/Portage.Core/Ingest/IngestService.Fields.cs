using System.Globalization;
using Portage.Core.Errors;

namespace Portage.Core.Ingest;

// The checks of an ingest request's fields, each a 400 that names the field and what to send.
public sealed partial class IngestService
{
    private static (string? Text, string? FilePath) SplitFileHeader(string? text)
    {
        if (text is null || FileHeader().Match(text) is not { Success: true } header)
        {
            return (text, null);
        }

        return (text[header.Length..], header.Groups[1].Value.Trim());
    }

    private static string ValidateSourceType(string? sourceType)
    {
        if (string.IsNullOrWhiteSpace(sourceType))
        {
            return "text";
        }

        var type = sourceType.Trim().ToLowerInvariant();
        if (type.Length > 64 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw PortageException.BadRequest("invalid_source_type",
                "source_type is a short word: text (default), markdown, code, conversation, note, … (letters, digits, _ and -, ≤64).");
        }

        return type;
    }

    private static string? NormalizeFilePath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var normalized = path.Trim().Replace('\\', '/');
        while (normalized.StartsWith("./", StringComparison.Ordinal))
        {
            normalized = normalized[2..];
        }

        if (normalized.Length == 0 || normalized.Length > MaxFilePathLength || normalized.Any(char.IsControl))
        {
            throw PortageException.BadRequest("invalid_file_path", $"file_path must be a file path of 1–{MaxFilePathLength} printable characters, for example docs/guide.md.");
        }

        return normalized;
    }

    private static DateTimeOffset? ParseOccurredAt(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            throw PortageException.BadRequest("invalid_occurred_at", $"occurred_at '{value}' is not an ISO-8601 time; send for example 2025-03-14T09:26:53Z.");
        }

        return at;
    }

    private static List<string>? ValidateParticipants(IReadOnlyList<string>? participants)
    {
        if (participants is null)
        {
            return null;
        }

        if (participants.Count > MaxParticipants || participants.Any(p => string.IsNullOrWhiteSpace(p) || p.Length > MaxNameLength))
        {
            throw PortageException.BadRequest("invalid_participants",
                $"participants is a list of at most {MaxParticipants} names, each 1–{MaxNameLength} characters.");
        }

        return [.. participants.Select(p => p.Trim())];
    }

    private static string? Optional(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Length == 0 || trimmed.Length > MaxNameLength)
        {
            throw PortageException.BadRequest($"invalid_{field}", $"{field} must be 1–{MaxNameLength} characters, or omitted.");
        }

        return trimmed;
    }
}
