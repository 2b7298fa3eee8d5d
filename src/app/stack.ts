import { Construct } from 'constructs';
import { Config } from '../config/schema';
import { BUILT_IN_SERVICES, SERVICE_NAME, SERVICE_NAME_TEXT } from '../config/declared-schema';
import { addConfigValidation, ConfigError, ConfigProblem, configProblems } from '../lib/config-error';
import { AfterField, dependencyProblems } from '../model/dependency-problems';
import { nameClashProblems } from '../model/name-clashes';
import { exposureProblems } from '../model/exposure';
import { buildPodModel, PodModel, podHostPaths, podProblems } from '../model/pod-model';
import type { ExternalService } from '../render/kubernetes';
import { PublishSpec, Service, ServiceSpec } from '../model/service';
import { DeclaredService } from '../services/declared-service';
import { DatadogAgent } from '../services/datadog-agent';
import { FalkorDb } from '../services/falkordb';
import { GraphitiMcp } from '../services/graphiti-mcp';
import { resolveOpenCodeImage } from '../image/opencode-image';
import { OpenCode } from '../services/opencode';
import { Valkey } from '../services/valkey';

/**
 * The OpenCode memory stack: one construct per service, wired from the configuration. This is
 * the only place that knows which services exist; each service declares its own dependencies,
 * and renderers only see the resulting PodModel.
 */
export class MemoryStack extends Construct {
  constructor(
    scope: Construct,
    id: string,
    readonly config: Config,
  ) {
    super(scope, id);
    const s = config.services;
    const startTimeoutSeconds = config.startTimeoutSeconds;
    // Each service's host address: its own bindAddress, else the pod-wide one.
    const publish = (name: (typeof BUILT_IN_SERVICES)[number], own: { bindAddress?: string; exposeUnauthenticated?: boolean }): PublishSpec => ({
      address: own.bindAddress ?? config.bindAddress,
      addressField: own.bindAddress !== undefined ? `services.${name}.bindAddress` : 'bindAddress',
      exposeUnauthenticated: own.exposeUnauthenticated ?? false,
      exposeField: `services.${name}.exposeUnauthenticated`,
    });

    new Valkey(this, 'valkey', { ...s.valkey, publish: publish('valkey', s.valkey), startTimeoutSeconds });
    const falkordb = new FalkorDb(this, 'falkordb', { ...s.falkordb, publish: publish('falkordb', s.falkordb), startTimeoutSeconds });
    const datadog = s.datadog.enabled
      ? new DatadogAgent(this, 'datadog', {
          ...s.datadog,
          publish: publish('datadog', s.datadog),
          otlpReceiver: s.datadog.llmObservability,
          startTimeoutSeconds,
        })
      : undefined;
    // The image and its init follow from version/image/init (see resolveOpenCodeImage).
    new OpenCode(this, 'opencode', {
      ...s.opencode,
      ...resolveOpenCodeImage(s.opencode),
      publish: publish('opencode', s.opencode),
      otlpEndpoint: datadog?.otlpEndpoint,
      startTimeoutSeconds,
    });
    if (s.graphiti.enabled) {
      new GraphitiMcp(this, 'graphiti', {
        ...s.graphiti,
        publish: publish('graphiti', s.graphiti),
        falkordbUri: `redis://127.0.0.1:${falkordb.port}`,
        startTimeoutSeconds,
      });
    }
    // Services declared in the configuration, after the built-ins (the start order keeps this order among equals).
    const badNames: ConfigProblem[] = [];
    for (const [name, props] of Object.entries(s.declared)) {
      if (!SERVICE_NAME.test(name)) {
        badNames.push({ field: `services.${name}`, value: name, allowed: `a service name must be ${SERVICE_NAME_TEXT}` });
        continue;
      }
      new DeclaredService(this, name, { ...props, podStartTimeoutSeconds: startTimeoutSeconds, bindAddress: config.bindAddress });
    }
    // What only the whole pod shows (shared ports, secret key patterns, names, the order), with every other check.
    addConfigValidation(this, () => {
      const specs = this.specs();
      return [
        ...badNames,
        ...podProblems(specs, podHostPaths(config)),
        ...exposureProblems(specs, config.bindAddress),
        ...nameClashProblems(specs, config.podName),
        ...dependencyProblems(specs, this.afterFields(), this.absentServices()),
      ];
    });
  }

  /** Each service's spec, a built-in's with the services its `after` adds to its own dependencies. */
  specs(): ServiceSpec[] {
    return this.services.map((svc) => {
      const after = this.builtIn(svc.name)?.after ?? [];
      return after.length ? { ...svc.spec, dependsOn: [...svc.spec.dependsOn, ...after.map((service) => ({ service }))] } : svc.spec;
    });
  }

  private builtIn(name: string): { after: readonly string[] } | undefined {
    return (BUILT_IN_SERVICES as readonly string[]).includes(name) ? this.config.services[name as (typeof BUILT_IN_SERVICES)[number]] : undefined;
  }

  /** Every `after` of the configuration, built-in and declared, by service. */
  private afterFields(): AfterField[] {
    const s = this.config.services;
    const declared = Object.entries(s.declared).map(([service, d]) => ({ service, after: d.after }));
    return [...BUILT_IN_SERVICES.map((service) => ({ service, after: s[service].after })), ...declared];
  }

  /** Built-ins turned off: named when an `after` asks for one. */
  private absentServices(): Record<string, string> {
    const s = this.config.services;
    return {
      ...(s.datadog.enabled ? {} : { datadog: 'services.datadog.enabled is false' }),
      ...(s.graphiti.enabled ? {} : { graphiti: 'services.graphiti.enabled is false' }),
    };
  }

  /** The service constructs, in declaration order. */
  get services(): Service[] {
    return this.node.children.filter((c): c is Service => c instanceof Service);
  }

  /**
   * Services that run outside the pod on Kubernetes: with `kubernetes.datadog: node-agent` the
   * cluster's Datadog Agent DaemonSet replaces the in-pod agent, reached at the node's IP.
   */
  kubernetesExternalServices(): ExternalService[] {
    const { config } = this;
    if (!config.services.datadog.enabled || config.kubernetes.datadog !== 'node-agent') return [];
    return [{ service: 'datadog', hostEnv: 'DD_AGENT_HOST', note: "the cluster's Datadog Agent (DaemonSet with hostPort 8126 and the OTLP receiver on 4318)" }];
  }

  /**
   * Every problem the constructs' checks find in the configuration (node.addValidation), all at
   * once; the services' own first.
   */
  configProblems() {
    return configProblems(this);
  }

  /** The renderers' view: settings plus services in start order. Throws ConfigError listing every problem configProblems finds. */
  model(): PodModel {
    const problems = this.configProblems();
    if (problems.length) throw new ConfigError(problems);
    const { podName, bindAddress, envFile, installPath, memoryLimits, ordering } = this.config;
    return buildPodModel({ podName, bindAddress, envFile, installPath, memoryLimits, ordering }, this.specs());
  }
}
