using System.Text.Json;
using Portage.Core.Errors;
using Portage.Core.Recording;
using Portage.Core.Runs;
using Portage.Core.Windows;
using Portage.Protocol;
using Portage.Protocol.Runs;

namespace Portage.Server.OpenAI.Responses;

/// <summary>
/// Responses read back: every run of a sandbox is a response (<see cref="ResponseIds"/>), unless deleted. Its output
/// is the run's assistant turn as the stream showed it (text as <c>message</c> items, the router's tools as
/// <c>mcp_call</c> items), its input items the run's user turns.
/// </summary>
internal sealed class StoredResponses(IRunStore runs, IResponseStore responses, TimeProvider time)
{
    // A response continued from an older one would silently carry the newer turns along (the window keeps one line of
    // conversation), so only the newest answered response of its window can be continued.
    private const int NewerRunsRead = 50;

    /// <summary>
    /// The run of <paramref name="responseId"/>, to continue: 404 <c>previous_response_not_found</c> when the sandbox
    /// has no such response for this end user (another end user's is answered as a missing one, rule 2), 409
    /// <c>previous_response_superseded</c> when a newer response of its conversation was answered.
    /// </summary>
    public async Task<RunRecord> PreviousAsync(string sandboxId, string responseId, string endUserId, CancellationToken cancellationToken)
    {
        var (run, _) = await FindAsync(sandboxId, responseId, cancellationToken);
        if (run is null || run.EndUserId != endUserId)
        {
            throw new OpenAIRequestException(ErrorKind.NotFound, "previous_response_not_found",
                $"Previous response with id '{responseId}' not found (for this user).", "previous_response_id");
        }

        var newest = await runs.ListRunsAsync(sandboxId, new RunFilter(WindowId: run.WindowId), null, NewerRunsRead, cancellationToken);
        var newer = newest.TakeWhile(r => r.Id != run.Id).FirstOrDefault(r => r.Status == RunStatus.Succeeded);
        if (newer is not null || newest.All(r => r.Id != run.Id))
        {
            var latest = newer ?? newest.First(r => r.Status == RunStatus.Succeeded);
            throw new OpenAIRequestException(ErrorKind.Conflict, "previous_response_superseded",
                $"Response '{responseId}' was already continued: its conversation went on to '{ResponseIds.Of(latest.Id)}'. Portage keeps one line of conversation " +
                "per window, so continue from the newest response (previous_response_id), or start a new conversation by leaving previous_response_id out.",
                "previous_response_id");
        }

        return run;
    }

    /// <summary>The response object of a run, or 404.</summary>
    public async Task<ResponseObject> GetAsync(string sandboxId, string responseId, CancellationToken cancellationToken)
    {
        var (run, details) = await RequireAsync(sandboxId, responseId, cancellationToken);
        var turns = await responses.ListRunTurnsAsync(sandboxId, run.WindowId, run.Id, cancellationToken);
        var assembler = new ResponseAssembler(new ResponseObject
        {
            Id = ResponseIds.Of(run.Id),
            CreatedAt = run.StartedAt.ToUnixTimeSeconds(),
            Status = "in_progress",
            Model = $"{run.Provider}/{run.Model}",
            Instructions = details?.Instructions,
            PreviousResponseId = details?.PreviousResponseId,
            User = run.EndUserId,
            Metadata = details?.MetadataJson is { } metadata
                ? JsonSerializer.Deserialize(metadata, ResponsesJson.Default.IReadOnlyDictionaryStringString)!
                : new Dictionary<string, string>(),
            Conversation = new ConversationRef(run.WindowId),
        });
        foreach (var part in turns.Where(t => t.Role == TurnRole.Assistant).SelectMany(t => t.Parts))
        {
            _ = assembler.Add(EventOf(part)).Count();
        }

        var usage = run.UsageJson is { } json ? JsonSerializer.Deserialize(json, ProtocolJson.Wire.Usage)! : new Usage();
        _ = (run.Status switch
        {
            RunStatus.Running => [],
            RunStatus.Succeeded or RunStatus.Timeout => assembler.Finish(run.StopReason ?? (run.Status == RunStatus.Timeout ? "timeout" : "end_turn"), usage),
            RunStatus.Cancelled => assembler.Fail("run_cancelled", run.Error ?? "The run was cancelled.", "cancelled"),
            RunStatus.Interrupted => assembler.Fail("run_interrupted", run.Error ?? "The server stopped while the run was in progress."),
            _ => assembler.Fail("provider_error", run.Error ?? "The run failed."),
        }).Count();
        return assembler.Response with { Usage = run.UsageJson is null ? null : ResponseAssembler.UsageOf(usage) };
    }

