import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { quantityBytes, valkeyBytes } from '../lib/memory';
import { Service, ServiceProps, ServiceSpec } from '../model/service';
import { redisPingScript } from './redis-health';
import { STORE_UMASK } from './store-files';

/**
 * FalkorDB (redis-server with the graph module) forks to write snapshots, like Valkey: while the
 * child writes, every page the parent changes is copied. Its container limit must leave this
 * factor of maxmemory.
 */
export const FALKORDB_HEADROOM = 1.25;

/**
 * What the FalkorDB browser (a Next.js server, node, in the same container and so under the same
 * limit) is given of the limit when it runs: a Next.js standalone server of this size keeps about
 * 100-200 MiB resident. An estimate, not a measurement: the real image is not available here, and
 * nothing bounds the browser itself.
 */
export const FALKORDB_BROWSER_MEMORY = '256Mi';

/**
 * The largest maxmemory that fits `memoryLimit`, in bytes: the limit less the browser's share,
 * divided by the fork's headroom. The default: 2Gi - 256Mi = 1792Mi, / 1.25 = 1433Mi; 1gb leaves
 * the other ~410Mi to what maxmemory does not count (allocator fragmentation, the module's thread
 * stacks, client buffers).
 */
export function falkordbMaxmemoryFits(memoryLimit: string, browser: boolean): number {
  const left = quantityBytes(memoryLimit) - (browser ? quantityBytes(FALKORDB_BROWSER_MEMORY) : 0);
  return Math.max(0, Math.floor(left / FALKORDB_HEADROOM));
}

export interface FalkorDbProps extends ServiceProps {
  /** Redis-protocol port (6379 unless changed; added to REDIS_ARGS when changed). */
  readonly port: number;
  readonly hostPort?: number;
  /** Run the browser (Next.js on 3000). */
  readonly browser: boolean;
  readonly browserHostPort: number;
  /** `--save` points; empty string disables snapshots. */
  readonly save: string;
  /**
   * `--maxmemory`, Valkey/Redis units (1gb), with policy noeviction: a graph is one key, and
   * evicting it would drop the whole graph; at the bound GRAPH.QUERY (deny-oom) answers an OOM error
   * and reads go on.
   */
  readonly maxmemory: string;
  /** Host directory mounted at /var/lib/falkordb/data, where v4 images really keep data. */
  readonly dataDir: string;
  /** Refuse to start without FALKORDB_PASSWORD (needed to publish it beyond loopback). */
  readonly requirePassword?: boolean;
}

/** Env-file key that turns on FalkorDB authentication. */
export const FALKORDB_PASSWORD_KEY = 'FALKORDB_PASSWORD';

/** Keys the FalkorDB container receives by default: its own password. */
export const FALKORDB_SECRET_KEYS: readonly string[] = ['FALKORDB_PASSWORD'];

/**
 * Capabilities FalkorDB needs: redis-server runs as root on root-owned data (none needed); the
 * browser's entrypoint chowns /app/.data and drops to uid 1001 with su-exec (CHOWN, SETUID, SETGID),
 * so without the browser it keeps none.
 */
export const FALKORDB_CAPABILITIES: readonly Capability[] = ['CHOWN', 'SETGID', 'SETUID'];

/**
 * FalkorDB v4 (docker.io/falkordb/falkordb). Contract (images.md): ENTRYPOINT run.sh ignores
 * container args and is configured only through REDIS_ARGS (word-split, placed first on the
 * redis-server command line), FALKORDB_ARGS, BROWSER and TLS; data lives in
 * /var/lib/falkordb/data (mounting /data persists nothing); redis-cli and sh, no curl/wget.
 */
