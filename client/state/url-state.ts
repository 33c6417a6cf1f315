// The query string mirrors the chosen settings (and the run shown) so that a view can be shared:
// ?dataset=1&bin=2&events=500&samples=4&model=1&threshold=0.9&run=17 (plus demo=sample in the demo mode), and for
// runs over every bin bins=all with the fixed efficiencies of the plots against energy, geff=0.7&heff=0.1.
import type { DashboardSettings } from '../types.ts';

export interface UrlState {
  settings: Partial<DashboardSettings>;
  /** The finished run to show, if the link names one. */
  runId: string | null;
  /** The demo data to use instead of the API ("sample"). */
  demo: string | null;
}

/** The fixed efficiencies of the plots against energy, as PredictionRun.energyMetrics defaults them. */
export const DEFAULT_GAMMA_EFFICIENCY = 0.7;
export const DEFAULT_HADRON_EFFICIENCY = 0.1;

export const DEFAULT_SETTINGS: DashboardSettings = {
  datasetId: null,
  energyBin: null,
  allBins: false,
  gammaEfficiency: DEFAULT_GAMMA_EFFICIENCY,
  hadronEfficiency: DEFAULT_HADRON_EFFICIENCY,
  eventsPerClass: 500,
  samples: 4,
  modelId: null,
  threshold: 0.9,
};

export function readUrlState(search: string): UrlState {
  const params = new URLSearchParams(search);
  const settings: Partial<DashboardSettings> = {};
  const integer = (name: string): number | undefined => {
    const raw = params.get(name);
    if (raw === null || raw.trim() === '') return undefined;
    const value = Number(raw);
    return Number.isInteger(value) ? value : undefined;
  };
  const dataset = params.get('dataset');
  if (dataset) settings.datasetId = dataset;
  const bin = integer('bin');
  if (bin !== undefined && bin >= 0) settings.energyBin = bin;
  if (params.get('bins') === 'all') settings.allBins = true;
  const fraction = (name: string): number | undefined => {
    const value = Number(params.get(name) ?? Number.NaN);
    return params.has(name) && value >= 0 && value <= 1 ? value : undefined;
  };
  const gammaEfficiency = fraction('geff');
  if (gammaEfficiency !== undefined) settings.gammaEfficiency = gammaEfficiency;
  const hadronEfficiency = fraction('heff');
  if (hadronEfficiency !== undefined) settings.hadronEfficiency = hadronEfficiency;
  const events = integer('events');
  if (events !== undefined && events > 0) settings.eventsPerClass = events;
  const samples = integer('samples');
  if (samples !== undefined && samples >= 0) settings.samples = samples;
  const model = params.get('model');
  if (model) settings.modelId = model;
  const threshold = Number(params.get('threshold') ?? Number.NaN);
  if (params.has('threshold') && threshold >= 0 && threshold <= 1) settings.threshold = threshold;
  return { settings, runId: params.get('run') || null, demo: params.get('demo') || null };
}

/** The query string (with its "?") for the given state; keeps unrelated parameters of `previous`. */
export function writeUrlState(state: { settings: DashboardSettings; runId: string | null; demo: string | null }, previous = ''): string {
  const params = new URLSearchParams(previous);
  const set = (name: string, value: string | number | null) => {
    if (value === null || value === '') params.delete(name);
    else params.set(name, String(value));
  };
  set('dataset', state.settings.datasetId);
  set('bin', state.settings.energyBin);
  set('bins', state.settings.allBins ? 'all' : null);
  const { gammaEfficiency = DEFAULT_GAMMA_EFFICIENCY, hadronEfficiency = DEFAULT_HADRON_EFFICIENCY } = state.settings;
  set('geff', gammaEfficiency === DEFAULT_GAMMA_EFFICIENCY ? null : roundThreshold(gammaEfficiency));
  set('heff', hadronEfficiency === DEFAULT_HADRON_EFFICIENCY ? null : roundThreshold(hadronEfficiency));
  set('events', state.settings.eventsPerClass);
  set('samples', state.settings.samples);
  set('model', state.settings.modelId);
  set('threshold', roundThreshold(state.settings.threshold));
  set('run', state.runId);
  set('demo', state.demo);
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** Thresholds are chosen in steps of 0.01; keep URLs free of floating-point noise. */
export function roundThreshold(threshold: number): number {
  return Math.round(threshold * 1000) / 1000;
}
