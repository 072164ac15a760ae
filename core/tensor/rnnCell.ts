/**
 * The recurrent cells and their shapes, one table for the model (core/models/rnn.ts, its config),
 * the fused tfjs op (ops/rnn.ts), its WebAssembly kernel (kernels/fused.ts) and the batch-1
 * decoder (inference/rnnDecoder.ts). Pure: the model config (and so the renderer) imports it.
 */
export const RNN_CELLS = ['rnn', 'gru', 'lstm'] as const;

/** A vanilla (tanh) RNN, a GRU or an LSTM; PyTorch's conventions (gates i,f,g,o and r,z,n). */
export type RnnCell = (typeof RNN_CELLS)[number];

/** Gates per cell: the input-to-hidden and hidden-to-hidden matrices are [in, gates·hidden]. */
export const RNN_GATES: Readonly<Record<RnnCell, number>> = { rnn: 1, gru: 3, lstm: 4 };

/** The cell's number in the WebAssembly kernels (core/tensor/wasm/assembly). */
export const RNN_CELL_ID: Readonly<Record<RnnCell, number>> = { rnn: 0, gru: 1, lstm: 2 };
