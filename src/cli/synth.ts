import { join, relative } from 'node:path';
import { ConfigError } from '../lib/config-error';
import { configPathOrDefault, readConfigFile } from '../config/load';
import { parseTargetList, TARGET_LIST_ALLOWED, TARGET_NAMES, TARGETS } from '../lib/targets';
import { DependencyError } from '../model/startup-order';
import { configure, synthesizeWithModel } from '../app/synth';
import { exposureLines } from '../model/exposure';
import { movingImageWarnings } from '../config/image-warnings';
import { secretKeyLines } from '../model/secret-key-lines';
import { RENDERERS } from '../render/targets';
import { copyManifestsForCdk8s, OutputFolderError, writeDist } from '../app/write-dist';

export interface SynthOptions {
  /** YAML configuration; default: ./opencode-memory-pod.yaml if it exists, else built-in defaults. */
  readonly configPath?: string;
  /** Output folder; default dist. */
  readonly outDir?: string;
  /** Also copy the manifests here (cdk8s-cli's CDK8S_OUTDIR). */
  readonly cdk8sOutDir?: string;
  /** Overrides the configuration's `targets`: one target of lib/targets.ts or several separated by a comma. */
  readonly targets?: string;
}

/** Exit codes: 0 written, 2 invalid configuration or an output folder synth may not replace (nothing written). */
export function runSynth(options: SynthOptions, log: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  const configPath = configPathOrDefault(options.configPath);
  const outDir = options.outDir ?? 'dist';
  let files;
  let model;
  let config;
  // A bad --target is reported with the file's own problems, not instead of them.
  const targets = options.targets !== undefined ? parseTargetList(options.targets) : undefined;
  const targetProblem = options.targets !== undefined && !targets ? targetListError(options.targets) : undefined;
  try {
    // Every problem of the file at once, the schema's and the constructs'.
    config = configure(readConfigFile(configPath), targets);
    if (targetProblem) throw targetProblem;
    ({ files, model } = synthesizeWithModel(config));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof DependencyError) {
      if (targetProblem && e !== targetProblem) err(`opencode-memory-pod: ${targetProblem.message}`);
      const message = e instanceof ConfigError ? e.withSource(configPath ?? 'built-in defaults').message : e.message;
      err(`opencode-memory-pod: ${message}`);
      err(`opencode-memory-pod: nothing written; ${outDir}/ is unchanged`);
      return 2;
    }
    throw e;
  }
  try {
    writeDist(outDir, files);
  } catch (e) {
    if (!(e instanceof OutputFolderError)) throw e;
    err(`opencode-memory-pod: ${e.message}`);
    return 2;
  }
  if (options.cdk8sOutDir && relative(options.cdk8sOutDir, outDir) !== '') copyManifestsForCdk8s(files, options.cdk8sOutDir);
  // Written all the same (a moving tag names real releases), but said on stderr, where it is seen.
  for (const warning of movingImageWarnings(model)) err(`opencode-memory-pod: warning: ${warning}`);
  // cdk8s-cli swallows the app's stdout; say where the files went on stderr there.
  const say = options.cdk8sOutDir ? err : log;
  say(`opencode-memory-pod: wrote ${files.length} files to ${outDir}/ (config: ${configPath ?? 'built-in defaults'}; targets: ${config.targets.join(', ')})`);
  say('opencode-memory-pod: each container receives only these env-file keys (services.<name>.secretKeys):');
  for (const line of secretKeyLines(model)) say(`  ${line}`);
  say('opencode-memory-pod: published ports (bindAddress, services.<name>.bindAddress):');
  for (const line of exposureLines(
    model.stages.map((s) => s.spec),
    model.bindAddress,
  ))
    (line.warning ? err : say)(`  ${line.text}`);
  for (const target of TARGET_NAMES.filter((t) => config.targets.includes(t))) {
    const next = RENDERERS[target].nextSteps?.(config, join(outDir, TARGETS[target].folder));
    if (!next) continue;
    say(`opencode-memory-pod: ${next.heading}`);
    for (const step of next.steps) say(`  ${step}`);
  }
  return 0;
}

function targetListError(text: string): ConfigError {
  return new ConfigError([{ field: '--target', value: text, allowed: TARGET_LIST_ALLOWED }], 'the command line');
}
