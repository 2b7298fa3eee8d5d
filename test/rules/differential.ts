// One podman version's half of `npm run test:rules`: plays every differential case (cases.ts) on the
// podman of a booted test machine, asks the validator about the same manifest for that version,
// and writes what each side said to the JSON file named on the command line.
// Started by test/e2e/lib/machine.sh (mode "rules") with RULES_LEADER and RULES_ROOT.
// RULES_ONLY=rule1,rule2 plays only those rules' cases.
import { existsSync, writeFileSync } from 'node:fs';
import { dump } from 'js-yaml';
import { parseManifests } from '../../src/validate/manifest-input';
import { PODMAN_KINDS, validateDocuments } from '../../src/validate/validate';
import { parsePodmanVersion } from '../../src/lib/podman-version';
import { CASES, DifferentialCase, IMAGE, REGISTRY_IMAGE, REGISTRY_LATEST, STORE_IMAGE, UPPER_TAG_IMAGE, Variant } from './cases';
import { MachinePodman } from './machine-podman';
import { PlayContext, sleepMs } from './play-context';
import { CaseResult, VersionResults } from './results';

const [outFile] = process.argv.slice(2);
const leader = process.env.RULES_LEADER;
const root = process.env.RULES_ROOT;
if (!outFile || !leader || !root) {
  console.error('usage: RULES_LEADER=PID RULES_ROOT=DIR differential.ts OUT.json (started by test/e2e/lib/machine.sh rules)');
  process.exit(2);
}
const m = new MachinePodman(leader, root);
const only = (process.env.RULES_ONLY ?? '').split(',').filter(Boolean);

const versionText = m.podman(['version', '--format', '{{.Client.Version}}']).stdout.trim();
const version = parsePodmanVersion(versionText);
if (!version) {
  console.error(`rules: podman in the machine did not say its version (${JSON.stringify(versionText)})`);
  process.exit(1);
}
const label = `rules ${versionText}`;
const log = (line: string) => console.log(`[${label}] ${line}`);

// The other names of the case image: tagged here, never pulled (the machine has no network).
for (const tag of [REGISTRY_IMAGE, REGISTRY_LATEST, UPPER_TAG_IMAGE, STORE_IMAGE]) {
  const r = m.podman(['tag', IMAGE, tag]);
  if (r.code !== 0) {
    console.error(`rules: podman tag ${IMAGE} ${tag}: ${r.stderr.trim()}`);
    process.exit(1);
  }
}

/** Which of the case's rule and the rules naming the same symptom the validator fires on these documents for this podman version (own rule first). */
function firedRules(c: DifferentialCase, text: string): string[] {
  const rules = [c.rule, ...(c.alsoRules ?? [])];
  const docs = parseManifests(Buffer.from(text), 'case.yaml', PODMAN_KINDS);
  const fired = new Set(validateDocuments(docs, { target: 'podman', podman: version! }).map((f) => f.rule));
  return rules.filter((r) => fired.has(r));
}

function unobservableReason(c: DifferentialCase): string | undefined {
  if (typeof c.unobservable === 'string') return c.unobservable;
  return c.unobservable?.[versionText];
}

/** A variant's documents and the YAML played. JSON first: js-yaml refuses undefined, which the cases use to leave a field out. */
function manifestOf(variant: Variant, pod: string, dir: string): { docs: Array<Record<string, unknown>>; text: string } {
  const docs = JSON.parse(JSON.stringify(variant.docs(pod, dir))) as Array<Record<string, unknown>>;
  return { docs, text: docs.map((d) => dump(d, { lineWidth: -1 })).join('---\n') };
}

let serial = 0;
function playVariant(c: DifferentialCase, kind: 'bad' | 'near', variant: Variant): CaseResult {
  const pod = `omp-r${++serial}-${kind}`;
  const dir = `/var/tmp/omp-rules/${pod}`;
  m.mkdir(dir);
  const { docs, text } = manifestOf(variant, pod, dir);
  m.writeFile(`${dir}/pod.yaml`, text);
  variant.prepare?.({ m, dir });
  const fired = firedRules(c, text);
  const fires = fired.length > 0;
  const refused = (r: { code: number; timedOut: boolean }) => r.code !== 0 && !r.timedOut;
  const play = m.podman([...(variant.debugLog ? ['--log-level=debug'] : []), 'kube', 'play', `${dir}/pod.yaml`], {
    timeoutSeconds: variant.playTimeoutSeconds ?? 90,
  });
  // Debug output is for the registry cases; keep only podman's own error lines for the rest.
  const trimmed = {
    ...play,
    stderr: play.stderr
      .split('\n')
      .filter((l) => !/level=(debug|trace)/.test(l) || /pull|registry|newer|pinging|Trying/i.test(l))
      .join('\n'),
  };
  const ctx = new PlayContext(m, pod, dir, trimmed);
  let observation;
  try {
    observation = variant.observe(ctx);
    // A refusal for another reason than the one the case is about proves nothing.
    if (refused(play) && variant.refusal && !variant.refusal.test(play.stderr + play.stdout)) {
      observation = { misbehaves: undefined, detail: `refused, but not with ${variant.refusal}: ${ctx.playError()}` };
    }
  } catch (e) {
    observation = { misbehaves: undefined, detail: `observing failed: ${(e as Error).message}` };
  }
  cleanUp(docs, play.code !== 0 || play.timedOut);
  const agrees = observation.misbehaves !== undefined && observation.misbehaves === fires;
  return {
    rule: c.rule,
    variant: kind,
    podman: versionText,
    validatorFires: fires,
    ...(fires && fired[0] !== c.rule ? { firedRule: fired[0] } : {}),
    misbehaves: observation.misbehaves,
    detail: observation.detail,
    agrees,
  };
}

