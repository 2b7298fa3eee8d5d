#!/usr/bin/env node
// `npx cdk8s ...` for this project. cdk8s-cli asks the npm registry for a newer version of itself
// on every run and prints a stack trace when that fails (offline, or behind a proxy); the only
// switch is CDK8S_CHECK_UPGRADE=false, which users should not have to remember. This wrapper sets
// it and runs the real cdk8s-cli. `npm install` links it as node_modules/.bin/cdk8s (see
// tools/link-cdk8s-offline.js).
process.env.CDK8S_CHECK_UPGRADE = process.env.CDK8S_CHECK_UPGRADE || 'false';
// The package exports no entry for its CLI: resolve the bin script next to its package.json.
const cli = require('path').join(require.resolve('cdk8s-cli/package.json'), '..');
// synth leaves the code generators cdk8s-cli requires for import and init unloaded (tools/defer-modules.js).
if (process.argv[2] === 'synth') {
  const { DEFERRED, deferModules } = require('./defer-modules');
  deferModules(DEFERRED, require('path').join(cli, 'lib'));
}
require(require('path').join(cli, 'bin', 'cdk8s'));
