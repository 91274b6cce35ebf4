// Cone-beam projection of the 3D head onto the detector for a frontal (AP) or lateral view: a small random head
// rotation, a field of view in millimetres at the isocentre, and perspective magnification with depth, so near
// and far vessels differ a little in size and vessels at different depths cross in the image.
import type { Vec3 } from './head.js';
import type { Rng } from './rng.js';

export type View = 'AP' | 'LAT';

export interface Projection {
  view: View;
  W: number;
  H: number;
  /** Millimetres per pixel at the isocentre (the head's centre plane). */
  spacing: number;
  /** Row-major 3x3 rotation applied to head coordinates before viewing. */
  rotation: number[];
  /** Head coordinate (after rotation) shown at the image centre: [horizontal, vertical] in mm. */
  centre: [number, number];
  /** Flip the horizontal axis (the other side's radiological convention, or the face on the left). */
  mirror: boolean;
  /** Source-to-isocentre distance, mm. */
  sod: number;
}

export interface Projected {
  /** Column and row in pixels (pixel centres at integers). */
  u: number;
  v: number;
  /** Magnification relative to the isocentre. */
  mag: number;
}

function rotationMatrix(rx: number, ry: number, rz: number): number[] {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(rx), Math.sin(rx), Math.cos(ry), Math.sin(ry), Math.cos(rz), Math.sin(rz)];
  // R = Rz * Ry * Rx
  return [
    cz * cy,
    cz * sy * sx - sz * cx,
    cz * sy * cx + sz * sx,
    sz * cy,
    sz * sy * sx + cz * cx,
    sz * sy * cx - cz * sx,
    -sy,
    cy * sx,
    cy * cx,
  ];
}

/**
 * A random view. `focus` (0..1) pulls the image centre from the middle of the head towards `target` (head
 * coordinates, e.g. the circle of Willis on the injected side): zoomed-in runs are centred on the vessels.
 */
export function randomProjection(
  rng: Rng,
  view: View,
  W: number,
  H: number,
  fovMm: number,
  mirror: boolean,
  focus = 0,
  target: Vec3 = [0, 0, 0],
): Projection {
  const deg = Math.PI / 180;
  const rotation = rotationMatrix(rng.normal(0, 4) * deg, rng.normal(0, 4) * deg, rng.normal(0, 5) * deg);
  // Frontal views centre near the midline; lateral ones a little behind the siphon. Vertically, the skull base sits
  // in the lower half so the carotid enters from the bottom edge.
  const base: [number, number] =
    view === 'AP' ? [rng.normal(0, 8), -rng.uniform(0, 20)] : [rng.uniform(-12, 4), -rng.uniform(0, 20)];
  let th = view === 'AP' ? target[0] : target[1];
  if (mirror) th = -th;
  const centre: [number, number] = [base[0] + focus * (th - base[0]), base[1] + focus * (target[2] - base[1])];
  return { view, W, H, spacing: fovMm / Math.max(W, H), rotation, centre, mirror, sod: rng.uniform(650, 800) };
}

/** Projects a head point: rotate, pick the view's image axes and depth, magnify by depth. */
export function project(proj: Projection, p: Vec3): Projected {
  const R = proj.rotation;
  const x = R[0] * p[0] + R[1] * p[1] + R[2] * p[2];
  const y = R[3] * p[0] + R[4] * p[1] + R[5] * p[2];
  const z = R[6] * p[0] + R[7] * p[1] + R[8] * p[2];
  // AP: looking along y, image right = patient x; lateral: looking along x, image right = anterior (face right).
  let h = proj.view === 'AP' ? x : y;
  const depth = proj.view === 'AP' ? y : x; // towards the source for positive depth
  if (proj.mirror) h = -h;
  const mag = proj.sod / (proj.sod - depth);
  const u = (proj.W - 1) / 2 + ((h - proj.centre[0]) * mag) / proj.spacing;
  const v = (proj.H - 1) / 2 + ((-z + proj.centre[1]) * mag) / proj.spacing;
  return { u, v, mag };
}
