// What `npm run test:rules` records: per podman version, per case variant, what the validator said
// and what podman did. observations.json (committed) keeps one verdict per rule and version.

export interface CaseResult {
  readonly rule: string;
  /** 'bad' breaks the rule; 'near' is the near miss that must not. */
  readonly variant: 'bad' | 'near';
  readonly podman: string;
  /** The validator fires the case's rule, or one of its alsoRules (same symptom, other versions). */
  readonly validatorFires: boolean;
  /** Which rule fired, when it was not the case's own. */
  readonly firedRule?: string;
  /** What podman did: true when it does what the rule warns about; undefined when unclear. */
  readonly misbehaves: boolean | undefined;
  readonly detail: string;
  readonly agrees: boolean;
  readonly unobservable?: string;
}

export interface VersionResults {
  readonly podman: string;
  readonly seconds: number;
  readonly results: readonly CaseResult[];
}
