#!/usr/bin/env node
// build/cli.js, the opencode-memory-pod command: loads the program (commander and every command's
// options, the `program` chunk: index.ts), which loads the code of the command that runs.
import { version } from '../../package.json';
import { loadChunk } from '../lib/chunk-loader';

const args = process.argv.slice(2);
// `--version` alone is answered here, as the program answers it (index.ts: .version()), without
// loading commander: the one command that should cost no more than node itself.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) process.stdout.write(`${version}\n`);
else loadChunk('program');
