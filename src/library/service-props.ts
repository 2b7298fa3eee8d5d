import type { Capability } from '../model/capabilities';
import type { DeclaredMount, DeclaredPort } from '../services/declared-service';

/*
 * The props of a DeclaredService, as a cdk8s app writes them: the same fields as a service declared
 * in the configuration file (`services.<name>`, README "Services of your own"), checked by the same
 * schema when the construct is made. Written out here, with their defaults, so that the package's
 * types hold no schema library; memory-stack.ts holds them to the schema at compile time.
 */

/** Programs an image may have for a `tcp`, `http` or `resp` check. */
export type HealthTool = 'bash' | 'nc' | 'curl' | 'wget' | 'redis-cli' | 'valkey-cli';

/** A Linux capability name without CAP_, e.g. `CHOWN`. */
export type CapabilityName = Capability;

/** A port the service listens on; the pod shares one network, so it must differ from every other service's. */
export type ServicePort = DeclaredPort;

/** A host path mounted into the service's container. */
export type ServiceMount = DeclaredMount;

/**
 * How the service's health is checked: exactly one of `tcp`, `http`, `resp` or `command`. The
 * check runs inside the service's container with only the image's programs (see `tools`).
 */
export interface HealthCheck {
  /** Healthy when this port (one of `ports[].containerPort`) accepts a connection: a closed port, not a hung process (see `sendHex`). */
  readonly tcp?: number;
  /**
   * With `tcp`: bytes written after connecting, as hex; healthy only when the service answers with
   * at least one byte (a hung process's kernel still accepts the connection, and answers nothing).
   * PostgreSQL: `'0000000804d2162f'` (an SSLRequest, answered `N` or `S`). Needs `bash` in `tools`.
   * @default - none: a connection is enough
   */
  readonly sendHex?: string;
  /** Healthy when `GET http://127.0.0.1:<port><path>` answers 2xx or 3xx. `path` defaults to `/`. */
  readonly http?: { readonly port: number; readonly path?: string };
  /** Healthy when a Redis-protocol server on this port answers PING (PONG, or NOAUTH). */
  readonly resp?: number;
  /** Argv run inside the container; exit status 0 is healthy. Never write a secret into it. */
  readonly command?: readonly string[];
  /**
   * Seconds one check may take.
   * @default 5
   */
  readonly timeoutSeconds?: number;
  /**
   * Seconds between liveness checks on Kubernetes.
   * @default 10
   */
  readonly intervalSeconds?: number;
  /**
   * Failed liveness checks in a row before the container is restarted.
   * @default - podman 2, Kubernetes 3
   */
  readonly retries?: number;
  /**
   * Time the service needs to start: raises its start timeout to at least this.
   * @default - none
   */
  readonly startPeriodSeconds?: number;
}

/** A container of your own in the pod: what `services.<name>` of the configuration file says. */
export interface DeclaredServiceProps {
  /** Image, fully qualified, pinned to a version tag or digest (`localhost/` images may use any tag). */
  readonly image: string;
  /** The image's ENTRYPOINT and CMD as the launcher must exec them, e.g. `['docker-entrypoint.sh', 'postgres']`. */
  readonly command: readonly string[];
  /**
   * Arguments appended after `command`.
   * @default []
   */
  readonly args?: readonly string[];
  /**
   * Plain, non-secret environment (a name that looks secret is refused: use `secretKeys`).
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Env-file keys this container receives (names, or patterns with `*`; a leading `!` excludes),
   * all exported into its environment. It can read no other key of the env file.
   * @default []
   */
  readonly secretKeys?: readonly string[];
  /** @default [] */
  readonly ports?: readonly ServicePort[];
  /** How its health is checked. */
  readonly health: HealthCheck;
  /**
   * Publish its ports beyond loopback although it asks for no password we know of.
   * @default false
   */
  readonly exposeUnauthenticated?: boolean;
  /**
   * Services (built-in or declared) that must be healthy before this one starts.
   * @default []
   */
  readonly after?: readonly string[];
  /** @default [] */
  readonly mounts?: readonly ServiceMount[];
  /**
   * Seconds it may take to become healthy.
   * @default - the stack's startTimeoutSeconds, raised to health.startPeriodSeconds
   */
  readonly startTimeoutSeconds?: number;
  /**
   * Container memory limit (a Kubernetes quantity).
   * @default '512Mi'
   */
  readonly memoryLimit?: string;
  /**
   * Linux capabilities the container keeps; every other one is dropped.
   * @default []
   */
  readonly capabilities?: readonly CapabilityName[];
  /**
   * `uid:gid` the launcher switches to (the image needs util-linux setpriv); its persistent mounts become that user's.
   * @default - the image's own user
   */
  readonly runAs?: string;
  /**
   * Programs the image has for a `tcp`, `http` or `resp` check.
   * @default - unknown: only a `command` check can run
   */
  readonly tools?: readonly HealthTool[];
}
