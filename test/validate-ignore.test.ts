import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../src/cli/validate';
import { InputError, parseManifests } from '../src/validate/manifest-input';
import { IGNORE_ANNOTATION } from '../src/validate/silence';
import { checkDocuments, PODMAN_KINDS } from '../src/validate/validate';
import { parsePodmanVersion } from '../src/lib/podman-version';
import { REPO, tempDir } from './helpers';

// Two pods: each has an image without a tag (latest-tag) and an exec probe element with a space
// (exec-probe-split, an error on podman 4.3); only the first carries the ignore annotation.
const pod = (name: string, annotation?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}${annotation === undefined ? '' : `\n  annotations:\n    ${IGNORE_ANNOTATION}: "${annotation}"`}
spec:
  containers:
    - name: app
      image: docker.io/library/nginx
      imagePullPolicy: IfNotPresent
      livenessProbe:
        exec:
          command: ["/bin/sh", "-c", "nc -z 127.0.0.1 80"]
`;
const TWO_PODS = `${pod('first', 'latest-tag, exec-probe-split')}---\n${pod('second')}`;
const v431 = { target: 'podman' as const, podman: parsePodmanVersion('4.3.1')! };

const check = (text: string, ignore: string[] = []) => checkDocuments(parseManifests(Buffer.from(text), 'pods.yaml', PODMAN_KINDS), { ...v431, ignore });
const rulesOf = (findings: Array<{ rule: string; document: number }>) => findings.map((f) => `${f.document} ${f.rule}`);

function run(args: { files: string[]; ignore?: string[]; format?: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runValidate(
    { podman: '4.3.1', ...args },
    (t) => out.push(t),
    (t) => err.push(t),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('silencing rules', () => {
  it(`the ${IGNORE_ANNOTATION} annotation silences its rules in its own document, and says so`, () => {
    const plain = check(TWO_PODS.replace(IGNORE_ANNOTATION, 'example.com/other'));
    const { findings, silenced } = check(TWO_PODS);
    expect(rulesOf(findings)).toEqual(rulesOf(plain.findings).filter((r) => !['1 latest-tag', '1 exec-probe-split'].includes(r)));
    expect(rulesOf(findings)).toEqual(expect.arrayContaining(['2 latest-tag', '2 exec-probe-split']));
    expect(silenced).toEqual([
      { rule: 'latest-tag', by: 'annotation', file: 'pods.yaml', document: 1, resource: 'Pod/first', line: 6, findings: 1 },
      { rule: 'exec-probe-split', by: 'annotation', file: 'pods.yaml', document: 1, resource: 'Pod/first', line: 6, findings: 1 },
    ]);
  });

  it('--ignore silences a rule in every document, and counts what it took out', () => {
    const { findings, silenced } = check(TWO_PODS, ['probe-timeout-ignored', 'native-sidecar']);
    expect(findings.map((f) => f.rule)).not.toContain('probe-timeout-ignored');
    expect(silenced.filter((s) => s.by === '--ignore')).toEqual([
      { rule: 'probe-timeout-ignored', by: '--ignore', findings: 2 },
      { rule: 'native-sidecar', by: '--ignore', findings: 0 },
    ]);
  });

  it('an annotation that names no rule stops the check with the id and where to find the ids', () => {
    expect(() => check(pod('p', 'latest-tag,no-such-rule'))).toThrow(InputError);
    expect(() => check(pod('p', 'latest-tag,no-such-rule'))).toThrow(
      `pods.yaml: document 1 (Pod/p): annotation ${IGNORE_ANNOTATION}: no rule has the id "no-such-rule"; \`opencode-memory-pod validate --rules\` lists the rule ids`,
    );
  });

  it('validate prints what was silenced before the summary; errors silenced do not fail the run', () => {
    const file = join(tempDir(), 'pods.yaml');
    writeFileSync(file, TWO_PODS);
    const plain = run({ files: [file] });
    expect(plain.code).toBe(1);
    expect(plain.out).toContain(`silenced exec-probe-split by the ${IGNORE_ANNOTATION} annotation of Pod/first (${file}:6, document 1): 1 finding(s)`);
    const ignored = run({ files: [file], ignore: ['exec-probe-split', 'latest-tag,probe-timeout-ignored'] });
    expect(ignored.code).toBe(0);
    const lines = ignored.out.split('\n');
    expect(lines.slice(-6)).toEqual([
      `silenced latest-tag by the ${IGNORE_ANNOTATION} annotation of Pod/first (${file}:6, document 1): 1 finding(s)`,
      `silenced exec-probe-split by the ${IGNORE_ANNOTATION} annotation of Pod/first (${file}:6, document 1): 1 finding(s)`,
      'silenced exec-probe-split by --ignore: 1 finding(s)',
      'silenced latest-tag by --ignore: 1 finding(s)',
      'silenced probe-timeout-ignored by --ignore: 2 finding(s)',
      '2 objects in 1 file checked for podman 4.3.1 (Kubernetes 1.28 schema): 0 error(s), 0 warning(s), 3 note(s)',
    ]);
    const json = JSON.parse(run({ files: [file], ignore: ['latest-tag'], format: 'json' }).out);
    expect(json.silenced).toContainEqual({ rule: 'latest-tag', by: '--ignore', findings: 1 });
    // Nothing silenced: the JSON has no silenced key, as before.
    writeFileSync(file, pod('plain'));
    expect(Object.keys(JSON.parse(run({ files: [file], format: 'json' }).out))).toEqual(['checkedFor', 'files', 'documents', 'findings']);
  });

  it('--ignore with an id no rule has: exit 2, one line that names it and where to find the ids', () => {
    const file = join(tempDir(), 'pods.yaml');
    writeFileSync(file, pod('p'));
    const r = run({ files: [file], ignore: ['latest-tag', 'latest-tags,exec-probe-split'] });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'opencode-memory-pod: validate: --ignore "latest-tags,exec-probe-split": no rule has the id "latest-tags"; `opencode-memory-pod validate --rules` lists the rule ids',
    );
  });

  it('the command line takes --ignore repeated and as a comma list', () => {
    const file = join(tempDir(), 'pods.yaml');
    writeFileSync(file, pod('p'));
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(REPO, 'build', 'cli.js'), 'validate', '--podman', '4.3.1', ...args, file], { encoding: 'utf8' });
    const r = cli('--ignore', 'latest-tag,exec-probe-split', '--ignore', 'probe-timeout-ignored');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('silenced exec-probe-split by --ignore: 1 finding(s)');
    expect(r.stdout).toContain('silenced probe-timeout-ignored by --ignore: 1 finding(s)');
    const bad = cli('--ignore', 'nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'opencode-memory-pod: validate: --ignore "nope": no rule has the id "nope"; `opencode-memory-pod validate --rules` lists the rule ids',
    ]);
  });
});
