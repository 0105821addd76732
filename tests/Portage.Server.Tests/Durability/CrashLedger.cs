using System.Text;
using System.Text.Json;
using Portage.Testing;

namespace Portage.Server.Tests.Durability;

/// <summary>What the client saw of one run.</summary>
internal sealed class Attempt(string message)
{
    private readonly StringBuilder _text = new();

    public string Message => message;

    public string? RunId { get; private set; }

    public bool Finished { get; private set; }

    public int Frames { get; private set; }

    public int Deltas { get; private set; }

    public string Text => _text.ToString();

    public string KilledAt { get; set; } = "before the request";

    /// <summary>The <c>id:</c> of the last frame seen, what a client sends back as <c>Last-Event-ID</c>.</summary>
    public string? LastEventId { get; private set; }

    public void See(SseFrame frame)
    {
        if (frame.Event == ":")
        {
            return;
        }

        Frames++;
        LastEventId = frame.Id ?? LastEventId;
        switch (frame.Event)
        {
            case "run_started":
                RunId = frame.Json.GetProperty("run_id").GetString();
                break;
            case "agent_text_delta":
                Deltas++;
                _text.Append(frame.Json.GetProperty("text").GetString());
                break;
            case "agent_finish":
                Finished = true;
                break;
            default:
                break;
        }
    }

    public override string ToString() =>
        $"killed {KilledAt}: {(RunId is null ? "no run_started seen" : RunId)}, {Deltas} deltas{(Finished ? ", agent_finish seen" : "")}";
}

/// <summary>The client's record: the runs it saw start, in order; those it saw finish are committed.</summary>
internal sealed class Ledger
{
    public List<Attempt> Started { get; } = [];

    public IEnumerable<Attempt> Committed => Started.Where(a => a.Finished);

    public void Add(Attempt attempt)
    {
        if (attempt.RunId is not null)
        {
            Started.Add(attempt);
        }
    }
}

/// <summary>A turn as <c>GET …/sources/{id}/turns</c> returns it.</summary>
internal sealed record StoredTurn(string Role, string Status, string Text, string? RunId)
{
    public static StoredTurn From(JsonElement t) => new(
        t.GetProperty("role").GetString()!, t.GetProperty("status").GetString()!, t.GetProperty("text").GetString()!,
        t.TryGetProperty("run_id", out var run) && run.ValueKind == JsonValueKind.String ? run.GetString() : null);
}
