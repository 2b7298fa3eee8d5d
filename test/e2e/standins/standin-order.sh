# Sourced by stand-ins just before they serve: wait STANDIN_READY_DELAY, then record whether the
# predecessor (STANDIN_PREDECESSOR=name:port) already answered on its port. bash or POSIX sh.
standin_serve_now() {
  trap 'exit 143' TERM
  sleep "${STANDIN_READY_DELAY:-0}"
  if [ -n "${STANDIN_PREDECESSOR:-}" ]; then
    pred_name=${STANDIN_PREDECESSOR%%:*}
    pred_port=${STANDIN_PREDECESSOR##*:}
    if standin_probe "$pred_port"; then state=serving; else state='NOT serving'; fi
    echo "standin-order: $1 serving; $pred_name was $state"
  else
    echo "standin-order: $1 serving; no predecessor"
  fi
  trap - TERM
}