    /// <summary>A page of the response's input items (its user turns), newest first unless <paramref name="ascending"/>, after the item <paramref name="after"/>.</summary>
    public async Task<ResponseItemList> InputItemsAsync(string sandboxId, string responseId, int limit, bool ascending, string? after, CancellationToken cancellationToken)
    {
        var (run, _) = await RequireAsync(sandboxId, responseId, cancellationToken);
        var turns = await responses.ListRunTurnsAsync(sandboxId, run.WindowId, run.Id, cancellationToken);
        var suffix = ResponseIds.Of(run.Id)["resp_".Length..];
        var items = turns.Where(t => t.Role == TurnRole.User)
            .Select(t => new ResponseItem
            {
                Type = "message", Id = $"msg_{suffix}_in{t.Seq}", Status = "completed", Role = "user", Content = [new ContentPart("input_text", t.Text)],
            })
            .ToList();
        if (!ascending)
        {
            items.Reverse();
        }

        var start = after is null ? 0 : items.FindIndex(i => i.Id == after) + 1;
        var page = items.Skip(start).Take(limit).ToList();
        return new ResponseItemList(page, page.FirstOrDefault()?.Id, page.LastOrDefault()?.Id, start + page.Count < items.Count);
    }

    /// <summary>Deletes the response (the run and its turns stay in the window), or 404.</summary>
    public async Task<ResponseDeleted> DeleteAsync(string sandboxId, string responseId, CancellationToken cancellationToken)
    {
        var (run, _) = await RequireAsync(sandboxId, responseId, cancellationToken);
        await responses.DeleteResponseAsync(sandboxId, run.Id, time.GetUtcNow(), cancellationToken);
        return new ResponseDeleted(responseId);
    }

    private async Task<(RunRecord Run, ResponseDetails? Details)> RequireAsync(string sandboxId, string responseId, CancellationToken cancellationToken) =>
        await FindAsync(sandboxId, responseId, cancellationToken) is ({ } run, var details)
            ? (run, details)
            : throw new OpenAIRequestException(ErrorKind.NotFound, "response_not_found", $"Response with id '{responseId}' not found.", null);

    // A run of the sandbox whose response was not deleted, with the response's details (null for a run not started here).
    private async Task<(RunRecord? Run, ResponseDetails? Details)> FindAsync(string sandboxId, string responseId, CancellationToken cancellationToken)
    {
        var runId = ResponseIds.RunIdOf(responseId);
        var run = runId is null ? null : await runs.GetRunAsync(sandboxId, runId, cancellationToken);
        var record = run is null ? null : await responses.GetResponseAsync(sandboxId, run.Id, cancellationToken);
        return run is null || record?.DeletedAt is not null ? (null, null) : (run, record?.Details);
    }

    private static AgentEvent EventOf(TurnPart part) => part.Type switch
    {
        TurnPartType.ToolCall => new AgentToolCall(part.CallId ?? "", part.Name ?? "", Json(part.ArgumentsJson)),
        TurnPartType.ToolResult => new AgentToolResult(part.CallId ?? "", part.Name ?? "", Json(part.ResultJson)) { Error = part.Error },
        _ => new AgentTextDelta(part.Text ?? ""),
    };

    private static JsonElement Json(string? json) => JsonDocument.Parse(json ?? "null").RootElement.Clone();
}
