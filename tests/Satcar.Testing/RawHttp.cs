using System.Net.Sockets;
using System.Text;

namespace Satcar.Testing;

/// <summary>
/// Sends a request exactly as written, for targets that HttpClient would normalise first
/// (dot segments, <c>%2e%2e</c>, odd request lines).
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <c>{method} {target} HTTP/1.1</c> with the given headers and returns the status code and the whole response text.</summary>
    public static async Task<(int Status, string Response)> SendAsync(Uri server, string method, string target, params string[] headers)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        var request = new StringBuilder()
            .Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server.Authority).Append("\r\n")
            .Append("Connection: close\r\n");
        foreach (var header in headers)
        {
            request.Append(header).Append("\r\n");
        }

        request.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await reader.ReadToEndAsync(timeout.Token);
        var status = int.Parse(response.Split(' ', 3)[1]);
        return (status, response);
    }
}
