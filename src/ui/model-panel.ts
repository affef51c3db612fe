/** Model status: which model, download progress, backend (WebGPU or WASM) and memorization lag. */
import { LitElement, css, html, nothing } from 'lit';
import type { AgentState, ModelState } from '../agent/controller';
import type { QueueState } from '../capture/clip-queue';
import { MODEL_REGISTRY, getModelSpec, type Dtype } from '../memorize/registry';

const DTYPE_LABELS: Record<Dtype, string> = {
  fp32: 'fp32 (full precision)',
  fp16: 'fp16 (half precision)',
  q8: 'q8 (8-bit)',
  q4: 'q4 (4-bit weights)',
  q4f16: 'q4f16 (4-bit weights, fp16 activations)',
};
import { formatBytes, formatPercent } from './format';

export class TmModelPanel extends LitElement {
  static override properties = {
    model: { attribute: false },
    queue: { attribute: false },
    memorizing: { type: Boolean },
    sampling: { attribute: false },
    locked: { type: Boolean },
  };

  declare model: ModelState;
  declare queue: QueueState;
  declare memorizing: boolean;
  /** While capturing: seconds between sampled frames and why it is slower than normal. */
  declare sampling: AgentState['sampling'] | null;
  /** The model cannot change while a stream is being memorized. */
  declare locked: boolean;

  static override styles = css`
    :host { display: block; font-size: 0.92em; }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0; }
    dt { color: var(--taskmem-muted, #8fa3b8); }
    dd { margin: 0; }
    progress { width: 100%; }
    select { font: inherit; background: transparent; color: inherit; }
    .notice { color: var(--taskmem-warning, #e5b45b); }
  `;

  private choose(e: Event) {
    const id = (e.target as HTMLSelectElement).value;
    this.dispatchEvent(new CustomEvent('model-change', { detail: { id, dtype: getModelSpec(id).defaultDtype }, bubbles: true, composed: true }));
  }

  private chooseDtype(e: Event) {
    const dtype = (e.target as HTMLSelectElement).value;
    this.dispatchEvent(new CustomEvent('model-change', { detail: { id: this.model.id, dtype }, bubbles: true, composed: true }));
  }

  override render() {
    const m = this.model;
    const loading = m.status === 'loading';
    return html`<dl part="model-panel">
      <dt><label for="model">Model</label></dt>
      <dd>
        <select id="model" @change=${this.choose} ?disabled=${this.locked || loading}>
          ${MODEL_REGISTRY.map((s) => html`<option value=${s.id} ?selected=${s.id === m.id}>${s.label}</option>`)}
        </select>
      </dd>
      <dt><label for="dtype">Precision</label></dt>
      <dd>
        <select id="dtype" @change=${this.chooseDtype} ?disabled=${this.locked || loading || getModelSpec(m.id).dtypes.length < 2}>
          ${getModelSpec(m.id).dtypes.map((d) => html`<option value=${d} ?selected=${d === m.dtype}>${DTYPE_LABELS[d]}</option>`)}
        </select>
      </dd>
      <dt>Status</dt>
      <dd role="status">${m.status === 'ready' ? 'ready' : m.status === 'loading' ? 'downloading' : m.status === 'error' ? 'failed to load' : 'not loaded'}</dd>
      ${loading || m.totalBytes
        ? html`<dt>Download</dt><dd>
            <progress max=${m.totalBytes || 1} value=${m.loadedBytes} aria-label="Model download"></progress>
            ${formatBytes(m.loadedBytes)}${m.totalBytes ? html` of ${formatBytes(m.totalBytes)} (${formatPercent(m.loadedBytes, m.totalBytes)})` : nothing}
          </dd>`
        : nothing}
      <dt>Backend</dt>
      <dd>${m.device === 'webgpu' ? 'WebGPU' : m.device === 'wasm' ? 'WASM (CPU)' : '—'}</dd>
      <dt>Lag</dt>
      <dd>${this.queue.waiting ? `${Math.round(this.queue.lagSeconds)} s of stream waiting (${this.queue.waiting}/${this.queue.capacity} clips)` : this.memorizing ? 'memorizing the latest clip' : 'up to date'}
        ${this.queue.merged ? html`<span class="notice"> · ${this.queue.merged} merged</span>` : nothing}</dd>
      ${this.sampling
        ? html`<dt>Sampling</dt><dd>a frame every ${this.sampling.everySeconds} s${this.sampling.reasons.length
            ? html`<span class="notice"> (slowed: ${this.sampling.reasons.map((r) => (r === 'hidden' ? 'tab hidden' : 'memorization behind')).join(', ')})</span>`
            : nothing}</dd>`
        : nothing}
      ${m.notice ? html`<dt>Note</dt><dd class="notice">${m.notice}</dd>` : nothing}
    </dl>`;
  }
}

customElements.get('tm-model-panel') || customElements.define('tm-model-panel', TmModelPanel);
