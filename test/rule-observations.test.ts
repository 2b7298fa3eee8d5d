import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PODMAN_RULES } from '../src/validate/rules';
import { inRange, parsePodmanVersion } from '../src/lib/podman-version';
import { CASES } from './rules/cases';
import { COLUMNS, readObservations, renderRuleTable, TABLE_BEGIN, TABLE_END } from './rules/observations';

// observations.json is written by `RULES_WRITE=1 npm run test:rules` from real podman; these tests
// keep it, the rules and the README in step without a podman.
const obs = readObservations();

describe('real-podman observations of the validator rules', () => {
  it('cover every rule on every tracked podman, and no rule that is gone', () => {
    for (const rule of PODMAN_RULES) {
      for (const c of COLUMNS) expect(obs.rules[rule.id]?.[c]?.verdict, `${rule.id} on ${c}`).toBeDefined();
    }
    expect(Object.keys(obs.rules).filter((id) => !PODMAN_RULES.some((r) => r.id === id))).toEqual([]);
  });

  it('every rule has a differential case', () => {
    expect(PODMAN_RULES.map((r) => r.id).filter((id) => !CASES.some((c) => c.rule === id))).toEqual([]);
  });

  it("agree with each rule's version range as it is now (a changed range needs a new run)", () => {
    for (const rule of PODMAN_RULES) {
      for (const c of COLUMNS) {
        const v = obs.rules[rule.id][c];
        if (v.verdict === 'not observable') continue;
        const version = parsePodmanVersion(obs.versions[c])!;
        expect(v.verdict, `${rule.id} on ${obs.versions[c]}`).toBe(inRange(version, rule.podman) ? 'fires' : 'silent');
      }
    }
  });

  it('record no contradiction, and a reason for what could not be observed', () => {
    for (const [id, byColumn] of Object.entries(obs.rules)) {
      for (const [c, v] of Object.entries(byColumn)) {
        expect(v.verdict, `${id} on ${c}`).not.toBe('contradicted');
        if (v.verdict === 'not observable') expect(v.reason, `${id} on ${c}`).toBeTruthy();
        else expect(v.seen, `${id} on ${c}`).toBeTruthy();
      }
    }
  });

  it('the README table is the one generated from them', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const shown = readme.slice(readme.indexOf(TABLE_BEGIN) + TABLE_BEGIN.length + 1, readme.indexOf(TABLE_END) - 1);
    expect(shown).toBe(renderRuleTable(obs));
  });
});
