#!/usr/bin/env bash
# The action's run step (action.yml): runs `conformatrix run` with the action's
# inputs, in the working directory (the workspace), then writes the step's
# outputs to $GITHUB_OUTPUT (outputs.mjs) and matrix.md to the job summary.
# It exits 0 whatever the run found, so that the upload step runs; gate.sh
# fails the job afterwards. Inputs: ACTION_PATH and the INPUT_* variables of
# action.yml's run step.
set -euo pipefail
set -f # The lists are split on white space, never globbed.
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"

out="${INPUT_OUT:-conformatrix-reports}"
args=(run --out "$out")
for s in ${INPUT_SUITES:-}; do args+=(--suite "$s"); done
for t in ${INPUT_TARGETS:-}; do args+=(--target "$t"); done
for d in ${INPUT_TARGET_DIRS:-}; do args+=(--target-dir "$d"); done
for e in ${INPUT_EXPECTATIONS:-}; do args+=(--expectations "$e"); done
if [ -n "${INPUT_SHARD:-}${INPUT_SHARD_COUNT:-}" ]; then args+=(--shard "${INPUT_SHARD:-}/${INPUT_SHARD_COUNT:-}"); fi
if [ -n "${INPUT_RETRIES:-}" ]; then args+=(--retries "$INPUT_RETRIES"); fi
if [ -n "${INPUT_DRIVER:-}" ]; then args+=(--driver "$INPUT_DRIVER"); fi
for a in ${INPUT_ARGS:-}; do args+=("$a"); done
artifact="${INPUT_ARTIFACT_NAME:-conformatrix${INPUT_SHARD:+-shard-$INPUT_SHARD}}"

{
  echo "out=$out"
  echo "artifact-name=$artifact"
} >>"$GITHUB_OUTPUT"

echo "conformatrix ${args[*]}"
set +e
node "$ACTION_PATH/dist/runner/cli.js" "${args[@]}"
code=$?
set -e
echo "exit-code=$code" >>"$GITHUB_OUTPUT"

if [ -f "$out/results.json" ]; then node "$ACTION_PATH/.github/action/outputs.mjs" "$out/results.json" >>"$GITHUB_OUTPUT"; fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out/matrix.md" ]; then
  # GitHub keeps up to 1 MiB of summary per step: a larger matrix is cut at a line, with a note.
  limit=1000000
  if [ "$(wc -c <"$out/matrix.md")" -le "$limit" ]; then
    cat "$out/matrix.md" >>"$GITHUB_STEP_SUMMARY"
  else
    head -c "$limit" "$out/matrix.md" | sed '$d' >>"$GITHUB_STEP_SUMMARY"
    printf '\n\n**The matrix is cut here**: the whole of it is matrix.md and matrix.html in the artifact %s.\n' "$artifact" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
exit 0
