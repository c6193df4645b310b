using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Satcar.IntegrationTests;

/// <summary>The state HTTP API of a running <c>satcar run</c>, against a real Redis, SQLite and the in-memory store.</summary>
public sealed class StateApiTests(SatcarFixture fixture) : IClassFixture<SatcarFixture>
{
    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string> Stores => ["redisstore", "sqlitestore", "memstore"];

    private static string NewKey() => "k-" + Guid.NewGuid().ToString("N");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private Task<HttpResponseMessage> Save(string store, string json, string query = "") =>
        _client.PostAsync($"/v1.0/state/{store}{query}", Json(json));

    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(code, document.RootElement.GetProperty("errorCode").GetString());
        Assert.False(string.IsNullOrEmpty(document.RootElement.GetProperty("message").GetString()));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Save_get_and_delete_round_trip(string store)
    {
        var key = NewKey();
        using var saved = await Save(store, $$$"""[{"key":"{{{key}}}","value":{"orderId": 7, "items": ["a", "b"]}}]""");
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);

        using var got = await _client.GetAsync($"/v1.0/state/{store}/{key}");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("application/json", got.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"orderId":7,"items":["a","b"]}""", await got.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(got.Headers.GetValues("ETag").Single()));

        using var deleted = await _client.DeleteAsync($"/v1.0/state/{store}/{key}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await _client.GetAsync($"/v1.0/state/{store}/{key}");
        Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        Assert.Empty(await gone.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_json_string_is_stored_with_its_quotes_and_several_items_save_at_once(string store)
    {
        var (a, b) = (NewKey(), NewKey());
        using var saved = await Save(store, $$$"""[{"key":"{{{a}}}","value":"DeathStar"},{"key":"{{{b}}}","value":42}]""");
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal("\"DeathStar\"", await _client.GetStringAsync($"/v1.0/state/{store}/{a}"));
        Assert.Equal("42", await _client.GetStringAsync($"/v1.0/state/{store}/{b}"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Keys_may_hold_encoded_slashes_and_unicode(string store)
    {
        var key = $"orders/{Guid.NewGuid():N}/é";
        using var saved = await Save(store, JsonSerializer.Serialize(new[] { new { key, value = "x" } }));
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal("\"x\"", await _client.GetStringAsync($"/v1.0/state/{store}/{Uri.EscapeDataString(key)}"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_stale_etag_is_a_409_and_changes_nothing(string store)
    {
        var key = NewKey();
        (await Save(store, $$$"""[{"key":"{{{key}}}","value":1}]""")).Dispose();
        using var first = await _client.GetAsync($"/v1.0/state/{store}/{key}");
        var stale = first.Headers.ETag?.Tag ?? first.Headers.GetValues("ETag").Single();
        (await Save(store, $$$"""[{"key":"{{{key}}}","value":2}]""")).Dispose();

        using var conflict = await Save(store, $$$"""[{"key":"{{{key}}}","value":3,"etag":"{{{stale}}}"}]""");
        await AssertError(conflict, HttpStatusCode.Conflict, "ERR_STATE_SAVE");
        Assert.Equal("2", await _client.GetStringAsync($"/v1.0/state/{store}/{key}"));

        using var current = await _client.GetAsync($"/v1.0/state/{store}/{key}");
        var etag = current.Headers.GetValues("ETag").Single();
        using var ok = await Save(store, $$$"""[{"key":"{{{key}}}","value":3,"etag":"{{{etag}}}","options":{"concurrency":"first-write","consistency":"strong"}}]""");
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal("3", await _client.GetStringAsync($"/v1.0/state/{store}/{key}"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task First_write_refuses_to_overwrite_without_an_etag(string store)
    {
        var key = NewKey();
        const string Options = "\"options\":{\"Concurrency\":\"first-write\"}";
        using var created = await Save(store, $$$"""[{"key":"{{{key}}}","value":"one",{{{Options}}}}]""");
        Assert.Equal(HttpStatusCode.NoContent, created.StatusCode);
        using var refused = await Save(store, $$$"""[{"key":"{{{key}}}","value":"two",{{{Options}}}}]""");
        await AssertError(refused, HttpStatusCode.Conflict, "ERR_STATE_SAVE");
        Assert.Equal("\"one\"", await _client.GetStringAsync($"/v1.0/state/{store}/{key}"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Delete_checks_the_if_match_etag(string store)
    {
        var key = NewKey();
        (await Save(store, $$$"""[{"key":"{{{key}}}","value":1}]""")).Dispose();
        using var got = await _client.GetAsync($"/v1.0/state/{store}/{key}");
        var etag = got.Headers.GetValues("ETag").Single();
        (await Save(store, $$$"""[{"key":"{{{key}}}","value":2}]""")).Dispose();

        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/v1.0/state/{store}/{key}");
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        await AssertError(await _client.SendAsync(stale), HttpStatusCode.Conflict, "ERR_STATE_DELETE");
        Assert.Equal("2", await _client.GetStringAsync($"/v1.0/state/{store}/{key}"));

        using var latest = await _client.GetAsync($"/v1.0/state/{store}/{key}");
        using var current = new HttpRequestMessage(HttpMethod.Delete, $"/v1.0/state/{store}/{key}?concurrency=first-write&consistency=strong");
        current.Headers.TryAddWithoutValidation("If-Match", latest.Headers.GetValues("ETag").Single());
        using var deleted = await _client.SendAsync(current);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Redis_refuses_a_malformed_etag_with_a_400()
    {
        var key = NewKey();
        (await Save("redisstore", $$$"""[{"key":"{{{key}}}","value":1}]""")).Dispose();
        await AssertError(await Save("redisstore", $$$"""[{"key":"{{{key}}}","value":2,"etag":"not-a-version"}]"""), HttpStatusCode.BadRequest, "ERR_STATE_SAVE");
        Assert.Equal("1", await _client.GetStringAsync($"/v1.0/state/redisstore/{key}"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_ttl_from_the_item_or_the_query_is_reported_and_expires(string store)
    {
        var (a, b) = (NewKey(), NewKey());
        (await Save(store, $$$"""[{"key":"{{{a}}}","value":1,"metadata":{"ttlInSeconds":"100"}}]""")).Dispose();
        (await Save(store, $$$"""[{"key":"{{{b}}}","value":1}]""", "?metadata.ttlInSeconds=1")).Dispose();

        using var withTtl = await _client.GetAsync($"/v1.0/state/{store}/{a}");
        var expires = DateTimeOffset.Parse(withTtl.Headers.GetValues("metadata.ttlExpireTime").Single());
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddSeconds(90), DateTimeOffset.UtcNow.AddSeconds(101));

        var deadline = DateTime.UtcNow.AddSeconds(5);
        HttpStatusCode status;
        do
        {
            await Task.Delay(200);
            using var response = await _client.GetAsync($"/v1.0/state/{store}/{b}");
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.NoContent, status);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Bulk_get_answers_every_key_in_order(string store)
    {
        var (a, missing, b) = (NewKey(), NewKey(), NewKey());
        (await Save(store, $$$"""[{"key":"{{{a}}}","value":{"n":1}},{"key":"{{{b}}}","value":"two"}]""")).Dispose();

        using var response = await _client.PostAsync($"/v1.0/state/{store}/bulk", Json($$$"""{"keys":["{{{a}}}","{{{missing}}}","{{{b}}}"],"parallelism":2}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var items = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var list = items.RootElement.EnumerateArray().ToList();
        Assert.Equal([a, missing, b], list.Select(i => i.GetProperty("key").GetString()));
        Assert.Equal(1, list[0].GetProperty("data").GetProperty("n").GetInt32());
        Assert.False(string.IsNullOrEmpty(list[0].GetProperty("etag").GetString()));
        Assert.False(list[1].TryGetProperty("data", out _));
        Assert.False(list[1].TryGetProperty("etag", out _));
        Assert.Equal("two", list[2].GetProperty("data").GetString());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_transaction_applies_all_its_operations(string store)
    {
        var (a, b) = (NewKey(), NewKey());
        (await Save(store, $$$"""[{"key":"{{{b}}}","value":"old"}]""")).Dispose();
        using var response = await _client.PostAsync($"/v1.0/state/{store}/transaction", Json($$$$"""
            {"operations":[
              {"operation":"upsert","request":{"key":"{{{{a}}}}","value":{"created":true}}},
              {"operation":"delete","request":{"key":"{{{{b}}}}"}}
            ],"metadata":{"partitionKey":"p1"}}
            """));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("""{"created":true}""", await _client.GetStringAsync($"/v1.0/state/{store}/{a}"));
        using var gone = await _client.GetAsync($"/v1.0/state/{store}/{b}");
        Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_transaction_with_a_stale_etag_applies_nothing(string store)
    {
        var (a, b) = (NewKey(), NewKey());
        (await Save(store, $$$"""[{"key":"{{{b}}}","value":"old"}]""")).Dispose();
        using var response = await _client.PostAsync($"/v1.0/state/{store}/transaction", Json($$$"""
            {"operations":[
              {"operation":"upsert","request":{"key":"{{{a}}}","value":"new"}},
              {"operation":"upsert","request":{"key":"{{{b}}}","value":"new","etag":"999999"}}
            ]}
            """));
        await AssertError(response, HttpStatusCode.InternalServerError, "ERR_STATE_TRANSACTION");
        using var notCreated = await _client.GetAsync($"/v1.0/state/{store}/{a}");
        Assert.Equal(HttpStatusCode.NoContent, notCreated.StatusCode);
        Assert.Equal("\"old\"", await _client.GetStringAsync($"/v1.0/state/{store}/{b}"));
    }

    [Fact]
    public async Task A_transaction_with_an_unknown_operation_is_refused_before_anything_runs()
    {
        var key = NewKey();
        using var response = await _client.PostAsync("/v1.0/state/redisstore/transaction", Json($$$"""
            {"operations":[
              {"operation":"upsert","request":{"key":"{{{key}}}","value":1}},
              {"operation":"merge","request":{"key":"{{{key}}}","value":2}}
            ]}
            """));
        await AssertError(response, HttpStatusCode.BadRequest, "ERR_NOT_SUPPORTED_STATE_OPERATION");
        using var notCreated = await _client.GetAsync($"/v1.0/state/redisstore/{key}");
        Assert.Equal(HttpStatusCode.NoContent, notCreated.StatusCode);
    }

    [Fact]
    public async Task An_empty_save_and_an_empty_transaction_succeed()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await Save("memstore", "[]")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostAsync("/v1.0/state/memstore/transaction", Json("""{"operations":[]}"""))).StatusCode);
        using var bulk = await _client.PostAsync("/v1.0/state/memstore/bulk", Json("""{"keys":[]}"""));
        Assert.Equal("[]", await bulk.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string, int, string> BadSaves => new()
    {
        { "malformed JSON", """[{"key":"K","value":1}""", 400, "ERR_MALFORMED_REQUEST" },
        { "not an array", """{"key":"K","value":1}""", 400, "ERR_MALFORMED_REQUEST" },
        { "missing key", """[{"key":"K","value":1},{"value":2}]""", 400, "ERR_MALFORMED_REQUEST" },
        { "empty key", """[{"key":"K","value":1},{"key":"","value":2}]""", 400, "ERR_MALFORMED_REQUEST" },
        { "key with ||", """[{"key":"K","value":1},{"key":"a||b","value":2}]""", 400, "ERR_MALFORMED_REQUEST" },
        { "numeric etag", """[{"key":"K","value":1,"etag":5}]""", 400, "ERR_MALFORMED_REQUEST" },
        { "metadata not strings", """[{"key":"K","value":1,"metadata":{"ttlInSeconds":5}}]""", 400, "ERR_MALFORMED_REQUEST" },
        { "bad ttl", """[{"key":"K","value":1,"metadata":{"ttlInSeconds":"soon"}}]""", 400, "ERR_MALFORMED_REQUEST" },
        { "bad concurrency", """[{"key":"K","value":1,"options":{"concurrency":"whenever"}}]""", 400, "ERR_MALFORMED_REQUEST" },
    };

    [Theory]
    [MemberData(nameof(BadSaves))]
    public async Task Bad_input_gets_daprs_code_and_writes_nothing(string why, string body, int status, string code)
    {
        var key = NewKey();
        using var response = await Save("redisstore", body.Replace("\"K\"", $"\"{key}\"", StringComparison.Ordinal));
        await AssertError(response, (HttpStatusCode)status, code);
        using var notWritten = await _client.GetAsync($"/v1.0/state/redisstore/{key}");
        Assert.True(notWritten.StatusCode == HttpStatusCode.NoContent, why);
    }

    [Fact]
    public async Task An_unknown_store_is_a_400_with_the_rich_error()
    {
        using var response = await _client.GetAsync("/v1.0/state/nostore/k");
        await AssertError(response, HttpStatusCode.BadRequest, "ERR_STATE_STORE_NOT_FOUND");
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        var info = error.GetProperty("details")[0];
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", info.GetProperty("@type").GetString());
        Assert.Equal("DAPR_STATE_NOT_FOUND", info.GetProperty("reason").GetString());
        Assert.Equal(SatcarFixture.AppId, info.GetProperty("metadata").GetProperty("appID").GetString());

        await AssertError(await Save("nostore", "not even json"), HttpStatusCode.BadRequest, "ERR_STATE_STORE_NOT_FOUND");
    }

    [Fact]
    public async Task A_bad_consistency_is_a_400()
    {
        await AssertError(await _client.GetAsync("/v1.0/state/memstore/k?consistency=sometimes"), HttpStatusCode.BadRequest, "ERR_MALFORMED_REQUEST");
        using var ok = await _client.GetAsync("/v1.0/state/memstore/k?consistency=strong");
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
    }

    [Fact]
    public async Task A_state_route_with_another_verb_falls_through_to_invocation()
    {
        await AssertError(await _client.PostAsync("/v1.0/state/memstore/k", Json("{}")), HttpStatusCode.NotFound, "ERR_DIRECT_INVOKE");
    }

    [Fact]
    public async Task State_is_shared_by_the_store_across_requests_as_text_body_too()
    {
        // daprd parses state bodies as JSON whatever their content type; the JS and Python quickstarts rely on it.
        var key = NewKey();
        using var saved = await _client.PostAsync("/v1.0/state/sqlitestore", new StringContent($$$"""[{"key":"{{{key}}}","value":"plain"}]""", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal("\"plain\"", await _client.GetStringAsync($"/v1.0/state/sqlitestore/{key}"));
    }
}
