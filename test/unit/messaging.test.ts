import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ReadyGate,
  RequestError,
  RequestTracker,
  isErrorCode,
  parseReply,
  parseWireError,
  receiveChecked,
  replier,
  toWireError,
  type Reply,
} from '../../src/shared/messaging';
import type { HostToPanel, PanelResponses, PanelToHost } from '../../src/shared/protocol';
import type { ReviewResponses, ReviewToHost } from '../../src/shared/reviewProtocol';

const answerPanel = replier<PanelResponses>();

describe('request/response over postMessage', () => {
  it('pairs replies with requests by id, in any order, across a JSON boundary', async () => {
    const tracker = new RequestTracker<PanelToHost, PanelResponses>();
    const sent: PanelToHost[] = [];
    const post = (m: PanelToHost) => sent.push(JSON.parse(JSON.stringify(m)));
    const first = tracker.request(post, { type: 'savePng', dataUrl: 'd', suggestedName: 'a.png' });
    const second = tracker.request(post, { type: 'copyText', text: 'hi' });
    expect(sent.map((m) => m.type)).toEqual(['savePng', 'copyText']);

    // The host answers the second first; the first one fails.
    const replies: Reply[] = [];
    const [save, copy] = sent as Array<Extract<PanelToHost, { requestId: number }>>;
    expect(save.requestId).not.toBe(copy.requestId);
    await answerPanel((r) => replies.push(JSON.parse(JSON.stringify(r))), { type: 'copyText', requestId: copy.requestId }, async () => ({ copied: true }));
    await answerPanel((r) => replies.push(JSON.parse(JSON.stringify(r))), { type: 'savePng', requestId: save.requestId }, async () => {
      throw new Error('disk full');
    });
    for (const r of replies) expect(tracker.settle(parseReply(r)!)).toBe(true);
    await expect(second).resolves.toEqual({ copied: true });
    await expect(first).rejects.toThrow('disk full');
    await expect(first).rejects.toBeInstanceOf(RequestError);
    expect(tracker.settle({ type: 'reply', requestId: 999, ok: true, value: undefined })).toBe(false);
  });

  it('rejects with the error code the answering side chose', async () => {
    const tracker = new RequestTracker<ReviewToHost, ReviewResponses>();
    const answer = replier<ReviewResponses>();
    let reply: Reply | undefined;
    const pending = tracker.request(
      (m) => {
        if (m.type === 'setLabels') void answer((r) => (reply = r), m, async () => { throw new Error('gone'); }, () => ({ code: 'stale', message: 'gone' }));
      },
      { type: 'setLabels', changes: [] },
    );
    await new Promise((r) => setTimeout(r, 0));
    tracker.settle(reply!);
    await expect(pending).rejects.toMatchObject({ errorCode: 'stale', message: 'gone' });
  });

  it('fails every waiting request when the other side goes away', async () => {
    const tracker = new RequestTracker<PanelToHost, PanelResponses>();
    const p = tracker.request(() => {}, { type: 'copyText', text: 'x' });
    tracker.rejectAll({ code: 'worker_crash', message: 'stopped' });
    await expect(p).rejects.toMatchObject({ errorCode: 'worker_crash' });
  });

  it('types replies by the request → response map (checked by npm run typecheck)', async () => {
    const tracker = new RequestTracker<PanelToHost, PanelResponses>();
    const posted: PanelToHost[] = [];
    const copied = tracker.request((m) => posted.push(m), { type: 'copyText', text: 'x' });
    // @ts-expect-error a copyText reply is { copied: true }, not a string
    const wrongUse: Promise<string> = copied;
    // @ts-expect-error openHelp is a message, not a request: it has no reply
    void tracker.request(() => {}, { type: 'openHelp' });
    // @ts-expect-error a request must carry its fields
    void tracker.request(() => {}, { type: 'savePng', dataUrl: 'd' });
    const answerTyped = replier<PanelResponses>();
    // @ts-expect-error the handler of savePng must return { saved } or { cancelled }, not a path string
    await answerTyped(() => {}, { type: 'savePng', requestId: 1 }, async () => '/tmp/a.png');
    await answerTyped(() => {}, { type: 'savePng', requestId: 2 }, async () => ({ saved: '/tmp/a.png' }));
    const reviewAnswer = replier<ReviewResponses>();
    // @ts-expect-error setLabels answers with the number of corrections written
    await reviewAnswer(() => {}, { type: 'setLabels', requestId: 3 }, async () => ({ saved: true }));
    const hostMessage: HostToPanel = { type: 'reply', requestId: 1, ok: true, value: { copied: true } };
    // @ts-expect-error an error reply carries a WireError, not a string
    const badError: HostToPanel = { type: 'reply', requestId: 1, ok: false, error: 'failed' };
    expect(posted).toHaveLength(1);
    expect([wrongUse, hostMessage, badError]).toHaveLength(3);
  });
});

