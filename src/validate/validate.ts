import { findingAt, ManifestFinding } from './finding';
import { SEVERITY_RANK, Severity } from '../lib/finding';
import { DEFAULT_KUBERNETES_MINOR, describeKubernetesRange, KUBERNETES_RULES } from './kubernetes-rules';
import { DEFAULT_SCHEMA_VERSION, schemaFindings, schemaForKubernetes, SCHEMA_KINDS, SchemaVersion } from './kubernetes-schema';
import { InputError, ManifestDocument, readAhead, readManifestFile } from './manifest-input';
import { RuleContext, RuleHit } from './rule';
import { PODMAN_RULES } from './rules';
import { formatSilenced, mergeSilenced, silence, Silenced } from './silence';
import { describeRange, formatVersion, inRange, PodmanVersion } from '../lib/podman-version';
import { Target, TARGETS, targetsCheckedAs, ValidationMode } from '../lib/targets';

/** Kinds `podman kube play` plays (4.3.1 and later). */
export const PODMAN_KINDS = ['Pod', 'Deployment', 'ConfigMap', 'Secret', 'PersistentVolumeClaim'];

export interface ValidateOptions {
  /** What the manifests are for; the target registry says how they are checked (its `checkedAs`). */
  readonly target: Target;
  /** Podman version to check for; 'all' applies every rule whatever version it concerns. */
  readonly podman: PodmanVersion | 'all';
  /** Kubernetes minor version (1.x) for the kubernetes target; default DEFAULT_KUBERNETES_MINOR. */
  readonly kubernetesMinor?: number;
  /** Schema that judges the fields; default 1.28 for podman, the cluster's (at most) for kubernetes. */
  readonly schema?: SchemaVersion;
  /** How the podman version was chosen, for the summary (e.g. "found on this machine"). */
  readonly podmanSource?: string;
  /** Rule ids silenced everywhere (validate --ignore; see parseIgnore). */
  readonly ignore?: readonly string[];
}

/** How a target's manifests are checked; an InputError for a target the validator has no checks for. */
export function validationModeOf(target: Target): ValidationMode {
  const mode = TARGETS[target].checkedAs;
  if (!mode) throw new InputError(`the validator has no checks for ${TARGETS[target].title} manifests yet`);
  return mode;
}

/** The schema the options choose. */
export function schemaVersionFor(options: ValidateOptions): SchemaVersion {
  if (options.schema) return options.schema;
  return validationModeOf(options.target) === 'cluster' ? schemaForKubernetes(options.kubernetesMinor ?? DEFAULT_KUBERNETES_MINOR) : DEFAULT_SCHEMA_VERSION;
}

export interface ValidationResult {
  readonly files: readonly string[];
  readonly documents: number;
  readonly findings: readonly ManifestFinding[];
  /** What the files were checked for, in words, for the summary line. */
  readonly checkedFor: string;
  /** Rules silenced by --ignore or an annotation, with how many findings each took out. */
  readonly silenced: readonly Silenced[];
}

/** A rule that applies under the options, with its versions in words. */
interface ApplicableRule {
  readonly id: string;
  readonly severity: Severity;
  readonly versions: string;
  /** The fix of a finding that gives none of its own. */
  readonly fix?: string;
  check(ctx: RuleContext): RuleHit[];
}

function applicableRules(options: ValidateOptions): ApplicableRule[] {
  if (validationModeOf(options.target) === 'podman') {
    const { podman } = options;
    return PODMAN_RULES.filter((r) => podman === 'all' || inRange(podman, r.podman)).map((r) => ({ ...r, versions: describeRange(r.podman) }));
  }
  const minor = options.kubernetesMinor ?? DEFAULT_KUBERNETES_MINOR;
  return KUBERNETES_RULES.filter((r) => minor < r.needs).map((r) => ({ ...r, versions: describeKubernetesRange(r) }));
}

/** Validates already parsed documents of one file: the schema, then the rules of the target. */
export function validateDocuments(documents: readonly ManifestDocument[], options: ValidateOptions): ManifestFinding[] {
  return checkDocuments(documents, options).findings;
}

/** validateDocuments, and what --ignore and the documents' annotations silenced. */
export function checkDocuments(documents: readonly ManifestDocument[], options: ValidateOptions) {
  const rules = applicableRules(options);
  const findings: ManifestFinding[] = [];
  for (const doc of documents) {
    findings.push(...schemaFindings(doc, schemaVersionFor(options)));
    for (const rule of rules) {
      for (const hit of rule.check({ doc, documents })) {
        const fix = hit.fix ?? rule.fix;
        findings.push(findingAt(doc, hit.path, { rule: rule.id, severity: rule.severity, message: hit.message, fix, versions: rule.versions }));
      }
    }
  }
  const { kept, silenced } = silence(findings, documents, options.ignore ?? []);
  return { findings: sortFindings(kept), silenced };
}

