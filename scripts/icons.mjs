#!/usr/bin/env node
/**
 * `npm run icons`: builds the app's icons from assets/icon.svg into build/ (electron-builder's
 * buildResources), in pure Node:
 *
 *   build/icon.png            1024×1024 (electron-builder's source for every platform)
 *   build/icons/NxN.png       16…512 (Linux: the hicolor sizes of the .deb and AppImage)
 *   build/icon.ico            16, 24, 32, 48, 64, 128, 256 (Windows; PNG entries)
 *   build/icon.icns           16…1024 with the @2x variants (macOS; PNG entries)
 *
 * The SVG is rasterised here, not by a library: the icon is drawn only with <rect> (with rx),
 * <circle> and <polygon>, solid fills and opacity, and this script draws exactly those with
 * anti-aliasing (supersampled coverage). Anything else in the SVG is refused, so the source and
 * the PNGs cannot drift apart unnoticed.
 *
 * Usage: node scripts/icons.mjs [--check]   (--check: exit 1 if build/ differs from what the SVG gives)
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(root, 'assets', 'icon.svg');
const OUT = join(root, 'build');

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS entry types with PNG data, and the pixel size of each. */
export const ICNS_ENTRIES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 256],
  ['ic14', 512],
];

// ---------------------------------------------------------------- SVG subset

/** Parses the supported subset of SVG into shapes in viewBox units. */
export function parseIcon(svg) {
  const text = svg.replace(/<!--[\s\S]*?-->/g, '').replace(/<title>[\s\S]*?<\/title>/g, '').replace(/<desc>[\s\S]*?<\/desc>/g, '');
  const open = /<svg\b([^>]*)>/.exec(text);
  if (!open) throw new Error('icon.svg: no <svg> element');
  const rootAttrs = attributes(open[1]);
  const viewBox = (rootAttrs.viewBox ?? '').trim().split(/[\s,]+/).map(Number);
  if (viewBox.length !== 4 || viewBox.some((n) => !Number.isFinite(n))) throw new Error('icon.svg: the <svg> element needs a viewBox');
  const body = text.slice(open.index + open[0].length, text.lastIndexOf('</svg>'));
  const shapes = [];
  for (const m of body.matchAll(/<\s*([a-zA-Z]+)\b([^>]*?)\/?>/g)) {
    const [, tag, rawAttrs] = m;
    const a = attributes(rawAttrs);
    const paint = { color: parseColor(a.fill), alpha: num(a.opacity, 1) * num(a['fill-opacity'], 1) };
    for (const key of Object.keys(a)) {
      if (!['x', 'y', 'width', 'height', 'rx', 'ry', 'cx', 'cy', 'r', 'points', 'fill', 'opacity', 'fill-opacity'].includes(key)) {
        throw new Error(`icon.svg: attribute "${key}" on <${tag}> is not supported by scripts/icons.mjs`);
      }
    }
    if (tag === 'rect') {
      shapes.push({ kind: 'rect', x: num(a.x, 0), y: num(a.y, 0), w: num(a.width), h: num(a.height), r: num(a.rx ?? a.ry, 0), ...paint });
    } else if (tag === 'circle') {
      shapes.push({ kind: 'circle', cx: num(a.cx), cy: num(a.cy), r: num(a.r), ...paint });
    } else if (tag === 'polygon') {
      const n = (a.points ?? '').trim().split(/[\s,]+/).map(Number);
      if (n.length < 6 || n.length % 2 !== 0 || n.some((v) => !Number.isFinite(v))) throw new Error('icon.svg: a <polygon> needs at least three points');
      const points = [];
      for (let i = 0; i < n.length; i += 2) points.push([n[i], n[i + 1]]);
      shapes.push({ kind: 'polygon', points, ...paint });
    } else {
      throw new Error(`icon.svg: <${tag}> is not supported by scripts/icons.mjs (use rect, circle or polygon)`);
    }
  }
  return { viewBox, shapes };
}

function attributes(s) {
  const out = {};
  for (const m of s.matchAll(/([a-zA-Z:-]+)\s*=\s*"([^"]*)"/g)) if (!m[1].startsWith('xmlns')) out[m[1]] = m[2];
  return out;
}

function num(v, fallback) {
  if (v === undefined) {
    if (fallback === undefined) throw new Error('icon.svg: a required attribute is missing');
    return fallback;
  }
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`icon.svg: "${v}" is not a number`);
  return n;
}

function parseColor(v) {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(v ?? '');
  if (!m) throw new Error(`icon.svg: fill "${v}" is not supported (use #rgb or #rrggbb)`);
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
}

// ---------------------------------------------------------------- rasteriser

