// The CLI's start-up beside node's own, in one hyperfine run (issue 23: --version and --help at most
// 1.3x `node -e ''`, synth and validate at most 2x, `npx cdk8s synth` under 1 s). Without hyperfine,
// the same commands one after the other with timeCommand (bench.ts), which is noisier.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartupRow {
  readonly name: string;
  readonly argv: readonly string[];
  /** Median wall time, ms. */
  readonly medianMs: number;
  /** medianMs over the baseline's median in the same run. */
  readonly ratio: number;
  /** The bound: a ratio to node (x) or a time (ms). */
  readonly target?: { readonly ratio?: number; readonly ms?: number };
}

export interface StartupResult {
  readonly tool: 'hyperfine' | 'timeCommand';
  readonly runs: number;
  readonly rows: readonly StartupRow[];
  /** hyperfine's own summary lines (mean ± σ, range), as it printed them. */
  readonly hyperfineOutput?: string;
}

interface Command {
  readonly name: string;
  readonly argv: readonly string[];
  readonly target?: StartupRow['target'];
}

/**
 * Times each command in `tmp` (a scratch folder), the first being the baseline. `npx cdk8s synth`
 * runs in the repository: cdk8s.yaml's app honours OMP_OUT_DIR, so its dist/ stays as it is.
 */
export function cliStartup(opts: {
  repo: string;
  tmp: string;
  runs: number;
  timeCommand: (cmd: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string) => number[];
}): StartupResult {
  const cli = join(opts.repo, 'build', 'cli.js');
  const node = process.execPath;
  const out = join(opts.tmp, 'startup-synth');
  // What validate reads: the defaults, as synth writes them.
  const dist = join(opts.tmp, 'startup-dist');
  if (spawnSync(node, [cli, 'synth', '--out', dist], { cwd: opts.tmp, stdio: 'ignore' }).status !== 0) throw new Error('synth failed');
  const commands: Command[] = [
    { name: "node -e ''", argv: [node, '-e', ''] },
    { name: 'opencode-memory-pod --version', argv: [node, cli, '--version'], target: { ratio: 1.3 } },
    { name: 'opencode-memory-pod --help', argv: [node, cli, '--help'], target: { ratio: 1.3 } },
    { name: 'opencode-memory-pod synth', argv: [node, cli, 'synth', '--out', out], target: { ratio: 2 } },
    {
      name: 'opencode-memory-pod validate --podman all pod.yaml',
      argv: [node, cli, 'validate', '--podman', 'all', join(dist, 'pod.yaml')],
      target: { ratio: 2 },
    },
    // The default: the podman on this machine (`podman --version`, a process of its own) judges.
    { name: 'opencode-memory-pod validate (podman detected)', argv: [node, cli, 'validate', '--from', dist] },
    { name: 'npx cdk8s synth', argv: ['env', `OMP_OUT_DIR=${join(opts.tmp, 'startup-cdk8s')}`, 'npx', 'cdk8s', 'synth'], target: { ms: 1000 } },
    // hyperfine runs each command's runs one after the other: node once more, last, shows how much
    // the machine's load drifted during the run (ratios stay against the first).
    { name: "node -e '' (again, last)", argv: [node, '-e', ''] },
  ];
  const hyperfine = ['/usr/bin/hyperfine', 'hyperfine'].find((h) => spawnSync(h, ['--version']).status === 0);
  if (!hyperfine) {
    const medians = commands.map((c) => median(opts.timeCommand(c.argv[0], c.argv.slice(1), {}, opts.repo)));
    return { tool: 'timeCommand', runs: opts.runs, rows: rowsOf(commands, medians) };
  }
  const json = join(opts.tmp, 'startup-hyperfine.json');
  const quote = (a: string) => (a === '' ? "''" : /^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  const args = [
    '-N',
    '--warmup',
    '3',
    '--runs',
    String(opts.runs),
    '--export-json',
    json,
    ...commands.flatMap((c) => ['-n', c.name, c.argv.map(quote).join(' ')]),
  ];
  const r = spawnSync(hyperfine, args, { cwd: opts.repo, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`hyperfine failed (${r.status}):\n${r.stderr}`);
  const results = (JSON.parse(readFileSync(json, 'utf8')) as { results: Array<{ median: number }> }).results;
  return {
    tool: 'hyperfine',
    runs: opts.runs,
    rows: rowsOf(
      commands,
      results.map((x) => x.median * 1000),
    ),
    hyperfineOutput: r.stdout,
  };
}

function rowsOf(commands: readonly Command[], medians: readonly number[]): StartupRow[] {
  return commands.map((c, i) => ({ name: c.name, argv: c.argv, medianMs: medians[i], ratio: medians[i] / medians[0], target: c.target }));
}

/** "1.3x", "1 s": the bound, and whether this run met it. */
export function targetNote(row: StartupRow): string {
  const t = row.target;
  if (!t) return '';
  const met = t.ratio !== undefined ? row.ratio <= t.ratio : row.medianMs < t.ms!;
  const bound = t.ratio !== undefined ? `<= ${t.ratio}x` : `< ${t.ms! / 1000} s`;
  return `target ${bound}${met ? '' : ': NOT MET in this run'}`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
