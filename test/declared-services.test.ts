import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { AddressInfo, createServer, Server } from 'node:net';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { configure, synthesize } from '../src/app/synth';
import { ConfigInput } from '../src/config/schema';
import { ConfigError } from '../src/lib/config-error';
import { parsePodmanVersion } from '../src/lib/podman-version';
import { runtimeScripts } from '../src/render/runtime-scripts';
import { splitEnvScript } from '../src/render/split-env';
import { SCHEMA_KINDS } from '../src/validate/kubernetes-schema';
import { parseManifests } from '../src/validate/manifest-input';
import { PODMAN_KINDS, validateDocuments } from '../src/validate/validate';
import { files, model, tempDir } from './helpers';

/** The README's example: PostgreSQL beside the stack, OpenCode ordered after it. */
const POSTGRES = {
  // A digest makes it pinned (16.4 alone is a moving tag: validate and synth say so); made up here.
  image: `docker.io/library/postgres:16.4@sha256:${'a'.repeat(64)}`,
  command: ['docker-entrypoint.sh', 'postgres'],
  env: { PGDATA: '/var/lib/postgresql/data/pgdata' },
  secretKeys: ['POSTGRES_PASSWORD'],
  ports: [{ containerPort: 5432, hostPort: 5432, hostIP: '127.0.0.1' }],
  health: { tcp: 5432 },
  tools: ['bash' as const],
  after: ['valkey'],
  mounts: [{ hostPath: '/persist/containers/postgres', mountPath: '/var/lib/postgresql/data', persistent: true }],
  capabilities: ['CHOWN' as const, 'SETUID' as const, 'SETGID' as const, 'DAC_OVERRIDE' as const, 'FOWNER' as const],
};
const WITH_POSTGRES: ConfigInput = { services: { opencode: { after: ['postgres'] }, postgres: POSTGRES } };

interface Container {
  name: string;
  command: string[];
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  securityContext: { capabilities: { add?: string[] } };
}

function podContainers(input: ConfigInput): Container[] {
  const docs = yaml.loadAll(files(input).get('pod.yaml')!) as Array<{ kind: string; spec: { containers: Container[] } }>;
  return docs.find((d) => d.kind === 'Pod')!.spec.containers;
}

