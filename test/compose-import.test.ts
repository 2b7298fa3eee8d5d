import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { durationSeconds } from '../src/compose/duration';
import { rewriteHosts } from '../src/compose/hosts';
import { imageConfigOf, podmanImageInspector } from '../src/compose/image-config';
import { qualifyImage } from '../src/compose/image-name';
import { ImportOptions, importCompose } from '../src/compose/import-compose';
import { interpolate, InterpolationError } from '../src/compose/interpolate';
import { memoryQuantity } from '../src/compose/memory-limit';
import { readPort } from '../src/compose/ports';
import { ComposeImportError } from '../src/compose/report';
import { looksSecret, valueLooksSecret } from '../src/compose/secret-names';
import { chooseNames } from '../src/compose/service-names';
import { splitWords } from '../src/compose/shell-words';
import { readVolume } from '../src/compose/volumes';
import { configYaml } from '../src/compose/write-config';
import { tempDir } from './helpers';

/** Imports a compose file written into a fresh folder (with optional files beside it). */
function run(compose: string, options: ImportOptions = {}, files: Record<string, string> = {}) {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const file = join(dir, 'compose.yaml');
  writeFileSync(file, compose);
  return { dir, result: importCompose(file, { env: {}, ...options }) };
}

function problems(compose: string, options: ImportOptions = {}): string[] {
  try {
    run(compose, options);
  } catch (e) {
    if (e instanceof ComposeImportError) return e.problems.map((p) => `${p.path}: ${JSON.stringify(p.value)}; ${p.allowed}`);
    throw e;
  }
  throw new Error('imported without a problem');
}

const entry = (r: ReturnType<typeof run>['result'], path: string) => r.report.filter((e) => e.path === path);

