using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Portage.Core.Tenancy;

namespace Portage.Server.Startup;

/// <summary>
/// Turns what stopped a start into the two lines a user needs: what is wrong, naming the address or setting, and what
/// to do. The known kinds are an address that cannot be bound, a store that cannot be used (<see cref="StartupException"/>),
/// a data folder that cannot be written and a setting that does not parse; anything else is named by its message.
/// </summary>
internal static class StartupFailure
{
    private const string SettingHelp =
        "Fix it in appsettings.json, as an environment variable (Section__Key=value) or on the command line (--Section:Key=value).";

    /// <summary>Builds, starts and runs the application; a failure to start becomes two lines and exit code 1.</summary>
    public static async Task<int> RunAsync(Func<WebApplication> build, TextWriter error, CancellationToken cancellationToken)
    {
        string? urls = null;
        string? dataFolder = null;
        string? createdFolder = null;
        var started = false;
        try
        {
            var app = build();
            await using (app)
            {
                urls = app.Configuration["urls"];
                dataFolder = app.Services.GetRequiredService<DataFolderInfo>().Path;
                createdFolder = Directory.Exists(dataFolder) ? null : dataFolder;
                await app.StartAsync(cancellationToken);
                started = true;
                await app.WaitForShutdownAsync(cancellationToken);
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        // HostAbortedException: a test host took the built application over; it is not a failure of this start.
        catch (Exception ex) when (ex is not (OutOfMemoryException or HostAbortedException))
        {
            await error.WriteLineAsync((started ? "Portage stopped: " : "Portage did not start: ") + Describe(ex, urls, dataFolder));
            return 1;
        }
        finally
        {
            // Nothing written on a failed start: a data folder this start made (lock file, empty database) goes again.
            if (!started && createdFolder is not null)
            {
                TryDelete(createdFolder);
            }
        }
    }

    public static string Describe(Exception exception, string? urls, string? dataFolder)
    {
        var failure = Unwrap(exception);
        return failure switch
        {
            StartupException start => start.Message,
            IOException io when io.InnerException is AddressInUseException => new StartupException(
                $"{Addresses(urls)} is already in use (by another Portage router?).",
                "Stop what listens there, or choose another address: --urls http://127.0.0.1:<port> or ASPNETCORE_URLS (portage serve --url).").Message,
            IOException io when io.Message.StartsWith("Failed to bind", StringComparison.Ordinal) => new StartupException(
                $"Cannot listen on {Addresses(urls)}: {io.InnerException?.Message ?? io.Message}",
                "Choose another address: --urls http://127.0.0.1:<port> or ASPNETCORE_URLS (portage serve --url).").Message,
            UnauthorizedAccessException or IOException when dataFolder is not null && failure.Message.Contains(dataFolder, StringComparison.Ordinal) => new StartupException(
                $"Cannot use the data folder {dataFolder}: {failure.Message}",
                $"Set {DataFolder.EnvironmentVariable} (or --Portage:DataFolder=) to a folder you may write.").Message,
            OptionsValidationException invalid => new StartupException(
                $"A setting is invalid: {string.Join("; ", invalid.Failures)}", SettingHelp).Message,
            FormatException when failure.Message.StartsWith("Invalid url", StringComparison.Ordinal) => new StartupException(
                $"The listen address is not a URL: {failure.Message}",
                "Set --urls or ASPNETCORE_URLS (portage serve --url) to one such as http://127.0.0.1:5757.").Message,
            InvalidOperationException when failure.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
                new StartupException($"A setting is invalid: {failure.Message}", SettingHelp).Message,
            _ => new StartupException(
                $"{failure.GetType().Name}: {failure.Message}",
                "If a setting is the cause, fix it (appsettings.json, Section__Key environment variables, --Section:Key= arguments).").Message,
        };
    }

    private static void TryDelete(string folder)
    {
        try
        {
            // A router that started on the same new folder meanwhile holds its lock: the folder is its now.
            using (var alone = Directory.Exists(folder) ? DataFolderLock.TryExclusive(folder) : null)
            {
                if (alone is null)
                {
                    return;
                }
            }

            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left behind; the message above says what went wrong.
        }
    }

    private static Exception Unwrap(Exception exception) => exception switch
    {
        AggregateException { InnerExceptions.Count: > 0 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => exception,
    };

    private static string Addresses(string? urls) =>
        string.IsNullOrWhiteSpace(urls) ? PortageServer.DefaultUrl : string.Join(", ", urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