/** The kinds a target's manifests may hold, and what to add when one holds another. */
function acceptedKindsOf(target: Target): { kinds: readonly string[]; hint: string } {
  const mode = validationModeOf(target);
  const kinds = mode === 'podman' ? PODMAN_KINDS : SCHEMA_KINDS;
  const hint = mode === 'podman' ? ` (podman kube play; use --target ${targetsCheckedAs('cluster').join(' or ')} for cluster manifests)` : '';
  return { kinds, hint };
}

/** Parses the files now for a validateFiles of them later (manifest-input.ts readAhead); silent. */
export function readManifestsAhead(files: readonly string[], target: Target): void {
  try {
    const { kinds, hint } = acceptedKindsOf(target);
    for (const file of files) readAhead(file, kinds, hint);
  } catch {
    // validateFiles says it
  }
}

/** Reads and validates files; throws InputError for input that cannot be validated. */
export function validateFiles(files: readonly string[], options: ValidateOptions): ValidationResult {
  const mode = validationModeOf(options.target);
  const { kinds, hint } = acceptedKindsOf(options.target);
  const findings: ManifestFinding[] = [];
  const silenced: Silenced[][] = [];
  let documents = 0;
  if (!files.length) throw new InputError('no files to validate');
  for (const file of files) {
    const docs = readManifestFile(file, kinds, hint);
    documents += docs.length;
    const checked = checkDocuments(docs, options);
    findings.push(...checked.findings);
    silenced.push(checked.silenced);
  }
  const schema = `Kubernetes ${schemaVersionFor(options)} schema`;
  const checkedFor =
    mode === 'cluster'
      ? `Kubernetes 1.${options.kubernetesMinor ?? DEFAULT_KUBERNETES_MINOR} (${schema})`
      : options.podman === 'all'
        ? `every supported podman (4.3.0-5.x; ${schema})`
        : `podman ${formatVersion(options.podman)} (${options.podmanSource ? `${options.podmanSource}; ` : ''}${schema})`;
  return { files, documents, findings, checkedFor, silenced: mergeSilenced(silenced) };
}

/** The results of several runs (each part of dist/ for its own target) as one. */
export function mergeResults(results: readonly ValidationResult[]): ValidationResult {
  return {
    files: results.flatMap((r) => r.files),
    documents: results.reduce((n, r) => n + r.documents, 0),
    findings: results.flatMap((r) => r.findings),
    checkedFor: results.map((r) => r.checkedFor).join(' and '),
    silenced: mergeSilenced(results.map((r) => r.silenced)),
  };
}

function sortFindings(findings: ManifestFinding[]): ManifestFinding[] {
  return findings.sort(
    (a, b) =>
      // The first localeCompare starts ICU's collator (15-50 ms): not for findings of one file.
      (a.file === b.file ? 0 : a.file.localeCompare(b.file)) ||
      a.document - b.document ||
      (a.line ?? 0) - (b.line ?? 0) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      compareRuleIds(a.rule, b.rule),
  );
}

/**
 * Rule ids are ASCII (`schema/unknown-field`, `short-image-name`): by code unit, the order
 * localeCompare gives them in English and every other locale but Czech and Slovak (where "ch"
 * is one letter after "h"), without starting ICU's collator; test/validate.test.ts checks it.
 */
export function compareRuleIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** 1 when there is a finding at error level, else 0. */
export function exitCodeFor(result: ValidationResult): number {
  return result.findings.some((f) => f.severity === 'error') ? 1 : 0;
}

/** Human-readable report: one block per finding, then a count. */
export function formatText(result: ValidationResult): string {
  const lines: string[] = [];
  for (const f of result.findings) {
    const where = `${f.file}${f.line ? `:${f.line}` : ''}`;
    lines.push(`${where}: ${f.severity} ${f.rule} (${f.versions})`);
    lines.push(`  document ${f.document}, ${f.resource}, ${f.path}`);
    lines.push(`  ${f.message}`);
    if (f.fix) lines.push(`  fix: ${f.fix}`);
    lines.push('');
  }
  lines.push(...result.silenced.map(formatSilenced));
  const count = (s: string) => result.findings.filter((f) => f.severity === s).length;
  const objects = `${result.documents} object${result.documents === 1 ? '' : 's'} in ${result.files.length} file${result.files.length === 1 ? '' : 's'}`;
  lines.push(`${objects} checked for ${result.checkedFor}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`);
  return lines.join('\n');
}

export function formatJson(result: ValidationResult): string {
  const { checkedFor, files, documents, findings, silenced } = result;
  return JSON.stringify({ checkedFor, files, documents, findings, ...(silenced.length ? { silenced } : {}) }, null, 2);
}
