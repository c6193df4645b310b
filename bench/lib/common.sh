# Shared helpers for the benchmark scripts: installs, free ports, processes stopped by PID, ab runs,
# and the machine facts every report carries. Source it; do not run it.

bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_root="$(cd "$bench_root/.." && pwd)"
pids=()

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# need COMMAND DEBIAN_PACKAGE: installs the package when the command is missing.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "== installing $2"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start NAME LOGFILE COMMAND...: starts a process in the background and remembers its PID.
start() {
  local name=$1 log=$2
  shift 2
  "$@" >"$log" 2>&1 &
  pids+=($!)
  echo "   started $name (pid $!)"
}

stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

# wait_http URL [EXPECTED_STATUS]: waits up to 30 s for URL to answer.
wait_http() {
  local url=$1 expected=${2:-}
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)
    if [ -n "$expected" ] && [ "$code" = "$expected" ]; then return 0; fi
    if [ -z "$expected" ] && [ "$code" != "000" ]; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for $url" >&2
  return 1
}

build_release() {
  echo "== building (Release)"
  dotnet build "$repo_root/Satcar.slnx" -c Release --nologo -v quiet >/dev/null
}

# machine_facts FILE: the facts every result carries.
machine_facts() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "kernel: $(uname -r)"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') ($(nproc) cores)"
    echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
    echo "dotnet: $(dotnet --version)"
    command -v redis-server >/dev/null && echo "redis: $(redis-server --version | awk '{print $3}')"
    command -v ab >/dev/null && echo "ab: $(ab -V | head -1)"
    command -v nginx >/dev/null && echo "nginx: $(nginx -v 2>&1)"
    # Client and servers share the cores: anything else running moves the figures.
    echo "load average (1, 5, 15 min) when the report was written: $(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$1"
}
