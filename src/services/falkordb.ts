import { Construct } from 'constructs';
import { Capability, keptCapabilities } from '../model/capabilities';
import { Service, ServiceProps, ServiceSpec } from '../model/service';
import { redisPingScript } from './redis-health';
import { STORE_UMASK } from './store-files';

export interface FalkorDbProps extends ServiceProps {
  /** Redis-protocol port (6379 unless changed; added to REDIS_ARGS when changed). */
  readonly port: number;
  readonly hostPort?: number;
  /** Run the browser (Next.js on 3000). */
  readonly browser: boolean;
  readonly browserHostPort: number;
  /** `--save` points; empty string disables snapshots. */
  readonly save: string;
  /** Host directory mounted at /var/lib/falkordb/data, where v4 images really keep data. */
  readonly dataDir: string;
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
  }

  /** Redis-protocol port inside the pod. */
  get port(): number {
    return this.props.port;
  }

  get spec(): ServiceSpec {
    const p = this.props;
    // "-" first: redis-server reads extra config (requirepass, if any) from stdin, fed by the launcher.
    const redisArgs = ['-', ...(p.port === 6379 ? [] : ['--port', String(p.port)]), '--save', p.save];
    return {
      name: this.name,
      description: 'FalkorDB graph store',
      image: p.image,
      entrypoint: ['/var/lib/falkordb/bin/run.sh'],
      args: [],
      env: { REDIS_ARGS: redisArgs.join(' '), BROWSER: p.browser ? '1' : '0' },
      ports: [
        { name: 'falkordb', containerPort: p.port, hostPort: p.hostPort ?? p.port, configField: 'services.falkordb.port' },
        ...(p.browser ? [{ name: 'falkordb-ui', containerPort: 3000, hostPort: p.browserHostPort, configField: 'services.falkordb.browserHostPort' }] : []),
      ],
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
      secrets: { receives: p.secretKeys ?? FALKORDB_SECRET_KEYS, envKeys: [], requirepassFrom: FALKORDB_PASSWORD_KEY },
      capabilities: keptCapabilities(p.browser ? FALKORDB_CAPABILITIES : [], p.extraCapabilities),
      memoryLimit: p.memoryLimit,
      startTimeoutSeconds: p.startTimeoutSeconds,
      umask: STORE_UMASK,
    };
  }
}
