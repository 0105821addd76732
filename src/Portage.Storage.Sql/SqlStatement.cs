namespace Portage.Storage.Sql;

/// <summary>
/// A statement with its parameters, built once and run wherever the store sends it: one at a time in a session's
/// transaction, or several together where the database takes a batch in one round trip (PostgreSQL).
/// </summary>
/// <param name="Sql">The statement, its parameters named <c>@name</c>.</param>
/// <param name="Parameters">The parameters' names and values (null is sent as SQL NULL).</param>
public sealed record SqlStatement(string Sql, params (string Name, object? Value)[] Parameters);
