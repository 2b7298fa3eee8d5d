import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ImportedCompose, importCompose, ImportOptions } from '../src/compose/import-compose';
import { ComposeImportError, ReportKind } from '../src/compose/report';
import { reportText } from '../src/compose/report-text';
import { configYaml } from '../src/compose/write-config';
import { REPO } from './helpers';

// Real compose files of public projects (test/fixtures/compose/<project>/SOURCE: repository, path,
// commit, license), imported as they are. No image is on the machine running the tests, so every
// command the file leaves to the image is a TODO here (the CLI asks podman).

const FIXTURES = join(REPO, 'test', 'fixtures', 'compose');

function importFixture(path: string, options: ImportOptions = {}) {
  const file = join(FIXTURES, path);
  const result = importCompose(file, { env: {}, ...options });
  const yaml = configYaml(result, path);
  const text = reportText(result, 'opencode-memory-pod.yaml');
  return { result, yaml, text, dir: join(file, '..') };
}

const paths = (r: ImportedCompose, kind: ReportKind) => r.report.filter((e) => e.kind === kind).map((e) => e.path);
const messages = (r: ImportedCompose, path: string, kind?: ReportKind) =>
  r.report.filter((e) => e.path === path && (!kind || e.kind === kind)).map((e) => e.message);

/** The written file reads back (as the configuration loader reads YAML) as the services imported. */
function readsBack(yaml: string, r: ImportedCompose): void {
  const back = jsyaml.load(yaml, { schema: jsyaml.CORE_SCHEMA }) as { services: unknown };
  expect(back.services).toEqual(JSON.parse(JSON.stringify(r.services)));
}

describe('Langfuse (langfuse/langfuse docker-compose.yml)', () => {
  const { result: r, yaml, text } = importFixture('langfuse/docker-compose.yml');

  it('imports all six services in order, with their dependencies', () => {
    expect(Object.keys(r.services)).toEqual(['langfuse-worker', 'langfuse-web', 'clickhouse', 'minio', 'redis', 'postgres']);
    expect(r.services['langfuse-worker'].after).toEqual(['postgres', 'minio', 'redis', 'clickhouse']);
    expect(r.services['langfuse-web'].after).toEqual(['postgres', 'minio', 'redis', 'clickhouse']);
    readsBack(yaml, r);
  });

  it('keeps the secrets out: the CHANGEME defaults are nowhere, their keys are secretKeys', () => {
    for (const value of ['myredissecret', 'miniosecret', 'mysecret', 'mysalt', 'postgres:postgres@', '0000000000000000']) {
      expect(yaml).not.toContain(value);
      expect(text).not.toContain(value);
    }
    expect(r.services['langfuse-web'].secretKeys).toEqual(expect.arrayContaining(['NEXTAUTH_SECRET', 'SALT', 'ENCRYPTION_KEY', 'DATABASE_URL', 'REDIS_AUTH']));
    expect(r.services.postgres.secretKeys).toEqual(['POSTGRES_PASSWORD']);
    // redis gets its password on the command line in compose: here an argument the shell fills in at run time.
    expect(r.services.redis.args).toEqual(['--requirepass', '${REDIS_AUTH}', '--maxmemory-policy', 'noeviction']);
    expect(r.services.redis.secretKeys).toEqual(['REDIS_AUTH']);
  });

  it('maps health checks, ports and named volumes', () => {
    expect(r.services.clickhouse.health).toEqual({
      command: ['/bin/sh', '-c', 'wget --no-verbose --tries=1 --spider http://localhost:8123/ping || exit 1'],
      intervalSeconds: 5,
      timeoutSeconds: 5,
      startPeriodSeconds: 1,
      retries: 10,
    });
    expect(r.services.minio.health).toEqual({ command: ['mc', 'ready', 'local'], intervalSeconds: 1, timeoutSeconds: 5, startPeriodSeconds: 1, retries: 5 });
    expect(r.services.minio.command).toEqual(['sh']);
    expect(r.services.minio.ports).toEqual([
      { containerPort: 9000, hostPort: 9090 },
      { containerPort: 9001, hostPort: 9091, hostIP: '127.0.0.1' },
    ]);
    expect(r.services.postgres.mounts).toEqual([
      { hostPath: '/persist/containers/compose/langfuse_postgres_data', mountPath: '/var/lib/postgresql/data', persistent: true, readOnly: false },
    ]);
    expect(r.services.clickhouse.runAs).toBe('101:101');
    expect(r.services['langfuse-worker'].env!.CLICKHOUSE_URL).toBe('http://127.0.0.1:8123');
    expect(r.services['langfuse-worker'].env!.REDIS_HOST).toBe('127.0.0.1');
  });

  it('reports what needs the user: unknown commands, guessed health checks, port clashes in one pod', () => {
    expect(paths(r, 'refused')).toEqual([]);
    expect(paths(r, 'todo')).toEqual([
      'services.langfuse-worker.command',
      'services.langfuse-worker.environment.DATABASE_URL',
      'services.langfuse-worker.healthcheck',
      'services.langfuse-web.command',
      'services.langfuse-web.environment.DATABASE_URL',
      'services.langfuse-web.healthcheck',
      'services.clickhouse.command',
      'services.minio.image',
      'services.redis.command',
      'services.postgres.command',
      'services.langfuse-web.ports',
      'services.redis.ports',
      'services.clickhouse.ports',
    ]);
    expect(messages(r, 'services.clickhouse.ports', 'todo')[0]).toMatch(/^port 9000 is listened on by clickhouse and minio:/);
    expect(messages(r, 'services.redis.ports', 'todo')[0]).toMatch(
      /^port 6379 is listened on by redis and the built-in falkordb \(services\.falkordb\.port\):/,
    );
    expect(messages(r, 'services.langfuse-web.ports', 'todo')[0]).toMatch(
      /^port 3000 is listened on by langfuse-web and the built-in falkordb \(services\.falkordb\.browserHostPort\):/,
    );
    expect(paths(r, 'ignored').filter((p) => p.endsWith('.restart'))).toHaveLength(6);
  });
});

