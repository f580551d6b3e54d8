/**
 * The timestep scrubber (1…L) with play/pause. Keyboard: the range input already steps
 * with ←/→ and jumps with Home/End; Space toggles playback. The stage gets the same keys
 * so the user can scrub while looking at (and focused on) the image.
 */

export interface TimelineEvents {
  /** The user moved to a timestep (1-based). */
  onStep(step: number): void;
}

export class Timeline {
  private steps = 1;
  private timer: number | undefined;
  private intervalMs = 120;

  constructor(
    private readonly range: HTMLInputElement,
    private readonly playButton: HTMLElement,
    private readonly label: HTMLElement,
    keyTargets: readonly HTMLElement[],
    private readonly events: TimelineEvents,
  ) {
    // 'input' fires only for user changes: dragging or native arrow/Home/End keys, which take over from playback.
    range.addEventListener('input', () => {
      this.stop();
      this.userStep(Number(range.value));
    });
    range.addEventListener('keydown', (e) => {
      if (e.key === ' ') {
        e.preventDefault();
        this.toggle();
      }
    });
    playButton.addEventListener('click', () => this.toggle());
    for (const target of keyTargets) target.addEventListener('keydown', (e) => this.onKey(e));
  }

  get value(): number {
    return Number(this.range.value);
  }

  get playing(): boolean {
    return this.timer !== undefined;
  }

  configure(steps: number, intervalMs: number, enabled: boolean): void {
    this.stop();
    this.steps = Math.max(1, steps);
    this.intervalMs = intervalMs;
    this.range.max = String(this.steps);
    this.range.disabled = !enabled;
    this.playButton.toggleAttribute('disabled', !enabled);
  }

  /** Sets the position without notifying (the controller already knows). */
  show(step: number, description: string): void {
    this.range.value = String(step);
    this.range.setAttribute('aria-valuetext', description);
    this.label.textContent = description;
  }

  toggle(): void {
    if (this.playing) this.stop();
    else this.play();
  }

  play(): void {
    if (this.playing || this.range.disabled) return;
    // Playing from the end starts over, which is what a user pressing play there means.
    if (this.value >= this.steps) this.userStep(1);
    this.timer = window.setInterval(() => {
      this.userStep(this.value + 1);
      if (this.value >= this.steps) this.stop();
    }, this.intervalMs);
    this.renderButton();
  }

  stop(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
    this.renderButton();
  }

  private renderButton(): void {
    const playing = this.playing;
    // Codicons, not U+23F8/U+25B6: the pause sign is missing from common fonts and showed as an empty box.
    const icon = this.playButton.querySelector('.codicon');
    icon?.classList.toggle('codicon-play', !playing);
    icon?.classList.toggle('codicon-debug-pause', playing);
    this.playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    this.playButton.setAttribute('aria-pressed', String(playing));
    this.playButton.title = playing ? 'Pause (Space)' : 'Play (Space)';
  }

  private userStep(step: number): void {
    const clamped = Math.min(this.steps, Math.max(1, Math.round(step)));
    this.range.value = String(clamped);
    this.events.onStep(clamped);
  }

  private onKey(e: KeyboardEvent): void {
    if (this.range.disabled || e.altKey || e.ctrlKey || e.metaKey) return;
    const next: Record<string, () => number> = {
      ArrowLeft: () => this.value - 1,
      ArrowRight: () => this.value + 1,
      Home: () => 1,
      End: () => this.steps,
    };
    if (e.key === ' ') {
      e.preventDefault();
      this.toggle();
    } else if (next[e.key]) {
      e.preventDefault();
      this.stop();
      this.userStep(next[e.key]());
    }
  }
}
