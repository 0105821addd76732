using Google.Apis.Auth.OAuth2;
using Portage.Core.Providers;

namespace Portage.Providers.Google.AgentEngine;

/// <summary>Where Vertex AI's OAuth access tokens come from.</summary>
internal interface IAccessTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed token from configuration (<c>GOOGLE_ACCESS_TOKEN</c>), as tests and short scripts use.</summary>
internal sealed class StaticAccessToken(string token) : IAccessTokenSource
{
    public ValueTask<string> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(token);
}

/// <summary>
/// Application Default Credentials (<c>gcloud auth application-default login</c>, a service account key named by
/// <c>GOOGLE_APPLICATION_CREDENTIALS</c>, or the metadata server), scoped to cloud-platform. The credential caches
/// and refreshes its token itself.
/// </summary>
internal sealed class ApplicationDefaultAccessToken : IAccessTokenSource
{
    private const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    private GoogleCredential? _credential;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Racing callers may both load the credential; either copy works, so no lock.
            _credential ??= (await GoogleCredential.GetApplicationDefaultAsync(cancellationToken)).CreateScoped(CloudPlatformScope);
            return await _credential.UnderlyingCredential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            // GetApplicationDefaultAsync's way of saying that no credentials were found: no retry will find them.
            throw new ProviderException(GoogleProvider.Name,
                $"No Google credentials for Vertex AI Agent Engine: run `gcloud auth application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS) and retry. {ex.Message}",
                transient: false, innerException: ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ProviderException)
        {
            throw new ProviderException(GoogleProvider.Name, $"Could not get a Google access token: {ex.Message}", innerException: ex);
        }
    }
}
