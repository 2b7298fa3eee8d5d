import { Construct } from 'constructs';
import type { ConfigProblem } from '../lib/config-error';
import { normalizeHostPath, readablePathProblem, systemPathProblem } from '../lib/host-paths';
import { parseUserGroup } from '../lib/user-group';
import { Capability, keptCapabilities } from '../model/capabilities';
import { POD_PATHS } from '../model/pod-paths';
import { looksSecret } from '../lib/secret-names';
import { HostMountSpec, PortSpec, PublishSpec, Service, ServiceSpec } from '../model/service';
import { declaredHealth, DeclaredHealth, DeclaredHealthResult, HealthTool } from './declared-health';

/** A port the service listens on; the pod shares one network, so it must differ from every other service's. */
export interface DeclaredPort {
  /** Port the process listens on. */
  readonly containerPort: number;
  /**
   * Host port it is published on.
   * @default - none: reachable only inside the pod
   */
  readonly hostPort?: number;
  /**
   * Host address of the published port; every port of a service has the same.
   * @default - the stack's bindAddress
   */
  readonly hostIP?: string;
  /**
   * Port name, unique in the pod.
   * @default - the service name for the first port, `port-<containerPort>` for the others
   */
  readonly name?: string;
}

/** A host path mounted into the service's container. */
export interface DeclaredMount {
  /** Absolute path on the host. */
  readonly hostPath: string;
  /** Absolute path inside the container. */
  readonly mountPath: string;
  /**
   * Data to keep: `install` creates the folder and `doctor` checks it.
   * @default false
   */
  readonly persistent?: boolean;
  /** @default false */
  readonly readOnly?: boolean;
  /**
   * What must exist on the host for a mount that is not persistent.
   * @default 'Directory'
   */
  readonly type?: 'Directory' | 'File' | 'Socket';
  /**
   * Volume name, unique in the pod.
   * @default - `<service>-data` for a persistent mount, `<service>-<n>` otherwise
   */
  readonly name?: string;
}

/** What the configuration says of a declared service (`services.<name>`), defaults filled in. */
export interface DeclaredServiceProps {
  readonly image: string;
  /** The image's ENTRYPOINT + CMD, as the launcher must exec them. */
  readonly command: readonly string[];
  /** @default [] */
  readonly args?: readonly string[];
  /** Plain, non-secret environment. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Env-file keys (patterns) it receives, all exported into its environment. @default [] */
  readonly secretKeys?: readonly string[];
  /** @default [] */
  readonly ports?: readonly DeclaredPort[];
  readonly health: DeclaredHealth & { readonly startPeriodSeconds?: number };
  /** @default false */
  readonly exposeUnauthenticated?: boolean;
  /** Services it waits for, built-in or declared. @default [] */
  readonly after?: readonly string[];
  /** @default [] */
  readonly mounts?: readonly DeclaredMount[];
  /** @default the pod-wide start timeout, raised to health.startPeriodSeconds */
  readonly startTimeoutSeconds?: number;
  /** The pod-wide start timeout. */
  readonly podStartTimeoutSeconds: number;
  /** @default 512Mi */
  readonly memoryLimit?: string;
  /** Capabilities kept (names without CAP_); all others dropped. @default [] */
  readonly capabilities?: readonly string[];
  /** `UID:GID` the launcher switches to. @default the image's user */
  readonly runAs?: string;
  /** What the image has for a tcp/http/resp check. @default unknown: only a command check */
  readonly tools?: readonly HealthTool[];
  /** The pod-wide host address, for ports without hostIP. */
  readonly bindAddress: string;
}

/**
 * What the launcher needs, as root, to run a service as runAs: hand its persistent folders to the
 * user (CHOWN), then switch to it (SETUID, SETGID). Kept beyond the configured capabilities; the
 * switch to a non-root uid clears them all for the service itself.
 */
const RUN_AS_CAPABILITIES: readonly Capability[] = ['CHOWN', 'SETGID', 'SETUID'];

/** The default memory limit of a declared service. */
export const DECLARED_MEMORY_LIMIT = '512Mi';

/**
 * A service declared in the configuration: a container the user describes (image, command,
 * ports, health check, dependencies, mounts), run through the same launcher, health gate, watchdog,
 * env-file split, install and doctor as the built-ins. It knows nothing of its image beyond what
 * the configuration says, and refuses (with every other problem) what it can tell cannot work.
 */
