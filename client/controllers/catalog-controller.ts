// Loads what can be chosen (energy bins, models, limits) when the page connects, and aborts on disconnect.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { DashboardError } from '../state/errors.ts';
import type { DashboardSource } from '../state/source.ts';
import type { Catalog } from '../types.ts';

export class CatalogController implements ReactiveController {
  catalog: Catalog | null = null;
  error: DashboardError | null = null;
  loading = false;
  private abort: AbortController | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: DashboardSource,
    private readonly onLoaded: (catalog: Catalog) => void = () => {},
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    if (!this.catalog && !this.loading) void this.load();
  }

  hostDisconnected(): void {
    this.abort?.abort();
    this.abort = null;
    this.loading = false;
  }

  async load(): Promise<void> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.loading = true;
    this.error = null;
    this.host.requestUpdate();
    try {
      const catalog = await this.source.loadCatalog(abort.signal);
      if (abort.signal.aborted) return;
      this.catalog = catalog;
      this.onLoaded(catalog);
    } catch (error) {
      if (abort.signal.aborted) return;
      this.error = error instanceof DashboardError ? error : new DashboardError(String(error instanceof Error ? error.message : error), 'INTERNAL_SERVER_ERROR');
    } finally {
      if (this.abort === abort) {
        this.loading = false;
        this.abort = null;
        this.host.requestUpdate();
      }
    }
  }
}
