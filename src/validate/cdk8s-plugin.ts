// The validator as a cdk8s validation plugin (cdk8s.yaml `validations:`), so `cdk8s synth` fails
// on a manifest podman would mishandle. Bundled to build/cdk8s-validation.js.
import type { Validation, ValidationContext } from 'cdk8s-cli/lib/plugins/validation';
import { targetOfManifest, TARGETS } from '../lib/targets';
import { formatVersion, parseSupportedVersion, PodmanVersion } from '../lib/podman-version';
import { ManifestFinding } from './finding';
import { DEFAULT_KUBERNETES_MINOR } from './kubernetes-rules';
import { formatSilenced, Silenced } from './silence';
import { validateFiles } from './validate';

/** Properties from cdk8s.yaml. */
export interface PodmanValidationProps {
  /** Podman version to check pod manifests for, or "all" (default: all supported versions). */
  readonly podman?: string;
  /** Kubernetes minor version (1.x) for manifests under a `kubernetes/` folder. Default DEFAULT_KUBERNETES_MINOR. */
  readonly kubernetesMinor?: number;
}

export class PodmanValidation implements Validation {
  private readonly podman: PodmanVersion | 'all';
  private readonly kubernetesMinor: number;

  constructor(props: PodmanValidationProps = {}) {
    this.podman = !props.podman || props.podman === 'all' ? 'all' : parseSupportedVersion(String(props.podman));
    this.kubernetesMinor = props.kubernetesMinor ?? DEFAULT_KUBERNETES_MINOR;
  }

  async validate(context: ValidationContext): Promise<void> {
    const findings: ManifestFinding[] = [];
    const silenced: Silenced[] = [];
    try {
      for (const manifest of context.manifests) {
        // Each manifest is checked for the target whose folder it lies in (kubernetes/ for a
        // cluster, the top of dist/ for podman); a target the validator has no checks for is skipped.
        const target = targetOfManifest(manifest);
        if (!TARGETS[target].checkedAs) continue;
        const result = validateFiles([manifest], { target, podman: this.podman, kubernetesMinor: this.kubernetesMinor });
        findings.push(...result.findings);
        silenced.push(...result.silenced);
      }
    } catch (e) {
      context.logger.log(`opencode-memory-pod validation: ${(e as Error).message.split('\n')[0]}`);
      context.report.submit('failure', { error: (e as Error).message.split('\n')[0] });
      return;
    }
    // A rule silenced by an annotation in a manifest: said, as validate says it.
    for (const s of silenced) context.logger.log(`opencode-memory-pod validation: ${formatSilenced(s)}`);
    const shown = findings.filter((f) => f.severity !== 'info');
    for (const f of shown) {
      context.report.addViolation({
        ruleName: `${f.severity}: ${f.rule} (${f.versions})`,
        recommendation: f.message,
        fix: f.fix ?? '',
        violatingResources: [{ resourceName: f.resource, locations: [`${f.path}${f.line ? ` (line ${f.line})` : ''}`], manifestPath: f.file }],
      });
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    context.report.submit(errors ? 'failure' : 'success', {
      podman: this.podman === 'all' ? 'all supported (4.3.0-5.x)' : formatVersion(this.podman),
      errors: String(errors),
      warnings: String(findings.filter((f) => f.severity === 'warning').length),
    });
  }
}
