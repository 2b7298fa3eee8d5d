import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { FULLY_QUALIFIED_IMAGE, isLatest, parseImageRef } from '../lib/image-ref';
import { readablePathProblem, systemPathProblem } from '../lib/host-paths';
import { LINUX_CAPABILITIES } from '../model/capabilities';
import { DEFAULT_TARGETS, Target, TARGET_NAMES, TARGETS } from '../lib/targets';
import { SECRET_KEY_PATTERN, SECRET_KEY_PATTERN_TEXT } from '../model/secret-keys';
import { BUILT_IN_SERVICES, declaredServiceSchema } from './declared-schema';
import { DATADOG_SECRET_KEYS, DEFAULT_DATADOG_IMAGE } from '../services/datadog-agent';
import { FALKORDB_SECRET_KEYS } from '../services/falkordb';
import { DEFAULT_GRAPHITI_IMAGE, GRAPHITI_SECRET_KEYS } from '../services/graphiti-mcp';
import { DEFAULT_OPENCODE_RUN_AS, OPENCODE_HOME, OPENCODE_SECRET_KEYS } from '../services/opencode';
import { DEFAULT_VALKEY_IMAGE, VALKEY_SECRET_KEYS } from '../services/valkey';

/*
 * The user's configuration file (YAML). Every field is optional: an empty file, or no file at all,
 * gives the built-in defaults (the original design, corrected; see README "Defaults").
 * The JSON Schema written to dist/config.schema.json is generated from this definition.
 */

// Written with zod/mini: the schemas zod's chained API makes (`z.string().regex(...).default(...)`),
// built from functions, without the ~40 methods zod attaches to every schema it creates. Building
// this one took ~15 ms of every synth that way. zod sets up its English messages on import, zod/mini
// leaves it to the user; `describe` below is zod's `.describe`.
z.config(en());

/** `schema.describe(text)`: a copy of the schema that carries its description. */
function describe<T extends z.ZodMiniType>(schema: T, description: string): T {
  const copy = schema.clone();
  z.globalRegistry.add(copy, { description });
  return copy;
}

const PORT_TEXT = 'an integer from 1 to 65535';

/** A TCP port number. */
export const port = z
  .number({ error: `must be ${PORT_TEXT}` })
  .check(z.int({ error: `must be ${PORT_TEXT}` }))
  .check(z.gte(1, { error: `must be ${PORT_TEXT}` }))
  .check(z.lte(65535, { error: `must be ${PORT_TEXT}` }));

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** An IPv4 address the host ports are published on. */
export const bindAddress = z.string().check(
  z.regex(IPV4, {
    error: 'must be an IPv4 address such as 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)',
  }),
);

/** A service's own host address; unset: the pod-wide bindAddress. */
const serviceBindAddress = describe(
  z.optional(bindAddress),
  "Host address this service's ports are published on (e.g. a Tailscale address for OpenCode); unset: bindAddress. Beyond loopback (127.0.0.0/8) only with a password the service requires, or exposeUnauthenticated.",
);

/** Makes a store's password mandatory: what lets it be published beyond loopback. */
const requirePassword = (key: string) =>
  describe(
    z._default(z.boolean(), false),
    `Refuse to start without ${key} in the env file, the password every client must then give. Needed to publish the service beyond loopback; doctor checks the key is there.`,
  );

/** The loud override: publish a service that asks for no password beyond loopback. */
const exposeUnauthenticated = describe(
  z._default(z.boolean(), false),
  'Publish this service beyond loopback although it asks for no password: anyone who can reach the address can use it (read and write its data). Synth and doctor warn every time.',
);

/**
 * A fully qualified image reference. podman resolves short names through registries.conf and,
 * without a terminal, fails on ambiguous ones; the first path component must be a registry
 * (contains a dot or a colon, or is `localhost`). A moving tag other than latest (`7.2`, `stable`)
 * is accepted with a warning (config/image-warnings.ts): it names real releases, only not which one.
 */
export const imageRef = z
  .string()
  .check(
    z.regex(FULLY_QUALIFIED_IMAGE, {
      error: 'must be a fully qualified image reference such as docker.io/valkey/valkey:7.2.14 or localhost/name:tag',
    }),
  )
  // What runs must not depend on when it was pulled; a local build (localhost/) is never pulled.
  .check(
    z.refine(
      (ref) => {
        const parts = parseImageRef(ref);
        // A reference the grammar does not read has the pattern's error already.
        return !parts || parts.domain === 'localhost' || !isLatest(parts);
      },
      {
        error: 'must name a version tag or a digest (not :latest, not untagged), e.g. docker.io/valkey/valkey:7.2.14; only localhost/ images may use any tag',
      },
    ),
  );

