import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv/dist/2019';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { cleanManifest } from '../src/validate/rules/example-pod';
import { PODMAN_RULES } from '../src/validate/rules';
import { KUBERNETES_RULES } from '../src/validate/rules/k8s';
import { kindValidator } from '../src/validate/schema-compile';
import { SCHEMAS, SchemaVersion } from '../src/validate/schemas';
import { standaloneValidators } from '../tools/precompile-schemas';
import { REPO } from './helpers';

// The bundles judge manifests with validators ajv compiled at build time (tools/precompile-schemas.ts);
// every other test runs the ones ajv compiles at run time. Both must give the same answers.

type Doc = Record<string, any>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** What synth writes, a manifest written by hand, every rule's examples, and each of them broken the schema's ways. */
function documents(): Doc[] {
  const yamlDocs = (file: string) => (loadAll(readFileSync(file, 'utf8')) as Doc[]).filter(Boolean);
  const k8sDir = join(REPO, 'test', 'golden-kubernetes');
  const docs: Doc[] = [
    ...yamlDocs(join(REPO, 'test', 'golden', 'pod.yaml')),
    ...readdirSync(k8sDir)
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => yamlDocs(join(k8sDir, f))),
    ...yamlDocs(join(REPO, 'examples', 'hand-written-pod.yaml')),
  ];
  for (const rule of [...PODMAN_RULES, ...KUBERNETES_RULES]) {
    for (const edit of [...rule.examples.bad.map((b) => b.edit), ...rule.examples.nearMiss]) {
      const example = cleanManifest();
      edit(example);
      docs.push(...(example as Doc[]));
    }
  }
  const broken = docs.flatMap((doc) => {
    const unknown = clone(doc);
    unknown.spec = { ...unknown.spec, contianers: [] };
    unknown.metadata = { ...unknown.metadata, lables: { a: 'b' } };
    const wrongType = clone(doc);
    wrongType.metadata = { ...wrongType.metadata, name: 42, labels: 'x' };
    const missing = clone(doc);
    delete missing.apiVersion;
    const wrongConst = clone(doc);
    wrongConst.apiVersion = 'v2';
    const deep = clone(doc);
    for (const c of deep.spec?.containers ?? deep.spec?.template?.spec?.containers ?? []) {
      c.ports = [{ containerPort: '80', protocl: 'TCP' }];
      c.env = [{ value: 1 }];
      c.resources = { limits: { memory: true } };
    }
    return [unknown, wrongType, missing, wrongConst, deep];
  });
  // Many examples differ from the clean manifest in one field only: each distinct document once.
  return [...new Map([...docs, ...broken].map((d) => [JSON.stringify(d), d])).values()];
}

/** What a finding is made of (the whole sub-schemas are compared by their text, which is faster). */
const summary = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema), data: JSON.stringify(e.data) }));

/** The standalone module of one version, loaded as the bundles load it (CommonJS). */
function standalone(version: SchemaVersion): Record<string, (data: unknown) => boolean> {
  const module = { exports: {} as Record<string, (data: unknown) => boolean> };
  new Function('exports', 'require', 'module', standaloneValidators(version))(module.exports, createRequire(join(REPO, 'package.json')), module);
  return module.exports;
}

describe('schema validators compiled ahead of time (the bundles) and at run time (ajv.compile)', () => {
  const docs = documents();
  it('are tried on enough documents, valid and not', () => {
    expect(docs.length).toBeGreaterThan(100);
  });
  for (const version of Object.keys(SCHEMAS) as SchemaVersion[]) {
    it(`give the same result and the same errors for every kind of the ${version} schema`, () => {
      const precompiled = standalone(version);
      const kinds = Object.keys(SCHEMAS[version].kinds);
      expect(Object.keys(precompiled).sort()).toEqual([...kinds].sort());
      let invalid = 0;
      for (const doc of docs) {
        // Each document against its own kind and against another (a wrong kind is all errors).
        const own = kinds.includes(doc.kind) ? doc.kind : 'Pod';
        for (const kind of [own, kinds.find((k) => k !== own)!]) {
          const atRunTime = kindValidator(kind, version);
          const ahead = precompiled[kind] as typeof atRunTime;
          const ok = atRunTime(doc);
          expect(ahead(doc), `${doc.kind} as ${kind}`).toBe(ok);
          expect(summary(ahead.errors), `${doc.kind} as ${kind}`).toEqual(summary(atRunTime.errors));
          if (!ok) invalid++;
        }
      }
      expect(invalid).toBeGreaterThan(docs.length);
    });
  }
});
