// Who may talk to `dias serve`. By default it listens on a loopback address only; any other address needs a
// token, which every request then carries (Authorization: Bearer, X-Dias-Token, or the dias_token cookie the page
// gets from the printed URL) and which is compared in constant time. Without a token, requests must name a
// loopback host: a page elsewhere that rebinds its own DNS name to 127.0.0.1 cannot reach the server (the check
// Jupyter and the webpack dev server make for the same reason).
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export const TOKEN_COOKIE = 'dias_token';

/** True for 127.0.0.0/8, ::1 and localhost (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** The host part of a Host header (without the port). */
export function hostOfHeader(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.replace(/:\d+$/, '');
}

/** The refusal to start on a non-loopback address without a token, or undefined when the bind is fine. */
export function bindProblem(host: string, token: string | undefined): string | undefined {
  if (isLoopbackHost(host) || token) return undefined;
  return `--host ${host} is not a loopback address: anyone who can reach it could read the dataset and write scribbles; give --token T (a long random string) or bind 127.0.0.1`;
}

/** Equal strings, in time that does not depend on where they differ (both are hashed to 32 bytes first). */
export function tokenMatches(given: string, token: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries, from the Authorization or X-Dias-Token header or the cookie. */
export function requestToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = headers['x-dias-token'];
  if (typeof header === 'string') return header;
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
    }
  }
  return undefined;
}
