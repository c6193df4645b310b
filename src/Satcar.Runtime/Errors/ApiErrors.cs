namespace Satcar.Runtime.Errors;

/// <summary>
/// The one catalogue of API errors. Codes, statuses and message texts follow daprd
/// (<c>pkg/messages/predefined.go</c>, <c>pkg/messages/errorcodes</c>, <c>pkg/api/errors</c>);
/// every head renders these and nothing else.
/// </summary>
public static class ApiErrors
{
    // General
    public static readonly ApiErrorKind BodyRead = new("ERR_BODY_READ", 400, GrpcCode.InvalidArgument);
    public static readonly ApiErrorKind BadRequest = new("ERR_BAD_REQUEST", 400, GrpcCode.InvalidArgument);
    public static readonly ApiErrorKind MalformedRequest = new("ERR_MALFORMED_REQUEST", 400, GrpcCode.InvalidArgument);
    public static readonly ApiErrorKind NotImplemented = new("ERR_API_UNIMPLEMENTED", 501, GrpcCode.Unimplemented);
    public static readonly ApiErrorKind Generic = new("ERROR", 500, GrpcCode.Internal);

    // Health
    public static readonly ApiErrorKind HealthNotReady = new("ERR_HEALTH_NOT_READY", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind OutboundHealthNotReady = new("ERR_OUTBOUND_HEALTH_NOT_READY", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind HealthAppIdNotMatch = new("ERR_HEALTH_APPID_NOT_MATCH", 500, GrpcCode.Internal);

    // Metadata
    public static readonly ApiErrorKind MetadataGet = new("ERR_METADATA_GET", 500, GrpcCode.Internal);

    // State
    public static readonly ApiErrorKind StateStoreNotFound = new("ERR_STATE_STORE_NOT_FOUND", 400, GrpcCode.InvalidArgument, "DAPR_STATE_NOT_FOUND");
    public static readonly ApiErrorKind StateStoreNotConfigured = new("ERR_STATE_STORE_NOT_CONFIGURED", 500, GrpcCode.FailedPrecondition, "DAPR_STATE_NOT_CONFIGURED");
    public static readonly ApiErrorKind StateGet = new("ERR_STATE_GET", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind StateSave = new("ERR_STATE_SAVE", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind StateDelete = new("ERR_STATE_DELETE", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind StateBulkGet = new("ERR_STATE_BULK_GET", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind StateTransaction = new("ERR_STATE_TRANSACTION", 500, GrpcCode.Internal);
    public static readonly ApiErrorKind StateOperationNotSupported = new("ERR_NOT_SUPPORTED_STATE_OPERATION", 400, GrpcCode.Unimplemented);
    public static readonly ApiErrorKind StateTransactionsNotSupported = new("ERR_STATE_STORE_NOT_SUPPORTED", 500, GrpcCode.Unimplemented, "DAPR_STATE_TRANSACTIONS_NOT_SUPPORTED");
    public static readonly ApiErrorKind StateTooManyTransactions = new("ERR_STATE_STORE_TOO_MANY_TRANSACTIONS", 400, GrpcCode.InvalidArgument, "DAPR_STATE_TOO_MANY_TRANSACTIONS");

    // Pub/sub
    public static readonly ApiErrorKind PubSubNotFound = new("ERR_PUBSUB_NOT_FOUND", 404, GrpcCode.InvalidArgument, "DAPR_PUBSUB_NOT_FOUND");
    public static readonly ApiErrorKind PubSubNotConfigured = new("ERR_PUBSUB_NOT_CONFIGURED", 400, GrpcCode.FailedPrecondition, "DAPR_PUBSUB_NOT_CONFIGURED");
    public static readonly ApiErrorKind PubSubEmpty = new("ERR_PUBSUB_EMPTY", 404, GrpcCode.InvalidArgument, "DAPR_PUBSUB_NAME_EMPTY");
    public static readonly ApiErrorKind TopicNameEmpty = new("ERR_TOPIC_NAME_EMPTY", 404, GrpcCode.InvalidArgument, "DAPR_PUBSUB_TOPIC_NAME_EMPTY");
    public static readonly ApiErrorKind PubSubForbidden = new("ERR_PUBSUB_FORBIDDEN", 403, GrpcCode.PermissionDenied, "DAPR_PUBSUB_FORBIDDEN");
    public static readonly ApiErrorKind PubSubPublishMessage = new("ERR_PUBSUB_PUBLISH_MESSAGE", 500, GrpcCode.Internal, "DAPR_PUBSUB_PUBLISH_MESSAGE");
    public static readonly ApiErrorKind PubSubRequestMetadata = new("ERR_PUBSUB_REQUEST_METADATA", 400, GrpcCode.InvalidArgument);
    public static readonly ApiErrorKind PubSubCloudEventsSer = new("ERR_PUBSUB_CLOUD_EVENTS_SER", 400, GrpcCode.InvalidArgument);
    public static readonly ApiErrorKind PubSubEventsSer = new("ERR_PUBSUB_EVENTS_SER", 400, GrpcCode.InvalidArgument);

    // Bindings
    public static readonly ApiErrorKind InvokeOutputBinding = new("ERR_INVOKE_OUTPUT_BINDING", 500, GrpcCode.Internal);

    // Secrets
    public static readonly ApiErrorKind SecretStoresNotConfigured = new("ERR_SECRET_STORES_NOT_CONFIGURED", 500, GrpcCode.FailedPrecondition);
    // daprd answers an unknown secret store with 401 (its docs say 400); clients see daprd's status.
    public static readonly ApiErrorKind SecretStoreNotFound = new("ERR_SECRET_STORE_NOT_FOUND", 401, GrpcCode.InvalidArgument);
    public static readonly ApiErrorKind PermissionDenied = new("ERR_PERMISSION_DENIED", 403, GrpcCode.PermissionDenied);
    public static readonly ApiErrorKind SecretGet = new("ERR_SECRET_GET", 500, GrpcCode.Internal);

    // Service invocation
    public static readonly ApiErrorKind DirectInvoke = new("ERR_DIRECT_INVOKE", 500, GrpcCode.Internal);

    // The peer port (satcar only: daprd's sidecar-to-sidecar channel is mTLS gRPC).
    public static readonly ApiErrorKind PeerUnauthenticatedKind = new("ERR_PEER_UNAUTHENTICATED", 401, GrpcCode.Unauthenticated);

    public static ApiException Body(string detail) =>
        new(new ApiError(BodyRead, $"failed to read request body: {detail}"));

    public static ApiException Malformed(string detail) =>
        new(new ApiError(MalformedRequest, detail));

    public static ApiException BadPath(string detail) =>
        new(new ApiError(BadRequest, detail));

    public static ApiException StoreNotFound(string storeName, string appId) =>
        new(new ApiError(StateStoreNotFound, $"state store {storeName} is not found")
        {
            InfoMetadata = new Dictionary<string, string> { ["appID"] = appId },
        });

    public static ApiException StoreNotConfigured(string appId) =>
        new(new ApiError(StateStoreNotConfigured, "state store is not configured")
        {
            InfoMetadata = new Dictionary<string, string> { ["appID"] = appId },
        });

    public static ApiException IllegalKey(string key) =>
        new(new ApiError(MalformedRequest, $"input key/keyPrefix '{key}' can't contain '||'"));

    public static ApiException EmptyKey() =>
        new(new ApiError(MalformedRequest, "\"key\" is a required field"));

    public static ApiException GetState(string key, string storeName, string detail) =>
        new(new ApiError(StateGet, $"fail to get {key} from state store {storeName}: {detail}"));

    /// <summary>A failed save; <paramref name="httpStatus"/> 409 (ETag mismatch) or 400 (bad ETag) also picks daprd's gRPC status.</summary>
    public static ApiException SaveState(string storeName, string detail, int? httpStatus = null) =>
        new(new ApiError(StateSave, $"failed saving state in state store {storeName}: {detail}", httpStatus, ETagGrpcStatus(httpStatus)));

    /// <summary>A failed delete; the statuses follow <see cref="SaveState"/>.</summary>
    public static ApiException DeleteState(string key, string detail, int? httpStatus = null) =>
        new(new ApiError(StateDelete, $"failed deleting state with key {key}: {detail}", httpStatus, ETagGrpcStatus(httpStatus)));

    /// <summary>daprd's <c>stateErrorResponse</c>: an ETag mismatch is Aborted (so the SDKs' <c>TrySave*</c> return false), a bad ETag InvalidArgument.</summary>
    private static GrpcCode? ETagGrpcStatus(int? httpStatus) => httpStatus switch
    {
        409 => GrpcCode.Aborted,
        400 => GrpcCode.InvalidArgument,
        _ => null,
    };

    public static ApiException Transaction(string detail) =>
        new(new ApiError(StateTransaction, $"error while executing state transaction: {detail}"));

    public static ApiException OperationNotSupported(string operation) =>
        new(new ApiError(StateOperationNotSupported, $"operation type {operation} not supported"));

    public static ApiException TransactionsNotSupported(string storeName) =>
        new(new ApiError(StateTransactionsNotSupported, $"state store {storeName} doesn't support transaction")
        {
            Resource = ("state", storeName),
        });

    public static ApiException TooManyOperations(string storeName, int max) =>
        new(new ApiError(StateTooManyTransactions, $"the transaction contains more operations than the state store {storeName} allows ({max})")
        {
            Resource = ("state", storeName),
        });

    public static ApiException PubSubNotFoundError(string pubsubName, string appId) =>
        new(new ApiError(PubSubNotFound, $"pubsub {pubsubName} not found")
        {
            InfoMetadata = new Dictionary<string, string> { ["appID"] = appId, ["pubsubName"] = pubsubName },
        });

    public static ApiException PubSubNotConfiguredError(string appId) =>
        new(new ApiError(PubSubNotConfigured, "no pubsub is configured")
        {
            InfoMetadata = new Dictionary<string, string> { ["appID"] = appId },
        });

    public static ApiException PubSubNameEmpty() => new(new ApiError(PubSubEmpty, "pubsub name is empty"));

    public static ApiException TopicEmpty(string pubsubName) =>
        new(new ApiError(TopicNameEmpty, $"topic is empty in pubsub {pubsubName}"));

    public static ApiException TopicForbidden(string topic, string pubsubName, string appId) =>
        new(new ApiError(PubSubForbidden, $"topic {topic} is not allowed for app id {appId}")
        {
            InfoMetadata = new Dictionary<string, string> { ["appID"] = appId, ["pubsubName"] = pubsubName, ["topic"] = topic },
        });

    public static ApiException PublishFailed(string topic, string pubsubName, string detail) =>
        new(new ApiError(PubSubPublishMessage, $"error when publishing to topic {topic} in pubsub {pubsubName}: {detail}"));

    public static ApiException PublishMetadata(string detail) =>
        new(new ApiError(PubSubRequestMetadata, $"failed parsing metadata: {detail}"));

    public static ApiException CloudEvent(string detail) =>
        new(new ApiError(PubSubCloudEventsSer, $"cannot create the CloudEvent: {detail}"));

    public static ApiException BulkEvents(string detail) =>
        new(new ApiError(PubSubEventsSer, detail));

    public static ApiException OutputBinding(string name, string detail) =>
        new(new ApiError(InvokeOutputBinding, $"error invoking output binding {name}: {detail}"));

    public static ApiException SecretStoresNotConfiguredError() =>
        new(new ApiError(SecretStoresNotConfigured, "secret store is not configured"));

    public static ApiException SecretStoreNotFoundError(string storeName) =>
        new(new ApiError(SecretStoreNotFound, $"failed finding secret store with key {storeName}"));

    // daprd formats both names with Go's %q.
    public static ApiException SecretPermissionDenied(string key, string storeName) =>
        new(new ApiError(PermissionDenied, $"access denied by policy to get {GoQuote(key)} from {GoQuote(storeName)}"));

    public static ApiException GetSecret(string key, string storeName, string detail) =>
        new(new ApiError(SecretGet, $"failed getting secret with key {key} from secret store {storeName}: {detail}"));

    public static ApiException BulkGetSecret(string storeName, string detail) =>
        new(new ApiError(SecretGet, $"failed getting secrets from secret store {storeName}: {detail}"));

    /// <summary>A string quoted as Go's <c>%q</c> does for printable text: quotes, backslashes and control characters escaped.</summary>
    private static string GoQuote(string value)
    {
        var quoted = new System.Text.StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append("\\\\"),
                '\n' => quoted.Append("\\n"),
                '\r' => quoted.Append("\\r"),
                '\t' => quoted.Append("\\t"),
                < ' ' or '\u007f' => quoted.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }

    /// <summary>A route that the Configuration's <c>spec.api</c> does not enable, when invocation is not enabled either.</summary>
    public static ApiException EndpointNotAvailable() =>
        new(new ApiError(NotImplemented, "requested endpoint is not available"));

    public static ApiException NoAppId() =>
        new(new ApiError(DirectInvoke, "failed getting app id either from the URL path or the header dapr-app-id", 404));

    public static ApiException Invoke(string appId, string detail, int? httpStatus = null) =>
        new(new ApiError(DirectInvoke, $"failed to invoke, id: {appId}, err: {detail}", httpStatus));

    public static ApiException InvalidAppId(string id) =>
        new(new ApiError(DirectInvoke, $"failed to invoke, id: {id}, err: invalid app id", 400));

    public static ApiException InvalidMethod(string appId, string detail) =>
        new(new ApiError(DirectInvoke, $"failed to invoke, id: {appId}, err: invalid method: {detail}", 400));

    public static ApiException AppUnhealthy(string appId) =>
        new(new ApiError(DirectInvoke, $"failed to invoke, id: {appId}, err: app is not in a healthy state"));

    public static ApiException PeerUnauthenticated() =>
        new(new ApiError(PeerUnauthenticatedKind, "peer call refused: missing or wrong peer secret"));

    public static ApiException NotAPeerRoute() =>
        new(new ApiError(DirectInvoke, "the peer port serves only /v1.0/invoke/{appId}/method/{method}", 404));

    public static ApiException NotReady(string detail) =>
        new(new ApiError(HealthNotReady, $"dapr is not ready: {detail}"));

    public static ApiException OutboundNotReady() =>
        new(new ApiError(OutboundHealthNotReady, "dapr outbound is not ready"));

    public static ApiException AppIdNotMatch() =>
        new(new ApiError(HealthAppIdNotMatch, "dapr app-id does not match"));
}
