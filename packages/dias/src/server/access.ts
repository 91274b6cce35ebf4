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
      if (k !== TOKEN_COOKIE) continue;
      // A malformed escape (dias_token=%) is a wrong token (401), not a server error.
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return v.join('=');
      }
    }
  }
  return undefined;
}

/** The header the page sets on every request that changes state; a page on another site cannot set it without a
 * CORS preflight, which this server never grants. */
export const REQUEST_HEADER = 'x-dias-request';

/** The only bodies a state-changing request may have: JSON (every POST) and PNG (a scribble upload). A browser
 * sends text/plain, form and multipart bodies cross-site without asking first; these two it does not. */
const STATE_CHANGE_TYPES = ['application/json', 'image/png'];

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Why a request is refused as possibly cross-site, or undefined when it may go on (docs/server-api.md, "Request
 * policy"). The rules, in the order checked:
 *   - an API request a browser marks as sent by another site (Sec-Fetch-Site: cross-site or same-site) or whose
 *     Origin is not this server's own (`http://` + Host) is refused, whatever its method;
 *   - a request other than GET/HEAD must have a JSON or PNG body (Content-Type), and either the X-Dias-Request
 *     header or this server's own Origin / Sec-Fetch-Site: same-origin.
 * GETs never change state, so a cross-site <img> or link can at most read what the browser keeps from that page.
 */
export function crossSiteProblem(method: string, path: string, headers: Headers): string | undefined {
  const site = header(headers, 'sec-fetch-site')?.toLowerCase();
  const origin = header(headers, 'origin');
  const own = `http://${header(headers, 'host') ?? ''}`.toLowerCase();
  const ownOrigin = origin !== undefined && origin.toLowerCase() === own;
  if (path.startsWith('/api/')) {
    if (site === 'cross-site' || site === 'same-site')
      return `a request from another site (Sec-Fetch-Site: ${site}); the API answers its own page and scripts only`;
    if (origin !== undefined && !ownOrigin)
      return `a request from another origin (Origin: ${origin.slice(0, 80)}); the API answers its own page and scripts only`;
  }
  if (method === 'GET' || method === 'HEAD') return undefined;
  const type = (header(headers, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (!STATE_CHANGE_TYPES.includes(type))
    return `${method} needs a JSON body (Content-Type: application/json; {} when there is nothing to say) or a PNG, got '${type.slice(0, 60) || 'no Content-Type'}'`;
  if (header(headers, REQUEST_HEADER) !== '1' && !ownOrigin && site !== 'same-origin')
    return `${method} needs the header 'X-Dias-Request: 1' (the page sets it; scripts add it), so that no other site can send it`;
  return undefined;
}
