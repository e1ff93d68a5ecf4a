#!/usr/bin/env bash
# A real SLURM test (`make slurm-test`): start a one-node SLURM cluster on this machine, run a scenario through
# snakemake-executor-plugin-slurm, run the same scenario locally, and require equal outputs.
#
# Needs root (it installs Debian's slurm-wlm and munge with apt when missing and starts their daemons) and a
# built .venv. Everything SLURM writes (config, state, logs) goes under $SLURM_TEST_DIR; /etc/slurm/slurm.conf
# is a symbolic link to it while the test runs (srun inside jobs reads only that path), and the test refuses to
# run on a machine that has a slurm.conf of its own. The daemons this script starts are stopped
# on exit, also on failure. Exit status: 0 when every output agrees, non-zero otherwise.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
SCENARIO=${SCENARIO:-config/scenarios/slurm_smoke.yaml}
# Relative to the run's results folder, results/<version>/ (afgehaakt/versioning.py).
TARGETS=${TARGETS:-"tables/spatial/tk2021_global_moran.csv tables/spatial/lisa.csv"}
SLURM_TEST_DIR=${SLURM_TEST_DIR:-$(mktemp -d /tmp/afgehaakt-slurm-test.XXXXXX)}
PARTITION=afgehaakt
SNAKEMAKE="$REPO/.venv/bin/snakemake"
PYTHON="$REPO/.venv/bin/python"
# Parts of the repository a run needs; each run gets its own copy, so the two cannot share an output.
WORKFLOW_PARTS=(Snakefile rules scripts workflow config envs data afgehaakt)

say() { printf '[slurm-test %(%H:%M:%S)T] %s\n' -1 "$*"; }

install_slurm() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        return
    fi
    say "installing slurm-wlm and munge with apt"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        say "munged already running: reused"
        return
    fi
    [ -s /etc/munge/munge.key ] || /usr/sbin/mungekey --create --keyfile /etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    # munged runs as its own user, so its pid file goes in its own run directory.
    MUNGED_PID=/run/munge/afgehaakt-slurm-test.pid
    runuser -u munge -- /usr/sbin/munged --pid-file "$MUNGED_PID"
    STARTED_MUNGE=1
    say "munged started"
}

