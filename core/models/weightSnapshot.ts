import type * as tf from '@tensorflow/tfjs';

/**
 * Something built from a model's weights — a batch-1 engine's own copy of them — kept while the
 * weights stay the same tensors and built again when any has changed (training and checkpoint
 * loads assign new data, which gives a variable a new dataId).
 */
export class WeightSnapshot<T> {
  private value: T | null = null;
  private seen: readonly unknown[] = [];

  constructor(
    private readonly variables: () => readonly tf.Variable[],
    private readonly build: () => T,
    /** Frees a value that is replaced or cleared. */
    private readonly release: (value: T) => void = () => {},
  ) {}

  get(): T {
    const ids = this.variables().map((v) => v.dataId);
    if (this.value == null || ids.length !== this.seen.length || ids.some((id, i) => id !== this.seen[i])) {
      this.clear();
      this.value = this.build();
      this.seen = ids;
    }
    return this.value;
  }

  clear(): void {
    if (this.value != null) this.release(this.value);
    this.value = null;
    this.seen = [];
  }
}
