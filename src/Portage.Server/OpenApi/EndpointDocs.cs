using Portage.Protocol;
using Portage.Server.OpenAI;

namespace Portage.Server.OpenApi;

/// <summary>
/// What the OpenAPI document cannot read from a handler's signature: bodies are read by <c>JsonBody</c> (for its error
/// messages), results are <see cref="IResult"/>s, and errors are thrown and written by <c>ErrorMiddleware</c>. These
/// conventions declare them, so the document's schemas are the wire's and not empty.
/// </summary>
internal static class EndpointDocs
{
    /// <summary>The media type of every JSON body.</summary>
    public const string Json = "application/json";

    // What any route behind a key can answer before its first byte: bad input, no or bad key, a scope or sandbox the
    // key lacks, a missing resource, a busy database.
    private static readonly int[] s_keyedErrors =
    [
        StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden,
        StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable,
    ];

    /// <summary>Portage's <c>{"error","detail"}</c> for <paramref name="statuses"/> (by default those of any keyed route).</summary>
    public static TBuilder ProducesPortageErrors<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesErrors(typeof(ErrorBody), statuses.Length == 0 ? s_keyedErrors : statuses);

    /// <summary>OpenAI's <c>{"error":{"message","type","param","code"}}</c> for the statuses of any keyed route.</summary>
    public static TBuilder ProducesOpenAIErrors<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesErrors(typeof(OpenAIErrorBody), s_keyedErrors);

    /// <summary>
    /// The route reads a JSON <typeparamref name="TRequest"/>. Not <c>Accepts&lt;T&gt;</c>: that also makes routing refuse
    /// other content types before the handler, whose own 415 and 400 say what to send (see <c>JsonBody</c>).
    /// </summary>
    public static RouteHandlerBuilder ReadsJson<TRequest>(this RouteHandlerBuilder builder, bool optional = false) =>
        builder.WithMetadata(new JsonRequestBody(typeof(TRequest), optional));

    /// <summary>A <c>200 text/event-stream</c> answer; <paramref name="frames"/> says which frames it carries.</summary>
    public static RouteHandlerBuilder ProducesEventStream(this RouteHandlerBuilder builder, string frames) =>
        builder.Produces<string>(StatusCodes.Status200OK, "text/event-stream").WithDescription(frames);

    private static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, Type body, int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, body, [Json]));
        }

        return builder;
    }
}

/// <summary>Documents a route's JSON request body (<see cref="EndpointDocs.ReadsJson"/>); read by <see cref="OpenApiDocument"/>.</summary>
internal sealed record JsonRequestBody(Type Type, bool Optional);