write_slurm_conf() {
    local memory
    # RealMemory as slurmd measures it, so that the node registers; jobs then request what their rules declare.
    memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    mkdir -p "$SLURM_TEST_DIR"/{state,spool,log}
    cat >"$SLURM_TEST_DIR/slurm.conf" <<EOF
ClusterName=afgehaakt-test
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$SLURM_TEST_DIR/state
SlurmdSpoolDir=$SLURM_TEST_DIR/spool
SlurmctldPidFile=$SLURM_TEST_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_TEST_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_TEST_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_TEST_DIR/log/slurmd.log
# No cgroups in a container or CI runner: track processes through /proc, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# No accounting daemon: sacct then has nothing to read, so the executor asks squeue for job states, which
# needs finished jobs to stay visible to slurmctld for longer than its polling interval.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
ReturnToService=2
SchedulerType=sched/backfill
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=$PARTITION Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

link_system_conf() {
    # slurmd does not pass SLURM_CONF on to the job's environment, so srun inside a job reads the default
    # /etc/slurm/slurm.conf: point it at this cluster for the test's lifetime, never over a real config.
    if [ -e /etc/slurm/slurm.conf ] || [ -L /etc/slurm/slurm.conf ]; then
        echo "/etc/slurm/slurm.conf exists: this machine has its own SLURM; refusing to replace it" >&2
        return 1
    fi
    mkdir -p /etc/slurm
    ln -s "$SLURM_TEST_DIR/slurm.conf" /etc/slurm/slurm.conf
    LINKED_CONF=1
}

start_slurm() {
    export SLURM_CONF="$SLURM_TEST_DIR/slurm.conf"
    link_system_conf
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF" -N localhost
    STARTED_SLURM=1
    for _ in $(seq 60); do
        if [ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = "idle" ]; then
            say "SLURM up: $(sinfo -h -o '%P %D %c cpus %m MB %T')"
            return
        fi
        sleep 1
    done
    say "the node did not become idle within 60 s:"
    sinfo -N -l || true
    tail -n 30 "$SLURM_TEST_DIR/log/slurmctld.log" "$SLURM_TEST_DIR/log/slurmd.log" || true
    return 1
}

stop_daemons() {
    local status=$?
    if [ -n "${STARTED_SLURM:-}" ]; then
        for daemon in slurmd slurmctld; do
            [ -s "$SLURM_TEST_DIR/$daemon.pid" ] && kill "$(cat "$SLURM_TEST_DIR/$daemon.pid")" 2>/dev/null || true
        done
        say "SLURM stopped"
    fi
    [ -n "${LINKED_CONF:-}" ] && rm -f /etc/slurm/slurm.conf
    if [ -n "${STARTED_MUNGE:-}" ] && [ -s "$MUNGED_PID" ]; then
        kill "$(cat "$MUNGED_PID")" 2>/dev/null || true
        say "munged stopped"
    fi
    exit "$status"
}

copy_workflow() {
    local target=$1
    mkdir -p "$target"
    for part in "${WORKFLOW_PARTS[@]}"; do
        cp -r "$REPO/$part" "$target/$part"
    done
    find "$target" -name __pycache__ -prune -exec rm -rf {} +
}

run_snakemake() {
    local directory=$1
    shift
    # The copied package goes first on PYTHONPATH (as in the e2e tests); sbatch --export=ALL hands it to the
    # jobs too, so both runs execute exactly the copied code.
    local results target targets=()
    results=$(cd "$directory" && PYTHONPATH="$directory" "$SNAKEMAKE" --configfile "$SCENARIO" --dry-run --quiet \
        2>&1 >/dev/null | sed -n 's/^results folder: //p' | tail -n 1)
    [ -n "$results" ] || { echo "the workflow in $directory named no results folder" >&2; exit 1; }
    for target in $TARGETS; do targets+=("$results/$target"); done
    (cd "$directory" && PYTHONPATH="$directory" "$SNAKEMAKE" --configfile "$SCENARIO" "$@" "${targets[@]}")
}

main() {
    [ "$(id -u)" -eq 0 ] || { echo "slurm_test.sh must run as root (apt-get, munged, slurmd)" >&2; exit 2; }
    [ -x "$SNAKEMAKE" ] || { echo "no $SNAKEMAKE: run make install first" >&2; exit 2; }
    trap stop_daemons EXIT
    mkdir -p "$SLURM_TEST_DIR"
    say "working in $SLURM_TEST_DIR"
    install_slurm
    say "$(slurmctld -V), $(munged --version 2>&1 | head -n 1)"
    start_munge
    write_slurm_conf
    start_slurm

    copy_workflow "$SLURM_TEST_DIR/local"
    copy_workflow "$SLURM_TEST_DIR/slurm"

    local started=$SECONDS
    say "run through SLURM: $SCENARIO -> $TARGETS"
    # Executor settings of this throw-away cluster: no accounts, squeue for job states (no accounting
    # database), first status check after 5 s instead of 40.
    run_snakemake "$SLURM_TEST_DIR/slurm" --executor slurm --profile workflow/profiles/slurm \
        --slurm-no-account --slurm-status-command squeue --slurm-init-seconds-before-status-checks 5 \
        --seconds-between-status-checks 5 --latency-wait 5 --retries 0 \
        >"$SLURM_TEST_DIR/slurm_run.log" 2>&1 || { tail -n 60 "$SLURM_TEST_DIR/slurm_run.log"; exit 1; }
    say "SLURM run finished in $((SECONDS - started)) s; jobs SLURM ran:"
    squeue -h -t all -o '  job %.3i  %.45k  %T after %M on %C cpu' | sort -n -k2 || true

    started=$SECONDS
    say "run locally: same scenario, same targets"
    run_snakemake "$SLURM_TEST_DIR/local" --profile workflow/profiles/default --cores 2 \
        >"$SLURM_TEST_DIR/local_run.log" 2>&1 || { tail -n 60 "$SLURM_TEST_DIR/local_run.log"; exit 1; }
    say "local run finished in $((SECONDS - started)) s"

    say "comparing results/ of the two runs"
    (cd "$REPO" && "$PYTHON" workflow/slurm/compare_results.py "$SLURM_TEST_DIR/local/results" \
        "$SLURM_TEST_DIR/slurm/results")
    say "PASS: the SLURM run reproduces the local run"
}

main "$@"