/** Removes every pod the manifest made (by name) and the secrets it created; bounded. */
function cleanUp(docs: Array<Record<string, unknown>>, refused: boolean): void {
  for (const d of docs) {
    const name = (d.metadata as { name?: string } | undefined)?.name;
    if (!name) continue;
    if (d.kind === 'Pod') m.podman(['pod', 'rm', '-f', '-t', '0', name], { timeoutSeconds: 60 });
    if (d.kind === 'Secret') m.podman(['secret', 'rm', name], { timeoutSeconds: 20 });
  }
  if (!refused) return;
  // A pod that kube play left half made (a refused play) has no name to find it by: its containers do.
  const left = m.podman(['pod', 'ps', '-q', '--filter', 'name=omp-r'], { timeoutSeconds: 20 }).stdout.trim();
  if (left) m.podman(['pod', 'rm', '-f', '-t', '0', ...left.split('\n')], { timeoutSeconds: 60 });
  const ctrs = m.podman(['ps', '-aq', '--filter', 'name=omp-r'], { timeoutSeconds: 20 }).stdout.trim();
  if (ctrs) m.podman(['rm', '-f', '-t', '0', ...ctrs.split('\n')], { timeoutSeconds: 60 });
}

// RULES_HOLD=FILE (debugging a case): write "LEADER ROOT" to FILE-<podman version> and keep the
// machine up until that file is removed, for two hours at most.
if (process.env.RULES_HOLD) {
  const hold = `${process.env.RULES_HOLD}-${versionText}`;
  writeFileSync(hold, `${leader} ${root}\n`);
  log(`holding the machine until ${hold} is removed (2 h at most)`);
  const end = Date.now() + 2 * 3600_000;
  while (existsSync(hold) && Date.now() < end) sleepMs(1000);
}

const results: CaseResult[] = [];
const t0 = Date.now();
for (const c of CASES) {
  if (only.length && !only.includes(c.rule)) continue;
  const reason = unobservableReason(c);
  if (reason) {
    results.push({
      rule: c.rule,
      variant: 'bad',
      podman: versionText,
      validatorFires: firedRules(c, manifestOf(c.bad, 'x', '/x').text).length > 0,
      misbehaves: undefined,
      detail: `not observable here: ${reason}`,
      agrees: true,
      unobservable: reason,
    });
    log(`skip ${c.rule}: not observable here (${reason})`);
    continue;
  }
  for (const [kind, variant] of [
    ['bad', c.bad],
    ['near', c.near],
  ] as const) {
    if (!variant) continue;
    let r: CaseResult;
    try {
      r = playVariant(c, kind, variant);
    } catch (e) {
      // One broken case costs its own result, not the version's.
      r = {
        rule: c.rule,
        variant: kind,
        podman: versionText,
        validatorFires: false,
        misbehaves: undefined,
        detail: `the case failed: ${(e as Error).message}`,
        agrees: false,
      };
    }
    results.push(r);
    const verdict = r.agrees ? 'ok  ' : 'FAIL';
    log(
      `${verdict} ${c.rule} (${kind}): validator ${r.validatorFires ? 'fires' : 'silent'}, podman ${r.misbehaves === undefined ? 'unclear' : r.misbehaves ? 'misbehaves' : 'behaves'}: ${r.detail}`,
    );
  }
}
const out: VersionResults = { podman: versionText, seconds: Math.round((Date.now() - t0) / 1000), results };
writeFileSync(outFile, JSON.stringify(out, null, 2) + '\n');
const failed = results.filter((r) => !r.agrees).length;
log(`${results.length - failed} agree, ${failed} disagree (${out.seconds} s)`);
process.exit(failed ? 1 : 0);
