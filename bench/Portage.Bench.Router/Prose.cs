using System.Text;

namespace Portage.Bench.Router;

/// <summary>
/// Filler text of a given length: lower-case words picked by a seed, so that messages differ from turn to turn while
/// every run of the bench sends the same ones. Letters and spaces only, so it goes into JSON strings as it is.
/// </summary>
internal static class Prose
{
    private static readonly string[] s_words =
    [
        "river", "delta", "basin", "current", "bank", "flood", "plain", "valley", "source", "mouth", "channel", "bend",
        "water", "stone", "bridge", "harbour", "ferry", "lock", "weir", "mill", "meadow", "willow", "heron", "trout",
        "spring", "summer", "autumn", "winter", "north", "south", "east", "west", "upstream", "downstream", "slow", "fast",
        "the", "a", "of", "and", "to", "in", "with", "from", "near", "after", "before", "where", "when", "which",
        "measured", "mapped", "crossed", "followed", "described", "recorded", "changed", "carried", "shaped", "drained",
    ];

    /// <summary>Exactly <paramref name="chars"/> characters of words and spaces (none for 0 or less).</summary>
    public static string Words(int seed, int chars)
    {
        if (chars <= 0)
        {
            return "";
        }

        // Not security relevant: the seed only makes the filler repeatable.
#pragma warning disable CA5394
        var random = new Random(seed);
        var text = new StringBuilder(chars + 16);
        while (text.Length < chars)
        {
            text.Append(s_words[random.Next(s_words.Length)]).Append(' ');
        }
#pragma warning restore CA5394

        return text.ToString(0, chars);
    }
}
