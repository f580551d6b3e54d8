import { describe, expect, it } from 'vitest';
import { providerStatus } from '../../src/vscode/panel/providerStatus';

describe('status bar provider text', () => {
  it('is plain on a CPU-only machine when the setting is auto: a normal state, not a warning', () => {
    const s = providerStatus('cpu', 'auto', [
      { provider: 'cuda', error: 'libcudart.so.12: cannot open shared object file' },
      { provider: 'webgpu', error: 'no adapter' },
    ]);
    expect(s.text).toBe('$(eye) RCNN: cpu');
    expect(s.text).not.toContain('$(warning)');
    expect(s.warning).toBeUndefined();
    expect(s.note).toMatch(/cuda, webgpu not available/);
  });

  it('warns when the provider the setting names failed and another one runs', () => {
    const s = providerStatus('cpu', 'cuda', [{ provider: 'cuda', error: 'no CUDA' }]);
    expect(s.text).toBe('$(eye) RCNN: cpu $(warning)');
    expect(s.warning).toMatch(/asks for cuda/);
  });

  it('is plain when the named provider runs', () => {
    expect(providerStatus('cuda', 'cuda', [])).toEqual({ text: '$(eye) RCNN: cuda', note: undefined });
  });
});
