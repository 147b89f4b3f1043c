# service-env.sh — sourced by the front-end tests (GEGL graphs, GIMP 2.10
# and 3): the ops and plug-ins send their work to the engine service, so
# each test gets a private runtime folder (0700) and data folders (the tiny
# test model only), the build's `rectify serve --daemon` as the service
# they start, and at exit the service is stopped and must be gone (no
# daemon left behind).
#   needs $tmp (a fresh folder, removed at exit) and $cli (the built rectify)
mkdir -m 700 "$tmp/run"
export XDG_RUNTIME_DIR="$tmp/run" RECTIFY_MODELS="" XDG_DATA_HOME="$tmp/data" \
  XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  RECTIFY_SERVICE_IDLE_TIMEOUT=120
# without the preloads of a plug-in wrapper (the undo tracer, sanitizer runtimes)
RECTIFY_SERVE_COMMAND="env -u LD_PRELOAD $cli serve --daemon"
export RECTIFY_SERVE_COMMAND
unset RECTIFY_LOCAL

# The service's pid, or nothing when none answers.
service_pid () {
  "$cli" serve --status 2>/dev/null | sed -n 's/^pid: //p'
}

# Stops the service (if any) and waits for it to exit; 1 when it stays,
# or when its log holds a sanitizer report (sanitized builds).
service_stop () {
  pid=$(service_pid)
  [ -n "$pid" ] || return 0
  "$cli" serve --stop >/dev/null 2>&1
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL the service (pid $pid) did not stop"; kill -9 "$pid" 2>/dev/null
    return 1
  fi
  if grep -q Sanitizer "$XDG_RUNTIME_DIR/rectify/service.log" 2>/dev/null; then
    echo "FAIL the service's log holds a sanitizer report:"
    cat "$XDG_RUNTIME_DIR/rectify/service.log"
    return 1
  fi
}

# ran_in_service TYPE [STATE]: the service's status lists a TYPE job that
# ended in STATE (default done): the work was done there, not in the host.
ran_in_service () {
  if "$cli" serve --status 2>/dev/null | grep -q "^job: [0-9]* $1 ${2:-done}\$"; then
    echo "ok $1 ran in the engine service (pid $(service_pid), ${2:-done})"
  else
    echo "FAIL no ${2:-done} $1 job in the service's status:"; "$cli" serve --status 2>&1
    return 1
  fi
}

trap 'service_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
