import {
  DEFAULT_SETTINGS,
  H2ProtocolError,
  MAX_MAX_FRAME_SIZE,
  MAX_WINDOW_SIZE,
  MIN_MAX_FRAME_SIZE,
  SETTINGS_IDS,
  type SettingsEntry,
} from '@h2tubes/h2-frames/core';
import type { ResolvedOptions } from './options.js';

/** The settings one endpoint has in force (RFC 9113 §6.5.2), by readable name. */
export interface SettingsValues {
  readonly headerTableSize: number;
  readonly enablePush: number;
  readonly maxConcurrentStreams: number;
  readonly initialWindowSize: number;
  readonly maxFrameSize: number;
  readonly maxHeaderListSize: number;
  readonly enableConnectProtocol: number;
}

export type SettingName = keyof SettingsValues;

/** RFC 9113 §6.5.2 initial values, in force until a SETTINGS frame changes them. */
export const INITIAL_SETTINGS: SettingsValues = {
  headerTableSize: DEFAULT_SETTINGS.SETTINGS_HEADER_TABLE_SIZE,
  enablePush: DEFAULT_SETTINGS.SETTINGS_ENABLE_PUSH,
  maxConcurrentStreams: DEFAULT_SETTINGS.SETTINGS_MAX_CONCURRENT_STREAMS,
  initialWindowSize: DEFAULT_SETTINGS.SETTINGS_INITIAL_WINDOW_SIZE,
  maxFrameSize: DEFAULT_SETTINGS.SETTINGS_MAX_FRAME_SIZE,
  maxHeaderListSize: DEFAULT_SETTINGS.SETTINGS_MAX_HEADER_LIST_SIZE,
  enableConnectProtocol: DEFAULT_SETTINGS.SETTINGS_ENABLE_CONNECT_PROTOCOL,
};

const NAME_BY_ID: ReadonlyMap<number, SettingName> = new Map<number, SettingName>([
  [SETTINGS_IDS.SETTINGS_HEADER_TABLE_SIZE, 'headerTableSize'],
  [SETTINGS_IDS.SETTINGS_ENABLE_PUSH, 'enablePush'],
  [SETTINGS_IDS.SETTINGS_MAX_CONCURRENT_STREAMS, 'maxConcurrentStreams'],
  [SETTINGS_IDS.SETTINGS_INITIAL_WINDOW_SIZE, 'initialWindowSize'],
  [SETTINGS_IDS.SETTINGS_MAX_FRAME_SIZE, 'maxFrameSize'],
  [SETTINGS_IDS.SETTINGS_MAX_HEADER_LIST_SIZE, 'maxHeaderListSize'],
  [SETTINGS_IDS.SETTINGS_ENABLE_CONNECT_PROTOCOL, 'enableConnectProtocol'],
]);

/** The result of applying one SETTINGS frame. */
export interface SettingsUpdate {
  readonly values: SettingsValues;
  /** Names whose value changed, in frame order, each once. */
  readonly changed: readonly SettingName[];
}

/**
 * Applies a SETTINGS frame to `current`, in order (§6.5.3), checking each value (§6.5.2,
 * RFC 8441 §3). Unknown ids are ignored. `receiver` is the role that receives the frame.
 *
 * @example
 * applySettings(INITIAL_SETTINGS, [{ id: 0x4, value: 1 << 20 }], 'server');
 * // { values: { ...initialWindowSize: 1048576 }, changed: ['initialWindowSize'] }
 */
