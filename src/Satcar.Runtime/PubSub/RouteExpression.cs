using System.Globalization;
using System.Text.Json;

namespace Satcar.Runtime.PubSub;

/// <summary>
/// The part of CEL (https://github.com/google/cel-spec) that Dapr's routing rules use in practice,
/// evaluated against the CloudEvent as <c>event</c>: literals (strings, numbers, booleans, null, lists),
/// field access (<c>event.data.price</c>, <c>event.data["a-b"]</c>), <c>== != &lt; &lt;= &gt; &gt;= in</c>,
/// <c>&amp;&amp; || !</c>, parentheses, <c>has(…)</c>, <c>size(…)</c> and the string methods
/// <c>startsWith</c>, <c>endsWith</c> and <c>contains</c>. An expression outside this subset is refused when
/// the subscription is loaded; a field that is missing when a message is routed makes the rule not match.
/// </summary>
public sealed class RouteExpression
{
    private readonly Node _root;

    private RouteExpression(string text, Node root)
    {
        Text = text;
        _root = root;
    }

    public string Text { get; }

    /// <summary>Parses an expression; throws <see cref="FormatException"/> naming what is wrong and where.</summary>
    public static RouteExpression Parse(string text)
    {
        var parser = new Parser(text);
        var root = parser.ParseExpression();
        parser.ExpectEnd();
        return new RouteExpression(text, root);
    }

    /// <summary>True when the expression holds for the event; false when it does not or cannot be evaluated.</summary>
    public bool Matches(JsonElement cloudEvent)
    {
        try
        {
            return _root.Evaluate(cloudEvent) is true;
        }
        catch (EvaluationException)
        {
            return false;
        }
    }

    private sealed class EvaluationException : Exception;

    private abstract class Node
    {
        public abstract object? Evaluate(JsonElement cloudEvent);

        protected static object? FromJson(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            _ => element,
        };

        protected static bool Truthy(object? value) => value is bool b ? b : throw new EvaluationException();
    }

