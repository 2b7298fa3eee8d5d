// observations.json: one verdict per podman rule and podman version, from the last
// `RULES_WRITE=1 npm run test:rules`, and the README table made from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PODMAN_RULES } from '../../src/validate/rules';
import { describeRange } from '../../src/lib/podman-version';
import { CaseResult, VersionResults } from './results';

/** The podman lines the suite plays, by column: Debian 12, Debian 13, Debian testing. */
export const COLUMNS = ['4.3', '5.4', '5.8'] as const;
export type Column = (typeof COLUMNS)[number];

export interface Verdict {
  /** fires / silent: the validator said so and podman did (misbehaved / behaved) the same. */
  readonly verdict: 'fires' | 'silent' | 'not observable' | 'contradicted';
  /** What podman did with the rule's known-bad manifest. */
  readonly seen?: string;
  /** What podman did with the near miss. */
  readonly near?: string;
  readonly reason?: string;
  /** The rule that fired instead of this one: the same symptom on this version has a rule of its own. */
  readonly coveredBy?: string;
}

export interface Observations {
  /** Exact podman version of each column in the run that wrote the file. */
  readonly versions: Record<string, string>;
  readonly rules: Record<string, Record<string, Verdict>>;
}

export const OBSERVATIONS_FILE = join(__dirname, 'observations.json');

export function readObservations(file = OBSERVATIONS_FILE): Observations {
  return JSON.parse(readFileSync(file, 'utf8')) as Observations;
}

export function columnOf(version: string): Column | undefined {
  return COLUMNS.find((c) => version === c || version.startsWith(`${c}.`));
}

/** One version's case results -> a verdict per rule. */
export function verdictsOf(run: VersionResults): Record<string, Verdict> {
  const byRule = new Map<string, CaseResult[]>();
  for (const r of run.results) byRule.set(r.rule, [...(byRule.get(r.rule) ?? []), r]);
  const out: Record<string, Verdict> = {};
  for (const [rule, results] of byRule) {
    const bad = results.find((r) => r.variant === 'bad')!;
    const near = results.find((r) => r.variant === 'near');
    if (bad.unobservable) out[rule] = { verdict: 'not observable', reason: bad.unobservable };
    else if (results.some((r) => !r.agrees)) out[rule] = { verdict: 'contradicted', seen: bad.detail, ...(near ? { near: near.detail } : {}) };
    else if (bad.firedRule) out[rule] = { verdict: 'silent', coveredBy: bad.firedRule, seen: bad.detail, ...(near ? { near: near.detail } : {}) };
    else out[rule] = { verdict: bad.validatorFires ? 'fires' : 'silent', seen: bad.detail, ...(near ? { near: near.detail } : {}) };
  }
  return out;
}

const CELL: Record<Verdict['verdict'], string> = {
  fires: 'fires, confirmed',
  silent: 'silent, confirmed',
  'not observable': 'not observable',
  contradicted: 'CONTRADICTED',
};

/** The README's rule x version table (between the rules-table markers). */
export function renderRuleTable(obs: Observations): string {
  const head = COLUMNS.map((c) => `podman ${obs.versions[c] ?? c}`);
  const lines = [`| rule | severity | applies to | ${head.join(' | ')} |`, `|---|---|---|${COLUMNS.map(() => '---|').join('')}`];
  const reasons: string[] = [];
  for (const rule of PODMAN_RULES) {
    const cells = COLUMNS.map((c) => {
      const v = obs.rules[rule.id]?.[c];
      if (!v) return 'not played';
      if (v.verdict === 'not observable' && v.reason && !reasons.includes(`${rule.id}: ${v.reason}`)) reasons.push(`${rule.id}: ${v.reason}`);
      return v.coveredBy ? `silent (\`${v.coveredBy}\` fires), confirmed` : CELL[v.verdict];
    });
    lines.push(`| \`${rule.id}\` | ${rule.severity} | ${describeRange(rule.podman)} | ${cells.join(' | ')} |`);
  }
  const notes = reasons.map((r) => `- not observable, ${r}`);
  // A rule whose versions are none of those played: its claim rests on podman's source alone.
  for (const rule of PODMAN_RULES) {
    const played = COLUMNS.map((c) => obs.rules[rule.id]?.[c]).filter((v) => v && v.verdict !== 'not observable');
    if (played.length && !played.some((v) => v!.verdict === 'fires')) {
      notes.push(
        `- \`${rule.id}\` applies to ${describeRange(rule.podman).replace(/^podman /, '')}, none of the versions played here: it is seen silent where it should be; that it fires rests on podman's source`,
      );
    }
  }
  const corrected = PODMAN_RULES.filter((r) => r.observed).map((r) => `- \`${r.id}\`: ${r.observed}`);
  return [
    ...lines,
    '',
    ...notes,
    ...(corrected.length ? ['', "Changed after what real podman did (evidence: `npm run test:rules`, podman's source):", '', ...corrected] : []),
  ].join('\n');
}

export const TABLE_BEGIN = '<!-- rules-table: generated from test/rules/observations.json by `RULES_WRITE=1 npm run test:rules`; do not edit -->';
export const TABLE_END = '<!-- rules-table end -->';
