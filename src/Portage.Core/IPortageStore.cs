using Portage.Core.Ingest;
using Portage.Core.Limits;
using Portage.Core.Retrieval;
using Portage.Core.Runs;
using Portage.Core.Sessions;
using Portage.Core.Sources;
using Portage.Core.Storage;
using Portage.Core.Tenancy;
using Portage.Core.Windows;

namespace Portage.Core;

/// <summary>
/// Every storage seam of the engine in one: what a store (SQLite, PostgreSQL) implements, so a host can choose one
/// store at start-up and register all the seams to it with <c>UseStore</c>.
/// </summary>
public interface IPortageStore : ITenancyStore, IWindowStore, IDataSourceStore, ISessionStore, IRunStore, IResponseStore, IIngestStore, IContentIndex, ISpendStore, IRateStore, IStoreReadiness;
