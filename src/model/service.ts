import { Construct } from 'constructs';
import { addConfigValidation, ConfigProblem } from '../lib/config-error';
import { ROOT, type UserGroup } from '../lib/user-group';

/** A port a service listens on inside the pod's shared network namespace. */
export interface PortSpec {
  /** Port name (at most 15 characters, lowercase letters, digits and -). */
  readonly name: string;
  /** Port the process listens on. */
  readonly containerPort: number;
  /** Host port it is published on. Unset: reachable only inside the pod (never listed in the manifest). */
  readonly hostPort?: number;
  /** Configuration field that sets this port, named in error messages. */
  readonly configField: string;
  /**
   * What a client must present to use the port. Unset: nothing, anyone who reaches it may use it
   * (published beyond loopback only with the service's exposeUnauthenticated).
   */
  readonly auth?: PortAuth;
}

/** A port's authentication: a password the service takes from the env file. */
export interface PortAuth {
  /** Env-file key of the password; without it in the env file the service asks for none. */
  readonly passwordKey: string;
  /**
   * The service refuses to start without the key (the launcher checks, doctor names it): only then
   * may the port be published beyond loopback without exposeUnauthenticated.
   */
  readonly required: boolean;
  /** Configuration field that makes it required, named in error messages (unset: always required). */
  readonly requiredField?: string;
}

/** Where a service's published ports listen on the host. */
export interface PublishSpec {
  /** Host IPv4 address (hostIP) of every published port of the service. */
  readonly address: string;
  /** Configuration field that sets it (the service's own bindAddress or the pod-wide one). */
  readonly addressField: string;
  /** Publish ports without authentication beyond loopback anyway (a loud, explicit choice). */
  readonly exposeUnauthenticated: boolean;
  /** Configuration field of that choice. */
  readonly exposeField: string;
}

/** A host directory, file or socket mounted into the service's container. */
export interface HostMountSpec {
  /** Volume name, unique within the pod. */
  readonly name: string;
  readonly hostPath: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
  /** hostPath type: what must exist on the host (DirectoryOrCreate creates it). */
  readonly type: 'DirectoryOrCreate' | 'Directory' | 'File' | 'Socket';
  /** Persistent data: `install` creates it and `doctor` checks it. */
  readonly persistent?: boolean;
  /**
   * A persistent directory that belongs to the user the service's process runs as (dataOwner:
   * runAs, else the image's own user, else root) and to nobody else: `install` creates it private
   * (0700) to that user and hands over what it holds, `doctor` checks both. At start the launcher
   * makes it 0700 while root still owns it (a bare `podman kube play` creates a missing hostPath
   * folder root's 0755), and with runAs hands it and `ownedSubdirs` over. Unset: created root's
   * 0755 by install, and left as it is.
   */
  readonly ownedByService?: boolean;
  /** Folders below an ownedByService directory that belong to that user too (paths relative to it). */
  readonly ownedSubdirs?: readonly string[];
  /**
   * A user's own directory (a workspace): never created, emptied or re-owned by us; `doctor` checks
   * it exists and says who owns it; the Kubernetes target gives it a volume claim at the same path.
   */
  readonly workspace?: boolean;
  /**
   * The user's own files, mounted read-only (a plugin folder, a configuration file): kept apart
   * from every data directory and from the pod's own files, and checked by `doctor` once links
   * are resolved.
   */
  readonly userFiles?: boolean;
  /** Configuration field that sets hostPath, named in error messages. */
  readonly configField: string;
}

/** Who the service's process runs as, and so who owns its ownedByService folders: runAs, else the image's user, else root. */
export function dataOwner(spec: ServiceSpec): UserGroup {
  return spec.runAs ?? spec.imageUser ?? ROOT;
}

/**
 * The container folders a service's user must own, parents first: each ownedByService mount and
 * every folder on the way to its ownedSubdirs (podman makes missing ones root's for nested mounts).
 */
export function ownedFolders(spec: ServiceSpec): string[] {
  const dirs = new Set<string>();
  for (const m of spec.mounts.filter((mount) => mount.ownedByService)) {
    dirs.add(m.mountPath);
    for (const sub of m.ownedSubdirs ?? []) {
      const parts = sub.split('/');
      for (let i = 1; i <= parts.length; i++) dirs.add(`${m.mountPath}/${parts.slice(0, i).join('/')}`);
    }
  }
  return [...dirs];
}

/** How the service's health is checked (liveness, startupProbe, and the startup-order waits). */
export interface HealthCheckSpec {
  /**
   * POSIX sh run inside the service's own container; exit status 0 means healthy. It may use
   * only tools the real image has (see shared notes, images.md), and it must not put a secret
   * in any process's argv: pass secrets through the environment or stdin.
   */
  readonly script: string;
  /** Keys of the env file the check reads (loaded into its environment, never into argv). */
  readonly envKeys: readonly string[];
  /** Seconds a single check may take. Default 5. */
  readonly timeoutSeconds?: number;
  /** Seconds between liveness checks where the target runs them per service (Kubernetes). Default: the target's. */
  readonly intervalSeconds?: number;
  /** Failed liveness checks in a row before the container is replaced. Default: the target's. */
  readonly retries?: number;
}

/**
 * What the pod's watchdog asks a service from the host every few seconds, through one of its ports
 * and a socket of its own (no process is started): any answer within the bound means alive, a
 * hung or stopped process answers nothing. Only then does the watchdog call podman.
 */
