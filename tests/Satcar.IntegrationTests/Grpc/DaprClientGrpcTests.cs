using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace Satcar.IntegrationTests.Grpc;

// InvokeMethodGrpcAsync is obsolete in Dapr.Client 1.19, but existing apps call it, so it is what a test must exercise.
#pragma warning disable CS0618

/// <summary>
/// The official .NET SDK (Dapr.Client 1.19), which sends state, pub/sub, bindings, secrets and
/// metadata over gRPC, as the judge of the gRPC API: every call straight to the satcar's gRPC port
/// and again through <c>satcar link</c>, which carries it as gRPC-Web over HTTP/1.1.
/// </summary>
public sealed class DaprClientGrpcTests(GrpcFixture fixture) : IClassFixture<GrpcFixture>
{
    private const string Store = "statestore";

    public sealed record Order(int OrderId, string Item);

    public static TheoryData<string> Ways => new() { "direct", "link" };

    private static string Key(string via, string name) => $"{via}-{name}-{Guid.NewGuid():N}";

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Save_and_get_state_round_trip_a_typed_value(string via)
    {
        using var dapr = fixture.Client(via);
        var key = Key(via, "order");
        await dapr.SaveStateAsync(Store, key, new Order(1, "coffee"));
        Assert.Equal(new Order(1, "coffee"), await dapr.GetStateAsync<Order>(Store, key));

        // The HTTP API reads what gRPC wrote: the SDK's JSON bytes, stored as they are.
        using var http = new HttpClient { BaseAddress = fixture.Satcar.BaseUri };
        http.DefaultRequestHeaders.Add("dapr-api-token", GrpcFixture.Token);
        using var document = JsonDocument.Parse(await http.GetStringAsync($"/v1.0/state/{Store}/{key}"));
        Assert.Equal(1, document.RootElement.GetProperty("orderId").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task A_missing_key_reads_as_the_default_value(string via)
    {
        using var dapr = fixture.Client(via);
        Assert.Null(await dapr.GetStateAsync<Order>(Store, Key(via, "missing")));
        var (value, etag) = await dapr.GetStateAndETagAsync<Order>(Store, Key(via, "missing"));
        Assert.Null(value);
        Assert.Equal("", etag);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Try_save_with_a_stale_etag_returns_false_and_with_the_current_etag_true(string via)
    {
        using var dapr = fixture.Client(via);
        var key = Key(via, "etag");
        await dapr.SaveStateAsync(Store, key, new Order(1, "first"));
        var (_, stale) = await dapr.GetStateAndETagAsync<Order>(Store, key);
        await dapr.SaveStateAsync(Store, key, new Order(2, "second"));
        var (_, current) = await dapr.GetStateAndETagAsync<Order>(Store, key);
        Assert.NotEqual(stale, current);

        Assert.False(await dapr.TrySaveStateAsync(Store, key, new Order(3, "lost"), stale));
        Assert.Equal(new Order(2, "second"), await dapr.GetStateAsync<Order>(Store, key));
        Assert.True(await dapr.TrySaveStateAsync(Store, key, new Order(3, "won"), current));
        Assert.Equal(new Order(3, "won"), await dapr.GetStateAsync<Order>(Store, key));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Delete_and_try_delete_follow_the_etag(string via)
    {
        using var dapr = fixture.Client(via);
        var key = Key(via, "delete");
        await dapr.SaveStateAsync(Store, key, new Order(1, "a"));
        var (_, stale) = await dapr.GetStateAndETagAsync<Order>(Store, key);
        await dapr.SaveStateAsync(Store, key, new Order(2, "b"));
        Assert.False(await dapr.TryDeleteStateAsync(Store, key, stale));
        var (_, current) = await dapr.GetStateAndETagAsync<Order>(Store, key);
        Assert.True(await dapr.TryDeleteStateAsync(Store, key, current));
        Assert.Null(await dapr.GetStateAsync<Order>(Store, key));

        await dapr.SaveStateAsync(Store, key, new Order(3, "c"));
        await dapr.DeleteStateAsync(Store, key);
        Assert.Null(await dapr.GetStateAsync<Order>(Store, key));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Bulk_get_and_bulk_delete(string via)
    {
        using var dapr = fixture.Client(via);
        var keys = Enumerable.Range(0, 3).Select(i => Key(via, $"bulk{i}")).ToList();
        for (var i = 0; i < keys.Count; i++)
        {
            await dapr.SaveStateAsync(Store, keys[i], new Order(i, $"item{i}"));
        }

        var missing = Key(via, "absent");
        var items = await dapr.GetBulkStateAsync<Order>(Store, [.. keys, missing], parallelism: 2);
        Assert.Equal([.. keys, missing], items.Select(i => i.Key));
        Assert.Equal([0, 1, 2], items.Take(3).Select(i => i.Value.OrderId));
        Assert.All(items.Take(3), item => Assert.False(string.IsNullOrEmpty(item.ETag)));

        await dapr.DeleteBulkStateAsync(Store, [.. keys.Take(2).Select(key => new BulkDeleteStateItem(key, null!))]);
        var after = await dapr.GetBulkStateAsync(Store, keys, parallelism: null);
        Assert.Equal(["", "", JsonSerializer.Serialize(new Order(2, "item2"), JsonSerializerOptions.Web)], after.Select(i => i.Value));
    }

    [Fact]
    public async Task Bulk_save_works_through_the_link()
    {
        using var dapr = fixture.Client("link");
        var keys = Enumerable.Range(0, 3).Select(i => Key("link", $"bulksave{i}")).ToList();
        await dapr.SaveBulkStateAsync(Store, [.. keys.Select((key, i) => new SaveStateItem<Order>(key, new Order(i, $"item{i}"), null!))]);
        var items = await dapr.GetBulkStateAsync<Order>(Store, keys, parallelism: null);
        Assert.Equal([0, 1, 2], items.Select(i => i.Value.OrderId));
    }

    /// <summary>
    /// Dapr.Client 1.19's <c>SaveBulkStateAsync</c> sends no <c>dapr-api-token</c> (its other calls do), so
    /// a satcar with a token refuses it, exactly as daprd does. Through a link the call works, because the
    /// link adds the token to everything it carries.
    /// </summary>
    [Fact]
    public async Task Bulk_save_straight_to_a_satcar_with_a_token_is_refused_because_the_sdk_sends_none()
    {
        using var dapr = fixture.Client("direct");
        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.SaveBulkStateAsync(Store, [new SaveStateItem<Order>(Key("direct", "bulksave"), new Order(1, "x"), null!)]));
        var rpc = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(StatusCode.Unauthenticated, rpc.StatusCode);
        Assert.Equal("missing api token in request metadata", rpc.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task A_transaction_applies_upserts_and_deletes_together(string via)
    {
        using var dapr = fixture.Client(via);
        var (kept, removed) = (Key(via, "tx-kept"), Key(via, "tx-removed"));
        await dapr.SaveStateAsync(Store, removed, new Order(9, "old"));
        await dapr.ExecuteStateTransactionAsync(Store,
        [
            new StateTransactionRequest(kept, JsonSerializer.SerializeToUtf8Bytes(new Order(7, "tx"), JsonSerializerOptions.Web), StateOperationType.Upsert),
            new StateTransactionRequest(removed, null, StateOperationType.Delete),
        ]);
        Assert.Equal(new Order(7, "tx"), await dapr.GetStateAsync<Order>(Store, kept));
        Assert.Null(await dapr.GetStateAsync<Order>(Store, removed));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task A_transaction_with_a_stale_etag_changes_nothing(string via)
    {
        using var dapr = fixture.Client(via);
        var key = Key(via, "tx-etag");
        await dapr.SaveStateAsync(Store, key, new Order(1, "a"));
        var (_, stale) = await dapr.GetStateAndETagAsync<Order>(Store, key);
        await dapr.SaveStateAsync(Store, key, new Order(2, "b"));
        var other = Key(via, "tx-other");

        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.ExecuteStateTransactionAsync(Store,
        [
            new StateTransactionRequest(other, Encoding.UTF8.GetBytes("1"), StateOperationType.Upsert),
            new StateTransactionRequest(key, Encoding.UTF8.GetBytes("3"), StateOperationType.Upsert, stale),
        ]));
        Assert.Equal(StatusCode.Internal, Assert.IsType<RpcException>(error.InnerException).StatusCode);
        Assert.Null(await dapr.GetStateAsync<string>(Store, other));
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Ttl_metadata_expires_a_value(string via)
    {
        using var dapr = fixture.Client(via);
        var key = Key(via, "ttl");
        await dapr.SaveStateAsync(Store, key, new Order(1, "brief"), metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "1" });
        Assert.NotNull(await dapr.GetStateAsync<Order>(Store, key));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await dapr.GetStateAsync<Order>(Store, key) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the value did not expire");
            await Task.Delay(200);
        }
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task An_unknown_store_is_invalid_argument_with_daprs_message(string via)
    {
        using var dapr = fixture.Client(via);
        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.GetStateAsync<Order>("nostore", "k"));
        var rpc = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(StatusCode.InvalidArgument, rpc.StatusCode);
        Assert.Equal("state store nostore is not found", rpc.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task A_key_with_the_separator_is_invalid_argument(string via)
    {
        using var dapr = fixture.Client(via);
        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.SaveStateAsync(Store, "a||b", new Order(1, "x")));
        Assert.Equal(StatusCode.InvalidArgument, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Publish_reaches_the_subscribed_app_as_a_cloud_event(string via)
    {
        using var dapr = fixture.Client(via);
        var orderId = Random.Shared.Next();
        await dapr.PublishEventAsync("pubsub", "orders", new Order(orderId, via));
        var cloudEvent = await fixture.WaitForEventAsync(e => e.GetProperty("data").GetProperty("orderId").GetInt32() == orderId, "the published order");
        Assert.Equal("application/json", cloudEvent.GetProperty("datacontenttype").GetString());
        Assert.Equal(GrpcFixture.AppId, cloudEvent.GetProperty("source").GetString());
        Assert.Equal("orders", cloudEvent.GetProperty("topic").GetString());
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Bulk_publish_delivers_every_entry_and_reports_no_failures(string via)
    {
        using var dapr = fixture.Client(via);
        var first = Random.Shared.Next(1, int.MaxValue - 10);
        var orders = Enumerable.Range(first, 3).Select(n => new Order(n, "bulk")).ToList();
        var response = await dapr.BulkPublishEventAsync("pubsub", "orders", orders);
        Assert.Empty(response.FailedEntries);
        foreach (var order in orders)
        {
            await fixture.WaitForEventAsync(e => e.GetProperty("data").GetProperty("orderId").GetInt32() == order.OrderId, $"bulk order {order.OrderId}");
        }
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Publishing_to_an_unknown_pubsub_is_invalid_argument(string via)
    {
        using var dapr = fixture.Client(via);
        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.PublishEventAsync("nopubsub", "orders", new Order(1, "x")));
        Assert.Equal(StatusCode.InvalidArgument, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task An_output_binding_gets_the_data_as_sent_and_answers(string via)
    {
        using var dapr = fixture.Client(via);
        var name = $"{via}-{Guid.NewGuid():N}.json";
        await dapr.InvokeBindingAsync("files", "create", new Order(5, "bound"), new Dictionary<string, string> { ["fileName"] = name });
        // gRPC hands the binding the SDK's bytes as they are (the HTTP API would re-encode them).
        Assert.Equal(JsonSerializer.Serialize(new Order(5, "bound"), JsonSerializerOptions.Web), await File.ReadAllTextAsync(Path.Combine(fixture.FilesPath, name)));

        var read = await dapr.InvokeBindingAsync<object?, Order>("files", "get", null, new Dictionary<string, string> { ["fileName"] = name });
        Assert.Equal(new Order(5, "bound"), read);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task An_unknown_binding_is_internal_with_daprs_message(string via)
    {
        using var dapr = fixture.Client(via);
        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.InvokeBindingAsync("nobinding", "create", "x"));
        var rpc = Assert.IsType<RpcException>(error.InnerException);
        Assert.Equal(StatusCode.Internal, rpc.StatusCode);
        Assert.Contains("couldn't find output binding nobinding", rpc.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Secrets_one_and_bulk(string via)
    {
        using var dapr = fixture.Client(via);
        Assert.Equal(new Dictionary<string, string> { ["db-password"] = "s3cr3t" }, await dapr.GetSecretAsync("secretstore", "db-password"));
        Assert.Equal(new Dictionary<string, string> { ["smtp:user"] = "mailer" }, await dapr.GetSecretAsync("secretstore", "smtp:user"));

        var all = await dapr.GetBulkSecretAsync("secretstore");
        Assert.Equal(["db-password", "smtp:pass", "smtp:user"], all.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("p@ss", all["smtp:pass"]["smtp:pass"]);

        var error = await Assert.ThrowsAsync<DaprException>(() => dapr.GetSecretAsync("nostore", "x"));
        Assert.Equal(StatusCode.InvalidArgument, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Metadata_reports_the_app_and_its_components_and_keeps_what_the_app_sets(string via)
    {
        using var dapr = fixture.Client(via);
        var attribute = $"attr-{via}";
        await dapr.SetMetadataAsync(attribute, "value-" + via);
        var metadata = await dapr.GetMetadataAsync();
        Assert.Equal(GrpcFixture.AppId, metadata.Id);
        Assert.Equal(["files", "pubsub", "secretstore", "statestore"], metadata.Components.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.Contains("ETAG", metadata.Components.Single(c => c.Name == "statestore").Capabilities);
        Assert.Equal("value-" + via, metadata.Extended[attribute]);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task Invoke_over_grpc_reaches_the_http_app(string via)
    {
        using var dapr = fixture.Client(via);
        var before = fixture.App.CountFor("/grpc-invoked");
        await dapr.InvokeMethodGrpcAsync(GrpcFixture.AppId, "grpc-invoked");
        Assert.Equal(before + 1, fixture.App.CountFor("/grpc-invoked"));
        Assert.Equal("POST", fixture.App.Requests.Last(r => r.Path == "/grpc-invoked").Method);
    }

    [Theory]
    [MemberData(nameof(Ways))]
    public async Task The_sidecar_checks_the_sdk_makes_over_http_pass(string via)
    {
        using var dapr = fixture.Client(via);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await dapr.WaitForSidecarAsync(timeout.Token);
        Assert.True(await dapr.CheckHealthAsync());
    }
}
