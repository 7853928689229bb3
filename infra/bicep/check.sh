#!/usr/bin/env bash
# Static checks of the Bicep templates, for machines without the Bicep CLI (it cannot be installed here).
# It does not compile anything; it catches the mistakes a compiler would catch first: missing module
# files, parameters passed that a module does not declare, required parameters not passed, outputs read
# that a module does not produce, parameter-file entries main.bicep does not declare, unbalanced braces,
# resource types without an API version, and drift between the app settings and what the code reads.
# On a machine with the Azure CLI, also run:  az bicep build --file infra/bicep/main.bicep
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

def blank_strings(text):
    # Replace string contents so braces inside strings do not count.
    return re.sub(r"'(?:\\.|[^'\\])*'", lambda m: "'" + "x" * (len(m.group(0)) - 2) + "'", text)

PARAM_RE = re.compile(r"^param\s+(\w+)\s+(\w+)(\s*=\s*.+)?\s*$", re.M)
OUTPUT_RE = re.compile(r"^output\s+(\w+)\s+\w+\s*=", re.M)

def params_of(text):
    return {m.group(1): m.group(3) is not None for m in PARAM_RE.finditer(text)}

def block_after(text, start):
    # text[start] must be '{'; returns the block body without the outer braces.
    depth, i = 0, start
    masked = blank_strings(text)
    while i < len(masked):
        if masked[i] == "{":
            depth += 1
        elif masked[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
        i += 1
    return None

def top_level_keys(body):
    keys, depth = [], 0
    masked = blank_strings(body)
    for raw, line in zip(masked.splitlines(), body.splitlines()):
        if depth == 0:
            m = re.match(r"\s*(\w+)\s*:", line)
            if m:
                keys.append(m.group(1))
        depth += raw.count("{") + raw.count("[") - raw.count("}") - raw.count("]")
    return keys

bicep_files = [os.path.join(here, "main.bicep")] + sorted(
    os.path.join(here, "modules", f) for f in os.listdir(os.path.join(here, "modules")) if f.endswith(".bicep"))

# 1. Balanced braces/brackets/parentheses and API versions on every resource.
for path in bicep_files:
    text = blank_strings(strip_comments(read(path)))
    for open_c, close_c in ("{}", "[]", "()"):
        checks += 1
        if text.count(open_c) != text.count(close_c):
            fail(f"{os.path.relpath(path, root)}: unbalanced {open_c}{close_c}")
    for m in re.finditer(r"^resource\s+\w+\s+'([^']+)'", strip_comments(read(path)), re.M):
        checks += 1
        if not re.fullmatch(r"[A-Za-z.]+/[A-Za-z./]+@\d{4}-\d{2}-\d{2}(-preview)?", m.group(1)):
            fail(f"{os.path.relpath(path, root)}: resource type without a valid API version: {m.group(1)}")

# 2. Modules referenced by main.bicep exist; params passed are declared; required params are passed;
#    outputs read exist.
main_path = os.path.join(here, "main.bicep")
main = strip_comments(read(main_path))
module_outputs = {}
for m in re.finditer(r"^module\s+(\w+)\s+'([^']+)'\s*=\s*(?:if\s*\([^)]*\)\s*)?\{", main, re.M):
    symbol, rel = m.group(1), m.group(2)
    mod_path = os.path.normpath(os.path.join(here, rel))
    checks += 1
    if not os.path.isfile(mod_path):
        fail(f"main.bicep: module '{symbol}' refers to missing file {rel}")
        continue
    mod_text = strip_comments(read(mod_path))
    declared = params_of(mod_text)
    module_outputs[symbol] = set(OUTPUT_RE.findall(mod_text))
    body = block_after(main, m.end() - 1)
    pm = re.search(r"\bparams\s*:\s*\{", body or "")
    passed = top_level_keys(block_after(body, pm.end() - 1)) if pm else []
    for p in passed:
        checks += 1
        if p not in declared:
            fail(f"main.bicep: module '{symbol}' passes '{p}', which {rel} does not declare")
    for p, has_default in declared.items():
        checks += 1
        if not has_default and p not in passed:
            fail(f"main.bicep: module '{symbol}' does not pass required parameter '{p}' of {rel}")

for path in [main_path]:
    text = strip_comments(read(path))
    for m in re.finditer(r"\b(\w+)\.outputs\.(\w+)", text):
        symbol, out = m.group(1), m.group(2)
        checks += 1
        if symbol not in module_outputs:
            fail(f"main.bicep: reads outputs of unknown module '{symbol}'")
        elif out not in module_outputs[symbol]:
            fail(f"main.bicep: module '{symbol}' has no output '{out}'")

# 3. Parameter file: 'using' target exists, every param is declared, every required param is set.
main_params = params_of(main)
for name in sorted(os.listdir(here)):
    if not name.endswith(".bicepparam"):
        continue
    text = strip_comments(read(os.path.join(here, name)))
    using = re.search(r"^using\s+'([^']+)'", text, re.M)
    checks += 1
    if not using or os.path.normpath(os.path.join(here, using.group(1))) != main_path:
        fail(f"{name}: must start with using 'main.bicep'")
    set_params = re.findall(r"^param\s+(\w+)\s*=", text, re.M)
    for p in set_params:
        checks += 1
        if p not in main_params:
            fail(f"{name}: param '{p}' is not declared in main.bicep")
    for p, has_default in main_params.items():
        checks += 1
        if not has_default and p not in set_params:
            fail(f"{name}: required param '{p}' of main.bicep is not set")

# 4. Files loaded with loadJsonContent exist and parse; the ledger indexing policy keeps its shape.
for path in bicep_files:
    for m in re.finditer(r"loadJsonContent\('([^']+)'\)", strip_comments(read(path))):
        target = os.path.normpath(os.path.join(os.path.dirname(path), m.group(1)))
        checks += 1
        if not os.path.isfile(target):
            fail(f"{os.path.relpath(path, root)}: loadJsonContent target {m.group(1)} is missing")
            continue
        try:
            json.loads(read(target))
        except ValueError as e:
            fail(f"{os.path.relpath(target, root)}: invalid JSON: {e}")

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
    if block:
        for line in block.group(1).splitlines():
            parts = re.findall(r'\("([^"]+)",\s*CompositePathSortOrder\.(\w+)\)', line)
            if not parts:
                continue
            checks += 1
            wanted = [(p, o.lower()) for p, o in parts]
            if wanted not in composites:
                fail(f"ledger-indexing-policy.json: lacks composite index {wanted} that LedgerContainers.cs requires")

# 5. App settings of the Function App: what the code reads is there, what Flex Consumption deprecates is not.
app_text = strip_comments(read(os.path.join(here, "modules", "functionapp.bicep")))
setting_names = set(re.findall(r"^\s*(\w+)\s*:", app_text, re.M))
required_settings = [
    "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "Ledger__Store", "Ledger__Cosmos__Endpoint",
    "Ledger__Cosmos__DatabaseName", "Ledger__Cosmos__LedgerContainerName",
    "Ledger__Cosmos__LeasesContainerName", "Ledger__Cosmos__CreateIfMissing",
    "Ledger__Notifications__EventGrid__Endpoint", "Ledger__Notifications__EventGrid__UseManagedIdentity",
    "Ledger__Apps__app1__ApiKeys__0", "CosmosLedger__accountEndpoint", "CosmosLedger__credential",
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

# 6. Functions host configuration files at the repository root parse; local settings values are strings.
for name in ("host.json", "local.settings.sample.json"):
    path = os.path.join(root, name)
    checks += 1
    if not os.path.isfile(path):
        fail(f"{name} is missing at the repository root")
        continue
    try:
        doc = json.loads(read(path))
    except ValueError as e:
        fail(f"{name}: invalid JSON: {e}")
        continue
    if name == "host.json":
        checks += 1
        if doc.get("version") != "2.0" or doc.get("extensions", {}).get("http", {}).get("routePrefix") != "":
            fail("host.json: needs version 2.0 and extensions.http.routePrefix \"\"")
    else:
        for k, v in doc.get("Values", {}).items():
            checks += 1
            if not isinstance(v, str):
                fail(f"local.settings.sample.json: Values.{k} must be a string (Core Tools rejects other types)")

# 7. No account keys or connection strings with keys in the templates.
for path in bicep_files + [os.path.join(here, n) for n in os.listdir(here) if n.endswith(".bicepparam")]:
    checks += 1
    if re.search(r"AccountKey=|listKeys\(|SharedAccessKey", read(path)):
        fail(f"{os.path.relpath(path, root)}: uses keys; every connection must be identity-based")

for e in errors:
    print("FAIL " + e)
print(f"infra/bicep/check.sh: {checks - len(errors)} passed, {len(errors)} failed")
sys.exit(1 if errors else 0)
PY
