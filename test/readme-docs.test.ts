import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRules } from '../src/validate/rule-list';
import { PODMAN_RULES } from '../src/validate/rules';
import { listRules } from '../src/cli/validate';
import { README, SECTIONS, shownIn } from '../tools/docs';

describe('README parts generated from the rule registry (npm run docs)', () => {
  const readme = readFileSync(README, 'utf8');
  for (const section of SECTIONS) {
    it(`${section.begin.slice(5, 40)}...: up to date (else: npm run docs)`, () => {
      expect(shownIn(readme, section), 'README.md is stale: run npm run docs').toBe(section.render());
    });
  }

  it('validate --rules and the README list every registered rule, once', () => {
    const lines = listRules().split('\n');
    expect(lines).toHaveLength(allRules().length);
    for (const rule of PODMAN_RULES) {
      expect(
        lines.filter((l) => l.startsWith(`${rule.id} `)),
        rule.id,
      ).toHaveLength(1);
      expect(
        shownIn(readme, SECTIONS[0])
          .split('\n')
          .filter((l) => l.startsWith(`| \`${rule.id}\` |`)),
        rule.id,
      ).toHaveLength(1);
    }
  });
});
