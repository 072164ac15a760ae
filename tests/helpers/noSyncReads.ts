import * as tf from '@tensorflow/tfjs';

/**
 * Makes the active backend behave like tfjs-backend-webgpu in Node for reads: `dataSync`,
 * `arraySync` and every other synchronous read throws, `data()` still works. (WebGPU in Node
 * reads GPU memory only asynchronously; its readSync needs a browser canvas.) Returns the undo.
 */
export function forbidSyncReads(): () => void {
  const backend = tf.backend() as unknown as { readSync(id: object): unknown; read(id: object): Promise<unknown> };
  const { readSync, read } = backend;
  let asyncRead = false;
  backend.readSync = function (id: object) {
    if (!asyncRead) throw new Error('synchronous read on a backend without them (as webgpu in Node)');
    return readSync.call(this, id);
  };
  backend.read = async function (id: object) {
    asyncRead = true;
    try {
      return readSync.call(this, id);
    } finally {
      asyncRead = false;
    }
  };
  return () => {
    backend.readSync = readSync;
    backend.read = read;
  };
}
