// How an error message shows a value someone gave (a setting, a model option, an augmentation field): strings in
// quotes, numbers as JavaScript writes them, lists and mappings in JSON's shape. JSON.stringify alone writes NaN
// and Infinity as null, so `lr: .nan` was reported as "got null"; here they stay NaN and Infinity. Control
// characters become '?' and the text is cut at `limit` characters (a binary file read as YAML is one string).

// eslint-disable-next-line no-control-regex -- control characters are what this matches
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\ufffd]/g;

/** Nesting shown before '...' (YAML aliases can make a value that contains itself). */
const MAX_DEPTH = 6;

function render(v: unknown, depth: number): string {
  if (typeof v === 'string') return depth === 0 ? `'${v}'` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return String(v);
  if (depth >= MAX_DEPTH) return '...';
  if (Array.isArray(v)) return `[${v.map((x) => render(x, depth + 1)).join(',')}]`;
  if (typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${render(x, depth + 1)}`)
      .join(',')}}`;
  return typeof v;
}

/** `v` as one line of at most `limit` characters for an error message. */
export function showValue(v: unknown, limit = 80): string {
  const text = render(v, 0).replace(UNPRINTABLE, '?');
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
}
