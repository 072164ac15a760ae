/**
 * The text models' default shapes (core/models/defaults.ts), re-exported for the renderer, which
 * reaches core only through core/protocol.
 */
export { RNN_DEFAULTS, TEXT_MODEL_DEFAULTS, TRANSFORMER_DEFAULTS } from '../models/defaults.ts';
