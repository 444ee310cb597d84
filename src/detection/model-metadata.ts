import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';

/** The model's custom metadata (Ultralytics puts class names under `names`). */
export async function readModelMetadata(file: string): Promise<Record<string, string>> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(file));
  return Object.fromEntries(model.metadataProps.map((entry) => [entry.key ?? '', entry.value ?? '']));
}
