#!/usr/bin/env bash
# The nearest proof of .NET Framework that runs on Linux: builds tests/CognitoTools.FrameworkHarness (net472) and runs
# it under Mono against the test endpoint. CognitoTools.Core is loaded in a .NET Framework-profile runtime and sends
# through the default handler, the .NET Framework handler path (HttpClientHandler, ServicePoint limit raised), and
# that path over HttpWebRequest as .NET Framework sends. Prints one PASS/FAIL line per check and closes with
# `mono: N passed, N failed`; the exit code is non-zero on any failure, including a missing Mono.
#
# Needs the .NET SDK and Debian's Mono 6.8 (CI installs it):
#   apt-get update && apt-get install -y --no-install-recommends mono-runtime libmono-system-net-http4.0-cil mono-devel
# mono-devel carries the netstandard 2.0 facade (/usr/lib/mono/4.5/Facades/netstandard.dll); without it Mono stops with
# "Could not load file or assembly 'netstandard, Version=2.0.0.0'".
set -u

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
configuration=Release
install_hint="apt-get update && apt-get install -y --no-install-recommends mono-runtime libmono-system-net-http4.0-cil mono-devel"

fail_setup() {
    echo "run-framework-harness: $1" >&2
    echo "FAIL setup: $1"
    echo "mono: 0 passed, 1 failed"
    exit 1
}

mono_path="$(command -v mono || true)"
[ -n "$mono_path" ] || fail_setup "mono is not installed. Install it with: $install_hint"
# Mono's framework directory sits beside its binary: <prefix>/bin/mono -> <prefix>/lib/mono/4.5.
mono_lib="$(dirname "$(dirname "$(readlink -f "$mono_path")")")/lib/mono/4.5"
[ -f "$mono_lib/Facades/netstandard.dll" ] || fail_setup "Mono has no netstandard 2.0 facade ($mono_lib/Facades/netstandard.dll), which CognitoTools.Core needs: install mono-devel ($install_hint)"
[ -f "$mono_lib/System.Net.Http.dll" ] || fail_setup "Mono has no System.Net.Http ($mono_lib/System.Net.Http.dll): install libmono-system-net-http4.0-cil ($install_hint)"
dotnet_path="$(command -v dotnet || true)"
[ -n "$dotnet_path" ] || fail_setup "dotnet is not on PATH (the harness is built with the .NET SDK and the test endpoint runs on it)"

build() {
    local log
    log="$(mktemp)"
    if ! dotnet build "$1" -c "$configuration" -nologo -v quiet >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        fail_setup "dotnet build $1 failed"
    fi
    rm -f "$log"
}
harness="$root/tests/CognitoTools.FrameworkHarness/bin/$configuration/net472/CognitoTools.FrameworkHarness.exe"
endpoint="$root/tests/CognitoTools.TestEndpoint/bin/$configuration/net10.0/CognitoTools.TestEndpoint.dll"
# The endpoint only when a source is newer than its dll (the solution build usually made it); the harness always
# (incremental), since it also rebuilds CognitoTools.Core when that changed.
if [ ! -f "$endpoint" ] || [ -n "$(find "$root/tests/CognitoTools.TestEndpoint" \( -name bin -o -name obj \) -prune -o -type f -newer "$endpoint" -print -quit)" ]; then
    build "$root/tests/CognitoTools.TestEndpoint"
fi
build "$root/tests/CognitoTools.FrameworkHarness"
[ -f "$harness" ] || fail_setup "no $harness after the build"
[ -f "$endpoint" ] || fail_setup "no $endpoint after the build"

# The harness stops itself after 120 s; timeout is the backstop should Mono itself hang. The endpoints it starts exit
# when it does (they watch their standard input).
output="$(mktemp)"
timeout --kill-after=10 180 mono --debug "$harness" --endpoint-dll "$endpoint" --dotnet "$dotnet_path" --timeout-seconds 120 | tee "$output"
status=${PIPESTATUS[0]}
if ! grep -Eq '^mono: [0-9]+ passed, [0-9]+ failed$' "$output"; then
    # Killed or crashed before its closing line: count what it printed and add the crash as a failure.
    passed=$(grep -c '^PASS ' "$output")
    failed=$(grep -c '^FAIL ' "$output")
    echo "FAIL harness: mono exited with code $status before its closing line"
    echo "mono: $passed passed, $((failed + 1)) failed"
    [ "$status" -ne 0 ] || status=1
fi
rm -f "$output"
exit "$status"
