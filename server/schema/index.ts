// The schema: each domain file adds its types and fields to the builder.
import { builder } from './builder.ts';
import './classes.ts';
import './datasets.ts';
import './events.ts';
import './models.ts';
import './metrics.ts';
import './energy-metrics.ts';
import './predictions.ts';
import './comparisons.ts';
import './uploads.ts';

export const schema = builder.toSchema({ sortSchema: false });
