// The last step of `npm run test:rules`: the verdicts of this run (one JSON file per podman version,
// from differential.ts) against observations.json. Fails when podman contradicted a rule, or when a
// verdict differs from the committed one (then observations.json and the README table are stale).
// --write: records this run's verdicts in observations.json and regenerates the README table.
import { readFileSync, writeFileSync } from 'node:fs';
import { PODMAN_RULES } from '../../src/validate/rules';
import { writeDocs } from '../../tools/docs';
import { columnOf, Observations, OBSERVATIONS_FILE, readObservations, Verdict, verdictsOf } from './observations';
import { VersionResults } from './results';

const args = process.argv.slice(2);
const write = args.includes('--write');
const files = args.filter((a) => a !== '--write');
let committed: Observations;
try {
  committed = readObservations();
} catch {
  committed = { versions: {}, rules: {} };
}
const fresh: Observations = { versions: { ...committed.versions }, rules: JSON.parse(JSON.stringify(committed.rules)) };
const problems: string[] = [];
const played = new Map<string, Set<string>>();

for (const file of files) {
  const run = JSON.parse(readFileSync(file, 'utf8')) as VersionResults;
  const column = columnOf(run.podman);
  if (!column) {
    problems.push(`${file}: podman ${run.podman} is none of the versions this suite tracks`);
    continue;
  }
  fresh.versions[column] = run.podman;
  for (const [rule, verdict] of Object.entries(verdictsOf(run))) {
    fresh.rules[rule] = { ...fresh.rules[rule], [column]: verdict };
    played.set(rule, (played.get(rule) ?? new Set()).add(column));
    if (verdict.verdict === 'contradicted') {
      problems.push(`${rule} on podman ${run.podman}: podman contradicts the rule (bad: ${verdict.seen}${verdict.near ? `; near miss: ${verdict.near}` : ''})`);
      continue;
    }
    const before: Verdict | undefined = committed.rules[rule]?.[column];
    if (!write && before?.verdict !== verdict.verdict) {
      problems.push(
        `${rule} on podman ${run.podman}: ${verdict.verdict} now, ${before ? before.verdict : 'nothing'} in observations.json (rerun with RULES_WRITE=1 once the change is understood)`,
      );
    }
  }
}

// Rules the validator has and the run did not play (a new rule without a case is a gap).
for (const rule of PODMAN_RULES) {
  if (!played.has(rule.id) && files.length && !process.env.RULES_ONLY)
    problems.push(`${rule.id}: no differential case played (add one to test/rules/cases.ts)`);
}

const summary = new Map<string, number>();
for (const [, byColumn] of Object.entries(fresh.rules)) for (const v of Object.values(byColumn)) summary.set(v.verdict, (summary.get(v.verdict) ?? 0) + 1);
console.log(`rules: ${[...summary].map(([k, n]) => `${n} ${k}`).join(', ')} (rule x version, podman ${Object.values(fresh.versions).join(', ')})`);

if (write && !problems.length) {
  // Only the validator's rules, in its order.
  const ordered: Observations = {
    versions: fresh.versions,
    rules: Object.fromEntries(PODMAN_RULES.filter((r) => fresh.rules[r.id]).map((r) => [r.id, fresh.rules[r.id]])),
  };
  writeFileSync(OBSERVATIONS_FILE, JSON.stringify(ordered, null, 2) + '\n');
  // The README's table is rendered from the file just written, as `npm run docs` renders it.
  writeDocs();
  console.log(`rules: wrote ${OBSERVATIONS_FILE} and the README table`);
}
for (const p of problems) console.log(`FAIL rules: ${p}`);
process.exit(problems.length ? 1 : 0);
