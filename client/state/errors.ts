// Errors the page can show next to the control they are about, whatever layer they came from.

/** The controls an error can be attached to; null means the page as a whole (a banner). */
export type ControlName = 'datasetId' | 'energyBin' | 'eventsPerClass' | 'samples' | 'modelId' | 'classMapping' | 'threshold';

const CONTROL_NAMES: readonly ControlName[] = ['datasetId', 'energyBin', 'eventsPerClass', 'samples', 'modelId', 'classMapping', 'threshold'];

export class DashboardError extends Error {
  override name = 'DashboardError';
  constructor(
    message: string,
    /** GraphQL extensions.code (BAD_USER_INPUT, NOT_FOUND, ...) or NETWORK for transport failures. */
    readonly code: string,
    readonly control: ControlName | null = null,
  ) {
    super(message);
  }
}

/**
 * Which control an API error belongs to: the server names the input field in extensions.field; older
 * servers (or errors raised by GraphQL validation) only name it in the message, so look there too.
 */
export function controlOf(field: unknown, message: string): ControlName | null {
  if (typeof field === 'string') {
    const last = field.split('.').pop() ?? field;
    if ((CONTROL_NAMES as readonly string[]).includes(last)) return last as ControlName;
  }
  for (const name of CONTROL_NAMES) {
    if (message.includes(`"${name}"`) || message.includes(`.${name}`) || message.includes(`${name} `)) return name;
  }
  if (/energy bin/i.test(message)) return 'energyBin';
  return null;
}

/** Errors grouped by control, plus the ones that belong to the page. */
export interface ErrorsByControl {
  controls: Partial<Record<ControlName, string>>;
  general: string[];
}

export function groupErrors(errors: readonly DashboardError[]): ErrorsByControl {
  const grouped: ErrorsByControl = { controls: {}, general: [] };
  for (const error of errors) {
    if (error.control) {
      const previous = grouped.controls[error.control];
      grouped.controls[error.control] = previous ? `${previous} ${error.message}` : error.message;
    } else {
      grouped.general.push(error.message);
    }
  }
  return grouped;
}
