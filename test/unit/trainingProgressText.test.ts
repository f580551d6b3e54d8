import { describe, expect, it } from 'vitest';
import { epochMessage, percent } from '../../src/vscode/training/progressText';

describe('training progress text', () => {
  const epoch = { event: 'epoch' as const, epoch: 3, epochs: 10, loss: 0.51234, val_acc: 0.875 };

  it('names the epoch, loss, accuracy and the minutes left', () => {
    expect(epochMessage({ ...epoch, eta_s: 125 })).toBe('Epoch 3/10: loss 0.512, validation accuracy 87.5%, about 2 min left');
    expect(epochMessage({ ...epoch, eta_s: 20 })).toContain('about 1 min left');
  });

  it('says nothing about time left at the last epoch (eta 0) or without an estimate', () => {
    expect(epochMessage({ ...epoch, epoch: 10, eta_s: 0 })).toBe('Epoch 10/10: loss 0.512, validation accuracy 87.5%');
    expect(epochMessage(epoch)).not.toContain('left');
  });

  it('shows a dash for a missing accuracy', () => {
    expect(epochMessage({ ...epoch, val_acc: NaN })).toContain('validation accuracy –');
    expect(percent(null)).toBe('–');
  });
});
