/** RFC 9218 §4: the default urgency (3) and incremental flag (false). */
export const DEFAULT_URGENCY = 3;

/** RFC 9218 extensible priority parameters. */
export interface Priority {
  /** 0 (most urgent) .. 7. */
  readonly urgency: number;
  /** Incremental responses are interleaved with others of the same urgency. */
  readonly incremental: boolean;
}

/**
 * Parses a Priority Field Value (the `priority` header or a PRIORITY_UPDATE payload), a
 * Structured Fields dictionary (RFC 8941 §3.2). Unknown keys and out-of-range or mistyped values
 * are ignored, falling back to `base` (RFC 9218 §4: "...MUST be ignored").
 *
 * @example
 * parsePriority('u=1, i');  // { urgency: 1, incremental: true }
 * parsePriority('u=9');     // { urgency: 3, incremental: false }
 */
export function parsePriority(
  value: string,
  base: Priority = { urgency: DEFAULT_URGENCY, incremental: false },
): Priority {
  let urgency = base.urgency;
  let incremental = base.incremental;
  for (const member of value.split(',')) {
    const eq = member.indexOf('=');
    const key = (eq < 0 ? member : member.slice(0, eq)).trim();
    // Parameters after ';' are allowed on members; they do not change the meaning here.
    const raw =
      eq < 0
        ? '?1'
        : member
            .slice(eq + 1)
            .split(';')[0]!
            .trim();
    if (key === 'u') {
      if (/^[0-7]$/.test(raw)) urgency = Number(raw);
    } else if (key.split(';')[0] === 'i') {
      if (raw === '?1') incremental = true;
      else if (raw === '?0') incremental = false;
    }
  }
  return { urgency, incremental };
}
