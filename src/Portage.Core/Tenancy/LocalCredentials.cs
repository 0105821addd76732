using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portage.Core.Tenancy;

/// <summary>
/// The development credentials written on first start to <c>&lt;data folder&gt;/credentials.json</c> (mode 0600), where
/// the CLI finds them.
/// </summary>
/// <param name="ApiUrl">Where the server listens.</param>
/// <param name="ApiKey">The plaintext development key (the database keeps only its hash).</param>
/// <param name="SandboxId">The default sandbox.</param>
public sealed record LocalCredentials(
    [property: JsonPropertyName("api_url")] string ApiUrl,
    [property: JsonPropertyName("api_key")] string ApiKey,
    [property: JsonPropertyName("sandbox_id")] string SandboxId)
{
    /// <summary>File name inside the data folder.</summary>
    public const string FileName = "credentials.json";

    private static readonly JsonSerializerOptions s_options = new() { WriteIndented = true };

    /// <summary>Reads the credentials of a data folder, or null when there are none.</summary>
    public static LocalCredentials? TryRead(string dataFolder)
    {
        var path = Path.Combine(dataFolder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<LocalCredentials>(File.ReadAllText(path), s_options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the credentials with owner-only permissions: a new file created 0600 and renamed over the old one, so the
    /// key is never readable by others, not even briefly.
    /// </summary>
    public void Write(string dataFolder)
    {
        DataFolder.CreatePrivateFolder(dataFolder);
        var path = Path.Combine(dataFolder, FileName);
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            File.Delete(temporary); // a leftover would keep its old mode: UnixCreateMode applies to new files only
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, this, s_options);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
