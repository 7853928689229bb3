#!/usr/bin/env bash
# Compiles the Bicep templates with the real Bicep CLI and fails on any error or warning:
#   bicep build and bicep lint of every .bicep file, bicep build-params of every .bicepparam file,
#   then check.sh: the checks no compiler can make (the app settings against what the code reads).
# The CLI comes from the package source as a NuGet package (Azure.Bicep.CommandLine.linux-x64, version pinned in
# Directory.Packages.props), restored through bicep.proj; no other network access is needed.
#
# Usage: bash infra/bicep/build.sh        (exit code 0 = everything compiled, no warnings)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

dotnet restore "$here/bicep.proj" --verbosity quiet
version=$(dotnet msbuild "$here/bicep.proj" -getItem:PackageDownload | python3 -c \
  'import json, sys; print(json.load(sys.stdin)["Items"]["PackageDownload"][0]["Version"].strip("[]"))')
packages=$(dotnet nuget locals global-packages --list | sed -e 's/^global-packages: *//')
bicep="${packages%/}/azure.bicep.commandline.linux-x64/$version/tools/bicep"
[[ -x "$bicep" ]] || chmod +x "$bicep"
echo "bicep: $("$bicep" --version)"

# main.dev.bicepparam reads the app1 API key from the environment at deploy time. A compile needs a value of the
# allowed length; this one is never deployed, and the compiled output is thrown away.
export LEDGER_APP1_API_KEY="${LEDGER_APP1_API_KEY:-ci-compile-only-not-a-real-key}"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0

# Runs one bicep command; fails on a non-zero exit or on any warning or error it prints.
run() {
  local log="$out/log"
  if ! "$bicep" "$@" >"$log" 2>&1 || grep -qE ' : (Warning|Error) ' "$log"; then
    echo "FAIL bicep $*"
    cat "$log"
    failed=1
  else
    echo "ok   bicep $*"
  fi
}

# --no-restore: the templates use no registry modules, and without it the CLI looks up aka.ms (a DNS query
# that fails on a machine without internet) before every compile.
templates=$(find . -name '*.bicep' -not -path './obj/*' | wc -l)
parameter_files=$(find . -maxdepth 1 -name '*.bicepparam' | wc -l)
run build --pattern '**/*.bicep' --outdir "$out" --no-restore
run lint --pattern '**/*.bicep' --no-restore
run build-params --pattern '*.bicepparam' --outdir "$out" --no-restore

if ! bash "$here/check.sh"; then
  failed=1
fi

if [[ $failed -ne 0 ]]; then
  echo "infra/bicep/build.sh: failed"
  exit 1
fi
echo "infra/bicep/build.sh: $templates templates and $parameter_files parameter files compiled and linted with no warnings"
