/**
 * Privacy and storage: "forget the last N minutes", retention by age and a storage cap with an
 * explicit "keep forever", and what is stored with how much room it takes. Properties in
 * (`privacy`), CustomEvents out (privacy-forget, privacy-retention, privacy-refresh); every value
 * is bound as text. Native form controls with labels, so all of it works from the keyboard.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { PrivacyState } from '../agent/retention-manager';
import { formatBytes, USAGE_STORES, type UsageStore } from '../store/usage';

const STORE_LABELS: Record<UsageStore, string> = {
  streams: 'Streams',
  memories: 'Memories (with thumbnails)',
  tasks: 'Questions',
  adapters: 'Adapter versions',
  settings: 'Settings',
};

/** '' (no limit) -> null; anything else -> a number, which the controller checks. */
const limitOf = (v: string): number | null => (v.trim() === '' ? null : Number(v));

export class TmPrivacyPanel extends LitElement {
  static override properties = {
    privacy: { attribute: false },
    forever: { state: true },
  };

  declare privacy: PrivacyState;
  /** The "keep forever" box as currently ticked (the limits are disabled while it is). */
  declare forever: boolean | null;

  constructor() {
    super();
    this.forever = null;
  }

  static override styles = css`
    :host { display: block; font-size: 0.92em; }
    form { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; margin: 0 0 10px; }
    fieldset { border: 1px solid var(--taskmem-border, #4a5260); border-radius: 8px; margin: 0 0 10px; padding: 8px 10px; }
    legend { color: var(--taskmem-muted, #8fa3b8); }
    input[type='number'] { width: 6em; font: inherit; background: var(--taskmem-input, #1d2127); color: inherit;
      border: 1px solid var(--taskmem-border, #4a5260); border-radius: 6px; padding: 2px 6px; }
    button { font: inherit; font-size: 0.9em; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    button:focus-visible, input:focus-visible { outline: 2px solid var(--taskmem-focus, #7fb8ff); outline-offset: 2px; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: 2px 6px; }
    td.n { text-align: right; font-variant-numeric: tabular-nums; }
    .muted { color: var(--taskmem-muted, #8fa3b8); margin: 4px 0; }
  `;

  private emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private onForget(e: SubmitEvent) {
    e.preventDefault();
    const minutes = Number((e.target as HTMLFormElement).minutes.value);
    this.emit('privacy-forget', { minutes });
  }

  private onRetention(e: SubmitEvent) {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const keepForever = (f.forever as HTMLInputElement).checked;
    this.emit('privacy-retention', {
      keepForever,
      // Limits stay as set while "keep forever" is on; they apply again once it is off.
      maxAgeDays: limitOf((f.days as HTMLInputElement).value),
      maxMegabytes: limitOf((f.mb as HTMLInputElement).value),
    });
    this.forever = null;
  }

  private currentText() {
    const r = this.privacy.retention;
    if (r.keepForever) return 'Kept forever: nothing is deleted by age or size.';
    const parts = [
      r.maxAgeDays === null ? 'no age limit' : `deleted after ${r.maxAgeDays} day${r.maxAgeDays === 1 ? '' : 's'}`,
      r.maxMegabytes === null ? 'no storage cap' : `oldest deleted above ${r.maxMegabytes} MB`,
    ];
    return `Now: ${parts.join(', ')}.`;
  }

  private persistText() {
    const p = this.privacy;
    if (!p.retention.keepForever || p.persistGranted === null) return nothing;
    return html`<p class="muted" part="persist-result" role="status">${p.persistGranted
      ? 'The browser granted persistent storage: it will not evict this data under storage pressure.'
      : 'The browser did not grant persistent storage (it decides, e.g. for installed or bookmarked sites); nothing is deleted by age or size, but the browser may still evict data when the disk is full.'}</p>`;
  }

  private usageView() {
    const u = this.privacy.usage;
    if (!u) return html`<p class="muted">Not read yet.</p>`;
    const e = u.estimate;
    return html`<table part="usage-table">
        <thead><tr><th scope="col">Stored</th><th scope="col">Count</th><th scope="col">About</th></tr></thead>
        <tbody>${USAGE_STORES.map((k) => html`<tr data-store=${k}><th scope="row">${STORE_LABELS[k]}</th><td class="n count">${u.counts[k]}</td><td class="n bytes">${formatBytes(u.approxBytes[k])}</td></tr>`)}</tbody>
      </table>
      <p class="muted" part="usage-estimate">${e
        ? `Browser estimate: ${formatBytes(e.usage)} used of ${formatBytes(e.quota)} available to this site${e.indexedDB === null ? '' : ` (the database: ${formatBytes(e.indexedDB)})`}.`
        : 'This browser gives no storage estimate.'}
        ${u.persisted === null ? '' : u.persisted ? 'Persistent storage: on.' : 'Persistent storage: off.'}</p>`;
  }

  override render() {
    const p = this.privacy;
    const forever = this.forever ?? p.retention.keepForever;
    return html`<div part="privacy-panel">
      <form part="forget-form" @submit=${this.onForget}>
        <label for="minutes">Forget the last</label>
        <input id="minutes" name="minutes" type="number" min="0.1" max="10080" step="any" value="5" required aria-label="Minutes to forget" />
        <span>minutes</span>
        <button type="submit" part="button">Forget</button>
      </form>
      <fieldset>
        <legend>Retention</legend>
        <form part="retention-form" @submit=${this.onRetention}>
          <label>Delete what is older than
            <input name="days" type="number" min="1" step="1" .value=${p.retention.maxAgeDays === null ? '' : String(p.retention.maxAgeDays)}
              ?disabled=${forever} aria-label="Days to keep (empty: no age limit)" /> days</label>
          <label>Storage cap
            <input name="mb" type="number" min="1" step="any" .value=${p.retention.maxMegabytes === null ? '' : String(p.retention.maxMegabytes)}
              ?disabled=${forever} aria-label="Storage cap in MB (empty: no cap)" /> MB</label>
          <label><input name="forever" type="checkbox" .checked=${forever} @change=${(e: Event) => (this.forever = (e.target as HTMLInputElement).checked)} />
            Keep forever</label>
          <button type="submit" part="button">Apply</button>
        </form>
        <p class="muted" part="retention-current">${this.currentText()}</p>
        ${this.persistText()}
      </fieldset>
      <fieldset>
        <legend>What is stored</legend>
        ${this.usageView()}
        <button part="button" @click=${() => this.emit('privacy-refresh')}>Refresh</button>
      </fieldset>
    </div>`;
  }
}

customElements.get('tm-privacy-panel') || customElements.define('tm-privacy-panel', TmPrivacyPanel);
