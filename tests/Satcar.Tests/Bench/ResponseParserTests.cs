using System.Text;
using Satcar.Bench.Http1;

namespace Satcar.Tests.Bench;

/// <summary>The measuring client's response parsing, through the reader it runs in, against crafted responses. No sockets.</summary>
public sealed class ResponseParserTests
{
    private static byte[] B(string text) => Encoding.Latin1.GetBytes(text);

    private static async Task<(ResponseRead Read, ResponseParser Parser)> ReadAsync(Stream stream, bool isHead = false)
    {
        var reader = new ResponseReader();
        reader.Parser.CaptureServer = true;
        var read = await reader.ReadAsync(stream, isHead, CancellationToken.None);
        return (read, reader.Parser);
    }

    private static Task<(ResponseRead Read, ResponseParser Parser)> ReadAsync(string response, bool isHead = false) =>
        ReadAsync(ScriptedStream.Of(B(response)), isHead);

    private const string ContentLength = "HTTP/1.1 200 OK\r\nServer: test-server/1.0\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello";

    private const string Chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;name=value;flag\r\nhello\r\n"
        + "6 ; ext=\"quoted;value\"\r\n world\r\n"
        + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";

    private const string Interim =
        "HTTP/1.1 100 Continue\r\n\r\n"
        + "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";

    private const string CloseDelimited = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end";

    [Fact]
    public async Task Content_length_body_ends_at_its_length_without_waiting_for_a_close()
    {
        var stream = ScriptedStream.Of(B(ContentLength));
        var (read, parser) = await ReadAsync(stream);

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(200, parser.StatusCode);
        Assert.Equal(5, parser.BodyBytes);
        Assert.Equal(ContentLength.Length, read.WireBytes);
        Assert.Equal(BodyFraming.ContentLength, parser.Framing);
        Assert.False(read.EndOfStream);
        Assert.False(read.Leftover);
        Assert.True(parser.ServerKeepsAlive);
        Assert.Equal("test-server/1.0", parser.Server);
        Assert.True(read.FirstByteTimestamp > 0);
        Assert.Equal(1, stream.Reads);
    }

    [Fact]
    public async Task Chunked_body_is_decoded_past_extensions_and_trailers()
    {
        var (read, parser) = await ReadAsync(Chunked);

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(BodyFraming.Chunked, parser.Framing);
        Assert.Equal(11, parser.BodyBytes);
        Assert.Equal(Chunked.Length, read.WireBytes);
        Assert.False(read.EndOfStream);
        Assert.True(parser.ServerKeepsAlive);
    }

    [Fact]
    public async Task A_body_without_length_runs_until_the_server_closes()
    {
        var (read, parser) = await ReadAsync(CloseDelimited);

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(BodyFraming.UntilClose, parser.Framing);
        Assert.Equal("until the end".Length, parser.BodyBytes);
        Assert.True(read.EndOfStream);
        Assert.False(parser.ServerKeepsAlive);
    }

    [Fact]
    public async Task Interim_1xx_responses_are_skipped_for_the_final_one()
    {
        var (read, parser) = await ReadAsync(Interim);

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(201, parser.StatusCode);
        Assert.Equal(2, parser.InterimResponses);
        Assert.Equal(2, parser.BodyBytes);
    }

