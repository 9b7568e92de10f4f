/** Where a failure happened, for an `onError` hook. */
export interface ErrorContext {
  readonly streamId?: number;
  /** What failed, in a few words ("response or request body", "handler"). */
  readonly what: string;
}

/**
 * Reports a failure that the wire answer alone does not explain to the application (a body
 * source that threw: the peer sees RST_STREAM INTERNAL_ERROR, the app should see why).
 */
export type ReportError = (error: unknown, context: ErrorContext) => void;

/** The default: one line on stderr, no stack (the stream's reset already contained the damage). */
export const defaultReportError: ReportError = (error, context) => {
  const where = context.streamId === undefined ? '' : ` of stream ${context.streamId}`;
  console.error(`[h2tubes] ${context.what}${where} failed: ${(error as Error)?.message ?? String(error)}`);
};
