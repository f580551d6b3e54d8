/**
 * The one message envelope of RCNN Lens, used by both webviews and both worker channels.
 * Each channel's protocol module declares a discriminated union per direction and a
 * request → response type map; this module supplies the typed request/reply pairing:
 *
 * - a request is a message of the union whose `type` is a key of the map; it carries a
 *   `requestId` given by the RequestTracker;
 * - a reply is `{ type: 'reply', requestId, ok: true, value }`, where `value` has the
 *   map's type for the request, or `{ ok: false, error }` with a WireError of the closed
 *   set of codes (errorCodes.ts);
 * - a receiver that starts later than its sender (a webview, a worker) says `ready`
 *   first; until then the sender holds its messages (ReadyGate).
 *
 * Browser-safe: no node imports.
 */
import { type ErrorCode, isErrorCode } from './errorCodes';

export { type ErrorCode, ERROR_CODES, isErrorCode } from './errorCodes';

/** An error as it crosses a boundary. `details` holds plain data only (it is cloned). */
export interface WireError {
  code: ErrorCode;
  message: string;
  details?: WireErrorDetails;
}

export interface WireErrorDetails {
  /** A finer reason within the code (an ImageErrorCode, a ModelLoadErrorCode). */
  reason?: string;
  /** The sender's class name, for the log only: never branched on. */
  name?: string;
  filePath?: string;
  detail?: string;
  problems?: Array<{ where: string; message: string }>;
}

/** A reply to a request; `V` is the map's response type for that request. */
export type Reply<V = unknown> =
  | { type: 'reply'; requestId: number; ok: true; value: V }
  | { type: 'reply'; requestId: number; ok: false; error: WireError };

/** The ready handshake: the later side's first message. */
export interface ReadyMessage {
  type: 'ready';
}

/** The messages of union `U` that are requests of map `R`. */
export type RequestIn<U, R> = Extract<U, { type: keyof R; requestId: number }>;

/** A request as its sender writes it: the tracker adds the id. */
export type Unsent<M> = M extends unknown ? Omit<M, 'requestId'> : never;

/** Turns anything thrown into a WireError; an error with a valid `errorCode` keeps it. */
export function toWireError(err: unknown, fallback: ErrorCode = 'internal'): WireError {
  if (!(err instanceof Error)) return { code: fallback, message: String(err) };
  const e = err as Error & { errorCode?: unknown; code?: unknown; filePath?: unknown; detail?: unknown; problems?: unknown };
  const details: WireErrorDetails = { name: e.name };
  if (typeof e.code === 'string') details.reason = e.code;
  if (typeof e.filePath === 'string') details.filePath = e.filePath;
  if (typeof e.detail === 'string') details.detail = e.detail;
  if (Array.isArray(e.problems)) details.problems = e.problems as WireErrorDetails['problems'];
  return { code: isErrorCode(e.errorCode) ? e.errorCode : fallback, message: e.message, details };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A WireError checked at runtime; an unknown code or a wrong shape gives undefined. */
export function parseWireError(raw: unknown): WireError | undefined {
  if (!isObject(raw) || !isErrorCode(raw.code) || typeof raw.message !== 'string') return undefined;
  const error: WireError = { code: raw.code, message: raw.message };
  if (isObject(raw.details)) error.details = raw.details as WireErrorDetails;
  return error;
}

/** A reply checked at runtime (its value's type is the tracker's business); undefined when malformed. */
export function parseReply(raw: unknown): Reply | undefined {
  if (!isObject(raw) || raw.type !== 'reply') return undefined;
  const { requestId } = raw;
  if (typeof requestId !== 'number' || !Number.isSafeInteger(requestId)) return undefined;
  if (raw.ok === true) return { type: 'reply', requestId, ok: true, value: raw.value };
  if (raw.ok !== false) return undefined;
  const error = parseWireError(raw.error) ?? { code: 'internal', message: 'the other side sent a malformed error' };
  return { type: 'reply', requestId, ok: false, error };
}

/** A failed request on the asking side: the WireError's code and details, as an Error. */
export class RequestError extends Error {
  readonly errorCode: ErrorCode;
  readonly details?: WireErrorDetails;
  constructor(error: WireError) {
    super(error.message);
    this.name = 'RequestError';
    this.errorCode = error.code;
    this.details = error.details;
  }
}

/** The asking side of a channel with union `U` (its outgoing messages) and response map `R`. */
export class RequestTracker<U extends { type: string }, R> {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** Sends the request through `post` with a fresh id; resolves with the reply's value, typed by the map. */
  request<M extends Unsent<RequestIn<U, R>>>(post: (message: U) => void, message: M): Promise<R[M['type'] & keyof R]> {
    const requestId = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
      post({ ...message, requestId } as unknown as U);
    });
  }

  /** Feeds a reply in; returns false if it was not one of ours. */
  settle(reply: Reply): boolean {
    const w = this.waiting.get(reply.requestId);
    if (!w) return false;
    this.waiting.delete(reply.requestId);
    if (reply.ok) w.resolve(reply.value);
    else w.reject(new RequestError(reply.error));
    return true;
  }

  /** Fails every request still waiting (the other side went away). */
  rejectAll(error: WireError): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) w.reject(new RequestError(error));
  }
}

/**
 * The answering side of map `R`: runs the handler for one request and posts its reply.
 * The handler must return the map's type for that request (checked by the compiler).
 */
export function replier<R>() {
  return async function answer<K extends keyof R & string>(
    post: (reply: Reply<R[K]>) => void,
    request: { type: K; requestId: number },
    handler: () => Promise<R[K]>,
    toError: (err: unknown) => WireError = toWireError,
  ): Promise<void> {
    let reply: Reply<R[K]>;
    try {
      reply = { type: 'reply', requestId: request.requestId, ok: true, value: await handler() };
    } catch (err) {
      reply = { type: 'reply', requestId: request.requestId, ok: false, error: toError(err) };
    }
    post(reply);
  };
}

/**
 * The sending side of the ready handshake: messages wait until the receiver said `ready`.
 * Only the latest state message is kept (a later one replaces it) and replayed after every
 * `ready` (a webview that reloads says it again); replies are sent at once or dropped.
 */
export class ReadyGate<M> {
  private ready = false;
  private latest: M | undefined;

  constructor(
    private readonly send: (message: M) => void,
    private readonly isState: (message: M) => boolean,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }

  post(message: M): void {
    if (this.isState(message)) this.latest = message;
    if (this.ready || !this.isState(message)) this.send(message);
  }

  /** The receiver said `ready`: it gets the latest state. */
  markReady(): void {
    this.ready = true;
    if (this.latest !== undefined) this.send(this.latest);
  }
}

/**
 * The one way a host takes a message from a webview (or a worker): checked by the
 * channel's parser, logged and dropped when malformed, handled otherwise.
 */
export function receiveChecked<M extends { type: string }>(
  raw: unknown,
  parse: (raw: unknown) => M | undefined,
  handle: (message: M) => void,
  warnMalformed: () => void,
): void {
  const message = parse(raw);
  if (message) handle(message);
  else warnMalformed();
}