/** An absolute host path without `.` or `..` components, spaces or characters systemd/podman would mangle. */
export const hostPath = z
  .string()
  .check(z.regex(/^\/[A-Za-z0-9._\/@+-]*$/, { error: 'must be an absolute path made of letters, digits and . _ / @ + -' }))
  .check(z.refine((p) => !p.split('/').includes('..'), { error: 'must not contain ".." components' }))
  .check(z.refine((p) => !p.split('/').includes('.'), { error: 'must not contain "." components (write the path as it is)' }));

/** A host directory a container writes in (a data directory, a workspace): never one of the system's own. */
const ownDirectory = hostPath.check(
  z.refine((p) => !systemPathProblem(p), {
    error: (issue) => systemPathProblem(String(issue.input)) ?? 'must be a directory of your own',
  }),
);

/** A host file a container reads (a configuration file): never one of the system's own. */
const ownFile = hostPath.check(
  z.refine((p) => !readablePathProblem(p, 'file'), {
    error: (issue) => readablePathProblem(String(issue.input), 'file') ?? 'must be a file of your own',
  }),
);

/** `UID:GID`, numbers only: the container has no account names of the host. */
export const userGroup = z
  .string()
  .check(z.regex(/^\d{1,10}:\d{1,10}$/, { error: 'must be UID:GID as numbers, e.g. 1000:1000 (names are not known inside the container)' }))
  .check(z.refine((v) => v.split(':').every((n) => Number(n) <= 2147483646), { error: 'must be UID:GID with each number at most 2147483646' }))
  // uid 0 with another group is root all the same (every capability kept): say 0:0 if root is meant.
  .check(
    z.refine((v) => !/^0+:/.test(v) || /^0+:0+$/.test(v), { error: 'must be 0:0 (root) or a non-root uid: uid 0 with another group would still be root' }),
  );

/** A Kubernetes memory quantity (binary suffixes), e.g. 512Mi, 3Gi. */
export const memoryQuantity = z
  .string()
  .check(z.regex(/^[1-9]\d*(Ki|Mi|Gi|Ti)$/, { error: 'must be a memory quantity such as 512Mi or 3Gi (Ki, Mi, Gi, Ti)' }));

/** A Valkey memory size, e.g. 2gb, 512mb (Valkey units: kb/mb/gb are powers of 1024). */
export const valkeyMemory = z.string().check(z.regex(/^[1-9]\d*(kb|mb|gb)$/, { error: 'must be a Valkey size such as 2gb or 512mb' }));

/**
 * The env-file keys one container receives: names or patterns with *, ! to exclude. The unit
 * writes each container its own file with only these keys (split-env.sh).
 */
const secretKeys = (defaults: readonly string[]) =>
  describe(
    z._default(z.array(z.string().check(z.regex(SECRET_KEY_PATTERN, { error: `must be ${SECRET_KEY_PATTERN_TEXT}` }))), [...defaults]),
    'Env-file keys this container receives (names, or patterns with *; a leading ! excludes). It can read no other key of the env file.',
  );

/** Capabilities a container keeps beyond its service's own list (every other one is dropped). */
const extraCapabilities = describe(
  z._default(z.array(z.enum(LINUX_CAPABILITIES, { error: 'must be a Linux capability name without CAP_, e.g. NET_BIND_SERVICE' })), []),
  "Linux capabilities this container keeps beyond its image's needs (names without CAP_); every other one is dropped.",
);

/** Services a built-in also waits for (declared ones, or other built-ins), beyond its own dependencies. */
const after = describe(
  z._default(z.array(z.string()), []),
  'Services (declared or built-in) that must be healthy before this one starts, beyond those it always waits for.',
);

const VALKEY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
] as const;

const seconds = (max: number) =>
  z
    .number()
    .check(z.int({ error: `must be a whole number of seconds from 1 to ${max}` }))
    .check(z.gte(1, { error: `must be a whole number of seconds from 1 to ${max}` }))
    .check(z.lte(max, { error: `must be a whole number of seconds from 1 to ${max}` }));

