#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, to run profiles/slurm against a scheduler rather than a
# stand-in (tests/workflow/test_slurm_cluster.py uses it). Debian/Ubuntu, as root.
#
#   profiles/slurm/local_cluster.sh install   # apt-get install slurm-wlm (pulls munge), ~20 s
#   profiles/slurm/local_cluster.sh start     # munged, slurmctld and slurmd; waits until the node is idle
#   profiles/slurm/local_cluster.sh status    # sinfo
#   profiles/slurm/local_cluster.sh stop      # stops exactly the daemons `start` started (by PID)
#
# Then: snakemake --workflow-profile profiles/slurm --slurm-status-command squeue --slurm-no-account \
#         --default-resources slurm_partition=xqg ...
# The cluster has no accounting (sacct fails), hence the squeue status command; see the profile.
#
# slurm.conf goes to Slurm's default path (/etc/slurm/slurm.conf): with SLURM_CONF elsewhere, srun inside
# a batch job (Snakemake's job step) cannot find its configuration. An existing slurm.conf that this
# script did not write is never touched. State, logs and PID files live in $XQG_SLURM_STATE
# (default /tmp/xqg-slurm). The node has the machine's CPUs and memory and no GPUs, so the profile's
# full-study requests (GPUs, up to 96 GB) are lowered on the command line for it, as on any CPU-only
# cluster: --set-resources RULE:gpu=0 RULE:mem_mb=2000 (tests/workflow/test_end_to_end.py shows how).
set -euo pipefail

STATE=${XQG_SLURM_STATE:-/tmp/xqg-slurm}
CONF=/etc/slurm/slurm.conf
MARKER="# written by xqg profiles/slurm/local_cluster.sh"
PARTITION=${XQG_SLURM_PARTITION:-xqg}
NODE=$(hostname -s)

die() { echo "local_cluster.sh: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (it starts munged, slurmctld and slurmd)"; }

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
        die "$CONF exists and was not written by this script; refusing to replace it"
    fi
    local cpus mem
    cpus=$(nproc --all)  # not nproc: OMP_NUM_THREADS in the caller's environment would shrink the node
    mem=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
    mkdir -p "$(dirname "$CONF")" "$STATE/spool" "$STATE/ctld"
    cat > "$CONF" <<EOF
$MARKER
ClusterName=xqg-local
SlurmctldHost=$NODE
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=$NODE CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
    need_root
    command -v slurmctld >/dev/null || die "slurmctld not found: run '$0 install' first"
    mkdir -p "$STATE"
    if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true  # absent where systemd is not running
        munged --force 2>"$STATE/munged.err" || die "munged failed: $(cat "$STATE/munged.err")"
        # munged writes its own PID file; remember that this script started it
        for pidfile in /run/munge/munged.pid /var/run/munge/munged.pid; do
            [ -f "$pidfile" ] && cp "$pidfile" "$STATE/munged.pid" && break
        done
    fi
    write_conf
    running "$STATE/slurmctld.pid" || slurmctld
    running "$STATE/slurmd.pid" || slurmd
    for _ in $(seq 60); do
        if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
            sinfo
            return 0
        fi
        sleep 0.5
    done
    sinfo || true
    die "the node did not become idle within 30 s (logs: $STATE/slurmctld.log, $STATE/slurmd.log)"
}

stop() {
    local name
    for name in slurmd slurmctld munged; do
        if running "$STATE/$name.pid"; then
            kill "$(cat "$STATE/$name.pid")"
        fi
        rm -f "$STATE/$name.pid"
    done
    if [ -f "$CONF" ] && grep -qF "$MARKER" "$CONF"; then
        rm -f "$CONF"
    fi
}

case "${1:-}" in
    install)
        need_root
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q slurm-wlm >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm >/dev/null; }
        ;;
    start) start ;;
    stop) stop ;;
    status) sinfo ;;
    *) die "usage: $0 install|start|stop|status" ;;
esac
