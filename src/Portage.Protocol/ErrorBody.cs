namespace Portage.Protocol;

/// <summary>The body of every non-2xx answer: a snake_case error type and a detail that says what to do.</summary>
/// <param name="Error">Machine-readable type, for example <c>invalid_end_user_id</c>.</param>
/// <param name="Detail">Human-readable explanation with the fix.</param>
public sealed record ErrorBody(string Error, string Detail);

/// <summary>Generic answer of state-changing calls such as archive.</summary>
/// <param name="Success">Whether the call took effect (also true when it was already in effect).</param>
/// <param name="Message">Optional explanation.</param>
public sealed record StatusResponse(bool Success, string? Message = null);
