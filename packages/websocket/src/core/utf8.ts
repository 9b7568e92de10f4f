/**
 * A streaming UTF-8 validator (RFC 3629 §4, as RFC 6455 §8.1 requires of text messages): bytes
 * may arrive split anywhere, across frames of one fragmented message, and an invalid sequence is
 * reported as soon as its first wrong byte arrives, so a bad message fails before it is complete.
 * Rejects overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
 *
 * @example
 * const v = new Utf8Validator();
 * v.push(new Uint8Array([0xe2, 0x82])); // true: so far so good
 * v.push(new Uint8Array([0xac]));       // true: "€"
 * v.complete;                           // true: no sequence left open
 */
export class Utf8Validator {
  /** Continuation bytes still expected in the current sequence. */
  private need = 0;
  /** Bounds of the next continuation byte (narrower than 0x80..0xbf right after some leads). */
  private lower = 0x80;
  private upper = 0xbf;
  private failed = false;

  /** Feeds bytes; false once the stream is not UTF-8 (and from then on). */
  push(bytes: Uint8Array): boolean {
    if (this.failed) return false;
    let need = this.need;
    let lower = this.lower;
    let upper = this.upper;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number;
      if (need === 0) {
        if (b < 0x80) continue;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b === 0xe0) {
          need = 2;
          lower = 0xa0; // overlong below U+0800
        } else if (b === 0xed) {
          need = 2;
          upper = 0x9f; // surrogates U+D800..U+DFFF
        } else if (b >= 0xe1 && b <= 0xef) need = 2;
        else if (b === 0xf0) {
          need = 3;
          lower = 0x90; // overlong below U+10000
        } else if (b >= 0xf1 && b <= 0xf3) need = 3;
        else if (b === 0xf4) {
          need = 3;
          upper = 0x8f; // above U+10FFFF
        } else {
          this.failed = true;
          return false;
        }
      } else {
        if (b < lower || b > upper) {
          this.failed = true;
          return false;
        }
        lower = 0x80;
        upper = 0xbf;
        need--;
      }
    }
    this.need = need;
    this.lower = lower;
    this.upper = upper;
    return true;
  }

  /** True when everything pushed so far is valid and no sequence is left open. */
  get complete(): boolean {
    return !this.failed && this.need === 0;
  }

  reset(): void {
    this.need = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
    this.failed = false;
  }
}

/**
 * Whether `bytes` is complete, valid UTF-8.
 *
 * @example
 * isValidUtf8(new Uint8Array([0xc0, 0x80])); // false: overlong NUL
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const v = new Utf8Validator();
  return v.push(bytes) && v.complete;
}
