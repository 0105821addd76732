namespace Portage.Core.Tools;

/// <summary>
/// Who a tool call runs for. Tools find it in <c>AIFunctionArguments.Context[typeof(ToolRunContext)]</c>, so a tool
/// that reads or writes tenant data stays inside the run's sandbox and end user (rule 2).
/// </summary>
/// <param name="SandboxId">The run's sandbox.</param>
/// <param name="EndUserId">The end user the run acts for.</param>
/// <param name="WindowId">The run's context window.</param>
/// <param name="RunId">The run.</param>
public sealed record ToolRunContext(string SandboxId, string EndUserId, string WindowId, string RunId);
