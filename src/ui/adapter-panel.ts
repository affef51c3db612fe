/**
 * The TaskMem adapter: which version memorization uses, what it learned from, the last training
 * result, progress while training, and the controls (Train now, Cancel, Pause/Resume learning,
 * Reset). When the active version learned from something since deleted it is shown as stale, with
 * Roll back (to the newest version trained on nothing deleted) and Retrain. Properties in,
 * CustomEvents out; every value is bound as text.
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
    .stale { color: var(--taskmem-warning, #e5b45b); margin: 0 0 8px; }
    button:focus-visible { outline: 2px solid var(--taskmem-focus, #7fb8ff); outline-offset: 2px; }
  `;

  private emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private progressText() {
    const p = this.adapter.progress;
    if (!p) return '';
    if (p.phase === 'collect') return p.total ? `sampling candidate memories: clip ${p.done} of ${p.total}` : 'preparing';
    // The per-step figure is the SPSA objective (DPO loss + the chosen memories' likelihood term +
    // the L2 pull), which can go below zero; the stored result reports the DPO loss alone.
    return `training step ${p.done} of ${p.total}${p.loss === null ? '' : ` · objective ${fixed(p.loss, 3)}`}`;
  }

  private staleText() {
    const a = this.adapter;
    const st = a.stale!;
    const what = [
      st.memoryKeys.length ? `${st.memoryKeys.length} deleted memor${st.memoryKeys.length === 1 ? 'y' : 'ies'}` : '',
      st.taskIds.length ? `${st.taskIds.length} deleted question${st.taskIds.length === 1 ? '' : 's'}` : '',
    ].filter(Boolean).join(' and ');
    return `v${a.version} is stale: ${what ? `it learned from ${what} (${st.reason})` : st.reason}. Memorization still uses it until you roll back or retrain.`;
  }

  override render() {
    const a = this.adapter;
    const training = a.status === 'training';
    const r = a.lastResult;
    return html`<div part="adapter-panel">
      <dl>
        <dt>Adapter</dt>
        <dd part="adapter-version">${a.version ? `v${a.version}` : 'none (plain model)'}</dd>
        ${a.versions.length
          ? html`<dt>Versions</dt>
              <dd part="adapter-versions">${a.versions.map((v) => `v${v.version}${v.stale ? ' (stale)' : ''}${v.version === a.version ? (a.pinned ? ' (active, rolled back to)' : ' (active)') : ''}`).join(', ')}</dd>`
          : nothing}
        <dt>Added after</dt>
        <dd part="adapter-layer">decoder layer ${a.layer}</dd>
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
      ${a.stale ? html`<p class="stale" role="status" part="adapter-stale">${this.staleText()}</p>` : nothing}
      <div class="buttons" part="adapter-controls">
        <button part="button" ?disabled=${training || !a.supported} @click=${() => this.emit('adapter-train')}>Train now</button>
        <button part="button" ?disabled=${!training} @click=${() => this.emit('adapter-cancel')}>Cancel</button>
        <button part="button" @click=${() => this.emit('adapter-auto', { on: !a.auto })}>
          ${a.auto ? 'Pause learning' : 'Resume learning'}</button>
        <button part="button" ?disabled=${training || !a.version} @click=${() => this.emit('adapter-reset')}>Reset</button>
        ${a.stale && a.rollbackTo !== null
          ? html`<button part="button rollback" ?disabled=${training} @click=${() => this.emit('adapter-rollback', { version: a.rollbackTo })}>
                ${a.rollbackTo ? `Roll back to v${a.rollbackTo}` : 'Roll back to the plain model'}</button>
              <button part="button retrain" ?disabled=${training || !a.supported} @click=${() => this.emit('adapter-retrain')}>Retrain</button>`
          : nothing}
      </div>
    </div>`;
  }
}

customElements.get('tm-adapter-panel') || customElements.define('tm-adapter-panel', TmAdapterPanel);
