using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Satcar.Runtime.Hosting;

/// <summary>
/// The address other hosts reach this satcar on, found as daprd finds it: the address the kernel
/// would use for an outbound packet (a UDP "connect" to a documentation address sends nothing),
/// else the first non-loopback interface address, else loopback.
/// </summary>
public static class HostAddress
{
    /// <summary>
    /// The address to register when none is given: a peer port bound to one address (<c>--dapr-internal-grpc-listen-address</c>)
    /// can be reached only there, so that address (daprd registers 127.0.0.1 for a loopback one); otherwise
    /// <see cref="Detect"/>.
    /// </summary>
    public static string For(string? peerListenAddress)
    {
        if (peerListenAddress == "localhost")
        {
            return IPAddress.Loopback.ToString();
        }

        return IPAddress.TryParse(peerListenAddress?.Trim('[', ']'), out var bound)
            && !bound.Equals(IPAddress.Any) && !bound.Equals(IPAddress.IPv6Any)
            ? bound.ToString()
            : Detect();
    }

    public static string Detect()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(IPAddress.Parse("192.0.2.1"), 9);
            if (socket.LocalEndPoint is IPEndPoint { Address: var address } && !IPAddress.Any.Equals(address))
            {
                return address.ToString();
            }
        }
        catch (SocketException)
        {
            // No route: fall back to the interfaces.
        }

        var candidate = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return candidate?.ToString() ?? "127.0.0.1";
    }
}