    private sealed class Literal(object? value) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent) => value;
    }

    private sealed class ListLiteral(List<Node> items) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent) => items.Select(i => i.Evaluate(cloudEvent)).ToList();
    }

    /// <summary><c>event</c> followed by field names; missing fields fail the evaluation.</summary>
    private sealed class FieldPath(List<string> fields) : Node
    {
        public IReadOnlyList<string> Fields => fields;

        public override object? Evaluate(JsonElement cloudEvent) =>
            TryResolve(cloudEvent, out var value) ? FromJson(value) : throw new EvaluationException();

        public bool TryResolve(JsonElement cloudEvent, out JsonElement value)
        {
            value = cloudEvent;
            foreach (var field in fields)
            {
                if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(field, out value))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private sealed class Has(FieldPath path) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent) => path.TryResolve(cloudEvent, out _);
    }

    private sealed class Size(Node operand) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent) => operand.Evaluate(cloudEvent) switch
        {
            string text => (double)text.Length,
            List<object?> list => (double)list.Count,
            JsonElement { ValueKind: JsonValueKind.Array } array => (double)array.GetArrayLength(),
            JsonElement { ValueKind: JsonValueKind.Object } map => (double)map.EnumerateObject().Count(),
            _ => throw new EvaluationException(),
        };
    }

    private sealed class Not(Node operand) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent) => !Truthy(operand.Evaluate(cloudEvent));
    }

    private sealed class Logical(Node left, Node right, bool isAnd) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent)
        {
            var first = Truthy(left.Evaluate(cloudEvent));
            if (isAnd ? !first : first)
            {
                return first;
            }

            return Truthy(right.Evaluate(cloudEvent));
        }
    }

    private sealed class Method(Node target, string name, Node argument) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent)
        {
            if (target.Evaluate(cloudEvent) is not string text || argument.Evaluate(cloudEvent) is not string other)
            {
                throw new EvaluationException();
            }

            return name switch
            {
                "startsWith" => text.StartsWith(other, StringComparison.Ordinal),
                "endsWith" => text.EndsWith(other, StringComparison.Ordinal),
                _ => text.Contains(other, StringComparison.Ordinal),
            };
        }
    }

    private sealed class Comparison(Node left, string op, Node right) : Node
    {
        public override object? Evaluate(JsonElement cloudEvent)
        {
            var a = left.Evaluate(cloudEvent);
            var b = right.Evaluate(cloudEvent);
            return op switch
            {
                "==" => Equal(a, b),
                "!=" => !Equal(a, b),
                "in" => In(a, b),
                _ => Order(a, b) switch
                {
                    var c when op == "<" => c < 0,
                    var c when op == "<=" => c <= 0,
                    var c when op == ">" => c > 0,
                    var c => c >= 0,
                },
            };
        }

        private static bool Equal(object? a, object? b) => (a, b) switch
        {
            (null, null) => true,
            (double x, double y) => x.Equals(y),
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (bool x, bool y) => x == y,
            _ => false,
        };

        private static int Order(object? a, object? b) => (a, b) switch
        {
            (double x, double y) => x.CompareTo(y),
            (string x, string y) => string.CompareOrdinal(x, y),
            _ => throw new EvaluationException(),
        };

        private static bool In(object? item, object? collection) => collection switch
        {
            List<object?> list => list.Any(other => Equal(item, other)),
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Any(e => Equal(item, FromJson(e))),
            JsonElement { ValueKind: JsonValueKind.Object } map when item is string key => map.TryGetProperty(key, out _),
            _ => throw new EvaluationException(),
        };
    }

    private sealed class Parser(string text)
    {
        private int _position;

        public Node ParseExpression() => ParseOr();

        public void ExpectEnd()
        {
            SkipSpace();
            if (_position < text.Length)
            {
                throw Error($"unexpected '{text[_position]}'");
            }
        }

        private Node ParseOr()
        {
            var left = ParseAnd();
            while (Accept("||"))
            {
                left = new Logical(left, ParseAnd(), isAnd: false);
            }

            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (Accept("&&"))
            {
                left = new Logical(left, ParseUnary(), isAnd: true);
            }

            return left;
        }

        private Node ParseUnary() => Accept("!") ? new Not(ParseUnary()) : ParseComparison();

        private Node ParseComparison()
        {
            var left = ParsePostfix();
            foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
            {
                if (Accept(op))
                {
                    return new Comparison(left, op, ParsePostfix());
                }
            }

            if (AcceptWord("in"))
            {
                return new Comparison(left, "in", ParsePostfix());
            }

            return left;
        }

        private Node ParsePostfix()
        {
            var node = ParsePrimary();
            while (true)
            {
                SkipSpace();
                if (node is FieldPath path && Accept("["))
                {
                    if (ParsePrimary() is not Literal { } literal || literal.Evaluate(default) is not string key)
                    {
                        throw Error("a field index must be a string literal");
                    }

                    Expect("]");
                    node = new FieldPath([.. path.Fields, key]);
                }
                else if (Accept("."))
                {
                    var name = Identifier();
                    if (Accept("("))
                    {
                        if (name is not ("startsWith" or "endsWith" or "contains"))
                        {
                            throw Error($"unsupported function '{name}'");
                        }

                        var argument = ParseExpression();
                        Expect(")");
                        node = new Method(node, name, argument);
                    }
                    else if (node is FieldPath fields)
                    {
                        node = new FieldPath([.. fields.Fields, name]);
                    }
                    else
                    {
                        throw Error($"cannot read field '{name}' of this value");
                    }
                }
                else
                {
                    return node;
                }
            }
        }

        private Node ParsePrimary()
        {
            SkipSpace();
            if (_position >= text.Length)
            {
                throw Error("unexpected end of the expression");
            }

            var c = text[_position];
            if (c == '(')
            {
                _position++;
                var inner = ParseExpression();
                Expect(")");
                return inner;
            }

            if (c == '[')
            {
                _position++;
                var items = new List<Node>();
                if (!Accept("]"))
                {
                    do
                    {
                        items.Add(ParseExpression());
                    }
                    while (Accept(","));
                    Expect("]");
                }

                return new ListLiteral(items);
            }

            if (c is '"' or '\'')
            {
                return new Literal(StringLiteral(c));
            }

            if (char.IsAsciiDigit(c) || (c == '-' && _position + 1 < text.Length && char.IsAsciiDigit(text[_position + 1])))
            {
                return new Literal(Number());
            }

            var word = Identifier();
            switch (word)
            {
                case "true":
                    return new Literal(true);
                case "false":
                    return new Literal(false);
                case "null":
                    return new Literal(null);
                case "event":
                    return new FieldPath([]);
                case "has":
                    Expect("(");
                    var field = ParsePostfix() as FieldPath ?? throw Error("has() takes a field such as event.data.x");
                    Expect(")");
                    return new Has(field);
                case "size":
                    Expect("(");
                    var operand = ParseExpression();
                    Expect(")");
                    return new Size(operand);
                default:
                    throw Error($"unknown name '{word}'; expressions read the CloudEvent as 'event'");
            }
        }

        private string StringLiteral(char quote)
        {
            _position++;
            var start = _position;
            var result = new System.Text.StringBuilder();
            while (_position < text.Length && text[_position] != quote)
            {
                if (text[_position] == '\\' && _position + 1 < text.Length)
                {
                    _position++;
                }

                result.Append(text[_position++]);
            }

            if (_position >= text.Length)
            {
                throw Error($"unterminated string starting at {start}");
            }

            _position++;
            return result.ToString();
        }

        private double Number()
        {
            var start = _position;
            if (text[_position] == '-')
            {
                _position++;
            }

            while (_position < text.Length && (char.IsAsciiDigit(text[_position]) || text[_position] is '.' or 'e' or 'E'))
            {
                _position++;
            }

            return double.TryParse(text.AsSpan(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Error($"'{text[start.._position]}' is not a number");
        }

        private string Identifier()
        {
            SkipSpace();
            var start = _position;
            while (_position < text.Length && (char.IsAsciiLetterOrDigit(text[_position]) || text[_position] == '_'))
            {
                _position++;
            }

            return _position > start ? text[start.._position] : throw Error("a name was expected");
        }

        private bool AcceptWord(string word)
        {
            SkipSpace();
            var end = _position + word.Length;
            if (end <= text.Length && string.CompareOrdinal(text, _position, word, 0, word.Length) == 0
                && (end == text.Length || !char.IsAsciiLetterOrDigit(text[end])))
            {
                _position = end;
                return true;
            }

            return false;
        }

        private bool Peek(string token) => string.CompareOrdinal(text, _position, token, 0, token.Length) == 0;

        private bool Accept(string token)
        {
            SkipSpace();
            if (Peek(token))
            {
                _position += token.Length;
                return true;
            }

            return false;
        }

        private void Expect(string token)
        {
            if (!Accept(token))
            {
                throw Error($"'{token}' was expected");
            }
        }

        private void SkipSpace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }
        }

        private FormatException Error(string problem) => new($"{problem} at position {_position} of '{text}'");
    }
}
