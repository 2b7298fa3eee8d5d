import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ManifestFinding } from '../src/validate/finding';
import { parseManifests } from '../src/validate/manifest-input';
import { PODMAN_RULES } from '../src/validate/rules';
import { parsePodmanVersion } from '../src/lib/podman-version';
import { PODMAN_KINDS, validateDocuments } from '../src/validate/validate';

type Obj = Record<string, any>;

/** Versions on each side of every boundary in the notes (podman-kube-play.md). */
const VERSIONS = ['4.3.1', '4.4.0', '4.4.2', '4.4.3', '4.5.0', '4.6.0', '4.7.0', '4.8.0', '4.9.0', '5.0.0', '5.1.0', '5.4.2', '5.6.0', '5.7.0', '5.8.0', '5.8.6'];

/** A pod that trips nothing on any version: every case below breaks it in one way. */
function base(): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'scripts' }, data: { 'check.sh': 'exit 0\n' } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        restartPolicy: 'Always',
        containers: [
          {
            name: 'app',
            image: 'docker.io/library/nginx:1.27',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 8080, hostPort: 8080, hostIP: '127.0.0.1' }],
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'scripts', mountPath: '/scripts', readOnly: true },
            ],
          },
          {
            name: 'cache',
            image: 'docker.io/valkey/valkey:7.2',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 6380, hostPort: 6380, hostIP: '127.0.0.1' }],
          },
        ],
        volumes: [
          { name: 'data', hostPath: { path: '/srv/data', type: 'DirectoryOrCreate' } },
          { name: 'scripts', configMap: { name: 'scripts', optional: false } },
        ],
      },
    },
  ];
}

function check(docs: Obj[], version: string): ManifestFinding[] {
  const text = docs.map((d) => dump(d)).join('---\n');
  const parsed = parseManifests(Buffer.from(text), 'case.yaml', PODMAN_KINDS);
  return validateDocuments(parsed, { target: 'podman', podman: parsePodmanVersion(version)! });
}

