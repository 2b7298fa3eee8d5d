// For `npx cdk8s synth` (tools/cdk8s-offline.js): cdk8s-cli requires, at its start and for every
// command, the code generators of `cdk8s import` and `cdk8s init` (jsii-pacmak, jsii-srcmak and
// through them the TypeScript compiler) and cdk8s itself, which synth never calls: 906 modules
// loaded for 274 used, and 0.7-0.9 s on 2 cores before synth began, most of it compiling them. Here
// each is a stand-in that loads the real module at its first use: synth runs the same code.
const Module = require('module');

/**
 * What cdk8s-cli requires but synth does not use. Each is an ES module compiled to CommonJS
 * (__esModule, checked by test/defer-modules.test.ts): TypeScript's import helpers then take the
 * stand-in as the module itself, which they would otherwise copy, property by property, at once.
 */
const DEFERRED = ['ajv', 'cdk8s', 'codemaker', 'json2jsii', 'jsii-pacmak', 'jsii-pacmak/lib/targets/version-utils', 'jsii-srcmak', 'sscaff'];

/** Makes `require(request)` from a file under `fromDir` return a stand-in for each of `requests`. */
function deferModules(requests, fromDir) {
  const load = Module._load;
  const standIns = new Map();
  Module._load = function (request, parent, isMain) {
    if (!requests.includes(request) || !parent || !parent.filename || !parent.filename.startsWith(fromDir)) return load.call(this, request, parent, isMain);
    if (!standIns.has(request)) {
      let real;
      const loaded = () => (real === undefined ? (real = load.call(this, request, parent, isMain)) : real);
      // A bound function: callable and constructible like a class it may stand for, with no
      // own `prototype` that a proxy would have to report.
      standIns.set(
        request,
        new Proxy(function () {}.bind(null), {
          get: (_, key) => (key === '__esModule' ? true : Reflect.get(loaded(), key)),
          set: (_, key, value) => Reflect.set(loaded(), key, value),
          has: (_, key) => Reflect.has(loaded(), key),
          ownKeys: () => Reflect.ownKeys(loaded()),
          getOwnPropertyDescriptor: (_, key) => {
            const d = Reflect.getOwnPropertyDescriptor(loaded(), key);
            return d && { ...d, configurable: true };
          },
          getPrototypeOf: () => Reflect.getPrototypeOf(loaded()),
          apply: (_, self, args) => Reflect.apply(loaded(), self, args),
          construct: (_, args, newTarget) => Reflect.construct(loaded(), args, newTarget === standIns.get(request) ? loaded() : newTarget),
        }),
      );
    }
    return standIns.get(request);
  };
}

module.exports = { DEFERRED, deferModules };
