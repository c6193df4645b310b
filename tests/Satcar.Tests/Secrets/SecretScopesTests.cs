using System.Text.Json.Nodes;
using Satcar.Runtime.Secrets;

namespace Satcar.Tests.Secrets;

public sealed class SecretScopesTests
{
    private static SecretScopes Read(string specJson) => SecretScopes.Read(JsonNode.Parse(specJson)!.AsObject());

    /// <summary>
    /// The six scenarios of Dapr's secret-scope table (operations/configuration/secret-scope.md), each
    /// checked against the secrets s1, s2 and s3 of store "vault".
    /// </summary>
    public static TheoryData<string, string, string, string, bool, bool, bool> Scenarios => new()
    {
        // scenario, defaultAccess, allowedSecrets, deniedSecrets → s1, s2, s3
        { "1 only default access: deny", "deny", "", "", false, false, false },
        { "1 only default access: allow", "allow", "", "", true, true, true },
        { "2 default deny with allowed list", "deny", "s1", "", true, false, false },
        { "3 default allow with denied list", "allow", "", "s1", false, true, true },
        { "4 default allow with allowed list", "allow", "s1", "", true, false, false },
        { "5 default deny with denied list", "deny", "", "s1", false, false, false },
        { "6 default deny with both lists", "deny", "s1", "s2", true, false, false },
        { "6 default allow with both lists", "allow", "s1", "s2", true, false, false },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Follows_daprds_scenario_table(string scenario, string defaultAccess, string allowed, string denied, bool s1, bool s2, bool s3)
    {
        static string List(string names) => "[" + string.Join(",", names.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => $"\"{n}\"")) + "]";
        var scopes = Read($$"""
            { "secrets": { "scopes": [
              { "storeName": "vault", "defaultAccess": "{{defaultAccess}}", "allowedSecrets": {{List(allowed)}}, "deniedSecrets": {{List(denied)}} }
            ] } }
            """);
        Assert.Empty(scopes.Problems);
        Assert.True(
            (s1, s2, s3) == (scopes.IsAllowed("vault", "s1"), scopes.IsAllowed("vault", "s2"), scopes.IsAllowed("vault", "s3")),
            $"scenario {scenario}");
    }

    [Fact]
    public void A_store_without_a_scope_and_a_configuration_without_secrets_allow_everything()
    {
        var scopes = Read("""{ "secrets": { "scopes": [ { "storeName": "vault", "defaultAccess": "deny" } ] } }""");
        Assert.True(scopes.IsAllowed("other", "s1"));
        Assert.True(Read("{}").IsAllowed("vault", "s1"));
        Assert.True(SecretScopes.Read(null).IsAllowed("vault", "s1"));
    }

    [Fact]
    public void Default_access_is_allow_and_its_value_is_matched_without_case()
    {
        var scopes = Read("""
            { "secrets": { "scopes": [
              { "storeName": "a" },
              { "storeName": "b", "defaultAccess": "DENY" },
              { "storeName": "c", "defaultAccess": "Allow", "deniedSecrets": ["s1"] }
            ] } }
            """);
        Assert.Empty(scopes.Problems);
        Assert.True(scopes.IsAllowed("a", "s1"));
        Assert.False(scopes.IsAllowed("b", "s1"));
        Assert.False(scopes.IsAllowed("c", "s1"));
        Assert.True(scopes.IsAllowed("c", "s2"));
    }

    [Fact]
    public void Store_and_secret_names_are_matched_exactly()
    {
        var scopes = Read("""{ "secrets": { "scopes": [ { "storeName": "Vault", "defaultAccess": "deny", "allowedSecrets": ["Secret"] } ] } }""");
        Assert.True(scopes.IsAllowed("Vault", "Secret"));
        Assert.False(scopes.IsAllowed("Vault", "secret"));
        Assert.True(scopes.IsAllowed("vault", "anything"));
    }

    [Fact]
    public void Field_names_are_matched_without_case_as_gos_decoder_does()
    {
        var scopes = Read("""{ "Secrets": { "Scopes": [ { "StoreName": "vault", "DefaultAccess": "deny", "AllowedSecrets": ["s1"] } ] } }""");
        Assert.Empty(scopes.Problems);
        Assert.True(scopes.IsAllowed("vault", "s1"));
        Assert.False(scopes.IsAllowed("vault", "s2"));
    }

    [Fact]
    public void A_name_on_both_lists_is_denied()
    {
        var scopes = Read("""{ "secrets": { "scopes": [ { "storeName": "vault", "allowedSecrets": ["s1"], "deniedSecrets": ["s1"] } ] } }""");
        Assert.False(scopes.IsAllowed("vault", "s1"));
    }

    [Theory]
    [InlineData("""{ "storeName": "vault", "defaultAccess": "maybe" }""", "spec.secrets.scopes[0].defaultAccess", "must be 'allow' or 'deny', got 'maybe'")]
    [InlineData("""{ "storeName": "vault", "allowedSecrets": "s1" }""", "spec.secrets.scopes[0].allowedSecrets", "must be a list")]
    [InlineData("""{ "storeName": "vault", "deniedSecrets": [1] }""", "spec.secrets.scopes[0].deniedSecrets[0]", "must be a string")]
    [InlineData("""{ "storeName": "vault", "defaultAccess": true }""", "spec.secrets.scopes[0].defaultAccess", "must be a string")]
    public void A_broken_entry_is_reported_by_field_and_its_store_denies_everything(string entry, string field, string message)
    {
        var scopes = Read($$"""{ "secrets": { "scopes": [ {{entry}} ] } }""");
        var problem = Assert.Single(scopes.Problems);
        Assert.Equal(field, problem.Field);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
        Assert.False(scopes.IsAllowed("vault", "s1"));
    }

    [Fact]
    public void A_repeated_store_is_reported_and_denies_everything()
    {
        var scopes = Read("""
            { "secrets": { "scopes": [
              { "storeName": "vault", "defaultAccess": "allow" },
              { "storeName": "vault", "defaultAccess": "allow" }
            ] } }
            """);
        var problem = Assert.Single(scopes.Problems);
        Assert.Equal("spec.secrets.scopes[1].storeName", problem.Field);
        Assert.Contains("'vault' is repeated", problem.Message, StringComparison.Ordinal);
        Assert.False(scopes.IsAllowed("vault", "s1"));
    }

    [Theory]
    [InlineData("""{ "secrets": [] }""", "spec.secrets")]
    [InlineData("""{ "secrets": { "scopes": {} } }""", "spec.secrets.scopes")]
    [InlineData("""{ "secrets": { "scopes": [ "vault" ] } }""", "spec.secrets.scopes[0]")]
    [InlineData("""{ "secrets": { "scopes": [ { "defaultAccess": "deny" } ] } }""", "spec.secrets.scopes[0].storeName")]
    public void A_section_of_the_wrong_shape_is_reported_by_field(string spec, string field)
    {
        Assert.Equal(field, Assert.Single(Read(spec).Problems).Field);
    }
}
