// Orders file names the way people count: 'image_s2_i10.png' after 'image_s2_i9.png', not after 'i1'.
// Digit runs compare as numbers, everything else as text; ties fall back to plain comparison so the order is total.

const CHUNKS = /(\d+)|(\D+)/g;

function chunks(name: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of name.matchAll(CHUNKS)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}

export function compareNatural(a: string, b: string): number {
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    // A number sorts before text at the same position, as in file managers.
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
