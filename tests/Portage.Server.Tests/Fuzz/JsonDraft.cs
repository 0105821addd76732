using System.Text;

namespace Portage.Server.Tests.Fuzz;

/// <summary>
/// A JSON object kept as raw field texts, so a field can become anything — a wrong type, megabytes, deep nesting — and
/// the object can be broken as a whole; <see cref="Mutate"/> says what it did.
/// </summary>
internal sealed class JsonDraft
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    /// <summary>Adds a string field (JSON-escaped).</summary>
    public JsonDraft Str(string name, string? value) => value is null ? this : Raw(name, Hostile.JsonString(value));

    /// <summary>Adds a field whose value is given as JSON text.</summary>
    public JsonDraft Raw(string name, string json)
    {
        _fields.Add(new(name, json));
        return this;
    }

    public string ToJson() => "{" + string.Join(",", _fields.Select(f => Hostile.JsonString(f.Key) + ":" + f.Value)) + "}";

    /// <summary>The body to send: the valid object, or one broken in a random way (named in <paramref name="tricks"/>).</summary>
    public byte[] Mutate(Random random, List<string> tricks)
    {
        if (random.Chance(0.55))
        {
            return Encoding.UTF8.GetBytes(ToJson());
        }

        switch (random.Next(6))
        {
            case 0:
                tricks.Add("broken JSON");
                return Hostile.BrokenBody(random, ToJson());
            case 1:
                tricks.Add("top-level " + random.Pick("array", "string", "number", "null"));
                return Encoding.UTF8.GetBytes(random.Pick("[]", "[" + ToJson() + "]", "\"text\"", "17", "null"));
            case 2:
                tricks.Add("empty body");
                return [];
            case 3:
                tricks.Add("unknown and duplicate fields");
                _fields.Add(new("unexpected_" + random.Next(100), Hostile.AnyJson(random)));
                if (_fields.Count > 1)
                {
                    _fields.Add(new(_fields[random.Next(_fields.Count - 1)].Key, Hostile.AnyJson(random)));
                }

                return Encoding.UTF8.GetBytes(ToJson());
            default:
                ReplaceField(random, tricks);
                return Encoding.UTF8.GetBytes(ToJson());
        }
    }

    // One field becomes something else: null, missing, megabytes, deep nesting, a giant array, hostile text or numbers,
    // any other JSON kind.
    private void ReplaceField(Random random, List<string> tricks)
    {
        if (_fields.Count == 0)
        {
            return;
        }

        var field = random.Next(_fields.Count);
        var (trick, value) = random.Next(8) switch
        {
            0 => ("missing", null),
            1 => ("null", "null"),
            2 => ("huge string", Hostile.JsonString(Hostile.HugeString(random))),
            3 => ("deep nesting", Hostile.DeepNesting(random)),
            4 => ("giant array", Hostile.GiantArray(random)),
            5 => ("hostile string", Hostile.JsonString(Hostile.Text(random))),
            6 => ("hostile number", Hostile.Number(random)),
            _ => ("wrong type", Hostile.AnyJson(random)),
        };
        tricks.Add($"{trick} in {_fields[field].Key}");
        if (value is null)
        {
            _fields.RemoveAt(field);
        }
        else
        {
            _fields[field] = new(_fields[field].Key, value);
        }
    }
}
