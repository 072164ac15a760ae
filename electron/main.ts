import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import attributions from '../assets/attributions.json';
import { WorkerClient } from '../core/protocol/client.ts';
import { messagePortPipe } from '../core/worker/messagePortPipe.ts';
import {
  BrowserWindow,
  Menu,
  MessageChannelMain,
  app,
  dialog,
  nativeTheme,
  protocol,
  session,
  shell,
  utilityProcess,
  type MenuItemConstructorOptions,
  type MessagePortMain,
  type WebContents,
} from 'electron';
import { WorkerHost, type WorkerHostEnvironment } from './workerHost.ts';

/**
 * Electron main: windows, the menu, the worker's lifetime. It is never in the data path: the
 * renderer and the worker talk over a MessagePort pair main creates for each window.
 *
 * Security (Electron's checklist, https://www.electronjs.org/docs/latest/tutorial/security; each
 * item and where it is enforced is listed in SECURITY.md): every window is sandboxed with context
 * isolation and no Node; the page is served from a custom `app://` origin (not file://) with a
 * strict CSP header; navigation (of any frame), redirects away from the app, new windows,
 * webviews, permission and device requests are refused; middle-click (auxclick) is disabled;
 * DevTools are off in the packaged app; only https links open, in the system browser; main
 * listens to no IPC at all — the only channel is main → renderer ('worker-port'), and a port is
 * only ever sent to a frame showing the app's own origin. The packaged binary's fuses are set in
 * electron-builder.yml. `npm test` runs electronegativity over this file and its build.
 */

const here = dirname(fileURLToPath(import.meta.url)); // out/main
const RENDERER_DIR = resolve(here, '../renderer');
const PRELOAD = resolve(here, '../preload/preload.cjs');
const WORKER = resolve(here, 'worker.js');

/** Where the packaged app keeps what electron-builder.yml puts in extraResources (dev: build/). */
function resourceFile(name: string): string {
  return app.isPackaged ? join(process.resourcesPath, name) : join(app.getAppPath(), 'build', name);
}
const LICENSES = () => resourceFile('THIRD_PARTY_LICENSES.txt');
/** The project's own WebAssembly kernels (core/tensor/wasm), for the worker. */
const KERNELS_DIR = () => resourceFile('wasm');
/** The starter runs (assets/starter; packaged: extraResources), for the worker to install into a new data folder. */
const STARTERS_DIR = () => (app.isPackaged ? join(process.resourcesPath, 'starter') : join(app.getAppPath(), 'assets', 'starter'));

const SCHEME = 'app';
const APP_HOST = 'studio';
const APP_ORIGIN = `${SCHEME}://${APP_HOST}`;
const APP_URL = `${APP_ORIGIN}/index.html`;

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

// Must run before `ready`.
app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(ready);
}

let quitting = false;
app.on('before-quit', () => {
  quitting = true;
  worker.stop();
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Every web contents, whatever created it: no navigation, no new windows, no webviews.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openExternally(url);
  });
  // Subframes too (the CSP allows none from elsewhere; this holds even if it did).
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
});

function ready(): void {
  serveRenderer();
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });

  Menu.setApplicationMenu(buildMenu());
  worker.start();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

