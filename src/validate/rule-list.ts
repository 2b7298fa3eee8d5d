// Every rule of the validator in one list, for `validate --rules` and the README (npm run docs):
// the schema checks, the podman rules of rules/ and the Kubernetes rules.
import { describeRange } from '../lib/podman-version';
import { Severity } from '../lib/finding';
import { describeKubernetesRange, KUBERNETES_RULES } from './kubernetes-rules';
import { SCHEMA_VERSIONS } from './kubernetes-schema';
import { PODMAN_RULES } from './rules';

export interface RuleSummary {
  readonly id: string;
  readonly severity: Severity;
  /** The versions it applies to, in words. */
  readonly versions: string;
  readonly title: string;
  readonly doc: string;
  readonly fix: string;
}

/** Every rule: the schema checks (as one), the podman rules, the Kubernetes rules. */
export function allRules(): RuleSummary[] {
  const schema: RuleSummary = {
    id: 'schema/*',
    severity: 'error',
    versions: `Kubernetes ${SCHEMA_VERSIONS.join(' or ')} schema`,
    title: 'unknown fields, wrong types, missing required fields',
    doc: 'podman parses leniently and drops what it does not know: a typo is a setting that silently does nothing.',
    fix: 'what the finding says (the field that was meant, the type expected)',
  };
  return [
    schema,
    ...PODMAN_RULES.map((r) => ({ ...pick(r), versions: describeRange(r.podman) })),
    ...KUBERNETES_RULES.map((r) => ({ ...pick(r), versions: describeKubernetesRange(r) })),
  ];
}

function pick(r: Omit<RuleSummary, 'versions'>): Omit<RuleSummary, 'versions'> {
  return { id: r.id, severity: r.severity, title: r.title, doc: r.doc, fix: r.fix };
}

/** The ids --ignore and the ignore annotation accept: every rule but the schema checks. */
export function ruleIds(): string[] {
  return [...PODMAN_RULES, ...KUBERNETES_RULES].map((r) => r.id);
}

/** `validate --rules`: one line per rule with its id, severity, versions and title. */
export function formatRuleList(): string {
  return allRules()
    .map((r) => `${r.id.padEnd(30)} ${r.severity.padEnd(8)} ${r.versions.padEnd(30)} ${r.title}`)
    .join('\n');
}

/** The README's rule list: a Markdown table with what each rule is about and its fix. */
export function ruleListMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    '| rule | severity | applies to | what it is about | fix |',
    '|---|---|---|---|---|',
    ...allRules().map((r) => `| \`${r.id}\` | ${r.severity} | ${r.versions} | ${cell(`**${r.title}**: ${r.doc}`)} | ${cell(r.fix)} |`),
  ].join('\n');
}
