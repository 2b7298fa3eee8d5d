import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationContext } from 'cdk8s-cli/plugins';
import { describe, expect, it } from 'vitest';
import { ConfigInput } from '../src/config/schema';
import { PodmanValidation } from '../src/validate/cdk8s-plugin';
import { parseManifests, readAhead, readManifestFile } from '../src/validate/manifest-input';
import { parsePodmanVersion } from '../src/lib/podman-version';
import { PODMAN_RULES } from '../src/validate/rules';
import { KUBERNETES_RULES } from '../src/validate/rules/k8s';
import { compareRuleIds, PODMAN_KINDS, validateDocuments } from '../src/validate/validate';
import { runValidate } from '../src/cli/validate';
import { files, REPO, tempDir } from './helpers';

const CLI = join(REPO, 'build', 'cli.js');
const cli = (args: string[], cwd = REPO) => spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
const VERSIONS = ['4.3.1', '4.4.0', '4.6.0', '4.7.0', '4.8.0', '4.9.0', '5.0.0', '5.1.0', '5.4.2', '5.8.6'];

const POD = (container: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: docker.io/library/nginx:1.27.5
      imagePullPolicy: IfNotPresent
${container}`;

function schemaFindings(text: string) {
  const docs = parseManifests(Buffer.from(text), 'x.yaml', PODMAN_KINDS);
  return validateDocuments(docs, { target: 'podman', podman: 'all' }).filter((f) => f.rule.startsWith('schema/'));
}

describe('layer 1: strict Kubernetes 1.28 schema', () => {
  it('names an unknown field, its line, and the field that was meant', () => {
    const [f, ...rest] = schemaFindings(POD('      livenessProbe:\n        exec:\n          command: [valkey-cli, ping]\n        periodSecond: 5\n'));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      rule: 'schema/unknown-field',
      path: 'spec.containers[0].livenessProbe.periodSecond',
      line: 13,
      fix: 'did you mean "periodSeconds"?',
    });
  });
  it('catches fields cdk8s spells differently in TypeScript (hostIp is not hostIP)', () => {
    const ok = schemaFindings(POD('      ports:\n        - containerPort: 80\n          hostPort: 8080\n          hostIP: 127.0.0.1\n'));
    expect(ok).toEqual([]);
    const bad = schemaFindings(POD('      ports:\n        - containerPort: 80\n          hostPort: 8080\n          hostIp: 127.0.0.1\n'));
    expect(bad.map((f) => [f.rule, f.path, f.fix])).toEqual([['schema/unknown-field', 'spec.containers[0].ports[0].hostIp', 'did you mean "hostIP"?']]);
  });
  it('catches wrong types, fractions and missing required fields', () => {
    const found = schemaFindings(`apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - image: docker.io/library/nginx:1.27.5
      ports: [{containerPort: "80"}, {containerPort: 80.5}]
      env: {A: b}
`);
    expect(found.map((f) => `${f.rule} ${f.path}`).sort()).toEqual([
      'schema/required spec.containers[0].name',
      'schema/type spec.containers[0].env',
      'schema/type spec.containers[0].ports[0].containerPort',
      'schema/type spec.containers[0].ports[1].containerPort',
    ]);
  });
  it('checks apiVersion and unknown top-level fields; accepts what kubectl and podman generate write', () => {
    const found = schemaFindings('apiVersion: apps/v1\nkind: Pod\nmetadata: {name: web}\nspc: {}\n');
    expect(found.map((f) => `${f.rule} ${f.path} ${f.fix ?? ''}`)).toEqual(['schema/value apiVersion ', 'schema/unknown-field spc did you mean "spec"?']);
    const generated =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  creationTimestamp: null\nspec:\n  containers:\n    - name: a\n      image: docker.io/library/nginx:1.27.5\n      resources: {}\nstatus: {}\n';
    expect(schemaFindings(generated)).toEqual([]);
  });
  it('the committed schemas are what the generator makes from the installed cdk8s-plus-28 and -33', () => {
    const r = spawnSync(join(REPO, 'node_modules/.bin/tsx'), ['tools/generate-k8s-schema.ts', '--check'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr + r.stdout).toContain('kubernetes-1.28.schema.json: up to date');
    expect(r.stderr + r.stdout).toContain('kubernetes-1.33.schema.json: up to date');
    expect(r.status).toBe(0);
  });

  it('judges with the schema asked for, says which, and spells fields as the API does', () => {
    const dir = tempDir();
    let n = 0;
    const pod = (extra: string) => {
      const file = join(dir, `p${n++}.yaml`);
      writeFileSync(
        file,
        `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: docker.io/library/busybox:1.36.1}]\n${extra}`,
      );
      return file;
    };
    // Pod-level resources came with Kubernetes 1.32: unknown to the 1.28 schema, known to 1.33.
    const newer = pod('  resources: {limits: {memory: 1Gi}}\n');
    const old = cli(['validate', '--podman', '5.4.2', newer]);
    expect(old.status).toBe(1);
    expect(old.stdout).toContain('error schema/unknown-field (Kubernetes 1.28 schema)');
    expect(old.stdout).toContain('checked for podman 5.4.2 (Kubernetes 1.28 schema)');
    const picked = cli(['validate', '--podman', '5.4.2', '--schema', '1.33', newer]);
    expect(picked.stdout).toContain('checked for podman 5.4.2 (Kubernetes 1.33 schema): 0 error(s)');
    expect(picked.status).toBe(0);
    // For a cluster the schema follows --kubernetes: the newest not newer than it.
    expect(cli(['validate', '--target', 'kubernetes', '--kubernetes', '1.33', newer]).stdout).toContain('Kubernetes 1.33 (Kubernetes 1.33 schema): 0 error(s)');
    expect(cli(['validate', '--target', 'kubernetes', '--kubernetes', '1.30', newer]).stdout).toContain('Kubernetes 1.30 (Kubernetes 1.28 schema): 1 error(s)');
    const bad = cli(['validate', '--schema', '1.99', newer]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('opencode-memory-pod: validate: --schema "1.99": expected 1.28 or 1.33');
    // The API's own spelling passes; cdk8s's TypeScript spelling is the unknown field.
    const right = pod('  volumes: [{name: d, downwardAPI: {items: []}}]\n');
    expect(cli(['validate', '--podman', '5.4.2', right]).status).toBe(0);
    const wrong = cli(['validate', '--podman', '5.4.2', pod('  volumes: [{name: d, downwardApi: {items: []}}]\n')]);
    expect(wrong.stdout).toContain('unknown field "downwardApi"');
    expect(wrong.stdout).toContain('did you mean "downwardAPI"?');
  });
});

describe('our own manifests', () => {
  const configs: Array<[string, ConfigInput | undefined]> = [
    ['defaults', undefined],
    ['graphiti on, datadog off', { services: { graphiti: { enabled: true }, datadog: { enabled: false } } }],
    [
      'no ordering, no memory limits, other ports, stores beyond loopback with their passwords required',
      {
        ordering: false,
        memoryLimits: false,
        bindAddress: '0.0.0.0',
        services: {
          valkey: { port: 7000, requirePassword: true },
          falkordb: { requirePassword: true },
          datadog: { bindAddress: '127.0.0.1' },
          opencode: { hostPort: 14096 },
        },
      },
    ],
  ];
  for (const [name, input] of configs) {
    it(`${name}: no error or warning on any supported podman`, () => {
      const docs = parseManifests(Buffer.from(files(input).get('pod.yaml')!), 'pod.yaml', PODMAN_KINDS);
      for (const v of VERSIONS) {
        const findings = validateDocuments(docs, { target: 'podman', podman: parsePodmanVersion(v)! });
        expect(
          findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}: ${f.message}`),
          v,
        ).toEqual([]);
        // What remains are notes about podman itself, which no manifest can change (the units' watchdog
        // starts what 4.3 leaves stopped; health.sh bounds its own checks with timeout).
        const notes = ['liveness-no-restart', 'liveness-restart-stops', 'probe-timeout-ignored', 'termination-grace-ignored'];
        expect(
          findings.filter((f) => !notes.includes(f.rule)).map((f) => f.rule),
          v,
        ).toEqual([]);
      }
    });
  }
});

