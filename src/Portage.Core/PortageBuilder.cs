using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portage.Core;

/// <summary>Returned by <c>AddPortage</c>, so stores and providers chain: <c>AddPortage(c).AddEcho().UseSqlite(…)</c>.</summary>
/// <param name="Services">The service collection.</param>
/// <param name="Configuration">The configuration the engine binds its options from.</param>
public sealed record PortageBuilder(IServiceCollection Services, IConfiguration Configuration);