const valkey = z.prefault(
  z.strictObject({
    image: describe(z._default(imageRef, DEFAULT_VALKEY_IMAGE), 'Valkey image.'),
    port: describe(z._default(port, 6380), 'Port Valkey listens on inside the pod and publishes on the host.'),
    hostPort: describe(z.optional(port), 'Host port, when it differs from `port`.'),
    bindAddress: serviceBindAddress,
    requirePassword: requirePassword('VALKEY_PASSWORD'),
    exposeUnauthenticated,
    maxmemory: describe(z._default(valkeyMemory, '2gb'), 'Valkey maxmemory.'),
    maxmemoryPolicy: z._default(z.enum(VALKEY_POLICIES), 'allkeys-lru'),
    save: describe(
      z._default(
        z.string().check(z.regex(/^(\d+ \d+)( \d+ \d+)*$|^$/, { error: 'must be pairs "SECONDS CHANGES", e.g. "60 1000", or "" to disable snapshots' })),
        '60 1000',
      ),
      'Valkey save points.',
    ),
    memoryLimit: describe(z._default(memoryQuantity, '3Gi'), 'Container memory limit; must leave headroom above maxmemory for the fork that writes snapshots.'),
    after,
    extraCapabilities,
    secretKeys: secretKeys(VALKEY_SECRET_KEYS),
    dataDir: describe(z._default(ownDirectory, '/persist/containers/valkey'), 'Host directory for /data.'),
  }),
  {},
);

const falkordb = z.prefault(
  z.strictObject({
    image: describe(z._default(imageRef, 'docker.io/falkordb/falkordb:v4.20.4'), 'FalkorDB image; pin a v4 tag (its main line moved to a new engine).'),
    port: z._default(port, 6379),
    hostPort: z.optional(port),
    bindAddress: serviceBindAddress,
    requirePassword: requirePassword('FALKORDB_PASSWORD'),
    exposeUnauthenticated,
    browser: describe(z._default(z.boolean(), true), 'Run the FalkorDB browser (Next.js) on port 3000.'),
    browserHostPort: z._default(port, 3000),
    save: z._default(
      z.string().check(
        z.regex(/^(\d+ \d+)( \d+ \d+)*$/, {
          error: 'must be pairs "SECONDS CHANGES", e.g. "60 100" (REDIS_ARGS is word-split, so it cannot carry an empty value)',
        }),
      ),
      '60 100',
    ),
    // Default 1gb: 2Gi less 256Mi for the browser is 1792Mi, / 1.25 for the snapshot fork is 1433Mi
    // at most (falkordbMaxmemoryFits); 1gb leaves ~410Mi for what maxmemory does not count.
    maxmemory: describe(
      z._default(valkeyMemory, '1gb'),
      'FalkorDB maxmemory (policy noeviction: at the bound graph writes fail with an OOM error, reads go on). memoryLimit must hold 1.25x it (the snapshot fork) plus 256Mi for the browser when it runs.',
    ),
    memoryLimit: describe(z._default(memoryQuantity, '2Gi'), 'Container memory limit, shared by FalkorDB and its browser.'),
    after,
    extraCapabilities,
    secretKeys: secretKeys(FALKORDB_SECRET_KEYS),
    dataDir: describe(z._default(ownDirectory, '/persist/containers/falkordb'), 'Host directory for /var/lib/falkordb/data.'),
  }),
  {},
);

const datadog = z.prefault(
  z.strictObject({
    enabled: describe(z._default(z.boolean(), true), 'Run the Datadog Agent in the pod.'),
    image: z._default(imageRef, DEFAULT_DATADOG_IMAGE),
    apmHostPort: describe(z._default(port, 8126), 'Host port for APM (the agent listens on 8126).'),
    bindAddress: serviceBindAddress,
    exposeUnauthenticated,
    podmanSocket: describe(z._default(hostPath, '/var/run/podman/podman.sock'), 'Rootful podman API socket (podman.socket must be enabled).'),
    containerDiscovery: describe(
      z._default(z.boolean(), true),
      'Mount the podman socket, /proc and /sys/fs/cgroup into the agent: logs of every container and container metrics. The socket is the rootful podman API (read-only does not limit it): whoever controls the agent container controls the host. false: no host mounts; APM, OTLP and the agent itself only.',
    ),
    hostname: describe(
      z.optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, { error: 'must be a host name (letters, digits, . and -)' }))),
      'DD_HOSTNAME; inside a container the agent cannot always find the host name itself.',
    ),
    after,
    extraCapabilities,
    secretKeys: secretKeys(DATADOG_SECRET_KEYS),
    llmObservability: describe(z._default(z.boolean(), true), 'Receive OpenTelemetry from OpenCode on the agent (OTLP/HTTP 4318) and turn it on in OpenCode.'),
    memoryLimit: z._default(memoryQuantity, '1Gi'),
  }),
  {},
);

/** The OpenCode release the default image is built from (npm: opencode-linux-<arch>@VERSION). */
export const OPENCODE_VERSION = '1.18.34';

