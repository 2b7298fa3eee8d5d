// A cdk8s app of your own: the OpenCode memory stack, PostgreSQL added in TypeScript, and dist/
// written as `opencode-memory-pod synth` writes it (for equivalent.yaml, the same configuration
// as a file: main.test.ts holds the two to the same bytes).
import { App } from 'cdk8s';
import { ConfigError, MemoryStack } from 'opencode-memory-pod';

export function buildStack(): MemoryStack {
  const app = new App();
  const stack = new MemoryStack(app, 'stack', {
    config: {
      services: {
        valkey: { maxmemory: '1gb', memoryLimit: '1536Mi' },
        // A built-in may wait for a service of your own.
        opencode: { after: ['postgres'] },
      },
    },
  });
  stack.addService('postgres', {
    // Pinned by a digest in real use: `opencode-memory-pod image pull --record` writes it.
    image: 'docker.io/library/postgres:16.4-bookworm',
    command: ['docker-entrypoint.sh', 'postgres'],
    // 127.0.0.1 is the whole pod's: without scram, initdb trusts every container on it.
    env: { PGDATA: '/var/lib/postgresql/data/pgdata', POSTGRES_INITDB_ARGS: '--auth-host=scram-sha-256' },
    secretKeys: ['POSTGRES_PASSWORD'],
    ports: [{ containerPort: 5432, hostPort: 5432 }],
    // An SSLRequest wants a reply: a hung server (whose port still accepts) is seen, and healed.
    health: { tcp: 5432, sendHex: '0000000804d2162f', startPeriodSeconds: 60 },
    tools: ['bash'],
    mounts: [{ hostPath: '/persist/containers/postgres', mountPath: '/var/lib/postgresql/data', persistent: true }],
    // What its entrypoint does as root: hand PGDATA to the postgres user, then switch to it.
    capabilities: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'],
  });
  return stack;
}

if (require.main === module) {
  try {
    const out = buildStack().writeDist(process.env.OMP_OUT_DIR ?? 'dist');
    for (const warning of out.warnings) console.error(`warning: ${warning}`);
    console.log(`wrote ${out.files.length} files to ${out.outDir}/`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exitCode = 2;
  }
}
