# stream-manager: Node 20 + Debian's FFmpeg, running as a non-root user.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's CPU binaries ship in the package; skip its CUDA download.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund
COPY scripts/fetch-models.sh scripts/
RUN bash scripts/fetch-models.sh

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/models ./models
COPY package.json tsconfig.json ./
COPY src ./src
COPY public ./public
ENV NODE_ENV=production \
    PORT=8088 \
    HOST=0.0.0.0 \
    STREAM_DIR=/var/lib/stream-manager/streams \
    RECORD_DIR=/var/lib/stream-manager/recordings \
    EVENT_DIR=/var/lib/stream-manager/events
# /app belongs to root: everything the daemon writes lives here, in folders the node user owns.
RUN mkdir -p /var/lib/stream-manager/streams /var/lib/stream-manager/recordings /var/lib/stream-manager/events \
 && chown -R node:node /var/lib/stream-manager
USER node
EXPOSE 8088
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8088)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The command `npm start` runs, without npm in between, so SIGTERM reaches the daemon directly.
CMD ["node", "--import", "tsx", "src/main.ts"]
