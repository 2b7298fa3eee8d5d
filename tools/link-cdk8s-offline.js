// Run by `npm install`/`npm ci` (package.json "prepare"): points node_modules/.bin/cdk8s at
// tools/cdk8s-offline.js instead of cdk8s-cli's own entry, so `npx cdk8s synth` runs without the
// network and without upgrade-check noise.
const fs = require('fs');
const path = require('path');

const bin = path.join(__dirname, '..', 'node_modules', '.bin', 'cdk8s');
if (!fs.existsSync(path.dirname(bin))) process.exit(0); // installed without dev dependencies
fs.rmSync(bin, { force: true });
fs.symlinkSync(path.join('..', '..', 'tools', 'cdk8s-offline.js'), bin);
fs.chmodSync(path.join(__dirname, 'cdk8s-offline.js'), 0o755);
