namespace Portage.Core.Tenancy;

/// <summary>
/// Who a run acts for and where it writes: the one tuple every step of a run is given (tools, retrieval, the commit,
/// memory, the log scope and the trace), so none of them can mix up one tenant's or end user's data with another's
/// (rule 2). Tools find it in <c>AIFunctionArguments.Context[typeof(RunScope)]</c>.
/// </summary>
/// <param name="SandboxId">The run's sandbox.</param>
/// <param name="EndUserId">The end user the run acts for.</param>
/// <param name="WindowId">The run's context window.</param>
/// <param name="SessionId">The session the run continues or starts.</param>
/// <param name="RunId">The run.</param>
public sealed record RunScope(string SandboxId, string EndUserId, string WindowId, string SessionId, string RunId);
