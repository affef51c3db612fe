/**
 * Source chooser: webcam, tab/screen, video file, demo stream; while capturing, an indicator that
 * says whether capture is on or paused (a polite live region, so screen readers hear each change)
 * and the Pause/Resume and Stop controls (native buttons: keyboard operable as they are).
 */
import { LitElement, css, html, nothing } from 'lit';
import type { SourceKind } from '../store/schema';

const LABELS: Record<SourceKind, string> = { webcam: 'Webcam', screen: 'Tab or screen', file: 'Video file', demo: 'Demo stream' };

export class TmCapturePanel extends LitElement {
  static override properties = {
    sources: { attribute: false },
    capturing: { type: Boolean },
    paused: { type: Boolean },
    sourceTitle: { attribute: false },
    busy: { type: Boolean },
  };

  declare sources: SourceKind[];
  declare capturing: boolean;
  declare paused: boolean;
  declare sourceTitle: string | null;
  declare busy: boolean;

  constructor() {
    super();
    this.sources = ['webcam', 'screen', 'file', 'demo'];
    this.capturing = false;
    this.paused = false;
    this.sourceTitle = null;
    this.busy = false;
  }

  static override styles = css`
    :host { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
    button { font: inherit; padding: 6px 12px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: default; }
    .live { color: var(--taskmem-live, #ff6b6b); font-weight: 600; }
    .paused { color: var(--taskmem-paused, #e5b45b); font-weight: 600; }
    button:focus-visible { outline: 2px solid var(--taskmem-focus, #7fb8ff); outline-offset: 2px; }
    input[type='file'] { display: none; }
  `;

  private choose(kind: SourceKind, file?: File) {
    this.dispatchEvent(new CustomEvent('choose-source', { detail: { kind, file }, bubbles: true, composed: true }));
  }

  private emit(type: string) {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }));
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
      return html`<span class=${this.paused ? 'paused' : 'live'} part="capture-indicator" role="status" aria-live="polite" aria-atomic="true"
          >${this.paused ? html`<span aria-hidden="true">❚❚</span> Capture paused (nothing is being recorded): ${this.sourceTitle}` : html`<span aria-hidden="true">●</span> Capturing: ${this.sourceTitle}`}</span>
        <button part="button pause" aria-label=${this.paused ? 'Resume capture' : 'Pause capture'}
          @click=${() => this.emit(this.paused ? 'resume-capture' : 'pause-capture')}>${this.paused ? 'Resume' : 'Pause'}</button>
        <button part="button stop" @click=${() => this.emit('stop-capture')}>Stop</button>`;
    return html`${this.sources.map((kind) =>
        html`<button part="button source" ?disabled=${this.busy} @click=${() => (kind === 'file' ? this.pickFile() : this.choose(kind))}>${LABELS[kind]}</button>`,
      )}
      ${this.sources.includes('file') ? html`<input type="file" accept="video/*" @change=${this.onFile} aria-label="Choose a video file" />` : nothing}`;
  }
}

customElements.get('tm-capture-panel') || customElements.define('tm-capture-panel', TmCapturePanel);
