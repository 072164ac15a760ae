import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A GPU adapter Dawn found: what `ars info` shows. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  limits: Record<string, number>;
}

export type WebGpuProbe = { ok: true; adapter: GpuAdapter } | { ok: false; reason: string };

const PROBE = fileURLToPath(new URL('./webgpuProbe.mjs', import.meta.url));

/**
 * Asks Dawn for an adapter in a child process, within `timeoutMs`: a missing Vulkan loader, a
 * software Vulkan that lacks what Dawn needs, or a driver that hangs or crashes all end as a
 * reason, never as a stuck or crashed worker. Dawn explains itself on stderr; its first warning
 * is the reason.
 */
export function probeWebGpu(timeoutMs = 4000): Promise<WebGpuProbe> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PROBE], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, reason: `the GPU driver did not answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `the adapter probe could not start: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      type ProbeLine = { ok: boolean; adapter?: GpuAdapter; error?: string };
      let parsed: ProbeLine | null;
      try {
        parsed = JSON.parse(line) as ProbeLine;
      } catch {
        parsed = null;
      }
      if (parsed?.ok && parsed.adapter) return resolve({ ok: true, adapter: parsed.adapter });
      const why = dawnReason(stderr) ?? parsed?.error ?? (signal ? `the adapter probe crashed (${signal})` : code ? `the adapter probe failed (exit ${code})` : null);
      resolve({ ok: false, reason: why ? `no WebGPU adapter: ${why}` : 'no WebGPU adapter was found' });
    });
  });
}

/** The first thing Dawn warned about (else the first other line), without its source location. */
export function dawnReason(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at ') && !l.startsWith('- '));
  const warning = lines.find((l) => l.startsWith('Warning:'));
  const line = warning ?? lines[0];
  return line ? line.replace(/^Warning:\s*/, '').slice(0, 300) : null;
}

/**
 * Installs Dawn's WebGPU as `navigator.gpu` in this process (tfjs-backend-webgpu looks for it
 * when it is imported, and registers the 'webgpu' backend only if it is there).
 */
export async function installNavigatorGpu(): Promise<void> {
  const webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): unknown; globals: Record<string, unknown> };
  for (const [name, value] of Object.entries(webgpu.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu = webgpu.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

export function describeAdapter(a: GpuAdapter): string {
  const name = [a.vendor, a.architecture, a.device].filter((x) => x && x !== '0' && x !== '0x0').join(' ');
  return name || a.description || 'GPU';
}
