import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type BuildEnvironmentOptions } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const root = import.meta.dirname;

/** Build options shared with electron.vite.config.ts, so web mode and Electron get the same renderer. */
export const rendererBuild: BuildEnvironmentOptions = {
  outDir: resolve(root, 'out/renderer'),
  emptyOutDir: true,
  // Chromium 156 (Electron 45) and any current browser.
  target: 'es2022',
  modulePreload: { polyfill: false },
  minify: true,
  reportCompressedSize: false,
  sourcemap: false,
};

/** Compile-time constants of the renderer (the About view's version). */
export const rendererDefine = {
  __APP_VERSION__: JSON.stringify((JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }).version),
};

/**
 * The renderer alone, for web mode (`ars serve` serves out/renderer). Relative base './' so the
 * page works under any host and port, and from Electron's app origin alike.
 */
export default defineConfig({
  root: resolve(root, 'renderer'),
  base: './',
  define: rendererDefine,
  plugins: [svelte({ configFile: false })],
  build: {
    ...rendererBuild,
    rollupOptions: { input: resolve(root, 'renderer/index.html') },
  },
});
