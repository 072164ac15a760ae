import * as tf from '@tensorflow/tfjs';

/** The tfjs side of local context embeddings (the choice and why: localContextConfig.ts). */

/** The offsets a width k reaches, nearest last on the left: −k … −1, 1 … k. */
export function localOffsets(k: number): number[] {
  const out: number[] = [];
  for (let o = -k; o <= k; o++) if (o !== 0) out.push(o);
  return out;
}

/** The checkpoint name of offset o's table. */
export function localTableName(offset: number): string {
  return `local/${offset}`;
}

export interface LocalTable {
  offset: number;
  /** [rows, D]: one row per token id (the [MASK] row included), then the padding row. */
  table: tf.Variable;
}

/** Tables for width k, each [rows + 1, D] (the last row pads past the edges), initialised like token embeddings. */
export function createLocalTables(k: number, rows: number, dModel: number, seed: number): LocalTable[] {
  return localOffsets(k).map((offset, i) => {
    const init = tf.truncatedNormal([rows + 1, dModel], 0, 0.02, 'float32', seed * 131 + 7 + i);
    const table = tf.variable(init, true);
    init.dispose();
    return { offset, table };
  });
}

/** x [B, L, D] plus every offset's embedding of the shifted ids [B, L] (`padId` outside the sequence). */
export function addLocalContext(x: tf.Tensor3D, ids: tf.Tensor2D, tables: readonly LocalTable[], padId: number): tf.Tensor3D {
  if (tables.length === 0) return x;
  return tf.tidy(() => {
    const [B, L] = ids.shape;
    let out: tf.Tensor3D = x;
    for (const { offset, table } of tables) {
      const n = Math.min(Math.abs(offset), L);
      const pad = tf.fill([B, n], padId, 'int32');
      const kept = L - n;
      const shifted =
        kept === 0 ? pad : offset > 0 ? tf.concat([tf.slice(ids, [0, n], [B, kept]), pad], 1) : tf.concat([pad, tf.slice(ids, [0, 0], [B, kept])], 1);
      out = tf.add(out, tf.gather(table, shifted)) as tf.Tensor3D;
    }
    return out;
  });
}
