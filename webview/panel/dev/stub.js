// Stands in for VS Code's webview API in the standalone harness: records posted
// messages, keeps setState in sessionStorage (survives page.reload like a webview
// reload), and answers copyText / savePng like the host does.
(() => {
  window.__posted = [];
  window.__lastPng = undefined;
  const key = 'rcnn-lens-harness-state';
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage(message) {
        window.__posted.push(message);
        if (message.type === 'copyText') reply(message.requestId, { copied: true });
        if (message.type === 'savePng') {
          window.__lastPng = message.dataUrl;
          reply(message.requestId, window.__savePngReply ?? { saved: '/tmp/' + message.suggestedName });
        }
      },
      getState() {
        const raw = sessionStorage.getItem(key);
        return raw ? JSON.parse(raw) : undefined;
      },
      setState(state) {
        sessionStorage.setItem(key, JSON.stringify(state));
      },
    };
  };
  function reply(requestId, value) {
    setTimeout(() => window.postMessage({ type: 'reply', requestId, ok: true, value }, '*'), 10);
  }
})();
