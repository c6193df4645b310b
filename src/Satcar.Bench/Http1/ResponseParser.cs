using System.Text;
using System.Runtime.CompilerServices;

namespace Satcar.Bench.Http1;

/// <summary>What <see cref="ResponseParser.Parse"/> found in the bytes it was given.</summary>
internal enum ParseStatus : byte
{
    /// <summary>Everything given was used (or a line is incomplete); more bytes are needed.</summary>
    NeedMore,

    /// <summary>The final response ended; bytes after it were not consumed.</summary>
    Complete,

    /// <summary>Not a valid HTTP/1.x response, or past one of the bounds; <see cref="ResponseParser.Error"/> says why.</summary>
    Invalid,
}

/// <summary>What ends the body of the final response (RFC 9112 §6.3).</summary>
internal enum BodyFraming : byte
{
    /// <summary>No body: HEAD, 204, 304, or Content-Length: 0.</summary>
    None,
    ContentLength,
    Chunked,

    /// <summary>The body runs until the server closes the connection.</summary>
    UntilClose,
}

/// <summary>
/// An incremental HTTP/1.x response parser for the measuring client: status line, headers, a Content-Length, chunked
/// or close-delimited body, chunk extensions and trailers, and any number of 1xx interim responses before the final
/// one. It is fed whatever the socket returned and never needs a whole response at once; a line split across reads is
/// left unconsumed until its end arrives. Bodies are counted, not kept. Every input is bounded (line length, header
/// section size, chunk-size digits), so a hostile server can only make a response invalid, never make the client
/// buffer without limit. The only allocation is the Server header value when <see cref="CaptureServer"/> asks for it,
/// and an error message when a response is invalid.
/// </summary>
internal sealed class ResponseParser
{
    /// <summary>Longest status line, header line or trailer line, with its line ending.</summary>
    public const int MaxLineBytes = 8 * 1024;

    /// <summary>Most bytes of status lines and header sections (interim responses and trailers included) in one exchange.</summary>
    public const int MaxHeaderBytes = 64 * 1024;

    /// <summary>Longest chunk-size line, extensions included.</summary>
    public const int MaxChunkLineBytes = 4 * 1024;

    // Stray empty lines a server may send before a status line (RFC 9112 §2.2 lets a client ignore at least one).
    private const int MaxLeadingEmptyLines = 4;

    private State _state;
    private bool _isHead;
    private int _headerBytes;
    private int _leadingEmptyLines;
    private long _remaining;
    private long _contentLength;
    private bool _transferEncoding;
    private bool _chunked;
    private bool _closeToken;
    private bool _keepAliveToken;

    private enum State : byte
    {
        StatusLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers,
        UntilClose,
        Done,
    }

    /// <summary>The status of the final response (or of the interim one being read).</summary>
    public int StatusCode { get; private set; }

    /// <summary>The final response said HTTP/1.0, whose connections close unless it asks for keep-alive.</summary>
    public bool IsHttp10 { get; private set; }

    public BodyFraming Framing { get; private set; }

    /// <summary>Body bytes of the final response (after chunk decoding: the chunk data only).</summary>
    public long BodyBytes { get; private set; }

    /// <summary>1xx responses that came before the final one.</summary>
    public int InterimResponses { get; private set; }

    /// <summary>Keep the Server header's value (ab prints it as "Server Software"); off on the hot path.</summary>
    public bool CaptureServer { get; set; }

    public string? Server { get; private set; }

    /// <summary>Why the response is invalid; null otherwise.</summary>
    public string? Error { get; private set; }

    public bool IsComplete => _state == State.Done;

    /// <summary>The server announced that it closes the connection after this response.</summary>
    public bool ServerAnnouncedClose => _closeToken || (IsHttp10 && !_keepAliveToken);

    /// <summary>
    /// The connection can carry another request after this response: the server did not announce a close, the body had
    /// its own framing, and the response did not carry both Transfer-Encoding and Content-Length (RFC 9112 §6.3 has the
    /// client close then).
    /// </summary>
    public bool ServerKeepsAlive =>
        _state == State.Done && !ServerAnnouncedClose && Framing != BodyFraming.UntilClose && !(_transferEncoding && _contentLength >= 0);

