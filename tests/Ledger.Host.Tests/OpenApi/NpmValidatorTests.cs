using Ledger.Host.Tests.Infrastructure;

namespace Ledger.Host.Tests.OpenApi;

/// <summary>
/// The served document checked by three independent validators from npm: the official OpenAPI 3.1 JSON
/// schema (@seriousme/openapi-schema-validator), swagger-parser (references and structure), and Redocly's
/// linter, whose rules see what a schema cannot (every path parameter declared, unique operation ids,
/// examples that follow their schemas, defined security schemes).
/// </summary>
public sealed class NpmValidatorTests(LedgerApiFactory factory) : IClassFixture<LedgerApiFactory>
{
    private static readonly string[] Packages = ["@seriousme/openapi-schema-validator@2.11.0", "@apidevtools/swagger-parser@13.1.0", "@redocly/cli@2.77.0"];

    private static readonly TimeSpan InstallBound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(2);

    private const string Script = """
        import { Validator } from "@seriousme/openapi-schema-validator";
        import SwaggerParser from "@apidevtools/swagger-parser";
        const file = process.argv[2];
        const validator = new Validator();
        const result = await validator.validate(file);
        if (!result.valid) { console.log(JSON.stringify(result.errors, null, 1)); process.exit(1); }
        console.log(`openapi-schema-validator: valid OpenAPI ${validator.version}`);
        await SwaggerParser.validate(file);
        console.log("swagger-parser: valid");
        """;

    /// <summary>Redocly's recommended rules, with the ones this test relies on made errors; a license is not a contract matter.</summary>
    private const string RedoclyConfig = """
        extends:
          - recommended
        rules:
          path-parameters-defined: error
          operation-operationId-unique: error
          operation-parameters-unique: error
          no-invalid-media-type-examples: error
          no-invalid-parameter-examples: error
          security-defined: error
          info-license: off
        """;

    [NodeFact]
    public async Task The_served_document_passes_the_OpenAPI_schema_swagger_parser_and_redocly_lint()
    {
        var tools = await InstallAsync();
        var file = Path.Combine(tools, $"served-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await ServedOpenApi.TextAsync(factory));
        try
        {
            var (schemaExit, schemaOutput) = await ExternalTools.RunAsync("node", ["validate.mjs", file], RunBound, tools);
            Assert.True(schemaExit == 0, schemaOutput);
            Assert.Contains("openapi-schema-validator: valid OpenAPI 3.1", schemaOutput, StringComparison.Ordinal);
            Assert.Contains("swagger-parser: valid", schemaOutput, StringComparison.Ordinal);

            var environment = new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" };
            var (lintExit, lintOutput) = await ExternalTools.RunAsync("node", [Path.Combine(tools, "node_modules", "@redocly", "cli", "bin", "cli.js"), "lint", "--config", "redocly.yaml", "--format", "summary", file], RunBound, tools, environment);
            Assert.True(lintExit == 0, lintOutput);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The validators in a directory of their own, installed once per machine with npm (the registry is the only network used).</summary>
    private static async Task<string> InstallAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ledger-openapi-validators");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "validate.mjs"), Script);
        await File.WriteAllTextAsync(Path.Combine(directory, "redocly.yaml"), RedoclyConfig);
        if (!File.Exists(Path.Combine(directory, "node_modules", "@redocly", "cli", "package.json")) || !File.Exists(Path.Combine(directory, "node_modules", "@apidevtools", "swagger-parser", "package.json")))
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "package.json"), """{ "name": "ledger-openapi-validators", "private": true, "type": "module" }""");
            var (exit, output) = await ExternalTools.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", .. Packages], InstallBound, directory);
            Assert.True(exit == 0, "npm install failed:\n" + output);
        }

        return directory;
    }
}
