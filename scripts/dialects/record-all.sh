#!/usr/bin/env bash
# Re-records the dialect tests' fixtures (tests/fixtures/dialects/, see its README.md) from
# the real servers, each started here on a free loopback port and stopped after:
#
#   wsbench     our matched server (`wsbench serve`): ticker over every transport, and the
#               tickets feed's state poll (a keyed event)
#   tornado     scripts/tornado_server.py           (scripts/targets/install.sh tornado)
#   node        scripts/node_server.mjs with ws     (scripts/targets/install.sh node)
#   websocketd  websocketd running `wsbench emit ticker` (scripts/targets/install.sh websocketd)
#
#   scripts/dialects/record-all.sh [SERVER...]     (all when none is named)
#
# Builds wsbench (debug) first. The fixtures change on every recording (ts are the wall
# clock's): commit them with the tests that read them.
set -euo pipefail
cd "$(dirname "$0")/../.."
fixtures=tests/fixtures/dialects
targets="${WSBENCH_TARGETS_DIR:-$PWD/target/external}"
record=scripts/dialects/record.py
wsbench=target/debug/wsbench
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

# Starts a server that prints `listening on http://ADDR`; sets $url.
start() {
  local log
  log="$(mktemp)"
  "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    url="$(sed -n 's/^listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$log" | head -1)"
    [ -n "$url" ] && { sleep 1.5; return 0; }  # long enough for a poll to find events
    sleep 0.1
  done
  echo "record-all.sh: $* did not print its address: $(cat "$log")" >&2
  exit 1
}

stop() { kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; }

wsbench_protocol() {
  python3 "$record" --out "$fixtures/$1" --url "$url" --dialect wsbench \
    'poll=/poll?since=0' 'longpoll=/longpoll?since=0&timeout_ms=5000' sse=/sse ws=/ws
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

for server in "${@:-wsbench tornado node websocketd}"; do
  for server in $server; do
    case "$server" in
      wsbench)
        cargo build --quiet
        start "$wsbench" serve ticker --listen 127.0.0.1:0
        wsbench_protocol wsbench
        stop
        start "$wsbench" serve tickets --listen 127.0.0.1:0
        python3 "$record" --out "$fixtures/wsbench" --url "$url" --dialect wsbench --key train \
          poll-tickets=/poll
        stop ;;
      tornado)
        start "$targets/venv/bin/python" scripts/tornado_server.py --port 0 --rate 20
        wsbench_protocol tornado
        stop ;;
      node)
        WSBENCH_NODE_MODULES="$targets/node/node_modules" start node scripts/node_server.mjs --port 0 --rate 20
        wsbench_protocol node
        stop ;;
      websocketd)
        cargo build --quiet
        port="$(free_port)"
        websocketd --port="$port" --address=127.0.0.1 --loglevel=error "$wsbench" emit ticker &
        pids+=($!)
        url="http://127.0.0.1:$port"
        for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
        python3 "$record" --out "$fixtures/websocketd" --url "$url" --dialect websocketd ws=/
        stop ;;
      *) echo "record-all.sh: unknown server $server (known: wsbench, tornado, node, websocketd)" >&2; exit 2 ;;
    esac
  done
done
