#!/bin/sh
# FalkorDB v4 run.sh semantics (images.md, section 2): no "$@" anywhere.
if [ "${BROWSER:-1}" -eq "1" ]; then
  if [ -d "${FALKORDB_BROWSER_PATH}" ]; then
    cd "${FALKORDB_BROWSER_PATH}" && HOSTNAME="0.0.0.0" ./docker-entrypoint.sh node server.js &
  fi
fi
[ -d "$FALKORDB_DATA_PATH" ] || mkdir "$FALKORDB_DATA_PATH"
. /usr/local/lib/standin-order.sh
standin_probe() { [ -n "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" ]; }
standin_serve_now falkordb
# No falkordb.so in the stand-in: FALKORDB_ARGS are module arguments and would be fatal config lines.
if [ -f "${FALKORDB_BIN_PATH}/falkordb.so" ]; then
  exec redis-server ${REDIS_ARGS} --protected-mode no --dir "${FALKORDB_DATA_PATH}" --loadmodule "${FALKORDB_BIN_PATH}/falkordb.so" ${FALKORDB_ARGS}
fi
exec redis-server ${REDIS_ARGS} --protected-mode no --dir "${FALKORDB_DATA_PATH}"