export class DeclaredService extends Service {
  private readonly checks: DeclaredHealthResult;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DeclaredServiceProps,
  ) {
    super(scope, id);
    this.checks = declaredHealth(id, props.health, props.tools);
    this.checkConfig(() => [...this.checks.problems, ...this.portProblems(), ...this.envProblems(), ...this.mountProblems()]);
  }

  private get field(): string {
    return `services.${this.name}`;
  }

  private get ports(): PortSpec[] {
    return (this.props.ports ?? []).map((p, i) => ({
      name: p.name ?? (i === 0 ? this.name : `port-${p.containerPort}`),
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      configField: `${this.field}.ports.${i}`,
    }));
  }

  private get publish(): PublishSpec {
    const i = (this.props.ports ?? []).findIndex((p) => p.hostIP !== undefined);
    return {
      address: i >= 0 ? this.props.ports![i].hostIP! : this.props.bindAddress,
      addressField: i >= 0 ? `${this.field}.ports.${i}.hostIP` : 'bindAddress',
      exposeUnauthenticated: this.props.exposeUnauthenticated ?? false,
      exposeField: `${this.field}.exposeUnauthenticated`,
    };
  }

  private get mounts(): HostMountSpec[] {
    const p = this.props;
    let data = 0;
    return (p.mounts ?? []).map((m, i) => {
      const persistent = m.persistent ?? false;
      const readOnly = m.readOnly ?? false;
      const name = m.name ?? (persistent ? (data++ === 0 ? `${this.name}-data` : `${this.name}-data-${data}`) : `${this.name}-${i + 1}`);
      return {
        name,
        hostPath: normalizeHostPath(m.hostPath),
        mountPath: m.mountPath,
        readOnly,
        type: persistent ? 'DirectoryOrCreate' : (m.type ?? 'Directory'),
        persistent: persistent || undefined,
        // With runAs the launcher and install hand it to that user, private; without, the image's
        // own start decides (install creates it root's 0755 and leaves it so).
        ownedByService: persistent && p.runAs !== undefined ? true : undefined,
        // Read-only files of the user's: kept apart from data directories and the pod's own files.
        userFiles: !persistent && readOnly ? true : undefined,
        configField: `${this.field}.mounts.${i}.hostPath`,
      };
    });
  }

  get spec(): ServiceSpec {
    const p = this.props;
    const ports = this.ports;
    const port = ports.find((x) => x.containerPort === this.checks.port);
    const runAs = p.runAs !== undefined ? parseUserGroup(p.runAs) : undefined;
    const start = p.startTimeoutSeconds ?? Math.max(p.podStartTimeoutSeconds, p.health.startPeriodSeconds ?? 0);
    return {
      name: this.name,
      description: `declared service ${this.name}`,
      image: p.image,
      entrypoint: [...p.command],
      args: [...(p.args ?? [])],
      env: { ...(p.env ?? {}) },
      ports,
      publish: this.publish,
      mounts: this.mounts,
      health: this.checks.health,
      hostProbe: port && this.checks.probe ? { ...this.checks.probe, port: port.name } : undefined,
      dependsOn: (p.after ?? []).map((service) => ({ service })),
      // Every key it receives reaches its environment through the launcher (never argv or inspect).
      secrets: { receives: [...(p.secretKeys ?? [])], envKeys: 'all' },
      capabilities: keptCapabilities(runAs && (runAs.uid !== 0 || runAs.gid !== 0) ? RUN_AS_CAPABILITIES : [], p.capabilities),
      memoryLimit: p.memoryLimit ?? DECLARED_MEMORY_LIMIT,
      startTimeoutSeconds: start,
      runAs,
    };
  }

  /** Its own ports: each once, one host address for all, and the one the health check asks among them. */
  private portProblems(): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const declared = this.props.ports ?? [];
    const first = declared.findIndex((p) => p.hostIP !== undefined);
    declared.forEach((p, i) => {
      if (p.hostIP !== undefined && p.hostIP !== declared[first].hostIP) {
        problems.push({
          field: `${this.field}.ports.${i}.hostIP`,
          value: p.hostIP,
          allowed: `must be ${declared[first].hostIP} as in ${this.field}.ports.${first}.hostIP: all ports of a service are published on one address`,
          comparedWith: [`${this.field}.ports.${first}.hostIP`],
        });
      }
    });
    const { port } = this.checks;
    if (port !== undefined && !declared.some((p) => p.containerPort === port)) {
      const kind = this.props.health.tcp !== undefined ? 'tcp' : this.props.health.http ? 'http.port' : 'resp';
      problems.push({
        field: `${this.field}.health.${kind}`,
        value: port,
        allowed: `must be one of ${this.field}.ports[].containerPort (${declared.map((d) => d.containerPort).join(', ') || 'none declared'}): add it there, without hostPort to keep it inside the pod`,
        comparedWith: [`${this.field}.ports`],
      });
    }
    return problems;
  }

  /** A secret written in the configuration would be in pod.yaml and `podman inspect`. */
  private envProblems(): ConfigProblem[] {
    return Object.entries(this.props.env ?? {})
      .filter(([name, value]) => looksSecret(name) && value !== '')
      .map(([name]) => ({
        field: `${this.field}.env.${name}`,
        value: '(hidden)',
        allowed: `looks like a secret: put ${name}=... in the env file and list ${name} in ${this.field}.secretKeys (plain env is written into pod.yaml and shown by podman inspect)`,
      }));
  }

  /** Mounts: data folders of the user's own, nothing over the pod's own scripts and state. */
  private mountProblems(): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    (this.props.mounts ?? []).forEach((m, i) => {
      const at = `${this.field}.mounts.${i}`;
      if (m.persistent) {
        const bad = systemPathProblem(normalizeHostPath(m.hostPath));
        if (bad) problems.push({ field: `${at}.hostPath`, value: m.hostPath, allowed: bad });
        if (m.type !== undefined && m.type !== 'Directory') {
          problems.push({ field: `${at}.type`, value: m.type, allowed: 'a persistent mount is a directory (install creates it): leave type unset' });
        }
      } else {
        const bad = readablePathProblem(normalizeHostPath(m.hostPath), m.type === 'File' ? 'file' : 'directory');
        if (bad && m.type !== 'Socket') problems.push({ field: `${at}.hostPath`, value: m.hostPath, allowed: bad });
      }
      const reserved = ['/opt/opencode-memory-pod', '/run/opencode-memory-pod'];
      const hit = reserved.find((r) => m.mountPath === r || m.mountPath.startsWith(`${r}/`) || r.startsWith(`${m.mountPath}/`) || m.mountPath === '/');
      if (hit) {
        problems.push({
          field: `${at}.mountPath`,
          value: m.mountPath,
          allowed: `must not be, contain or lie inside ${POD_PATHS.scriptsDir} or /run/opencode-memory-pod: the pod's launcher, env file and health state are there`,
        });
      }
    });
    return problems;
  }
}
