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
  it('takes a Sequential model\'s input shape from its InputLayer and keeps only leaf layers', () => {
    const normalized = normalizeModelConfig(sequential(conv({ kernel_initializer: { class_name: 'GlorotUniform', config: {} } })), '2.11.0');
    expect(normalized.inputs).toEqual([{ tensor: 0, name: 'input_1', batchShape: [null, 8, 8, 1] }]);
    expect(normalized.layers).toMatchObject([{ name: 'conv', kerasClassName: 'Conv2D', tfjsClassName: 'Conv2D' }]);
    expect(normalized.nodes.map((node) => [node.layer.name, node.inputs, node.output])).toEqual([['conv', [0], 1]]);
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
    expect(normalized.inputs[0].batchShape).toEqual([null, 5, 5, 1]);
  });

  it('turns SpatialDropout2D into Dropout but remembers the Keras class', () => {
    const normalized = normalizeModelConfig(sequential(conv(), { class_name: 'SpatialDropout2D', config: { name: 'sd', rate: 0.3 } }), '2.11.0');
    expect(normalized.layers[1]).toMatchObject({ name: 'sd', kerasClassName: 'SpatialDropout2D', tfjsClassName: 'Dropout' });
  });

  it('computes the activations tfjs lacks itself (hard_sigmoid of Keras 3, hard_silu)', () => {
    expect(normalizeModelConfig(sequential(conv({ activation: 'hard_sigmoid' })), '3.1.0').layers[0].tfjsClassName).toBe('Conv2D');
    expect(normalizeModelConfig(sequential({ class_name: 'Activation', config: { name: 'a', activation: 'hard_silu' } }), '3.1.0').layers[0].tfjsClassName).toBe(
      'KerasOp',
    );
  });

  it('refuses an activation it does not know, naming the layer', () => {
    expect(() => normalizeModelConfig(sequential(conv({ activation: 'quick_gelu' })), '2.11.0')).toThrow(
      /layer "conv" \(Conv2D\) cannot be loaded: activation "quick_gelu" is not supported/,
    );
  });

  it('refuses settings it cannot compute exactly, naming the layer and the setting', () => {
    const bilinear = { class_name: 'UpSampling2D', config: { name: 'up', size: [2, 2], interpolation: 'bilinear' } };
    expect(() => normalizeModelConfig(sequential(bilinear), '2.11.0')).toThrow(UnsupportedLayerConfigError);
    expect(() => normalizeModelConfig(sequential(bilinear), '2.11.0')).toThrow(/layer "up" \(UpSampling2D\) cannot be loaded: interpolation="bilinear"/);
    const padded = { class_name: 'Conv2DTranspose', config: { name: 'up_conv', filters: 2, kernel_size: 3, output_padding: [1, 1] } };
    expect(() => normalizeModelConfig(sequential(padded), '2.11.0')).toThrow(/layer "up_conv" \(Conv2DTranspose\) cannot be loaded: output_padding=\[1,1\]/);
    const lora = { class_name: 'Dense', config: { name: 'dense', units: 2, lora_rank: 4 } };
    expect(() => normalizeModelConfig(sequential(lora), '3.12.0')).toThrow(/layer "dense" \(Dense\) cannot be loaded: lora_rank=4 is not supported/);
    const renorm = { class_name: 'BatchNormalization', config: { name: 'bn', renorm: true } };
    expect(() => normalizeModelConfig(sequential(renorm), '2.11.0')).toThrow(/layer "bn" \(BatchNormalization\) cannot be loaded: renorm=true/);
  });

  it('inlines nested models under their names and refuses custom layers and RNNs', () => {
    const nested = { class_name: 'Sequential', config: { name: 'inner', layers: [conv()] } };
    const normalized = normalizeModelConfig(sequential(nested), '2.11.0');
    expect(normalized.layers.map((layer) => layer.name)).toEqual(['inner/conv']);
    const custom = { class_name: 'Dense', registered_name: 'my_package>Dense', config: { name: 'dense', units: 2 } };
    expect(() => normalizeModelConfig(sequential(custom), '3.0.0')).toThrow(UnsupportedLayerError);
    expect(() => normalizeModelConfig(sequential(custom), '3.0.0')).toThrow(/custom layer class "my_package>Dense"/);
    const lstm = { class_name: 'LSTM', config: { name: 'lstm', units: 2 } };
    expect(() => normalizeModelConfig(sequential(lstm), '2.11.0')).toThrow(/layer "lstm" \(LSTM\) cannot be loaded: recurrent layers/);
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
    const normalized = normalizeModelConfig(functional, '3.12.0');
    expect(normalized.kind).toBe('Functional');
    expect(normalized.nodes.map((node) => [node.layer.name, node.inputs, node.output])).toEqual([
      ['d', [0], 1],
      ['sum', [0, 1], 2],
    ]);
    expect(normalized.outputs).toEqual([{ tensor: 2, name: 'sum' }]);
  });

  it('calls a shared layer at each of its Keras 2 nodes, with one set of weights', () => {
    const functional = {
      class_name: 'Model',
      config: {
        name: 'siamese',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { batch_input_shape: [null, 4], name: 'x' }, inbound_nodes: [] },
          { class_name: 'Dense', name: 'shared', config: { name: 'shared', units: 4 }, inbound_nodes: [[['x', 0, 0, {}]], [['shared', 0, 0, {}]]] },
          { class_name: 'Add', name: 'sum', config: { name: 'sum' }, inbound_nodes: [[['shared', 0, 0, {}], ['shared', 1, 0, {}]]] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['sum', 0, 0]],
      },
    };
    const normalized = normalizeModelConfig(functional, '2.11.0');
    expect(normalized.layers.map((layer) => layer.name)).toEqual(['shared', 'sum']);
    expect(normalized.nodes.map((node) => [node.layer.name, node.inputs, node.output])).toEqual([
      ['shared', [0], 1],
      ['shared', [1], 2],
      ['sum', [1, 2], 3],
    ]);
  });
});

describe('call arguments', () => {
  const tensor = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [name, 0, 0] } });
  const model = (kwargs: Record<string, unknown>) => ({
    class_name: 'Functional',
    config: {
      name: 'functional',
      layers: [
        { class_name: 'InputLayer', name: 'x', config: { batch_shape: [null, 4], name: 'x' }, inbound_nodes: [] },
        { class_name: 'Dense', name: 'd', config: { name: 'd', units: 4 }, inbound_nodes: [{ args: [tensor('x')], kwargs }] },
      ],
      input_layers: ['x', 0, 0],
      output_layers: ['d', 0, 0],
    },
  });

  it('ignores training flags and absent masks, and refuses other call arguments naming the layer', () => {
    expect(() => normalizeModelConfig(model({ training: false, mask: null }), '3.12.0')).not.toThrow();
    expect(() => normalizeModelConfig(model({ mask: tensor('x') }), '3.12.0')).toThrow(/layer "d" \(Dense\) is called with argument "mask", which is not supported/);
  });
});
