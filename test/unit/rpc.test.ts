import { describe, expect, it } from 'vitest';
import { answer, RequestTracker, type ReplyMessage } from '../../src/shared/rpc';
import type { PanelToHost } from '../../src/shared/protocol';

describe('request/response over postMessage', () => {
  it('pairs replies with requests by id, in any order, across a JSON boundary', async () => {
    const tracker = new RequestTracker();
    const sent: PanelToHost[] = [];
    const post = (m: unknown) => sent.push(JSON.parse(JSON.stringify(m)));
    const first = tracker.request<{ saved: string }>(post, (requestId) => ({ type: 'savePng', requestId, dataUrl: 'd', suggestedName: 'a.png' }));
    const second = tracker.request(post, (requestId) => ({ type: 'copyText', requestId, text: 'hi' }));
    expect(sent.map((m) => m.type)).toEqual(['savePng', 'copyText']);

    // The host answers the second first; the first one fails.
    const replies: ReplyMessage[] = [];
    const ids = sent.map((m) => (m as { requestId: number }).requestId);
    await answer((r) => replies.push(JSON.parse(JSON.stringify(r))), ids[1], async () => ({ copied: true }));
    await answer((r) => replies.push(r), ids[0], async () => {
      throw new Error('disk full');
    });
    for (const r of replies) expect(tracker.settle(r)).toBe(true);
    await expect(second).resolves.toEqual({ copied: true });
    await expect(first).rejects.toThrow('disk full');
    expect(tracker.settle({ type: 'reply', requestId: 999, ok: true })).toBe(false);
  });
});
