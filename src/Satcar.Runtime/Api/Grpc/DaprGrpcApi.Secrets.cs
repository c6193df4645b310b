using Dapr.Client.Autogen.Grpc.v1;
using Grpc.Core;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>Secrets: GetSecret and GetBulkSecret.</summary>
internal sealed partial class DaprGrpcApi
{
    public async Task<GetSecretResponse> GetSecretAsync(GetSecretRequest request, ServerCallContext call)
    {
        var values = await secrets.GetSecretAsync(request.StoreName, request.Key, Copy(request.Metadata), call.CancellationToken);
        var response = new GetSecretResponse();
        AddAll(response.Data, values);
        return response;
    }

    public async Task<GetBulkSecretResponse> GetBulkSecretAsync(GetBulkSecretRequest request, ServerCallContext call)
    {
        var all = await secrets.GetBulkSecretAsync(request.StoreName, Copy(request.Metadata), call.CancellationToken);
        var response = new GetBulkSecretResponse();
        foreach (var (name, values) in all)
        {
            var secret = new SecretResponse();
            AddAll(secret.Secrets, values);
            response.Data[name] = secret;
        }

        return response;
    }
}