const opencode = z.prefault(
  z.strictObject({
    version: describe(
      z._default(z.string().check(z.regex(/^\d+\.\d+\.\d+$/, { error: 'must be an OpenCode release version such as 1.18.34' })), OPENCODE_VERSION),
      'OpenCode release the image is built from (`opencode-memory-pod image build`); the default image is localhost/opencode-server:<version>.',
    ),
    image: describe(z.optional(imageRef), 'OpenCode server image; unset: localhost/opencode-server:<version>, built by `opencode-memory-pod image build`.'),
    init: describe(
      z.optional(z.enum(['tini', 'none'])),
      'tini: start OpenCode through /usr/bin/tini (in the image `image build` makes), since as PID 1 OpenCode ignores SIGTERM; none: exec it directly (other images). Unset: tini for the built image, else none.',
    ),
    port: z._default(port, 4096),
    hostPort: z.optional(port),
    bindAddress: serviceBindAddress,
    after,
    extraCapabilities,
    secretKeys: secretKeys(OPENCODE_SECRET_KEYS),
    dataDir: describe(
      z._default(ownDirectory, '/persist/containers/opencode'),
      `Host directory that is OpenCode's home (${OPENCODE_HOME}): everything it keeps lives under it (.local/share/opencode: credentials, sessions, logs; .local/state/opencode: prompt history, locks; .cache/opencode; .config/opencode; .npm). install makes it private (0700) to runAs.`,
    ),
    runAs: describe(
      z._default(userGroup, DEFAULT_OPENCODE_RUN_AS),
      'uid:gid OpenCode runs as, and owner of what it writes in workspaces and its home. Default 1000:1000: the first account Debian, Ubuntu and Fedora create, the usual owner of the code on a one-person host. 0:0 runs it as root, as the official image does.',
    ),
    workspaces: describe(
      z._default(z.array(ownDirectory), []),
      "Host directories (your projects) mounted read-write at the same absolute path inside OpenCode's container, so a client on the host (opencode attach, the SDK, an editor) names them by its own path. Nothing else of the host is visible to OpenCode.",
    ),
    pluginsDir: describe(z.optional(ownDirectory), `Host directory mounted read-only at ${OPENCODE_HOME}/.config/opencode/plugins (global plugins).`),
    configFile: describe(
      z.optional(ownFile),
      `Host file mounted read-only at ${OPENCODE_HOME}/.config/opencode/opencode.json (e.g. the Graphiti MCP entry); unset: the config directory in OpenCode's home is writable and kept.`,
    ),
    memoryLimit: z._default(memoryQuantity, '2Gi'),
  }),
  {},
);

