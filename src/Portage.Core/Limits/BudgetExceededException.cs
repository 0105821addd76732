using Portage.Core.Errors;

namespace Portage.Core.Limits;

/// <summary>402 <c>budget_exceeded</c>: a run would pass a spending budget in enforce mode; nothing was started.</summary>
public sealed class BudgetExceededException(string detail) : PortageException(ErrorKind.PaymentRequired, "budget_exceeded", detail);
