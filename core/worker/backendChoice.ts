import { ConfigError } from '../errors.ts';
import type { BackendInfo } from '../protocol/messages.ts';
import { AUTO, BACKEND_LADDER, initBackend, parseBackendName } from '../tensor/backend.ts';
import { fastDecodersAvailable } from '../tensor/inference/available.ts';
import { readSettings, writeSettings } from './settings.ts';

/**
 * The compute backend of a worker: chosen once, lazily (the override given to the Studio, else
 * the one remembered in `<home>/settings.json`, else the ladder), switched on request.
 */
export class BackendChoice {
  private current: Promise<BackendInfo> | null = null;

  constructor(
    private readonly home: string,
    /** A backend override (e.g. 'cpu') that wins over settings.json. */
    private readonly override: string | undefined,
    /** Whether a run is training now (the backend cannot change under it). */
    private readonly training: () => boolean,
  ) {}

  /** The backend in use, set up on first call. */
  info(): Promise<BackendInfo> {
    this.current ??= initBackend({ prefer: this.override ?? readSettings(this.home).backend });
    return this.current;
  }

  /**
   * Switches the compute backend ('auto' for the ladder) and remembers the choice for this data
   * folder. An unavailable choice falls back down the ladder; the returned report says why.
   */
  async set(prefer: string): Promise<BackendInfo> {
    if (prefer !== AUTO && parseBackendName(prefer) === null) {
      throw new ConfigError(`"${prefer}" is not a backend: choose one of ${[AUTO, ...BACKEND_LADDER].join(', ')}`);
    }
    if (this.training()) throw new ConfigError('a run is training: stop it before switching the compute backend');
    await this.info().catch(() => undefined);
    const info = await initBackend({ prefer });
    this.current = Promise.resolve(info);
    await writeSettings(this.home, { ...readSettings(this.home), backend: prefer === AUTO ? undefined : prefer });
    return info;
  }

  /**
   * The backend, checked for text sampling. Text generation reads every token's logits
   * synchronously, which TensorFlow.js's WebGPU backend cannot do in Node; there text models
   * decode on the CPU through the project's decoders (the PixelCNN sampler reads asynchronously
   * and runs on the GPU). Without those decoders' kernels, text sampling on webgpu says so
   * plainly instead of failing mid-way.
   */
  async forTextSampling(): Promise<BackendInfo> {
    const info = await this.info();
    if (info.backend !== 'webgpu' || fastDecodersAvailable()) return info;
    throw new ConfigError(
      "text sampling on the webgpu backend needs the project's WebAssembly kernels (build/wasm, built by npm install): rebuild them with npm run build:wasm, or sample with the wasm backend (--backend wasm, or the status bar menu)",
    );
  }
}
