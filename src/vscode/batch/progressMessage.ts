/** The words of Label Folder's progress notification. No vscode import, so it is testable. */
import type { LabelProgress } from '../../core/labeling/types';

function formatEta(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '';
  if (s < 60) return `${Math.ceil(s)} s left`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s left` : `${Math.floor(m / 60)} h ${m % 60} min left`;
}

export function progressMessage(p: LabelProgress): string {
  switch (p.phase) {
    case 'starting':
    case 'scanning':
      return p.scanned ? `Scanning the folder… ${p.scanned.toLocaleString('en-US')} images so far` : 'Scanning the folder…';
    case 'hashing':
      return `Checking ${(p.hashed ?? 0).toLocaleString('en-US')} / ${(p.hashTotal ?? 0).toLocaleString('en-US')} files with a new modification time by content…`;
    case 'loading':
      return `Loading the model (${p.total.toLocaleString('en-US')} images to label${p.reused ? `, ${p.reused.toLocaleString('en-US')} unchanged` : ''})…`;
    case 'writing':
      return 'Writing the labels file…';
    case 'done':
      return 'Done';
    default: {
      const parts = [`${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} images`];
      if (p.rate > 0) parts.push(`${p.rate.toFixed(0)} img/s`);
      const eta = formatEta(p.etaSeconds);
      if (eta) parts.push(eta);
      if (p.errors) parts.push(`${p.errors} error${p.errors === 1 ? '' : 's'}`);
      if (p.reused) parts.push(`${p.reused.toLocaleString('en-US')} unchanged`);
      return parts.join(' · ');
    }
  }
}