function inside(shape, x, y) {
  switch (shape.kind) {
    case 'rect': {
      const { x: x0, y: y0, w, h } = shape;
      if (x < x0 || y < y0 || x >= x0 + w || y >= y0 + h) return false;
      const r = Math.min(shape.r, w / 2, h / 2);
      if (r <= 0) return true;
      const cx = Math.min(Math.max(x, x0 + r), x0 + w - r);
      const cy = Math.min(Math.max(y, y0 + r), y0 + h - r);
      return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    }
    case 'circle':
      return (x - shape.cx) ** 2 + (y - shape.cy) ** 2 <= shape.r * shape.r;
    case 'polygon': {
      let inPoly = false;
      const p = shape.points;
      for (let i = 0, j = p.length - 1; i < p.length; j = i++) {
        const [xi, yi] = p[i];
        const [xj, yj] = p[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inPoly = !inPoly;
      }
      return inPoly;
    }
  }
  return false;
}

function bounds(shape) {
  switch (shape.kind) {
    case 'rect':
      return [shape.x, shape.y, shape.x + shape.w, shape.y + shape.h];
    case 'circle':
      return [shape.cx - shape.r, shape.cy - shape.r, shape.cx + shape.r, shape.cy + shape.r];
    default: {
      const xs = shape.points.map((p) => p[0]);
      const ys = shape.points.map((p) => p[1]);
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    }
  }
}

/** Draws the icon at `size`×`size` pixels; returns RGBA bytes (straight alpha). */
export function rasterise(icon, size) {
  const [vx, vy, vw, vh] = icon.viewBox;
  const scale = size / Math.max(vw, vh);
  const n = size <= 64 ? 8 : 4; // subsamples per axis: small sizes need finer coverage
  const premul = new Float64Array(size * size * 4); // premultiplied RGBA, 0..1
  for (const shape of icon.shapes) {
    const [bx0, by0, bx1, by1] = bounds(shape);
    const px0 = Math.max(0, Math.floor((bx0 - vx) * scale));
    const py0 = Math.max(0, Math.floor((by0 - vy) * scale));
    const px1 = Math.min(size, Math.ceil((bx1 - vx) * scale));
    const py1 = Math.min(size, Math.ceil((by1 - vy) * scale));
    for (let py = py0; py < py1; py++) {
      for (let px = px0; px < px1; px++) {
        let hits = 0;
        for (let sy = 0; sy < n; sy++) {
          for (let sx = 0; sx < n; sx++) {
            const x = vx + (px + (sx + 0.5) / n) / scale;
            const y = vy + (py + (sy + 0.5) / n) / scale;
            if (inside(shape, x, y)) hits++;
          }
        }
        if (hits === 0) continue;
        const a = (shape.alpha * hits) / (n * n);
        const i = (py * size + px) * 4;
        // source-over, premultiplied
        for (let c = 0; c < 3; c++) premul[i + c] = shape.color[c] * a + premul[i + c] * (1 - a);
        premul[i + 3] = a + premul[i + 3] * (1 - a);
      }
    }
  }
  const out = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const a = premul[i * 4 + 3];
    for (let c = 0; c < 3; c++) out[i * 4 + c] = a > 0 ? Math.round(Math.min(1, premul[i * 4 + c] / a) * 255) : 0;
    out[i * 4 + 3] = Math.round(a * 255);
  }
  return out;
}

export function encodePng(rgba, size) {
  const png = new PNG({ width: size, height: size });
  rgba.copy(png.data);
  return PNG.sync.write(png, { colorType: 6, deflateLevel: 9 });
}

// ---------------------------------------------------------------- containers

/** A Windows .ico holding PNG images (Vista and later read PNG entries). */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(images.length, 4);
  const dir = Buffer.alloc(16 * images.length);
  let offset = header.length + dir.length;
  images.forEach(({ size, png }, i) => {
    const e = i * 16;
    dir.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    dir.writeUInt8(size >= 256 ? 0 : size, e + 1);
    dir.writeUInt8(0, e + 2); // palette colours
    dir.writeUInt8(0, e + 3);
    dir.writeUInt16LE(1, e + 4); // planes
    dir.writeUInt16LE(32, e + 6); // bits per pixel
    dir.writeUInt32LE(png.length, e + 8);
    dir.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, dir, ...images.map((im) => im.png)]);
}

/** A macOS .icns: 'icns', total length, then (type, length, PNG data) entries; big-endian. */
export function encodeIcns(entries) {
  const chunks = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

// ---------------------------------------------------------------- build

/** Every output file as [path relative to the project, bytes]. */
export function buildIcons(svg = readFileSync(SOURCE, 'utf8')) {
  const icon = parseIcon(svg);
  const pngs = new Map(PNG_SIZES.map((size) => [size, encodePng(rasterise(icon, size), size)]));
  const files = [['build/icon.png', pngs.get(1024)]];
  for (const size of LINUX_SIZES) files.push([`build/icons/${size}x${size}.png`, pngs.get(size)]);
  files.push(['build/icon.ico', encodeIco(ICO_SIZES.map((size) => ({ size, png: pngs.get(size) })))]);
  files.push(['build/icon.icns', encodeIcns(ICNS_ENTRIES.map(([type, size]) => ({ type, png: pngs.get(size) })))]);
  return files;
}

function main() {
  const check = process.argv.includes('--check');
  const files = buildIcons();
  let stale = 0;
  let total = 0;
  for (const [rel, bytes] of files) {
    const path = join(root, rel);
    total += bytes.length;
    if (check) {
      if (!existsSync(path) || !readFileSync(path).equals(bytes)) {
        console.error(`icons: ${rel} is missing or out of date with assets/icon.svg`);
        stale++;
      }
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  if (check) {
    if (stale > 0) {
      console.error('icons: run npm run icons');
      process.exit(1);
    }
    console.log(`icons: ${files.length} files up to date`);
  } else {
    console.log(`icons: wrote ${files.length} files (${(total / 1024).toFixed(0)} KiB) to ${OUT}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
