using Google.Protobuf;
using Grpc.Core;

namespace Satcar.Runtime.Api.Grpc;

/// <summary>
/// gRPC method descriptors made from the message types of the <c>Dapr.Protos</c> package, which
/// ships no server base for the Dapr service and no client for the app callback services.
/// </summary>
internal static class GrpcMethods
{
    public static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(MethodType.Unary, service, name, MessageMarshaller<TRequest>.Instance, MessageMarshaller<TResponse>.Instance);

    /// <summary>Writes straight into gRPC's buffer and parses from its payload sequence, without an intermediate array.</summary>
    private static class MessageMarshaller<T>
        where T : class, IMessage<T>, new()
    {
        private static readonly MessageParser<T> s_parser = new(() => new T());

        public static readonly Marshaller<T> Instance = Marshallers.Create<T>(Serialize, Deserialize);

        private static void Serialize(T message, SerializationContext context)
        {
            context.SetPayloadLength(message.CalculateSize());
            message.WriteTo(context.GetBufferWriter());
            context.Complete();
        }

        /// <summary>Bytes that are not a valid message are the caller's fault: Internal, as grpc-go (and so daprd) answers, never an unexplained Unknown.</summary>
        private static T Deserialize(DeserializationContext context)
        {
            try
            {
                return s_parser.ParseFrom(context.PayloadAsReadOnlySequence());
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"failed to deserialize the {typeof(T).Name}: {e.Message}"));
            }
        }
    }
}
