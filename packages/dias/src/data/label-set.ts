// The dense label sets a model is trained on and predicts. 'artery' is the DIAS benchmark's (labels/, 0/255: one
// vessel class against the background, a 2-class network). 'av' goes beyond the paper, which names veins as future
// work: labels_av/ as `dias synth --classes av` writes it, the class numbers themselves, 0 background, 1 artery,
// 2 vein (docs/synthetic-data.md), learnt by a 3-class network whose output channel c is class c. The same numbers
// are the class-map encoding every output of an 'av' model uses (`dias segment`'s {stem}_classes.png, the server).

export type LabelSet = 'artery' | 'av';
export const LABEL_SETS: readonly LabelSet[] = ['artery', 'av'];

/** The classes of the 'av' set in the order of their values (and of a 3-class network's output channels). */
export const AV_CLASS_NAMES = ['background', 'artery', 'vein'] as const;
export type AvClassName = (typeof AV_CLASS_NAMES)[number];
/** The vessel classes of the 'av' set, each with its value: what per-class reports list. */
export const AV_VESSEL_CLASSES: readonly { name: Exclude<AvClassName, 'background'>; value: number }[] = [
  { name: 'artery', value: 1 },
  { name: 'vein', value: 2 },
];

/** Output channels of a network trained on the label set. */
export function labelSetClasses(set: LabelSet): number {
  return set === 'av' ? AV_CLASS_NAMES.length : 2;
}
