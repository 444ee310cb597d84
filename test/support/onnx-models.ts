import { writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

export interface ConstantModelOptions {
  /** Image input size (NCHW). The batch dimension is symbolic when dynamicBatch is set. */
  width: number;
  height: number;
  dynamicBatch?: boolean;
  /** The output tensor the model returns, whatever the image. */
  output: number[];
  outputDims: number[];
  /** Ultralytics-style class names metadata, e.g. "{0: 'person'}". */
  names?: string;
  /**
   * Extra work per inference: this many 1024×1024 MatMuls that depend on the
   * input (so they cannot be folded away), for a model that is slow on purpose.
   */
  slowMatMuls?: number;
}

/**
 * A real ONNX model that onnxruntime runs: its output is a fixed tensor (plus
 * zero times a function of the input), so decoding can be checked exactly.
 */
export function constantOutputModel(options: ConstantModelOptions): Uint8Array {
  const { width, height } = options;
  const tensor = (name: string, dims: number[], values: number[]) =>
    onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: values });
  const node = (op: string, inputs: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []) =>
    onnx.NodeProto.create({ opType: op, input: inputs, output: [output], name: output, attribute });
  const keepdims0 = onnx.AttributeProto.create({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 });

  const axes = onnx.AttributeProto.create({ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 2, 3] });
  const initializer = [
    tensor('table', options.outputDims, options.output),
    tensor('zero', [], [0]),
    onnx.TensorProto.create({ name: 'lastAxis', dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [3] }),
  ];
  // zeros = 0 × mean(image), shaped [N, 1, 1]: depends on the input and broadcasts the table to the batch.
  const nodes = [
    node('ReduceMean', ['images'], 'mean', [axes]),
    node('Squeeze', ['mean', 'lastAxis'], 'mean3'),
    node('Mul', ['mean3', 'zero'], 'zeros'),
    node('Add', ['table', 'zeros'], options.slowMatMuls ? 'quick' : 'output'),
  ];
  if (options.slowMatMuls) {
    const n = 1024;
    initializer.push(tensor('seed', [n, n], new Array(n * n).fill(1)), tensor('weights', [n, n], new Array(n * n).fill(1 / n)));
    nodes.push(node('ReduceMean', ['zeros'], 'zero1', [keepdims0]), node('Add', ['seed', 'zero1'], 'x0'));
    for (let k = 0; k < options.slowMatMuls; k++) nodes.push(node('MatMul', [`x${k}`, 'weights'], `x${k + 1}`));
    nodes.push(
      node('ReduceMean', [`x${options.slowMatMuls}`], 'busy', [keepdims0]),
      node('Mul', ['busy', 'zero'], 'busyZero'),
      node('Add', ['quick', 'busyZero'], 'output'),
    );
  }

  const dim = (value: number | string) => (typeof value === 'string' ? { dimParam: value } : { dimValue: value });
  const valueInfo = (name: string, dims: Array<number | string>) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map(dim) } } },
    });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'stream-manager tests',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: options.names ? [{ key: 'names', value: options.names }] : [],
    graph: {
      name: 'constant',
      node: nodes,
      initializer,
      input: [valueInfo('images', [options.dynamicBatch ? 'batch' : 1, 3, height, width])],
      output: [valueInfo('output', [options.dynamicBatch ? 'batch' : 1, ...options.outputDims.slice(1)])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export async function writeModel(file: string, options: ConstantModelOptions): Promise<string> {
  await writeFile(file, constantOutputModel(options));
  return file;
}
