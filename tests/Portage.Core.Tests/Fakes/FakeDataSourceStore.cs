using Portage.Core.Sources;
using Portage.Core.Storage;

namespace Portage.Core.Tests.Fakes;

/// <summary>Durable sources in memory: the window chooser only asks whether an id is one.</summary>
internal sealed class FakeDataSourceStore : IDataSourceStore
{
    public List<DataSourceRecord> Sources { get; } = [];

    public Task<DataSourceRecord?> GetSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) =>
        Task.FromResult(Sources.FirstOrDefault(s => s.SandboxId == sandboxId && s.Id == sourceId));

    public Task CreateSourceAsync(DataSourceRecord source, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<DataSourceRecord>> ListSourcesAsync(string sandboxId, DataSourceFilter filter, ListCursor? after, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<DataSourceRecord?> UpdateSourceAsync(string sandboxId, string sourceId, Func<DataSourceRecord, DataSourceRecord> update, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<SourceDeletion> DeleteSourceAsync(string sandboxId, string sourceId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<SourcePurgeResult> PurgeSourceAsync(string sandboxId, string sourceId, bool deleteSource, DateTimeOffset now, CancellationToken cancellationToken) =>
        throw new NotSupportedException();
}
