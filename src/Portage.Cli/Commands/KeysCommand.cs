using System.CommandLine;
using System.Globalization;
using Portage.Protocol.Tenancy;

namespace Portage.Cli.Commands;

/// <summary>
/// <c>portage keys create|list|revoke</c>: the account's API keys. <c>create</c> prints only the new key on stdout (so it
/// pipes into a secret store) and what it made on stderr. Managing keys needs an admin key, such as the development key.
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
        var name = new Argument<string>("name") { Description = "A name to recognise the key by, for example the backend that will hold it" };
        var scope = new Option<string?>("--scope")
        {
            Description = $"'{ApiKeyScopes.Runs}' (default: runs, retrieval, ingest, sources and windows) or '{ApiKeyScopes.Admin}' (everything, keys and sandboxes included)",
        };
        scope.AcceptOnlyFromAmong([.. ApiKeyScopes.All]);
        var expires = new Option<int?>("--expires-in-days") { Description = "Lifetime in days (default: does not expire)" };
        var command = new Command("create", "Create a key; prints it once on stdout") { name };
        command.Options.Add(scope);
        command.Options.Add(expires);
        command.SetAction((parseResult, ct) => ConnectedCommand.RunAsync(parseResult, host, connection, async (_, router, token) =>
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
