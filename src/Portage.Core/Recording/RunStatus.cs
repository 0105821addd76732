namespace Portage.Core.Recording;

/// <summary>Rule 10: the statuses of a run.</summary>
public static class RunStatus
{
    /// <summary>In progress.</summary>
    public const string Running = "running";

    /// <summary>Finished normally.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The provider failed.</summary>
    public const string Failed = "failed";

    /// <summary>The client disconnected.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The run exceeded its time limit.</summary>
    public const string Timeout = "timeout";

    /// <summary>The process died while the run was in progress.</summary>
    public const string Interrupted = "interrupted";
}
