import { Finding } from '../lib/finding';

/** A path inside one document, as keys and array indexes. */
export type FieldPath = ReadonlyArray<string | number>;

/** A Finding in a manifest, located precisely enough to act on (errors also fail the cdk8s plugin). */
export interface ManifestFinding extends Finding {
  /** File as the user named it. */
  readonly file: string;
  /** 1-based position of the document in the file. */
  readonly document: number;
  /** `Kind/name` of the object. */
  readonly resource: string;
  /** JSON path inside the document, e.g. `spec.containers[0].livenessProbe`. */
  readonly path: string;
  /** 1-based line in the file, when the YAML parser could place it. */
  readonly line?: number;
  /** Rule id: `schema/<check>` for layer 1, a podman or kubernetes rule id otherwise. */
  readonly rule: string;
  /** The podman (or Kubernetes) versions the rule applies to, in words. */
  readonly versions?: string;
}

/** `spec.containers[0]["app.kubernetes.io/name"]` from ['spec','containers',0,'app.kubernetes.io/name']. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '(document)';
}

/** The document a finding is in (a ManifestDocument). */
export interface FindingSource {
  readonly file: string;
  readonly index: number;
  readonly kind: string;
  readonly name: string;
  lineOf(path: FieldPath): number | undefined;
}

/** A finding at `path` in `doc`: location filled in, the rest as given. */
export function findingAt(
  doc: FindingSource,
  path: FieldPath,
  what: Pick<ManifestFinding, 'rule' | 'severity' | 'message' | 'fix' | 'versions'>,
): ManifestFinding {
  return { file: doc.file, document: doc.index, resource: `${doc.kind}/${doc.name}`, path: formatPath(path), line: doc.lineOf(path), ...what };
}
