/**
 * What an `Authorization` header (or a `?ticket=`) says about the caller: `ok`, `missing` (no
 * header, or another scheme), `invalid` (a Bearer credential that is not the token) or
 * `invalid_ticket` (an unknown, used or expired ticket). Transport-free, so git watch and the
 * public `Service` type name it without reaching the Koa middleware.
 */
export type BearerVerdict = 'ok' | 'missing' | 'invalid' | 'invalid_ticket';
