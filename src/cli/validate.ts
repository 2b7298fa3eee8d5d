import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_TARGETS, manifestsIn, parseTargetList, Target, TARGET_LIST_ALLOWED, TARGET_NAMES, TARGETS } from '../lib/targets';
import { InputError } from '../validate/manifest-input';
import { formatRuleList } from '../validate/rule-list';
import { OLDEST_SUPPORTED_PODMAN, parsePodmanVersion, parseSupportedVersion, PodmanVersion } from '../lib/podman-version';
import { podmanVersionText } from '../lib/podman-probe';
import { parseIgnore } from '../validate/silence';
import { exitCodeFor, formatJson, formatText, mergeResults, readManifestsAhead, validateFiles } from '../validate/validate';
import { SCHEMA_VERSIONS, SchemaVersion } from '../validate/kubernetes-schema';

export interface ValidateCommandOptions {
  readonly files: readonly string[];
  /**
   * podman, kubernetes, or both comma-separated, as synth takes them (named files: one target);
   * unset: podman for named files, each part of dist/ for its own target.
   */
  readonly target?: string;
  /** A version, 'all', or unset (the podman on this machine, else the oldest supported). */
  readonly podman?: string;
  /** Kubernetes version for --target kubernetes, e.g. 1.30; default 1.29 (DEFAULT_KUBERNETES_MINOR). */
  readonly kubernetes?: string;
  /** Schema version that judges the fields (SCHEMA_VERSIONS); default: see schemaVersionFor. */
  readonly schema?: string;
  readonly format?: string;
  /** Folder synth wrote, for the default files. */
  readonly from?: string;
  /** Rule ids to silence, as given (each may be a comma-separated list). */
  readonly ignore?: readonly string[];
}

/**
 * Exit codes: 0 no errors, 1 findings at error level, 2 unusable input or options. Without
 * --podman, the podman on this machine decides: `podmanText` gives what `podman --version` printed
 * (the CLI runs it in the background, see readFilesAhead), undefined when there is no podman.
 */
export function runValidate(
  options: ValidateCommandOptions,
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
  podmanText: () => string | undefined = podmanVersionText,
): number {
  try {
    const format = options.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new InputError(`--format "${format}": expected text or json`);
    const runs = plannedRuns(options);
    let podman: PodmanVersion | 'all';
    let how = '';
    if (options.podman === 'all') podman = 'all';
    else if (options.podman) podman = parseSupportedVersion(options.podman);
    else {
      const text = needsPodmanFound(options, runs) ? podmanText() : undefined;
      const found = text === undefined ? undefined : parsePodmanVersion(text);
      podman = found ?? parsePodmanVersion(OLDEST_SUPPORTED_PODMAN)!;
      how = found ? 'found on this machine' : 'oldest supported; no podman found';
    }
    const kubernetesMinor = parseKubernetes(options.kubernetes);
    const schema = parseSchema(options.schema);
    const ignore = parseIgnore(options.ignore ?? []);
    const podmanSource = how || undefined;
    const result = mergeResults(runs.map(([target, files]) => validateFiles(files, { target, podman, kubernetesMinor, schema, podmanSource, ignore })));
    out(format === 'json' ? formatJson(result) : formatText(result));
    return exitCodeFor(result);
  } catch (e) {
    // Never a stack trace: whatever went wrong is reported in one line.
    const message = (e as Error).message?.split('\n')[0] ?? String(e);
    err(`opencode-memory-pod: validate: ${message}`);
    return 2;
  }
}

/**
 * Parses the manifests runValidate will read, ahead of it, while `podman --version` runs in the
 * background; silent (runValidate reports what goes wrong, in its order). Whether runValidate
 * will want that version: false, and the probe can be ended, when no file is checked for podman.
 */
export function readFilesAhead(options: ValidateCommandOptions): boolean {
  try {
    const runs = plannedRuns(options);
    for (const [target, files] of runs) readManifestsAhead(files, target);
    return needsPodmanFound(options, runs);
  } catch {
    return false;
  }
}

/** The files to check and the target of each (each part of dist/ for its own, when no file is named). */
function plannedRuns(options: ValidateCommandOptions): Array<[Target, string[]]> {
  const from = options.from ?? 'dist';
  // Without files or --target: everything synth wrote, each part for its own target.
  const targets = options.target === undefined ? undefined : parseTargets(options.target);
  if (targets && targets.length > 1 && options.files.length) {
    throw new InputError(
      `--target "${options.target}": named files are checked for one target; give one of ${checkable().join(', ')}, or name no files to check each target's part of ${from}/`,
    );
  }
  return options.files.length
    ? [[targets?.[0] ?? DEFAULT_TARGETS[0], [...options.files]]]
    : targets
      ? targets.map((t): [Target, string[]] => [t, defaultFiles(t, from)])
      : distFiles(from);
}

/** No --podman, and a file checked for podman: the podman on this machine decides. */
function needsPodmanFound(options: ValidateCommandOptions, runs: ReadonlyArray<[Target, string[]]>): boolean {
  return !options.podman && runs.some(([t]) => TARGETS[t].checkedAs === 'podman');
}

/** `validate --rules`: every rule with its id, severity, versions and title (the registry's). */
export function listRules(): string {
  return formatRuleList();
}

/** "podman", "kubernetes", "podman,kubernetes": the form synth's --target takes (the target registry's). */
function parseTargets(text: string): Target[] {
  const targets = parseTargetList(text);
  if (!targets) throw new InputError(`--target "${text}": expected ${TARGET_LIST_ALLOWED}`);
  return targets;
}

function parseSchema(text: string | undefined): SchemaVersion | undefined {
  if (text === undefined) return undefined;
  const v = text.replace(/^v/, '');
  if (!(SCHEMA_VERSIONS as readonly string[]).includes(v)) throw new InputError(`--schema "${text}": expected ${SCHEMA_VERSIONS.join(' or ')}`);
  return v as SchemaVersion;
}

function parseKubernetes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^v?1\.(\d+)(\.\d+)?$/.exec(text);
  if (!m || Number(m[1]) < 28) throw new InputError(`--kubernetes "${text}": expected a version such as 1.29 (1.28 or later)`);
  return Number(m[1]);
}

/** The targets the validator has checks for (the registry's `checkedAs`). */
function checkable(): Target[] {
  return TARGET_NAMES.filter((t) => TARGETS[t].checkedAs);
}

/** What synth wrote in `from`, each checkable target's manifests (pod.yaml for podman, kubernetes/*.yaml for a cluster). */
function distFiles(from: string): Array<[Target, string[]]> {
  const runs = checkable()
    .filter((t) => existsSync(manifestsIn(t, from).path))
    .map((t): [Target, string[]] => [t, defaultFiles(t, from)]);
  if (!runs.length)
    throw new InputError(
      `${from}/ has neither ${checkable()
        .map((t) => TARGETS[t].manifests)
        .join(' nor ')}: run synth first, or name the files`,
    );
  return runs;
}

function defaultFiles(target: Target, from: string): string[] {
  const { path: dir, folder } = manifestsIn(target, from);
  if (!folder) return [dir];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.yaml'))
      .sort();
  } catch {
    throw new InputError(`${dir}/ not found: run synth with --target ${target} first, or name the files`);
  }
  if (!names.length) throw new InputError(`${dir}/ has no .yaml files`);
  return names.map((n) => join(dir, n));
}
