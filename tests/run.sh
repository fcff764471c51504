#!/usr/bin/env bash
# Runs every test of Huntbook: the Rust unit and integration tests, then the kernel under
# real Jupyter clients (jupyter_kernel_test, jupyter_client, nbclient) and JupyterLab in
# headless Chromium (tests/browser).
#
# Python packages go into a venv (HUNTBOOK_TEST_VENV, default .venv-test); the shared data
# is read from ../shared/data beside the checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -d ../shared/data ]; then
    echo "tests/run.sh: ../shared/data is missing; the tests read real data from there" >&2
    exit 1
fi

target=${CARGO_TARGET_DIR:-$root/target}
# Every request the kernel or a test makes stays on 127.0.0.1: the engine refuses others.
export HUNTBOOK_LOOPBACK_ONLY=1

echo "== build the kernel binary ($(date -u +%T))"
cargo build --locked -p huntbook-kernel

echo "== the kernel without Rust cells (the cargo feature rust-cells off): build and its tests ($(date -u +%T))"
# Without evcxr in the graph cargo builds about 80 crates a second time (polars among
# them): with the same features, but hashed apart. Both sets stay in the target folder,
# so this costs minutes from scratch and nothing on a warm one.
cargo build --locked --workspace --no-default-features
cp "$target/debug/huntbook" "$target/debug/huntbook-without-rust"
export HUNTBOOK_BIN_WITHOUT_RUST="$target/debug/huntbook-without-rust"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --workspace --no-default-features -E 'package(huntbook-kernel)'
else
    cargo test --locked --no-default-features -p huntbook-kernel
fi
cargo build --locked -p huntbook-kernel  # the default binary back in its place

echo "== Rust tests ($(date -u +%T))"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --workspace --no-fail-fast
else
    cargo test --locked --workspace --no-fail-fast
fi

echo "== Python clients ($(date -u +%T))"
venv=${HUNTBOOK_TEST_VENV:-$root/.venv-test}
stamp="$venv/.requirements-$(sha256sum tests/requirements.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt
    touch "$stamp"
fi
export HUNTBOOK_BIN="$target/debug/huntbook"
"$venv/bin/python" -m pytest tests -p no:cacheprovider -q "$@"
