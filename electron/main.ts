import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  type UtilityProcess,
  type WebContents,
} from 'electron';

/**
 * Electron main: windows, the menu, the worker's lifetime. It is never in the data path: the
 * renderer and the worker talk over a MessagePort pair main creates for each window.
 *
 * Security (Electron's checklist): every window is sandboxed with context isolation and no Node;
 * the page is served from a custom `app://` origin (not file://) with a strict CSP header;
 * navigation, new windows, webviews and permission requests are refused; main listens to no IPC
 * at all — the only channel is main → renderer ('worker-port'), and a port is only ever sent to a
 * frame showing the app's own origin.
 */

const here = dirname(fileURLToPath(import.meta.url)); // out/main
const RENDERER_DIR = resolve(here, '../renderer');
const PRELOAD = resolve(here, '../preload/preload.cjs');
const WORKER = resolve(here, 'worker.js');

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
    const url = new URL(request.url);
    const file = resolve(RENDERER_DIR, `.${decodeURIComponent(url.pathname)}`);
    if (url.host !== APP_HOST || !file.startsWith(RENDERER_DIR + sep)) return new Response('Not found', { status: 404 });
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

/**
 * The worker (core/worker, in an Electron utility process) owns TensorFlow.js and the runs.
 * If it dies, it is started again and every window gets a new port; the page tells the person.
 * A worker that keeps dying is not restarted forever.
 */
class WorkerHost {
  private child: UtilityProcess | null = null;
  private readonly crashes: number[] = [];

  start(): void {
    if (!existsSync(WORKER)) {
      dialog.showErrorBox(
        'Autoregressive Studio cannot start its worker',
        `${WORKER} is missing. Rebuild the app (npm run build) and try again.`,
      );
      return;
    }
    const child = utilityProcess.fork(WORKER, ['--home', app.getPath('userData')], {
      serviceName: 'Autoregressive Studio worker',
      stdio: 'inherit',
    });
    this.child = child;
    let fatal: { code: string; message: string } | null = null;
    // The worker says why it cannot start; starting it again would fail the same way.
    child.on('message', (m: unknown) => {
      if (isFatalMessage(m)) fatal = m.error;
    });
    child.once('exit', (code) => {
      if (this.child === child) this.child = null;
      if (quitting) return;
      if (fatal) dialog.showErrorBox('The worker could not start', `${fatal.message} (${fatal.code})`);
      else this.crashed(code);
    });
  }

  /** Gives `contents` its own port to the worker. */
  connect(contents: WebContents): void {
    if (!this.child || contents.isDestroyed() || !isAppUrl(contents.mainFrame.url)) return;
    const { port1, port2 } = new MessageChannelMain();
    this.child.postMessage({ type: 'connect' }, [port1]);
    contents.postMessage('worker-port', null, [port2]);
  }

  stop(): void {
    const child = this.child;
    this.child = null;
    child?.kill();
  }

  private crashed(code: number): void {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0]! > 60_000) this.crashes.shift();
    if (this.crashes.length > 3) {
      dialog.showErrorBox(
        'The worker keeps stopping',
        `The worker exited ${this.crashes.length} times in a minute (last exit code ${code}); it was not restarted again. Restart the app to try once more.`,
      );
      return;
    }
    this.start();
    for (const win of BrowserWindow.getAllWindows()) this.connect(win.webContents);
  }
}

function isFatalMessage(m: unknown): m is { type: 'fatal'; error: { code: string; message: string } } {
  if (typeof m !== 'object' || m === null) return false;
  const { type, error } = m as { type?: unknown; error?: unknown };
  if (type !== 'fatal' || typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

const worker = new WorkerHost();

function buildMenu(): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
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
  ];
  return Menu.buildFromTemplate(template);
}
