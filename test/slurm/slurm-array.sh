#!/usr/bin/env bash
# A real Slurm job array labels a folder with `--shard auto`, `--merge-shards` joins the shards,
# and the result must equal a single-machine run of the same folder byte for byte.
#
# Starts a one-node cluster on localhost (munged, slurmctld, slurmd; Debian's slurm-wlm + munge)
# with everything under a temp folder, and stops it on exit. Needs root and a built dist/.
#   bash test/slurm/slurm-array.sh          (npm run test:slurm)
# Without Slurm installed it skips (exit 0), unless RCNN_LENS_REQUIRE_SLURM=1 (CI).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
TASKS=4

for cmd in munged slurmctld slurmd sbatch squeue; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$cmd" ]]; then
    if [[ "${RCNN_LENS_REQUIRE_SLURM:-}" == "1" ]]; then echo "FAIL: $cmd not found (apt-get install slurm-wlm munge)"; exit 1; fi
    echo "SKIP: $cmd not found (apt-get install slurm-wlm munge)"; exit 0
  fi
done
[[ "$(id -u)" == "0" ]] || { echo "FAIL: needs root to start slurmd"; exit 1; }
[[ -f dist/cli.js ]] || { echo "FAIL: build first (npm run build)"; exit 1; }
export PATH="$PATH:/usr/sbin"

T="$(mktemp -d /tmp/rl-slurm.XXXXXX)"
chmod 755 "$T"
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  if [[ $rc -ne 0 ]]; then
    for f in "$T"/*.log "$T"/out-*.txt; do [[ -f "$f" ]] && { echo "--- $f"; tail -n 20 "$f"; }; done
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

# munge: its own key, socket and files, as the munge user (munged refuses to run as root).
mkdir -p "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$T/munge"; chmod 711 "$T/munge"; chmod 400 "$T/munge/munge.key"
SOCK="$T/munge/munge.socket"
runuser -u munge -- munged --key-file="$T/munge/munge.key" --socket="$SOCK" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed"
PIDS+=("$(cat "$T/munge/munged.pid")")

HOST="$(hostname -s)"
mkdir -p "$T/state" "$T/spool"
cat >"$T/slurm.conf" <<CONF
ClusterName=rcnnlens
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCK
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmctldPort=${RL_SLURMCTLD_PORT:-16817}
SlurmdPort=${RL_SLURMD_PORT:-16818}
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
NodeName=$HOST CPUs=2 State=UNKNOWN
PartitionName=rl Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -f "$SLURM_CONF" -D >"$T/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -f "$SLURM_CONF" -D >"$T/slurmd.out" 2>&1 &
PIDS+=($!)
for i in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then break; fi
  sleep 1
  [[ $i -eq 60 ]] && { echo "FAIL: the Slurm node did not come up"; sinfo || true; exit 1; }
done
echo "slurm up: $(sinfo -h -o '%N %T %c CPUs')"

# A folder of the demo images in class-like subfolders, and a copy (same times) for one machine.
DATA="$T/data"; SINGLE="$T/single"
for sub in a b c; do mkdir -p "$DATA/$sub"; cp samples/demo-images/*.jpg "$DATA/$sub/"; done
printf 'not an image' >"$DATA/b/broken.jpg"
cp -a "$DATA" "$SINGLE"

JOB=$(sbatch --parsable --array=0-$((TASKS - 1)) --chdir="$ROOT" --output="$T/out-%a.txt" \
  --wrap "node '$ROOT/dist/cli.js' label '$DATA' --shard auto --workers 1 --quiet --json")
echo "submitted job array $JOB (${TASKS} tasks)"
for i in $(seq 1 600); do
  [[ -z "$(squeue -h -j "$JOB" 2>/dev/null)" ]] && break
  sleep 1
  [[ $i -eq 600 ]] && { echo "FAIL: the array did not finish in 600 s"; exit 1; }
done
for a in $(seq 0 $((TASKS - 1))); do
  grep -q '"status":"completed"' "$T/out-$a.txt" || { echo "FAIL: task $a did not complete"; cat "$T/out-$a.txt"; exit 1; }
done
ls "$DATA/.rcnn-lens/shards"

node dist/cli.js label "$DATA" --merge-shards --json
node dist/cli.js label "$SINGLE" --workers 1 --quiet --json >/dev/null
if cmp "$DATA/labels.jsonl" "$SINGLE/labels.jsonl"; then
  echo "PASS: $TASKS Slurm array tasks + merge == one machine ($(wc -l <"$DATA/labels.jsonl") records)"
else
  diff "$DATA/labels.jsonl" "$SINGLE/labels.jsonl" | head -c 3000 || true
  echo "FAIL: merged labels differ from the single-machine run"; exit 1
fi
