#!/usr/bin/env bash
# Builds the cargo-fuzz (libFuzzer) targets and fuzzes each for a bounded time, starting from
# a temporary copy of the checked-in corpus (fuzz/corpus/<target>/ is never modified). Exits
# non-zero if any target crashes, hangs or fails its assertions; the reproducer is kept in
# fuzz/artifacts/<target>/. Replay one from fuzz/ with the same flags, or cargo-fuzz rebuilds:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --codegen-units 16 <target> artifacts/<target>/<file>
#
#   fuzz/run.sh                          # every target, 60 s each
#   FUZZ_SECONDS=600 fuzz/run.sh room_body
#
# Needs cargo-fuzz:   cargo install cargo-fuzz --version 0.13.2 --locked
# Stable Rust is enough: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly-only flags
# (-Zsanitizer=address, the coverage passes).
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_JOBS (targets fuzzed at once,
# default: one per core; libFuzzer uses one core each), FUZZ_SANITIZER (address, the default,
# or none).
#
# To add what a longer run finds to the checked-in corpus (keep it under 200 KB): fuzz into a
# scratch directory, then merge into corpus/ only the small inputs that reach new edges:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --codegen-units 16 <target> /tmp/new corpus/<target> -- \
#     -max_total_time=300 -max_len=64
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --codegen-units 16 <target> corpus/<target> /tmp/new -- \
#     -merge=1 -use_counters=0
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

seconds="${FUZZ_SECONDS:-60}"
parallel="${FUZZ_JOBS:-$(nproc)}"
export RUSTC_BOOTSTRAP=1
# The same flags for build and run, or `cargo fuzz run` rebuilds. 16 codegen units instead of
# cargo-fuzz's 1: the build is what CI waits for, and the fuzzers lose little speed.
flags=(--sanitizer "${FUZZ_SANITIZER:-address}" --codegen-units 16)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed; run: cargo install cargo-fuzz --version 0.13.2 --locked" >&2
  exit 2
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

# The fuzz crate is outside the workspace, so it has a lockfile of its own: start it from the
# workspace's, so the server builds with the versions it is tested with (cargo adds libFuzzer).
cp ../Cargo.lock Cargo.lock

started=$SECONDS
echo "== building ${#targets[@]} fuzz targets"
if [[ $# -gt 0 ]]; then
  for target in "${targets[@]}"; do cargo fuzz build "${flags[@]}" "$target"; done
else
  cargo fuzz build "${flags[@]}"
fi
built=$((SECONDS - started))
echo "== built in ${built} s; fuzzing each target for ${seconds} s, ${parallel} at a time"

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

fuzz_one() {
  local target=$1 status=0
  mkdir -p "$workdir/corpus/$target"
  if [[ -d "corpus/$target" ]]; then
    cp -R "corpus/$target/." "$workdir/corpus/$target/"
  fi
  # -timeout: an input that takes 10 s is a hang, and fails the run.
  cargo fuzz run "${flags[@]}" "$target" "$workdir/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    >"$workdir/$target.log" 2>&1 || status=$?
  echo "$status" >"$workdir/$target.status"
}

for target in "${targets[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $parallel ]]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

failed=0
printf '\n%-16s %-8s %12s %9s %s\n' target result executions exec/s corpus
for target in "${targets[@]}"; do
  log="$workdir/$target.log"
  status="$(cat "$workdir/$target.status")"
  # libFuzzer's last words: `#N DONE cov: .. corp: files/size .. exec/s: R`, and the stats.
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  corpus="$(sed -n 's/^#[0-9]*[[:space:]]*DONE .* corp: \([^ ]*\).*/\1/p' "$log" | tail -n 1)"
  result=ok
  if [[ "$status" != 0 ]]; then
    result="FAILED"
    failed=1
  fi
  printf '%-16s %-8s %12s %9s %s\n' "$target" "$result" "${runs:--}" "${rate:--}" "${corpus:--}"
done
echo "(build ${built} s, total $((SECONDS - started)) s)"

if [[ $failed -ne 0 ]]; then
  for target in "${targets[@]}"; do
    if [[ "$(cat "$workdir/$target.status")" != 0 ]]; then
      echo >&2
      echo "== $target failed; the end of its log:" >&2
      tail -n 80 "$workdir/$target.log" >&2
    fi
  done
  exit 1
fi
