/**
 * The file-creation mask the stores (Valkey, FalkorDB) start with: what they write (dump.rdb, the
 * temp-*.rdb it is renamed from, appendonlydir) is their user's alone, 0600 / 0700. Redis-protocol
 * servers create those files with the process umask (fopen, mkdir). Valkey's entrypoint sets 0077
 * only when it finds exactly 0022; FalkorDB's run.sh sets none, so under podman's 0022 its dump was
 * 0644. The launcher sets it before it execs either entrypoint, whatever podman's is.
 */
export const STORE_UMASK = '077';
