// What the model test files share: the golden outputs of the official models, the equivalence test per model,
// and the check that an error names the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { verifyReferenceModel } from '../src/models/verify.js';
import { sharedPath } from '../../../test-support/shared-data.js';

export const REFERENCE = sharedPath('reference/models');
const haveReference = existsSync(REFERENCE);

/** One test per model: its output on the reference input equals the official one (skipped without the data). */
export function testMatchesOfficialOutput(name: string): void {
  test(`${name} matches the official output`, { skip: !haveReference && 'no shared reference' }, () => {
    const r = verifyReferenceModel(REFERENCE, name);
    assert.equal(r.problem, undefined);
    assert.ok(r.passed, `${name}: relative error ${r.relativeError}`);
  });
}

/** fn throws an Error whose message names the model and matches pattern. */
export function throwsNaming(fn: () => unknown, name: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.ok(e.message.includes(name), `'${e.message}' should name ${name}`);
    assert.match(e.message, pattern);
    return true;
  });
}