describe('Apache Airflow (docs docker-compose.yaml)', () => {
  const options = { env: { AIRFLOW_IMAGE_NAME: 'apache/airflow:3.0.2' } };

  it('refuses the docs placeholder image until AIRFLOW_IMAGE_NAME is set, naming file, path and value', () => {
    let error: unknown;
    try {
      importFixture('airflow/docker-compose.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ComposeImportError);
    const e = error as ComposeImportError;
    expect(e.message).toMatch(/^cannot import .*airflow\/docker-compose.yaml:\n/);
    expect(e.problems.map((p) => p.path)).toEqual([
      'services.airflow-apiserver.image',
      'services.airflow-scheduler.image',
      'services.airflow-dag-processor.image',
      'services.airflow-worker.image',
      'services.airflow-triggerer.image',
    ]);
    expect(e.problems[0].value).toBe('apache/airflow:|version|');
  });

  const { result: r, yaml } = importFixture('airflow/docker-compose.yaml', options);

  it('leaves out the one-shot airflow-init and orders its dependents after its own dependencies', () => {
    expect(Object.keys(r.services)).toEqual(['postgres', 'redis', 'apiserver', 'scheduler', 'dag-processor', 'airflow-worker', 'triggerer']);
    expect(r.names['airflow-dag-processor']).toBe('dag-processor');
    expect(paths(r, 'refused')).toEqual([
      'services.airflow-init',
      'services.airflow-apiserver.depends_on.airflow-init',
      'services.airflow-scheduler.depends_on.airflow-init',
      'services.airflow-dag-processor.depends_on.airflow-init',
      'services.airflow-worker.depends_on.airflow-init',
      'services.airflow-triggerer.depends_on.airflow-init',
    ]);
    expect(r.services.scheduler.after).toEqual(['redis', 'postgres']);
    expect(r.services['airflow-worker'].after).toEqual(['redis', 'postgres', 'apiserver']);
    expect(paths(r, 'ignored')).toEqual(expect.arrayContaining(['x-airflow-common', 'services.airflow-cli', 'services.flower', 'services.redis.expose']));
    readsBack(yaml, r);
  });

  it('carries the shared anchors into every service: user, bind mounts beside the file, the command as args', () => {
    expect(r.services.apiserver).toMatchObject({ image: 'docker.io/apache/airflow:3.0.2', args: ['api-server'], runAs: '50000:0' });
    expect(r.services['airflow-worker'].args).toEqual(['celery', 'worker']);
    expect(r.services.apiserver.mounts!.map((m) => [m.mountPath, m.persistent])).toEqual([
      ['/opt/airflow/dags', true],
      ['/opt/airflow/logs', true],
      ['/opt/airflow/config', true],
      ['/opt/airflow/plugins', true],
    ]);
    expect(r.services['dag-processor'].health!.command).toEqual(['/bin/sh', '-c', 'airflow jobs check --job-type DagProcessorJob --hostname "${HOSTNAME}"']);
    expect(r.services.postgres.health).toEqual({ command: ['pg_isready', '-U', 'airflow'], intervalSeconds: 10, startPeriodSeconds: 5, retries: 5 });
  });

  it('moves the database URLs (with their passwords) to secretKeys and rewrites service hosts', () => {
    expect(r.services.scheduler.secretKeys).toEqual(['AIRFLOW__CELERY__RESULT_BACKEND', 'AIRFLOW__CORE__FERNET_KEY', 'AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']);
    expect(yaml).not.toContain('airflow:airflow@');
    expect(r.services.scheduler.env!.AIRFLOW__CELERY__BROKER_URL).toBe('redis://:@127.0.0.1:6379/0');
    expect(r.services.scheduler.env!.AIRFLOW__CORE__EXECUTION_API_SERVER_URL).toBe('http://127.0.0.1:8080/execution/');
    // redis listens on 6379 (expose), as the built-in FalkorDB does.
    expect(messages(r, 'services.redis.ports', 'todo')[0]).toMatch(/^port 6379 is listened on by redis and the built-in falkordb/);
  });

  it('takes a profile when asked: flower comes in, with the one-shot still left out', () => {
    const { result } = importFixture('airflow/docker-compose.yaml', { ...options, profiles: ['flower'] });
    expect(Object.keys(result.services)).toContain('flower');
    expect(result.services.flower.after).toEqual(['redis', 'postgres']);
  });
});

describe('NetBox Docker (netbox-community/netbox-docker docker-compose.yml)', () => {
  const { result: r, yaml, text, dir } = importFixture('netbox-docker/docker-compose.yml');

  it('imports the six services; the anchors merge netbox into the worker and housekeeping', () => {
    expect(Object.keys(r.services)).toEqual(['netbox', 'netbox-worker', 'housekeeping', 'postgres', 'redis', 'redis-cache']);
    expect(r.services['netbox-worker'].after).toEqual(['netbox']);
    expect(r.services.netbox.after).toEqual(['postgres', 'redis', 'redis-cache']);
    expect(r.services.netbox.mounts![0]).toEqual({ hostPath: join(dir, 'configuration'), mountPath: '/etc/netbox/config', persistent: false, readOnly: true });
    readsBack(yaml, r);
  });

  it('takes every env_file key as secretKeys and never a value of them', () => {
    const envFiles = ['netbox', 'postgres', 'redis', 'redis-cache'].map((f) => readFileSync(join(dir, 'env', `${f}.env`), 'utf8'));
    // The example passwords and the Django secret key of the env files.
    const values = envFiles
      .flatMap((t) => t.split('\n'))
      .filter((l) => /^(\w*PASSWORD|SECRET_KEY)=./.test(l))
      .map((l) => l.slice(l.indexOf('=') + 1).replace(/^'|'$/g, ''));
    expect(values).toHaveLength(7);
    for (const v of values) {
      expect(yaml).not.toContain(v);
      expect(text).not.toContain(v);
    }
    expect(r.services.netbox.secretKeys).toHaveLength(33);
    expect(r.services.postgres.secretKeys).toEqual(['POSTGRES_DB', 'POSTGRES_PASSWORD', 'POSTGRES_USER']);
  });

  it('finds what one env file cannot hold: REDIS_PASSWORD with two values, service names as hosts', () => {
    expect(messages(r, 'env_file REDIS_PASSWORD')[0]).toMatch(
      /^REDIS_PASSWORD has different values in env\/netbox.env \(netbox\), .* \/ env\/redis-cache.env \(redis-cache\)/,
    );
    expect(messages(r, 'services.netbox.env_file')).toContainEqual(
      expect.stringContaining('DB_HOST, REDIS_CACHE_HOST, REDIS_HOST name compose services as hosts'),
    );
  });

  it('reads the password from the environment in the valkey health check and command, as compose did', () => {
    expect(r.services.redis.health!.command).toEqual(['/bin/sh', '-c', `[ $(valkey-cli --pass "\${REDIS_PASSWORD}" ping) = 'PONG' ]`]);
    expect(r.services.redis.args).toEqual(['sh', '-c', 'valkey-server --appendonly yes --requirepass $REDIS_PASSWORD']);
    expect(r.services.redis.secretKeys).toEqual(['REDIS_PASSWORD']);
  });

  it('refuses the SELinux relabel and the user names', () => {
    expect(paths(r, 'refused')).toEqual([
      'services.netbox.volumes[0]:z',
      'services.netbox.user',
      'services.netbox-worker.volumes[0]:z',
      'services.netbox-worker.user',
      'services.netbox-housekeeping.volumes[0]:z',
      'services.netbox-housekeeping.user',
    ]);
  });
});

describe('Kong (Kong/docker-kong compose/docker-compose.yml)', () => {
  it('without a profile: the DB-less kong only, its tmpfs volumes, read_only and restart policy refused', () => {
    const { result: r, yaml, dir } = importFixture('kong/docker-compose.yml');
    expect(Object.keys(r.services)).toEqual(['kong']);
    expect(paths(r, 'ignored')).toEqual(
      expect.arrayContaining(['version', 'x-kong-config', 'services.kong-migrations', 'services.kong-migrations-up', 'services.db', 'volumes.kong_data']),
    );
    expect(paths(r, 'refused')).toEqual([
      'networks',
      'services.kong.networks',
      'services.kong.read_only',
      'services.kong.security_opt',
      'services.kong.volumes[0]',
      'services.kong.volumes[1]',
      'services.kong.restart',
      'services.kong.user',
    ]);
    expect(r.services.kong.ports).toEqual([
      { containerPort: 8000, hostPort: 8000, hostIP: '0.0.0.0' },
      { containerPort: 8443, hostPort: 8443, hostIP: '0.0.0.0' },
      { containerPort: 8001, hostPort: 8001 },
      { containerPort: 8444, hostPort: 8444 },
      { containerPort: 8002, hostPort: 8002 },
    ]);
    // The compose secret is a file: mounted read-only where compose put it, its content never read.
    expect(r.services.kong.mounts).toEqual([
      { hostPath: join(dir, 'config'), mountPath: '/opt/kong', persistent: true, readOnly: false },
      { hostPath: join(dir, 'POSTGRES_PASSWORD'), mountPath: '/run/secrets/kong_postgres_password', persistent: false, readOnly: true },
    ]);
    expect(r.services.kong.image).toBe('docker.io/library/kong:latest');
    expect(paths(r, 'todo')).toEqual(['services.kong.image', 'services.kong.command', 'services.kong.ports']);
    expect(yaml).toContain('# TODO: pin a version');
    readsBack(yaml, r);
  });

  it('--profile database: the database and the migrations, which restart on-failure (refused, named)', () => {
    const { result: r } = importFixture('kong/docker-compose.yml', { profiles: ['database'] });
    expect(Object.keys(r.services)).toEqual(['kong-migrations', 'migrations-up', 'kong', 'db']);
    expect(r.services['kong-migrations'].after).toEqual(['db']);
    expect(r.services.db.health!.command).toEqual(['pg_isready', '-d', 'kong', '-U', 'kong']);
    expect(paths(r, 'refused')).toEqual(
      expect.arrayContaining(['services.kong-migrations.restart', 'services.db.restart', 'services.db.stdin_open', 'services.db.tty']),
    );
  });
});

describe('Temporal (temporalio/docker-compose docker-compose-postgres.yml)', () => {
  const { result: r, yaml } = importFixture('temporal/docker-compose-postgres.yml');

  it('takes the versions from the .env beside the file', () => {
    expect(r.services.postgresql.image).toBe('docker.io/library/postgres:16');
    expect(r.services.temporal.image).toBe('docker.io/temporalio/auto-setup:1.29.1');
    expect(r.services['temporal-ui'].image).toBe('docker.io/temporalio/ui:2.34.0');
    readsBack(yaml, r);
  });

  it('rewrites service hosts, guesses TCP health checks where compose had none, refuses the anonymous volume', () => {
    expect(r.services.temporal.env).toMatchObject({ POSTGRES_SEEDS: '127.0.0.1', TEMPORAL_ADDRESS: '127.0.0.1:7233' });
    expect(r.services.temporal.secretKeys).toEqual(['POSTGRES_PWD']);
    expect(r.services.temporal.health).toEqual({ tcp: 7233 });
    expect(r.services['admin-tools'].health).toBeUndefined();
    expect(paths(r, 'refused')).toContain('services.postgresql.volumes[0]');
    expect(paths(r, 'refused').filter((p) => p.endsWith('container_name'))).toHaveLength(4);
    expect(r.names['temporal-admin-tools']).toBe('admin-tools');
  });
});
