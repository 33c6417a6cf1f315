// Asks for an API token when the server requires one (it answered UNAUTHENTICATED). Emits `token-submit`
// with the token; the page keeps it and retries.
import { css, html, LitElement } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { tokens } from './shared-styles.ts';

export interface TokenSubmitDetail {
  token: string;
}

@customElement('astri-token-prompt')
export class AstriTokenPrompt extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
        align-items: center;
        padding: 10px 12px;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
        background: var(--astri-panel, #fff);
      }
      p {
        margin: 0 0 6px;
        flex-basis: 100%;
        font-size: 13px;
      }
      input {
        flex: 1;
        min-width: 220px;
        font: inherit;
        padding: 3px 6px;
        border: 1px solid var(--astri-line);
        border-radius: var(--astri-radius);
      }
    `,
  ];

  /** The server's reason (no token, unknown or revoked token). */
  @property() message = '';
  @state() private value = '';

  protected override render() {
    return html`<form @submit=${this.onSubmit} aria-label="API token">
      <p>${this.message || 'This server requires an API token.'} Ask its administrator for one (<code>astri token create</code>).</p>
      <label for="token">API token</label>
      <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="astri_…" .value=${this.value}
        @input=${(event: Event) => (this.value = (event.target as HTMLInputElement).value)} />
      <button type="submit" ?disabled=${this.value.trim() === ''}>Use token</button>
    </form>`;
  }

  private onSubmit(event: Event): void {
    event.preventDefault();
    const token = this.value.trim();
    if (!token) return;
    this.dispatchEvent(new CustomEvent<TokenSubmitDetail>('token-submit', { detail: { token }, bubbles: true, composed: true }));
    this.value = '';
  }
}
