/**
 * What an `Authorization` header says about the caller: `ok`, `missing` (no header, or another
 * scheme) or `invalid` (a Bearer credential that is not the token). Transport-free, so git watch
 * and the public `Service` type name it without reaching the Koa middleware.
 */
export type BearerVerdict = 'ok' | 'missing' | 'invalid';
