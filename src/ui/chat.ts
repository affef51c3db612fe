/**
 * Chat from memory only: questions in, streamed answers out, each with citation buttons that ask
 * the timeline to show the clip. Answer text is bound as text, never HTML.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { ChatEntry } from '../agent/controller';
import type { StoredMemory } from '../store/schema';
import { formatClock } from './format';
import { checkQuestion } from '../recall/question-input';

export class TmChat extends LitElement {
  static override properties = {
    entries: { attribute: false },
    memories: { attribute: false },
    disabled: { type: Boolean },
  };

  declare entries: ChatEntry[];
  declare memories: StoredMemory[];
  declare disabled: boolean;

  constructor() {
    super();
    this.entries = [];
    this.memories = [];
    this.disabled = false;
  }

  static override styles = css`
    :host { display: flex; flex-direction: column; gap: 8px; }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 6px; max-height: var(--taskmem-chat-height, 320px); overflow: auto; }
    li { padding: 6px 10px; border-radius: 8px; background: var(--taskmem-surface, #1d2127); overflow-wrap: anywhere; }
    li.user { background: var(--taskmem-user, #253246); justify-self: end; }
    li.pending::after { content: '…'; }
    form { display: flex; gap: 6px; }
    input { flex: 1; font: inherit; padding: 6px 8px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260); background: transparent; color: inherit; }
    button { font: inherit; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--taskmem-border, #4a5260); background: var(--taskmem-button, #252a31); color: inherit; cursor: pointer; }
    .cite { font-size: 0.85em; margin: 4px 4px 0 0; }
  `;

  private clipTime(c: { streamId: string; clipIndex: number }) {
    const m = this.memories.find((x) => x.streamId === c.streamId && x.clipIndex === c.clipIndex);
    return m ? `${formatClock(m.t0)}–${formatClock(m.t1)}` : `clip ${c.clipIndex}`;
  }

  private submit(e: Event) {
    e.preventDefault();
    const input = this.renderRoot.querySelector('input')!;
    const question = input.value;
    // A refused question stays in the box to be edited; the agent says what is wrong with it. (No
    // maxlength on the box: it would cut a long paste short without a word.)
    if (checkQuestion(question).ok) input.value = '';
    this.dispatchEvent(new CustomEvent('ask', { detail: { question }, bubbles: true, composed: true }));
  }

  private cite(c: { streamId: string; clipIndex: number }) {
    this.dispatchEvent(new CustomEvent('cite', { detail: c, bubbles: true, composed: true }));
  }

  override render() {
    return html`
      <ul part="chat-log" aria-live="polite" aria-label="Chat">
        ${this.entries.map(
          (e) => html`<li class="${e.role} ${e.pending ? 'pending' : ''}" part="chat-${e.role}">
            <span class="text">${e.text}</span>
            ${e.citations.length
              ? html`<div>${e.citations.map((c) => html`<button class="cite" part="citation" @click=${() => this.cite(c)} aria-label="Show memory ${this.clipTime(c)}">${this.clipTime(c)}</button>`)}</div>`
              : nothing}
          </li>`,
        )}
      </ul>
      <form @submit=${this.submit} part="chat-form">
        <input aria-label="Ask about the stream" placeholder="Ask about what you watched…" ?disabled=${this.disabled} />
        <button type="submit" ?disabled=${this.disabled}>Ask</button>
      </form>
    `;
  }
}

customElements.get('tm-chat') || customElements.define('tm-chat', TmChat);
