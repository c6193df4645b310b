using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Satcar.Testing.Consul;

/// <summary>
/// A small subset of go-bexpr, Consul's <c>filter</c> language: <c>==</c>, <c>!=</c>, <c>contains</c>,
/// <c>not contains</c>, <c>in</c>, <c>not in</c>, <c>is empty</c>, <c>is not empty</c>, <c>and</c>,
/// <c>or</c>, <c>not</c> and parentheses, over the selectors Consul documents for the endpoint.
/// Anything else (<c>matches</c>, unknown selectors, bad syntax) is a <see cref="FormatException"/>,
/// which the double answers with 400 as Consul does. A selector that crosses a list (<c>Checks.Status</c>)
/// matches when any element matches.
/// </summary>
internal sealed class ConsulFilter
{
    /// <summary>Selectors of <c>/v1/health/service</c> (a ServiceEntry); a trailing <c>*</c> allows any map key.</summary>
    public static readonly IReadOnlySet<string> ServiceEntrySelectors = new HashSet<string>(StringComparer.Ordinal)
    {
        "Node.ID", "Node.Node", "Node.Address", "Node.Datacenter", "Node.TaggedAddresses", "Node.TaggedAddresses.*", "Node.Meta", "Node.Meta.*",
        "Service.Kind", "Service.ID", "Service.Service", "Service.Tags", "Service.Address", "Service.Port", "Service.Meta", "Service.Meta.*",
        "Service.EnableTagOverride", "Service.Weights.Passing", "Service.Weights.Warning", "Service.TaggedAddresses", "Service.TaggedAddresses.*",
        "Checks.Node", "Checks.CheckID", "Checks.Name", "Checks.Status", "Checks.Notes", "Checks.Output", "Checks.ServiceID",
        "Checks.ServiceName", "Checks.ServiceTags", "Checks.Type",
    };

    /// <summary>Selectors of <c>/v1/health/state</c> (a HealthCheck).</summary>
    public static readonly IReadOnlySet<string> HealthCheckSelectors = new HashSet<string>(StringComparer.Ordinal)
    {
        "Node", "CheckID", "Name", "Status", "Notes", "Output", "ServiceID", "ServiceName", "ServiceTags", "Type",
    };

    private readonly Func<JsonObject, bool> _predicate;

    private ConsulFilter(Func<JsonObject, bool> predicate) => _predicate = predicate;

    public bool Matches(JsonObject item) => _predicate(item);

    /// <summary>Parses <paramref name="expression"/>; throws <see cref="FormatException"/> with Consul-like wording when it cannot.</summary>
    public static ConsulFilter Parse(string expression, IReadOnlySet<string> selectors)
    {
        var parser = new Parser(Tokenize(expression), selectors);
        var predicate = parser.ParseOr();
        if (!parser.AtEnd)
        {
            throw new FormatException($"Failed to create boolean expression evaluator: unexpected '{parser.Peek.Text}'");
        }

        return new ConsulFilter(predicate);
    }

    private enum TokenKind
    {
        Word,
        Quoted,
        Equal,
        NotEqual,
        Open,
        Close,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '(' || c == ')')
            {
                tokens.Add(new Token(c == '(' ? TokenKind.Open : TokenKind.Close, c.ToString()));
                i++;
            }
            else if (c == '=' && i + 1 < text.Length && text[i + 1] == '=')
            {
                tokens.Add(new Token(TokenKind.Equal, "=="));
                i += 2;
            }
            else if (c == '!' && i + 1 < text.Length && text[i + 1] == '=')
            {
                tokens.Add(new Token(TokenKind.NotEqual, "!="));
                i += 2;
            }
            else if (c is '"' or '`')
            {
                var quote = c;
                var value = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != quote)
                {
                    if (quote == '"' && text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }

                    value.Append(text[i]);
                    i++;
                }

                if (i >= text.Length)
                {
                    throw new FormatException("Failed to create boolean expression evaluator: unterminated string");
                }