    /// <summary>Starts a new exchange; <paramref name="isHead"/> because a response to HEAD has no body whatever its headers say.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reset(bool isHead)
    {
        _isHead = isHead;
        _state = State.StatusLine;
        _headerBytes = 0;
        _leadingEmptyLines = 0;
        BodyBytes = 0;
        InterimResponses = 0;
        Server = null;
        Error = null;
        StartResponse();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StartResponse()
    {
        StatusCode = 0;
        IsHttp10 = false;
        Framing = BodyFraming.None;
        _remaining = 0;
        _contentLength = -1;
        _transferEncoding = false;
        _chunked = false;
        _closeToken = false;
        _keepAliveToken = false;
    }

    /// <summary>
    /// Consumes as much of <paramref name="data"/> as it can. A line that has not ended yet is left unconsumed: the
    /// caller keeps it and calls again with it followed by the next bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ParseStatus Parse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        while (true)
        {
            var rest = data[consumed..];
            switch (_state)
            {
                case State.Done:
                    return ParseStatus.Complete;

                case State.Body:
                case State.ChunkData:
                {
                    if (rest.IsEmpty)
                    {
                        return ParseStatus.NeedMore;
                    }

                    var take = (int)Math.Min(_remaining, rest.Length);
                    consumed += take;
                    _remaining -= take;
                    BodyBytes += take;
                    if (_remaining == 0)
                    {
                        _state = _state == State.Body ? State.Done : State.ChunkDataEnd;
                    }

                    continue;
                }

                case State.UntilClose:
                    consumed += rest.Length;
                    BodyBytes += rest.Length;
                    return ParseStatus.NeedMore;

                default:
                {
                    var isHeader = _state is State.StatusLine or State.Headers or State.Trailers;
                    var limit = isHeader ? MaxLineBytes : MaxChunkLineBytes;
                    var end = rest.IndexOf((byte)'\n');
                    if (end < 0)
                    {
                        if (rest.Length >= limit)
                        {
                            return Fail(isHeader ? "a status or header line is longer than the limit" : "a chunk-size line is longer than the limit", rest);
                        }

                        if (isHeader && _headerBytes + rest.Length > MaxHeaderBytes)
                        {
                            return Fail("the response headers are larger than the limit", default);
                        }

                        return ParseStatus.NeedMore;
                    }

                    if (end + 1 > limit)
                    {
                        return Fail(isHeader ? "a status or header line is longer than the limit" : "a chunk-size line is longer than the limit", rest[..end]);
                    }

                    if (isHeader && (_headerBytes += end + 1) > MaxHeaderBytes)
                    {
                        return Fail("the response headers are larger than the limit", default);
                    }

                    var line = rest[..end];
                    if (!line.IsEmpty && line[^1] == (byte)'\r')
                    {
                        line = line[..^1];
                    }

                    consumed += end + 1;
                    if (line.Contains((byte)'\r'))
                    {
                        return Fail("a bare CR inside a line", line);
                    }

                    var status = _state switch
                    {
                        State.StatusLine => OnStatusLine(line),
                        State.Headers => OnHeaderLine(line),
                        State.ChunkSize => OnChunkSize(line),
                        State.ChunkDataEnd => line.IsEmpty ? Next(State.ChunkSize) : Fail("chunk data longer than its chunk size", line),
                        _ => OnTrailerLine(line),
                    };
                    if (status == ParseStatus.Invalid)
                    {
                        return status;
                    }

                    continue;
                }
            }
        }
    }

