using System.Security.Cryptography;
using Ledger.Http;
using Ledger.Http.Authentication;
using Ledger.Http.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Ledger.Hosting;

/// <summary>
/// Authentication, authorization and request limits, registered once for both hosts: the <c>X-Api-Key</c>
/// handler and, when <c>Ledger:Jwt</c> is configured, JWT bearer, behind one forwarding scheme; a policy per
/// scope; and the rate-limit settings the local host's middleware uses.
/// </summary>
public static class LedgerAuthenticationServiceCollectionExtensions
{
    public static IServiceCollection AddLedgerAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var jwt = JwtSettings.FromConfiguration(configuration);
        var authentication = services.AddAuthentication(LedgerAuthentication.Scheme)
            .AddPolicyScheme(LedgerAuthentication.Scheme, "API key or bearer token", scheme =>
                scheme.ForwardDefaultSelector = context => LedgerAuthentication.SelectScheme(context, bearerEnabled: jwt is not null))
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(LedgerAuthentication.ApiKeyScheme, configureOptions: null);
        if (jwt is not null)
        {
            authentication.AddJwtBearer(LedgerAuthentication.BearerScheme, bearer => ConfigureBearer(bearer, jwt));
        }

        services.AddAuthorization(authorization =>
        {
            // A policy per scope, and one per route policy that admits alternatives (a|b).
            foreach (var name in LedgerScopes.All.Concat(LedgerRoutes.All.Select(route => route.Scope).OfType<string>()).Distinct(StringComparer.Ordinal))
            {
                authorization.AddPolicy(name, policy => policy.AddRequirements(new LedgerScopeRequirement(name)));
            }
        });
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, LedgerScopeAuthorizationHandler>();
        services.AddSingleton(RateLimitSettings.FromConfiguration(configuration));
        services.AddRateLimiter(_ => { });
        return services;
    }

    /// <summary>
    /// The bound on requests in flight. The local host puts it ahead of routing: a request beyond the bound is
    /// answered by the path alone, so shedding costs no route match or anything after it. Health and
    /// <paramref name="unboundedPaths"/> (the host's monitoring endpoints) are never shed and take no place.
    /// </summary>
    public static IApplicationBuilder UseLedgerInFlightBound(this IApplicationBuilder app, params string[] unboundedPaths)
        => app.UseMiddleware<InFlightBound>(
            app.ApplicationServices.GetRequiredService<RateLimitSettings>(),
            Array.ConvertAll(unboundedPaths, path => new PathString(path)));

    /// <summary>
    /// The local host's per-caller limits, after routing (they read the endpoint): for every endpoint but the
    /// ledger's anonymous routes, authenticate (so the limiters know the app and key; routes reuse the
    /// result) and apply the per-app and per-key buckets. Health and ping read no caller, so they pay for
    /// no credential check.
    /// </summary>
    public static IApplicationBuilder UseLedgerRequestLimits(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<RateLimitSettings>();
        app.UseWhen(RequestAuthorization.ReadsCaller, caller => caller.UseAuthentication().UseRateLimiter(LedgerRateLimiters.PerCaller(settings)));

        // UseAuthentication marks the builder it is called on, and a branch's marks stay in the branch:
        // unmarked, WebApplication would add its own authentication for every request at the start of
        // the pipeline. This is the key AuthAppBuilderExtensions.UseAuthentication sets.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app;
    }

    private static void ConfigureBearer(JwtBearerOptions bearer, JwtSettings jwt)
    {
        // Claims keep the token's names (scp, roles, azp): the ledger reads them, not .NET's long URIs.
        bearer.MapInboundClaims = false;
        bearer.Authority = jwt.Authority;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuers = jwt.Issuers.Count > 0 ? jwt.Issuers : null,
            ValidateAudience = true,
            ValidAudiences = jwt.Audiences,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = jwt.ClockSkew,
            IssuerSigningKeys = jwt.SigningKeys.Select(SigningKey).ToArray(),
        };
        bearer.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                var apps = context.HttpContext.RequestServices.GetRequiredService<AppRegistry>();
                var ledger = jwt.ToLedgerPrincipal(context.Principal!, apps, LedgerAuthentication.BearerScheme);
                if (ledger.TryGetValue(out var principal, out var error))
                {
                    context.Principal = principal;
                }
                else
                {
                    context.Fail(error.Message);
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>A PEM public key (RSA or EC), or a base64 symmetric secret of at least 256 bits.</summary>
    private static SecurityKey SigningKey(string configured)
    {
        if (!configured.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            var secret = new byte[configured.Length];
            return Convert.TryFromBase64String(configured, secret, out var length) && length >= 32
                ? new SymmetricSecurityKey(secret[..length])
                : throw KeyError();
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(configured);
            return new RsaSecurityKey(rsa);
        }
        catch (ArgumentException)
        {
            rsa.Dispose();
        }

        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(configured);
            return new ECDsaSecurityKey(ec);
        }
        catch (ArgumentException)
        {
            ec.Dispose();
            throw KeyError();
        }
    }

    private static InvalidOperationException KeyError()
        => new($"A signing key under '{JwtSettings.SectionName}:SigningKeys' is neither a PEM public key nor a base64 secret of at least 32 bytes.");
}
