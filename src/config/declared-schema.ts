import * as z from 'zod/mini';
import { LINUX_CAPABILITIES } from '../model/capabilities';
import { SECRET_KEY_PATTERN, SECRET_KEY_PATTERN_TEXT } from '../model/secret-keys';
import { HEALTH_TOOLS } from '../services/declared-health';

/*
 * A service declared in the configuration (any key of `services` that is not a built-in): the
 * props of one DeclaredService construct (services/declared-service.ts). Its own module so that
 * schema.ts stays the built-ins' definition; the field types it shares come in as arguments.
 */

/** The built-in services' keys of `services`; every other key is a declared service. */
export const BUILT_IN_SERVICES = ['valkey', 'falkordb', 'datadog', 'opencode', 'graphiti'] as const;

/** The Service construct's name rule (model/service.ts): a container name and a port name (at most 15 characters). */
export const SERVICE_NAME = /^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/;
export const SERVICE_NAME_TEXT = '1-15 lowercase letters, digits and -, starting with a letter and not ending in -';

/** Fields the schema refuses that have no default: a stand-in lets the constructs judge the rest (config/load.ts). */
export const DECLARED_STAND_INS: Readonly<Record<string, unknown>> = {
  image: 'localhost/refused:refused',
  command: ['refused'],
  health: { command: ['true'] },
};

/** Fields every declared service must have. */
export const DECLARED_REQUIRED = ['image', 'command', 'health'] as const;

/** Shared field types of schema.ts (passed in: schema.ts imports this module). */
export interface DeclaredFieldTypes {
  readonly imageRef: z.ZodMiniType<string, string>;
  readonly port: z.ZodMiniType<number, number>;
  readonly bindAddress: z.ZodMiniType<string, string>;
  readonly memoryQuantity: z.ZodMiniType<string, string>;
  readonly userGroup: z.ZodMiniType<string, string>;
  readonly hostPath: z.ZodMiniType<string, string>;
  readonly seconds: (max: number) => z.ZodMiniType<number, number>;
  readonly describe: <T extends z.ZodMiniType>(schema: T, description: string) => T;
}

const PORT_NAME = /^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$/;
const VOLUME_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// An env name as the launcher and podman take it; the env file's reserved names are refused by the construct.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// No quotes, blanks or shell characters: the path is written into the health script and a GET line.
const HTTP_PATH = /^\/[A-Za-z0-9._~%/?&=+:@,-]*$/;
const CONTAINER_PATH = /^\/[A-Za-z0-9._/@+-]*$/;
// Bytes a tcp check writes: hex pairs (written into the health script and the watchdog's table, so
// nothing but hex digits), at most 64 bytes (a probe, not a conversation).
const SEND_HEX = /^([0-9A-Fa-f]{2}){1,64}$/;
const SEND_HEX_TEXT = '1 to 64 bytes as pairs of hex digits';

