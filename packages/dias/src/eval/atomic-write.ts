// One atomic writer for the whole project lives in the engine's io; this keeps the eval imports short.
export { writeFileAtomic } from '@dias-ts/torch';
