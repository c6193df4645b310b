using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Satcar.Components;
using Satcar.Components.Bindings.LocalStorage;
using Satcar.Runtime.Bindings;
using Satcar.Runtime.Components;
using Satcar.Testing;

namespace Satcar.Tests.Bindings;

/// <summary><c>bindings.localstorage</c>: its four operations on a temporary folder, and the refusal of names that leave it.</summary>
public sealed class LocalStorageBindingTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private IOutputBinding _binding = null!;

    private string Root => Path.Combine(_dir.Path, "files");

    /// <summary>The root as the binding resolved it (symbolic links in the temp path followed).</summary>
    private string ResolvedRoot => ((LocalStorageBinding)_binding).RootPath;

    public async Task InitializeAsync() => _binding = await CreateAsync(Root);

    public async Task DisposeAsync() => await _binding.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    private static async Task<IOutputBinding> CreateAsync(string? rootPath)
    {
        Assert.True(BuiltInComponents.CreateRegistry().TryGet("bindings.localstorage", "v1", out var registration));
        var binding = (IOutputBinding)registration.Create(new ComponentContext
        {
            Name = "files",
            Type = "bindings.localstorage",
            AppId = "app",
            Logger = NullLogger.Instance,
        });
        (string, string)[] metadata = rootPath is null ? [] : [("rootPath", rootPath)];
        await binding.InitAsync(TestComponents.Metadata("files", "bindings.localstorage", metadata), CancellationToken.None);
        return binding;
    }

    private Task<BindingResponse?> Invoke(string operation, string data = "null", string? fileName = null) =>
        _binding.InvokeAsync(TestComponents.Request(operation, data, fileName is null ? [] : [("fileName", fileName)]), CancellationToken.None);

    private static string Text(BindingResponse? response) => Encoding.UTF8.GetString(response!.Data.Span);

    [Fact]
    public void It_lists_its_operations() => Assert.Equal(["create", "get", "list", "delete"], _binding.Operations);

    [Fact]
    public async Task Create_get_list_and_delete_round_trip()
    {
        var created = await Invoke("create", """{"orderId":7}""", "orders/7.json");
        Assert.Equal("""{"fileName":"orders/7.json"}""", Text(created));
        Assert.Equal("""{"orderId":7}""", await File.ReadAllTextAsync(Path.Combine(Root, "orders", "7.json")));

        Assert.Equal("""{"orderId":7}""", Text(await Invoke("get", fileName: "orders/7.json")));

        await Invoke("create", "\"second\"", "top.txt");
        using (var listed = JsonDocument.Parse(Text(await Invoke("list"))))
        {
            Assert.Equal(
                [Path.Combine(ResolvedRoot, "orders", "7.json"), Path.Combine(ResolvedRoot, "top.txt")],
                listed.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray());
        }

        using (var sub = JsonDocument.Parse(Text(await Invoke("list", fileName: "orders"))))
        {
            Assert.Equal([Path.Combine(ResolvedRoot, "orders", "7.json")], sub.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray());
        }

        Assert.Null(await Invoke("delete", fileName: "orders/7.json"));
        Assert.False(File.Exists(Path.Combine(Root, "orders", "7.json")));
        var missing = await Assert.ThrowsAsync<BindingException>(() => Invoke("get", fileName: "orders/7.json"));
        Assert.Contains("file not found: orders/7.json", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<BindingException>(() => Invoke("delete", fileName: "orders/7.json"));
    }

    [Fact]
    public async Task An_empty_folder_lists_as_an_empty_array() =>
        Assert.Equal("[]", Text(await Invoke("list")));

    [Fact]
    public async Task Create_without_a_file_name_uses_a_new_uuid()
    {
        using var response = JsonDocument.Parse(Text(await Invoke("create", "\"x\"")));
        var name = response.RootElement.GetProperty("fileName").GetString()!;
        Assert.True(Guid.TryParse(name, out _), name);
        Assert.Equal("x", await File.ReadAllTextAsync(Path.Combine(Root, name)));
    }

    [Theory]
    [InlineData("\"hello world\"", "hello world")]
    [InlineData("\"aGVsbG8gd29ybGQ=\"", "hello world")]
    [InlineData("\"line\\nbreak\"", "line\nbreak")]
    [InlineData("""{"a":"b"}""", """{"a":"b"}""")]
    [InlineData("[1,2]", "[1,2]")]
    [InlineData("\"not base64!\"", "not base64!")]
    [InlineData("\"abc=d===\"", "abc=d===")]
    public void Data_is_unquoted_and_base64_decoded_as_the_go_binding_does(string data, string written) =>
        Assert.Equal(written, Encoding.UTF8.GetString(LocalStorageBinding.DecodeData(Encoding.UTF8.GetBytes(data))));

    [Fact]
    public void Text_that_happens_to_be_valid_base64_is_decoded_as_the_go_binding_does() =>
        Assert.Equal(Convert.FromBase64String("test"), LocalStorageBinding.DecodeData("\"test\""u8.ToArray()));

    [Fact]
    public async Task Binary_data_sent_as_base64_is_written_as_bytes()
    {
        byte[] bytes = [0, 1, 2, 250, 251, 252];
        await Invoke("create", $"\"{Convert.ToBase64String(bytes)}\"", "blob.bin");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(Root, "blob.bin")));
        Assert.Equal(bytes, (await Invoke("get", fileName: "blob.bin"))!.Data.ToArray());
    }

    [Theory]
    [InlineData("create", "../escape.txt", "contains '..'")]
    [InlineData("create", "a/../../escape.txt", "contains '..'")]
    [InlineData("create", "..", "contains '..'")]
    [InlineData("create", "..\\escape.txt", "contains '..'")]
    [InlineData("create", "/tmp/escape.txt", "absolute path")]
    [InlineData("get", "/etc/passwd", "absolute path")]
    [InlineData("get", "../../../../etc/passwd", "contains '..'")]
    [InlineData("delete", "../files", "contains '..'")]
    [InlineData("list", "..", "contains '..'")]
    [InlineData("get", "a\0b", "NUL")]
    public async Task Names_that_leave_the_root_are_refused(string operation, string fileName, string reason)
    {
        var e = await Assert.ThrowsAsync<BindingException>(() => Invoke(operation, "\"x\"", fileName));
        Assert.Contains("metadata 'fileName'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "escape.txt")));
    }

    [Fact]
    public async Task A_symbolic_link_out_of_the_root_is_refused()
    {
        var outside = Path.Combine(_dir.Path, "outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "secret");
        Directory.CreateSymbolicLink(Path.Combine(Root, "link"), outside);
        File.CreateSymbolicLink(Path.Combine(Root, "secret-link.txt"), Path.Combine(outside, "secret.txt"));

        foreach (var (operation, name) in new[] { ("get", "link/secret.txt"), ("create", "link/new.txt"), ("get", "secret-link.txt"), ("list", "link") })
        {
            var e = await Assert.ThrowsAsync<BindingException>(() => Invoke(operation, "\"x\"", name));
            Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(outside, "new.txt")));
        Assert.Equal("[]", Text(await Invoke("list")));
    }

    [Fact]
    public async Task Get_and_delete_need_a_file_name_and_refuse_folders()
    {
        Assert.Contains("metadata 'fileName' is required", (await Assert.ThrowsAsync<BindingException>(() => Invoke("get"))).Message, StringComparison.Ordinal);
        Assert.Contains("metadata 'fileName' is required", (await Assert.ThrowsAsync<BindingException>(() => Invoke("delete"))).Message, StringComparison.Ordinal);
        await Invoke("create", "\"x\"", "folder/file.txt");
        Assert.Contains("folder", (await Assert.ThrowsAsync<BindingException>(() => Invoke("delete", fileName: "folder"))).Message, StringComparison.Ordinal);
        Assert.Contains("is a file", (await Assert.ThrowsAsync<BindingException>(() => Invoke("list", fileName: "folder/file.txt"))).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/proc/self", "disallowed location")]
    [InlineData("/sys/kernel", "disallowed location")]
    [InlineData("/var/run/secrets/kubernetes.io", "disallowed location")]
    public async Task System_folders_are_refused_as_root(string rootPath, string reason)
    {
        var e = await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync(rootPath));
        Assert.Contains("metadata 'rootPath'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_root_is_required_must_not_be_a_file_and_is_created()
    {
        Assert.Contains("metadata 'rootPath' is required", (await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync(null))).Message, StringComparison.Ordinal);
        var file = _dir.Write("plain.txt", "x");
        Assert.Contains("is a file", (await Assert.ThrowsAsync<ComponentConfigurationException>(() => CreateAsync(file))).Message, StringComparison.Ordinal);

        var nested = Path.Combine(_dir.Path, "a", "b", "c");
        await using var binding = await CreateAsync(nested);
        Assert.True(Directory.Exists(nested));
    }
}