    [Fact]
    public async Task A_response_to_head_has_no_body_whatever_its_content_length_says()
    {
        var stream = ScriptedStream.Of(B("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"));
        var (read, parser) = await ReadAsync(stream, isHead: true);

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(0, parser.BodyBytes);
        Assert.Equal(BodyFraming.None, parser.Framing);
        Assert.True(parser.ServerKeepsAlive);
        Assert.Equal(1, stream.Reads);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n")]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]
    public async Task Responses_without_a_body_complete_at_the_end_of_the_headers(string response)
    {
        var stream = ScriptedStream.Of(B(response));
        var (read, parser) = await ReadAsync(stream);

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(0, parser.BodyBytes);
        Assert.False(read.EndOfStream);
        Assert.True(parser.ServerKeepsAlive);
        Assert.Equal(1, stream.Reads);
    }

    public static TheoryData<string> WellFormed => [ContentLength, Chunked, Interim, CloseDelimited];

    [Theory]
    [MemberData(nameof(WellFormed))]
    public async Task A_response_split_across_two_reads_at_any_byte_parses_the_same(string response)
    {
        var bytes = B(response);
        var (whole, wholeParser) = await ReadAsync(ScriptedStream.Of(bytes));
        for (var at = 1; at < bytes.Length; at++)
        {
            var (read, parser) = await ReadAsync(ScriptedStream.SplitAt(bytes, at));
            Assert.True(read.Outcome == ReadOutcome.Complete, $"split at {at}: {read.Outcome} {parser.Error}");
            Assert.Equal(wholeParser.StatusCode, parser.StatusCode);
            Assert.Equal(wholeParser.BodyBytes, parser.BodyBytes);
            Assert.Equal(whole.WireBytes, read.WireBytes);
            Assert.Equal(whole.EndOfStream, read.EndOfStream);
            Assert.Equal(wholeParser.Server, parser.Server);
        }
    }

    [Theory]
    [MemberData(nameof(WellFormed))]
    public async Task A_response_read_one_byte_at_a_time_parses_the_same(string response)
    {
        var bytes = B(response);
        var (read, parser) = await ReadAsync(ScriptedStream.SplitAt(bytes, [.. Enumerable.Range(1, bytes.Length - 1)]));

        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(bytes.Length, read.WireBytes);
        var (_, whole) = await ReadAsync(ScriptedStream.Of(bytes));
        Assert.Equal(whole.BodyBytes, parser.BodyBytes);
    }

    [Fact]
    public async Task Responses_on_a_kept_alive_connection_are_read_one_after_the_other()
    {
        var reader = new ResponseReader();
        var stream = ScriptedStream.Of(B("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), B("HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope"));

        var first = await reader.ReadAsync(stream, isHead: false, CancellationToken.None);
        Assert.Equal(ReadOutcome.Complete, first.Outcome);
        Assert.Equal(200, reader.Parser.StatusCode);

        var second = await reader.ReadAsync(stream, isHead: false, CancellationToken.None);
        Assert.Equal(ReadOutcome.Complete, second.Outcome);
        Assert.Equal(404, reader.Parser.StatusCode);
        Assert.Equal(4, reader.Parser.BodyBytes);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 2\r\n\r\nok", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n", false)]
    public async Task The_connection_is_kept_only_when_the_server_allows_it(string response, bool keptAlive)
    {
        var (read, parser) = await ReadAsync(response);
        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(2, parser.BodyBytes);
        Assert.Equal(keptAlive, parser.ServerKeepsAlive);
    }

    [Fact]
    public async Task A_transfer_coding_other_than_chunked_runs_until_the_close()
    {
        var (read, parser) = await ReadAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabcdef");
        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.Equal(BodyFraming.UntilClose, parser.Framing);
        Assert.Equal(6, parser.BodyBytes);
    }

    [Fact]
    public async Task Bytes_after_the_end_of_a_response_are_reported_as_leftover()
    {
        var (read, _) = await ReadAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
        Assert.Equal(ReadOutcome.Complete, read.Outcome);
        Assert.True(read.Leftover);
    }

    [Theory]
    [InlineData("\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")]
    [InlineData("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Empty:\r\nContent-Length:2\r\n\r\nok")]
    public async Task Tolerated_variations_parse(string response)
    {
        var (read, parser) = await ReadAsync(response);
        Assert.True(read.Outcome == ReadOutcome.Complete, parser.Error);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n")]
    [InlineData("HTTP/2 200\r\n\r\n")]
    [InlineData("http/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 abc OK\r\n\r\n")]
    [InlineData("\r\n\r\n\r\n\r\n\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n folded\r\n\r\nhello")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello")]
    [InlineData("HTTP/1.1 200 OK\r\n: no name\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")]
    public async Task Malformed_responses_are_invalid(string response)
    {
        var (read, parser) = await ReadAsync(response);
        Assert.Equal(ReadOutcome.Invalid, read.Outcome);
        Assert.False(string.IsNullOrEmpty(parser.Error));
    }

    [Theory]
    [InlineData("zz\r\n")]
    [InlineData("\r\n")]
    [InlineData("-1\r\n")]
    [InlineData("0x5\r\n")]
    [InlineData("5 x\r\nhello\r\n")]
    [InlineData("10000000000000000\r\n")]
    [InlineData("FFFFFFFFFFFFFFFFF\r\n")]
    [InlineData("3\r\nhello\r\n0\r\n\r\n")]
    [InlineData("2\r\nok\r\n0\r\nfolded\r\n\r\n")]
    public async Task Invalid_chunk_framing_is_invalid(string body)
    {
        var (read, parser) = await ReadAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        Assert.True(read.Outcome == ReadOutcome.Invalid, $"{read.Outcome}");
        Assert.False(string.IsNullOrEmpty(parser.Error));
    }

    [Fact]
    public async Task The_largest_chunk_size_is_accepted_and_a_truncated_chunk_is_closed_mid_response()
    {
        var (read, parser) = await ReadAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7FFFFFFFFFFFFFFF\r\nsome");
        Assert.Equal(ReadOutcome.ClosedMidResponse, read.Outcome);
        Assert.Equal(4, parser.BodyBytes);
    }

    [Fact]
    public async Task A_header_line_longer_than_the_limit_is_invalid()
    {
        var (read, parser) = await ReadAsync($"HTTP/1.1 200 OK\r\nX-Big: {new string('a', ResponseParser.MaxLineBytes)}\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(ReadOutcome.Invalid, read.Outcome);
        Assert.Contains("longer than the limit", parser.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_header_section_larger_than_the_limit_is_invalid()
    {
        var headers = string.Concat(Enumerable.Range(0, 100).Select(i => $"X-Header-{i}: {new string('v', 1000)}\r\n"));
        var (read, parser) = await ReadAsync($"HTTP/1.1 200 OK\r\n{headers}Content-Length: 0\r\n\r\n");
        Assert.Equal(ReadOutcome.Invalid, read.Outcome);
        Assert.Contains("larger than the limit", parser.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endless_interim_responses_hit_the_header_limit()
    {
        var (read, _) = await ReadAsync(string.Concat(Enumerable.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 10_000)));
        Assert.Equal(ReadOutcome.Invalid, read.Outcome);
    }

    [Fact]
    public async Task A_line_that_never_ends_is_invalid_after_a_bounded_read()
    {
        var endless = Enumerable.Repeat(0, 1_000).Select(_ => B(new string('x', 4096)));
        var stream = new ScriptedStream(new[] { B("HTTP/1.1 200 OK\r\nX-Endless: ") }.Concat(endless));
        var (read, _) = await ReadAsync(stream);

        Assert.Equal(ReadOutcome.Invalid, read.Outcome);
        Assert.InRange(stream.Reads, 1, 4);
    }

    [Fact]
    public async Task A_chunk_size_line_longer_than_the_limit_is_invalid()
    {
        var (read, _) = await ReadAsync($"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;{new string('e', ResponseParser.MaxChunkLineBytes)}\r\nhello\r\n0\r\n\r\n");
        Assert.Equal(ReadOutcome.Invalid, read.Outcome);
    }

    [Theory]
    [InlineData("", "ClosedBeforeResponse")]
    [InlineData("HTTP/1.1 200 O", "ClosedMidResponse")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", "ClosedMidResponse")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "ClosedMidResponse")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "ClosedMidResponse")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "ClosedMidResponse")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n", "ClosedMidResponse")]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", "ClosedMidResponse")]
    public async Task A_response_cut_short_by_the_close_is_closed_before_or_mid_response(string response, string outcome)
    {
        var (read, _) = await ReadAsync(response);
        Assert.Equal(Enum.Parse<ReadOutcome>(outcome), read.Outcome);
        Assert.True(read.EndOfStream);
    }
}
