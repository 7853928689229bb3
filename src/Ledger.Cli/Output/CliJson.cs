using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Ledger.Client;

namespace Ledger.Cli.Output;

/// <summary>
/// JSON for <c>--json</c>: the SDK's types print with the API's own snake_case names (so a script reads
/// the same fields docs/api.md documents), indented, null fields left out as the API leaves them out.
/// </summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(ClientJson.Default, new DefaultJsonTypeInfoResolver()),
    };

    public static void Write<T>(TextWriter writer, T value) => writer.WriteLine(JsonSerializer.Serialize(value, Options));
}
