// Silencing rules: `validate --ignore RULE` for a whole run, and the annotation below for one
// document (metadata.annotations of a Pod, a Deployment...). What was silenced is reported.
import { ManifestFinding } from './finding';
import { InputError, ManifestDocument } from './manifest-input';
import { ruleIds } from './rule-list';

/** metadata.annotations key whose value (rule ids, comma-separated) silences them in that document. */
export const IGNORE_ANNOTATION = 'opencode-memory-pod.io/ignore';

/** The findings of one rule that were silenced, and by what. */
export interface Silenced {
  readonly rule: string;
  /** `validate --ignore`, or the annotation of one document. */
  readonly by: '--ignore' | 'annotation';
  /** Where the annotation is (by: annotation). */
  readonly file?: string;
  readonly document?: number;
  readonly resource?: string;
  readonly line?: number;
  /** How many findings it silenced. */
  readonly findings: number;
}

const HOW_TO_LIST = '`opencode-memory-pod validate --rules` lists the rule ids';

/** The rule ids of a comma-separated list, each once, and those no rule has. */
function readIds(list: string): { ids: string[]; unknown: string[] } {
  const ids = [
    ...new Set(
      list
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ];
  const known = ruleIds();
  return { ids, unknown: ids.filter((id) => !known.includes(id)) };
}

const quoted = (ids: readonly string[]) => ids.map((u) => `"${u}"`).join(', ');

/** Rule ids from --ignore values (each repeatable, comma-separated); throws InputError on one no rule has. */
export function parseIgnore(values: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const value of values) {
    const read = readIds(value);
    if (!read.ids.length) throw new InputError(`--ignore "${value}": expected rule ids, e.g. --ignore latest-tag,short-image-name`);
    if (read.unknown.length) throw new InputError(`--ignore "${value}": no rule has the id ${quoted(read.unknown)}; ${HOW_TO_LIST}`);
    for (const id of read.ids) ids.add(id);
  }
  return [...ids];
}

/** The rule ids a document's annotation silences; throws InputError on one no rule has. */
export function annotationIgnores(doc: ManifestDocument): string[] {
  const metadata = doc.object.metadata as { annotations?: Record<string, unknown> } | undefined;
  const value = metadata?.annotations?.[IGNORE_ANNOTATION];
  // Not a string: the schema reports it (annotations are strings).
  if (typeof value !== 'string') return [];
  const { ids, unknown } = readIds(value);
  if (unknown.length) {
    const where = `${doc.file}: document ${doc.index} (${doc.kind}/${doc.name})`;
    throw new InputError(`${where}: annotation ${IGNORE_ANNOTATION}: no rule has the id ${quoted(unknown)}; ${HOW_TO_LIST}`);
  }
  return ids;
}

/**
 * Takes out the findings of silenced rules: those a document's annotation names (in that document),
 * then those of `ignore` (everywhere). Every annotation and every ignored id is reported, with the
 * number of findings it silenced, none included.
 */
export function silence(
  findings: readonly ManifestFinding[],
  documents: readonly ManifestDocument[],
  ignore: readonly string[],
): { kept: ManifestFinding[]; silenced: Silenced[] } {
  const silenced: Silenced[] = [];
  let kept = [...findings];
  for (const doc of documents) {
    for (const rule of annotationIgnores(doc)) {
      const mine = (f: ManifestFinding) => f.document === doc.index && f.rule === rule;
      const line = doc.lineOf(['metadata', 'annotations', IGNORE_ANNOTATION]);
      const resource = `${doc.kind}/${doc.name}`;
      silenced.push({ rule, by: 'annotation', file: doc.file, document: doc.index, resource, line, findings: kept.filter(mine).length });
      kept = kept.filter((f) => !mine(f));
    }
  }
  for (const rule of ignore) {
    silenced.push({ rule, by: '--ignore', findings: kept.filter((f) => f.rule === rule).length });
    kept = kept.filter((f) => f.rule !== rule);
  }
  return { kept, silenced };
}

/** Several runs' lists as one: --ignore counts added up per rule, annotations one by one. */
export function mergeSilenced(lists: ReadonlyArray<readonly Silenced[]>): Silenced[] {
  const out: Silenced[] = [];
  for (const s of lists.flat()) {
    const same = s.by === '--ignore' ? out.findIndex((o) => o.by === '--ignore' && o.rule === s.rule) : -1;
    if (same >= 0) out[same] = { ...out[same], findings: out[same].findings + s.findings };
    else out.push(s);
  }
  return out;
}

/** "silenced latest-tag by --ignore: 2 finding(s)", or by the annotation of a document (file:line). */
export function formatSilenced(s: Silenced): string {
  const by =
    s.by === '--ignore' ? '--ignore' : `the ${IGNORE_ANNOTATION} annotation of ${s.resource} (${s.file}${s.line ? `:${s.line}` : ''}, document ${s.document})`;
  return `silenced ${s.rule} by ${by}: ${s.findings} finding(s)`;
}
