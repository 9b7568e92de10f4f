import type {
  DataFrame,
  ErrorCode,
  FieldBlock,
  FieldList,
  GoawayFrame,
  PingFrame,
  RstStreamFrame,
  SettingsEntry,
  SettingsFrame,
  WindowUpdateFrame,
} from '@h2tubes/h2-frames/core';

/**
 * Factories for the frames the core writes, fields always set in the same order so every frame
 * of a type has one hidden class (DESIGN.md performance principles).
 *
 * @example
 * sink.frame(rstStream(1, 'CANCEL'));
 */
export const headers = (streamId: number, fields: FieldList, endStream: boolean): FieldBlock => ({
  type: 'FIELD_BLOCK',
  kind: 'HEADERS',
  streamId,
  endStream,
  priority: undefined,
  promisedStreamId: 0,
  fields,
  oversized: false,
});

export const data = (streamId: number, payload: Uint8Array, endStream: boolean): DataFrame => ({
  type: 'DATA',
  streamId,
  endStream,
  data: payload,
  padLength: undefined,
});

export const rstStream = (streamId: number, errorCode: ErrorCode): RstStreamFrame => ({
  type: 'RST_STREAM',
  streamId,
  errorCode,
});

export const windowUpdate = (streamId: number, windowSizeIncrement: number): WindowUpdateFrame => ({
  type: 'WINDOW_UPDATE',
  streamId,
  windowSizeIncrement,
});

export const settings = (entries: readonly SettingsEntry[]): SettingsFrame => ({
  type: 'SETTINGS',
  streamId: 0,
  ack: false,
  settings: entries,
});

export const settingsAck = (): SettingsFrame => ({ type: 'SETTINGS', streamId: 0, ack: true, settings: [] });

export const ping = (opaqueData: Uint8Array, ack: boolean): PingFrame => ({
  type: 'PING',
  streamId: 0,
  ack,
  opaqueData,
});

export const goaway = (lastStreamId: number, errorCode: ErrorCode, debugData: Uint8Array): GoawayFrame => ({
  type: 'GOAWAY',
  streamId: 0,
  lastStreamId,
  errorCode,
  debugData,
});
