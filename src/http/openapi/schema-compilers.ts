import type { FastifyInstance } from 'fastify';

/**
 * Route schemas are zod and exist for the OpenAPI document. Handlers parse their
 * input with the very same schemas themselves, because start, stop and status read
 * the query string and the body as one set of parameters, which Fastify's
 * per-part validation cannot express; so Fastify's own validation passes
 * everything through. Answers are plain JSON: the contract tests check them
 * against the document, where a check per answer would cost every request.
 */
export function useZodRouteSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(() => (value) => ({ value }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
