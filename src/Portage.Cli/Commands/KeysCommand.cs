using System.CommandLine;
using System.Globalization;
using Portage.Protocol.Tenancy;
using Portage.Server;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage keys create|list|revoke</c>: the account's API keys. <c>create</c> prints only the new key on stdout (so it
/// pipes into a secret store) and what it made on stderr. Managing keys needs an admin key, such as the development key;
/// <c>create --local</c> needs none: it works on the data folder directly, while no router runs there.
/// </summary>
internal static class KeysCommand
{
    public static Command Create(CliHost host, ConnectionOptions connection)
    {
        var command = new Command("keys", "Create, list and revoke API keys (needs an admin key)");
        command.Subcommands.Add(CreateCommand(host, connection));
        command.Subcommands.Add(ListCommand(host, connection));
        command.Subcommands.Add(RevokeCommand(host, connection));
        return command;
    }

    private static Command CreateCommand(CliHost host, ConnectionOptions connection)
    {
        var name = new Argument<string?>("name")
        {
            Description = "A name to recognise the key by, for example the backend that will hold it (with --local: default 'local-admin')",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var scope = new Option<string?>("--scope")
        {
            Description = $"'{ApiKeyScopes.Runs}' (default: runs, retrieval, ingest, sources and windows) or '{ApiKeyScopes.Admin}' (everything, keys and sandboxes included)",
        };
        scope.AcceptOnlyFromAmong([.. ApiKeyScopes.All]);
        var expires = new Option<int?>("--expires-in-days") { Description = "Lifetime in days (default: does not expire)" };
        var local = new Option<bool>("--local")
        {
            Description = "Lost credentials.json? Make an admin key on this machine's data folder directly, no key needed, and save it to credentials.json (only while no router runs on the folder)",
        };
        var data = new Option<string?>("--data") { Description = "With --local: the data folder (default: PORTAGE_DATA, .portage/ here or at the repository root, ~/.portage/)" };
        var command = new Command("create", "Create a key; prints it once on stdout") { name };
        command.Options.Add(scope);
        command.Options.Add(expires);
        command.Options.Add(local);
        command.Options.Add(data);
        command.Validators.Add(result =>
        {
            if (result.GetValue(local))
            {
                if (result.GetValue(scope) is not null || result.GetValue(expires) is not null)
                {
                    result.AddError("--local makes an admin key that does not expire: leave out --scope and --expires-in-days.");
                }
            }
            else if (result.GetValue(name) is null)
            {
                result.AddError("Name the key: portage keys create NAME (or, without a key, portage keys create --local).");
            }
            else if (result.GetValue(data) is not null)
            {
                result.AddError("--data goes with --local.");
            }
        });
        command.SetAction((parseResult, ct) => parseResult.GetValue(local)
            ? CreateLocalAsync(parseResult.GetValue(name) ?? "local-admin", parseResult.GetValue(data), parseResult.GetValue(connection.Url), host, ct)
            : ConnectedCommand.RunAsync(parseResult, host, connection, async (_, router, token) =>
            {
                var request = new CreateApiKeyRequest { Name = parseResult.GetValue(name), Scope = parseResult.GetValue(scope), ExpiresInDays = parseResult.GetValue(expires) };
                var created = await router.Client.ApiKeys.CreateAsync(request, token);
                await host.Out.WriteLineAsync(created.Key);
                await host.Error.WriteLineAsync(
                    $"created {created.Id} ({created.Name}), scope {created.Scope ?? "?"}{Expiry(created.ExpiresAt)}; store the key now: it is shown only this once");
                return ExitCodes.Success;
            }, ct));
        return command;
    }

    // The way back without a key: the data folder's store, opened here with the router's own settings.
    private static async Task<int> CreateLocalAsync(string name, string? data, string? url, CliHost host, CancellationToken ct)
    {
        var folder = Path.GetFullPath(data ?? host.ResolveDataFolder(), host.CurrentDirectory());
        List<string> arguments = [$"--Portage:DataFolder={folder}"];
        ServeCommand.AddContentRoot(arguments);
        try
        {
            var (credentials, path) = await LocalKeys.CreateAsync([.. arguments], name, url?.Trim().TrimEnd('/'), ct);
            await host.Out.WriteLineAsync(credentials.ApiKey);
            await host.Error.WriteLineAsync(
                $"created admin key '{name}' for sandbox {credentials.SandboxId} and saved it to {path} (mode 0600), where `portage chat` finds it");
            return ExitCodes.Success;
        }
        catch (StartupException ex)
        {
            await host.Error.WriteLineAsync("portage keys create --local: " + ex.Message);
            return ExitCodes.Failed;
        }
    }

    private static Command ListCommand(CliHost host, ConnectionOptions connection)
    {
        var command = new Command("list", "List the account's keys (never the keys themselves)");
        command.SetAction((parseResult, ct) => ConnectedCommand.RunAsync(parseResult, host, connection, async (_, router, token) =>
        {
            foreach (var key in await router.Client.ApiKeys.ListAsync(token))
            {
                var used = key.LastUsedAt is { } at ? "last used " + at.ToString("u", CultureInfo.InvariantCulture) : "never used";
                var state = key.IsExpired ? ", expired" : Expiry(key.ExpiresAt);
                await host.Out.WriteLineAsync($"{key.Id}  {key.Name}  {key.Scope ?? "?"}  {key.KeyPrefix}…  {used}{state}");
            }

            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static Command RevokeCommand(CliHost host, ConnectionOptions connection)
    {
        var id = new Argument<string>("id") { Description = "The key's id (key_…), as `portage keys list` shows it" };
        var command = new Command("revoke", "Revoke a key: requests and open streams with it end at once") { id };
        command.SetAction((parseResult, ct) => ConnectedCommand.RunAsync(parseResult, host, connection, async (_, router, token) =>
        {
            var revoked = await router.Client.ApiKeys.RevokeAsync(parseResult.GetValue(id)!, token);
            await host.Out.WriteLineAsync($"revoked {revoked.Id} ({revoked.Name})");
            return ExitCodes.Success;
        }, ct));
        return command;
    }

    private static string Expiry(DateTimeOffset? expiresAt) =>
        expiresAt is { } at ? ", expires " + at.ToString("u", CultureInfo.InvariantCulture) : "";
}
