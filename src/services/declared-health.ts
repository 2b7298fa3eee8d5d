import type { ConfigProblem } from '../lib/config-error';
import type { HealthCheckSpec, HostProbeSpec } from '../model/service';

/*
 * The health check of a declared service. It runs inside the service's own container (health.sh,
 * under the image's /bin/sh) with only that image's programs, and synth cannot look into the image:
 * a tcp, http or resp check is written for a program the configuration says the image has
 * (`tools`), and refused when none of those can run it. A `command` check is the user's own argv.
 * Secrets never reach argv: the checks here read none, and a command gets them in its environment.
 */

/** Programs a check can be written for, as `tools` names them. */
export const HEALTH_TOOLS = ['bash', 'nc', 'curl', 'wget', 'redis-cli', 'valkey-cli'] as const;
export type HealthTool = (typeof HEALTH_TOOLS)[number];

/** The health section of a declared service, as the schema gives it. */
export interface DeclaredHealth {
  readonly tcp?: number;
  /** With tcp: bytes (hex) written after connecting; healthy only when any reply arrives. */
  readonly sendHex?: string;
  readonly http?: { readonly port: number; readonly path: string };
  readonly resp?: number;
  readonly command?: readonly string[];
  readonly timeoutSeconds?: number;
  readonly intervalSeconds?: number;
  readonly retries?: number;
}

type Kind = 'tcp' | 'http' | 'resp';

/** Which tools can run each kind of check, in order of preference (the first one the image has is used). */
const RUNS: Record<Kind, readonly HealthTool[]> = {
  tcp: ['bash', 'nc'],
  http: ['curl', 'wget', 'bash', 'nc'],
  resp: ['redis-cli', 'valkey-cli', 'bash', 'nc'],
};
/**
 * A tcp check with bytes to send: only bash. It must take the first byte of a reply and return at
 * once, while the server keeps the connection open (PostgreSQL answers an SSLRequest with one byte
 * and then waits for the startup packet): bash's `read -n 1`. nc would wait for its own idle timeout,
 * and a shell's $(...) cannot see a reply of NUL bytes.
 */
const RUNS_SEND: readonly HealthTool[] = ['bash'];

/** What the checks of a declared service become, or why they cannot run. */
export interface DeclaredHealthResult {
  readonly health: HealthCheckSpec;
  /** The port the check asks (tcp, http, resp): it must be one of the service's ports. */
  readonly port?: number;
  /** What the watchdog asks from the host: the same question, by port name (filled in by the service). */
  readonly probe?: Omit<HostProbeSpec, 'port'>;
  readonly problems: readonly ConfigProblem[];
}

/** `'a'` for sh: every argument literal. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The health check of a declared service, for the image's `tools`. */
export function declaredHealth(service: string, h: DeclaredHealth, tools: readonly HealthTool[] | undefined): DeclaredHealthResult {
  const field = `services.${service}.health`;
  const bound = Math.max(1, (h.timeoutSeconds ?? 5) - 1);
  const base = { timeoutSeconds: h.timeoutSeconds, intervalSeconds: h.intervalSeconds, retries: h.retries };
  const kind: Kind | 'command' = h.command ? 'command' : h.tcp !== undefined ? 'tcp' : h.http !== undefined ? 'http' : 'resp';
  const sendProblems: ConfigProblem[] =
    h.sendHex !== undefined && kind !== 'tcp'
      ? [
          {
            field: `${field}.sendHex`,
            value: h.sendHex,
            allowed: `goes with health.tcp only (a ${kind} check asks its own question): remove it, or use tcp`,
            comparedWith: [`${field}.${kind}`],
          },
        ]
      : [];
  if (kind === 'command') {
    // exec: the check is the program itself, bounded by health.sh's timeout. '*': the env file
    // holds only this service's keys, all of which it may read.
    return { health: { ...base, script: `exec ${h.command!.map(shQuote).join(' ')}`, envKeys: ['*'] }, problems: sendProblems };
  }
  const port = h.tcp ?? h.http?.port ?? h.resp!;
  const send = kind === 'tcp' && h.sendHex !== undefined ? h.sendHex.toLowerCase() : undefined;
  const usable = send !== undefined ? RUNS_SEND : RUNS[kind];
  const tool = usable.find((t) => tools?.includes(t));
  const probe = kind === 'http' ? { protocol: kind, path: h.http!.path } : send !== undefined ? { protocol: kind, send } : { protocol: kind };
  if (!tool) {
    const said =
      tools === undefined
        ? 'services.' + service + '.tools is not set, so nothing is known to run it'
        : `the image has only ${tools.join(', ') || 'none of them'} (tools)`;
    return {
      health: { ...base, script: 'exit 1', envKeys: [] },
      port,
      probe,
      problems: [
        {
          field: `${field}.${kind}`,
          value: kind === 'http' ? h.http : port,
          allowed: `a ${kind} check${send !== undefined ? ' with sendHex' : ''} runs inside the container with ${usable.length > 1 ? 'one of ' : ''}${usable.join(', ')}, and ${said}: list in services.${service}.tools what the image has, or use health.command`,
          comparedWith: [`services.${service}.tools`],
        },
        ...sendProblems,
      ],
    };
  }
  const script = send !== undefined ? sendScript(port, send, bound) : checkScript(kind, tool, port, h.http?.path ?? '/', bound);
  return { health: { ...base, script, envKeys: [] }, port, probe, problems: sendProblems };
}