const graphiti = z.prefault(
  z.strictObject({
    enabled: describe(z._default(z.boolean(), false), 'Run the Graphiti MCP server (port 8000) as a fifth container.'),
    image: z._default(imageRef, DEFAULT_GRAPHITI_IMAGE),
    hostPort: describe(z._default(port, 8000), 'Host port for the MCP endpoint (the server listens on 8000).'),
    bindAddress: serviceBindAddress,
    exposeUnauthenticated,
    after,
    extraCapabilities,
    secretKeys: secretKeys(GRAPHITI_SECRET_KEYS),
    database: z._default(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, _ or -' })), 'default_db'),
    memoryLimit: z._default(memoryQuantity, '1Gi'),
  }),
  {},
);

const builtInServices = z.strictObject({
  valkey,
  falkordb,
  datadog,
  opencode,
  graphiti,
});

const declaredService = declaredServiceSchema({ imageRef, port, bindAddress, memoryQuantity, userGroup, hostPath, seconds, describe });

/** `services` as written: the built-ins' fields, and any other key a declared service. */
const servicesInput = z.prefault(z.catchall(builtInServices, declaredService), {});

/** A declared service as the schema gives it, defaults filled in. */
export type DeclaredServiceConfig = z.output<typeof declaredService>;
/** A declared service as written (the construct library's DeclaredServiceProps takes what it takes). */
export type DeclaredServiceInput = z.input<typeof declaredService>;

/**
 * The output of `services`: the built-ins by name, and the declared services apart (`declared`,
 * in the file's order), so that neither type is mixed into the other's.
 */
function splitDeclared(services: z.output<typeof servicesInput>) {
  const all = services as unknown as z.output<typeof builtInServices> & Record<string, unknown>;
  const declared: Record<string, DeclaredServiceConfig> = {};
  for (const [name, value] of Object.entries(all)) {
    if (!(BUILT_IN_SERVICES as readonly string[]).includes(name)) declared[name] = value as DeclaredServiceConfig;
  }
  const { valkey, falkordb, datadog, opencode, graphiti } = all;
  return { valkey, falkordb, datadog, opencode, graphiti, declared };
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A Kubernetes storage quantity, e.g. 10Gi. */
const storageQuantity = z.string().check(z.regex(/^[1-9]\d*(Mi|Gi|Ti)$/, { error: 'must be a storage quantity such as 10Gi (Mi, Gi, Ti)' }));

const kubernetes = z.prefault(
  z.strictObject({
    namespace: describe(
      z.optional(z.string().check(z.regex(DNS_LABEL, { error: 'must be a DNS label: lowercase letters, digits and -, at most 63 characters' }))),
      'Namespace written into every object; unset: the one kubectl uses (-n or the context).',
    ),
    secretName: describe(
      z._default(z.string().check(z.regex(DNS_LABEL, { error: 'must be a DNS label: lowercase letters, digits and -' })), 'opencode-env'),
      'Prefix of the Secrets made from the env file, one per container of the pod: NAME-<service>, holding only the keys that service receives (synth prints the commands).',
    ),
    datadog: describe(
      z._default(z.enum(['node-agent', 'sidecar']), 'node-agent'),
      "node-agent: use the cluster's Datadog Agent DaemonSet (DD_AGENT_HOST = node IP); sidecar: run the agent in the pod (APM and OTLP only, no host mounts).",
    ),
    storageClassName: describe(
      z.optional(z.string().check(z.regex(DNS_LABEL, { error: 'must be a storage class name (a DNS label)' }))),
      'Storage class of the volume claims; unset: the cluster default.',
    ),
    storage: describe(
      z._default(z.record(z.string(), storageQuantity), {}),
      'Size per persistent volume, by volume name (valkey-data, falkordb-data, opencode-data); others get defaultStorage.',
    ),
    defaultStorage: z._default(storageQuantity, '10Gi'),
    cpuRequest: describe(
      z._default(z.string().check(z.regex(/^([1-9]\d*m|\d+(\.\d+)?)$/, { error: 'must be a CPU quantity such as 100m or 0.5' })), '100m'),
      'CPU request of every container.',
    ),
  }),
  {},
);

export const configSchema = z.prefault(
  z.strictObject({
    podName: describe(
      z._default(
        z
          .string()
          .check(z.regex(/^[a-z0-9]([a-z0-9-]{0,50}[a-z0-9])?$/, { error: 'must be a DNS label: lowercase letters, digits and -, at most 52 characters' })),
        'opencode-memory-pod',
      ),
      'Name of the pod; containers are named <pod>-<service>.',
    ),
    bindAddress: describe(
      z._default(bindAddress, '127.0.0.1'),
      "Host address the services' ports are published on, unless a service names its own (services.<name>.bindAddress). Beyond loopback (127.0.0.0/8) a service must require its password (requirePassword) or say exposeUnauthenticated.",
    ),
    envFile: describe(z._default(hostPath, '/run/secrets/opencode.env'), 'Host env file with the secrets (KEY=VALUE lines).'),
    installPath: describe(
      z._default(hostPath.check(z.refine((p) => p.endsWith('.yaml'), { error: 'must end in .yaml' })), '/etc/opencode-memory-pod/pod.yaml'),
      'Where `install` puts pod.yaml; the systemd units are generated for this path.',
    ),
    ordering: describe(
      z._default(z.boolean(), true),
      'Start each service only after its dependencies are healthy. false starts all at once (a baseline for measurements; not for use).',
    ),
    memoryLimits: describe(
      z._default(z.boolean(), true),
      "Set each container's memory limit. false for hosts without the cgroup memory controller (e.g. inside nspawn or LXC), where podman cannot start a container that has one.",
    ),
    startTimeoutSeconds: describe(z._default(seconds(3600), 120), 'How long each service may take to become healthy before its dependents give up.'),
    targets: describe(
      z._default(
        z.array(z.enum(TARGET_NAMES as [Target, ...Target[]])).check(z.minLength(1, { error: `must name at least one target: ${TARGET_NAMES.join(', ')}` })),
        [...DEFAULT_TARGETS],
      ),
      `What synth writes: ${TARGET_NAMES.map((t) => `${t} (${TARGETS[t].writes})`).join(' and/or ')}. \`synth --target\` overrides it.`,
    ),
    kubernetes,
    services: describe(
      z.pipe(servicesInput, z.transform(splitDeclared)),
      `The built-in services (${BUILT_IN_SERVICES.join(', ')}) and any other key: a service of your own (image, command and health are required).`,
    ),
  }),
  {},
);

/** The validated configuration with every default filled in. */
export type Config = z.output<typeof configSchema>;
/** What a user may write in the YAML file. */
export type ConfigInput = z.input<typeof configSchema>;
