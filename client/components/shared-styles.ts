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

/** A row of metric tiles (a <dl> of .tile > dt + dd, with an optional .sub line), as the summaries show them. */
export const metricTiles = css`
  dl {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(118px, 1fr));
    gap: 0;
    margin: 0;
    background: var(--astri-panel);
    border: 1px solid var(--astri-line);
    border-radius: var(--astri-radius);
  }
  .tile {
    padding: 7px 12px;
    border-left: 1px solid var(--astri-line);
    min-width: 0;
  }
  .tile:first-child {
    border-left: 0;
  }
  dt {
    font-size: 11px;
    color: var(--astri-muted);
    white-space: nowrap;
  }
  dd {
    margin: 0;
    font-size: 18px;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  .sub {
    display: block;
    font-size: 11px;
    font-weight: 400;
    color: var(--astri-muted);
  }
`;

/** A labelled range slider with its number box: the threshold and the fixed-efficiency controls. */
export const sliderRow = css`
  .row {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  label {
    color: var(--astri-muted);
    font-size: 12px;
    white-space: nowrap;
  }
  input[type='range'] {
    flex: 1;
    min-width: 80px;
    accent-color: var(--astri-accent);
  }
  input[type='number'] {
    width: 70px;
    font: inherit;
    padding: 1px 4px;
    border: 1px solid var(--astri-line);
    border-radius: var(--astri-radius);
  }
`;
