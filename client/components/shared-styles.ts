// Design tokens and the few rules every element shares: a calm, dense look for a scientific tool.
import { css } from 'lit';

export const tokens = css`
  :host {
    --astri-ink: #1f2933;
    --astri-muted: #52606d;
    --astri-faint: #7b8794;
    --astri-line: #d9dee4;
    --astri-panel: #ffffff;
    --astri-page: #f3f5f7;
    --astri-accent: #1f5f8b;
    --astri-accent-ink: #ffffff;
    --astri-gamma: #0072b2;
    --astri-proton: #d55e00;
    --astri-error: #b42318;
    --astri-error-bg: #fef3f2;
    --astri-warn: #8a5a00;
    --astri-ok: #1b7f4b;
    --astri-radius: 4px;
    --astri-font: Inter, 'Segoe UI', system-ui, -apple-system, 'Helvetica Neue', Arial, sans-serif;
    --astri-mono: 'JetBrains Mono', 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', monospace;
    font-family: var(--astri-font);
    color: var(--astri-ink);
    font-size: 13px;
    line-height: 1.4;
  }
  * {
    box-sizing: border-box;
  }
  .num {
    font-variant-numeric: tabular-nums;
  }
  :focus-visible {
    outline: 2px solid var(--astri-accent);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    color: inherit;
    border: 1px solid var(--astri-line);
    background: var(--astri-panel);
    border-radius: var(--astri-radius);
    padding: 4px 10px;
    cursor: pointer;
  }
  button:hover:not(:disabled) {
    border-color: var(--astri-muted);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
