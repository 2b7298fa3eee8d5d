import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ManifestFinding } from '../src/validate/finding';
import { parseManifests } from '../src/validate/manifest-input';
import { PODMAN_RULES } from '../src/validate/rules';
import { KUBERNETES_RULES } from '../src/validate/rules/k8s';
import { SCHEMA_KINDS } from '../src/validate/kubernetes-schema';
import { cleanManifest, ExampleDocs } from '../src/validate/rules/example-pod';
import { ExampleEdit } from '../src/validate/rules/podman-rule';
import { compareVersions, describeRange, FIRST_UNSUPPORTED_PODMAN, formatVersion, inRange, parsePodmanVersion, PodmanVersion } from '../src/lib/podman-version';
import { PODMAN_KINDS, validateDocuments } from '../src/validate/validate';
import { REPO } from './helpers';

// Every podman rule is one file in src/validate/rules/ with its examples: the clean manifest of
// example-pod.ts broken the rule's way (bad), and near misses that must stay silent.

const RULES_DIR = join(REPO, 'src', 'validate', 'rules');
/** The files of the folder that are no rule. */
const NOT_RULES = ['example-pod.ts', 'helpers.ts', 'index.ts', 'podman-rule.ts', 'registry.ts', 'k8s'];
/** The Kubernetes rules' folder, and its files that are no rule. */
const K8S_DIR = join(RULES_DIR, 'k8s');
const NOT_K8S_RULES = ['index.ts', 'kubernetes-rule.ts'];

/** The version just before `v`, within the supported range (4.4.0 -> 4.3.99). */
function before(v: PodmanVersion): PodmanVersion {
  if (v.patch > 0) return { ...v, patch: v.patch - 1 };
  if (v.minor > 0) return { ...v, minor: v.minor - 1, patch: 99 };
  return { major: v.major - 1, minor: 99, patch: 99 };
}

/** Both sides of every range end of every rule, the oldest supported podman and the newest 5.x. */
const VERSIONS: PodmanVersion[] = (() => {
  const ends = PODMAN_RULES.flatMap((r) => [r.podman.from, r.podman.before]).filter((v): v is string => Boolean(v));
  const all = ['4.3.0', '5.99.99', ...ends].map((v) => parsePodmanVersion(v)!).flatMap((v) => [v, before(v)]);
  const supported = all.filter((v) => inRange(v, { from: '4.3.0', before: FIRST_UNSUPPORTED_PODMAN }));
  return [...new Map(supported.map((v) => [formatVersion(v), v])).values()].sort(compareVersions);
})();

function check(docs: ExampleDocs, version: PodmanVersion): ManifestFinding[] {
  const text = docs.map((d) => dump(d)).join('---\n');
  const parsed = parseManifests(Buffer.from(text), 'example.yaml', PODMAN_KINDS);
  return validateDocuments(parsed, { target: 'podman', podman: version });
}

function example(edit: ExampleEdit): ExampleDocs {
  const docs = cleanManifest();
  edit(docs);
  return docs;
}

const show = (versions: PodmanVersion[]) => versions.map(formatVersion).join(', ');

