#!/bin/sh
# Stand-in for the SLURM client commands (sbatch, sacct, squeue, sinfo, scontrol, sacctmgr, sshare,
# scancel); tests/workflow/test_slurm_profile.py links each name to a copy of this file.
# sbatch writes its arguments (NUL-separated) and stdin to $SLURM_STUB_DIR/sbatch.<pid>.{argv,stdin},
# then refuses the job, so Snakemake renders every job once and stops without polling for status.
# The other commands answer with nothing, as on a cluster with no default partition and no account
# history: the executor then adds no -p or -A of its own.
set -eu
if [ "$(basename "$0")" = sbatch ]; then
    printf '%s\0' "$@" > "$SLURM_STUB_DIR/sbatch.$$.argv"
    cat > "$SLURM_STUB_DIR/sbatch.$$.stdin"
    echo "sbatch: error: refused by the test stub (arguments recorded)" >&2
    exit 1
fi
exit 0
