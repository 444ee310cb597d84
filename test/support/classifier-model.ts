import { writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface ClassifierModelOptions {
  /** Square NCHW input; the batch dimension is symbolic. */
  size: number;
  /** [3][C]: logit c = Σ channel mean × weights[channel][c] + bias[c]. */
  weights: number[][];
  bias: number[];
  /** Model metadata, e.g. { names: "{0: 'red'}" }. */
  metadata?: Record<string, string>;
  /** End in a Softmax, as Ultralytics' -cls exports do, instead of logits. */
  softmax?: boolean;
}

/**
 * A real MobileNet-shaped classifier: [N,3,s,s] → GlobalAveragePool → Flatten
 * → Gemm → [N,C]. Its logits are an affine function of each channel's mean
 * (after the daemon's normalization), so a test can compute its answer for a
 * plain-coloured picture exactly.
 */
export function classifierModel(options: ClassifierModelOptions): Uint8Array {
  const classes = options.bias.length;
  const node = (op: string, inputs: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []) =>
    onnx.NodeProto.create({ opType: op, input: inputs, output: [output], name: output, attribute });
  const valueInfo = (name: string, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } },
      },
    });
  const nodes = [
    node('GlobalAveragePool', ['images'], 'pooled'),
    node('Flatten', ['pooled'], 'features'),
    node('Gemm', ['features', 'weights', 'bias'], options.softmax ? 'logits' : 'output'),
  ];
  if (options.softmax)
    nodes.push(
      node('Softmax', ['logits'], 'output', [
        onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
      ]),
    );
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'stream-manager tests',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'classifier',
      node: nodes,
      initializer: [
        onnx.TensorProto.create({ name: 'weights', dims: [3, classes], dataType: FLOAT, floatData: options.weights.flat() }),
        onnx.TensorProto.create({ name: 'bias', dims: [classes], dataType: FLOAT, floatData: options.bias }),
      ],
      input: [valueInfo('images', ['batch', 3, options.size, options.size])],
      output: [valueInfo('output', ['batch', classes])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export async function writeClassifierModel(file: string, options: ClassifierModelOptions): Promise<string> {
  await writeFile(file, classifierModel(options));
  return file;
}
