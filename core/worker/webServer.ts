import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { pipeListeners } from '../protocol/pipeListeners.ts';
import type { MessagePipe } from '../protocol/transport.ts';
import { decodeFrame, encodeFrame } from '../protocol/wireCodec.ts';
import { serveClient, type ServeOptions, type StudioLike } from './dispatcher.ts';
import type { WorkerConnector } from './workerProcess.ts';

export interface WebServerOptions extends ServeOptions {
  /** Serve this Studio in this process (tests, `ars serve --in-process`)… */
  studio?: StudioLike;
  /**
   * …or connect each WebSocket to a worker in another process (`ars serve`: a supervised child
   * that is restarted when it dies). When the worker's side of a connection closes, the socket
   * is closed with code 1012 (service restart) and the page reconnects.
   */
  worker?: WorkerConnector;
  /** Interface to bind; default 127.0.0.1. Anything else exposes the Studio to the network. */
  host?: string;
  /** Port; default 0 (any free port). */
  port?: number;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Access token; default 32 random bytes as hex. */
  token?: string;
  /** Largest WebSocket message accepted, in bytes; default 80 MiB. */
  maxMessageBytes?: number;
  /**
   * The licences and attributions file (npm run licenses), served read-only at /licenses.txt for
   * the page's About view. Absent or missing: /licenses.txt is not found.
   */
  licensesFile?: string;
}

export interface WebServer {
  /** `http://HOST:PORT/?token=TOKEN`: the one thing to show the user; never log it elsewhere. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_MESSAGE = 80 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host);
}

/**
 * Web mode: serves the built renderer and the worker protocol over a WebSocket at
 * `/ws?token=TOKEN`, guarded by the token, the Origin header and (on loopback) the Host header.
 * Prints nothing: the caller shows `url` to the user.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  if ((options.studio === undefined) === (options.worker === undefined)) throw new Error('startWebServer needs either a studio or a worker');
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  if (token.length === 0) throw new Error('the access token must not be empty');
  const tokenDigest = sha256(token);
  const root = resolve(options.staticDir);
  const serveOptions: ServeOptions = options.validateOutgoing === undefined ? {} : { validateOutgoing: options.validateOutgoing };
  const urlHost = host.includes(':') ? `[${host}]` : host;

  // Known once listening.
  let port = 0;
  let allowedOrigins = new Set<string>();
  let allowedHosts = new Set<string>();
  let csp = '';

  const server = createServer((req, res) => {
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) sendStatus(res, 500, 'internal error');
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE });
  const sockets = new Set<WebSocket>();

  const hostAllowed = (req: IncomingMessage): boolean =>
    !isLoopbackHost(host) || (req.headers.host !== undefined && allowedHosts.has(req.headers.host.toLowerCase()));

  const securityHeaders = (res: ServerResponse): void => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-cache');
  };

  const sendStatus = (res: ServerResponse, status: number, text: string): void => {
    securityHeaders(res);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req)) return sendStatus(res, 403, 'forbidden host');
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return sendStatus(res, 405, 'method not allowed');
    }
    if (options.licensesFile && (req.url ?? '').split(/[?#]/, 1)[0] === '/licenses.txt') return serveFile(res, options.licensesFile, 'text/plain; charset=utf-8');
    const rel = staticPath(req.url ?? '/');
    if (rel === null) return sendStatus(res, 400, 'bad path');
    const file = join(root, rel);
    let real: string;
    let realRoot: string;
    try {
      [real, realRoot] = await Promise.all([realpath(file), realpath(root)]);
    } catch {
      return sendStatus(res, 404, 'not found');
    }
    if (!real.startsWith(realRoot + sep)) return sendStatus(res, 404, 'not found');
    return serveFile(res, real, CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream');
  }

  async function serveFile(res: ServerResponse, path: string, contentType: string): Promise<void> {
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return sendStatus(res, 404, 'not found');
    securityHeaders(res);
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': info.size });
    const stream = createReadStream(path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string): void => {
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse(400, 'Bad Request');
    }
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    const given = url.searchParams.get('token');
    if (given === null || !timingSafeEqual(sha256(given), tokenDigest)) return refuse(401, 'Unauthorized');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return refuse(403, 'Forbidden');
    if (!hostAllowed(req)) return refuse(403, 'Forbidden');
    if (options.worker?.unavailable?.()) return refuse(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      const pipe = webSocketPipe(ws);
      if (options.studio) serveClient(pipe, options.studio, serveOptions);
      else bridge(pipe, options.worker!.connect(), () => ws.close(1012, 'the worker restarted'));
    });
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const self = `${urlHost}:${port}`;
  allowedHosts = new Set([self.toLowerCase()]);
  allowedOrigins = new Set([`http://${self}`.toLowerCase()]);
  const wsSources = [`ws://${self}`];
  if (host === '127.0.0.1' || host === 'localhost') {
    for (const alias of ['127.0.0.1', 'localhost']) {
      allowedHosts.add(`${alias}:${port}`);
      allowedOrigins.add(`http://${alias}:${port}`);
      if (`${alias}:${port}` !== self) wsSources.push(`ws://${alias}:${port}`);
    }
  }
  csp = [
    "default-src 'self'",
    `connect-src 'self' ${wsSources.join(' ')}`,
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

  let closing: Promise<void> | null = null;
  return {
    url: `http://${self}/?token=${token}`,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * Joins a client's pipe to its connection to a worker in another process: messages both ways,
 * and either side closing closes the other (`closeClient` closes the client's side).
 */
function bridge(client: MessagePipe, worker: MessagePipe, closeClient: () => void): void {
  client.onMessage((m) => {
    try {
      worker.send(m);
    } catch {
      closeClient();
    }
  });
  worker.onMessage((m) => {
    try {
      client.send(m);
    } catch {
      worker.close();
    }
  });
  client.onClose(() => worker.close());
  worker.onClose(() => closeClient());
}

/**
 * The file path a GET asks for, relative to the static root, or null when the path is not
 * acceptable (traversal, backslashes, NUL, bad escapes). `/` means index.html.
 */
export function staticPath(requestUrl: string): string | null {
  const rawPath = requestUrl.split(/[?#]/, 1)[0] ?? '';
  if (!rawPath.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '.' || s === '..')) return null;
  if (segments.length === 0 || decoded.endsWith('/')) segments.push('index.html');
  return segments.join('/');
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * One WebSocket as a MessagePipe: binary frames through the wire codec. A frame that cannot be
 * decoded gets a PROTOCOL_ERROR response (id '') and the socket stays open.
 */
export function webSocketPipe(ws: WebSocket): MessagePipe {
  const listeners = pipeListeners();
  const send = (message: unknown): void => {
    if (ws.readyState !== ws.OPEN) throw new Error('the WebSocket is closed');
    ws.send(encodeFrame(message));
  };
  const sendError = (message: string): void => {
    try {
      send({ v: PROTOCOL_VERSION, type: 'response', id: '', ok: false, error: { code: 'PROTOCOL_ERROR', message } });
    } catch {
      // closed meanwhile
    }
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) return sendError('malformed frame: text frames are not accepted; send binary frames');
    let message: unknown;
    try {
      message = decodeFrame(toBytes(data));
    } catch (err) {
      return sendError(`malformed frame: ${err instanceof Error ? err.message : String(err)}`);
    }
    listeners.deliver(message);
  });
  ws.on('close', () => listeners.close());
  ws.on('error', () => ws.terminate());
  return {
    send,
    onMessage: listeners.onMessage,
    onClose: listeners.onClose,
    close() {
      ws.close();
    },
  };
}
