#!/usr/bin/env bash
# The action's last step (action.yml): fails the job on the run's exit code,
# after the reports were uploaded. 1 (unexpected results) fails it unless
# fail-on-unexpected is false (a shard whose merge gates); 2, or no exit code
# at all (the run step itself failed), always does.
# Inputs: EXIT_CODE, INPUT_FAIL_ON_UNEXPECTED.
set -euo pipefail
case "${EXIT_CODE:-}" in
  0)
    echo "conformatrix: nothing unexpected"
    ;;
  1)
    if [ "${INPUT_FAIL_ON_UNEXPECTED:-true}" = false ]; then
      echo "conformatrix: unexpected results, not failing the job (fail-on-unexpected: false)"
    else
      echo "::error title=conformatrix::unexpected results (new failures or unexpected passes in a gated run): see the job summary"
      exit 1
    fi
    ;;
  *)
    echo "::error title=conformatrix::the run did not complete (exit code ${EXIT_CODE:-none}): a usage or harness error, see the log of the run step"
    exit 2
    ;;
esac