/** app://studio/<path> → out/renderer/<path>, nothing outside it. */
function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    let file: string;
    try {
      const url = new URL(request.url);
      file = resolve(RENDERER_DIR, `.${decodeURIComponent(url.pathname)}`);
      if (url.host !== APP_HOST || !file.startsWith(RENDERER_DIR + sep) || file.includes('\0')) return new Response('Not found', { status: 404 });
    } catch {
      return new Response('Bad request', { status: 400 });
    }
    try {
      const body = await readFile(file);
      return new Response(new Uint8Array(body), {
        headers: {
          'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'Content-Security-Policy': CSP,
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 880,
    minWidth: 760,
    minHeight: 560,
    show: false,
    title: 'Autoregressive Studio',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#0e1014' : '#f5f6f8',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // A middle-click must not open links in new windows (electronegativity AUXCLICK_JS_CHECK).
      disableBlinkFeatures: 'Auxclick',
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  // A (re)loaded page gets a fresh port to the worker.
  win.webContents.on('did-finish-load', () => worker.connect(win.webContents));
  void win.loadURL(APP_URL);
  return win;
}

function isAppUrl(url: string): boolean {
  try {
    return new URL(url).origin === APP_ORIGIN;
  } catch {
    return false;
  }
}

function openExternally(url: string): void {
  try {
    if (new URL(url).protocol === 'https:') void shell.openExternal(url);
  } catch {
    // not a URL: nothing to open
  }
}

/** Electron's processes, ports and windows, for the worker's lifetime (electron/workerHost.ts). */
const workerEnvironment: WorkerHostEnvironment<MessagePortMain, WebContents> = {
  fork() {
    if (!existsSync(WORKER)) {
      dialog.showErrorBox('Autoregressive Studio cannot start its worker', `${WORKER} is missing. Rebuild the app (npm run build) and try again.`);
      return null;
    }
    return utilityProcess.fork(WORKER, ['--home', app.getPath('userData')], {
      serviceName: 'Autoregressive Studio worker',
      stdio: 'inherit',
      env: { ...process.env, ARS_KERNELS_DIR: KERNELS_DIR(), ARS_STARTERS_DIR: STARTERS_DIR() },
    });
  },
  channel() {
    const { port1, port2 } = new MessageChannelMain();
    return [port1, port2];
  },
  pages: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
  canConnect: (contents) => !contents.isDestroyed() && isAppUrl(contents.mainFrame.url),
  sendPort: (contents, port) => contents.postMessage('worker-port', null, [port]),
  onDestroyed: (contents, listener) => contents.once('destroyed', listener),
  showError: (title, message) => dialog.showErrorBox(title, message),
  quitting: () => quitting,
  now: () => Date.now(),
};

const worker = new WorkerHost(workerEnvironment);

/**
 * Asks the worker for its backend over a port of main's own, then closes it: a short control
 * request for the About dialog (main is otherwise never in the data path). Null when the worker
 * is not running or does not answer within `timeoutMs`.
 */
async function workerBackend(timeoutMs = 3000): Promise<{ backend: string; device: string } | null> {
  const port = worker.openPort();
  if (!port) return null;
  const client = new WorkerClient(messagePortPipe(port));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const info = await Promise.race([
      client.request('info', {}),
      new Promise<null>((resolveTimeout) => (timer = setTimeout(() => resolveTimeout(null), timeoutMs))),
    ]);
    return info ? { backend: info.backend, device: info.device } : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    client.close();
  }
}


/**
 * About: the version, the versions underneath, the worker's backend, and the licences and
 * attributions of the bundled data and software (the full texts open from THIRD_PARTY_LICENSES.txt).
 */
async function showAbout(): Promise<void> {
  const backend = await workerBackend();
  const versions = process.versions as NodeJS.ProcessVersions & { electron?: string; chrome?: string };
  const data = attributions.data.map((d) => `• ${d.name} (${d.usedFor}): ${d.source}. Licence: ${d.license}. Via the npm package "${d.package}" (${d.packageLicense}).`);
  const detail = [
    `Version ${app.getVersion()}`,
    `Backend: ${backend ? `${backend.backend} — ${backend.device}` : 'not known yet (the worker is starting or stopped)'}`,
    `Electron ${versions.electron ?? '?'} · Chromium ${versions.chrome ?? '?'} · Node ${versions.node}`,
    '',
    'Bundled data:',
    ...data,
    '',
    'Autoregressive Studio is open-source software (MIT licence). It includes open-source packages',
    '(TensorFlow.js, zod, ws, pngjs and their dependencies) and Electron with Chromium, each under',
    'its own licence; "Licences…" opens the full texts.',
  ].join('\n');
  const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
  const options = { type: 'info' as const, title: 'About Autoregressive Studio', message: 'Autoregressive Studio', detail, buttons: ['OK', 'Licences…'], defaultId: 0, cancelId: 0, noLink: true };
  const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
  if (response === 1) {
    const file = LICENSES();
    if (!existsSync(file)) dialog.showErrorBox('Licences', `${file} is missing. Run npm run licenses (npm run dist does it) and try again.`);
    else {
      const failed = await shell.openPath(file);
      if (failed) dialog.showErrorBox('Licences', `Could not open ${file}: ${failed}`);
    }
  }
}

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: 'About Autoregressive Studio', click: () => void showAbout() };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [
          {
            label: app.name,
            submenu: [about, { type: 'separator' as const }, { role: 'hide' as const }, { role: 'hideOthers' as const }, { role: 'unhide' as const }, { type: 'separator' as const }, { role: 'quit' as const }],
          },
        ]
      : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    ...(isMac ? [] : [{ label: 'Help', submenu: [about] }]),
  ];
  return Menu.buildFromTemplate(template);
}
