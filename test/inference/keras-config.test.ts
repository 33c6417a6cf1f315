// Normalizing Keras model_config dialects, and refusing settings that would silently change the numbers.
import { describe, expect, it } from 'vitest';
import { UnsupportedLayerConfigError, UnsupportedLayerError, UnsupportedModelError } from '../../server/inference/errors.ts';
import { normalizeModelConfig } from '../../server/inference/keras-h5/config.ts';

const input = { class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 1], dtype: 'float32', name: 'input_1' } };

function sequential(...layers: Array<{ class_name: string; config: Record<string, unknown>; registered_name?: string | null }>) {
  return { class_name: 'Sequential', config: { name: 'sequential', layers: [input, ...layers] } };
}

function conv(config: Record<string, unknown> = {}) {
  return { class_name: 'Conv2D', config: { name: 'conv', filters: 2, kernel_size: [3, 3], activation: 'relu', ...config } };
}

describe('normalizeModelConfig', () => {
  it('moves the InputLayer shape onto the first layer of a Sequential model and drops initializers', () => {
    const normalized = normalizeModelConfig(sequential(conv({ kernel_initializer: { class_name: 'GlorotUniform', config: {} } })), '2.11.0');
    const [first] = (normalized.topology.config as { layers: Array<{ class_name: string; config: Record<string, unknown> }> }).layers;
    expect(first.class_name).toBe('Conv2D');
    expect(first.config.batch_input_shape).toEqual([null, 8, 8, 1]);
    expect(first.config).not.toHaveProperty('kernel_initializer');
    expect(normalized.layers).toEqual([{ name: 'conv', kerasClassName: 'Conv2D', tfjsClassName: 'Conv2D' }]);
  });

  it('reads Keras 3 batch_shape, dtype policies and build_input_shape', () => {
    const keras3 = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
        build_input_shape: [null, 5, 5, 1],
        layers: [conv({ dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' }, registered_name: null } })],
      },
    };
    const normalized = normalizeModelConfig(keras3, '3.12.0');
    const [first] = (normalized.topology.config as { layers: Array<{ config: Record<string, unknown> }> }).layers;
    expect(first.config.batch_input_shape).toEqual([null, 5, 5, 1]);
    expect(first.config.dtype).toBe('float32');
  });

  it('turns SpatialDropout2D into Dropout but remembers the Keras class', () => {
    const normalized = normalizeModelConfig(sequential(conv(), { class_name: 'SpatialDropout2D', config: { name: 'sd', rate: 0.3 } }), '2.11.0');
    expect(normalized.layers[1]).toEqual({ name: 'sd', kerasClassName: 'SpatialDropout2D', tfjsClassName: 'Dropout' });
  });

  it('refuses Keras 3 hard_sigmoid, which is not the Keras 2 function tfjs implements', () => {
    expect(() => normalizeModelConfig(sequential(conv({ activation: 'hard_sigmoid' })), '3.1.0')).toThrow(UnsupportedLayerConfigError);
    expect(() => normalizeModelConfig(sequential(conv({ activation: 'hard_sigmoid' })), '2.11.0')).not.toThrow();
  });

  it('refuses an activation it does not know, naming the layer', () => {
    expect(() => normalizeModelConfig(sequential(conv({ activation: 'exponential' })), '2.11.0')).toThrow(
      /layer "conv" \(Conv2D\) cannot be loaded: activation "exponential" is not supported/,
    );
  });

  it('refuses grouped convolutions and leaky or thresholded ReLU layers', () => {
    expect(() => normalizeModelConfig(sequential(conv({ groups: 2 })), '2.11.0')).toThrow(/groups=2/);
    const leaky = { class_name: 'ReLU', config: { name: 're_lu', negative_slope: 0.1 } };
    expect(() => normalizeModelConfig(sequential(conv(), leaky), '2.11.0')).toThrow(/layer "re_lu" \(ReLU\) cannot be loaded: negative_slope=0.1/);
  });

  it('refuses nested models and custom layers registered in Keras 3', () => {
    const nested = { class_name: 'Sequential', config: { name: 'inner', layers: [] } };
    expect(() => normalizeModelConfig(sequential(nested), '2.11.0')).toThrow(/layer "inner" \(Sequential\) cannot be loaded: nested models/);
    const custom = { class_name: 'Dense', registered_name: 'my_package>Dense', config: { name: 'dense', units: 2 } };
    expect(() => normalizeModelConfig(sequential(custom), '3.0.0')).toThrow(UnsupportedLayerError);
    expect(() => normalizeModelConfig(sequential(custom), '3.0.0')).toThrow(/custom layer class "my_package>Dense"/);
  });

  it('refuses what is not a Sequential or Functional model, Keras 1 files, and models without an input shape', () => {
    expect(() => normalizeModelConfig({ class_name: 'MyModel', config: {} }, '2.11.0')).toThrow(UnsupportedModelError);
    expect(() => normalizeModelConfig(sequential(conv()), '1.2.2')).toThrow(/Keras 1.2.2 files are not supported/);
    expect(() => normalizeModelConfig({ class_name: 'Sequential', config: { name: 's', layers: [conv()] } }, '2.11.0')).toThrow(
      /does not record its input shape/,
    );
  });

  it('reads Keras 3 functional call records with several inputs', () => {
    const tensor = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [name, 0, 0] } });
    const functional = {
      class_name: 'Functional',
      config: {
        name: 'functional',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { batch_shape: [null, 4], dtype: 'float32', name: 'x' }, inbound_nodes: [] },
          { class_name: 'Dense', name: 'd', config: { name: 'd', units: 4 }, inbound_nodes: [{ args: [tensor('x')], kwargs: {} }] },
          { class_name: 'Add', name: 'sum', config: { name: 'sum' }, inbound_nodes: [{ args: [[tensor('x'), tensor('d')]], kwargs: {} }] },
        ],
        input_layers: ['x', 0, 0],
        output_layers: ['sum', 0, 0],
      },
    };
    const topology = normalizeModelConfig(functional, '3.12.0').topology as {
      class_name: string;
      config: { layers: Array<{ inbound_nodes: unknown }>; input_layers: unknown; output_layers: unknown };
    };
    expect(topology.class_name).toBe('Model');
    expect(topology.config.layers[2].inbound_nodes).toEqual([[['x', 0, 0, {}], ['d', 0, 0, {}]]]);
    expect(topology.config.input_layers).toEqual([['x', 0, 0]]);
    expect(topology.config.output_layers).toEqual([['sum', 0, 0]]);
  });
});
