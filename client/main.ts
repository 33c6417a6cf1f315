// Entry of the dashboard: picks the data source (the GraphQL API of the serving host, or the recorded
// sample predictions with ?demo=sample) and mounts <astri-app>.
import './components/astri-app.ts';
import { DemoSource } from './demo/demo-source.ts';
import { GraphQLSource } from './graphql/graphql-source.ts';
import { readUrlState } from './state/url-state.ts';
import type { DashboardSource } from './state/source.ts';

function chooseSource(): DashboardSource {
  const { demo } = readUrlState(window.location.search);
  // VITE_ASTRI_DEMO=1 (npm run dev:client:demo) makes the demo the default of a dev server.
  if (demo === 'sample' || (demo === null && import.meta.env.VITE_ASTRI_DEMO === '1')) return new DemoSource();
  return new GraphQLSource();
}

const app = document.createElement('astri-app');
app.source = chooseSource();
document.body.append(app);
