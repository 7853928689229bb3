#!/usr/bin/env bash
# The checks of the Bicep templates that no compiler can make; infra/bicep/build.sh compiles and lints them with the
# real Bicep CLI first, then runs this. What is checked here: the ledger container's indexing policy holds every
# composite index the Cosmos store requires (the store refuses to start without them), the Function App's app
# settings include every setting the code reads in Azure and none that Flex Consumption deprecates, and no template
# uses account keys.
#
# Usage: bash infra/bicep/check.sh        (exit code 0 = all checks passed)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

python3 - "$here" "$root" <<'PY'
import json, os, re, sys

here, root = sys.argv[1], sys.argv[2]
errors = []
checks = 0

def fail(msg):
    errors.append(msg)

def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()

def strip_comments(text):
    # Drop // comments outside strings and /* */ blocks; Bicep strings are single-quoted.
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1]); i += 2; continue
            if c == "'":
                in_str = False
            i += 1; continue
        if c == "'":
            in_str = True; out.append(c); i += 1; continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        out.append(c); i += 1
    return "".join(out)

bicep_files = [os.path.join(here, "main.bicep")] + sorted(
    os.path.join(here, "modules", f) for f in os.listdir(os.path.join(here, "modules")) if f.endswith(".bicep"))

# 1. The ledger indexing policy keeps its shape and holds what the store requires.
policy = json.loads(read(os.path.join(here, "ledger-indexing-policy.json")))
checks += 1
if {"path": "/*"} not in policy.get("includedPaths", []):
    fail("ledger-indexing-policy.json: must include /*")
checks += 1
if {"path": "/body/*"} not in policy.get("excludedPaths", []):
    fail("ledger-indexing-policy.json: must exclude /body/*")
composites = [[(c["path"], c["order"]) for c in comp] for comp in policy.get("compositeIndexes", [])]
for wanted in (["/type", "/sortKey", "/id"], ["/type", "/indexKey", "/pk", "/id"]):
    checks += 1
    if [(p, "ascending") for p in wanted] not in composites:
        fail(f"ledger-indexing-policy.json: composite index {wanted} (ascending) is missing")

# The Cosmos store verifies the deployed container against its own list of composite indexes; the
# policy file must contain every one of them, or the app refuses to start in Azure.
store_file = os.path.join(root, "src", "Ledger.Store.Cosmos", "LedgerContainers.cs")
if os.path.isfile(store_file):
    block = re.search(r"RequiredCompositeIndexes[^=]*=\s*\[(.*?)\];", read(store_file), re.S)
    checks += 1
    if not block:
        fail("src/Ledger.Store.Cosmos/LedgerContainers.cs: RequiredCompositeIndexes not found; update this check")
    else:
        for line in block.group(1).splitlines():
            parts = re.findall(r'\("([^"]+)",\s*CompositePathSortOrder\.(\w+)\)', line)
            if not parts:
                continue
            checks += 1
            wanted = [(p, o.lower()) for p, o in parts]
            if wanted not in composites:
                fail(f"ledger-indexing-policy.json: lacks composite index {wanted} that LedgerContainers.cs requires")

# 2. App settings of the Function App: what the code reads is there, what Flex Consumption deprecates is not.
app_text = strip_comments(read(os.path.join(here, "modules", "functionapp.bicep")))
setting_names = set(re.findall(r"^\s*(\w+)\s*:", app_text, re.M))
required_settings = [
    "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "Ledger__Store", "Ledger__Cosmos__Endpoint",
    "Ledger__Cosmos__DatabaseName", "Ledger__Cosmos__LedgerContainerName",
    "Ledger__Cosmos__LeasesContainerName", "Ledger__Cosmos__CreateIfMissing",
    "Ledger__Notifications__EventGrid__Endpoint", "Ledger__Notifications__EventGrid__UseManagedIdentity",
    "Ledger__Apps__app1__ApiKeys__0",
    "Ledger__Exports__Store", "Ledger__Exports__Blob__ServiceUri", "Ledger__Exports__Blob__ContainerName",
]
for s in required_settings:
    checks += 1
    if s not in setting_names:
        fail(f"modules/functionapp.bicep: app setting {s} is missing")
for s in ["FUNCTIONS_EXTENSION_VERSION", "FUNCTIONS_WORKER_RUNTIME", "WEBSITE_RUN_FROM_PACKAGE",
          "WEBSITE_CONTENTSHARE", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "AzureWebJobsStorage"]:
    checks += 1
    if s in setting_names:
        fail(f"modules/functionapp.bicep: {s} must not be set on Flex Consumption / with identity-based storage")

# 3. No account keys or connection strings with keys in the templates.
for path in bicep_files + [os.path.join(here, n) for n in os.listdir(here) if n.endswith(".bicepparam")]:
    checks += 1
    if re.search(r"AccountKey=|listKeys\(|SharedAccessKey", read(path)):
        fail(f"{os.path.relpath(path, root)}: uses keys; every connection must be identity-based")

for e in errors:
    print("FAIL " + e)
print(f"infra/bicep/check.sh: {checks - len(errors)} passed, {len(errors)} failed")
sys.exit(1 if errors else 0)
PY
