/**
 * The TaskMem adapter: which version memorization uses, what it learned from, the last training
 * result, progress while training, and the controls (Train now, Cancel, Pause/Resume learning,
 * Reset). Properties in, CustomEvents out; every value is bound as text.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { AdapterState } from '../agent/adapter-manager';

const STATUS_TEXT: Record<AdapterState['status'], string> = {
  idle: 'learning from your questions',
  training: 'training',
  paused: 'learning paused',
  error: 'training failed',
};

const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : '—');

export class TmAdapterPanel extends LitElement {
  static override properties = {
    adapter: { attribute: false },
  };

  declare adapter: AdapterState;

  static override styles = css`
    :host { display: block; font-size: 0.92em; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0 0 8px; }
    dt { color: var(--taskmem-muted, #8fa3b8); }
    dd { margin: 0; overflow-wrap: anywhere; }
    progress { width: 100%; }
    .buttons { display: flex; flex-wrap: wrap; gap: 6px; }
    button { font: inherit; font-size: 0.9em; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: default; }
    .error { color: var(--taskmem-error, #ff8080); margin: 0 0 8px; }
  `;

  private emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private progressText() {
    const p = this.adapter.progress;
    if (!p) return '';
    if (p.phase === 'collect') return p.total ? `sampling candidate memories: clip ${p.done} of ${p.total}` : 'preparing';
    return `training step ${p.done} of ${p.total}${p.loss === null ? '' : ` · loss ${fixed(p.loss, 3)}`}`;
  }

  override render() {
    const a = this.adapter;
    const training = a.status === 'training';
    const r = a.lastResult;
    return html`<div part="adapter-panel">
      <dl>
        <dt>Adapter</dt>
        <dd part="adapter-version">${a.version ? `v${a.version}` : 'none (plain model)'}</dd>
        <dt>Status</dt>
        <dd part="adapter-status" role="status" aria-label="Adapter status">${STATUS_TEXT[a.status]}</dd>
        <dt>Learned from</dt>
        <dd part="adapter-tasks">${a.version ? `${a.tasksLearned} question${a.tasksLearned === 1 ? '' : 's'}` : '—'}</dd>
        ${r
          ? html`<dt>Last training</dt>
              <dd part="adapter-result">v${r.version}: loss ${fixed(r.lossBefore, 3)} → ${fixed(r.lossAfter, 3)}, ${r.pairs} pairs,
                ${Number.isFinite(r.pairAccuracy) ? Math.round(100 * r.pairAccuracy) : '—'}% preferred, ${Math.round(r.seconds)} s</dd>`
          : nothing}
        ${training && a.progress
          ? html`<dt>Progress</dt>
              <dd part="adapter-progress">
                <progress max=${a.progress.total || 1} value=${a.progress.done} aria-label="Adapter training progress"></progress>
                ${this.progressText()}
              </dd>`
          : nothing}
      </dl>
      ${a.error ? html`<p class="error" role="alert" part="adapter-error">${a.error}</p>` : nothing}
      <div class="buttons" part="adapter-controls">
        <button part="button" ?disabled=${training || !a.supported} @click=${() => this.emit('adapter-train')}>Train now</button>
        <button part="button" ?disabled=${!training} @click=${() => this.emit('adapter-cancel')}>Cancel</button>
        <button part="button" @click=${() => this.emit('adapter-auto', { on: !a.auto })}>
          ${a.auto ? 'Pause learning' : 'Resume learning'}</button>
        <button part="button" ?disabled=${training || !a.version} @click=${() => this.emit('adapter-reset')}>Reset</button>
      </div>
    </div>`;
  }
}

customElements.get('tm-adapter-panel') || customElements.define('tm-adapter-panel', TmAdapterPanel);
