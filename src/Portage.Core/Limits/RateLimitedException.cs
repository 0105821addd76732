using Portage.Core.Errors;

namespace Portage.Core.Limits;

/// <summary>429 <c>rate_limited</c>: a rate limit is reached for this minute; <c>Retry-After</c> says when the next one starts.</summary>
public sealed class RateLimitedException(string detail) : PortageException(ErrorKind.TooManyRequests, "rate_limited", detail);
