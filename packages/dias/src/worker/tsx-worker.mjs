// Starts a TypeScript worker script under tsx. Used only when the library itself runs from its .ts sources
// (tests, `--conditions=dias-source`): node's --import does not reach worker threads, so the worker registers
// tsx itself before importing the script. Compiled builds start the .js worker directly and never load this.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.script);
