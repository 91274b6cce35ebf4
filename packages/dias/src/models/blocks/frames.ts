// Helpers shared by the 3d->2d models that run 2-D layers on each frame of a sequence (QS_UNet, ST_UNet), and
// the channel check they all need (checkInput checks frames and size, not channels).
import { stack, type Tensor } from '@dias-ts/torch';

/**
 * Applies a 2-D layer to every frame and stacks the results: frameDim says where the frames are in x (1 for
 * [B, T, C, H, W], 2 for [B, C, T, H, W]), outDim where they go in the result (frameDim unless given). With
 * `together`, all frames go through the layer as one batch of B*T images: the same result as the official
 * frame-by-frame loop for layers without batch statistics (or batch norm in eval mode), in one call instead of T.
 */
export function mapFrames(
  x: Tensor,
  frameDim: 1 | 2,
  layer: (frame: Tensor) => Tensor,
  together: boolean,
  outDim: 1 | 2 = frameDim,
): Tensor {
  const frames = x.size(frameDim);
  if (!together) {
    const out: Tensor[] = [];
    for (let i = 0; i < frames; i++) out.push(layer(x.select(frameDim, i)));
    return stack(out, outDim);
  }
  const btchw = frameDim === 1 ? x : x.transpose(1, 2);
  const [b, , c, h, w] = btchw.shape;
  const y = layer(btchw.reshape(b * frames, c, h, w));
  const [, c2, h2, w2] = y.shape;
  const folded = y.reshape(b, frames, c2, h2, w2);
  return outDim === 1 ? folded : folded.transpose(1, 2).contiguous();
}

/** Rejects an input whose channel count differs from what the first layer is built for, naming the model. */
export function checkInputChannels(model: string, x: Tensor, channels: number): void {
  const got = x.shape[1];
  if (got !== channels) {
    throw new Error(
      `${model} takes ${channels} input channel(s) in [batch, channels, frames, height, width], got [${x.shape.join(', ')}]`,
    );
  }
}