describe('wire errors', () => {
  it('has a closed set of codes, checked at runtime', () => {
    for (const code of ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    for (const bad of ['ModelLoadError', 'IMAGE', '', undefined, 3, null, 'toString', '__proto__']) expect(isErrorCode(bad)).toBe(false);
  });

  it('refuses a wire error with an unknown code or a wrong shape', () => {
    expect(parseWireError({ code: 'image', message: 'bad', details: { reason: 'corrupt' } })).toEqual({ code: 'image', message: 'bad', details: { reason: 'corrupt' } });
    expect(parseWireError({ code: 'ImageError', message: 'bad' })).toBeUndefined();
    expect(parseWireError({ code: 'image' })).toBeUndefined();
    expect(parseWireError('image')).toBeUndefined();
  });

  it('turns a reply with a malformed error into an internal error, and refuses non-replies', () => {
    expect(parseReply({ type: 'reply', requestId: 4, ok: false, error: { code: 'made_up', message: 'x' } })).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(parseReply({ type: 'reply', requestId: 4.5, ok: true })).toBeUndefined();
    expect(parseReply({ type: 'reply', requestId: 4, ok: 'yes' })).toBeUndefined();
    expect(parseReply({ type: 'result', requestId: 4, ok: true })).toBeUndefined();
  });

  it('keeps an error class own code and its fields, and falls back for anything else', () => {
    const coded = Object.assign(new Error('bad.jpg: corrupt'), { name: 'ImageError', errorCode: 'image', code: 'corrupt', filePath: 'bad.jpg' });
    expect(toWireError(coded)).toEqual({ code: 'image', message: 'bad.jpg: corrupt', details: { name: 'ImageError', reason: 'corrupt', filePath: 'bad.jpg' } });
    // A name string alone never selects a code.
    expect(toWireError(Object.assign(new Error('x'), { name: 'ModelLoadError' })).code).toBe('internal');
    expect(toWireError(Object.assign(new Error('x'), { errorCode: 'not_a_code' }), 'io').code).toBe('io');
    expect(toWireError('plain')).toEqual({ code: 'internal', message: 'plain' });
  });
});

describe('ready handshake', () => {
  it('holds state until ready, sends only the latest, replays it after a reload, and never holds replies', () => {
    const sent: HostToPanel[] = [];
    const gate = new ReadyGate<HostToPanel>((m) => sent.push(m), (m) => m.type !== 'reply');
    gate.post({ type: 'loading', imagePath: '/a.jpg', fileName: 'a.jpg' });
    gate.post({ type: 'error', imagePath: '/a.jpg', fileName: 'a.jpg', message: 'no' });
    gate.post({ type: 'reply', requestId: 1, ok: true, value: { copied: true } });
    expect(sent.map((m) => m.type)).toEqual(['reply']);
    gate.markReady();
    expect(sent.map((m) => m.type)).toEqual(['reply', 'error']);
    gate.post({ type: 'loading', imagePath: '/b.jpg', fileName: 'b.jpg' });
    gate.markReady(); // the webview reloaded
    expect(sent.map((m) => m.type)).toEqual(['reply', 'error', 'loading', 'loading']);
    expect(gate.isReady).toBe(true);
  });

  it('hands checked messages on and reports malformed ones', () => {
    const handled: string[] = [];
    let malformed = 0;
    const parse = (raw: unknown) => (raw === 'ok' ? { type: 'ok' } : undefined);
    receiveChecked('ok', parse, (m) => handled.push(m.type), () => malformed++);
    receiveChecked({ type: 'ok' }, parse, (m) => handled.push(m.type), () => malformed++);
    expect(handled).toEqual(['ok']);
    expect(malformed).toBe(1);
  });
});
