// Rewrites the generated parts of README.md: the rule list (from the validator's registry,
// src/validate/rules/) and the rule x podman table (from test/rules/observations.json, which
// `RULES_WRITE=1 npm run test:rules` records on real podman). test/readme-docs.test.ts fails when
// either is stale.
//
//   npm run docs            rewrite them
//   npm run docs -- --check exit 1 when README.md is not what this would write
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleListMarkdown } from '../src/validate/rule-list';
import { readObservations, renderRuleTable, TABLE_BEGIN, TABLE_END } from '../test/rules/observations';

export const README = join(__dirname, '..', 'README.md');

export const RULES_LIST_BEGIN = '<!-- rules-list: generated from src/validate/rules/ by `npm run docs`; do not edit -->';
export const RULES_LIST_END = '<!-- rules-list end -->';

/** A generated part of the README: between its markers, what `render` gives. */
export interface Section {
  readonly begin: string;
  readonly end: string;
  render(): string;
}

export const SECTIONS: readonly Section[] = [
  { begin: RULES_LIST_BEGIN, end: RULES_LIST_END, render: ruleListMarkdown },
  { begin: TABLE_BEGIN, end: TABLE_END, render: () => renderRuleTable(readObservations()) },
];

/** What the README holds between a section's markers (without the newlines next to them). */
export function shownIn(readme: string, section: Section): string {
  const a = readme.indexOf(section.begin);
  const b = readme.indexOf(section.end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${section.begin} ... ${section.end} section`);
  return readme.slice(a + section.begin.length + 1, b - 1);
}

/** The README with every section rewritten. */
export function regenerated(readme: string): string {
  return SECTIONS.reduce((text, s) => {
    const start = text.indexOf(s.begin) + s.begin.length + 1;
    const shown = shownIn(text, s); // throws when the markers are missing
    return `${text.slice(0, start)}${s.render()}${text.slice(start + shown.length)}`;
  }, readme);
}

/** Rewrites README.md's generated sections; whether anything changed. */
export function writeDocs(): boolean {
  const before = readFileSync(README, 'utf8');
  const after = regenerated(before);
  if (after !== before) writeFileSync(README, after);
  return after !== before;
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    if (regenerated(readFileSync(README, 'utf8')) !== readFileSync(README, 'utf8')) {
      console.error('README.md: the generated rule list or table is stale; run npm run docs');
      process.exit(1);
    }
  } else console.log(writeDocs() ? 'README.md: rule list and table rewritten' : 'README.md: up to date');
}