export interface HostProbeSpec {
  /** Name of the port (in `ports`) that is asked: its host port when published, else the pod's address. */
  readonly port: string;
  /**
   * `resp`: a RESP PING, any reply counts (-NOAUTH too); `http`: a GET of `path`, any status line
   * counts; `tcp`: the connection alone (the kernel accepts it for a hung process too: it catches a
   * closed port, not a hang), or, with `send`, those bytes and then any reply.
   */
  readonly protocol: 'resp' | 'http' | 'tcp';
  /** Path of the GET (http): one that answers without side effects. */
  readonly path?: string;
  /**
   * tcp: bytes written after connecting (lowercase hex); the first byte of any reply within the
   * bound counts. A hung process answers nothing, so this catches a hang too.
   */
  readonly send?: string;
}

/** A service this one must wait for. */
export interface Dependency {
  /** Name of the other service. */
  readonly service: string;
  /** Skip the dependency when that service is not part of the stack (e.g. Datadog turned off). */
  readonly optional?: boolean;
}

/** How the env file's secrets reach the service. */
export interface SecretsSpec {
  /**
   * Env-file keys written into this container's own env file (patterns, see secret-keys.ts): the
   * container never sees any other key. Must cover requirepassFrom and requiredKeys (buildPodModel
   * checks, with the patterns' syntax, since split-env.sh embeds them in shell `case` patterns).
   */
  readonly receives: readonly string[];
  /** Keys exported into the service's environment: a list, or 'all' for every key it receives. */
  readonly envKeys: readonly string[] | 'all';
  /**
   * Env-file key holding a Redis-protocol password. When the file sets it, the launcher feeds
   * `requirepass "<value>"` to the server on stdin (`-` argument), so it never appears in argv.
   */
  readonly requirepassFrom?: string;
  /** Keys the service cannot work without; `doctor` checks the env file has them. */
  readonly requiredKeys?: readonly string[];
  /**
   * The launcher refuses to start the service when the env file does not set requirepassFrom: a
   * store published beyond loopback never runs without its password.
   */
  readonly requirePassword?: boolean;
}

/** Everything a renderer needs to know about one service. Plain data. */
export interface ServiceSpec {
  readonly name: string;
  readonly description: string;
  readonly image: string;
  /** The image's real entrypoint, as the launcher must exec it. */
  readonly entrypoint: readonly string[];
  /** Arguments for the entrypoint (the container's `args`). */
  readonly args: readonly string[];
  /** Plain (non-secret) environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly PortSpec[];
  /** Host address of the published ports. Unset: the pod-wide bindAddress (PodModel). */
  readonly publish?: PublishSpec;
  readonly mounts: readonly HostMountSpec[];
  readonly health: HealthCheckSpec;
  /** What the watchdog asks from the host. Unset: only podman's own (slow) liveness probe watches it. */
  readonly hostProbe?: HostProbeSpec;
  readonly dependsOn: readonly Dependency[];
  readonly secrets: SecretsSpec;
  /**
   * Linux capabilities the container keeps (names without CAP_, sorted); every other one is
   * dropped. What the image's own start needs as root (chown, privilege drop, ...): see each service.
   */
  readonly capabilities: readonly string[];
  /** Kubernetes memory quantity. */
  readonly memoryLimit: string;
  /** Seconds the service may take to become healthy after its container starts. */
  readonly startTimeoutSeconds: number;
  /** Run the main process as this user (the launcher switches after its own root-only steps). Unset: the image's user. */
  readonly runAs?: UserGroup;
  /**
   * The user the image's own entrypoint switches to before the service runs (Valkey's setpriv to
   * 999:999), when runAs is unset: the owner of its ownedByService folders. Unset: the image runs
   * the service as root.
   */
  readonly imageUser?: UserGroup;
  /**
   * File-creation mask the launcher sets before it execs the entrypoint, as octal digits ('077':
   * what the service writes is its user's alone). Unset: podman's (0022), and whatever the image does.
   */
  readonly umask?: string;
  /** Working directory of the main process. Unset: the image's. */
  readonly workingDir?: string;
}

/** Props shared by every service construct. */
export interface ServiceProps {
  /** Image reference, fully qualified. */
  readonly image: string;
  /** Container memory limit, e.g. `2Gi`. */
  readonly memoryLimit: string;
  /** Seconds this service may take to become healthy before its dependents give up. */
  readonly startTimeoutSeconds: number;
  /** Services to wait for; each service construct has a sensible default. */
  readonly dependsOn?: readonly Dependency[];
  /** Env-file keys this service receives (patterns); each service construct has a default. */
  readonly secretKeys?: readonly string[];
  /** Capabilities kept beyond the service's own list (names without CAP_). */
  readonly extraCapabilities?: readonly string[];
  /** Where its ports are published; unset: the pod-wide bindAddress. */
  readonly publish?: PublishSpec;
}

const NAME = /^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/;

/**
 * One container of the stack. Subclasses (Valkey, FalkorDb, ...) know their image's runtime
 * contract and describe it as a ServiceSpec; renderers turn specs into manifests and units.
 */
export abstract class Service extends Construct {
  /** Service name: container name inside the pod and name used by dependencies. */
  readonly name: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    if (!NAME.test(id)) throw new Error(`service name "${id}" must be 1-15 lowercase letters, digits and -`);
    this.name = id;
  }

  /** The plain description of this service that renderers consume. */
  abstract get spec(): ServiceSpec;

  /**
   * Adds a check of this service's configuration (node.addValidation): a value that cannot work is
   * reported with every other problem of the configuration, not thrown.
   */
  protected checkConfig(check: () => readonly ConfigProblem[]): void {
    addConfigValidation(this, check);
  }
}