/** The problems of a configuration, as `field: allowed` lines. */
function problems(input: unknown): string[] {
  try {
    configure(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.field}: ${p.allowed}`);
    throw e;
  }
  return [];
}

describe('a declared service in the podman pod', () => {
  it('runs through the launcher after its dependencies, and OpenCode waits for it when told', () => {
    const containers = podContainers(WITH_POSTGRES);
    expect(containers.map((c) => c.name)).toEqual(['valkey', 'falkordb', 'datadog', 'postgres', 'opencode']);
    const pg = containers.find((c) => c.name === 'postgres')!;
    expect(pg.command).toEqual([
      '/bin/sh',
      '/opt/opencode-memory-pod/launch.sh',
      '--name',
      'postgres',
      '--after',
      'valkey',
      '--timeout',
      '120',
      '--post-health',
      '--env-all',
      '--',
      'docker-entrypoint.sh',
      'postgres',
    ]);
    expect(pg.env).toEqual([{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }]);
    expect(pg.securityContext.capabilities.add).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID']);
    // It reads valkey's markers (read-only) and owns its own state; its data is mounted.
    expect(pg.volumeMounts).toContainEqual({ name: 'opencode-memory-pod-state-valkey', mountPath: '/run/opencode-memory-pod/state/valkey', readOnly: true });
    expect(pg.volumeMounts).toContainEqual({ name: 'postgres-data', mountPath: '/var/lib/postgresql/data' });
    expect(pg.volumeMounts).toContainEqual({ name: 'env-postgres', mountPath: '/run/opencode-memory-pod/opencode.env', readOnly: true });

    const oc = containers.find((c) => c.name === 'opencode')!;
    const afters = oc.command.flatMap((a, i) => (oc.command[i - 1] === '--after' ? [a] : []));
    expect(afters).toEqual(['valkey', 'falkordb', 'datadog', 'postgres']);
    expect(oc.volumeMounts).toContainEqual({
      name: 'opencode-memory-pod-state-postgres',
      mountPath: '/run/opencode-memory-pod/state/postgres',
      readOnly: true,
    });
    // Without `after`, OpenCode does not wait for it.
    const alone = podContainers({ services: { postgres: POSTGRES } }).find((c) => c.name === 'opencode')!;
    expect(alone.command).not.toContain('postgres');
  });

  it('health.sh runs its check, and the watchdog asks its published port', () => {
    const f = files(WITH_POSTGRES);
    const health = runtimeScripts(model(WITH_POSTGRES))['health.sh'];
    // A tcp check reads no key: nothing of the env file is loaded for it.
    expect(health).toContain("  postgres)\n    bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null\n    ;;");
    const watchdog = f.get('libexec/watchdog.sh')!;
    expect(watchdog).toContain("  'postgres 127.0.0.1 5432 tcp'");
    expect(watchdog).toContain('[ "$1" = tcp ] && { exec {fd}>&-; return 0; }');
    // A pod without a tcp probe has no such line (the default output stays as it was).
    expect(files().get('libexec/watchdog.sh')).not.toContain('= tcp ]');
  });

  it('a tcp check with sendHex writes those bytes and wants a reply, in health.sh and in the watchdog (only then)', () => {
    const input: ConfigInput = { services: { postgres: { ...POSTGRES, health: { tcp: 5432, sendHex: '0000000804D2162F' } } } };
    const health = runtimeScripts(model(input))['health.sh'];
    // The bytes as printf's octal escapes, in the bash -c the check runs in; read -n 1: the first byte of the reply.
    expect(health).toContain(
      '  postgres)\n    bash -c \'exec 3<>/dev/tcp/127.0.0.1/5432 || exit 1\n    printf "\\000\\000\\000\\010\\004\\322\\026\\057" >&3\n    read -r -n 1 -d "" -t 4 _ <&3\' 2>/dev/null\n    ;;',
    );
    const watchdog = files(input).get('libexec/watchdog.sh')!;
    expect(watchdog).toContain("  'postgres 127.0.0.1 5432 send 0000000804d2162f'");
    expect(watchdog).toContain('if [ "$1" = send ]; then');
    expect(watchdog).not.toContain('= tcp ]');
    // Pods without a send probe: not a line of it (the watchdog's idle work stays as it was).
    for (const other of [files(WITH_POSTGRES), files()]) expect(other.get('libexec/watchdog.sh')).not.toContain('send');
  });

  it('install and doctor know its image, port and data directory', () => {
    const plan = JSON.parse(files(WITH_POSTGRES).get('install.json')!);
    expect(plan.images).toContainEqual({ service: 'postgres', image: POSTGRES.image, get: `podman pull ${POSTGRES.image}` });
    expect(plan.hostPorts).toContainEqual({ service: 'postgres', address: '127.0.0.1', port: 5432, exposure: 'loopback' });
    expect(plan.dataDirs).toContainEqual({ service: 'postgres', path: '/persist/containers/postgres' });
    expect(plan.secretKeys.postgres).toEqual(['POSTGRES_PASSWORD']);
  });

  it('with runAs, its data directory is made private to that user, and the launcher switches to it', () => {
    const input: ConfigInput = { services: { postgres: { ...POSTGRES, runAs: '999:999', capabilities: [] } } };
    const plan = JSON.parse(files(input).get('install.json')!);
    expect(plan.dataDirs).toContainEqual({ service: 'postgres', path: '/persist/containers/postgres', owner: '999:999' });
    const pg = podContainers(input).find((c) => c.name === 'postgres')!;
    expect(pg.command.join(' ')).toContain('--user 999:999 --own /var/lib/postgresql/data --');
    // What the launcher needs as root to hand the folder over and switch, and nothing more.
    expect(pg.securityContext.capabilities.add).toEqual(['CHOWN', 'SETGID', 'SETUID']);
  });

  it('gets an env file with only its own keys; a service that lists none gets an empty one', () => {
    const m = model({ services: { ...WITH_POSTGRES.services, cache: { image: 'localhost/cache:1', command: ['cache'], health: { command: ['true'] } } } });
    const dir = tempDir('omp-declared-split-');
    writeFileSync(join(dir, 'split-env.sh'), splitEnvScript(m));
    writeFileSync(join(dir, 'host.env'), 'POSTGRES_PASSWORD=pg-secret\nVALKEY_PASSWORD=v\nOPENCODE_SERVER_PASSWORD=oc\nPOSTGRES_OTHER=x\n', { mode: 0o600 });
    const out = join(dir, 'secrets');
    const r = spawnSync('sh', [join(dir, 'split-env.sh'), join(dir, 'host.env')], { env: { PATH: process.env.PATH, OMP_SECRETS_DIR: out }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'postgres.env'), 'utf8')).toBe('POSTGRES_PASSWORD=pg-secret\n');
    expect(readFileSync(join(out, 'cache.env'), 'utf8')).toBe('');
    expect(readFileSync(join(out, 'valkey.env'), 'utf8')).toBe('VALKEY_PASSWORD=v\n');
    expect(readFileSync(join(out, 'opencode.env'), 'utf8')).not.toContain('POSTGRES');
    expect(readdirSync(out).sort()).toEqual(['cache.env', 'datadog.env', 'falkordb.env', 'opencode.env', 'postgres.env', 'valkey.env']);
    // No value is in any generated file.
    for (const [path, text] of files(WITH_POSTGRES)) expect(text, path).not.toContain('pg-secret');
  });

  it('validate finds nothing in the pod on any supported podman', () => {
    const docs = parseManifests(Buffer.from(files(WITH_POSTGRES).get('pod.yaml')!), 'pod.yaml', PODMAN_KINDS);
    const notes = ['liveness-no-restart', 'liveness-restart-stops', 'probe-timeout-ignored', 'termination-grace-ignored'];
    for (const v of ['4.3.1', '4.4.0', '4.6.0', '4.7.0', '4.8.0', '4.9.0', '5.0.0', '5.1.0', '5.4.2', '5.8.6']) {
      const findings = validateDocuments(docs, { target: 'podman', podman: parsePodmanVersion(v)! });
      expect(
        findings.filter((x) => !notes.includes(x.rule)).map((x) => `${x.rule}: ${x.message}`),
        v,
      ).toEqual([]);
    }
  });

  it('the default output is unchanged by the feature (no declared service, no built-in after)', () => {
    const withEmptyAfter = files({ services: { opencode: { after: [] } } });
    for (const [path, text] of files()) expect(withEmptyAfter.get(path), path).toBe(text);
  });
});

describe('a declared service on Kubernetes', () => {
  it('is a native sidecar OpenCode waits for, with its own Secret, claim and probes; validate finds nothing', () => {
    const f = files({ ...WITH_POSTGRES, targets: ['kubernetes'] });
    const sts = yaml.load(f.get('kubernetes/statefulset.yaml')!) as {
      spec: {
        template: {
          spec: { initContainers: Array<Container & { restartPolicy?: string; envFrom?: unknown; startupProbe: unknown }>; containers: Container[] };
        };
        volumeClaimTemplates: Array<{ metadata: { name: string } }>;
      };
    };
    const init = sts.spec.template.spec.initContainers;
    const pg = init.find((c) => c.name === 'postgres')!;
    expect(init.map((c) => c.name).indexOf('postgres')).toBeGreaterThan(init.map((c) => c.name).indexOf('valkey'));
    expect(pg.restartPolicy).toBe('Always');
    expect(pg.command).toEqual(['docker-entrypoint.sh', 'postgres']);
    expect(pg.envFrom).toEqual([{ secretRef: { name: 'opencode-env-postgres' } }]);
    expect(pg.startupProbe).toMatchObject({ exec: { command: ['/bin/sh', '/opt/opencode-memory-pod/health.sh', 'postgres'] } });
    expect(sts.spec.volumeClaimTemplates.map((c) => c.metadata.name)).toContain('postgres-data');
    expect(f.get('kubernetes/create-secrets.sh')).toContain('opencode-env-postgres');
    for (const path of ['kubernetes/statefulset.yaml', 'kubernetes/service.yaml', 'kubernetes/configmap.yaml', 'kubernetes/networkpolicy.yaml']) {
      const docs = parseManifests(Buffer.from(f.get(path)!), path, SCHEMA_KINDS);
      expect(validateDocuments(docs, { target: 'kubernetes', podman: 'all', kubernetesMinor: 29 }), path).toEqual([]);
    }
  });

  it('takes interval and retries of its health section as the liveness probe', () => {
    const input: ConfigInput = {
      targets: ['kubernetes'],
      services: { postgres: { ...POSTGRES, health: { tcp: 5432, intervalSeconds: 30, retries: 5, timeoutSeconds: 4 } } },
    };
    const text = files(input).get('kubernetes/statefulset.yaml')!;
    const sts = yaml.load(text) as { spec: { template: { spec: { containers: Array<Container & { livenessProbe: object }> } } } };
    const pg = sts.spec.template.spec.containers.find((c) => c.name === 'postgres')!;
    expect(pg.livenessProbe).toMatchObject({ periodSeconds: 30, failureThreshold: 5, timeoutSeconds: 4 });
  });
});

describe('bad declared services: every problem at once, each naming its field', () => {
  it('a misspelt built-in is a declared service without image: said once, with the built-ins', () => {
    expect(problems({ services: { valky: { port: 6381 } } })).toEqual([
      'services.valky: a declared service needs image, command, health (missing: image, command, health); built-in services are valkey, falkordb, datadog, opencode, graphiti (did you mean valkey?)',
      'services.valky.port: unknown field; allowed here: image, command, args, env, secretKeys, ports, exposeUnauthenticated, health, after, mounts, startTimeoutSeconds, memoryLimit, capabilities, runAs, tools',
    ]);
  });

  it('lists schema and construct problems of several services together', () => {
    const found = problems({
      services: {
        opencode: { after: ['postgress'] },
        web: {
          image: 'nginx:latest',
          command: ['nginx'],
          health: { http: { port: 8080, path: '/' } },
          ports: [{ containerPort: 6380 }],
          env: { DB_PASSWORD: 'hunter2' },
        },
        postgres: { ...POSTGRES, ports: [{ containerPort: 5432, hostPort: 4096 }], health: { tcp: 5433 }, tools: ['curl'] },
        api: { image: 'docker.io/x/api:1', command: ['api'], health: { tcp: 1, command: ['true'] } },
        Bad_Name: { image: 'docker.io/x/b:1', command: ['b'], health: { command: ['true'] } },
      },
    });
    expect(found).toEqual([
      'services.web.image: must be a fully qualified image reference such as docker.io/valkey/valkey:7.2.14 or localhost/name:tag',
      'services.web.image: must name a version tag or a digest (not :latest, not untagged), e.g. docker.io/valkey/valkey:7.2.14; only localhost/ images may use any tag',
      'services.api.health: must have exactly one of tcp, http, resp or command',
      'services.web.health.http: a http check runs inside the container with one of curl, wget, bash, nc, and services.web.tools is not set, so nothing is known to run it: list in services.web.tools what the image has, or use health.command',
      'services.web.health.http.port: must be one of services.web.ports[].containerPort (6380): add it there, without hostPort to keep it inside the pod',
      'services.web.env.DB_PASSWORD: looks like a secret: put DB_PASSWORD=... in the env file and list DB_PASSWORD in services.web.secretKeys (plain env is written into pod.yaml and shown by podman inspect)',
      'services.postgres.health.tcp: a tcp check runs inside the container with one of bash, nc, and the image has only curl (tools): list in services.postgres.tools what the image has, or use health.command',
      'services.postgres.health.tcp: must be one of services.postgres.ports[].containerPort (5432): add it there, without hostPort to keep it inside the pod',
      'services.Bad_Name: a service name must be 1-15 lowercase letters, digits and -, starting with a letter and not ending in -',
      "services.web.ports.0: port already used inside the pod by valkey (services.valkey.port); the pod's containers share one network, choose another",
      'services.postgres.ports.0: host port already used by services.opencode.port; every published port must differ',
      'services.opencode.after.0: must name a service of this pod (valkey, falkordb, datadog, opencode, web, postgres, api): no service is called postgress (did you mean postgres?)',
    ]);
  });

  it('names a dependency cycle, one through a built-in default too', () => {
    const svc = (after: string[]) => ({ image: 'localhost/x:1', command: ['x'], health: { command: ['true'] }, after });
    expect(problems({ services: { a: svc(['b']), b: svc(['c']), c: svc(['a']) } })).toEqual([
      'services.a.after.0: dependency cycle a -> b -> c -> a: no service of it could ever start; remove one of these dependencies',
    ]);
    // OpenCode always waits for Valkey: Valkey after OpenCode closes the loop.
    expect(problems({ services: { valkey: { after: ['opencode'] } } })).toEqual([
      'services.valkey.after.0: dependency cycle valkey -> opencode -> valkey: no service of it could ever start; remove one of these dependencies',
    ]);
    expect(problems({ services: { a: svc(['a']) } })).toEqual(['services.a.after.0: a service cannot wait for itself']);
    expect(problems({ services: { datadog: { enabled: false }, a: svc(['datadog']) } })).toEqual([
      'services.a.after.0: must name a service of this pod (valkey, falkordb, opencode, a): datadog is not in this pod (services.datadog.enabled is false)',
    ]);
  });

  it('refuses clashing port and volume names, mounts over the pod’s own paths, and system folders as data', () => {
    const found = problems({
      services: {
        web: {
          image: 'localhost/web:1',
          command: ['web'],
          health: { command: ['true'] },
          ports: [{ containerPort: 8080, name: 'opencode' }],
          mounts: [
            { hostPath: '/etc', mountPath: '/data', persistent: true },
            { hostPath: '/srv/web', mountPath: '/opt/opencode-memory-pod', name: 'runtime' },
            { hostPath: '/srv/logs', mountPath: '/logs', name: 'valkey-data' },
          ],
        },
      },
    });
    expect(found).toContain('services.web.ports.0.name: port name already used by services.opencode.port: every port of the pod needs its own name');
    expect(found).toContain("services.web.mounts.1.name: volume names runtime, env-* and opencode-memory-pod-state-* are the pod's own: choose another");
    expect(found).toContain('services.web.mounts.2.name: volume name already used by services.valkey.dataDir: every volume of the pod needs its own name');
    expect(found).toContain(
      "services.web.mounts.1.mountPath: must not be, contain or lie inside /opt/opencode-memory-pod or /run/opencode-memory-pod: the pod's launcher, env file and health state are there",
    );
    expect(found.filter((p) => p.startsWith('services.web.mounts.0.hostPath: '))).toHaveLength(2);
  });

  it('refuses a port beyond loopback without exposeUnauthenticated, like a built-in', () => {
    const input = { services: { postgres: { ...POSTGRES, ports: [{ containerPort: 5432, hostPort: 5432, hostIP: '0.0.0.0' }] } } };
    expect(problems(input).join('\n')).toMatch(/^services\.postgres\.ports\.0\.hostIP: .*exposeUnauthenticated/m);
    expect(problems({ services: { postgres: { ...input.services.postgres, exposeUnauthenticated: true } } })).toEqual([]);
  });
});

describe('sendHex', () => {
  const pg = (health: object, tools: string[] = ['bash']) => problems({ services: { postgres: { ...POSTGRES, health, tools } } });
  it('goes with tcp only, runs with bash only, and is hex', () => {
    expect(pg({ tcp: 5432, sendHex: '0000000804d2162f' })).toEqual([]);
    expect(pg({ http: { port: 5432, path: '/' }, sendHex: '00' }, ['curl'])).toEqual([
      'services.postgres.health.sendHex: goes with health.tcp only (a http check asks its own question): remove it, or use tcp',
    ]);
    expect(pg({ command: ['pg_isready'], sendHex: '00' }, [])).toEqual([
      'services.postgres.health.sendHex: goes with health.tcp only (a command check asks its own question): remove it, or use tcp',
    ]);
    expect(pg({ tcp: 5432, sendHex: '00' }, ['nc'])).toEqual([
      'services.postgres.health.tcp: a tcp check with sendHex runs inside the container with bash, and the image has only nc (tools): list in services.postgres.tools what the image has, or use health.command',
    ]);
    for (const bad of ['0g', '000', '', 12, 'ab'.repeat(65)]) {
      expect(pg({ tcp: 5432, sendHex: bad })).toEqual([
        expect.stringMatching(
          /^services\.postgres\.health\.sendHex: (must be 1 to 64 bytes as pairs of hex digits, e\.g\. "0000000804d2162f" \(quoted: digits alone would be a number\)|.*string)/,
        ),
      ]);
    }
  });
});

describe('the JSON Schema for editors', () => {
  const schema = JSON.parse(files().get('config.schema.json')!);
  const services = schema.properties.services;
  it('describes a declared service under any other key of services, with what it requires', () => {
    const declared = services.additionalProperties;
    expect(declared.required).toEqual(['image', 'command', 'health']);
    expect(Object.keys(declared.properties)).toEqual(
      expect.arrayContaining(['image', 'command', 'args', 'env', 'secretKeys', 'ports', 'health', 'after', 'mounts', 'tools', 'runAs']),
    );
    expect(declared.properties.health.properties.http.properties.path.default).toBe('/');
    expect(declared.properties.tools.items.enum).toEqual(['bash', 'nc', 'curl', 'wget', 'redis-cli', 'valkey-cli']);
    expect(services.properties.opencode.properties.after.type).toBe('array');
    expect(services.properties.valkey.additionalProperties).toBe(false);
  });
});

// ---- the checks themselves, run as health.sh runs them, against real servers ----

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A server that accepts and says nothing (a TCP port). */
const silent = () => listen(createServer(() => {}));
/** An HTTP server: /healthz 200, else 503. */
const http = () => listen(createHttpServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 503).end('x')) as unknown as Server);
/** A Redis-protocol server that answers PING with PONG, or NOAUTH. */
const resp = (reply = '+PONG') =>
  listen(
    createServer((s) =>
      s.on('data', (d) => {
        for (const line of d.toString().split('\r\n')) {
          if (/ping/i.test(line)) s.write(`${reply}\r\n`);
          if (/quit/i.test(line)) s.end('+OK\r\n');
          // redis-cli sends RESP arrays: *1 $4 PING
        }
      }),
    ),
  );

/** Runs health.sh for one declared service whose check uses `tool`, with only that tool (and sh's basics) on PATH. */
function runCheck(health: object, port: number, tool: string): Promise<number> {
  const dir = tempDir('omp-declared-health-');
  const m = model({ services: { svc: { image: 'localhost/x:1', command: ['x'], health, tools: [tool as 'bash'], ports: [{ containerPort: port }] } } });
  for (const [name, text] of Object.entries(runtimeScripts(m))) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'svc.env'), '');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const which = (p: string) =>
    spawnSync('sh', ['-c', `command -v ${p}`])
      .stdout.toString()
      .trim();
  // busybox as nc: the nc of Alpine-based images (here Debian's build, which has no -z).
  symlinkSync(tool === 'nc' ? which('busybox') : which(tool), join(bin, tool));
  for (const basic of ['timeout', 'tr', 'cat']) symlinkSync(which(basic), join(bin, basic));
  return new Promise((resolve) => {
    const child = spawn(which('busybox'), ['sh', join(dir, 'health.sh'), 'svc'], { env: { PATH: bin, OMP_DIR: dir, OMP_ENV_FILE: join(dir, 'svc.env') } });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

const has = (p: string) => spawnSync('sh', ['-c', `command -v ${p}`]).status === 0;

describe('declared health checks run with the tool the image has', () => {
  for (const tool of ['bash', 'nc']) {
    it.skipIf(!has(tool === 'nc' ? 'busybox' : tool))(`tcp with ${tool}: an open port passes, a closed one fails`, async () => {
      const port = await silent();
      expect(await runCheck({ tcp: port }, port, tool)).toBe(0);
      servers.pop()!.close();
      expect(await runCheck({ tcp: port }, port, tool)).toBe(1);
    });
  }
  for (const tool of ['curl', 'wget', 'bash', 'nc']) {
    it.skipIf(!has(tool === 'nc' ? 'busybox' : tool))(`http with ${tool}: 2xx passes, 5xx fails`, async () => {
      const port = await http();
      expect(await runCheck({ http: { port, path: '/healthz' } }, port, tool)).toBe(0);
      // Any status but 0 is unhealthy (curl says 22, wget 8).
      expect(await runCheck({ http: { port, path: '/other' } }, port, tool)).not.toBe(0);
    });
  }
  for (const tool of ['redis-cli', 'bash', 'nc']) {
    it.skipIf(!has(tool === 'nc' ? 'busybox' : tool))(`resp with ${tool}: PONG and NOAUTH pass, anything else fails`, async () => {
      const pong = await resp();
      expect(await runCheck({ resp: pong }, pong, tool)).toBe(0);
      const noauth = await resp('-NOAUTH Authentication required.');
      expect(await runCheck({ resp: noauth }, noauth, tool)).toBe(0);
      const wrong = await resp('-ERR nope');
      expect(await runCheck({ resp: wrong }, wrong, tool)).toBe(1);
    });
  }
  it.skipIf(!has('bash'))('tcp with sendHex (bash): a reply passes at once, though the server keeps the connection open; silence fails', async () => {
    const got: Buffer[] = [];
    // As PostgreSQL: one byte for an SSLRequest, then it waits for the startup packet.
    const pg = await listen(createServer((s) => s.on('data', (d) => (got.push(d), s.write('N')))));
    const t0 = Date.now();
    expect(await runCheck({ tcp: pg, sendHex: '0000000804d2162f' }, pg, 'bash')).toBe(0);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(Buffer.concat(got).toString('hex')).toBe('0000000804d2162f');
    // A reply of one NUL byte is a reply.
    const nul = await listen(createServer((s) => s.on('data', () => s.write(Buffer.from([0])))));
    expect(await runCheck({ tcp: nul, sendHex: '00' }, nul, 'bash')).toBe(0);
    // Accepted (as the kernel accepts for a stopped process) but never answered: unhealthy, within the bound.
    const hung = await silent();
    const t1 = Date.now();
    expect(await runCheck({ tcp: hung, sendHex: '00', timeoutSeconds: 2 }, hung, 'bash')).not.toBe(0);
    expect(Date.now() - t1).toBeLessThan(4000);
    // Closed without a word: unhealthy.
    const closes = await listen(createServer((s) => s.on('data', () => s.end())));
    expect(await runCheck({ tcp: closes, sendHex: '00' }, closes, 'bash')).not.toBe(0);
  });
  it('command: the argv runs as written, with the service’s keys in its environment and none in argv', async () => {
    const dir = tempDir('omp-declared-cmd-');
    const m = model({
      services: {
        svc: {
          image: 'localhost/x:1',
          command: ['x'],
          secretKeys: ['SVC_TOKEN'],
          health: { command: ['sh', '-c', 'test "$SVC_TOKEN" = "a b\'c"', 'it is $SVC_TOKEN'] },
        },
      },
    });
    for (const [name, text] of Object.entries(runtimeScripts(m))) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'svc.env'), `SVC_TOKEN="a b'c"\n`);
    const run = (env: string) =>
      spawnSync('sh', [join(dir, 'health.sh'), 'svc'], { env: { PATH: process.env.PATH, OMP_DIR: dir, OMP_ENV_FILE: join(dir, env) } }).status;
    expect(run('svc.env')).toBe(0);
    writeFileSync(join(dir, 'other.env'), 'SVC_TOKEN=wrong\n');
    expect(run('other.env')).toBe(1);
  });
});

describe('synth and install from a configuration file with a declared service', () => {
  const CLI = join(__dirname, '..', 'build', 'cli.js');
  const cli = (args: string[], cwd: string) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });

  it('synth writes it, install --root creates its data directory for its runAs user', () => {
    const dir = tempDir('omp-declared-cli-');
    writeFileSync(
      join(dir, 'c.yaml'),
      yaml.dump({ services: { opencode: { after: ['postgres'] }, postgres: { ...POSTGRES, runAs: '999:999', capabilities: [] } } }),
    );
    const synth = cli(['synth', '--config', 'c.yaml', '--out', 'dist'], dir);
    expect(synth.status, synth.stderr).toBe(0);
    expect(readFileSync(join(dir, 'dist', 'pod.yaml'), 'utf8')).toContain('4. postgres  after valkey; 127.0.0.1:5432');
    const root = join(dir, 'root');
    const install = cli(['install', '--from', 'dist', '--root', root], dir);
    expect(install.status, install.stderr).toBe(0);
    const st = statSync(join(root, 'persist/containers/postgres'));
    expect([st.isDirectory(), st.mode & 0o777, st.uid, st.gid]).toEqual([true, 0o700, 999, 999]);
  });
});

describe('the README', () => {
  it('its declared-service example synthesizes (warning only of the moving tag it mentions)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Services of your own'));
    const block = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const config = configure(yaml.load(block));
    expect(Object.keys(config.services.declared)).toEqual(['postgres']);
    const pod = synthesize(config).find((f) => f.path === 'pod.yaml')!.content;
    expect(pod).toContain('4. postgres  after valkey; 127.0.0.1:5432');
    expect(pod).toMatch(/5\. opencode +after valkey, falkordb, datadog, postgres;/);
    // The question that sees a hung PostgreSQL (the e2e suite's SIGSTOP check), from the watchdog too.
    const watchdog = synthesize(config).find((f) => f.path === 'libexec/watchdog.sh')!.content;
    expect(watchdog).toContain("  'postgres 127.0.0.1 5432 send 0000000804d2162f'");
  });
});

describe("the watchdog's tcp probe", () => {
  /** One round of watchdog.sh with its tcp probe at `port`; podman and systemctl record what they are asked. */
  /**
   * `rounds` rounds (0.2 s apart). `only`: PATH holds nothing but podman, systemctl, and timeout and
   * env (podman's wrappers), each recording its call: any other program it started would fail, on stderr.
   */
  async function round(port: number, sendHex?: string, rounds = 1, only = false): Promise<string> {
    const dir = tempDir('omp-declared-watchdog-');
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls');
    writeFileSync(join(bin, 'podman'), `#!/bin/sh\necho "podman $*" >>${calls}\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >>${calls}\n`, { mode: 0o755 });
    for (const tool of only ? ['timeout', 'env'] : []) {
      const real = spawnSync('sh', ['-c', `command -v ${tool}`])
        .stdout.toString()
        .trim();
      writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool}" >>${calls}\nexec ${real} "$@"\n`, { mode: 0o755 });
    }
    const input: ConfigInput = {
      services: {
        pg: { image: 'localhost/pg:1', command: ['pg'], health: { tcp: port, sendHex }, tools: ['bash'], ports: [{ containerPort: port, hostPort: port }] },
      },
    };
    const script = files(input).get('libexec/watchdog.sh')!;
    const line = `  'pg 127.0.0.1 ${port} ${sendHex ? `send ${sendHex.toLowerCase()}` : 'tcp'}'`;
    expect(script).toContain(line);
    // Only the declared service's probe: the built-ins' ports are not listening here.
    const body = script.replace(/^probes=\(\n[\s\S]*?\n\)$/m, `probes=(\n${line}\n)`).replace(/^period=5$/m, 'period=0.2');
    const bash = spawnSync('sh', ['-c', 'command -v bash']).stdout.toString().trim();
    const child = spawn(bash, ['-c', body, 'watchdog.sh', 'podman-kube@x.service', '--rounds', String(rounds)], {
      env: { PATH: only ? bin : `${bin}:${process.env.PATH}` },
      // stdin not a socket: bash reads ~/.bashrc when it looks started by a remote shell daemon.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise((r) => child.on('close', r));
    let recorded = '';
    try {
      recorded = readFileSync(calls, 'utf8');
    } catch {
      // no call at all
    }
    return recorded + stderr;
  }

  it('with sendHex: a reply is an answer, at once (no podman ps); a port that accepts and stays silent, as a hung one does, makes it ask podman', async () => {
    const got: Buffer[] = [];
    const pg = await listen(createServer((s) => s.on('data', (d) => (got.push(d), s.write('N')))));
    const t0 = Date.now();
    const answered = await round(pg, '0000000804D2162F');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(answered).toContain('podman healthcheck run opencode-memory-pod-pg');
    expect(answered).not.toContain('podman ps');
    expect(Buffer.concat(got).toString('hex')).toBe('0000000804d2162f');
    const hung = await silent();
    expect(await round(hung, '00')).toContain('podman ps -a --no-trunc --filter pod=opencode-memory-pod');
  });

  it('with sendHex, rounds answered start no process (its idle cost is that of the other questions)', async () => {
    const pg = await listen(createServer((s) => s.on('data', () => s.write('N'))));
    // The first answer brings podman's health record up to date once (timeout, env, podman); then nothing.
    expect(await round(pg, '0000000804d2162f', 5, true)).toBe('timeout\nenv\npodman healthcheck run opencode-memory-pod-pg\n');
  });

  it('a port that accepts is an answer (no podman ps); a closed one makes it ask podman', async () => {
    const port = await silent();
    const open = await round(port);
    expect(open).toContain('podman healthcheck run opencode-memory-pod-pg');
    expect(open).not.toContain('podman ps');
    servers.pop()!.close();
    expect(await round(port)).toContain('podman ps -a --no-trunc --filter pod=opencode-memory-pod');
  });
});
