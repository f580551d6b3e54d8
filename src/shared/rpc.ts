/**
 * A small request/response helper used on both sides of the webview boundary: the
 * sender assigns a requestId and awaits the `reply` message carrying it.
 */
export interface ReplyMessage {
  type: 'reply';
  requestId: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export class RequestTracker {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** Sends `build(id)` through `post` and resolves with the reply's value. */
  request<T>(post: (msg: unknown) => void, build: (requestId: number) => unknown): Promise<T> {
    const requestId = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
      post(build(requestId));
    });
  }

  /** Feeds a reply in; returns false if it was not one of ours. */
  settle(reply: ReplyMessage): boolean {
    const w = this.waiting.get(reply.requestId);
    if (!w) return false;
    this.waiting.delete(reply.requestId);
    if (reply.ok) w.resolve(reply.value);
    else w.reject(new Error(reply.error ?? 'request failed'));
    return true;
  }
}

/** Host side: runs a handler for a request and posts its reply. */
export async function answer(
  post: (msg: ReplyMessage) => void,
  requestId: number,
  handler: () => Promise<unknown>,
): Promise<void> {
  try {
    post({ type: 'reply', requestId, ok: true, value: await handler() });
  } catch (err) {
    post({ type: 'reply', requestId, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
