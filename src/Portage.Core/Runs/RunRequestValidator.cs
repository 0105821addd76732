using Microsoft.Extensions.Options;
using Portage.Core.Errors;
using Portage.Core.Providers;
using Portage.Core.Tenancy;
using Portage.Core.Windows;
using Portage.Protocol.Runs;

namespace Portage.Core.Runs;

/// <summary>
/// The one validation of a run request, all of it, before anything is read or written: everything it throws is a 400
/// naming the field and what to send instead.
/// </summary>
public sealed partial class RunRequestValidator(ProviderRegistry providers, IOptions<RunOptions> options)
{
    /// <summary>Longest accepted <c>idempotency_key</c>.</summary>
    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>Checks <paramref name="request"/> and returns it resolved, or throws <see cref="PortageException"/>.</summary>
    public RunRequest Validate(AgentRunRequest request) => Validate(request, gateway: false);

    /// <summary>
    /// Checks the request of a gateway call (<see cref="GatewayCalls"/>): as a run's, except that it names no end user
    /// (<see cref="RunRequest.EndUserId"/> is empty).
    /// </summary>
    public RunRequest ValidateGateway(AgentRunRequest request) => Validate(request, gateway: true);

    private RunRequest Validate(AgentRunRequest request, bool gateway)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cancelOnDisconnect = OnDisconnectPolicy(request.OnDisconnect);
        var key = IdempotencyKey(request.IdempotencyKey);
        var messages = UserMessages(request);
        var endUserId = gateway && request.EndUserId is null ? "" : EndUserIds.Validate(request.EndUserId);
        ModelNames.Validate(request.Model);
        var (provider, model) = ResolveProvider(request);
        if (request.MaxTokens is <= 0)
        {
            throw PortageException.BadRequest("invalid_max_tokens", "max_tokens must be a positive integer, or omitted for the model's default.");
        }

        return new RunRequest
        {
            EndUserId = endUserId,
            UserMessages = messages,
            Provider = provider,
            Model = model,
            SystemPrompt = request.SystemPrompt ?? "",
            MaxTokens = request.MaxTokens,
            ReasoningEngineId = Trimmed(request.ReasoningEngineId),
            Location = Trimmed(request.Location),
            Window = new WindowReference(request.ContextWindowId, request.SessionId, request.NewWindow == true),
            IdempotencyKey = key,
            Fingerprint = key is null ? null : RunRequestFingerprint.Of(request),
            CancelOnDisconnect = cancelOnDisconnect,
        };
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private List<string> UserMessages(AgentRunRequest request)
    {
        if (request.Messages is null || request.Messages.Count == 0)
        {
            throw PortageException.BadRequest("invalid_messages",
                "messages is required: a list with at least one {\"role\": \"user\", \"content\": \"...\"}.");
        }

        // Each message becomes a turn: one body must not fan out into thousands of them.
        var limit = options.Value.MaxMessagesPerRun;
        if (request.Messages.Count > limit)
        {
            throw PortageException.BadRequest("too_many_messages",
                $"messages has {request.Messages.Count} entries; a run takes at most {limit} (Runs:MaxMessagesPerRun). Send the new user message only: " +
                "earlier turns come from the context window (pass session_id), and documents go to the ingest endpoint.");
        }

        var texts = new List<string>(request.Messages.Count);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null)
            {
                throw PortageException.BadRequest("invalid_messages", $"messages[{i}] is null; each message is {{\"role\": \"user\", \"content\": \"...\"}}.");
            }

            if (!string.Equals(message.Role, "user", StringComparison.Ordinal))
            {
                throw PortageException.BadRequest("invalid_messages",
                    $"messages[{i}].role is '{message.Role}'; only 'user' is accepted. Earlier turns come from the context window: pass session_id instead of resending history.");
            }

            if (string.IsNullOrWhiteSpace(message.Content))
            {
                throw PortageException.BadRequest("invalid_messages", $"messages[{i}].content is empty; send the user's text.");
            }

            texts.Add(message.Content);
        }

        return texts;
    }

    private static bool OnDisconnectPolicy(string? value) => value switch
    {
        null or "cancel" => true,
        "continue" => false,
        _ => throw PortageException.BadRequest("invalid_on_disconnect",
            "on_disconnect is \"cancel\" (the default: a client disconnect stops the run) or \"continue\" (the run finishes and can be re-joined at GET …/agents/runs/{run_id}/events)."),
    };

    private static string? IdempotencyKey(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length is 0 or > MaxIdempotencyKeyLength || value.Any(char.IsControl) || string.IsNullOrWhiteSpace(value))
        {
            throw PortageException.BadRequest("invalid_idempotency_key",
                $"idempotency_key is 1–{MaxIdempotencyKeyLength} printable characters (for example a UUID the client makes once per turn and reuses on retry).");
        }

        return value;
    }
}
