import { WebSocket, type RawData } from 'ws';
import { encodeJson } from '../web/json.js';
import type { Logger } from '../logger.js';
import type { WatchMessage } from './watch-messages.js';
import type { WatchSession } from './watch-session.js';

/** Client → agent: `{"type":"refresh"}`; anything else gets an error message, as in the reference. */
export function handleClientMessage(data: RawData, isBinary: boolean, session: WatchSession, ws: WebSocket, log: Logger): void {
  let type: unknown;
  try {
    if (isBinary) throw new Error('binary frame');
    type = (JSON.parse(rawText(data)) as { type?: unknown } | null)?.type;
  } catch {
    sendMessage(ws, { type: 'error', message: 'invalid message: expected JSON text such as {"type":"refresh"}' }, log);
    return;
  }
  if (type === 'refresh') session.refresh();
  else sendMessage(ws, { type: 'error', message: 'unknown message type' }, log);
}

/** Sends a message if the socket is open; a failed delivery is logged, never thrown. */
export function sendMessage(ws: WebSocket, message: WatchMessage, log: Logger): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  ws.send(encodeJson(message), (error) => {
    if (error) log.warn({ err: error, type: message.type }, 'git watch message not delivered');
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
