import { readFileSync, statSync } from 'node:fs';
import { Document, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { FieldPath } from './finding';

/** Larger files are refused: a pod manifest is a few kB; this also bounds memory and time. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Input that cannot be validated at all (not YAML, binary, wrong kind...): exit 2, one line. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** One Kubernetes object read from a file. */
export interface ManifestDocument {
  readonly file: string;
  /** 1-based position in the file (empty documents are counted too, as the user sees them). */
  readonly index: number;
  readonly kind: string;
  readonly name: string;
  readonly object: Readonly<Record<string, unknown>>;
  /** 1-based line of the field, or of its nearest existing parent. */
  lineOf(path: FieldPath): number | undefined;
}

/** Files parsed by readAhead, each kept for one readManifestFile of the same file, kinds and hint. */
const parsedAhead = new Map<string, { readonly bytes: Buffer; readonly docs: ManifestDocument[] }>();
const aheadKey = (file: string, acceptedKinds: readonly string[], kindHint: string) => JSON.stringify([file, acceptedKinds, kindHint]);

/**
 * Parses a manifest file before its readManifestFile (validate does it while `podman --version`
 * runs), which takes the result when the file still holds the same bytes. Says nothing when it
 * cannot: that readManifestFile will, at its turn.
 */
export function readAhead(file: string, acceptedKinds: readonly string[], kindHint = ''): void {
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) return;
    const bytes = readFileSync(file);
    parsedAhead.set(aheadKey(file, acceptedKinds, kindHint), { bytes, docs: parseManifests(bytes, file, acceptedKinds, kindHint) });
  } catch {
    // reported by readManifestFile
  }
}

/** Reads and parses a manifest file; throws InputError with a one-line reason when it cannot. */
export function readManifestFile(file: string, acceptedKinds: readonly string[], kindHint = ''): ManifestDocument[] {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new InputError(`${file}: not a regular file`);
    size = stat.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new InputError(`${file}: ${(size / 1024 / 1024).toFixed(1)} MiB is too large for a manifest (limit ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB)`);
  }
  const bytes = readFileSync(file);
  const key = aheadKey(file, acceptedKinds, kindHint);
  const ahead = parsedAhead.get(key);
  parsedAhead.delete(key);
  if (ahead?.bytes.equals(bytes)) return ahead.docs;
  return parseManifests(bytes, file, acceptedKinds, kindHint);
}

/** Parses YAML (or JSON) text holding one or more Kubernetes objects. */
export function parseManifests(bytes: Buffer, file: string, acceptedKinds: readonly string[], kindHint = ''): ManifestDocument[] {
  if (bytes.includes(0)) throw new InputError(`${file}: binary data (NUL bytes), not a YAML manifest`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${file}: not UTF-8 text, not a YAML manifest`);
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  const out: ManifestDocument[] = [];
  docs.forEach((doc, i) => {
    const index = i + 1;
    const where = `${file}: document ${index}`;
    const problem = doc.errors[0];
    if (problem) {
      // prettyErrors puts "at line L, column C:" at the end of the message's first line.
      throw new InputError(`${where}: not valid YAML: ${firstLine(problem.message).replace(/:$/, '')}`);
    }
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new InputError(`${where}: ${firstLine((e as Error).message)}`);
    }
    if (object === null || object === undefined) return; // `---` with nothing after it
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new InputError(
        `${where}: a Kubernetes object is a mapping with apiVersion and kind; found ${Array.isArray(object) ? 'a list' : `the ${typeof object} ${JSON.stringify(object).slice(0, 40)}`}`,
      );
    }
    const record = object as Record<string, unknown>;
    const kind = record.kind;
    if (typeof kind !== 'string' || !kind) throw new InputError(`${where}: no kind; expected one of ${acceptedKinds.join(', ')}`);
    if (!acceptedKinds.includes(kind))
      throw new InputError(`${where}: kind ${kind} is not accepted here; expected one of ${acceptedKinds.join(', ')}${kindHint}`);
    const metadata = record.metadata as Record<string, unknown> | undefined;
    const name = typeof metadata?.name === 'string' ? metadata.name : '(unnamed)';
    out.push({ file, index, kind, name, object: record, lineOf: (path) => lineOf(doc, lines, path) });
  });
  if (!out.length) throw new InputError(`${file}: no Kubernetes objects in it`);
  return out;
}

function lineOf(doc: Document, lines: LineCounter, path: FieldPath): number | undefined {
  for (let n = path.length; n > 0; n--) {
    // The key's own line (a nested mapping's value starts on the next line).
    const parent = doc.getIn(path.slice(0, n - 1), true);
    const last = path[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      const range = (pair?.key as { range?: number[] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    } else if (isSeq(parent) && typeof last === 'number') {
      const range = (parent.items[last] as { range?: number[] } | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    }
  }
  const range = (doc.contents as { range?: number[] } | null)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
