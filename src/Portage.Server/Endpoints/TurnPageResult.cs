using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Portage.Core.Windows;
using Portage.Protocol;

namespace Portage.Server.Endpoints;

/// <summary>
/// One page of <c>GET …/sources/{id}/turns</c>, written to the response while it is read from the store: at most
/// <c>limit</c> turns after <c>after_seq</c> and at most <see cref="MaxPageBytes"/> of turn JSON, but always the first
/// turn, so a turn larger than a page still comes through alone. The body keeps the fields of the whole-window answer
/// (<c>context_window_id</c>, <c>end_user_id</c>, <c>turns</c>, <c>count</c>) and adds <c>has_more</c> and
/// <c>next_after_seq</c> (the last seq of the page, null on the last page).
/// </summary>
internal sealed class TurnPageResult(IWindowStore windows, WindowRecord window, long afterSeq, int limit) : IResult
{
    /// <summary>The byte budget of one page's turns.</summary>
    public const int MaxPageBytes = 4 * 1024 * 1024;

    // The store is read a few turns at a time, so the server holds about one page, not `limit` turns of any size. The
    // first read is small (its turns' size is unknown); later ones are sized by the turns seen to fill what is left.
    private const int FirstRead = 4;
    private const int MaxRead = 100;
    private const int FlushBytes = 64 * 1024;

    private static readonly JsonEncodedText s_windowId = JsonEncodedText.Encode("context_window_id");
    private static readonly JsonEncodedText s_endUserId = JsonEncodedText.Encode("end_user_id");
    private static readonly JsonEncodedText s_turns = JsonEncodedText.Encode("turns");
    private static readonly JsonEncodedText s_count = JsonEncodedText.Encode("count");
    private static readonly JsonEncodedText s_hasMore = JsonEncodedText.Encode("has_more");
    private static readonly JsonEncodedText s_nextAfterSeq = JsonEncodedText.Encode("next_after_seq");

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var ct = httpContext.RequestAborted;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        var body = httpContext.Response.BodyWriter;
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteString(s_windowId, window.Id);
        json.WriteString(s_endUserId, window.EndUserId);
        json.WriteStartArray(s_turns);
        var (count, next) = await WriteTurnsAsync(json, body, ct);
        json.WriteEndArray();
        json.WriteNumber(s_count, count);
        json.WriteBoolean(s_hasMore, next is not null);
        if (next is { } seq)
        {
            json.WriteNumber(s_nextAfterSeq, seq);
        }
        else
        {
            json.WriteNull(s_nextAfterSeq);
        }

        json.WriteEndObject();
        json.Flush();
        await body.FlushAsync(ct);
    }

    // Writes the page's turns; returns how many, and the seq to continue after when more follow.
    private async Task<(int Count, long? Next)> WriteTurnsAsync(Utf8JsonWriter json, PipeWriter body, CancellationToken ct)
    {
        var turn = new ArrayBufferWriter<byte>();
        await using var turnJson = new Utf8JsonWriter(turn);
        var (written, bytes, last, read) = (0, 0L, afterSeq, FirstRead);
        while (true)
        {
            // One turn more than the limit leaves room says whether another page follows.
            var want = Math.Min(read, limit - written + 1);
            var turns = await windows.ListTurnsAsync(window.SandboxId, window.Id, last, want, ct);
            foreach (var record in turns)
            {
                if (written == limit)
                {
                    return (written, last);
                }

                turn.ResetWrittenCount();
                turnJson.Reset();
                JsonSerializer.Serialize(turnJson, SourceDtos.ToDto(record), ProtocolJson.Wire.WindowTurn);
                turnJson.Flush();
                if (written > 0 && bytes + turn.WrittenCount > MaxPageBytes)
                {
                    return (written, last);
                }

                json.WriteRawValue(turn.WrittenSpan, skipInputValidation: true);
                (written, bytes, last) = (written + 1, bytes + turn.WrittenCount, record.Seq);
                if (json.BytesPending >= FlushBytes)
                {
                    json.Flush();
                    await body.FlushAsync(ct);
                }
            }

            if (turns.Count < want)
            {
                return (written, null);
            }

            read = (int)Math.Clamp((MaxPageBytes - bytes) / Math.Max(bytes / written, 1) + 1, 1, MaxRead);
        }
    }
}