export class FalkorDb extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly props: FalkorDbProps,
  ) {
    super(scope, id);
    // Checked with memoryLimits: false too: memoryLimit is still the budget maxmemory is set from
    // (and the Kubernetes target always applies it).
    this.checkConfig(() => {
      const fits = falkordbMaxmemoryFits(props.memoryLimit, props.browser);
      if (valkeyBytes(props.maxmemory) <= fits) return [];
      const browser = props.browser ? ` - ${FALKORDB_BROWSER_MEMORY} for the browser (services.falkordb.browser)` : '';
      const needed = Math.ceil((valkeyBytes(props.maxmemory) * FALKORDB_HEADROOM + (props.browser ? quantityBytes(FALKORDB_BROWSER_MEMORY) : 0)) / 1024 ** 2);
      const most = Math.floor(fits / 1024 ** 2);
      return [
        {
          field: 'services.falkordb.maxmemory',
          value: props.maxmemory,
          allowed: `must fit services.falkordb.memoryLimit (${props.memoryLimit})${browser}, with ${FALKORDB_HEADROOM}x maxmemory for the snapshot fork: ${most ? `at most ${most}mb` : 'nothing is left for the store'}, or memoryLimit at least ${needed}Mi`,
          comparedWith: ['services.falkordb.memoryLimit', 'services.falkordb.browser'],
        },
      ];
    });
  }

  /** Redis-protocol port inside the pod. */
  get port(): number {
    return this.props.port;
  }

  get spec(): ServiceSpec {
    const p = this.props;
    // "-" first: redis-server reads extra config (requirepass, if any) from stdin, fed by the launcher.
    const redisArgs = [
      '-',
      ...(p.port === 6379 ? [] : ['--port', String(p.port)]),
      '--maxmemory',
      p.maxmemory,
      '--maxmemory-policy',
      'noeviction',
      '--save',
      p.save,
    ];
    // The browser has no login of its own: it opens the graph only with FalkorDB's password (when
    // set), so it is published beyond loopback on the same terms as the store.
    const auth = { passwordKey: FALKORDB_PASSWORD_KEY, required: p.requirePassword ?? false, requiredField: 'services.falkordb.requirePassword' };
    return {
      name: this.name,
      description: 'FalkorDB graph store',
      image: p.image,
      entrypoint: ['/var/lib/falkordb/bin/run.sh'],
      args: [],
      env: { REDIS_ARGS: redisArgs.join(' '), BROWSER: p.browser ? '1' : '0' },
      ports: [
        { name: 'falkordb', containerPort: p.port, hostPort: p.hostPort ?? p.port, configField: 'services.falkordb.port', auth },
        ...(p.browser
          ? [{ name: 'falkordb-ui', containerPort: 3000, hostPort: p.browserHostPort, configField: 'services.falkordb.browserHostPort', auth }]
          : []),
      ],
      publish: p.publish,
      mounts: [
        {
          name: 'falkordb-data',
          hostPath: p.dataDir,
          mountPath: '/var/lib/falkordb/data',
          readOnly: false,
          type: 'DirectoryOrCreate',
          persistent: true,
          // root's, 0700: redis-server runs as root there (run.sh drops no privileges).
          ownedByService: true,
          configField: 'services.falkordb.dataDir',
        },
      ],
      health: { script: redisPingScript('redis-cli', p.port, FALKORDB_PASSWORD_KEY), envKeys: [FALKORDB_PASSWORD_KEY] },
      hostProbe: { port: 'falkordb', protocol: 'resp' },
      dependsOn: p.dependsOn ?? [{ service: 'valkey', optional: true }],
      secrets: {
        receives: p.secretKeys ?? FALKORDB_SECRET_KEYS,
        envKeys: [],
        requirepassFrom: FALKORDB_PASSWORD_KEY,
        ...(p.requirePassword ? { requirePassword: true, requiredKeys: [FALKORDB_PASSWORD_KEY] } : {}),
      },
      capabilities: keptCapabilities(p.browser ? FALKORDB_CAPABILITIES : [], p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
      umask: STORE_UMASK,
    };
  }
}
