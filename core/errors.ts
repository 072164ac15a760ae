/**
 * Typed errors with messages a user can act on. `code` travels through the protocol so every
 * front end can show (and tests can check) what went wrong.
 */
export class StudioError extends Error {
  readonly code: string = 'STUDIO_ERROR';
  override name = 'StudioError';
}

/** The data given cannot be used (empty, not UTF-8, too short, unreadable...). */
export class DatasetError extends StudioError {
  override readonly code = 'DATASET_ERROR';
  override name = 'DatasetError';
}

/** A checkpoint is missing, truncated or does not match its model. */
export class CheckpointError extends StudioError {
  override readonly code = 'CHECKPOINT_ERROR';
  override name = 'CheckpointError';
}

/** A message broke the protocol (wrong shape, unknown method, unknown job). */
export class ProtocolError extends StudioError {
  override readonly code = 'PROTOCOL_ERROR';
  override name = 'ProtocolError';
}

/** A run cannot be found, created or written. */
export class RunStoreError extends StudioError {
  override readonly code = 'RUN_STORE_ERROR';
  override name = 'RunStoreError';
}

/** A requested backend or configuration cannot be used. */
export class ConfigError extends StudioError {
  override readonly code = 'CONFIG_ERROR';
  override name = 'ConfigError';
}

/** A job was asked for something it cannot do: pausing a sampling job or a race. */
export class NotPausableError extends StudioError {
  override readonly code = 'NOT_PAUSABLE';
  override name = 'NotPausableError';
}

/** A job would need more memory than this worker may use: refused before anything is allocated. */
export class MemoryBudgetError extends StudioError {
  override readonly code = 'MEMORY_BUDGET';
  override name = 'MemoryBudgetError';
}

/** Too many trainings already wait in this worker's queue. */
export class QueueFullError extends StudioError {
  override readonly code = 'QUEUE_FULL';
  override name = 'QueueFullError';
}

export function errorInfo(err: unknown): { code: string; message: string } {
  if (err instanceof StudioError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'INTERNAL_ERROR', message: err.message };
  return { code: 'INTERNAL_ERROR', message: String(err) };
}
