// Area under the ROC curve of per-pixel scores, equal to scikit-learn's roc_auc_score for binary labels.

/**
 * ROC AUC of `scores` against binary `labels` (nonzero = positive). Tied scores are one ROC point, as in
 * scikit-learn, which makes the trapezoidal area equal to the Mann-Whitney statistic:
 * AUC = (#(pos > neg) + ½ #(pos = neg)) / (P·N). We count those pairs exactly in float64 (integers up to 2^53,
 * enough for any image) after sorting positives and negatives separately. NaN when the labels hold one class only
 * (scikit-learn raises there). Throws on NaN scores, which scikit-learn rejects too.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`rocAuc: ${n} scores but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`rocAuc: score ${i} is NaN`);
    if (labels[i]) pos[p++] = s;
    else neg[q++] = s;
  }
  pos.sort();
  neg.sort();
  // Twice the Mann-Whitney U, so that ties (worth ½) stay integers.
  let twiceU = 0;
  let below = 0; // negatives strictly below the current positive score
  for (let i = 0; i < positives;) {
    const v = pos[i];
    let j = i;
    while (j < positives && pos[j] === v) j++;
    while (below < negatives && neg[below] < v) below++;
    let equal = 0;
    while (below + equal < negatives && neg[below + equal] === v) equal++;
    twiceU += (j - i) * (2 * below + equal);
    i = j;
  }
  return twiceU / (2 * positives * negatives);
}
