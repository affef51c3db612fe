/** Source chooser: webcam, tab/screen, video file, demo stream; and a stop control while capturing. */
import { LitElement, css, html, nothing } from 'lit';
import type { SourceKind } from '../store/schema';

const LABELS: Record<SourceKind, string> = { webcam: 'Webcam', screen: 'Tab or screen', file: 'Video file', demo: 'Demo stream' };

export class TmCapturePanel extends LitElement {
  static override properties = {
    sources: { attribute: false },
    capturing: { type: Boolean },
    sourceTitle: { attribute: false },
    busy: { type: Boolean },
  };

  declare sources: SourceKind[];
  declare capturing: boolean;
  declare sourceTitle: string | null;
  declare busy: boolean;

  constructor() {
    super();
    this.sources = ['webcam', 'screen', 'file', 'demo'];
    this.capturing = false;
    this.sourceTitle = null;
    this.busy = false;
  }

  static override styles = css`
    :host { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: default; }
    .live { color: var(--taskmem-live, #ff6b6b); font-weight: 600; }
    input[type='file'] { display: none; }
  `;

  private choose(kind: SourceKind, file?: File) {
    this.dispatchEvent(new CustomEvent('choose-source', { detail: { kind, file }, bubbles: true, composed: true }));
  }

  private pickFile() {
    (this.renderRoot.querySelector('input[type=file]') as HTMLInputElement).click();
  }

  private onFile(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) this.choose('file', file);
  }

  override render() {
    if (this.capturing)
      return html`<span class="live" part="capture-indicator" role="status">● Capturing: ${this.sourceTitle}</span>
        <button part="button stop" @click=${() => this.dispatchEvent(new CustomEvent('stop-capture', { bubbles: true, composed: true }))}>Stop</button>`;
    return html`${this.sources.map((kind) =>
        html`<button part="button source" ?disabled=${this.busy} @click=${() => (kind === 'file' ? this.pickFile() : this.choose(kind))}>${LABELS[kind]}</button>`,
      )}
      ${this.sources.includes('file') ? html`<input type="file" accept="video/*" @change=${this.onFile} aria-label="Choose a video file" />` : nothing}`;
  }
}

customElements.get('tm-capture-panel') || customElements.define('tm-capture-panel', TmCapturePanel);
