import type { Duplex } from 'node:stream';
import {
  type AssembledFrame,
  assembleHeaderBlocks,
  type DecodedFrame,
  decodeHpack,
  encodeHpack,
  type Frame,
  FrameSplitter,
  HeaderBlockAssembler,
  HpackDecoder,
  HpackEncoder,
  parseFrames,
  serializeFrames,
  splitFrames,
} from '@h2tubes/h2-frames';
import { type PauseToken, socketFount } from '@h2tubes/tubes';
import { identity, type Observable, type OperatorFunction } from 'rxjs';
import type { SettingsValues } from '../core/settings.js';

/**
 * Stages a user may insert into the standard chain. Inbound:
 * socket → splitFrames → parseFrames → [afterParse] → assembleHeaderBlocks → decodeHpack → [afterDecode] → core.
 */
export interface FrameStages {
  /** Sees every wire frame received (a frame logger, a fault injector). */
  readonly afterParse?: OperatorFunction<Frame, Frame>;
  /** Sees decoded header lists and the other frames just before the core (a header rewriter). */
  readonly afterDecode?: OperatorFunction<DecodedFrame, DecodedFrame>;
}
