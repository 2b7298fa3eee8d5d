import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { ConfigProblem } from '../lib/config-error';
import { isWithin, normalizeHostPath } from '../lib/host-paths';
import { parseUserGroup, UserGroup } from '../lib/user-group';
import { POD_PATHS } from '../model/pod-paths';
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

/** OpenCode's home inside its container: the data directory is mounted here, so all it keeps is kept. */
export const OPENCODE_HOME = '/home/opencode';

/** Who OpenCode runs as unless configured: the first account Debian, Ubuntu and Fedora create. */
export const DEFAULT_OPENCODE_RUN_AS = '1000:1000';

/**
 * Where OpenCode writes under its home (XDG defaults of its Global.Path, and npm's cache for the
 * tools it installs), relative to it: install creates them for the user OpenCode runs as, so that
 * podman's mount points for the plugin folder and config file do not leave them root's.
 */
export const OPENCODE_HOME_DIRS: readonly string[] = ['.config/opencode', '.local/share/opencode', '.local/state/opencode', '.cache/opencode'];

export interface OpenCodeProps extends ServiceProps {
  readonly port: number;
  readonly hostPort?: number;
  /** Host directory mounted as OpenCode's home (OPENCODE_HOME): data, state, cache, config, npm cache. */
  readonly dataDir: string;
  /**
   * `UID:GID` OpenCode runs as; files it writes in workspaces and its home are this user's.
   * @default DEFAULT_OPENCODE_RUN_AS
   */
  readonly runAs?: string;
  /**
   * Host directories mounted read-write at the same path inside the container, so that a client
   * on the host names a project by its own path.
   * @default []
   */
  readonly workspaces?: readonly string[];
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
 * Capabilities when OpenCode runs as a user of its own: only what the launcher needs, as root,
 * before it switches: hand the home's folders to the user (CHOWN; DAC_OVERRIDE and FOWNER to reach
 * and fix folders below one the user already owns 0700, such as those podman makes for nested
 * mounts), then setuid/setgid. OpenCode's processes have none: the switch to a non-root uid clears
 * them, and no_new_privs keeps setuid binaries from bringing any back.
 */
export const OPENCODE_USER_CAPABILITIES: readonly Capability[] = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'];

/**
 * OpenCode server (a Bun binary on Alpine). Contract (images.md): ENTRYPOINT opencode; runs as
 * root with HOME=/root; busybox sh/wget/nc/base64, no curl; with OPENCODE_SERVER_PASSWORD set
 * every route, /global/health included, needs HTTP Basic auth (user opencode by default).
 * Here it runs as `runAs` (the launcher switches to it), with its home on the host (dataDir) and
 * the user's workspaces at their own paths.
 */
