#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { doctor } from './doctor';
import { install, readInstallPlan } from './install';
import { DEFAULT_CONFIG_FILE, runSynth } from './synth-command';
import { listRules, runValidate } from './validate-command';

const program = new Command();
program
  .name('opencode-memory-pod')
  .description('Generate, validate and install the OpenCode memory pod (OpenCode, Valkey, FalkorDB, Datadog Agent) for podman and systemd.')
  .showHelpAfterError()
  .exitOverride((err) => {
    // commander's usage errors exit 1; bad input exits 2 everywhere in this tool.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

program
  .command('synth')
  .description('write dist/: pod.yaml, systemd drop-in, Quadlet unit, helpers (podman target); kubernetes/ (Kubernetes target); config JSON Schema')
  .option('-c, --config <file>', `YAML configuration (default: ./${DEFAULT_CONFIG_FILE} if present, else built-in defaults)`)
  .option('-o, --out <dir>', 'output folder', 'dist')
  .option('-t, --target <targets>', 'podman, kubernetes, or podman,kubernetes (default: the configuration\'s targets, else podman)')
  .action((opts: { config?: string; out: string; target?: string }) => {
    process.exitCode = runSynth({ configPath: opts.config, outDir: opts.out, targets: opts.target });
  });

program
  .command('install')
  .description('copy pod.yaml, units and helpers to their places, create data directories, print the systemctl lines')
  .option('--from <dir>', 'folder written by synth', 'dist')
  .option('--root <dir>', 'install under this folder instead of /')
  .option('--dry-run', 'only print what would be done')
  .option('--unit <kind>', 'podman-kube (drop-in for podman\'s template, every podman) or quadlet (podman 4.4+)', (v: string) => {
    if (v !== 'podman-kube' && v !== 'quadlet') throw new InvalidArgumentError('must be podman-kube or quadlet');
    return v;
  }, 'podman-kube')
  .action((opts: { from: string; root?: string; dryRun?: boolean; unit: 'podman-kube' | 'quadlet' }) => {
    try {
      for (const line of install(opts)) console.log(line);
    } catch (e) {
      console.error(`opencode-memory-pod: ${(e as Error).message}`);
      process.exitCode = 2;
    }
  });

program
  .command('doctor')
  .description('check this host: podman, socket, env file and its keys, data directories, free host ports')
  .option('--from <dir>', 'folder written by synth', 'dist')
  .action(async (opts: { from: string }) => {
    let plan;
    try {
      plan = readInstallPlan(opts.from);
    } catch (e) {
      console.error(`opencode-memory-pod: ${(e as Error).message}`);
      process.exitCode = 2;
      return;
    }
    const installed = plan.files.find((f) => f.from === 'pod.yaml')!.to;
    const findings = await doctor(plan, installed);
    for (const f of findings) {
      console.log(`${f.ok ? 'ok  ' : 'FAIL'} ${f.what}`);
      if (!f.ok && f.fix) console.log(`     fix: ${f.fix}`);
    }
    const bad = findings.filter((f) => !f.ok).length;
    console.log(bad ? `\n${bad} problem(s) found` : '\nall checks passed');
    process.exitCode = bad ? 1 : 0;
  });

program
  .command('validate')
  .description('check manifests against the strict Kubernetes 1.28 schema and what podman kube play really does with them')
  .argument('[files...]', 'manifests to check (default: what synth wrote: dist/pod.yaml and dist/kubernetes/*.yaml)')
  .option('--podman <version>', 'podman version to check for, or "all" (default: the podman on this machine, else 4.3.1)')
  .option('--target <target>', 'podman (kube play) or kubernetes (a cluster); default: podman for named files, else each part of dist/ for its own')
  .option('--kubernetes <version>', 'Kubernetes version of the cluster for --target kubernetes (default: 1.29, which native sidecars need)')
  .option('--format <format>', 'text or json', 'text')
  .option('--from <dir>', 'folder written by synth, for the default files', 'dist')
  .option('--rules', 'list the rules and exit')
  .action((files: string[], opts: { podman?: string; target?: string; kubernetes?: string; format: string; from: string; rules?: boolean }) => {
    if (opts.rules) {
      console.log(listRules());
      return;
    }
    process.exitCode = runValidate({ files, ...opts });
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`opencode-memory-pod: ${e.message}`);
  process.exit(2);
});

