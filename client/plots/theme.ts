// Colours and type shared by every plot. Everything is written as SVG presentation attributes (not CSS)
// so that an exported SVG or PNG looks exactly like the plot on the page.

/** Okabe–Ito blue and vermillion: distinguishable with every common form of colour blindness. */
export const CLASS_COLOURS = { gamma: '#0072B2', proton: '#D55E00' } as const;

export const CLASS_LABELS = { gamma: 'γ (gamma)', proton: 'p (proton)' } as const;

export const INK = '#1f2933';
export const MUTED_INK = '#52606d';
export const GRID = '#e4e7eb';
export const CHANCE = '#9aa5b1';
export const FONT_FAMILY = 'Inter, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif';
export const FONT_SIZE_PX = 11;

export interface PlotSize {
  width: number;
  height: number;
}