describe('podman rules: one file each, with examples (src/validate/rules/)', () => {
  it('checks the versions on both sides of every range end', () => {
    expect(show(VERSIONS)).toContain('4.3.99, 4.4.0');
    expect(show(VERSIONS)).toContain('5.0.99, 5.1.0');
  });

  it('the clean manifest trips nothing on any version (so each example trips only what it breaks)', () => {
    for (const v of VERSIONS) expect(check(cleanManifest(), v), formatVersion(v)).toEqual([]);
  });

  it('every file in the folder is a registered rule of the same name, with a known-bad example and a near miss', () => {
    const files = readdirSync(RULES_DIR).filter((f) => !NOT_RULES.includes(f));
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual(PODMAN_RULES.map((r) => r.id).sort());
    for (const rule of PODMAN_RULES) {
      expect(rule.examples.bad.length, rule.id).toBeGreaterThan(0);
      expect(rule.examples.nearMiss.length, rule.id).toBeGreaterThan(0);
      expect(rule.doc.length, rule.id).toBeGreaterThan(20);
      expect(rule.fix.length, rule.id).toBeGreaterThan(5);
    }
  });

  it('keeps its lines readable (120 characters at most)', () => {
    const files = [...readdirSync(RULES_DIR).filter((f) => f !== 'k8s'), ...readdirSync(K8S_DIR).map((f) => join('k8s', f))];
    const long = files.flatMap((f) =>
      readFileSync(join(RULES_DIR, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 120 ? [`${f}:${i + 1}: ${line.length} characters`] : [])),
    );
    expect(long).toEqual([]);
  });

  for (const rule of PODMAN_RULES) {
    const inside = VERSIONS.filter((v) => inRange(v, rule.podman));
    const outside = VERSIONS.filter((v) => !inRange(v, rule.podman));
    describe(`${rule.id} (${describeRange(rule.podman)})`, () => {
      it(`fires on its known-bad example(s) on ${show(inside)}, where it says, and nothing else at error/warning level`, () => {
        expect(inside.length).toBeGreaterThan(0);
        for (const bad of rule.examples.bad) {
          for (const v of inside) {
            const findings = check(example(bad.edit), v);
            const mine = findings.filter((f) => f.rule === rule.id);
            expect(mine.length, `${rule.id} on ${formatVersion(v)}`).toBeGreaterThan(0);
            expect(mine[0].path).toBe(bad.path);
            expect(mine[0].line).toBeGreaterThan(0);
            expect(mine[0].message.length).toBeGreaterThan(20);
            expect(mine[0].fix?.length).toBeGreaterThan(5);
            const loud = findings.filter((f) => f.severity !== 'info' && f.rule !== rule.id && !(bad.also ?? []).includes(f.rule));
            expect(
              loud.map((f) => f.rule),
              `other rules on ${formatVersion(v)}`,
            ).toEqual([]);
          }
        }
      });
      it(`is silent on its near miss(es) on ${show(inside)}`, () => {
        for (const near of rule.examples.nearMiss) {
          for (const v of inside)
            expect(
              check(example(near), v).filter((f) => f.rule === rule.id),
              formatVersion(v),
            ).toEqual([]);
        }
      });
      if (outside.length) {
        it(`is silent outside its range, on ${show(outside)}`, () => {
          for (const bad of rule.examples.bad) {
            for (const v of outside)
              expect(
                check(example(bad.edit), v).filter((f) => f.rule === rule.id),
                formatVersion(v),
              ).toEqual([]);
          }
        });
      }
    });
  }

  it('reports the line of the offending field in the file', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web',
      'spec:',
      '  containers:',
      '    - name: app',
      '      image: docker.io/library/nginx:1.27',
      '      imagePullPolicy: Always',
      '',
    ].join('\n');
    const [doc] = parseManifests(Buffer.from(text), 'x.yaml', PODMAN_KINDS);
    const f = validateDocuments([doc], { target: 'podman', podman: 'all' }).find((x) => x.rule === 'image-pull-always')!;
    expect(f.line).toBe(9);
  });
});

// The Kubernetes rules (src/validate/rules/k8s/), in the same shape: each fires on its known-bad
// examples on every release before the one it needs, and on none from there on.
const MINORS = [28, 29, 30, 31, 32, 33];

function checkForCluster(docs: ExampleDocs, minor: number): ManifestFinding[] {
  const text = docs.map((d) => dump(d)).join('---\n');
  const parsed = parseManifests(Buffer.from(text), 'example.yaml', SCHEMA_KINDS);
  return validateDocuments(parsed, { target: 'kubernetes', podman: 'all', kubernetesMinor: minor });
}

describe('Kubernetes rules: one file each, with examples (src/validate/rules/k8s/)', () => {
  it('every file in the folder is a registered rule of the same name, with a known-bad example and a near miss', () => {
    const files = readdirSync(K8S_DIR).filter((f) => !NOT_K8S_RULES.includes(f));
    expect(files.map((f) => `k8s/${f.replace(/\.ts$/, '')}`).sort()).toEqual(KUBERNETES_RULES.map((r) => r.id).sort());
    for (const rule of KUBERNETES_RULES) {
      expect(rule.examples.bad.length, rule.id).toBeGreaterThan(0);
      expect(rule.examples.nearMiss.length, rule.id).toBeGreaterThan(0);
      expect(rule.doc.length, rule.id).toBeGreaterThan(20);
    }
  });

  it('the clean manifest trips nothing on any release', () => {
    for (const m of MINORS) expect(checkForCluster(cleanManifest(), m), `1.${m}`).toEqual([]);
  });

  for (const rule of KUBERNETES_RULES) {
    const inside = MINORS.filter((m) => m < rule.needs);
    const outside = MINORS.filter((m) => m >= rule.needs);
    it(`${rule.id}: fires on its known-bad example(s) on 1.${inside.join(', 1.')} where it says, silent from 1.${rule.needs} and on its near misses`, () => {
      expect(inside.length).toBeGreaterThan(0);
      for (const bad of rule.examples.bad) {
        for (const m of inside) {
          const findings = checkForCluster(example(bad.edit), m);
          const mine = findings.filter((f) => f.rule === rule.id);
          expect(mine.length, `1.${m}`).toBeGreaterThan(0);
          expect(mine[0].path).toBe(bad.path);
          expect(findings.filter((f) => f.severity !== 'info' && f.rule !== rule.id && !(bad.also ?? []).includes(f.rule)).map((f) => f.rule)).toEqual([]);
        }
        for (const m of outside)
          expect(
            checkForCluster(example(bad.edit), m).filter((f) => f.rule === rule.id),
            `1.${m}`,
          ).toEqual([]);
      }
      for (const near of rule.examples.nearMiss)
        for (const m of inside)
          expect(
            checkForCluster(example(near), m).filter((f) => f.rule === rule.id),
            `1.${m}`,
          ).toEqual([]);
    });
  }
});