export function applySettings(
  current: SettingsValues,
  entries: readonly SettingsEntry[],
  receiver: 'server' | 'client',
): SettingsUpdate | H2ProtocolError {
  const values: { -readonly [K in SettingName]: number } = { ...current };
  const changed: SettingName[] = [];
  for (const { id, value } of entries) {
    const name = NAME_BY_ID.get(id);
    if (name === undefined) continue; // §6.5.2: unknown settings are ignored
    switch (name) {
      case 'enablePush':
        // §6.5.2: only 0 or 1; a server never announces 1, so a client receiving 1 is an error.
        if (value > 1 || (value === 1 && receiver === 'client'))
          return err('PROTOCOL_ERROR', `SETTINGS_ENABLE_PUSH ${value}`);
        break;
      case 'initialWindowSize':
        if (value > MAX_WINDOW_SIZE)
          return err('FLOW_CONTROL_ERROR', `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
        break;
      case 'maxFrameSize':
        if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE)
          return err('PROTOCOL_ERROR', `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
        break;
      case 'enableConnectProtocol':
        // RFC 8441 §3: 0 or 1, and once 1 it cannot go back to 0.
        if (value > 1 || (value === 0 && values.enableConnectProtocol === 1))
          return err('PROTOCOL_ERROR', `SETTINGS_ENABLE_CONNECT_PROTOCOL ${value}`);
        break;
    }
    if (values[name] !== value && !changed.includes(name)) changed.push(name);
    values[name] = value;
  }
  return { values: interned(values), changed };
}

/**
 * Equal settings values as one frozen object: each connection keeps ours (once ACKed) and the
 * peer's (~80 B each), and most connections of a server have the same ones (one options object,
 * a few kinds of clients). Bounded: a peer sending ever new values only empties the cache.
 */
const internedValues = new Map<string, SettingsValues>();
const MAX_INTERNED = 64;

function interned(values: SettingsValues): SettingsValues {
  let key = '';
  for (const name of NAME_BY_ID.values()) key += `${values[name]},`;
  const known = internedValues.get(key);
  if (known !== undefined) return known;
  if (internedValues.size >= MAX_INTERNED) internedValues.clear();
  internedValues.set(key, Object.freeze(values));
  return values;
}

function err(code: 'PROTOCOL_ERROR' | 'FLOW_CONTROL_ERROR', message: string): H2ProtocolError {
  return new H2ProtocolError(code, 'connection', message);
}

/**
 * The SETTINGS we announce at start (RFC 9113 §3.4): only values that differ from the initial
 * ones, plus MAX_CONCURRENT_STREAMS, MAX_HEADER_LIST_SIZE (both unlimited by default) and, for a
 * client, ENABLE_PUSH = 0 (§8.4: push is obsolete).
 *
 * @example
 * announcedSettings(resolveOptions({ role: 'client' }));
 */
export function announcedSettings(o: ResolvedOptions): SettingsEntry[] {
  const entries: SettingsEntry[] = [];
  if (o.headerTableSize !== INITIAL_SETTINGS.headerTableSize)
    entries.push({ id: SETTINGS_IDS.SETTINGS_HEADER_TABLE_SIZE, value: o.headerTableSize });
  if (o.role === 'client') entries.push({ id: SETTINGS_IDS.SETTINGS_ENABLE_PUSH, value: 0 });
  entries.push({ id: SETTINGS_IDS.SETTINGS_MAX_CONCURRENT_STREAMS, value: o.maxConcurrentStreams });
  if (o.initialWindowSize !== INITIAL_SETTINGS.initialWindowSize)
    entries.push({ id: SETTINGS_IDS.SETTINGS_INITIAL_WINDOW_SIZE, value: o.initialWindowSize });
  if (o.maxFrameSize !== INITIAL_SETTINGS.maxFrameSize)
    entries.push({ id: SETTINGS_IDS.SETTINGS_MAX_FRAME_SIZE, value: o.maxFrameSize });
  entries.push({ id: SETTINGS_IDS.SETTINGS_MAX_HEADER_LIST_SIZE, value: o.maxHeaderListSize });
  if (o.enableConnectProtocol) entries.push({ id: SETTINGS_IDS.SETTINGS_ENABLE_CONNECT_PROTOCOL, value: 1 });
  return entries;
}

/**
 * Our side: what we announced and what is in force. A SETTINGS we send is *pending* until the
 * peer's ACK; ACKs come in order (§6.5.3), so pending frames form a FIFO.
 *
 * @example
 * const s = new LocalSettings();
 * s.sent([{ id: 0x4, value: 1 << 20 }], 0);
 * s.acknowledged(); // { values: { initialWindowSize: 1048576, ... }, changed: ['initialWindowSize'] }
 */
export class LocalSettings {
  /** In force: announced and acknowledged. */
  acked: SettingsValues = INITIAL_SETTINGS;
  /** Sent and not yet acknowledged, oldest first; none: no array (once the first is ACKed, usually for good). */
  private pending: { entries: readonly SettingsEntry[]; sentAt: number }[] | undefined;

  sent(entries: readonly SettingsEntry[], now: number): void {
    const p = { entries, sentAt: now };
    if (this.pending === undefined) this.pending = [p];
    else this.pending.push(p);
  }

  /** When the oldest unacknowledged SETTINGS was sent, or undefined. */
  get oldestPendingAt(): number | undefined {
    return this.pending?.[0]?.sentAt;
  }

  /** The peer ACKed the oldest pending frame; undefined when none was pending. */
  acknowledged(): SettingsUpdate | undefined {
    const p = this.pending?.shift();
    if (p === undefined) return undefined;
    if (this.pending?.length === 0) this.pending = undefined;
    // Our own values were checked when resolving options, so this cannot fail.
    const r = applySettings(this.acked, p.entries, 'server') as SettingsUpdate;
    this.acked = r.values;
    return r;
  }
}
