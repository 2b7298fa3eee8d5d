// npm run bench: synth speed, generator scale, and (as root, with podman) ordered start-up,
// recovery and footprint on stand-ins. Prints a table and writes bench/results/<date>.json.
// Figures are medians; process timings are also given as a ratio to `node -e ''` measured in the
// same run, because this machine is shared and its speed varies.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { parseConfig } from '../src/config/load';
import { Service, ServiceSpec } from '../src/model/service';
import { PodmanPodChart } from '../src/render/podman-pod';
import { renderSystemdUnits } from '../src/render/systemd-units';
import { MemoryStack } from '../src/app/stack';
import { synthesize } from '../src/app/synth';
import { parseManifests } from '../src/validate/manifest-input';
import { PODMAN_KINDS, validateDocuments } from '../src/validate/validate';
import { cliStartup, targetNote } from './cli-startup';

const REPO = join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = REPO): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: 'ignore' });
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
    if (i > 0) times.push(t); // the first run warms the page cache
  }
  return times;
}

/** A do-nothing service for the scale test, chained after `after`. */
class ChainLink extends Service {
  constructor(
    scope: Construct,
    id: string,
    private readonly after: string,
  ) {
    super(scope, id);
  }
  get spec(): ServiceSpec {
    return {
      name: this.name,
      description: 'bench link',
      image: 'localhost/bench:1',
      entrypoint: ['sleep'],
      args: ['infinity'],
      env: {},
      ports: [],
      mounts: [],
      health: { script: 'true', envKeys: [] },
      dependsOn: [{ service: this.after }],
      secrets: { receives: ['BENCH_*'], envKeys: [] },
      capabilities: [],
      memoryLimit: '64Mi',
      startTimeoutSeconds: 30,
    };
  }
}

function inProcessSynth(extra: number): number[] {
  const config = parseConfig(undefined);
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = process.hrtime.bigint();
    const stack = new MemoryStack(new App(), 'stack', config);
    let prev = 'opencode';
    for (let j = 1; j <= extra; j++) {
      new ChainLink(stack, `link${j}`, prev);
      prev = `link${j}`;
    }
    const model = stack.model();
    const chart = new PodmanPodChart(new App(), 'pod', { model });
    chart.toJson();
    renderSystemdUnits(model);
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 10) times.push(t);
  }
  return times;
}

const out: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, runs: RUNS },
};
const rows: string[][] = [];

