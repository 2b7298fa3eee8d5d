#!/bin/bash
set -euo pipefail
if [[ -z "${ENTRYPOINT:-}" ]]; then
  exec /opt/entrypoints/_default
fi
exec "/opt/entrypoints/${ENTRYPOINT}"