describe('interpolation (compose-spec)', () => {
  const vars: Record<string, string> = { A: 'a', EMPTY: '' };
  const look = (n: string) => vars[n];
  it.each([
    ['$A-${A}', 'a-a'],
    ['${MISSING:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${MISSING-def}', 'def'],
    ['${A:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['$$A and $${A}', '$A and ${A}'],
    ['${MISSING:-${A}-x}', 'a-x'],
    ['no vars', 'no vars'],
  ])('%s -> %s', (raw, text) => {
    expect(interpolate(raw, look).text).toBe(text);
  });

  it('an unset variable without default is "" and named; ${VAR:?msg} refuses', () => {
    expect(interpolate('x${NOPE}y', look)).toEqual({ text: 'xy', variables: ['NOPE'], unset: ['NOPE'] });
    expect(() => interpolate('${NOPE:?password required}', look)).toThrow('required variable NOPE is not set: password required');
    expect(() => interpolate('${A', look)).toThrow(InterpolationError);
    expect(() => interpolate('$(id -u)', look)).toThrow('write $$ for a literal $');
  });

  it('puts other text in place of chosen variables (secrets read at run time)', () => {
    expect(interpolate('--pass ${PW:-dflt} $A', look, { instead: (n) => (n === 'PW' ? '<PW>' : undefined) }).text).toBe('--pass <PW> a');
  });
});

describe('secret names and values', () => {
  it.each([
    'POSTGRES_PASSWORD',
    'PG_PASS',
    'REDIS_AUTH',
    'NEXTAUTH_SECRET',
    'AUTHENTIK_SECRET_KEY',
    'ENCRYPTION_KEY',
    'SALT',
    'GITHUB_TOKEN',
    'AWS_ACCESS_KEY_ID',
    'SENTRY_DSN',
    'POSTGRES_PWD',
  ])('%s looks secret', (name) => expect(looksSecret(name)).toBe(true));
  it.each(['POSTGRES_USER', 'POSTGRES_PASSWORD_FILE', 'KONG_PG_PASSWORD_FILE', 'AIRFLOW__CORE__AUTH_MANAGER', 'REDIS_HOST', 'PASSWORD_PATH'])(
    '%s does not',
    (name) => expect(looksSecret(name)).toBe(false),
  );
  it('a URL with a password is a secret, one without is not', () => {
    expect(valueLooksSecret('postgresql+psycopg2://airflow:airflow@postgres/airflow')).toBe(true);
    expect(valueLooksSecret('redis://:@redis:6379/0')).toBe(false);
    expect(valueLooksSecret('http://clickhouse:8123')).toBe(false);
  });
});

describe('value readers', () => {
  it('durations as compose writes them, in seconds', () => {
    expect(durationSeconds('1m30s')).toBe(90);
    expect(durationSeconds('10s')).toBe(10);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(durationSeconds('1h')).toBe(3600);
    expect(durationSeconds('1.5s')).toBe(1.5);
    expect(durationSeconds('10')).toBeUndefined();
    expect(durationSeconds('ten seconds')).toBeUndefined();
  });

  it('ports, short and long', () => {
    expect(readPort('127.0.0.1:8080:80')).toEqual({ port: { target: 80, published: 8080, hostIP: '127.0.0.1', protocol: 'tcp', unused: [] } });
    expect(readPort('8080:80/tcp')).toEqual({ port: { target: 80, published: 8080, hostIP: undefined, protocol: 'tcp', unused: [] } });
    expect(readPort(3000)).toEqual({ port: { target: 3000, published: undefined, hostIP: undefined, protocol: 'tcp', unused: [] } });
    expect(readPort(':2283:2283')).toEqual({ port: { target: 2283, published: 2283, hostIP: '', protocol: 'tcp', unused: [] } });
    expect(readPort('127.0.0.1::80')).toEqual({ port: { target: 80, published: undefined, hostIP: '127.0.0.1', protocol: 'tcp', unused: [] } });
    expect(readPort('[::1]:8080:80')).toMatchObject({ port: { target: 80, published: 8080, hostIP: '::1' } });
    expect(readPort({ target: 80, published: '8080', host_ip: '127.0.0.1', mode: 'host' })).toEqual({
      port: { target: 80, published: 8080, hostIP: '127.0.0.1', protocol: 'tcp', unused: ['mode'] },
    });
    expect(readPort('53:53/udp')).toEqual({ refused: expect.stringContaining('protocol udp') });
    expect(readPort('3000-3005:3000-3005')).toEqual({ refused: expect.stringContaining('port range') });
    expect(readPort('http')).toEqual({ problem: expect.stringContaining('container port') });
    expect(readPort('70000:80')).toEqual({ problem: expect.stringContaining('host port') });
  });

  it('volumes, short and long', () => {
    expect(readVolume('./data:/data:ro,z')).toEqual({ volume: { type: 'bind', source: './data', target: '/data', readOnly: true, options: ['z'] } });
    expect(readVolume('db:/var/lib/db')).toEqual({ volume: { type: 'volume', source: 'db', target: '/var/lib/db', readOnly: false, options: [] } });
    expect(readVolume('/cache')).toEqual({ volume: { type: 'anonymous', target: '/cache', readOnly: false, options: [] } });
    expect(readVolume({ type: 'bind', source: '/srv', target: '/srv', read_only: true, bind: { propagation: 'rshared' } })).toEqual({
      volume: { type: 'bind', source: '/srv', target: '/srv', readOnly: true, options: ['bind.propagation: "rshared"'] },
    });
    expect(readVolume({ type: 'tmpfs', target: '/tmp' })).toMatchObject({ volume: { type: 'tmpfs' } });
    expect(readVolume(':/data')).toEqual({ problem: expect.stringContaining('no empty part') });
    expect(readVolume('./x:relative')).toEqual({ problem: expect.stringContaining('must be absolute') });
  });

  it('memory sizes', () => {
    expect(memoryQuantity('512m')).toBe('512Mi');
    expect(memoryQuantity('1g')).toBe('1Gi');
    expect(memoryQuantity('1.5G')).toBe('1536Mi');
    expect(memoryQuantity(268435456)).toBe('256Mi');
    expect(memoryQuantity('lots')).toBeUndefined();
  });

  it('image names, fully qualified as docker reads them', () => {
    expect(qualifyImage('postgres:16')).toEqual({ image: 'docker.io/library/postgres:16' });
    expect(qualifyImage('bitnami/redis:7.2.4')).toEqual({ image: 'docker.io/bitnami/redis:7.2.4' });
    expect(qualifyImage('ghcr.io/goauthentik/server:2026.2.2')).toEqual({ image: 'ghcr.io/goauthentik/server:2026.2.2' });
    expect(qualifyImage('kong:latest')).toMatchObject({ image: 'docker.io/library/kong:latest', unpinned: expect.stringContaining(':latest') });
    expect(qualifyImage('localhost/app')).toEqual({ image: 'localhost/app' });
    expect(qualifyImage('apache/airflow:|version|')).toEqual({ problem: expect.stringContaining('not an image reference') });
  });

  it('command strings split as compose splits them', () => {
    expect(splitWords(`sh -c "sleep 10 && /entrypoint.sh run" 'a b' c\\ d`)).toEqual(['sh', '-c', 'sleep 10 && /entrypoint.sh run', 'a b', 'c d']);
    expect(() => splitWords('echo "open')).toThrow('unterminated');
  });

  it('service names: valid ones kept, others shortened, renamed or refused', () => {
    const names = chooseNames(['postgres', 'airflow-dag-processor', 'celery_worker', 'valkey', 'Web'], {});
    expect(Object.fromEntries([...names].map(([k, v]) => [k, v.name]))).toEqual({
      postgres: 'postgres',
      'airflow-dag-processor': 'dag-processor',
      celery_worker: 'celery-worker',
      valkey: 'valkey-2',
      Web: 'web',
    });
    expect(chooseNames(['a-long-service-one', 'b-long-service-one']).get('b-long-service-one')!.problem).toContain('--rename b-long-service-one=NAME');
    expect(chooseNames(['x'], { x: 'opencode' }).get('x')!.problem).toContain('built-in service');
  });

  it('hosts: URLs, NAME:PORT and host keys rewritten; a bare word elsewhere kept', () => {
    const hosts = ['postgres', 'redis', 'temporal'];
    expect(rewriteHosts('postgres://u@postgres:5432/db', hosts).text).toBe('postgres://u@127.0.0.1:5432/db');
    expect(rewriteHosts('postgres://postgres:pw@redis/db', hosts)).toEqual({ text: 'postgres://postgres:pw@127.0.0.1/db', named: ['redis'] });
    expect(rewriteHosts('temporal:7233', hosts).text).toBe('127.0.0.1:7233');
    expect(rewriteHosts('redis', hosts, 'REDIS_HOST').text).toBe('127.0.0.1');
    expect(rewriteHosts('postgres', hosts, 'POSTGRES_USER').text).toBe('postgres');
    expect(rewriteHosts('postgres', hosts, 'DB_HOST', true).text).toBe('postgres');
  });

  it("podman image inspect's Config", () => {
    const inspected = [
      { Config: { Entrypoint: ['docker-entrypoint.sh'], Cmd: ['postgres'], Healthcheck: { Test: ['CMD-SHELL', 'pg_isready'], Interval: 10e9, Retries: 3 } } },
    ];
    expect(imageConfigOf(inspected)).toEqual({
      entrypoint: ['docker-entrypoint.sh'],
      cmd: ['postgres'],
      healthcheck: { test: ['CMD-SHELL', 'pg_isready'], intervalSeconds: 10, timeoutSeconds: undefined, retries: 3, startPeriodSeconds: undefined },
    });
    expect(imageConfigOf([])).toBeUndefined();
  });
});

describe('mapping rules', () => {
  it('environment: plain values stay env, secret names and URLs with passwords go to secretKeys with no value anywhere', () => {
    const { result } = run(
      `services:
  app:
    image: docker.io/library/app:1.2.3
    command: [serve]
    entrypoint: [/app]
    environment:
      - LOG_LEVEL=debug
      - DB_PASSWORD=hunter2-in-compose
      - DATABASE_URL=postgres://app:s3cret-url@db:5432/app
      - FROM_ENV
      - CACHE_URL=redis://redis:6379/0
  db:
    image: docker.io/library/postgres:16.4
    entrypoint: [docker-entrypoint.sh, postgres]
    environment: { POSTGRES_PASSWORD: "\${PG_PASS:-dflt-secret}", POSTGRES_USER: app, PORT: 5432, DEBUG: true }
  redis:
    image: docker.io/library/redis:7.2.4
    entrypoint: [redis-server]
`,
    );
    expect(result.services.app.env).toEqual({ LOG_LEVEL: 'debug', CACHE_URL: 'redis://127.0.0.1:6379/0' });
    expect(result.services.app.secretKeys).toEqual(['DATABASE_URL', 'DB_PASSWORD', 'FROM_ENV']);
    expect(result.services.db.env).toEqual({ POSTGRES_USER: 'app', PORT: '5432', DEBUG: 'true' });
    expect(result.services.db.secretKeys).toEqual(['POSTGRES_PASSWORD']);
    const everything = JSON.stringify(result) + configYaml(result, 'compose.yaml');
    for (const secret of ['hunter2-in-compose', 's3cret-url', 'dflt-secret']) expect(everything).not.toContain(secret);
    expect(entry(result, 'services.app.environment.DATABASE_URL')[0].message).toContain('names db as a host');
    expect(result.envFileKeys.map((k) => k.key)).toEqual(['DATABASE_URL', 'DB_PASSWORD', 'FROM_ENV', 'POSTGRES_PASSWORD']);
  });

  it('env_file: keys to secretKeys (values never written), hosts and clashes named, a missing file a TODO', () => {
    const { result } = run(
      `services:
  a: { image: docker.io/library/a:1.0.0, entrypoint: [a], env_file: [a.env, missing.env], environment: { OVERRIDDEN: plain } }
  b: { image: docker.io/library/b:1.0.0, entrypoint: [b], env_file: b.env }
`,
      {},
      { 'a.env': '# c\nSHARED=val-aaa\nDB_HOST=a\nOVERRIDDEN=x\nexport TOKEN="t0k3n-value"\n', 'b.env': 'SHARED=val-bbb\n' },
    );
    expect(result.services.a.secretKeys).toEqual(['DB_HOST', 'SHARED', 'TOKEN']);
    expect(result.services.a.env).toEqual({ OVERRIDDEN: 'plain' });
    expect(result.services.b.secretKeys).toEqual(['SHARED']);
    expect(JSON.stringify(result)).not.toContain('t0k3n-value');
    expect(entry(result, 'services.a.env_file[1]')[0]).toMatchObject({ kind: 'todo', message: expect.stringContaining('missing.env is not there') });
    expect(entry(result, 'services.a.env_file[0]').map((e) => e.message)).toContainEqual(expect.stringContaining('DB_HOST name compose services as hosts'));
    expect(entry(result, 'env_file SHARED')[0].message).toContain('SHARED has different values in a.env (a) / b.env (b)');
    expect(JSON.stringify(entry(result, 'env_file SHARED'))).not.toMatch(/val-aaa|val-bbb/);
  });

  it('ports: host address kept (IPv4), every-interface publishing changed to bindAddress, no host port named, clashes found', () => {
    const { result } = run(`services:
  web: { image: docker.io/library/nginx:1.27.3, entrypoint: [nginx], ports: ["127.0.0.1:8080:80", "8443:443", "9000", { target: 81, published: 8081, host_ip: "::1" }] }
  api: { image: docker.io/library/api:1.0.0, entrypoint: [api], ports: ["127.0.0.1:8082:80", "6379:6379"] }
`);
    expect(result.services.web.ports).toEqual([
      { containerPort: 80, hostPort: 8080, hostIP: '127.0.0.1' },
      { containerPort: 443, hostPort: 8443 },
      { containerPort: 9000 },
      { containerPort: 81, hostPort: 8081 },
    ]);
    expect(entry(result, 'services.web.ports')[0].message).toContain('host port 8443: compose publishes on every interface');
    expect(entry(result, 'services.web.ports[2]')[0].message).toContain('random host port');
    expect(entry(result, 'services.web.ports[3]')[0].message).toContain('IPv4');
    const clashes = result.report.filter((e) => e.kind === 'todo' && e.message.startsWith('port '));
    expect(clashes.map((e) => e.message.split(':')[0])).toEqual([
      'port 80 is listened on by web and api',
      'port 6379 is listened on by api and the built-in falkordb (services.falkordb.port)',
    ]);
  });

  it('volumes: binds resolved beside the file (persistent unless read-only or a file), named volumes under volumesDir, the rest refused', () => {
    const { dir, result } = run(
      `services:
  app:
    image: docker.io/library/app:1.0.0
    entrypoint: [app]
    volumes: [./data:/data, ./conf.yml:/etc/app.yml, ./static:/static:ro, db:/var/lib/db, /scratch, /var/run/docker.sock:/var/run/docker.sock, "./x:/x:Z", { type: tmpfs, target: /tmp }, tmp:/run/app]
volumes:
  db: { driver: local }
  tmp: { driver_opts: { type: tmpfs, device: tmpfs } }
  unused: {}
`,
      { volumesDir: '/persist/compose' },
      { 'conf.yml': 'a: 1\n' },
    );
    expect(result.services.app.mounts).toEqual([
      { hostPath: join(dir, 'data'), mountPath: '/data', persistent: true, readOnly: false },
      { hostPath: join(dir, 'conf.yml'), mountPath: '/etc/app.yml', persistent: false, readOnly: false },
      { hostPath: join(dir, 'static'), mountPath: '/static', persistent: false, readOnly: true },
      { hostPath: '/persist/compose/db', mountPath: '/var/lib/db', persistent: true, readOnly: false },
      { hostPath: join(dir, 'x'), mountPath: '/x', persistent: true, readOnly: false },
    ]);
    const refused = result.report.filter((e) => e.kind === 'refused').map((e) => e.path);
    expect(refused).toEqual([
      'services.app.volumes[4]',
      'services.app.volumes[5]',
      'services.app.volumes[6]:Z',
      'services.app.volumes[7]',
      'services.app.volumes[8]',
    ]);
    expect(entry(result, 'volumes.unused')[0].kind).toBe('ignored');
    expect(entry(result, 'services.app.volumes[3]')[0].message).toContain("does not start with the image's files");
  });

  it('healthcheck: CMD, CMD-SHELL and a string become command; durations whole seconds; NONE and disable leave a TODO', () => {
    const { result } = run(`services:
  a: { image: docker.io/library/a:1.0.0, entrypoint: [a], healthcheck: { test: [CMD, pg_isready, -U, app], interval: 1m30s, timeout: 500ms, retries: 3, start_period: 0s, start_interval: 1s } }
  b: { image: docker.io/library/b:1.0.0, entrypoint: [b], healthcheck: { test: [CMD-SHELL, "curl -f http://localhost/ || exit 1"] } }
  c: { image: docker.io/library/c:1.0.0, entrypoint: [c], healthcheck: { test: "redis-cli ping" } }
  d: { image: docker.io/library/d:1.0.0, entrypoint: [d], healthcheck: { test: [NONE] } }
  e: { image: docker.io/library/e:1.0.0, entrypoint: [e], healthcheck: { disable: true }, ports: ["8080:8080"] }
  f: { image: docker.io/library/f:1.0.0, entrypoint: [f], expose: ["5000"] }
`);
    expect(result.services.a.health).toEqual({ command: ['pg_isready', '-U', 'app'], intervalSeconds: 90, timeoutSeconds: 1, retries: 3 });
    expect(entry(result, 'services.a.healthcheck.timeout')[0].message).toContain('rounded up to 1 s');
    expect(entry(result, 'services.a.healthcheck.start_interval')[0].kind).toBe('refused');
    expect(result.services.b.health).toEqual({ command: ['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1'] });
    expect(result.services.c.health).toEqual({ command: ['/bin/sh', '-c', 'redis-cli ping'] });
    expect(result.services.d.health).toBeUndefined();
    expect(result.services.e.health).toBeUndefined();
    expect(result.comments.e.health[0]).toMatch(/^TODO: compose disabled the health check/);
    expect(result.services.f.health).toEqual({ tcp: 5000 });
    expect(entry(result, 'services.f.healthcheck')[0]).toMatchObject({ kind: 'todo', message: expect.stringContaining('a TCP check of port 5000') });
  });

  it('depends_on: every condition to after; a one-shot is left out and its dependents wait for its own dependencies', () => {
    const { result } = run(`services:
  db: { image: docker.io/library/postgres:16.4, entrypoint: [postgres], healthcheck: { test: [CMD, pg_isready] } }
  cache: { image: docker.io/library/redis:7.2.4, entrypoint: [redis-server] }
  migrate: { image: docker.io/library/app:1.0.0, entrypoint: [migrate], depends_on: { db: { condition: service_healthy } }, restart: "no" }
  app:
    image: docker.io/library/app:1.0.0
    entrypoint: [app]
    depends_on:
      migrate: { condition: service_completed_successfully }
      cache: { condition: service_started, restart: true }
  worker: { image: docker.io/library/app:1.0.0, entrypoint: [worker], depends_on: [app, cache] }
`);
    expect(Object.keys(result.services)).toEqual(['db', 'cache', 'app', 'worker']);
    expect(result.services.app.after).toEqual(['db', 'cache']);
    expect(result.services.worker.after).toEqual(['app', 'cache']);
    expect(entry(result, 'services.migrate')[0]).toMatchObject({ kind: 'refused', message: expect.stringContaining('a one-shot') });
    expect(entry(result, 'services.app.depends_on.migrate')[0].message).toContain('ordered after its dependencies (db) instead');
    expect(entry(result, 'services.app.depends_on.cache.restart')[0].kind).toBe('refused');
    expect(entry(result, 'services.worker.depends_on')[0].message).toContain('service_started (or a plain list) for app, cache');
  });

  it('restart: always and unless-stopped are what the pod does; no and on-failure are refused with the reason', () => {
    const { result } = run(`services:
  a: { image: docker.io/library/a:1.0.0, entrypoint: [a], restart: always }
  b: { image: docker.io/library/b:1.0.0, entrypoint: [b], restart: unless-stopped }
  c: { image: docker.io/library/c:1.0.0, entrypoint: [c], restart: "no" }
  d: { image: docker.io/library/d:1.0.0, entrypoint: [d], restart: on-failure:5 }
`);
    expect(entry(result, 'services.a.restart')[0].kind).toBe('ignored');
    expect(entry(result, 'services.b.restart')[0].kind).toBe('changed');
    expect(entry(result, 'services.c.restart')[0]).toMatchObject({ kind: 'refused', message: expect.stringContaining('one restart policy') });
    expect(entry(result, 'services.d.restart')[0]).toMatchObject({ kind: 'refused', message: expect.stringMatching(/^on-failure:5: /) });
    expect(problems(`services:\n  a: { image: docker.io/library/a:1.0.0, restart: sometimes }\n`)).toEqual([
      'services.a.restart: "sometimes"; must be "no", always, on-failure[:N] or unless-stopped',
    ]);
  });

  it("command and entrypoint: compose's rules, the image's ENTRYPOINT from podman when known, else a TODO", () => {
    const images = {
      'docker.io/library/postgres:16.4': { entrypoint: ['docker-entrypoint.sh'], cmd: ['postgres'] },
      'docker.io/library/noep:1.0.0': { entrypoint: [], cmd: ['/bin/server'] },
    };
    const { result } = run(
      `services:
  pg: { image: postgres:16.4 }
  pgcmd: { image: postgres:16.4, command: postgres -c max_connections=200 }
  noep: { image: noep:1.0.0, command: [/bin/other, --flag] }
  ep: { image: unknown:1.0.0, entrypoint: /bin/sh, command: [-c, "echo hi"] }
  unknown: { image: unknown:1.0.0, command: serve }
`,
      { inspect: (i) => images[i as keyof typeof images] },
    );
    expect(result.services.pg).toMatchObject({ command: ['docker-entrypoint.sh', 'postgres'] });
    expect(result.services.pg.args).toBeUndefined();
    expect(result.services.pgcmd).toMatchObject({ command: ['docker-entrypoint.sh'], args: ['postgres', '-c', 'max_connections=200'] });
    expect(result.services.noep).toMatchObject({ command: ['/bin/other', '--flag'] });
    expect(result.services.ep).toMatchObject({ command: ['/bin/sh'], args: ['-c', 'echo hi'] });
    expect(result.services.unknown.command).toBeUndefined();
    expect(result.services.unknown.args).toEqual(['serve']);
    expect(entry(result, 'services.unknown.command')[0]).toMatchObject({
      kind: 'todo',
      message: expect.stringContaining("the image's ENTRYPOINT is not known here"),
    });
    const yaml = configYaml(result, 'compose.yaml');
    expect(yaml).toContain("    # TODO: command: the image's ENTRYPOINT (podman image inspect");
  });

  it("no healthcheck in compose: the image's own HEALTHCHECK when podman knows the image", () => {
    const { result } = run(
      `services:
  db: { image: docker.io/library/postgres:16.4, healthcheck: { disable: false } }
`,
      {
        inspect: () => ({
          entrypoint: ['docker-entrypoint.sh'],
          cmd: ['postgres'],
          healthcheck: { test: ['CMD-SHELL', 'pg_isready -U postgres'], intervalSeconds: 7, retries: 4 },
        }),
      },
    );
    expect(result.services.db.health).toEqual({ command: ['/bin/sh', '-c', 'pg_isready -U postgres'], intervalSeconds: 7, retries: 4 });
    expect(entry(result, 'services.db.healthcheck')[0]).toMatchObject({ kind: 'changed', message: expect.stringContaining("the image's own HEALTHCHECK") });
  });

  it('a secret variable in a command is read at run time through sh -c, never written', () => {
    const { result } = run(
      `services:
  redis: { image: docker.io/library/redis:7.2.4, entrypoint: [redis-server], command: "--requirepass \${REDIS_PASSWORD:-very-secret} --port 6379" }
`,
      { env: { REDIS_PASSWORD: 'from-the-env' } },
    );
    expect(result.services.redis.command).toEqual(['/bin/sh', '-c', 'exec redis-server --requirepass "${REDIS_PASSWORD}" --port 6379']);
    expect(result.services.redis.secretKeys).toEqual(['REDIS_PASSWORD']);
    expect(JSON.stringify(result)).not.toMatch(/very-secret|from-the-env/);
  });

  it('a variable whose value is a URL with a password stays a run-time reference; one written in the file is a TODO', () => {
    const { result } = run(
      `services:
  app: { image: docker.io/library/app:1.0.0, entrypoint: [app, --dsn, "\${DSN}"], environment: { DSN: "\${DSN}" } }
  lit: { image: docker.io/library/app:1.0.0, entrypoint: [app, --dsn, "postgres://u:literal-pw@db/x"] }
`,
      { env: { DSN: 'postgres://u:env-pw@db/x' } },
    );
    expect(result.services.app.command).toEqual(['/bin/sh', '-c', 'exec app --dsn "${DSN}"']);
    expect(result.services.app.secretKeys).toEqual(['DSN']);
    expect(JSON.stringify(result)).not.toContain('env-pw');
    expect(entry(result, 'services.lit.command')[0]).toMatchObject({ kind: 'todo', message: expect.stringContaining('a URL with a password') });
    expect(JSON.stringify(result.report)).not.toContain('literal-pw');
  });

  it('top-level secrets: a file is mounted read-only where compose put it; unused ones and environment ones named', () => {
    const { dir, result } = run(`services:
  a: { image: docker.io/library/a:1.0.0, entrypoint: [a], secrets: [pw, { source: tok, target: /etc/tok }, envsecret] }
secrets:
  pw: { file: ./pw.txt }
  tok: { file: /srv/tok }
  envsecret: { environment: TOKEN }
  unused: { file: ./x }
`);
    expect(result.services.a.mounts).toEqual([
      { hostPath: join(dir, 'pw.txt'), mountPath: '/run/secrets/pw', persistent: false, readOnly: true },
      { hostPath: '/srv/tok', mountPath: '/etc/tok', persistent: false, readOnly: true },
    ]);
    expect(entry(result, 'services.a.secrets[2]')[0].kind).toBe('refused');
    expect(entry(result, 'secrets.unused')[0].kind).toBe('ignored');
  });

  it('podman image inspect, through a podman that answers for one image', () => {
    const dir = tempDir();
    const podman = join(dir, 'podman');
    writeFileSync(
      podman,
      `#!/bin/sh\n[ "$5" = docker.io/library/postgres:16.4 ] || { echo "Error: no such image" >&2; exit 125; }\necho '[{"Config":{"Entrypoint":["docker-entrypoint.sh"],"Cmd":["postgres"]}}]'\n`,
    );
    chmodSync(podman, 0o755);
    const inspect = podmanImageInspector(podman);
    expect(inspect('docker.io/library/postgres:16.4')).toEqual({ entrypoint: ['docker-entrypoint.sh'], cmd: ['postgres'], healthcheck: undefined });
    expect(inspect('docker.io/library/other:1.0.0')).toBeUndefined();
    expect(podmanImageInspector(join(dir, 'no-podman'))('x')).toBeUndefined();
  });

  it('user, memory, capabilities, build', () => {
    const { result } = run(`services:
  a: { image: docker.io/library/a:1.0.0, entrypoint: [a], user: "1000:1000", mem_limit: 512m, cap_drop: [ALL], cap_add: [NET_BIND_SERVICE, CAP_CHOWN] }
  b: { build: ./b, entrypoint: [b], user: "1000", deploy: { resources: { limits: { memory: 1G, cpus: "0.5" } }, replicas: 2 }, cap_drop: [NET_RAW, SETPCAP] }
  c: { image: docker.io/library/c:1.0.0, entrypoint: [c], user: postgres }
`);
    expect(result.services.a).toMatchObject({ runAs: '1000:1000', memoryLimit: '512Mi', capabilities: ['CHOWN', 'NET_BIND_SERVICE'] });
    expect(result.services.b).toMatchObject({ image: 'localhost/b:imported', memoryLimit: '1Gi' });
    expect(result.services.b.capabilities).not.toContain('SETPCAP');
    expect(result.services.b.capabilities).toContain('SETUID');
    expect(result.services.b.runAs).toBeUndefined();
    expect(entry(result, 'services.b.user')[0].kind).toBe('todo');
    expect(entry(result, 'services.b.build')[0].message).toContain('podman build -t localhost/b:imported');
    expect(entry(result, 'services.b.deploy.resources.limits.cpus')[0].kind).toBe('refused');
    expect(entry(result, 'services.b.deploy.replicas')[0].kind).toBe('refused');
    expect(entry(result, 'services.c.user')[0]).toMatchObject({ kind: 'refused', message: expect.stringContaining('runAs takes numbers') });
  });

  it('profiles: left out unless selected; every other key is named with its reason', () => {
    const compose = `version: "3.9"
name: demo
x-common: &c { image: docker.io/library/a:1.0.0 }
networks: { back: {} }
services:
  a: { <<: *c, entrypoint: [a], networks: [back], container_name: the-a, labels: { x: y }, privileged: true, frobnicate: 1, x-note: hi }
  dbg: { <<: *c, entrypoint: [dbg], profiles: [debug] }
`;
    const { result } = run(compose);
    expect(Object.keys(result.services)).toEqual(['a']);
    expect(result.report.map((e) => `${e.kind} ${e.path}`)).toEqual(
      expect.arrayContaining([
        'ignored version',
        'ignored name',
        'ignored x-common',
        'refused networks',
        'ignored services.dbg',
        'refused services.a.networks',
        'refused services.a.container_name',
        'refused services.a.labels',
        'refused services.a.privileged',
        'refused services.a.frobnicate',
        'ignored services.a.x-note',
      ]),
    );
    expect(Object.keys(run(compose, { profiles: ['debug'] }).result.services)).toEqual(['a', 'dbg']);
  });

  it('refuses what it cannot read, naming the file, the path and the value, all at once', () => {
    expect(
      problems(`services:
  a:
    image: docker.io/library/a:1.0.0
    ports: ["eighty"]
    healthcheck: { test: [CMD, x], interval: often }
    depends_on: [nothere]
    environment: { A: "\${REQUIRED:?set it}" }
    volumes: ["data:/data"]
`),
    ).toEqual([
      'services.a.environment.A: "${REQUIRED:?set it}"; required variable REQUIRED is not set: set it',
      'services.a.ports[0]: "eighty"; the container port must be a port from 1 to 65535',
      'services.a.healthcheck.interval: "often"; must be a duration such as 30s, 1m30s or 500ms',
      'services.a.depends_on.nothere: "nothere"; depends on a service the file does not define',
      'services.a.volumes[0]: "data"; names a volume the top-level volumes do not declare',
    ]);
    expect(problems('services: [a, b]\n')).toEqual(['services: ["a","b"]; must be a mapping of service names to services']);
    expect(problems('services:\n  a: { image: x\n')[0]).toContain('the file is not valid YAML');
    expect(() => importCompose('/nonexistent/compose.yaml')).toThrow(
      'cannot import /nonexistent/compose.yaml:\n  - (top level): got "/nonexistent/compose.yaml"; the file cannot be read (ENOENT)',
    );
  });

  it('interpolates from the environment first, then the .env beside the file', () => {
    const { result } = run(
      'services:\n  a: { image: "docker.io/library/a:${TAG}", entrypoint: [a], environment: { MODE: "${MODE}", LEVEL: "${LEVEL:-info}" } }\n',
      { env: { MODE: 'from-env' } },
      { '.env': 'TAG=1.2.3\nMODE=from-dotenv\n' },
    );
    expect(result.services.a.image).toBe('docker.io/library/a:1.2.3');
    expect(result.services.a.env).toEqual({ MODE: 'from-env', LEVEL: 'info' });
  });

  it('the written YAML reads back as the same services, fields in a fixed order', () => {
    const { result } = run(`services:
  web:
    restart: always
    healthcheck: { test: [CMD, curl, -f, http://localhost/] }
    ports: ["127.0.0.1:8080:80"]
    environment: { A: "1" }
    entrypoint: [nginx, -g, "daemon off;"]
    image: docker.io/library/nginx:1.27.3
`);
    const yaml = configYaml(result, 'compose.yaml');
    const back = jsyaml.load(yaml, { schema: jsyaml.CORE_SCHEMA }) as { services: Record<string, unknown> };
    expect(back.services).toEqual(JSON.parse(JSON.stringify(result.services)));
    expect(Object.keys(back.services.web as object)).toEqual(['image', 'command', 'env', 'ports', 'health', 'capabilities']);
    expect(yaml).toContain('      - { containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1 }');
  });
});
