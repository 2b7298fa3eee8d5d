// cdk8s app entry (cdk8s.yaml `app: node build/main.js`, also `npm run synth`).
// Reads ./opencode-memory-pod.yaml (or the file named by OMP_CONFIG) and writes dist/.
import { chunk } from './src/cli/chunks';

process.exitCode = chunk('synth').runSynth({
  configPath: process.env.OMP_CONFIG || undefined,
  outDir: process.env.OMP_OUT_DIR || 'dist',
  targets: process.env.OMP_TARGETS || undefined,
  cdk8sOutDir: process.env.CDK8S_OUTDIR,
});
