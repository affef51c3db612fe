/**
 * The live memory timeline: one entry per clip, as written. Memory text is model output (and may
 * quote text read off a captured screen), so it is bound as text, never as HTML.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { StoredMemory } from '../store/schema';
import { formatClock } from './format';

export interface RejectedEntry {
  clipIndex: number;
  t0: number;
  t1: number;
  reason: string;
}

export class TmTimeline extends LitElement {
  static override properties = {
    memories: { attribute: false },
    rejected: { attribute: false },
    highlight: { attribute: false },
  };

  declare memories: StoredMemory[];
  declare rejected: RejectedEntry[];
  /** `${streamId}/${clipIndex}` of the clip to show, e.g. after a citation was clicked. */
  declare highlight: string | null;
  private urls = new Map<Blob, string>();

  constructor() {
    super();
    this.memories = [];
    this.rejected = [];
    this.highlight = null;
  }

  static override styles = css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
    li { display: grid; grid-template-columns: auto 1fr; gap: 10px; align-items: start; padding: 8px; border-radius: 8px;
      background: var(--taskmem-surface, #1d2127); border: 1px solid transparent; }
    li.highlight { border-color: var(--taskmem-accent, #5b9dff); }
    li.rejected { opacity: 0.7; font-style: italic; }
    img { width: 96px; height: 64px; object-fit: contain; border-radius: 4px; background: #000; image-rendering: pixelated; }
    .time { color: var(--taskmem-muted, #8fa3b8); font-variant-numeric: tabular-nums; font-size: 0.85em; }
    .text { overflow-wrap: anywhere; }
    .empty { color: var(--taskmem-muted, #8fa3b8); }
  `;

  private urlFor(blob: Blob): string {
    let url = this.urls.get(blob);
    if (!url) {
      url = URL.createObjectURL(blob);
      this.urls.set(blob, url);
    }
    return url;
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('memories')) {
      const live = new Set(this.memories.map((m) => m.thumbnail).filter(Boolean));
      for (const [blob, url] of this.urls) if (!live.has(blob)) (URL.revokeObjectURL(url), this.urls.delete(blob));
    }
    if (changed.has('highlight') && this.highlight) {
      this.renderRoot.querySelector(`[data-key="${CSS.escape(this.highlight)}"]`)?.scrollIntoView({ block: 'nearest' });
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
  }

  override render() {
    const entries = [
      ...this.memories.map((m) => ({ kind: 'memory' as const, t0: m.t0, m })),
      ...this.rejected.map((r) => ({ kind: 'rejected' as const, t0: r.t0, r })),
    ].sort((a, b) => a.t0 - b.t0);
    if (!entries.length) return html`<p class="empty">No memories yet. Start a stream to begin.</p>`;
    return html`<ol part="timeline" aria-label="Memory timeline">
      ${entries.map((e) => {
        if (e.kind === 'rejected')
          return html`<li class="rejected" part="memory rejected"><span></span><div>
            <div class="time">${formatClock(e.r.t0)}–${formatClock(e.r.t1)}</div>
            <div class="text">No memory for this clip (${e.r.reason}).</div></div></li>`;
        const key = `${e.m.streamId}/${e.m.clipIndex}`;
        return html`<li part="memory" data-key=${key} class=${this.highlight === key ? 'highlight' : ''} tabindex=${this.highlight === key ? 0 : -1}>
          ${e.m.thumbnail ? html`<img src=${this.urlFor(e.m.thumbnail)} alt="Frame at ${formatClock(e.m.t1)}" />` : html`<span></span>`}
          <div>
            <div class="time">${formatClock(e.m.t0)}–${formatClock(e.m.t1)}${e.m.adapterVersion ? html` · adapter v${e.m.adapterVersion}` : nothing}</div>
            <div class="text">${e.m.text}</div>
          </div>
        </li>`;
      })}
    </ol>`;
  }
}

customElements.get('tm-timeline') || customElements.define('tm-timeline', TmTimeline);