describe('validate command', () => {
  it('orders findings of one line by rule id as localeCompare does in English, German and French, without it', () => {
    // The ids of the registry and of the schema layer (`schema/<ajv keyword>`).
    const keywords = ['unknown-field', 'required', 'type', 'value', 'enum', 'pattern', 'minimum', 'format', 'oneOf', 'additionalItems'];
    const ids = [...PODMAN_RULES, ...KUBERNETES_RULES].map((r) => r.id).concat(keywords.map((k) => `schema/${k}`));
    for (const locale of ['en', 'en-US-u-va-posix', 'de', 'fr'])
      for (const a of ids) for (const b of ids) expect(Math.sign(compareRuleIds(a, b)), `${locale}: ${a} ${b}`).toBe(Math.sign(a.localeCompare(b, locale)));
  });

  const write = (dir: string, name: string, text: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it('exit 0 on our dist, 1 on an error finding, with file:line, rule and fix', () => {
    const dir = tempDir();
    expect(cli(['synth', '-o', join(dir, 'dist')]).status).toBe(0);
    const ok = cli(['validate', '--podman', '4.3.1', join(dir, 'dist', 'pod.yaml')]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/2 objects in 1 file checked for podman 4\.3\.1 \(Kubernetes 1\.28 schema\): 0 error\(s\), 0 warning\(s\)/);
    const bad = write(dir, 'bad.yaml', POD('      livenessProbe:\n        exec:\n          command: ["/bin/sh", "-c", "nc -z 127.0.0.1 80"]\n'));
    const r = cli(['validate', '--podman', '4.3.1', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${bad}:12: error exec-probe-split (podman before 4.4.0)`);
    expect(r.stdout).toContain('document 1, Pod/web, spec.containers[0].livenessProbe.exec.command[2]');
    expect(r.stdout).toContain('fix: put the check in a script');
    // The same file is fine for podman 5.4.2.
    expect(cli(['validate', '--podman', '5.4.2', bad]).status).toBe(0);
  });
  it('--format json gives every finding as data', () => {
    const dir = tempDir();
    const bad = write(dir, 'bad.yaml', POD('      readinessProbe:\n        exec:\n          command: ["true"]\n'));
    const r = cli(['validate', '--podman', 'all', '--format', 'json', bad]);
    expect(r.status).toBe(0); // a warning does not fail
    const out = JSON.parse(r.stdout);
    expect(out.findings).toEqual([
      expect.objectContaining({
        rule: 'readiness-probe-ignored',
        severity: 'warning',
        file: bad,
        document: 1,
        path: 'spec.containers[0].readinessProbe',
        line: 10,
      }),
    ]);
  });
  it('bad input: one line on stderr, exit 2, no stack trace', () => {
    const dir = tempDir();
    const inputs: Array<[string, string | Buffer, RegExp]> = [
      ['not-yaml.yaml', 'a: [\n', /not valid YAML: .* at line 2, column 1$/],
      ['binary.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), /binary data/],
      ['latin1.yaml', Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9]), /not UTF-8/],
      ['service.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: x}\n', /kind Service is not accepted here/],
      ['list.yaml', '- a\n', /found a list/],
      ['nokind.yaml', 'apiVersion: v1\nmetadata: {name: x}\n', /no kind/],
      ['dupkey.yaml', 'kind: Pod\nkind: Pod\n', /Map keys must be unique/],
      ['empty.yaml', '', /no Kubernetes objects/],
      [
        'bomb.yaml',
        `a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from(
          { length: 12 },
          (_, i) =>
            `b${i}: &b${i} [${Array(10)
              .fill(i ? `*b${i - 1}` : '*a')
              .join(',')}]`,
        ).join('\n')}\nkind: Pod\n`,
        /alias|Excessive/i,
      ],
      ['huge.yaml', Buffer.alloc(5 * 1024 * 1024, 0x61), /too large/],
    ];
    for (const [name, content, message] of inputs) {
      const r = cli(['validate', '--podman', '4.3.1', write(dir, name, content)]);
      expect(r.status, name).toBe(2);
      expect(r.stdout, name).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatch(message);
      expect(lines[0], name).toContain(name);
    }
    for (const args of [['--podman', '3.4', 'x.yaml'], ['--podman', 'five'], ['--target', 'nomad'], ['--format', 'xml'], [join(dir, 'missing.yaml')], [dir]]) {
      const r = cli(['validate', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
  it('--rules lists every rule with severity and versions', () => {
    const r = cli(['validate', '--rules']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^exec-probe-split +error +podman before 4\.4\.0 +exec probe element with a space$/m);
    expect(r.stdout).toMatch(/^container-port-published +error +podman 4\.3\.0-4\.7\.x /m);
  });
});

describe('parsing ahead while podman --version runs (the CLI)', () => {
  it('hands over what it parsed only for the same file, kinds and bytes; an error waits for the read', () => {
    const dir = tempDir();
    const file = join(dir, 'pod.yaml');
    writeFileSync(file, POD(''));
    readAhead(file, PODMAN_KINDS);
    const ahead = readManifestFile(file, PODMAN_KINDS);
    expect(ahead[0].name).toBe('web');
    // Taken once: the next read parses again.
    expect(readManifestFile(file, PODMAN_KINDS)).not.toBe(ahead);
    readAhead(file, PODMAN_KINDS);
    writeFileSync(file, POD('').replace('name: web', 'name: changed'));
    expect(readManifestFile(file, PODMAN_KINDS)[0].name).toBe('changed');
    writeFileSync(file, 'kind: [unclosed\n');
    readAhead(file, PODMAN_KINDS);
    expect(() => readManifestFile(file, PODMAN_KINDS)).toThrow(/not valid YAML/);
  });

  it('runValidate asks for the podman version only when it needs it, and says where it came from', () => {
    const dir = tempDir();
    const file = join(dir, 'pod.yaml');
    writeFileSync(file, POD(''));
    const asked: string[] = [];
    const run = (podman: string | undefined, text: string | undefined) => {
      const out: string[] = [];
      runValidate(
        { files: [file], podman },
        (t) => out.push(t),
        (t) => out.push(t),
        () => (asked.push(String(podman)), text),
      );
      return out.join('\n');
    };
    expect(run(undefined, 'podman version 5.4.2\n')).toContain('podman 5.4.2 (found on this machine;');
    expect(run(undefined, undefined)).toContain('podman 4.3.1 (oldest supported; no podman found;');
    expect(run('all', 'podman version 5.4.2\n')).toContain('every supported podman');
    expect(asked).toEqual(['undefined', 'undefined']);
  });
});

describe('cdk8s validation plugin', () => {
  it('fails the report on an error and passes our own output', async () => {
    const dir = tempDir();
    const bad = join(dir, 'pod.yaml');
    writeFileSync(bad, POD('      ports: [{containerPort: 80}]\n'));
    const plugin = new PodmanValidation({ podman: '4.3.1' });
    const failing = new ValidationContext([bad], 'plugin', '0.1.0');
    await plugin.validate(failing);
    expect(failing.report.success).toBe(false);
    expect(failing.report.toJson().violations.map((v) => v.ruleName)).toEqual(['error: container-port-published (podman 4.3.0-4.7.x)']);

    const good = join(dir, 'ours.yaml');
    writeFileSync(good, files().get('pod.yaml')!);
    const passing = new ValidationContext([good], 'plugin', '0.1.0');
    await new PodmanValidation({ podman: 'all' }).validate(passing);
    expect(passing.report.success).toBe(true);
    expect(passing.report.toJson().violations).toEqual([]);
  });
  it('`cdk8s synth` stops with an error when the app writes a manifest podman would mishandle', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), POD('      ports: [{containerPort: 80}]\n'));
    writeFileSync(
      join(dir, 'cdk8s.yaml'),
      `app: mkdir -p "$CDK8S_OUTDIR" && cp bad.yaml "$CDK8S_OUTDIR/pod.yaml"\noutput: out\nvalidations:\n  - package: ${join(REPO, 'build', 'cdk8s-validation.js')}\n    version: 0.1.0\n    class: PodmanValidation\n    properties: {podman: all}\n`,
    );
    const r = spawnSync(join(REPO, 'node_modules', '.bin', 'cdk8s'), ['synth'], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout).toContain('container-port-published');
    expect(r.stderr).toContain('Validation failed');
    expect(r.status).not.toBe(0);
  });
});

describe('README', () => {
  it('shows the real output of validate on the example', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const command = '$ npx opencode-memory-pod validate --podman 4.3.1 examples/hand-written-pod.yaml\n';
    const shown = readme.slice(readme.indexOf(command) + command.length, readme.indexOf('$ echo $?'));
    const r = cli(['validate', '--podman', '4.3.1', 'examples/hand-written-pod.yaml']);
    expect(r.status).toBe(1);
    const lines = shown.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(r.stdout.split('\n')).toContain(line);
  });
});
