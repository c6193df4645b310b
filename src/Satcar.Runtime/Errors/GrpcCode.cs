namespace Satcar.Runtime.Errors;

/// <summary>
/// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), kept here so the
/// error catalogue can name the status a gRPC head returns without the runtime depending on gRPC.
/// </summary>
public enum GrpcCode
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}
