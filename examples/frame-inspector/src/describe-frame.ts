import {
  encodedLength,
  FLAGS,
  FRAME_HEADER_LENGTH,
  type Frame,
  type HeaderField,
  SETTINGS_IDS,
} from '@h2tubes/h2-frames/core';

const SETTING_NAMES = new Map<number, string>(Object.entries(SETTINGS_IDS).map(([name, id]) => [id, name]));
const INDENT = '          ';

/** The flags octet of a parsed frame, rebuilt from its fields (RFC 9113 §6 per type). */
function flagsOf(f: Frame): number {
  switch (f.type) {
    case 'DATA':
      return (f.endStream ? FLAGS.END_STREAM : 0) | (f.padLength !== undefined ? FLAGS.PADDED : 0);
    case 'HEADERS':
      return (
        (f.endStream ? FLAGS.END_STREAM : 0) |
        (f.endHeaders ? FLAGS.END_HEADERS : 0) |
        (f.padLength !== undefined ? FLAGS.PADDED : 0) |
        (f.priority !== undefined ? FLAGS.PRIORITY : 0)
      );
    case 'PUSH_PROMISE':
      return (f.endHeaders ? FLAGS.END_HEADERS : 0) | (f.padLength !== undefined ? FLAGS.PADDED : 0);
    case 'CONTINUATION':
      return f.endHeaders ? FLAGS.END_HEADERS : 0;
    case 'SETTINGS':
    case 'PING':
      return f.ack ? FLAGS.ACK : 0;
    case 'UNKNOWN':
      return f.flags;
    default:
      return 0;
  }
}

function flagNames(f: Frame, flags: number): string[] {
  const names: string[] = [];
  if (f.type === 'SETTINGS' || f.type === 'PING') {
    if (flags & FLAGS.ACK) names.push('ACK');
    return names;
  }
  if (f.type === 'DATA' || f.type === 'HEADERS') if (flags & FLAGS.END_STREAM) names.push('END_STREAM');
  if (flags & FLAGS.END_HEADERS && f.type !== 'DATA') names.push('END_HEADERS');
  if (flags & FLAGS.PADDED) names.push('PADDED');
  if (flags & FLAGS.PRIORITY && f.type === 'HEADERS') names.push('PRIORITY');
  return names;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The type-specific detail lines nghttp -v prints under a frame line. */
function details(f: Frame): string[] {
  switch (f.type) {
    case 'DATA':
      return f.padLength !== undefined ? [`(padlen=${f.padLength})`] : [];
    case 'HEADERS':
      return f.priority === undefined
        ? []
        : [
            `(padlen=${f.padLength ?? 0}, dep_stream_id=${f.priority.dependency}, weight=${f.priority.weight}, exclusive=${f.priority.exclusive ? 1 : 0})`,
          ];
    case 'PRIORITY':
      return [
        `(dep_stream_id=${f.priority.dependency}, weight=${f.priority.weight}, exclusive=${f.priority.exclusive ? 1 : 0})`,
      ];
    case 'RST_STREAM':
      return [`(error_code=${f.errorCode})`];
    case 'SETTINGS':
      return [
        `(niv=${f.settings.length})`,
        ...f.settings.map(
          (s) =>
            `[${SETTING_NAMES.get(s.id) ?? 'UNKNOWN'}(0x${s.id.toString(16).padStart(2, '0')}):${s.value}]`,
        ),
      ];
    case 'PUSH_PROMISE':
      return [`(promised_stream_id=${f.promisedStreamId})`];
    case 'PING':
      return [`(opaque_data=${hex(f.opaqueData)})`];
    case 'GOAWAY':
      return [
        `(last_stream_id=${f.lastStreamId}, error_code=${f.errorCode}, opaque_data(${f.debugData.length})=[${Buffer.from(f.debugData).toString('latin1')}])`,
      ];
    case 'WINDOW_UPDATE':
      return [`(window_size_increment=${f.windowSizeIncrement})`];
    case 'PRIORITY_UPDATE':
      return [
        `(prioritized_stream_id=${f.prioritizedStreamId}, priority_field_value=${f.priorityFieldValue})`,
      ];
    case 'UNKNOWN':
      return [`(type=0x${f.typeCode.toString(16)}, payload=${f.payload.length} octets)`];
    default:
      return [];
  }
}

/**
 * A frame as `nghttp -v` prints it: `HEADERS frame <length=30, flags=0x05, stream_id=1>`, then
 * `; END_STREAM | END_HEADERS` and the type's fields on indented lines.
 *
 * @example
 * describeFrame({ type: 'WINDOW_UPDATE', streamId: 0, windowSizeIncrement: 1000 });
 * // ['WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=0>', '          (window_size_increment=1000)']
 */
export function describeFrame(f: Frame): string[] {
  const name = f.type === 'UNKNOWN' ? `UNKNOWN(0x${f.typeCode.toString(16)})` : f.type;
  // The payload length on the wire: the encoder computes it from the same fields the parser read.
  const length = encodedLength(f) - FRAME_HEADER_LENGTH;
  const flags = flagsOf(f);
  const lines = [
    `${name} frame <length=${length}, flags=0x${flags.toString(16).padStart(2, '0')}, stream_id=${f.streamId}>`,
  ];
  const names = flagNames(f, flags);
  if (names.length > 0) lines.push(`${INDENT}; ${names.join(' | ')}`);
  for (const d of details(f)) lines.push(`${INDENT}${d}`);
  return lines;
}

/** A decoded header list, one `name: value` per line, indented under its frame. */
export function describeFields(fields: readonly HeaderField[]): string[] {
  return fields.map((h) => `${INDENT}${h.name}: ${h.value}`);
}