/** The zod schema of one declared service. */
export function declaredServiceSchema(t: DeclaredFieldTypes) {
  const { describe } = t;
  const argv = z.array(z.string().check(z.minLength(1, { error: 'must not be empty' })));
  const health = z
    .strictObject({
      tcp: describe(
        z.optional(t.port),
        'Healthy when this port (one of ports[].containerPort) accepts a connection. Catches a closed port, not a hung process: add sendHex for that.',
      ),
      sendHex: describe(
        z.optional(
          z.string().check(z.regex(SEND_HEX, { error: `must be ${SEND_HEX_TEXT}, e.g. "0000000804d2162f" (quoted: digits alone would be a number)` })),
        ),
        'With tcp: bytes written after connecting, as hex; healthy only when the service answers with at least one byte (a hung process, whose kernel still accepts the connection, answers nothing). E.g. PostgreSQL: "0000000804d2162f" (SSLRequest, answered N or S). Needs bash in tools.',
      ),
      http: describe(
        z.optional(
          z.strictObject({
            port: t.port,
            path: z._default(
              z.string().check(z.regex(HTTP_PATH, { error: 'must be a path such as /healthz (letters, digits and . _ ~ % / ? & = + : @ , -)' })),
              '/',
            ),
          }),
        ),
        'Healthy when GET http://127.0.0.1:PORT/PATH answers 2xx or 3xx.',
      ),
      resp: describe(z.optional(t.port), 'Healthy when a Redis-protocol server on this port answers PING (PONG, or NOAUTH when it wants a password).'),
      command: describe(
        z.optional(argv.check(z.minLength(1, { error: 'must name a program' }))),
        "Argv run inside the service's container (no shell unless you name one); exit status 0 is healthy. It gets the service's env-file keys in its environment: never write a secret into it.",
      ),
      timeoutSeconds: describe(z.optional(t.seconds(60)), 'Seconds one check may take. Default 5.'),
      intervalSeconds: describe(
        z.optional(t.seconds(3600)),
        "Seconds between liveness checks on Kubernetes (default 10). In the podman pod the watchdog asks every 5 s and podman's own probe runs every 300 s, for every service alike.",
      ),
      retries: describe(
        z.optional(z.number().check(z.int(), z.gte(1), z.lte(100))),
        'Failed liveness checks in a row before the container is restarted (podman default 2, Kubernetes 3).',
      ),
      startPeriodSeconds: describe(
        z.optional(t.seconds(3600)),
        'Time the service needs to start: raises its start timeout to at least this (unless startTimeoutSeconds is set).',
      ),
    })
    .check(
      z.refine((h) => [h.tcp, h.http, h.resp, h.command].filter((x) => x !== undefined).length === 1, {
        error: 'must have exactly one of tcp, http, resp or command',
      }),
    );

  return z.strictObject({
    image: describe(t.imageRef, 'Image, fully qualified, pinned to a version tag or digest (localhost/ images may use any tag).'),
    command: describe(
      argv.check(z.minLength(1, { error: 'must name the program to run' })),
      "The image's ENTRYPOINT and CMD as the launcher must exec them (synth cannot read the image), e.g. [docker-entrypoint.sh, postgres].",
    ),
    args: describe(z._default(argv, []), 'Arguments appended after command.'),
    env: describe(
      z._default(z.record(z.string().check(z.regex(ENV_NAME, { error: 'must be an environment variable name' })), z.string()), {}),
      'Plain, non-secret environment; secrets go in the env file and secretKeys.',
    ),
    secretKeys: describe(
      z._default(z.array(z.string().check(z.regex(SECRET_KEY_PATTERN, { error: `must be ${SECRET_KEY_PATTERN_TEXT}` }))), []),
      'Env-file keys this container receives (names, or patterns with *; a leading ! excludes), exported into its environment. It can read no other key of the env file. Default: none.',
    ),
    ports: describe(
      z._default(
        z.array(
          z.strictObject({
            containerPort: t.port,
            hostPort: describe(z.optional(t.port), 'Host port; unset: reachable only inside the pod.'),
            hostIP: describe(z.optional(t.bindAddress), 'Host address; unset: bindAddress. Every port of a service has the same.'),
            name: describe(
              z.optional(z.string().check(z.regex(PORT_NAME, { error: `must be a port name: ${SERVICE_NAME_TEXT}` }))),
              'Port name, unique in the pod; default: the service name for the first port, port-<containerPort> for the others.',
            ),
          }),
        ),
        [],
      ),
      'Ports the service listens on (the pod shares one network: each must differ from every other service).',
    ),
    exposeUnauthenticated: describe(
      z._default(z.boolean(), false),
      'Publish its ports beyond loopback (127.0.0.0/8): the service asks for no password we know of, so anyone who reaches the address can use it.',
    ),
    health: describe(
      health,
      "How its health is checked: exactly one of tcp, http, resp or command, run inside its container with the image's own programs (see tools).",
    ),
    after: describe(z._default(z.array(z.string()), []), 'Services (built-in or declared) that must be healthy before this one starts.'),
    mounts: describe(
      z._default(
        z.array(
          z.strictObject({
            hostPath: t.hostPath,
            mountPath: z.string().check(z.regex(CONTAINER_PATH, { error: 'must be an absolute path made of letters, digits and . _ / @ + -' })),
            persistent: describe(z._default(z.boolean(), false), 'Data to keep: install creates the folder and doctor checks it (DirectoryOrCreate).'),
            readOnly: z._default(z.boolean(), false),
            type: describe(
              z.optional(z.enum(['Directory', 'File', 'Socket'])),
              'What must exist on the host for a mount that is not persistent. Default Directory.',
            ),
            name: describe(
              z.optional(z.string().check(z.regex(VOLUME_NAME, { error: 'must be a DNS label: lowercase letters, digits and -' }))),
              'Volume name, unique in the pod; default <service>-data for a persistent mount, <service>-<n> otherwise.',
            ),
          }),
        ),
        [],
      ),
      'Host paths mounted into the container.',
    ),
    startTimeoutSeconds: describe(z.optional(t.seconds(3600)), 'Seconds it may take to become healthy; default: the pod-wide startTimeoutSeconds.'),
    memoryLimit: describe(z._default(t.memoryQuantity, '512Mi'), 'Container memory limit.'),
    capabilities: describe(
      z._default(z.array(z.enum(LINUX_CAPABILITIES, { error: 'must be a Linux capability name without CAP_, e.g. CHOWN' })), []),
      "Linux capabilities the container keeps (names without CAP_); every other one is dropped. List what the image's own start needs as root (chown, a switch of user).",
    ),
    runAs: describe(
      z.optional(t.userGroup),
      "uid:gid the service runs as (the launcher switches to it; the image needs util-linux setpriv); its persistent mounts become that user's. Unset: the image's own user.",
    ),
    tools: describe(
      z.optional(z.array(z.enum(HEALTH_TOOLS))),
      'Programs the image has for a tcp, http or resp check (the check runs in its container with only its tools): bash (its /dev/tcp), nc, curl, wget, redis-cli, valkey-cli.',
    ),
  });
}
