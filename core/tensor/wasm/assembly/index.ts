// @ts-nocheck — AssemblyScript source (compiled by core/tensor/wasm/build.mjs), not TypeScript.
export { gemm, gemmBatched, gemmBlock, gemmWorkBytes, packA, packB } from './gemm';

/** The hash of the sources this module was built from (see build.mjs). */
export function sourceHash(): i32 {
  return ARS_SOURCE_HASH;
}
export { mapUnary } from './math';
export { layerNormForward, layerNormBackward } from './norm';
export { biasGeluForward, biasGeluBackward, columnSums, columnSumsRange, rowSums } from './act';
export { softmaxCrossEntropyForward, softmaxCrossEntropyBackward } from './loss';
export { sumSquares, adamUpdate, adamUpdateMany } from './adam';
export { attentionForward, attentionBackward } from './attention';
export { gemmPacked, gemmPackedBias, packBFull, packedBFullBytes } from './gemm';
export { barrier } from './sync';
export { packRecurrentWeights, packedRecurrentBytes, rnnForward, rnnBackward, shiftStates } from './rnn';
export { matvec, matvecRows, attendCached, attendCachedGemm, attendCachedHeads, addInPlace, cellStep } from './infer';
export { convFilterGradRows, convRows, im2col, reluGrad } from './conv';
