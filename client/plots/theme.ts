// Colours and type shared by every plot. Everything is written as SVG presentation attributes (not CSS)
// so that an exported SVG or PNG looks exactly like the plot on the page.
import { interpolateViridis } from 'd3';

/** Okabe–Ito blue and vermillion: distinguishable with every common form of colour blindness. */
export const CLASS_COLOURS = { gamma: '#0072B2', proton: '#D55E00' } as const;

export const CLASS_LABELS = { gamma: 'γ (gamma)', proton: 'p (proton)' } as const;

/**
 * The Okabe–Ito palette, ordered so that the first two are today's gamma and proton colours, and the
 * palest (yellow) and black come last. Beyond 8 classes, viridis is sampled instead.
 */
export const OKABE_ITO = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'] as const;

/** The colour of "the other classes" in one-vs-rest plots. */
export const REST_COLOUR = '#7b8794';

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

/** A class as the plots show it: its name (the key of every join), a display label and a colour. */
export interface ClassView {
  name: string;
  /** "γ (gamma)" for ASTRI's classes, else the name. */
  label: string;
  /** A one-character symbol where the vocabulary has one (γ, p), else the name. */
  short: string;
  colour: string;
}

const ASTRI_SYMBOLS: Record<string, string> = { gamma: 'γ', proton: 'p' };

/**
 * Colours for classes in dataset order: the dataset's own where it declares one, else Okabe–Ito for up
 * to 8 classes, else evenly spaced viridis samples (stopping short of the pale yellow end).
 */
export function classPalette(count: number): string[] {
  if (count <= OKABE_ITO.length) return OKABE_ITO.slice(0, count);
  return Array.from({ length: count }, (_, i) => interpolateViridis(count === 1 ? 0 : (0.9 * i) / (count - 1)));
}

export function classViews(classes: readonly { name: string; color?: string | null }[]): ClassView[] {
  const palette = classPalette(classes.length);
  // ASTRI keeps its colours whatever order the classes come in.
  const astri = classes.length === 2 && classes.every((c) => c.name in ASTRI_SYMBOLS);
  return classes.map((c, i) => ({
    name: c.name,
    label: c.name in ASTRI_SYMBOLS ? `${ASTRI_SYMBOLS[c.name]} (${c.name})` : c.name,
    short: ASTRI_SYMBOLS[c.name] ?? c.name,
    colour: c.color || (astri ? CLASS_COLOURS[c.name as 'gamma' | 'proton'] : palette[i]),
  }));
}

/** What the binary plots call things: ASTRI's gamma/hadron vocabulary, or the classes' names. */
export interface BinaryVocabulary {
  signal: ClassView;
  background: ClassView;
  /** "Gammaness" or "Score of <signal>". */
  score: string;
  /** Column labels of the confusion matrix: "γ-like", "hadron-like". */
  signalLike: string;
  backgroundLike: string;
  /** "γ efficiency", "proton acceptance", "γ purity". */
  signalEfficiency: string;
  backgroundAcceptance: string;
  purity: string;
}

export const ASTRI_VOCABULARY: BinaryVocabulary = binaryVocabulary(
  { name: 'gamma', label: CLASS_LABELS.gamma, short: 'γ', colour: CLASS_COLOURS.gamma },
  { name: 'proton', label: CLASS_LABELS.proton, short: 'p', colour: CLASS_COLOURS.proton },
);

export function binaryVocabulary(signal: ClassView, background: ClassView): BinaryVocabulary {
  if (signal.name === 'gamma' && background.name === 'proton') {
    return {
      signal,
      background,
      score: 'Gammaness',
      signalLike: 'γ-like',
      backgroundLike: 'hadron-like',
      signalEfficiency: 'γ efficiency',
      backgroundAcceptance: 'proton acceptance',
      purity: 'γ purity',
    };
  }
  return {
    signal,
    background,
    score: `Score of ${signal.name}`,
    signalLike: `${signal.name}`,
    backgroundLike: `${background.name}`,
    signalEfficiency: `${signal.name} recall`,
    backgroundAcceptance: `${background.name} accepted`,
    purity: `${signal.name} precision`,
  };
}
