import { describe, expect, it } from 'vitest';
import { PanelTrace } from '../../src/vscode/panel/panelTrace';

describe('PanelTrace', () => {
  it('logs each stage once, in time order, as whole milliseconds after the command', () => {
    const trace = new PanelTrace(1000.6);
    trace.mark('ready', 1412.2);
    trace.mark('panel', 1003.4);
    trace.mark('ready', 1500);
    trace.mark('result-posted', 1620.5);
    expect(trace.has('ready')).toBe(true);
    expect(trace.has('classified')).toBe(false);
    expect(trace.summary()).toBe('t0=1001 panel +2 ready +411 result-posted +620');
  });
});