// ---- 1. synth
const tmp = mkdtempSync(join(tmpdir(), 'omp-bench-'));
const node = median(timeCommand(process.execPath, ['-e', '']));
const npmSynth = median(timeCommand('npm', ['run', '--silent', 'synth'], { OMP_OUT_DIR: join(tmp, 'a') }));
const cliSynth = median(timeCommand(process.execPath, [join(REPO, 'build/cli.js'), 'synth', '--out', join(tmp, 'b')], {}, tmp));
const cdk8sSynth = median(timeCommand(join(REPO, 'node_modules/.bin/cdk8s'), ['synth'], { OMP_OUT_DIR: join(tmp, 'c') }));
const inproc = median(
  (() => {
    const c = parseConfig(undefined);
    const t: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = process.hrtime.bigint();
      synthesize(c);
      if (i >= 10) t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return t;
  })(),
);
// The same cdk8s synth without the validation plugin: what `validations:` in cdk8s.yaml costs.
const bare = join(tmp, 'bare');
mkdirSync(bare);
writeFileSync(join(bare, 'cdk8s.yaml'), `app: node ${join(REPO, 'build/main.js')}\noutput: out\n`);
const cdk8sNoValidation = median(timeCommand(join(REPO, 'node_modules/.bin/cdk8s'), ['synth'], { OMP_OUT_DIR: join(tmp, 'd') }, bare));
const cliBoth = median(timeCommand(process.execPath, [join(REPO, 'build/cli.js'), 'synth', '--target', 'podman,kubernetes', '--out', join(tmp, 'e')], {}, tmp));
const cliValidate = median(timeCommand(process.execPath, [join(REPO, 'build/cli.js'), 'validate', '--podman', 'all', join(tmp, 'b', 'pod.yaml')], {}, tmp));
const validateInProcess = median(
  (() => {
    const docs = parseManifests(readFileSync(join(tmp, 'b', 'pod.yaml')), 'pod.yaml', PODMAN_KINDS);
    const t: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t0 = process.hrtime.bigint();
      validateDocuments(docs, { target: 'podman', podman: 'all' });
      if (i >= 10) t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return t;
  })(),
);
rmSync(tmp, { recursive: true, force: true });
out.synth = {
  nodeBaselineMs: node,
  npmRunSynthMs: npmSynth,
  cliSynthMs: cliSynth,
  npxCdk8sSynthMs: cdk8sSynth,
  npxCdk8sSynthWithoutValidationMs: cdk8sNoValidation,
  cliSynthBothTargetsMs: cliBoth,
  inProcessMs: inproc,
};
out.validate = { cliValidatePodmanAllMs: cliValidate, inProcessAfterCompileMs: validateInProcess };
rows.push(["node -e '' (baseline)", ms(node), '1.0x', '']);
rows.push(['npm run synth', ms(npmSynth), `${(npmSynth / node).toFixed(1)}x`, '']);
rows.push(['opencode-memory-pod synth (CLI)', ms(cliSynth), `${(cliSynth / node).toFixed(1)}x`, 'target <= 300 ms']);
rows.push(['npx cdk8s synth (with the validation plugin)', ms(cdk8sSynth), `${(cdk8sSynth / node).toFixed(1)}x`, 'target <= 1500 ms']);
rows.push([
  'npx cdk8s synth, no validation plugin',
  ms(cdk8sNoValidation),
  `${(cdk8sNoValidation / node).toFixed(1)}x`,
  `plugin costs ${ms(cdk8sSynth - cdk8sNoValidation)}`,
]);
rows.push(['synth --target podman,kubernetes (CLI)', ms(cliBoth), `${(cliBoth / node).toFixed(1)}x`, '']);
rows.push(['validate --podman all dist/pod.yaml (CLI)', ms(cliValidate), `${(cliValidate / node).toFixed(1)}x`, '']);
rows.push(['validateDocuments(), schema compiled', ms(validateInProcess), '', 'schema + every podman rule']);
rows.push(['in-process synthesize()', ms(inproc), '', '']);

// ---- 1b. CLI start-up: every command beside `node -e ''` in one hyperfine run (cli-startup.ts)
{
  const dir = mkdtempSync(join(tmpdir(), 'omp-bench-startup-'));
  const startup = cliStartup({ repo: REPO, tmp: dir, runs: Math.max(RUNS, 20), timeCommand });
  rmSync(dir, { recursive: true, force: true });
  if (startup.hyperfineOutput) console.log(startup.hyperfineOutput);
  out.cliStartup = startup;
  for (const row of startup.rows) {
    const ratio = row === startup.rows[0] ? '1.0x' : `${row.ratio.toFixed(2)}x`;
    rows.push([`${row.name} (${startup.tool}, ${startup.runs} runs)`, ms(row.medianMs), ratio, targetNote(row)]);
  }
}

// ---- 5. scale
const base = median(inProcessSynth(0));
const twenty = median(inProcessSynth(20));
out.scale = { defaultPodMs: base, plus20ChainedServicesMs: twenty, perExtraServiceMs: (twenty - base) / 20, perDefaultServiceMs: base / 4 };
rows.push(['render, default pod (4 services)', ms(base), '', `${ms(base / 4)} a service`]);
rows.push(['render, +20 services in a chain', ms(twenty), `${(twenty / base).toFixed(1)}x`, `${ms((twenty - base) / 20)} an extra service`]);

