import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { HostMountSpec, Service, ServiceProps, ServiceSpec } from '../model/service';

/**
 * Keys OpenCode receives by default: its own settings and password, model providers' credentials
 * (ANTHROPIC_API_KEY, OPENAI_API_KEY, AWS_*, ...), OpenTelemetry settings, and the passwords of the
 * two stores its plugins use as their client. Never the Datadog Agent's keys (DD_API_KEY ends
 * in _API_KEY).
 */
export const OPENCODE_SECRET_KEYS: readonly string[] = [
  'OPENCODE_*',
  '*_API_KEY',
  'AWS_*',
  'AZURE_*',
  'GOOGLE_*',
  'VERTEX_*',
  'OTEL_*',
  'VALKEY_PASSWORD',
  'FALKORDB_PASSWORD',
  '!DD_*',
];

export interface OpenCodeProps extends ServiceProps {
  readonly port: number;
  readonly hostPort?: number;
  /** Host directory for /root/.local/share/opencode (auth, sessions, logs). */
  readonly dataDir: string;
  /** Host directory mounted read-only as the global plugin directory. */
  readonly pluginsDir?: string;
  /** Host file mounted read-only as the global opencode.json. */
  readonly configFile?: string;
  /**
   * Argv put in front of `opencode` (an init such as tini, which the image must carry): as PID 1
   * OpenCode ignores SIGTERM, and every stop would wait the whole grace period.
   */
  readonly init?: readonly string[];
  /** OTLP/HTTP endpoint to send OpenTelemetry to; turns OpenCode's OpenTelemetry on. */
  readonly otlpEndpoint?: string;
}

/**
 * Capabilities OpenCode keeps. OpenCode itself (root, root-owned state) needs none, but it runs the
 * user's tools as root: tar and cp -p restore owners and modes (CHOWN, FOWNER, FSETID), package
 * managers and su switch users (SETUID, SETGID), root edits files it does not own (DAC_OVERRIDE),
 * and it stops what it started under another user (KILL). Dropped from podman's default set:
 * NET_BIND_SERVICE, SETFCAP, SETPCAP, SYS_CHROOT.
 */
export const OPENCODE_CAPABILITIES: readonly Capability[] = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID'];

/**
 * OpenCode server (a Bun binary on Alpine). Contract (images.md): ENTRYPOINT opencode; runs as
 * root with HOME=/root; busybox sh/wget/nc/base64, no curl; with OPENCODE_SERVER_PASSWORD set
 * every route, /global/health included, needs HTTP Basic auth (user opencode by default).
 */
export class OpenCode extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: OpenCodeProps,
  ) {
    super(scope, id);
  }

  get spec(): ServiceSpec {
    const p = this.props;
    const mounts: HostMountSpec[] = [
      {
        name: 'opencode-data',
        hostPath: p.dataDir,
        mountPath: '/root/.local/share/opencode',
        readOnly: false,
        type: 'DirectoryOrCreate',
        persistent: true,
        configField: 'services.opencode.dataDir',
      },
    ];
    if (p.pluginsDir) {
      mounts.push({
        name: 'opencode-plugins',
        hostPath: p.pluginsDir,
        mountPath: '/root/.config/opencode/plugins',
        readOnly: true,
        type: 'Directory',
        configField: 'services.opencode.pluginsDir',
      });
    }
    if (p.configFile) {
      mounts.push({
        name: 'opencode-config',
        hostPath: p.configFile,
        mountPath: '/root/.config/opencode/opencode.json',
        readOnly: true,
        type: 'File',
        configField: 'services.opencode.configFile',
      });
    }
    const env: Record<string, string> = {};
    if (p.otlpEndpoint) {
      // OpenCode is a compiled Bun binary (no dd-trace injection); its route to LLM observability
      // is OpenTelemetry. OPENCODE_CONFIG_CONTENT is merged over the user's opencode.json.
      env.OPENCODE_CONFIG_CONTENT = JSON.stringify({ experimental: { openTelemetry: true } });
      env.OTEL_EXPORTER_OTLP_ENDPOINT = p.otlpEndpoint;
      env.OTEL_SERVICE_NAME = 'opencode';
    }
    return {
      name: this.name,
      description: 'OpenCode server',
      image: p.image,
      entrypoint: [...(p.init ?? []), 'opencode'],
      args: ['serve', '--hostname', '0.0.0.0', '--port', String(p.port)],
      env,
      ports: [{ name: 'opencode', containerPort: p.port, hostPort: p.hostPort ?? p.port, configField: 'services.opencode.port' }],
      mounts,
      health: { script: openCodeHealthScript(p.port), envKeys: ['OPENCODE_SERVER_PASSWORD', 'OPENCODE_SERVER_USERNAME'] },
      dependsOn: p.dependsOn ?? [
        { service: 'valkey', optional: true },
        { service: 'falkordb', optional: true },
        { service: 'datadog', optional: true },
      ],
      // OPENCODE_SERVER_PASSWORD, provider API keys, ... come from the env file.
      // v2 generates a password when none is set, and the health check could not authenticate.
      secrets: { receives: p.secretKeys ?? OPENCODE_SECRET_KEYS, envKeys: 'all', requiredKeys: ['OPENCODE_SERVER_PASSWORD'] },
      capabilities: keptCapabilities(OPENCODE_CAPABILITIES, p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
    };
  }
}

/**
 * GET /global/health must answer 200 with "healthy":true. The request is written to busybox nc's
 * stdin (printf is a shell builtin), so the Basic credentials are in no process's argv, unlike
 * `wget --header`. HTTP/1.0 + Connection: close make the server end the exchange.
 */
function openCodeHealthScript(port: number): string {
  return [
    'omp_auth=',
    'if [ -n "${OPENCODE_SERVER_PASSWORD:-}" ]; then',
    `  omp_auth=$(printf '%s:%s' "\${OPENCODE_SERVER_USERNAME:-opencode}" "$OPENCODE_SERVER_PASSWORD" | base64 | tr -d '\\n')`,
    'fi',
    'omp_resp=$(',
    '  if [ -n "$omp_auth" ]; then',
    `    printf 'GET /global/health HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Basic %s\\r\\nConnection: close\\r\\n\\r\\n' "$omp_auth"`,
    '  else',
    `    printf 'GET /global/health HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n'`,
    `  fi | nc -w 3 127.0.0.1 ${port}`,
    ') || exit 1',
    'case $omp_resp in',
    `  'HTTP/1.'?' 200'*'"healthy":true'* | 'HTTP/1.'?' 200'*'"healthy": true'*) exit 0 ;;`,
    'esac',
    'exit 1',
  ].join('\n');
}
