/**
 * Protection: the passphrase lock (encryption at rest: turn on, unlock, lock now, turn off), the
 * passphrase of an encrypted export being imported, and redaction of secrets in new memories.
 * Properties in, CustomEvents out (lock-enable, lock-unlock, lock-disable, lock-now, redact-change,
 * import-passphrase, import-cancel); passphrases leave the element only in those events.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { ProtectionState } from '../agent/protection';

export class TmLockPanel extends LitElement {
  static override properties = {
    protection: { attribute: false },
    mismatch: { state: true },
  };

  declare protection: ProtectionState;
  declare mismatch: boolean;

  constructor() {
    super();
    this.mismatch = false;
  }

  static override styles = css`
    :host { display: block; font-size: 0.92em; }
    form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0 0 8px; }
    label { display: flex; gap: 6px; align-items: center; }
    input[type='password'] { font: inherit; padding: 3px 6px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-input, #1c2026); color: inherit; min-width: 12em; }
    button { font: inherit; font-size: 0.9em; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: default; }
    p { margin: 0 0 8px; }
    .error { color: var(--taskmem-error, #ff8080); }
    .locked { color: var(--taskmem-warning, #e5b45b); font-weight: 600; }
  `;

  private emit(type: string, detail?: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Reads and clears the form's passphrase fields, so no passphrase lingers in the page. */
  private take(e: Event): string[] {
    e.preventDefault();
    const inputs = [...(e.target as HTMLFormElement).querySelectorAll('input[type="password"]')] as HTMLInputElement[];
    const values = inputs.map((i) => i.value);
    inputs.forEach((i) => (i.value = ''));
    return values;
  }

  private onEnable(e: Event) {
    const [a, b] = this.take(e);
    this.mismatch = a !== b;
    if (!this.mismatch) this.emit('lock-enable', { passphrase: a });
  }

  override render() {
    const p = this.protection;
    if (!p) return nothing;
    const busy = p.busy !== null;
    return html`<div part="lock-panel">
      ${p.locked
        ? html`<p class="locked" part="lock-state">Your memories are encrypted and locked.</p>
            <form part="unlock-form" @submit=${(e: Event) => this.emit('lock-unlock', { passphrase: this.take(e)[0] })}>
              <label>Passphrase <input type="password" name="unlock" autocomplete="current-password" required /></label>
              <button type="submit" ?disabled=${busy}>Unlock</button>
            </form>
            <p>Forgot it? “Delete everything” removes the locked data and the lock.</p>`
        : p.encrypted
          ? html`<p part="lock-state">Encryption at rest is on: memories, thumbnails, questions and adapters are stored encrypted.</p>
              <form @submit=${(e: Event) => (e.preventDefault(), this.emit('lock-now'))}><button type="submit" ?disabled=${busy}>Lock now</button></form>
              <form part="disable-form" @submit=${(e: Event) => this.emit('lock-disable', { passphrase: this.take(e)[0] })}>
                <label>Passphrase <input type="password" name="disable" autocomplete="current-password" required /></label>
                <button type="submit" ?disabled=${busy}>Turn encryption off</button>
              </form>`
          : html`<p part="lock-state">Encryption at rest is off.</p>
              <form part="enable-form" @submit=${this.onEnable}>
                <label>New passphrase <input type="password" name="new" autocomplete="new-password" minlength="8" required /></label>
                <label>Repeat <input type="password" name="repeat" autocomplete="new-password" minlength="8" required /></label>
                <button type="submit" ?disabled=${busy}>Encrypt</button>
              </form>
              ${this.mismatch ? html`<p class="error" role="alert">The two passphrases differ; nothing was changed.</p>` : nothing}`}
      ${p.importNeedsPassphrase
        ? html`<form part="import-passphrase-form" @submit=${(e: Event) => this.emit('import-passphrase', { passphrase: this.take(e)[0] })}>
            <label>Passphrase of the encrypted export <input type="password" name="import" autocomplete="off" required /></label>
            <button type="submit" ?disabled=${busy}>Import</button>
            <button type="button" @click=${() => this.emit('import-cancel')}>Cancel</button>
          </form>`
        : nothing}
      ${p.busy ? html`<p role="status" part="lock-busy">${p.busy}</p>` : nothing}
      ${p.error ? html`<p class="error" role="alert" part="lock-error">${p.error}</p>` : nothing}
      <label part="redact">
        <input type="checkbox" .checked=${p.redact} @change=${(e: Event) => this.emit('redact-change', { on: (e.target as HTMLInputElement).checked })} />
        Mask e-mail addresses, phone and card numbers, IBANs and keys in new memories and answers
      </label>
    </div>`;
  }
}

customElements.get('tm-lock-panel') || customElements.define('tm-lock-panel', TmLockPanel);

declare global {
  interface HTMLElementTagNameMap {
    'tm-lock-panel': TmLockPanel;
  }
}
