#!/usr/bin/env bash
# Builds the Rust packet shim (ffi/) offline when its library is missing or
# older than its sources, with the launcher of the single-file CLI
# (`deno task compile`); `--force` rebuilds regardless. cargo is looked up on
# PATH, then in ~/.cargo/bin (which only login shells put on PATH). Without
# cargo it says so and exits 0: the pure-TypeScript parts need no shim, and
# the tests that do report themselves as ignored.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lib="$root/ffi/target/release/libmtcp_shim.so"
force=0
[ "${1:-}" = "--force" ] && force=1
launcher="$root/ffi/target/release/mtcp_launcher"
if [ $force = 0 ] && [ -f "$lib" ] && [ -f "$launcher" ]; then
  stale=$(find "$root/ffi/src" "$root/ffi/Cargo.toml" -newer "$lib" -print -quit)
  [ -z "$stale" ] && exit 0
fi
cargo=""
if command -v cargo >/dev/null 2>&1; then
  cargo=cargo
else
  for c in "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" /root/.cargo/bin/cargo; do
    [ -x "$c" ] && cargo="$c" && break
  done
fi
if [ -z "$cargo" ]; then
  echo "build_shim: cargo not found (install Rust, or put cargo on PATH); the ring devices are unavailable" >&2
  [ $force = 1 ] && exit 1
  exit 0
fi
PATH="$(dirname "$cargo"):$PATH"
echo "build_shim: building ffi/ (cargo build --release --offline)" >&2
"$cargo" build --quiet --release --offline --manifest-path "$root/ffi/Cargo.toml"
touch "$lib"
