using System.Net;
using System.Net.Sockets;

namespace Satcar.Testing;

/// <summary>Free TCP ports, asked of the operating system (port 0), never fixed.</summary>
public static class Ports
{
    /// <summary>A port that was free on <paramref name="address"/> a moment ago.</summary>
    public static int Free(string address = "127.0.0.1")
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
