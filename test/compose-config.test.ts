import { join } from 'node:path';
import * as jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { configure } from '../src/app/synth';
import { importCompose, ImportOptions } from '../src/compose/import-compose';
import { configYaml } from '../src/compose/write-config';
import { ConfigError } from '../src/lib/config-error';
import { REPO } from './helpers';

// The importer's output against the real configuration schema and constructs: a real compose file,
// imported, is refused by synth only where the written file says TODO (the user's part), and for
// nothing the importer did not flag.

const FIXTURES = join(REPO, 'test', 'fixtures', 'compose');

/** Every problem synth finds in the written file: [field, allowed]. */
function synthProblems(yaml: string): Array<{ field: string; allowed: string }> {
  try {
    configure(jsyaml.load(yaml, { schema: jsyaml.CORE_SCHEMA }));
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => ({ field: p.field, allowed: p.allowed }));
  }
}

const cases: Array<[string, ImportOptions]> = [
  ['langfuse/docker-compose.yml', {}],
  ['airflow/docker-compose.yaml', { env: { AIRFLOW_IMAGE_NAME: 'docker.io/apache/airflow:2.10.5' } }],
  ['netbox-docker/docker-compose.yml', {}],
  ['kong/docker-compose.yml', { profiles: ['database'] }],
  ['temporal/docker-compose-postgres.yml', {}],
];

describe('an imported compose file, as synth judges it', () => {
  for (const [path, options] of cases) {
    it(`${path}: synth refuses only fields the written file marks TODO`, () => {
      const result = importCompose(join(FIXTURES, path), { env: {}, ...options });
      const yaml = configYaml(result, path);
      const todo = (service: string, field: string) => (result.comments[service]?.[field] ?? []).some((c) => c.startsWith('TODO'));
      const problems = synthProblems(yaml);
      const unflagged = problems.filter((p) => {
        const [top, service, field] = p.field.split('.');
        // A required field left out is told on the service itself: "(missing: command)".
        const missing = /\(missing: ([a-z, ]+)\)/.exec(p.allowed)?.[1].split(', ') ?? [];
        const fields = field ? [field] : missing;
        return !(top === 'services' && service && fields.length && fields.every((f) => todo(service, f)));
      });
      expect(unflagged).toEqual([]);
    });
  }
});
