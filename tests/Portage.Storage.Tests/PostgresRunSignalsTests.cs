using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Portage.Core.Signals;
using Portage.Storage.Postgres;
using Portage.Testing.Postgres;

namespace Portage.Storage.Tests;

public sealed class PostgresRunSignalsTests
{
    // Pooled connections are not reset when given back (No Reset On Close): the listener's connection must not carry its
    // subscription into the pool. With a pool of one, the next borrower gets that very connection.
    [Fact]
    public async Task A_listener_that_stops_gives_back_a_connection_subscribed_to_nothing()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        await using var listening = new PostgresDatabase(schema.ConnectionString + ";Maximum Pool Size=1");
        await using var publishing = new PostgresDatabase(schema.ConnectionString);
        var listener = new PostgresRunSignals(listening, NullLogger<PostgresRunSignals>.Instance);
        await using var publisher = new PostgresRunSignals(publishing, NullLogger<PostgresRunSignals>.Instance);
        var received = new TaskCompletionSource<RunSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = listener.Subscribe(signal => received.TrySetResult(signal));

        // Published until heard: the listener subscribes in the background.
        while (!received.Task.IsCompleted)
        {
            await publisher.PublishAsync(new RunSignal(RunSignalKind.Cancel, "run_1"), CancellationToken.None);
            await Task.WhenAny(received.Task, Task.Delay(100));
        }

        Assert.Equal(new RunSignal(RunSignalKind.Cancel, "run_1"), await received.Task);
        await listener.DisposeAsync();

        await using var connection = await listening.OpenAsync(CancellationToken.None);
        await using var channels = new NpgsqlCommand("SELECT count(*) FROM pg_listening_channels()", connection);
        Assert.Equal(0L, (long)(await channels.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Signals_published_together_reach_another_process_each_and_in_order()
    {
        await using var schema = await TestPostgres.CreateSchemaAsync();
        await using var database = new PostgresDatabase(schema.ConnectionString);
        await using var listener = new PostgresRunSignals(database, NullLogger<PostgresRunSignals>.Instance);
        await using var publisher = new PostgresRunSignals(database, NullLogger<PostgresRunSignals>.Instance);
        var received = new List<RunSignal>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = listener.Subscribe(signal =>
        {
            lock (received)
            {
                if (signal.RunId == "probe")
                {
                    ready.TrySetResult();
                    return;
                }

                received.Add(signal);
                if (received.Count == 3)
                {
                    all.TrySetResult();
                }
            }
        });
        while (!ready.Task.IsCompleted)
        {
            await publisher.PublishAsync(new RunSignal(RunSignalKind.Events, "probe"), CancellationToken.None);
            await Task.WhenAny(ready.Task, Task.Delay(100));
        }

        RunSignal[] sent = [new(RunSignalKind.Events, "run_1"), new(RunSignalKind.Events, "run_2"), new(RunSignalKind.Cancel, "run_1")];
        await publisher.PublishAsync(sent, CancellationToken.None);

        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(sent, received);
    }
}
