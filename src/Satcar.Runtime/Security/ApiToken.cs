using System.Security.Cryptography;
using System.Text;

namespace Satcar.Runtime.Security;

/// <summary>
/// A shared secret checked in constant time. Both sides are hashed first so the comparison takes
/// the same time whatever the length or content of the presented value.
/// </summary>
public sealed class ApiToken
{
    private readonly byte[] _digest;

    public ApiToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>True when <paramref name="presented"/> is the token.</summary>
    public bool Matches(string? presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest) && presented is { Length: > 0 };
    }
}
