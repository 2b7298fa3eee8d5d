/**
 * Health check for a Redis-protocol server (Valkey, FalkorDB): PING must answer PONG.
 * The password, when the env file sets one, reaches the CLI through REDISCLI_AUTH (read by
 * redis-cli and valkey-cli; VALKEYCLI_AUTH for newer valkey-cli), never through `-a` in argv.
 */
export function redisPingScript(cli: string, port: number, passwordKey: string): string {
  return [
    `if [ -n "\${${passwordKey}:-}" ]; then`,
    `  REDISCLI_AUTH=$${passwordKey} VALKEYCLI_AUTH=$${passwordKey}`,
    '  export REDISCLI_AUTH VALKEYCLI_AUTH',
    'fi',
    `[ "$(${cli} -h 127.0.0.1 -p ${port} ping 2>/dev/null)" = PONG ]`,
  ].join('\n');
}
