import { Finding, formatPath, SEVERITY_RANK } from './finding';
import { KUBERNETES_RULES } from './kubernetes-rules';
import { schemaFindings, SCHEMA_KINDS } from './kubernetes-schema';
import { InputError, ManifestDocument, readManifestFile } from './manifest-input';
import { PODMAN_RULES } from './podman-rules';
import { describeRange, formatVersion, inRange, PodmanVersion } from '../podman-version';

/** What the manifests are for. */
export type Target = 'podman' | 'kubernetes';

/** Kinds `podman kube play` plays (4.3.1 and later). */
export const PODMAN_KINDS = ['Pod', 'Deployment', 'ConfigMap', 'Secret', 'PersistentVolumeClaim'];

export interface ValidateOptions {
  readonly target: Target;
  /** Podman version to check for; 'all' applies every rule whatever version it concerns. */
  readonly podman: PodmanVersion | 'all';
  /** Kubernetes minor version (1.x) for the kubernetes target. */
  readonly kubernetesMinor?: number;
}

export interface ValidationResult {
  readonly files: readonly string[];
  readonly documents: number;
  readonly findings: readonly Finding[];
  /** How the podman version was chosen, for the summary line. */
  readonly checkedFor: string;
}

/** Validates already parsed documents of one file. */
export function validateDocuments(documents: readonly ManifestDocument[], options: ValidateOptions): Finding[] {
  const findings: Finding[] = [];
  for (const doc of documents) {
    findings.push(...schemaFindings(doc));
    const ctx = { doc, documents };
    const resource = `${doc.kind}/${doc.name}`;
    if (options.target === 'podman') {
      for (const rule of PODMAN_RULES) {
        if (options.podman !== 'all' && !inRange(options.podman, rule.podman)) continue;
        for (const hit of rule.check(ctx)) {
          findings.push({ file: doc.file, document: doc.index, resource, path: formatPath(hit.path), line: doc.lineOf(hit.path), rule: rule.id, severity: rule.severity, message: hit.message, fix: hit.fix, versions: describeRange(rule.podman) });
        }
      }
    } else {
      for (const rule of KUBERNETES_RULES) {
        if ((options.kubernetesMinor ?? 28) >= rule.needs) continue;
        for (const hit of rule.check(ctx)) {
          findings.push({ file: doc.file, document: doc.index, resource, path: formatPath(hit.path), line: doc.lineOf(hit.path), rule: rule.id, severity: rule.severity, message: hit.message, fix: hit.fix, versions: `Kubernetes before 1.${rule.needs}` });
        }
      }
    }
  }
  return sortFindings(findings);
}

/** Reads and validates files; throws InputError for input that cannot be validated. */
export function validateFiles(files: readonly string[], options: ValidateOptions): ValidationResult {
  const kinds = options.target === 'podman' ? PODMAN_KINDS : SCHEMA_KINDS;
  const hint = options.target === 'podman' ? ' (podman kube play; use --target kubernetes for cluster manifests)' : '';
  const findings: Finding[] = [];
  let documents = 0;
  if (!files.length) throw new InputError('no files to validate');
  for (const file of files) {
    const docs = readManifestFile(file, kinds, hint);
    documents += docs.length;
    findings.push(...validateDocuments(docs, options));
  }
  const checkedFor =
    options.target === 'kubernetes'
      ? `Kubernetes 1.${options.kubernetesMinor ?? 28} (schema 1.28)`
      : options.podman === 'all'
        ? 'every supported podman (4.3.0-5.x)'
        : `podman ${formatVersion(options.podman)}`;
  return { files, documents, findings, checkedFor };
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.document - b.document || (a.line ?? 0) - (b.line ?? 0) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.rule.localeCompare(b.rule));
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
  const count = (s: string) => result.findings.filter((f) => f.severity === s).length;
  const objects = `${result.documents} object${result.documents === 1 ? '' : 's'} in ${result.files.length} file${result.files.length === 1 ? '' : 's'}`;
  lines.push(`${objects} checked for ${result.checkedFor}: ${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`);
  return lines.join('\n');
}

export function formatJson(result: ValidationResult): string {
  return JSON.stringify({ checkedFor: result.checkedFor, files: result.files, documents: result.documents, findings: result.findings }, null, 2);
}