// ---- 2-4. podman (root)
if (process.env.BENCH_SKIP_PODMAN || process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v podman']).status !== 0) {
  rows.push(['podman parts', 'skipped', '', 'need root and podman: sudo npm run bench']);
} else {
  const r = spawnSync('bash', [join(REPO, 'bench/podman-bench.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const kv = Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => /^[a-z0-9_.]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  out.podman = kv;
  if (r.status !== 0) rows.push(['podman parts', 'FAILED', '', 'see the output above']);
  for (const [k, v] of Object.entries(kv)) rows.push([k, v, '', '']);
}

// ---- per podman version, under systemd: the e2e machines (opt-in, about 20 minutes; the three
// versions run side by side). One run each: every `timing [...]` line of the suite, among them
// hang -> serving again, pod restart -> healthy and crash of the unit's main PID -> ports back.
if (process.env.BENCH_MACHINES && process.getuid?.() === 0) {
  const r = spawnSync('bash', [join(REPO, 'test/e2e/run.sh')], {
    encoding: 'utf8',
    env: { ...process.env, E2E_ENVS: process.env.BENCH_E2E_ENVS ?? 'systemd-4.3.1 systemd-5.4 systemd-5.8', E2E_CYCLES: '1', E2E_IDLE_BASELINE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const machines: Record<string, string> = {};
  const slug = (what: string) =>
    what
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
      .toLowerCase();
  for (const l of r.stdout.split('\n')) {
    const t = /^timing \[(\S+)\] (.*?): ([\d.]+)s/.exec(l);
    if (t) machines[`${t[1]}.${slug(t[2])}_s`] = t[3];
    const k = /^ok +\[(\S+)\] kill -9 of (\w+)'s main process .* healthy after ([\d.]+)s/.exec(l);
    if (k) machines[`${k[1]}.recovery.kill9_${k[2]}_s`] = k[3];
    const u = /^ok +\[(\S+)\] kill -9 of the unit's main PID \(\d+\): every port back after ([\d.]+)s/.exec(l);
    if (u) machines[`${u[1]}.recovery.kill9_unit_main_pid_ports_back_s`] = u[2];
    const h = /^ok +\[(\S+)\] hang \(SIGSTOP\) of (\w+): .* after ([\d.]+)s/.exec(l);
    if (h) machines[`${h[1]}.recovery.hang_${h[2]}_serving_again_s`] = h[3];
    // Idle cost (issue 23) beside its baseline, the same machine without the pod, in the same run.
    const i = /^timing \[(\S+)\] idle( baseline)?: ([\d.]+) CPU-s\/min .*?, (\d+) processes started\/min/.exec(l);
    if (i) {
      machines[`${i[1]}.idle${i[2] ? '_baseline' : ''}_cpu_s_per_min`] = i[3];
      machines[`${i[1]}.idle${i[2] ? '_baseline' : ''}_processes_per_min`] = i[4];
    }
  }
  out.machines = machines;
  if (r.status !== 0) rows.push(['e2e machines', 'FAILED', '', 'some checks failed: see the output above']);
  for (const [k, v] of Object.entries(machines)) {
    if (/_per_min$/.test(k)) {
      const base = machines[k.replace('.idle_', '.idle_baseline_')];
      const extra = base !== undefined && !k.includes('baseline') ? `${(Number(v) - Number(base)).toFixed(2)} above the machine without the pod` : '';
      rows.push([k, v, '', extra || 'one run']);
    } else rows.push([k, `${v} s`, '', 'one run']);
  }
  // A hang costs detection on top of a crash: both to serving again, the crash (kill -9) as the baseline.
  for (const label of new Set(Object.keys(machines).map((k) => k.split('.')[0]))) {
    for (const svc of ['valkey', 'opencode']) {
      const hang = machines[`${label}.recovery.hang_${svc}_serving_again_s`];
      const crash = machines[`${label}.recovery.kill9_${svc}_s`];
      if (hang && crash)
        rows.push([`${label}: hang of ${svc} vs kill -9, to serving`, `${hang} s`, `${(Number(hang) / Number(crash)).toFixed(1)}x`, `kill -9: ${crash} s`]);
    }
  }
}

const width = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 4));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
console.log(line(['what', 'median', 'ratio', 'note']));
console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
mkdirSync(join(REPO, 'bench/results'), { recursive: true });
const file = join(REPO, 'bench/results', `${(out.date as string).replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`\nwritten: ${file}`);
