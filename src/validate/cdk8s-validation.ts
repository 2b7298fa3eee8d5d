// build/cdk8s-validation.js, the package cdk8s.yaml's `validations:` names: the plugin's class,
// from its own chunk (build/chunks/cdk8s-plugin.js), compiled from the code cache like a command's.
import { loadChunk } from '../lib/chunk-loader';

export const { PodmanValidation } = loadChunk('cdk8s-plugin') as typeof import('./cdk8s-plugin');