    /// <summary>
    /// The server closed the connection. True when that ends the response (a close-delimited body); false when the
    /// response was cut short.
    /// </summary>
    public bool EndOfStream()
    {
        if (_state == State.UntilClose)
        {
            _state = State.Done;
        }

        return _state == State.Done;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParseStatus Next(State state)
    {
        _state = state;
        return ParseStatus.NeedMore;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParseStatus OnStatusLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return ++_leadingEmptyLines > MaxLeadingEmptyLines ? Fail("empty lines instead of a status line", default) : ParseStatus.NeedMore;
        }

        // HTTP/1.x SP 3DIGIT [SP reason-phrase]
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != (byte)' '
            || !char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11])
            || (line.Length > 12 && line[12] != (byte)' '))
        {
            return Fail("not an HTTP/1.x status line", line);
        }

        var status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (status < 100)
        {
            return Fail("a status code below 100", line);
        }

        StartResponse();
        StatusCode = status;
        IsHttp10 = line[7] == (byte)'0';
        _state = State.Headers;
        return ParseStatus.NeedMore;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParseStatus OnHeaderLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return OnEndOfHeaders();
        }

        if (!TrySplitField(line, out var name, out var value, out var problem))
        {
            return Fail(problem, line);
        }

        if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
        {
            if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return Fail("an invalid Content-Length", line);
            }

            long length = 0;
            foreach (var digit in value)
            {
                length = (length * 10) + (digit - '0');
            }

            if (_contentLength >= 0 && _contentLength != length)
            {
                return Fail("two different Content-Length values", line);
            }

            _contentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            // The last coding decides: chunked must be last for the body to be chunked (RFC 9112 §6.3).
            var comma = value.LastIndexOf((byte)',');
            var last = Trim(comma < 0 ? value : value[(comma + 1)..]);
            if (last.IsEmpty)
            {
                return Fail("an empty Transfer-Encoding", line);
            }

            _transferEncoding = true;
            _chunked = Ascii.EqualsIgnoreCase(last, "chunked"u8);
        }
        else if (Ascii.EqualsIgnoreCase(name, "connection"u8))
        {
            foreach (var range in value.Split((byte)','))
            {
                var option = Trim(value[range]);
                _closeToken |= Ascii.EqualsIgnoreCase(option, "close"u8);
                _keepAliveToken |= Ascii.EqualsIgnoreCase(option, "keep-alive"u8);
            }
        }
        else if (CaptureServer && Server is null && Ascii.EqualsIgnoreCase(name, "server"u8))
        {
            Server = Encoding.Latin1.GetString(value);
        }

        return ParseStatus.NeedMore;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParseStatus OnEndOfHeaders()
    {
        if (StatusCode < 200)
        {
            if (StatusCode == 101)
            {
                return Fail("101 Switching Protocols, which no request asked for", default);
            }

            // 100 Continue, 103 Early Hints…: the final response follows on the same connection.
            InterimResponses++;
            _state = State.StatusLine;
            return ParseStatus.NeedMore;
        }

        if (_isHead || StatusCode is 204 or 304)
        {
            Framing = BodyFraming.None;
            _state = State.Done;
        }
        else if (_transferEncoding)
        {
            Framing = _chunked ? BodyFraming.Chunked : BodyFraming.UntilClose;
            _state = _chunked ? State.ChunkSize : State.UntilClose;
        }
        else if (_contentLength >= 0)
        {
            Framing = _contentLength == 0 ? BodyFraming.None : BodyFraming.ContentLength;
            _remaining = _contentLength;
            _state = _contentLength == 0 ? State.Done : State.Body;
        }
        else
        {
            Framing = BodyFraming.UntilClose;
            _state = State.UntilClose;
        }

        return ParseStatus.NeedMore;
    }

    // chunk-size [BWS] *( ";" chunk-ext ): the extensions are skipped, the size is bounded so that it cannot overflow.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParseStatus OnChunkSize(ReadOnlySpan<byte> line)
    {
        long size = 0;
        var i = 0;
        for (; i < line.Length && HexValue(line[i]) is var digit and >= 0; i++)
        {
            if (size > long.MaxValue >> 4)
            {
                return Fail("a chunk size too large to represent", line);
            }

            size = (size << 4) | (long)digit;
        }

        if (i == 0)
        {
            return Fail("an invalid chunk size", line);
        }

        while (i < line.Length && line[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        if (i < line.Length && line[i] != (byte)';')
        {
            return Fail("an invalid chunk size", line);
        }

        if (size == 0)
        {
            _state = State.Trailers;
        }
        else
        {
            _remaining = size;
            _state = State.ChunkData;
        }

        return ParseStatus.NeedMore;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ParseStatus OnTrailerLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            _state = State.Done;
            return ParseStatus.NeedMore;
        }

        return TrySplitField(line, out _, out _, out var problem) ? ParseStatus.NeedMore : Fail(problem, line);
    }

    // field-name ":" OWS field-value OWS, with a token for a name and no line folding (RFC 9112 §5).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TrySplitField(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value, out string problem)
    {
        name = value = default;
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            problem = "a folded header line (obsolete line folding)";
            return false;
        }

        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            problem = "a header line without a name and colon";
            return false;
        }

        name = line[..colon];
        foreach (var c in name)
        {
            if (!IsTokenChar(c))
            {
                problem = "an invalid header name";
                return false;
            }
        }

        value = Trim(line[(colon + 1)..]);
        problem = "";
        return true;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> span) => span.Trim(" \t"u8);

    private static bool IsTokenChar(byte c) =>
        c is > 32 and < 127 && "()<>@,;:\\\"/[]?={}"u8.IndexOf(c) < 0;

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private ParseStatus Fail(string reason, ReadOnlySpan<byte> near)
    {
        Error = near.IsEmpty ? reason : $"{reason}: '{Printable(near)}'";
        return ParseStatus.Invalid;
    }

    // The start of the offending line, for the failure example; non-printable bytes as '?'.
    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        const int Shown = 60;
        var shown = bytes[..Math.Min(bytes.Length, Shown)];
        var text = string.Create(shown.Length, shown.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = source[i] is >= 32 and < 127 ? (char)source[i] : '?';
            }
        });
        return bytes.Length > Shown ? text + "…" : text;
    }
}
