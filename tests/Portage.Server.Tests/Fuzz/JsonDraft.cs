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

        var field = _fields.Count == 0 ? -1 : random.Next(_fields.Count);
        string Named(string what) => field < 0 ? what : $"{what} in {_fields[field].Key}";
        switch (random.Next(12))
        {
            case 0:
                tricks.Add("broken JSON");
                return Hostile.BrokenBody(random, ToJson());
            case 1:
                tricks.Add("top-level " + random.Pick("array", "string", "number", "null"));
                return Encoding.UTF8.GetBytes(random.Pick("[]", "[" + ToJson() + "]", "\"text\"", "17", "null"));
            case 2 when field >= 0:
                tricks.Add(Named("null"));
                _fields[field] = new(_fields[field].Key, "null");
                break;
            case 3 when field >= 0:
                tricks.Add(Named("missing"));
                _fields.RemoveAt(field);
                break;
            case 4 when field >= 0:
                tricks.Add(Named("huge string"));
                _fields[field] = new(_fields[field].Key, Hostile.JsonString(Hostile.HugeString(random)));
                break;
            case 5 when field >= 0:
                tricks.Add(Named("deep nesting"));
                _fields[field] = new(_fields[field].Key, Hostile.DeepNesting(random));
                break;
            case 6 when field >= 0:
                tricks.Add(Named("giant array"));
                _fields[field] = new(_fields[field].Key, Hostile.GiantArray(random));
                break;
            case 7:
                tricks.Add("unknown and duplicate fields");
                _fields.Add(new("unexpected_" + random.Next(100), Hostile.AnyJson(random)));
                if (field >= 0)
                {
                    _fields.Add(new(_fields[field].Key, Hostile.AnyJson(random)));
                }

                break;
            case 8 when field >= 0:
                tricks.Add(Named("hostile string"));
                _fields[field] = new(_fields[field].Key, Hostile.JsonString(Hostile.Text(random)));
                break;
            case 9 when field >= 0:
                tricks.Add(Named("hostile number"));
                _fields[field] = new(_fields[field].Key, Hostile.Number(random));
                break;
            case 10:
                tricks.Add("empty body");
                return [];
            default:
                if (field >= 0)
                {
                    tricks.Add(Named("wrong type"));
                    _fields[field] = new(_fields[field].Key, Hostile.AnyJson(random));
                }

                break;
        }

        return Encoding.UTF8.GetBytes(ToJson());
    }
}
