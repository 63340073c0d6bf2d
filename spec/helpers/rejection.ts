import { expect } from 'chai';

/** Awaits `promise`, expecting it to reject with an instance of `type`; returns that error. */
export async function rejectionOf<T extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(type);
    return error as T;
  }
  throw new Error('expected the call to fail');
}
