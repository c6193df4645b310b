using System.Text.Json;
using Satcar.Runtime.PubSub;

namespace Satcar.Tests.PubSub;

public sealed class RouteExpressionTests
{
    private static readonly JsonElement Event = JsonDocument.Parse("""
        {"type":"order.created","source":"shop","data":{"price":120.5,"items":3,"tags":["gift","eu"],"customer":{"vip":true,"name":"Ann"},"odd-name":"x"}}
        """).RootElement;

    [Theory]
    [InlineData("event.type == \"order.created\"", true)]
    [InlineData("event.type == 'order.created'", true)]
    [InlineData("event.type != \"order.created\"", false)]
    [InlineData("event.data.price > 100", true)]
    [InlineData("event.data.price <= 100", false)]
    [InlineData("event.data.items >= 3 && event.data.customer.vip", true)]
    [InlineData("event.data.items < 3 || event.source == \"shop\"", true)]
    [InlineData("!(event.data.customer.vip)", false)]
    [InlineData("\"gift\" in event.data.tags", true)]
    [InlineData("event.source in [\"web\", \"shop\"]", true)]
    [InlineData("\"vip\" in event.data.customer", true)]
    [InlineData("event.type.startsWith(\"order.\")", true)]
    [InlineData("event.type.endsWith(\".deleted\")", false)]
    [InlineData("event.data.customer.name.contains(\"nn\")", true)]
    [InlineData("has(event.data.customer)", true)]
    [InlineData("has(event.data.missing)", false)]
    [InlineData("size(event.data.tags) == 2", true)]
    [InlineData("event.data[\"odd-name\"] == \"x\"", true)]
    [InlineData("event.data.missing == 1", false)]
    [InlineData("event.data.price == \"120.5\"", false)]
    public void Evaluates_the_cel_subset_against_the_event(string expression, bool expected)
    {
        Assert.Equal(expected, RouteExpression.Parse(expression).Matches(Event));
    }

    [Theory]
    [InlineData("")]
    [InlineData("request.type == \"x\"")]
    [InlineData("event.type ==")]
    [InlineData("event.type.matches(\"x\")")]
    [InlineData("(event.type == \"a\"")]
    [InlineData("event.type == \"unterminated")]
    public void Refuses_what_it_does_not_understand(string expression)
    {
        Assert.Throws<FormatException>(() => RouteExpression.Parse(expression));
    }
}