export class OpenCode extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: OpenCodeProps,
  ) {
    super(scope, id);
    this.checkConfig(() => [...this.workspaceProblems(), ...this.capabilityProblems()]);
  }

  /** uid and gid OpenCode runs as. */
  get user(): UserGroup {
    return parseUserGroup(this.props.runAs ?? DEFAULT_OPENCODE_RUN_AS);
  }

  get spec(): ServiceSpec {
    const p = this.props;
    const { uid, gid } = this.user;
    const mounts: HostMountSpec[] = [
      {
        // The whole home, not only .local/share/opencode: OpenCode also keeps prompt history and
        // locks (.local/state), fetched tools (.cache), its config folder and npm's cache there,
        // and `podman kube down` (every stop of the unit) throws the container's own files away.
        name: 'opencode-data',
        hostPath: p.dataDir,
        mountPath: OPENCODE_HOME,
        readOnly: false,
        type: 'DirectoryOrCreate',
        persistent: true,
        ownedByService: true,
        ownedSubdirs: OPENCODE_HOME_DIRS,
        configField: 'services.opencode.dataDir',
      },
    ];
    if (p.pluginsDir) {
      mounts.push({
        name: 'opencode-plugins',
        hostPath: p.pluginsDir,
        mountPath: `${OPENCODE_HOME}/.config/opencode/plugins`,
        readOnly: true,
        type: 'Directory',
        userFiles: true,
        configField: 'services.opencode.pluginsDir',
      });
    }
    if (p.configFile) {
      mounts.push({
        name: 'opencode-config',
        hostPath: p.configFile,
        mountPath: `${OPENCODE_HOME}/.config/opencode/opencode.json`,
        readOnly: true,
        type: 'File',
        userFiles: true,
        configField: 'services.opencode.configFile',
      });
    }
    const workspaces = (p.workspaces ?? []).map(normalizeHostPath);
    workspaces.forEach((path, i) => {
      // Type Directory: a workspace is the user's, made by the user (DirectoryOrCreate would make a
      // root-owned folder); a missing one stops the start, and doctor says which.
      mounts.push({
        name: `workspace-${i + 1}`,
        hostPath: path,
        mountPath: path,
        readOnly: false,
        type: 'Directory',
        workspace: true,
        configField: `services.opencode.workspaces.${i}`,
      });
    });
    const asRoot = uid === 0 && gid === 0;
    const env: Record<string, string> = { HOME: OPENCODE_HOME };
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
      // OPENCODE_SERVER_PASSWORD is always required (doctor; OpenCode v2 would make one up otherwise).
      ports: [
        {
          name: 'opencode',
          containerPort: p.port,
          hostPort: p.hostPort ?? p.port,
          configField: 'services.opencode.port',
          auth: { passwordKey: 'OPENCODE_SERVER_PASSWORD', required: true },
        },
      ],
      publish: p.publish,
      mounts,
      health: { script: openCodeHealthScript(p.port), envKeys: ['OPENCODE_SERVER_PASSWORD', 'OPENCODE_SERVER_USERNAME'] },
      // Unauthenticated: a 401 is an answer, and the watchdog needs no password.
      hostProbe: { port: 'opencode', protocol: 'http', path: '/global/health' },
      dependsOn: p.dependsOn ?? [
        { service: 'valkey', optional: true },
        { service: 'falkordb', optional: true },
        { service: 'datadog', optional: true },
      ],
      // OPENCODE_SERVER_PASSWORD, provider API keys, ... come from the env file.
      // v2 generates a password when none is set, and the health check could not authenticate.
      secrets: { receives: p.secretKeys ?? OPENCODE_SECRET_KEYS, envKeys: 'all', requiredKeys: ['OPENCODE_SERVER_PASSWORD'] },
      capabilities: keptCapabilities(asRoot ? OPENCODE_CAPABILITIES : OPENCODE_USER_CAPABILITIES, p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
      runAs: asRoot ? undefined : { uid, gid },
      // Without a project header a request works in the server's cwd: the first workspace, else home.
      workingDir: workspaces[0] ?? OPENCODE_HOME,
    };
  }

  /**
   * A capability is kept only by root: OpenCode as its own user has none (the switch clears them,
   * no_new_privs keeps them out), so one asked for would silently do nothing.
   */
  private capabilityProblems(): ConfigProblem[] {
    const { uid } = this.user;
    const extra = this.props.extraCapabilities ?? [];
    if (uid === 0 || !extra.length) return [];
    return [
      {
        field: 'services.opencode.extraCapabilities',
        value: extra,
        allowed: `must be empty while services.opencode.runAs is a user's (${this.props.runAs ?? DEFAULT_OPENCODE_RUN_AS}): its processes keep no capability; set runAs: "0:0" to run OpenCode as root with them`,
        comparedWith: ['services.opencode.runAs'],
      },
    ];
  }

  /** A workspace must not cover what the container already has at that path. */
  private workspaceProblems(): ConfigProblem[] {
    const reserved = [
      { path: OPENCODE_HOME, what: "OpenCode's home inside the container (services.opencode.dataDir is mounted there)" },
      { path: POD_PATHS.scriptsDir, what: "the pod's launcher and health checks" },
    ];
    return (this.props.workspaces ?? []).flatMap((path, i) => {
      const hit = reserved.find((r) => isWithin(path, r.path) || isWithin(r.path, path));
      return hit ? [{ field: `services.opencode.workspaces.${i}`, value: path, allowed: `must not be, contain or lie inside ${hit.path}: ${hit.what}` }] : [];
    });
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
