using Portage.Core.Errors;

namespace Portage.Core.Tenancy;

/// <summary>Rule 1: the shape of an <c>end_user_id</c>. Portage never interprets it.</summary>
public static class EndUserIds
{
    /// <summary>Longest accepted id.</summary>
    public const int MaxLength = 128;

    /// <summary>Throws 400 <c>invalid_end_user_id</c> unless the id is 1–128 characters of <c>[A-Za-z0-9._~:@-]</c>.</summary>
    public static string Validate(string? endUserId)
    {
        if (string.IsNullOrEmpty(endUserId))
        {
            throw Invalid("end_user_id is required: pass the opaque, stable id of the human this run acts for (for example \"u-123\" or \"org_1:user_7\").");
        }

        if (endUserId.Length > MaxLength)
        {
            throw Invalid($"end_user_id is {endUserId.Length} characters long; the limit is {MaxLength}. Use a shorter stable id, for example a hash of the long one.");
        }

        foreach (var c in endUserId)
        {
            if (!IsAllowed(c))
            {
                throw Invalid($"end_user_id contains '{Printable(c)}'; only letters, digits and . _ ~ : @ - are allowed (URL-safe, ≤128 characters).");
            }
        }

        return endUserId;
    }

    /// <summary>Whether a string is a valid id, without throwing.</summary>
    public static bool IsValid(string? endUserId) =>
        !string.IsNullOrEmpty(endUserId) && endUserId.Length <= MaxLength && endUserId.All(IsAllowed);

    private static bool IsAllowed(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or ':' or '@' or '-';

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"U+{(int)c:X4}" : c.ToString();

    private static PortageException Invalid(string detail) => PortageException.BadRequest("invalid_end_user_id", detail);
}
