/**
 * <taskmem-agent>: the whole agent as one element. Attributes/properties in (model, clip-seconds,
 * device, dtype, sources, db-name), CustomEvents out (taskmem-memory, taskmem-answer, taskmem-adapter
 * when an adapter version is trained, taskmem-error),
 * styled through CSS custom properties (--taskmem-*) and ::part().
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { AgentController } from '../agent/controller';
import { openDemo, openScreen, openVideoFile, openWebcam, CaptureError } from '../capture/sources';
import { FIXTURE_MODEL_ID, type Dtype } from '../memorize/registry';
import type { SourceKind } from '../store/schema';
import type { DevicePreference } from '../worker/protocol';
import './capture-panel';
import './timeline';
import './chat';
import './model-panel';
import './adapter-panel';
import './lock-panel';
import './privacy-panel';

const ALL_SOURCES: SourceKind[] = ['webcam', 'screen', 'file', 'demo'];

export class TaskmemAgent extends LitElement {
  static override properties = {
    model: { type: String },
    clipSeconds: { type: Number, attribute: 'clip-seconds' },
    device: { type: String },
    dtype: { type: String },
    sources: { type: String },
    dbName: { type: String, attribute: 'db-name' },
    demoSeed: { type: Number, attribute: 'demo-seed' },
    highlight: { state: true },
    tick: { state: true },
  };

  declare model: string;
  declare clipSeconds: number;
  declare device: DevicePreference;
  /** Weight precision (fp32, fp16, q8, q4, q4f16) among the model's offered ones; empty = its default. */
  declare dtype: Dtype | '';
  /** Comma-separated subset of webcam, screen, file, demo. */
  declare sources: string;
  declare dbName: string;
  declare demoSeed: number;
  declare highlight: string | null;
  declare tick: number;
  controller: AgentController | null = null;

  constructor() {
    super();
    this.model = FIXTURE_MODEL_ID;
    this.clipSeconds = 10;
    this.device = 'auto';
    this.dtype = '';
    this.sources = ALL_SOURCES.join(',');
    this.dbName = 'taskmem';
    this.demoSeed = 7;
    this.highlight = null;
    this.tick = 0;
  }

  static override styles = css`
    :host { display: block; color: var(--taskmem-text, #e6e6e6); background: var(--taskmem-background, #14171b);
      font: var(--taskmem-font, 15px/1.45 system-ui, sans-serif); border-radius: var(--taskmem-radius, 12px); padding: 16px; }
    .grid { display: grid; grid-template-columns: minmax(240px, 1fr) minmax(280px, 1.3fr); gap: 16px; }
    @media (max-width: 720px) { .grid { grid-template-columns: 1fr; } }
    section { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
    h2 { font-size: 1em; margin: 0; color: var(--taskmem-muted, #8fa3b8); font-weight: 600; }
    video { width: 100%; max-height: 200px; background: #000; border-radius: 8px; }
    video[hidden] { display: none; }
    .error { color: var(--taskmem-error, #ff8080); }
    .notice { color: var(--taskmem-warning, #e5b45b); }
    .timeline { max-height: var(--taskmem-timeline-height, 480px); overflow: auto; }
    .recover { font: inherit; align-self: flex-start; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    .data { display: flex; flex-wrap: wrap; gap: 6px; }
    tm-capture-panel { position: sticky; top: 0; z-index: 1; padding: 4px 0 8px; margin-bottom: 8px; background: var(--taskmem-background, #14171b); }
    .data button { font: inherit; font-size: 0.9em; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260);
      background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
  `;

  private allowedSources(): SourceKind[] {
    return this.sources.split(',').map((s) => s.trim()).filter((s): s is SourceKind => (ALL_SOURCES as string[]).includes(s));
  }

  override connectedCallback() {
    super.connectedCallback();
    this.createController();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.controller?.dispose();
    this.controller = null;
  }

  protected override willUpdate(changed: PropertyValues<this>) {
    const relevant = ['model', 'clipSeconds', 'device', 'dtype', 'dbName'] as const;
    if (this.controller && relevant.some((k) => changed.has(k) && changed.get(k) !== undefined)) this.createController();
  }

  private createController() {
    this.controller?.dispose();
    const c = new AgentController({ modelId: this.model, clipSeconds: this.clipSeconds, device: this.device, dtype: this.dtype || undefined, queueCapacity: 6, dbName: this.dbName });
    this.controller = c;
    c.addEventListener('change', () => (this.tick = (this.tick + 1) % 1e9));
    c.addEventListener('memory', (e) => this.emit('taskmem-memory', (e as CustomEvent).detail));
    c.addEventListener('answer', (e) => this.emit('taskmem-answer', (e as CustomEvent).detail));
    c.addEventListener('adapter', (e) => this.emit('taskmem-adapter', (e as CustomEvent).detail));
    c.addEventListener('agent-error', (e) => this.emit('taskmem-error', (e as CustomEvent).detail));
    c.init()
      .then(() => c.refreshUsage())
      .catch((e) => c.state.error = `Storage is unavailable: ${e instanceof Error ? e.message : String(e)}`);
  }

  private emit(type: string, detail: unknown) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private get video(): HTMLVideoElement {
    return this.renderRoot.querySelector('video')!;
  }

  /** Starts memorizing a source; also callable from script. */
  async startSource(kind: SourceKind, file?: File) {
    const c = this.controller!;
    try {
      const source =
        kind === 'webcam' ? await openWebcam(this.video)
        : kind === 'screen' ? await openScreen(this.video)
        : kind === 'file' ? await openVideoFile(this.video, file!)
        : openDemo(this.demoSeed);
      await c.start(source);
    } catch (e) {
      const message = e instanceof CaptureError ? e.message : `Could not start: ${e instanceof Error ? e.message : String(e)}`;
      c.state.error = message;
      this.tick++;
      this.emit('taskmem-error', { message });
    }
  }

  private async exportData() {
    const c = this.controller!;
    const blob = await c.exportData().catch((e: unknown) => {
      c.state.error = e instanceof Error ? e.message : String(e);
      this.tick++;
      return null;
    });
    if (!blob) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `taskmem-export-${new Date().toISOString().slice(0, 10)}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private async importData(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) await this.controller!.importData(file).catch(() => undefined);
  }

  /** The model panel picked a model or a precision: a new controller loads it on next use. */
  private changeModel(detail: { id: string; dtype: Dtype }) {
    this.model = detail.id;
    this.dtype = detail.dtype;
  }

  private async confirmThen(message: string, action: () => Promise<void>) {
    if (confirm(message)) await action();
  }

  async ask(question: string) {
    await this.controller?.ask(question);
  }

  override render() {
    const s = this.controller?.state;
    if (!s) return nothing;
    // The capture bar sits above both columns and sticks to the top: Pause/Resume and the indicator
    // stay in view wherever the agent is scrolled, in the one-column layout too.
    return html`<tm-capture-panel exportparts="button, source, stop, pause, capture-indicator" .sources=${this.allowedSources()} ?capturing=${s.capturing}
        ?paused=${s.paused} .sourceTitle=${s.sourceTitle} ?busy=${s.model.status === 'loading'}
        @choose-source=${(e: CustomEvent) => this.startSource(e.detail.kind, e.detail.file)}
        @pause-capture=${() => this.controller?.pauseCapture()}
        @resume-capture=${() => this.controller?.resumeCapture()}
        @stop-capture=${() => this.controller?.stop()}></tm-capture-panel>
      <div class="grid">
      <section>
        <video part="preview" muted playsinline ?hidden=${!s.capturing || s.sourceTitle?.startsWith('Demo') === true}></video>
        ${s.error ? html`<p class="error" role="alert" part="error">${s.error}</p>` : nothing}
        ${s.recovery ? html`<button class="recover" part="button recover" @click=${() => void (s.recovery === 'retry-model' ? this.controller?.retryModel() : this.controller?.resumeWriting())}>${s.recovery === 'retry-model' ? 'Retry loading the model' : 'Resume storing'}</button>` : nothing}
        ${s.notice ? html`<p class="notice" role="status" part="notice">${s.notice}</p>` : nothing}
        <h2>Protection</h2>
        <tm-lock-panel exportparts="lock-panel, lock-state, lock-busy, lock-error, unlock-form, enable-form, disable-form, import-passphrase-form, redact"
          .protection=${s.protection}
          @lock-enable=${(e: CustomEvent) => void this.controller?.enableEncryption(e.detail.passphrase)}
          @lock-unlock=${(e: CustomEvent) => void this.controller?.unlock(e.detail.passphrase)}
          @lock-disable=${(e: CustomEvent) => void this.controller?.disableEncryption(e.detail.passphrase)}
          @lock-now=${() => void this.controller?.lockNow()}
          @redact-change=${(e: CustomEvent) => void this.controller?.setRedaction(e.detail.on)}
          @import-passphrase=${(e: CustomEvent) => void this.controller?.importWithPassphrase(e.detail.passphrase)}
          @import-cancel=${() => this.controller?.cancelImport()}></tm-lock-panel>
        <tm-model-panel exportparts="model-panel" .model=${s.model} .queue=${s.queue} .sampling=${s.capturing ? s.sampling : null} ?memorizing=${s.memorizing} ?locked=${s.capturing}
          @model-change=${(e: CustomEvent) => this.changeModel(e.detail)}></tm-model-panel>
        <h2>What to remember</h2>
        <tm-adapter-panel exportparts="adapter-panel, adapter-version, adapter-versions, adapter-layer, adapter-status, adapter-tasks, adapter-result, adapter-progress, adapter-error, adapter-stale, adapter-controls, button, rollback, retrain"
          .adapter=${s.adapter}
          @adapter-rollback=${(e: CustomEvent<{ version: number }>) => void this.controller?.rollbackAdapter(e.detail.version)}
          @adapter-retrain=${() => void this.controller?.retrainAdapter()}
          @adapter-train=${() => void this.controller?.trainAdapter()}
          @adapter-cancel=${() => void this.controller?.cancelAdapterTraining()}
          @adapter-auto=${(e: CustomEvent<{ on: boolean }>) => void this.controller?.setAdapterAuto(e.detail.on)}
          @adapter-reset=${() => void this.controller?.resetAdapter()}></tm-adapter-panel>
        <h2>Chat</h2>
        <tm-chat exportparts="chat-log, chat-user, chat-agent, citation, chat-form" .entries=${s.chat} .memories=${s.memories}
          @ask=${(e: CustomEvent) => this.ask(e.detail.question)} @cite=${(e: CustomEvent) => (this.highlight = `${e.detail.streamId}/${e.detail.clipIndex}`)}></tm-chat>
      </section>
      <section>
        <h2>Memories</h2>
        ${s.protection.locked
          ? html`<p class="notice" part="locked-note">Your memories are encrypted: unlock them with your passphrase to see them.</p>`
          : html`<tm-timeline class="timeline" exportparts="timeline, memory, rejected" .memories=${s.memories} .rejected=${s.rejected} .highlight=${this.highlight}></tm-timeline>`}
        <div class="data" part="data-controls">
          <button part="button" @click=${() => this.exportData()}>Export</button>
          <button part="button" @click=${() => (this.renderRoot.querySelector('input.import') as HTMLInputElement).click()}>Import</button>
          <input class="import" type="file" accept="application/json,.json" hidden @change=${this.importData} aria-label="Import a TaskMem export" />
          <button part="button" ?disabled=${!s.streamId} @click=${() => this.confirmThen('Delete this stream and its memories?', () => this.controller!.deleteCurrentStream())}>Delete stream</button>
          <button part="button" @click=${() => this.confirmThen('Delete every stream, memory, question and adapter on this device?', () => this.controller!.deleteEverything())}>Delete everything</button>
        </div>
        <h2>Privacy and storage</h2>
        <tm-privacy-panel exportparts="privacy-panel, forget-form, retention-form, retention-current, persist-result, usage-table, usage-estimate, button"
          .privacy=${s.privacy}
          @privacy-forget=${(e: CustomEvent<{ minutes: number }>) =>
            this.confirmThen(`Forget everything from the last ${e.detail.minutes} minutes (memories, thumbnails, questions)?`, async () => void (await this.controller!.forgetLastMinutes(e.detail.minutes)))}
          @privacy-retention=${(e: CustomEvent) => void this.controller?.setRetention(e.detail)}
          @privacy-refresh=${() => void this.controller?.refreshUsage()}></tm-privacy-panel>
      </section>
    </div>`;
  }
}

customElements.get('taskmem-agent') || customElements.define('taskmem-agent', TaskmemAgent);

declare global {
  interface HTMLElementTagNameMap {
    'taskmem-agent': TaskmemAgent;
  }
}
