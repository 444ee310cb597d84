import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: object;
}

/**
 * Checks every answer an app gives against its own OpenAPI document: the status
 * must be documented for the route, and a JSON body must match the schema. So
 * the integration tests, whatever they are about, keep the document true.
 */
export function watchContract(app: FastifyInstance): { violations: string[] } {
  const violations: string[] = [];
  const validators = new Map<string, ValidateFunction | undefined>();
  let ajv: Ajv2020 | undefined;
  let doc: Document | undefined;

  const validatorFor = (key: string, schema: object | undefined): ValidateFunction | undefined => {
    if (!validators.has(key)) {
      ajv ??= addFormats.default(new Ajv2020({ strict: false, allErrors: true }));
      validators.set(key, schema ? ajv.compile({ ...schema, components: doc!.components }) : undefined);
    }
    return validators.get(key);
  };

  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (route === undefined || !('swagger' in app)) return payload;
    doc ??= (app as unknown as { swagger(): Document }).swagger();
    const path = route.replace(/:(\w+)/g, '{$1}');
    const operation = doc.paths[path]?.[request.method.toLowerCase()];
    if (!operation) return payload; // hidden (Swagger UI's own files) or HEAD
    const status = String(reply.statusCode);
    const documented = operation.responses?.[status];
    const where = `${request.method} ${path} ${status}`;
    if (!documented) {
      violations.push(`${where}: status not in the document`);
      return payload;
    }
    const type = String(reply.getHeader('content-type') ?? '').split(';')[0]!;
    if (type !== 'application/json') return payload;
    const validate = validatorFor(where, documented.content?.['application/json']?.schema);
    if (!validate) {
      violations.push(`${where}: a JSON answer the document does not describe`);
    } else {
      const body: unknown = JSON.parse(String(payload));
      if (!validate(body)) violations.push(`${where}: ${ajv!.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`);
    }
    return payload;
  });
  return { violations };
}
