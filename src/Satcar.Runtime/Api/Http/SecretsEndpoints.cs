using Microsoft.AspNetCore.Http;
using Satcar.Runtime.Secrets;

namespace Satcar.Runtime.Api.Http;

/// <summary>The HTTP head of the secrets API: placeholder until it lands.</summary>
internal sealed class SecretsEndpoints(SecretsService secrets)
{
    /// <summary>GET /v1.0/secrets/{store}/{key}</summary>
    public Task GetSecretAsync(HttpContext context, string storeName, string key) =>
        secrets.GetSecretAsync(storeName, key, RequestReading.QueryMetadata(context), context.RequestAborted);

    /// <summary>GET /v1.0/secrets/{store}/bulk</summary>
    public Task GetBulkSecretAsync(HttpContext context, string storeName) =>
        secrets.GetBulkSecretAsync(storeName, RequestReading.QueryMetadata(context), context.RequestAborted);
}
