namespace Satcar.Runtime.Errors;

/// <summary>One kind of API failure: Dapr's <c>ERR_*</c> code with the statuses daprd answers it with.</summary>
/// <param name="Code">The <c>errorCode</c> field of the error body.</param>
/// <param name="HttpStatus">The HTTP status daprd returns for it.</param>
/// <param name="Grpc">The gRPC status daprd returns for it.</param>
/// <param name="Reason">The <c>google.rpc.ErrorInfo</c> reason of Dapr's rich errors, when it has one.</param>
public sealed record ApiErrorKind(string Code, int HttpStatus, GrpcCode Grpc, string? Reason = null);

/// <summary>A failure to report to an API caller: a kind from <see cref="ApiErrors"/> and its message.</summary>
public sealed class ApiError
{
    public ApiError(ApiErrorKind kind, string message, int? httpStatus = null, GrpcCode? grpcStatus = null)
    {
        Kind = kind;
        Message = message;
        HttpStatus = httpStatus ?? kind.HttpStatus;
        GrpcStatus = grpcStatus ?? kind.Grpc;
    }

    public ApiErrorKind Kind { get; }

    public string Code => Kind.Code;

    public string Message { get; }

    /// <summary>The HTTP status; a few codes (ETag conflicts) use another status than their default.</summary>
    public int HttpStatus { get; }

    /// <summary>The gRPC status; ETag conflicts use another status than their kind's, as the HTTP status does.</summary>
    public GrpcCode GrpcStatus { get; }

    /// <summary>Metadata of the <c>ErrorInfo</c> detail (daprd puts the app id there).</summary>
    public IReadOnlyDictionary<string, string>? InfoMetadata { get; init; }

    /// <summary>The resource the error is about, rendered as a <c>google.rpc.ResourceInfo</c> detail.</summary>
    public (string Type, string Name)? Resource { get; init; }

    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>Carries an <see cref="ApiError"/> from a building-block service to the API head that renders it.</summary>
public sealed class ApiException(ApiError error) : Exception(error.Message)
{
    public ApiError Error { get; } = error;
}