/**
 * tcp with bytes to send, in bash: connect, write the bytes (octal escapes for printf), and wait
 * up to the bound for the first byte of any reply (read -n 1 -d '': a NUL byte counts too).
 */
function sendScript(port: number, hex: string, bound: number): string {
  const bytes = (hex.match(/../g) ?? []).map((b) => `\\${parseInt(b, 16).toString(8).padStart(3, '0')}`).join('');
  return [`bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} || exit 1`, `printf "${bytes}" >&3`, `read -r -n 1 -d "" -t ${bound} _ <&3' 2>/dev/null`].join('\n');
}

/** The POSIX sh of one check: the connection and request stay in the image's own tool; nothing secret is sent. */
function checkScript(kind: Kind, tool: HealthTool, port: number, path: string, bound: number): string {
  // The path is printf's argument, not its format (it may hold %).
  const request = `GET %s HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n`;
  const url = `http://127.0.0.1:${port}${path}`;
  switch (`${kind}:${tool}`) {
    case 'tcp:bash':
      return `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null`;
    case 'tcp:nc':
      // -z (OpenBSD and traditional netcat, Alpine's busybox): connect only. Debian's busybox nc has
      // no -z, and returns once stdin ends: the second form.
      return `nc -z -w ${bound} 127.0.0.1 ${port} </dev/null >/dev/null 2>&1 || nc -w ${bound} 127.0.0.1 ${port} </dev/null >/dev/null 2>&1`;
    case 'http:curl':
      return `curl -fsS -o /dev/null --max-time ${bound} ${shQuote(url)}`;
    case 'http:wget':
      // busybox and GNU wget: a status of 400 or more is an error exit.
      return `wget -q -O /dev/null -T ${bound} ${shQuote(url)}`;
    case 'http:bash':
      return [
        `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} || exit 1`,
        `printf "${request}" "${path}" >&3`,
        `read -r -t ${bound} line <&3 || exit 1`,
        `case $line in "HTTP/1."?" "[23]*) exit 0 ;; esac`,
        `exit 1' 2>/dev/null`,
      ].join('\n');
    case 'http:nc':
      // HTTP/1.0 and Connection: close: the server ends the exchange, so nc returns.
      return [
        `omp_resp=$(printf '${request}' ${shQuote(path)} | nc -w ${bound} 127.0.0.1 ${port} 2>/dev/null) || exit 1`,
        `case $omp_resp in 'HTTP/1.'?' '[23]*) exit 0 ;; esac`,
        'exit 1',
      ].join('\n');
    case 'resp:redis-cli':
    case 'resp:valkey-cli':
      // A server that wants a password answers NOAUTH: it is up, and no password goes into argv.
      return [`case $(${tool} -h 127.0.0.1 -p ${port} ping 2>&1) in PONG | NOAUTH*) exit 0 ;; esac`, 'exit 1'].join('\n');
    case 'resp:bash':
      return [
        `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} || exit 1`,
        `printf "PING\\r\\n" >&3`,
        `read -r -t ${bound} line <&3 || exit 1`,
        `case $line in +PONG* | -NOAUTH*) exit 0 ;; esac`,
        `exit 1' 2>/dev/null`,
      ].join('\n');
    default:
      // resp:nc. QUIT after PING: the server closes, so nc returns at once.
      return [
        `omp_resp=$(printf 'PING\\r\\nQUIT\\r\\n' | nc -w ${bound} 127.0.0.1 ${port} 2>/dev/null)`,
        `case $omp_resp in +PONG* | -NOAUTH*) exit 0 ;; esac`,
        'exit 1',
      ].join('\n');
  }
}
