import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { quantityBytes, valkeyBytes } from '../lib/memory';
import { Service, ServiceProps, ServiceSpec } from '../model/service';
import { redisPingScript } from './redis-health';
import { STORE_UMASK } from './store-files';

/** Valkey forks to write snapshots; its memory limit must leave this factor of maxmemory. */
export const VALKEY_HEADROOM = 1.25;

export interface ValkeyProps extends ServiceProps {
  /** Port Valkey listens on (`--port`); it shares the pod's network with FalkorDB on 6379. */
  readonly port: number;
  /** Host port; default `port`. */
  readonly hostPort?: number;
  /** `--maxmemory`, Valkey units (2gb). */
  readonly maxmemory: string;
  readonly maxmemoryPolicy: string;
  /** `--save` points, e.g. "60 1000"; empty string disables snapshots. */
  readonly save: string;
  /** Host directory mounted at /data (the image's WORKDIR and `dir`). */
  readonly dataDir: string;
  /** Refuse to start without VALKEY_PASSWORD (needed to publish it beyond loopback). */
  readonly requirePassword?: boolean;
}

/** The image's valkey user and group (Dockerfile: groupadd -g 999, useradd -u 999): its entrypoint drops to it. */
export const VALKEY_USER = { uid: 999, gid: 999 } as const;

/**
 * The default image: an exact release, so that two hosts set up on different days run the same
 * Valkey (the `7.2` tag moves to each patch). 7.2.14 (2026-07-21) is the newest 7.2 patch published
 * (valkey-io.github.io release page; Docker Hub 7.2.14 = 7.2.14-trixie, the Debian variant the
 * contract below and the e2e stand-in describe). Stay on 7.2: the line this stack was designed on.
 */
export const DEFAULT_VALKEY_IMAGE = 'docker.io/valkey/valkey:7.2.14';

/** Env-file key that turns on Valkey authentication. */
export const VALKEY_PASSWORD_KEY = 'VALKEY_PASSWORD';

/** Keys the Valkey container receives by default: its own password. */
export const VALKEY_SECRET_KEYS: readonly string[] = ['VALKEY_PASSWORD'];

/**
 * Capabilities Valkey's entrypoint needs as root: `find . ! -user valkey -exec chown` over /data
 * (after the first start /data and dump.rdb belong to uid 999, mode 0600 under its umask 0077: root
 * needs DAC_OVERRIDE to look in; CHOWN), then `setpriv --reuid=valkey --regid=valkey --clear-groups`
 * (SETUID, SETGID). valkey-server itself then runs as uid 999 with none. DAC_OVERRIDE rather than the
 * narrower DAC_READ_SEARCH: Kubernetes' baseline Pod Security level admits only the former, and
 * nothing but find and chown runs with it.
 */
export const VALKEY_CAPABILITIES: readonly Capability[] = ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'];

/**
 * Valkey 7.2 (docker.io/valkey/valkey). Contract (images.md): ENTRYPOINT docker-entrypoint.sh
 * prepends `valkey-server` to args starting with `-`, chowns /data and drops to uid 999; no curl
 * or wget in the image, valkey-cli and sh are there.
 */
export class Valkey extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: ValkeyProps,
  ) {
    super(scope, id);
    this.checkConfig(() => {
      const needed = valkeyBytes(props.maxmemory) * VALKEY_HEADROOM;
      if (quantityBytes(props.memoryLimit) >= needed) return [];
      return [
        {
          field: 'services.valkey.memoryLimit',
          value: props.memoryLimit,
          allowed: `must be at least ${VALKEY_HEADROOM}x services.valkey.maxmemory (${props.maxmemory}), i.e. ${Math.ceil(needed / 1024 ** 2)}Mi`,
          comparedWith: ['services.valkey.maxmemory'],
        },
      ];
    });
  }

  get spec(): ServiceSpec {
    const p = this.props;
    return {
      name: this.name,
      description: 'Valkey cache',
      image: p.image,
      // Keep the image's entrypoint (chown + privilege drop); the launcher execs it.
      entrypoint: ['docker-entrypoint.sh'],
      // The leading "-" makes valkey-server read extra config from stdin, where the launcher
      // puts `requirepass` when the env file sets VALKEY_PASSWORD (nothing otherwise).
      args: ['-', '--port', String(p.port), '--maxmemory', p.maxmemory, '--maxmemory-policy', p.maxmemoryPolicy, '--save', p.save],
      env: {},
      ports: [
        {
          name: 'valkey',
          containerPort: p.port,
          hostPort: p.hostPort ?? p.port,
          configField: 'services.valkey.port',
          auth: { passwordKey: VALKEY_PASSWORD_KEY, required: p.requirePassword ?? false, requiredField: 'services.valkey.requirePassword' },
        },
      ],
      publish: p.publish,
      mounts: [
        {
          name: 'valkey-data',
          hostPath: p.dataDir,
          mountPath: '/data',
          readOnly: false,
          type: 'DirectoryOrCreate',
          persistent: true,
          // 999:999, 0700: the entrypoint re-owns (chown, not chmod) only what is not valkey's yet.
          ownedByService: true,
          configField: 'services.valkey.dataDir',
        },
      ],
      health: { script: redisPingScript('valkey-cli', p.port, VALKEY_PASSWORD_KEY), envKeys: [VALKEY_PASSWORD_KEY] },
      hostProbe: { port: 'valkey', protocol: 'resp' },
      dependsOn: p.dependsOn ?? [],
      secrets: {
        receives: p.secretKeys ?? VALKEY_SECRET_KEYS,
        envKeys: [],
        requirepassFrom: VALKEY_PASSWORD_KEY,
        ...(p.requirePassword ? { requirePassword: true, requiredKeys: [VALKEY_PASSWORD_KEY] } : {}),
      },
      capabilities: keptCapabilities(VALKEY_CAPABILITIES, p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
      imageUser: VALKEY_USER,
      umask: STORE_UMASK,
    };
  }
}
