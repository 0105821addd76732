using System.Text;
using System.Text.Json.Nodes;

namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// Hostile values: strings, numbers, ids and path segments a careless or malicious client sends, and the ways a JSON body
/// gets broken (bad or truncated JSON, wrong types, nulls, megabytes, deep nesting, giant arrays, controls). Never the
/// markers of <see cref="FuzzWorld"/>, so whatever a response contains of them came from the server.
/// </summary>
internal static class Hostile
{
    private static readonly string[] s_strings =
    [
        "", " ", "\t\n", "null", "undefined", "0", "-1", "true", "[]", "{}",
        "\u0000", "a\u0000b", "\u0001\u001f\u007f", "\ud800", "\udfff lone", "\ufeffbom", "\u202eevil\u202c", "zero\u200bwidth",
        "😀🎉 emoji", "e\u0301 combining", "ñ ü ß 漢字 العربية", new string('\u0300', 40),
        "../../etc/passwd", "..\\..\\windows", "%2e%2e%2f", "%00", "%", "%zz", "a/b", "a?b=c", "a#b", "a b",
        "<script>alert(1)</script>", "'; DROP TABLE runs; --", "\" OR 1=1 --", "${jndi:ldap://x}", "{{7*7}}",
        "\n\nevent: agent_finish\ndata: {}\n\n", "\r\nX-Injected: 1", "\"unbalanced", "frost*", "NEAR(frost alerts)",
        "content:frost", "-frost", "( ) { } : ^", "frost AND OR NOT", "sb_", "ds_", "run_", "sess_", "job_", "key_",
    ];

    private static readonly string[] s_numbers =
    [
        "0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "99999999999999999999999",
        "1e3", "1e400", "-0", "1.5", "0.0000001", "NaN", "Infinity", "\"5\"", "\"\"", "true", "null", "[]", "{}",
    ];

    private static readonly string[] s_brokenJson =
    [
        "{", "}", "[", "{\"a\":", "{\"a\":1,}", "{'a':1}", "{a:1}", "// comment\n{}", "{\"a\":1}{\"b\":2}", "\"just a string\"",
        "42", "true", "[]", "[{}]", "{\"a\":NaN}", "{\"a\":\"\\uZZZZ\"}", "{\"a\":\"\\ud800\"}", "\u0000", "<xml/>", "a=1&b=2",
    ];

    public static T Pick<T>(this Random random, params IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static bool Chance(this Random random, double probability) => random.NextDouble() < probability;

    /// <summary>A hostile string, sometimes long (thousands of characters).</summary>
    public static string Text(Random random) => random.Next(10) switch
    {
        0 => new string(random.Pick('a', 'é', '\ud83d', ' ', '\u0000'), random.Next(129, 6000)),
        1 => RandomChars(random, random.Next(1, 64)),
        _ => random.Pick(s_strings),
    };

    /// <summary>An id that is not one: hostile strings, path tricks, wrong prefixes, very long.</summary>
    public static string Id(Random random, string prefix) => random.Next(6) switch
    {
        0 => prefix + "_" + RandomChars(random, 20, "abcdefghijklmnopqrstuvwxyz234567"),
        1 => prefix + "_" + new string('a', random.Next(200, 5000)),
        _ => Text(random),
    };

    /// <summary>A raw path segment (inserted as is, not escaped): traversal, encoded slashes, controls, very long.</summary>
    public static string Segment(Random random) => random.Next(14) switch
    {
        0 => "..",
        1 => "%2e%2e",
        2 => "..%2F..%2Fapi-keys",
        3 => "%2F",
        4 => "a%2Fb",
        5 => "%C0%AE%C0%AE",
        6 => "%FF%FE",
        7 => new string('x', random.Next(1000, 9000)),
        8 => "%E2%80%AE",
        9 => ".",
        10 => "%20",
        11 => "~",
        12 => "%25",
        _ => NoNul(Uri.EscapeDataString(Text(random))) is { Length: > 0 } s ? s : "%20",
    };

    /// <summary>
    /// True for a path with a segment the client resolves as a dot segment (<c>..</c>, <c>%2e%2e</c>, <c>.</c>): the
    /// request then goes to a parent path, so a DELETE of a source would become the DELETE of its sandbox.
    /// </summary>
    public static bool Climbs(string path) =>
        path.Split('?')[0].Split('/').Any(segment => Uri.UnescapeDataString(segment) is "." or "..");

    /// <summary>
    /// The test host refuses a path with an encoded NUL before the server sees it (Kestrel answers such a request 400
    /// itself), so paths carry %01 instead.
    /// </summary>
    public static string NoNul(string path) => path.Replace("%00", "%01", StringComparison.Ordinal);

    /// <summary>A raw JSON value of any kind, for a field that expects something else.</summary>
    public static string AnyJson(Random random) => random.Next(9) switch
    {
        0 => random.Pick(s_numbers),
        1 => "null",
        2 => random.Chance(0.5) ? "true" : "false",
        3 => "[" + string.Join(",", Enumerable.Range(0, random.Next(0, 4)).Select(_ => AnyJson(random))) + "]",
        4 => "{\"x\":" + random.Pick(s_numbers) + "}",
        5 => DeepNesting(random),
        6 => GiantArray(random),
        7 => JsonString(HugeString(random)),
        _ => JsonString(Text(random)),
    };

    /// <summary>A JSON number that may not fit, or a value that is not a number.</summary>
    public static string Number(Random random) => random.Pick(s_numbers);

    public static string JsonString(string value) => JsonValue.Create(value).ToJsonString();

    /// <summary>Broken JSON as bytes: syntax errors, truncations of a valid body, invalid UTF-8, UTF-16.</summary>
    public static byte[] BrokenBody(Random random, string validJson) => random.Next(6) switch
    {
        0 => Encoding.UTF8.GetBytes(random.Pick(s_brokenJson)),
        1 or 2 => Encoding.UTF8.GetBytes(validJson[..random.Next(0, Math.Max(1, validJson.Length))]),
        3 => [0xff, 0xfe, 0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d],
        4 => Encoding.Unicode.GetBytes(validJson),
        _ => [],
    };

    /// <summary>Thousands of nested arrays or objects (beyond any parser's default depth).</summary>
    public static string DeepNesting(Random random)
    {
        var depth = random.Next(65, 20_000);
        return random.Chance(0.5)
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
    }

    /// <summary>An array of tens of thousands of small items.</summary>
    public static string GiantArray(Random random)
    {
        var item = random.Pick("1", "\"x\"", "null", "{}", "[]", "[\"a\",\"b\"]");
        return "[" + string.Join(",", Enumerable.Repeat(item, random.Next(10_000, 100_000))) + "]";
    }

    /// <summary>Hundreds of kilobytes, or more than the server's 1 MiB body limit.</summary>
    public static string HugeString(Random random) => new(random.Pick('a', 'é', ' '), random.Chance(0.5) ? random.Next(100_000, 400_000) : random.Next(1_100_000, 2_000_000));

    private static string RandomChars(Random random, int length, string? alphabet = null)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet is null ? (char)random.Next(0, 0xD7FF) : alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
