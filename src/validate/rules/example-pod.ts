// The manifest every rule's examples start from: a ConfigMap and a Pod that trip no rule on any
// podman version (test/rule-examples.test.ts checks it). Each example changes it in one way.

// Examples reach into the documents freely, as a test would (test/** allows `any` for the same reason).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** The documents of one example manifest, in file order. */
export type ExampleDocs = Obj[];

/** A new copy of the clean manifest. */
export function cleanManifest(): ExampleDocs {
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
            image: 'docker.io/library/nginx:1.27.5',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 8080, hostPort: 8080, hostIP: '127.0.0.1' }],
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'scripts', mountPath: '/scripts', readOnly: true },
            ],
          },
          {
            name: 'cache',
            image: 'docker.io/valkey/valkey:7.2.14',
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

/** The Pod's spec. */
export const pod = (docs: ExampleDocs): Obj => docs.find((d) => d.kind === 'Pod')!.spec;
/** The first container, "app" (nginx, port 8080, the data and scripts volumes). */
export const app = (docs: ExampleDocs): Obj => pod(docs).containers[0];
/** The second container, "cache" (valkey, port 6380). */
export const cache = (docs: ExampleDocs): Obj => pod(docs).containers[1];
/** An init container that runs `true` (more in `extra`). */
export const initContainer = (extra: Obj = {}): Obj => ({
  name: 'init',
  image: 'docker.io/library/busybox:1.36.1',
  imagePullPolicy: 'IfNotPresent',
  command: ['true'],
  ...extra,
});
/** A probe that runs `true`. */
export const execProbe = (extra: Obj = {}): Obj => ({ exec: { command: ['true'] }, ...extra });