const pod = (docs: Obj[]) => docs[1].spec;
const app = (docs: Obj[]) => pod(docs).containers[0];
const sidecar = (extra: Obj = {}) => ({ name: 'init', image: 'docker.io/library/busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['true'], ...extra });
const ALL = ['4.3.1', '5.4.2'];

interface Case {
  readonly rule: string;
  /** What the manifest gets wrong. */
  readonly breakIt: (docs: Obj[]) => void;
  /** Where the finding must point. */
  readonly path: string;
  readonly firesOn: readonly string[];
  readonly silentOn?: readonly string[];
  /** Other rules the same manifest legitimately trips. */
  readonly also?: readonly string[];
  /** A near miss that must not fire. */
  readonly nearMiss?: (docs: Obj[]) => void;
}

const CASES: Case[] = [
  { rule: 'native-sidecar', breakIt: (d) => { pod(d).restartPolicy = 'OnFailure'; pod(d).initContainers = [sidecar({ restartPolicy: 'Always', command: ['sleep', 'infinity'] })]; }, path: 'spec.initContainers[0].restartPolicy', firesOn: ALL, nearMiss: (d) => { pod(d).restartPolicy = 'OnFailure'; pod(d).initContainers = [sidecar()]; } },
  { rule: 'init-container-probe', breakIt: (d) => { pod(d).restartPolicy = 'OnFailure'; pod(d).initContainers = [sidecar({ livenessProbe: { exec: { command: ['true'] } } })]; }, path: 'spec.initContainers[0].livenessProbe', firesOn: ALL },
  { rule: 'init-container-host-port', breakIt: (d) => { pod(d).restartPolicy = 'OnFailure'; pod(d).initContainers = [sidecar({ ports: [{ containerPort: 9000, hostPort: 9000, hostIP: '127.0.0.1' }] })]; }, path: 'spec.initContainers[0].ports[0].hostPort', firesOn: ALL },
  { rule: 'init-container-restart-loop', breakIt: (d) => { pod(d).initContainers = [sidecar()]; }, path: 'spec.restartPolicy', firesOn: ['4.3.1'], silentOn: ['4.4.0', '5.4.2'], nearMiss: (d) => { pod(d).initContainers = [sidecar()]; pod(d).restartPolicy = 'OnFailure'; } },
  { rule: 'exec-probe-split', breakIt: (d) => { app(d).livenessProbe = { exec: { command: ['/bin/sh', '-c', 'nc -z 127.0.0.1 8080'] } }; }, path: 'spec.containers[0].livenessProbe.exec.command[2]', firesOn: ['4.3.1'], silentOn: ['4.4.0', '5.4.2'], nearMiss: (d) => { app(d).livenessProbe = { exec: { command: ['/bin/sh', '/scripts/check.sh', 'app'] } }; } },
  { rule: 'exec-probe-shell-syntax', breakIt: (d) => { app(d).livenessProbe = { exec: { command: ['test', '-d', '$HOME'] } }; }, path: 'spec.containers[0].livenessProbe.exec.command[2]', firesOn: ['4.3.1'], silentOn: ['4.4.0'] },
  { rule: 'http-probe-needs-curl', breakIt: (d) => { app(d).livenessProbe = { httpGet: { path: '/', port: 8080 } }; }, path: 'spec.containers[0].livenessProbe.httpGet', firesOn: ALL },
  { rule: 'tcp-probe-needs-nc', breakIt: (d) => { app(d).startupProbe = { tcpSocket: { port: 8080, host: '127.0.0.1' } }; }, path: 'spec.containers[0].startupProbe.tcpSocket', firesOn: ALL },
  { rule: 'tcp-probe-no-host', breakIt: (d) => { app(d).livenessProbe = { tcpSocket: { port: 8080 } }; }, path: 'spec.containers[0].livenessProbe.tcpSocket', firesOn: ['4.3.1', '4.6.0'], silentOn: ['4.7.0', '5.4.2'], also: ['tcp-probe-needs-nc'] },
  { rule: 'probe-unknown-port-name', breakIt: (d) => { app(d).livenessProbe = { httpGet: { path: '/', port: 'http' } }; }, path: 'spec.containers[0].livenessProbe.httpGet.port', firesOn: ['4.6.0', '5.4.2'], silentOn: ['4.5.0'], also: ['http-probe-needs-curl'], nearMiss: (d) => { app(d).ports[0].name = 'http'; app(d).livenessProbe = { httpGet: { path: '/', port: 'http' } }; } },
  { rule: 'probe-named-port', breakIt: (d) => { app(d).ports[0].name = 'http'; app(d).livenessProbe = { httpGet: { path: '/', port: 'http' } }; }, path: 'spec.containers[0].livenessProbe.httpGet.port', firesOn: ['4.3.1', '4.5.0'], silentOn: ['4.6.0', '5.4.2'], also: ['http-probe-needs-curl'], nearMiss: (d) => { app(d).livenessProbe = { httpGet: { path: '/', port: 8080 } }; } },
  { rule: 'readiness-probe-ignored', breakIt: (d) => { app(d).readinessProbe = { exec: { command: ['true'] } }; }, path: 'spec.containers[0].readinessProbe', firesOn: ALL },
  { rule: 'grpc-probe-dropped', breakIt: (d) => { app(d).livenessProbe = { grpc: { port: 9090 } }; }, path: 'spec.containers[0].livenessProbe.grpc', firesOn: ALL },
  { rule: 'startup-probe-ignored', breakIt: (d) => { app(d).startupProbe = { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 60 }; app(d).livenessProbe = { exec: { command: ['true'] } }; }, path: 'spec.containers[0].startupProbe', firesOn: ['4.3.1'], silentOn: ['4.4.0'], nearMiss: (d) => { app(d).startupProbe = { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 60 }; app(d).livenessProbe = { exec: { command: ['true'] }, initialDelaySeconds: 60 }; } },
  { rule: 'container-port-published', breakIt: (d) => { app(d).ports.push({ containerPort: 9090 }); }, path: 'spec.containers[0].ports[1]', firesOn: ['4.3.1', '4.7.0'], silentOn: ['4.8.0', '5.4.2'] },
  { rule: 'host-port-without-host-ip', breakIt: (d) => { delete app(d).ports[0].hostIP; }, path: 'spec.containers[0].ports[0]', firesOn: ALL },
  { rule: 'duplicate-host-port', breakIt: (d) => { pod(d).containers[1].ports[0].hostPort = 8080; }, path: 'spec.containers[1].ports[0].hostPort', firesOn: ALL, nearMiss: (d) => { pod(d).containers[1].ports[0].hostPort = 8080; pod(d).containers[1].ports[0].protocol = 'UDP'; } },
  { rule: 'duplicate-container-port', breakIt: (d) => { pod(d).containers[1].ports[0].containerPort = 8080; }, path: 'spec.containers[1].ports[0].containerPort', firesOn: ALL },
  { rule: 'host-path-not-absolute', breakIt: (d) => { pod(d).volumes[0].hostPath.path = 'srv/data'; }, path: 'spec.volumes[0].hostPath.path', firesOn: ALL },
  { rule: 'host-path-type', breakIt: (d) => { pod(d).volumes[0].hostPath.type = 'Dir'; }, path: 'spec.volumes[0].hostPath.type', firesOn: ALL },
  { rule: 'host-path-type-unset', breakIt: (d) => { delete pod(d).volumes[0].hostPath.type; }, path: 'spec.volumes[0].hostPath', firesOn: ALL },
  { rule: 'container-restart-policy', breakIt: (d) => { app(d).restartPolicy = 'Always'; }, path: 'spec.containers[0].restartPolicy', firesOn: ALL },
  { rule: 'image-pull-always', breakIt: (d) => { app(d).imagePullPolicy = 'Always'; }, path: 'spec.containers[0].imagePullPolicy', firesOn: ALL },
  { rule: 'image-pull-policy-unset', breakIt: (d) => { delete app(d).imagePullPolicy; }, path: 'spec.containers[0].image', firesOn: ['4.3.1', '4.6.0'], silentOn: ['4.7.0', '5.4.2'] },
  { rule: 'short-image-name', breakIt: (d) => { app(d).image = 'nginx:1.27'; }, path: 'spec.containers[0].image', firesOn: ALL, nearMiss: (d) => { app(d).image = 'localhost/nginx:1.27'; } },
  { rule: 'latest-tag', breakIt: (d) => { app(d).image = 'docker.io/library/nginx'; }, path: 'spec.containers[0].image', firesOn: ALL, nearMiss: (d) => { app(d).image = 'localhost/my-build:latest'; } },
  { rule: 'subpath-ignored', breakIt: (d) => { app(d).volumeMounts[0].subPath = 'app'; }, path: 'spec.containers[0].volumeMounts[0].subPath', firesOn: ['4.3.1'], silentOn: ['4.4.0'] },
  { rule: 'inline-secret-env', breakIt: (d) => { app(d).env = [{ name: 'DB_PASSWORD', value: 'hunter2' }]; }, path: 'spec.containers[0].env[0].value', firesOn: ALL, nearMiss: (d) => { app(d).env = [{ name: 'PASSWORD_FILE', value: '/run/secrets/db' }, { name: 'LOG_LEVEL', value: 'debug' }]; } },
  { rule: 'secret-document-values', breakIt: (d) => { d.splice(1, 0, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { token: 'x' } }); }, path: 'stringData', firesOn: ALL },
  { rule: 'secret-ref-unsupported', breakIt: (d) => { app(d).env = [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]; }, path: 'spec.containers[0].env[0].valueFrom.secretKeyRef', firesOn: ['4.3.1'], silentOn: ['4.4.0'] },
  { rule: 'secret-ref-visible', breakIt: (d) => { app(d).envFrom = [{ secretRef: { name: 'db' } }]; }, path: 'spec.containers[0].envFrom[0].secretRef', firesOn: ['4.4.0', '5.4.2'], silentOn: ['4.3.1'] },
  { rule: 'secret-volume-optional', breakIt: (d) => { pod(d).volumes.push({ name: 'tls', secret: { secretName: 'tls' } }); }, path: 'spec.volumes[2].secret', firesOn: ['4.3.1'], silentOn: ['4.4.0'], nearMiss: (d) => { pod(d).volumes.push({ name: 'tls', secret: { secretName: 'tls', optional: false } }); delete pod(d).volumes[1].configMap.optional; } },
  { rule: 'liveness-restart-onfailure', breakIt: (d) => { pod(d).restartPolicy = 'OnFailure'; app(d).livenessProbe = { exec: { command: ['true'] } }; }, path: 'spec.restartPolicy', firesOn: ['4.3.1', '5.0.0'], silentOn: ['5.1.0', '5.4.2'] },
  { rule: 'liveness-restart-stops', breakIt: (d) => { app(d).livenessProbe = { exec: { command: ['true'] } }; }, path: 'spec.containers[0].livenessProbe', firesOn: ['4.3.1', '4.4.2'], silentOn: ['4.4.3', '4.5.0', '5.4.2'], nearMiss: (d) => { pod(d).restartPolicy = 'OnFailure'; app(d).livenessProbe = { exec: { command: ['true'] } }; } },
  { rule: 'probe-timeout-ignored', breakIt: (d) => { app(d).livenessProbe = { exec: { command: ['/bin/sh', '/scripts/check.sh'] } }; }, path: 'spec.containers[0].livenessProbe.exec.command', firesOn: ['4.3.1', '5.4.2'], silentOn: ['5.6.0', '5.8.6'], nearMiss: (d) => { app(d).livenessProbe = { exec: { command: ['timeout', '-s', 'KILL', '4', '/bin/sh', '/scripts/check.sh'] } }; } },
  { rule: 'liveness-no-restart', breakIt: (d) => { app(d).livenessProbe = { exec: { command: ['true'] } }; }, path: 'spec.containers[0].livenessProbe', firesOn: ['4.6.0', '5.0.0'], silentOn: ['4.4.0', '5.1.0'] },
  { rule: 'termination-grace-ignored', breakIt: (d) => { pod(d).terminationGracePeriodSeconds = 30; }, path: 'spec.terminationGracePeriodSeconds', firesOn: ['4.3.1', '4.6.0'], silentOn: ['4.7.0'] },
  { rule: 'host-pid-ignored', breakIt: (d) => { pod(d).hostPID = true; }, path: 'spec.hostPID', firesOn: ['4.3.1'], silentOn: ['4.4.0', '5.4.2'] },
  { rule: 'host-ipc-ignored', breakIt: (d) => { pod(d).hostIPC = true; }, path: 'spec.hostIPC', firesOn: ['4.3.1', '4.4.2'], silentOn: ['4.5.0', '5.4.2'] },
  { rule: 'cpu-request-ignored', breakIt: (d) => { app(d).resources = { requests: { cpu: '500m' } }; }, path: 'spec.containers[0].resources.requests.cpu', firesOn: ALL, nearMiss: (d) => { app(d).resources = { limits: { cpu: '500m', memory: '1Gi' }, requests: { memory: '512Mi' } }; } },
  { rule: 'security-context-ignored', breakIt: (d) => { pod(d).securityContext = { runAsNonRoot: true }; }, path: 'spec.securityContext.runAsNonRoot', firesOn: ALL, nearMiss: (d) => { app(d).securityContext = { runAsUser: 1000, readOnlyRootFilesystem: true }; } },
  { rule: 'env-from-overrides-env', breakIt: (d) => { d.unshift({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { LOG_LEVEL: 'info' } }); app(d.slice(1)).envFrom = [{ configMapRef: { name: 'settings' } }]; app(d.slice(1)).env = [{ name: 'LOG_LEVEL', value: 'debug' }]; }, path: 'spec.containers[0].env[0]', firesOn: ALL, silentOn: ['5.8.0', '5.8.6'] },
  { rule: 'pods-do-not-share-localhost', breakIt: (d) => { d.push({ ...structuredClone(d[1]), metadata: { name: 'web2' } }); d[2].spec.containers.forEach((c: Obj, i: number) => { c.ports[0].hostPort = 9100 + i; }); }, path: 'metadata.name', firesOn: ALL },
];

describe('podman rules', () => {
  it('the base pod is clean on every version (so each case below trips only what it breaks)', () => {
    for (const v of VERSIONS) expect(check(base(), v), v).toEqual([]);
  });

  it('every rule has a case', () => {
    expect(PODMAN_RULES.map((r) => r.id).filter((id) => !CASES.some((c) => c.rule === id))).toEqual([]);
  });

  for (const c of CASES) {
    describe(c.rule, () => {
      const broken = () => {
        const docs = base();
        c.breakIt(docs);
        return docs;
      };
      it(`fires on podman ${c.firesOn.join(', ')} at ${c.path}, and nothing else at error/warning level`, () => {
        for (const v of c.firesOn) {
          const findings = check(broken(), v);
          const mine = findings.filter((f) => f.rule === c.rule);
          expect(mine.length, `${c.rule} on ${v}`).toBeGreaterThan(0);
          expect(mine[0].path).toBe(c.path);
          expect(mine[0].line).toBeGreaterThan(0);
          expect(mine[0].message.length).toBeGreaterThan(20);
          const loud = findings.filter((f) => f.severity !== 'info' && f.rule !== c.rule && !(c.also ?? []).includes(f.rule));
          expect(loud.map((f) => f.rule), `unexpected rules on ${v}`).toEqual([]);
        }
      });
      if (c.silentOn) {
        it(`is silent on podman ${c.silentOn.join(', ')}`, () => {
          for (const v of c.silentOn!) expect(check(broken(), v).filter((f) => f.rule === c.rule), v).toEqual([]);
        });
      }
      if (c.nearMiss) {
        it('is silent on the near miss', () => {
          const docs = base();
          c.nearMiss!(docs);
          for (const v of VERSIONS) expect(check(docs, v).filter((f) => f.rule === c.rule), v).toEqual([]);
        });
      }
    });
  }

  it('reports the line of the offending field in the file', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web',
      'spec:',
      '  containers:',
      '    - name: app',
      '      image: docker.io/library/nginx:1.27',
      '      imagePullPolicy: Always',
      '',
    ].join('\n');
    const [doc] = parseManifests(Buffer.from(text), 'x.yaml', PODMAN_KINDS);
    const f = validateDocuments([doc], { target: 'podman', podman: 'all' }).find((x) => x.rule === 'image-pull-always')!;
    expect(f.line).toBe(9);
  });
});
