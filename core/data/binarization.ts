/**
 * How grey images become bits for training:
 * - threshold: once, at one half (what every set holds as `images`);
 * - stochastic: each pixel is ink with probability equal to its grey value, drawn afresh every
 *   time an image is used (as the PixelCNN literature trains on MNIST). A set without grey values
 *   has only its bits, and a bit is its own stochastic binarization.
 * Pure (no Node, no tfjs): the renderer reaches it through core/protocol.
 */
export const IMAGE_BINARIZATIONS = ['threshold', 'stochastic'] as const;
export type ImageBinarization = (typeof IMAGE_BINARIZATIONS)[number];
