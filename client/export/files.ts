// Exports of what the page shows: each plot as SVG or PNG, the run's predictions as CSV.
import type { ScoredEvent } from '../types.ts';

/** The plot as a standalone SVG document. Plots draw with presentation attributes, so nothing is lost. */
export function svgDocument(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('version', '1.1');
  const body = new XMLSerializer().serializeToString(copy);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;
}

/** Rasterises the plot at `scale` times its size (2 gives print-quality PNGs for slides and papers). */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const width = Number(svg.getAttribute('width')) || svg.clientWidth;
  const height = Number(svg.getAttribute('height')) || svg.clientHeight;
  const url = URL.createObjectURL(new Blob([svgDocument(svg)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.decoding = 'sync';
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the plot could not be rasterised (the browser refused the SVG)'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas available to rasterise the plot');
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * One row per event: id, true class, energy (empty without energies), the binary run's gammaness, then
 * one score column per class (score_<name>, in the run's class order), the argmax class and the error.
 * Unscored events keep empty scores and their error. RFC 4180 quoting.
 */
export function predictionsCsv(events: readonly ScoredEvent[], classes: readonly string[] = []): string {
  const header = ['event_id', 'label', 'energy_tev', 'gammaness', ...classes.map((name) => csvField(`score_${name}`)), 'predicted', 'error'];
  const number = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));
  const rows = events.map((event) =>
    [
      csvField(event.eventId),
      csvField(event.label),
      number(event.trueEnergyTeV),
      number(event.gammaness),
      ...classes.map((_, i) => number(event.scores?.[i])),
      csvField(event.predictedLabel ?? predictedOf(event.scores, classes) ?? ''),
      csvField(event.error ?? ''),
    ].join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

function predictedOf(scores: readonly number[] | null, classes: readonly string[]): string | null {
  if (!scores || scores.length !== classes.length || classes.length === 0) return null;
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  return classes[best];
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Saves a blob under `fileName` through a temporary link (works in every current browser). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