                i++;
                tokens.Add(new Token(TokenKind.Quoted, value.ToString()));
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or '"' or '`')
                       && !(text[i] == '=' && i + 1 < text.Length && text[i + 1] == '=')
                       && !(text[i] == '!' && i + 1 < text.Length && text[i + 1] == '='))
                {
                    i++;
                }

                if (start == i)
                {
                    throw new FormatException($"Failed to create boolean expression evaluator: unexpected '{text[i]}'");
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i]));
            }
        }

        return tokens;
    }

    private sealed class Parser(List<Token> tokens, IReadOnlySet<string> selectors)
    {
        private int _position;

        public bool AtEnd => _position >= tokens.Count;

        public Token Peek => AtEnd ? new Token(TokenKind.Word, "<end>") : tokens[_position];

        public Func<JsonObject, bool> ParseOr()
        {
            var left = ParseAnd();
            while (IsKeyword("or"))
            {
                _position++;
                var right = ParseAnd();
                var l = left;
                left = item => l(item) || right(item);
            }

            return left;
        }

        private Func<JsonObject, bool> ParseAnd()
        {
            var left = ParseNot();
            while (IsKeyword("and"))
            {
                _position++;
                var right = ParseNot();
                var l = left;
                left = item => l(item) && right(item);
            }

            return left;
        }

        private Func<JsonObject, bool> ParseNot()
        {
            if (IsKeyword("not"))
            {
                _position++;
                var inner = ParseNot();
                return item => !inner(item);
            }

            return ParsePrimary();
        }

        private Func<JsonObject, bool> ParsePrimary()
        {
            if (Peek.Kind == TokenKind.Open)
            {
                _position++;
                var inner = ParseOr();
                Expect(TokenKind.Close);
                return inner;
            }

            var first = Next("a selector or a value");
            if (IsKeyword("in"))
            {
                _position++;
                var selector = Selector(Next("a selector"));
                return item => Contains(Select(item, selector), first.Text);
            }

            if (IsKeyword("not") && IsKeyword("in", 1))
            {
                _position += 2;
                var selector = Selector(Next("a selector"));
                return item => !Contains(Select(item, selector), first.Text);
            }

            var path = Selector(first);
            var op = Next("an operator");
            switch (op.Kind)
            {
                case TokenKind.Equal:
                {
                    var value = Value();
                    return item => AnyEquals(Select(item, path), value);
                }

                case TokenKind.NotEqual:
                {
                    var value = Value();
                    return item => !AnyEquals(Select(item, path), value);
                }
            }

            switch (op.Text)
            {
                case "contains":
                {
                    var value = Value();
                    return item => Contains(Select(item, path), value);
                }

                case "not" when IsKeyword("contains"):
                {
                    _position++;
                    var value = Value();
                    return item => !Contains(Select(item, path), value);
                }

                case "is":
                    var negate = IsKeyword("not");
                    if (negate)
                    {
                        _position++;
                    }

                    if (!IsKeyword("empty"))
                    {
                        throw new FormatException("Failed to create boolean expression evaluator: expected 'empty' after 'is'");
                    }

                    _position++;
                    return item => IsEmpty(Select(item, path)) != negate;
                case "matches" or "not":
                    throw new FormatException($"Failed to create boolean expression evaluator: the Consul double does not support '{op.Text}' expressions");
                default:
                    throw new FormatException($"Failed to create boolean expression evaluator: unknown operator '{op.Text}'");
            }
        }

        private string[] Selector(Token token)
        {
            if (token.Kind != TokenKind.Word)
            {
                throw new FormatException($"Failed to create boolean expression evaluator: expected a selector, got \"{token.Text}\"");
            }

            var parts = token.Text.Split('.');
            var valid = selectors.Contains(token.Text)
                || (parts.Length > 1 && selectors.Contains(string.Join('.', parts[..^1]) + ".*"));
            if (!valid)
            {
                throw new FormatException($"Selector \"{token.Text}\" is not valid");
            }

            return parts;
        }

        private string Value()
        {
            var token = Next("a value");
            if (token.Kind is not (TokenKind.Word or TokenKind.Quoted))
            {
                throw new FormatException($"Failed to create boolean expression evaluator: expected a value, got '{token.Text}'");
            }

            return token.Text;
        }

        private Token Next(string what)
        {
            if (AtEnd)
            {
                throw new FormatException($"Failed to create boolean expression evaluator: expected {what} at the end");
            }

            return tokens[_position++];
        }

        private void Expect(TokenKind kind)
        {
            if (AtEnd || tokens[_position].Kind != kind)
            {
                var expected = kind == TokenKind.Close ? ")" : "(";
                throw new FormatException($"Failed to create boolean expression evaluator: expected '{expected}'");
            }

            _position++;
        }

        private bool IsKeyword(string keyword, int ahead = 0) =>
            _position + ahead < tokens.Count && tokens[_position + ahead].Kind == TokenKind.Word && tokens[_position + ahead].Text == keyword;
    }

    // Every node the selector reaches; crossing a list fans out over its elements.
    private static List<JsonNode?> Select(JsonObject item, string[] path)
    {
        List<JsonNode?> current = [item];
        foreach (var part in path)
        {
            var next = new List<JsonNode?>();
            foreach (var node in current)
            {
                switch (node)
                {
                    case JsonObject obj:
                        next.Add(obj.TryGetPropertyValue(part, out var child) ? child : null);
                        break;
                    case JsonArray array:
                        foreach (var element in array)
                        {
                            if (element is JsonObject elementObject)
                            {
                                next.Add(elementObject.TryGetPropertyValue(part, out var grandChild) ? grandChild : null);
                            }
                        }

                        break;
                }
            }

            current = next;
        }

        return current;
    }

    private static bool AnyEquals(List<JsonNode?> values, string expected) =>
        values.Any(v => v is JsonValue value && Text(value) == expected);

    private static bool Contains(List<JsonNode?> values, string expected) => values.Any(v => v switch
    {
        JsonArray array => array.Any(e => e is JsonValue value && Text(value) == expected),
        JsonObject map => map.ContainsKey(expected),
        JsonValue value => Text(value).Contains(expected, StringComparison.Ordinal),
        _ => false,
    });

    private static bool IsEmpty(List<JsonNode?> values) => values.All(v => v switch
    {
        null => true,
        JsonArray array => array.Count == 0,
        JsonObject map => map.Count == 0,
        JsonValue value => Text(value).Length == 0,
        _ => true,
    });

    private static string Text(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.TryGetValue<long>(out var number) ? number.ToString(CultureInfo.InvariantCulture) : value.ToJsonString(),
        _ => value.ToJsonString(),
    };
}
