import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { rendererBuild, rendererDefine } from './vite.renderer.config.ts';

const root = import.meta.dirname;
const workerEntry = resolve(root, 'core/worker/utilityEntry.ts');

const hasWorker = existsSync(workerEntry);
if (!hasWorker) {
  // Built without it, the app starts and main reports the missing worker in a dialog.
  console.warn('electron-vite: core/worker/utilityEntry.ts is missing; out/main/worker.js will not be built.');
}

/**
 * The desktop app in three builds:
 * - main: electron/main.ts → out/main/main.js and the worker (Electron utilityProcess) → out/main/worker.js;
 * - preload: electron/preload.ts → out/preload/preload.cjs (CommonJS: sandboxed preloads cannot be ES modules);
 * - renderer: renderer/index.html → out/renderer (the same build `npm run build:renderer` makes for web mode).
 */
/** The WebGPU adapter probe runs as its own process (core/tensor/webgpu.ts): ship it beside worker.js. */
const webgpuProbe = {
  name: 'ars-webgpu-probe',
  generateBundle(this: { emitFile(file: { type: 'asset'; fileName: string; source: string }): void }) {
    this.emitFile({ type: 'asset', fileName: 'webgpuProbe.mjs', source: readFileSync(resolve(root, 'core/tensor/webgpuProbe.mjs'), 'utf8') });
  },
};

export default defineConfig({
  main: {
    plugins: [webgpuProbe],
    build: {
      outDir: resolve(root, 'out/main'),
      rollupOptions: {
        input: {
          main: resolve(root, 'electron/main.ts'),
          ...(hasWorker ? { worker: workerEntry } : {}),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
        // TensorFlow.js and its backends stay packages: every backend (wasm, webgpu, the native
        // tfjs-node ones, loaded at run time) must register into the one copy of tfjs-core, and
        // the native addons and .wasm files load from their package folders.
        external: [/^@tensorflow\//, 'webgpu'],
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rollupOptions: {
        input: { preload: resolve(root, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    define: rendererDefine,
    plugins: [svelte({ configFile: false })],
    build: {
      ...rendererBuild,
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
  },
});
