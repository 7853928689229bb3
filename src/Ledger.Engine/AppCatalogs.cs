using Ledger.Domain;

namespace Ledger.Engine;

/// <summary>The operation catalog of every app the ledger serves, loaded and validated once at start-up.</summary>
public sealed class AppCatalogs
{
    private readonly Dictionary<AppId, OperationCatalog> _catalogs;

    public AppCatalogs(IEnumerable<OperationCatalog> catalogs)
    {
        _catalogs = new Dictionary<AppId, OperationCatalog>();
        foreach (var catalog in catalogs)
        {
            if (!_catalogs.TryAdd(catalog.App, catalog))
            {
                throw new ArgumentException($"App '{catalog.App}' has two catalogs.", nameof(catalogs));
            }
        }
    }

    public IReadOnlyCollection<AppId> Apps => _catalogs.Keys;

    /// <summary>The app's catalog. Asking for an app that was never configured is a programming error: the host authenticates apps first.</summary>
    public OperationCatalog For(AppId app)
        => _catalogs.TryGetValue(app, out var catalog) ? catalog : throw new InvalidOperationException($"App '{app}' has no catalog.");

    public bool Contains(AppId app) => _catalogs.ContainsKey(app);
}
