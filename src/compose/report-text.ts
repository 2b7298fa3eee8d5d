import { ImportedCompose } from './import-compose';
import { ReportKind } from './report';

const HEADINGS: Record<ReportKind, string> = {
  todo: 'to do before synth (also marked TODO in the file):',
  changed: 'carried over in another form (see the comments in the file):',
  refused: 'not carried over:',
  ignored: 'nothing to carry (the pod does the same, or the key has no effect):',
};

/**
 * The import's report: what each service carried over, then every key not carried over as it stood,
 * by kind, each with its path and why; last the env-file keys to set. Names keys, never values.
 */
export function reportText(imported: ImportedCompose, written: string): string {
  const lines: string[] = [];
  const names = Object.keys(imported.services);
  lines.push(`imported ${names.length} service${names.length === 1 ? '' : 's'} from ${imported.file} into ${written}: ${names.join(', ')}`);
  const width = Math.max(0, ...names.map((n) => n.length));
  lines.push('carried over:');
  for (const n of names) lines.push(`  ${n.padEnd(width)}  ${imported.carried[n].join(', ') || '(nothing)'}`);
  for (const kind of ['todo', 'changed', 'refused', 'ignored'] as const) {
    const entries = imported.report.filter((e) => e.kind === kind);
    if (!entries.length) continue;
    lines.push(HEADINGS[kind]);
    for (const e of entries) lines.push(`  - ${e.path || '(file)'}: ${e.message}`);
  }
  if (imported.envFileKeys.length) {
    lines.push("env-file keys to set (their values are not in the configuration; the pod's env file holds them):");
    const kw = Math.max(...imported.envFileKeys.map((k) => k.key.length));
    for (const k of imported.envFileKeys) {
      lines.push(`  ${k.key.padEnd(kw)}  ${k.uses.map((u) => `${u.service} (${u.from})`).join(', ')}`);
    }
  }
  return lines.join('\n') + '\n';
}
